"""The audio engine: boots pyo on the configured backend and plays the scenes' SoundCommands.

Backends: "jack" (real time on a JACK server), "portaudio" (a sound card, guarded: pyo crashes the
process when PortAudio has no output device, so that is checked first), "offline" (pyo driven
block by block by the app clock or by `render()`, optionally recorded to a file), "none".
A failing or vanished audio server never stops the show: the engine reports "lost: reason" and
`poll()` reconnects in the background with an increasing back-off.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from sound.commands import SoundCommand

BACKENDS = ("jack", "portaudio", "offline", "none")
MAX_BACKOFF = 10.0


class AudioEngine:
    """`cfg` is the [audio] config section; `now` is the show's clock (monotonic seconds)."""

    def __init__(self, cfg: dict[str, Any], now: Callable[[], float] = time.monotonic) -> None:
        self._now = now
        self.backend = str(cfg.get("backend", "none"))
        if self.backend not in BACKENDS:
            raise ValueError(f"audio.backend = {self.backend!r}: allowed values are {', '.join(BACKENDS)}")
        self.samplerate = int(cfg.get("samplerate", 48000))
        self.channels = int(cfg.get("channels", 2))
        if not 1 <= self.channels <= 64:
            raise ValueError(f"audio.channels = {self.channels}: must be 1..64")
        self.buffersize = int(cfg.get("buffersize", 256))
        self.jack_name = str(cfg.get("jack_name", "sala"))
        self.jack_connect = bool(cfg.get("jack_connect", True))
        self.offline_file = str(cfg.get("offline_file", ""))
        self.polyphony = {k.removeprefix("polyphony_"): int(v) for k, v in cfg.items() if k.startswith("polyphony_")}
        self.polyphony.update({k: int(v) for k, v in dict(cfg.get("polyphony", {})).items()})
        self.ceiling_db = float(cfg.get("ceiling_db", -1.0))
        self.master = {k: float(cfg[k]) for k in ("volume", "reverb", "room") if k in cfg}
        self.seed = int(cfg.get("seed", 0))
        self._server: Any = None
        self._board: Any = None
        self._status = "off: not started"
        self._started = False
        self._backoff = 0.5
        self._retry_at = 0.0
        self._reconnecting: threading.Thread | None = None
        self._lock = threading.Lock()
        self._offline_t0 = 0.0
        self._offline_blocks = 0
        self.dropped_commands = 0
        self.reconnects = 0

    # ------------------------------------------------------------------------------------------ life cycle

    def start(self) -> None:
        """Boot the backend. Never raises for a missing device or server: the reason is in status()."""
        self._started = True
        if self.backend == "none":
            self._status = "off: audio.backend = none"
            return
        if self.backend == "portaudio":
            reason = self._portaudio_missing()
            if reason:
                self._status = f"off: {reason}"
                return
        try:
            self._boot()
        except Exception as exc:  # no JACK server, device busy, pyo refused: report, retry later
            self._teardown()
            self._status = f"lost: {exc}" if self.backend == "jack" else f"off: {exc}"
            self._retry_at = self._now() + self._backoff

    @staticmethod
    def _portaudio_missing() -> str:
        from sound.pyo_lib import pyo

        try:
            default_out = pyo.pa_get_default_output()
        except Exception as exc:
            return f"PortAudio could not be asked for devices ({exc})"
        if default_out < 0:
            return ("PortAudio has no output device (pa_get_default_output() = "
                    f"{default_out}); use audio.backend = \"jack\", \"offline\" or \"none\"")
        return ""

    def _boot(self) -> None:
        from sound.board import SoundBoard
        from sound.pyo_lib import pyo

        audio = {"jack": "jack", "portaudio": "portaudio", "offline": "manual"}[self.backend]
        os.environ.setdefault("JACK_NO_START_SERVER", "1")  # never spawn a jackd on the sound card behind our back
        server = pyo.Server(sr=self.samplerate, nchnls=self.channels, buffersize=self.buffersize, duplex=0,
                            audio=audio, jackname=self.jack_name)
        server.deactivateMidi()
        server.setVerbosity(1)  # errors only
        if self.backend == "jack":
            server.setJackAuto(False, self.jack_connect)
        server.boot()
        if not server.getIsBooted():
            server.shutdown()
            raise RuntimeError(f"pyo could not boot the {self.backend} backend (is the server running?)")
        if self.seed:
            server.setGlobalSeed(self.seed)
        self._server = server
        board = SoundBoard(self.channels, server.getSamplingRate(), self.polyphony, self.ceiling_db, self.master)
        if self.backend == "offline" and self.offline_file:
            Path(self.offline_file).parent.mkdir(parents=True, exist_ok=True)
            server.recordOptions(dur=-1, filename=self.offline_file, fileformat=0, sampletype=3)
            server.recstart(self.offline_file)
        server.start()
        self._offline_t0, self._offline_blocks = self._now(), 0
        with self._lock:
            self._board = board
        self._status = "ok"
        self._backoff = 0.5

    def _teardown(self) -> None:
        with self._lock:
            self._board = None
        server, self._server = self._server, None
        if server is None:
            return
        try:
            if self.backend == "offline" and self.offline_file:
                server.recstop()
            server.stop()
            server.shutdown()
        except Exception:  # a server whose backend vanished may refuse; it is dropped either way
            pass

    def stop(self) -> None:
        self._started = False
        thread = self._reconnecting
        if thread is not None:
            thread.join(timeout=5.0)
        self._teardown()
        self._status = "off"

    # ------------------------------------------------------------------------------------------ per frame

    def apply(self, commands: list[SoundCommand]) -> None:
        """Play the scenes' commands (cheap: sets values on the running graph)."""
        if not commands:
            return
        with self._lock:
            board = self._board
            if board is None:
                self.dropped_commands += len(commands)
                return
            board.apply(commands, self._now())

    def poll(self, now: float) -> None:
        """Once per frame: notice a dead server, reconnect with back-off, drive the offline clock."""
        if not self._started or self.backend == "none":
            return
        board = self._board
        if board is not None:
            with self._lock:
                board.tick(now)
        if self.backend == "offline":
            if self._server is not None:
                due = int((now - self._offline_t0) * self.samplerate / self.buffersize)
                for _ in range(min(due - self._offline_blocks, int(self.samplerate / self.buffersize))):
                    self._server.process()
                self._offline_blocks = due
            return
        server = self._server
        if server is not None and not server.getIsBooted():
            self._status = f"lost: the {self.backend} audio server stopped"
            self._teardown()
            self._retry_at = now + self._backoff
        if self._server is None and now >= self._retry_at and self._reconnecting is None:
            if self.backend == "portaudio" and self._portaudio_missing():
                self._backoff = min(self._backoff * 2, MAX_BACKOFF)  # each probe re-initialises PortAudio
                self._retry_at = now + self._backoff
                return
            self._reconnecting = threading.Thread(target=self._reconnect, name="audio-reconnect", daemon=True)
            self._reconnecting.start()

    def _reconnect(self) -> None:
        try:
            self._boot()
            self.reconnects += 1
        except Exception as exc:
            self._teardown()
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            self._status = f"lost: {reason} (retrying every {min(self._backoff * 2, MAX_BACKOFF):.1f} s)"
            self._backoff = min(self._backoff * 2, MAX_BACKOFF)
            self._retry_at = self._now() + self._backoff
        finally:
            self._reconnecting = None

    def status(self) -> str:
        return self._status

    def errors(self) -> list[str]:
        """The newest sound-command errors (unknown instrument or parameter), for the overlay and check."""
        board = self._board
        return list(board.errors) if board is not None else []

    # ------------------------------------------------------------------------------------------ offline

    def render(self, seconds: float) -> np.ndarray:
        """Offline backend only: run the graph for `seconds` now and return the output (channels, samples)."""
        if self.backend != "offline" or self._server is None or self._board is None:
            raise RuntimeError(f"render() needs a started offline engine (backend {self.backend}, {self._status})")
        from sound.pyo_lib import pyo

        n = int(round(seconds * self.samplerate))
        table = pyo.NewTable(length=n / self.samplerate, chnls=self.channels)
        recorder = pyo.TableRec(self._board.master.output, table).play()
        for _ in range(-(-n // self.buffersize) + 1):
            self._server.process()
        recorder.stop()
        self._offline_blocks = int((self._now() - self._offline_t0) * self.samplerate / self.buffersize)
        data = np.array([np.asarray(table._base_objs[c].getTable(), dtype=np.float32)
                         for c in range(self.channels)])
        return data[:, :n]

    @property
    def board(self) -> Any:
        """The SoundBoard while the engine runs (for tests and `check`); None otherwise."""
        return self._board
