"""The training data: (HamNoSys, landmark sequence) pairs, their split by sign, and batching."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import torch

from models.signs.tokenizer import PAD

SPLITS = ("train", "val", "test")


def split_of(sign_key: str, val_fraction: float = 0.1, test_fraction: float = 0.1) -> str:
    """A sign's split from a hash of its symbol sequence: every variant and every duplicate
    transcription of one sign lands in the same split, whatever else is in the corpus."""
    u = int.from_bytes(hashlib.sha1(sign_key.encode("utf-8")).digest()[:8], "big") / 2**64
    if u < test_fraction:
        return "test"
    if u < test_fraction + val_fraction:
        return "val"
    return "train"


@dataclass
class SignSample:
    sign_key: str  # the symbol names joined by commas: the unit of the split
    gloss: str
    hamnosys: str  # Unicode characters
    tokens: np.ndarray  # (S,) int64 with <bos>/<eos>
    frames: np.ndarray  # (T, K, 2) float32, shoulder widths
    mask: np.ndarray  # (T, K) bool, True where a keypoint is present
    split: str
    variant: int = 0
    source: str = ""


@dataclass
class SignCorpus:
    samples: list[SignSample]
    joint_names: list[str]
    fps: float
    info: dict = field(default_factory=dict)

    def split(self, name: str) -> list[SignSample]:
        if name not in SPLITS:
            raise ValueError(f"unknown split {name!r}; allowed: {', '.join(SPLITS)}")
        return [s for s in self.samples if s.split == name]

    def check_disjoint(self) -> None:
        """Raise if any sign appears in two splits."""
        seen: dict[str, str] = {}
        for s in self.samples:
            if seen.setdefault(s.sign_key, s.split) != s.split:
                raise AssertionError(f"sign {s.sign_key!r} is in both {seen[s.sign_key]} and {s.split}")

    # -- cache -------------------------------------------------------------------------------------
    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        lengths = np.array([len(s.frames) for s in self.samples], dtype=np.int64)
        token_lengths = np.array([len(s.tokens) for s in self.samples], dtype=np.int64)
        meta = [[s.sign_key, s.gloss, s.hamnosys, s.split, s.variant, s.source] for s in self.samples]
        tmp = path.with_suffix(".tmp.npz")
        np.savez_compressed(
            tmp,
            frames=np.concatenate([s.frames for s in self.samples]),
            mask=np.concatenate([s.mask for s in self.samples]),
            tokens=np.concatenate([s.tokens for s in self.samples]),
            lengths=lengths,
            token_lengths=token_lengths,
            meta=np.array(meta, dtype=object),
            joint_names=np.array(self.joint_names),
            fps=np.array(self.fps),
            info=np.array([repr(self.info)]),
        )
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> SignCorpus:
        import ast

        with np.load(path, allow_pickle=True) as z:
            frames, mask, tokens = z["frames"], z["mask"], z["tokens"]
            ends = np.cumsum(z["lengths"])
            token_ends = np.cumsum(z["token_lengths"])
            samples = []
            for i, (key, gloss, ham, split, variant, source) in enumerate(z["meta"]):
                f0 = ends[i - 1] if i else 0
                t0 = token_ends[i - 1] if i else 0
                samples.append(
                    SignSample(
                        str(key),
                        str(gloss),
                        str(ham),
                        tokens[t0 : token_ends[i]],
                        frames[f0 : ends[i]],
                        mask[f0 : ends[i]],
                        str(split),
                        int(variant),
                        str(source),
                    )
                )
            return cls(
                samples,
                [str(n) for n in z["joint_names"]],
                float(z["fps"]),
                ast.literal_eval(str(z["info"][0])),
            )


@dataclass
class Batch:
    tokens: torch.Tensor  # (B, S) int64
    frames: torch.Tensor  # (B, T, K, 2)
    point_valid: torch.Tensor  # (B, T, K) bool
    lengths: torch.Tensor  # (B,) int64


def collate(samples: list[SignSample], max_frames: int, stride: int = 1) -> Batch:
    """Pad a list of samples, keeping every `stride`-th frame (the model's rate); sequences longer
    than the model's canvas are cut at max_frames model frames."""
    if stride > 1:
        samples = [replace(x, frames=x.frames[::stride], mask=x.mask[::stride]) for x in samples]
    b = len(samples)
    s = max(len(x.tokens) for x in samples)
    t = min(max(len(x.frames) for x in samples), max_frames)
    k = samples[0].frames.shape[1]
    tokens = np.full((b, s), PAD, dtype=np.int64)
    frames = np.zeros((b, t, k, 2), dtype=np.float32)
    valid = np.zeros((b, t, k), dtype=bool)
    lengths = np.zeros(b, dtype=np.int64)
    for i, x in enumerate(samples):
        n = min(len(x.frames), max_frames)
        tokens[i, : len(x.tokens)] = x.tokens
        frames[i, :n] = np.nan_to_num(x.frames[:n])
        valid[i, :n] = x.mask[:n]
        lengths[i] = n
    return Batch(torch.from_numpy(tokens), torch.from_numpy(frames), torch.from_numpy(valid), torch.from_numpy(lengths))
