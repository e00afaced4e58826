"""Fault: the real show crashes (an injected exception) or hangs (an injected endless sleep); the
supervisor restarts it within its configured time, and says why."""

from __future__ import annotations

import json
import os
import re
import threading
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from runtime.config import load
from runtime.installation.supervisor import Supervisor
from tests.conftest import ROOT

HANG_SECONDS = 1.5
STOP_SECONDS = 1.0
BACKOFF = 0.2


def show_config(tmp_path: Path) -> Path:
    pictures = tmp_path / "pictures"
    pictures.mkdir()
    cv2.imwrite(str(pictures / "room.png"), np.full((90, 160, 3), 90, np.uint8))
    path = tmp_path / "venue.toml"
    path.write_text(f"""
[show]
max_fps = 30.0
[window]
mode = "headless"
size = [320, 180]
[cameras.main]
spec = "images:{pictures}"
width = 160
height = 90
[perception]
enabled = false
[supervisor]
hang_seconds = {HANG_SECONDS}
start_seconds = 40.0
stop_seconds = {STOP_SECONDS}
backoff_min = {BACKOFF}
log_file = ""
[health]
interval = 0.5
status_file = "{tmp_path / 'status.json'}"
""")
    return path


def supervise(tmp_path: Path, fault: str) -> Supervisor:
    path = show_config(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SALA_FAULT": fault, "SDL_VIDEODRIVER": "offscreen"}
    sup = Supervisor(load(path), path, [], environ=env)
    thread = threading.Thread(target=sup.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            if sup.children_started >= 2 and sup.state == "running":
                break
            time.sleep(0.05)
    finally:
        sup.stop()
        thread.join(15)
    return sup


def event_time(sup: Supervisor, pattern: str) -> tuple[float, str]:
    for t, text in sup.events:
        if re.search(pattern, text):
            return t, text
    raise AssertionError(f"no event {pattern!r} in {[text for _, text in sup.events]}")


def test_a_crashing_show_is_restarted_with_the_reason_logged(tmp_path):
    sup = supervise(tmp_path, "crash-after:30:1")  # the first show raises on its 30th frame
    assert sup.children_started == 2 and sup.restarts == 1
    t_failed, failed = event_time(sup, "^show failed")
    assert "exit code 1" in failed and "InjectedFault: injected crash after 30 frames" in failed
    t_started, _ = event_time(sup, r"^show started: child #2")
    assert t_started - t_failed <= BACKOFF + 0.3  # restarted after the configured back-off, no later
    event_time(sup, "^show running: first heartbeat")  # and the second show runs
    status = json.loads((tmp_path / "status.json").read_text())
    assert status["restarts"] == 1 and "InjectedFault" in status["last_reason"]
    # The healthy second show ends cleanly on SIGTERM when the supervisor stops, with no SIGKILL.
    assert not any("SIGKILL" in text for _, text in sup.events)


def test_a_hanging_show_is_killed_and_restarted(tmp_path):
    sup = supervise(tmp_path, "hang-after:30:1")  # the first show stops beating on its 30th frame
    assert sup.children_started == 2 and sup.restarts == 1
    t_stop, stop = event_time(sup, r"^stopping the show .*: hang: no heartbeat for")
    silence = float(re.search(r"no heartbeat for ([0-9.]+) s", stop).group(1))
    assert HANG_SECONDS <= silence <= HANG_SECONDS + 0.3  # noticed as soon as the configured time passed
    t_started, _ = event_time(sup, r"^show started: child #2")
    assert t_started - t_stop <= STOP_SECONDS + BACKOFF + 0.5  # SIGTERM ignored by the hung loop: SIGKILL
    assert sup.last_reason.startswith("hang: no heartbeat")
    assert sum("SIGKILL" in text for _, text in sup.events) == 1  # the hung one only


@pytest.mark.parametrize("spec", ["crash-after:x", "explode-after:3", "hang-after:3:1:2"])
def test_a_bad_fault_spec_is_refused(spec):
    from runtime.installation.heartbeat import Fault

    with pytest.raises(ValueError, match="expected crash-after:N"):
        Fault.parse(spec)
