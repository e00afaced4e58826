"""Kiosk mode: config/kiosk.toml starts straight into the show, full screen, and only the
technician's key combination leaves it."""

from __future__ import annotations

import shutil
import subprocess
import sys

import cv2
import pygame
import pytest

from runtime.app import App, RunOptions
from runtime.config import CONFIG_DIR, load
from runtime.scene import registry
from tests.conftest import ROOT

KIOSK = CONFIG_DIR / "kiosk.toml"


def key(name: str, down: bool = True) -> pygame.event.Event:
    code = pygame.key.key_code(name)
    return pygame.event.Event(pygame.KEYDOWN if down else pygame.KEYUP, key=code, mod=0, unicode="", scancode=0)


def test_kiosk_config_is_valid_and_locks_the_show():
    cfg = load(KIOSK)
    assert cfg["window"]["mode"] == "fullscreen" and cfg["window"]["hide_cursor"]
    assert cfg["window"]["exit_keys"] == ["left ctrl", "left alt", "q"]
    assert cfg["show"]["scene_keys"] is False and cfg["kiosk"]["ignore_close"] is True
    scenes = registry()
    assert cfg["show"]["scene"] in scenes
    assert all(step["scene"] in scenes for step in cfg["attract"]["playlist"])
    assert cfg["attract"]["enabled"] and cfg["supervisor"]["daily_restart"]


def test_kiosk_greeting_is_valid_hamnosys():
    from signlang.hamnosys import parse

    sign = parse(load(KIOSK)["attract"]["greeting"])
    assert sign is not None


def test_window_close_and_visitor_keys_are_ignored_exit_combination_quits(display):
    cfg = load(KIOSK, ['window.mode="headless"', 'show.scene="testcard"', 'cameras.main.spec="images:builtin"',
                       "attract.enabled=false"])
    app = App(cfg, RunOptions(), display=display)
    app.setup()
    try:
        pygame.event.clear()
        for event in (pygame.event.Event(pygame.WINDOWCLOSE), pygame.event.Event(pygame.QUIT), key("2"),
                      key("2", False), key("tab"), key("escape"), key("q")):
            pygame.event.post(event)
        app.step(1 / 60)
        assert app.state.running and app.scenes.current.name == "testcard"  # nothing a visitor does
        pygame.event.post(key("q", False))
        for name in ("left ctrl", "left alt", "q"):
            pygame.event.post(key(name))
        app.step(1 / 60)
        assert not app.state.running  # the technician's combination
        app.state.running = True
        pygame.event.post(pygame.event.Event(pygame.QUIT))  # SIGTERM arrives as a bare QUIT: it stops
        app.step(1 / 60)
        assert not app.state.running
    finally:
        pygame.event.clear()
        app.shutdown()


@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="xvfb-run not installed (Debian package xvfb)")
def test_kiosk_fills_the_display_under_x(tmp_path):
    shot = tmp_path / "kiosk.png"
    cmd = ["xvfb-run", "-a", "-s", "-screen 0 800x450x24", sys.executable, "-m", "runtime", "run",
           "--config", str(KIOSK), "--scene", "testcard", "--input", "images:builtin", "--frames", "20",
           "--screenshot", str(shot), "--set", "attract.enabled=false"]
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "SDL_AUDIODRIVER": "dummy", "PYO_GUI_WX": "0"}
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=90, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    image = cv2.imread(str(shot))
    assert image.shape[:2] == (450, 800)  # full screen: the display's own resolution, not [window] size
    assert image.std() > 10
