"""The sound FactorVAE's networks.

"harmonic" (shipped): z = [pitch, level, timbre...]. The encoder finds the pitch by subharmonic
summation on a log-frequency axis and the level from the total power; the timbre axes see the
level-normalised spectrum through convolutions max-pooled over frequency, so they are blind to where it
sits. The decoder shares the power the level axis sets among sine components on a log-frequency grid
relative to the pitch and measures them with the feature extractor's own response to a sine, so moving
the pitch axis moves every partial and nothing else has to. No labels are involved: these are priors
about what a steady pitched note is, as convolutions are a prior about images.

"mlp": plain fully connected encoder and decoder, for comparison (MODEL_CARD.md).
"""

from __future__ import annotations

import functools

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from models.sonification import features

PER_OCTAVE = 48  # points per octave of the log-frequency axes
HARMONICS = 6  # harmonics the pitch salience sums
PITCH_RANGE_HZ = (40.0, 1300.0)  # candidate pitches: the 6th harmonic of the highest stays below 8 kHz
TABLE_PER_OCTAVE = 384
TABLE_LOW_HZ = 5.0


def mel_centres_log2() -> np.ndarray:
    """log2 of the centre frequency of each of the 64 mel bands."""
    edges = features.mel_to_hz(np.linspace(features.hz_to_mel(features.F_MIN), features.hz_to_mel(features.F_MAX),
                                           features.N_MELS + 2))
    return np.log2(edges[1:-1])


def interpolation(src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Linear interpolation of values at increasing positions `src` onto positions `dst` (clamped):
    (index of the left neighbour, weight of the right one)."""
    dst = np.clip(dst, src[0], src[-1])
    left = np.minimum(np.searchsorted(src, dst, side="right") - 1, len(src) - 2)
    return left.astype(np.int64), ((dst - src[left]) / (src[left + 1] - src[left])).astype(np.float32)


def _gather(values: torch.Tensor, left: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """values (B, N) read at fractional positions given by `left`/`weight` of any shape -> (B, *shape)."""
    flat_left, flat_weight = left.reshape(-1), weight.reshape(-1)
    out = values[:, flat_left] * (1 - flat_weight) + values[:, flat_left + 1] * flat_weight
    return out.reshape(values.shape[0], *left.shape)


@functools.cache
def sine_response_table() -> np.ndarray:
    """(G, 64) natural log of the mel band powers (relative to the 0 dB reference) that the feature
    extractor measures for a unit sine, at G frequencies TABLE_PER_OCTAVE per octave from 5 Hz to Nyquist."""
    grid = np.arange(np.log2(TABLE_LOW_HZ), np.log2(features.SR / 2), 1.0 / TABLE_PER_OCTAVE)
    t = np.arange(features.N_SAMPLES) / features.SR
    out = []
    for start in range(0, len(grid), 500):
        audio = np.sin(2 * np.pi * 2.0 ** grid[start:start + 500, None] * t[None, :])
        mel = features.power_spectrum(audio) @ features.MEL_FILTERBANK.T / features.REFERENCE_POWER
        out.append(np.log(np.maximum(mel, 1e-30)))
    return np.concatenate(out).astype(np.float32)


class HarmonicEncoder(nn.Module):
    """(B, 64) mel levels 0..1 -> mean and log-variance of z = [pitch, level, timbre...]."""

    def __init__(self, z_dim: int, width: int = 24) -> None:
        super().__init__()
        if z_dim < 3:
            raise ValueError(f"HarmonicEncoder needs z_dim >= 3 (pitch, level, timbre), got {z_dim}")
        centres = mel_centres_log2()
        axis = np.arange(centres[0], centres[-1], 1.0 / PER_OCTAVE)
        low, high = np.log2(PITCH_RANGE_HZ)
        candidates = axis[(axis >= low) & (axis <= high)]
        to_axis = _dense(*interpolation(centres, axis), len(centres))
        self.register_buffer("to_axis", torch.from_numpy(to_axis), persistent=False)
        # Salience of each candidate pitch: the spectrum at its harmonics, minus the spectrum half-way
        # between them (so that the octave above, whose harmonics are a subset, does not win).
        on = [candidates + np.log2(h) for h in range(1, HARMONICS + 1)]
        off = [candidates + np.log2(h - 0.5) for h in range(1, HARMONICS + 1)]
        left, weight = interpolation(axis, np.stack(on + off))
        self.register_buffer("probe_left", torch.from_numpy(left), persistent=False)
        self.register_buffer("probe_weight", torch.from_numpy(weight), persistent=False)
        self.register_buffer("position", torch.linspace(0.0, 1.0, len(candidates)), persistent=False)
        self.register_buffer("candidate_hz", torch.from_numpy(2.0 ** candidates), persistent=False)
        self.on_weight = nn.Parameter(torch.tensor([1.0 / h for h in range(1, HARMONICS + 1)]))
        self.off_weight = nn.Parameter(torch.full((HARMONICS,), 0.5))
        self.sharpness = nn.Parameter(torch.tensor(20.0))
        self.conv = nn.Sequential(
            nn.Conv1d(1, width, 9, padding=4), nn.ReLU(),
            nn.Conv1d(width, width, 9, padding=8, dilation=2), nn.ReLU(),
            nn.Conv1d(width, width, 9, padding=16, dilation=4), nn.ReLU(),
        )
        self.timbre = nn.Sequential(nn.Linear(width, 128), nn.ReLU(), nn.Linear(128, 2 * (z_dim - 2) + 2))
        # affine maps of pitch position (0..1) and total level (0..1 units) to latent units, learnt
        self.pitch_affine = nn.Parameter(torch.tensor([6.0, 0.5]))
        self.level_affine = nn.Parameter(torch.tensor([8.0, 0.8]))

    def salience(self, spectrum: torch.Tensor) -> torch.Tensor:
        """(B, axis) log spectrum, 0 at its loudest point -> (B, candidates) pitch salience."""
        probes = _gather(spectrum, self.probe_left, self.probe_weight)  # (B, 2H, candidates)
        return (self.on_weight[None, :, None] * probes[:, :HARMONICS]).sum(1) \
            - (self.off_weight[None, :, None] * probes[:, HARMONICS:]).sum(1)

    def log_spectrum(self, x: torch.Tensor) -> torch.Tensor:
        spectrum = x @ self.to_axis.T
        return spectrum - spectrum.amax(1, keepdim=True)  # 0 at the loudest point

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        spectrum = self.log_spectrum(x)
        where = torch.softmax(self.sharpness * self.salience(spectrum), dim=1)
        pitch = self.pitch_affine[0] * ((where * self.position).sum(1, keepdim=True) - self.pitch_affine[1])
        # Total power over the bands (FM keeps the power of the carrier whatever the index).
        db_scale = -features.DB_FLOOR / 10.0 * np.log(10.0)
        total = torch.logsumexp(x * db_scale, dim=1, keepdim=True) / db_scale
        level = self.level_affine[0] * (total - self.level_affine[1])
        out = self.timbre(self.conv(spectrum.unsqueeze(1)).amax(2))
        n_timbre = (out.shape[1] - 2) // 2
        mu = torch.cat([pitch, level, out[:, :n_timbre]], 1)
        logvar = torch.cat([out[:, -2:], out[:, n_timbre:2 * n_timbre]], 1)
        return mu, logvar


class PartialsDecoder(nn.Module):
    """z = [pitch, level, timbre...] -> (B, 64) mel levels 0..1."""

    def __init__(self, z_dim: int, octaves_below: float = 3.0, octaves_above: float = 6.5, hidden: int = 256) -> None:
        super().__init__()
        # the table is computed once per process and copied, so no decoder can change another's
        self.register_buffer("table", torch.from_numpy(sine_response_table().copy()), persistent=False)
        relative = torch.arange(-octaves_below, octaves_above, 1.0 / PER_OCTAVE)
        self.register_buffer("relative", relative, persistent=False)
        self.template = nn.Sequential(nn.Linear(z_dim - 2, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                                      nn.Linear(hidden, self.relative.numel()))
        self.pitch_affine = nn.Parameter(torch.tensor([float(np.log2(311.0)), 1.0]))  # log2 Hz at 0, per unit
        self.level_affine = nn.Parameter(torch.tensor([-4.0, 1.0]))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        # natural log of each component's share of the power: the level axis alone sets the total, as the
        # encoder reads it
        log_power = torch.log_softmax(4.0 * self.template(z[:, 2:]), dim=1)
        pitch = self.pitch_affine[0] + self.pitch_affine[1] * z[:, :1]
        u = ((pitch + self.relative[None, :]) - np.log2(TABLE_LOW_HZ)) * TABLE_PER_OCTAVE
        u = u.clamp(0.0, self.table.shape[0] - 1.001)
        left = u.floor()
        weight = (u - left).unsqueeze(2)
        left = left.long()
        response = self.table[left] * (1 - weight) + self.table[left + 1] * weight  # (B, components, 64)
        ln_power = torch.logsumexp(log_power.unsqueeze(2) + response, dim=1)
        level = ln_power + self.level_affine[0] + self.level_affine[1] * z[:, 1:2]
        x = (10.0 / np.log(10.0) * level - features.DB_FLOOR) / -features.DB_FLOOR
        return F.softplus(20.0 * x) / 20.0  # a smooth floor at 0 (-90 dB), as the data has


def _dense(left: np.ndarray, weight: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros((len(left), n), np.float32)
    out[np.arange(len(left)), left] = 1.0 - weight
    out[np.arange(len(left)), left + 1] += weight
    return out


class MelEncoder(nn.Module):
    """(B, 64) mel levels scaled to 0..1 -> mean and log-variance of the latent."""

    def __init__(self, z_dim: int, n_mels: int = 64, hidden: int = 128) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(n_mels, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                                 nn.Linear(hidden, 2 * z_dim))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mu, logvar = self.net(x).chunk(2, dim=1)
        return mu, logvar


class MelDecoder(nn.Module):
    """latent -> (B, 64) mel levels scaled to 0..1."""

    def __init__(self, z_dim: int, n_mels: int = 64, hidden: int = 128) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(z_dim, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                                 nn.Linear(hidden, n_mels))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)


NETWORKS = ("harmonic", "mlp")


def sound_networks(kind: str, z_dim: int, hidden: int) -> tuple[nn.Module, nn.Module]:
    """(encoder, decoder) of the sound FactorVAE."""
    if kind == "harmonic":
        return HarmonicEncoder(z_dim), PartialsDecoder(z_dim, hidden=hidden)
    if kind == "mlp":
        return MelEncoder(z_dim, hidden=hidden), MelDecoder(z_dim, hidden=hidden)
    raise ValueError(f"unknown sound network {kind!r}; allowed: {', '.join(NETWORKS)}")
