"""Distances and scores for generated sign motion.

All poses are (T, K, 2) arrays in shoulder widths (shoulder centre at the origin), so distances are
in shoulder widths. Masks are (T, K) booleans, True where a keypoint is present.

- `mean_dtw`: DTW over whole frames, frame cost = mean distance over the joints present in both; the
  accumulated cost of the best warping path divided by the reference length (shoulder widths/frame).
- `ndtw_mje`: nDTW-MJE as Ham2Pose defines it: for every keypoint, DTW between its two trajectories
  with the masked euclidean point distance (0 where the reference keypoint is missing, half the
  reference point's norm where only the generated one is missing), summed along the path; the mean
  over keypoints. Exact DTW here (Ham2Pose used the fastdtw approximation).
- `retrieval_rank`: rank of the true reference among distractors by a distance.
- `roc_auc`: area under the ROC curve (Mann-Whitney statistic, ties counted half).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from scipy.stats import rankdata


def dtw_cost(cost: np.ndarray, end_columns: np.ndarray | None = None) -> np.ndarray:
    """Accumulated cost of the best warping path for a batch of cost matrices (..., T1, T2).

    `end_columns` (...,) reads each path's end at column end_columns - 1 instead of the last one: a
    batch of second sequences of different lengths is padded on the right, and padding never
    reaches back into the columns before it.

    Steps are (1,0), (0,1), (1,1). Each row is solved at once: with A[j] = c[j] + min(D'[j], D'[j-1])
    from the previous row D', the row is D[j] = S[j] + min_{k<=j} (A[k] - S[k]), S the prefix sum
    of c, so a row costs one cumulative sum and one running minimum instead of a Python loop.
    """
    cost = np.asarray(cost, dtype=np.float64)
    if cost.shape[-1] == 0 or cost.shape[-2] == 0:
        raise ValueError("DTW needs two non-empty sequences")
    previous = np.cumsum(cost[..., 0, :], axis=-1)
    inf = np.full(previous.shape[:-1] + (1,), np.inf)
    for i in range(1, cost.shape[-2]):
        row = cost[..., i, :]
        diagonal = np.concatenate([inf, previous[..., :-1]], axis=-1)
        arrive = row + np.minimum(previous, diagonal)
        prefix = np.cumsum(row, axis=-1)
        previous = prefix + np.minimum.accumulate(arrive - prefix, axis=-1)
    if end_columns is None:
        return previous[..., -1]
    ends = np.broadcast_to(np.asarray(end_columns) - 1, previous.shape[:-1])
    return np.take_along_axis(previous, ends[..., None], axis=-1)[..., 0]


def _full_mask(pose: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    if mask is None:
        return np.isfinite(pose).all(axis=-1)
    mask = np.asarray(mask, dtype=bool)
    if mask.shape != pose.shape[:2]:
        raise ValueError(f"mask shape {mask.shape} does not match pose shape {pose.shape[:2]}")
    return mask & np.isfinite(pose).all(axis=-1)


def _check_pair(generated: np.ndarray, reference: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a = np.asarray(generated, dtype=np.float64)
    b = np.asarray(reference, dtype=np.float64)
    if a.ndim != 3 or b.ndim != 3 or a.shape[1:] != b.shape[1:]:
        raise ValueError(f"poses must be (T, K, D) with equal K, D; got {a.shape} and {b.shape}")
    return a, b


def mean_dtw(
    generated: np.ndarray,
    reference: np.ndarray,
    generated_mask: np.ndarray | None = None,
    reference_mask: np.ndarray | None = None,
) -> float:
    """Whole-frame DTW cost per reference frame, in shoulder widths."""
    a, b = _check_pair(generated, reference)
    ma, mb = _full_mask(a, generated_mask), _full_mask(b, reference_mask)
    both = ma[:, None, :] & mb[None, :, :]  # (T1, T2, K)
    dist = np.linalg.norm(np.nan_to_num(a)[:, None] - np.nan_to_num(b)[None, :], axis=-1)
    count = both.sum(-1)
    frame_cost = np.where(count > 0, (dist * both).sum(-1) / np.maximum(count, 1), 0.0)
    return float(dtw_cost(frame_cost) / len(b))


def ndtw_mje(
    generated: np.ndarray,
    reference: np.ndarray,
    generated_mask: np.ndarray | None = None,
    reference_mask: np.ndarray | None = None,
    keypoints: Sequence[int] | None = None,
) -> float:
    """Ham2Pose's nDTW-MJE: mean over keypoints of per-keypoint DTW with the masked distance."""
    a, b = _check_pair(generated, reference)
    ma, mb = _full_mask(a, generated_mask), _full_mask(b, reference_mask)
    if keypoints is not None:
        idx = np.asarray(list(keypoints), dtype=int)
        a, b, ma, mb = a[:, idx], b[:, idx], ma[:, idx], mb[:, idx]
    a, b = np.nan_to_num(a), np.nan_to_num(b)
    # (K, T1, T2) point distances with Ham2Pose's masking rule
    diff = np.linalg.norm(a.transpose(1, 0, 2)[:, :, None] - b.transpose(1, 0, 2)[:, None, :], axis=-1)
    half_ref = np.linalg.norm(b, axis=-1).T[:, None, :] / 2.0
    gen_present = ma.T[:, :, None]
    ref_present = mb.T[:, None, :]
    cost = np.where(ref_present, np.where(gen_present, diff, half_ref), 0.0)
    return float(dtw_cost(cost).mean())


def ndtw_mje_many(
    generated: np.ndarray,
    references: Sequence[np.ndarray],
    reference_masks: Sequence[np.ndarray | None] | None = None,
    generated_mask: np.ndarray | None = None,
) -> np.ndarray:
    """nDTW-MJE from one generated sequence to each of several references, solved as one batch."""
    a = np.asarray(generated, dtype=np.float64)
    n = len(references)
    masks = list(reference_masks) if reference_masks is not None else [None] * n
    longest = max(len(r) for r in references)
    refs = np.zeros((n, longest) + a.shape[1:])
    present = np.zeros((n, longest, a.shape[1]), dtype=bool)
    for i, r in enumerate(references):
        r = np.asarray(r, dtype=np.float64)
        if r.shape[1:] != a.shape[1:]:
            raise ValueError(f"reference {i} has shape {r.shape}, generated {a.shape}")
        present[i, : len(r)] = _full_mask(r, masks[i])
        refs[i, : len(r)] = np.nan_to_num(r)
    ma = _full_mask(a, generated_mask)
    a = np.nan_to_num(a).astype(np.float32)
    refs = refs.astype(np.float32)
    # point distances (N, K, T1, T2), one coordinate at a time to keep the temporaries 4-D
    squared = np.zeros((n, a.shape[1], len(a), longest), dtype=np.float32)
    for c in range(a.shape[2]):
        squared += np.square(a[:, :, c].T[None, :, :, None] - refs[:, :, :, c].transpose(0, 2, 1)[:, :, None, :])
    cost = np.sqrt(squared)
    if not (ma.all() and present.all()):
        half_ref = np.linalg.norm(refs, axis=-1).transpose(0, 2, 1)[:, :, None, :] / 2.0
        ref_present = present.transpose(0, 2, 1)[:, :, None, :]
        gen_present = ma.T[None, :, :, None]
        cost = np.where(ref_present, np.where(gen_present, cost, half_ref), 0.0)
    ends = np.array([len(r) for r in references])[:, None]
    return dtw_cost(cost, ends).mean(axis=1)


def retrieval_rank(distance_to_true: float, distances_to_distractors: Sequence[float]) -> int:
    """1 + the number of distractors strictly closer than the true reference."""
    d = np.asarray(distances_to_distractors, dtype=np.float64)
    return 1 + int((d < distance_to_true).sum())


def retrieval_ranks(
    generated: Sequence[np.ndarray],
    references: Sequence[np.ndarray],
    distance: Callable[[np.ndarray, np.ndarray], float],
    *,
    distractors: int = 20,
    seed: int = 0,
    reference_masks: Sequence[np.ndarray | None] | None = None,
) -> list[int]:
    """For each i, the rank of references[i] among itself and `distractors` other references."""
    n = len(references)
    if len(generated) != n:
        raise ValueError("need one generated sequence per reference")
    if n < 2:
        raise ValueError("retrieval needs at least two references")
    rng = np.random.default_rng(seed)
    masks = list(reference_masks) if reference_masks is not None else [None] * n
    ranks = []
    for i in range(n):
        others = np.array([j for j in range(n) if j != i])
        chosen = rng.choice(others, size=min(distractors, len(others)), replace=False)
        true_d = distance(generated[i], references[i], None, masks[i])
        other_d = [distance(generated[i], references[j], None, masks[j]) for j in chosen]
        ranks.append(retrieval_rank(true_d, other_d))
    return ranks


def roc_auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Probability that a random positive scores above a random negative (ties count half)."""
    scores = np.asarray(scores, dtype=np.float64).ravel()
    labels = np.asarray(labels, dtype=bool).ravel()
    positives, negatives = labels.sum(), (~labels).sum()
    if positives == 0 or negatives == 0:
        raise ValueError("ROC AUC needs both positive and negative labels")
    ranks = rankdata(scores)
    return float((ranks[labels].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def end_of_sign_labels(true_length: int, window: int) -> np.ndarray:
    """Label per frame t < window: True once the sign is over, i.e. frame t is the last frame or later."""
    return np.arange(window) >= true_length - 1


def step_end_scores(length: int, window: int) -> np.ndarray:
    """End scores of a method that only knows its own length: 0 before its last frame, 1 from it on."""
    return (np.arange(window) >= length - 1).astype(np.float64)
