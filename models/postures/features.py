"""Feature vectors of a pose for the posture classifier (the same code at training and run time).

Per person, all in the image plane: the joint angles of body.angles except the ankles, and the 23
landmarks of the head, trunk and limbs (hands' and feet's small points left out) centred on the
mid-hip and scaled by the body's size. MediaPipe's depth, its visibilities and the hand and foot
points are not used: on real photographs they differ most from the body model's (visibilities near
1 where the body model lowers them, feet pointing elsewhere), and leaving them out raised top-1 on
photographs of held-out sources from 0.45 to 0.70 (MODEL_CARD.md). Angles are computed here in
batches with the same definitions as `body.angles.joint_angles` (a test holds them equal).
`whole_body_in_frame` tells whether hips, knees and ankles are inside the picture: the classifier
answers `none` when they are not (MediaPipe then guesses the legs).
"""

from __future__ import annotations

import numpy as np

from body import landmarks as lm
from body.angles import ANGLE_NAMES, THREE_POINT

MIN_VISIBILITY = 0.3  # joints below this are treated as missing in the angles
N_ANGLES = len(ANGLE_NAMES)
_ANKLES = [ANGLE_NAMES.index("left_ankle"), ANGLE_NAMES.index("right_ankle")]
FEATURE_ANGLES = [i for i in range(N_ANGLES) if i not in _ANKLES]
FEATURE_POINTS = [j for j in range(33) if j not in (17, 18, 19, 20, 21, 22, 29, 30, 31, 32)]
N_FEATURES = len(FEATURE_ANGLES) + 2 * len(FEATURE_POINTS)
LEG_POINTS = [lm.L_HIP, lm.R_HIP, lm.L_KNEE, lm.R_KNEE, lm.L_ANKLE, lm.R_ANKLE]
FRAME_MARGIN = 0.02  # fraction of the frame a leg joint may lie outside it
_ABC = np.array(list(THREE_POINT.values()))  # (10, 3)
_TILT = ANGLE_NAMES.index("trunk_tilt")


def _angle_at(a: np.ndarray, v: np.ndarray, b: np.ndarray) -> np.ndarray:
    u, w = a - v, b - v
    nu, nw = np.linalg.norm(u, axis=-1), np.linalg.norm(w, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = np.sum(u * w, axis=-1) / (nu * nw)
    out = np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))
    return np.where((nu > 1e-9) & (nw > 1e-9), out, np.nan)


def points(landmarks: np.ndarray, aspect: float | np.ndarray, use_z: bool, min_visibility: float = 0.0) -> np.ndarray:
    """(N, 33, 2|3) points in square units (x and z scaled by the aspect, one number or one per person);
    missing joints NaN."""
    arr = np.asarray(landmarks, dtype=np.float64)
    p = arr[..., : 3 if use_z else 2].copy()
    a = np.asarray(aspect, dtype=np.float64)
    if a.ndim:
        a = a.reshape(-1, *([1] * (p.ndim - 2)))
    p[..., 0] *= a
    if use_z:
        p[..., 2] *= a
    if arr.shape[-1] >= 4 and min_visibility > 0:
        p[arr[..., 3] < min_visibility] = np.nan
    return p


def angle_matrix(landmarks: np.ndarray, aspect: float = 1.0, use_z: bool = False,
                 min_visibility: float = 0.0) -> np.ndarray:
    """(N, 33, >=3) landmarks -> (N, len(ANGLE_NAMES)) degrees, NaN where a joint is missing."""
    p = points(landmarks, aspect, use_z, min_visibility)
    n = p.shape[0]
    out = np.full((n, N_ANGLES), np.nan)
    out[:, : len(_ABC)] = _angle_at(p[:, _ABC[:, 0]], p[:, _ABC[:, 1]], p[:, _ABC[:, 2]])
    mid_hip = (p[:, lm.L_HIP] + p[:, lm.R_HIP]) / 2
    mid_sh = (p[:, lm.L_SHOULDER] + p[:, lm.R_SHOULDER]) / 2
    out[:, ANGLE_NAMES.index("legs_spread")] = _angle_at(p[:, lm.L_KNEE], mid_hip, p[:, lm.R_KNEE])
    trunk = mid_sh - mid_hip
    up = np.zeros_like(trunk)
    up[:, 1] = -1.0
    out[:, ANGLE_NAMES.index("trunk_lean")] = _angle_at(mid_hip + trunk, mid_hip, mid_hip + up)
    tilt = np.degrees(np.arctan2(trunk[:, 0], -trunk[:, 1]))
    tilt = np.where(tilt > 90, 180.0 - tilt, np.where(tilt < -90, -180.0 - tilt, tilt))
    ok = np.isfinite(trunk[:, :2]).all(axis=1) & (np.hypot(trunk[:, 0], trunk[:, 1]) > 1e-9)
    out[:, _TILT] = np.where(ok, tilt, np.nan)
    return out


def normalised_landmarks(landmarks: np.ndarray, aspect: float = 1.0) -> np.ndarray:
    """(N, 33, 3): centred on the mid-hip, in units of the body's size (torso or overall extent)."""
    p = points(landmarks, aspect, use_z=True)
    mid_hip = (p[:, lm.L_HIP] + p[:, lm.R_HIP]) / 2
    mid_sh = (p[:, lm.L_SHOULDER] + p[:, lm.R_SHOULDER]) / 2
    torso = np.linalg.norm((mid_sh - mid_hip)[:, :2], axis=1)
    extent = np.ptp(p[:, :, :2], axis=1).max(axis=1)
    scale = np.maximum(torso, 0.3 * extent) + 1e-6
    return (p - mid_hip[:, None, :]) / scale[:, None, None]


def feature_matrix(landmarks: np.ndarray, aspect: float | np.ndarray = 16 / 9) -> np.ndarray:
    """(N, 33, 4) landmarks (x, y, z, visibility) -> (N, N_FEATURES) float32 (aspect: width / height of
    the frame, one number or one per person)."""
    lms = np.asarray(landmarks, dtype=np.float64)
    if lms.ndim == 2:
        lms = lms[None]
    if lms.shape[1:] != (33, 4):
        raise ValueError(f"landmarks must be shaped (N, 33, 4) or (33, 4), got {np.shape(landmarks)}")
    a2 = angle_matrix(lms, aspect, use_z=False, min_visibility=MIN_VISIBILITY)
    a2[:, :_TILT] /= 180.0
    a2[:, _TILT] /= 90.0
    ang = np.nan_to_num(a2[:, FEATURE_ANGLES], nan=0.5)
    norm = np.clip(np.nan_to_num(normalised_landmarks(lms, aspect)), -4.0, 4.0)[:, FEATURE_POINTS, :2]
    return np.concatenate([ang, norm.reshape(len(lms), -1)], axis=1).astype(np.float32)


def whole_body_in_frame(landmarks: np.ndarray, margin: float = FRAME_MARGIN) -> np.ndarray:
    """(N,) bool: hips, knees and ankles all inside the frame (normalised coordinates, with a margin)."""
    lms = np.asarray(landmarks, dtype=np.float64)
    if lms.ndim == 2:
        lms = lms[None]
    xy = lms[:, LEG_POINTS, :2]
    return np.all((xy > -margin) & (xy < 1.0 + margin), axis=(1, 2))
