"""Joint angles: exact on constructed skeletons, plausible on a real photograph."""

from __future__ import annotations

import math

import numpy as np
import pytest

from body import landmarks as lm
from body.angles import ANGLE_NAMES, joint_angles


def standing(arms_out: bool = False) -> np.ndarray:
    """A front-facing standing skeleton in square units (y down); arms hanging or out sideways."""
    p = np.zeros((33, 4))
    p[:, 3] = 1.0
    p[:, :2] = 0.5, 0.2
    p[lm.L_SHOULDER, :2], p[lm.R_SHOULDER, :2] = (0.6, 0.3), (0.4, 0.3)  # person's left is image right
    p[lm.L_HIP, :2], p[lm.R_HIP, :2] = (0.58, 0.6), (0.42, 0.6)
    p[lm.L_KNEE, :2], p[lm.R_KNEE, :2] = (0.58, 0.8), (0.42, 0.8)
    p[lm.L_ANKLE, :2], p[lm.R_ANKLE, :2] = (0.58, 1.0), (0.42, 1.0)
    p[lm.L_FOOT, :2], p[lm.R_FOOT, :2] = (0.58, 1.0), (0.42, 1.0)
    p[lm.L_FOOT, 0] += 0.05
    p[lm.R_FOOT, 0] -= 0.05
    if arms_out:
        p[lm.L_ELBOW, :2], p[lm.L_WRIST, :2] = (0.75, 0.3), (0.9, 0.3)
        p[lm.R_ELBOW, :2], p[lm.R_WRIST, :2] = (0.25, 0.3), (0.1, 0.3)
    else:
        p[lm.L_ELBOW, :2], p[lm.L_WRIST, :2] = (0.6, 0.45), (0.6, 0.6)
        p[lm.R_ELBOW, :2], p[lm.R_WRIST, :2] = (0.4, 0.45), (0.4, 0.6)
    return p


def test_angle_names_are_the_published_ones():
    a = joint_angles(standing())
    assert list(a) == list(ANGLE_NAMES)
    for name in ("left_elbow", "right_elbow", "left_shoulder", "right_shoulder", "left_hip", "right_hip",
                 "left_knee", "right_knee", "trunk_lean"):
        assert name in a


def test_standing_and_t_pose_have_textbook_angles():
    a = joint_angles(standing())
    assert a["left_elbow"] == pytest.approx(180, abs=0.5) and a["right_knee"] == pytest.approx(180, abs=0.5)
    assert a["left_shoulder"] < 10 and a["right_shoulder"] < 10  # arms hang along the trunk
    assert a["trunk_lean"] == pytest.approx(0, abs=0.5) and a["trunk_tilt"] == pytest.approx(0, abs=0.5)
    assert a["left_hip"] > 170
    t = joint_angles(standing(arms_out=True))
    assert t["left_shoulder"] == pytest.approx(90 + math.degrees(math.atan(0.02 / 0.3)), abs=0.5)
    assert t["right_shoulder"] == pytest.approx(t["left_shoulder"], abs=0.5)


def test_bent_knee_and_forward_lean():
    p = standing()
    # Left knee forward-bent by 90 degrees: shin horizontal towards the image right.
    p[lm.L_ANKLE, :2] = (0.78, 0.8)
    assert joint_angles(p)["left_knee"] == pytest.approx(90, abs=0.5)
    # The whole trunk pitched 45 degrees to the image right about the hips.
    q = standing()
    for j in (lm.L_SHOULDER, lm.R_SHOULDER):
        q[j, 0] += 0.3
    lean = joint_angles(q)
    assert lean["trunk_lean"] == pytest.approx(45, abs=0.5) and lean["trunk_tilt"] == pytest.approx(45, abs=0.5)


def test_aspect_ratio_keeps_right_angles_right():
    p = standing()
    p[lm.L_HIP, :2], p[lm.L_KNEE, :2], p[lm.L_ANKLE, :2] = (0.5, 0.5), (0.6, 0.6), (0.5, 0.7)  # diagonal legs
    assert joint_angles(p)["left_knee"] == pytest.approx(90, abs=0.5)
    squeezed = p.copy()
    squeezed[:, 0] /= 16 / 9  # the same body in frame units of a 16:9 frame
    assert joint_angles(squeezed, aspect=16 / 9)["left_knee"] == pytest.approx(90, abs=0.5)
    assert abs(joint_angles(squeezed)["left_knee"] - 90) > 5  # and it matters


def test_missing_landmarks_give_nan_not_nonsense():
    p = standing()
    p[lm.L_WRIST, :2] = np.nan
    a = joint_angles(p)
    assert math.isnan(a["left_elbow"]) and not math.isnan(a["right_elbow"])
    p = standing()
    p[lm.R_KNEE, 3] = 0.1
    assert math.isnan(joint_angles(p, min_visibility=0.5)["right_knee"])
    with pytest.raises(ValueError, match="33"):
        joint_angles(np.zeros((17, 3)))


def test_real_photo_cameraman_has_bent_arms_and_upright_trunk():
    """skimage's cameraman holds a camera to his eye: both elbows sharply bent, trunk near upright."""
    from runtime.perception import samples

    person = samples.detect_photo("camera")
    a = joint_angles(person.landmarks)
    # His right hand is at his eye (elbow folded); his left reaches forward under the camera.
    assert 20 < a["right_elbow"] < 100 and 60 < a["left_elbow"] < 150
    assert a["left_knee"] > 140 or not person.landmarks[25, 3] > 0.5  # a standing leg, where seen
    assert a["trunk_lean"] < 35
