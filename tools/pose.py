"""`python -m runtime pose ...`: perception from the command line.

    python -m runtime pose detect IMAGE [--json]         people found in a photo, with their landmarks
    python -m runtime pose detect VIDEO [--json]         per-frame tracks (ids, enter/exit, positions)
    python -m runtime pose detect --sample astronaut,camera [--json]   a composite of the built-in photos

`pose classify` is added by tools.posture when that package is present.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

VIDEO_SUFFIXES = {".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg"}


def register(subparsers: argparse._SubParsersAction) -> None:
    pose = subparsers.add_parser("pose", help="pose perception tools (detect; classify when available)")
    pose_sub = pose.add_subparsers(dest="pose_command", metavar="COMMAND")
    pose_sub.required = True
    detect = pose_sub.add_parser("detect", help="find people in an image (landmarks) or a video (tracks)")
    detect.add_argument("path", nargs="?", type=Path, help="image or video file")
    detect.add_argument("--sample", help="instead of a file: built-in photos side by side, e.g. "
                        "astronaut,camera,grace_hopper")
    detect.add_argument("--json", action="store_true", help="machine-readable output (video: one JSON per line)")
    detect.add_argument("--max-frames", type=int, default=0, help="video: stop after this many frames")
    detect.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="override a [perception] setting (TOML value), e.g. --set strips=[1,2]")
    detect.set_defaults(func=cmd_detect)
    try:  # the posture classifier lives with the scene that owns it
        from tools.posture import register_pose_commands
    except ImportError:
        return
    register_pose_commands(pose_sub)


def _settings(items: list[str]) -> dict[str, Any]:
    import tomllib

    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"--set {item!r}: expected KEY=VALUE")
        out[key.strip()] = tomllib.loads(f"v = {value}")["v"]
    return out


def read_image(path: Path) -> np.ndarray:
    """An image file as RGB uint8, or ValueError naming the file."""
    import cv2

    data = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if data is None:
        raise ValueError(f"{path}: not a readable image")
    return np.ascontiguousarray(data[:, :, ::-1])


def cmd_detect(args: argparse.Namespace) -> int:
    from runtime.perception import ModelBundleError, PoseTracker

    def fail(message: str) -> int:
        print(f"pose detect: {message}", file=sys.stderr)
        return 2

    # Check what was asked for before loading any model.
    image = None
    if args.sample:
        from runtime.perception import samples

        names = tuple(n.strip() for n in args.sample.split(",") if n.strip())
        unknown = [n for n in names if n not in samples.PHOTOS]
        if not names or unknown:
            return fail(f"--sample: unknown photo {unknown or args.sample!r}; allowed: {', '.join(samples.PHOTOS)}")
        image, name = samples.side_by_side(names).image, f"sample:{args.sample}"
    elif args.path is None:
        return fail("give an image or video path, or --sample NAMES")
    elif not args.path.is_file():
        return fail(f"{args.path}: no such file")
    elif args.path.suffix.lower() not in VIDEO_SUFFIXES:
        try:
            image, name = read_image(args.path), str(args.path)
        except ValueError as e:
            return fail(str(e))
    try:
        tracker = PoseTracker({"spare_landmarkers": 0, **_settings(args.set)})
    except (ValueError, ModelBundleError) as e:
        return fail(str(e))
    try:
        if image is None:
            return _detect_video(tracker, args.path, args.json, args.max_frames)
        return _detect_image(tracker, image, name, args.json)
    finally:
        tracker.stop()


def person_record(p: Any, landmarks: bool = True) -> dict[str, Any]:
    from body.angles import ANGLE_NAMES
    from runtime.perception.model import landmark_bbox

    rec: dict[str, Any] = {
        "id": p.id, "score": round(p.score, 3),
        "bbox": [round(float(v), 4) for v in landmark_bbox(p.landmarks)],
        "x": round(p.features["x"], 4), "depth_m": round(p.features["depth"], 3),
        "angles": {n: (None if not np.isfinite(p.features[n]) else round(p.features[n], 1)) for n in ANGLE_NAMES},
    }
    if landmarks:
        rec["landmarks"] = [[round(float(v), 4) for v in row] for row in p.landmarks]
    return rec


def _detect_image(tracker: Any, image: np.ndarray, name: str, as_json: bool) -> int:
    from body.landmarks import NAMES
    from runtime.frames import CameraFrame

    result = tracker.process(CameraFrame(image, 0.0, 0, name), still=True)
    h, w = image.shape[:2]
    if as_json:
        print(json.dumps({"source": name, "size": [w, h], "inference_ms": round(result.inference_ms, 1),
                          "people": [person_record(p) for p in result.people]}))
        return 0
    print(f"{name}: {w}x{h}, {len(result.people)} people ({result.inference_ms:.0f} ms)")
    for p in result.people:
        rec = person_record(p, landmarks=False)
        angles = ", ".join(f"{k} {v:.0f}" for k, v in rec["angles"].items() if v is not None)
        print(f"person {p.id}: score {p.score:.2f}, box {rec['bbox']}, depth ~{rec['depth_m']} m")
        print(f"  angles (deg): {angles}")
        for i, row in enumerate(p.landmarks):
            print(f"  {i:2d} {NAMES[i]:<17} x {row[0]:.3f}  y {row[1]:.3f}  z {row[2]:+.3f}  visibility {row[3]:.2f}")
    return 0


def _detect_video(tracker: Any, path: Path, as_json: bool, max_frames: int) -> int:
    import cv2

    from runtime.frames import CameraFrame

    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        print(f"pose detect: {path}: not a readable video", file=sys.stderr)
        return 2
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    k = 0
    try:
        while not max_frames or k < max_frames:
            ok, bgr = cap.read()
            if not ok:
                break
            r = tracker.process(CameraFrame(np.ascontiguousarray(bgr[:, :, ::-1]), k / fps, k, str(path)))
            if as_json:
                print(json.dumps({"frame": k, "t": round(k / fps, 4), "inference_ms": round(r.inference_ms, 1),
                                  "events": [[kind, pid] for kind, pid, _ in r.events],
                                  "people": [person_record(p) for p in r.people]}))
            else:
                tracks = "  ".join(f"#{p.id} x {p.features['x']:.2f} y {p.features['y']:.2f} s {p.score:.2f}"
                                   + (" (hidden)" if p.features["missing"] else "") for p in r.people)
                events = " ".join(f"{kind} #{pid}" for kind, pid, _ in r.events)
                print(f"frame {k:5d} t {k / fps:7.2f}s  {tracks or '-'}" + (f"  [{events}]" if events else ""))
            k += 1
    finally:
        cap.release()
    if k == 0:
        print(f"pose detect: {path}: no frames", file=sys.stderr)
        return 2
    return 0
