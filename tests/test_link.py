"""Ableton Link with a second peer in another process: a tempo change travels both ways, and the
show's beat grid (inputs.beat, in the engine clock) lands within 5 ms of the peer's beats."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from runtime.app import App, RunOptions
from runtime.config import load
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parent.parent
pytest.importorskip("aalink")


def test_tempo_travels_both_ways_and_the_beats_line_up(display):
    cfg = load(None, ['window.mode="headless"', 'show.scene="testcard"', 'cameras.main.spec="images:builtin"',
                      'audio.backend="none"', "microphone.enabled=false", f"osc.control_port={free_port()}",
                      "remote.port=0", "remote.zeroconf=false", "link.enabled=true"])
    app = App(cfg, RunOptions(), display=display)
    app.setup()
    peer = subprocess.Popen([sys.executable, "-m", "tests.link_peer", "97", "133"], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True)
    lines: list[dict] = []

    reader = threading.Thread(target=lambda: [lines.append(json.loads(line)) for line in peer.stdout], daemon=True)
    reader.start()
    grid: list[tuple[float, float, float]] = []  # (engine t, beat, tempo) as the show saw them
    sent = False
    try:
        deadline = time.monotonic() + 60
        while peer.poll() is None and time.monotonic() < deadline:
            app.step(1 / 60)
            beat = app._beat
            if beat is not None:
                grid.append((beat.t, beat.beat, beat.tempo))
                if not sent and abs(beat.tempo - 97) < 0.01:  # the peer's tempo reached the show
                    assert app.surface.request("/sala/link/tempo", (133,), "test", time.monotonic()) == ""
                    sent = True
            time.sleep(0.005)
        reader.join(timeout=5)
    finally:
        peer.kill()
        app.shutdown()
    assert {"peers": 1} in lines, lines[:3]
    assert sent, "the peer's tempo never reached the show"
    assert [x for x in lines if "tempo" in x][0]["tempo"] == pytest.approx(133, abs=0.01)  # and back
    # Each beat the peer saw, against the time the show's timeline put on that beat.
    errors = []
    for line in (x for x in lines if "beat" in x):
        t_show = [g for g in grid if abs(g[0] - line["t"]) < 0.05 and abs(g[2] - 133) < 0.01]
        if t_show:
            t0, b0, tempo = min(t_show, key=lambda g: abs(g[0] - line["t"]))
            errors.append(abs(t0 + (line["beat"] - b0) * 60.0 / tempo - line["t"]) * 1000)
    median = sorted(errors)[len(errors) // 2]
    print(f"{len(errors)} beats compared; error median {median:.2f} ms, max {max(errors):.2f} ms")
    assert len(errors) >= 10
    assert median < 5.0
