"""Particles thrown from the hands: a fixed-size pool advanced with numpy (no per-particle Python)."""

from __future__ import annotations

import numpy as np


class Particles:
    """Positions in frame units (0..1, y down); each particle fades over its life."""

    def __init__(self, capacity: int = 3000, seed: int = 0) -> None:
        self.capacity = capacity
        self.pos = np.zeros((capacity, 2), np.float32)
        self.vel = np.zeros((capacity, 2), np.float32)
        self.color = np.zeros((capacity, 3), np.float32)
        self.life = np.zeros(capacity, np.float32)  # seconds left; <= 0 is a free slot
        self.span = np.ones(capacity, np.float32)
        self.size = np.ones(capacity, np.float32)
        self.rng = np.random.default_rng(seed)
        self._next = 0

    def emit(self, at: np.ndarray, velocity: np.ndarray, color: tuple[float, float, float], count: int,
             spread: float = 0.08, life: float = 1.6) -> None:
        count = min(int(count), self.capacity)
        if count <= 0:
            return
        idx = (self._next + np.arange(count)) % self.capacity  # oldest slots are reused first
        self._next = int((self._next + count) % self.capacity)
        self.pos[idx] = at
        self.vel[idx] = velocity * 0.4 + self.rng.normal(0, spread, (count, 2))
        self.color[idx] = color
        self.span[idx] = self.life[idx] = life * self.rng.uniform(0.5, 1.0, count)
        self.size[idx] = self.rng.uniform(0.5, 1.5, count)

    def step(self, dt: float, t: float) -> None:
        """Advance the whole pool at once: a few array operations whatever the count (dead particles
        move too, unseen, which costs less than selecting the living ones)."""
        if self.life.max(initial=0.0) <= 0:
            return
        p = self.pos
        # A gentle swirl (a cheap curl-like field) plus a slow rise, with drag.
        swirl_x = np.sin(p[:, 1] * 9.0 + t) * 0.05
        swirl_y = np.cos(p[:, 0] * 9.0 - t * 0.7) * 0.05 - 0.04
        self.vel *= 1.0 - 1.2 * dt
        self.vel[:, 0] += swirl_x * (dt * 4)
        self.vel[:, 1] += swirl_y * (dt * 4)
        self.pos += self.vel * dt
        self.life -= dt

    @property
    def count(self) -> int:
        return int((self.life > 0).sum())

    def drawable(self, size_px: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(positions in frame units, sizes in pixels, RGBA colours) of the live particles."""
        alive = self.life > 0
        fade = np.clip(self.life[alive] / self.span[alive], 0, 1)
        colors = np.concatenate([self.color[alive], (fade * 0.9)[:, None]], axis=1)
        return self.pos[alive], self.size[alive] * size_px * (0.4 + 0.6 * fade), colors
