"""From a parsed sign to 2D landmarks over time: a procedural animator.

The sign becomes key poses for each hand (finger angles, orientation, a wrist position) joined by timed
segments with paths (straight, arc, wavy, zigzag, circle, spiral) and wrist motions (nodding, swinging,
twisting, finger play). A sign starts and ends at the rest pose. Each frame the hands are built in 3D,
the arms reach the wrists by two-link IK, and everything is projected onto the image plane.

Non-manual items (face, head, shoulders, body) become channels over the sign (face.py) that move the
face anchors and the shoulders, plus face detail landmarks (eyebrows, lips, lids, cheeks). A phrase is
several signs with co-articulation: the hands go from one sign to the next without returning to rest.

Public API: animate(sign, fps=25, body=None, speed=1, amplitude=1, seed=None) -> Animation,
animate_phrase(signs, ...) -> Animation.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from signlang import face as F
from signlang import locations as L
from signlang.hamnosys import parse
from signlang.hamnosys.tree import (
    Alternatives,
    Direction,
    Fusion,
    HandConfig,
    Location,
    Movement,
    Parallel,
    Repetition,
    Replacement,
    Sequence,
    Sign,
    SplitAction,
    SplitHands,
    SplitLocation,
)
from signlang.handshapes import RELAXED, cross, finger_pose, hand_points, palm_centre
from signlang.ik import two_link
from signlang.skeleton import (
    CHIN,
    FOREHEAD,
    HAND_START,
    HEAD,
    JOINTS,
    L_EAR,
    L_ELBOW,
    L_EYE,
    L_SHOULDER,
    L_WRIST,
    MOUTH_L,
    MOUTH_R,
    NECK,
    NOSE,
    R_EAR,
    R_ELBOW,
    R_EYE,
    R_SHOULDER,
    R_WRIST,
    BodyProportions,
    K,
)

HANDS = ("right", "left")

# Timing in seconds (before the speed factor).
T_FROM_REST = 0.55
T_TO_REST = 0.55
T_HOLD_START = 0.15
T_HOLD_END = 0.25
T_MOVE = 0.5
T_CIRCLE = 0.8
T_WRIST = 0.7
T_REPLACE = 0.35
T_NOMOTION = 0.4
T_HOLD_PHRASE = 0.08  # the end of one sign of a phrase held before the hands travel to the next
T_TRANSITION_MIN = 0.22  # the shortest travel between two signs of a phrase
T_TRANSITION_PER_WIDTH = 0.45  # and its growth per shoulder width the hands travel (capped at T_FROM_REST)
PUNCTUATION_PAUSE = {"hamcomma": 0.25, "hamfullstop": 0.45, "hamquery": 0.45, "hamexclaim": 0.45,
                     "hamspace": 0.15}
MANNER_TIME = {"hamfast": 0.6, "hamslow": 1.6, "hamtense": 1.3, "hamhalt": 0.8, "hamrest": 1.2}
SIZE = {"hamsmallmod": 0.55, "hamlargemod": 1.7}
MOVE_LENGTH = 0.32  # a plain straight movement, shoulder widths
CIRCLE_RADIUS = 0.12
SYMMETRIC_APART = 0.2  # each hand's offset from the midline when both are at a central site
HANDS_MEET = ("haminterlock", "hamcross", "hamtouch")
HAND_VIEW_LEAN = 0.35  # how much a hand's depth shows as sideways offset (a hand edge-on is not a line)


@dataclass
class Animation:
    frames: np.ndarray  # (T, K, 2) float32: x right, y down, shoulder widths, shoulder centre at origin
    fps: float
    joint_names: list[str] = field(default_factory=lambda: list(JOINTS))
    gloss: str = ""
    nonmanual: np.ndarray | None = None  # (T, C) float32 non-manual channels (face.NONMANUAL_CHANNELS)
    face: np.ndarray | None = None  # (T, 10, 2) float32 eyebrows, lips, lids, cheeks (face.FACE_DETAIL)
    glosses: list[tuple[float, str]] = field(default_factory=list)  # phrase: (start seconds, gloss) per sign

    @property
    def duration(self) -> float:
        return self.frames.shape[0] / self.fps


@dataclass
class HandKey:
    """One hand at a key moment."""

    fingers: np.ndarray  # (5, 4) joint angles
    ext: np.ndarray  # extended finger direction, unit 3-vector
    palm: np.ndarray  # palm normal, unit 3-vector
    wrist: np.ndarray  # 3-vector


Motion = Callable[[float], tuple[np.ndarray, np.ndarray | None, float, np.ndarray | None]]
# u in [0,1] -> (offset added to the wrist, rotation axis or None, rotation angle, finger angle delta or None)


def _no_motion(u: float) -> tuple[np.ndarray, None, float, None]:
    return np.zeros(3), None, 0.0, None


@dataclass
class Segment:
    t0: float
    t1: float
    a: HandKey
    b: HandKey
    motion: Motion = _no_motion
    ease: bool = True


# --- orientation -------------------------------------------------------------------------------


def _normalise(v: np.ndarray) -> np.ndarray:
    n = math.sqrt(float(v @ v))
    return v / n if n > 1e-9 else np.array([0.0, 0.0, 1.0])


def _mirror(v: np.ndarray) -> np.ndarray:
    return v * np.array([-1.0, 1.0, 1.0])


def ext_vector(d: Direction | None) -> np.ndarray | None:
    if d is None:
        return None
    v = L.direction(L.suffix(d.value, "hamextfinger"))
    if d.combined:
        v = _normalise(v + L.direction(L.suffix(d.combined, "hamextfinger")))
    if d.between:
        v = _normalise(v + L.direction(L.suffix(d.between, "hamextfinger")))
    return v


def palm_vector(d: Direction | None, ext: np.ndarray) -> np.ndarray | None:
    """Palm normal perpendicular to the finger direction. With the fingers up or down, "palm down"
    reads as facing away from the body and "palm up" as facing the body."""
    if d is None:
        return None
    letters = L.suffix(d.value, "hampalm")
    v = L.direction(letters)
    if d.between:
        v = v + L.direction(L.suffix(d.between, "hampalm"))
    v = v - float(np.dot(v, ext)) * ext
    if np.linalg.norm(v) < 0.3:
        swap = {"u": "i", "d": "o"}
        v = L.direction("".join(swap.get(c, c) for c in letters))
        v = v - float(np.dot(v, ext)) * ext
    return _normalise(v)


def hand_frame(ext: np.ndarray, palm: np.ndarray, hand: str) -> np.ndarray:
    """3x3 matrix whose columns are the hand frame axes (thumb side, fingers, palm) in the body frame."""
    f = _normalise(ext)
    p = _normalise(palm - float(np.dot(palm, f)) * f)
    t = cross(p, f) if hand == "right" else cross(f, p)
    return np.column_stack((t, f, p))


def hand_world(key_fingers: np.ndarray, ext: np.ndarray, palm: np.ndarray, wrist: np.ndarray, hand: str,
               scale: float) -> np.ndarray:
    local = hand_points(key_fingers, scale)
    return wrist + local @ hand_frame(ext, palm, hand).T


def contact_offset(fingers: np.ndarray, ext: np.ndarray, palm: np.ndarray, hand: str, scale: float) -> np.ndarray:
    """Offset from the wrist to the part of the hand that meets a location: of the palm centre and the
    fingertips, the one nearest the body (smallest z), i.e. what the hand leads with."""
    pts = hand_world(fingers, ext, palm, np.zeros(3), hand, scale)
    candidates = [palm_centre(pts), pts[8], pts[12], pts[4], pts[16], pts[20], (pts[5] + pts[9]) / 2]
    best = min(candidates, key=lambda c: c[2] + 0.02 * abs(c[0])).copy()
    best[0] += best[2] * HAND_VIEW_LEAN * -L.side_sign(hand)  # where it is drawn (see sample)
    return best


# --- the animator --------------------------------------------------------------------------------


class _Builder:
    def __init__(self, sign: Sign, body: BodyProportions, amplitude: float, rng: np.random.Generator) -> None:
        self.sign = sign
        self.body = body
        self.amp = amplitude
        self.rng = rng
        self.hand_scale = body.hand / 0.45
        self.t = 0.0
        self.segments: dict[str, list[Segment]] = {h: [] for h in HANDS}
        self.rest = {h: self.rest_key(h) for h in HANDS}
        self.key = dict(self.rest)
        self.symmetric = sign.symmetry is not None
        self.alternating = bool(sign.symmetry and "hamalternatingmotion" in sign.symmetry.modifiers)
        self.mirror_moves = bool(sign.symmetry and sign.symmetry.operator == "hamsymmlr")
        self.main = "left" if sign.nondominant else "right"
        self.timeline = F.Timeline()
        self.starts: list[tuple[float, str]] = []  # when each sign of a phrase begins
        self.active: tuple[str, ...] = (self.main,)
        if self.symmetric or isinstance(sign.hands, SplitHands) or isinstance(sign.location, SplitLocation):
            self.active = HANDS

    # keys -------------------------------------------------------------------------------------
    def rest_key(self, hand: str) -> HandKey:
        """Hands resting in front of the waist, fingers slanting down towards the middle, palms in."""
        s = L.side_sign(hand)
        return HandKey(RELAXED.copy(), _normalise(np.array([-0.55 * s, 0.8, 0.1])), np.array([0.0, 0.0, -1.0]),
                       np.array([0.36 * s, 1.08, 0.2]))

    def wrist_for(self, point: np.ndarray, fingers: np.ndarray, ext: np.ndarray, palm: np.ndarray,
                  hand: str) -> np.ndarray:
        return point - contact_offset(fingers, ext, palm, hand, self.hand_scale)

    def configured(self, hand: str, cfg: HandConfig | None, base: HandKey, mirror: bool) -> HandKey:
        """base with the parts cfg writes replaced; mirror reflects directions for the other hand."""
        key = replace(base)
        if cfg is None:
            return key
        if cfg.handshape is not None:
            key.fingers = finger_pose(cfg.handshape)
        ext = ext_vector(cfg.extended_finger)
        if ext is not None:
            key.ext = _mirror(ext) if mirror else ext
        palm = palm_vector(cfg.palm, ext if ext is not None else (_mirror(key.ext) if mirror else key.ext))
        if palm is not None:
            key.palm = _mirror(palm) if mirror else palm
        return key

    def location_point(self, loc: Location | None, hand: str) -> np.ndarray:
        """The body-frame point a location names, for this hand."""
        s = L.side_sign(hand)
        if loc is None or not loc.site and not loc.side:
            if loc is None or loc.contact is None:
                return np.array([0.18 * s, 0.6, 0.45])  # neutral space, at the hand's side
            return self.other_hand_point(hand)  # only a contact: with the other hand
        site = loc.site[0] if loc.site else "hamneutralspace"
        if site in L.SITES:
            point = L.site_point(site, self.body.chin_y, self.body.head_height)
            point[0] += L.LATERAL.get(site, 0.0) * s * (self.body.head_width / 0.42 if site in L.HEAD_SITES else 1.0)
            point[2] += L.DEFAULT_DISTANCE if loc.contact is None and site != "hamneutralspace" else 0.0
        elif site in L.ARM_SITES:
            ax, y, z = L.ARM_SITES[site]
            point = np.array([-ax * s, y, z])  # on the other arm
        else:  # a site on the other hand
            point = self.other_hand_point(hand, loc.site)
        if loc.side:
            point[0] += L.SIDE_OFFSETS[loc.side] * s
        elif self.symmetric and site not in L.LATERAL and site in L.SITES and loc.contact not in HANDS_MEET:
            point[0] += SYMMETRIC_APART * s  # two hands at one central site: side by side
        if loc.between is not None:
            point = 0.5 * (point + self.location_point(loc.between, hand))
        if loc.contact is not None:
            point[2] += L.CONTACT_DISTANCE[loc.contact]
        if "hamarmextended" in loc.distance:
            point[2] += 0.35
        if "hambehind" in loc.distance:
            point[2] -= 0.25
        return point

    def other_hand_point(self, hand: str, site: list[str] | None = None) -> np.ndarray:
        other = "left" if hand == "right" else "right"
        key = self.key[other]
        if key is self.rest[other] or other not in self.active:
            # The other hand comes up as the base hand: flat, palm up, in front of the body.
            key = HandKey(finger_pose(None) * 0.3, np.array([-L.side_sign(other) * 0.7, 0.0, 0.7]) / 0.99,
                          np.array([0.0, -1.0, 0.0]), L.BASE_HAND_POSITION * np.array([L.side_sign(other), 1, 1]))
            self.key[other] = key
            self.active = tuple(dict.fromkeys((*self.active, other)))
        pts = hand_world(key.fingers, key.ext, key.palm, key.wrist, other, self.hand_scale)
        names = set(site or [])
        if "hamfingertip" in names or "hamfingernail" in names or "hamfingerpad" in names:
            idx = 8
        elif "hamthumb" in names or "hamthumbball" in names:
            idx = 3
        elif "hampinky" in names or "hampinkyside" in names:
            idx = 18
        elif "hamindexfinger" in names or "hamthumbside" in names:
            idx = 6
        else:
            return palm_centre(pts) + key.palm * 0.03
        return pts[idx] + key.palm * 0.02

    def place(self, hand: str, key: HandKey, loc: Location | None) -> HandKey:
        point = self.location_point(loc, hand)
        key.wrist = self.wrist_for(point, key.fingers, key.ext, key.palm, hand)
        return key

    # segments ---------------------------------------------------------------------------------
    def go(self, hand: str, end: HandKey, duration: float, motion: Motion = _no_motion, ease: bool = True,
           t0: float | None = None) -> float:
        start = self.t if t0 is None else t0
        self.segments[hand].append(Segment(start, start + duration, self.key[hand], end, motion, ease))
        self.key[hand] = end
        return start + duration

    # the sign ---------------------------------------------------------------------------------
    def build(self, following: list[Sign] | tuple[Sign, ...] = ()) -> None:
        """The sign from rest, then (a phrase) each following sign straight from where the hands are,
        then back to rest."""
        sign = self.sign
        start = self.t
        self.starts.append((start, sign.gloss))
        initial = self.initial_keys(sign)
        for hand, key in initial.items():
            self.go(hand, key, T_FROM_REST)
        self.t += T_FROM_REST + T_HOLD_START
        self.run(sign.actions, self.active)
        self.compounds(self, sign)
        self.timeline.add(start + T_FROM_REST * 0.3, self.t + T_HOLD_END, sign.nonmanual)
        builder = self
        for nxt in following:
            builder = self.next_sign(builder, nxt)
        self.t, self.key, self.active = builder.t, builder.key, builder.active
        self.t += T_HOLD_END
        for hand in HANDS:
            if self.key[hand] is not self.rest[hand]:
                self.go(hand, self.rest[hand], T_TO_REST)
        self.t += T_TO_REST

    def compounds(self, builder: _Builder, sign: Sign) -> None:
        """Signs joined with hamplus: each straight after the other, without going to rest."""
        for nxt in sign.then:
            sub = _Builder(nxt, builder.body, builder.amp, builder.rng)
            sub.key = dict(builder.key)
            sub.t = builder.t
            sub.segments = builder.segments
            sub.active = tuple(dict.fromkeys((*sub.active, *builder.active)))
            for hand, key in sub.initial_keys(nxt).items():
                sub.go(hand, key, T_REPLACE * 1.5)
            sub.t += T_REPLACE * 1.5 + T_HOLD_START
            sub.run(nxt.actions, sub.active)
            builder.t, builder.key = sub.t, sub.key

    def next_sign(self, prev: _Builder, nxt: Sign) -> _Builder:
        """Co-articulation: the hands travel from the end of the previous sign to the start of the next
        (no rest between). The pause comes from the previous sign's punctuation, the transition time from
        the distance the hands travel; a hand the next sign does not use goes down to rest meanwhile."""
        pause = max((PUNCTUATION_PAUSE.get(p, 0.0) for p in prev.sign.punctuation), default=0.0)
        sub = _Builder(nxt, self.body, self.amp, self.rng)
        sub.rest = self.rest
        sub.segments = self.segments
        sub.key = dict(prev.key)
        sub.t = prev.t + T_HOLD_PHRASE + pause
        start = sub.t
        self.starts.append((start, nxt.gloss))
        keys = sub.initial_keys(nxt)
        travel = max((float(np.linalg.norm(keys[h].wrist - prev.key[h].wrist)) for h in keys), default=0.0)
        duration = min(T_FROM_REST, T_TRANSITION_MIN + T_TRANSITION_PER_WIDTH * travel)
        for hand, key in keys.items():
            sub.go(hand, key, duration)
        for hand in HANDS:
            if hand not in keys and sub.key[hand] is not self.rest[hand]:
                sub.go(hand, self.rest[hand], T_TO_REST)
        sub.t += duration + T_HOLD_START
        sub.run(nxt.actions, sub.active)
        self.compounds(sub, nxt)
        self.timeline.add(start, sub.t + T_HOLD_END, nxt.nonmanual)
        return sub

    def initial_keys(self, sign: Sign) -> dict[str, HandKey]:
        hands, loc = sign.hands, sign.location
        main, other = self.main, ("left" if self.main == "right" else "right")
        keys: dict[str, HandKey] = {}
        dom_cfg = hands.dominant if isinstance(hands, SplitHands) else hands
        base = self.key[main] if self.key[main] is not self.rest[main] else HandKey(
            RELAXED.copy(), np.array([0.0, -0.3, 0.95]) / 0.9954, np.array([-L.side_sign(main), 0, 0]), np.zeros(3))
        keys[main] = self.configured(main, dom_cfg, base, mirror=main == "left" and self.symmetric)
        if other in self.active:
            if isinstance(hands, SplitHands):
                mirrored = self.configured(other, dom_cfg, base, mirror=True)
                keys[other] = self.configured(other, hands.nondominant, mirrored, mirror=False)
            else:
                keys[other] = self.configured(other, dom_cfg, base, mirror=True)
        # Locations.
        dom_loc: Location | None
        other_loc: Location | None
        if isinstance(loc, SplitLocation):
            dom_loc, other_loc = loc.dominant, loc.nondominant
        else:
            dom_loc = loc
            other_loc = loc if self.symmetric else None
        if isinstance(hands, SplitHands):
            dom_loc = hands.dominant_location or dom_loc
            other_loc = hands.nondominant_location or other_loc
        prev = dict(self.key)
        if other in keys:
            if other_loc is not None or self.symmetric:
                keys[other] = self.place(other, keys[other], other_loc)
            else:  # the non-dominant hand as a base in front of the body
                base_point = L.BASE_HAND_POSITION * np.array([L.side_sign(other), 1.0, 1.0])
                k = keys[other]
                k.wrist = self.wrist_for(base_point, k.fingers, k.ext, k.palm, other)
            self.key[other] = keys[other]  # placed first: the main hand may touch it
        keys[main] = self.place(main, keys[main], dom_loc)
        if other not in keys and self.key[other] is not prev[other]:  # brought up as a base hand
            keys[other] = self.key[other]
        self.key = prev
        return keys

    # actions ----------------------------------------------------------------------------------
    def run(self, actions: list[Any], hands: tuple[str, ...]) -> None:
        done: list[tuple[Any, dict[str, HandKey]]] = []
        scope_start = dict(self.key)
        for action in actions:
            before = dict(self.key)
            if isinstance(action, Repetition):
                self.repeat(action, done, scope_start, hands)
                continue
            self.act(action, hands)
            done.append((action, before))

    def repeat(self, rep: Repetition, done: list[tuple[Any, dict[str, HandKey]]], scope_start: dict[str, HandKey],
               hands: tuple[str, ...]) -> None:
        if not done:
            return
        times = 2 if rep.kind.endswith("several") else 1
        for _ in range(times):
            if rep.kind.startswith("hamrepeatfromstart"):
                self.step({h: scope_start[h] for h in hands}, T_MOVE * 0.6)
                for action, _ in done:
                    self.act(action, hands)
            elif rep.kind == "hamrepeatreverse":
                action, before = done[-1]
                self.step({h: before[h] for h in hands}, T_MOVE)
            else:  # continue: the last action again from where it ended (displaced if written)
                action, _ = done[-1]
                if rep.displacement is not None:
                    self.act(rep.displacement, hands)
                self.act(action, hands)

    def step(self, ends: dict[str, HandKey], duration: float) -> None:
        for hand, end in ends.items():
            self.go(hand, end, duration)
        self.t += duration

    def act(self, action: Any, hands: tuple[str, ...]) -> None:
        if isinstance(action, Sequence | Fusion):
            factor = 0.7 if isinstance(action, Fusion) else 1.0
            saved = self.time_factor
            self.time_factor = saved * factor * _manner_factor(action.modifiers)
            self.run(action.actions, hands)
            self.time_factor = saved
        elif isinstance(action, Alternatives):
            if action.options:
                self.run(action.options[0], hands)
        elif isinstance(action, SplitAction):
            t0 = self.t
            main, other = self.main, ("left" if self.main == "right" else "right")
            ends = []
            for hand, acts in ((main, action.dominant), (other, action.nondominant)):
                self.t = t0
                self.run(acts, (hand,))
                ends.append(self.t)
            self.t = max(ends)
        elif isinstance(action, Parallel):
            self.parallel(action.actions, hands, action.modifiers)
        else:
            self.parallel([action], hands, [])

    time_factor: float = 1.0

    def parallel(self, actions: list[Any], hands: tuple[str, ...], modifiers: list[str]) -> None:
        """Simple actions at the same time: end keys combine, paths add, the longest duration wins."""
        nested = [a for a in actions if isinstance(a, Sequence | Fusion | Parallel | SplitAction | Alternatives)]
        simple = [a for a in actions if a not in nested]
        t0 = self.t
        duration = 0.0
        for hand in hands:
            start = self.key[hand]
            end = replace(start)
            motions: list[Motion] = []
            hand_duration = 0.0
            for action in simple:
                d, end, motion = self.simple(action, hand, start, end, modifiers)
                hand_duration = max(hand_duration, d)
                motions.append(motion)
            if hand_duration <= 0:
                continue
            hand_duration *= self.time_factor * _manner_factor(modifiers)
            combined = _sum_motions(motions)
            ease = not any(isinstance(a, Movement) and a.kind in ("circle", "wrist") for a in simple)
            # Alternating symmetry: the other hand runs half a movement behind.
            delay = 0.5 * hand_duration if self.alternating and hand != self.main and len(hands) > 1 else 0.0
            self.go(hand, end, hand_duration, combined, ease, t0=t0 + delay)
            duration = max(duration, hand_duration + delay)
        self.t = t0 + duration
        for action in nested:
            self.act(action, hands)

    def simple(self, action: Any, hand: str, start: HandKey, end: HandKey,
               outer: list[str]) -> tuple[float, HandKey, Motion]:
        """(duration, end key, path) of one simple action for one hand, composed onto end."""
        other_side = hand != self.main
        flip = other_side and self.mirror_moves
        if isinstance(action, Replacement):
            cfg = action.hands
            mirror = other_side and self.symmetric
            if isinstance(cfg, SplitHands):
                cfg, mirror = (cfg.nondominant, False) if other_side else (cfg.dominant, False)
            new = self.configured(hand, cfg, end, mirror)
            loc = action.location
            if isinstance(loc, SplitLocation):
                loc = loc.nondominant if other_side else loc.dominant
            if loc is not None:
                new = self.place(hand, new, loc)
            else:  # keep the same contact point while the hand changes
                point = end.wrist + contact_offset(end.fingers, end.ext, end.palm, hand, self.hand_scale)
                new.wrist = self.wrist_for(point, new.fingers, new.ext, new.palm, hand)
            return T_REPLACE * _manner_factor(action.modifiers), new, _no_motion
        if not isinstance(action, Movement):
            return 0.0, end, _no_motion
        mods = action.modifiers + outer
        size = self.amp * math.prod(SIZE.get(m, 1.0) for m in mods)
        if action.kind == "straight":
            vec = L.direction(L.suffix(action.symbol or "", "hammove"))
            if action.between:
                vec = _normalise(vec + L.direction(L.suffix(action.between, "hammove")))
            if flip:
                vec = _mirror(vec)
            new = replace(end)
            if action.target is not None:
                loc = action.target
                if isinstance(loc, SplitLocation):
                    loc = loc.nondominant if other_side else loc.dominant
                new = self.place(hand, new, loc) if loc is not None else new
                if loc is not None and not loc.site and not loc.side:  # only a contact: move that way
                    new.wrist = end.wrist + vec * MOVE_LENGTH * size
            else:
                new.wrist = end.wrist + vec * MOVE_LENGTH * size
            length = float(np.linalg.norm(new.wrist - end.wrist))
            return T_MOVE * (0.7 + 0.3 * size), new, _path_shape(mods, vec, length, flip)
        if action.kind == "circle":
            axis = L.direction(L.suffix(action.symbol or "", "hamcircle"))
            if flip:
                axis = _mirror(axis)
            new = replace(end)
            if action.target is not None and isinstance(action.target, Location):
                new = self.place(hand, new, action.target)
            return T_CIRCLE * (0.7 + 0.3 * size), new, _circle(axis, CIRCLE_RADIUS * size, mods, flip)
        if action.kind == "wrist":
            return T_WRIST, replace(end), _wrist(action.symbol or "", size, hand, start)
        if action.kind == "nomotion":
            return T_NOMOTION, replace(end), _no_motion
        if action.kind in ("target", "contact") and action.target is not None:
            loc = action.target
            if isinstance(loc, SplitLocation):
                loc = loc.nondominant if other_side else loc.dominant
            new = replace(end)
            if isinstance(loc, Location) and (loc.site or loc.side):
                new = self.place(hand, new, loc)
            elif isinstance(loc, Location) and loc.contact in ("hamtouch", "hamclose", "hambrushing"):
                new.wrist = end.wrist + np.array([0.0, 0.0, -0.08])  # a small approach
            return T_MOVE * 0.8, new, _no_motion
        return 0.0, end, _no_motion

    # sampling ---------------------------------------------------------------------------------
    def sample(self, fps: float, speed: float) -> np.ndarray:
        total = self.t / speed
        n = max(2, int(math.ceil(total * fps)) + 1)
        frames = np.zeros((n, K, 2), np.float32)
        body = self.body
        shoulders = {"right": np.array([-0.5, 0.0, 0.0]), "left": np.array([0.5, 0.0, 0.0])}
        face = _face(body)
        channels = np.tile(F.NEUTRAL, (n, 1))
        if self.timeline:
            for i in range(n):
                channels[i] = self.timeline.at(i / fps * speed)
            r_off, l_off = F.shoulder_offsets(channels)
        for i in range(n):
            t = i / fps * speed
            frames[i, :17] = face
            at = shoulders
            if self.timeline:  # the arms start at the moved shoulders
                at = {"right": shoulders["right"] + np.array([r_off[i, 0], r_off[i, 1], 0.0]),
                      "left": shoulders["left"] + np.array([l_off[i, 0], l_off[i, 1], 0.0])}
            for hand in HANDS:
                fingers, ext, palm, wrist = self.hand_at(hand, t)
                pts = hand_world(fingers, ext, palm, wrist, hand, self.hand_scale)
                # Seen from the centre, each hand shows a little of its inner side: depth leans x.
                pts[:, 0] += (pts[:, 2] - wrist[2]) * HAND_VIEW_LEAN * -L.side_sign(hand)
                elbow3, reached3 = two_link(at[hand], wrist, body.upper_arm, body.forearm,
                                            outward=L.side_sign(hand))
                elbow, reached = elbow3[:2], reached3[:2]
                shift = reached - wrist[:2]  # out of reach: the hand follows the wrist
                start = HAND_START[hand]
                frames[i, start : start + 21] = pts[:, :2] + shift
                frames[i, R_ELBOW if hand == "right" else L_ELBOW] = elbow
                frames[i, R_WRIST if hand == "right" else L_WRIST] = reached
        if self.timeline:  # the face anchors and shoulders move with the non-manual channels
            details = F.apply_all(frames, channels)
        else:
            details = np.tile(F.rest_detail(face), (n, 1, 1))
        self.channels, self.details = channels, details
        return frames

    def hand_at(self, hand: str, t: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        segs = self.segments[hand]
        seg = None
        for s in segs:
            if s.t0 <= t:
                seg = s
            else:
                break
        if seg is None:
            k = self.rest[hand]
            return k.fingers, k.ext, k.palm, k.wrist
        u = 1.0 if seg.t1 <= seg.t0 else min(1.0, max(0.0, (t - seg.t0) / (seg.t1 - seg.t0)))
        e = u * u * (3 - 2 * u) if seg.ease else u
        a, b = seg.a, seg.b
        offset, axis, angle, dfing = seg.motion(u)
        wrist = a.wrist + (b.wrist - a.wrist) * e + offset
        fingers = a.fingers + (b.fingers - a.fingers) * e
        if dfing is not None:
            fingers = fingers + dfing
        ext = _normalise(a.ext + (b.ext - a.ext) * e)
        palm = b.palm if float(np.dot(a.palm, b.palm)) < -0.99 else a.palm + (b.palm - a.palm) * e
        palm = _normalise(palm - float(np.dot(palm, ext)) * ext + 1e-6 * np.array([0.0, 0.0, 1.0]))
        if axis is not None and angle:
            ax = axis(ext, palm) if callable(axis) else axis
            ext, palm = _rotate(ext, ax, angle), _rotate(palm, ax, angle)
        return fingers, ext, palm, wrist


def _face(body: BodyProportions) -> np.ndarray:
    f = np.zeros((17, 2), np.float32)
    chin = body.chin_y
    hh = body.head_height
    half = body.head_width / 2
    f[NECK] = (0.0, 0.0)
    f[HEAD] = (0.0, body.head_centre_y)
    f[R_SHOULDER] = (-0.5, 0.0)
    f[L_SHOULDER] = (0.5, 0.0)
    f[FOREHEAD] = (0.0, chin - 0.8 * hh)
    f[R_EYE] = (-0.09, chin - 0.56 * hh)
    f[L_EYE] = (0.09, chin - 0.56 * hh)
    f[NOSE] = (0.0, chin - 0.4 * hh)
    f[MOUTH_R] = (-0.06, chin - 0.19 * hh)
    f[MOUTH_L] = (0.06, chin - 0.19 * hh)
    f[CHIN] = (0.0, chin - 0.03 * hh)
    f[R_EAR] = (-half - 0.01, chin - 0.48 * hh)
    f[L_EAR] = (half + 0.01, chin - 0.48 * hh)
    return f


def _manner_factor(mods: list[str]) -> float:
    return math.prod(MANNER_TIME.get(m, 1.0) for m in mods)


def _sum_motions(motions: list[Motion]) -> Motion:
    motions = [m for m in motions if m is not _no_motion]
    if not motions:
        return _no_motion
    if len(motions) == 1:
        return motions[0]

    def combined(u: float) -> tuple[np.ndarray, Any, float, np.ndarray | None]:
        offset, axis, angle, dfing = np.zeros(3), None, 0.0, None
        for m in motions:
            o, ax, an, df = m(u)
            offset = offset + o
            if ax is not None and axis is None:
                axis, angle = ax, an
            if df is not None:
                dfing = df if dfing is None else dfing + df
        return offset, axis, angle, dfing

    return combined


def _perpendicular(vec: np.ndarray) -> np.ndarray:
    """A direction across a movement, in the image plane when possible."""
    side = cross(vec, np.array([0.0, 0.0, 1.0]))
    if np.linalg.norm(side) < 1e-6:
        side = np.array([0.0, -1.0, 0.0])
    return _normalise(side)


def _path_shape(mods: list[str], vec: np.ndarray, length: float, flip: bool) -> Motion:
    """Arc, wavy and zigzag shapes across a straight movement."""
    arcs = [m for m in mods if m in ("hamarcl", "hamarcu", "hamarcr", "hamarcd")]
    wavy = "hamwavy" in mods
    zigzag = "hamzigzag" in mods
    if not (arcs or wavy or zigzag):
        return _no_motion
    bulge = np.zeros(3)
    if arcs:
        d = L.direction(arcs[0][-1])
        d = _mirror(d) if flip else d
        bulge = d - float(np.dot(d, vec)) * vec
        bulge = _normalise(bulge) * 0.3 * max(length, 0.1)
    across = _perpendicular(vec) * 0.06

    def shape(u: float) -> tuple[np.ndarray, None, float, None]:
        off = bulge * math.sin(math.pi * u)
        if wavy:
            off = off + across * math.sin(2 * math.pi * 2 * u)
        if zigzag:
            phase = (2 * 2 * u) % 1.0
            off = off + across * (4 * abs(phase - 0.5) - 1)
        return off, None, 0.0, None

    return shape


def _circle(axis: np.ndarray, radius: float, mods: list[str], flip: bool) -> Motion:
    """One turn around the axis, starting and ending where the hand is; spirals grow or shrink."""
    e1 = _perpendicular(axis)
    e2 = _normalise(cross(axis, e1))
    if "hamellipseh" in mods or "hamellipsev" in mods:
        e1 = e1 * (1.6 if "hamellipseh" in mods else 0.6)
    grow = 1.0 + (0.8 if "hamincreasing" in mods else 0.0) - (0.6 if "hamdecreasing" in mods else 0.0)
    turns = 1.0
    for m in mods:
        if m.startswith("hamclock") and m != "hamclockfull":
            turns = 0.5  # a part circle between clock positions
    if "hamclockfull" in mods:
        turns = 1.0

    def circle(u: float) -> tuple[np.ndarray, None, float, None]:
        r = radius * (1.0 + (grow - 1.0) * u)
        a = 2 * math.pi * turns * u
        # Centre one radius away along -e1 so the path starts at the current position.
        return r * (e1 * (math.cos(a) - 1.0) + e2 * math.sin(a)), None, 0.0, None

    return circle


def _wrist(symbol: str, size: float, hand: str, start: HandKey) -> Motion:
    amp = math.radians(25) * min(size, 1.7)

    def thumb_axis(ext: np.ndarray, palm: np.ndarray) -> np.ndarray:
        return hand_frame(ext, palm, hand)[:, 0]

    if symbol == "hamfingerplay":
        phases = np.array([0.0, 0.0, 0.25, 0.5, 0.75])

        def play(u: float) -> tuple[np.ndarray, None, float, np.ndarray]:
            wave = np.sin(2 * math.pi * (3 * u - phases)) * math.radians(30) * math.sin(math.pi * u)
            d = np.zeros((5, 4), np.float32)
            d[1:, 0] = wave[1:]
            d[1:, 1] = wave[1:] * 0.8
            return np.zeros(3), None, 0.0, d

        return play
    if symbol in ("hamnodding", "hamswinging", "hamtwisting"):

        def rock(u: float) -> tuple[np.ndarray, Any, float, None]:
            angle = amp * (1.4 if symbol == "hamtwisting" else 1.0) * math.sin(2 * math.pi * 2 * u)
            if symbol == "hamnodding":
                return np.zeros(3), thumb_axis, angle, None
            if symbol == "hamswinging":
                return np.zeros(3), (lambda e, p: p), angle, None
            return np.zeros(3), (lambda e, p: e), angle, None

        return rock
    sense = 1.0 if symbol == "hamstircw" else -1.0

    def stir(u: float) -> tuple[np.ndarray, None, float, None]:
        a = 2 * math.pi * u * sense
        return 0.05 * size * np.array([math.cos(a) - 1.0, math.sin(a), 0.0]), None, 0.0, None

    return stir


def _rotate(v: np.ndarray, axis: np.ndarray, angle: float) -> np.ndarray:
    axis = _normalise(axis)
    c, s = math.cos(angle), math.sin(angle)
    return v * c + cross(axis, v) * s + axis * float(np.dot(axis, v)) * (1 - c)


def animate(
    sign: str | Sign,
    *,
    fps: float = 25.0,
    body: BodyProportions | None = None,
    speed: float = 1.0,
    amplitude: float = 1.0,
    seed: int | None = None,
) -> Animation:
    """Landmarks for one sign, from rest to rest. sign: HamNoSys (any form) or a parsed Sign.

    Raises HamNoSysError for text that does not parse. seed adds a little natural variation in timing
    and size (None: none, fully deterministic).
    """
    return animate_phrase([sign], fps=fps, body=body, speed=speed, amplitude=amplitude, seed=seed)


def animate_phrase(
    signs: list[str | Sign] | tuple[str | Sign, ...],
    *,
    fps: float = 25.0,
    body: BodyProportions | None = None,
    speed: float = 1.0,
    amplitude: float = 1.0,
    seed: int | None = None,
) -> Animation:
    """Landmarks for a phrase: the signs one after the other, from rest to rest, the hands travelling
    from the end of each sign to the start of the next (co-articulation). Animation.glosses says when
    each sign begins; the gloss is the signs' glosses joined by spaces."""
    trees = [parse(s) if isinstance(s, str) else s for s in signs]
    if not trees:
        raise ValueError("a phrase needs at least one sign")
    if fps <= 0 or speed <= 0:
        raise ValueError(f"fps and speed must be positive, got fps={fps}, speed={speed}")
    rng = np.random.default_rng(seed)
    amp = amplitude
    spd = speed
    if seed is not None:
        amp *= float(rng.uniform(0.9, 1.1))
        spd *= float(rng.uniform(0.9, 1.1))
    builder = _Builder(trees[0], body or BodyProportions(), amp, rng)
    builder.build(trees[1:])
    frames = builder.sample(fps, spd)
    gloss = trees[0].gloss if len(trees) == 1 else " ".join(t.gloss for t in trees if t.gloss)
    return Animation(frames, float(fps), list(JOINTS), gloss, builder.channels, builder.details,
                     [(t0 / spd, g) for t0, g in builder.starts])


def rest_frame(body: BodyProportions | None = None) -> np.ndarray:
    """The rest pose (K, 2): what the avatar shows between signs."""
    builder = _Builder(Sign(hands=None), body or BodyProportions(), 1.0, np.random.default_rng(0))
    return builder.sample(25.0, 1.0)[0]
