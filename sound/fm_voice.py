"""The sonification voice ("fm"): exactly the graph the sonification models learned to play
(its numpy twin is models/sonification/synth.py `render`), under an ADSR and placed in the room.

Parameters keep the model's names: freq, amp, ratio, index, brightness (cutoff = freq * 2**(1 + 6 b)).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sound.instrument import EnvelopedVoice, Instrument
from sound.params import AMP, FREQ, PAN, ParamSpec, spec_table
from sound.poly_voice import ENVELOPE
from sound.pyo_lib import pyo


def build_pyo_voice(freq: float, amp: float, ratio: float, index: float, brightness: float) -> dict[str, Any]:
    """The same voice as pyo objects (a booted pyo Server must exist). Keep the returned dict alive."""
    f = pyo.SigTo(freq, time=0.0)
    r = pyo.SigTo(ratio, time=0.0)
    i = pyo.SigTo(index, time=0.0)
    br = pyo.SigTo(brightness, time=0.0)
    a = pyo.SigTo(amp, time=0.0)
    mod_freq = f * r
    modulator = pyo.Sine(freq=mod_freq, mul=i * mod_freq)
    carrier = pyo.Sine(freq=f + modulator)
    cutoff = f * pyo.Pow(2.0, br * 6.0 + 1.0)
    out = pyo.Tone(carrier, freq=cutoff, mul=a)
    return {"freq": f, "ratio": r, "index": i, "brightness": br, "amp": a, "mod": modulator,
            "carrier": carrier, "cutoff": cutoff, "out": out}


def render_pyo(freq: float, amp: float, ratio: float, index: float, brightness: float,
               n_samples: int, sr: int) -> np.ndarray:
    """Render one note with real pyo DSP offline (a 'manual' server driven block by block)."""
    block = 64
    server = pyo.Server(sr=sr, nchnls=1, duplex=0, audio="manual", buffersize=block).boot()
    try:
        server.start()
        voice = build_pyo_voice(freq, amp, ratio, index, brightness)
        table = pyo.DataTable(size=n_samples)
        rec = pyo.TableRec(voice["out"], table=table).play()
        for _ in range(n_samples // block + 2):
            server.process()
        samples = np.asarray(table.getTable(), dtype=np.float32)
        del rec, voice
    finally:
        server.stop()
        server.shutdown()
    return samples


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
