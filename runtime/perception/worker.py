"""A background thread that always works on the newest input: newer submissions replace pending ones.

The render loop must never wait for inference and must never see stale results pile up: `submit`
stores the item in a one-slot mailbox (a pending item not yet started is dropped and counted) and
returns at once; the thread takes whatever is in the mailbox when it is free.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

In = TypeVar("In")
Out = TypeVar("Out")


class NewestWins(Generic[In, Out]):
    def __init__(self, work: Callable[[In], Out], name: str = "newest-wins",
                 on_error: Callable[[BaseException], None] | None = None) -> None:
        self._work = work
        self._on_error = on_error
        self._name = name
        self._cond = threading.Condition()
        self._pending: In | None = None
        self._has_pending = False
        self._result: Out | None = None
        self._stop = False
        self._thread: threading.Thread | None = None
        self.submitted = 0
        self.dropped = 0
        self.processed = 0
        self.errors = 0
        self.last_error = ""

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop = False
        self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
        self._thread.start()

    def submit(self, item: In) -> None:
        """Hand over an item without waiting; a pending one that was not started yet is dropped."""
        with self._cond:
            if self._has_pending:
                self.dropped += 1
            self._pending, self._has_pending = item, True
            self.submitted += 1
            self._cond.notify()

    def latest(self) -> Out | None:
        with self._cond:
            return self._result

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until nothing is pending or running (for tests and replay tools, not the show)."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._has_pending and not self._busy, timeout)

    _busy = False

    def stop(self, timeout: float = 5.0) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._has_pending or self._stop)
                if self._stop:
                    return
                item, self._pending, self._has_pending = self._pending, None, False
                self._busy = True
            try:
                out = self._work(item)  # type: ignore[arg-type]
            except Exception as e:  # a bad frame must not end perception for the rest of the show
                out = None
                self.errors += 1
                self.last_error = f"{type(e).__name__}: {e}"
                if self._on_error is not None:
                    self._on_error(e)
            with self._cond:
                if out is not None:
                    self._result = out
                    self.processed += 1
                self._busy = False
                self._cond.notify_all()
