"""The pose space scene: rendered headless, with virtual visitors, checking pixels, OSC and sound."""

from __future__ import annotations

import numpy as np
import pytest

from body import body_model as bm
from body.postures import load_postures
from runtime.devices.mic_features import MicFeatures
from runtime.devices.virtual_visitors import VirtualVisitors
from runtime.frames import Inputs, Outputs, Person
from scenes.pose_space.scene import PoseSpaceScene

DT = 1 / 30


def _run(scene, people_at, steps, t0=0.0, audio_at=None):
    outs = []
    for k in range(steps):
        t = t0 + k * DT
        out = Outputs()
        scene.update(Inputs(t=t, dt=DT, people=people_at(t), audio=audio_at(t) if audio_at else None), out)
        outs.append(out)
    return outs


def _person(name, pid=1, x=0.0, change=None):
    v = bm.params_for(load_postures()[name])
    for key, delta in (change or {}).items():
        v[bm.P[key]] += delta
    world = bm.place(bm.skeleton(bm.clamp_angles(v)), x, 4.0, 20.0)
    cam = bm.Camera(np.array([0.0, 1.0, 0.0]), np.array([0.0, 1.0, 4.0]), 70.0, 16 / 9)
    return Person(id=pid, landmarks=bm.observe(world, cam), t_capture=0.0)


def test_scene_draws_light_where_the_people_are(gfx):
    scene = PoseSpaceScene({"camera": "off"})
    scene.setup(gfx)
    gfx.clear()
    scene.draw(gfx)
    empty = gfx.read_pixels().astype(float)
    vv = VirtualVisitors(2, seed=5)
    _run(scene, vv.step, 45)
    gfx.clear()
    scene.draw(gfx)
    img = gfx.read_pixels().astype(float)
    h, w = img.shape[:2]
    brightness = img.sum(2)
    lit = brightness - empty.sum(2)
    away = np.ones((h, w), bool)  # pixels well away from everyone
    for p in vv.people:
        x0, y0 = (p.landmarks[:, :2].min(0) * [w, h]).astype(int).clip(0)
        x1, y1 = (p.landmarks[:, :2].max(0) * [w, h]).astype(int)
        assert lit[y0:y1, x0:x1].mean() > 40, p.id  # skeleton, aura and particles light them up
        away[max(0, y0 - h // 4) : y1 + h // 4, max(0, x0 - w // 6) : x1 + w // 6] = False
    assert away.sum() > 0.1 * h * w
    for p in vv.people:
        x0, y0 = (p.landmarks[:, :2].min(0) * [w, h]).astype(int).clip(0)
        x1, y1 = (p.landmarks[:, :2].max(0) * [w, h]).astype(int)
        assert brightness[y0:y1, x0:x1].mean() > 2 * brightness[away].mean() + 30


def test_held_posture_sends_osc_and_sound_with_known_instruments():
    from sound.board import INSTRUMENTS

    scene = PoseSpaceScene()
    scene.load_model()
    person = _person("warrior_2")
    outs = _run(scene, lambda t: [person], 45)
    osc = [m for o in outs for m in o.osc]
    starts = [m.args for m in osc if m.address == "/sala/posture/start"]
    assert starts and starts[0][:2] == (1, "warrior_2")
    assert any(m.address == "/sala/pose_space/person" and m.stream == "scene" for m in osc)
    sound = [c for o in outs for c in o.sound]
    assert any(c.op == "play" and c.instrument == "voice" and c.key == "pose-1" for c in sound)
    assert sum(1 for c in sound if c.op == "hit" and c.instrument == "pad") == 3  # the posture's chord
    specs = {name: cls.voice_class.specs for name, cls in INSTRUMENTS.items()}
    keys = {c.key: c.instrument for c in sound if c.op == "play"}
    for c in sound:
        inst = c.instrument or keys[c.key]
        for name, value in c.params.items():
            assert name in specs[inst], (inst, name)
            spec = specs[inst][name]
            assert spec.lo <= value <= spec.hi, (inst, name, value)
    # The person leaves: the voice is released and the posture ends.
    outs = _run(scene, lambda t: [], 30, t0=2.0)
    assert any(c.op == "release" and c.key == "pose-1" for o in outs for c in o.sound)
    assert any(m.address == "/sala/posture/end" for o in outs for m in o.osc)


def test_pitch_follows_hand_height_and_feedback_reaches_the_person():
    def freq_for(name, change=None):
        scene = PoseSpaceScene()
        scene.load_model()
        person = _person(name, change=change)
        outs = _run(scene, lambda t: [person], 10)
        sets = [c for o in outs for c in o.sound if c.key == "pose-1" and "freq" in c.params]
        return sets[-1].params["freq"], person

    low, _ = freq_for("mountain")
    high, _ = freq_for("warrior_1")  # arms overhead
    assert high > 1.5 * low
    _, person = freq_for("warrior_2", {"left_knee": 45.0})
    assert person.feedback and "left knee" in person.feedback[0]
    assert 0.0 < person.posture_score < 0.95


def test_microphone_ripples_and_retunes_the_harmony():
    scene = PoseSpaceScene()
    scene.load_model()
    person = _person("mountain")

    def sung(t):  # a clap at 0.1 s, then a held G3 (196 Hz) from 0.3 s
        return MicFeatures(t_capture=t, rms_db=-20.0, onset=abs(t - 0.1) < 0.01, pitch_hz=196.0 if t > 0.3 else 0.0,
                           pitch_confidence=0.95 if t > 0.3 else 0.0, centroid_hz=800.0,
                           mel=np.zeros(64, np.float32))

    outs = _run(scene, lambda t: [person], 40, audio_at=sung)
    assert any(c.op == "hit" and c.instrument == "hit" for o in outs for c in o.sound)
    assert len(scene.ripples) == 1
    assert scene.root_hz == pytest.approx(98.0, abs=0.1)  # G folded into the root octave
    assert scene.level > 0.5


def test_bad_input_and_bad_setup_are_reported_not_crashed(tmp_path):
    with pytest.raises(ValueError, match="camera = 'x'; allowed: off, dimmed, silhouette"):
        PoseSpaceScene({"camera": "x"})
    live = PoseSpaceScene()
    with pytest.raises(ValueError, match="sequence = 'salsa'; allowed: sun_salutation"):
        live.set_param("sequence", "salsa")  # as an OSC /sala/param would
    assert live.values["sequence"] == "sun_salutation"
    with pytest.raises(FileNotFoundError, match="missing.onnx"):
        PoseSpaceScene({"model": str(tmp_path / "missing.onnx")}).load_model()
    scene = PoseSpaceScene()
    scene.load_model()
    nan_person = Person(id=7, landmarks=np.full((33, 4), np.nan, np.float32), t_capture=0.0)
    wrong = Person(id=8, landmarks=np.zeros((17, 2), np.float32), t_capture=0.0)
    outs = _run(scene, lambda t: [nan_person, wrong], 5)
    assert any("ignored 1 people" in n for n in outs[0].notes)
    rng = np.random.default_rng(0)  # landmarks thrown anywhere, infinite or huge: never a crash

    def garbage(t):
        lm = rng.uniform(-5, 5, (33, 4)).astype(np.float32)
        lm[rng.random(33) < 0.1, rng.integers(0, 4)] = np.inf
        return [Person(id=int(rng.integers(1, 4)), landmarks=lm, t_capture=t)]

    _run(scene, garbage, 60, t0=1.0)


def test_leaving_the_scene_releases_its_voices():
    scene = PoseSpaceScene()
    scene.load_model()
    person = _person("mountain")
    _run(scene, lambda t: [person], 5)
    out = Outputs()
    scene.exit(out)  # the scene manager hands the frame's outputs to a scene that is left
    released = {c.key for c in out.sound if c.op == "release"}
    assert released == {"pose-1", "pose-harmony", "pose-harmony-fifth"}


def test_pan_follows_position_and_togetherness_brings_harmony():
    scene = PoseSpaceScene()
    scene.load_model()
    a, b = _person("warrior_2", pid=1, x=-1.6), _person("warrior_2", pid=2, x=1.6)
    outs = _run(scene, lambda t: [a, b], 90)
    last = {c.key: c.params for o in outs for c in o.sound if c.op in ("play", "set")}
    for p in (a, b):
        image_x = float(p.landmarks[[11, 12, 23, 24], 0].mean())
        assert last[f"pose-{p.id}"]["pan"] == pytest.approx(image_x, abs=0.01)
    assert abs(last["pose-1"]["pan"] - last["pose-2"]["pan"]) > 0.3
    together = last["pose-harmony-fifth"]["amp"]
    assert together > 0.05  # the same posture side by side: the fifth sounds

    alone = PoseSpaceScene()
    alone.load_model()
    outs = _run(alone, lambda t: [a], 90)
    last_alone = {c.key: c.params for o in outs for c in o.sound if c.op in ("play", "set")}
    assert last_alone["pose-harmony-fifth"]["amp"] == 0.0
    assert last_alone["pose-harmony"]["amp"] < last["pose-harmony"]["amp"]


def test_room_loudness_opens_the_filters():
    def cutoff(rms_db):
        scene = PoseSpaceScene()
        scene.load_model()
        person = _person("mountain")
        mic = MicFeatures(t_capture=0.0, rms_db=rms_db, onset=False, pitch_hz=0.0, pitch_confidence=0.0,
                          centroid_hz=500.0, mel=np.zeros(64, np.float32))
        outs = _run(scene, lambda t: [person], 30, audio_at=lambda t: mic)
        return [c.params["cutoff"] for o in outs for c in o.sound if c.key == "pose-1"][-1]

    assert cutoff(-15.0) > cutoff(-70.0) + 2000
