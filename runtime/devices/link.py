"""Ableton Link: tempo and beat phase shared with the other Link peers on the network (Live,
Max, Bitwig, phones...). aalink wraps the Link library; it wants an asyncio loop, which runs on a
thread of its own. The loop reads a `Beat` per frame; scenes may quantise to `beat.time_of(n)`.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

from runtime.clock import now
from runtime.frames import Beat

log = logging.getLogger(__name__)


class LinkClock:
    """`cfg` is the [link] section: tempo (BPM at start), quantum (beats to a bar)."""

    def __init__(self, cfg: dict[str, Any]) -> None:
        self.start_tempo = float(cfg["tempo"])
        self.quantum = float(cfg["quantum"])
        self._link: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._status = "off"

    def start(self) -> LinkClock:
        self._thread = threading.Thread(target=self._run, name="link", daemon=True)
        self._thread.start()
        self._ready.wait(timeout=5.0)
        return self

    def _run(self) -> None:
        try:
            from aalink import Link

            self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self._loop)
            self._link = Link(self.start_tempo, self._loop)
            self._link.quantum = self.quantum
            self._link.enabled = True
            self._status = "ok"
        except Exception as exc:  # no Link: the show keeps its own time
            self._status = f"off: {type(exc).__name__}: {exc}"
            log.warning("Ableton Link not started: %s", exc)
            return
        finally:
            self._ready.set()
        self._loop.run_forever()

    def status(self) -> str:
        return self._status

    def beat(self) -> Beat | None:
        """Where the shared timeline is now (None without Link)."""
        link = self._link
        if link is None:
            return None
        t = now()
        return Beat(tempo=float(link.tempo), beat=float(link.beat), phase=float(link.phase), quantum=self.quantum,
                    peers=int(link.num_peers), t=t)

    def set_tempo(self, bpm: float) -> None:
        """A new tempo for every peer of the session."""
        if self._link is not None and self._loop is not None:
            self._loop.call_soon_threadsafe(setattr, self._link, "tempo", float(bpm))

    def stop(self) -> None:
        if self._loop is not None:
            if self._link is not None:
                self._loop.call_soon_threadsafe(setattr, self._link, "enabled", False)
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=2.0)
        self._status = "off"
