"""Files the scenes watch (a sign list, a cue sheet): each time one changes, its new text is an input.

Polled from the loop a few times a second per file: a stat is cheap and needs no thread. What a
file held when watching began is not a request, only later changes are.
"""

from __future__ import annotations

import os
from pathlib import Path

from runtime.frames import FileChange


class FileWatcher:
    """Reports the text of a file each time it changes (by modification time and size)."""

    MAX_BYTES = 1_000_000  # larger files are not something a person typed for the show

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._stamp: tuple[float, int] | None = None
        self._initial = True

    def poll(self, t: float) -> FileChange | None:
        """The file's text if it changed since the last poll; None if unchanged or absent."""
        try:
            st = os.stat(self.path)
        except OSError:
            self._stamp = None
            self._initial = False
            return None
        stamp = (st.st_mtime, st.st_size)
        if stamp == self._stamp:
            return None
        self._stamp = stamp
        if self._initial:
            self._initial = False
            return None
        if st.st_size > self.MAX_BYTES:
            return FileChange(str(self.path), "", t, f"{self.path}: {st.st_size} bytes is too large to read")
        try:
            text = self.path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            return FileChange(str(self.path), "", t, f"{self.path}: {exc}")
        return FileChange(str(self.path), text, t)


class FileWatchers:
    """The watchers of the files a scene asks for, each polled at its own interval."""

    def __init__(self) -> None:
        self._watchers: dict[str, tuple[FileWatcher, float]] = {}  # path -> watcher, next poll time

    def poll(self, wanted: dict[str, float], t: float) -> list[FileChange]:
        """`wanted`: path -> seconds between polls. A path no longer wanted stops being watched."""
        for path in [p for p in self._watchers if p not in wanted]:
            del self._watchers[path]
        changes = []
        for path, interval in wanted.items():
            watcher, due = self._watchers.get(path) or (FileWatcher(path), t)
            if t >= due:
                change = watcher.poll(t)
                if change is not None:
                    changes.append(change)
                due = t + max(0.0, interval)
            self._watchers[path] = (watcher, due)
        return changes
