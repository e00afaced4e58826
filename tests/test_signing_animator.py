"""The procedural animator, checked by geometry: where the hands go, how fingers bend, how hands mirror."""

from __future__ import annotations

import math

import numpy as np
import pytest

from signlang.animator import Animation, animate, rest_frame
from signlang.examples import load_examples
from signlang.pose_file import load_npz, load_pose_frames, save
from signlang.skeleton import (
    CHIN,
    FINGER_JOINTS,
    FOREHEAD,
    JOINTS,
    L_WRIST,
    LEFT_HAND,
    R_WRIST,
    RIGHT_HAND,
    K,
)


def hand(frames: np.ndarray, start: int = RIGHT_HAND) -> np.ndarray:
    return frames[..., start : start + 21, :]


def held_frame(anim: Animation) -> np.ndarray:
    """The frame in the middle of the sign (after the approach, before the return to rest)."""
    return anim.frames[len(anim.frames) // 2]


def test_animation_contract():
    anim = animate("hamflathand,hamextfingeru,hampalml,hamchest", fps=30.0)
    assert anim.frames.dtype == np.float32 and anim.frames.ndim == 3
    assert anim.frames.shape[1:] == (K, 2) == (59, 2)
    assert anim.joint_names == JOINTS and anim.fps == 30.0
    assert np.isfinite(anim.frames).all()
    # From rest to rest.
    rest = rest_frame()
    assert np.abs(anim.frames[0] - rest).max() < 1e-4
    assert np.abs(anim.frames[-1] - rest).max() < 0.02


def test_hand_placed_at_the_chin_ends_near_the_chin():
    anim = animate("hamfinger2,hamextfingerui,hampalml,hamchin,hamtouch")
    frame = held_frame(anim)
    tips = hand(frame)
    distance = np.linalg.norm(tips - frame[CHIN], axis=1).min()
    assert distance < 0.05, distance
    # ... and not at the forehead: the location matters.
    anim2 = animate("hamfinger2,hamextfingerui,hampalml,hamforehead,hamtouch")
    frame2 = held_frame(anim2)
    assert np.linalg.norm(hand(frame2) - frame2[FOREHEAD], axis=1).min() < 0.05
    assert np.linalg.norm(hand(frame2) - frame2[CHIN], axis=1).min() > 0.2


def _angle(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> float:
    u, v = b - a, c - b
    cos = float(np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v)))
    return math.degrees(math.acos(max(-1.0, min(1.0, cos))))


def test_flat_hand_fingers_are_straight_and_a_fist_is_closed():
    frame = held_frame(animate("hamflathand,hamextfingeru,hampalmd,hamchest"))
    h = hand(frame)
    for digit in ("index", "middle", "ring", "pinky"):
        mcp, pip, dip, tip = (h[j] for j in FINGER_JOINTS[digit])
        assert _angle(mcp, pip, dip) < 8 and _angle(pip, dip, tip) < 8, digit
    # A fist seen palm-on: every fingertip is back near its knuckle, far closer than a straight finger's length.
    fist = hand(held_frame(animate("hamfist,hamextfingeru,hampalmd,hamchest")))
    flat_len = np.linalg.norm(h[8] - h[5])
    for digit in ("index", "middle", "ring", "pinky"):
        mcp, _, _, tip = FINGER_JOINTS[digit]
        assert np.linalg.norm(fist[tip] - fist[mcp]) < 0.5 * flat_len, digit


def test_extended_finger_direction_points_the_hand():
    up = hand(held_frame(animate("hamflathand,hamextfingeru,hampalmd,hamchest")))
    down = hand(held_frame(animate("hamflathand,hamextfingerd,hampalmd,hamstomach")))
    assert up[12][1] < up[0][1] - 0.2  # middle fingertip above the wrist (y is down)
    assert down[12][1] > down[0][1] + 0.2


def test_movement_to_the_right_moves_right():
    # HamNoSys directions are the signer's: the signer's right is the viewer's left (negative x).
    anim = animate("hamfist,hamextfingero,hampalml,hamchest,hammover")
    wrist_x = anim.frames[:, R_WRIST, 0]
    start = anim.frames[int(0.7 * anim.fps), R_WRIST, 0]  # holding at the chest, before the movement
    moved = wrist_x[int(0.7 * anim.fps) : -int(0.6 * anim.fps)].min()
    assert start - moved > 0.2
    left = animate("hamfist,hamextfingero,hampalml,hamchest,hammovel")
    start_l = left.frames[int(0.7 * left.fps), R_WRIST, 0]
    assert left.frames[int(0.7 * left.fps) : -int(0.6 * left.fps), R_WRIST, 0].max() - start_l > 0.2


def test_up_then_down_and_circles_return():
    anim = animate("hamfist,hamextfingero,hampalml,hamchest,hammoveu")
    y = anim.frames[:, R_WRIST, 1]
    assert y[int(0.7 * anim.fps)] - y[int(0.7 * anim.fps) :].min() > 0.2
    circle = animate("hamfinger2,hamextfingeru,hampalmd,hamchest,hamcircleo")
    path = circle.frames[:, R_WRIST]
    hold = path[int(0.7 * circle.fps)]
    spread = path[int(0.7 * circle.fps) : -int(0.8 * circle.fps)]
    # A circle in the frontal plane moves both across and up/down, and its radius is visible.
    assert np.ptp(spread[:, 0]) > 0.1 and np.ptp(spread[:, 1]) > 0.1
    assert np.linalg.norm(spread[-1] - hold) < 0.05


def test_symmetric_signs_mirror():
    anim = animate("hamsymmlr,hamflathand,hamextfingeru,hampalml,hamshoulders,hammover,hamarcu")
    right = hand(anim.frames, RIGHT_HAND)
    left = hand(anim.frames, LEFT_HAND)
    mirrored = left * np.array([-1.0, 1.0], np.float32)
    assert np.abs(mirrored - right).max() < 1e-3
    # The two hands are really apart and moving.
    assert np.abs(anim.frames[:, R_WRIST, 0] - anim.frames[:, L_WRIST, 0]).max() > 0.3
    assert np.ptp(anim.frames[:, R_WRIST, 0]) > 0.2


def test_one_handed_signs_keep_the_other_hand_at_rest():
    anim = animate("hamfinger2,hamextfingeru,hampalml,hamchin,hamtouch")
    left = anim.frames[:, L_WRIST]
    assert np.ptp(left, axis=0).max() < 1e-4


def test_speed_and_repetition_change_the_timing():
    one = animate("hamfist,hamextfingero,hampalml,hamchest,hammoveu")
    rep = animate("hamfist,hamextfingero,hampalml,hamchest,hammoveu,hamrepeatfromstartseveral")
    fast = animate("hamfist,hamextfingero,hampalml,hamchest,hammoveu", speed=2.0)
    assert rep.frames.shape[0] > one.frames.shape[0] * 1.4
    assert abs(fast.frames.shape[0] - one.frames.shape[0] / 2) <= 2
    assert 1.0 < one.duration < 4.0


def test_handshape_change_by_replacement():
    anim = animate("hamflathand,hamextfingeru,hampalmd,hamchest,hamreplace,hamfist")
    start = hand(anim.frames[int(0.7 * anim.fps)])
    end = hand(anim.frames[-int(0.75 * anim.fps)])
    span = lambda h: np.linalg.norm(h[12] - h[0])  # noqa: E731 - wrist to middle fingertip
    assert span(end) < 0.6 * span(start)


def test_deterministic_and_seeded_variation():
    text = "hamfinger2,hamextfingeru,hampalmd,hamchest,hamcircleo"
    assert np.array_equal(animate(text).frames, animate(text).frames)
    a, b = animate(text, seed=1), animate(text, seed=2)
    assert a.frames.shape != b.frames.shape or not np.allclose(a.frames, b.frames)


def test_every_example_animates_inside_the_frame():
    for example in load_examples():
        anim = animate(example.hamnosys)
        assert np.isfinite(anim.frames).all(), example.gloss
        assert np.abs(anim.frames[..., 0]).max() < 2.0 and -1.3 < anim.frames[..., 1].min(), example.gloss
        assert anim.frames[..., 1].max() < 1.8, example.gloss


def test_export_npz_and_pose_round_trip(tmp_path):
    anim = animate("hamflathand,hamextfingeru,hampalml,hamchin,hamtouch", fps=25.0)
    anim.gloss = "CHIN"
    save(anim, tmp_path / "a.npz")
    back = load_npz(tmp_path / "a.npz")
    assert np.array_equal(back.frames, anim.frames) and back.gloss == "CHIN" and back.joint_names == JOINTS
    save(anim, tmp_path / "a.pose")
    frames, fps = load_pose_frames(tmp_path / "a.pose")
    assert fps == 25.0 and frames.shape == anim.frames.shape
    assert np.abs(frames - anim.frames).max() < 1e-3
    from pose_format import Pose

    pose = Pose.read((tmp_path / "a.pose").read_bytes())
    names = [c.name for c in pose.header.components]
    assert names == ["SALA_UPPER_BODY", "RIGHT_HAND_LANDMARKS", "LEFT_HAND_LANDMARKS", "SALA_FACE"]
    with pytest.raises(ValueError, match="allowed"):
        save(anim, tmp_path / "a.csv")


def test_real_lexicon_sample_animates(shared_data):
    import json

    from signlang.hamnosys import HamNoSysError, parse
    from signlang.hamnosys.coverage import transcription

    lines = (shared_data / "hamnosys" / "lexicon_dev.jsonl").read_text(encoding="utf-8").splitlines()
    done = 0
    for line in lines[::40]:
        try:
            tree = parse(transcription(json.loads(line)))
        except HamNoSysError:
            continue
        anim = animate(tree, fps=12.5)
        assert np.isfinite(anim.frames).all() and np.abs(anim.frames).max() < 3.0
        done += 1
    assert done > 100


def test_alternating_symmetry_puts_the_hands_out_of_phase():
    text = "hamsymmlr,hamalternatingmotion,hamflathand,hamextfingero,hampalmd,hamchest,hammoveu,hamrepeatfromstart"
    anim = animate(text)
    right_y = anim.frames[:, R_WRIST, 1]
    left_y = anim.frames[:, L_WRIST, 1]
    # The hands do not move together: at some moment one is clearly higher than the other...
    assert np.abs(right_y - left_y).max() > 0.1
    # ...while without "alternating" they stay level all the time.
    same = animate(text.replace("hamalternatingmotion,", ""))
    assert np.abs(same.frames[:, R_WRIST, 1] - same.frames[:, L_WRIST, 1]).max() < 1e-3


def test_locations_follow_the_body_proportions():
    from signlang.skeleton import BodyProportions

    tall = BodyProportions(neck=0.4, head_height=0.7, forearm=0.72)
    anim = animate("hamfinger2,hamextfingerui,hampalml,hamchin,hamtouch", body=tall)
    frame = held_frame(anim)
    assert abs(frame[CHIN][1] - (-0.4 - 0.03 * 0.7)) < 1e-5  # the face anchors moved with the neck...
    assert np.linalg.norm(hand(frame) - frame[CHIN], axis=1).min() < 0.05  # ...and the hand found the chin


def test_raised_hand_keeps_its_elbow_on_its_own_side():
    from signlang.skeleton import R_ELBOW, R_SHOULDER

    for site in ("hamforehead", "hamear", "hamhead,hamlrbeside"):
        frame = held_frame(animate(f"hamfinger2,hamextfingeru,hampalml,{site},hamclose"))
        # The signer's right elbow stays on the right half of the body (negative x), the forearm does not
        # cross the face to reach the head.
        assert frame[R_ELBOW][0] < -0.15, site
        assert frame[R_ELBOW][0] < frame[R_SHOULDER][0] + 0.3, site
