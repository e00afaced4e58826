"""Who is who from frame to frame: duplicate merging, constant-velocity prediction, Hungarian assignment.

Each track predicts where its person is now from its last position and velocity (for at most
PREDICT_HORIZON seconds, inside the frame). Every candidate pose of this frame costs

    distance from that prediction (torso lengths)
    + pose_weight  x difference of the size-normalised poses
    + score_weight x (1 - coverage: how much of the body MediaPipe sees)
    + look_weight  x difference of the clothes' colours (runtime.perception.appearance)

and scipy's linear_sum_assignment pairs candidates with tracks at least total cost; a pair above
`max_cost` is refused. A track left over coasts on its prediction; a lost track is matched again
by a second pass that accepts a candidate further away if it looks the same and is within walking
reach (a person who reappears after being hidden). Candidates still left start tentative tracks,
which become people (an "enter" event) after `confirm_frames` frames; a head inside the box of a
person seen this frame does not start one (a glimpse of somebody hidden behind). A confirmed track
unseen for `max_missing` seconds (0.25 s if it was seen fewer than `settled_frames` times) exits.

Velocity and the remembered colours learn only from clear views of a person alone: while two
people overlap their landmarks mix, and the velocity from before carries each through the crossing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

from body import landmarks as lm
from runtime.perception import appearance
from runtime.perception.model import Candidate, Region, landmark_bbox
from runtime.perception.one_euro import OneEuroFilter

BODY = np.array([0, 11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28])  # joints used for pose distance
HEAD = np.arange(0, 11)  # nose, eyes, ears, mouth
PREDICT_HORIZON = 1.0  # seconds a constant-velocity prediction is trusted


def body_centre(landmarks: np.ndarray) -> np.ndarray:
    """Mid-point of shoulders and hips (x, y in frame units): steadier than the box centre."""
    return landmarks[[lm.L_SHOULDER, lm.R_SHOULDER, lm.L_HIP, lm.R_HIP], :2].mean(axis=0)


def body_size(landmarks: np.ndarray, aspect: float) -> float:
    """Torso length (mid-shoulder to mid-hip) in frame heights, floored so it never divides by 0."""
    p = landmarks[:, :2] * np.array([aspect, 1.0])
    sh = (p[lm.L_SHOULDER] + p[lm.R_SHOULDER]) / 2
    hp = (p[lm.L_HIP] + p[lm.R_HIP]) / 2
    # A hidden hip is guessed; the shoulder width keeps a frontal upper body from shrinking to nothing.
    return max(float(np.linalg.norm(sh - hp)), 1.2 * float(np.linalg.norm(p[lm.L_SHOULDER] - p[lm.R_SHOULDER])), 0.02)


def normalised_body(landmarks: np.ndarray, aspect: float) -> np.ndarray:
    """The BODY joints relative to the body centre, in torso lengths (position- and size-free)."""
    p = landmarks[:, :2] * np.array([aspect, 1.0])
    c = body_centre(landmarks) * np.array([aspect, 1.0])
    return (p[BODY] - c) / body_size(landmarks, aspect)


def duplicate(a: np.ndarray, b: np.ndarray, aspect: float, max_joint_dist: float = 0.35) -> bool:
    """Two landmark sets describe the same person.

    Either their heads coincide (two people's heads cannot share a place; a head is the best-seen
    part, while hidden hips and legs are guessed differently from different crops), or the joints
    both see well lie within a fraction of a torso of each other.
    """
    scale = np.array([aspect, 1.0])
    size = max(body_size(a, aspect), body_size(b, aspect))
    if heads_coincide(a, b, aspect):
        return True
    seen = (a[BODY, 3] >= 0.5) & (b[BODY, 3] >= 0.5)
    joints = BODY[seen] if seen.sum() >= 3 else BODY
    d = np.linalg.norm((a[joints, :2] - b[joints, :2]) * scale, axis=1)
    return float(np.median(d)) < max_joint_dist * size


def _shoulder_width(p: np.ndarray, aspect: float) -> float:
    return float(np.linalg.norm((p[lm.L_SHOULDER, :2] - p[lm.R_SHOULDER, :2]) * np.array([aspect, 1.0])))


def merge_duplicates(cands: list[Candidate], aspect: float) -> list[Candidate]:
    """Keep the best-scored of each group of candidates that are the same person."""
    kept: list[Candidate] = []
    # A person's own crop sees it whole; prefer those, then the higher score.
    for c in sorted(cands, key=lambda c: (not c.source.startswith("track"), -c.score)):
        if not any(same_candidate(c, k, aspect) for k in kept):
            kept.append(c)
    return kept


def same_candidate(a: Candidate, b: Candidate, aspect: float) -> bool:
    """Two poses found in two different person-detector boxes are two people unless their heads
    coincide: a person hidden behind another gets guessed hips and legs that lie on the one in front."""
    if a.box is not None and b.box is not None and _iou(a.box, b.box) < 0.5:
        return heads_coincide(a.landmarks, b.landmarks, aspect)
    return duplicate(a.landmarks, b.landmarks, aspect)


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - ix * iy
    return float(ix * iy / union) if union > 0 else 0.0


def heads_coincide(a: np.ndarray, b: np.ndarray, aspect: float) -> bool:
    scale = np.array([aspect, 1.0])
    shoulders = max(_shoulder_width(a, aspect), _shoulder_width(b, aspect), 0.02)
    return bool(np.linalg.norm((a[HEAD, :2].mean(axis=0) - b[HEAD, :2].mean(axis=0)) * scale) < 0.5 * shoulders)


@dataclass(slots=True)
class Track:
    id: int
    raw: np.ndarray  # (33, 4) latest measured landmarks
    smooth: np.ndarray  # (33, 4) filtered landmarks
    t_seen: float  # capture time of the latest match
    score: float
    filt: OneEuroFilter
    velocity: np.ndarray = field(default_factory=lambda: np.zeros(2))  # body centre, frame units / s
    hits: int = 1
    misses: int = 0
    world: np.ndarray | None = None
    source: str = ""
    crop: Region | None = None  # where this person is being looked for (kept while they stay inside)
    look: np.ndarray | None = None  # running colour histogram of their chest
    confirmed: bool = False  # seen on `confirm_frames` frames in a row; only then a person with an id
    roi: Any = None  # runtime.perception.landmarks.Roi where their last landmarks say to look next
    roi_found: Any = None  # the Roi they were last found in (tried when `roi` finds nobody)

    def shift(self, t: float) -> np.ndarray:
        """How far the constant-velocity model moves the person from where last seen, by time t.
        The extrapolation stops after PREDICT_HORIZON and at the frame edges: a hidden person is
        expected near where they were going, not flying off."""
        move = self.velocity * min(max(t - self.t_seen, 0.0), PREDICT_HORIZON)
        c = body_centre(self.raw)
        return np.clip(c + move, 0.0, 1.0) - c

    def predicted_centre(self, t: float) -> np.ndarray:
        return body_centre(self.raw) + self.shift(t)

    def predicted_bbox(self, t: float) -> np.ndarray:
        s = self.shift(t)
        return landmark_bbox(self.raw) + np.concatenate([s, s])


@dataclass
class TrackerParams:
    max_cost: float = 2.5  # refuse a match costing more (cost ~ torso lengths of distance)
    pose_weight: float = 0.5
    score_weight: float = 1.0  # cost of a candidate's partial view (1 - mean presence of the main joints)
    rescue_look: float = 0.3  # a lost person found again must look this alike (colour difference < this)
    rescue_reach: float = 0.1  # ... and be within this many frame widths
    rescue_speed: float = 0.5  # ... plus this many frame widths per second lost
    min_new_score: float = 0.5  # a newcomer needs this presence of nose and shoulders
    look_weight: float = 3.0  # weight of the clothes' colour difference (0..1) in the matching cost
    look_update: float = 0.05  # how fast a person's remembered colours follow what is seen
    confirm_frames: int = 4  # a newcomer counts after this many frames in a row (hides one-frame ghosts)
    tentative_misses: int = 1  # frames a newcomer may be missed before confirmation (their first crop may fail)
    settled_frames: int = 15  # seen this often, a person is waited for max_missing; before, 0.25 s
    max_missing: float = 1.0  # seconds a track coasts unseen before its exit
    velocity_smoothing: float = 0.5  # weight of the newest velocity measurement
    max_speed: float = 3.0  # frame widths per second; faster jumps are not trusted as velocity
    min_cutoff: float = 1.5
    beta: float = 10.0
    d_cutoff: float = 1.0
    compensate_lag: bool = False


class Tracks:
    """The set of live tracks and the assignment step. Deterministic: same inputs, same ids."""

    def __init__(self, params: TrackerParams, aspect: float, first_id: int = 1) -> None:
        self.p = params
        self.aspect = aspect
        self.live: list[Track] = []
        self._next_id = first_id

    @property
    def next_id(self) -> int:
        return self._next_id

    def rescue_costs(self, tracks: list[Track], cands: list[Candidate], t: float) -> np.ndarray:
        """Below 1 where a lost track may be this candidate: the clothes' colour difference plus the
        share of the distance they could have walked (`rescue_speed` frame widths per second)."""
        cost = np.full((len(tracks), len(cands)), 1e3)
        scale = np.array([self.aspect, 1.0])
        for i, tr in enumerate(tracks):
            reach = self.p.rescue_reach + self.p.rescue_speed * max(0.0, t - tr.t_seen)
            for j, c in enumerate(cands):
                dist = np.linalg.norm((body_centre(c.landmarks) - body_centre(tr.raw)) * scale) / self.aspect
                look = appearance.difference(tr.look, c.appearance)
                if dist < reach and look < self.p.rescue_look:
                    cost[i, j] = 0.5 * look / self.p.rescue_look + 0.5 * dist / reach
        return cost

    def cost_matrix(self, cands: list[Candidate], t: float, position_only: bool = False) -> np.ndarray:
        cost = np.zeros((len(self.live), len(cands)))
        scale = np.array([self.aspect, 1.0])
        for i, tr in enumerate(self.live):
            pc = tr.predicted_centre(t)
            size = body_size(tr.raw, self.aspect)
            pose = normalised_body(tr.raw, self.aspect)
            for j, c in enumerate(cands):
                dist = np.linalg.norm((body_centre(c.landmarks) - pc) * scale) / size
                if position_only:
                    cost[i, j] = dist
                    continue
                pose_diff = float(np.mean(np.linalg.norm(normalised_body(c.landmarks, self.aspect) - pose, axis=1)))
                # A half-hidden person yields a low-presence guess: prefer a confident candidate.
                cost[i, j] = (dist + self.p.pose_weight * pose_diff + self.p.score_weight * (1.0 - c.coverage)
                              + self.p.look_weight * appearance.difference(tr.look, c.appearance))
        return cost

    def update(self, cands: list[Candidate], t: float, capacity: int = 1000,
               confirm_new: bool = False) -> list[tuple[str, int, float]]:
        """Match this frame's candidates (already de-duplicated) to tracks; returns enter/exit events.
        Unmatched candidates start tracks, best score first, while fewer than `capacity` are live;
        they enter once confirmed (at once with `confirm_new`, for a first or single frame)."""
        events: list[tuple[str, int, float]] = []
        matched_tracks: set[int] = set()
        matched_cands: set[int] = set()
        if self.live and cands:
            cost = self.cost_matrix(cands, t)
            rows, cols = linear_sum_assignment(cost)
            for i, j in zip(rows, cols, strict=True):
                if cost[i, j] <= self.p.max_cost:
                    self._observe(self.live[i], cands[j], t)
                    matched_tracks.add(i)
                    matched_cands.add(j)
        # Second chance: a person lost a while ago (hidden behind someone, or their crop lost them)
        # who reappears away from where they were expected is still the same person, not a newcomer,
        # if they look the same and are no further than they could have walked meanwhile.
        lost = [i for i in range(len(self.live)) if i not in matched_tracks and self.live[i].misses > 0]
        fresh = [j for j in range(len(cands)) if j not in matched_cands]
        if lost and fresh:
            cost = self.rescue_costs([self.live[i] for i in lost], [cands[j] for j in fresh], t)
            rows, cols = linear_sum_assignment(cost)
            for r, c in zip(rows, cols, strict=True):
                if cost[r, c] < 1.0:
                    self._observe(self.live[lost[r]], cands[fresh[c]], t)
                    matched_tracks.add(lost[r])
                    matched_cands.add(fresh[c])
        seen_boxes = [landmark_bbox(self.live[i].raw) for i in matched_tracks]
        for i, tr in enumerate(self.live):
            if i not in matched_tracks:
                tr.misses += 1
        survivors = []
        for tr in self.live:
            if tr.misses > self.p.tentative_misses and not tr.confirmed:
                continue  # a tentative track that did not come back was a ghost: no events
            # Someone seen only briefly (often a half-view made up during a crossing) is not kept
            # waiting for as long as someone who stood there for a while.
            patience = self.p.max_missing if tr.hits >= self.p.settled_frames else min(self.p.max_missing, 0.25)
            if tr.misses and t - tr.t_seen > patience:
                events.append(("exit", tr.id, t))
            else:
                survivors.append(tr)
        self.live = survivors
        for tr in self.live:
            if not tr.confirmed and tr.hits >= self.p.confirm_frames:
                tr.confirmed = True
                events.append(("enter", tr.id, t))
        # A head inside the box of somebody seen this frame is most likely a glimpse of a person
        # behind them (already tracked, hidden) or a made-up half view: not a newcomer yet.
        for j in sorted(range(len(cands)), key=lambda j: -cands[j].score):
            c = cands[j]
            head = c.landmarks[HEAD, :2].mean(axis=0)
            if any(b[0] < head[0] < b[2] and b[1] < head[1] < b[3] for b in seen_boxes):
                continue
            if j not in matched_cands and len(self.live) < capacity and c.score >= self.p.min_new_score:
                tr = self._new(c, t, confirmed=confirm_new or self.p.confirm_frames <= 1)
                if tr.confirmed:
                    events.append(("enter", tr.id, t))
        return events

    def _new(self, c: Candidate, t: float, confirmed: bool) -> Track:
        p = self.p
        filt = OneEuroFilter(p.min_cutoff, p.beta, p.d_cutoff, p.compensate_lag)
        tr = Track(self._next_id, c.landmarks.copy(), c.landmarks.copy(), t, c.score, filt, world=c.world,
                   source=c.source, look=c.appearance, confirmed=confirmed, roi=c.roi, roi_found=c.found_in)
        filt(c.landmarks[:, :3], t)
        self._next_id += 1
        self.live.append(tr)
        return tr

    def _alone(self, tr: Track, c: Candidate, t: float) -> bool:
        box = c.bbox
        for other in self.live:
            if other is not tr:
                b = other.predicted_bbox(t)
                if box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3]:
                    return False
        return True

    def _observe(self, tr: Track, c: Candidate, t: float) -> None:
        dt = t - tr.t_seen
        # Only a clear view of this person alone measures their speed: while two people overlap, their
        # landmarks mix, and the velocity from before carries each through the crossing.
        if dt > 0 and c.score >= self.p.min_new_score and self._alone(tr, c, t):
            v = (body_centre(c.landmarks) - body_centre(tr.raw)) / dt
            if np.all(np.abs(v) < self.p.max_speed):
                a = self.p.velocity_smoothing
                tr.velocity = a * v + (1 - a) * tr.velocity
        tr.raw = c.landmarks.copy()
        tr.smooth = np.concatenate([tr.filt(c.landmarks[:, :3], t), c.landmarks[:, 3:4]], axis=1)
        tr.t_seen, tr.score, tr.world, tr.source, tr.roi = t, c.score, c.world, c.source, c.roi
        tr.roi_found = c.found_in
        # Remember colours only from a clear view of this person alone: a half-hidden view, or one
        # overlapping somebody else, would teach the track the other person's clothes.
        if c.appearance is not None and (tr.look is None or c.coverage >= 0.5 and self._alone(tr, c, t)):
            a = self.p.look_update
            tr.look = c.appearance if tr.look is None else (1 - a) * tr.look + a * c.appearance
        tr.hits += 1
        tr.misses = 0
