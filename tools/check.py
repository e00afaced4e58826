"""`python -m runtime check`: what this machine offers the show, each item OK or with a reason."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from runtime.config import ROOT


@dataclass
class Check:
    item: str
    ok: bool
    detail: str


# Model files the scenes load at start-up, relative to the repository.
MODEL_FILES = (
    "models/mediapipe/pose_landmarker.task",
    "models/mediapipe/hand_landmarker.task",
    "models/people/person_detector.pbtxt",
    "models/postures/posture_classifier.onnx",
    "models/sonification/shipped/image_to_sound.onnx",
    "models/signs/signs.onnx",
)


def check_cameras(cfg: dict[str, Any]) -> list[Check]:
    from runtime.devices.cameras import probe_camera
    from runtime.devices.sources import resolve_auto

    out = []
    for name, ccfg in cfg["cameras"].items():
        spec = ccfg["spec"]
        kind, _, arg = spec.partition(":")
        if kind == "auto":
            resolved, note = resolve_auto(spec)
            out.append(Check(f"camera {name}", True, f"auto -> {resolved} ({note})"))
        elif kind == "camera":
            ok = arg.isdigit() and probe_camera(int(arg))
            out.append(Check(f"camera {name}", ok, f"{spec} opens" if ok else f"{spec} does not open"))
        elif kind in ("video", "replay") or (kind == "images" and arg != "builtin"):
            exists = Path(arg).exists()
            out.append(Check(f"camera {name}", exists, f"{spec}: {'found' if exists else 'not found'}"))
        else:
            out.append(Check(f"camera {name}", True, spec))
    return out


def check_gl(cfg: dict[str, Any]) -> list[Check]:
    try:
        import moderngl

        ctx = moderngl.create_standalone_context(backend="egl")
        info = ctx.info
        detail = f"{info['GL_RENDERER']}, OpenGL {info['GL_VERSION']}"
        ok = ctx.version_code >= 330
        ctx.release()
        return [Check("GL", ok, detail if ok else f"{detail}: OpenGL 3.3 or later is needed")]
    except Exception as exc:
        return [Check("GL", False, f"no OpenGL context: {exc} (install Mesa: libgl1 libegl1 libegl-mesa0)")]


def check_audio_devices(cfg: dict[str, Any]) -> list[Check]:
    try:
        import sounddevice as sd

        devices = sd.query_devices()
        outputs = [d["name"] for d in devices if d["max_output_channels"] > 0]
        inputs = [d["name"] for d in devices if d["max_input_channels"] > 0]
        return [
            Check("audio output", bool(outputs), ", ".join(outputs) or "no output device (PortAudio sees none)"),
            Check("microphone", bool(inputs), ", ".join(inputs) or "no input device: scenes get silence"),
        ]
    except Exception as exc:
        return [Check("audio devices", False, f"PortAudio unavailable: {exc}")]


def check_models(cfg: dict[str, Any]) -> list[Check]:
    out = []
    for rel in MODEL_FILES:
        path = ROOT / rel
        if path.exists():
            out.append(Check(f"model {rel}", True, f"{path.stat().st_size // 1024} KiB"))
        else:
            out.append(Check(f"model {rel}", False, "missing (make setup builds or ships it)"))
    # Weights that ship inside packages: the person detector's and the pose landmark network's (with
    # the runtime that runs it on the tracker's regions).
    from runtime.perception import landmarks, people
    from runtime.perception.model import ModelBundleError

    packaged = (("person detector weights", people.weights_path), ("pose landmark network", landmarks.model_path))
    for name, find in packaged:
        try:
            path = find()
            ok = path.is_file()
            out.append(Check(name, ok, f"{path} ({path.stat().st_size // 1024} KiB)" if ok else f"{path} missing"))
        except ModelBundleError as exc:
            out.append(Check(name, False, str(exc)))
    try:
        import ai_edge_litert  # noqa: F401

        out.append(Check("LiteRT runtime", True, "ai_edge_litert"))
    except ImportError:
        out.append(Check("LiteRT runtime", False, "missing: pip install --no-deps ai-edge-litert==2.3.0 (make setup)"))
    return out


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
        from sound.engine import AudioEngine

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


CHECKS: list[Callable[[dict[str, Any]], list[Check]]] = [check_gl, check_cameras, check_audio_devices,
                                                         check_sound, check_models]


def run_checks(cfg: dict[str, Any], as_json: bool = False) -> int:
    results: list[Check] = []
    for check in CHECKS:
        try:
            results.extend(check(cfg))
        except Exception as exc:  # a check must report, never stop the others
            results.append(Check(check.__name__, False, f"{type(exc).__name__}: {exc}"))
    if as_json:
        print(json.dumps([asdict(r) for r in results], indent=2))
    else:
        for r in results:
            print(f"{'OK  ' if r.ok else 'FAIL'}  {r.item}: {r.detail}")
    return 0
