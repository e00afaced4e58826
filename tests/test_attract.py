"""The attract loop: the state machine on synthetic time, then in the real app loop."""

from __future__ import annotations

import time

import numpy as np

from runtime.app import App, RunOptions
from runtime.config import load
from runtime.frames import Person
from runtime.installation.attract import ATTRACT, LIVE, AttractLoop, AttractStep
from runtime.scene import Scene


def run(loop: AttractLoop, until: float, people: int, t: float, dt: float = 0.1) -> tuple[float, list]:
    actions = []
    if loop.last_seen is None:
        actions += [(t, a) for a in loop.update(t, people)]
    while t < until - 1e-9:
        t = round(t + dt, 6)
        actions += [(t, a) for a in loop.update(t, people)]
    return t, actions


def test_empty_room_starts_the_attract_loop_after_idle_seconds():
    loop = AttractLoop(idle_seconds=10.0, steps=[AttractStep("pose_space", 30.0, visitors=True)])
    t, actions = run(loop, 9.9, people=0, t=0.0)
    assert loop.state == LIVE and actions == []
    t, actions = run(loop, 10.2, people=0, t=t)
    assert loop.state == ATTRACT
    assert [(round(at, 1), a.kind, a.scene) for at, a in actions] == [(10.0, "attract", "pose_space")]
    assert loop.shows_visitors


def test_people_keep_the_live_scene_and_reset_the_idle_clock():
    loop = AttractLoop(idle_seconds=5.0)
    t, _ = run(loop, 4.0, people=0, t=0.0)
    t, _ = run(loop, 4.5, people=2, t=t)  # someone walks through at 4 s
    t, actions = run(loop, 9.0, people=0, t=t)
    assert loop.state == LIVE and actions == []  # 4.5 s of emptiness is not enough
    t, actions = run(loop, 9.7, people=0, t=t)
    assert loop.state == ATTRACT and actions[0][1].kind == "attract"


def test_first_real_person_confirmed_brings_the_live_scene_back():
    loop = AttractLoop(idle_seconds=1.0, confirm_seconds=0.5)
    t, _ = run(loop, 2.0, people=0, t=0.0)
    assert loop.state == ATTRACT
    t, actions = run(loop, 2.2, people=1, t=t)  # a flicker of a detection: not yet
    t, actions2 = run(loop, 2.5, people=0, t=t)
    assert loop.state == ATTRACT and actions == actions2 == []
    t, actions = run(loop, 3.5, people=1, t=t)
    assert loop.state == LIVE
    assert [a.kind for _, a in actions] == ["live"]
    assert 3.0 - 1e-6 <= actions[0][0] <= 3.1 + 1e-6  # 0.5 s after the person appeared at 2.6
    assert not loop.shows_visitors


def test_steps_rotate_and_the_greeting_is_signed_in_sign_steps():
    steps = [AttractStep("pose_space", 3.0, visitors=True), AttractStep("signing", 4.0, sign=True)]
    loop = AttractLoop(idle_seconds=1.0, steps=steps, greeting="HELLO", sign_every=1.5)
    t, actions = run(loop, 12.0, people=0, t=0.0)
    kinds = [(round(at, 1), a.kind, a.scene) for at, a in actions]
    assert kinds[0] == (1.0, "attract", "pose_space")
    assert (4.0, "step", "signing") in kinds and (8.0, "step", "pose_space") in kinds
    assert (11.0, "step", "signing") in kinds
    signs = [round(at, 1) for at, a in actions if a.kind == "sign"]
    assert signs == [4.0, 5.5, 7.0, 11.0]  # on entering, then every 1.5 s while the avatar is on
    assert all(a.text == "HELLO" for _, a in actions if a.kind == "sign")
    assert loop.attract_count == 1


# --- in the app loop --------------------------------------------------------------------------
class AttractProbe(Scene):
    name = "test-attract-probe"
    description = "remembers the people it was shown (tests only)"
    wants_people = True

    def __init__(self, config=None):
        super().__init__(config)
        self.seen: list[list[int]] = []
        self.control: list = []

    def update(self, inputs, out):
        self.seen.append([p.id for p in inputs.people])
        self.control += inputs.control


def a_person(pid: int, t: float) -> Person:
    lm = np.zeros((33, 4), np.float32)
    lm[:, 3] = 1.0
    return Person(id=pid, landmarks=lm, t_capture=t)


def test_app_plays_the_attract_loop_and_returns_to_the_live_scene(display):
    cfg = load(None, ['window.mode="headless"', "show.max_fps=0", 'cameras.main.spec="images:builtin"',
                      'show.scene="testcard"', "show.crossfade=0", "perception.enabled=false",
                      "attract.enabled=true", "attract.idle_seconds=0.5", "attract.confirm_seconds=0.1",
                      'attract.greeting="hamflathand"', "attract.visitors=2",
                      'attract.playlist=[{scene="test-attract-probe", seconds=60, visitors=true, sign=true}]'])
    app = App(cfg, RunOptions(), display=display)
    app.setup()
    try:
        assert app.scenes.current.name == "testcard"
        deadline = time.monotonic() + 5.0
        while not app.installation.attract.attracting and time.monotonic() < deadline:
            app.step(1 / 60)  # an empty room for idle_seconds (the loop runs on the engine clock)
            time.sleep(0.01)
        for _ in range(5):
            app.step(1 / 60)
        probe = app.scenes.current
        assert probe.name == "test-attract-probe" and app.installation.attract.attracting
        # The scene sees virtual visitors walking the empty room, and the avatar is asked to greet.
        from runtime.devices.virtual_visitors import VirtualVisitors

        assert probe.seen[-1] == [p.id for p in VirtualVisitors(2, 7).step(0.0)] and len(probe.seen[-1]) == 2
        assert [(m.address, m.args) for m in probe.control] == [("/sign", ("hamflathand",))]
        # A real visitor (as perception reports them) for longer than confirm_seconds.
        deadline = time.monotonic() + 0.3
        while time.monotonic() < deadline:
            app.engines.set_people([a_person(42, 0.0)], 0.0)
            app.step(1 / 60)
            time.sleep(0.01)
        assert not app.installation.attract.attracting
        assert app.scenes.current.name == "testcard"
    finally:
        app.shutdown()


def test_an_unknown_attract_scene_stops_the_show_on_its_first_frame(display):
    import pytest

    cfg = load(None, ['window.mode="headless"', 'cameras.main.spec="images:builtin"', 'show.scene="testcard"',
                      "attract.enabled=true", 'attract.playlist=[{scene="no-such-scene"}]'])
    app = App(cfg, RunOptions(), display=display)
    app.setup()
    try:
        with pytest.raises(KeyError, match="no scene 'no-such-scene'; allowed: .*testcard"):
            app.step(1 / 60)
    finally:
        app.shutdown()
