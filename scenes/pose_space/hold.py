"""A posture counts once held steady: smoothing plus hysteresis over the classifier's probabilities.

Probabilities are smoothed with a time constant; a posture is entered when it has led with at least
`enter` probability for `hold` seconds, and left when its probability stays under `leave` for
`release` seconds (or another posture has been held long enough to take over). The gap between
`enter` and `leave` keeps a wavering classifier from flickering events.
"""

from __future__ import annotations

import math

import numpy as np

from body.postures import NONE_LABEL


class PostureHold:
    def __init__(self, classes: list[str], hold: float = 0.8, release: float = 0.5, enter: float = 0.55,
                 leave: float = 0.3, smoothing: float = 0.25) -> None:
        self.classes = list(classes)
        self.hold, self.release, self.enter, self.leave, self.smoothing = hold, release, enter, leave, smoothing
        self.probs = np.zeros(len(classes))
        self.held = ""  # the posture that counts, "" for none
        self.held_since = 0.0
        self._candidate = ""
        self._candidate_since = 0.0
        self._low_since: float | None = None
        self._t: float | None = None

    @property
    def held_for(self) -> float:
        return 0.0 if not self.held or self._t is None else self._t - self.held_since

    def update(self, t: float, probs: np.ndarray) -> list[tuple[str, str]]:
        """Feed one classification at time t; returns events [("exit", name), ("enter", name)]."""
        probs = np.nan_to_num(np.asarray(probs, dtype=np.float64))
        if self._t is None:
            self.probs = probs.copy()
        else:
            alpha = 1.0 - math.exp(-max(0.0, t - self._t) / self.smoothing)
            self.probs += alpha * (probs - self.probs)
        self._t = t
        events: list[tuple[str, str]] = []
        k = int(np.argmax(self.probs))
        leader = self.classes[k] if self.probs[k] >= self.enter and self.classes[k] != NONE_LABEL else ""
        if leader != self._candidate:
            self._candidate, self._candidate_since = leader, t
        if self.held:
            p_held = self.probs[self.classes.index(self.held)]
            if p_held < self.leave:
                self._low_since = t if self._low_since is None else self._low_since
            else:
                self._low_since = None
            switching = bool(leader) and leader != self.held and t - self._candidate_since >= self.hold
            if switching or (self._low_since is not None and t - self._low_since >= self.release):
                events.append(("exit", self.held))
                self.held, self._low_since = "", None
        if not self.held and self._candidate and t - self._candidate_since >= self.hold:
            self.held, self.held_since = self._candidate, t
            events.append(("enter", self.held))
        return events
