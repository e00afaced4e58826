"""The One Euro filter (Casiez, Roussel, Vogel, CHI 2012) for landmark jitter, with its lag made explicit.

A first-order low-pass whose cutoff rises with speed: at rest the cutoff is `min_cutoff` Hz and
jitter is smoothed hard; when the signal moves fast the cutoff grows by `beta` x speed, so the lag
shrinks where it would be visible. The speed itself is a low-passed derivative (cutoff `d_cutoff`).

Lag: for a signal moving at a steady speed, a first-order low-pass with cutoff fc trails it by its
time constant tau = 1 / (2 pi fc). `delay` reports that tau for the current cutoff (averaged over the
channels), so consumers can add it to the capture-to-result latency; with `compensate=True` the
output is extrapolated by speed x tau, which removes the steady-motion lag at the price of some
overshoot when a movement stops.

Defaults for landmarks in frame units (0..1) at camera rates: min_cutoff 1.5 Hz (tau 106 ms at
rest, where lag is invisible), beta 10 (at 0.5 frame/s the cutoff is 6.5 Hz, tau 24 ms), d_cutoff
1 Hz.
"""

from __future__ import annotations

import math

import numpy as np


def _alpha(cutoff: np.ndarray | float, dt: float) -> np.ndarray | float:
    tau = 1.0 / (2 * math.pi * cutoff)
    return 1.0 / (1.0 + tau / dt)


class OneEuroFilter:
    """Smooths an array-valued signal sampled at irregular times (seconds)."""

    def __init__(self, min_cutoff: float = 1.5, beta: float = 10.0, d_cutoff: float = 1.0,
                 compensate: bool = False) -> None:
        if min_cutoff <= 0 or d_cutoff <= 0 or beta < 0:
            raise ValueError(f"one euro filter needs min_cutoff > 0, d_cutoff > 0, beta >= 0; got "
                             f"{min_cutoff}, {d_cutoff}, {beta}")
        self.min_cutoff, self.beta, self.d_cutoff, self.compensate = min_cutoff, beta, d_cutoff, compensate
        self._x: np.ndarray | None = None
        self._dx: np.ndarray | None = None
        self._t = 0.0
        self._cutoff: np.ndarray | float = min_cutoff
        self._raw: np.ndarray | None = None
        self._v: np.ndarray | None = None

    def reset(self) -> None:
        self._x = self._dx = self._raw = self._v = None

    @property
    def delay(self) -> float:
        """The filter's current lag estimate in seconds (mean over channels of 1 / (2 pi cutoff))."""
        if self._x is None:
            return 0.0
        return 0.0 if self.compensate else float(np.mean(1.0 / (2 * math.pi * np.asarray(self._cutoff))))

    @property
    def speed(self) -> np.ndarray | None:
        """The smoothed speed of the raw samples (units per second), or None before the first."""
        return self._v if self._x is not None else None

    def __call__(self, x: np.ndarray, t: float) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        if self._x is None or self._x.shape != x.shape:
            self._x, self._dx, self._t = x.copy(), np.zeros_like(x), t
            self._raw, self._v = x.copy(), np.zeros_like(x)
            self._cutoff = self.min_cutoff
            return x.copy()
        dt = t - self._t
        if dt <= 0:  # same or older timestamp: nothing new to integrate
            return self._output()
        # A missing value (NaN) keeps the previous estimate for that channel.
        x = np.where(np.isfinite(x), x, self._x)
        assert self._dx is not None and self._raw is not None and self._v is not None
        # As in the paper, the speed that opens the cutoff is measured against the previous estimate
        # (it includes the lag, reacting sooner); the speed used to compensate the lag is measured
        # on the raw samples, which is the true speed of a steady movement.
        dx = (x - self._x) / dt
        a_d = _alpha(self.d_cutoff, dt)
        self._dx = self._dx + a_d * (dx - self._dx)
        self._v = self._v + a_d * ((x - self._raw) / dt - self._v)
        self._raw = x
        self._cutoff = self.min_cutoff + self.beta * np.abs(self._dx)
        self._x = self._x + _alpha(self._cutoff, dt) * (x - self._x)
        self._t = t
        return self._output()

    def _output(self) -> np.ndarray:
        assert self._x is not None and self._v is not None
        if not self.compensate:
            return self._x.copy()
        return self._x + self._v / (2 * math.pi * np.asarray(self._cutoff))
