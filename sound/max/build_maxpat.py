"""Writes sala_receive.maxpat: [udpreceive 9001] -> [route <every sala address>] -> [s sala-...].

Max's udpreceive unpacks OSC bundles and outputs each message with its address as the selector,
so one [route] splits the streams; a person's message is cut into id, score and 132 landmark
floats with [zl.slice 2]. `python -m sound.max.build_maxpat` rewrites the patch.
"""

from __future__ import annotations

import json
from pathlib import Path

PATCH = Path(__file__).resolve().parent / "sala_receive.maxpat"

# address -> receiver name (the order is the [route] outlet order)
ROUTES = {
    "/sala/frame": "sala-frame",
    "/sala/person": "",  # split below
    "/sala/person/enter": "sala-person-enter",
    "/sala/person/exit": "sala-person-exit",
    "/sala/posture/start": "sala-posture-start",
    "/sala/posture/end": "sala-posture-end",
    "/sala/sign/start": "sala-sign-start",
    "/sala/sign/end": "sala-sign-end",
    "/sala/mic": "sala-mic",
    "/sala/mic/mel": "sala-mic-mel",
    "/sala/mic/onset": "sala-mic-onset",
    "/sala/sonify": "sala-sonify",
    "/sala/sign/pose": "sala-sign-pose",
    "/sala/sign/face": "sala-sign-face",
    "/sala/pose_space/person": "sala-pose-space-person",
    "/sala/pose_space/group": "sala-pose-space-group",
    "/sala/sonification/params": "sala-sonification-params",
    "/sala/sonification/latents/image": "sala-sonification-latents-image",
    "/sala/sonification/latents/sound": "sala-sonification-latents-sound",
    "/mediapipe/pose": "sala-mediapipe-pose",
    "/wek/inputs": "sala-wek-inputs",
}


def build() -> dict:
    boxes: list[dict] = []
    lines: list[dict] = []

    def box(text: str, x: float, y: float, n_in: int, n_out: int, maxclass: str = "newobj") -> str:
        box_id = f"obj-{len(boxes) + 1}"
        entry = {"id": box_id, "maxclass": maxclass, "numinlets": n_in, "numoutlets": n_out,
                 "patching_rect": [x, y, max(60.0, 7.0 * len(text)), 22.0], "text": text}
        if n_out:
            entry["outlettype"] = [""] * n_out
        boxes.append({"box": entry})
        return box_id

    def line(src: str, outlet: int, dst: str, inlet: int = 0) -> None:
        lines.append({"patchline": {"source": [src, outlet], "destination": [dst, inlet]}})

    box("sala receiver: the sala OSC streams on UDP 9001, split into [r sala-...] receivers. "
        "See runtime/osc/OSC.md.", 20, 10, 1, 0, maxclass="comment")
    udp = box("udpreceive 9001", 20, 50, 1, 1)
    printer = box("print sala-in", 320, 90, 1, 0)
    route = box("route " + " ".join(ROUTES), 20, 90, 1, len(ROUTES) + 1)
    line(udp, 0, route)
    line(udp, 0, printer)
    for i, (address, receiver) in enumerate(ROUTES.items()):
        x = 20 + 140 * (i % 7)
        y = 160 + 60 * (i // 7)
        if address == "/sala/person":
            cut = box("zl.slice 2", x, y, 2, 2)
            ids = box("unpack i f", x, y + 200, 1, 2)
            line(route, i, cut)
            line(cut, 0, ids)
            line(ids, 0, box("s sala-person-id", x, y + 240, 1, 0))
            line(ids, 1, box("s sala-person-score", x + 130, y + 240, 1, 0))
            line(cut, 1, box("s sala-person-landmarks", x + 70, y + 280, 1, 0))
        else:
            line(route, i, box(f"s {receiver}", x, y, 1, 0))
    line(route, len(ROUTES), box("print sala-unknown", 700, 300, 1, 0))
    return {
        "patcher": {
            "fileversion": 1,
            "appversion": {"major": 8, "minor": 5, "revision": 0, "architecture": "x64", "modernui": 1},
            "classnamespace": "box",
            "rect": [100.0, 100.0, 1100.0, 700.0],
            "boxes": boxes,
            "lines": lines,
        }
    }


def write(path: Path = PATCH) -> Path:
    path.write_text(json.dumps(build(), indent=1) + "\n")
    return path


if __name__ == "__main__":
    print(write())
