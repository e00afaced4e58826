"""Writes sound/INSTRUMENTS.md, the parameter tables of every instrument, from their specs:
`python -m sound.instruments_doc` (a test checks the file is current)."""

from __future__ import annotations

import importlib
from pathlib import Path

from sound.board import DEFAULT_POLYPHONY, INSTRUMENTS, MASTER_KEY
from sound.master import MASTER_SPECS
from sound.params import describe

DOC = Path(__file__).resolve().parent / "INSTRUMENTS.md"

INTRO = """# Instruments

Scenes never talk to pyo: they emit `SoundCommand`s through `Outputs` (runtime/frames.py):

- `out.play(instrument, key, **params)`: start (or retrigger) the note `key` ("person-3") on a voice
  of `instrument`; a pool that is full steals a silent voice first, then the oldest released one,
  then the oldest held note.
- `out.set(key, ramp=0.05, **params)`: move a playing note's parameters; continuous parameters glide
  over `ramp` seconds (no zipper noise), envelope times apply to the next note. `key = "master"`
  moves the master bus.
- `out.release(key)`: the note's envelope releases (hits need no release).
- `out.hit(instrument, **params)`: a note that ends by itself: one-shot for `hit`, held for `dur`
  seconds on the others.

Values outside a range are clamped; an unknown instrument, parameter or op is dropped and reported
(`AudioEngine.errors()`), never raised. `pan` is a room position: 0 is the first (left) speaker,
1 the last; with N channels the voice moves along the line of speakers with equal power.

Signal flow: voices -> N-channel instrument sums -> master (reverb -> look-ahead limiter at
`[audio] ceiling_db` -> volume) -> output. Voices per instrument: `[audio] polyphony_*`.
"""


def markdown() -> str:
    parts = [INTRO]
    for name, cls in INSTRUMENTS.items():
        module_doc = (importlib.import_module(cls.__module__).__doc__ or "").strip().split("\n\n")[0]
        parts.append(f"## `{name}` ({DEFAULT_POLYPHONY[name]} voices by default)\n\n{module_doc}\n\n"
                     f"{describe(cls.voice_class.specs)}\n")
    parts.append(f"## master bus (`set` with key `\"{MASTER_KEY}\"`)\n\n{describe(MASTER_SPECS)}\n")
    return "\n".join(parts)


if __name__ == "__main__":
    DOC.write_text(markdown())
    print(DOC)
