"""What `python -m runtime check` reports about sound and OSC: each item OK or with the reason."""

from __future__ import annotations

import shutil
import socket
import subprocess
from typing import Any

from runtime.check import Check


def _jack_running() -> bool:
    if shutil.which("jack_wait") is None:
        return False
    try:
        return subprocess.run(["jack_wait", "-c"], capture_output=True, timeout=5).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def check_sound(cfg: dict[str, Any]) -> list[Check]:
    out = []
    backend = cfg["audio"]["backend"]
    if backend == "jack":
        ok = _jack_running()
        out.append(Check("audio backend jack", ok, "a JACK server answers" if ok else
                         "no JACK server running (start jackd, or set [audio] backend)"))
    elif backend == "portaudio":
        from runtime.audio import AudioEngine

        reason = AudioEngine._portaudio_missing()
        out.append(Check("audio backend portaudio", not reason, reason or "PortAudio has an output device"))
    else:
        out.append(Check(f"audio backend {backend}", True, "no device needed"))
    mic = cfg["microphone"]
    if mic.get("enabled"):
        try:
            import sounddevice as sd

            inputs = [d["name"] for d in sd.query_devices() if d["max_input_channels"] > 0]
            want = str(mic.get("device") or "")
            ok = bool(inputs) and (not want or any(want.lower() in n.lower() for n in inputs))
            out.append(Check("microphone device", ok, f"inputs: {', '.join(inputs)}" if ok else
                             f"no input matches {want!r} (inputs: {', '.join(inputs) or 'none'}): "
                             "scenes get silence"))
        except Exception as exc:
            out.append(Check("microphone device", False, f"PortAudio unavailable ({exc}): scenes get silence"))
    osc = cfg["osc"]
    for target in osc.get("targets", []):
        try:
            socket.getaddrinfo(target["host"], target["port"] or 6448, type=socket.SOCK_DGRAM)
            out.append(Check(f"osc target {target['name']}", True, f"{target['host']}:{target['port']}"))
        except (OSError, UnicodeError) as exc:
            out.append(Check(f"osc target {target['name']}", False, f"cannot resolve {target['host']!r}: {exc}"))
    if osc.get("control_enabled", True):
        host, port = osc["control_host"], osc["control_port"]
        try:
            with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.bind((host, port))
            out.append(Check("osc control port", True, f"{host}:{port} is free"))
        except OSError as exc:
            out.append(Check("osc control port", False, f"{host}:{port}: {exc}"))
    for tool, package in (("scsynth", "supercollider-server"), ("pd", "puredata-core")):
        found = shutil.which(tool)
        out.append(Check(f"{tool} (optional receiver)", True, found or f"not installed (Debian {package})"))
    return out
