"""Fault: the camera vanishes and returns (a `video:` file removed and restored; a device that
stops delivering). The show keeps its frame rate, says so on screen, and recovers by itself."""

from __future__ import annotations

import shutil
import threading
import time

import numpy as np

from runtime.app import App, RunOptions
from runtime.config import load
from runtime.devices.cameras import CameraSource
from runtime.scene import Scene
from tests.conftest import drive
from tests.test_cameras import make_video

NOTE_RGB = np.array([255, 230, 153])  # the colour notes are written in (1, 0.9, 0.6)


class DarkRoom(Scene):
    name = "test-dark-room"
    description = "a plain dark blue frame, so that notes stand out (tests only)"

    def __init__(self, config=None):
        super().__init__(config)
        self.updates = 0

    def update(self, inputs, out):
        self.updates += 1

    def draw(self, gfx):
        gfx.clear(0.0, 0.0, 0.3, 1.0)


def note_pixels(app: App) -> int:
    """How many pixels on screen have the notes' colour."""
    pixels = app.gfx.read_pixels().astype(int)
    return int((np.abs(pixels - NOTE_RGB).sum(axis=2) < 60).sum())


def test_video_file_removed_and_restored_show_goes_on(display, tmp_path):
    video = make_video(tmp_path / "room.mp4", frames=60)
    backup = shutil.copy(video, tmp_path / "backup.mp4")
    cfg = load(None, ['window.mode="headless"', 'show.scene="test-dark-room"', "show.max_fps=0",
                      f'cameras.main.spec="video:{video}"', "cameras.main.retry_min=0.1",
                      "cameras.main.retry_max=0.2", "window.note_seconds=60"])
    app = App(cfg, RunOptions(), display=display)
    app.setup()
    scene = app.scenes.current
    frame_ms: dict[str, list[float]] = {"ok": [], "lost": [], "back": []}

    def run_for(seconds: float, phase: str, until=None) -> bool:
        return drive(app, seconds, frame_ms[phase], until)

    try:
        assert run_for(3.0, "ok", lambda: app.camera_status["main"] == "ok")
        run_for(0.3, "ok")
        app.state.notes.clear()
        updates_before = scene.updates
        video.unlink()
        assert run_for(4.0, "lost", lambda: app.camera_status["main"].startswith("lost"))
        run_for(0.5, "lost")  # a while without a camera
        assert scene.updates > updates_before + 20  # the scene kept running
        lost_notes = [n.text for n in app.state.notes if "camera lost" in n.text]
        assert lost_notes and "retrying" in lost_notes[0] and "room.mp4" in lost_notes[0]
        assert note_pixels(app) > 50  # ...and it is written on the screen
        shutil.copy(backup, video)
        assert run_for(5.0, "back", lambda: app.camera_status["main"] == "ok")
        frame = app.cameras["main"].latest()
        assert frame is not None and time.monotonic() - frame.t_capture < 0.5  # fresh frames again
        assert any(n.text == "camera is back" for n in app.state.notes)
        assert not any("camera lost" in n.text for n in app.state.notes)  # the lost note was replaced
    finally:
        app.shutdown()
    # Losing the camera costs the loop nothing measurable.
    assert np.median(frame_ms["lost"]) < 2 * np.median(frame_ms["ok"]) + 2.0


class StallingDevice(CameraSource):
    """A capture device that stops delivering without an error (a USB camera whose driver hangs)
    until `resume` is set, as the real ones do; only the frames are made here."""

    def __init__(self, cfg) -> None:
        super().__init__("camera:stalling", cfg)
        self.resume = threading.Event()
        self.stall = threading.Event()

    def frames(self):
        i = 0
        while True:
            if self.stall.is_set():
                self.resume.wait()  # blocked in the driver's read()
                self.stall.clear()
                self.resume.clear()
            i += 1
            time.sleep(1 / 30)
            yield np.full((90, 160, 3), i % 255, np.uint8)


def test_camera_that_stops_delivering_is_reported_and_recovers(display):
    cfg = load(None, ['window.mode="headless"', 'show.scene="test-dark-room"', "show.max_fps=0",
                      'cameras.main.spec="images:builtin"', "window.note_seconds=60"])
    app = App(cfg, RunOptions(), display=display)
    app.setup()
    app.cameras["main"].stop()
    device = StallingDevice({**cfg["cameras"]["main"], "stall_seconds": 0.4}).start()
    app.cameras["main"] = device

    def run_until(cond, timeout=5.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            app.step(1 / 60)
            time.sleep(1 / 60)
            if cond():
                return True
        return False

    try:
        assert run_until(lambda: app.camera_status["main"] == "ok")
        app.state.notes.clear()
        device.stall.set()
        assert run_until(lambda: app.camera_status["main"].startswith("lost"))
        assert any("no frame for" in n.text and "retrying" in n.text for n in app.state.notes)
        updates = app.scenes.current.updates
        assert run_until(lambda: False, timeout=0.5) is False and app.scenes.current.updates > updates + 10
        device.resume.set()
        assert run_until(lambda: app.camera_status["main"] == "ok")
        app.step(1 / 60)
        assert any(n.text == "camera is back" for n in app.state.notes)
        assert not any("no frame for" in n.text for n in app.state.notes)
    finally:
        device.resume.set()
        app.shutdown()
