"""What a person looks like, cheaply: the colour histogram of their upper chest.

Position and pose cannot tell two people apart at the moment their paths cross; their clothes can.
The patch spans the shoulders and reaches down half a shoulder width (clothing, seen whenever the
shoulders are), and its colours are counted in a coarse 4x4x4 RGB histogram.
"""

from __future__ import annotations

import numpy as np

from body import landmarks as lm

BINS = 4


def chest_histogram(image: np.ndarray, landmarks: np.ndarray) -> np.ndarray | None:
    """Normalised (64,) colour histogram of the chest patch, or None when the patch is off the frame."""
    h, w = image.shape[:2]
    ls, rs = landmarks[lm.L_SHOULDER, :2] * (w, h), landmarks[lm.R_SHOULDER, :2] * (w, h)
    width = abs(ls[0] - rs[0])
    if not np.all(np.isfinite([*ls, *rs])) or width < 4:
        return None
    x0, x1 = int(min(ls[0], rs[0]) + 0.15 * width), int(max(ls[0], rs[0]) - 0.15 * width)
    y0 = int(max(ls[1], rs[1]) + 0.1 * width)
    y1 = int(y0 + 0.5 * width)
    x0, x1, y0, y1 = max(0, x0), min(w, x1), max(0, y0), min(h, y1)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return None
    patch = image[y0:y1, x0:x1, :3]
    step = max(1, int(np.sqrt(patch.shape[0] * patch.shape[1] / 400)))  # ~400 pixels suffice
    q = (patch[::step, ::step].reshape(-1, 3) // (256 // BINS)).astype(np.int64)
    hist = np.bincount(q[:, 0] * BINS * BINS + q[:, 1] * BINS + q[:, 2], minlength=BINS**3).astype(np.float64)
    return hist / hist.sum()


def difference(a: np.ndarray | None, b: np.ndarray | None) -> float:
    """0 for the same colours, 1 for disjoint ones (1 - Bhattacharyya coefficient); 0.5 if unknown."""
    if a is None or b is None:
        return 0.5
    return float(1.0 - np.sqrt(a * b).sum())
