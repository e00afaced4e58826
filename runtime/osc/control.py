"""The OSC control server: the room's remote control (switch scene, set a parameter, make the avatar sign).

It runs its own thread and only ever hands validated `ControlMessage`s to the app loop through a
bounded queue: a flood of packets costs counters, not memory; no packet can raise into the loop.
`/ping` is answered here, directly, with `/pong` and the same arguments.
Bound to 127.0.0.1 unless the config opens it; an optional allow-list filters senders.
"""

from __future__ import annotations

import logging
import math
import socket
import threading
import time
from collections import deque
from typing import Any

from runtime import clock
from runtime.error_log import ErrorLog
from runtime.frames import ControlMessage
from runtime.osc.codec import OscDecodeError, decode_packet, encode_message

log = logging.getLogger(__name__)

MAX_TEXT = 2000  # longest string argument accepted (a HamNoSys sign fits easily)
MAX_PHRASE = 32  # most signs in one /sign/phrase
NAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.")


class InvalidControl(ValueError):
    """A well-formed OSC message whose address or arguments are not what the schema allows."""


def _name(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value or len(value) > 64 or not set(value) <= NAME_CHARS:
        raise InvalidControl(f"{what} must be a name of 1..64 characters [A-Za-z0-9_-.], got {value!r}")
    return value


def _value(value: Any) -> float | int | str | bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise InvalidControl(f"parameter value must be finite, got {value}")
        return value
    if isinstance(value, str) and len(value) <= MAX_TEXT:
        return value
    raise InvalidControl(f"parameter value must be a number, bool or short string, got {type(value).__name__}")


def validate(address: str, args: tuple[Any, ...]) -> tuple[str, tuple[Any, ...]]:
    """Check one control message against the schema (runtime/osc/OSC.md, "Control in"); return it normalised."""
    if address == "/sala/scene":
        if len(args) != 1:
            raise InvalidControl(f"/sala/scene takes 1 argument (s:scene name), got {len(args)}")
        return address, (_name(args[0], "/sala/scene name"),)
    if address == "/sala/param":
        if len(args) == 2:
            return address, ("", _name(args[0], "/sala/param key"), _value(args[1]))
        if len(args) == 3:
            return address, (_name(args[0], "/sala/param scene"), _name(args[1], "/sala/param key"),
                             _value(args[2]))
        raise InvalidControl(f"/sala/param takes [s:scene] s:key value, got {len(args)} arguments")
    if address == "/sign":
        ok = 1 <= len(args) <= 2 and all(isinstance(a, str) and 0 < len(a) <= MAX_TEXT for a in args)
        if not ok:
            raise InvalidControl(f"/sign takes s:HAMNOSYS and optionally s:GLOSS (1..{MAX_TEXT} characters each)")
        return address, tuple(args)
    if address == "/sign/phrase":
        ok = 1 <= len(args) <= MAX_PHRASE and all(isinstance(a, str) and 0 < len(a) <= MAX_TEXT for a in args)
        if not ok:
            raise InvalidControl(f"/sign/phrase takes 1..{MAX_PHRASE} strings s:HAMNOSYS (each may be "
                                 f"\"GLOSS: notation\", 1..{MAX_TEXT} characters)")
        return address, tuple(args)
    if address.startswith("/sala/scenes/"):  # the OSCQuery tree's own address for a scene parameter
        parts = address.split("/")
        if len(parts) != 5 or len(args) != 1:
            raise InvalidControl("/sala/scenes/SCENE/KEY takes 1 value")
        return "/sala/param", (_name(parts[3], "scene"), _name(parts[4], "key"), _value(args[0]))
    if address in ("/sala/next", "/sala/previous", "/sala/restart", "/sala/screenshot"):
        if args:
            raise InvalidControl(f"{address} takes no arguments, got {len(args)}")
        return address, ()
    if address == "/sala/link/tempo":
        if len(args) != 1 or isinstance(args[0], bool) or not isinstance(args[0], int | float):
            raise InvalidControl("/sala/link/tempo takes 1 number (20..999 BPM)")
        bpm = float(args[0])
        if not 20.0 <= bpm <= 999.0:
            raise InvalidControl(f"/sala/link/tempo must be within 20..999, got {bpm}")
        return address, (bpm,)
    if address == "/sala/volume":
        if len(args) != 1 or isinstance(args[0], bool) or not isinstance(args[0], int | float):
            raise InvalidControl("/sala/volume takes 1 number (0..1)")
        level = float(args[0])
        if not 0.0 <= level <= 1.0:
            raise InvalidControl(f"/sala/volume must be within 0..1, got {level}")
        return address, (level,)
    raise InvalidControl(f"unknown control address {address[:80]!r}")


def _control_section(cfg: dict[str, Any]) -> dict[str, Any]:
    """The control settings of the [osc] section, without their `control_` prefix."""
    return {k.removeprefix("control_"): v for k, v in cfg.items() if k.startswith("control_")}


class ControlServer:
    """UDP OSC control server. `cfg` is the [osc] config section (control_* keys)."""

    def __init__(self, cfg: dict[str, Any]) -> None:
        section = _control_section(cfg)
        self.enabled = bool(section.get("enabled", True))
        self.host = str(section.get("host", "127.0.0.1"))
        self.port = int(section.get("port", 9000))
        self.allow = {str(a) for a in section.get("allow", [])}
        self.max_packet = int(section.get("max_packet", 8192))
        self.queue_size = int(section.get("queue", 256))
        self._queue: deque[ControlMessage] = deque()
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._running = False
        self._status = "off"
        self.errors = ErrorLog(log)
        self.counters = dict(
            received=0, applied=0, pings=0, dropped_malformed=0, dropped_invalid=0, dropped_oversize=0,
            dropped_sender=0, dropped_queue_full=0,
        )
        self.last_error = ""

    @property
    def address(self) -> tuple[str, int]:
        """Where it listens (the real port when the config asked for port 0)."""
        if self._sock is None:
            return self.host, self.port
        return self._sock.getsockname()[:2]

    def start(self) -> None:
        if not self.enabled or self._running:
            return
        try:
            family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
            sock = socket.socket(family, socket.SOCK_DGRAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)  # bursts wait in the kernel
            sock.bind((self.host, self.port))
            sock.settimeout(0.2)  # so that stop() is noticed promptly
        except OSError as exc:
            self._status = f"off: cannot listen on {self.host}:{self.port}: {exc}"
            return
        self._sock = sock
        self.port = sock.getsockname()[1]  # the port chosen when 0 was asked for
        self._running = True
        self._status = "ok"
        self._thread = threading.Thread(target=self._serve, name="osc-control", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        assert self._sock is not None
        buffer_size = max(self.max_packet + 1, 65536)
        handled = 0
        while self._running:
            handled += 1
            if handled % 32 == 0:
                # Under a flood this thread never waits for a packet, so it would hold the GIL for
                # whole switch intervals while the render loop waits: step aside now and then.
                time.sleep(0)
            try:
                data, sender = self._sock.recvfrom(buffer_size)
            except TimeoutError:
                continue
            except OSError as exc:
                if self._running:
                    self.last_error = f"receive failed: {exc}"
                    continue
                return
            try:
                self._handle(data, sender)
            except Exception as exc:  # a packet must never end the server
                self.counters["dropped_malformed"] += 1
                self.last_error = f"unexpected {type(exc).__name__} on a packet: {exc}"
                self.errors.report("control: packet failed", self.last_error, exc)

    def _handle(self, data: bytes, sender: tuple[Any, ...]) -> None:
        self.counters["received"] += 1
        if self.allow and sender[0] not in self.allow:
            self.counters["dropped_sender"] += 1
            self.errors.report("control: sender not allowed", sender[0])
            return
        if len(data) > self.max_packet:
            self.counters["dropped_oversize"] += 1
            self.errors.report("control: oversize packet", f"{len(data)} bytes from {sender[0]}")
            return
        try:
            messages = decode_packet(data)
        except OscDecodeError as exc:
            self.counters["dropped_malformed"] += 1
            self.last_error = f"malformed packet from {sender[0]}: {exc}"
            self.errors.report("control: malformed packet", self.last_error)
            return
        now = clock.now()
        for address, args in messages:
            if address == "/ping":
                self.counters["pings"] += 1
                self._reply(encode_message("/pong", args), sender)
                continue
            try:
                address, args = validate(address, args)
            except InvalidControl as exc:
                self.counters["dropped_invalid"] += 1
                self.last_error = str(exc)
                self.errors.report("control: invalid message", f"from {sender[0]}: {exc}")
                continue
            with self._lock:
                if len(self._queue) >= self.queue_size:
                    self.counters["dropped_queue_full"] += 1
                    self.errors.report("control: queue full", f"{address} from {sender[0]} dropped")
                    continue
                self._queue.append(ControlMessage(address, args, now, f"{sender[0]}:{sender[1]}"))
                self.counters["applied"] += 1

    def _reply(self, data: bytes, sender: tuple[Any, ...]) -> None:
        try:
            assert self._sock is not None
            self._sock.sendto(data, sender)
        except OSError as exc:
            self.last_error = f"/pong to {sender[0]} failed: {exc}"

    def drain(self) -> list[ControlMessage]:
        """All validated messages since the last call, oldest first (never blocks for long)."""
        with self._lock:
            out = list(self._queue)
            self._queue.clear()
        return out

    def stats(self) -> dict[str, Any]:
        return dict(self.counters, status=self.status(), last_error=self.last_error)

    def status(self) -> str:
        if self._running and self._thread is not None and not self._thread.is_alive():
            return "lost: control thread ended"
        return self._status

    def stop(self) -> None:
        self._running = False
        if self._thread is not None:
            self._thread.join(timeout=2.0)
            self._thread = None
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        self._status = "off"
