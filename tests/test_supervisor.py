"""The supervisor's watch with small real child processes: back-off, hang at start, clean exit,
quiet hours and the daily restart on a wall clock the test moves, the health line on OSC and in
the status file, rotating logs. (The real show crashing and hanging: test_faults_supervisor.py.)"""

from __future__ import annotations

import datetime as dt
import json
import logging
import socket
import sys
import threading
import time
from pathlib import Path

import pytest

from runtime.config import ConfigError, load
from runtime.installation.supervisor import Backoff, Schedule, Supervisor, in_window, next_daily, setup_logging
from runtime.osc.codec import decode_packet
from tests.conftest import ROOT, wait_for

# A stand-in show: beats like the app loop does, through the real runtime.installation.heartbeat.
BEATING_CHILD = [sys.executable, "-c", "import time\nfrom runtime.installation.heartbeat import Heartbeat\n"
                 "hb = Heartbeat.from_env()\nfor i in range(10**6):\n"
                 "    hb.beat(i, 30.0, 2, 'stub', 33.3)\n    time.sleep(0.02)\n"]


def make_cfg(tmp_path: Path, command: list[str], **supervisor) -> dict:
    sets = [f"supervisor.command={json.dumps(command)}", "supervisor.backoff_min=0.1",
            "supervisor.backoff_max=0.4", "supervisor.stop_seconds=1.0", "supervisor.start_seconds=10",
            "supervisor.hang_seconds=1.0", f'health.status_file="{tmp_path / "status.json"}"',
            "health.interval=0.2"]
    sets += [f"supervisor.{k}={json.dumps(v)}" for k, v in supervisor.items()]
    return load(None, sets)


class Clock:
    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now


def start(sup: Supervisor) -> threading.Thread:
    thread = threading.Thread(target=sup.run, daemon=True)
    thread.start()
    return thread


@pytest.fixture
def env():
    import os

    return {**os.environ, "PYTHONPATH": str(ROOT)}


def test_schedule_windows_and_daily_time():
    assert in_window(dt.time(23, 0), dt.time(22, 0), dt.time(8, 0))
    assert in_window(dt.time(7, 59), dt.time(22, 0), dt.time(8, 0))
    assert not in_window(dt.time(8, 0), dt.time(22, 0), dt.time(8, 0))
    assert in_window(dt.time(13, 0), dt.time(12, 0), dt.time(14, 0))
    assert next_daily(dt.datetime(2026, 3, 1, 3, 0), dt.time(4, 30)) == dt.datetime(2026, 3, 1, 4, 30)
    assert next_daily(dt.datetime(2026, 3, 1, 5, 0), dt.time(4, 30)) == dt.datetime(2026, 3, 2, 4, 30)
    with pytest.raises(ConfigError, match=r"'daily_restart' is '25:99'; expected local time HH:MM"):
        Schedule.from_config({"daily_restart": "25:99", "quiet_hours": []})
    with pytest.raises(ConfigError, match="'quiet_hours'"):
        Schedule.from_config({"daily_restart": "", "quiet_hours": ["22:00"]})


def test_backoff_doubles_while_failing_and_resets_after_a_stable_run():
    b = Backoff(minimum=1.0, maximum=10.0, stable=60.0)
    assert [b.failed(2.0) for _ in range(6)] == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0]
    assert b.failed(600.0) == 1.0 and b.failures == 1


def test_a_show_that_keeps_crashing_is_restarted_with_growing_delays(tmp_path, env):
    cfg = make_cfg(tmp_path, [sys.executable, "-c", "import sys; print('broken'); sys.exit(3)"])
    sup = Supervisor(cfg, environ=env)
    thread = start(sup)
    try:
        assert wait_for(lambda: sup.restarts >= 5)
    finally:
        sup.stop()
        thread.join(10)
    failures = [text for _, text in sup.events if text.startswith("show failed")]
    assert all("exit code 3" in f and "last output: broken" in f for f in failures)
    delays = [float(f.split(" in ")[1].split(" s")[0]) for f in failures[:5]]
    assert delays == [0.1, 0.2, 0.4, 0.4, 0.4]
    starts = [t for t, text in sup.events if text.startswith("show started")]
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert gaps[0] >= 0.1 and gaps[2] >= 0.4 and max(gaps) < 1.5


def test_no_first_heartbeat_is_a_hang_and_a_clean_exit_ends_the_watch(tmp_path, env):
    cfg = make_cfg(tmp_path, [sys.executable, "-c", "import time; time.sleep(60)"], start_seconds=0.5)
    sup = Supervisor(cfg, environ=env)
    thread = start(sup)
    try:
        assert wait_for(lambda: sup.restarts >= 1, timeout=5)
        assert "no first heartbeat within 0.5 s" in sup.last_reason
    finally:
        sup.stop()
        thread.join(10)
    cfg = make_cfg(tmp_path, [sys.executable, "-c", "pass"])
    sup = Supervisor(cfg, environ=env)
    assert sup.run() == 0 and sup.restarts == 0
    assert "ended cleanly" in sup.events[-1][1]


def test_quiet_hours_and_daily_restart_follow_the_wall_clock(tmp_path, env):
    cfg = make_cfg(tmp_path, BEATING_CHILD, daily_restart="12:00", quiet_hours=["22:00", "08:00"])
    cfg["supervisor"]["quiet_args"] = []
    clock = Clock(dt.datetime(2026, 3, 1, 21, 58))
    sup = Supervisor(cfg, wallclock=clock, environ=env)
    thread = start(sup)
    try:
        assert wait_for(lambda: sup.state == "running")
        first = sup.child.process.pid
        clock.now = dt.datetime(2026, 3, 1, 22, 0, 1)  # quiet hours: the show stops
        assert wait_for(lambda: sup.state == "quiet" and sup.child is None)
        assert wait_for(lambda: json.loads((tmp_path / "status.json").read_text())["quiet"] is True)
        time.sleep(0.2)
        assert sup.child is None
        clock.now = dt.datetime(2026, 3, 2, 8, 0, 0)  # quiet hours end
        assert wait_for(lambda: sup.state == "running")
        second = sup.child.process.pid
        clock.now = dt.datetime(2026, 3, 2, 12, 0, 5)  # the daily restart
        assert wait_for(lambda: sup.child is not None and sup.child.process.pid != second and sup.state == "running")
        assert sup.restarts == 0 and sup.planned_restarts == 2
        assert sup.next_daily == dt.datetime(2026, 3, 3, 12, 0)
    finally:
        sup.stop()
        thread.join(10)
    assert first != second
    texts = [text for _, text in sup.events]
    assert any(t.startswith("quiet hours begin: show stopped") for t in texts)
    assert any(t.startswith("scheduled daily restart") for t in texts)


def test_health_line_on_osc_and_in_the_status_file(tmp_path, env):
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(5.0)
    port = receiver.getsockname()[1]
    cfg = make_cfg(tmp_path, BEATING_CHILD)
    cfg["health"]["targets"] = [f"127.0.0.1:{port}", "127.0.0.1:9"]  # and one nobody listens on
    sup = Supervisor(cfg, environ=env)
    thread = start(sup)
    try:
        assert wait_for(lambda: sup.state == "running")
        time.sleep(0.5)
        messages = []
        while True:
            address, args = decode_packet(receiver.recv(4096))[0]
            messages.append(args)
            if args[1] > 0 and len(messages) > 3:
                break
    finally:
        sup.stop()
        thread.join(10)
        receiver.close()
    assert address == "/sala/health"
    uptime, fps, people, restarts = messages[-1]
    # The stand-in show beats every 20 ms (plus its own work): the frame rate shown, not a claimed one.
    assert 0.0 < uptime < 30.0 and 35.0 <= fps <= 50.5 and people == 2 and restarts == 0
    status = json.loads((tmp_path / "status.json").read_text())
    assert status["state"] == "stopped" and status["restarts"] == 0 and status["uptime_s"] >= uptime - 0.01


def test_logs_rotate_at_the_configured_size(tmp_path):
    cfg = load(None, [f'supervisor.log_file="{tmp_path / "logs" / "sala.log"}"', "supervisor.log_max_bytes=2000",
                      "supervisor.log_backups=2"])
    root = logging.getLogger()
    before = list(root.handlers)
    setup_logging(cfg["supervisor"])
    try:
        for i in range(200):
            logging.getLogger("sala.supervisor").info("line %d of a long night", i)
    finally:
        for handler in root.handlers[:]:
            if handler not in before:
                handler.close()
                root.removeHandler(handler)
    names = sorted(p.name for p in (tmp_path / "logs").iterdir())
    assert names == ["sala.log", "sala.log.1", "sala.log.2"]
    assert all(p.stat().st_size <= 2100 for p in (tmp_path / "logs").iterdir())
    assert "line 199" in (tmp_path / "logs" / "sala.log").read_text()


def test_supervise_refuses_a_bad_config_naming_file_and_key(tmp_path):
    import subprocess

    bad = tmp_path / "venue.toml"
    bad.write_text('[supervisor]\nhang_seconds = "soon"\n')
    proc = subprocess.run([sys.executable, "-m", "runtime", "supervise", "--config", str(bad)],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 2
    assert str(bad) in proc.stderr and "hang_seconds" in proc.stderr


def test_supervise_command_runs_logs_and_stops_cleanly_on_sigterm(tmp_path):
    import os
    import signal
    import subprocess

    venue = tmp_path / "venue.toml"
    venue.write_text(f"""
[supervisor]
command = {json.dumps(BEATING_CHILD)}
log_file = "{tmp_path / 'logs' / 'sala.log'}"
[health]
interval = 0.2
status_file = "{tmp_path / 'status.json'}"
""")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "runtime", "supervise", "--config", str(venue)], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert wait_for(lambda: (tmp_path / "status.json").exists()
                        and json.loads((tmp_path / "status.json").read_text())["state"] == "running", 30)
        child = json.loads((tmp_path / "status.json").read_text())["pid"]
        proc.send_signal(signal.SIGTERM)  # what systemd does on `systemctl stop sala`
        assert proc.wait(20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    assert not Path(f"/proc/{child}").exists() or "zombie" in Path(f"/proc/{child}/status").read_text().lower()
    log = (tmp_path / "logs" / "sala.log").read_text()
    assert "show started: child #1" in log and "supervisor got SIGTERM" in log and "supervisor stopped" in log
    assert json.loads((tmp_path / "status.json").read_text())["state"] == "stopped"


def test_systemd_unit_runs_the_supervisor_with_the_kiosk_config(tmp_path):
    import shutil
    import subprocess

    unit = (ROOT / "config" / "sala.service").read_text()
    exec_start = next(line for line in unit.splitlines() if line.startswith("ExecStart="))
    assert exec_start.endswith("-m runtime supervise --config config/kiosk.toml")
    assert "Restart=always" in unit and "WantedBy=graphical.target" in unit
    assert (ROOT / "config" / "kiosk.toml").exists()
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze not installed: the unit's syntax is not checked")
    local = tmp_path / "sala.service"
    local.write_text(unit.replace("/opt/sala", str(ROOT)).replace("User=sala", "User=root")
                     .replace("Group=sala", "Group=root"))
    done = subprocess.run(["systemd-analyze", "verify", str(local)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_the_show_ends_when_its_supervisor_is_killed(tmp_path):
    import os
    import signal
    import subprocess

    venue = tmp_path / "venue.toml"
    venue.write_text(f'[supervisor]\ncommand = {json.dumps(BEATING_CHILD)}\nlog_file = ""\n'
                     f'[health]\ninterval = 0.2\nstatus_file = "{tmp_path / "status.json"}"\n')
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "runtime", "supervise", "--config", str(venue)], cwd=ROOT,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def child_alive(pid: int) -> bool:
        try:
            return "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()
        except OSError:
            return False

    try:
        assert wait_for(lambda: (tmp_path / "status.json").exists()
                        and json.loads((tmp_path / "status.json").read_text())["state"] == "running", 30)
        child = json.loads((tmp_path / "status.json").read_text())["pid"]
        assert child_alive(child)
        proc.send_signal(signal.SIGKILL)  # no chance to stop its show
        proc.wait(10)
        assert wait_for(lambda: not child_alive(child), timeout=5)  # the orphaned show ends by itself
    finally:
        if proc.poll() is None:
            proc.kill()


def test_child_command_carries_config_run_args_and_quiet_args(tmp_path):
    cfg = load(None, ['supervisor.quiet_args=["--scene", "testcard"]'])
    sup = Supervisor(cfg, Path("config/kiosk.toml"), ["--scene", "pose_space", "--fullscreen"])
    try:
        assert sup.command(quiet=False)[1:] == ["-m", "runtime", "run", "--config", "config/kiosk.toml", "--scene",
                                                "pose_space", "--fullscreen"]
        assert sup.command(quiet=True)[-2:] == ["--scene", "testcard"]
    finally:
        sup.close()
