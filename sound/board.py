"""The scene-facing sound API: SoundCommand(play / release / set / hit) onto the instruments.

Scenes emit data (sound.commands.SoundCommand); this layer owns the pyo graph. A command that
names an unknown instrument or parameter is dropped with a clear message in `errors`, never raised.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from sound.commands import SoundCommand
from sound.fm_voice import FmInstrument
from sound.grains import GrainInstrument
from sound.instrument import Instrument
from sound.master import MASTER_SPECS, MasterBus
from sound.pad import PadInstrument
from sound.params import SoundParamError
from sound.percussion import PercussionInstrument
from sound.poly_voice import PolyVoiceInstrument

INSTRUMENTS: dict[str, type[Instrument]] = {
    cls.name: cls
    for cls in (PolyVoiceInstrument, PadInstrument, GrainInstrument, PercussionInstrument, FmInstrument)
}
DEFAULT_POLYPHONY = {"voice": 16, "pad": 4, "grains": 2, "hit": 8, "fm": 2}
MASTER_KEY = "master"  # `set` with this key moves the master bus (volume, reverb, room)


class SoundBoard:
    """All instruments and the master bus on the current pyo server."""

    def __init__(
        self,
        n_channels: int,
        sr: float,
        polyphony: dict[str, int] | None = None,
        ceiling_db: float = -1.0,
        master: dict[str, float] | None = None,
    ) -> None:
        counts = dict(DEFAULT_POLYPHONY, **(polyphony or {}))
        self.instruments = {name: cls(counts[name], n_channels, sr) for name, cls in INSTRUMENTS.items()}
        self.master = MasterBus([i.out for i in self.instruments.values()], n_channels, ceiling_db,
                                **(master or {}))
        self.master.out()
        self.keys: dict[str, str] = {}  # note key -> instrument name
        self.errors: deque[str] = deque(maxlen=20)
        self.applied = 0

    def apply(self, commands: list[SoundCommand], now: float) -> None:
        for cmd in commands:
            try:
                self._apply_one(cmd, now)
                self.applied += 1
            except SoundParamError as exc:
                self.errors.append(str(exc))
            except Exception as exc:  # a malformed command (params not a dict...) must not stop the show
                self.errors.append(f"{getattr(cmd, 'op', '?')} {getattr(cmd, 'instrument', '')}"
                                   f"{getattr(cmd, 'key', '')}: {type(exc).__name__}: {exc}")

    def _instrument(self, name: str) -> Instrument:
        inst = self.instruments.get(name)
        if inst is None:
            raise SoundParamError(f"unknown instrument {name!r}; allowed: {', '.join(self.instruments)}")
        return inst

    def _apply_one(self, cmd: SoundCommand, now: float) -> None:
        if cmd.op == "play":
            if not cmd.key:
                raise SoundParamError(f"play {cmd.instrument!r} needs a key (e.g. 'person-3')")
            old = self.keys.get(cmd.key)
            if old is not None and old != cmd.instrument:
                self.instruments[old].release(cmd.key, now)
            stolen = self._instrument(cmd.instrument).play(cmd.key, cmd.params, now)
            self.keys.pop(stolen, None)
            self.keys[cmd.key] = cmd.instrument
        elif cmd.op == "release":
            name = self.keys.pop(cmd.key, None)
            if name is not None:
                self.instruments[name].release(cmd.key, now)
        elif cmd.op == "set":
            if cmd.key == MASTER_KEY:
                self.master.set(cmd.params, cmd.ramp)
                return
            name = self.keys.get(cmd.key)
            if name is not None and not self.instruments[name].set(cmd.key, cmd.params, cmd.ramp):
                self.keys.pop(cmd.key, None)  # its voice was stolen meanwhile
        elif cmd.op == "hit":
            self._instrument(cmd.instrument).hit(cmd.params, now)
        else:
            raise SoundParamError(f"unknown sound op {cmd.op!r}; allowed: play, release, set, hit")

    def tick(self, now: float) -> None:
        """Once per frame: voices whose notes have rung out stop costing CPU."""
        for inst in self.instruments.values():
            inst.tick(now)

    def describe(self) -> dict[str, Any]:
        return {
            "instruments": {n: {"voices": len(i.voices), "params": list(i.specs)} for n, i in self.instruments.items()},
            "master": list(MASTER_SPECS),
        }
