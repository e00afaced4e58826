"""Two-link analytic inverse kinematics for the arms (shoulder -> elbow -> wrist).

Solved in 3D (the wrist targets have depth: hands work in front of the body) and projected: an arm
reaching forward is foreshortened in the picture instead of being forced flat into it. The wrist fixes
the elbow's distance from the shoulder-wrist line; where on that circle it goes is chosen the way
elbows hang: low, out to the arm's own side, not far behind the body.
"""

from __future__ import annotations

import math

import numpy as np

from signlang.handshapes import cross

_ANGLES = np.linspace(0.0, 2.0 * math.pi, 48, endpoint=False)
_COS, _SIN = np.cos(_ANGLES), np.sin(_ANGLES)


def two_link(shoulder: np.ndarray, target: np.ndarray, upper: float, fore: float,
             outward: float) -> tuple[np.ndarray, np.ndarray]:
    """(elbow, wrist) in 3D for a wrist reaching for target; an out-of-reach target is approached along
    the line to it. outward: the x sign of the arm's own side (-1 for the signer's right)."""
    shoulder = np.asarray(shoulder, np.float64)
    delta = np.asarray(target, np.float64) - shoulder
    dist = float(np.linalg.norm(delta))
    lo, hi = abs(upper - fore) + 1e-4, upper + fore - 1e-4
    axis = delta / dist if dist > 1e-9 else np.array([0.0, 1.0, 0.0])
    reach = min(max(dist, lo), hi)
    wrist = shoulder + axis * reach
    # Law of cosines: how far along the line the elbow's circle is, and its radius.
    along = (upper * upper - fore * fore + reach * reach) / (2.0 * reach)
    radius = math.sqrt(max(upper * upper - along * along, 0.0))
    helper = np.array([0.0, 0.0, 1.0]) if abs(axis[2]) < 0.9 else np.array([1.0, 0.0, 0.0])
    e1 = cross(axis, helper)
    e1 /= math.sqrt(float(e1 @ e1))
    e2 = cross(axis, e1)
    centre = shoulder + axis * along
    circle = centre + radius * (_COS[:, None] * e1 + _SIN[:, None] * e2)  # (48, 3) candidate elbows
    # The elbow goes as near as the wrist allows to where a hanging arm has it (below the shoulder, beside
    # the body); as the hand rises towards the head that place moves out to the side and up, so a forearm
    # does not cross the face.
    high = min(max((0.5 - float(wrist[1] - shoulder[1])) / 0.9, 0.0), 1.0)
    rest = shoulder + np.array([(0.05 + 0.6 * high) * outward, upper * (1.0 - 0.6 * high), 0.5 * high])
    elbow = circle[int(np.argmin(((circle - rest) ** 2).sum(axis=1)))]
    return elbow, wrist
