"""Joint angles of one pose, in degrees, from MediaPipe's 33 landmarks.

`joint_angles(landmarks)` returns these names (stable: the posture classifier and the body model
are trained on them):

    left_elbow, right_elbow       angle at the elbow between upper arm and forearm
                                  (shoulder-elbow-wrist): 180 = straight arm, ~40 = fully bent.
    left_shoulder, right_shoulder angle at the shoulder between the trunk side and the upper arm
                                  (hip-shoulder-elbow): 0 = arm hanging along the body,
                                  90 = arm out horizontally, 180 = arm straight overhead.
    left_hip, right_hip           angle at the hip between the trunk side and the thigh
                                  (shoulder-hip-knee): 180 = standing straight, 90 = sitting,
                                  <90 = folded forward (child's pose, downward dog ~ 70-90).
    left_knee, right_knee         angle at the knee (hip-knee-ankle): 180 = straight leg.
    left_ankle, right_ankle       angle at the ankle (knee-ankle-foot_index): ~90-120 standing.
    legs_spread                   angle at the mid-hip between the two thighs (left knee - mid-hip -
                                  right knee): ~0-15 feet together, ~60-90 warrior II / triangle.
    trunk_lean                    angle of the trunk (mid-hip -> mid-shoulder) from straight up,
                                  unsigned: 0 = upright, 90 = horizontal (plank, warrior III),
                                  180 = upside down.
    trunk_tilt                    the same trunk vector's signed sideways lean in the image plane:
                                  positive when the shoulders are to the image's right of the hips,
                                  -90..90 (folds a horizontal trunk onto the side it points to).

"left" and "right" are the person's own sides, as MediaPipe labels them. Angles between three points
are unsigned (0..180). By default they are measured in the image plane (x, y), with x scaled by the
frame's aspect ratio (width / height) so that a right angle on a 16:9 frame stays 90 degrees; pass
landmarks already in square units with aspect=1 (the default). `use_z=True` adds MediaPipe's depth
column (same scale as x), which is noisy from a single camera. An angle whose landmarks are missing
(non-finite, or visibility below `min_visibility` when the 4th column is there) is NaN.
"""

from __future__ import annotations

import numpy as np

from body import landmarks as lm  # name -> (a, vertex, b): the angle at `vertex` between the rays to a and b.

THREE_POINT: dict[str, tuple[int, int, int]] = {
    "left_elbow": (lm.L_SHOULDER, lm.L_ELBOW, lm.L_WRIST),
    "right_elbow": (lm.R_SHOULDER, lm.R_ELBOW, lm.R_WRIST),
    "left_shoulder": (lm.L_HIP, lm.L_SHOULDER, lm.L_ELBOW),
    "right_shoulder": (lm.R_HIP, lm.R_SHOULDER, lm.R_ELBOW),
    "left_hip": (lm.L_SHOULDER, lm.L_HIP, lm.L_KNEE),
    "right_hip": (lm.R_SHOULDER, lm.R_HIP, lm.R_KNEE),
    "left_knee": (lm.L_HIP, lm.L_KNEE, lm.L_ANKLE),
    "right_knee": (lm.R_HIP, lm.R_KNEE, lm.R_ANKLE),
    "left_ankle": (lm.L_KNEE, lm.L_ANKLE, lm.L_FOOT),
    "right_ankle": (lm.R_KNEE, lm.R_ANKLE, lm.R_FOOT),
}
ANGLE_NAMES: tuple[str, ...] = (*THREE_POINT, "legs_spread", "trunk_lean", "trunk_tilt")


def _angle(a: np.ndarray, v: np.ndarray, b: np.ndarray) -> float:
    u, w = a - v, b - v
    nu, nw = float(np.linalg.norm(u)), float(np.linalg.norm(w))
    if not (nu > 1e-9 and nw > 1e-9):
        return float("nan")
    cos = float(np.dot(u, w)) / (nu * nw)
    return float(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))


def points(landmarks: np.ndarray, aspect: float = 1.0, use_z: bool = False,
           min_visibility: float = 0.0) -> np.ndarray:
    """The (33, 2 or 3) points the angles are measured on; missing landmarks are NaN rows."""
    arr = np.asarray(landmarks, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[0] != lm.COUNT or arr.shape[1] < 2 + int(use_z):
        raise ValueError(f"landmarks must be shaped (33, >=3), got {arr.shape}")
    p = arr[:, : 3 if use_z else 2].copy()
    p[:, 0] *= aspect
    if use_z:
        p[:, 2] *= aspect  # MediaPipe's z has the scale of x
    if arr.shape[1] >= 4 and min_visibility > 0.0:
        p[arr[:, 3] < min_visibility] = np.nan
    return p


def joint_angles(landmarks: np.ndarray, aspect: float = 1.0, use_z: bool = False,
                 min_visibility: float = 0.0) -> dict[str, float]:
    """Joint angles in degrees keyed by ANGLE_NAMES (see the module docstring for definitions)."""
    p = points(landmarks, aspect, use_z, min_visibility)
    out = {name: _angle(p[a], p[v], p[b]) for name, (a, v, b) in THREE_POINT.items()}
    mid_hip = (p[lm.L_HIP] + p[lm.R_HIP]) / 2
    mid_shoulder = (p[lm.L_SHOULDER] + p[lm.R_SHOULDER]) / 2
    out["legs_spread"] = _angle(p[lm.L_KNEE], mid_hip, p[lm.R_KNEE])
    trunk = mid_shoulder - mid_hip
    up = np.zeros_like(trunk)
    up[1] = -1.0  # image y grows downwards
    out["trunk_lean"] = _angle(mid_hip + trunk, mid_hip, mid_hip + up)
    if np.all(np.isfinite(trunk[:2])) and np.hypot(trunk[0], trunk[1]) > 1e-9:
        tilt = float(np.degrees(np.arctan2(trunk[0], -trunk[1])))  # 0 = up, +90 = to the image right
        out["trunk_tilt"] = 180.0 - tilt if tilt > 90 else (-180.0 - tilt if tilt < -90 else tilt)
    else:
        out["trunk_tilt"] = float("nan")
    return out


def angle_vector(landmarks: np.ndarray, aspect: float = 1.0, use_z: bool = False) -> np.ndarray:
    """The angles as a float array in ANGLE_NAMES order (for classifiers and similarity)."""
    a = joint_angles(landmarks, aspect, use_z)
    return np.array([a[n] for n in ANGLE_NAMES], dtype=np.float64)
