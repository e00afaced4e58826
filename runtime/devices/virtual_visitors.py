"""Virtual visitors: people from the body model who walk about the room and move through postures.

`VirtualVisitors(n, seed).step(t)` returns `Person` objects with 33 MediaPipe-like landmarks, as the
perception stage would, with ids that stay the same for as long as the generator runs. The scene
runs, demos and is tested with nobody in the room; it is the attract loop too. `frame()` draws the
same people as stick figures, for a camera image.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from body import body_model as bm
from body.postures import load_postures, load_sequences
from body.stick_figure import render_people
from runtime.frames import Person

WALK_SPEED = 0.9  # m/s
TRANSITION = 1.5  # seconds to move from one posture into the next
HOLD = (4.0, 7.0)  # seconds a posture is held


@dataclass
class _Visitor:
    id: int
    rng: np.random.Generator
    body: bm.Body
    x: float
    depth: float
    yaw: float = 0.0
    mode: str = "walk"  # "walk" | "pose"
    target: tuple[float, float] = (0.0, 4.0)
    phase: float = 0.0  # gait phase
    params: np.ndarray = field(default_factory=lambda: bm.walking_params(0.0))
    queue: list[str] = field(default_factory=list)  # postures still to do at this spot
    posture: str = ""  # the posture being moved into or held
    from_params: np.ndarray | None = None
    to_params: np.ndarray | None = None
    mode_t: float = 0.0  # seconds in the current posture
    hold: float = 5.0


class VirtualVisitors:
    """n virtual visitors seen by a fixed camera at 1.2 m height looking into the room."""

    def __init__(self, n: int, seed: int = 0, aspect: float = 16 / 9, hfov: float = 70.0, noise: float = 0.3) -> None:
        if n < 0:
            raise ValueError(f"visitors: N must be >= 0, got {n}")
        self.rng = np.random.default_rng(seed)
        self.aspect, self.noise = aspect, noise
        self.camera = bm.Camera(np.array([0.0, 1.2, 0.0]), np.array([0.0, 0.9, 5.0]), hfov, aspect)
        self.postures = load_postures()
        self.sequences = list(load_sequences().values())
        self.visitors: list[_Visitor] = []
        for i in range(n):
            rng = np.random.default_rng([seed, i])
            v = _Visitor(i + 1, rng, bm.Body.random(rng), *self._spot(rng, i, n))
            v.target = self._spot(rng, i, n)
            self.visitors.append(v)
        self._t: float | None = None
        self.people: list[Person] = []

    def _spot(self, rng: np.random.Generator, i: int, n: int) -> tuple[float, float]:
        """A place on the floor inside the camera's view, in the visitor's own lane so people rarely overlap."""
        depth = rng.uniform(3.6, 5.5)
        half = depth * math.tan(math.radians(self.camera.hfov / 2)) - 0.6
        lane = (i + rng.uniform(0.15, 0.85)) / max(n, 1)
        x = -half + 2 * half * lane if rng.random() < 0.85 else rng.uniform(-half, half)
        return float(x), float(depth)

    def _advance(self, v: _Visitor, dt: float, n: int) -> None:
        if v.mode == "walk":
            dx, dz = v.target[0] - v.x, v.target[1] - v.depth
            dist = math.hypot(dx, dz)
            if dist < 0.1:
                seq = self.sequences[int(v.rng.integers(len(self.sequences)))]
                start = int(v.rng.integers(len(seq)))
                v.queue = [seq[(start + k) % len(seq)] for k in range(int(v.rng.integers(2, 5)))]
                v.mode, v.yaw = "pose", float(v.rng.uniform(-70, 70))
                self._next_posture(v)
                return
            step = min(dist, WALK_SPEED * dt)
            v.x += dx / dist * step
            v.depth += dz / dist * step
            v.yaw = math.degrees(math.atan2(-dx, -dz))
            v.phase = (v.phase + dt * 0.9) % 1.0
            v.params = bm.walking_params(v.phase)
            return
        v.mode_t += dt
        w = min(1.0, v.mode_t / TRANSITION)
        w = w * w * (3 - 2 * w)  # ease in and out
        assert v.from_params is not None and v.to_params is not None
        v.params = (1 - w) * v.from_params + w * v.to_params
        breath = 3.0 * math.sin(2 * math.pi * v.mode_t / 4.0)  # a slow sway while holding
        v.params[bm.P["trunk_pitch"]] += breath * (v.mode_t > TRANSITION)
        if v.mode_t >= TRANSITION + v.hold:
            if v.queue:
                self._next_posture(v)
            else:
                v.mode, v.posture = "walk", ""
                v.target = self._spot(v.rng, v.id - 1, n)

    def _next_posture(self, v: _Visitor) -> None:
        name = v.queue.pop(0)
        p = self.postures[name]
        if p.asymmetric and v.rng.random() < 0.5:
            p = p.mirrored()
        v.posture = name
        v.from_params = v.params.copy()
        v.to_params = bm.vary(p, v.rng, spread=0.25)
        v.mode_t = 0.0
        v.hold = float(v.rng.uniform(*HOLD))

    def step(self, t: float) -> list[Person]:
        """Advance to engine time t and return everyone as seen by the camera."""
        dt = 0.0 if self._t is None else min(0.5, max(0.0, t - self._t))
        self._t = t
        people: list[Person] = []
        for v in self.visitors:
            self._advance(v, dt, len(self.visitors))
            world = bm.place(bm.skeleton(bm.clamp_angles(v.params), v.body), v.x, v.depth, v.yaw)
            lm = bm.observe(world, self.camera, v.rng, self.noise)
            people.append(Person(id=v.id, landmarks=lm, t_capture=t, score=float(lm[:, 3].mean())))
        self.people = people
        return people

    def truth(self) -> dict[int, str]:
        """The posture each visitor is in or moving into ("" while walking): for tests and demos."""
        return {v.id: v.posture for v in self.visitors}

    def frame(self, size: tuple[int, int] = (1280, 720)) -> np.ndarray:
        """The people of the last step drawn as stick figures (RGB uint8, top row first)."""
        return render_people([p.landmarks for p in self.people], size)
