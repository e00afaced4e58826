"""Evaluate sign motion on test signs never seen in training: `python -m runtime eval signs [--json]`.

Methods compared on the same references (the test split of the animated corpus: one animation per
sign with a random body, speed, amplitude and noise):
  learned     the shipped ONNX model (models/signs/signs.onnx)
  procedural  the procedural animator with the default body, speed and amplitude, no noise
  mean pose   the training corpus' mean pose held for its mean length (a trivial baseline)
Metrics (see metrics.py): mean DTW and nDTW-MJE in shoulder widths; retrieval of the true reference
among 20 random distractors by nDTW-MJE (top-1, top-5); end of sign: ROC AUC of each frame's
end score over frames 0 .. 2 x the true length, and the length error in frames.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np

from models.signs import metrics
from models.signs.data import SignCorpus, SignSample

EndScores = np.ndarray
Method = Callable[[SignSample], tuple[np.ndarray, EndScores]]
METHODS = ("learned", "procedural", "mean_pose")


def end_window_scores(scores: np.ndarray, window: int) -> np.ndarray:
    """A method's end scores over `window` frames; past its own canvas a sign is over (1)."""
    out = np.ones(window, dtype=np.float64)
    n = min(window, len(scores))
    out[:n] = scores[:n]
    return out


def evaluate_methods(
    references: list[SignSample],
    methods: dict[str, Method],
    *,
    distractors: int = 20,
    seed: int = 0,
    log: Callable[[str], None] = lambda _: None,
) -> dict[str, dict]:
    """Every metric for every method over the same references and the same distractor sets."""
    if len(references) < 2:
        raise ValueError("evaluation needs at least two test signs")
    rng = np.random.default_rng(seed)
    candidates = []
    for i in range(len(references)):
        others = np.array([j for j in range(len(references)) if j != i])
        candidates.append(rng.choice(others, size=min(distractors, len(others)), replace=False))
    results: dict[str, dict] = {}
    for name, method in methods.items():
        started = time.perf_counter()
        dtw, ndtw, ranks, length_errors, relative_errors = [], [], [], [], []
        end_scores, end_labels = [], []
        for i, ref in enumerate(references):
            frames, scores = method(ref)
            dtw.append(metrics.mean_dtw(frames, ref.frames, None, ref.mask))
            pool = [references[i]] + [references[j] for j in candidates[i]]
            distances = metrics.ndtw_mje_many(frames, [s.frames for s in pool], [s.mask for s in pool])
            ndtw.append(float(distances[0]))
            ranks.append(metrics.retrieval_rank(distances[0], distances[1:]))
            true_length = len(ref.frames)
            length_errors.append(abs(len(frames) - true_length))
            relative_errors.append(abs(len(frames) - true_length) / true_length)
            window = 2 * true_length
            end_scores.append(end_window_scores(scores, window))
            end_labels.append(metrics.end_of_sign_labels(true_length, window))
        ranks_arr = np.array(ranks)
        results[name] = {
            "mean_dtw": float(np.mean(dtw)),
            "ndtw_mje": float(np.mean(ndtw)),
            "top1": float(np.mean(ranks_arr == 1)),
            "top5": float(np.mean(ranks_arr <= 5)),
            "mean_rank": float(ranks_arr.mean()),
            "end_auc": metrics.roc_auc(np.concatenate(end_scores), np.concatenate(end_labels)),
            "length_mae_frames": float(np.mean(length_errors)),
            "length_relative_error": float(np.mean(relative_errors)),
            "signs": len(references),
            "seconds": round(time.perf_counter() - started, 1),
        }
        log(f"{name}: {json.dumps(results[name])}")
    return results


def learned_method(signer) -> Method:
    def run(sample: SignSample) -> tuple[np.ndarray, np.ndarray]:
        return signer.generate_with_end(sample.hamnosys)

    return run


def procedural_method(fps: float) -> Method:
    from models.signs.corpus import CorpusSettings, animate_variant
    from signlang.hamnosys import parse

    settings = CorpusSettings(fps=fps)

    def run(sample: SignSample) -> tuple[np.ndarray, np.ndarray]:
        frames = animate_variant(parse(sample.hamnosys), settings, np.random.default_rng(0), plain=True)[0]
        return frames, metrics.step_end_scores(len(frames), 2 * len(frames) + 2)

    return run


def mean_pose_method(mean_pose: np.ndarray, mean_length: float) -> Method:
    length = max(2, int(round(mean_length)))
    frames = np.repeat(np.asarray(mean_pose, np.float32)[None], length, axis=0)

    def run(sample: SignSample) -> tuple[np.ndarray, np.ndarray]:
        return frames, metrics.step_end_scores(length, 2 * length + 2)

    return run


def test_references(
    signer,
    lexicon: Path | None,
    use_lexicon: bool,
    log,
    limit: int | None = None,
    corpus: Path | None = None,
    cache_dir: Path | None = None,
    pose_index: Path | None = None,
) -> tuple[list[SignSample], str]:
    """The test split built with the settings the model was trained with (lexicon or examples only)."""
    if corpus is not None:
        return SignCorpus.load(corpus).split("test")[:limit], f"corpus file {corpus}"
    if pose_index is not None:
        from models.signs.pose_corpus import load_pose_corpus

        recordings = load_pose_corpus(pose_index, signer.tokenizer, signer.joint_names)
        if recordings.fps != signer.fps:
            raise ValueError(f"recordings are at {recordings.fps} fps, the model at {signer.fps}; resample them")
        return recordings.split("test")[:limit], f".pose recordings of {pose_index}"
    from models.signs.corpus import DEFAULT_CACHE, DEFAULT_LEXICON, CorpusSettings, load_or_build_corpus

    trained = json.loads(signer.metadata.get("corpus_settings", "{}"))
    settings = CorpusSettings()
    if "train_variants" in trained:
        settings = replace(
            settings,
            train_variants=int(trained["train_variants"]),
            eval_variants=int(trained["eval_variants"]),
            seed=int(trained["seed"]),
        )
    path = lexicon or DEFAULT_LEXICON
    if use_lexicon and path.exists():
        settings, source = replace(settings, lexicon=path), f"lexicon {path} + examples"
    else:
        settings, source = replace(settings, lexicon=None), "the project's examples only (no lexicon)"
    built = load_or_build_corpus(
        settings, signer.tokenizer, cache_dir or DEFAULT_CACHE, log=log, splits=("test",), max_per_split=limit
    )
    return built.split("test")[:limit], source


def run_evaluation(
    model: Path,
    *,
    lexicon: Path | None = None,
    use_lexicon: bool = True,
    limit: int | None = None,
    corpus: Path | None = None,
    cache_dir: Path | None = None,
    pose_index: Path | None = None,
    distractors: int = 20,
    seed: int = 0,
    methods: tuple[str, ...] = METHODS,
    log=lambda _: None,
) -> dict:
    from models.signs.generator import LearnedSigner

    signer = LearnedSigner(model)
    references, source = test_references(signer, lexicon, use_lexicon, log, limit, corpus, cache_dir, pose_index)
    stats = json.loads(signer.metadata["statistics"])
    makers = {
        "learned": lambda: learned_method(signer),
        "procedural": lambda: procedural_method(signer.fps),
        "mean_pose": lambda: mean_pose_method(np.array(stats["mean_pose"]), stats["mean_length"]),
    }
    chosen = {name: makers[name]() for name in methods}
    results = evaluate_methods(references, chosen, distractors=distractors, seed=seed, log=log)
    return {
        "model": str(model),
        "references": source,
        "test_signs": len(references),
        "distractors": distractors,
        "methods": results,
    }


COLUMNS = [
    ("mean_dtw", "mean DTW", ".3f"),
    ("ndtw_mje", "nDTW-MJE", ".2f"),
    ("top1", "top-1", ".1%"),
    ("top5", "top-5", ".1%"),
    ("end_auc", "end AUC", ".3f"),
    ("length_mae_frames", "len err (fr)", ".1f"),
]


def format_table(report: dict) -> str:
    head = f"{'method':<12}" + "".join(f"{title:>14}" for _, title, _ in COLUMNS)
    rows = [head]
    for name, values in report["methods"].items():
        rows.append(f"{name:<12}" + "".join(f"{format(values[key], fmt):>14}" for key, _, fmt in COLUMNS))
    return "\n".join([f"{report['test_signs']} test signs from {report['references']}", *rows])


def main(argv: list[str] | None = None) -> int:
    from models.signs.generator import DEFAULT_MODEL

    p = argparse.ArgumentParser(prog="python -m runtime eval signs", description=__doc__.splitlines()[0])
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="ONNX model (default: the shipped one)")
    p.add_argument("--lexicon", type=Path, help="HamNoSys lexicon (default ../shared/data/hamnosys/...)")
    p.add_argument("--no-lexicon", action="store_true", help="evaluate on the project's example signs only")
    p.add_argument("--limit", type=int, help="only the first N test signs (quicker, less exact)")
    p.add_argument("--corpus", type=Path, help="take the test split from this corpus file (out/signs/corpus-*.npz)")
    p.add_argument("--pose-index", type=Path, help="test signs from .pose recordings (JSON-lines index)")
    p.add_argument("--cache", type=Path, help="where built test references are cached (default out/signs)")
    p.add_argument("--distractors", type=int, default=20)
    p.add_argument("--methods", default=",".join(METHODS), help=f"comma-separated subset of {', '.join(METHODS)}")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    methods = tuple(m for m in args.methods.split(",") if m)
    unknown = [m for m in methods if m not in METHODS]
    if unknown or not methods:
        print(f"unknown method {unknown}; allowed: {', '.join(METHODS)}", file=sys.stderr)
        return 2
    if not args.model.exists():
        print(
            f"no model at {args.model}; train one: python -m models.signs.train --export {args.model}",
            file=sys.stderr,
        )
        return 2
    log = (lambda m: print(m, file=sys.stderr)) if args.json else print
    try:
        report = run_evaluation(
            args.model,
            lexicon=args.lexicon,
            use_lexicon=not args.no_lexicon,
            limit=args.limit,
            corpus=args.corpus,
            cache_dir=args.cache,
            pose_index=args.pose_index,
            methods=methods,
            distractors=args.distractors,
            seed=args.seed,
            log=log,
        )
    except (ValueError, FileNotFoundError) as e:
        print(f"evaluation failed: {e}", file=sys.stderr)
        return 1
    print(json.dumps(report, indent=2) if args.json else format_table(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
