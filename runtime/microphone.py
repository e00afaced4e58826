"""The room microphone: a sounddevice input stream feeding `FeatureExtractor` on its own thread.

The audio callback only copies samples and stamps them with the engine clock; analysis runs on a
worker thread, so neither the sound card nor the render loop ever waits for it. Without a device
the microphone is "off" with the reason, and scenes get `None` (silence).
"""

from __future__ import annotations

import os
import queue
import threading
from typing import Any

import numpy as np

from runtime import clock
from runtime.mic_features import FeatureExtractor, MicFeatures

__all__ = ["MicFeatures", "Microphone", "FeatureExtractor"]

STALL_SECONDS = 1.0  # no block for this long while running: the device is lost


def _refresh_portaudio(sd: Any) -> None:
    """PortAudio lists devices once, at initialisation: re-initialise so that a JACK server or
    USB microphone that appeared after start-up is seen."""
    try:
        while sd._initialized > 0:
            sd._terminate()
        sd._initialize()
    except Exception:  # private API: if it is gone, the device list is just the one from import time
        pass


def _release_portaudio(sd: Any, server_alive: bool) -> None:
    """Let go of PortAudio (and with it of its JACK client) when the microphone stops.

    If the audio server already vanished, PortAudio's JACK back end aborts the process on
    Pa_Terminate; then PortAudio is abandoned instead (a small leak beats a crash at exit)."""
    try:
        if server_alive:
            while sd._initialized > 0:
                sd._terminate()
        else:
            sd._last_callback = None
            sd._initialized = 0
    except Exception:
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
        self.extractor_args = dict(
            pitch_min=float(cfg.get("pitch_min", 60.0)),
            pitch_max=float(cfg.get("pitch_max", 1600.0)),
            onset_threshold_db=float(cfg.get("onset_threshold_db", 6.0)),
        )
        self._status = "off" if not self.enabled else "off: not started"
        self._stream: Any = None
        self._blocks: queue.Queue[tuple[np.ndarray, float]] = queue.Queue(maxsize=200)
        self._latest: MicFeatures | None = None
        self._onsets: list[float] = []
        self._lock = threading.Lock()
        self._worker: threading.Thread | None = None
        self._running = False
        self._last_block_t = 0.0
        self.dropped_blocks = 0
        self.features_count = 0  # feature frames computed since start: one per `hop` samples
        self.samples_received = 0
        self.device_name = ""  # the input device in use

    def start(self) -> None:
        if not self.enabled or self._running:
            return
        os.environ.setdefault("JACK_NO_START_SERVER", "1")  # PortAudio must not spawn a JACK server
        try:
            import sounddevice as sd
        except OSError as exc:  # libportaudio missing
            self._status = f"off: PortAudio is not available ({exc})"
            return
        _refresh_portaudio(sd)
        try:
            device = self._pick_device(sd)
            info = sd.query_devices(device, kind="input")
            channels = max(1, min(int(info["max_input_channels"]), self.channel + 1))
            self._stream = sd.InputStream(
                device=device, samplerate=self.samplerate, blocksize=self.hop, channels=channels,
                dtype="float32", callback=self._callback,
            )
            self._stream.start()
        except Exception as exc:  # PortAudioError, ValueError: no device, wrong rate, busy
            self._stream = None
            self._status = f"off: no usable input device ({type(exc).__name__}: {exc})"
            return
        self._extractor = FeatureExtractor(self.samplerate, self.hop, self.window, **self.extractor_args)
        self._running = True
        self._last_block_t = clock.now()
        self._worker = threading.Thread(target=self._analyse_loop, name="microphone", daemon=True)
        self._worker.start()
        self.device_name = str(info["name"])
        self._status = "ok"

    def _pick_device(self, sd: Any) -> Any:
        if self.device in ("", None):
            if sd.default.device[0] is None or sd.default.device[0] < 0:
                raise ValueError("no default input device")
            return None
        if isinstance(self.device, int):
            return self.device
        for index, dev in enumerate(sd.query_devices()):
            if str(self.device).lower() in dev["name"].lower() and dev["max_input_channels"] > 0:
                return index
        names = [d["name"] for d in sd.query_devices() if d["max_input_channels"] > 0]
        raise ValueError(f"microphone.device = {self.device!r} matches none of the inputs {names}")

    def _callback(self, indata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        now = clock.now()
        # the ADC time of the block's first sample, as PortAudio reports it; without it (0 or absurd)
        # the callback is taken to run just after the last sample arrived
        delay = float(time_info.currentTime - time_info.inputBufferAdcTime) if time_info else 0.0
        if 0.0 < delay < 1.0:
            t_last = now - delay + (frames - 1) / self.samplerate
        else:
            t_last = now
        try:
            self._blocks.put_nowait((indata[:, self.channel].copy(), t_last))
        except queue.Full:
            self.dropped_blocks += 1

    def _analyse_loop(self) -> None:
        while self._running:
            try:
                block, t_last = self._blocks.get(timeout=0.2)
            except queue.Empty:
                continue
            self._last_block_t = clock.now()
            computed = self._extractor.push(block, t_last)
            ready = clock.now()
            with self._lock:
                self.samples_received += len(block)
                self.features_count += len(computed)
                for features in computed:
                    features.t_ready = ready
                    self._onsets.extend(features.onsets)
                if computed:
                    self._latest = computed[-1]

    def counts(self) -> tuple[int, int]:
        """(samples received, feature frames computed), read together."""
        with self._lock:
            return self.samples_received, self.features_count

    def latest(self) -> MicFeatures | None:
        """The newest features, with every onset since the previous call in `.onsets`."""
        with self._lock:
            if self._latest is None:
                return None
            onsets, self._onsets = self._onsets, []
            f = self._latest
        return MicFeatures(f.t_capture, f.rms_db, bool(onsets), f.pitch_hz, f.pitch_confidence,
                           f.centroid_hz, f.mel, onsets, f.t_ready)

    def status(self) -> str:
        if self._running and clock.now() - self._last_block_t > STALL_SECONDS:
            return f"lost: no audio from the input for {clock.now() - self._last_block_t:.1f} s"
        return self._status

    def stop(self) -> None:
        alive = not self.status().startswith("lost")
        self._running = False
        if self._stream is not None:
            import sounddevice as sd

            try:
                if alive:
                    self._stream.stop()
                    self._stream.close()
            except Exception as exc:  # a vanished device cannot be closed cleanly: note it and go on
                self._status = f"off: closed with an error ({exc})"
            self._stream = None
            _release_portaudio(sd, alive)
        if self._worker is not None:
            self._worker.join(timeout=1.0)
            self._worker = None
        if not self._status.startswith("off"):
            self._status = "off"
