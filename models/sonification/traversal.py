"""Latent traversal grids: each row moves one latent axis from -2.5 to +2.5, the rest held fixed."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from models.sonification import datasets as D
from models.sonification.features import DB_FLOOR
from models.sonification.runtime_model import SonificationModel

STEPS = np.linspace(-2.5, 2.5, 9)


def _sweep(base: np.ndarray) -> np.ndarray:
    """(Z,) -> (Z, len(STEPS), Z) codes: row d sets axis d to each step."""
    z = np.repeat(np.repeat(base[None, None, :], base.shape[0], 0), len(STEPS), 1).copy()
    for d in range(base.shape[0]):
        z[d, :, d] = STEPS
    return z.astype(np.float32)


def image_grid(model: SonificationModel, scale: int = 3, gap: int = 2) -> np.ndarray:
    base = model.sonify(D.render_images([0.5], [0.5], [0.4], [0], [1.0])[0]).z_image
    codes = _sweep(base)
    tiles = model.reconstruct(codes.reshape(-1, codes.shape[-1])).reshape(codes.shape[0], len(STEPS), 32, 32)
    rows = [np.concatenate([np.pad(t, ((gap, gap), (gap, gap)), constant_values=0.25) for t in row], axis=1)
            for row in tiles]
    grid = np.concatenate(rows, axis=0)
    return (np.clip(grid, 0, 1) * 255).astype(np.uint8).repeat(scale, 0).repeat(scale, 1)


def sound_grid(model: SonificationModel, width: int = 40, gap: int = 3) -> np.ndarray:
    """Each cell is one decoded mel spectrum drawn as a column, low bands at the bottom, -90..0 dB."""
    mel, _ = D.sounds_from_levels(model.meta["variant"], np.array([[f.levels // 2 for f in
                                                                  D.SOUND_FACTORS[model.meta["variant"]]]]))
    base = model.encode_sound(mel)[0]
    codes = _sweep(base)
    mels = model.decode_sound(codes.reshape(-1, codes.shape[-1])).reshape(codes.shape[0], len(STEPS), -1)
    level = np.clip((mels - DB_FLOOR) / -DB_FLOOR, 0, 1)
    rows = []
    for row in level:
        cells = [np.pad(np.repeat(cell[::-1, None], width, 1).repeat(3, 0), ((gap, gap), (gap, gap)),
                        constant_values=0.25) for cell in row]
        rows.append(np.concatenate(cells, axis=1))
    return (np.concatenate(rows, axis=0) * 255).astype(np.uint8)


def save_grids(directory: Path) -> list[Path]:
    from skimage.io import imsave

    model = SonificationModel(directory)
    paths = [directory / "traversal_image.png", directory / "traversal_sound.png"]
    imsave(paths[0], image_grid(model), check_contrast=False)
    imsave(paths[1], sound_grid(model), check_contrast=False)
    return paths
