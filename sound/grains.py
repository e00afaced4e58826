"""The granular texture: grains read from a generated harmonic source table.

The source is one second of a 220 Hz tone whose upper partials swell along the table, so that
`pos` chooses a timbre and `pitch` transposes (a grain at pitch 2 sounds 440 Hz).
"""

from __future__ import annotations

import numpy as np

from sound.instrument import EnvelopedVoice, Instrument
from sound.params import AMP, PAN, ParamSpec, envelope, spec_table
from sound.pyo_lib import pyo

SOURCE_HZ = 220.0
BASE_GRAIN = 0.1  # Granulator transposes by dur / basedur: pitch is divided by it so it stays `pitch`


def source_table(sr: float) -> np.ndarray:
    """One second at `sr`: partials 1..6 of 220 Hz, dark (1/k²) at the start, bright (all equal) at the end."""
    t = np.arange(int(sr)) / sr
    pos = t / t[-1]
    x = np.zeros_like(t)
    for k in range(1, 7):
        weight = float(k) ** (-2.0 * (1.0 - pos))
        x += weight * np.sin(2 * np.pi * SOURCE_HZ * k * t)
    return (0.8 * x / np.max(np.abs(x))).astype(np.float32)


class GrainVoice(EnvelopedVoice):
    specs = spec_table(
        AMP, PAN,
        ParamSpec("pitch", 1.0, 0.125, 8.0, "ratio", "transposition (1 = source: 220 Hz)"),
        ParamSpec("pos", 0.5, 0.0, 1.0, "0..1", "read position in the source"),
        ParamSpec("jitter", 0.05, 0.0, 1.0, "0..1", "random spread of the read position"),
        ParamSpec("grain", 0.08, 0.005, 0.5, "s", "grain duration"),
        ParamSpec("density", 16.0, 1.0, 32.0, "grains", "overlapping grains", continuous=False),
        *envelope(attack=0.5, decay=0.1, sustain=1.0, release=1.5, dur=2.0),
    )

    def __init__(self, n_channels: int, table: object = None, sr: float = 48000.0, **shared: object) -> None:
        super().__init__(n_channels)
        c = self.ctl
        size = table.getSize()  # type: ignore[attr-defined]
        # a grain starting at `pos` must end inside the table: the start runs over what is left
        span = self.keep(pyo.Clip(size - c["grain"] * c["pitch"] * sr, 0, size))
        noise = self.keep(pyo.Noise(mul=c["jitter"] * 0.5))
        position = self.keep(pyo.Clip((c["pos"] + noise) * span, 0, size - 1))
        self.grains = pyo.Granulator(
            table, pyo.HannTable(), pitch=c["pitch"] * BASE_GRAIN / c["grain"], pos=position,
            dur=c["grain"], grains=int(self.static["density"]), basedur=BASE_GRAIN,
        )
        self._finish(self.grains * self.env * c["amp"] * 0.5)

    def on_static(self, name: str, value: float) -> None:
        super().on_static(name, value)
        if name == "density":
            self.grains.grains = int(value)


class GrainInstrument(Instrument):
    name = "grains"
    voice_class = GrainVoice

    def shared(self) -> dict[str, object]:
        data = source_table(self.sr)
        return {"table": pyo.DataTable(size=data.size, init=data.tolist()), "sr": self.sr}
