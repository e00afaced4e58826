"""The microphone's capture process: opens the input device with PortAudio and writes its blocks to stdout.

Run by `runtime.devices.microphone.Microphone` as `python -P mic_capture.py '<json settings>'`, one process per
connection. PortAudio lives here and never in the show's process because a vanished JACK server leaves
PortAudio unable to let go: closing the stream or terminating PortAudio then hangs, and the exit handler
aborts the process. A capture process is simply killed instead, and the next one enumerates the devices
afresh (PortAudio lists them only when it initialises).

Wire format on stdout, one message after another: kind (1 byte), payload length (uint32 LE), payload.
  b"I" JSON {"device": name, "channels": n}   the stream is open
  b"E" UTF-8 text                              the reason the capture ends; the process exits after it
  b"B" float64 t_last, uint32 dropped, float32 samples   one block; t_last is the time.monotonic() of
                                                          its last sample, dropped counts all blocks lost
Only the standard library, numpy and sounddevice are imported: this file runs without the project.
"""

from __future__ import annotations

import json
import os
import queue
import struct
import sys
import threading
import time
from typing import Any, NoReturn

HEADER = struct.Struct("<cI")
BLOCK = struct.Struct("<dI")


def pick_device(sd: Any, device: str | int) -> Any:
    """The PortAudio device for microphone.device: "" = default input, an index, or a name substring."""
    if device in ("", None):
        if sd.default.device[0] is None or sd.default.device[0] < 0:
            raise ValueError("no default input device")
        return None
    if isinstance(device, int):
        return device
    for index, dev in enumerate(sd.query_devices()):
        if str(device).lower() in dev["name"].lower() and dev["max_input_channels"] > 0:
            return index
    names = [d["name"] for d in sd.query_devices() if d["max_input_channels"] > 0]
    raise ValueError(f"microphone.device = {device!r} matches none of the inputs {names}")


def _send(kind: bytes, payload: bytes) -> None:
    try:
        os.write(1, HEADER.pack(kind, len(payload)) + payload)
    except OSError:  # the show went away: nobody to capture for
        os._exit(0)


def _end(reason: str, code: int) -> NoReturn:
    """Report why and leave at once: exit handlers would ask PortAudio to terminate, which can hang."""
    _send(b"E", reason.encode())
    os._exit(code)


def _exit_with_parent() -> NoReturn:
    """stdin is a pipe from the show: end of file means the show is gone (even if it was killed)."""
    try:
        while os.read(0, 1024):
            pass
    except OSError:
        pass
    os._exit(0)


def run(settings: dict[str, Any]) -> None:
    threading.Thread(target=_exit_with_parent, daemon=True).start()
    try:
        import numpy as np
        import sounddevice as sd
    except OSError as exc:  # libportaudio missing
        _end(f"PortAudio is not available ({exc})", 2)
    samplerate, hop, channel = int(settings["samplerate"]), int(settings["hop"]), int(settings["channel"])
    blocks: queue.Queue[tuple[Any, float]] = queue.Queue(maxsize=200)
    dropped = 0

    def callback(indata: Any, frames: int, time_info: Any, status: Any) -> None:
        nonlocal dropped
        now = time.monotonic()
        # the ADC time of the block's first sample, as PortAudio reports it; without it (0 or absurd)
        # the callback is taken to run just after the last sample arrived
        delay = float(time_info.currentTime - time_info.inputBufferAdcTime) if time_info else 0.0
        t_last = now - delay + (frames - 1) / samplerate if 0.0 < delay < 1.0 else now
        try:
            blocks.put_nowait((indata[:, channel].copy(), t_last))
        except queue.Full:  # the show is not reading: never block the audio thread
            dropped += 1

    try:
        device = pick_device(sd, settings["device"])
        info = sd.query_devices(device, kind="input")
        channels = max(1, min(int(info["max_input_channels"]), channel + 1))
        if channel >= channels:
            raise ValueError(f"microphone.channel = {channel}: {info['name']!r} has {channels} input channel(s)")
        stream = sd.InputStream(device=device, samplerate=samplerate, blocksize=hop, channels=channels,
                                dtype="float32", callback=callback)
        stream.start()
    except Exception as exc:  # PortAudioError, ValueError: no device, wrong rate, busy
        _end(f"no usable input device ({type(exc).__name__}: {exc})", 3)
    _send(b"I", json.dumps({"device": str(info["name"]), "channels": channels}).encode())
    while True:
        try:
            block, t_last = blocks.get(timeout=0.2)
        except queue.Empty:
            if not stream.active:  # the JACK server shut down or the device went away
                _end("the input stream stopped (device or audio server gone)", 4)
            continue
        _send(b"B", BLOCK.pack(t_last, dropped) + np.ascontiguousarray(block, dtype=np.float32).tobytes())


if __name__ == "__main__":
    run(json.loads(sys.argv[1]))
