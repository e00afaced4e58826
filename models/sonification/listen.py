"""Offline listening: a square moving left to right, as the shipped models hear it.

    python -m models.sonification.listen --out DIR [--steps 8] [--seconds 0.6]

Writes DIR/sweep_griffin_lim.wav (the sound decoder's mel spectra turned back into audio with
Griffin-Lim) and DIR/sweep_synth.wav (the FM voice played with the head's parameters, what the scene
plays), one note per position, at features.SR.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from models.sonification import datasets as D
from models.sonification import features, synth
from models.sonification.runtime_model import SHIPPED_DIR, SonificationModel


def sweep(model: SonificationModel, steps: int, seconds: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(griffin-lim audio, synth audio, played freq per step) for a square moving right."""
    xs = np.linspace(0.0, 1.0, steps)
    images = D.render_images(xs, np.full(steps, 0.5), np.full(steps, 0.4), np.zeros(steps, int), np.ones(steps))
    _, z_sound, units = model.image_to_sound_batch(images)
    mels = model.decode_sound(z_sound)
    n = int(seconds * features.SR)
    fade = np.minimum(1.0, np.minimum(np.arange(n), np.arange(n)[::-1]) / (0.01 * features.SR))
    gl = [features.griffin_lim(mel, seconds=seconds, seed=i)[:n] * fade for i, mel in enumerate(mels)]
    p = synth.params_from_unit(units)
    played = synth.render_clean(p["freq"], p["amp"], p["ratio"], p["index"], p["brightness"], n, features.SR) * fade
    return np.concatenate(gl).astype(np.float32), played.reshape(-1).astype(np.float32), p["freq"]


def main(argv: list[str] | None = None) -> int:
    from scipy.io import wavfile

    parser = argparse.ArgumentParser(prog="python -m models.sonification.listen", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="directory for the WAV files")
    parser.add_argument("--dir", type=Path, default=SHIPPED_DIR, help="trained model directory")
    parser.add_argument("--steps", type=int, default=8, help="positions of the square")
    parser.add_argument("--seconds", type=float, default=0.6, help="length of each note")
    args = parser.parse_args(argv)
    if args.steps < 2 or args.seconds <= 0.05:
        parser.error("--steps must be at least 2 and --seconds above 0.05")
    model = SonificationModel(args.dir)
    gl, played, freqs = sweep(model, args.steps, args.seconds)
    args.out.mkdir(parents=True, exist_ok=True)
    wavfile.write(args.out / "sweep_griffin_lim.wav", features.SR, gl)
    wavfile.write(args.out / "sweep_synth.wav", features.SR, played)
    print("played pitch per position (Hz):", ", ".join(f"{f:.1f}" for f in freqs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
