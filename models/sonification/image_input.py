"""What the image model sees: a camera region brought down to 32x32 grayscale, or a canvas painted
by a tracked hand or the mouse, in which light fades away so that the sound follows the gesture."""

from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter

from models.sonification.datasets import IMAGE_SIZE

SOFTEN_PX = 1.5  # the training images' fall-off (models/sonification/datasets.py)
# MediaPipe pose landmarks that paint: index finger tips, then wrists.
PAINTING_LANDMARKS = (20, 19, 16, 15)
MIN_VISIBILITY = 0.5


def block_mean(image: np.ndarray, size: int = IMAGE_SIZE) -> np.ndarray:
    """Area-average an (H, W, ...) image down to (size, size, ...) (H, W >= size), summing integers
    in uint32 so that a camera frame is read once and never converted whole to float."""
    h, w = image.shape[:2]
    rows = np.linspace(0, h, size + 1).astype(int)[:-1]
    cols = np.linspace(0, w, size + 1).astype(int)[:-1]
    acc = np.uint32 if image.dtype == np.uint8 else np.float64
    sums = np.add.reduceat(np.add.reduceat(image, rows, axis=0, dtype=acc), cols, axis=1, dtype=acc)
    counts = np.diff(np.append(rows, h))[:, None] * np.diff(np.append(cols, w))[None, :]
    if image.ndim == 3:
        counts = counts[:, :, None]
    return sums / counts


def camera_to_input(image: np.ndarray, region: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 1.0),
                    floor: float = 0.15) -> np.ndarray:
    """RGB uint8 (H, W, 3) -> (32, 32) float32 in 0..1: the region x0, y0, x1, y1 (fractions),
    grayscale, area-averaged, softened, its darkest fifth as black and its brightest point as white
    (the models were trained on light on black). A dim picture (range below `floor`) stays dim."""
    if image.ndim != 3 or image.shape[2] < 3:
        raise ValueError(f"camera image must be (H, W, 3), got shape {image.shape}")
    h, w = image.shape[:2]
    x0, y0, x1, y1 = (min(max(float(v), 0.0), 1.0) for v in region)
    if not (x0 < x1 and y0 < y1):
        raise ValueError(f"camera region x0, y0, x1, y1 = {tuple(region)} must have x0 < x1 and y0 < y1 in 0..1")
    c0, c1 = int(x0 * w), max(int(x0 * w) + IMAGE_SIZE, int(x1 * w))
    r0, r1 = int(y0 * h), max(int(y0 * h) + IMAGE_SIZE, int(y1 * h))
    crop = image[r0:min(r1, h), c0:min(c1, w), :3]
    if crop.shape[0] < IMAGE_SIZE or crop.shape[1] < IMAGE_SIZE:
        raise ValueError(f"camera region {region} of a {w}x{h} frame is smaller than {IMAGE_SIZE} pixels")
    # Every step-th pixel still leaves at least 4x4 samples per model pixel: a 1280x720 frame costs a
    # fifth of a millisecond instead of several.
    step = max(1, min(crop.shape[0], crop.shape[1]) // (IMAGE_SIZE * 4))
    small = block_mean(crop[::step, ::step]) @ np.array([0.299, 0.587, 0.114]) / 255.0
    # The training shapes fall off with a Gaussian of 1.5 px; a camera's hard edges are softened alike
    # (without it the pitch wobbles as a sharp-edged patch crosses pixel boundaries).
    small = gaussian_filter(small, SOFTEN_PX, mode="constant")
    low = float(np.percentile(small, 20))
    span = max(float(small.max()) - low, floor)
    return np.clip((small - low) / span, 0.0, 1.0).astype(np.float32)


class Canvas:
    """A 32x32 canvas: soft round brush strokes that fade with a time constant."""

    def __init__(self, brush: float = 0.08, fade_seconds: float = 0.6) -> None:
        self.pixels = np.zeros((IMAGE_SIZE, IMAGE_SIZE), dtype=np.float32)
        self.brush = brush
        self.fade_seconds = fade_seconds
        self.last_paint_t = -1e9
        self._last: tuple[float, float] | None = None
        grid = (np.arange(IMAGE_SIZE, dtype=np.float32) + 0.5) / IMAGE_SIZE
        self._gx, self._gy = grid[None, :], grid[:, None]

    def fade(self, dt: float) -> None:
        self.pixels *= np.float32(np.exp(-dt / max(self.fade_seconds, 1e-3)))

    def paint(self, x: float, y: float, t: float) -> None:
        """A stroke from the previous point (if painted within 0.2 s) to (x, y), both 0..1 of the canvas."""
        if not (np.isfinite(x) and np.isfinite(y)):
            return
        x, y = min(max(x, 0.0), 1.0), min(max(y, 0.0), 1.0)
        start = self._last if (self._last and t - self.last_paint_t < 0.2) else (x, y)
        steps = max(1, int(np.hypot(x - start[0], y - start[1]) / (self.brush * 0.5)) + 1)
        for k in range(1, steps + 1):
            px = start[0] + (x - start[0]) * k / steps
            py = start[1] + (y - start[1]) * k / steps
            d2 = (self._gx - px) ** 2 + (self._gy - py) ** 2
            np.maximum(self.pixels, np.exp(-0.5 * d2 / (self.brush * 0.5) ** 2), out=self.pixels)
        self._last = (x, y)
        self.last_paint_t = t

    def clear(self) -> None:
        self.pixels[:] = 0.0
        self._last = None


def painting_point(person: object, region: tuple[float, float, float, float]) -> tuple[float, float] | None:
    """The first visible painting landmark of a person, in 0..1 of the region (None if none)."""
    landmarks = np.asarray(getattr(person, "landmarks", np.zeros((0, 4))), dtype=np.float64)
    if landmarks.ndim != 2 or landmarks.shape[0] < 33 or landmarks.shape[1] < 4:
        return None
    x0, y0, x1, y1 = region
    for index in PAINTING_LANDMARKS:
        x, y, _, visibility = landmarks[index]
        if visibility >= MIN_VISIBILITY and np.isfinite(x) and np.isfinite(y):
            return (x - x0) / max(x1 - x0, 1e-6), (y - y0) / max(y1 - y0, 1e-6)
    return None
