"""Handshapes as finger joint angles, and the 3D hand they make.

A FingerPose is a (5, 4) array, one row per digit (thumb, index, middle, ring, pinky):
  [base flexion, middle-joint flexion, end-joint flexion, spread], radians. Flexion bends toward the palm.
For the thumb the columns are [opposition (toward the palm), base flexion, end flexion, abduction].
The hand is built in its own frame (f: towards the fingers, p: the way the palm faces, t: thumb side)
and rotated into the body frame by the orientation.
"""

from __future__ import annotations

import math

import numpy as np

from signlang.hamnosys.tree import Handshape

DIGIT_ORDER = ("thumb", "index", "middle", "ring", "pinky")
DIGIT_SYMBOLS = {"hamthumb": 0, "hamindexfinger": 1, "hammiddlefinger": 2, "hamringfinger": 3, "hampinky": 4}

D = math.radians
STRAIGHT = (0.0, 0.0, 0.0)
CLOSED = (D(88), D(100), D(65))  # curled into the fist
BENT = (D(85), D(5), D(5))  # bent at the base joint only
HOOKED = (D(5), D(95), D(70))  # claw: bent at the middle and end joints
DOUBLE_BENT = (D(60), D(70), D(20))
DOUBLE_HOOKED = (D(45), D(110), D(85))
ROUND = (D(40), D(45), D(25))  # the C shape
PINCH = (D(55), D(60), D(30))  # fingertip meeting the thumb tip

# Thumb rows: opposition (out of the palm plane), middle-joint flexion, end flexion, abduction (within the
# palm plane, away from the index). ACROSS, PINCH and ROUND were fitted so that the thumb tip lies on the
# curled middle finger, meets the pinching index tip, and stands opposite the index in a C.
THUMB_ALONG = (D(0), D(5), D(5), D(15))  # alongside the index (flat hand)
THUMB_ACROSS = (D(30), D(18), D(66), D(18))  # across the folded fingers
THUMB_OUT = (D(0), D(0), D(0), D(70))  # spread out to the side
THUMB_OPEN = (D(45), D(10), D(5), D(45))  # opposed, away from the palm
THUMB_ROUND = (D(42), D(18), D(0), D(18))  # the C
THUMB_PINCH = (D(42), D(6), D(24), D(18))  # tip meeting the index tip

BEND_MOD_ANGLES = {
    "hamfingerstraightmod": STRAIGHT,
    "hamfingerbendmod": BENT,
    "hamfingerhookmod": HOOKED,
    "hamdoublebent": DOUBLE_BENT,
    "hamdoublehooked": DOUBLE_HOOKED,
}
THUMB_MOD_ANGLES = {"hamthumboutmod": THUMB_OUT, "hamthumbacrossmod": THUMB_ACROSS, "hamthumbopenmod": THUMB_OPEN}


def _pose(thumb: tuple, fingers: list[tuple], spread: float = 0.0) -> np.ndarray:
    out = np.zeros((5, 4), np.float32)
    out[0] = thumb
    for i, f in enumerate(fingers, 1):
        out[i, :3] = f
        out[i, 3] = spread * (2.5 - i) / 1.5  # index spreads one way, pinky the other
    return out


# Base handshapes: (pose, which fingers are "selected", i.e. the ones bending modifiers apply to).
BASE_SHAPES: dict[str, tuple[np.ndarray, tuple[int, ...]]] = {
    "hamfist": (_pose(THUMB_ACROSS, [CLOSED] * 4), (1, 2, 3, 4)),
    "hamflathand": (_pose(THUMB_ALONG, [STRAIGHT] * 4), (1, 2, 3, 4)),
    "hamfinger2": (_pose(THUMB_ACROSS, [STRAIGHT, CLOSED, CLOSED, CLOSED]), (1,)),
    "hamfinger23": (_pose(THUMB_ACROSS, [STRAIGHT, STRAIGHT, CLOSED, CLOSED]), (1, 2)),
    "hamfinger23spread": (_pose(THUMB_ACROSS, [STRAIGHT, STRAIGHT, CLOSED, CLOSED], D(12)), (1, 2)),
    "hamfinger2345": (_pose(THUMB_ACROSS, [STRAIGHT] * 4, D(10)), (1, 2, 3, 4)),
    "hampinch12": (_pose(THUMB_PINCH, [PINCH, CLOSED, CLOSED, CLOSED]), (1,)),
    "hampinchall": (_pose(THUMB_PINCH, [PINCH] * 4), (1, 2, 3, 4)),
    "hampinch12open": (_pose(THUMB_PINCH, [PINCH, STRAIGHT, STRAIGHT, STRAIGHT], D(6)), (1,)),
    "hamcee12": (_pose(THUMB_ROUND, [ROUND, CLOSED, CLOSED, CLOSED]), (1,)),
    "hamceeall": (_pose(THUMB_ROUND, [ROUND] * 4), (1, 2, 3, 4)),
    "hamceeopen": (_pose(THUMB_ROUND, [ROUND, STRAIGHT, STRAIGHT, STRAIGHT], D(6)), (1,)),
}
RELAXED = _pose((D(15), D(10), D(10), D(25)), [(D(15), D(20), D(10))] * 4, D(3))


def finger_pose(shape: Handshape | None) -> np.ndarray:
    """Joint angles for a parsed handshape: base shape, thumb, bending, finger-specific parts, between."""
    if shape is None or shape.base not in BASE_SHAPES:
        return RELAXED.copy()
    pose, selected = BASE_SHAPES[shape.base]
    pose = pose.copy()
    if shape.thumb:
        pose[0] = THUMB_MOD_ANGLES[shape.thumb]
    if shape.bend:
        for i in selected:
            pose[i, :3] = BEND_MOD_ANGLES[shape.bend]
    for spec in shape.fingers:
        digits = [DIGIT_SYMBOLS[d] for d in spec.digits if d in DIGIT_SYMBOLS]
        bend = next((m for m in spec.modifiers if m in BEND_MOD_ANGLES), None)
        thumb = next((m for m in spec.modifiers if m in THUMB_MOD_ANGLES), None)
        for i in digits:
            if i == 0:
                pose[0] = THUMB_MOD_ANGLES[thumb] if thumb else THUMB_OUT
            elif bend is not None:
                pose[i, :3] = BEND_MOD_ANGLES[bend]
            elif not spec.parts:  # a named finger with no modifier is extended as well
                pose[i, :3] = STRAIGHT
        if spec.parts and shape.thumb is None:  # the thumb meets these fingers' pads, nails ...
            pose[0] = THUMB_PINCH
    if shape.between is not None:
        pose = 0.5 * (pose + finger_pose(shape.between))
    return pose


# --- the 3D hand ---------------------------------------------------------------------------------
# Hand frame coordinates (t: thumb side, f: finger direction) of the knuckles and segment lengths,
# for a hand 0.45 shoulder widths long.
_KNUCKLES = {1: (0.065, 0.215), 2: (0.02, 0.225), 3: (-0.025, 0.215), 4: (-0.065, 0.195)}
_SEGMENTS = {1: (0.105, 0.065, 0.05), 2: (0.115, 0.075, 0.052), 3: (0.108, 0.07, 0.05), 4: (0.085, 0.053, 0.045)}
_THUMB_CMC = (0.05, 0.045)
_THUMB_SEGMENTS = (0.1, 0.078, 0.065)


def cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cross product of two 3-vectors (np.cross costs ~20x more for one pair)."""
    a0, a1, a2 = float(a[0]), float(a[1]), float(a[2])
    b0, b1, b2 = float(b[0]), float(b[1]), float(b[2])
    return np.array([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0])


def _rot(v: np.ndarray, axis: np.ndarray, angle: float) -> np.ndarray:
    """Rodrigues rotation of v about the unit axis."""
    c, s = math.cos(angle), math.sin(angle)
    return v * c + cross(axis, v) * s + axis * float(np.dot(axis, v)) * (1 - c)


_CACHE: dict[bytes, np.ndarray] = {}
_CACHE_SIZE = 4096


def hand_points(pose: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """21 joints (MediaPipe order) in the hand frame: columns (t, f, p), wrist at the origin."""
    key = np.asarray(pose, np.float32).tobytes()
    cached = _CACHE.get(key)
    if cached is None:
        if len(_CACHE) >= _CACHE_SIZE:  # held handshapes repeat; a full cache just starts over
            _CACHE.clear()
        cached = _CACHE[key] = _hand_points(pose)
    return cached * scale


def _hand_points(pose: np.ndarray) -> np.ndarray:
    f = np.array([0.0, 1.0, 0.0])
    p = np.array([0.0, 0.0, 1.0])
    pts = np.zeros((21, 3))
    for digit in range(1, 5):
        flex1, flex2, flex3, spread = (float(a) for a in pose[digit])
        kt, kf = _KNUCKLES[digit]
        base = np.array([kt, kf, 0.0])
        direction = _rot(f, p, -spread)  # spread within the palm plane (towards the thumb for index)
        hinge = cross(direction, p)
        hinge /= np.linalg.norm(hinge)
        j = 1 + 4 * digit
        pts[j] = base
        angle = 0.0
        for k, (length, flex) in enumerate(zip(_SEGMENTS[digit], (flex1, flex2, flex3), strict=True)):
            angle += flex
            seg = _rot(direction, hinge, angle)  # flexion curls towards the palm (+p)
            pts[j + k + 1] = pts[j + k] + seg * length
    opposition, flex1, flex2, abduction = (float(a) for a in pose[0])
    t = np.array([1.0, 0.0, 0.0])
    pts[1] = np.array([_THUMB_CMC[0], _THUMB_CMC[1], 0.0])
    # The thumb's metacarpal leaves the wrist between the fingers' direction and the thumb side
    # (abduction), swung out in front of the palm by opposition; its joints bend towards the pinky side
    # in front of the palm.
    m = math.cos(abduction) * f + math.sin(abduction) * t
    m = math.cos(opposition) * m + math.sin(opposition) * p
    bend_towards = np.array([-1.0, 0.25, 0.7])
    angle = 0.0
    for k, (length, flex) in enumerate(zip(_THUMB_SEGMENTS, (0.0, flex1, flex2), strict=True)):
        angle += flex
        side = bend_towards - float(np.dot(bend_towards, m)) * m
        side /= max(float(np.linalg.norm(side)), 1e-9)
        seg = math.cos(angle) * m + math.sin(angle) * side
        pts[2 + k] = pts[1 + k] + seg * length
    return pts


def palm_centre(points: np.ndarray) -> np.ndarray:
    return (points[0] + points[5] + points[17] + points[9]) / 4.0
