"""`python -m runtime supervise [--config F] [-- run args]`: keep the show running for months.

The show runs as a child process (`python -m runtime run --config F ...`) and sends a heartbeat
datagram every frame (runtime/installation/heartbeat.py). The supervisor restarts it when it

- exits with an error or is killed (a crash), after a back-off that doubles from
  [supervisor] backoff_min to backoff_max while it keeps failing, reset once it ran stable_seconds;
- stops beating for hang_seconds (start_seconds for the first beat): a hang; it is sent SIGTERM,
  then SIGKILL after stop_seconds;
- reaches [supervisor] daily_restart (a planned restart, no back-off);
- enters or leaves quiet_hours: then the show runs with quiet_args instead of the run arguments,
  or is stopped if quiet_args is empty.

A clean exit (the technician's exit keys) ends the supervisor too, unless restart_on_exit.
Every start, stop and its reason goes to the log ([supervisor] log_file, rotated) together with
the show's own output. Every [health] interval a health line goes out on OSC
(`/sala/health uptime fps people restarts`) and the status is written to [health] status_file.

Fault injection (for tests and for a technician who wants to see the watch work):
SALA_FAULT=crash-after:N[:C] or hang-after:N[:C] in the supervisor's environment reaches the
show, which then raises (or sleeps forever) on its Nth frame, in the first C children only if given.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import logging.handlers
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runtime.config import ConfigError
from runtime.installation.heartbeat import ENV_ADDRESS, ENV_CHILD
from runtime.osc.codec import encode_message

log = logging.getLogger("sala.supervisor")
show_log = logging.getLogger("sala.show")
POLL_SECONDS = 0.05


# --- the schedule ------------------------------------------------------------------------------
def parse_hhmm(text: str, key: str) -> dt.time:
    """'HH:MM' (24 h, local time); a bad value names the key."""
    try:
        hours, minutes = text.strip().split(":")
        return dt.time(int(hours), int(minutes))
    except ValueError:
        raise ConfigError(f"[supervisor] key {key!r} is {text!r}; expected local time HH:MM, e.g. '04:30'") from None


def in_window(t: dt.time, start: dt.time, end: dt.time) -> bool:
    """Is `t` within [start, end)? A window may wrap midnight (22:00 to 08:00)."""
    if start <= end:
        return start <= t < end
    return t >= start or t < end


def next_daily(now: dt.datetime, at: dt.time) -> dt.datetime:
    """The next moment after `now` whose local clock reads `at`."""
    candidate = now.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
    return candidate if candidate > now else candidate + dt.timedelta(days=1)


@dataclass
class Schedule:
    daily: dt.time | None = None
    quiet: tuple[dt.time, dt.time] | None = None

    @classmethod
    def from_config(cls, scfg: dict[str, Any]) -> Schedule:
        daily = parse_hhmm(scfg["daily_restart"], "daily_restart") if scfg["daily_restart"] else None
        quiet = None
        if scfg["quiet_hours"]:
            if len(scfg["quiet_hours"]) != 2:
                raise ConfigError(f"[supervisor] key 'quiet_hours' is {scfg['quiet_hours']!r}; expected "
                                  "[start, end] as HH:MM strings, e.g. ['22:00', '08:00'], or []")
            quiet = (parse_hhmm(scfg["quiet_hours"][0], "quiet_hours"), parse_hhmm(scfg["quiet_hours"][1],
                                                                                     "quiet_hours"))
        return cls(daily, quiet)

    def is_quiet(self, now: dt.datetime) -> bool:
        return self.quiet is not None and in_window(now.time(), *self.quiet)


# --- back-off ----------------------------------------------------------------------------------
@dataclass
class Backoff:
    minimum: float
    maximum: float
    stable: float
    delay: float = 0.0
    failures: int = 0  # consecutive

    def failed(self, ran_seconds: float) -> float:
        """A child failed after running `ran_seconds`: how long to wait before the next start."""
        if ran_seconds >= self.stable or self.failures == 0:
            self.failures, self.delay = 1, self.minimum
        else:
            self.failures += 1
            self.delay = min(self.maximum, max(self.delay * 2, self.minimum))
        return self.delay


# --- the supervisor ----------------------------------------------------------------------------
@dataclass
class Child:
    process: subprocess.Popen
    number: int
    started: float
    mode: str  # "show" | "quiet"
    last_beat: float | None = None
    beat: dict[str, Any] = field(default_factory=dict)
    output: deque[str] = field(default_factory=lambda: deque(maxlen=30))  # the last lines, for the reason
    reader: threading.Thread | None = None
    recent: deque[tuple[float, int]] = field(default_factory=lambda: deque(maxlen=240))  # (time, frame)

    def fps(self, now: float, window: float = 2.0) -> float:
        """Frames per second actually shown over the last `window` seconds (from the heartbeats)."""
        beats = [(t, f) for t, f in self.recent if now - t <= window]
        if len(beats) < 2 or beats[-1][0] <= beats[0][0]:
            return 0.0
        return (beats[-1][1] - beats[0][1]) / (beats[-1][0] - beats[0][0])


class Supervisor:
    def __init__(self, cfg: dict[str, Any], config_path: Path | None = None, run_args: list[str] | None = None,
                 wallclock: Callable[[], dt.datetime] = dt.datetime.now,
                 environ: dict[str, str] | None = None) -> None:
        self.cfg = cfg
        self.scfg = cfg["supervisor"]
        self.hcfg = cfg["health"]
        self.config_path = config_path
        self.run_args = list(run_args or [])
        self.wallclock = wallclock
        self.environ = dict(os.environ if environ is None else environ)
        self.schedule = Schedule.from_config(self.scfg)
        self.health_targets = [_parse_target(t) for t in self.hcfg["targets"]]
        self.backoff = Backoff(self.scfg["backoff_min"], self.scfg["backoff_max"], self.scfg["stable_seconds"])
        self.child: Child | None = None
        self.children_started = 0
        self.restarts = 0  # unplanned: crashes, hangs, failed starts
        self.planned_restarts = 0  # daily restart, quiet hours
        self.last_reason = ""
        self.last_restart_wall = ""
        self.events: list[tuple[float, str]] = []  # (monotonic time, what happened) for tests and status
        self.next_start = 0.0
        self.state = "starting"
        self.exit_code: int | None = None
        self._stop = threading.Event()
        self._t0 = time.monotonic()
        now = self.wallclock()
        self.next_daily = next_daily(now, self.schedule.daily) if self.schedule.daily else None
        self._quiet = self.schedule.is_quiet(now)
        self._beat_sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._beat_sock.bind(("127.0.0.1", 0))
        self._beat_sock.setblocking(False)
        self._health_sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._health_sock.setblocking(False)
        self.health_errors = 0
        self._next_health = 0.0
        self.on_beat: Callable[[dict[str, Any]], None] | None = None  # every heartbeat (the soak bench)

    # --- public ---------------------------------------------------------------------------------
    @property
    def heartbeat_address(self) -> tuple[str, int]:
        return self._beat_sock.getsockname()[:2]

    def stop(self) -> None:
        """Ask the loop to stop the show and return (from a signal handler or another thread)."""
        self._stop.set()

    def run(self) -> int:
        log.info("supervisor started (pid %d); heartbeat on %s:%d; hang after %.1f s", os.getpid(),
                 *self.heartbeat_address, self.scfg["hang_seconds"])
        try:
            while not self._stop.is_set() and self.exit_code is None:
                self.tick()
                self._stop.wait(POLL_SECONDS)
        finally:
            if self.child is not None:
                self._stop_child("supervisor stopping")
            self.state = "stopped"
            self.write_health()
            self.close()
            log.info("supervisor stopped")
        return self.exit_code or 0

    def close(self) -> None:
        """Release the sockets (run() does this when it returns)."""
        self._beat_sock.close()
        self._health_sock.close()

    # --- one turn of the loop -------------------------------------------------------------------
    def tick(self) -> None:
        t = time.monotonic()
        self._read_beats()
        wall = self.wallclock()
        quiet = self.schedule.is_quiet(wall)
        if quiet != self._quiet:
            self._quiet = quiet
            self._planned(("quiet hours begin" if quiet else "quiet hours end"), t)
        if self.next_daily is not None and wall >= self.next_daily:
            self.next_daily = next_daily(wall, self.schedule.daily)
            if self.child is not None:  # in quiet hours without a show there is nothing to restart
                self._planned("scheduled daily restart", t)
        if self.child is not None:
            self._watch_child(t)
        wants_show = not (self._quiet and not self.scfg["quiet_args"])
        if self.child is None and self.exit_code is None:
            if not wants_show:
                self.state = "quiet"
            elif t >= self.next_start:
                self._start_child(t)
            else:
                self.state = "backoff"
        if t >= self._next_health:
            self._next_health = t + self.hcfg["interval"]
            self.write_health()

    def _watch_child(self, t: float) -> None:
        child = self.child
        assert child is not None
        code = child.process.poll()
        if code is not None:
            self._reader_join(child)
            ran = t - child.started
            if code == 0 and not self.scfg["restart_on_exit"]:
                self._event(t, f"the show ended cleanly after {ran:.1f} s (exit keys); supervisor ends")
                self.child = None
                self.exit_code = 0
                return
            self._failed(t, f"{_describe_exit(code)} after {ran:.1f} s{_tail(child)}")
            return
        if child.last_beat is None:
            if t - child.started > self.scfg["start_seconds"]:
                self._hang(t, f"no first heartbeat within {self.scfg['start_seconds']:.1f} s of the start")
        elif t - child.last_beat > self.scfg["hang_seconds"]:
            self._hang(t, f"hang: no heartbeat for {t - child.last_beat:.1f} s "
                          f"(last frame {child.beat.get('frame', '?')})")
        elif child.beat:
            self.state = "running"

    def _hang(self, t: float, reason: str) -> None:
        assert self.child is not None
        ran = t - self.child.started
        self._stop_child(reason)
        self._failed(t, reason, ran=ran, stopped=True)

    def _failed(self, t: float, reason: str, ran: float | None = None, stopped: bool = False) -> None:
        child = self.child
        if ran is None and child is not None:
            ran = t - child.started
        self.child = None
        delay = self.backoff.failed(ran or 0.0)
        self.restarts += 1
        self.last_reason = reason
        self.last_restart_wall = self.wallclock().isoformat(timespec="seconds")
        self.next_start = time.monotonic() + delay
        self.state = "backoff"
        self._event(t, f"show failed: {reason}; restart #{self.restarts} in {delay:.1f} s "
                       f"({self.backoff.failures} failure(s) in a row)", level=logging.ERROR)

    def _planned(self, reason: str, t: float) -> None:
        if self.child is not None:
            self._stop_child(reason)
            self.planned_restarts += 1
        self.last_reason = reason
        self.next_start = 0.0
        self._event(t, f"{reason}: " + ("quiet arguments" if self._quiet and self.scfg["quiet_args"] else
                                        "show stopped" if self._quiet else "show (re)started"))

    # --- the child ------------------------------------------------------------------------------
    def command(self, quiet: bool) -> list[str]:
        if self.scfg["command"]:
            return list(self.scfg["command"])
        base = [sys.executable, "-m", "runtime", "run"]
        if self.config_path is not None:
            base += ["--config", str(self.config_path)]
        return base + (list(self.scfg["quiet_args"]) if quiet else self.run_args)

    def _start_child(self, t: float) -> None:
        self.children_started += 1
        env = dict(self.environ)
        host, port = self.heartbeat_address
        env[ENV_ADDRESS] = f"{host}:{port}"
        env[ENV_CHILD] = str(self.children_started)
        env.setdefault("PYTHONUNBUFFERED", "1")
        cmd = self.command(self._quiet)
        try:
            process = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, start_new_session=True)
        except OSError as exc:
            self._failed(t, f"cannot start {cmd[0]}: {exc}", ran=0.0)
            return
        mode = "quiet" if self._quiet else "show"
        self.child = Child(process, self.children_started, t, mode)
        self.state = "starting"
        self._event(t, f"show started: child #{self.children_started}, pid {process.pid}, {mode}: {' '.join(cmd)}")
        self.child.reader = threading.Thread(target=self._read_output, args=(self.child,), daemon=True,
                                             name=f"show output {process.pid}")
        self.child.reader.start()

    def _read_output(self, child: Child) -> None:
        stream = child.process.stdout
        assert stream is not None
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip()
            if line:
                child.output.append(line)
                show_log.info("[%d] %s", child.process.pid, line)
        stream.close()

    @staticmethod
    def _reader_join(child: Child) -> None:
        if child.reader is not None:
            child.reader.join(timeout=1.0)  # so the crash's last lines are in the reason

    def _stop_child(self, reason: str) -> None:
        child = self.child
        if child is None:
            return
        process = child.process
        self._event(time.monotonic(), f"stopping the show (pid {process.pid}): {reason}")
        if process.poll() is None:
            _signal_group(process, signal.SIGTERM)
            try:
                process.wait(self.scfg["stop_seconds"])
            except subprocess.TimeoutExpired:
                self._event(time.monotonic(), f"the show did not stop within {self.scfg['stop_seconds']:.1f} s: "
                                              "SIGKILL", level=logging.WARNING)
                _signal_group(process, signal.SIGKILL)
                process.wait(5.0)
        self._reader_join(child)
        self.child = None

    def _read_beats(self) -> None:
        while True:
            try:
                data = self._beat_sock.recv(4096)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            try:
                beat = json.loads(data)
            except ValueError:
                continue
            child = self.child
            if child is not None and isinstance(beat, dict) and beat.get("pid") == child.process.pid:
                child.last_beat = time.monotonic()
                child.beat = beat
                # The show's own clock (CLOCK_MONOTONIC is one clock for all processes) times its frames.
                child.recent.append((float(beat.get("t", child.last_beat)), int(beat.get("frame", 0))))
                if self.on_beat is not None:
                    self.on_beat(beat)
                if self.state == "starting":
                    self.state = "running"
                    self._event(child.last_beat, f"show running: first heartbeat after "
                                                 f"{child.last_beat - child.started:.1f} s")

    # --- health ---------------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        t = time.monotonic()
        child = self.child
        beat = child.beat if child is not None else {}
        fresh = child is not None and child.last_beat is not None and t - child.last_beat < 2.0
        return {
            "time": self.wallclock().isoformat(timespec="seconds"),
            "uptime_s": round(t - self._t0, 1),
            "state": self.state,
            "pid": child.process.pid if child is not None else None,
            "child": child.number if child is not None else None,
            "child_uptime_s": round(t - child.started, 1) if child is not None else 0.0,
            "heartbeat_age_s": round(t - child.last_beat, 2) if child and child.last_beat else None,
            "fps": round(child.fps(t), 1) if fresh else 0.0,
            "people": int(beat.get("people", 0)) if fresh else 0,
            "scene": beat.get("scene", ""),
            "frame": beat.get("frame", 0),
            "restarts": self.restarts,
            "planned_restarts": self.planned_restarts,
            "last_reason": self.last_reason,
            "last_restart": self.last_restart_wall,
            "next_daily_restart": self.next_daily.isoformat(timespec="minutes") if self.next_daily else None,
            "quiet": self._quiet,
            "health_send_errors": self.health_errors,
        }

    def write_health(self) -> dict[str, Any]:
        status = self.status()
        message = encode_message(self.hcfg["address"], (float(status["uptime_s"]), float(status["fps"]),
                                                        int(status["people"]), int(status["restarts"])))
        for target in self.health_targets:
            try:
                self._health_sock.sendto(message, target)
            except OSError:  # a monitor that is not there costs a counter, never the watch
                self.health_errors += 1
        if self.hcfg["status_file"]:
            _write_json_atomic(Path(self.hcfg["status_file"]), status)
        return status

    def _event(self, t: float, text: str, level: int = logging.INFO) -> None:
        self.events.append((t, text))
        del self.events[:-200]
        log.log(level, "%s", text)


# --- helpers -----------------------------------------------------------------------------------
def _parse_target(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"[health] key 'targets' has {text!r}; expected 'HOST:PORT', e.g. '127.0.0.1:9001'")
    return host, int(port)


def _describe_exit(code: int) -> str:
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


def _tail(child: Child) -> str:
    lines = [line for line in child.output if line.strip()]
    return ("; last output: " + " | ".join(lines[-3:])[-400:]) if lines else ""


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(process.pid, sig)  # the show and anything it started (pd, scsynth)
    except (ProcessLookupError, PermissionError):
        try:
            process.send_signal(sig)
        except ProcessLookupError:
            pass


def _write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        os.replace(tmp, path)  # a reader never sees half a file
    except OSError as exc:
        log.warning("cannot write status file %s: %s", path, exc)


def setup_logging(scfg: dict[str, Any]) -> None:
    """The log goes to a rotating file and to stderr (the journal when run by systemd)."""
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    root = logging.getLogger()
    if scfg["log_file"]:
        path = Path(scfg["log_file"])
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(path, maxBytes=scfg["log_max_bytes"],
                                                       backupCount=scfg["log_backups"], encoding="utf-8")
        handler.setFormatter(fmt)
        root.addHandler(handler)
    root.setLevel(logging.INFO)
