"""FactorVAE (Kim & Mnih 2018): a VAE plus a total-correlation penalty estimated by a discriminator
that tells latent codes from codes whose dimensions were permuted across the batch."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

log = logging.getLogger("sonification.train")


class ImageEncoder(nn.Module):
    """(B, 1, 32, 32) in 0..1 -> mean and log-variance of the latent."""

    def __init__(self, z_dim: int, width: int = 32) -> None:
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(1, width // 2, 4, 2, 1), nn.ReLU(),
            nn.Conv2d(width // 2, width, 4, 2, 1), nn.ReLU(),
            nn.Conv2d(width, width, 4, 2, 1), nn.ReLU(),
        )
        self.fc = nn.Sequential(nn.Flatten(), nn.Linear(width * 16, 128), nn.ReLU(), nn.Linear(128, 2 * z_dim))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mu, logvar = self.fc(self.conv(x)).chunk(2, dim=1)
        return mu, logvar


class ImageDecoder(nn.Module):
    """latent -> (B, 1, 32, 32) logits of pixel brightness."""

    def __init__(self, z_dim: int, width: int = 32) -> None:
        super().__init__()
        self.width = width
        self.fc = nn.Sequential(nn.Linear(z_dim, 128), nn.ReLU(), nn.Linear(128, width * 16), nn.ReLU())
        self.deconv = nn.Sequential(
            nn.ConvTranspose2d(width, width, 4, 2, 1), nn.ReLU(),
            nn.ConvTranspose2d(width, width // 2, 4, 2, 1), nn.ReLU(),
            nn.ConvTranspose2d(width // 2, 1, 4, 2, 1),
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.deconv(self.fc(z).view(-1, self.width, 4, 4))


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


class MelConvEncoder(nn.Module):
    """(B, 64) mel levels 0..1 -> mean and log-variance; 1-D convolutions along the bands, so that a
    pattern of partials moving up in pitch looks alike wherever it is (as a shape moving in an image)."""

    def __init__(self, z_dim: int, n_mels: int = 64, width: int = 32) -> None:
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv1d(1, width // 2, 4, 2, 1), nn.ReLU(),
            nn.Conv1d(width // 2, width, 4, 2, 1), nn.ReLU(),
            nn.Conv1d(width, width, 4, 2, 1), nn.ReLU(),
        )
        self.fc = nn.Sequential(nn.Flatten(), nn.Linear(width * (n_mels // 8), 128), nn.ReLU(),
                                nn.Linear(128, 2 * z_dim))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mu, logvar = self.fc(self.conv(x.unsqueeze(1))).chunk(2, dim=1)
        return mu, logvar


class MelConvDecoder(nn.Module):
    """latent -> (B, 64) mel levels 0..1 through transposed 1-D convolutions."""

    def __init__(self, z_dim: int, n_mels: int = 64, width: int = 32) -> None:
        super().__init__()
        self.width, self.length = width, n_mels // 8
        self.fc = nn.Sequential(nn.Linear(z_dim, 128), nn.ReLU(), nn.Linear(128, width * self.length), nn.ReLU())
        self.deconv = nn.Sequential(
            nn.ConvTranspose1d(width, width, 4, 2, 1), nn.ReLU(),
            nn.ConvTranspose1d(width, width // 2, 4, 2, 1), nn.ReLU(),
            nn.ConvTranspose1d(width // 2, 1, 4, 2, 1),
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.deconv(self.fc(z).view(-1, self.width, self.length)).squeeze(1)


def _mel_centres_log2() -> np.ndarray:
    """log2 of the centre frequency of each of the 64 mel bands."""
    from models.sonification import features

    edges = features.mel_to_hz(np.linspace(features.hz_to_mel(features.F_MIN), features.hz_to_mel(features.F_MAX),
                                           features.N_MELS + 2))
    return np.log2(edges[1:-1])


def log_frequency_resampler(n_points: int = 96) -> np.ndarray:
    """(n_points, 64) linear interpolation from the mel band centres onto points evenly spaced in log
    frequency (~13 per octave over 40-8000 Hz): on that axis a change of pitch moves the whole FM
    spectrum (every partial, and the low-pass cutoff, scale with the carrier) without changing its shape."""
    centres = _mel_centres_log2()
    targets = np.linspace(centres[0], centres[-1], n_points)
    out = np.zeros((n_points, len(centres)), np.float32)
    for i, t in enumerate(targets):
        j = min(int(np.searchsorted(centres, t, side="right")) - 1, len(centres) - 2)
        w = (t - centres[j]) / (centres[j + 1] - centres[j])
        out[i, j] += 1.0 - w
        out[i, j + 1] += w
    return out


class MelPitchEncoder(nn.Module):
    """(B, 64) mel levels 0..1 -> mean and log-variance of z = [pitch, level, timbre...].

    The bands are resampled onto a log-frequency axis. Pitch is where the spectrum sits on that axis
    (soft-argmax of a map made by dilated 1-D convolutions, which are translation-equivariant), level is
    the loudest point, and the timbre axes see only the level-normalised spectrum through the same
    convolutions max-pooled over frequency, so that they are blind to where it sits."""

    def __init__(self, z_dim: int, n_points: int = 96, width: int = 24) -> None:
        super().__init__()
        if z_dim < 3:
            raise ValueError(f"MelPitchEncoder needs z_dim >= 3 (pitch, level, timbre), got {z_dim}")
        self.register_buffer("resample", torch.from_numpy(log_frequency_resampler(n_points)))
        self.register_buffer("position", torch.linspace(0.0, 1.0, n_points))
        self.conv = nn.Sequential(
            nn.Conv1d(1, width, 9, padding=4), nn.ReLU(),
            nn.Conv1d(width, width, 9, padding=8, dilation=2), nn.ReLU(),
            nn.Conv1d(width, width, 9, padding=16, dilation=4), nn.ReLU(),
        )
        self.where = nn.Conv1d(width, 1, 1)
        self.timbre = nn.Sequential(nn.Linear(width, 128), nn.ReLU(), nn.Linear(128, 2 * (z_dim - 2) + 2))
        # affine maps of position (0..1) and peak level (0..1) to latent units, learnt with the rest
        self.pitch_affine = nn.Parameter(torch.tensor([6.0, 0.3]))
        self.level_affine = nn.Parameter(torch.tensor([8.0, 0.6]))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        log_spectrum = x @ self.resample.T
        peak = log_spectrum.amax(1, keepdim=True)
        h = self.conv((log_spectrum - peak).unsqueeze(1))
        where = torch.softmax(self.where(h).squeeze(1), dim=1)
        pitch = self.pitch_affine[0] * ((where * self.position).sum(1, keepdim=True) - self.pitch_affine[1])
        level = self.level_affine[0] * (peak - self.level_affine[1])
        out = self.timbre(h.amax(2))
        n_timbre = (out.shape[1] - 2) // 2
        mu = torch.cat([pitch, level, out[:, :n_timbre]], 1)
        logvar = torch.cat([out[:, -2:], out[:, n_timbre:2 * n_timbre]], 1)
        return mu, logvar


class MelPitchShiftDecoder(nn.Module):
    """z = [pitch, level, timbre...] -> (B, 64) mel levels 0..1. The timbre axes make a spectrum on a
    log-frequency axis relative to the pitch; it is read at each band's centre moved by the pitch and
    raised by the level. Only the pitch axis can move a spectrum along frequency, so the VAE has to put
    pitch there instead of folding it over several axes."""

    def __init__(self, z_dim: int, n_template: int = 128, octaves_below: float = 3.0, octaves_above: float = 6.5,
                 hidden: int = 256) -> None:
        super().__init__()
        self.register_buffer("centres", torch.from_numpy(_mel_centres_log2().astype(np.float32)))
        self.lo, self.hi, self.n_template = -octaves_below, octaves_above, n_template
        self.template = nn.Sequential(nn.Linear(z_dim - 2, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                                      nn.Linear(hidden, n_template))
        self.pitch_affine = nn.Parameter(torch.tensor([float(np.log2(311.0)), 0.8]))  # log2 Hz at 0, per unit
        self.level_affine = nn.Parameter(torch.tensor([0.5, 0.1]))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        template = self.template(z[:, 2:])
        pitch = self.pitch_affine[0] + self.pitch_affine[1] * z[:, :1]
        u = (self.centres[None, :] - pitch - self.lo) / (self.hi - self.lo) * (self.n_template - 1)
        u = u.clamp(0.0, self.n_template - 1.001)
        below = u.floor()
        frac = u - below
        below = below.long()
        value = torch.gather(template, 1, below) * (1 - frac) + torch.gather(template, 1, below + 1) * frac
        level = value + self.level_affine[0] + self.level_affine[1] * z[:, 1:2]
        return F.softplus(20.0 * level) / 20.0  # a smooth floor at 0 (-90 dB), as the data has


def sound_networks(kind: str, z_dim: int, hidden: int) -> tuple[nn.Module, nn.Module]:
    """(encoder, decoder) of the sound FactorVAE: "pitch_shift" (the shipped one) or "mlp"."""
    if kind == "pitch_shift":
        return MelPitchEncoder(z_dim), MelPitchShiftDecoder(z_dim, hidden=hidden)
    if kind == "mlp":
        return MelEncoder(z_dim, hidden=hidden), MelDecoder(z_dim, hidden=hidden)
    raise ValueError(f"unknown sound network {kind!r}; allowed: pitch_shift, mlp")


class Discriminator(nn.Module):
    """latent -> logit that it came from q(z) rather than from the product of its marginals."""

    def __init__(self, z_dim: int, hidden: int = 128) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(z_dim, hidden), nn.LeakyReLU(0.2), nn.Linear(hidden, hidden),
                                 nn.LeakyReLU(0.2), nn.Linear(hidden, 1))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z).squeeze(1)


def permute_dims(z: torch.Tensor) -> torch.Tensor:
    """Shuffle each latent dimension independently across the batch: samples of prod_j q(z_j)."""
    return torch.stack([z[torch.randperm(z.shape[0]), j] for j in range(z.shape[1])], dim=1)


@dataclass
class VAEConfig:
    z_dim: int
    steps: int
    batch: int = 64
    lr: float = 1e-3
    gamma: float = 10.0  # weight of the total-correlation penalty
    d_lr: float = 1e-4
    likelihood: str = "bernoulli"  # "bernoulli" for images, "gaussian" for mel levels
    sigma: float = 0.05  # Gaussian decoder std (in 0..1 input units)


class FactorVAE(nn.Module):
    def __init__(self, encoder: nn.Module, decoder: nn.Module, config: VAEConfig) -> None:
        super().__init__()
        self.encoder, self.decoder, self.config = encoder, decoder, config
        self.discriminator = Discriminator(config.z_dim)

    def reconstruction_loss(self, x: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
        if self.config.likelihood == "bernoulli":
            per = F.binary_cross_entropy_with_logits(out, x, reduction="none")
        else:
            per = 0.5 * ((out - x) / self.config.sigma) ** 2
        return per.flatten(1).sum(1).mean()

    def decode_mean(self, z: torch.Tensor) -> torch.Tensor:
        out = self.decoder(z)
        return torch.sigmoid(out) if self.config.likelihood == "bernoulli" else out


def train_factorvae(model: FactorVAE, data: np.ndarray, seed: int, label: str) -> list[dict[str, float]]:
    """Train on `data` (N, ...) float32; returns the logged loss history (every 10% of the steps)."""
    cfg = model.config
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    vae_params = list(model.encoder.parameters()) + list(model.decoder.parameters())
    opt = torch.optim.Adam(vae_params, lr=cfg.lr)
    opt_d = torch.optim.Adam(model.discriminator.parameters(), lr=cfg.d_lr, betas=(0.5, 0.9))
    x_all = torch.from_numpy(data)
    history: list[dict[str, float]] = []
    acc = {"recon": 0.0, "kl": 0.0, "tc": 0.0, "d_loss": 0.0}
    every = max(1, cfg.steps // 10)
    ones = torch.ones(cfg.batch, dtype=torch.long)
    for step in range(1, cfg.steps + 1):
        idx = torch.randint(0, x_all.shape[0], (2 * cfg.batch,), generator=gen)
        x1, x2 = x_all[idx[:cfg.batch]], x_all[idx[cfg.batch:]]
        mu, logvar = model.encoder(x1)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        recon = model.reconstruction_loss(x1, model.decoder(z))
        kl = (0.5 * (mu ** 2 + logvar.exp() - 1.0 - logvar)).sum(1).mean()
        d_z = model.discriminator(z)
        tc = d_z.mean()  # logit D(z) estimates log q(z) / prod q(z_j)
        loss = recon + kl + cfg.gamma * tc
        opt.zero_grad()
        loss.backward()
        opt.step()
        # Discriminator: real codes (label 1) against permuted codes of an independent batch (label 0).
        with torch.no_grad():
            mu2, logvar2 = model.encoder(x2)
            z_perm = permute_dims(mu2 + torch.randn_like(mu2) * torch.exp(0.5 * logvar2))
        logits = torch.cat([model.discriminator(z.detach()), model.discriminator(z_perm)])
        target = torch.cat([ones, torch.zeros_like(ones)]).float()
        d_loss = F.binary_cross_entropy_with_logits(logits, target)
        opt_d.zero_grad()
        d_loss.backward()
        opt_d.step()
        for key, value in (("recon", recon), ("kl", kl), ("tc", tc), ("d_loss", d_loss)):
            acc[key] += float(value.detach()) / every
        if step % every == 0:
            entry = {"step": step, **{k: round(v, 4) for k, v in acc.items()}}
            history.append(entry)
            log.info("%s %s", label, entry)
            acc = dict.fromkeys(acc, 0.0)
    return history


def encode_mean(encoder: nn.Module, data: np.ndarray, batch: int = 1024) -> np.ndarray:
    with torch.no_grad():
        return np.concatenate([encoder(torch.from_numpy(data[i:i + batch]))[0].numpy()
                               for i in range(0, len(data), batch)])
