"""Recording what the show sensed and sent, and playing it back: real app loop, real video files,
real OSC control packets; the same recording must give the same OSC out."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import numpy as np
import pytest

from runtime.app import App, RunOptions
from runtime.config import ConfigError, load
from runtime.devices.mic_features import FeatureExtractor
from runtime.installation.replay import Recording, Replay, ReplayError
from runtime.osc.codec import encode_message
from runtime.scene import Scene
from tests.conftest import free_port
from tests.test_cameras import make_video


class OscEcho(Scene):
    """Says on OSC everything it is given, so that the OSC out shows what the loop fed it."""

    name = "test-osc-echo"
    description = "echoes its inputs as OSC (tests only)"
    wants_people = True
    params = {"gain": 1.0}

    def __init__(self, config=None):
        super().__init__(config)
        self.n = 0

    def update(self, inputs, out):
        self.n += 1
        frame = inputs.frame
        if frame is not None:
            out.send("/test/camera", frame.index, int(frame.image.mean()), round(inputs.t - frame.t_capture, 6))
        for p in inputs.people:
            out.send("/test/person", p.id, float(p.landmarks[0, 0]), float(p.landmarks[0, 1]),
                     round(inputs.t - p.t_capture, 6))
        for m in inputs.control:
            out.send("/test/control", m.address, *m.args)
        if inputs.audio is not None:
            out.send("/test/mic", float(inputs.audio.pitch_hz), float(inputs.audio.rms_db))
        out.send("/test/update", self.n, float(self.values["gain"]))


def make_cfg(*overrides: str) -> dict:
    cfg = load(None, ['window.mode="headless"', 'show.scene="test-osc-echo"', "perception.enabled=false",
                      "show.max_fps=60", *overrides])
    cfg["osc"].update(control_host="127.0.0.1", control_port=free_port())
    return cfg


def record_live(display, folder: Path, video: Path, seconds: float = 1.5) -> None:
    """A live run: a video camera, people as perception would report them, control packets."""
    from runtime.devices.virtual_visitors import VirtualVisitors

    cfg = make_cfg(f'cameras.main.spec="video:{video}"')
    app = App(cfg, RunOptions(record=folder), display=display)
    app.setup()
    visitors = VirtualVisitors(2, seed=3)
    # The microphone: its feature extraction, fed with a 440 Hz tone as the show runs.
    extractor = FeatureExtractor()
    heard: list = [None]
    app.engines.mic_features = lambda: heard[0]
    phase = 0
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    control = app.engines.control.address
    try:
        t_end = time.monotonic() + seconds
        sent = 0
        t_prev = time.monotonic()
        while time.monotonic() < t_end:
            t = time.monotonic()
            block = 0.3 * np.sin(2 * np.pi * 440.0 * (phase + np.arange(800)) / 48000.0)
            phase += 800
            heard[0] = (extractor.push(block, t) or [heard[0]])[-1]
            people = visitors.step(t)
            events = [("enter", p.id, t) for p in people] if app.frame_number == 0 else []  # as perception does
            app.engines.set_people(people, t, events)
            if app.frame_number in (10, 30, 50) and sent < 3:
                packet = (encode_message("/sign", ("hamflathand",)) if sent != 1
                          else encode_message("/sala/param", ("test-osc-echo", "gain", 0.25 * (sent + 1))))
                sender.sendto(packet, control)
                sent += 1
                time.sleep(0.02)  # the control thread takes it before the next frame
            app.step(t - t_prev)
            t_prev = t
            time.sleep(0.005)
    finally:
        sender.close()
        app.shutdown()


def replay(display, source: Path, folder: Path, pace: str = "fast") -> float:
    cfg = make_cfg(f'cameras.main.spec="replay:{source}"', f'recording.replay_pace="{pace}"')
    app = App(cfg, RunOptions(record=folder), display=display)
    app.setup()
    t0 = time.monotonic()
    try:
        while app.state.running:
            app.step(0.0)  # elapsed comes from the recording
    finally:
        app.shutdown()
    return time.monotonic() - t0


def osc_lines(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / "osc.jsonl").read_text().splitlines()]


@pytest.fixture(scope="module")
def recorded(tmp_path_factory, display) -> Path:
    tmp = tmp_path_factory.mktemp("rec")
    video = make_video(tmp / "room.mp4", frames=45, fps=30.0)
    record_live(display, tmp / "live", video)
    return tmp / "live"


def test_a_recording_holds_camera_people_control_and_osc(recorded):
    rec = Recording(recorded)
    meta = json.loads((recorded / "meta.json").read_text())
    assert meta["frames"] == len(rec.ticks) > 40
    assert meta["cameras"]["main"]["size"] == [160, 90]
    import cv2

    cap = cv2.VideoCapture(str(rec.videos["main"]))
    n_video = 0
    while cap.read()[0]:
        n_video += 1
    n_index = len(rec.cameras["main"])
    assert n_video == n_index == meta["cameras"]["main"]["frames"] > 20  # every frame has its time stamp
    times = [row["t"] for row in rec.cameras["main"].values()]
    assert times == sorted(times)
    people_rows = [row for rows in rec.people.values() for row in rows]
    assert len({p["id"] for p in people_rows}) == 2  # two visitors, each with their track id
    assert np.asarray(people_rows[0]["landmarks"]).shape == (33, 4)
    controls = [(c["address"], c["args"]) for rows in rec.control.values() for c in rows]
    assert controls == [("/sign", ["hamflathand"]), ("/sala/param", ["test-osc-echo", "gain", 0.5]),
                        ("/sign", ["hamflathand"])]
    pitches = [row["pitch_hz"] for row in rec.mic.values()]
    assert len(pitches) > 20 and np.median(pitches) == pytest.approx(440.0, rel=0.01)
    assert len(next(iter(rec.mic.values()))["mel"]) == 64
    sent = [m for line in rec.osc for m in line["messages"]]
    assert any(m[0] == "/sala/person" for m in sent)  # the person stream that went out
    ids = sorted({p["id"] for p in people_rows})
    assert sorted(e for events in rec.person_events.values() for e in events) == [("enter", i) for i in ids]
    assert any(m[0] == "/test/control" and m[1][0] == "/sign" for m in sent)
    assert any(m[0] == "/test/update" and m[1][1] == 0.5 for m in sent)  # the param was applied


def test_replay_is_deterministic_and_matches_the_live_run(recorded, tmp_path, display):
    replay(display, recorded, tmp_path / "a")
    replay(display, recorded, tmp_path / "b")
    a, b, live = osc_lines(tmp_path / "a"), osc_lines(tmp_path / "b"), osc_lines(recorded)
    assert a == b  # the same recording, the same OSC out, byte for byte in every argument
    assert [line["frame"] for line in a] == [line["frame"] for line in live]
    for la, ll in zip(a, live, strict=True):
        assert [m[0] for m in la["messages"]] == [m[0] for m in ll["messages"]]
        for ma, ml in zip(la["messages"], ll["messages"], strict=True):
            if ma[0] == "/test/camera":  # the same frame, with its capture time; its pixels through MJPG
                assert ma[1][0] == ml[1][0] and abs(ma[1][2] - ml[1][2]) < 1e-5 and abs(ma[1][1] - ml[1][1]) <= 3
            elif ma[0] in ("/test/person", "/test/update", "/test/control", "/test/mic"):
                assert np.allclose([v for v in ma[1] if not isinstance(v, str)],
                                   [v for v in ml[1] if not isinstance(v, str)], atol=2e-3)


def test_replay_at_the_recorded_pace_takes_the_recorded_time(recorded, tmp_path, display):
    duration = Recording(recorded).duration - Recording(recorded).ticks[0]["t"]
    took = replay(display, recorded, tmp_path / "paced", pace="recorded")
    assert duration * 0.9 <= took <= duration + 1.0
    assert osc_lines(tmp_path / "paced") == osc_lines(_fast(display, recorded, tmp_path))


def _fast(display, recorded: Path, tmp_path: Path) -> Path:
    replay(display, recorded, tmp_path / "fast")
    return tmp_path / "fast"


def test_replay_loops_when_asked(recorded):
    r = Replay(recorded, pace="fast", end="loop")
    r.start(100.0)
    n = len(r.recording.ticks)
    ticks = [r.advance(0.0) for _ in range(n + 5)]
    assert all(t is not None for t in ticks) and r.loops == 1
    assert ticks[n].t > ticks[n - 1].t  # time goes on through the loop
    assert ticks[n].elapsed == ticks[0].elapsed


def test_a_bad_recording_is_refused_with_the_file_named(tmp_path):
    with pytest.raises(ReplayError, match="no such folder"):
        Recording(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ReplayError, match="ticks.jsonl: missing"):
        Recording(tmp_path / "empty")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "ticks.jsonl").write_text('{"frame": 0, "t": 0, "elapsed": 0}\n{"frame": 1, t\n{"frame": 2}\n')
    with pytest.raises(ReplayError, match=r"ticks.jsonl: line 2 is not JSON"):
        Recording(bad)
    cfg = load(None, [f'cameras.main.spec="replay:{tmp_path / "missing"}"'])
    with pytest.raises(ConfigError, match="missing: no such folder"):
        App(cfg, RunOptions())


def test_cli_records_and_replays(tmp_path):
    import subprocess
    import sys

    from tests.conftest import ROOT

    base = [sys.executable, "-m", "runtime", "run", "--headless", "--size", "320x180", "--scene", "testcard"]
    done = subprocess.run([*base, "--input", "images:builtin", "--frames", "20", "--record", str(tmp_path / "r")],
                          cwd=ROOT, capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stderr[-1500:]
    meta = json.loads((tmp_path / "r" / "meta.json").read_text())
    assert meta["frames"] == 20 and meta["cameras"]["main"]["frames"] >= 1
    done = subprocess.run([*base, "--input", f"replay:{tmp_path / 'r'}", "--set", 'recording.replay_pace="fast"',
                           "--record", str(tmp_path / "again")], cwd=ROOT, capture_output=True, text=True,
                          timeout=90)
    assert done.returncode == 0, done.stderr[-1500:]
    assert "replay finished" in done.stderr
    assert json.loads((tmp_path / "again" / "meta.json").read_text())["frames"] == 20
    ticks = [(json.loads(a)["elapsed"], json.loads(b)["elapsed"]) for a, b in
             zip((tmp_path / "r" / "ticks.jsonl").read_text().splitlines(),
                 (tmp_path / "again" / "ticks.jsonl").read_text().splitlines(), strict=True)]
    assert all(a == b for a, b in ticks)  # the replay ran on the recording's clock


def test_a_slow_disk_drops_camera_frames_and_never_slows_the_loop(tmp_path):
    from runtime.frames import CameraFrame
    from runtime.installation.recording import Recorder

    cfg = load(None, ["recording.queue=2"])
    recorder = Recorder(tmp_path / "slow", cfg)
    recorder.start(0.0)
    rng = np.random.default_rng(1)
    image = rng.integers(0, 255, (720, 1280, 3), dtype=np.uint8)  # noise: the slowest thing to encode
    tick_ms = []
    for i in range(120):
        t = i / 60
        t0 = time.perf_counter()
        recorder.tick(t, 1 / 60, {"main": CameraFrame(image, t, i, "test")}, [], None)
        tick_ms.append((time.perf_counter() - t0) * 1000)
    recorder.close()
    meta = json.loads((tmp_path / "slow" / "meta.json").read_text())
    assert max(tick_ms) < 20.0 and np.median(tick_ms) < 1.0  # handing over, never waiting
    assert meta["frames"] == 120 and meta["dropped_camera_frames"] > 0
    written = meta["cameras"]["main"]["frames"]
    assert written + meta["dropped_camera_frames"] == 120
    assert len(Recording(tmp_path / "slow").cameras["main"]) == written  # every written frame has its stamp
    again = Recorder(tmp_path / "slow", cfg)  # a restarted show records beside it, not over it
    again.close()
    assert again.folder == tmp_path / "slow-2" and (tmp_path / "slow" / "ticks.jsonl").stat().st_size > 0
