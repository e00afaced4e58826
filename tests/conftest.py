"""Shared fixtures: a headless GL display (Mesa llvmpipe through SDL's offscreen driver), the
reference data beside the repository, and free loopback ports."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

os.environ["SDL_VIDEODRIVER"] = "offscreen"
os.environ["SDL_AUDIODRIVER"] = "dummy"
os.environ["PYO_GUI_WX"] = "0"
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def display():
    """One offscreen GL window for the whole session (SDL allows one per process)."""
    from runtime.devices.display import open_display

    d = open_display("headless", (640, 360))
    yield d
    d.close()


@pytest.fixture
def gfx(display):
    """A fresh Graphics on the shared context, drawing to the 640x360 screen."""
    from runtime.gfx import Graphics

    display.ctx.screen.use()
    g = Graphics(display.ctx, display.size)
    g.clear()
    return g


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"reference data not found at {SHARED_DATA} (the shared/ folder beside the repository)")
    return SHARED_DATA


def wait_for(cond, timeout: float = 10.0, poll: float = 0.01) -> bool:
    """Poll `cond` until it is true (True) or `timeout` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(poll)
    return False


def drive(app, seconds: float, frame_ms: list[float], until=None, rate: float = 60.0) -> bool:
    """Run the app's loop in real time at `rate` for up to `seconds`, appending each frame's time in ms
    to `frame_ms`; with `until`, stop as soon as it holds (True) or report that it never did (False)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        t = time.monotonic()
        app.step(1 / rate)
        frame_ms.append((time.monotonic() - t) * 1000)
        time.sleep(max(0.0, 1 / rate - (time.monotonic() - t)))
        if until is not None and until():
            return True
    return until is None


def free_port(kind: int = socket.SOCK_DGRAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def udp_port() -> int:
    return free_port()
