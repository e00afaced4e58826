"""The pad / drone: seven detuned band-limited saws (SuperSaw) through a low-pass, with slow envelopes."""

from __future__ import annotations

from sound.instrument import EnvelopedVoice, Instrument
from sound.params import AMP, FREQ, PAN, ParamSpec, envelope, spec_table
from sound.pyo_lib import pyo


class PadVoice(EnvelopedVoice):
    specs = spec_table(
        FREQ, AMP, PAN,
        ParamSpec("detune", 0.3, 0.0, 1.0, "0..1", "spread of the seven saws"),
        ParamSpec("cutoff", 1500.0, 40.0, 18000.0, "Hz", "low-pass cutoff"),
        ParamSpec("res", 0.0, 0.0, 0.9, "0..1", "filter resonance (0 = flat up to the cutoff)"),
        *envelope(attack=1.5, decay=0.5, sustain=1.0, release=3.0, dur=4.0),
    )

    def __init__(self, n_channels: int) -> None:
        super().__init__(n_channels)
        c = self.ctl
        saws = self.keep(pyo.SuperSaw(freq=c["freq"], detune=c["detune"], bal=0.7))
        self.filter = pyo.Biquad(saws, freq=c["cutoff"], q=0.707 + c["res"] * 12.0, type=0)
        self._finish(self.filter * self.env * c["amp"])


class PadInstrument(Instrument):
    name = "pad"
    voice_class = PadVoice
