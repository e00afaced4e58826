"""Sound features: 64 mel bands in dB of a steady note, and Griffin-Lim back to audio for listening."""

from __future__ import annotations

import numpy as np

SR = 22050
N_FFT = 1024
HOP = 256
N_MELS = 64
F_MIN = 40.0
F_MAX = 8000.0
N_SAMPLES = 2048  # rendered per example; the first SETTLE samples are skipped (filter settling)
SETTLE = 256
DB_FLOOR = -90.0


def hz_to_mel(f: np.ndarray | float) -> np.ndarray:
    return 2595.0 * np.log10(1.0 + np.asarray(f, dtype=np.float64) / 700.0)


def mel_to_hz(m: np.ndarray | float) -> np.ndarray:
    return 700.0 * (10.0 ** (np.asarray(m, dtype=np.float64) / 2595.0) - 1.0)


def mel_filterbank(sr: int = SR, n_fft: int = N_FFT, n_mels: int = N_MELS,
                   f_min: float = F_MIN, f_max: float = F_MAX) -> np.ndarray:
    """(n_mels, n_fft // 2 + 1) triangular filters, area-normalised (Slaney)."""
    bins = np.fft.rfftfreq(n_fft, 1.0 / sr)
    edges = mel_to_hz(np.linspace(hz_to_mel(f_min), hz_to_mel(f_max), n_mels + 2))
    lower, centre, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (bins[None, :] - lower) / (centre - lower)
    falling = (upper - bins[None, :]) / (upper - centre)
    fb = np.maximum(0.0, np.minimum(rising, falling))
    return fb * (2.0 / (upper - lower))


MEL_FILTERBANK = mel_filterbank()
_WINDOW = np.hanning(N_FFT + 1)[:-1]
# Reference power: a full-scale sine lands at 0 dB in its band.
_SINE_1K = np.sin(2 * np.pi * 1000.0 * np.arange(N_FFT) / SR)
REFERENCE_POWER = float(np.max(MEL_FILTERBANK @ np.abs(np.fft.rfft(_WINDOW * _SINE_1K)) ** 2))


def power_spectrum(audio: np.ndarray) -> np.ndarray:
    """(B, n) audio -> (B, N_FFT//2+1) mean power over Hann frames after the settling part."""
    audio = np.atleast_2d(audio)
    body = audio[:, SETTLE:]
    n_frames = 1 + (body.shape[1] - N_FFT) // HOP
    idx = np.arange(N_FFT)[None, :] + HOP * np.arange(n_frames)[:, None]
    frames = body[:, idx] * _WINDOW  # (B, F, N_FFT)
    return (np.abs(np.fft.rfft(frames, axis=-1)) ** 2).mean(axis=1)


def mel_db(audio: np.ndarray) -> np.ndarray:
    """(B, n) audio -> (B, 64) float32 mel band levels in dB (floor DB_FLOOR)."""
    mel = power_spectrum(audio) @ MEL_FILTERBANK.T
    return np.maximum(10.0 * np.log10(np.maximum(mel / REFERENCE_POWER, 1e-30)), DB_FLOOR).astype(np.float32)


def mel_db_to_power(mel: np.ndarray) -> np.ndarray:
    """(B, 64) dB -> (B, N_FFT//2+1) linear power spectrum (non-negative least squares inverse)."""
    from scipy.optimize import nnls

    mel = np.atleast_2d(mel)
    power = REFERENCE_POWER * 10.0 ** (np.asarray(mel, dtype=np.float64) / 10.0)
    return np.stack([nnls(MEL_FILTERBANK, row)[0] for row in power])


def griffin_lim(mel: np.ndarray, seconds: float = 1.0, iterations: int = 48, seed: int = 0) -> np.ndarray:
    """A decoded mel frame (64,) in dB -> `seconds` of audio at SR whose spectrum it is (for listening)."""
    magnitude = np.sqrt(mel_db_to_power(mel)[0])
    n_frames = int(seconds * SR / HOP) + 1
    mag = np.repeat(magnitude[:, None], n_frames, axis=1) * (N_FFT / 2 / _WINDOW.sum() * 2)
    rng = np.random.default_rng(seed)
    angles = np.exp(2j * np.pi * rng.random(mag.shape))
    length = HOP * (n_frames - 1) + N_FFT
    audio = np.zeros(length)
    for _ in range(iterations):
        audio = _istft(mag * angles, length)
        spec = _stft(audio, n_frames)
        angles = np.exp(1j * np.angle(spec))
    audio = _istft(mag * angles, length)
    # A sine at 0 dB in its band has peak 1: scale the loudest partial to the loudest band.
    return (audio / max(1e-9, np.abs(audio).max()) * 10 ** (float(np.max(mel)) / 20)).astype(np.float32)


def _stft(audio: np.ndarray, n_frames: int) -> np.ndarray:
    idx = np.arange(N_FFT)[None, :] + HOP * np.arange(n_frames)[:, None]
    return np.fft.rfft(audio[idx] * _WINDOW, axis=-1).T


def _istft(spec: np.ndarray, length: int) -> np.ndarray:
    frames = np.fft.irfft(spec.T, n=N_FFT, axis=-1) * _WINDOW
    audio = np.zeros(length)
    norm = np.zeros(length)
    for i, frame in enumerate(frames):
        audio[i * HOP:i * HOP + N_FFT] += frame
        norm[i * HOP:i * HOP + N_FFT] += _WINDOW ** 2
    return audio / np.maximum(norm, 1e-8)
