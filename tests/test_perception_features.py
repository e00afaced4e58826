"""Per-person and group features, on constructed poses where the right answer is known."""

from __future__ import annotations

import math

import numpy as np
import pytest

from body import landmarks as lm
from runtime.frames import CameraFrame, Person
from runtime.perception import samples
from runtime.perception.features import FeatureExtractor, FeatureParams, normalised_pose
from tests.test_perception_angles import standing

W, H = 1280, 720


def placed(pose: np.ndarray, x: float, scale: float) -> np.ndarray:
    """The square-unit pose scaled and moved to body-centre x on a 16:9 frame (y kept around 0.5)."""
    p = pose.copy()
    p[:, 0] = ((p[:, 0] - 0.5) * scale) / (W / H) + x
    p[:, 1] = (p[:, 1] - 0.45) * scale + 0.5
    return p


def arms(theta: float) -> np.ndarray:
    """Standing, both arms straight and raised by theta degrees from hanging (0) to overhead (180)."""
    p = standing()
    for s, e, w, sign in ((lm.L_SHOULDER, lm.L_ELBOW, lm.L_WRIST, 1), (lm.R_SHOULDER, lm.R_ELBOW, lm.R_WRIST, -1)):
        d = np.array([sign * math.sin(math.radians(theta)), math.cos(math.radians(theta))])
        p[e, :2] = p[s, :2] + 0.15 * d
        p[w, :2] = p[s, :2] + 0.3 * d
    return p


def test_hand_height_depth_and_position():
    fx = FeatureExtractor(FeatureParams(), W, H)
    down = fx.person(1, placed(arms(0), 0.3, 1.0), 0.0, np.zeros(2))
    up = fx.person(2, placed(arms(170), 0.3, 1.0), 0.0, np.zeros(2))
    assert down["hands_height"] < 0.5 < 1.5 < up["hands_height"]
    assert up["left_shoulder"] > 160 and down["left_shoulder"] < 10
    near = fx.person(3, placed(arms(0), 0.7, 1.0), 0.0, np.zeros(2))
    far = fx.person(4, placed(arms(0), 0.7, 0.5), 0.0, np.zeros(2))
    assert far["depth"] == pytest.approx(2 * near["depth"], rel=0.02)  # half the size: twice as far
    assert near["x"] == pytest.approx(0.7, abs=0.01) and near["room_x"] > 0 > down["room_x"]
    # A 0.3-frame-high torso on a 43-degree camera stands about 2 m away.
    assert 1.0 < near["depth"] < 3.0


def test_normalised_pose_ignores_position_and_size():
    a = normalised_pose(placed(arms(45), 0.3, 1.0), W / H)
    b = normalised_pose(placed(arms(45), 0.7, 0.6), W / H)
    c = normalised_pose(placed(arms(120), 0.7, 0.6), W / H)
    assert np.abs(a - b).max() < 1e-6 and np.abs(a - c).max() > 0.3


def _people_moving(fx: FeatureExtractor, thetas_a, thetas_b, xs=(0.3, 0.7)) -> list[Person]:
    people = []
    for k, (ta, tb) in enumerate(zip(thetas_a, thetas_b, strict=True)):
        t = k / 30
        people = []
        for pid, (theta, x) in enumerate(((ta, xs[0]), (tb, xs[1])), start=1):
            lms = placed(arms(theta), x, 1.0)
            people.append(Person(pid, lms, t, 1.0, fx.person(pid, lms, t, np.zeros(2))))
    return people


def test_synchrony_is_high_for_people_moving_together_and_low_otherwise():
    t = np.arange(60) / 30
    wave = 60 + 50 * np.sin(2 * np.pi * 0.8 * t)
    fx = FeatureExtractor(FeatureParams(), W, H)
    group = fx.group(_people_moving(fx, wave, wave))
    assert group.synchrony[(1, 2)] > 0.9
    rng = np.random.default_rng(5)
    fx2 = FeatureExtractor(FeatureParams(), W, H)
    other = 60 + np.cumsum(rng.normal(0, 8, 60))
    group2 = fx2.group(_people_moving(fx2, wave, other))
    assert group2.synchrony[(1, 2)] < 0.5
    people = _people_moving(FeatureExtractor(FeatureParams(), W, H), wave, wave)
    assert people[0].features["motion_energy"] >= 0


def test_near_pairs_and_distances():
    fx = FeatureExtractor(FeatureParams(near_m=1.0), W, H)
    people = _people_moving(fx, [0, 0], [0, 0], xs=(0.45, 0.55))
    g = fx.group(people)
    assert g.near == [(1, 2)] and g.distances[(1, 2)] < 1.0
    assert people[0].features["neighbours"] == 1 and people[0].features["nearest_distance"] < 1.0
    fx = FeatureExtractor(FeatureParams(near_m=1.0), W, H)
    people = _people_moving(fx, [0, 0], [0, 0], xs=(0.1, 0.9))
    assert fx.group(people).near == []


def test_tracker_results_carry_the_features():
    from runtime.perception import PoseTracker

    comp = samples.side_by_side(("astronaut", "grace_hopper"))
    tracker = PoseTracker({"spare_landmarkers": 0})
    r = tracker.process(CameraFrame(comp.image, 0.0, 0, "test"), still=True)
    tracker.stop()
    assert len(r.people) == 2 and r.group.count == 2 and (1, 2) in r.group.distances
    for p in r.people:
        for key in ("left_elbow", "trunk_lean", "x", "depth", "room_x", "speed", "motion_energy", "hands_height",
                    "score", "missing", "smoothing_lag", "nearest_distance", "synchrony"):
            assert key in p.features, key
