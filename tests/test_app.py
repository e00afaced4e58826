"""The application loop end to end: real GL, real camera sources, real key events."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pygame
import pytest

from runtime.app import App, RunOptions
from runtime.config import load
from runtime.scene import Scene
from tests.test_cameras import make_video

ROOT = Path(__file__).resolve().parent.parent


def make_app(display, *overrides: str, frames: int = 0) -> App:
    cfg = load(None, ['window.mode="headless"', "window.size=[640, 360]", "show.max_fps=0",
                      'cameras.main.spec="images:builtin"', "osc.control_port=0", *overrides])
    app = App(cfg, RunOptions(frames=frames), display=display)
    try:
        app.setup()
    except BaseException:
        app.shutdown()  # a refused start-up leaves no camera thread or socket behind
        raise
    return app


def run_frames(app: App, n: int, dt: float = 1 / 60) -> None:
    for _ in range(n):
        app.step(dt)


class Recorder(Scene):
    name = "test-recorder"
    description = "records what it is told (tests only)"

    def __init__(self, config=None):
        super().__init__(config)
        self.events = []
        self.updates = 0

    def update(self, inputs, out):
        self.updates += 1
        self.events += [k.key for k in inputs.keys] + [f"pointer {p.x:.0f},{p.y:.0f}" for p in inputs.pointer]
        self.camera_seen = dict(inputs.camera_status)

    def draw(self, gfx):
        gfx.clear(0.0, 0.5, 0.0, 1.0)


def test_fixed_update_rate_is_independent_of_render_rate(display):
    app = make_app(display, 'show.scene="test-recorder"', "show.update_rate=100", "show.max_updates=5")
    try:
        scene = app.scenes.current
        run_frames(app, 10, dt=0.05)  # 20 fps rendering, 0.5 s of time
        assert scene.updates == 50
        run_frames(app, 50, dt=0.005)  # 200 fps rendering, 0.25 s
        assert 73 <= scene.updates <= 76
    finally:
        app.shutdown()


def test_a_slow_frame_does_not_multiply_updates_beyond_the_bound(display):
    """A stall (here a 1 s frame) runs at most show.max_updates updates and drops the rest of the
    time, so that slowness cannot feed itself; the overlay says so."""
    app = make_app(display, 'show.scene="test-recorder"', "show.update_rate=60", "show.max_updates=3")
    try:
        scene = app.scenes.current
        run_frames(app, 1, dt=1.0)
        assert scene.updates == 3
        assert app.fixed.dropped == pytest.approx(1.0 - 3 / 60, abs=1 / 60)
        assert any("dropped" in line for line in app.overlay_lines())
        before = scene.updates
        run_frames(app, 60, dt=1 / 60)  # back to frame rate: one update a frame, no debt carried over
        assert 59 <= scene.updates - before <= 61
    finally:
        app.shutdown()


def test_scene_switch_by_key_crossfades(display):
    app = make_app(display, 'show.scene="testcard"', "show.crossfade=0.2")
    try:
        names = app.scenes.names
        i = names.index("test-recorder") + 1
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.key.key_code(str(i)), mod=0,
                                             unicode=str(i), scancode=0))
        run_frames(app, 1)
        assert app.scenes.current.name == "test-recorder"
        assert app.scenes.previous.name == "testcard"  # fading
        run_frames(app, 20)
        assert app.scenes.previous is None
        app.draw()
        assert tuple(app.gfx.read_pixels()[200, 320]) == (0, 128, 0)
    finally:
        app.shutdown()


def test_keys_and_the_mouse_reach_the_scene_in_its_inputs(display):
    app = make_app(display, 'show.scene="test-recorder"')
    try:
        scene = app.scenes.current
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_a, mod=0, unicode="a", scancode=0))
        pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(30, 40), button=1))
        run_frames(app, 3)
        assert scene.events == ["a", "pointer 30,40"]  # once each, in the first update after they came
    finally:
        app.shutdown()


def test_playlist_switches_on_time(display, tmp_path):
    cfg = tmp_path / "p.toml"
    cfg.write_text('[[show.playlist]]\nscene = "testcard"\nseconds = 1\n'
                   '[[show.playlist]]\nscene = "test-recorder"\nseconds = 1\n')
    app = App(load(cfg, ['window.mode="headless"', 'cameras.main.spec="images:builtin"', "show.crossfade=0"]),
              display=display)
    app.setup()
    try:
        seen = []
        for _ in range(5):
            run_frames(app, 30, dt=1 / 60)  # 0.5 s
            seen.append(app.scenes.current.name)
        assert seen == ["testcard", "test-recorder", "test-recorder", "testcard", "testcard"]
    finally:
        app.shutdown()


def test_unknown_scene_from_a_key_or_message_keeps_the_show(display):
    app = make_app(display)
    try:
        assert app.switch_scene("nope") is False
        assert app.scenes.current.name == "testcard"
        assert any("no scene 'nope'" in n.text for n in app.state.notes)
    finally:
        app.shutdown()


def test_scene_errors_do_not_stop_the_show(display):
    class Broken(Scene):
        name = "test-broken"

        def update(self, inputs, out):
            raise ValueError("boom")

    app = make_app(display, 'show.scene="test-broken"')
    try:
        run_frames(app, 5)
        assert app.scene_errors >= 5 and app.frame_number == 5
        assert any("boom" in n.text for n in app.state.notes)
    finally:
        app.shutdown()


def test_video_deleted_mid_run_is_reported_and_recovers(display, tmp_path):
    video = make_video(tmp_path / "room.mp4", frames=60)
    backup = shutil.copy(video, tmp_path / "backup.mp4")
    app = make_app(display, 'show.scene="test-recorder"', f'cameras.main.spec="video:{video}"',
                   "cameras.main.retry_min=0.1", "cameras.main.retry_max=0.2")
    scene = app.scenes.current

    def run_until(cond, timeout=5.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            run_frames(app, 1)
            if cond():
                return True
            time.sleep(0.01)
        return False

    try:
        assert run_until(lambda: app.camera_status["main"] == "ok")
        video.unlink()
        assert run_until(lambda: app.camera_status["main"].startswith("lost"))
        assert scene.camera_seen["main"].startswith("lost")  # the scene sees it in its inputs
        assert any("camera lost" in n.text for n in app.state.notes)
        shutil.copy(backup, video)
        assert run_until(lambda: app.camera_status["main"] == "ok")
        assert scene.camera_seen["main"] == "ok"
        assert any("camera is back" in n.text for n in app.state.notes)
    finally:
        app.shutdown()


def test_overlay_shows_statistics(display):
    app = make_app(display, "window.overlay=true")
    try:
        run_frames(app, 30)
        lines = app.overlay_lines()
        assert "fps" in lines[0] and "input age" in lines[2] and "camera main: ok" in lines
        assert any(line.startswith("audio: ") for line in lines)
        app.draw()
        top_left = app.gfx.read_pixels()[5:25, 5:200]
        assert (top_left[:, :, 1] > 200).sum() > 50  # green overlay text drawn
    finally:
        app.shutdown()


def test_cli_headless_run_writes_a_screenshot_and_a_video(tmp_path):
    png, mp4 = tmp_path / "x.png", tmp_path / "out.mp4"
    subprocess.run([sys.executable, "-m", "runtime", "run", "--headless", "--frames", "120",
                    "--screenshot", str(png), "--record-video", str(mp4), "--set", "show.max_fps=0"],
                   cwd=ROOT, check=True, timeout=120, capture_output=True)
    img = cv2.imread(str(png))
    assert img is not None and img.shape == (720, 1280, 3)
    assert img.std() > 30  # not blank: bars, grid, photograph
    video = cv2.VideoCapture(str(mp4))
    count = int(video.get(cv2.CAP_PROP_FRAME_COUNT))
    video.set(cv2.CAP_PROP_POS_FRAMES, count - 1)
    ok, last = video.read()
    video.release()
    assert count == 120 and ok and last.shape == (720, 1280, 3)
    assert np.abs(last.astype(int) - img.astype(int)).mean() < 8  # the video's last frame is the screenshot


def test_cli_config_error_names_the_key(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[window]\nsize = 'big'\n")
    res = subprocess.run([sys.executable, "-m", "runtime", "run", "--config", str(bad), "--headless"],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert res.returncode == 2
    assert "bad.toml [window]: key 'size' is 'big'" in res.stderr


def test_cli_lists_scenes():
    res = subprocess.run([sys.executable, "-m", "runtime", "scenes"], cwd=ROOT, capture_output=True, text=True,
                         timeout=60, check=True)
    assert "testcard" in res.stdout


def _read_xwd(data: bytes) -> np.ndarray:
    """Decode an X window dump (xwd -root) of a TrueColor screen to RGB, using its colour masks."""
    header = np.frombuffer(data[:100], dtype=">u4")
    header_size, width, height = int(header[0]), int(header[4]), int(header[5])
    byte_order, bpp, bytes_per_line, ncolors = int(header[7]), int(header[11]), int(header[12]), int(header[19])
    masks = [int(m) for m in header[14:17]]
    step = bpp // 8
    start = header_size + ncolors * 12
    raw = np.frombuffer(data[start:start + bytes_per_line * height], np.uint8).reshape(height, bytes_per_line)
    px = raw[:, : width * step].reshape(height, width, step).astype(np.uint32)
    order = range(step) if byte_order == 0 else range(step - 1, -1, -1)  # 0: LSB first
    value = sum(px[:, :, i] << (8 * k) for k, i in enumerate(order))
    channels = []
    for mask in masks:
        shift = (mask & -mask).bit_length() - 1
        channels.append(((value & mask) >> shift).astype(np.uint8))
    return np.stack(channels, axis=2)


@pytest.mark.skipif(shutil.which("Xvfb") is None or shutil.which("xwd") is None, reason="needs Xvfb and xwd")
def test_real_window_under_xvfb(tmp_path):
    import os

    display_id = f":{90 + os.getpid() % 50}"
    xvfb = subprocess.Popen(["Xvfb", display_id, "-screen", "0", "800x600x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    env = {**os.environ, "DISPLAY": display_id, "SDL_VIDEO_WINDOW_POS": "0,0"}
    env.pop("SDL_VIDEODRIVER", None)
    try:
        time.sleep(1.0)
        show = subprocess.Popen([sys.executable, "-m", "runtime", "run", "--size", "640x360", "--seconds", "60",
                                 "--set", 'cameras.main.spec="images:builtin"'], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 45
            while time.monotonic() < deadline:
                assert show.poll() is None, show.stdout.read().decode()[-2000:]
                time.sleep(0.5)
                dump = subprocess.run(["xwd", "-root", "-display", display_id], capture_output=True, timeout=20,
                                      check=True).stdout
                screen = _read_xwd(dump)
                # the test card's bars are in the window's top rows, at the screen's top-left
                bars = [tuple(int(v) for v in screen[40, int((i + 0.5) * 80)]) for i in range(8)]
                if bars[1][0] > 150 and bars[1][2] < 40 and bars[6][2] > 150 and bars[6][0] < 40:
                    break  # yellow and blue where they belong
            else:
                raise AssertionError(f"the window never showed the test card: {bars}")
            assert screen[500, 700].sum() == 0  # outside the window: the X root is black
        finally:
            show.terminate()
            show.wait(20)
    finally:
        xvfb.terminate()
        xvfb.wait(5)


def test_osc_out_and_control_in_through_the_loop(display):
    """Real sockets on loopback: control messages switch the scene and set a parameter; every frame
    leaves as one bundle with a frame counter and one message per virtual visitor."""
    import socket

    from pythonosc.osc_packet import OscPacket
    from pythonosc.udp_client import SimpleUDPClient

    from tests.conftest import free_port

    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(0.2)
    control_port = free_port()
    app = make_app(display, 'show.scene="testcard"', 'cameras.main.spec="visitors:2"', "show.crossfade=0",
                   f'osc.targets=[{{name="test", port={receiver.getsockname()[1]}}}]',
                   f"osc.control_port={control_port}")
    try:
        deadline = time.monotonic() + 10
        while len(app.engines.people) < 2 and time.monotonic() < deadline:
            run_frames(app, 1)
            time.sleep(0.02)
        assert {p.id for p in app.engines.people} == {1, 2}
        client = SimpleUDPClient("127.0.0.1", control_port)
        client.send_message("/sala/param", ["testcard", "label", "hello"])
        client.send_message("/sala/scene", "test-recorder")
        client.send_message("/sala/scene", 42)  # malformed: dropped and counted
        deadline = time.monotonic() + 5
        while app.scenes.current.name != "test-recorder" and time.monotonic() < deadline:
            run_frames(app, 1)
            time.sleep(0.01)
        assert app.scenes.current.name == "test-recorder"
        assert app.scenes.get("testcard").values["label"] == "hello"
        assert app.engines.control.stats()["dropped_invalid"] == 1
        for _ in range(10):
            run_frames(app, 1)
            time.sleep(0.02)  # the targets' rate limit is 60 bundles/s

        frames, people_ids, enters = [], set(), set()
        while True:
            try:
                data = receiver.recv(65536)
            except TimeoutError:
                break
            for timed_msg in OscPacket(data).messages:
                msg = timed_msg.message
                if msg.address == "/sala/frame":
                    frames.append(msg.params[0])
                elif msg.address == "/sala/person":
                    people_ids.add(msg.params[0])
                    assert len(msg.params) >= 3
                elif msg.address == "/sala/person/enter":
                    enters.add(msg.params[0])
        assert len(frames) >= 5 and frames == sorted(frames), (frames, app.engines.osc_out.stats(), app.frame_number)
        assert people_ids == {1, 2} and enters == {1, 2}
    finally:
        app.shutdown()
        receiver.close()


def test_scene_parameters_in_config_are_checked_at_start(display):
    from runtime.config import ConfigError

    with pytest.raises(ConfigError, match=r"\[scenes.signing\]: unknown key 'sped'; allowed: amplitude"):
        make_app(display, "scenes.signing.sped=2.0")
    with pytest.raises(ConfigError, match=r"\[scenes.testcard\]: key 'preview' is 3"):
        make_app(display, "scenes.testcard.preview=3")
    with pytest.raises(ConfigError, match=r"\[scenes.nope\]: no scene 'nope'; allowed: .*testcard"):
        make_app(display, "scenes.nope.x=1")
    app = make_app(display, 'show.scene="testcard"', 'scenes.testcard.label="venue A"')
    try:
        assert app.scenes.current.values["label"] == "venue A"
    finally:
        app.shutdown()


class PeopleWatcher(Recorder):
    name = "test-people"
    wants_people = True

    def update(self, inputs, out):
        super().update(inputs, out)
        self.people = list(inputs.people)
        self.t = inputs.t


def test_real_perception_runs_off_the_loop_and_people_reach_the_scene(display):
    """The built-in astronaut photograph as a camera: MediaPipe finds her on the perception thread,
    and the scene gets a tracked person with features and a capture time older than its update."""
    app = make_app(display, 'show.scene="test-people"', "cameras.main.slide_seconds=1000", "cameras.main.fps=15")
    scene = app.scenes.current
    try:
        deadline = time.monotonic() + 30
        while not getattr(scene, "people", None) and time.monotonic() < deadline:
            run_frames(app, 1)
            time.sleep(0.03)
        assert len(scene.people) == 1, "nobody found in the astronaut photograph"
        person = scene.people[0]
        assert person.landmarks.shape == (33, 4) and person.t_capture <= scene.t
        assert 0.3 < person.landmarks[0, 0] < 0.7  # the nose is in the middle of the letterboxed frame
        assert "left_elbow" in person.features and "depth" in person.features
        assert app.engines.perception.stats()["frames_processed"] >= 1
    finally:
        app.shutdown()


def test_check_reports_each_item_with_ok_or_a_reason():
    import json

    res = subprocess.run([sys.executable, "-m", "runtime", "check", "--json", "--set",
                          'osc.targets=[{name="far", host="nowhere.invalid", port=9}]'],
                         cwd=ROOT, capture_output=True, text=True, timeout=120, check=True)
    items = {c["item"]: c for c in json.loads(res.stdout)}
    assert items["GL"]["ok"] and "OpenGL" in items["GL"]["detail"]
    assert items["camera main"]["ok"]
    assert not items["osc target far"]["ok"] and "cannot resolve" in items["osc target far"]["detail"]
    shipped = ("models/postures/posture_classifier.onnx", "models/signs/signs.onnx")
    assert all(items[f"model {m}"]["ok"] for m in shipped)
    assert "audio output" in items and "microphone" in items  # present, OK or with the reason
