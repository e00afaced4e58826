"""The engine clock: one monotonic time base that stamps every input and output.

Everything the show senses carries the `now()` at which it was captured, so latency is a
subtraction, never a guess. `time.monotonic()` never jumps with NTP or daylight saving.
"""

from __future__ import annotations

import time

now = time.monotonic


class FixedStep:
    """Accumulates wall time and yields fixed update steps (the "fix your timestep" loop).

    Updates run at `rate` Hz whatever the render rate; a long stall is clamped to `max_steps`
    so that a hiccup does not turn into a spiral of catch-up updates.
    """

    def __init__(self, rate: float, max_steps: int = 5) -> None:
        self.dt = 1.0 / rate
        self.max_steps = max_steps
        self._acc = 0.0

    def advance(self, elapsed: float) -> int:
        self._acc += max(0.0, elapsed)
        steps = int(self._acc / self.dt)
        if steps > self.max_steps:
            self._acc = 0.0
            return self.max_steps
        self._acc -= steps * self.dt
        return steps

    @property
    def alpha(self) -> float:
        """How far between the last update and the next the render is (for interpolation)."""
        return self._acc / self.dt
