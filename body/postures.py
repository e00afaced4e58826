"""Posture definitions: reference joint angles with tolerances, read from postures.toml.

Asymmetric postures are written with the left side leading; `Posture.mirrored()` gives the same
posture led by the right side, and both count as the posture.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

POSTURES_FILE = Path(__file__).resolve().parent / "postures.toml"

# The angles every posture defines (names of body.angles.joint_angles).
LIMB_ANGLES: tuple[str, ...] = (
    "left_elbow", "right_elbow", "left_shoulder", "right_shoulder",
    "left_hip", "right_hip", "left_knee", "right_knee",
)  # fmt: skip
REFERENCE_ANGLES: tuple[str, ...] = (*LIMB_ANGLES, "trunk_lean")
TRUNK_DIRECTIONS = ("forward", "back", "left", "right")
NONE_LABEL = "none"


def swap_side(name: str) -> str:
    """left_knee <-> right_knee; names without a side are returned unchanged."""
    if name.startswith("left_"):
        return "right_" + name[5:]
    if name.startswith("right_"):
        return "left_" + name[6:]
    return name


@dataclass(frozen=True)
class BodyShape:
    """What the angles leave open, for the body model (see postures.toml)."""

    arm_plane: tuple[float, float] = (0.0, 0.0)  # left, right: 0 forward, 90 outward, 180 backward
    leg_plane: tuple[float, float] = (0.0, 0.0)
    knee_turn: tuple[float, float] = (0.0, 0.0)  # turn of the knee's bend about the thigh
    trunk_direction: str = "forward"
    head_nod: float = 0.0  # degrees, negative = chin to chest

    def mirrored(self) -> BodyShape:
        side = {"left": "right", "right": "left"}.get(self.trunk_direction, self.trunk_direction)
        return BodyShape(self.arm_plane[::-1], self.leg_plane[::-1], self.knee_turn[::-1], side, self.head_nod)


@dataclass(frozen=True)
class Posture:
    name: str
    title: str
    source: str
    angles: dict[str, tuple[float, float]]  # name -> (reference degrees, tolerance degrees)
    body: BodyShape = field(default_factory=BodyShape)

    @property
    def asymmetric(self) -> bool:
        return any(
            abs(self.angles[n][0] - self.angles[swap_side(n)][0]) > 1e-6 for n in self.angles
        ) or self.body != self.body.mirrored()

    def mirrored(self) -> Posture:
        angles = {swap_side(n): v for n, v in self.angles.items()}
        return Posture(self.name, self.title, self.source, angles, self.body.mirrored())


def _pair(value: object, where: str) -> tuple[float, float]:
    if isinstance(value, (int, float)):
        return float(value), float(value)
    if isinstance(value, list) and len(value) == 2 and all(isinstance(v, (int, float)) for v in value):
        return float(value[0]), float(value[1])
    raise ValueError(f"{where}: expected a number or [left, right], got {value!r}")


def parse_postures(data: dict, origin: str = "postures") -> dict[str, Posture]:
    """Validate and build postures from parsed TOML; errors name the posture and key."""
    table = data.get("postures")
    if not isinstance(table, dict) or not table:
        raise ValueError(f"{origin}: no [postures.NAME] tables")
    out: dict[str, Posture] = {}
    for name, spec in table.items():
        where = f"{origin}: postures.{name}"
        if name == NONE_LABEL:
            raise ValueError(f"{where}: {NONE_LABEL!r} is reserved for 'no posture'")
        angles_raw = spec.get("angles", {})
        missing = [n for n in REFERENCE_ANGLES if n not in angles_raw]
        if missing:
            raise ValueError(f"{where}.angles: missing {', '.join(missing)}")
        angles: dict[str, tuple[float, float]] = {}
        for key, value in angles_raw.items():
            if key not in REFERENCE_ANGLES:
                raise ValueError(f"{where}.angles: unknown angle {key!r}; allowed: {', '.join(REFERENCE_ANGLES)}")
            if not (isinstance(value, list) and len(value) == 2):
                raise ValueError(f"{where}.angles.{key}: expected [reference, tolerance], got {value!r}")
            ref, tol = float(value[0]), float(value[1])
            if not (0.0 <= ref <= 180.0 and 0.0 < tol <= 90.0):
                raise ValueError(f"{where}.angles.{key}: reference must be 0..180 and tolerance 0..90, got {value}")
            angles[key] = (ref, tol)
        body_raw = dict(spec.get("body", {}))
        allowed = ("arm_plane", "leg_plane", "knee_turn", "trunk_direction", "head_nod")
        for key in body_raw:
            if key not in allowed:
                raise ValueError(f"{where}.body: unknown key {key!r}; allowed: {', '.join(allowed)}")
        direction = body_raw.get("trunk_direction", "forward")
        if direction not in TRUNK_DIRECTIONS:
            raise ValueError(f"{where}.body.trunk_direction: {direction!r}; allowed: {', '.join(TRUNK_DIRECTIONS)}")
        body = BodyShape(
            arm_plane=_pair(body_raw.get("arm_plane", 0), f"{where}.body.arm_plane"),
            leg_plane=_pair(body_raw.get("leg_plane", 0), f"{where}.body.leg_plane"),
            knee_turn=_pair(body_raw.get("knee_turn", 0), f"{where}.body.knee_turn"),
            trunk_direction=direction,
            head_nod=float(body_raw.get("head_nod", 0.0)),
        )
        if not spec.get("source"):
            raise ValueError(f"{where}: 'source' (where the values come from) is required")
        out[name] = Posture(name, str(spec.get("title", name)), str(spec["source"]), angles, body)
    return out


def parse_sequences(data: dict, postures: dict[str, Posture], origin: str = "postures") -> dict[str, list[str]]:
    sequences: dict[str, list[str]] = {}
    for name, steps in data.get("sequences", {}).items():
        for i, step in enumerate(steps):
            if step not in postures:
                raise ValueError(f"{origin}: sequences.{name}[{i}] = {step!r} is not a posture; "
                                 f"allowed: {', '.join(postures)}")
        sequences[name] = list(steps)
    return sequences


@lru_cache(maxsize=4)
def _load(path: str) -> tuple[dict[str, Posture], dict[str, list[str]], dict[str, str]]:
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"posture definitions not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: {exc}") from None
    postures = parse_postures(data, path)
    return postures, parse_sequences(data, postures, path), dict(data.get("sources", {}))


def load_postures(path: Path | str = POSTURES_FILE) -> dict[str, Posture]:
    """Posture name -> definition, in file order."""
    return _load(str(path))[0]


def load_sequences(path: Path | str = POSTURES_FILE) -> dict[str, list[str]]:
    return _load(str(path))[1]


def posture_names(path: Path | str = POSTURES_FILE) -> list[str]:
    """Class names of the classifier: the postures in file order, then 'none'."""
    return [*load_postures(path), NONE_LABEL]


def next_in_sequence(current: str, sequence: list[str]) -> str | None:
    """The posture after `current` in a sequence (wrapping), or None when it is not in it."""
    if current not in sequence:
        return None
    i = sequence.index(current)
    return sequence[(i + 1) % len(sequence)]
