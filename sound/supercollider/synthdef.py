"""A small SynthDef compiler: builds UGen graphs in Python and writes SuperCollider's binary
SynthDef format (SCgf version 2), so that scsynth plays the project's sounds without sclang.

Format (SuperCollider docs, "Synth Definition File Format"): big-endian; a file is "SCgf", int32
version 2, int16 count, then per def: pstring name, constants, parameter values and names, UGen
specs (class name, rate, inputs as (ugen index | -1, output | constant index), output rates), and
variants. UGens are written in creation order, which is a valid topological order here because a
UGen can only take inputs that already exist.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Union

SCALAR, CONTROL, AUDIO = 0, 1, 2
BINOP = {"+": 0, "-": 1, "*": 2, "/": 4}
ENV_SHAPE_CURVE = 5


@dataclass(frozen=True)
class Output:
    """One output of a UGen in a graph."""

    ugen: int  # index in the def's UGen list
    index: int
    rate: int

    def __mul__(self, other: Input) -> Output:
        return _CURRENT[-1].binop("*", self, other)

    __rmul__ = __mul__

    def __add__(self, other: Input) -> Output:
        return _CURRENT[-1].binop("+", self, other)

    __radd__ = __add__


Input = Union[Output, float, int]  # noqa: UP007 (a runtime alias used in annotations)
_CURRENT: list[SynthDef] = []


@dataclass
class _UGen:
    name: str
    rate: int
    inputs: list[Input]
    n_outputs: int
    special: int = 0


@dataclass
class SynthDef:
    """Build inside `with SynthDef(name, params) as d:`; `d.p("freq")` reads a parameter."""

    name: str
    params: dict[str, float]
    ugens: list[_UGen] = field(default_factory=list)
    constants: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._controls = self.add("Control", CONTROL, [], len(self.params)) if self.params else None
        self._names = list(self.params)

    def __enter__(self) -> SynthDef:
        _CURRENT.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        _CURRENT.pop()

    def p(self, name: str) -> Output:
        if name not in self.params:
            raise KeyError(f"{self.name}: no parameter {name!r}; parameters: {self._names}")
        assert self._controls is not None
        return Output(self._controls.ugen, self._names.index(name), CONTROL)

    def add(self, name: str, rate: int, inputs: list[Input], n_outputs: int = 1, special: int = 0) -> Output:
        self.ugens.append(_UGen(name, rate, list(inputs), n_outputs, special))
        return Output(len(self.ugens) - 1, 0, rate)

    def outputs(self, first: Output) -> list[Output]:
        ugen = self.ugens[first.ugen]
        return [Output(first.ugen, i, ugen.rate) for i in range(ugen.n_outputs)]

    def binop(self, op: str, a: Input, b: Input) -> Output:
        rate = max(x.rate if isinstance(x, Output) else SCALAR for x in (a, b))
        return self.add("BinaryOpUGen", rate, [a, b], 1, BINOP[op])

    # --------------------------------------------------------------------------------------- encoding

    def _constant(self, value: float) -> int:
        value = float(struct.unpack(">f", struct.pack(">f", value))[0])
        if value not in self.constants:
            self.constants.append(value)
        return self.constants.index(value)

    def encode(self) -> bytes:
        """This def's bytes (without the file header)."""
        for ugen in self.ugens:  # constants first: they are listed before the UGens
            for x in ugen.inputs:
                if not isinstance(x, Output):
                    self._constant(float(x))
        out = [_pstring(self.name), struct.pack(">i", len(self.constants))]
        out += [struct.pack(">f", c) for c in self.constants]
        out.append(struct.pack(">i", len(self.params)))
        out += [struct.pack(">f", float(v)) for v in self.params.values()]
        out.append(struct.pack(">i", len(self.params)))
        for i, name in enumerate(self.params):
            out += [_pstring(name), struct.pack(">i", i)]
        out.append(struct.pack(">i", len(self.ugens)))
        for ugen in self.ugens:
            out += [_pstring(ugen.name), struct.pack(">biih", ugen.rate, len(ugen.inputs), ugen.n_outputs,
                                                      ugen.special)]
            for x in ugen.inputs:
                if isinstance(x, Output):
                    out.append(struct.pack(">ii", x.ugen, x.index))
                else:
                    out.append(struct.pack(">ii", -1, self._constant(float(x))))
            out += [struct.pack(">b", ugen.rate)] * ugen.n_outputs
        out.append(struct.pack(">h", 0))  # no variants
        return b"".join(out)


def _pstring(text: str) -> bytes:
    data = text.encode("ascii")
    if len(data) > 255:
        raise ValueError(f"name too long for a SynthDef pstring: {text[:40]}...")
    return struct.pack(">B", len(data)) + data


def synthdef_file(defs: list[SynthDef]) -> bytes:
    """A complete .scsyndef file holding `defs`."""
    return b"SCgf" + struct.pack(">ih", 2, len(defs)) + b"".join(d.encode() for d in defs)


def parse_synthdef_file(data: bytes) -> list[dict[str, object]]:
    """Read back the names, parameters and UGen class names of an SCgf v2 file (for checks and tests)."""
    if data[:4] != b"SCgf":
        raise ValueError("not a SynthDef file: it must start with 'SCgf'")
    version, count = struct.unpack_from(">ih", data, 4)
    if version != 2:
        raise ValueError(f"SynthDef file version {version}; only version 2 is read")
    pos = 10
    defs = []

    def pstring() -> str:
        nonlocal pos
        n = data[pos]
        text = data[pos + 1 : pos + 1 + n].decode("ascii")
        pos += 1 + n
        return text

    def i32() -> int:
        nonlocal pos
        (v,) = struct.unpack_from(">i", data, pos)
        pos += 4
        return v

    for _ in range(count):
        name = pstring()
        constants = [struct.unpack_from(">f", data, pos + 4 * i)[0] for i in range(i32())]
        pos += 4 * len(constants)
        values = [struct.unpack_from(">f", data, pos + 4 * i)[0] for i in range(i32())]
        pos += 4 * len(values)
        names = {}
        for _ in range(i32()):
            pname = pstring()
            names[pname] = values[i32()]
        ugens = []
        for _ in range(i32()):
            uname = pstring()
            rate, n_in, n_out, special = struct.unpack_from(">biih", data, pos)
            pos += 11 + 8 * n_in + n_out
            ugens.append((uname, rate, n_in, n_out, special))
        (variants,) = struct.unpack_from(">h", data, pos)
        pos += 2
        if variants:
            raise ValueError("variants are not read")
        defs.append({"name": name, "params": names, "ugens": ugens, "constants": constants})
    return defs


# ------------------------------------------------------------------------------------------- UGens


def _d() -> SynthDef:
    return _CURRENT[-1]


def sin_osc(freq: Input, phase: Input = 0.0) -> Output:
    return _d().add("SinOsc", AUDIO, [freq, phase])


def saw(freq: Input) -> Output:
    return _d().add("Saw", AUDIO, [freq])


def rlpf(x: Input, freq: Input, rq: Input) -> Output:
    return _d().add("RLPF", AUDIO, [x, freq, rq])


def lag(x: Input, time: Input) -> Output:
    return _d().add("Lag", CONTROL, [x, time])


def pan2(x: Input, pos: Input, level: Input = 1.0) -> list[Output]:
    first = _d().add("Pan2", AUDIO, [x, pos, level], 2)
    return _d().outputs(first)


def out(bus: Input, channels: list[Output]) -> None:
    _d().add("Out", AUDIO, [bus, *channels], 0)


def env_gen(env: list[Input], gate: Input = 1.0, done_action: int = 2) -> Output:
    """EnvGen.kr(env, gate, levelScale 1, levelBias 0, timeScale 1, doneAction)."""
    return _d().add("EnvGen", CONTROL, [gate, 1.0, 0.0, 1.0, float(done_action), *env])


def env_asr(attack: Input, release: Input, curve: float = -4.0) -> list[Input]:
    """Env.asr(attack, 1, release, curve): holds at 1 while the gate is open."""
    return [0.0, 2, 1, -99, 1.0, attack, ENV_SHAPE_CURVE, curve, 0.0, release, ENV_SHAPE_CURVE, curve]


def env_perc(attack: Input, release: Input, curve: float = -4.0) -> list[Input]:
    """Env.perc(attack, release, 1, curve): a one-shot."""
    return [0.0, 2, -99, -99, 1.0, attack, ENV_SHAPE_CURVE, curve, 0.0, release, ENV_SHAPE_CURVE, curve]
