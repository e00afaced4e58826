"""Execution quality and feedback, and the hold-steady rule for recognised postures."""

from __future__ import annotations

import numpy as np
import pytest

from body import body_model as bm
from body.assessment import assess, measured_angles
from body.postures import load_postures
from scenes.pose_space.hold import PostureHold

# Angles are measured in the image plane, so each posture is seen from where a teacher would look:
# from the front when it opens sideways, from the side when it folds or stretches forward.
VIEW = {"mountain": 10.0, "warrior_2": 10.0, "triangle": 10.0, "warrior_1": 80.0, "plank": 80.0,
        "downward_dog": 80.0, "chair": 80.0, "boat": 80.0}


def _assess(name, change, yaw=None, mirrored=False):
    p = load_postures()[name]
    yaw = VIEW.get(name, 30.0) if yaw is None else yaw
    v = bm.params_for(p.mirrored() if mirrored else p)
    for key, delta in change.items():
        v[bm.P[key]] += delta
    lm = bm.front_view(bm.clamp_angles(v), yaw=yaw)
    return assess(p, measured_angles(lm))


@pytest.mark.parametrize("name", ["mountain", "warrior_1", "warrior_2", "triangle", "plank", "downward_dog"])
@pytest.mark.parametrize("side", ["left", "right"])
def test_bending_a_knee_30_degrees_names_that_knee(name, side):
    """Seen from the front, half turned or from the side: wherever the posture is seen well (angles are
    measured in the image plane) and the bend shows, the knee is named."""
    if (name, side) == ("triangle", "right"):
        pytest.xfail("triangle's back knee bends toward the camera in every view that shows the posture: "
                     "image-plane angles cannot see it")
    checked = 0
    for yaw in (10.0, 45.0, 80.0):
        perfect = _assess(name, {}, yaw=yaw)
        bent = _assess(name, {f"{side}_knee": -30.0}, yaw=yaw)
        if perfect.score < 0.93 or bent.score > perfect.score - 0.05:
            continue  # this view hides the posture or the bend
        checked += 1
        assert bent.joints[0].name == f"{side}_knee"
        assert f"{side} knee" in bent.feedback[0]
        ref = load_postures()[name].angles[f"{side}_knee"][0]
        if ref >= 150:  # a straight leg bent: the advice is to straighten it
            assert bent.feedback[0] == f"straighten the {side} knee"
    assert checked >= 1


def test_arm_too_high_or_too_low():
    assert _assess("warrior_2", {"right_shoulder": 40.0}).feedback[0] == "lower the right arm"
    assert _assess("warrior_2", {"left_shoulder": -40.0}).feedback[0] == "raise the left arm"


def test_trunk_feedback_says_which_way():
    assert _assess("triangle", {"trunk_roll": -30.0}).feedback[0] == "tilt the trunk further to the left"
    assert _assess("triangle", {"trunk_roll": 30.0}, mirrored=True).feedback[0] == \
        "tilt the trunk further to the right"
    assert _assess("boat", {"trunk_pitch": 25.0}).feedback[0] == "lean back further"
    assert _assess("mountain", {"trunk_pitch": 30.0}, yaw=80.0).feedback[0] == "stand up straighter"
    assert _assess("chair", {"trunk_pitch": 30.0}).feedback[0] == "lift the chest a little"


def test_mirror_image_scores_as_well_and_names_the_real_side():
    a = _assess("warrior_2", {}, mirrored=True)
    assert a.score > 0.98 and a.mirrored
    b = _assess("warrior_2", {"right_knee": 45.0}, mirrored=True)  # right leg leads: its knee too straight
    assert b.feedback[0] == "bend the right knee more"


def test_attribution_sums_to_the_score_loss():
    a = _assess("chair", {"left_knee": 35.0, "right_elbow": -50.0})
    assert sum(j.loss for j in a.joints) == pytest.approx(1.0 - a.score)
    assert {j.name for j in a.joints[:2]} == {"left_knee", "right_elbow"}


def test_unseen_joints_are_not_judged():
    p = load_postures()["mountain"]
    lm = bm.front_view(bm.params_for(p))
    lm[[25, 27], 3] = 0.05  # left knee and ankle not visible
    a = assess(p, measured_angles(lm))
    assert "left_knee" not in {j.name for j in a.joints} and a.score > 0.98


def test_posture_counts_only_once_held_and_does_not_flicker():
    classes = ["tree", "chair", "none"]
    hold = PostureHold(classes, hold=0.8, release=0.5)
    rng = np.random.default_rng(0)
    events = []
    t = 0.0
    for _ in range(15):  # 0.5 s of tree: not yet held
        t += 1 / 30
        events += hold.update(t, [0.9, 0.05, 0.05])
    assert events == [] and hold.held == ""
    for _ in range(60):  # steady, with the classifier wavering between 0.45 and 0.95
        t += 1 / 30
        p = rng.uniform(0.45, 0.95)
        events += hold.update(t, [p, (1 - p) / 2, (1 - p) / 2])
    assert events == [("enter", "tree")]
    for _ in range(10):  # a short drop of a third of a second does not end it
        t += 1 / 30
        events += hold.update(t, [0.1, 0.1, 0.8])
    assert events == [("enter", "tree")]
    for _ in range(60):
        t += 1 / 30
        events += hold.update(t, [0.05, 0.05, 0.9])
    assert events == [("enter", "tree"), ("exit", "tree")]
    for _ in range(60):  # straight into another posture: it takes over after the hold time
        t += 1 / 30
        events += hold.update(t, [0.05, 0.9, 0.05])
    assert events[-1] == ("enter", "chair")
