"""Synthetic training data: every posture posed by the body model with natural variation, seen by
random cameras, plus 'none' poses (random poses, standing about, sitting on chairs, walking, half-way
transitions) that match no posture."""

from __future__ import annotations

import numpy as np

from body import body_model as bm
from body.angles import ANGLE_NAMES
from body.postures import NONE_LABEL, REFERENCE_ANGLES, Posture, load_postures
from models.postures.features import angle_matrix

_REF_IDX = [ANGLE_NAMES.index(n) for n in REFERENCE_ANGLES]


def true_angles(params: np.ndarray) -> np.ndarray:
    """The 3D reference angles (REFERENCE_ANGLES order) of a pose, measured on its skeleton."""
    pts = bm.skeleton(params) * np.array([1.0, -1.0, 1.0])  # image y points down
    return angle_matrix(pts[None], 1.0, use_z=True)[0, _REF_IDX]


def matches_any(angles: np.ndarray, postures: list[Posture], slack: float = 1.2) -> bool:
    """Whether these reference angles lie within (slack x) tolerance of any posture or its mirror."""
    for p in postures:
        for q in (p, p.mirrored()):
            ref = np.array([q.angles[n][0] for n in REFERENCE_ANGLES])
            tol = np.array([q.angles[n][1] for n in REFERENCE_ANGLES])
            if np.all(np.abs(angles - ref) <= slack * tol):
                return True
    return False


def none_params(rng: np.random.Generator, postures: list[Posture]) -> np.ndarray:
    """A pose that is none of the postures: random, standing about, sitting on a chair, walking, or
    half-way between two postures."""
    while True:
        r = rng.random()
        if r < 0.35:
            v = bm.random_params(rng)
        elif r < 0.5:
            v = bm.standing_params(rng)
        elif r < 0.62:
            v = bm.sitting_params(rng)
        elif r < 0.77:
            v = bm.walking_params(rng.random(), rng.uniform(0.6, 1.4))
            v[bm.P["left_shoulder"]] += rng.uniform(0, 40)
        else:
            a, b = rng.choice(len(postures), 2, replace=False)
            pa, pb = postures[a], postures[b]
            w = rng.uniform(0.3, 0.7)
            v = (1 - w) * bm.params_for(pa if rng.random() < 0.5 else pa.mirrored()) + w * bm.params_for(pb)
        v = bm.clamp_angles(v)
        if not matches_any(true_angles(v), postures):
            return v


def make_dataset(n_per_class: int, seed: int, none_factor: float = 2.0) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(landmarks (N, 33, 4) float32, labels (N,) int64, class names) with classes in posture order + none."""
    rng = np.random.default_rng(seed)
    postures = list(load_postures().values())
    names = [p.name for p in postures] + [NONE_LABEL]
    lms, labels = [], []
    for k, p in enumerate(postures):
        for _ in range(n_per_class):
            q = p.mirrored() if rng.random() < 0.5 else p
            lms.append(bm.sample_landmarks(bm.vary(q, rng), rng, noise=rng.uniform(0.3, 1.5)))
            labels.append(k)
    for _ in range(int(n_per_class * none_factor)):
        lms.append(bm.sample_landmarks(none_params(rng, postures), rng, noise=rng.uniform(0.3, 1.5)))
        labels.append(len(postures))
    return np.stack(lms).astype(np.float32), np.array(labels, dtype=np.int64), names
