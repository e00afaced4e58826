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
    """latent -> (B, 1, 32, 32) logits of pixel brightness. A spatial broadcast decoder (Watters et al.
    2019): the latent is copied to every pixel beside that pixel's coordinates and 3x3 convolutions
    make each pixel from them, so a position is a value to compare with the coordinates rather than a
    pattern to deconvolve; x and y get axes of their own far more often (MODEL_CARD.md)."""

    def __init__(self, z_dim: int, width: int = 16, size: int = 32) -> None:
        super().__init__()
        self.size = size + 6  # three unpadded 3x3 convolutions bring it back to `size`
        line = torch.linspace(-1.0, 1.0, self.size)
        gy, gx = torch.meshgrid(line, line, indexing="ij")
        self.register_buffer("coords", torch.stack([gx, gy])[None], persistent=False)
        self.net = nn.Sequential(
            nn.Conv2d(z_dim + 2, width, 3), nn.ReLU(),
            nn.Conv2d(width, width, 3), nn.ReLU(),
            nn.Conv2d(width, width, 3), nn.ReLU(),
            nn.Conv2d(width, 1, 1),
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        b, n = z.shape
        tiled = z[:, :, None, None].expand(b, n, self.size, self.size)
        return self.net(torch.cat([tiled, self.coords.expand(b, 2, self.size, self.size)], 1))


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
