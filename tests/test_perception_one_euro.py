"""One Euro filter: less jitter on a noisy moving signal, with a lag that its own estimate accounts for."""

from __future__ import annotations

import numpy as np
import pytest

from runtime.perception.one_euro import OneEuroFilter

RATE = 30.0


def _run(f: OneEuroFilter, signal: np.ndarray) -> np.ndarray:
    t = np.arange(len(signal)) / RATE
    return np.array([f(np.array([v]), ti)[0] for v, ti in zip(signal, t, strict=True)])


def _lag_frames(out: np.ndarray, truth: np.ndarray) -> int:
    """The shift (in frames) that best aligns the filtered signal with the truth."""
    errs = [np.mean(np.abs(out[30 + k :] - truth[30 : len(truth) - k])) for k in range(15)]
    return int(np.argmin(errs))


def test_jitter_drops_and_lag_stays_within_its_estimate():
    rng = np.random.default_rng(3)
    t = np.arange(0, 8, 1 / RATE)
    truth = 0.5 + 0.2 * np.sin(2 * np.pi * 0.4 * t)  # a hand moving back and forth
    noisy = truth + rng.normal(0, 0.005, len(t))  # MediaPipe-like landmark jitter (frame units)
    f = OneEuroFilter()  # the documented defaults
    out = _run(f, noisy)
    jitter = lambda s: np.std(np.diff(s[30:], 2))  # noqa: E731
    assert jitter(out) < 0.6 * jitter(noisy)
    assert np.sqrt(np.mean((out - truth)[30:] ** 2)) < 0.02
    lag = _lag_frames(out, truth)
    assert lag <= 2
    # The reported delay is the first-order time constant at the current cutoff: in the right range.
    assert 0.005 < f.delay < 0.2


def test_at_rest_smoothing_is_strong_and_moving_it_is_light():
    rng = np.random.default_rng(4)
    still = 0.5 + rng.normal(0, 0.004, 120)
    f = OneEuroFilter()
    out = _run(f, still)
    assert np.std(out[30:]) < 0.5 * np.std(still[30:])
    rest_delay = f.delay
    ramp = 0.5 + np.arange(60) / RATE * 1.0  # one frame width per second
    g = OneEuroFilter()
    g_out = _run(g, ramp)
    assert g.delay < rest_delay / 2  # faster movement, higher cutoff, shorter lag
    steady_lag_s = (ramp[-1] - g_out[-1]) / 1.0
    assert steady_lag_s == pytest.approx(g.delay, rel=0.35)  # the estimate matches the lag on a ramp


def test_lag_compensation_removes_the_steady_lag():
    ramp = 0.2 + np.arange(60) / RATE * 0.5
    plain, comp = OneEuroFilter(), OneEuroFilter(compensate=True)
    a, b = _run(plain, ramp), _run(comp, ramp)
    assert abs(ramp[-1] - b[-1]) < 0.25 * abs(ramp[-1] - a[-1])
    assert comp.delay == 0.0


def test_missing_values_hold_the_last_estimate_and_bad_parameters_are_refused():
    f = OneEuroFilter()
    f(np.array([0.3, 0.4]), 0.0)
    out = f(np.array([np.nan, 0.5]), 1 / RATE)
    assert out[0] == pytest.approx(0.3) and 0.4 < out[1] < 0.5
    with pytest.raises(ValueError, match="min_cutoff"):
        OneEuroFilter(min_cutoff=0)
