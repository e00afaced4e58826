"""MediaPipe's pose landmark model run on a region of interest that the tracker chooses, shared by everyone.

MediaPipe's PoseLandmarker finds the person with its own detector (which misses people who do not
fill its input) and then tracks one person per landmarker, each holding ~100 MB. Here the same
landmark network (`pose_landmark_full.tflite` from the mediapipe wheel, run by LiteRT) is given the
region itself, exactly as MediaPipe's graph builds it:

- from a person detector's box (runtime.perception.people): a square 1.25 times the box's longer
  side around its centre, upright;
- from a person's last landmarks (tracking): MediaPipe's alignment points 33 (hips' centre) and 34
  (a point past the head) give centre, size (2 x their distance x 1.25) and rotation (34 straight
  above 33).

The network answers 39 landmarks (33 body, then the alignment points), refined from its heatmap as
MediaPipe does, and a pose presence score.
One model instance serves every person in turn; `threads` instances serve crops in parallel.
"""

from __future__ import annotations

import math
import queue
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from runtime.perception.model import COVERAGE_JOINTS, PERSON_JOINTS, Candidate, ModelBundleError

INPUT = 256
HEATMAP = 64
ROI_SCALE = 1.25
REFINE_KERNEL = 7
REFINE_MIN = 0.5


@dataclass(frozen=True, slots=True)
class Roi:
    """A square region of the frame in pixels: centre, side and rotation (radians, counter-clockwise
    turn that makes the person upright)."""

    cx: float
    cy: float
    size: float
    angle: float = 0.0

    def shifted(self, dx: float, dy: float) -> Roi:
        return Roi(self.cx + dx, self.cy + dy, self.size, self.angle)


def roi_from_box(box: np.ndarray, width: int, height: int) -> Roi:
    """The landmark region for a person detector's box [x0, y0, x1, y1] (frame units)."""
    x0, y0, x1, y1 = box[0] * width, box[1] * height, box[2] * width, box[3] * height
    return Roi((x0 + x1) / 2, (y0 + y1) / 2, ROI_SCALE * max(x1 - x0, y1 - y0))


def rois_for_box(box: np.ndarray, width: int, height: int) -> list[Roi]:
    """Regions to try, in turn, for a detector box. The network wants the hips at the region's centre:
    the box's own region (a whole body); one for a box that holds only an upper body (seated, or cut
    by the frame), the hips at or a little above its bottom, the region reaching as far below them as
    the box reaches above; and one for a close-up (a head and shoulders), the hips below the box."""
    x0, y0, x1, y1 = box[0] * width, box[1] * height, box[2] * width, box[3] * height
    bh, cx = y1 - y0, (x0 + x1) / 2
    return [roi_from_box(box, width, height), Roi(cx, y1, 2 * ROI_SCALE * bh), Roi(cx, y0 + 0.8 * bh, 2.0 * bh),
            Roi(cx, y0 + 1.2 * bh, 3.0 * bh)]


BODY_TO_ALIGNMENT = 1.88  # distance of the alignment points over the torso's length (hips to shoulders)


def roi_from_landmarks(lms: np.ndarray, width: int, height: int) -> Roi:
    """The region for a pose of 33 landmarks (frame units) that came without alignment points (from
    MediaPipe's own landmarker): they lie at the hips' centre and along the torso, 1.88 torso lengths
    from it (the median over the network's own answers on the sample photos and the people set)."""
    p = lms[:, :2] * np.array([width, height])
    hips, shoulders = (p[23] + p[24]) / 2, (p[11] + p[12]) / 2
    return roi_from_alignment(hips, hips + BODY_TO_ALIGNMENT * (shoulders - hips))


def roi_from_alignment(centre: np.ndarray, top: np.ndarray) -> Roi:
    """MediaPipe's region from its two alignment points (pixels): centre at the first, side
    2 x their distance x 1.25, rotated so that the second lies straight above the first."""
    dx, dy = float(top[0] - centre[0]), float(top[1] - centre[1])
    angle = math.pi / 2 - math.atan2(-dy, dx)
    angle = (angle + math.pi) % (2 * math.pi) - math.pi
    return Roi(float(centre[0]), float(centre[1]), 2 * math.hypot(dx, dy) * ROI_SCALE, angle)


def model_path() -> Path:
    from importlib.util import find_spec

    spec = find_spec("mediapipe")
    if spec is None or not spec.submodule_search_locations:
        raise ModelBundleError("mediapipe is not installed (pip install --no-deps mediapipe==0.10.21)")
    path = Path(next(iter(spec.submodule_search_locations))) / "modules" / "pose_landmark" / "pose_landmark_full.tflite"
    if not path.is_file():
        raise ModelBundleError(f"{path} is missing: mediapipe==0.10.21 ships it; later releases do not")
    return path


class PoseLandmarks:
    """The pose landmark network on chosen regions. `run` is thread-safe: each call borrows one of
    `threads` interpreters."""

    def __init__(self, threads: int = 1, path: Path | None = None) -> None:
        try:
            from ai_edge_litert.interpreter import Interpreter
        except ImportError as e:
            raise ModelBundleError("the LiteRT runtime is missing: pip install --no-deps ai-edge-litert==2.3.0 "
                                   "(or `make setup`)") from e
        path = path or model_path()
        self._free: queue.Queue = queue.Queue()
        for _ in range(max(1, threads)):
            it = Interpreter(model_path=str(path), num_threads=1)
            it.allocate_tensors()
            self._free.put(it)
        it = self._free.queue[0]
        self._in = it.get_input_details()[0]["index"]
        outs = {tuple(d["shape"]): d["index"] for d in it.get_output_details()}
        self._lm, self._flag, self._world = outs[(1, 195)], outs[(1, 1)], outs[(1, 117)]
        self._heatmap = outs[(1, HEATMAP, HEATMAP, 39)]

    def run(self, image: np.ndarray, roi: Roi, source: str) -> Candidate | None:
        """The person in this region of the RGB frame as a Candidate (frame units), with `roi` set to
        the region for the next frame; None when the network says nobody is there."""
        import cv2

        h, w = image.shape[:2]
        c, s = math.cos(roi.angle), math.sin(roi.angle)
        k = roi.size / INPUT
        # input pixel (u, v) -> frame pixel: turn by the region's angle about its centre, scale by k
        # (MediaPipe's LandmarkProjectionCalculator)
        to_frame = np.array([[k * c, -k * s, 0.0], [k * s, k * c, 0.0]])
        to_frame[:, 2] = [roi.cx, roi.cy] - to_frame[:, :2] @ [INPUT / 2, INPUT / 2]
        crop = cv2.warpAffine(image, to_frame, (INPUT, INPUT), flags=cv2.WARP_INVERSE_MAP | cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0))
        x = (crop.astype(np.float32) / 255.0)[None]
        it = self._free.get()
        try:
            it.set_tensor(self._in, x)
            it.invoke()
            raw = it.get_tensor(self._lm).reshape(39, 5).copy()
            flag = float(it.get_tensor(self._flag).reshape(-1)[0])
            world = it.get_tensor(self._world).reshape(39, 3).copy()
            heatmap = it.get_tensor(self._heatmap)[0] if flag >= 0.5 else None
        finally:
            self._free.put(it)
        if heatmap is None:
            return None
        refine_from_heatmap(raw, heatmap)
        px = raw[:, :2] @ to_frame[:, :2].T + to_frame[:, 2]
        vis = 1 / (1 + np.exp(-raw[:, 3]))
        presence = 1 / (1 + np.exp(-raw[:, 4]))
        lms = np.empty((33, 4))
        lms[:, 0] = px[:33, 0] / w
        lms[:, 1] = px[:33, 1] / h
        lms[:, 2] = raw[:33, 2] / INPUT * roi.size / w
        lms[:, 3] = vis[:33]
        rot = np.array([[c, -s], [s, c]])
        wl = world[:33].copy()
        wl[:, :2] = wl[:, :2] @ rot.T
        cand = Candidate(lms, presence[:33], float(presence[PERSON_JOINTS].mean()), source,
                         float(presence[COVERAGE_JOINTS].mean()), wl)
        cand.roi = roi_from_alignment(px[33], px[34])
        cand.found_in = roi
        cand.flag = flag
        return cand


def refine_from_heatmap(raw: np.ndarray, heatmap: np.ndarray) -> None:
    """MediaPipe's RefineLandmarksFromHeatmap, in place: each landmark (input pixels) moves to the
    confidence-weighted mean of the 7x7 heatmap cells around it, where the heatmap is sure enough."""
    half = (REFINE_KERNEL - 1) // 2
    scale = INPUT / HEATMAP
    for i in range(min(len(raw), heatmap.shape[2])):
        col, row = int(raw[i, 0] / scale), int(raw[i, 1] / scale)
        if not (0 <= col < HEATMAP and 0 <= row < HEATMAP):
            continue
        r0, r1 = max(0, row - half), min(HEATMAP, row + half + 1)
        c0, c1 = max(0, col - half), min(HEATMAP, col + half + 1)
        conf = 1 / (1 + np.exp(-heatmap[r0:r1, c0:c1, i]))
        total = float(conf.sum())
        if conf.max() >= REFINE_MIN and total > 0:
            rows, cols = np.mgrid[r0:r1, c0:c1]
            raw[i, 0] = float((cols * conf).sum()) / total * scale
            raw[i, 1] = float((rows * conf).sum()) / total * scale
