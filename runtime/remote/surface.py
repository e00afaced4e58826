"""What show control sees of the show and may change: a tree of typed nodes, shared between the
app loop (which publishes values a few times a second and carries out requests) and the web
server's thread (which serves them as OSCQuery and to the operator page).

Requests are validated by the control port's own rules (runtime.osc.control.validate) and reach
the app as the same ControlMessages an OSC client would send, so every way in acts alike.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from runtime.frames import ControlMessage
from runtime.osc.control import InvalidControl, validate

READ, WRITE, READ_WRITE = 1, 2, 3  # OSCQuery ACCESS values


@dataclass(frozen=True)
class Node:
    """One leaf of the tree. `type` is an OSC type tag: f, i, s, T (bool) or N (a trigger)."""

    path: str
    type: str
    value: Any
    description: str = ""
    access: int = READ_WRITE
    min: float | None = None
    max: float | None = None
    unit: str = ""
    choices: tuple[str, ...] = ()


@dataclass
class Status:
    """The figures the operator page shows besides the nodes."""

    devices: dict[str, str] = field(default_factory=dict)  # name -> "ok" | "lost: ..." | "off: ..."
    fps: float = 0.0
    frame_ms: float = 0.0
    people: int = 0
    scene: str = ""
    playlist: list[str] = field(default_factory=list)
    log: list[str] = field(default_factory=list)


class ShowSurface:
    QUEUE = 256  # requests waiting for the app loop at most

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.nodes: dict[str, Node] = {}
        self.status = Status()
        self.version = 0  # bumps when any value changes
        self.thumbnails: dict[str, bytes] = {}  # "output", "camera main", ... -> JPEG
        self._requests: deque[ControlMessage] = deque()
        self._listeners: list[Callable[[list[Node], list[str], list[str]], None]] = []
        self.counters = {"requests": 0, "refused": 0, "queue_full": 0}

    # --- the app loop's side ------------------------------------------------------------------
    def publish(self, nodes: list[Node], status: Status) -> None:
        """The current tree; listeners hear what changed, appeared or went."""
        with self._lock:
            new = {n.path: n for n in nodes}
            changed = [n for p, n in new.items() if p in self.nodes and self.nodes[p].value != n.value]
            added = [p for p in new if p not in self.nodes]
            removed = [p for p in self.nodes if p not in new]
            self.nodes, self.status = new, status
            if changed or added or removed:
                self.version += 1
            listeners = list(self._listeners)
        if changed or added or removed:
            for listener in listeners:
                listener(changed, added, removed)

    def drain(self) -> list[ControlMessage]:
        with self._lock:
            out = list(self._requests)
            self._requests.clear()
        return out

    # --- the server's side --------------------------------------------------------------------
    def listen(self, listener: Callable[[list[Node], list[str], list[str]], None]) -> None:
        with self._lock:
            self._listeners.append(listener)

    def snapshot(self) -> tuple[dict[str, Node], Status]:
        with self._lock:
            return dict(self.nodes), self.status

    def request(self, path: str, args: tuple[Any, ...], sender: str, t: float) -> str:
        """Ask the show to set `path` (or trigger it); "" when queued, else why not."""
        with self._lock:
            self.counters["requests"] += 1
            node = self.nodes.get(path)
            if node is None or not node.access & WRITE:
                self.counters["refused"] += 1
                return f"{path[:80]!r} is not a settable node"
            try:
                address, values = validate(path, _coerce(node, args))
            except InvalidControl as exc:
                self.counters["refused"] += 1
                return str(exc)
            if node.choices and values and str(values[-1]) not in node.choices:
                self.counters["refused"] += 1
                return f"{path}: {values[-1]!r}; allowed: {', '.join(node.choices)}"
            if len(self._requests) >= self.QUEUE:
                self.counters["queue_full"] += 1
                return "too many requests waiting"
            self._requests.append(ControlMessage(address, values, t, sender))
            return ""


def _coerce(node: Node, args: tuple[Any, ...]) -> tuple[Any, ...]:
    """JSON and browsers send numbers for bools and strings for numbers: bring the value to the
    node's type and check its range (raises InvalidControl)."""
    if node.type == "N" or len(args) != 1:
        return tuple(args)
    value = args[0]
    try:
        if node.type == "f" and not isinstance(value, bool):
            value = float(value)
        elif node.type == "i" and not isinstance(value, bool):
            value = int(float(value))
        elif node.type == "T":
            value = value if isinstance(value, bool) else str(value).lower() in ("1", "true", "on", "yes")
        elif node.type == "s":
            value = str(value)
    except (TypeError, ValueError, OverflowError):
        raise InvalidControl(f"{node.path} takes a value of type {node.type}, got {value!r:.40}") from None
    if node.type in ("f", "i") and not isinstance(value, bool):
        if (node.min is not None and value < node.min) or (node.max is not None and value > node.max):
            raise InvalidControl(f"{node.path}: {value} is outside {node.min}..{node.max}")
    return (value,)
