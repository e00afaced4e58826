"""Parameter specifications: every instrument parameter has a range, a unit and a meaning.

Scenes send plain floats; these specs turn them into safe values (clamped into range) and turn
unknown names into errors that list what is allowed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


class SoundParamError(ValueError):
    """A sound command named something that does not exist, or gave a value that is not a number."""


@dataclass(frozen=True)
class ParamSpec:
    name: str
    default: float
    lo: float
    hi: float
    unit: str
    doc: str
    continuous: bool = True  # smoothed over the command's ramp (False: takes effect at the next note)

    def clamp(self, value: float) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise SoundParamError(f"parameter {self.name!r} needs a finite number, got {value!r}")
        return min(max(float(value), self.lo), self.hi)


def spec_table(*specs: ParamSpec) -> dict[str, ParamSpec]:
    return {s.name: s for s in specs}


def checked(specs: dict[str, ParamSpec], params: dict[str, float], instrument: str) -> dict[str, float]:
    """Clamp every value; raise naming the parameter and the allowed names if one is unknown."""
    out = {}
    for name, value in params.items():
        spec = specs.get(name)
        if spec is None:
            raise SoundParamError(f"{instrument}: unknown parameter {name!r}; allowed: {', '.join(specs)}")
        out[name] = spec.clamp(value)
    return out


def describe(specs: dict[str, ParamSpec]) -> str:
    """A Markdown table of a parameter set (used to keep sound/README.md honest)."""
    rows = ["| param | default | range | unit | meaning |", "|---|---|---|---|---|"]
    for s in specs.values():
        rows.append(f"| {s.name} | {s.default:g} | {s.lo:g}..{s.hi:g} | {s.unit} | {s.doc} |")
    return "\n".join(rows)


# shared by every voiced instrument
AMP = ParamSpec("amp", 0.5, 0.0, 1.0, "linear", "voice level before the envelope")
PAN = ParamSpec("pan", 0.5, 0.0, 1.0, "room x", "position in the room, 0 = left .. 1 = right speaker")
FREQ = ParamSpec("freq", 220.0, 20.0, 8000.0, "Hz", "pitch")


def envelope(attack: float, decay: float, sustain: float, release: float, dur: float) -> tuple[ParamSpec, ...]:
    """The ADSR and `hit` duration of a slow voice (pad, grains), with that voice's defaults."""
    return (
        ParamSpec("attack", attack, 0.001, 30.0, "s", "envelope attack", continuous=False),
        ParamSpec("decay", decay, 0.001, 30.0, "s", "envelope decay", continuous=False),
        ParamSpec("sustain", sustain, 0.0, 1.0, "0..1", "sustain level", continuous=False),
        ParamSpec("release", release, 0.001, 60.0, "s", "envelope release", continuous=False),
        ParamSpec("dur", dur, 0.001, 600.0, "s", "held time of a `hit` before its release", continuous=False),
    )
