"""Panning by a position in the room onto N speakers standing in a line (left to right)."""

from __future__ import annotations

import math


def line_pan_gains(x: float, n_channels: int) -> list[float]:
    """Equal-power gains for a source at room position `x` (0 = first speaker, 1 = last).

    Between two neighbouring speakers the sum of squared gains is 1, so a voice keeps its loudness
    as a visitor walks across the room. With one channel everything goes to it.
    """
    if n_channels <= 1:
        return [1.0]
    x = min(max(float(x), 0.0), 1.0) if math.isfinite(x) else 0.5
    p = x * (n_channels - 1)
    i = min(int(p), n_channels - 2)
    frac = p - i
    gains = [0.0] * n_channels
    gains[i] = math.cos(frac * math.pi / 2)
    gains[i + 1] = math.sin(frac * math.pi / 2)
    return gains
