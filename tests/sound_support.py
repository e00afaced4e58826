"""Shared by the sound tests: a private JACK dummy server and measurements."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from sound.jack_dummy import JackDummy, JackUnavailable


def jack_server() -> Iterator[JackDummy]:
    """Start a uniquely named JACK dummy server for this process's clients; skip if jackd is missing."""
    if JackDummy.available():
        pytest.skip(JackDummy.available())
    server = JackDummy(rate=48000, period=256)
    try:
        server.start()
    except JackUnavailable as exc:
        pytest.skip(f"jackd did not start: {exc}")
    server.activate()
    try:
        yield server
    finally:
        server.stop()


def peak_hz(x: np.ndarray, sr: float) -> float:
    """Frequency of the strongest FFT bin, refined by parabolic interpolation on log magnitudes."""
    n = 1 << int(np.ceil(np.log2(len(x)))) + 2
    mag = np.log(np.abs(np.fft.rfft(x * np.hanning(len(x)), n)) + 1e-12)
    k = int(np.argmax(mag[1:])) + 1
    a, b, c = mag[k - 1], mag[k], mag[k + 1]
    return float((k + 0.5 * (a - c) / (a - 2 * b + c)) * sr / n)
