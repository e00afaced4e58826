"""The engine clock: one monotonic time base that stamps every input and output.

Everything the show senses carries the `now()` at which it was captured, so latency is a
subtraction, never a guess. `time.monotonic()` never jumps with NTP or daylight saving.
"""

from __future__ import annotations

import time

now = time.monotonic


class FixedStep:
    """Accumulates wall time and yields fixed update steps (the "fix your timestep" loop).

    Updates run at `rate` Hz whatever the render rate. A frame runs at most `max_steps` of them:
    time beyond that is dropped (counted in `dropped`), so that a slow frame costs a little scene
    time instead of a spiral of catch-up updates that make the next frame slower still.
    """

    def __init__(self, rate: float, max_steps: int = 3) -> None:
        self.dt = 1.0 / rate
        self.max_steps = max(1, int(max_steps))
        self._acc = 0.0
        self.dropped = 0.0  # seconds of scene time dropped since the start
        self.last_dropped = 0.0  # dropped by the last advance()

    def advance(self, elapsed: float) -> int:
        self._acc += max(0.0, elapsed)
        steps = int(self._acc / self.dt)
        self.last_dropped = 0.0
        if steps > self.max_steps:
            # Keep the fraction of a step (the render interpolates with it) and drop whole steps.
            self.last_dropped = (steps - self.max_steps) * self.dt
            self.dropped += self.last_dropped
            steps = self.max_steps
        self._acc -= (steps * self.dt + self.last_dropped)
        return steps

    @property
    def alpha(self) -> float:
        """How far between the last update and the next the render is (for interpolation)."""
        return self._acc / self.dt
