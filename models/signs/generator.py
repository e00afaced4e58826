"""Learned sign motion at run time: HamNoSys text in, landmark frames out, with onnxruntime only.

    signer = LearnedSigner(DEFAULT_MODEL)
    frames = signer.generate("hamflathand,hamextfingeru,hampalml,hamchin")   # (T, K, 2) float32

Frames use the procedural animator's layout (`joint_names`, x right, y down, shoulder widths, shoulder
centre at the origin) at `fps` frames per second. Text that is not HamNoSys raises HamNoSysTokenError
(a ValueError) naming the position and the symbol; nothing else is raised for any text.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import onnxruntime as ort

from models.signs.tokenizer import HamNoSysTokenError, HamNoSysTokenizer

if TYPE_CHECKING:
    from signlang.animator import Animation

DEFAULT_MODEL = Path(__file__).with_name("signs.onnx")


def interpolate(frames: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Frames at fractional frame positions, linearly between neighbours."""
    positions = np.clip(positions, 0.0, len(frames) - 1)
    low = np.minimum(np.floor(positions).astype(int), len(frames) - 1)
    high = np.minimum(low + 1, len(frames) - 1)
    w = (positions - low)[:, None, None]
    return (frames[low] * (1 - w) + frames[high] * w).astype(np.float32)


def upsample(frames: np.ndarray, stride: int) -> np.ndarray:
    """From the model's rate (every `stride`-th frame) back to the corpus rate."""
    if stride == 1:
        return np.ascontiguousarray(frames, dtype=np.float32)
    return interpolate(frames, np.arange((len(frames) - 1) * stride + 1) / stride)


class LearnedSigner:
    def __init__(self, path: str | Path = DEFAULT_MODEL, *, threads: int = 1) -> None:
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        meta = self.session.get_modelmeta().custom_metadata_map
        self.tokenizer = HamNoSysTokenizer.from_json(meta["vocab"])
        self.joint_names: list[str] = json.loads(meta["joint_names"])
        self.fps = float(meta["fps"])
        self.max_tokens = int(meta["max_tokens"])
        self.metadata = dict(meta)
        self.frame_stride = int(json.loads(meta["config"]).get("frame_stride", 1))

    def generate_with_end(self, hamnosys_text: str) -> tuple[np.ndarray, np.ndarray]:
        """Frames (T, K, 2) and, for every frame t of the model's canvas (max_frames,), the probability
        that the sign is over by frame t (t is its last frame or later). T is where it crosses 0.5."""
        ids = self.tokenizer.encode(hamnosys_text)
        if len(ids) > self.max_tokens:
            raise HamNoSysTokenError(
                f"transcription has {len(ids) - 2} symbols; the learned model reads at most {self.max_tokens - 2}"
            )
        poses, length, end = self.session.run(None, {"tokens": np.asarray([ids], dtype=np.int64)})
        frames = upsample(poses[0, : int(length[0])], self.frame_stride)
        # model frame j covers corpus frames j * stride .. j * stride + stride - 1
        end_full = end[0][np.arange(end.shape[1] * self.frame_stride) // self.frame_stride]
        return frames, end_full.astype(np.float32)

    def generate(self, hamnosys_text: str) -> np.ndarray:
        """Landmark frames (T, K, 2) float32 of one sign."""
        return self.generate_with_end(hamnosys_text)[0]

    def animate(self, sign: Any, *, fps: float | None = None, speed: float = 1.0) -> Animation:
        """The procedural animator's result type, for the scene to play either kind of motion.

        sign: HamNoSys text, or a parsed sign (its `.symbols`, the symbol names, are read; its
        `.gloss` becomes the animation's). fps: rate to resample to (default the model's); speed:
        faster (> 1) or slower playback. Body proportions and amplitude are the animator's only."""
        from signlang.animator import Animation

        if (fps is not None and fps <= 0) or speed <= 0:
            raise ValueError(f"fps and speed must be positive, got fps={fps}, speed={speed}")
        text = sign if isinstance(sign, str) else ",".join(sign.symbols)
        frames = self.generate(text)
        rate = float(fps or self.fps)
        count = max(2, int(round((len(frames) - 1) * rate / self.fps / speed)) + 1)
        frames = interpolate(frames, np.linspace(0.0, len(frames) - 1, count))
        return Animation(frames, rate, list(self.joint_names), getattr(sign, "gloss", "") or "")
