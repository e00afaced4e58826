"""The show's state as show-control nodes: the scene selection and playlist, the volume, every
scene parameter with its type, range and unit, and the read-only figures (people, frame rate,
each track's posture, each device's health)."""

from __future__ import annotations

import math
from typing import Any

import cv2
import numpy as np

from runtime.frames import Beat, Person
from runtime.remote.surface import READ, WRITE, Node
from runtime.scene import ParamInfo, Scene
from runtime.scene_manager import SceneManager

TYPES = ((bool, "T"), (int, "i"), (float, "f"), (str, "s"))


def scene_nodes(name: str, cls: type[Scene], values: dict[str, Any]) -> list[Node]:
    out = []
    for key, default in cls.params.items():
        tag = next((t for kind, t in TYPES if isinstance(default, kind)), "s")
        info = cls.param_info.get(key, ParamInfo())
        value = values.get(key, default)
        out.append(Node(f"/sala/scenes/{name}/{key}", tag, value if tag != "s" else str(value), info.description,
                        min=info.min, max=info.max, unit=info.unit, choices=info.choices))
    return out


def show_nodes(scenes: SceneManager, volume: float, fps: float, frame_ms: float, people: list[Person],
               devices: dict[str, str], beat: Beat | None = None) -> list[Node]:
    current = scenes.current.name if scenes.current is not None else ""
    fps, frame_ms = (v if math.isfinite(v) else 0.0 for v in (fps, frame_ms))
    names = tuple(scenes.names)
    nodes = [
        Node("/sala/scene", "s", current, "the scene shown; setting it switches (crossfaded)", choices=names),
        Node("/sala/playlist", "s", " ".join(e["scene"] for e in scenes.playlist), "the timed playlist", READ),
        Node("/sala/volume", "f", float(volume), "master volume", min=0.0, max=1.0),
        Node("/sala/next", "N", None, "the next scene", WRITE),
        Node("/sala/previous", "N", None, "the previous scene", WRITE),
        Node("/sala/restart", "N", None, "the current scene starts afresh", WRITE),
        Node("/sala/screenshot", "N", None, "a PNG of the output into [recording] dir", WRITE),
        Node("/sala/state/fps", "f", round(float(fps), 1), "frames drawn a second", READ, unit="fps"),
        Node("/sala/state/frame_ms", "f", round(float(frame_ms), 2), "frame time (median)", READ, unit="ms"),
        Node("/sala/state/people", "i", len(people), "people tracked now", READ),
    ]
    if beat is not None:
        nodes += [Node("/sala/link/tempo", "f", round(beat.tempo, 3), "the Link session's tempo", min=20.0,
                       max=999.0, unit="BPM"),
                  Node("/sala/link/peers", "i", beat.peers, "other Link peers", READ)]
    for p in people:
        nodes.append(Node(f"/sala/state/tracks/{p.id}/posture", "s", p.posture or "", "the posture held", READ))
    for name, status in devices.items():
        nodes.append(Node(f"/sala/state/devices/{name.replace(' ', '_')}", "s", status, "health", READ))
    for name, cls in sorted(scenes.available.items()):
        instance = scenes.instances.get(name)
        nodes += scene_nodes(name, cls, instance.values if instance is not None else {})
    return nodes


def thumbnail(image: np.ndarray, width: int = 320) -> bytes:
    """An RGB image as a small JPEG for the operator page."""
    h, w = image.shape[:2]
    small = cv2.resize(image, (width, max(1, round(h * width / max(w, 1)))), interpolation=cv2.INTER_AREA)
    ok, data = cv2.imencode(".jpg", np.ascontiguousarray(small[:, :, ::-1]), [cv2.IMWRITE_JPEG_QUALITY, 70])
    return data.tobytes() if ok else b""
