"""Still photographs: perceptual hashes, and one person's MediaPipe landmarks wherever they stand.

`find_person(image)` runs MediaPipe's pose landmarker (the offline bundle in models/mediapipe) on the
whole frame (padded to a square); when it finds nobody (people small in the frame, or off to one side)
it tries overlapping square crops at three scales, larger first, stopping at the first scale that
finds a person whose shoulders, hips and knees are seen, and returns the landmarks of the best-seen,
then largest, person, in whole-frame coordinates. `phash` is a 64-bit DCT
perceptual hash (the same photo resized, recompressed or slightly cropped stays within a few bits).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from models.mediapipe.quiet_import import import_mediapipe

POSE_BUNDLE = Path(__file__).resolve().parents[1] / "mediapipe" / "pose_landmarker.task"
NEAR_DUPLICATE_BITS = 10  # perceptual-hash distance at or below which two photos count as the same


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def decode(data: bytes) -> np.ndarray | None:
    """RGB uint8 from encoded image bytes, or None when they are not an image."""
    import cv2

    if not data:
        return None
    try:
        arr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    except cv2.error:
        return None
    if arr is None or arr.ndim != 3 or min(arr.shape[:2]) < 16:
        return None
    return np.ascontiguousarray(arr[:, :, ::-1])


def phash(rgb: np.ndarray) -> int:
    """64-bit perceptual hash: the signs of the 8x8 lowest DCT frequencies of a 32x32 grey image
    against their median."""
    import cv2

    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
    small = cv2.resize(grey, (32, 32), interpolation=cv2.INTER_AREA)
    low = cv2.dct(small)[:8, :8].flatten()
    bits = low > np.median(low[1:])
    return int("".join("1" if b else "0" for b in bits), 2)


def hamming(a: np.ndarray, b: int) -> np.ndarray:
    """Bit distances between an array of 64-bit hashes and one hash."""
    x = np.bitwise_xor(a.astype(np.uint64), np.uint64(b))
    return np.unpackbits(x.view(np.uint8).reshape(-1, 8), axis=1).sum(axis=1)


class PersonFinder:
    """MediaPipe's pose landmarker in IMAGE mode, with a crop search for people it misses."""

    def __init__(self, bundle: Path = POSE_BUNDLE) -> None:
        if not Path(bundle).is_file():
            raise FileNotFoundError(f"pose bundle {bundle} is missing: run `python -m models.mediapipe.build_bundles`")
        mp = import_mediapipe()
        from mediapipe.tasks.python import BaseOptions, vision

        self._mp = mp
        options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(bundle)), running_mode=vision.RunningMode.IMAGE,
            num_poses=2, min_pose_detection_confidence=0.4, min_pose_presence_confidence=0.4)
        self._landmarker = vision.PoseLandmarker.create_from_options(options)

    def close(self) -> None:
        self._landmarker.close()

    def __enter__(self) -> PersonFinder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self, rgb: np.ndarray, x0: int, y0: int, w: int, h: int, W: int, H: int) -> list[np.ndarray]:
        """People in the crop [x0, x0+w) x [y0, y0+h) of a W x H frame (the crop may pad outside it)."""
        crop = np.zeros((h, w, 3), np.uint8)
        sx0, sy0, sx1, sy1 = max(x0, 0), max(y0, 0), min(x0 + w, W), min(y0 + h, H)
        crop[sy0 - y0:sy1 - y0, sx0 - x0:sx1 - x0] = rgb[sy0:sy1, sx0:sx1]
        image = self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=np.ascontiguousarray(crop))
        out = []
        for pose in self._landmarker.detect(image).pose_landmarks:
            a = np.array([[p.x, p.y, p.z, p.visibility or 0.0] for p in pose], dtype=np.float64)
            lm = np.empty((33, 4))
            lm[:, 0] = (a[:, 0] * w + x0) / W
            lm[:, 1] = (a[:, 1] * h + y0) / H
            lm[:, 2] = a[:, 2] * w / W
            lm[:, 3] = a[:, 3]
            out.append(lm)
        return out

    def find_all(self, rgb: np.ndarray, search: bool = True) -> list[np.ndarray]:
        """(33, 4) landmarks (x, y in frame fractions, z in x's scale, visibility) of the people found."""
        H, W = rgb.shape[:2]
        side = max(W, H)
        # The whole frame, padded to a square so that the detector sees the person undistorted.
        people = self._run(rgb, (W - side) // 2, (H - side) // 2, side, side, W, H)
        if people or not search:
            return people
        # Overlapping square crops, larger first: the first scale that finds a well-seen person wins.
        for frac in (0.6, 0.35, 0.2):
            s = max(int(frac * side), 64)
            if s >= min(W, H) * 1.5 and frac < 0.6:
                continue
            step = max(s // 2, 1)
            found = []
            for y in range(0, max(H - s, 0) + 1, step):
                for x in range(0, max(W - s, 0) + 1, step):
                    found += self._run(rgb, x, y, s, s, W, H)
            good = [p for p in found if _trust(p)]
            if good:
                return good
            people += found
        return people

    def find_person(self, rgb: np.ndarray, search: bool = True) -> np.ndarray | None:
        """The best-seen, then largest, person in the photo, or None."""
        people = self.find_all(rgb, search)
        if not people:
            return None
        H, W = rgb.shape[:2]

        def rank(lm: np.ndarray) -> tuple[bool, float]:
            seen = lm[lm[:, 3] > 0.3] if (lm[:, 3] > 0.3).sum() >= 4 else lm
            return _trust(lm), float(np.ptp(seen[:, 0]) * W + np.ptp(seen[:, 1]) * H)

        return max(people, key=rank).astype(np.float32)


BODY_JOINTS = [11, 12, 23, 24, 25, 26]  # shoulders, hips, knees


def _trust(lm: np.ndarray) -> bool:
    """A detection whose shoulders, hips and knees MediaPipe reports as seen (mean visibility > 0.5)."""
    return float(lm[BODY_JOINTS, 3].mean()) > 0.5
