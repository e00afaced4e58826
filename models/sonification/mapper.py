"""The mapper between the image and sound latent spaces.

Which image factor drives which sound factor is a design choice (PAIRINGS). After the VAEs are
trained, each paired image factor is located on its image latent axis (the axis with the most mutual
information with it). The sound side is read as a descriptor of the synth parameters as the sound
model knows them: a parameter whose factor has a sound latent axis of its own (pitch and level, with
the harmonic sound networks) is read on that axis, scaled to 0..1 over the sound data, so that locality
is per latent axis as in the recipe; the others (timbre factors the sound VAE does not separate) are
read through the synth-parameter head.

Stage one trains each direction alone:
- locality per axis: moving along one paired image axis changes only its own entry of the descriptor
  (its sound latent axis, or its parameter read by the head), in the stated direction with at least a
  minimum slope; moving along an unpaired image axis changes no entry;
- marginals: along each paired axis the map is the quantile map from the image latent's distribution
  to the parameter's distribution in the sound data (1-D Wasserstein by sorting); unpaired parameters
  stay at their median;
- manifold: mapped codes are codes the sound VAE reproduces (encode(decode(z)) = z), so that they
  decode to real-looking spectra.
The reverse map (sound -> image) gets the mirror quantile loss per axis. Stage two adds cycle
consistency: image -> sound -> image returns to the same paired image axes, and sound -> image ->
sound to the same paired synth parameters.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

log = logging.getLogger("sonification.train")

# (image factor, sound factor, direction): +1 = larger image factor, larger sound factor.
# Image y grows downwards, so -1 makes "higher in the frame" brighter / louder.
PAIRINGS: dict[str, tuple[tuple[str, str, int], ...]] = {
    "simple": (("x", "pitch", 1), ("y", "loudness", -1)),
    "rich": (("x", "pitch", 1), ("y", "brightness", -1), ("size", "loudness", 1), ("brightness", "index", 1)),
}


@dataclass(frozen=True)
class AxisPair:
    image_axis: int  # image latent axis
    param: int  # synth parameter index (synth.PARAMS order) in the sound descriptor
    sign: int  # +1 / -1: the parameter grows (+1) or falls (-1) as the image axis value grows


class Mapper(nn.Module):
    def __init__(self, in_dim: int, out_dim: int, hidden: int = 64) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(in_dim, hidden), nn.ELU(), nn.Linear(hidden, hidden), nn.ELU(),
                                 nn.Linear(hidden, out_dim))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)


@dataclass(frozen=True)
class LatentReading:
    """A synth parameter read on a sound latent axis: 0..1 = the 1st..99th percentile of the sound data
    along the axis, oriented so that it grows with the parameter."""

    param: int
    axis: int
    low: float
    high: float

    @staticmethod
    def fit(param: int, axis: int, sign: int, z_sound: np.ndarray) -> LatentReading:
        lo, hi = np.percentile(sign * z_sound[:, axis], [1, 99])
        return LatentReading(param, axis, float(lo if sign > 0 else -lo), float(hi if sign > 0 else -hi))

    def read(self, z: torch.Tensor) -> torch.Tensor:
        return (z[:, self.axis] - self.low) / (self.high - self.low)


@dataclass
class Frozen:
    """The trained parts the mapper is measured through (not trained here)."""

    head: nn.Module
    sound_encoder: nn.Module
    sound_decoder: nn.Module
    latent_readings: tuple[LatentReading, ...] = ()

    def read(self, z_sound: torch.Tensor) -> torch.Tensor:
        """The sound descriptor: synth parameters 0..1, each read on its latent axis or through the head."""
        out = self.head(z_sound)
        if not self.latent_readings:
            return out
        columns = list(out.unbind(1))
        for r in self.latent_readings:
            columns[r.param] = r.read(z_sound)
        return torch.stack(columns, 1)

    def freeze(self) -> None:
        for module in (self.head, self.sound_encoder, self.sound_decoder):
            module.eval()
            for p in module.parameters():
                p.requires_grad_(False)


def locality_loss(fwd: Mapper, frozen: Frozen, z: torch.Tensor, pairs: list[AxisPair], n_params: int,
                  min_slope: float = 0.15) -> torch.Tensor:
    """Per image axis: the parameter change is confined to that axis's parameter (and is monotone)."""
    base = frozen.read(fwd(z))
    loss = z.new_zeros(())
    by_axis = {p.image_axis: p for p in pairs}
    for axis in range(z.shape[1]):
        delta = 0.5 * torch.randn(z.shape[0], 1)
        shifted = z.clone()
        shifted[:, axis:axis + 1] += delta
        change = frozen.read(fwd(shifted)) - base
        pair = by_axis.get(axis)
        if pair is None:
            loss = loss + (change ** 2).sum(1).mean()
            continue
        off = torch.ones(n_params, dtype=torch.bool)
        off[pair.param] = False
        loss = loss + (change[:, off] ** 2).sum(1).mean()
        along = pair.sign * torch.sign(delta[:, 0]) * change[:, pair.param]
        loss = loss + 5.0 * torch.relu(min_slope * delta[:, 0].abs() - along).mean()
    return loss


def quantile_loss(source: torch.Tensor, mapped: torch.Tensor, target: torch.Tensor, sign: int) -> torch.Tensor:
    """`mapped` should be the monotone (rising if sign > 0) quantile map of `source` onto the values
    of `target` (all 1-D batches of the same size)."""
    order = torch.argsort(sign * source)
    return ((mapped[order] - torch.sort(target).values) ** 2).mean()


def forward_losses(fwd: Mapper, frozen: Frozen, zi: torch.Tensor, units: torch.Tensor, pairs: list[AxisPair],
                   median_units: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    n_params = units.shape[1]
    mapped = fwd(zi)
    params = frozen.read(mapped)
    marginal = mapped.new_zeros(())
    paired = {p.param for p in pairs}
    for p in pairs:
        marginal = marginal + quantile_loss(zi[:, p.image_axis], params[:, p.param], units[:, p.param], p.sign)
    for q in range(n_params):
        if q not in paired:
            marginal = marginal + ((params[:, q] - median_units[q]) ** 2).mean()
    few = mapped[:64]  # decoding and encoding spectra is the costly part; a quarter batch is enough here
    manifold = ((frozen.sound_encoder(frozen.sound_decoder(few))[0] - few) ** 2).sum(1).mean()
    return locality_loss(fwd, frozen, zi, pairs, n_params), marginal, manifold


def backward_losses(back: Mapper, frozen: Frozen, zs: torch.Tensor, zi: torch.Tensor, pairs: list[AxisPair],
                    median_image: torch.Tensor) -> torch.Tensor:
    mapped = back(zs)
    params = frozen.read(zs)
    loss = mapped.new_zeros(())
    paired = {p.image_axis for p in pairs}
    for p in pairs:
        loss = loss + quantile_loss(params[:, p.param], mapped[:, p.image_axis], zi[:, p.image_axis], p.sign)
    for a in range(zi.shape[1]):
        if a not in paired:
            loss = loss + ((mapped[:, a] - median_image[a]) ** 2).mean()
    return loss


def train_mappers(z_image: np.ndarray, z_sound: np.ndarray, sound_units: np.ndarray, pairs: list[AxisPair],
                  frozen: Frozen, steps_stage1: int, steps_stage2: int, seed: int, cycle_weight: float = 1.0,
                  manifold_weight: float = 0.1, locality_weight: float = 3.0, batch: int = 256,
                  ) -> tuple[Mapper, Mapper, list[dict[str, float]]]:
    """Returns (image -> sound latent, sound -> image latent, loss history)."""
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    frozen.freeze()
    zi_all = torch.from_numpy(z_image.astype(np.float32))
    zs_all = torch.from_numpy(z_sound.astype(np.float32))
    units_all = torch.from_numpy(sound_units.astype(np.float32))
    with torch.no_grad():  # latent-read parameters aim at the data's own readings on their axes
        for r in frozen.latent_readings:
            units_all[:, r.param] = r.read(zs_all)
    fwd, back = Mapper(zi_all.shape[1], zs_all.shape[1]), Mapper(zs_all.shape[1], zi_all.shape[1])
    median_units, median_image = units_all.median(0).values, zi_all.median(0).values
    opt = torch.optim.Adam(list(fwd.parameters()) + list(back.parameters()), lr=1e-3)
    history: list[dict[str, float]] = []
    total = steps_stage1 + steps_stage2
    every = max(1, total // 20)
    acc = dict.fromkeys(("locality", "marginal", "manifold", "backward", "cycle"), 0.0)
    image_axes = torch.tensor([p.image_axis for p in pairs])
    params_idx = torch.tensor([p.param for p in pairs])
    for step in range(1, total + 1):
        zi = zi_all[torch.randint(0, len(zi_all), (batch,), generator=gen)]
        pick = torch.randint(0, len(zs_all), (batch,), generator=gen)
        zs, units = zs_all[pick], units_all[pick]
        loc, marg, manifold = forward_losses(fwd, frozen, zi, units, pairs, median_units)
        bwd = backward_losses(back, frozen, zs, zi, pairs, median_image)
        loss = locality_weight * loc + marg + manifold_weight * manifold + bwd
        cyc = torch.zeros(())
        if step > steps_stage1:
            image_cycle = ((back(fwd(zi)) - zi)[:, image_axes] ** 2).mean()
            sound_cycle = ((frozen.read(fwd(back(zs))) - frozen.read(zs))[:, params_idx] ** 2).mean()
            # the descriptor lives in 0..1, image latents in ~ +-2
            cyc = image_cycle + 10.0 * sound_cycle
            loss = loss + cycle_weight * cyc
        opt.zero_grad()
        loss.backward()
        opt.step()
        for key, value in (("locality", loc), ("marginal", marg), ("manifold", manifold), ("backward", bwd),
                           ("cycle", cyc)):
            acc[key] += float(value.detach()) / every
        if step % every == 0:
            history.append({"step": step, "stage": 1 if step <= steps_stage1 else 2,
                            **{k: round(v, 5) for k, v in acc.items()}})
            log.info("mapper %s", history[-1])
            acc = dict.fromkeys(acc, 0.0)
    return fwd, back, history
