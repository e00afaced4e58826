"""A scrolling spectrogram of what the synth plays: each column is the 64-band mel spectrum of the
current synth parameters, rendered as the training sounds are (models/sonification/synth.py).
The scene never opens the sound card; what is drawn is what the parameters sound like."""

from __future__ import annotations

import numpy as np

from models.sonification import features, synth


def params_mel_db(params: dict[str, float]) -> np.ndarray:
    """One steady note of the voice -> (64,) mel dB."""
    audio = synth.render_clean(params["freq"], params["amp"], params["ratio"], params["index"],
                               params["brightness"], features.N_SAMPLES, features.SR)
    return features.mel_db(audio)[0]


class SpectrogramHistory:
    """A ring of the last `columns` spectra; `image()` gives the texture layout the shader reads."""

    def __init__(self, columns: int = 256) -> None:
        self.columns = columns
        self.ring = np.full((features.N_MELS, columns), features.DB_FLOOR, dtype=np.float32)
        self.head = 0  # next column to write
        self.count = 0

    def push(self, mel_db: np.ndarray) -> None:
        self.ring[:, self.head] = mel_db
        self.head = (self.head + 1) % self.columns
        self.count += 1

    def image(self) -> np.ndarray:
        """(64, columns) levels 0..1, highest band in the top row (texture rows go top down)."""
        return ((self.ring[::-1] - features.DB_FLOOR) / -features.DB_FLOOR).clip(0.0, 1.0)

    def newest(self) -> np.ndarray:
        return self.ring[:, (self.head - 1) % self.columns]
