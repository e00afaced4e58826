"""A text file the show watches for signs to play: each time it changes, its lines are queued.

The scene polls it (a few times a second); reading a file is cheap and needs no thread. Lines are
"GLOSS: notation" or just the notation; blank lines and lines starting with # are skipped. A file that
starts with "<" is SiGML: each <hns_sign> in it is one sign, its gloss from the gloss attribute.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass
class WatchedLine:
    gloss: str
    text: str


def split_line(line: str) -> WatchedLine | None:
    line = line.strip()
    if not line or line.startswith("#"):
        return None
    head, sep, tail = line.partition(":")
    if sep and head and " " not in head.strip() and not head.startswith("<") and "ham" not in head:
        return WatchedLine(head.strip(), tail.strip())
    return WatchedLine("", line)


class FileWatcher:
    """Reports the lines of a file each time it changes (by modification time and size)."""

    MAX_BYTES = 1_000_000  # a larger file is not a list of signs

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._stamp: tuple[float, int] | None = None
        self.error = ""
        self._initial = True

    def poll(self) -> list[WatchedLine]:
        """New lines since the last change; [] if unchanged. The file's content at start is skipped."""
        try:
            st = os.stat(self.path)
        except OSError:
            self._stamp = None
            self._initial = False
            return []
        stamp = (st.st_mtime, st.st_size)
        if stamp == self._stamp:
            return []
        self._stamp = stamp
        if self._initial:  # what was there before the show started is not a request
            self._initial = False
            return []
        if st.st_size > self.MAX_BYTES:
            self.error = f"{self.path}: {st.st_size} bytes is too large for a sign list"
            return []
        try:
            text = self.path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            self.error = f"{self.path}: {exc}"
            return []
        self.error = ""
        if text.lstrip().startswith("<"):
            from signlang.hamnosys import sigml_gloss, split_sigml

            return [WatchedLine(sigml_gloss(sign), sign) for sign in split_sigml(text)]
        return [w for w in (split_line(line) for line in text.splitlines()) if w is not None]
