"""How well a posture is done: a score, the joints furthest off, and feedback a person understands.

The score is additive over joints: each reference angle loses up to its weight as its deviation
grows past half its tolerance. Because the score is a sum of per-joint terms, each joint's share of
the loss is its exact attribution (what SHAP values give for an additive model), so the feedback
names the joints that cost the most, with the direction to move them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from body.angles import joint_angles
from body.postures import REFERENCE_ANGLES, Posture

MIN_VISIBILITY = 0.3


@dataclass
class JointDeviation:
    name: str  # e.g. "left_knee"
    measured: float
    reference: float
    tolerance: float
    loss: float  # this joint's share of (1 - score), its attribution

    @property
    def deviation(self) -> float:
        return self.measured - self.reference


@dataclass
class Assessment:
    posture: str
    score: float  # 0..1, 1 = every joint at its reference
    mirrored: bool  # done with the right side leading
    joints: list[JointDeviation] = field(default_factory=list)  # sorted, largest loss first
    feedback: list[str] = field(default_factory=list)


def _joint_loss(dev: float, tol: float) -> float:
    """0 within half the tolerance, rising smoothly to 1 at about twice the tolerance."""
    excess = max(0.0, abs(dev) - 0.5 * tol) / tol
    return 1.0 - math.exp(-1.5 * excess * excess)


def measured_angles(landmarks: np.ndarray, aspect: float = 16 / 9) -> dict[str, float]:
    """Joint angles of one person in the image plane, NaN where joints are not seen.

    MediaPipe's depth is left out: on real photographs it bends the angles far more than the view does
    (median elbow of real mountain-pose photos: 95 deg with depth, 170 without; warrior II trunk lean 21
    deg with depth, 4 without; models/postures/MODEL_CARD.md)."""
    return joint_angles(np.asarray(landmarks, dtype=np.float64), aspect=aspect, use_z=False,
                        min_visibility=MIN_VISIBILITY)


# Which side leads an asymmetric posture is read from the joints that place the limbs (hips, shoulders)
# and the trunk: a knee or elbow done wrong must be corrected, not taken for the other side leading.
_PLACING = ("left_shoulder", "right_shoulder", "left_hip", "right_hip", "trunk_lean")


def assess(posture: Posture, angles: dict[str, float], max_feedback: int = 2) -> Assessment:
    """Score `angles` against a posture led by either side: the side whose hips, shoulders and trunk fit
    better leads (ties: the better score)."""
    best: Assessment | None = None
    best_placing = 0.0
    for mirrored, ref in ((False, posture), (True, posture.mirrored())):
        joints: list[JointDeviation] = []
        for name in REFERENCE_ANGLES:
            value = angles.get(name, float("nan"))
            r, tol = ref.angles[name]
            if not math.isfinite(value):
                continue  # unseen joints neither help nor hurt
            joints.append(JointDeviation(name, value, r, tol, _joint_loss(value - r, tol)))
        if not joints:
            continue
        total = len(joints)
        for j in joints:
            j.loss /= total
        score = 1.0 - sum(j.loss for j in joints)
        candidate = Assessment(posture.name, score, mirrored, sorted(joints, key=lambda j: -j.loss))
        placing = sum(j.loss for j in joints if j.name in _PLACING)
        if best is None or (placing, -score) < (best_placing, -best.score):
            best, best_placing = candidate, placing
    if best is None:
        return Assessment(posture.name, 0.0, False)
    direction = (posture.mirrored() if best.mirrored else posture).body.trunk_direction
    best.feedback = feedback(best.joints, max_feedback, trunk_direction=direction)
    return best


def _side(name: str) -> tuple[str, str]:
    side, _, joint = name.partition("_")
    return side, joint


def _trunk_phrase(j: JointDeviation, direction: str) -> str:
    more = j.deviation < 0  # the trunk should lean further than it does
    if j.reference < 20:
        return "lean a little further" if more else "stand up straighter"
    if direction == "back":
        return "lean back further" if more else "lean back a little less"
    if direction in ("left", "right"):
        return f"tilt the trunk further to the {direction}" if more else "lift the trunk a little"
    return "fold further forward" if more else "lift the chest a little"


def phrase(j: JointDeviation, trunk_direction: str = "forward") -> str:
    """One correction in plain words, from a joint and the sign of its deviation."""
    if j.name == "trunk_lean":
        return _trunk_phrase(j, trunk_direction)
    side, joint = _side(j.name)
    bigger = j.deviation < 0  # the angle should open
    if joint in ("knee", "elbow"):
        if bigger:
            return f"straighten the {side} {joint}" if j.reference >= 150 else f"bend the {side} {joint} less"
        return f"bend the {side} {joint} more"
    if joint == "shoulder":
        return f"raise the {side} arm" if bigger else f"lower the {side} arm"
    if joint == "hip":
        if bigger:
            return f"straighten the {side} hip" if j.reference >= 150 else f"fold less at the {side} hip"
        return f"fold more at the {side} hip"
    return f"adjust the {side} {joint}"


def feedback(joints: list[JointDeviation], max_items: int = 2, min_loss: float = 0.01,
             trunk_direction: str = "forward") -> list[str]:
    """Phrases for the joints that cost the most, largest first."""
    out: list[str] = []
    for j in joints:
        if j.loss < min_loss or len(out) >= max_items:
            break
        text = phrase(j, trunk_direction)
        if text not in out:
            out.append(text)
    return out
