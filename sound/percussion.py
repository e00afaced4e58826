"""Percussive hits: a sine with a falling pitch sweep plus noise, under an exponential decay.

Every `play` or `hit` is one-shot: the note rings out by itself; `release` is not needed.
"""

from __future__ import annotations

from typing import Any

from sound.instrument import Instrument, Voice
from sound.params import AMP, PAN, ParamSpec, spec_table
from sound.pyo_lib import pyo


class HitVoice(Voice):
    specs = spec_table(
        AMP, PAN,
        ParamSpec("freq", 120.0, 20.0, 8000.0, "Hz", "body pitch (where the sweep ends)", continuous=False),
        ParamSpec("drop", 2.0, 1.0, 8.0, "ratio", "the sweep starts at freq * drop", continuous=False),
        ParamSpec("decay", 0.3, 0.01, 5.0, "s", "time to fall to -60 dB", continuous=False),
        ParamSpec("noise", 0.2, 0.0, 1.0, "0..1", "share of noise in the hit", continuous=False),
        ParamSpec("dur", 0.3, 0.001, 5.0, "s", "ignored: a hit lasts its decay", continuous=False),
    )

    def __init__(self, n_channels: int, **shared: Any) -> None:
        super().__init__(n_channels)
        self.trigger = pyo.Trig().stop()  # created playing it would fire once at boot
        self.env = pyo.TrigExpseg(self.trigger, [(0.0, 0.0), (0.001, 1.0), (0.301, 0.0)], exp=8)
        self.sweep = pyo.TrigExpseg(self.trigger, [(0.0, 2.0), (0.04, 1.0)], exp=3)
        self.freq = pyo.Sig(120.0)
        self.noise_share = pyo.Sig(0.2)
        body = self.keep(pyo.Sine(freq=self.freq * self.sweep))
        noise = self.keep(pyo.ButBP(self.keep(pyo.Noise()), freq=self.freq * 8, q=1.0))
        source = body * (1.0 - self.noise_share) + noise * self.noise_share * 3.0
        self._finish(source * self.env * self.ctl["amp"])

    def note_on(self, params: dict[str, float], glide: float, dur: float = 0.0) -> None:
        self.set(params, 0.0)
        st = self.static
        self.freq.value = st["freq"]
        self.noise_share.value = st["noise"]
        # exp=8 makes the linear-looking segment fall to about -60 dB after 60 % of it
        self.env.setList([(0.0, 0.0), (0.001, 1.0), (0.001 + st["decay"] / 0.6, 0.0)])
        self.sweep.setList([(0.0, st["drop"]), (min(0.04, st["decay"] / 2), 1.0)])
        self.trigger.play()

    def note_off(self) -> None:
        """One-shot: nothing to release."""

    def tail(self) -> float:
        return self.static["decay"] / 0.6


class PercussionInstrument(Instrument):
    name = "hit"
    voice_class = HitVoice
    one_shot = True
