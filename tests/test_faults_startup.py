"""Faults in what the show reads: a bad config, a corrupt or missing model file, a bad HamNoSys
string. Files read at start-up: a clear message naming the file, and the show refuses to start.
Live input: a clear message, and the show goes on."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import pytest

from runtime.app import App, RunOptions
from runtime.config import ConfigError, load
from runtime.osc.codec import encode_message
from tests.conftest import ROOT, free_port


def run_cli(*args: str, timeout: float = 90) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "runtime", "run", "--headless", "--size", "320x180", "--frames",
                           "5", "--input", "images:builtin", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


def last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def test_bad_config_refuses_to_start_naming_file_key_and_allowed_values(tmp_path):
    venue = tmp_path / "venue.toml"
    venue.write_text('[attract]\nenabled = true\nidle_seconds = "a while"\n')
    proc = run_cli("--config", str(venue))
    assert proc.returncode == 2
    assert f"{venue} [attract]: key 'idle_seconds' is 'a while', but it must be an integer or a number" in proc.stderr
    venue.write_text('[kiosk]\nignore_clos = true\n')
    with pytest.raises(ConfigError, match=r"unknown key 'ignore_clos' \(did you mean 'ignore_close'\?\)"):
        load(venue)
    venue.write_text('[recording]\nreplay_pace = "slow"\n')
    with pytest.raises(ConfigError, match=r"'replay_pace' is 'slow'; allowed: 'recorded', 'fast'"):
        load(venue)
    with pytest.raises(ConfigError, match=f"{tmp_path / 'nowhere.toml'}: config file not found"):
        load(tmp_path / "nowhere.toml")


def test_corrupt_model_file_refuses_to_start_with_the_file_named(tmp_path):
    corrupt = tmp_path / "posture_classifier.onnx"
    corrupt.write_bytes(b"\x08\x07this is not a model" * 50)
    proc = run_cli("--scene", "pose_space", "--set", f'scenes.pose_space.model="{corrupt}"')
    assert proc.returncode == 2
    assert last_line(proc.stderr).startswith("cannot start:")
    assert str(corrupt) in last_line(proc.stderr) and "cannot be loaded" in last_line(proc.stderr)
    assert "scene: pose_space" not in proc.stderr  # it never started the show
    assert "Traceback" not in proc.stderr


def test_missing_sonification_model_refuses_to_start_with_the_folder_named(tmp_path):
    proc = run_cli("--scene", "sonification", "--set", f'scenes.sonification.model_dir="{tmp_path}"')
    assert proc.returncode == 2
    assert last_line(proc.stderr).startswith("cannot start:") and str(tmp_path) in last_line(proc.stderr)


def test_corrupt_pose_bundle_refuses_to_start_with_the_file_named(tmp_path):
    bundle = tmp_path / "pose.task"
    bundle.write_bytes(b"PK\x03\x04 broken zip")
    proc = run_cli("--scene", "pose_space", "--set", f'perception.bundle="{bundle}"')
    assert proc.returncode == 2
    assert last_line(proc.stderr).startswith("cannot start:") and str(bundle) in last_line(proc.stderr)
    assert "Traceback" not in proc.stderr


def test_missing_model_files_are_named(display, tmp_path):
    missing = tmp_path / "gone.onnx"
    cfg = load(None, ['window.mode="headless"', 'show.scene="pose_space"', 'cameras.main.spec="images:builtin"',
                      f'scenes.pose_space.model="{missing}"'])
    app = App(cfg, RunOptions(), display=display)
    try:
        with pytest.raises(Exception, match=str(missing)):
            app.setup()
    finally:
        app.shutdown()
    from runtime.perception import ModelBundleError
    from runtime.perception.model import POSE_MEMBERS, check_bundle

    for bad in (tmp_path / "gone.task", tmp_path / "corrupt.task"):
        if bad.name == "corrupt.task":
            bad.write_bytes(b"PK\x03\x04 broken zip")
        with pytest.raises(ModelBundleError, match=str(bad)):
            check_bundle(bad, POSE_MEMBERS)


def test_bad_hamnosys_over_osc_is_reported_and_the_show_goes_on(display):
    port = free_port()
    cfg = load(None, ['window.mode="headless"', 'show.scene="signing"', 'cameras.main.spec="images:builtin"',
                      "show.max_fps=0"])
    cfg["osc"].update(control_host="127.0.0.1", control_port=port)
    app = App(cfg, RunOptions(), display=display)
    app.setup()
    scene = app.scenes.current
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        for text in ("hamflathand,hamfoo", "\ue000\ue0ff\x00", "hamflathand,hamextfingeru,hampalmd,hamchest,hamparend",
                     "hamflathand,hamextfingeru,hampalmd,hamchest,hammover"):
            sock.sendto(encode_message("/sign", (text,)), ("127.0.0.1", port))
        deadline = time.monotonic() + 10
        frames = 0
        while time.monotonic() < deadline and scene.playing is None:
            app.step(1 / 60)
            frames += 1
            time.sleep(0.005)
        assert app.state.running and frames > 1
        errors = [message for _, message in scene.errors]
        assert any("hamfoo" in e and "symbol 1" in e for e in errors)  # position and symbol named
        assert any("U+E0FF" in e and "offset 1" in e for e in errors)
        assert any("hamparend" in e and "symbol 4" in e for e in errors)
        assert scene.playing is not None  # the good sign after the bad ones is signed
    finally:
        sock.close()
        app.shutdown()
