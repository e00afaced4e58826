"""Non-manual motion: the sign's hnm_* items as channels over time, and the face landmarks they move.

Channels (NONMANUAL_CHANNELS, one value each per frame):
  head_yaw, head_pitch, head_roll (radians; yaw > 0 turns the face to the viewer's right = the signer's
  left, pitch > 0 lowers the chin, roll > 0 tips the top of the head to the viewer's right), head_push
  (forward > 0, a fraction of the head size), brow_right, brow_left (1 raised, < 0 lowered/furrowed),
  brow_furrow (0..1, inner ends drawn together), lid_right, lid_left (upper lid opening, 1 normal, 0
  closed, > 1 wide), gaze_x, gaze_y (-1..1, x to the viewer's right, y down), mouth_open (0 closed ..
  1 wide open), mouth_wide (< 0 rounded/pursed, > 0 stretched), cheek_right, cheek_left (> 0 puffed,
  < 0 sucked in), shoulder_right, shoulder_left (raise, shoulder widths), shoulder_forward (hunch, 0..1),
  body_tilt (radians, > 0 to the viewer's right), body_turn (radians), body_lean (forward > 0), nose (wrinkle).

Face detail landmarks (FACE_DETAIL, in shoulder widths like the skeleton): the inner and outer end of
each eyebrow, the upper and lower lip, each upper eyelid and each cheek.

Items of one tier follow each other through the sign; different tiers run at the same time. Each
item ramps in and out; a nod (NO) or shake (SH) makes one full cycle per repetition.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable

import numpy as np

from signlang.hamnosys.tree import NonManual
from signlang.skeleton import (
    CHIN,
    FOREHEAD,
    HEAD,
    L_EAR,
    L_EYE,
    L_SHOULDER,
    MOUTH_L,
    MOUTH_R,
    NECK,
    NOSE,
    R_EAR,
    R_EYE,
    R_SHOULDER,
)

NONMANUAL_CHANNELS = [
    "head_yaw", "head_pitch", "head_roll", "head_push",
    "brow_right", "brow_left", "brow_furrow", "lid_right", "lid_left", "gaze_x", "gaze_y",
    "mouth_open", "mouth_wide", "cheek_right", "cheek_left",
    "shoulder_right", "shoulder_left", "shoulder_forward", "body_tilt", "body_turn", "body_lean", "nose",
]  # fmt: skip
CH = {name: i for i, name in enumerate(NONMANUAL_CHANNELS)}
FACE_DETAIL = [
    "right_eyebrow_inner", "right_eyebrow_outer", "left_eyebrow_inner", "left_eyebrow_outer",
    "upper_lip", "lower_lip", "right_upper_eyelid", "left_upper_eyelid", "right_cheek", "left_cheek",
]  # fmt: skip
NEUTRAL = np.zeros(len(NONMANUAL_CHANNELS), np.float32)
NEUTRAL[CH["lid_right"]] = NEUTRAL[CH["lid_left"]] = 1.0

# Sizes (shoulder widths, radians).
BROW_RAISE = 0.035  # eyebrow lift at brow = 1
BROW_FURROW_IN = 0.012  # inner ends drawn towards the midline
MOUTH_OPEN = 0.05  # lip gap at mouth_open = 1
LID_OPEN = 0.017  # upper lid above the eye centre, lid = 1
SHOULDER_RAISE = 0.07
NOD = 0.22  # radians of one nod
SHAKE = 0.38  # radians of one head shake
TURN = 0.42
TILT = 0.22
RAMP = 0.2  # seconds to reach an item's full extent
GAZE_HEAD_YAW = 0.3  # head LI: radians of head turn per unit of gaze
GAZE_HEAD_PITCH = 0.2

# Depth of each face anchor in front of the head's vertical axis (shoulder widths): how far it swings
# sideways when the head turns and up/down when it nods.
DEPTH = {FOREHEAD: 0.17, R_EYE: 0.15, L_EYE: 0.15, NOSE: 0.22, MOUTH_R: 0.17, MOUTH_L: 0.17, CHIN: 0.15,
         R_EAR: -0.02, L_EAR: -0.02, HEAD: 0.0}
DETAIL_DEPTH = np.array([0.17, 0.15, 0.17, 0.15, 0.19, 0.18, 0.16, 0.16, 0.13, 0.13], np.float32)

def _smooth(x: float) -> float:
    x = min(1.0, max(0.0, x))
    return x * x * (3 - 2 * x)


def _gesture(tag: str) -> dict[str, float]:
    """Mouth gestures (hnm_mouthgesture) as mouth and cheek channels: a reading of the tag groups."""
    kind, n = tag[0], int(tag[1:])
    if kind == "C":  # cheeks
        if n in (1, 2, 3):
            return {"cheek_right": 1.0, "cheek_left": 1.0, "mouth_wide": -0.3}
        if n in (4, 5, 6, 11):
            return {"cheek_right": 1.0, "mouth_wide": -0.2}
        if n in (7, 8):
            return {"cheek_right": -1.0, "cheek_left": -1.0, "mouth_wide": -0.5}
        return {"mouth_open": 0.2, "cheek_right": -0.4, "cheek_left": -0.4}
    if kind == "L":  # lips
        if n in (4, 19, 20, 22, 30, 35):
            return {"mouth_wide": -0.8}
        if n in (5, 6, 7, 10):
            return {"mouth_open": 0.55, "mouth_wide": -0.6}
        if n in (23, 24, 29, 31, 34):
            return {"mouth_wide": 0.6 if n == 34 else 0.2}
        return {"mouth_open": 0.35}
    if kind == "J":  # jaw
        return {"mouth_open": 0.5}
    if kind == "T":  # tongue
        return {"mouth_open": 0.4}
    return {"mouth_open": 0.15, "mouth_wide": 0.3}  # D: teeth


_OPEN_VOWELS = set("aAV{@Q&6")
_MID_VOWELS = set("eEiIyY23977")
_ROUND_VOWELS = set("oOuU")
_CLOSED = set("pbmPBM")


@functools.lru_cache(maxsize=256)
def _picture_targets(picture: str) -> tuple[tuple[float, float], ...]:
    """(mouth_open, mouth_wide) for each sound of a SAMPA mouth picture."""
    out = []
    for ch in picture:
        if ch in _OPEN_VOWELS:
            out.append((1.0, 0.1))
        elif ch in _ROUND_VOWELS:
            out.append((0.6, -0.7))
        elif ch in _MID_VOWELS:
            out.append((0.5, 0.5))
        elif ch in _CLOSED:
            out.append((0.0, 0.0))
        elif ch.isalpha():
            out.append((0.25, 0.0))
    return tuple(out) or ((0.4, 0.0),)


def _item_values(item: NonManual, u: float) -> dict[str, float]:
    """The channels an item sets at phase u (0..1 through its time), before the ramp."""
    tier, v, n = item.tier, item.value, max(1, item.count)
    wave = math.sin(2 * math.pi * n * u)
    if tier == "head":
        table = {"NO": {"head_pitch": NOD * wave}, "SH": {"head_yaw": SHAKE * wave},
                 "SR": {"head_yaw": -TURN}, "SL": {"head_yaw": TURN}, "TR": {"head_roll": -TILT},
                 "TL": {"head_roll": TILT}, "NF": {"head_pitch": TILT}, "NB": {"head_pitch": -TILT},
                 "PF": {"head_push": 0.08}, "PB": {"head_push": -0.06}, "LI": {}}
        return table[v]
    if tier == "eyebrows":
        return {"RB": {"brow_right": 1.0, "brow_left": 1.0}, "RR": {"brow_right": 1.0},
                "RL": {"brow_left": 1.0}, "FU": {"brow_right": -0.5, "brow_left": -0.5, "brow_furrow": 1.0}}[v]
    if tier == "eyelids":
        amount = {"W": 1.45, "S": 0.45, "C": 0.0, "T": 0.0}
        if v == "BB":
            blink = 1.0 - math.sin(math.pi * min(1.0, max(0.0, (u - 0.8) / 0.2))) if u > 0.8 else 1.0
            return {"lid_right": blink, "lid_left": blink}
        a = amount[v[0]]
        if v[1] == "B":
            return {"lid_right": a, "lid_left": a}
        return {"lid_right" if v[1] == "R" else "lid_left": a}
    if tier == "eyegaze":
        dirs = {"UP": (0, -1), "DN": (0, 1), "LE": (1, 0), "RI": (-1, 0), "LU": (0.7, -0.7), "LD": (0.7, 0.7),
                "RU": (-0.7, -0.7), "RD": (-0.7, 0.7), "HD": (0, 0.9), "HI": (-0.4, 0.8), "HC": (0.4, 0.8),
                "RO": (math.cos(2 * math.pi * u), -math.sin(2 * math.pi * u))}
        x, y = dirs.get(v, (0.0, 0.0))
        return {"gaze_x": float(x), "gaze_y": float(y)}
    if tier == "shoulder":
        side = {"L": ("shoulder_left",), "R": ("shoulder_right",), "B": ("shoulder_right", "shoulder_left")}[v[1]]
        if v[0] == "U":
            return {s: SHOULDER_RAISE for s in side}
        if v[0] == "H":
            return {**{s: SHOULDER_RAISE * 0.6 for s in side}, "shoulder_forward": 1.0}
        shrug = SHOULDER_RAISE * 1.2 * max(0.0, math.sin(math.pi * n * u))  # S: up and down per repetition
        return {s: shrug for s in side}
    if tier == "body":
        table = {"RL": {"body_turn": 0.3}, "RR": {"body_turn": -0.3}, "TL": {"body_tilt": 0.08},
                 "TR": {"body_tilt": -0.08}, "TF": {"body_lean": 1.0}, "TB": {"body_lean": -1.0},
                 "SI": {"shoulder_right": 0.04 * math.sin(math.pi * u), "shoulder_left": 0.04 * math.sin(math.pi * u)},
                 "HE": {"shoulder_right": 0.035 * max(0.0, math.sin(2 * math.pi * n * u)),
                        "shoulder_left": 0.035 * max(0.0, math.sin(2 * math.pi * n * u))},
                 "ST": {}, "RD": {"shoulder_forward": 1.0}}
        return table[v]
    if tier == "nose":
        return {"WB": {"nose": 1.0}, "TW": {"nose": max(0.0, math.sin(2 * math.pi * 3 * u))}, "WI": {}}[v]
    if tier == "mouthgesture":
        return _gesture(v)
    if tier == "mouthpicture":
        targets = _picture_targets(v * n)
        x = u * len(targets) - 0.5
        i = int(math.floor(x))
        f = _smooth(x - i)
        a = targets[min(max(i, 0), len(targets) - 1)]
        b = targets[min(max(i + 1, 0), len(targets) - 1)]
        return {"mouth_open": a[0] + (b[0] - a[0]) * f, "mouth_wide": a[1] + (b[1] - a[1]) * f}
    return {}  # extra: free text, not animated


class Timeline:
    """Non-manual items placed in time: for each sign, its items between t0 and t1 (seconds)."""

    def __init__(self) -> None:
        self.slots: list[tuple[float, float, NonManual]] = []

    def add(self, t0: float, t1: float, items: Iterable[NonManual]) -> None:
        by_tier: dict[str, list[NonManual]] = {}
        for item in items:
            by_tier.setdefault(item.tier, []).append(item)
        for tier_items in by_tier.values():
            weights = [max(1, it.count) for it in tier_items]
            total = float(sum(weights))
            t = t0
            for item, w in zip(tier_items, weights, strict=True):
                dt = (t1 - t0) * w / total
                self.slots.append((t, t + dt, item))
                t += dt

    def __bool__(self) -> bool:
        return bool(self.slots)

    def at(self, t: float) -> np.ndarray:
        out = NEUTRAL.copy()
        linked = 0.0  # head LI: the head follows the eye gaze
        for t0, t1, item in self.slots:
            if not t0 < t < t1:
                continue
            u = (t - t0) / (t1 - t0)
            ramp = _smooth(min((t - t0) / RAMP, (t1 - t) / RAMP, 1.0))
            if item.tier == "head" and item.value == "LI":
                linked = max(linked, ramp)
            for name, value in _item_values(item, u).items():
                k = CH[name]
                if name in ("lid_right", "lid_left"):
                    out[k] = out[k] + (value - 1.0) * ramp
                elif name in ("head_yaw", "head_pitch") and item.tier == "head" and item.value in ("NO", "SH"):
                    out[k] += value * min(1.0, ramp * 2.0)  # cycles start and end at zero by themselves
                else:
                    out[k] += value * ramp
        if linked:
            out[CH["head_yaw"]] += GAZE_HEAD_YAW * out[CH["gaze_x"]] * linked
            out[CH["head_pitch"]] += GAZE_HEAD_PITCH * out[CH["gaze_y"]] * linked
        return out


def shoulder_offsets(ch: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(right, left) shoulder displacement (x, y) for the arms' IK: (2,) each for channels (C,), or
    (T, 2) each for (T, C)."""
    c = np.atleast_2d(ch)
    fwd = 0.03 * c[:, CH["shoulder_forward"]]
    tilt = np.sin(c[:, CH["body_tilt"]])
    narrow = 0.25 * (1 - np.cos(c[:, CH["body_turn"]]))  # a turned body shows narrower shoulders
    lean_x = 1.4 * tilt  # the torso pivots at the hips, 1.4 shoulder widths down
    right = np.stack([fwd + narrow + lean_x, -c[:, CH["shoulder_right"]] - 0.5 * tilt], axis=1)
    left = np.stack([-fwd - narrow + lean_x, -c[:, CH["shoulder_left"]] + 0.5 * tilt], axis=1)
    right, left = right.astype(np.float32), left.astype(np.float32)
    return (right[0], left[0]) if ch.ndim == 1 else (right, left)


_HEAD_POINTS = [FOREHEAD, R_EYE, L_EYE, NOSE, MOUTH_R, MOUTH_L, CHIN, R_EAR, L_EAR, HEAD]
_DEPTH = np.concatenate([np.array([DEPTH[p] for p in _HEAD_POINTS], np.float32), DETAIL_DEPTH])


def apply(frame: np.ndarray, ch: np.ndarray) -> np.ndarray:
    """Move the body and face anchors of one frame (K, 2) in place by the channels (C,); return the
    face detail landmarks (10, 2)."""
    frames = frame[None].copy()
    detail = apply_all(frames, ch[None])[0]
    frame[:] = frames[0]
    return detail


def apply_all(frames: np.ndarray, ch: np.ndarray) -> np.ndarray:
    """Move the body and face anchors of frames (T, K, 2) in place by the channels (T, C); return the
    face detail landmarks (T, 10, 2)."""
    c = ch.astype(np.float32)
    detail = rest_details(frames)
    right, left = shoulder_offsets(c)
    frames[:, R_SHOULDER] += right
    frames[:, L_SHOULDER] += left
    # Eyebrows, lids, lips and cheeks in the head's own frame (before the head turns).
    brow_r, brow_l, furrow = c[:, CH["brow_right"]], c[:, CH["brow_left"]], c[:, CH["brow_furrow"]]
    detail[:, 0, 0] += BROW_FURROW_IN * furrow  # the right inner end: towards +x
    detail[:, 0, 1] += -BROW_RAISE * brow_r + 0.006 * furrow
    detail[:, 1, 1] += -BROW_RAISE * brow_r * 0.85
    detail[:, 2, 0] -= BROW_FURROW_IN * furrow
    detail[:, 2, 1] += -BROW_RAISE * brow_l + 0.006 * furrow
    detail[:, 3, 1] += -BROW_RAISE * brow_l * 0.85
    mouth_open = np.maximum(0.0, c[:, CH["mouth_open"]])
    wide = c[:, CH["mouth_wide"]]
    detail[:, 5, 1] += MOUTH_OPEN * mouth_open
    detail[:, 4, 1] -= 0.1 * MOUTH_OPEN * mouth_open
    frames[:, MOUTH_R, 0] -= 0.02 * wide
    frames[:, MOUTH_L, 0] += 0.02 * wide
    frames[:, MOUTH_R, 1] += 0.5 * MOUTH_OPEN * mouth_open
    frames[:, MOUTH_L, 1] += 0.5 * MOUTH_OPEN * mouth_open
    detail[:, 6, 1] = frames[:, R_EYE, 1] - LID_OPEN * c[:, CH["lid_right"]]
    detail[:, 7, 1] = frames[:, L_EYE, 1] - LID_OPEN * c[:, CH["lid_left"]]
    detail[:, 8, 0] -= 0.025 * c[:, CH["cheek_right"]]
    detail[:, 9, 0] += 0.025 * c[:, CH["cheek_left"]]
    frames[:, NOSE, 1] -= 0.008 * c[:, CH["nose"]]
    # The head: push, nod, turn, tilt about the top of the neck, then the body's tilt and lean carry it.
    n = len(_HEAD_POINTS)
    pivot = np.zeros((len(frames), 1, 2), np.float32)
    pivot[:, 0, 1] = frames[:, CHIN, 1] + 0.08
    rel = np.concatenate([frames[:, _HEAD_POINTS], detail], axis=1) - pivot
    rel *= (1.0 + c[:, CH["head_push"]])[:, None, None]
    yaw, pitch = c[:, CH["head_yaw"], None], c[:, CH["head_pitch"], None]
    x = rel[:, :, 0] * np.cos(yaw) + _DEPTH * np.sin(yaw)
    y = rel[:, :, 1] * np.cos(pitch) + _DEPTH * np.sin(pitch)
    tilt = c[:, CH["body_tilt"], None] + c[:, CH["head_roll"], None]
    cos_t, sin_t = np.cos(tilt), np.sin(tilt)
    rel[:, :, 0] = x * cos_t - y * sin_t
    rel[:, :, 1] = x * sin_t + y * cos_t
    shift = np.stack([1.6 * np.sin(c[:, CH["body_tilt"]]), 0.04 * c[:, CH["body_lean"]]], axis=1)[:, None, :]
    pts = rel + pivot + shift
    frames[:, _HEAD_POINTS] = pts[:, :n]
    frames[:, NECK] += shift[:, 0] * 0.5
    # Gaze: nothing to move in the skeleton; the scene draws the pupils from the channels.
    return pts[:, n:].astype(np.float32)


def rest_details(frames: np.ndarray) -> np.ndarray:
    """rest_detail of each frame (T, K, 2) -> (T, 10, 2)."""
    d = np.zeros((len(frames), len(FACE_DETAIL), 2), np.float32)
    for k, (eye, toward_mid) in enumerate(((R_EYE, 1.0), (L_EYE, -1.0))):
        e = frames[:, eye]
        d[:, 2 * k] = e + (0.035 * toward_mid, -0.05)
        d[:, 2 * k + 1] = e + (-0.035 * toward_mid, -0.058)
        d[:, 6 + k] = e + (0.0, -LID_OPEN)
        d[:, 8 + k] = e + (-0.06 * toward_mid, 0.1)
    mouth = (frames[:, MOUTH_R] + frames[:, MOUTH_L]) / 2
    d[:, 4] = mouth + (0.0, -0.008)
    d[:, 5] = mouth + (0.0, 0.008)
    return d


def rest_detail(frame: np.ndarray) -> np.ndarray:
    """The face detail landmarks of a still face (10, 2), from its anchors (K, 2)."""
    return rest_details(frame[None])[0]

