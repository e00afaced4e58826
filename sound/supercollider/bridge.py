"""The ready SuperCollider receiver: turns the sala pose stream into scsynth commands.

scsynth alone (no sclang) only understands server commands, so this bridge listens where an
[osc] target sends the sala schema and drives the server: it loads the project's SynthDefs
(/d_recv), gives each visitor a `sala_person` synth (/s_new) that follows their pose (/n_set),
releases it when they leave (gate 0), and pings a `sala_hit` on every enter and microphone onset.

    python -m sound.supercollider.bridge --listen 57121 --scsynth 127.0.0.1:57110

and in the sala config: [[osc.targets]] name = "supercollider", port = 57121, streams = ["pose", "events", "mic"].
"""

from __future__ import annotations

import argparse
import socket
import threading
import time
from typing import Any

import numpy as np
from pythonosc.osc_message_builder import OscMessageBuilder
from pythonosc.osc_packet import OscPacket, ParseError

from sound.supercollider.defs import compiled

# MediaPipe pose landmark indices
LEFT_WRIST, RIGHT_WRIST, LEFT_HIP, RIGHT_HIP = 15, 16, 23, 24
ROOT_GROUP = 1
FIRST_NODE = 10000
PERSON_TIMEOUT = 2.0  # seconds without a message before a visitor's synth is released


def pose_to_params(landmarks: np.ndarray, score: float = 1.0) -> dict[str, float]:
    """The mapping that makes the pose space audible (same as sala.scd):

    - freq: right wrist height, bottom of frame 110 Hz .. top 880 Hz (three octaves, exponential)
    - cutoff: distance between the wrists, 0 .. 1 frame width -> 300 .. 6000 Hz
    - pan: the hips' x, left -1 .. right 1
    - amp: 0.25 scaled by the detection score
    """
    lm = np.asarray(landmarks, dtype=np.float64).reshape(33, 4)
    height = float(np.clip(1.0 - lm[RIGHT_WRIST, 1], 0.0, 1.0))
    spread = float(np.clip(np.hypot(*(lm[LEFT_WRIST, :2] - lm[RIGHT_WRIST, :2])), 0.0, 1.0))
    hips_x = float(np.clip((lm[LEFT_HIP, 0] + lm[RIGHT_HIP, 0]) / 2, 0.0, 1.0))
    return {
        "freq": 110.0 * 2.0 ** (3.0 * height),
        "cutoff": 300.0 * 20.0 ** spread,
        "pan": 2.0 * hips_x - 1.0,
        "amp": 0.25 * float(np.clip(score, 0.0, 1.0)),
    }


class ScsynthBridge:
    def __init__(self, listen: tuple[str, int], scsynth: tuple[str, int]) -> None:
        self.listen_address = listen
        self.scsynth = scsynth
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(listen)
        self.sock.settimeout(0.2)
        self.nodes: dict[int, int] = {}  # person id -> node id
        self.last_seen: dict[int, float] = {}
        self._next_node = FIRST_NODE
        self._running = False
        self._thread: threading.Thread | None = None
        self.counters = {"packets": 0, "malformed": 0, "s_new": 0, "n_set": 0, "released": 0, "hits": 0}
        self.replies: list[tuple[str, tuple[Any, ...]]] = []  # scsynth's /done and /fail answers

    @property
    def port(self) -> int:
        return self.sock.getsockname()[1]

    def send(self, address: str, *args: Any) -> None:
        try:
            self.sock.sendto(_message(address, args), self.scsynth)
        except OSError:
            pass  # scsynth not up yet: the next frame tries again

    def load_synthdefs(self) -> None:
        """Send every project SynthDef and make the group the synths live in."""
        for data in compiled().values():
            self.send("/d_recv", data)
        self.send("/g_new", ROOT_GROUP, 0, 0)

    def handle(self, data: bytes, now: float) -> None:
        self.counters["packets"] += 1
        try:
            messages = [(m.message.address, tuple(m.message.params)) for m in OscPacket(data).messages]
        except (ParseError, ValueError, IndexError):
            self.counters["malformed"] += 1
            return
        for address, args in messages:
            try:
                self._dispatch(address, args, now)
            except (IndexError, TypeError, ValueError):
                self.counters["malformed"] += 1
        self.release_stale(now)

    def _dispatch(self, address: str, args: tuple[Any, ...], now: float) -> None:
        if address == "/sala/person" and len(args) == 2 + 132:
            pid = int(args[0])
            params = pose_to_params(np.asarray(args[2:], dtype=np.float64), float(args[1]))
            flat = [x for kv in params.items() for x in kv]
            self.last_seen[pid] = now
            if pid not in self.nodes:
                self.nodes[pid] = self._next_node
                self._next_node += 1
                self.send("/s_new", "sala_person", self.nodes[pid], 0, ROOT_GROUP, *flat)
                self.counters["s_new"] += 1
            else:
                self.send("/n_set", self.nodes[pid], *flat)
                self.counters["n_set"] += 1
        elif address == "/sala/person/exit":
            self.release(int(args[0]))
        elif address == "/sala/person/enter":
            self.hit(880.0, 0.15)
        elif address == "/sala/mic/onset":
            self.hit(1320.0, 0.1)
        elif address in ("/done", "/fail") and len(self.replies) < 1000:
            self.replies.append((address, args))

    def hit(self, freq: float, amp: float) -> None:
        self.send("/s_new", "sala_hit", -1, 0, ROOT_GROUP, "freq", freq, "amp", amp)
        self.counters["hits"] += 1

    def release(self, pid: int) -> None:
        node = self.nodes.pop(pid, None)
        self.last_seen.pop(pid, None)
        if node is not None:
            self.send("/n_set", node, "gate", 0)
            self.counters["released"] += 1

    def release_stale(self, now: float) -> None:
        for pid in [p for p, t in self.last_seen.items() if now - t > PERSON_TIMEOUT]:
            self.release(pid)

    def start(self) -> None:
        self.load_synthdefs()
        self._running = True
        self._thread = threading.Thread(target=self._serve, name="scsynth-bridge", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while self._running:
            try:
                data, _ = self.sock.recvfrom(65536)
            except TimeoutError:
                self.release_stale(time.monotonic())
                continue
            except OSError:
                if not self._running:
                    return
                continue
            self.handle(data, time.monotonic())

    def stop(self) -> None:
        self._running = False
        if self._thread is not None:
            self._thread.join(timeout=2)
        for pid in list(self.nodes):
            self.release(pid)
        self.sock.close()


def _message(address: str, args: tuple[Any, ...]) -> bytes:
    builder = OscMessageBuilder(address)
    for arg in args:
        builder.add_arg(arg)
    return builder.build().dgram


def _address(text: str, default_host: str = "127.0.0.1") -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    return (host or default_host), int(port)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="sala pose stream -> scsynth (SynthDefs, /s_new, /n_set)")
    parser.add_argument("--listen", default="127.0.0.1:57121", help="where sala's OSC target sends [host:]port")
    parser.add_argument("--scsynth", default="127.0.0.1:57110", help="scsynth's UDP address host:port")
    args = parser.parse_args(argv)
    bridge = ScsynthBridge(_address(args.listen), _address(args.scsynth))
    bridge.start()
    print(f"listening on {bridge.listen_address[0]}:{bridge.port}, driving scsynth at {args.scsynth}")
    try:
        while True:
            time.sleep(5)
            if not bridge.nodes:  # a restarted scsynth gets its SynthDefs back
                bridge.load_synthdefs()
    except KeyboardInterrupt:
        bridge.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
