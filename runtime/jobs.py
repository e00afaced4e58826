"""Work a scene hands off the frame (animating a sign): one background worker for the process.

Scenes submit through `Scene.background`; they never start threads of their own, so the runtime
knows every thread it has and a scene's job never runs two at a time in its order of arrival.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
_pool: ThreadPoolExecutor | None = None
_lock = threading.Lock()


def submit(fn: Callable[..., T], *args: Any, **kwargs: Any) -> Future[T]:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="scene-job")
    return _pool.submit(fn, *args, **kwargs)


def wait_idle() -> None:
    """Block until every job submitted so far has run (tests, benchmarks, a clean exit)."""
    submit(lambda: None).result()
