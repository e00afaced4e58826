"""The room microphone: a capture process feeding `FeatureExtractor` on a worker thread, reconnecting by itself.

The input device is opened in a separate process (runtime/devices/mic_capture.py) that streams its blocks
through a pipe; analysis runs on this process's worker thread, so neither the sound card nor the render
loop ever waits for it. A lost device (no audio for `stall_seconds`, the stream stopped, the capture
process ended) is reported as "lost: reason"; the worker then retries with a doubling back-off up to
`retry_max_seconds`, each time in a fresh process that enumerates the devices anew, until the device
(a restarted JACK server, a re-plugged USB microphone) is back and the status is "ok" again.
Meanwhile scenes get `None` (silence). PortAudio never runs in the show's process, so a vanished audio
server can neither hang nor abort it, also not at exit.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import numpy as np

from runtime import clock
from runtime.devices.mic_capture import BLOCK, HEADER
from runtime.devices.mic_features import FeatureExtractor, MicFeatures

__all__ = ["MicFeatures", "Microphone", "FeatureExtractor"]

CAPTURE_SCRIPT = Path(__file__).with_name("mic_capture.py")
OPEN_TIMEOUT = 10.0  # the capture process imports numpy and PortAudio and opens the device: slow on a busy box
FIRST_RETRY = 0.5  # seconds before the first reconnection attempt; doubles after each failure
HEALTHY_SECONDS = 10.0  # a connection that delivered audio this long resets the back-off


class _Lost(Exception):
    """The capture process ended or went silent; the message is the reason."""


class _Capture:
    """One capture process and the messages it writes (see runtime/devices/mic_capture.py)."""

    def __init__(self, settings: dict[str, Any]) -> None:
        env = dict(os.environ, JACK_NO_START_SERVER="1")  # PortAudio must not spawn a JACK server
        self.proc = subprocess.Popen([sys.executable, "-P", str(CAPTURE_SCRIPT), json.dumps(settings)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     env=env, start_new_session=True)
        self._fd = self.proc.stdout.fileno()  # type: ignore[union-attr]
        self._buffer = bytearray()

    def read(self, timeout: float) -> tuple[bytes, bytes] | None:
        """The next (kind, payload), or None after `timeout` s without one. Raises _Lost at end of file."""
        deadline = clock.now() + timeout
        while True:
            if len(self._buffer) >= HEADER.size:
                kind, size = HEADER.unpack_from(self._buffer)
                if len(self._buffer) >= HEADER.size + size:
                    payload = bytes(self._buffer[HEADER.size:HEADER.size + size])
                    del self._buffer[:HEADER.size + size]
                    return kind, payload
            left = deadline - clock.now()
            if left <= 0 or not select.select([self._fd], [], [], left)[0]:
                return None
            chunk = os.read(self._fd, 65536)
            if not chunk:
                code = self.proc.poll()
                raise _Lost(f"the capture process ended (exit code {code})")
            self._buffer += chunk

    def kill(self) -> None:
        """Kill the process: it may be stuck in a PortAudio call that never returns."""
        try:
            self.proc.kill()
        except OSError:
            pass

    def close(self) -> None:
        """Kill the process, reap it and close the pipes."""
        self.kill()
        try:
            self.proc.wait(timeout=5.0)
        except Exception:  # already gone, or the kernel is slow to reap: nothing more to do
            pass
        for pipe in (self.proc.stdin, self.proc.stdout):
            try:
                if pipe is not None:
                    pipe.close()
            except OSError:
                pass


class Microphone:
    """Microphone features at `samplerate / hop` Hz (100 Hz by default). `cfg` is [microphone]."""

    def __init__(self, cfg: dict[str, Any]) -> None:
        self.enabled = bool(cfg.get("enabled", True))
        self.device = cfg.get("device", "")  # "" = default input; else a name substring or an index
        self.samplerate = int(cfg.get("samplerate", 48000))
        self.hop = int(cfg.get("hop", 480))
        self.window = int(cfg.get("window", 2048))
        self.channel = int(cfg.get("channel", 0))
        self.stall_seconds = float(cfg.get("stall_seconds", 1.0))
        self.retry_max_seconds = float(cfg.get("retry_max_seconds", 10.0))
        self.extractor_args = dict(
            pitch_min=float(cfg.get("pitch_min", 60.0)),
            pitch_max=float(cfg.get("pitch_max", 1600.0)),
            onset_threshold_db=float(cfg.get("onset_threshold_db", 6.0)),
        )
        self._status = "off" if not self.enabled else "off: not started"
        self._latest: MicFeatures | None = None
        self._onsets: list[float] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._worker: threading.Thread | None = None
        self._capture: _Capture | None = None
        self._running = False
        self._backoff = FIRST_RETRY
        self.dropped_blocks = 0
        self.features_count = 0  # feature frames computed since start: one per `hop` samples
        self.samples_received = 0
        self.reconnects = 0  # connections made again after a loss
        self.device_name = ""  # the input device in use

    # ------------------------------------------------------------------------------------------ life cycle

    def start(self) -> None:
        """Open the device (waiting for the first attempt only); a failure is retried in the background."""
        if not self.enabled or self._running:
            return
        self._running = True
        self._wake.clear()
        self._backoff = FIRST_RETRY
        opened = self._open()
        self._worker = threading.Thread(target=self._run, args=(opened,), name="microphone", daemon=True)
        self._worker.start()

    def stop(self) -> None:
        self._running = False
        self._wake.set()
        with self._lock:
            capture = self._capture
        if capture is not None:
            capture.kill()  # the worker's read then ends and the worker reaps it
        if self._worker is not None:
            self._worker.join(timeout=5.0)
            self._worker = None
        with self._lock:
            capture, self._capture = self._capture, None
        if capture is not None:
            capture.close()
        with self._lock:
            self._latest, self._onsets = None, []
        self._status = "off"

    def _settings(self) -> dict[str, Any]:
        return {"device": self.device, "samplerate": self.samplerate, "hop": self.hop, "channel": self.channel}

    def _open(self) -> _Capture | None:
        """Start a capture process and wait until it has the stream open. Sets the status either way."""
        try:
            capture = _Capture(self._settings())
        except OSError as exc:
            self._status = f"lost: cannot start the capture process ({exc})"
            return None
        with self._lock:
            if not self._running:  # stopped meanwhile
                capture.close()
                return None
            self._capture = capture
        try:
            message = capture.read(OPEN_TIMEOUT)
            if message is None:
                raise _Lost(f"the input did not open within {OPEN_TIMEOUT:.0f} s")
            kind, payload = message
            if kind != b"I":
                raise _Lost(payload.decode(errors="replace"))
            self.device_name = str(json.loads(payload)["device"])
        except Exception as exc:  # _Lost, or a pipe or message gone wrong: the same for the show
            self._drop(capture)
            self._status = f"lost: {exc}" if isinstance(exc, _Lost) else f"lost: {type(exc).__name__}: {exc}"
            return None
        self._status = "ok"
        return capture

    def _drop(self, capture: _Capture) -> None:
        with self._lock:
            if self._capture is capture:
                self._capture = None
            self._latest, self._onsets = None, []  # scenes get silence until the input is back
        capture.close()

    def _run(self, capture: _Capture | None) -> None:
        """The worker: analyse while connected; when lost, retry with back-off until stopped."""
        while self._running:
            if capture is None:
                delay = self._backoff
                self._status = f"{self._status.split('; retrying')[0]}; retrying in {delay:.1f} s"
                if self._wake.wait(delay):
                    break
                self._backoff = min(self._backoff * 2, self.retry_max_seconds)
                capture = self._open()
                if capture is not None:
                    self.reconnects += 1
                continue
            try:
                self._analyse(capture)
            except _Lost as exc:
                if self._running:
                    self._status = f"lost: {exc}"
            except Exception as exc:  # a malformed message: treat like a lost device, never end the thread
                if self._running:
                    self._status = f"lost: {type(exc).__name__}: {exc}"
            self._drop(capture)
            capture = None

    def _analyse(self, capture: _Capture) -> None:
        """Feature extraction on the blocks of one connection, until it is lost (raises _Lost)."""
        extractor = FeatureExtractor(self.samplerate, self.hop, self.window, **self.extractor_args)
        connected = last_block = clock.now()
        dropped_before = 0
        while self._running:
            message = capture.read(min(0.2, self.stall_seconds))
            now = clock.now()
            if message is None:
                if now - last_block > self.stall_seconds:
                    raise _Lost(f"no audio from the input for {now - last_block:.1f} s")
                continue
            kind, payload = message
            if kind == b"E":
                raise _Lost(payload.decode(errors="replace"))
            if kind != b"B":
                continue
            last_block = now
            if now - connected > HEALTHY_SECONDS:
                self._backoff = FIRST_RETRY
            t_last, dropped = BLOCK.unpack_from(payload)
            block = np.frombuffer(payload, dtype=np.float32, offset=BLOCK.size)
            computed = extractor.push(block, t_last)
            ready = clock.now()
            with self._lock:
                self.dropped_blocks += dropped - dropped_before
                dropped_before = dropped
                self.samples_received += len(block)
                self.features_count += len(computed)
                for features in computed:
                    features.t_ready = ready
                    self._onsets.extend(features.onsets)
                if computed:
                    self._latest = computed[-1]

    # ------------------------------------------------------------------------------------------ readings

    def counts(self) -> tuple[int, int]:
        """(samples received, feature frames computed), read together."""
        with self._lock:
            return self.samples_received, self.features_count

    def latest(self) -> MicFeatures | None:
        """The newest features, with every onset since the previous call in `.onsets`; None while lost."""
        with self._lock:
            if self._latest is None:
                return None
            onsets, self._onsets = self._onsets, []
            f = self._latest
        return MicFeatures(f.t_capture, f.rms_db, bool(onsets), f.pitch_hz, f.pitch_confidence,
                           f.centroid_hz, f.mel, onsets, f.t_ready)

    def status(self) -> str:
        """"ok", "off[: reason]", or "lost: reason[; retrying in N s]"."""
        return self._status
