"""What scenes read about each person and about the group, computed from smoothed landmarks.

Per person (`Person.features`, all floats):
- the joint angles of body.angles (left_elbow ... trunk_tilt), degrees, on the frame's
  true aspect ratio;
- x, y: body centre (mid shoulders and hips) in frame units (0..1, x right, y down);
- size: torso length (mid-shoulder to mid-hip) in frame heights;
- depth: distance from the camera in metres, from that size: a torso of `torso_m` metres that
  spans `size` of a frame whose vertical field of view is `vfov_deg` stands at
  torso_m / (2 tan(vfov / 2) size);
- room_x: metres right of the camera's axis at that depth;
- vx, vy, speed: body-centre velocity in frame heights per second;
- motion_energy: mean speed of the main joints relative to the body, in torso lengths per second
  (0 when still, ~1-3 when dancing): movement of the limbs, not of the whole person;
- left_hand_height, right_hand_height, hands_height (the higher of the two): wrist height above
  the mid-hip in torso lengths (0 at the hips, 1 at the shoulders, ~1.6 at the head, >2 raised);
- score, missing (seconds since the person was last seen; > 0 while occluded), smoothing_lag (s).

Added with the group: nearest_distance (metres to the nearest other person, -1 when alone),
neighbours (how many are nearer than `near_m`), synchrony (mean with the others, 0 when alone).

For the group (`GroupFeatures`): distance in metres for every pair, the pairs nearer than
`near_m`, and synchrony per pair: the correlation (-1..1) of the two people's joint-angle velocities
and motion energy over the last `sync_window` seconds, measured on the frames both were seen in.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np

from body import landmarks as lm
from body.angles import ANGLE_NAMES, joint_angles
from runtime.perception.tracking import BODY, body_centre, body_size


@dataclass(frozen=True, slots=True)
class FeatureParams:
    vfov_deg: float = 43.0  # camera's vertical field of view (a 720p webcam: about 43 degrees)
    torso_m: float = 0.5  # typical adult mid-shoulder to mid-hip length
    near_m: float = 1.2  # closer than this counts as near
    sync_window: float = 2.0  # seconds of history for synchrony
    min_sync_samples: int = 8


def normalised_pose(landmarks: np.ndarray, aspect: float = 1.0) -> np.ndarray:
    """(33, 2) landmarks centred on the body centre and scaled to torso lengths (y down).

    Two people in the same pose give the same array wherever they stand and however near they are.
    """
    scale = np.array([aspect, 1.0])
    p = landmarks[:, :2] * scale
    return (p - body_centre(landmarks) * scale) / body_size(landmarks, aspect)


@dataclass(slots=True)
class _History:
    t: deque = field(default_factory=deque)
    angles: deque = field(default_factory=deque)
    energy: deque = field(default_factory=deque)
    prev: np.ndarray | None = None  # normalised BODY joints at the previous sample
    prev_t: float = 0.0


class FeatureExtractor:
    """Keeps each person's short history (for speeds and synchrony) and computes the features."""

    def __init__(self, params: FeatureParams, width: int, height: int) -> None:
        self.p = params
        self.aspect = width / height
        self._hist: dict[int, _History] = {}
        self._k = 2 * math.tan(math.radians(params.vfov_deg) / 2)

    def person(self, pid: int, landmarks: np.ndarray, t: float, velocity: np.ndarray) -> dict[str, float]:
        f: dict[str, float] = dict(joint_angles(landmarks, aspect=self.aspect))
        c = body_centre(landmarks)
        size = body_size(landmarks, self.aspect)
        depth = self.p.torso_m / (self._k * size)
        f.update(x=float(c[0]), y=float(c[1]), size=size, depth=depth,
                 room_x=float((c[0] - 0.5) * self.aspect * self._k * depth))
        f.update(vx=float(velocity[0] * self.aspect), vy=float(velocity[1]),
                 speed=float(np.hypot(velocity[0] * self.aspect, velocity[1])))
        mid_hip_y = (landmarks[lm.L_HIP, 1] + landmarks[lm.R_HIP, 1]) / 2
        torso = size  # in frame heights, same unit as y
        f["left_hand_height"] = float((mid_hip_y - landmarks[lm.L_WRIST, 1]) / torso)
        f["right_hand_height"] = float((mid_hip_y - landmarks[lm.R_WRIST, 1]) / torso)
        f["hands_height"] = max(f["left_hand_height"], f["right_hand_height"])

        h = self._hist.setdefault(pid, _History())
        pose = normalised_pose(landmarks, self.aspect)[BODY]
        energy = 0.0
        if h.prev is not None and t > h.prev_t:
            energy = float(np.mean(np.linalg.norm(pose - h.prev, axis=1)) / (t - h.prev_t))
        if t > h.prev_t or h.prev is None:
            h.prev, h.prev_t = pose, t
            h.t.append(t)
            h.angles.append(np.array([f[n] for n in ANGLE_NAMES]))
            h.energy.append(energy)
            while h.t and h.t[0] < t - self.p.sync_window:
                h.t.popleft()
                h.angles.popleft()
                h.energy.popleft()
        f["motion_energy"] = energy
        return f

    def forget(self, pid: int) -> None:
        self._hist.pop(pid, None)

    def synchrony(self, a: int, b: int) -> float | None:
        """Correlation of two people's movements over the window, or None with too few shared frames."""
        ha, hb = self._hist.get(a), self._hist.get(b)
        if ha is None or hb is None:
            return None
        common = sorted(set(ha.t) & set(hb.t))
        if len(common) < self.p.min_sync_samples:
            return None
        ia = {t: i for i, t in enumerate(ha.t)}
        ib = {t: i for i, t in enumerate(hb.t)}
        ang_a = np.array([ha.angles[ia[t]] for t in common])
        ang_b = np.array([hb.angles[ib[t]] for t in common])
        va, vb = np.diff(ang_a, axis=0), np.diff(ang_b, axis=0)
        ok = np.isfinite(va) & np.isfinite(vb)
        corrs = []
        if ok.sum() >= self.p.min_sync_samples:
            corrs.append(_corr(va[ok], vb[ok]))
        ea = np.array([ha.energy[ia[t]] for t in common[1:]])
        eb = np.array([hb.energy[ib[t]] for t in common[1:]])
        corrs.append(_corr(ea, eb))
        return float(np.mean(corrs))

    def group(self, people: list) -> GroupFeatures:
        g = GroupFeatures(count=len(people))
        for pa, pb in combinations(sorted(people, key=lambda p: p.id), 2):
            fa, fb = pa.features, pb.features
            d = float(math.hypot(fa["room_x"] - fb["room_x"], fa["depth"] - fb["depth"]))
            g.distances[(pa.id, pb.id)] = d
            if d < self.p.near_m:
                g.near.append((pa.id, pb.id))
            s = self.synchrony(pa.id, pb.id)
            if s is not None:
                g.synchrony[(pa.id, pb.id)] = s
        for p in people:
            ds = [d for k, d in g.distances.items() if p.id in k]
            ss = [s for k, s in g.synchrony.items() if p.id in k]
            p.features["nearest_distance"] = min(ds) if ds else -1.0  # -1: nobody else in view
            p.features["neighbours"] = float(sum(1 for k in g.near if p.id in k))
            p.features["synchrony"] = float(np.mean(ss)) if ss else 0.0
        if g.distances:
            g.mean_distance = float(np.mean(list(g.distances.values())))
        if g.synchrony:
            g.mean_synchrony = float(np.mean(list(g.synchrony.values())))
        return g


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a.ravel() - a.mean(), b.ravel() - b.mean()
    den = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum() / den) if den > 1e-12 else 0.0


@dataclass(slots=True)
class GroupFeatures:
    """The group as a whole: who is near whom and how together they move. Pairs are (lower id, higher id)."""

    count: int = 0
    distances: dict[tuple[int, int], float] = field(default_factory=dict)  # metres
    near: list[tuple[int, int]] = field(default_factory=list)
    synchrony: dict[tuple[int, int], float] = field(default_factory=dict)  # -1..1
    mean_distance: float = 0.0
    mean_synchrony: float = 0.0
