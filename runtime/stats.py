"""Rolling per-frame statistics: frame, update and render time, input age."""

from __future__ import annotations

from collections import deque

import numpy as np


class Rolling:
    """The last `n` samples of one figure, with median and p95 for the overlay and benchmarks."""

    def __init__(self, n: int = 600) -> None:
        self.values: deque[float] = deque(maxlen=n)

    def add(self, value: float) -> None:
        self.values.append(value)

    def median(self) -> float:
        return float(np.median(self.values)) if self.values else float("nan")

    def p(self, q: float) -> float:
        return float(np.percentile(self.values, q)) if self.values else float("nan")

    def last(self) -> float:
        return self.values[-1] if self.values else float("nan")


class FrameStats:
    """What the overlay shows and the bench reads: times in milliseconds."""

    FIGURES = ("frame_ms", "update_ms", "render_ms", "input_age_ms",
               # the stages of a frame (update_ms above is everything before the draw)
               "input_ms", "perception_ms", "scene_update_ms", "outputs_ms", "updates")

    def __init__(self, n: int = 600) -> None:
        self.figures = {name: Rolling(n) for name in self.FIGURES}
        self.frames = 0

    def add(self, **values: float) -> None:
        for name, value in values.items():
            if value == value:  # skip NaN (no input yet)
                self.figures[name].add(value)

    def fps(self) -> float:
        m = self.figures["frame_ms"].median()
        return 1000.0 / m if m and m == m else 0.0

    def summary(self) -> dict[str, float]:
        out = {"fps": round(self.fps(), 1), "frames": self.frames}
        for name, r in self.figures.items():
            out[f"{name}_median"] = round(r.median(), 2)
            out[f"{name}_p95"] = round(r.p(95), 2)
        return out
