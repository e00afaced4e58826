"""Disentanglement and mapping measures against the known generating factors."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.stats import spearmanr

from models.sonification.datasets import Factor

Encode = Callable[[np.ndarray], np.ndarray]  # factor levels (n, F) -> latent means (n, Z)

ACTIVE_STD = 0.1  # a latent whose mean varies less than this over the data carries nothing


def factorvae_score(encode_levels: Encode, factors: tuple[Factor, ...], rng: np.random.Generator,
                    n_train: int = 600, n_eval: int = 300, group: int = 64, n_ref: int = 4000) -> float:
    """Kim & Mnih's metric: fix one factor in a group of samples, take the (std-normalised) latent
    with the least variance over the group, and score a majority-vote classifier from that latent
    index to the fixed factor on held-out votes."""
    levels_ref = np.stack([rng.integers(0, f.levels, n_ref) for f in factors], axis=1)
    z_ref = encode_levels(levels_ref)
    std = z_ref.std(0)
    active = np.flatnonzero(std > ACTIVE_STD)
    if active.size == 0:
        return 0.0
    votes = np.zeros((len(active), len(factors)), dtype=int)
    eval_pairs = []
    for i in range(n_train + n_eval):
        k = int(rng.integers(len(factors)))
        levels = np.stack([rng.integers(0, f.levels, group) for f in factors], axis=1)
        levels[:, k] = rng.integers(factors[k].levels)
        z = encode_levels(levels)[:, active] / std[active]
        d = int(np.argmin(z.var(0)))
        if i < n_train:
            votes[d, k] += 1
        else:
            eval_pairs.append((d, k))
    classifier = votes.argmax(1)
    return float(np.mean([classifier[d] == k for d, k in eval_pairs]))


def _discrete_mi(a: np.ndarray, b: np.ndarray) -> float:
    joint = np.zeros((a.max() + 1, b.max() + 1))
    np.add.at(joint, (a, b), 1.0)
    joint /= joint.sum()
    pa, pb = joint.sum(1, keepdims=True), joint.sum(0, keepdims=True)
    nz = joint > 0
    return float((joint[nz] * np.log(joint[nz] / (pa @ pb)[nz])).sum())


def mutual_information(z: np.ndarray, levels: np.ndarray, bins: int = 20) -> np.ndarray:
    """(Z, F) mutual information in nats between each binned latent and each factor."""
    binned = np.stack([np.digitize(col, np.histogram_bin_edges(col, bins)[1:-1]) for col in z.T], axis=1)
    return np.array([[_discrete_mi(binned[:, j], levels[:, k]) for k in range(levels.shape[1])]
                     for j in range(z.shape[1])])


def mig(z: np.ndarray, levels: np.ndarray) -> tuple[float, list[float], np.ndarray]:
    """Mutual information gap: (mean, per factor, MI matrix)."""
    mi = mutual_information(z, levels)
    entropy = np.array([_discrete_mi(levels[:, k], levels[:, k]) for k in range(levels.shape[1])])
    top = np.sort(mi, axis=0)[::-1]
    gaps = (top[0] - top[1]) / entropy
    return float(gaps.mean()), [float(g) for g in gaps], mi


def factor_axes(z: np.ndarray, levels: np.ndarray, factors: tuple[Factor, ...]) -> dict[str, tuple[int, int]]:
    """For each factor: (its latent axis, sign of their rank correlation). Only active axes (whose
    mean varies by more than ACTIVE_STD over the data) are candidates: binning stretches a collapsed
    axis's tiny wobble over 20 bins and can give it spurious mutual information. Axes are assigned
    one to one, maximising the summed mutual information (normalised by each factor's entropy); when
    there are fewer active axes than factors, the factors with the least information get none."""
    from scipy.optimize import linear_sum_assignment

    active = np.flatnonzero(z.std(0) > ACTIVE_STD)
    mi = mutual_information(z[:, active], levels)
    entropy = np.array([_discrete_mi(levels[:, k], levels[:, k]) for k in range(levels.shape[1])])
    factor_rows, axis_cols = linear_sum_assignment(-(mi / entropy).T)
    out = {}
    for k, j in zip(factor_rows, axis_cols, strict=True):
        axis = int(active[j])
        rho = spearmanr(z[:, axis], levels[:, k]).statistic
        out[factors[k].name] = (axis, 1 if rho >= 0 else -1)
    return out


def rank_correlation(a: np.ndarray, b: np.ndarray) -> float:
    return float(spearmanr(a, b).statistic)
