"""`visitors:N`: virtual visitors as an input, for a room with no camera or nobody in it.

Visitors from the body model (runtime/devices/virtual_visitors.py) walk and move between
postures; this source turns them into what a camera plus perception would deliver: a frame (stick
figures) and the people in it, with the same features perception computes, time-stamped with the
engine clock. Rehearsals, demos, tests and the attract loop use it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import numpy as np

from runtime.clock import now
from runtime.devices.cameras import CameraSource, SourceError
from runtime.frames import Person
from runtime.perception.features import FeatureExtractor, FeatureParams


class VisitorsSource(CameraSource):
    def __init__(self, spec: str, cfg: dict[str, Any], count: int, seed: int = 0) -> None:
        super().__init__(spec, cfg)
        if count < 0:
            raise ValueError(f"visitors spec {spec!r}: N must be >= 0")
        self.count, self.seed = count, seed
        self.size = (int(cfg.get("width", 1280)), int(cfg.get("height", 720)))
        self._people_lock = threading.Lock()
        self._people: tuple[list[Person], float, list[tuple[str, int, float]]] = ([], 0.0, [])
        self._known: set[int] = set()

    def open(self) -> None:
        from runtime.devices.virtual_visitors import VirtualVisitors

        self.visitors = VirtualVisitors(self.count, self.seed, aspect=self.size[0] / self.size[1])
        self.features = FeatureExtractor(FeatureParams(), *self.size)
        self.t_start = now()

    def frames(self) -> Iterator[np.ndarray]:
        period = 1.0 / float(self.cfg.get("fps", 30.0))
        next_t = time.monotonic()
        while True:
            t = now()
            people = self.visitors.step(t - self.t_start)
            for p in people:
                p.t_capture = t
                p.features = self.features.person(p.id, p.landmarks, t, np.zeros(2))
            self.features.group(people)
            ids = {p.id for p in people}
            events = [("enter", i, t) for i in sorted(ids - self._known)]
            events += [("exit", i, t) for i in sorted(self._known - ids)]
            self._known = ids
            with self._people_lock:
                old_events = self._people[2]
                self._people = (people, t, old_events + events)
            yield self.visitors.frame(self.size)
            next_t += period
            delay = next_t - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            else:
                next_t = time.monotonic()
            if not hasattr(self, "visitors"):
                raise SourceError("closed")

    def take_people(self) -> tuple[list[Person], float, list[tuple[str, int, float]]]:
        """The newest people with their capture time, and the enter/exit events since the last call."""
        with self._people_lock:
            people, t, events = self._people
            self._people = (people, t, [])
        return people, t, events
