"""Microphone features from sample arrays: level, onsets, YIN pitch, spectral centroid, 64 mel bands.

Pure computation, no device: `FeatureExtractor.push(block, t_last)` takes samples as they come
and returns one `MicFeatures` per hop (480 samples at 48 kHz = 100 Hz), so the same code runs on
a live stream, on a file and in tests.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

SILENCE_DB = -70.0  # below this RMS there is no pitch and no onset


@dataclass(slots=True)
class MicFeatures:
    """What the microphone heard in the window that ended at `t_capture`."""

    t_capture: float  # engine clock time of the newest sample in the analysis window
    rms_db: float  # RMS level of the newest 1024 samples, dBFS (a full-scale sine is -3.01)
    onset: bool  # an onset was detected in this hop
    pitch_hz: float  # YIN fundamental, 0.0 when unvoiced or silent
    pitch_confidence: float  # 0..1 (1 - YIN's cumulative-mean-normalised difference at the period)
    centroid_hz: float  # spectral centroid
    mel: np.ndarray  # (64,) float32 mel band power in dB (relative to a full-scale sine in one band)
    onsets: list[float] = field(default_factory=list)  # onset times (engine clock) since the last latest()
    t_ready: float = 0.0  # engine clock time when these features became available


def mel_filterbank(sr: int, n_fft: int, n_mel: int = 64, fmin: float = 40.0, fmax: float | None = None) -> np.ndarray:
    """(n_mel, n_fft//2+1) triangular filters equally spaced on the mel scale (HTK formula)."""
    fmax = fmax or sr / 2

    def hz_to_mel(f: np.ndarray | float) -> np.ndarray:
        return 2595.0 * np.log10(1.0 + np.asarray(f) / 700.0)

    def mel_to_hz(m: np.ndarray) -> np.ndarray:
        return 700.0 * (10 ** (m / 2595.0) - 1.0)

    edges = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mel + 2))
    freqs = np.fft.rfftfreq(n_fft, 1.0 / sr)
    bank = np.zeros((n_mel, freqs.size), dtype=np.float32)
    for i in range(n_mel):
        lo, mid, hi = edges[i], edges[i + 1], edges[i + 2]
        rise = (freqs - lo) / max(mid - lo, 1e-9)
        fall = (hi - freqs) / max(hi - mid, 1e-9)
        bank[i] = np.clip(np.minimum(rise, fall), 0.0, None)
    return bank


def yin(frame: np.ndarray, sr: int, fmin: float, fmax: float, threshold: float = 0.1) -> tuple[float, float]:
    """YIN (de Cheveigné & Kawahara 2002): (pitch_hz, confidence) of one frame; (0, 0) if unvoiced."""
    x = np.asarray(frame, dtype=np.float64)
    tau_max = min(int(sr / fmin), x.size // 2)
    tau_min = max(2, int(sr / fmax))
    w = x.size - tau_max
    n = 1 << int(np.ceil(np.log2(x.size + w)))
    spectrum = np.fft.rfft(x, n)
    acf = np.fft.irfft(spectrum * np.conj(np.fft.rfft(x[:w], n)), n)[: tau_max + 1]
    energy = np.concatenate(([0.0], np.cumsum(x * x)))
    e0 = energy[w]
    e_tau = energy[np.arange(tau_max + 1) + w] - energy[: tau_max + 1]
    diff = np.maximum(e0 + e_tau - 2.0 * acf, 0.0)
    cmnd = np.ones_like(diff)
    running = np.cumsum(diff[1:])
    cmnd[1:] = diff[1:] * np.arange(1, tau_max + 1) / np.maximum(running, 1e-12)
    below = np.nonzero(cmnd[tau_min:tau_max] < threshold)[0]
    if below.size:
        tau = tau_min + int(below[0])
        while tau + 1 < tau_max and cmnd[tau + 1] < cmnd[tau]:
            tau += 1
    else:
        tau = tau_min + int(np.argmin(cmnd[tau_min:tau_max]))
    confidence = float(np.clip(1.0 - cmnd[tau], 0.0, 1.0))
    if tau <= tau_min or tau >= tau_max - 1:
        return 0.0, confidence if below.size else 0.0
    a, b, c = cmnd[tau - 1], cmnd[tau], cmnd[tau + 1]
    denom = a - 2 * b + c
    shift = 0.5 * (a - c) / denom if abs(denom) > 1e-12 else 0.0
    return float(sr / (tau + np.clip(shift, -1.0, 1.0))), confidence


class FeatureExtractor:
    """Streaming feature extraction with a fixed hop; keeps the newest `window` samples."""

    def __init__(
        self,
        sr: int = 48000,
        hop: int = 480,
        window: int = 2048,
        n_mel: int = 64,
        pitch_min: float = 60.0,
        pitch_max: float = 1600.0,
        onset_threshold_db: float = 6.0,
        onset_min_gap: float = 0.08,
    ) -> None:
        if window < 2 * sr / pitch_min + 1:
            window = int(2 ** np.ceil(np.log2(2 * sr / pitch_min + 1)))  # YIN needs two periods
        self.sr, self.hop, self.window = sr, hop, window
        self.pitch_min, self.pitch_max = pitch_min, pitch_max
        self.onset_threshold_db, self.onset_min_gap = onset_threshold_db, onset_min_gap
        self._buf = np.zeros(window, dtype=np.float32)
        self._pending = 0  # samples received since the last hop
        self._hann = np.hanning(window).astype(np.float32)
        self._freqs = np.fft.rfftfreq(window, 1.0 / sr)
        self._mel = mel_filterbank(sr, window, n_mel)
        # power of a full-scale sine through the Hann window, so a full-scale tone in one band reads ~0 dB
        self._ref_power = (np.sum(self._hann) / 2) ** 2
        self._prev_mel: np.ndarray | None = None
        self._flux_history: deque[float] = deque(maxlen=50)
        self._last_onset = -1e9

    def push(self, block: np.ndarray, t_last: float) -> list[MicFeatures]:
        """Feed samples (mono float, -1..1); `t_last` is the capture time of the block's last sample."""
        block = np.asarray(block, dtype=np.float32).ravel()
        out: list[MicFeatures] = []
        pos = 0
        while pos < block.size:
            take = min(self.hop - self._pending, block.size - pos)
            self._buf = np.roll(self._buf, -take)
            self._buf[-take:] = block[pos : pos + take]
            pos += take
            self._pending += take
            if self._pending == self.hop:
                self._pending = 0
                t = t_last - (block.size - pos) / self.sr
                out.append(self.analyse(self._buf, t))
        return out

    def analyse(self, frame: np.ndarray, t: float) -> MicFeatures:
        """Features of one full window whose newest sample was captured at `t`."""
        recent = frame[-1024:].astype(np.float64)
        rms = float(np.sqrt(np.mean(recent * recent)))
        rms_db = 20.0 * np.log10(max(rms, 1e-10))
        power = np.abs(np.fft.rfft(frame * self._hann)) ** 2
        total = float(power.sum())
        centroid = float((self._freqs * power).sum() / total) if total > 1e-20 else 0.0
        mel_db = (10.0 * np.log10(self._mel @ power / self._ref_power + 1e-12)).astype(np.float32)
        onset = self._detect_onset(mel_db, rms_db, t)
        pitch, confidence = 0.0, 0.0
        if rms_db > SILENCE_DB:
            pitch, confidence = yin(frame, self.sr, self.pitch_min, self.pitch_max)
        return MicFeatures(t, rms_db, onset, pitch, confidence, centroid, mel_db, [t] if onset else [])

    def _detect_onset(self, mel_db: np.ndarray, rms_db: float, t: float) -> bool:
        # spectral flux on the log-mel bands: only rises count; threshold adapts to the recent median
        floor = np.maximum(mel_db, -100.0)
        if self._prev_mel is None:
            self._prev_mel = floor
            return False
        flux = float(np.mean(np.maximum(floor - self._prev_mel, 0.0)))
        self._prev_mel = floor
        baseline = float(np.median(self._flux_history)) if self._flux_history else 0.0
        self._flux_history.append(flux)
        warming_up = len(self._flux_history) < 5  # the window is still filling from zeros
        if warming_up or rms_db <= SILENCE_DB or t - self._last_onset < self.onset_min_gap:
            return False
        if flux > baseline + self.onset_threshold_db:
            self._last_onset = t
            return True
        return False
