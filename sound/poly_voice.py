"""The polyphonic voice: FM and subtractive (band-limited saw) crossfaded, through a resonant
low-pass filter, under an ADSR envelope."""

from __future__ import annotations

from sound.instrument import EnvelopedVoice, Instrument
from sound.params import AMP, FREQ, PAN, ParamSpec, spec_table
from sound.pyo_lib import pyo

ENVELOPE = (
    ParamSpec("attack", 0.01, 0.001, 10.0, "s", "envelope attack", continuous=False),
    ParamSpec("decay", 0.1, 0.001, 10.0, "s", "envelope decay to the sustain level", continuous=False),
    ParamSpec("sustain", 0.7, 0.0, 1.0, "0..1", "sustain level (fraction of amp)", continuous=False),
    ParamSpec("release", 0.3, 0.001, 20.0, "s", "envelope release", continuous=False),
    ParamSpec("dur", 0.25, 0.001, 30.0, "s", "held time of a `hit` before its release", continuous=False),
)


class PolyVoice(EnvelopedVoice):
    specs = spec_table(
        FREQ, AMP, PAN,
        ParamSpec("fm", 1.0, 0.0, 1.0, "0..1", "0 = subtractive saw, 1 = FM"),
        ParamSpec("ratio", 1.0, 0.0, 16.0, "ratio", "FM modulator : carrier frequency ratio"),
        ParamSpec("index", 2.0, 0.0, 20.0, "index", "FM modulation index (0 = sine)"),
        ParamSpec("cutoff", 8000.0, 40.0, 18000.0, "Hz", "low-pass cutoff"),
        ParamSpec("res", 0.0, 0.0, 0.9, "0..1", "filter resonance (0 = flat up to the cutoff)"),
        *ENVELOPE,
    )

    def __init__(self, n_channels: int) -> None:
        super().__init__(n_channels)
        c = self.ctl
        fm = self.keep(pyo.FM(carrier=c["freq"], ratio=c["ratio"], index=c["index"]))
        saw = self.keep(pyo.LFO(freq=c["freq"], sharp=1.0, type=0))
        source = fm * c["fm"] + saw * (1.0 - c["fm"])
        # a biquad low-pass keeps unity gain below the cutoff, so `amp` is the sounding level
        self.filter = pyo.Biquad(source, freq=c["cutoff"], q=0.707 + c["res"] * 12.0, type=0)
        self._finish(self.filter * self.env * c["amp"])


class PolyVoiceInstrument(Instrument):
    name = "voice"
    voice_class = PolyVoice
