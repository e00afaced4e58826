"""Errors that come from outside (the network, a visitor, a peer), logged at a bounded rate.

A looping client can send thousands of bad messages a second for months. Each is counted; the
log gets one line per kind per interval, with how many came since the last line, never a
traceback per packet.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable


class ErrorLog:
    def __init__(self, logger: logging.Logger, interval: float = 10.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.logger = logger
        self.interval = interval
        self.clock = clock
        self.counts: dict[str, int] = {}  # kind -> total since start
        self._unlogged: dict[str, int] = {}
        self._next_line: dict[str, float] = {}

    def report(self, kind: str, message: str, exc: BaseException | None = None) -> None:
        """Count one error of `kind`; log it (with `exc`'s traceback) if no line for this kind was
        written within the interval."""
        self.counts[kind] = self.counts.get(kind, 0) + 1
        self._unlogged[kind] = self._unlogged.get(kind, 0) + 1
        t = self.clock()
        if t < self._next_line.get(kind, 0.0):
            return
        n = self._unlogged.pop(kind)
        self._next_line[kind] = t + self.interval
        more = f" ({n} of this kind since the last line, {self.counts[kind]} in all)" if n > 1 else ""
        self.logger.warning("%s: %s%s", kind, message, more, exc_info=exc)
