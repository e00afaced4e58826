"""Train the HamNoSys-to-motion model. Seeded, logged (train_log.jsonl), resumable (--resume).

    python -m models.signs.train --preset full --out out/signs/run --export models/signs/signs.onnx
    python -m models.signs.train --tiny --out /tmp/signs_tiny          # seconds, the examples only

The corpus is animated at training time from ../shared/data/hamnosys/lexicon_dev.jsonl (when present)
and the project's example signs (see corpus.py); `--pose-index` trains on `.pose` recordings instead.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

import numpy as np
import torch

from models.signs.corpus import DEFAULT_CACHE
from models.signs.data import SignCorpus, SignSample, collate
from models.signs.model import ModelConfig, SignMotionModel, length_loss, masked_pose_loss, refinement_input
from models.signs.tokenizer import HamNoSysTokenizer


@dataclass
class TrainSettings:
    steps: int = 5500
    batch_size: int = 24
    lr: float = 1e-3
    warmup: int = 300
    weight_decay: float = 0.01
    noise: float = 0.05  # shoulder widths of jitter on the refinement input at alpha = 0
    length_weight: float = 0.1
    log_every: int = 50
    eval_every: int = 500
    checkpoint_every: int = 250
    seed: int = 0
    d_model: int = 128
    heads: int = 4
    encoder_layers: int = 2
    decoder_layers: int = 3
    feedforward: int = 256
    dropout: float = 0.1
    refine_steps: int = 6
    max_frames: int = 100  # model frames: 200 corpus frames (8 s at 25 fps) with stride 2
    frame_stride: int = 2


PRESETS: dict[str, TrainSettings] = {
    "full": TrainSettings(),
    "tiny": TrainSettings(
        steps=120,
        batch_size=8,
        lr=2e-3,
        warmup=20,
        log_every=10,
        eval_every=60,
        checkpoint_every=60,
        d_model=48,
        heads=4,
        encoder_layers=1,
        decoder_layers=1,
        feedforward=96,
        dropout=0.0,
        refine_steps=3,
    ),
}


def model_config(settings: TrainSettings, tokenizer: HamNoSysTokenizer, corpus: SignCorpus) -> ModelConfig:
    """The architecture: the settings' fields that name one, plus what the data decides."""
    architecture = {f.name: getattr(settings, f.name) for f in fields(ModelConfig) if hasattr(settings, f.name)}
    return ModelConfig(
        vocab_size=tokenizer.vocab_size,
        num_joints=len(corpus.joint_names),
        max_tokens=max(128, max(len(s.tokens) for s in corpus.samples)),
        **architecture,
    )


def learning_rate(settings: TrainSettings, step: int) -> float:
    if step < settings.warmup:
        return settings.lr * (step + 1) / settings.warmup
    progress = (step - settings.warmup) / max(1, settings.steps - settings.warmup)
    return settings.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress))))


def corpus_statistics(train: list[SignSample]) -> dict:
    """Rest pose (mean first frame), mean pose and mean length: the refinement start and the baseline."""
    first = np.stack([np.nan_to_num(s.frames[0]) for s in train])
    all_frames = np.concatenate([np.nan_to_num(s.frames) for s in train])
    all_mask = np.concatenate([s.mask for s in train]).astype(np.float32)
    mean_pose = (all_frames * all_mask[..., None]).sum(0) / np.maximum(all_mask.sum(0), 1)[:, None]
    return {
        "rest_pose": first.mean(0).astype(np.float32),
        "mean_pose": mean_pose.astype(np.float32),
        "mean_length": float(np.mean([len(s.frames) for s in train])),
    }


def pick_batch(rng: np.random.Generator, by_length: np.ndarray, size: int) -> np.ndarray:
    """A batch of samples of similar length (less padding): drawn from a window of the length order."""
    window = min(len(by_length), 4 * size)
    start = int(rng.integers(0, len(by_length) - window + 1))
    return by_length[start + rng.choice(window, size=size, replace=window < size)]


def step_losses(
    model: SignMotionModel, batch, settings: TrainSettings, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Pose loss at a random refinement level per sample, and the length loss."""
    memory, valid, logits = model.encode(batch.tokens)
    b, t = batch.frames.shape[:2]
    levels = torch.randint(0, model.cfg.refine_steps, (b,), generator=generator).float() / model.cfg.refine_steps
    start = model.start_canvas(b, t)
    current = refinement_input(batch.frames, start, levels, settings.noise, generator)
    prediction = model.refine(memory, valid, current, batch.lengths, levels)
    frame_valid = torch.arange(t).unsqueeze(0) < batch.lengths.unsqueeze(1)
    pose = masked_pose_loss(prediction, batch.frames, frame_valid, batch.point_valid)
    length = length_loss(logits, batch.lengths.clamp(max=model.cfg.max_frames))
    return pose + settings.length_weight * length, pose, length


@torch.no_grad()
def validate(model: SignMotionModel, samples: list[SignSample], settings: TrainSettings) -> dict:
    """Loss at fixed levels and noise, and the error of full generation (length, aligned-frame error)."""
    if not samples:
        return {}
    model.eval()
    generator = torch.Generator().manual_seed(1234)
    chosen = samples[:64]
    totals = []
    for i in range(0, len(chosen), 16):
        batch = collate(chosen[i : i + 16], model.cfg.max_frames, model.cfg.frame_stride)
        totals.append(float(step_losses(model, batch, settings, generator)[1]))
    batch = collate(chosen, model.cfg.max_frames, model.cfg.frame_stride)
    poses, lengths, _ = model.generate(batch.tokens)
    length_error = (lengths - batch.lengths).abs().float().mean()
    # error after resampling the generated sign to the true length (shape, not timing)
    errors = []
    for i, s in enumerate(chosen):
        n, m = int(lengths[i]), int(batch.lengths[i])
        gen = poses[i, :n].numpy()
        idx = np.clip(np.round(np.linspace(0, n - 1, m)).astype(int), 0, n - 1)
        truth, present = np.nan_to_num(s.frames[:: model.cfg.frame_stride][:m]), s.mask[:: model.cfg.frame_stride][:m]
        diff = np.linalg.norm(gen[idx] - truth, axis=-1)
        errors.append(float((diff * present).sum() / max(1, present.sum())))
    model.train()
    return {
        "val_pose_loss": float(np.mean(totals)),
        "val_length_mae": float(length_error),
        "val_mje_resampled": float(np.mean(errors)),
    }


def _save(path: Path, payload: dict) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save(payload, tmp)
    tmp.replace(path)


def train(
    corpus: SignCorpus,
    tokenizer: HamNoSysTokenizer,
    settings: TrainSettings,
    out_dir: Path,
    *,
    resume: bool = False,
    log: Callable[[str], None] = print,
    stop_after: int | None = None,
) -> tuple[SignMotionModel, list[dict]]:
    """Train and write out_dir/model.pt (final), checkpoint.pt (resumable) and train_log.jsonl.

    stop_after: leave the loop after this many steps as if interrupted (checkpoint written, no model.pt).
    """
    torch.set_num_threads(1)
    out_dir.mkdir(parents=True, exist_ok=True)
    corpus.check_disjoint()
    train_samples, val_samples = corpus.split("train"), corpus.split("val")
    if not train_samples:
        raise ValueError("the corpus has no training samples")
    torch.manual_seed(settings.seed)
    cfg = model_config(settings, tokenizer, corpus)
    model = SignMotionModel(cfg)
    stats = corpus_statistics(train_samples)
    model.rest_pose.copy_(torch.from_numpy(stats["rest_pose"]))
    optimizer = torch.optim.AdamW(model.parameters(), lr=settings.lr, weight_decay=settings.weight_decay)
    rng = np.random.default_rng(settings.seed)
    generator = torch.Generator().manual_seed(settings.seed)
    step, history, running = 0, [], []
    checkpoint_path, log_path = out_dir / "checkpoint.pt", out_dir / "train_log.jsonl"
    if resume and checkpoint_path.exists():
        state = torch.load(checkpoint_path, weights_only=False)
        if state["settings"] != asdict(settings):
            raise ValueError("checkpoint was written with other settings; resume with the same ones")
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        step, history, running = state["step"], state["history"], state["running"]
        rng.bit_generator.state = state["numpy_rng"]
        generator.set_state(state["torch_generator"])
        torch.set_rng_state(state["torch_rng"])
        log(f"resumed at step {step}")
    elif not resume:
        log_path.unlink(missing_ok=True)
    log(
        f"training on {len(train_samples)} sequences ({len({s.sign_key for s in train_samples})} signs), "
        f"{sum(p.numel() for p in model.parameters())} parameters, {settings.steps} steps"
    )

    by_length = np.argsort([len(s.frames) for s in train_samples], kind="stable")
    model.train()
    started = time.perf_counter()
    while step < settings.steps:
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(settings, step)
        picked = pick_batch(rng, by_length, settings.batch_size)
        batch = collate([train_samples[i] for i in picked], cfg.max_frames, cfg.frame_stride)
        loss, pose, length = step_losses(model, batch, settings, generator)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        step += 1
        running.append(loss.item())
        entry: dict | None = None
        if step % settings.log_every == 0 or step == settings.steps:
            entry = {
                "step": step,
                "loss": float(np.mean(running)),
                "pose_loss": pose.item(),
                "length_loss": length.item(),
                "lr": learning_rate(settings, step - 1),
                "seconds": round(time.perf_counter() - started, 1),
            }
            running = []
        if step % settings.eval_every == 0 or step == settings.steps:
            entry = {**(entry or {"step": step}), **validate(model, val_samples, settings)}
        if entry is not None:
            history.append(entry)
            with log_path.open("a") as f:
                f.write(json.dumps(entry) + "\n")
            log(" ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in entry.items()))
        interrupted = stop_after is not None and step >= stop_after and step < settings.steps
        if step % settings.checkpoint_every == 0 or step == settings.steps or interrupted:
            _save(checkpoint_path, {
                "model": model.state_dict(), "optimizer": optimizer.state_dict(), "step": step,
                "history": history, "running": running, "numpy_rng": rng.bit_generator.state,
                "torch_generator": generator.get_state(), "torch_rng": torch.get_rng_state(),
                "settings": asdict(settings),
            })  # fmt: skip
        if interrupted:
            return model, history
    model.eval()
    _save(
        out_dir / "model.pt",
        {
            "config": cfg.to_dict(),
            "model": model.state_dict(),
            "joint_names": corpus.joint_names,
            "fps": corpus.fps,
            "vocab": tokenizer.to_json(),
            "settings": asdict(settings),
            "statistics": {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in stats.items()},
            "corpus": corpus.info,
            "history": history,
        },
    )
    return model, history


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m models.signs.train", description=__doc__.splitlines()[0])
    p.add_argument("--preset", choices=sorted(PRESETS), default="full")
    p.add_argument("--tiny", action="store_true", help="same as --preset tiny: examples only, seconds")
    p.add_argument("--out", type=Path, default=Path("out/signs/run"), help="checkpoints, log and model.pt")
    p.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.pt")
    p.add_argument("--steps", type=int, help="override the preset's number of steps")
    p.add_argument("--seed", type=int, help="override the preset's seed")
    p.add_argument("--lexicon", type=Path, help="HamNoSys lexicon (JSON lines); default ../shared/data/...")
    p.add_argument("--no-lexicon", action="store_true", help="train on the project's examples only")
    p.add_argument("--variants", type=int, help="animated variants per training sign")
    p.add_argument("--pose-index", type=Path, help="train on .pose recordings listed in this JSON-lines file")
    p.add_argument("--corpus", type=Path, help="a corpus file built before (out/signs/corpus-*.npz)")
    p.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="where built corpora are cached")
    p.add_argument("--export", type=Path, help="write the ONNX model here after training")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.tiny:
        args.preset = "tiny"
    settings = PRESETS[args.preset]
    if args.steps is not None:
        settings = replace(settings, steps=args.steps)
    if args.seed is not None:
        settings = replace(settings, seed=args.seed)
    tokenizer = HamNoSysTokenizer.from_symbol_table()
    if args.corpus:
        corpus = SignCorpus.load(args.corpus)
    elif args.pose_index:
        from models.signs.pose_corpus import load_pose_corpus

        corpus = load_pose_corpus(args.pose_index, tokenizer)
    else:
        from models.signs.corpus import CorpusSettings, load_or_build_corpus

        corpus_settings = CorpusSettings.tiny() if args.preset == "tiny" else CorpusSettings()
        if args.no_lexicon:
            corpus_settings = replace(corpus_settings, lexicon=None)
        elif args.lexicon:
            corpus_settings = replace(corpus_settings, lexicon=args.lexicon)
        if args.variants:
            corpus_settings = replace(corpus_settings, train_variants=args.variants)
        corpus = load_or_build_corpus(corpus_settings, tokenizer, args.cache, log=print)
    train(corpus, tokenizer, settings, args.out, resume=args.resume)
    if args.export:
        from models.signs.export import export_onnx

        report = export_onnx(args.out / "model.pt", args.export)
        print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
