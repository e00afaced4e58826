"""The two datasets, made by project code with their generating factors known.

Images: a bright shape with a soft fall-off on black, 32x32 grayscale in 0..1. The "simple" set
varies x and y of a square; the "rich" set also varies size, shape (square, disc, diamond) and
brightness. Sounds: steady notes of the FM voice (models/sonification/synth.py) as 64 mel bands in
dB. The "simple" set varies pitch and loudness; the "rich" set also ratio, index and brightness.
Every factor takes values on a grid (as in dSprites) so that the disentanglement metrics can fix it.
The rich set's FM ratios are the integers 1-4: with them the carrier is the fundamental one hears, so
"pitch" is a property of the sound (ratio 0.5 sounds an octave below the carrier, and non-integer
ratios are inharmonic, with no pitch a listener or a model could agree on).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.sonification import features, synth

IMAGE_SIZE = 32
SHAPES = ("square", "disc", "diamond")


@dataclass(frozen=True)
class Factor:
    name: str
    levels: int  # number of grid values; the value of level k is k / (levels - 1) in 0..1
    categorical: bool = False
    units: tuple[float, ...] = ()  # synth parameter (0..1 units) of each level, for factors not evenly spread


HARMONIC_RATIOS = (1.0, 2.0, 3.0, 4.0)

IMAGE_FACTORS = {
    "simple": (Factor("x", 16), Factor("y", 16)),
    "rich": (Factor("x", 16), Factor("y", 16), Factor("size", 6), Factor("shape", 3, True),
             Factor("brightness", 5)),
}
SOUND_FACTORS = {
    "simple": (Factor("pitch", 16), Factor("loudness", 8)),
    "rich": (Factor("pitch", 16), Factor("loudness", 6),
             Factor("ratio", 4, True, tuple(float(synth.PARAMS[2].to_unit(r)) for r in HARMONIC_RATIOS)),
             Factor("index", 6), Factor("brightness", 5)),
}
# Which synth parameter each sound factor drives (fixed at its default when the factor is absent).
SOUND_FACTOR_PARAM = {"pitch": "freq", "loudness": "amp", "ratio": "ratio", "index": "index",
                      "brightness": "brightness"}


def factor_names(kind: str, variant: str) -> list[str]:
    table = IMAGE_FACTORS if kind == "image" else SOUND_FACTORS
    if variant not in table:
        raise ValueError(f"unknown dataset variant {variant!r}; allowed: {', '.join(table)}")
    return [f.name for f in table[variant]]


def sample_levels(factors: tuple[Factor, ...], n: int, rng: np.random.Generator) -> np.ndarray:
    """(n, F) integer grid levels drawn uniformly."""
    return np.stack([rng.integers(0, f.levels, n) for f in factors], axis=1)


def sample_continuous(factors: tuple[Factor, ...], n: int, rng: np.random.Generator,
                      ) -> tuple[np.ndarray, np.ndarray]:
    """(values (n, F) uniform in 0..1 between the grid points, nearest grid levels (n, F)).
    Training on values between the grid points gives the models neighbours to interpolate between;
    the metrics fix factors on the grid."""
    levels = sample_levels(factors, n, rng)
    values = levels_to_values(factors, levels)
    for j, f in enumerate(factors):
        if not f.categorical:
            values[:, j] = rng.random(n)
            levels[:, j] = np.round(values[:, j] * (f.levels - 1)).astype(int)
    return values, levels


def levels_to_values(factors: tuple[Factor, ...], levels: np.ndarray) -> np.ndarray:
    """Integer levels -> factor values in 0..1 (categorical factors keep their index)."""
    out = np.empty(levels.shape, dtype=np.float64)
    for j, f in enumerate(factors):
        out[:, j] = levels[:, j] if f.categorical else levels[:, j] / (f.levels - 1)
    return out


# --- images -------------------------------------------------------------------------------------
def render_images(x: np.ndarray, y: np.ndarray, size: np.ndarray | None = None,
                  shape: np.ndarray | None = None, brightness: np.ndarray | None = None,
                  resolution: int = IMAGE_SIZE) -> np.ndarray:
    """Factors in 0..1 (shape an index into SHAPES) -> (B, res, res) float32 images in 0..1.

    x runs left to right and y top to bottom over the central 70% of the frame; size 0..1 is a
    half-width of 2..6 pixels (at 32x32); outside the shape the light falls off as a Gaussian.
    """
    x = np.atleast_1d(np.asarray(x, dtype=np.float64))
    n = x.shape[0]
    y = np.atleast_1d(np.asarray(y, dtype=np.float64))
    size = np.full(n, 0.4) if size is None else np.atleast_1d(np.asarray(size, dtype=np.float64))
    shape = np.zeros(n, dtype=int) if shape is None else np.atleast_1d(np.asarray(shape)).astype(int)
    brightness = np.ones(n) if brightness is None else np.atleast_1d(np.asarray(brightness, dtype=np.float64))
    scale = resolution / IMAGE_SIZE
    centre_x = (0.15 + 0.7 * x) * resolution
    centre_y = (0.15 + 0.7 * y) * resolution
    half = (2.0 + 4.0 * size) * scale
    level = 0.4 + 0.6 * brightness
    grid = np.arange(resolution, dtype=np.float64) + 0.5
    dx = np.abs(grid[None, None, :] - centre_x[:, None, None])
    dy = np.abs(grid[None, :, None] - centre_y[:, None, None])
    dist = np.where(shape[:, None, None] == 0, np.maximum(dx, dy),
                    np.where(shape[:, None, None] == 1, np.hypot(dx, dy), (dx + dy) / np.sqrt(2.0)))
    outside = np.maximum(dist - half[:, None, None], 0.0)
    soft = 1.5 * scale
    return (level[:, None, None] * np.exp(-0.5 * (outside / soft) ** 2)).astype(np.float32)


def image_batch(variant: str, n: int, rng: np.random.Generator, continuous: bool = False,
                ) -> tuple[np.ndarray, np.ndarray]:
    """(images (n, 32, 32), levels (n, F)) drawn uniformly over the factor grid (or between its points)."""
    factors = IMAGE_FACTORS[variant]
    if continuous:
        values, levels = sample_continuous(factors, n, rng)
        return images_from_values(variant, values), levels
    levels = sample_levels(factors, n, rng)
    return images_from_levels(variant, levels), levels


def images_from_values(variant: str, values: np.ndarray) -> np.ndarray:
    named = {f.name: values[:, j] for j, f in enumerate(IMAGE_FACTORS[variant])}
    return render_images(named["x"], named["y"], named.get("size"), named.get("shape"), named.get("brightness"))


def images_from_levels(variant: str, levels: np.ndarray) -> np.ndarray:
    return images_from_values(variant, levels_to_values(IMAGE_FACTORS[variant], levels))


# --- sounds -------------------------------------------------------------------------------------
def sound_param_values(variant: str) -> dict[int, tuple[float, ...]]:
    """{synth parameter index: the only 0..1 values the sound set holds} for factors given by value lists."""
    return {synth.PARAM_NAMES.index(SOUND_FACTOR_PARAM[f.name]): f.units for f in SOUND_FACTORS[variant] if f.units}


def sound_units_from_values(variant: str, values: np.ndarray) -> np.ndarray:
    """Factor values in 0..1 -> (n, 5) synth parameters in 0..1 (absent factors at their default)."""
    factors = SOUND_FACTORS[variant]
    units = np.tile([float(p.to_unit(p.default)) for p in synth.PARAMS],
                    (values.shape[0], 1))
    for j, f in enumerate(factors):
        column = np.asarray(f.units)[values[:, j].astype(int)] if f.units else values[:, j]
        units[:, synth.PARAM_NAMES.index(SOUND_FACTOR_PARAM[f.name])] = column
    return units


def render_sounds(units: np.ndarray) -> np.ndarray:
    """(n, 5) synth parameters in 0..1 -> (n, 64) mel dB features (rendered in chunks to bound memory)."""
    out = []
    for start in range(0, len(units), 2000):
        p = synth.params_from_unit(units[start:start + 2000])
        audio = synth.render_clean(p["freq"], p["amp"], p["ratio"], p["index"], p["brightness"],
                                   features.N_SAMPLES, features.SR)
        out.append(features.mel_db(audio))
    return np.concatenate(out) if out else np.zeros((0, features.N_MELS), np.float32)


def sound_batch(variant: str, n: int, rng: np.random.Generator, continuous: bool = False,
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mel dB (n, 64), levels (n, F), synth units (n, 5)) drawn uniformly over the factor grid (or
    between its points)."""
    factors = SOUND_FACTORS[variant]
    if continuous:
        values, levels = sample_continuous(factors, n, rng)
    else:
        levels = sample_levels(factors, n, rng)
        values = levels_to_values(factors, levels)
    units = sound_units_from_values(variant, values)
    return render_sounds(units), levels, units


def sounds_from_levels(variant: str, levels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    units = sound_units_from_values(variant, levels_to_values(SOUND_FACTORS[variant], levels))
    return render_sounds(units), units


# Network input scaling of mel dB: DB_FLOOR..0 dB -> 0..1.
def mel_to_input(mel_db: np.ndarray) -> np.ndarray:
    return ((np.asarray(mel_db, dtype=np.float32) - features.DB_FLOOR) / -features.DB_FLOOR).astype(np.float32)


def input_to_mel(x: np.ndarray) -> np.ndarray:
    return np.asarray(x, dtype=np.float32) * -features.DB_FLOOR + features.DB_FLOOR
