"""Ham2Pose-style generator: a symbol encoder, a length distribution, iterative refinement of frames.

Why not autoregressive: an autoregressive pose decoder needs one decoder pass per frame (about 50-150
per sign, far from the 100 ms budget without a key-value cache in ONNX), feeds its own errors back in
and tends to freeze into the mean pose; a stop token also decides the length one frame at a time.
Here the encoder predicts a distribution over the sign's length (its running sum is the end-of-sign
probability of every frame), and a decoder refines all frames at once from a rest pose in a fixed
number of steps (Ham2Pose, Shalev-Arkushin et al. 2023): cost is independent of the sign's length,
and the whole generation is one ONNX graph.

Shapes: tokens (B, S) int64 with PAD=0; poses (B, T, K, 2) float32 in shoulder widths.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

from models.signs.tokenizer import PAD


@dataclass
class ModelConfig:
    vocab_size: int
    num_joints: int
    max_frames: int = 100  # longest sign the canvas holds, in model frames
    frame_stride: int = 2  # the model works on every 2nd frame of the corpus; the generator interpolates
    max_tokens: int = 128
    d_model: int = 128
    heads: int = 4
    encoder_layers: int = 2
    decoder_layers: int = 3
    feedforward: int = 256
    dropout: float = 0.1
    refine_steps: int = 6
    phase_frequencies: int = 12

    def to_dict(self) -> dict:
        return asdict(self)


def sinusoid(positions: torch.Tensor, dim: int) -> torch.Tensor:
    """Transformer position code of float positions (...,) -> (..., dim)."""
    half = dim // 2
    freq = torch.exp(torch.arange(half, dtype=torch.float32, device=positions.device) * (-math.log(10000.0) / half))
    angle = positions.unsqueeze(-1).float() * freq
    return torch.cat([torch.sin(angle), torch.cos(angle)], dim=-1)


class Attention(nn.Module):
    """Multi-head attention written out, so the exported graph is plain MatMul/Softmax."""

    def __init__(self, d_model: int, heads: int, dropout: float) -> None:
        super().__init__()
        self.heads = heads
        self.scale = 1.0 / math.sqrt(d_model // heads)
        self.q = nn.Linear(d_model, d_model)
        self.kv = nn.Linear(d_model, 2 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, context: torch.Tensor, key_valid: torch.Tensor) -> torch.Tensor:
        b, t, d = x.shape
        s = context.shape[1]
        h = self.heads
        q = self.q(x).view(b, t, h, d // h).transpose(1, 2)
        k, v = self.kv(context).view(b, s, 2, h, d // h).permute(2, 0, 3, 1, 4).unbind(0)
        scores = (q @ k.transpose(-1, -2)) * self.scale
        scores = scores.masked_fill(~key_valid[:, None, None, :], -1e9)
        weights = self.dropout(torch.softmax(scores, dim=-1))
        return self.out((weights @ v).transpose(1, 2).reshape(b, t, d))


class Block(nn.Module):
    """Pre-norm transformer block; with `cross` it also attends to the encoded symbols."""

    def __init__(self, cfg: ModelConfig, cross: bool) -> None:
        super().__init__()
        self.norm_self = nn.LayerNorm(cfg.d_model)
        self.self_attn = Attention(cfg.d_model, cfg.heads, cfg.dropout)
        self.norm_cross = nn.LayerNorm(cfg.d_model) if cross else None
        self.cross_attn = Attention(cfg.d_model, cfg.heads, cfg.dropout) if cross else None
        self.norm_ff = nn.LayerNorm(cfg.d_model)
        self.ff = nn.Sequential(
            nn.Linear(cfg.d_model, cfg.feedforward), nn.GELU(), nn.Linear(cfg.feedforward, cfg.d_model)
        )
        self.dropout = nn.Dropout(cfg.dropout)

    def forward(
        self,
        x: torch.Tensor,
        valid: torch.Tensor,
        memory: torch.Tensor | None = None,
        memory_valid: torch.Tensor | None = None,
    ) -> torch.Tensor:
        y = self.norm_self(x)
        x = x + self.dropout(self.self_attn(y, y, valid))
        if self.cross_attn is not None and self.norm_cross is not None:
            x = x + self.dropout(self.cross_attn(self.norm_cross(x), memory, memory_valid))
        return x + self.dropout(self.ff(self.norm_ff(x)))


class SignMotionModel(nn.Module):
    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.cfg = cfg
        d = cfg.d_model
        self.embed = nn.Embedding(cfg.vocab_size, d, padding_idx=PAD)
        self.encoder = nn.ModuleList([Block(cfg, cross=False) for _ in range(cfg.encoder_layers)])
        self.encoder_norm = nn.LayerNorm(d)
        self.length_head = nn.Sequential(nn.Linear(d, d), nn.GELU(), nn.Linear(d, cfg.max_frames + 1))
        self.pose_in = nn.Linear(cfg.num_joints * 2, d)
        self.phase_in = nn.Linear(2 * cfg.phase_frequencies + 1, d)
        self.decoder = nn.ModuleList([Block(cfg, cross=True) for _ in range(cfg.decoder_layers)])
        self.decoder_norm = nn.LayerNorm(d)
        self.pose_out = nn.Linear(d, cfg.num_joints * 2)
        nn.init.zeros_(self.pose_out.weight)
        nn.init.zeros_(self.pose_out.bias)
        # the pose every refinement starts from; set to the corpus' mean first frame before training
        self.register_buffer("rest_pose", torch.zeros(cfg.num_joints, 2))

    # -- encoder and length ---------------------------------------------------------------------
    def encode(self, tokens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """-> memory (B, S, D), token validity (B, S), length logits (B, max_frames + 1)."""
        valid = tokens != PAD
        positions = torch.arange(tokens.shape[1], device=tokens.device).unsqueeze(0)
        x = self.embed(tokens) * math.sqrt(self.cfg.d_model) + sinusoid(positions, self.cfg.d_model)
        for block in self.encoder:
            x = block(x, valid)
        memory = self.encoder_norm(x)
        weights = valid.float().unsqueeze(-1)
        pooled = (memory * weights).sum(1) / weights.sum(1).clamp(min=1.0)
        return memory, valid, self.length_head(pooled)

    # -- one refinement step --------------------------------------------------------------------
    def refine(
        self,
        memory: torch.Tensor,
        memory_valid: torch.Tensor,
        current: torch.Tensor,
        lengths: torch.Tensor,
        alpha: torch.Tensor,
    ) -> torch.Tensor:
        """Predict the clean frames from `current` (B, T, K, 2), the estimate at refinement level alpha."""
        b, t = current.shape[:2]
        frame = torch.arange(t, device=current.device).float().unsqueeze(0).expand(b, t)
        frame_valid = frame < lengths.unsqueeze(1).float()
        phase = frame / lengths.clamp(min=1).unsqueeze(1).float()  # 0 .. 1 across the sign
        harmonics = torch.arange(1, self.cfg.phase_frequencies + 1, device=current.device).float() * math.pi
        angle = phase.unsqueeze(-1) * harmonics
        phase_features = torch.cat([torch.sin(angle), torch.cos(angle), alpha.view(b, 1, 1).expand(b, t, 1)], dim=-1)
        x = self.pose_in(current.reshape(b, t, -1)) + self.phase_in(phase_features) + sinusoid(frame, self.cfg.d_model)
        for block in self.decoder:
            x = block(x, frame_valid, memory, memory_valid)
        delta = self.pose_out(self.decoder_norm(x)).view(b, t, self.cfg.num_joints, 2)
        return current + delta

    def start_canvas(self, batch: int, frames: int) -> torch.Tensor:
        return self.rest_pose.view(1, 1, -1, 2).expand(batch, frames, -1, -1)

    # -- full generation ------------------------------------------------------------------------
    @staticmethod
    def length_from_logits(logits: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Median length (B,) int64 and end probability per frame (B, max_frames).

        end[t] = P(length <= t + 1): the probability that frame t is the sign's last frame or later.
        """
        cdf = torch.cumsum(torch.softmax(logits, dim=-1), dim=-1)
        lengths = (cdf < 0.5).sum(-1).clamp(min=2)
        return lengths, cdf[:, 1:]

    def generate(self, tokens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """-> poses (B, max_frames, K, 2) valid up to the length, lengths (B,), end probabilities."""
        memory, valid, logits = self.encode(tokens)
        lengths, end = self.length_from_logits(logits)
        b = tokens.shape[0]
        start = self.start_canvas(b, self.cfg.max_frames)
        current = start
        steps = self.cfg.refine_steps
        prediction = start
        for k in range(steps):
            alpha = torch.ones_like(lengths, dtype=torch.float32) * (k / steps)
            current = start + (k / steps) * (prediction - start)
            prediction = self.refine(memory, valid, current, lengths, alpha)
        return prediction, lengths, end


def refinement_input(
    target: torch.Tensor,
    start: torch.Tensor,
    alpha: torch.Tensor,
    noise: float,
    generator: torch.Generator | None,
) -> torch.Tensor:
    """Training input at level alpha: the rest pose moved alpha of the way to the truth, plus noise
    that stands in for the model's own errors at inference (strongest at the start)."""
    a = alpha.view(-1, 1, 1, 1)
    jitter = torch.randn(target.shape, generator=generator, device=target.device) * noise * (1 - a)
    return start + a * (target - start) + jitter


def masked_pose_loss(
    prediction: torch.Tensor, target: torch.Tensor, frame_valid: torch.Tensor, point_valid: torch.Tensor
) -> torch.Tensor:
    """Mean squared error on present keypoints of valid frames, plus the same on frame-to-frame motion."""
    weight = (frame_valid.unsqueeze(-1) & point_valid).float()
    err = ((prediction - target) ** 2).sum(-1)
    position = (err * weight).sum() / weight.sum().clamp(min=1.0)
    motion_weight = weight[:, 1:] * weight[:, :-1]
    motion_err = (((prediction[:, 1:] - prediction[:, :-1]) - (target[:, 1:] - target[:, :-1])) ** 2).sum(-1)
    motion = (motion_err * motion_weight).sum() / motion_weight.sum().clamp(min=1.0)
    return position + 2.0 * motion


def length_loss(logits: torch.Tensor, lengths: torch.Tensor, smoothing_frames: float = 2.0) -> torch.Tensor:
    """Cross entropy against a narrow Gaussian around the true length (near lengths are near misses)."""
    classes = torch.arange(logits.shape[-1], device=logits.device).float()
    target = torch.exp(-0.5 * ((classes.unsqueeze(0) - lengths.float().unsqueeze(1)) / smoothing_frames) ** 2)
    target = target / target.sum(-1, keepdim=True)
    return -(target * F.log_softmax(logits, dim=-1)).sum(-1).mean()


def load_trained(path: Path) -> tuple[SignMotionModel, dict]:
    state = torch.load(path, weights_only=False)
    model = SignMotionModel(ModelConfig(**state["config"]))
    model.load_state_dict(state["model"])
    model.eval()
    return model, state
