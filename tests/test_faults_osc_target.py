"""Fault: OSC targets that refuse, swallow or do not exist. Nothing blocks; the loop time does not
change; the good target still gets every frame."""

from __future__ import annotations

import socket
import time

import numpy as np

from runtime.app import App, RunOptions
from runtime.config import load
from runtime.frames import Person
from runtime.scene import Scene
from tests.conftest import free_port

FRAMES = 60


class Chatty(Scene):
    name = "test-chatty"
    description = "sends a few OSC messages every update (tests only)"

    def update(self, inputs, out):
        for i in range(5):
            out.send("/test/value", i, float(inputs.t), stream="scene")


def people(t: float) -> list[Person]:
    lm = np.random.default_rng(0).random((33, 4)).astype(np.float32)
    return [Person(id=i, landmarks=lm, t_capture=t) for i in range(4)]


def run_app(display, targets: list[dict], listener: socket.socket, frames: int = FRAMES
            ) -> tuple[App, list[float], list[float], int]:
    cfg = load(None, ['window.mode="headless"', 'show.scene="test-chatty"', "show.max_fps=0",
                      'cameras.main.spec="images:builtin"', "perception.enabled=false"])
    cfg["osc"].update(targets=targets, control_enabled=False)
    app = App(cfg, RunOptions(), display=display)
    app.setup()
    out = app.engines.osc_out
    send = out.send_frame
    send_ms: list[float] = []

    def timed_send(frame, t, messages):
        t0 = time.perf_counter()
        send(frame, t, messages)
        send_ms.append((time.perf_counter() - t0) * 1000)

    out.send_frame = timed_send
    step_ms = []
    received = 0
    try:
        for _ in range(frames):
            t = time.monotonic()
            app.engines.set_people(people(t), t)
            app.step(1 / 60)
            step_ms.append((time.monotonic() - t) * 1000)
            time.sleep(max(0.0, 1 / 60 - (time.monotonic() - t)))  # a 60 fps show
            received += drain(listener)
    finally:
        app.shutdown()
    return app, step_ms[10:], send_ms[10:], received + drain(listener)


def drain(listener: socket.socket) -> int:
    """Datagrams waiting at the good target, each with the frame message first."""
    n = 0
    while True:
        try:
            data = listener.recv(65536)
        except BlockingIOError:
            return n
        n += b"/sala/frame" in data[:64]


def test_unreachable_targets_cost_nothing_and_block_nothing(display):
    listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    listener.bind(("127.0.0.1", 0))
    listener.setblocking(False)
    good = {"name": "good", "host": "127.0.0.1", "port": listener.getsockname()[1]}
    bad = [
        {"name": "refuses", "host": "127.0.0.1", "port": free_port()},  # nobody listens: ICMP refused
        {"name": "nowhere", "host": "198.51.100.1", "port": 9000},  # TEST-NET-2: packets go nowhere
        {"name": "unknown", "host": "no-such-host.invalid", "port": 9000},  # does not resolve
    ]
    times = {"good": ([], []), "bad": ([], [])}
    received = 0
    for _ in range(2):  # interleaved, so that the machine's load falls on both alike
        for kind, targets in (("good", [good]), ("bad", [*bad, good])):
            app, step_ms, send_ms, heard = run_app(display, targets, listener)
            received += heard
            times[kind][0].extend(step_ms)
            times[kind][1].extend(send_ms)
            if kind == "bad":
                stats = app.engines.osc_out.stats()["targets"]
    listener.close()
    good_step, bad_step = np.median(times["good"][0]), np.median(times["bad"][0])
    assert bad_step <= good_step * 1.15 + 0.3, (good_step, bad_step)  # the loop time does not change
    # Sending never waits: the bad targets add microseconds (three more sendto calls), not a stall.
    assert np.median(times["bad"][1]) < np.median(times["good"][1]) + 0.3
    assert np.percentile(times["bad"][1], 95) < 2.0
    # An unconnected UDP socket hears no ICMP "port unreachable": the refusing target's bundles
    # simply vanish, as they should, without an error that could slow the loop.
    assert stats["refuses"]["bundles"] >= FRAMES * 0.9 and stats["nowhere"]["bundles"] >= FRAMES * 0.9
    assert "cannot resolve" in stats["unknown"]["error"]
    assert stats["good"]["send_errors"] == 0 and stats["good"]["bundles"] >= FRAMES * 0.9
    assert received >= 4 * FRAMES * 0.9  # the good target heard (almost) every frame of four runs
