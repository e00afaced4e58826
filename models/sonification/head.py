"""The synth-parameter head: a sound latent -> the FM voice's parameters (0..1 each, see synth.PARAMS),
so the live scene plays the synth directly instead of inverting spectra."""

from __future__ import annotations

import logging

import numpy as np
import torch
from torch import nn

log = logging.getLogger("sonification.train")


class SynthHead(nn.Module):
    """`own_axes` {parameter index: latent axis}: a parameter whose factor has a latent axis of its own
    is read from that axis alone, so that what the mapper puts on the axis is what the synth plays.
    `values` {parameter index: allowed 0..1 values}: a parameter the sound data holds only at some values
    (the harmonic FM ratios) is played, once trained, at the nearest of them: between them lie
    inharmonic notes the sound model never heard."""

    def __init__(self, z_dim: int, n_params: int = 5, hidden: int = 64, own_axes: dict[int, int] | None = None,
                 values: dict[int, tuple[float, ...]] | None = None) -> None:
        super().__init__()
        self.own_axes = dict(own_axes or {})
        self.values = {p: torch.tensor(v, dtype=torch.float32) for p, v in (values or {}).items()}
        self.net = nn.Sequential(nn.Linear(z_dim, hidden), nn.ELU(), nn.Linear(hidden, hidden), nn.ELU(),
                                 nn.Linear(hidden, n_params), nn.Sigmoid())
        self.on_axis = nn.ModuleDict({str(p): nn.Sequential(nn.Linear(1, 16), nn.ELU(), nn.Linear(16, 1), nn.Sigmoid())
                                      for p in self.own_axes})

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        out = self.net(z)
        snap = {} if self.training else self.values
        if not self.own_axes and not snap:
            return out
        columns = list(out.unbind(1))
        for p, axis in self.own_axes.items():
            columns[p] = self.on_axis[str(p)](z[:, axis:axis + 1])[:, 0]
        for p, allowed in snap.items():
            columns[p] = allowed[(columns[p][:, None] - allowed[None, :]).abs().argmin(1)]
        return torch.stack(columns, 1)


def train_head(head: SynthHead, z: np.ndarray, units: np.ndarray, steps: int, seed: int,
               noise: float = 0.05, batch: int = 128) -> list[dict[str, float]]:
    """Fit latent means (with a little noise, as mapped latents are never exactly on the data) to units."""
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(head.parameters(), lr=2e-3)
    z_t, u_t = torch.from_numpy(z.astype(np.float32)), torch.from_numpy(units.astype(np.float32))
    history = []
    every = max(1, steps // 10)
    running = 0.0
    for step in range(1, steps + 1):
        idx = torch.randint(0, len(z_t), (batch,), generator=gen)
        pred = head(z_t[idx] + noise * torch.randn(batch, z_t.shape[1], generator=gen))
        loss = ((pred - u_t[idx]) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        running += float(loss.detach()) / every
        if step % every == 0:
            history.append({"step": step, "mse": round(running, 6)})
            log.info("head %s", history[-1])
            running = 0.0
    return history
