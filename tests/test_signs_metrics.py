"""Sign-motion metrics on hand-made cases with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from models.signs import metrics


def brute_force_dtw(cost: np.ndarray) -> float:
    t1, t2 = cost.shape
    acc = np.full((t1 + 1, t2 + 1), np.inf)
    acc[0, 0] = 0.0
    for i in range(1, t1 + 1):
        for j in range(1, t2 + 1):
            acc[i, j] = cost[i - 1, j - 1] + min(acc[i - 1, j], acc[i, j - 1], acc[i - 1, j - 1])
    return float(acc[-1, -1])


def masked_point_cost(gen: np.ndarray, ref: np.ndarray, gen_present: np.ndarray, ref_present: np.ndarray):
    """Ham2Pose's point cost for one keypoint, (T1, D) against (T2, D), written out cell by cell."""
    cost = np.zeros((len(gen), len(ref)))
    for i in range(len(gen)):
        for j in range(len(ref)):
            if not ref_present[j]:
                cost[i, j] = 0.0
            elif not gen_present[i]:
                cost[i, j] = np.hypot(*ref[j]) / 2.0
            else:
                cost[i, j] = np.hypot(*(gen[i] - ref[j]))
    return cost


def test_dtw_equals_the_textbook_recursion():
    rng = np.random.default_rng(3)
    for shape in [(1, 1), (1, 7), (6, 1), (9, 13), (20, 11)]:
        cost = rng.random(shape)
        assert metrics.dtw_cost(cost) == pytest.approx(brute_force_dtw(cost), rel=1e-12)


def test_batched_dtw_with_end_columns_equals_the_textbook_recursion():
    rng = np.random.default_rng(11)
    for dtype in (np.float64, np.float32):
        for _ in range(20):
            t1, t2 = (int(x) for x in rng.integers(1, 30, size=2))
            cost = (rng.random((3, 4, t1, t2)) * rng.choice([0.01, 1.0, 50.0])).astype(dtype)
            ends = rng.integers(1, t2 + 1, size=(3, 1))
            got = metrics.dtw_cost(cost, ends)
            assert got.shape == (3, 4)
            for b in range(3):
                for k in range(4):
                    want = brute_force_dtw(cost[b, k, :, : ends[b, 0]].astype(np.float64))
                    assert got[b, k] == pytest.approx(want, rel=1e-12)


def test_dtw_refuses_empty_sequences():
    with pytest.raises(ValueError):
        metrics.dtw_cost(np.zeros((0, 4)))
    with pytest.raises(ValueError):
        metrics.ndtw_mje_many(np.zeros((3, 2, 2)), [np.zeros((0, 2, 2))])


def test_batched_ndtw_mje_equals_the_textbook_definition_on_random_sequences():
    rng = np.random.default_rng(17)
    for _ in range(6):
        keypoints = int(rng.integers(1, 6))
        gen = rng.normal(size=(int(rng.integers(1, 25)), keypoints, 2))
        refs = [rng.normal(size=(int(rng.integers(1, 25)), keypoints, 2)) for _ in range(4)]
        masks = [rng.random((len(r), keypoints)) > 0.25 for r in refs]
        gen_mask = rng.random((len(gen), keypoints)) > 0.25
        got = metrics.ndtw_mje_many(gen, refs, masks, gen_mask)
        want = [
            np.mean([brute_force_dtw(masked_point_cost(gen[:, k], r[:, k], gen_mask[:, k], m[:, k]))
                     for k in range(keypoints)])
            for r, m in zip(refs, masks, strict=True)
        ]
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)  # batched point costs are float32


def test_identical_sequences_have_distance_zero_and_rank_one():
    rng = np.random.default_rng(0)
    refs = [rng.normal(size=(int(rng.integers(5, 30)), 7, 2)) for _ in range(12)]
    for r in refs:
        assert metrics.mean_dtw(r, r) == pytest.approx(0.0, abs=1e-12)
        assert metrics.ndtw_mje(r, r) == pytest.approx(0.0, abs=1e-12)
    ranks = metrics.retrieval_ranks(refs, refs, metrics.ndtw_mje, distractors=20, seed=1)
    assert ranks == [1] * len(refs)


def test_a_constant_offset_costs_its_size_at_every_step():
    a = np.zeros((3, 2, 2))
    b = a + np.array([0.3, 0.4])  # every point 0.5 shoulder widths away
    # the best path has 3 steps of 0.5 for each keypoint
    assert metrics.ndtw_mje(a, b) == pytest.approx(1.5)
    assert metrics.mean_dtw(a, b) == pytest.approx(0.5)  # per reference frame


def test_a_slowed_down_copy_costs_nothing():
    a = np.cumsum(np.random.default_rng(1).normal(size=(10, 4, 2)), axis=0)
    slow = np.repeat(a, 2, axis=0)
    assert metrics.ndtw_mje(slow, a) == pytest.approx(0.0, abs=1e-12)
    assert metrics.mean_dtw(a, slow) == pytest.approx(0.0, abs=1e-12)


def test_missing_keypoints_follow_ham2pose():
    ref = np.array([[[3.0, 4.0], [1.0, 0.0]]])  # one frame, two keypoints
    gen = np.array([[[0.0, 0.0], [1.0, 0.0]]])
    # reference keypoint 0 missing: it costs nothing
    assert metrics.ndtw_mje(gen, ref, reference_mask=np.array([[False, True]])) == pytest.approx(0.0)
    # generated keypoint 0 missing, reference present: half the reference point's norm (5 / 2)
    assert metrics.ndtw_mje(gen, ref, generated_mask=np.array([[False, True]])) == pytest.approx(1.25)
    # NaN marks a missing point too
    nan_ref = ref.copy()
    nan_ref[0, 0] = np.nan
    assert metrics.ndtw_mje(gen, nan_ref) == pytest.approx(0.0)


def test_batched_distances_equal_single_ones():
    rng = np.random.default_rng(5)
    gen = rng.normal(size=(14, 6, 2))
    refs = [rng.normal(size=(n, 6, 2)) for n in (3, 14, 25)]
    masks = [rng.random((len(r), 6)) > 0.2 for r in refs]
    batched = metrics.ndtw_mje_many(gen, refs, masks)
    single = [metrics.ndtw_mje(gen, r, None, m) for r, m in zip(refs, masks, strict=True)]
    np.testing.assert_allclose(batched, single, rtol=1e-5)  # batched costs are float32


def test_retrieval_rank_counts_closer_distractors():
    assert metrics.retrieval_rank(0.5, [0.7, 0.9, 0.6]) == 1
    assert metrics.retrieval_rank(0.8, [0.7, 0.9, 0.6]) == 3


def test_roc_auc_known_values():
    assert metrics.roc_auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]) == pytest.approx(0.75)
    assert metrics.roc_auc([0, 0, 1, 1], [0, 0, 1, 1]) == pytest.approx(1.0)
    assert metrics.roc_auc([0.5] * 4, [0, 1, 0, 1]) == pytest.approx(0.5)
    with pytest.raises(ValueError):
        metrics.roc_auc([0.1, 0.2], [1, 1])


def test_end_labels_and_step_scores():
    labels = metrics.end_of_sign_labels(true_length=4, window=8)
    assert labels.tolist() == [False, False, False, True, True, True, True, True]
    assert metrics.roc_auc(metrics.step_end_scores(4, 8), labels) == pytest.approx(1.0)
    assert metrics.roc_auc(metrics.step_end_scores(6, 8), labels) < 1.0
