"""Posture definitions and the body model: the skeleton reproduces every posture's reference angles."""

from __future__ import annotations

import numpy as np
import pytest

from body import body_model as bm
from body.angles import ANGLE_NAMES, joint_angles
from body.postures import REFERENCE_ANGLES, load_postures, load_sequences, parse_postures
from models.postures.features import angle_matrix, feature_matrix

YOGA_FIRST = ("mountain", "tree", "warrior_1", "warrior_2", "warrior_3", "triangle", "chair", "downward_dog",
              "cobra", "plank", "child", "cat", "cow", "bridge", "boat")


def test_at_least_twelve_postures_yoga_first_each_with_a_source():
    postures = load_postures()
    assert len(postures) >= 12
    assert set(YOGA_FIRST) <= set(postures)
    for p in postures.values():
        assert len(p.source) > 20, p.name
        assert set(p.angles) == set(REFERENCE_ANGLES)
    for steps in load_sequences().values():
        assert all(s in postures for s in steps)


@pytest.mark.parametrize("name", sorted(load_postures()))
def test_body_model_reproduces_reference_angles_in_3d(name):
    """The skeleton posed by a posture, seen from any side by a distant camera, measures its reference
    angles (near cameras add a few degrees of perspective, as with MediaPipe)."""
    p = load_postures()[name]
    for q in (p, p.mirrored()):
        for yaw in (0.0, 35.0, 120.0):
            lm = bm.front_view(bm.params_for(q), yaw=yaw, distance=40.0)
            a = joint_angles(lm, aspect=16 / 9, use_z=True)
            for n in REFERENCE_ANGLES:
                assert a[n] == pytest.approx(q.angles[n][0], abs=1.0), (name, yaw, n)


def test_varied_postures_stay_within_tolerance():
    rng = np.random.default_rng(3)
    for p in load_postures().values():
        for _ in range(5):
            v = bm.vary(p, rng)
            pts = bm.skeleton(v, bm.Body.random(rng)) * np.array([1, -1, 1])
            a = joint_angles(pts, use_z=True)
            for n in REFERENCE_ANGLES:
                ref, tol = p.angles[n]
                assert abs(a[n] - ref) <= tol + 1e-6, (p.name, n, a[n], ref, tol)


def test_observed_landmarks_look_like_mediapipe():
    rng = np.random.default_rng(0)
    lm = bm.sample_landmarks(bm.params_for(load_postures()["mountain"]), rng)
    assert lm.shape == (33, 4) and lm.dtype == np.float32
    assert np.all((lm[:, 3] >= 0) & (lm[:, 3] <= 1))
    hip_z = (lm[23, 2] + lm[24, 2]) / 2
    assert abs(hip_z) < 0.05  # z is relative to the mid-hip, as MediaPipe's


def test_batch_angles_equal_the_perception_angles():
    rng = np.random.default_rng(1)
    lms = np.stack([bm.sample_landmarks(bm.random_params(rng), rng) for _ in range(20)])
    for use_z in (False, True):
        batch = angle_matrix(lms, 16 / 9, use_z=use_z)
        for lm, row in zip(lms, batch, strict=True):
            ref = joint_angles(lm, aspect=16 / 9, use_z=use_z)
            np.testing.assert_allclose(row, [ref[n] for n in ANGLE_NAMES], atol=1e-6, equal_nan=True)
    feats = feature_matrix(lms)
    assert feats.shape[0] == 20 and np.isfinite(feats).all()


def test_bad_definition_names_the_posture_and_key():
    good = {"angles": {n: [170, 10] for n in REFERENCE_ANGLES}, "source": "somewhere, with values"}
    with pytest.raises(ValueError, match="postures.x.angles.left_knee"):
        parse_postures({"postures": {"x": {**good, "angles": {**good["angles"], "left_knee": [200, 10]}}}})
    with pytest.raises(ValueError, match="unknown angle 'left_toe'"):
        parse_postures({"postures": {"x": {**good, "angles": {**good["angles"], "left_toe": [1, 1]}}}})
    with pytest.raises(ValueError, match="trunk_direction: 'up'; allowed"):
        parse_postures({"postures": {"x": {**good, "body": {"trunk_direction": "up"}}}})
    with pytest.raises(ValueError, match="'source'"):
        parse_postures({"postures": {"x": {"angles": good["angles"]}}})
