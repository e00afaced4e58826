"""The sonification scene: renders headless, plays what it sees, paints with a hand or the mouse,
says what is wrong instead of crashing."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from models.sonification.runtime_model import SHIPPED_DIR
from runtime import jobs
from runtime.frames import CameraFrame, Inputs, Outputs, Person
from runtime.osc.codec import decode_message, encode_message

pytestmark = pytest.mark.skipif(not (SHIPPED_DIR / "meta.json").is_file(),
                                reason="no shipped sonification model (python -m models.sonification.train)")


def _scene(**config):
    from scenes.sonification import SonificationScene

    return SonificationScene({"smoothing": 0.001, **config})


FRAME_INDEX = itertools.count()


def _camera(cx: float, cy: float, w: int = 640, h: int = 360, size: float = 0.16) -> CameraFrame:
    """A dark room with one hard-edged bright patch 16% of the frame wide and high (a square of
    5 px to the model, inside the sizes it was trained on)."""
    image = np.full((h, w, 3), 12, dtype=np.uint8)
    x0, y0 = int((cx - size / 2) * w), int((cy - size / 2) * h)
    image[max(y0, 0):y0 + int(size * h), max(x0, 0):x0 + int(size * w)] = 250
    return CameraFrame(image, 0.0, next(FRAME_INDEX), "test")  # each picture a new camera frame


def _run(scene, frame=None, people=(), steps=3, t0=0.0) -> Outputs:
    out = Outputs()
    for i in range(steps):
        out = Outputs()
        scene.update(Inputs(t=t0 + i / 60, dt=1 / 60, frames={"main": frame}, people=list(people)), out)
        jobs.wait_idle()  # the sixtieth of a second between updates, in which background work finishes
    return out


def _played_freq(out: Outputs) -> float:
    (command,) = [c for c in out.sound if c.op in ("play", "set")]
    return command.params["freq"]


def test_scene_renders_what_it_sees_and_hears_headless(gfx):
    scene = _scene(source="camera")
    scene.setup(gfx)
    scene.enter()
    _run(scene, _camera(0.75, 0.3), steps=40)
    gfx.clear()
    scene.draw(gfx)
    pixels = gfx.read_pixels().astype(int)
    box = scene.layout(*gfx.size)

    def crop(name):
        x, y, w, h = (int(round(v)) for v in box[name])
        return pixels[y + 2:y + h - 2, x + 2:x + w - 2]

    seen = crop("input").sum(2)
    ys, xs = np.nonzero(seen > 600)
    assert xs.size, "the model input panel shows nothing"
    assert xs.mean() / seen.shape[1] == pytest.approx(0.75, abs=0.08)  # the patch is drawn where it is
    assert ys.mean() / seen.shape[0] == pytest.approx(0.3, abs=0.08)
    recon = crop("reconstruction").sum(2)
    ry, rx = np.nonzero(recon > 300)
    assert rx.size and abs(rx.mean() / recon.shape[1] - 0.75) < 0.15  # the reconstruction is near it too
    spectrum = crop("spectrogram")
    newest, oldest = spectrum[:, -20:], spectrum[:, :20]
    assert newest.std() > 10 and newest.max() > 150  # partials light up at the newest (right) end
    assert oldest.max() < 40  # the history before the scene started is silent
    image_bars = crop("image_latents")
    assert (np.abs(image_bars - image_bars[0, 0]).sum(2) > 60).sum() > 50  # bars are drawn


def test_moving_the_square_right_raises_the_pitch():
    """The learned mapping pairs left-right with pitch: stated in the model card, checked end to end."""
    scene = _scene(source="camera")
    freqs = [_played_freq(_run(scene, _camera(x, 0.5))) for x in np.linspace(0.15, 0.85, 8)]
    assert np.all(np.diff(freqs) > 0), freqs
    assert freqs[-1] / freqs[0] > 1.5


def test_first_update_plays_then_sets_and_osc_parses():
    scene = _scene(source="camera")
    scene.enter()
    first = Outputs()
    scene.update(Inputs(t=0.0, dt=1 / 60, frames={"main": _camera(0.5, 0.5)}), first)
    assert [c.op for c in first.sound] == ["play"] and first.sound[0].instrument == "fm"
    assert set(first.sound[0].params) == {"freq", "amp", "ratio", "index", "brightness"}
    second = _run(scene, _camera(0.5, 0.5), steps=1, t0=1 / 60)
    assert [c.op for c in second.sound] == ["set"]
    decoded = {}
    for message in second.osc:
        assert message.stream == "sonification"
        address, args = decode_message(encode_message(message.address, message.args))
        decoded.setdefault(address, []).append(args)
    assert [a[0] for a in decoded["/sala/sonify"]] == ["freq", "amp", "ratio", "index", "brightness"]
    assert all(0.0 <= a[1] <= 1.0 for a in decoded["/sala/sonify"])  # normalised, as runtime/osc/OSC.md says
    (params,) = decoded["/sala/sonification/params"]
    assert len(params) == 5 and 110.0 <= params[0] <= 880.0
    assert params[0] == pytest.approx(second.sound[0].params["freq"], rel=1e-5)
    freq_unit = decoded["/sala/sonify"][0][1]
    assert 110.0 * 8.0 ** freq_unit == pytest.approx(params[0], rel=1e-4)
    assert len(decoded["/sala/sonification/latents/image"][0]) == scene.model.meta["z_image"]
    assert len(decoded["/sala/sonification/latents/sound"][0]) == scene.model.meta["z_sound"]
    leaving = Outputs()
    scene.exit(leaving)
    assert [(c.op, c.key) for c in leaving.sound] == [("release", "sonification")]


def test_a_dark_room_falls_silent():
    scene = _scene(source="camera", smoothing=0.05)
    dark = CameraFrame(np.full((360, 640, 3), 3, dtype=np.uint8), 0.0, 0, "test")
    out = _run(scene, dark, steps=60)
    assert out.sound[0].params["amp"] < 1e-3
    out = _run(scene, _camera(0.5, 0.5), steps=60, t0=1.0)
    assert out.sound[0].params["amp"] > 0.01


def _person_pointing(x: float, y: float) -> Person:
    landmarks = np.zeros((33, 4))
    landmarks[20] = (x, y, 0.0, 0.95)  # right index finger tip
    return Person(id=1, landmarks=landmarks, t_capture=0.0)


def test_a_tracked_hand_paints_the_canvas_and_the_pitch_follows():
    scene = _scene(source="auto", canvas_fade=0.05)
    freqs = []
    for i, x in enumerate(np.linspace(0.2, 0.8, 5)):
        out = _run(scene, _camera(0.5, 0.5), people=[_person_pointing(x, 0.5)], steps=20, t0=i)
        assert scene.input_source == "canvas"
        ys, xs = np.nonzero(scene.model_input > 0.5)
        assert abs(xs.mean() / 32 - x) < 0.06
        freqs.append(_played_freq(out))
    assert np.all(np.diff(freqs) > 0), freqs
    # the hand leaves: after the hold time "auto" listens to the camera again
    _run(scene, _camera(0.5, 0.5), steps=3, t0=10.0)
    assert scene.input_source == "camera"


def test_the_mouse_paints(gfx):
    from runtime.frames import Inputs, Outputs, PointerEvent

    scene = _scene(source="canvas")
    scene.setup(gfx)
    w, h = gfx.size
    hover = PointerEvent(10.0, 10.0, False, 0.0)  # a mouse moved with no button down paints nothing
    scene.update(Inputs(t=0.0, dt=1 / 60, pointer=[PointerEvent(w * 0.25, h * 0.75, True, 0.0), hover]), Outputs())
    ys, xs = np.nonzero(scene.canvas.pixels > 0.5)
    assert xs.mean() / 32 == pytest.approx(0.25, abs=0.05) and ys.mean() / 32 == pytest.approx(0.75, abs=0.05)
    assert scene.canvas.pixels[0, 0] < 0.1


def test_bad_parameters_and_a_missing_model_are_named(gfx, tmp_path):
    scene = _scene()
    with pytest.raises(ValueError, match="auto, camera, canvas"):
        scene.set_param("source", "webcam")
    with pytest.raises(ValueError, match="fm, voice"):
        scene.set_param("instrument", "piano")
    with pytest.raises(KeyError, match="allowed"):
        scene.set_param("pitch", 3)
    with pytest.raises(ValueError, match="region_x0 = 'left' is not a float"):
        scene.set_param("region_x0", "left")
    broken = _scene(model_dir=str(tmp_path))
    assert "meta.json" in broken.error
    with pytest.raises(RuntimeError, match=str(tmp_path)):
        broken.setup(gfx)  # at start-up: the show refuses to start, naming the folder
    live = _scene()
    live.setup(gfx)
    live.set_param("model_dir", str(tmp_path))  # live, over OSC: the scene reports it and stays silent
    broken = live
    assert "meta.json" in broken.error
    out = _run(broken, _camera(0.5, 0.5))
    assert out.sound == [] and out.osc == []
    gfx.clear()
    broken.draw(gfx)  # draws the error instead of failing
    # an empty camera region is reported on screen, not raised
    empty_region = _scene(source="camera", region_x0=0.6, region_x1=0.4)
    out = _run(empty_region, _camera(0.5, 0.5))
    assert "x0 < x1" in empty_region.input_error and out.sound == []
    with pytest.raises(ValueError, match="brush"):
        scene.set_param("brush", 0)
    # a camera that delivers a grey (H, W) picture is reported, not raised
    grey = _scene(source="camera")
    _run(grey, CameraFrame(np.zeros((360, 640), np.uint8), 0.0, 0, "test"))
    assert "(H, W, 3)" in grey.input_error


def test_instrument_voice_gets_the_same_fm_pair_and_a_cutoff():
    fm = _run(_scene(source="camera"), _camera(0.4, 0.6), steps=1).sound[0]
    voice = _run(_scene(source="camera", instrument="voice"), _camera(0.4, 0.6), steps=1).sound[0]
    assert voice.instrument == "voice"
    assert set(voice.params) == {"freq", "amp", "ratio", "index", "cutoff", "fm", "res"}
    for name in ("freq", "amp", "ratio", "index"):
        assert voice.params[name] == pytest.approx(fm.params[name])
    assert voice.params["cutoff"] == pytest.approx(min(fm.params["freq"] * 2 ** (1 + 6 * fm.params["brightness"]),
                                                       18000.0))


def test_the_model_runs_once_per_new_camera_frame(gfx):
    scene = _scene(source="camera")
    scene.setup(gfx)
    calls = []
    sonify = scene.model.sonify
    scene.model.sonify = lambda image: calls.append(1) or sonify(image)
    frame = _camera(0.5, 0.5)
    _run(scene, frame, steps=4)  # four updates, one picture
    assert len(calls) == 1
    _run(scene, _camera(0.6, 0.5), steps=1)
    assert len(calls) == 2
