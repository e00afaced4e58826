"""The master bus: all instruments -> reverb -> limiter (look-ahead compressor + hard ceiling) -> volume."""

from __future__ import annotations

import math
from typing import Any

from sound.params import ParamSpec, checked, spec_table
from sound.pyo_lib import pyo

MASTER_SPECS = spec_table(
    ParamSpec("volume", 0.8, 0.0, 1.0, "linear", "output level after the limiter"),
    ParamSpec("reverb", 0.2, 0.0, 1.0, "0..1", "reverb wet share"),
    ParamSpec("room", 0.7, 0.0, 1.0, "0..1", "reverb room size"),
)


class MasterBus:
    """Sums N-channel instrument outputs and sends them to the sound card (or the offline file)."""

    def __init__(self, inputs: list[Any], n_channels: int, ceiling_db: float = -1.0, **defaults: float) -> None:
        values = {name: spec.default for name, spec in MASTER_SPECS.items()}
        values.update(checked(MASTER_SPECS, defaults, "master"))
        self.ctl = {name: pyo.SigTo(v, time=0.05, init=v) for name, v in values.items()}
        self.ceiling = 10 ** (ceiling_db / 20.0)
        self.mix = pyo.Mix(inputs, voices=n_channels)
        self.reverb = pyo.Freeverb(self.mix, size=self.ctl["room"], damp=0.5, bal=self.ctl["reverb"])
        # the compressor (5 ms look-ahead, 1 ms rise) holds peaks 1 dB under the ceiling;
        # the clip after it is the guarantee when a transient is faster than the detector
        self.compressor = pyo.Compress(
            self.reverb, thresh=ceiling_db - 1.0, ratio=50, risetime=0.001, falltime=0.15,
            lookahead=5.0, knee=0.0,
        )
        self.limited = pyo.Clip(self.compressor, min=-self.ceiling, max=self.ceiling)
        self.output = self.limited * self.ctl["volume"]

    def out(self) -> None:
        self.output.out()

    def set(self, params: dict[str, float], ramp: float) -> None:
        for name, value in checked(MASTER_SPECS, params, "master").items():
            self.ctl[name].time = max(0.0, ramp)
            self.ctl[name].value = value

    @property
    def ceiling_db(self) -> float:
        return 20.0 * math.log10(self.ceiling)
