"""`python -m runtime eval people DIR [--json]`: how many people the show finds on photos of groups.

DIR/manifest.tsv lists the photos (columns file, min, max, then source and licence): each photo must
yield between `min` (everyone clearly in view) and `max` (also counting people far, small or mostly
cut off) people. Every photo goes through the show's own perception, a fresh PoseTracker built from
the config's [perception] section, as a still frame (`process(frame, still=True)`: its people count at
once, no confirmation over several frames).

    counted right   photos with min <= found <= max
    recall          sum(min(found, min)) / sum(min): the people who had to be found, and were
    found (clipped) sum(min(found, max)): people found, none beyond what the photo can hold
    ghosts          sum(max(0, found - max)): people found beyond what the photo can hold
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np


def read_manifest(folder: Path) -> list[dict[str, Any]]:
    path = folder / "manifest.tsv"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing")
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    for r in rows:
        r["min"], r["max"] = int(r["min"]), int(r["max"])
    return rows


def load_rgb(path: Path) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


def evaluate(folder: Path, cfg: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run the show's perception on every photo of the set that is present; see the module docstring."""
    from runtime.frames import CameraFrame
    from runtime.perception import PoseTracker

    rows = read_manifest(folder)
    present = [r for r in rows if (folder / r["file"]).is_file()]
    photos = []
    for k, r in enumerate(present):
        tracker = PoseTracker({**(cfg or {}), "spare_landmarkers": 0})
        image = load_rgb(folder / r["file"])
        t0 = time.perf_counter()
        result = tracker.process(CameraFrame(image, 0.0, k, r["file"]), still=True)
        ms = 1000 * (time.perf_counter() - t0)
        tracker.stop()
        found = len(result.people)
        photos.append({"file": r["file"], "min": r["min"], "max": r["max"], "found": found,
                       "right": r["min"] <= found <= r["max"], "ms": round(ms, 1), "passes": result.passes,
                       "heads": [[round(float(v), 3) for v in p.landmarks[:11, :2].mean(axis=0)]
                                 for p in result.people]})
    need = sum(p["min"] for p in photos)
    hit = sum(min(p["found"], p["min"]) for p in photos)
    return {
        "set": str(folder), "photos": len(photos), "missing_photos": [r["file"] for r in rows if r not in present],
        "counted_right": sum(p["right"] for p in photos),
        "expected": need, "found_required": hit, "recall": hit / need if need else 0.0,
        "found_clipped": sum(min(p["found"], p["max"]) for p in photos),
        "ghosts": sum(max(0, p["found"] - p["max"]) for p in photos),
        "ms_median": float(np.median([p["ms"] for p in photos])) if photos else 0.0,
        "per_photo": photos,
    }


def report(res: dict[str, Any]) -> str:
    lines = [f"{'photo':24s} {'min':>3s} {'max':>3s} {'found':>5s}  {'ms':>6s}"]
    for p in res["per_photo"]:
        mark = "ok" if p["right"] else ("ghost" if p["found"] > p["max"] else "missed")
        lines.append(f"{p['file']:24s} {p['min']:3d} {p['max']:3d} {p['found']:5d}  {p['ms']:6.0f}  {mark}")
    lines.append(f"counted right {res['counted_right']}/{res['photos']} photos; recall {res['found_required']}/"
                 f"{res['expected']} = {100 * res['recall']:.1f} %; found (clipped to max) {res['found_clipped']}; "
                 f"ghosts {res['ghosts']}; median {res['ms_median']:.0f} ms per photo")
    if res["missing_photos"]:
        lines.append(f"absent (see the set's gather script): {', '.join(res['missing_photos'])}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="sala eval people", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir", type=Path, nargs="?", default=Path("models/people/photos"),
                    help="folder with manifest.tsv and the photos (default models/people/photos)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--config", type=Path, help="a config file whose [perception] section to use")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help='override a [perception] key (TOML value), e.g. --set discovery=\"strips\"')
    args = ap.parse_args(argv)
    cfg = None
    if args.config or args.set:
        from runtime.config import load

        cfg = load(args.config, [f"perception.{kv}" for kv in args.set])["perception"]
    try:
        res = evaluate(args.dir, cfg)
    except FileNotFoundError as e:
        print(f"eval people: {e}", file=sys.stderr)
        return 2
    if not res["photos"]:
        print(f"eval people: none of the photos in {args.dir}/manifest.tsv is present", file=sys.stderr)
        return 2
    print(json.dumps(res, indent=1) if args.json else report(res))
    return 0
