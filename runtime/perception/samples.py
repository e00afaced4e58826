"""Real photographs of people that ship with installed packages, and scenes composed from them.

scikit-image's `astronaut` (Eileen Collins) and `camera` (a cameraman) and matplotlib's
`grace_hopper` sample are the only photos of people available offline here. Side-by-side composites
of them stand in for a group in the room; sliding two of them across each other stands in for
visitors whose paths cross. Tests, the benchmark and `pose detect --demo` use them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

import numpy as np

PHOTOS = ("astronaut", "camera", "grace_hopper")
# The part of each photo that holds the person (x0, x1 as fractions of its width).
PERSON_SPAN = {"astronaut": (0.0, 0.75), "camera": (0.0, 0.62), "grace_hopper": (0.0, 1.0)}


@cache
def photo(name: str) -> np.ndarray:
    """The photo as RGB uint8 (H, W, 3)."""
    if name == "astronaut":
        from skimage import data

        return data.astronaut()
    if name == "camera":
        from skimage import data

        return np.repeat(data.camera()[:, :, None], 3, axis=2)
    if name == "grace_hopper":
        from matplotlib import cbook
        from PIL import Image

        with Image.open(cbook.get_sample_data("grace_hopper.jpg")) as im:
            return np.asarray(im.convert("RGB"))
    raise ValueError(f"unknown photo {name!r}; allowed: {', '.join(PHOTOS)}")


def resized(image: np.ndarray, height: int) -> np.ndarray:
    from PIL import Image

    w = max(1, int(round(image.shape[1] * height / image.shape[0])))
    return np.asarray(Image.fromarray(image).resize((w, height), Image.BILINEAR))


@cache
def silhouette(name: str) -> np.ndarray:
    """The person's mask in the photo (float32 0..1, H x W), from MediaPipe's own pose segmentation."""
    from mediapipe.tasks.python import BaseOptions, vision

    from runtime.perception import model

    model.check_bundle(model.POSE_BUNDLE, model.POSE_MEMBERS)
    options = vision.PoseLandmarkerOptions(base_options=BaseOptions(model_asset_path=str(model.POSE_BUNDLE)),
                                           output_segmentation_masks=True)
    with vision.PoseLandmarker.create_from_options(options) as landmarker:
        import mediapipe as mp

        result = landmarker.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=photo(name)))
    if not result.segmentation_masks:
        raise RuntimeError(f"no person segmented in the {name} photo")
    return np.squeeze(result.segmentation_masks[0].numpy_view()).astype(np.float32)


def cutout(name: str, height: int) -> tuple[np.ndarray, np.ndarray]:
    """The person cut out of the photo along their silhouette, scaled to `height` pixels, trimmed to
    the silhouette's columns: (RGB uint8, alpha float32 0..1)."""
    img, alpha = photo(name), silhouette(name)
    cols = np.flatnonzero(alpha.max(axis=0) > 0.5)
    img, alpha = img[:, cols[0] : cols[-1] + 1], alpha[:, cols[0] : cols[-1] + 1]
    rgb = resized(img, height)
    from PIL import Image

    a = np.asarray(Image.fromarray((alpha * 255).astype(np.uint8)).resize((rgb.shape[1], height), Image.BILINEAR))
    return rgb, a.astype(np.float32) / 255.0


def paste(canvas: np.ndarray, rgb: np.ndarray, alpha: np.ndarray, x: int, y: int) -> None:
    """Alpha-blend a cutout onto the canvas with its top-left corner at (x, y), clipped to the canvas."""
    h, w = canvas.shape[:2]
    x0, y0, x1, y1 = max(0, x), max(0, y), min(w, x + rgb.shape[1]), min(h, y + rgb.shape[0])
    if x1 <= x0 or y1 <= y0:
        return
    a = alpha[y0 - y : y1 - y, x0 - x : x1 - x, None]
    src = rgb[y0 - y : y1 - y, x0 - x : x1 - x].astype(np.float32)
    canvas[y0:y1, x0:x1] = (a * src + (1 - a) * canvas[y0:y1, x0:x1]).astype(np.uint8)


@dataclass(frozen=True)
class Composite:
    image: np.ndarray  # RGB uint8
    spans: list[tuple[float, float]]  # each person's x range, frame units, left to right
    names: tuple[str, ...]


def side_by_side(names: tuple[str, ...], height: int = 512, background: int = 96) -> Composite:
    """The photos in a row at equal height (whole photos: people side by side, as in a group)."""
    parts = [resized(photo(n), height) for n in names]
    width = sum(p.shape[1] for p in parts)
    canvas = np.full((height, width, 3), background, np.uint8)
    spans, x = [], 0
    for p in parts:
        canvas[:, x : x + p.shape[1]] = p
        spans.append((x / width, (x + p.shape[1]) / width))
        x += p.shape[1]
    return Composite(canvas, spans, tuple(names))


def slots_found(spans: list[tuple[float, float]], head_xs: list[float]) -> int:
    """How many people (spans) have at least one detected head inside their span."""
    return sum(any(a <= x < b for x in head_xs) for a, b in spans)


def crossing(names: tuple[str, str] = ("camera", "astronaut"), frames: int = 60,
             size: tuple[int, int] = (960, 540), person_height: float = 0.9, travel: tuple[float, float] = (0.2, 0.8),
             background: int = 96) -> Iterator[tuple[np.ndarray, list[float]]]:
    """Two people walking across each other, cut out along their silhouettes: the first from left to
    right, in front; the second from right to left, behind (partly hidden while they overlap).
    Yields (RGB frame, [x centre of each]) with the centres in frame units."""
    w, h = size
    people = [cutout(n, int(h * person_height)) for n in names]
    a, b = travel
    starts, ends = [a, b], [b, a]
    for k in range(frames):
        s = k / max(1, frames - 1)
        canvas = np.full((h, w, 3), background, np.uint8)
        centres = [0.0, 0.0]
        for i in (1, 0):  # the second is drawn first, so the first passes in front
            rgb, alpha = people[i]
            cx = starts[i] + (ends[i] - starts[i]) * s
            paste(canvas, rgb, alpha, int(round(cx * w - rgb.shape[1] / 2)), h - rgb.shape[0])
            centres[i] = cx
        yield canvas, centres


@cache
def detect_photo(name: str):
    """The best-scored person MediaPipe finds in one of the photos (a runtime.frames.Person)."""
    from runtime.frames import CameraFrame
    from runtime.perception.tracker import PoseTracker

    tracker = PoseTracker({"spare_landmarkers": 0})
    try:
        people = tracker.process(CameraFrame(photo(name), 0.0, 0, f"photo:{name}"), still=True).people
    finally:
        tracker.stop()
    if not people:
        raise RuntimeError(f"nobody found in the {name} photo")
    return max(people, key=lambda p: p.score)
