"""The pose space's musical mapping: scale, hand height to pitch, posture to timbre and chord."""

from __future__ import annotations

import math

PENTATONIC = (0, 2, 4, 7, 9)  # major pentatonic: no note clashes with another
CHORDS = (  # semitones above the root, one per posture (in file order, wrapping)
    (0, 4, 7), (5, 9, 12), (7, 11, 14), (9, 12, 16), (2, 5, 9), (0, 7, 14), (4, 7, 11), (0, 5, 7),
)
TIMBRES = (  # (FM ratio, FM index, fm/saw mix) per posture, wrapping
    (1.0, 1.5, 1.0), (2.0, 2.5, 0.8), (1.5, 3.0, 1.0), (3.0, 1.2, 0.6), (0.5, 2.0, 0.9), (1.414, 3.5, 1.0),
    (2.5, 1.8, 0.7), (4.0, 1.0, 0.5),
)
NO_POSTURE_TIMBRE = (1.0, 0.6, 0.3)


def semitones(root_hz: float, steps: float) -> float:
    return root_hz * 2.0 ** (steps / 12.0)


def hand_pitch(height: float, root_hz: float) -> float:
    """Hand height in torso lengths above the hips (about -1 .. 3) -> a pentatonic note, 2 octaves up from
    an octave over the root: the higher the hand, the higher the note."""
    if not math.isfinite(height):
        height = 0.0
    degree = int(round((min(3.0, max(-1.0, height)) + 1.0) / 4.0 * 10))  # 0..10: two octaves of 5 notes
    octave, step = divmod(degree, len(PENTATONIC))
    return semitones(root_hz * 2.0, 12 * octave + PENTATONIC[step])


def posture_chord(index: int, root_hz: float) -> list[float]:
    """Frequencies of the chord a recognised posture brings (an octave over the root)."""
    return [semitones(root_hz * 2.0, s) for s in CHORDS[index % len(CHORDS)]]


def posture_timbre(index: int | None) -> tuple[float, float, float]:
    return NO_POSTURE_TIMBRE if index is None else TIMBRES[index % len(TIMBRES)]


def fold_to_root(pitch_hz: float, low: float = 98.0) -> float:
    """A sung pitch moved by octaves into [low, 2*low) and rounded to the nearest semitone of A440."""
    if not (pitch_hz > 0 and math.isfinite(pitch_hz)):
        return float("nan")
    while pitch_hz >= 2 * low:
        pitch_hz /= 2
    while pitch_hz < low:
        pitch_hz *= 2
    n = round(12 * math.log2(pitch_hz / 440.0))
    return 440.0 * 2 ** (n / 12)
