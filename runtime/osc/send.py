"""OSC out: every frame, one bundle per target with a time tag and a frame counter.

Targets come from the [osc] config section. Sockets are non-blocking: a target that is down,
refuses, or does not exist costs one failed `sendto` and a counter, never a stall or an exception.
Continuous streams (pose, mic, sonification) are thinned to a target's `max_rate`; events are
never thinned: they wait for the target's next bundle.
"""

from __future__ import annotations

import logging
import socket
import time
from dataclasses import dataclass, field
from typing import Any

from runtime import clock
from runtime.error_log import ErrorLog
from runtime.frames import OscMessage
from runtime.osc.codec import IMMEDIATELY, bundle_size, encode_bundle, encode_message, ntp_timetag
from runtime.osc.schema import (  # noqa: F401  (re-exported: the app loop builds messages from here)
    FRAME,
    PERSON,
    STREAMS,
    WEKINATOR_PORT,
    mediapipe_pose_message,
    mic_message,
    person_event,
    person_message,
    posture_event,
    sign_event,
    sonify_message,
    wekinator_message,
)

log = logging.getLogger(__name__)

PRESETS = ("sala", "mediapipe", "wekinator")
CONTINUOUS_STREAMS = ("pose", "mic", "sonification")
MAX_PENDING_EVENTS = 1000


@dataclass
class OscTarget:
    """One receiver: where it is, what it hears, how often."""

    name: str
    host: str
    port: int
    streams: tuple[str, ...] = STREAMS
    max_rate: float = 60.0  # bundles per second at most (events still go out with the next bundle)
    preset: str = "sala"
    bundle: bool = True  # False: plain messages (for receivers that do not read bundles)
    max_datagram: int = 8192  # larger frames are split into several bundles, each with the frame message
    # state
    address: tuple[Any, ...] | None = None
    family: int = socket.AF_INET
    error: str = ""
    last_sent_t: float = -1e18
    pending_events: list[OscMessage] = field(default_factory=list)
    counters: dict[str, int] = field(default_factory=dict)


def _target_from_config(raw: dict[str, Any]) -> OscTarget:
    name = str(raw.get("name", f"{raw.get('host', '?')}:{raw.get('port', '?')}"))
    preset = str(raw.get("preset", "sala"))
    if preset not in PRESETS:
        raise ValueError(f"osc.targets[{name}].preset = {preset!r}: allowed values are {PRESETS}")
    given = raw.get("port")
    port = given or (WEKINATOR_PORT if preset == "wekinator" else None)
    if not isinstance(port, int) or not 0 < port < 65536:
        raise ValueError(f"osc.targets[{name}].port = {given!r}: must be an integer 1..65535")
    streams = tuple(raw.get("streams", ("pose",) if preset != "sala" else STREAMS))
    for s in streams:
        if s not in STREAMS:
            raise ValueError(f"osc.targets[{name}].streams: {s!r} is not one of {STREAMS}")
    max_rate = float(raw.get("max_rate", 60.0))
    if max_rate <= 0:
        raise ValueError(f"osc.targets[{name}].max_rate = {max_rate}: must be > 0")
    return OscTarget(
        name=name,
        host=str(raw.get("host", "127.0.0.1")),
        port=port,
        streams=streams,
        max_rate=max_rate,
        preset=preset,
        bundle=bool(raw.get("bundle", True)) and preset != "wekinator",  # Wekinator reads plain messages
        max_datagram=int(raw.get("max_datagram", 8192)),
    )


class OscOut:
    """Sends each frame's OSC to every configured target. `cfg` is the [osc] config section."""

    def __init__(self, cfg: dict[str, Any]) -> None:
        self.enabled = bool(cfg.get("enabled", True))
        self.targets = [_target_from_config(t) for t in cfg.get("targets", [])]
        self._sockets: dict[int, socket.socket] = {}
        self._t0 = clock.now()
        self.errors = ErrorLog(log)
        self.last_send_ns = 0  # perf_counter_ns() right after the last datagram left (for benchmarks)
        for target in self.targets:
            target.counters = dict(
                bundles=0, messages=0, bytes=0, send_errors=0, bad_messages=0, skipped_rate=0, split=0
            )
            self._resolve(target)

    def _resolve(self, target: OscTarget) -> None:
        try:
            infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_DGRAM)
        except (OSError, UnicodeError) as exc:
            target.error = f"cannot resolve {target.host!r}: {exc}"
            return
        family, _, _, _, address = infos[0]
        target.family, target.address = family, address
        if family not in self._sockets:
            sock = socket.socket(family, socket.SOCK_DGRAM)
            sock.setblocking(False)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
            self._sockets[family] = sock

    # ------------------------------------------------------------------------------------------ sending

    def send_frame(self, frame: int, t: float, messages: list[OscMessage]) -> None:
        """Send one frame: `t` is the frame's engine-clock time (its capture time)."""
        if not self.enabled or not self.targets:
            return
        now = clock.now()
        timetag = ntp_timetag(time.time() - (now - t))
        people = sum(1 for m in messages if m.address == PERSON)
        frame_msg = encode_message(FRAME, (int(frame), float(t - self._t0), people))
        for target in self.targets:
            if target.address is None:
                continue
            try:
                self._send_target(target, now, timetag, frame_msg, messages)
            except (TypeError, ValueError, IndexError, AttributeError) as exc:  # a preset fed a bad message
                target.counters["bad_messages"] += 1
                target.error = f"frame {frame}: {exc}"
                self.errors.report(f"osc target {target.name}: bad message", target.error)

    def _send_target(
        self, target: OscTarget, now: float, timetag: int, frame_msg: bytes, messages: list[OscMessage]
    ) -> None:
        events = [m for m in messages if m.stream not in CONTINUOUS_STREAMS and m.stream in target.streams]
        # thinning follows the wall clock, not the frame's capture time (which repeats while
        # perception is slower than the render loop)
        due = now - target.last_sent_t >= 1.0 / target.max_rate - 1e-4
        if not due:
            target.counters["skipped_rate"] += 1
            room = MAX_PENDING_EVENTS - len(target.pending_events)
            target.pending_events.extend(events[: max(0, room)])
            return
        target.last_sent_t = now
        chosen = target.pending_events + events if target.preset != "wekinator" else []
        target.pending_events = []
        continuous = [m for m in messages if m.stream in CONTINUOUS_STREAMS and m.stream in target.streams]
        chosen = self._apply_preset(target, continuous) + chosen
        encoded = [data for data in (self._encode(target, m) for m in chosen) if data is not None]
        if target.preset == "sala":
            encoded.insert(0, frame_msg)
        if not encoded:
            return
        if not target.bundle:
            for data in encoded:
                self._sendto(target, data, 1)
            return
        for chunk in self._chunks(target, encoded, frame_msg if target.preset == "sala" else None):
            self._sendto(target, encode_bundle(timetag, chunk), len(chunk))

    @staticmethod
    def _encode(target: OscTarget, message: OscMessage) -> bytes | None:
        try:
            return encode_message(message.address, message.args)
        except (TypeError, ValueError, UnicodeError, OverflowError) as exc:  # a badly built message
            target.counters["bad_messages"] += 1
            target.error = f"{message.address[:60]}: {exc}"
            return None

    def _apply_preset(self, target: OscTarget, continuous: list[OscMessage]) -> list[OscMessage]:
        if target.preset == "sala":
            return continuous
        people = [m for m in continuous if m.address == PERSON]
        if target.preset == "mediapipe":
            return [mediapipe_pose_message(people)] + [m for m in continuous if m.address != PERSON]
        wek = wekinator_message(people)
        return [wek] if wek is not None else []

    def _chunks(self, target: OscTarget, encoded: list[bytes], frame_msg: bytes | None) -> list[list[bytes]]:
        if bundle_size(encoded) <= target.max_datagram:
            return [encoded]
        target.counters["split"] += 1
        head = [frame_msg] if frame_msg is not None else []
        body = encoded[1:] if frame_msg is not None else encoded
        chunks: list[list[bytes]] = []
        current = list(head)
        for data in body:
            if len(current) > len(head) and bundle_size(current + [data]) > target.max_datagram:
                chunks.append(current)
                current = list(head)
            current.append(data)
        chunks.append(current)
        return chunks

    def _sendto(self, target: OscTarget, data: bytes, n_messages: int) -> None:
        try:
            self._sockets[target.family].sendto(data, target.address)
        except OSError as exc:  # buffer full, unreachable, refused: never block, never raise
            target.counters["send_errors"] += 1
            target.error = f"{type(exc).__name__}: {exc}"
            self.errors.report(f"osc target {target.name}: send failed", target.error)
            return
        self.last_send_ns = time.perf_counter_ns()
        if target.bundle:
            target.counters["bundles"] += 1
        target.counters["messages"] += n_messages
        target.counters["bytes"] += len(data)
        target.error = ""

    def send_now(self, address: str, *args: Any) -> None:
        """One message to every target right away (no bundle): for replies and tests."""
        data = encode_message(address, args)
        for target in self.targets:
            if target.address is not None:
                self._sendto(target, data, 1)

    # ------------------------------------------------------------------------------------------ status

    def stats(self) -> dict[str, Any]:
        per_target = {
            t.name: dict(t.counters, host=t.host, port=t.port, preset=t.preset, error=t.error)
            for t in self.targets
        }
        totals = {k: sum(t.counters.get(k, 0) for t in self.targets) for k in ("bundles", "messages", "bytes")}
        totals["send_errors"] = sum(t.counters.get("send_errors", 0) for t in self.targets)
        return {"enabled": self.enabled, **totals, "targets": per_target}

    def status(self) -> str:
        if not self.enabled:
            return "off"
        bad = [f"{t.name}: {t.error}" for t in self.targets if t.error]
        return "ok" if not bad else "degraded: " + "; ".join(bad)

    def close(self) -> None:
        for sock in self._sockets.values():
            sock.close()
        self._sockets.clear()


__all__ = [
    "IMMEDIATELY",
    "OscOut",
    "OscTarget",
    "mediapipe_pose_message",
    "mic_message",
    "person_event",
    "person_message",
    "posture_event",
    "sign_event",
    "sonify_message",
    "wekinator_message",
]
