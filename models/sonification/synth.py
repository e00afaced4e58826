"""The FM voice the sonification models learn to play: parameters, ranges and two renderings.

The voice is a sine carrier frequency-modulated by a sine modulator at `freq * ratio`, with peak
frequency deviation `index * freq * ratio`, through a one-pole low-pass whose cutoff follows the pitch
(`brightness` 0..1 opens it from 2 to 128 times the carrier). The sound engine plays it as instrument
"fm" with the same parameter names; `render` is a numpy copy of the pyo graph in
`sound.fm_voice.build_pyo_voice` (the two agree to a fraction of a dB in mel bands, checked in
tests/test_sonification_data.py), used
to make thousands of training examples in a second.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

INSTRUMENT = "fm"


@dataclass(frozen=True)
class SynthParam:
    name: str
    low: float
    high: float
    scale: str  # "log" | "lin" | "db": how 0..1 maps onto [low, high]
    default: float
    unit: str

    def from_unit(self, u: np.ndarray | float) -> np.ndarray:
        """0..1 -> parameter value (dB parameters come out as linear amplitude)."""
        u = np.clip(np.asarray(u, dtype=np.float64), 0.0, 1.0)
        if self.scale == "log":
            return self.low * (self.high / self.low) ** u
        value = self.low + (self.high - self.low) * u
        return 10.0 ** (value / 20.0) if self.scale == "db" else value

    def to_unit(self, value: np.ndarray | float) -> np.ndarray:
        value = np.asarray(value, dtype=np.float64)
        if self.scale == "log":
            u = np.log(value / self.low) / np.log(self.high / self.low)
        elif self.scale == "db":
            u = (20.0 * np.log10(np.maximum(value, 1e-9)) - self.low) / (self.high - self.low)
        else:
            u = (value - self.low) / (self.high - self.low)
        return np.clip(u, 0.0, 1.0)


# Order matters: it is the order of the synth-parameter head's outputs.
PARAMS: tuple[SynthParam, ...] = (
    SynthParam("freq", 110.0, 880.0, "log", 220.0, "Hz (carrier pitch, A2..A5)"),
    SynthParam("amp", -30.0, -6.0, "db", 0.2, "linear peak amplitude (range given in dBFS)"),
    SynthParam("ratio", 0.5, 4.0, "log", 1.0, "modulator / carrier frequency"),
    SynthParam("index", 0.0, 6.0, "lin", 2.0, "FM index (peak deviation / modulator frequency)"),
    SynthParam("brightness", 0.0, 1.0, "lin", 0.5, "low-pass cutoff = freq * 2**(1 + 6*brightness)"),
)
PARAM_NAMES: tuple[str, ...] = tuple(p.name for p in PARAMS)


def params_from_unit(units: np.ndarray) -> dict[str, np.ndarray]:
    """(..., 5) values in 0..1 -> {name: value} in the synth's units."""
    units = np.asarray(units, dtype=np.float64)
    return {p.name: p.from_unit(units[..., i]) for i, p in enumerate(PARAMS)}


def cutoff_hz(freq: np.ndarray | float, brightness: np.ndarray | float) -> np.ndarray:
    return np.asarray(freq) * 2.0 ** (1.0 + 6.0 * np.asarray(brightness))


def render(freq: np.ndarray, amp: np.ndarray, ratio: np.ndarray, index: np.ndarray,
           brightness: np.ndarray, n_samples: int, sr: int) -> np.ndarray:
    """Render a batch of steady notes, (B,) parameters -> (B, n_samples) float32 audio."""
    from scipy.signal import lfilter

    freq, amp, ratio, index, brightness = (np.atleast_1d(np.asarray(v, dtype=np.float64))[:, None]
                                           for v in (freq, amp, ratio, index, brightness))
    t = np.arange(n_samples, dtype=np.float64)[None, :]
    mod_freq = freq * ratio
    # pyo oscillators output the phase reached before advancing it: sample n uses the sum of
    # the first n instantaneous frequencies.
    modulator = index * mod_freq * np.sin(2.0 * np.pi * mod_freq * t / sr)
    inst_freq = freq + modulator
    phase = np.concatenate([np.zeros_like(freq), np.cumsum(inst_freq[:, :-1], axis=1)], axis=1) / sr
    carrier = np.sin(2.0 * np.pi * phase)
    # pyo Tone is the one-pole y[n] = (1 - c) x[n] + c y[n-1] with c = exp(-2 pi cutoff / sr).
    c = np.exp(-2.0 * np.pi * np.minimum(cutoff_hz(freq, brightness), sr / 2.0) / sr)
    if carrier.shape[0] < 64:
        out = np.stack([lfilter([1.0 - ci], [1.0, -ci], row) for ci, row in zip(c[:, 0], carrier, strict=True)])
    else:  # many notes: step the recursion over time for the whole batch at once
        out = np.empty_like(carrier)
        y = np.zeros(carrier.shape[0])
        gain, c1 = 1.0 - c[:, 0], c[:, 0]
        for n in range(n_samples):
            y = gain * carrier[:, n] + c1 * y
            out[:, n] = y
    return (amp * out).astype(np.float32)


def render_clean(freq: np.ndarray, amp: np.ndarray, ratio: np.ndarray, index: np.ndarray,
                 brightness: np.ndarray, n_samples: int, sr: int, oversample: int = 4) -> np.ndarray:
    """`render` at `oversample` times the rate, then low-passed and decimated to `sr`. High FM sidebands
    (up to ~25 kHz at 880 Hz, ratio 4, index 6) would fold back below 8 kHz at 22,050 Hz; the voice as
    played at 44.1 or 48 kHz, and heard by a microphone, has no such partials."""
    from scipy.signal import resample_poly

    audio = render(freq, amp, ratio, index, brightness, n_samples * oversample, sr * oversample)
    return resample_poly(audio, 1, oversample, axis=1).astype(np.float32)
