"""The signing scene, headless: it draws the avatar (checked in the pixels), takes signs from OSC,
the keyboard and a watched file, reports bad strings on screen and goes on, and emits its OSC."""

from __future__ import annotations

import numpy as np
import pytest

from runtime import jobs
from runtime.devices.file_watcher import FileWatchers
from runtime.frames import ControlMessage, Inputs, KeyEvent, Outputs
from scenes.signing.scene import SKIN, SigningScene
from signlang.skeleton import HEAD, L_WRIST, R_WRIST, RIGHT_HAND

DT = 1 / 60


@pytest.fixture
def scene(gfx):
    s = SigningScene({"demo": False})
    s.setup(gfx)
    s.enter()
    yield s
    s.exit(Outputs())
    jobs.wait_idle()


def step(scene: SigningScene, seconds: float, control: list[ControlMessage] | None = None,
         keys: list[str] = (), files: FileWatchers | None = None) -> Outputs:
    """Updates as the app runs them; `files` stands for the app's watchers of the scene's files."""
    out = Outputs()
    for i in range(max(1, round(seconds / DT))):
        first = i == 0
        changes = files.poll(scene.watched_files(), scene.t) if files is not None else []
        scene.update(Inputs(t=scene.t, dt=DT, control=control if first and control else [],
                            keys=[KeyEvent(k, scene.t) for k in keys] if first else [], files=changes), out)
    return out


def wait_ready(scene: SigningScene) -> None:
    for pending in list(scene.queue):
        pending.future.result(timeout=30)


def render(scene: SigningScene, gfx) -> np.ndarray:
    gfx.ctx.screen.use()
    gfx.clear()
    scene.draw(gfx)
    return gfx.read_pixels().astype(np.float32) / 255.0


def to_px(scene: SigningScene, gfx, point: np.ndarray) -> tuple[int, int]:
    origin, scale = scene.layout(gfx.current_size)
    x, y = point * scale + origin
    return int(round(x)), int(round(y))


def is_skin(rgb: np.ndarray) -> bool:
    skin = np.array(SKIN)
    ratio = rgb / np.maximum(skin, 1e-3)
    return bool(ratio.min() > 0.4 and ratio.max() < 1.25 and np.ptp(ratio) < 0.25 and rgb[0] > rgb[2] + 0.1)


def test_avatar_is_drawn_and_its_hand_moves_to_the_sign(scene, gfx):
    scene.enqueue("hamfinger2,hamextfingeru,hampalmd,hamchin,hamtouch,hammoveo", "CHIN")
    wait_ready(scene)
    step(scene, DT)
    rest_pixels = render(scene, gfx)
    step(scene, 0.8)
    assert scene.playing is not None and scene.playing.gloss == "CHIN"
    pixels = render(scene, gfx)
    h, w, _ = pixels.shape
    # The face is skin coloured, the background is not, the shirt is dark.
    hx, hy = to_px(scene, gfx, scene.pose[HEAD])
    assert is_skin(pixels[hy + 8, hx])
    assert not is_skin(pixels[4, 4])
    # The right hand is drawn where the animator put it: its palm centre is skin.
    hand = scene.pose[RIGHT_HAND : RIGHT_HAND + 21]
    palm = (hand[0] + hand[5] + hand[9] + hand[17]) / 4
    px, py = to_px(scene, gfx, palm)
    assert 0 <= px < w and 0 <= py < h
    assert is_skin(pixels[py, px]), pixels[py, px]
    # The wrist went up from its rest place by the hips to the face: the pixels there changed.
    assert scene.pose[R_WRIST][1] < -0.0
    diff = np.abs(pixels - rest_pixels).sum(axis=2)
    assert (diff[: h // 2, : int(w * 0.6)] > 0.3).sum() > 200
    # The other hand stays at rest.
    assert scene.pose[L_WRIST][1] > 1.0


def test_bad_string_shows_its_error_and_the_avatar_goes_on(scene, gfx):
    scene.enqueue("hamflathand,hamextfingeru,hampalml,hamchest,hammoveu,hamrepeatfromstartseveral", "UP")
    wait_ready(scene)
    step(scene, 0.5)
    before = render(scene, gfx)
    assert not scene.enqueue("hamflathand champalmd", source="osc")
    assert "did you mean hampalmd" in scene.errors[-1][1]
    step(scene, 0.3)
    assert scene.playing is not None and scene.playing.gloss == "UP"  # still signing
    after = render(scene, gfx)
    h, w, _ = after.shape
    panel = slice(int(w * 0.6), w)

    def red(img: np.ndarray) -> int:
        px = img[:, panel]
        return int(((px[..., 0] > 0.55) & (px[..., 1] < 0.3) & (px[..., 2] < 0.3)).sum())

    assert red(after) > 50 and red(before) == 0


def test_osc_sign_messages_start_and_end_with_the_gloss(scene):
    control = [ControlMessage("/sign", ("RIGHT: hamfist,hamextfingero,hampalml,hamchest,hammover",), 0.0, "test")]
    out = step(scene, DT, control)
    wait_ready(scene)
    out = step(scene, 4.0)
    addresses = [(m.address, m.args[:1]) for m in out.osc if m.address != "/sala/sign/pose"]
    assert addresses[0] == ("/sala/sign/start", ("RIGHT",))
    assert ("/sala/sign/end", ("RIGHT",)) in addresses
    start = next(m for m in out.osc if m.address == "/sala/sign/start")
    assert start.args[1] == "hamfist,hamextfingero,hampalml,hamchest,hammover"
    poses = [m for m in out.osc if m.address == "/sala/sign/pose"]
    assert len(poses) == round(4.0 / DT)
    frame, gloss, values = poses[len(poses) // 3].args
    assert gloss == "RIGHT" and values.shape == (118,) and values.dtype == np.float32
    assert poses[-1].stream == "scene" and out.osc[0].stream in ("events", "scene")


def test_garbage_control_messages_do_not_stop_the_scene(scene):
    junk = [
        ControlMessage("/sign", (), 0.0),
        ControlMessage("/sign", (42,), 0.0),
        ControlMessage("/sign", ("\x00" * 5000,), 0.0),
        ControlMessage("/sign", ("<hns_sign><hamnosys_manual><bogus/>",), 0.0),
        ControlMessage("/other", ("x",), 0.0),
    ]
    step(scene, 0.1, junk)
    assert len(scene.errors) == 3  # the last three errors are kept
    assert scene.playing is None and not scene.queue


def test_keyboard_picker_queues_the_chosen_example(scene):
    scene.values["demo"] = False
    step(scene, DT, keys=["down", "return"])
    signs = ([scene.playing.gloss] if scene.playing else []) + [p.gloss for p in scene.queue]
    assert signs == [scene.examples[1].gloss]
    assert not scene.on_key(KeyEvent("a", 0.0))  # not a key of this scene
    step(scene, DT, keys=["backspace"])
    assert not scene.queue


def test_watched_file_lines_are_signed(scene, tmp_path):
    path = tmp_path / "signs.txt"
    path.write_text("OLD: hamfist,hamextfingero,hampalmd\n", encoding="utf-8")
    scene.set_param("watch_file", str(path))
    scene.set_param("watch_interval", 0.05)
    files = FileWatchers()
    step(scene, 0.1, files=files)
    assert not scene.queue  # what was in the file at start is not a request
    path.write_text("WAVE: hamflathand,hamextfingeru,hampalmd,hamhead,hamlrbeside,hamswinging\n# note\n"
                    "hamfist hamextfingero hampalmd hamchest\n", encoding="utf-8")
    import os

    os.utime(path, (1, 1))  # a different modification time even within the clock's resolution
    step(scene, 0.1, files=files)
    # The first may already be playing (the worker is quick): count it with the queue.
    signs = ([scene.playing.gloss] if scene.playing else []) + [p.gloss for p in scene.queue]
    assert signs == ["WAVE", "fist extfingero palmd ..."]


def test_demo_signs_the_examples_when_idle(gfx):
    s = SigningScene({"demo": True, "demo_pause": 0.2})
    s.setup(gfx)
    s.enter()
    try:
        step(s, 0.3)
        sources = ([s.playing.source] if s.playing else []) + [p.source for p in s.queue]
        assert sources[:1] == ["demo"]
        assert s.examples[0].gloss in ([s.playing.gloss] if s.playing else []) + [p.gloss for p in s.queue]
    finally:
        out = Outputs()
        s.exit(out)
        jobs.wait_idle()
    # Leaving while signing ends the sign for OSC receivers too.
    assert [m.address for m in out.osc] == (["/sala/sign/end"] if s.signed else [])


def test_pose_stream_encodes_as_osc_with_the_avatar_joints(scene):
    from runtime.osc.codec import decode_message, encode_message

    scene.enqueue("hamfinger2,hamextfingerui,hampalml,hamchin,hamtouch", "CHIN")
    wait_ready(scene)
    out = step(scene, 0.9)
    msg = [m for m in out.osc if m.address == "/sala/sign/pose"][-1]
    address, args = decode_message(encode_message(msg.address, msg.args))
    assert address == "/sala/sign/pose" and isinstance(args[0], int) and args[1] == "CHIN"
    joints = np.array(args[2:], np.float32).reshape(59, 2)
    assert np.allclose(joints, scene.pose, atol=1e-5)
    # The streamed chin and the right index fingertip are where the sign put them: touching.
    from signlang.skeleton import CHIN

    assert np.linalg.norm(joints[RIGHT_HAND : RIGHT_HAND + 21] - joints[CHIN], axis=1).min() < 0.06


def test_a_sigml_document_queues_each_sign_with_its_gloss(scene, tmp_path):
    from signlang.hamnosys import to_sigml

    doc = "<sigml>\n" + to_sigml(["hamfist", "hamextfingero", "hampalmd", "hamchest"], "ONE") + "\n" + \
        to_sigml(["hamflathand", "hamextfingeru", "hampalml", "hamchin"], "TWO") + "\n</sigml>\n"
    assert scene.enqueue(doc, source="osc")
    assert [p.gloss for p in scene.queue] == ["ONE", "TWO"]
    path = tmp_path / "signs.sigml"
    scene.set_param("watch_file", str(path))
    files = FileWatchers()
    step(scene, 0.1, files=files)
    path.write_text(doc.replace("ONE", "THREE"), encoding="utf-8")
    step(scene, 0.6, files=files)
    assert [p.gloss for p in scene.queue][-2:] == ["THREE", "TWO"]


def test_learned_motion_is_switched_by_osc_and_signs_on_the_body(scene, gfx):
    """/sala/param motion learned: the shipped ONNX generator animates the sign; M switches back."""
    from models.signs.generator import LearnedSigner

    scene.set_param("motion", "learned")  # what the app does with /sala/param signing motion learned
    scene.enqueue("hamflathand,hamextfingeru,hampalml,hamchin,hammovel", "LEARNED")
    animation = scene.queue[-1].future.result(timeout=30)
    expected = LearnedSigner().animate("hamflathand,hamextfingeru,hampalml,hamchin,hammovel",
                                       fps=float(scene.values["animation_fps"]))
    assert animation.frames.shape == expected.frames.shape
    assert np.allclose(animation.frames, expected.frames, atol=1e-5)
    wrist = animation.frames[:, R_WRIST]
    assert np.all(np.abs(wrist) < 3.0)  # within three shoulder widths of the body at every frame
    step(scene, DT, keys=["m"])
    assert scene.values["motion"] == "procedural"
    with pytest.raises(ValueError, match="allowed: procedural, learned"):
        scene.set_param("motion", "dreamed")


def test_a_missing_learned_model_falls_back_to_procedural(scene, tmp_path):
    scene.set_param("learned_model", str(tmp_path / "gone.onnx"))
    scene.set_param("motion", "learned")
    assert scene.enqueue("hamflathand,hamextfingeru,hampalml,hamchin", "FALLBACK")
    assert scene.queue[-1].future.result(timeout=30).frames.shape[1] == 59
    assert scene.values["motion"] == "procedural"
    assert any("gone.onnx" in message for _, message in scene.errors)


PHRASE = ["A: hamflathand,hamextfingeru,hampalml,hamchin,hamtouch",
          "B: hamfist,hamextfingero,hampalmd,hamchest,hammover",
          "C: hamfinger2,hamextfingeru,hampalml,hamforehead"]


def test_osc_sign_phrase_is_one_animation_that_goes_through_each_sign(scene):
    from runtime.osc.control import InvalidControl, validate

    assert validate("/sign/phrase", tuple(PHRASE)) == ("/sign/phrase", tuple(PHRASE))
    with pytest.raises(InvalidControl):
        validate("/sign/phrase", ())
    with pytest.raises(InvalidControl):
        validate("/sign/phrase", ("x",) * 33)
    step(scene, DT, [ControlMessage("/sign/phrase", tuple(PHRASE), 0.0, "test")])
    assert [p.gloss for p in scene.queue] == ["A B C"]
    wait_ready(scene)
    seen, out = [], Outputs()
    for _ in range(round(5.0 / DT)):
        o = step(scene, DT)
        out.osc.extend(o.osc)
        if scene.playing is not None and (not seen or seen[-1] != scene.status()["current"]):
            seen.append(scene.status()["current"])
    assert seen == ["A", "B", "C"]
    events = [(m.address, m.args[0]) for m in out.osc if m.address in ("/sala/sign/start", "/sala/sign/end")]
    assert events == [("/sala/sign/start", "A B C"), ("/sala/sign/end", "A B C")]
    start = next(m for m in out.osc if m.address == "/sala/sign/start")
    assert start.args[1].count(" ; ") == 2


def test_phrases_typed_in_sign_and_watched_files(scene, tmp_path):
    step(scene, DT, [ControlMessage("/sign", (" ; ".join(PHRASE),), 0.0, "test")])
    assert [p.gloss for p in scene.queue] == ["A B C"]
    scene.queue.clear()
    step(scene, DT, keys=["p"])
    names = [e.gloss for e in scene.examples[:3]]
    assert [p.gloss for p in scene.queue] == [" ".join(names)]
    scene.queue.clear()
    step(scene, DT, [ControlMessage("/sign/phrase", (PHRASE[0], "B: hamfist,hamextfingero,champalmd"), 0.0)])
    assert not scene.queue and "phrase sign 2 (B)" in scene.errors[-1][1]
    path = tmp_path / "phrase.txt"
    path.write_text("", encoding="utf-8")
    scene.set_param("watch_file", str(path))
    scene.set_param("watch_interval", 0.05)
    files = FileWatchers()
    step(scene, 0.1, files=files)
    path.write_text(" ; ".join(PHRASE) + "\n", encoding="utf-8")
    import os

    os.utime(path, (1, 1))
    step(scene, 0.1, files=files)
    signs = ([scene.playing.gloss] if scene.playing else []) + [p.gloss for p in scene.queue]
    assert signs == ["A B C"]


def test_face_stream_and_the_drawn_face_move_with_the_nonmanual_items(scene, gfx):
    from signlang.face import CH, FACE_DETAIL

    doc = ('<sigml><hns_sign gloss="OPEN"><hamnosys_nonmanual><hnm_eyebrows tag="RB"/>'
           '<hnm_mouthpicture picture="a"/></hamnosys_nonmanual><hamnosys_manual><hamflathand/>'
           "<hamextfingeru/><hampalml/><hamchest/><hammovel/></hamnosys_manual></hns_sign></sigml>")
    closed = render(scene, gfx)
    assert scene.enqueue(doc)
    wait_ready(scene)
    out = step(scene, 1.0)
    faces = [m for m in out.osc if m.address == "/sala/sign/face"]
    assert len(faces) == round(1.0 / DT) and faces[-1].stream == "scene"
    values = faces[-1].args[2]
    assert values.shape == (22 + 2 * len(FACE_DETAIL),) and values.dtype == np.float32
    assert values[CH["brow_right"]] > 0.9 and values[CH["mouth_open"]] > 0.5
    opened = render(scene, gfx)
    mouth = (scene.pose[12] + scene.pose[13]) / 2 + np.array([0.0, 0.02])
    x, y = to_px(scene, gfx, mouth)
    dark = lambda img: img[y - 3 : y + 4, x - 3 : x + 4].mean(axis=(0, 1))  # noqa: E731
    assert dark(opened).sum() < dark(closed).sum() - 0.5  # the open mouth shows its dark inside
