"""Where in the frame to look: overlapping strips for finding people, and crops that follow a person.

MediaPipe's person detector letterboxes its input to a square, so on a wide frame a standing person
must fill nearly the whole frame height to be found, and people side by side are missed. Running it
on overlapping vertical strips (each closer to the detector's square) finds them; neighbouring strips
then see the same person twice, which the tracker merges.
"""

from __future__ import annotations

import numpy as np

from runtime.perception.model import Region


def strips(width: int, height: int, count: int, overlap: float = 0.3) -> list[Region]:
    """`count` vertical strips spanning the frame, neighbours sharing `overlap` of a strip's width."""
    if count <= 1:
        return [Region(0, 0, width, height)]
    strip_w = width / (count - (count - 1) * overlap)
    step = strip_w * (1 - overlap)
    out = []
    for k in range(count):
        x0 = int(round(k * step))
        x1 = width if k == count - 1 else int(round(k * step + strip_w))
        out.append(Region(x0, 0, x1, height))
    return out


MIN_STRIP_ASPECT = 0.6  # narrower strips stretch the detector's view and find people in flags and stripes


def layouts(width: int, height: int, strip_counts: tuple[int, ...], overlap: float) -> list[list[Region]]:
    """The strip layouts that suit this frame: n strips only while a strip stays at least
    MIN_STRIP_ASPECT wide for its height (a portrait frame gets the whole frame alone)."""
    out = []
    for n in strip_counts:
        if n == 1 or width / (n - (n - 1) * overlap) >= MIN_STRIP_ASPECT * height:
            out.append(strips(width, height, n, overlap))
    return out or [strips(width, height, 1)]


def discovery_zones(width: int, height: int, strip_counts: tuple[int, ...], overlap: float) -> list[Region]:
    """The zones of every suitable layout, each once, in the order they are scanned."""
    zones: list[Region] = []
    for layout in layouts(width, height, strip_counts, overlap):
        for r in layout:
            if r not in zones:
                zones.append(r)
    return zones


def follow_crop(bbox: np.ndarray, width: int, height: int, margin: float = 0.35,
                min_aspect: float = 0.6) -> Region:
    """A crop around a person's (predicted) box [x0, y0, x1, y1] in frame units.

    The box grows by `margin` of its size on each axis so the person stays inside while moving, and
    the crop is widened to at least `min_aspect` (width / height) so the detector sees a person
    filling most of its square input rather than a sliver. A crop pushed past an edge is shifted back
    inside the frame, keeping its size where it can.
    """
    x0, y0, x1, y1 = (float(v) for v in bbox)
    bw, bh = max(x1 - x0, 1e-3) * width, max(y1 - y0, 1e-3) * height
    cx, cy = (x0 + x1) / 2 * width, (y0 + y1) / 2 * height
    h = bh * (1 + 2 * margin)
    w = max(bw * (1 + 2 * margin), min_aspect * h)
    w, h = min(w, width), min(h, height)

    def place(c: float, size: float, limit: int) -> tuple[int, int]:
        lo = int(round(min(max(c - size / 2, 0.0), limit - size)))
        return lo, int(round(lo + size))

    rx0, rx1 = place(cx, w, width)
    ry0, ry1 = place(cy, h, height)
    return Region(rx0, ry0, max(rx1, rx0 + 16), max(ry1, ry0 + 16))


def comfortably_inside(bbox: np.ndarray, region: Region, width: int, height: int, slack: float = 0.08) -> bool:
    """The box [x0, y0, x1, y1] (frame units, clipped to the frame) lies inside the region with
    `slack` of the region's size to spare on every side where the region is not at the frame edge, and
    fills a sensible part of its height (a person who grew or shrank a lot needs a new crop)."""
    x0, y0 = max(0.0, bbox[0]) * width, max(0.0, bbox[1]) * height
    x1, y1 = min(1.0, bbox[2]) * width, min(1.0, bbox[3]) * height
    sx, sy = slack * region.width, slack * region.height
    inside = ((x0 >= region.x0 + sx or region.x0 == 0) and (x1 <= region.x1 - sx or region.x1 == width)
              and (y0 >= region.y0 + sy or region.y0 == 0) and (y1 <= region.y1 - sy or region.y1 == height))
    fill = (y1 - y0) / region.height
    return inside and 0.45 <= fill <= 1.0


def crop(image: np.ndarray, region: Region) -> np.ndarray:
    return np.ascontiguousarray(image[region.y0 : region.y1, region.x0 : region.x1])
