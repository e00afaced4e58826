"""Metrics of the shipped posture classifier on fresh held-out body-model data.

    python -m runtime eval postures [--json] [--seed N] [--per-class N] [--model FILE]

Every run draws new data (a new seed unless --seed is given; never the training seeds): accuracy,
macro F1, per-class precision/recall/F1 and the confusion matrix (rows = truth, columns = predicted).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from models.postures.train import MODEL_FILE, TRAIN_SEED, VAL_SEED


def metrics(y_true: np.ndarray, y_pred: np.ndarray, classes: list[str]) -> dict:
    k = len(classes)
    cm = np.zeros((k, k), dtype=np.int64)
    np.add.at(cm, (y_true, y_pred), 1)
    tp = np.diag(cm).astype(float)
    precision = np.divide(tp, cm.sum(0), out=np.zeros(k), where=cm.sum(0) > 0)
    recall = np.divide(tp, cm.sum(1), out=np.zeros(k), where=cm.sum(1) > 0)
    f1 = np.divide(2 * precision * recall, precision + recall, out=np.zeros(k), where=(precision + recall) > 0)
    return {
        "samples": int(len(y_true)),
        "accuracy": float((y_true == y_pred).mean()),
        "macro_f1": float(f1.mean()),
        "per_class": {c: {"precision": float(precision[i]), "recall": float(recall[i]), "f1": float(f1[i]),
                          "support": int(cm[i].sum())} for i, c in enumerate(classes)},
        "classes": classes,
        "confusion": cm.tolist(),
    }


def evaluate(model: Path = MODEL_FILE, seed: int | None = None, per_class: int = 150) -> dict:
    from models.postures.classifier import PostureClassifier
    from models.postures.dataset import make_dataset

    if seed is None:
        seed = int(time.time() * 1000) % 1_000_000 + 1000
    if seed in (TRAIN_SEED, VAL_SEED + TRAIN_SEED * 100):
        raise ValueError(f"seed {seed} is a training seed; pick another")
    clf = PostureClassifier(model)
    lms, y, classes = make_dataset(per_class, seed)
    if classes != clf.classes:
        raise ValueError(f"model classes {clf.classes} differ from postures.toml {classes}: retrain")
    start = time.perf_counter()
    pred = clf.probabilities(lms).argmax(1)
    elapsed = time.perf_counter() - start
    out = metrics(y, pred, classes)
    out.update(seed=seed, model=str(model), ms_per_person=1000 * elapsed / len(lms))
    return out


def format_report(m: dict) -> str:
    classes = m["classes"]
    lines = [f"posture classifier {m['model']}", f"held-out synthetic samples: {m['samples']} (seed {m['seed']})",
             f"accuracy {m['accuracy']:.3f}   macro F1 {m['macro_f1']:.3f}", "",
             f"{'class':14s} {'prec':>6s} {'recall':>6s} {'F1':>6s} {'n':>5s}"]
    for c in classes:
        r = m["per_class"][c]
        lines.append(f"{c:14s} {r['precision']:6.3f} {r['recall']:6.3f} {r['f1']:6.3f} {r['support']:5d}")
    short = [c[:5] for c in classes]
    lines += ["", "confusion (rows truth, columns predicted):", " " * 14 + " ".join(f"{s:>5s}" for s in short)]
    for c, row in zip(classes, m["confusion"], strict=True):
        lines.append(f"{c:14s}" + " ".join(f"{v:5d}" for v in row))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m runtime eval postures", description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the metrics as JSON")
    parser.add_argument("--seed", type=int, default=None, help="data seed (default: a new one each run)")
    parser.add_argument("--per-class", type=int, default=150, help="samples per posture (none gets twice)")
    parser.add_argument("--model", type=Path, default=MODEL_FILE, help="ONNX model to evaluate")
    args = parser.parse_args(argv)
    try:
        m = evaluate(args.model, args.seed, args.per_class)
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}")
        return 2
    print(json.dumps(m, indent=1) if args.json else format_report(m))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

