"""The shipped sonification models run with onnxruntime (no torch at show time)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from models.sonification.datasets import IMAGE_SIZE, input_to_mel
from models.sonification.synth import PARAM_NAMES, params_from_unit

SHIPPED_DIR = Path(__file__).resolve().parent / "shipped"


@dataclass
class Sonified:
    z_image: np.ndarray  # (Z_i,)
    z_sound: np.ndarray  # (Z_s,)
    units: np.ndarray  # (5,) synth parameters 0..1 in synth.PARAMS order

    def params(self) -> dict[str, float]:
        """Synth parameters in their own units (Hz, linear amplitude, ...)."""
        return {k: float(v) for k, v in params_from_unit(self.units).items()}


class SonificationModel:
    """Loads models/sonification/shipped (or another trained directory) as onnxruntime sessions."""

    def __init__(self, directory: Path | str = SHIPPED_DIR) -> None:
        import onnxruntime as ort

        self.directory = Path(directory)
        meta_path = self.directory / "meta.json"
        if not meta_path.is_file():
            raise FileNotFoundError(f"no trained sonification model in {self.directory} (missing meta.json); "
                                    f"train with: python -m models.sonification.train")
        self.meta = json.loads(meta_path.read_text())
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self.sessions = {}
        for file in ("image_to_sound", "image_decoder", "sound_encoder", "sound_decoder", "sound_head",
                     "sound_to_image"):
            self.sessions[file] = ort.InferenceSession(str(self.directory / f"{file}.onnx"), options,
                                                       providers=["CPUExecutionProvider"])
        self.param_names = PARAM_NAMES

    def _run(self, name: str, x: np.ndarray) -> list[np.ndarray]:
        session = self.sessions[name]
        return session.run(None, {session.get_inputs()[0].name: np.ascontiguousarray(x, dtype=np.float32)})

    def image_to_sound_batch(self, images: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(B, 32, 32) in 0..1 -> (z_image, z_sound, units)."""
        z_i, z_s, units = self._run("image_to_sound", images.reshape(-1, 1, IMAGE_SIZE, IMAGE_SIZE))
        return z_i, z_s, units

    def sonify(self, image: np.ndarray) -> Sonified:
        z_i, z_s, units = self.image_to_sound_batch(image[None])
        return Sonified(z_i[0], z_s[0], units[0])

    def reconstruct(self, z_image: np.ndarray) -> np.ndarray:
        return self._run("image_decoder", np.atleast_2d(z_image))[0][:, 0]

    def encode_sound(self, mel_db: np.ndarray) -> np.ndarray:
        return self._run("sound_encoder", np.atleast_2d(mel_db))[0]

    def decode_sound_levels(self, z_sound: np.ndarray) -> np.ndarray:
        """Sound latents -> mel levels 0..1 (what the graph outputs)."""
        return self._run("sound_decoder", np.atleast_2d(z_sound))[0]

    def decode_sound(self, z_sound: np.ndarray) -> np.ndarray:
        """Sound latents -> mel band levels in dB."""
        return input_to_mel(self.decode_sound_levels(z_sound))

    def head(self, z_sound: np.ndarray) -> np.ndarray:
        return self._run("sound_head", np.atleast_2d(z_sound))[0]

    def sound_to_image(self, z_sound: np.ndarray) -> np.ndarray:
        return self._run("sound_to_image", np.atleast_2d(z_sound))[0]
