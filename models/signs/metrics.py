"""Distances and scores for generated sign motion.

All poses are (T, K, 2) arrays in shoulder widths (shoulder centre at the origin), so distances are
in shoulder widths. Masks are (T, K) booleans, True where a keypoint is present.

- `mean_dtw`: DTW over whole frames, frame cost = mean distance over the joints present in both; the
  accumulated cost of the best warping path divided by the reference length (shoulder widths/frame).
- `ndtw_mje`: nDTW-MJE as Ham2Pose defines it: for every keypoint, DTW between its two trajectories
  with the masked euclidean point distance (0 where the reference keypoint is missing, half the
  reference point's norm where only the generated one is missing), summed along the path; the mean
  over keypoints. Exact DTW here (Ham2Pose used the fastdtw approximation).

The DTW recursion is compiled with numba (the machine code is cached in __pycache__ after the first
call); for nDTW-MJE the compiled loop also makes the point costs, one row at a time, so no (N, K, T1, T2)
cost array is ever built.
- `retrieval_rank`: rank of the true reference among distractors by a distance.
- `roc_auc`: area under the ROC curve (Mann-Whitney statistic, ties counted half).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numba
import numpy as np
from scipy.stats import rankdata


@numba.njit(cache=True, nogil=True)
def _advance(row: np.ndarray, cost: np.ndarray, end: int, first: bool) -> None:
    """Turn `row` (the accumulated costs of the previous row) into those of the row with `cost`,
    over columns 0 .. end - 1: D[i, j] = c[i, j] + min(D[i-1, j], D[i-1, j-1], D[i, j-1])."""
    if first:
        total = 0.0
        for j in range(end):
            total += cost[j]
            row[j] = total
        return
    diagonal = row[0]
    row[0] = diagonal + cost[0]
    for j in range(1, end):
        up = row[j]
        row[j] = cost[j] + min(up, diagonal, row[j - 1])
        diagonal = up


@numba.njit(cache=True, nogil=True)
def _accumulate(cost: np.ndarray, ends: np.ndarray, out: np.ndarray) -> None:
    """Accumulated cost at (T1 - 1, ends[b] - 1) of each (T1, T2) matrix of a batch."""
    row = np.empty(cost.shape[2], dtype=np.float64)
    for b in range(cost.shape[0]):
        for i in range(cost.shape[1]):
            _advance(row, cost[b, i], ends[b], i == 0)
        out[b] = row[ends[b] - 1]


@numba.njit(cache=True, nogil=True)
def _accumulate_keypoints(generated, generated_present, references, reference_present, half_reference, ends, out):
    """Per-keypoint DTW from one generated sequence to a batch of references, the costs made row by row.

    generated (K, T1, D) float32, generated_present (K, T1); references (N, K, T2, D) float32,
    reference_present and half_reference (N, K, T2); out (N, K). Point cost: the float32 euclidean
    distance, half the reference point's norm where only the generated point is missing, 0 where the
    reference point is missing.
    """
    keypoints, frames, dims = generated.shape
    cost = np.empty(references.shape[2], dtype=np.float32)
    row = np.empty(references.shape[2], dtype=np.float64)
    for n in range(references.shape[0]):
        end = ends[n]
        for k in range(keypoints):
            for i in range(frames):
                for j in range(end):
                    if not reference_present[n, k, j]:
                        cost[j] = 0.0
                    elif not generated_present[k, i]:
                        cost[j] = half_reference[n, k, j]
                    else:
                        squared = np.float32(0.0)
                        for c in range(dims):
                            d = generated[k, i, c] - references[n, k, j, c]
                            squared += d * d
                        cost[j] = np.sqrt(squared)
                _advance(row, cost, end, i == 0)
            out[n, k] = row[end - 1]


def dtw_cost(cost: np.ndarray, end_columns: np.ndarray | None = None) -> np.ndarray:
    """Accumulated cost of the best warping path for a batch of cost matrices (..., T1, T2).

    `end_columns` (...,) reads each path's end at column end_columns - 1 instead of the last one: a
    batch of second sequences of different lengths is padded on the right, and padding never
    reaches back into the columns before it (nor is it read).

    Steps are (1,0), (0,1), (1,1): D[i, j] = c[i, j] + min(D[i-1, j], D[i-1, j-1], D[i, j-1]),
    accumulated in float64 whatever the cost's dtype (float32 costs are read as they are).
    """
    cost = np.asarray(cost)
    if cost.dtype not in (np.float32, np.float64):
        cost = cost.astype(np.float64)
    t1, t2 = cost.shape[-2:]
    if t1 == 0 or t2 == 0:
        raise ValueError("DTW needs two non-empty sequences")
    batch = cost.shape[:-2]
    if end_columns is None:
        ends = np.full(batch, t2, dtype=np.int64)
    else:
        ends = np.array(np.broadcast_to(np.asarray(end_columns, dtype=np.int64), batch))
        if ends.size and (ends.min() < 1 or ends.max() > t2):
            raise ValueError(f"end columns must lie in 1..{t2}")
    out = np.empty(ends.size, dtype=np.float64)
    _accumulate(np.ascontiguousarray(cost.reshape((-1, t1, t2))), ends.reshape(-1), out)
    return out.reshape(batch) if batch else out[0]


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
    half_ref = np.linalg.norm(refs, axis=-1) / 2.0  # (N, T2, K) float32
    ends = np.array([len(r) for r in references], dtype=np.int64)
    if len(a) == 0 or ends.min() == 0:
        raise ValueError("DTW needs two non-empty sequences")
    out = np.empty((n, a.shape[1]), dtype=np.float64)
    _accumulate_keypoints(
        np.ascontiguousarray(a.transpose(1, 0, 2)),
        np.ascontiguousarray(ma.T),
        np.ascontiguousarray(refs.transpose(0, 2, 1, 3)),
        np.ascontiguousarray(present.transpose(0, 2, 1)),
        np.ascontiguousarray(half_ref.transpose(0, 2, 1)),
        ends,
        out,
    )
    return out.mean(axis=1)


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
