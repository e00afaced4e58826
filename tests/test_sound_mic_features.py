"""Microphone features computed from known signals: YIN pitch, level, onsets, centroid, mel bands."""

from __future__ import annotations

import numpy as np
import pytest

from runtime.devices.mic_features import FeatureExtractor, mel_filterbank, yin
from runtime.devices.microphone import Microphone

SR = 48000


def tone(freq: float, seconds: float = 0.5, amp: float = 0.2, harmonics: int = 1) -> np.ndarray:
    t = np.arange(int(SR * seconds)) / SR
    x = sum(amp / k * np.sin(2 * np.pi * freq * k * t) for k in range(1, harmonics + 1))
    return np.asarray(x, dtype=np.float32)


@pytest.mark.parametrize("freq", [65.0, 110.0, 261.63, 440.0, 987.77, 1500.0])
def test_yin_pitch_within_a_tenth_of_a_percent(freq):
    feats = FeatureExtractor(SR).push(tone(freq, harmonics=5), t_last=1.0)
    last = feats[-1]
    assert last.pitch_hz == pytest.approx(freq, rel=0.001)
    assert last.pitch_confidence > 0.95


def test_yin_finds_a_missing_fundamental_and_rejects_noise():
    t = np.arange(4096) / SR
    partials = sum(np.sin(2 * np.pi * 200 * k * t) for k in (2, 3, 4))  # no energy at 200 Hz itself
    pitch, confidence = yin(partials, SR, 60, 1600)
    assert pitch == pytest.approx(200.0, rel=0.002) and confidence > 0.9
    noise = np.random.default_rng(0).normal(0, 0.1, 4096)
    _, confidence = yin(noise, SR, 60, 1600)
    assert confidence < 0.6


@pytest.mark.parametrize("amp", [1.0, 0.2, 0.01])
def test_rms_level_in_dbfs(amp):
    last = FeatureExtractor(SR).push(tone(440.0, amp=amp), t_last=1.0)[-1]
    assert last.rms_db == pytest.approx(20 * np.log10(amp / np.sqrt(2)), abs=0.1)


def test_one_feature_frame_per_hop_stamped_with_the_capture_time():
    fe = FeatureExtractor(SR, hop=480)
    block = tone(300.0, seconds=0.1)  # 4800 samples = 10 hops
    feats = fe.push(block, t_last=5.0)
    assert len(feats) == 10
    times = np.array([f.t_capture for f in feats])
    np.testing.assert_allclose(np.diff(times), 0.01, atol=1e-9)
    assert times[-1] == pytest.approx(5.0)
    assert len(fe.push(block[:100], t_last=5.1)) == 0  # a partial hop waits for the rest


def test_onsets_found_where_the_notes_start():
    rng = np.random.default_rng(1)
    x = rng.normal(0, 0.002, SR * 2).astype(np.float32)
    starts = [0.25, 0.6, 1.05, 1.5]
    for s in starts:
        i = int(s * SR)
        n = int(0.2 * SR)
        x[i : i + n] += 0.4 * np.sin(2 * np.pi * 523.25 * np.arange(n) / SR) * np.exp(-np.arange(n) / (0.05 * SR))
    fe = FeatureExtractor(SR)
    found = [f.t_capture for f in fe.push(x, t_last=(len(x) - 1) / SR) if f.onset]
    assert len(found) == len(starts)
    for got, want in zip(found, starts, strict=True):
        assert want <= got <= want + 0.015  # within the hop (10 ms) that holds the start


def test_centroid_and_mel_band_of_a_sine():
    for freq in (300.0, 2000.0, 8000.0):
        last = FeatureExtractor(SR).push(tone(freq), t_last=1.0)[-1]
        assert last.centroid_hz == pytest.approx(freq, rel=0.02)
        assert last.mel.shape == (64,) and last.mel.dtype == np.float32
        bank = mel_filterbank(SR, 2048)
        bin_ = int(round(freq * 2048 / SR))
        assert int(np.argmax(last.mel)) == int(np.argmax(bank[:, bin_]))
        assert last.mel.max() == pytest.approx(20 * np.log10(0.2), abs=3.0)  # a 0.2 sine in one band


def test_silence_has_no_pitch_and_no_onset():
    feats = FeatureExtractor(SR).push(np.zeros(SR // 2, np.float32), t_last=0.5)
    assert all(f.pitch_hz == 0 and not f.onset and f.rms_db < -150 for f in feats)


def test_microphone_without_a_device_is_lost_with_the_reason_and_keeps_trying():
    mic = Microphone({"device": "no-such-input-device-zz"})
    mic.start()  # the device may be plugged in later: lost, not off
    try:
        status = mic.status()
        assert status.startswith("lost: ") and "no-such-input-device-zz" in status, status
        assert mic.latest() is None  # scenes get silence
    finally:
        mic.stop()
    assert mic.status() == "off"
    assert Microphone({"enabled": False}).status() == "off"
