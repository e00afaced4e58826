"""The shape every instrument shares: a fixed pool of pyo voices behind a voice allocator.

Each voice owns its graph from oscillator to an N-channel output; continuous parameters pass
through `SigTo` smoothers so that a new value glides over the command's ramp instead of stepping
(no zipper noise). The instrument's output is the N-channel sum of its voices.
"""

from __future__ import annotations

from typing import Any, ClassVar

from sound.allocator import VoiceAllocator
from sound.panning import line_pan_gains
from sound.params import ParamSpec, checked
from sound.pyo_lib import pyo


class Voice:
    """One voice. Subclasses build `self.mono` from `self.ctl[name]` smoothers and `self.env`."""

    specs: ClassVar[dict[str, ParamSpec]] = {}

    def __init__(self, n_channels: int) -> None:
        self.n_channels = n_channels
        self.ctl = {
            name: pyo.SigTo(spec.default, time=0.05, init=spec.default)
            for name, spec in self.specs.items()
            if spec.continuous and name != "pan"
        }
        self.static = {name: spec.default for name, spec in self.specs.items() if not spec.continuous}
        pan = self.specs["pan"].default if "pan" in self.specs else 0.5
        gains = line_pan_gains(pan, n_channels)
        self.gains = pyo.SigTo(gains, time=0.05, init=gains)
        self.mono: Any = None
        self.out: Any = None
        self._kept: list[Any] = []
        self._graph: list[Any] = []
        self.active = False

    def keep(self, obj: Any) -> Any:
        """Register an object of this voice's graph that the output does not reference from Python
        (arithmetic results hold their operands in C only), so that pause() reaches it."""
        self._kept.append(obj)
        return obj

    def _finish(self, mono: Any) -> None:
        self.mono = mono
        self.out = mono * self.gains  # N streams: the voice placed in the room
        self._graph = _pyo_objects([self.out, vars(self), self._kept])
        self.active = True

    def pause(self) -> None:
        """Stop computing a silent voice (pyo zeroes a stopped object's output)."""
        if self.active:
            for obj in self._graph:
                obj.stop()
            self.active = False

    def resume(self) -> None:
        if not self.active:
            for obj in self._graph:
                obj.play()
            self.active = True

    def set(self, params: dict[str, float], ramp: float) -> None:
        for name, value in params.items():
            if name == "pan":
                self.gains.time = ramp
                self.gains.value = line_pan_gains(value, self.n_channels)
            elif name in self.ctl:
                self.ctl[name].time = ramp
                self.ctl[name].value = value
            else:
                self.static[name] = value
                self.on_static(name, value)

    def on_static(self, name: str, value: float) -> None:
        """A non-smoothed parameter changed (envelope times take effect at the next note)."""

    def note_on(self, params: dict[str, float], glide: float, dur: float = 0.0) -> None:
        """Start a note; `dur` > 0 releases it by itself after `dur` seconds."""
        raise NotImplementedError

    def note_off(self) -> None:
        raise NotImplementedError

    def tail(self) -> float:
        """Seconds the voice keeps sounding after note_off."""
        return float(self.static.get("release", 0.0))


class Instrument:
    """A named pool of voices with play / release / set / hit."""

    name: ClassVar[str] = ""
    voice_class: ClassVar[type[Voice]] = Voice
    one_shot: ClassVar[bool] = False  # hits only: every play is a hit that ends by itself

    def __init__(self, n_voices: int, n_channels: int, sr: float = 48000.0) -> None:
        self.sr = sr
        shared = self.shared()
        self.voices = [self.voice_class(n_channels, **shared) for _ in range(n_voices)]
        self.allocator = VoiceAllocator(n_voices)
        self.out = pyo.Mix([v.out for v in self.voices], voices=n_channels)
        self._hits = 0
        for voice in self.voices:
            voice.pause()  # silent voices cost nothing until a note needs them

    def shared(self) -> dict[str, Any]:
        """Objects built once per instrument and given to every voice (tables, for instance)."""
        return {}

    @property
    def specs(self) -> dict[str, ParamSpec]:
        return self.voice_class.specs

    def play(self, key: str, params: dict[str, float], now: float, dur: float = 0.0) -> str:
        """Start (or retrigger) the note `key`; returns the key of a stolen note, or ""."""
        values = checked(self.specs, params, self.name)
        index, stolen = self.allocator.allocate(key, now)
        voice = self.voices[index]
        voice.resume()
        # a voice that was silent jumps to its new values; a retriggered or stolen one glides briefly
        glide = 0.0 if not stolen and key != "" else 0.01
        voice.note_on(values, glide, dur)
        if self.one_shot or dur > 0:
            self.allocator.release(key, now, dur + voice.tail())
        return stolen

    def release(self, key: str, now: float) -> bool:
        index = self.allocator.voice_of(key)
        if index is None:
            return False
        voice = self.voices[index]
        voice.note_off()
        self.allocator.release(key, now, voice.tail())
        return True

    def set(self, key: str, params: dict[str, float], ramp: float) -> bool:
        values = checked(self.specs, params, self.name)
        index = self.allocator.voice_of(key)
        if index is None:
            return False
        self.voices[index].set(values, max(0.0, ramp))
        return True

    def tick(self, now: float) -> None:
        """Pause the voices whose release tail has ended."""
        for voice, slot in zip(self.voices, self.allocator.slots, strict=True):
            if voice.active and not slot.held and slot.free_at + 0.05 <= now:
                voice.pause()

    def hit(self, params: dict[str, float], now: float) -> None:
        """A note that ends by itself: one-shot instruments ring out; others hold for `dur` seconds."""
        self._hits += 1
        params = dict(params)
        dur_spec = self.specs.get("dur")
        dur = dur_spec.clamp(params.pop("dur", dur_spec.default)) if dur_spec is not None else 0.0
        self.play(f"hit-{self._hits}", params, now, dur=max(dur, 0.001))


class EnvelopedVoice(Voice):
    """A voice with an ADSR envelope (`self.env`): attack, decay, sustain, release as static params."""

    def __init__(self, n_channels: int, **shared: Any) -> None:
        super().__init__(n_channels)
        st = self.static
        self.env = pyo.Adsr(st["attack"], st["decay"], st["sustain"], st["release"], dur=0)

    def on_static(self, name: str, value: float) -> None:
        if name in ("attack", "decay", "sustain", "release"):
            setattr(self.env, name, value)

    def note_on(self, params: dict[str, float], glide: float, dur: float = 0.0) -> None:
        self.set(params, glide)
        self.env.dur = dur
        self.env.play()

    def note_off(self) -> None:
        self.env.stop()


def _pyo_objects(roots: list[Any]) -> list[Any]:
    """Every pyo processing object reachable from `roots` through Python attributes (tables,
    which have no processing of their own and may be shared, are left out)."""
    seen: set[int] = set()
    found: list[Any] = []
    stack = list(roots)
    while stack:
        node = stack.pop()
        if isinstance(node, list | tuple):
            stack.extend(node)
        elif isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, pyo.PyoObject) and id(node) not in seen:
            seen.add(id(node))
            found.append(node)
            stack.extend(vars(node).values())
    return found
