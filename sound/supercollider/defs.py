"""The project's SynthDefs (the same graphs as sala.scd, for scsynth without sclang).

`python -m sound.supercollider.defs` writes sound/supercollider/synthdefs/*.scsyndef.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sound.supercollider.synthdef import (
    SynthDef,
    env_asr,
    env_gen,
    env_perc,
    lag,
    out,
    pan2,
    rlpf,
    saw,
    sin_osc,
    synthdef_file,
)

SYNTHDEF_DIR = Path(__file__).resolve().parent / "synthdefs"


def sala_sine() -> SynthDef:
    """A plain sine: freq, amp, pan, out. The reference tone for checks."""
    with SynthDef("sala_sine", {"freq": 440.0, "amp": 0.1, "pan": 0.0, "out": 0.0}) as d:
        out(d.p("out"), pan2(sin_osc(d.p("freq")) * d.p("amp"), d.p("pan")))
    return d


def sala_person() -> SynthDef:
    """One visitor's voice: a filtered saw whose pitch, brightness, level and place follow the pose.

    Params: freq (Hz), amp (0..1), pan (-1..1), cutoff (Hz), lag (s, smoothing), gate (0 releases).
    """
    params = {"freq": 220.0, "amp": 0.1, "pan": 0.0, "cutoff": 2000.0, "lag": 0.1, "gate": 1.0, "out": 0.0}
    with SynthDef("sala_person", params) as d:
        glide = d.p("lag")
        tone = rlpf(saw(lag(d.p("freq"), glide)), lag(d.p("cutoff"), glide), 0.3)
        env = env_gen(env_asr(0.05, 0.8), d.p("gate"), done_action=2)
        out(d.p("out"), pan2(tone * lag(d.p("amp"), glide) * env, lag(d.p("pan"), glide)))
    return d


def sala_hit() -> SynthDef:
    """A one-shot sine ping for events (a visitor enters, a microphone onset): freq, amp, decay, pan."""
    with SynthDef("sala_hit", {"freq": 660.0, "amp": 0.2, "decay": 0.4, "pan": 0.0, "out": 0.0}) as d:
        env = env_gen(env_perc(0.005, d.p("decay")), 1.0, done_action=2)
        out(d.p("out"), pan2(sin_osc(d.p("freq")) * d.p("amp") * env, d.p("pan")))
    return d


ALL = (sala_sine, sala_person, sala_hit)


def compiled() -> dict[str, bytes]:
    """name -> .scsyndef bytes for every project SynthDef."""
    return {make().name: synthdef_file([make()]) for make in ALL}


def write(directory: Path = SYNTHDEF_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, data in compiled().items():
        path = directory / f"{name}.scsyndef"
        path.write_bytes(data)
        paths.append(path)
    return paths


if __name__ == "__main__":
    for p in write(Path(sys.argv[1]) if len(sys.argv) > 1 else SYNTHDEF_DIR):
        print(p)
