"""The sonification voice ("fm"): exactly the graph the sonification models learned to play
(models/sonification/synth.py, `build_pyo_voice`), under an ADSR and placed in the room.

Parameters keep the model's names: freq, amp, ratio, index, brightness (cutoff = freq * 2**(1 + 6 b)).
"""

from __future__ import annotations

from typing import Any

from models.sonification.synth import build_pyo_voice
from sound.instrument import EnvelopedVoice, Instrument
from sound.params import AMP, FREQ, PAN, ParamSpec, spec_table
from sound.poly_voice import ENVELOPE


class FmVoice(EnvelopedVoice):
    specs = spec_table(
        FREQ, AMP, PAN,
        ParamSpec("ratio", 1.0, 0.0, 16.0, "ratio", "modulator : carrier frequency ratio"),
        ParamSpec("index", 2.0, 0.0, 20.0, "index", "FM index (peak deviation / modulator frequency)"),
        ParamSpec("brightness", 0.5, 0.0, 1.0, "0..1", "one-pole low-pass at freq * 2**(1 + 6 * brightness)"),
        *ENVELOPE,
    )

    def __init__(self, n_channels: int, **shared: Any) -> None:
        super().__init__(n_channels)
        defaults = {name: self.specs[name].default for name in ("freq", "amp", "ratio", "index", "brightness")}
        self.graph = build_pyo_voice(**defaults)
        for name in defaults:  # the model graph's own smoothers take the commands
            self.ctl[name] = self.graph[name]
        self.keep(list(self.graph.values()))
        self._finish(self.graph["out"] * self.env)


class FmInstrument(Instrument):
    name = "fm"
    voice_class = FmVoice
