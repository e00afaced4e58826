"""The show's side of the supervisor's watch: one small UDP datagram on loopback every frame.

`python -m runtime supervise` starts the show with SALA_HEARTBEAT=HOST:PORT in its environment.
Each frame the app loop calls `Heartbeat.beat(...)`: a JSON datagram with the frame number, frame
rate, people seen, the scene and the last frame time. A datagram never blocks and never fails the
show (a supervisor that is gone costs nothing), and it writes nothing to disk, which matters on a
machine that runs for months on an SD card. Without SALA_HEARTBEAT, `beat` does nothing.

Fault injection for the supervisor's tests (documented in runtime/installation/supervisor.py):
SALA_FAULT=crash-after:N[:C] raises an exception on the Nth beat, SALA_FAULT=hang-after:N[:C]
stops the loop dead (sleeps) there; with `:C`, only in the first C children the supervisor starts
(it numbers them in SALA_CHILD, from 1).
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
from dataclasses import dataclass

log = logging.getLogger(__name__)

ENV_ADDRESS = "SALA_HEARTBEAT"
ENV_FAULT = "SALA_FAULT"
ENV_CHILD = "SALA_CHILD"
FAULT_KINDS = ("crash", "hang")


class SupervisorGone(SystemExit):
    """The supervisor that started the show is gone: the show ends, so that the supervisor systemd
    restarts does not find a second show holding the camera, the display and the ports."""


class InjectedFault(RuntimeError):
    """Raised on purpose by SALA_FAULT=crash-after:N, to prove that a crash is survived."""


@dataclass(frozen=True)
class Fault:
    kind: str  # "crash" | "hang"
    after: int  # beats before the fault
    children: int = 0  # only in the first C children (0: in all)

    @classmethod
    def parse(cls, text: str) -> Fault:
        """`crash-after:N[:C]` or `hang-after:N[:C]`; a bad spec is refused with what is allowed."""
        parts = text.strip().split(":")
        kind = parts[0].removesuffix("-after")
        try:
            if kind not in FAULT_KINDS or not parts[0].endswith("-after") or len(parts) not in (2, 3):
                raise ValueError
            after = int(parts[1])
            children = int(parts[2]) if len(parts) == 3 else 0
        except ValueError:
            raise ValueError(f"{ENV_FAULT}={text!r}: expected crash-after:N[:C] or hang-after:N[:C]") from None
        return cls(kind, after, children)


def parse_address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{ENV_ADDRESS}={text!r}: expected HOST:PORT, e.g. 127.0.0.1:47000")
    return host, int(port)


class Heartbeat:
    def __init__(self, address: tuple[str, int] | None, fault: Fault | None = None, child: int = 0) -> None:
        self.address = address
        self.fault = fault if fault and (not fault.children or child <= fault.children) else None
        self.beats = 0
        self.errors = 0
        self._parent = os.getppid()
        self._sock: socket.socket | None = None
        if address is not None:
            self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self._sock.setblocking(False)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Heartbeat:
        env = os.environ if environ is None else environ
        address = parse_address(env[ENV_ADDRESS]) if env.get(ENV_ADDRESS) else None
        fault = Fault.parse(env[ENV_FAULT]) if env.get(ENV_FAULT) else None
        child = int(env.get(ENV_CHILD, "0") or 0)
        if fault:
            log.warning("fault injection armed: %s", env[ENV_FAULT])
        return cls(address, fault, child)

    @property
    def enabled(self) -> bool:
        return self._sock is not None or self.fault is not None

    def beat(self, frame: int, fps: float = 0.0, people: int = 0, scene: str = "", frame_ms: float = 0.0) -> None:
        """Called once per frame by the app loop."""
        self.beats += 1
        if self.fault is not None and self.beats >= self.fault.after:
            self._inject()
        if self._sock is None:
            return
        if self.beats % 30 == 0 and os.getppid() != self._parent:
            raise SupervisorGone(f"the supervisor (pid {self._parent}) is gone; the show ends with it")
        payload = {"pid": os.getpid(), "frame": frame, "fps": round(fps, 2), "people": people, "scene": scene,
                   "frame_ms": round(frame_ms, 3), "t": time.monotonic()}
        try:
            self._sock.sendto(json.dumps(payload).encode(), self.address)
        except OSError:  # no supervisor listening, buffer full: the show goes on
            self.errors += 1

    def _inject(self) -> None:
        fault, self.fault = self.fault, None
        if fault.kind == "crash":
            raise InjectedFault(f"injected crash after {fault.after} frames ({ENV_FAULT})")
        log.warning("injected hang after %d frames (%s)", fault.after, ENV_FAULT)
        while True:  # a loop that stops beating, as a deadlock or an endless computation would
            time.sleep(3600)

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
