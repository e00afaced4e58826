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


# ---------------------------------------------------------------------------------------------
# Real photographs, split by source: every figure comes from a model that never saw the repository
# (nor any copy of its photos: real_data drops duplicates across sources) the photo was taken from.

TEST_ONLY_REPOS = ("open-mmlab/mmpose", "CMU-Perceptual-Computing-Lab/openpose")  # never trained on
NIHARIKA_REPOS = ("FPT-ThaiTuan/Detect-Yoga-Poses-And-Correction-In-Real-Time-Using-Machine-Learning-Algorithms",
                  "siddharth4572/Yoga-pose-detection", "saahil1801/Yoga-Pose-Estimation-using-Transfer-Learning",
                  "mobatusi/yoga_pose_detection")
FOLDS: dict[str, tuple[str, ...]] = {"niharika-copies": NIHARIKA_REPOS, "sunita": ("Sunita-19/YogaPose",),
                                    "joshea": ("joshea628/Get-Your-Asana-Mat",)}
REAL_REPORT = Path(__file__).resolve().parent / "real_eval.json"
CONFUSION_PNG = Path(__file__).resolve().parent / "confusion_real.png"


def cross_source(epochs: int = 30, n_per_class: int = 1000, log: bool = True) -> dict:
    """Train one model per held-out source group and predict that group's photos; then the shipped
    model (trained on every source but TEST_ONLY_REPOS) on the photos of people in no posture."""
    from models.postures.real_data import load_real
    from models.postures.train import export_onnx, train

    real = load_real()
    if real is None:
        raise FileNotFoundError("real_landmarks.npz is missing: run `python -m models.postures.real_data build`")
    rows = []
    for fold, repos in FOLDS.items():
        result = train(n_per_class=n_per_class, epochs=epochs, log=False, exclude_repos=repos)
        classes = result.classes
        idx = np.flatnonzero(np.isin(real["repos"], repos))
        pred = _predict(result.model, real["landmarks"][idx], real["aspects"][idx], classes.index("none"))
        rows += [(fold, real["repos"][i], str(real["kinds"][i]), str(real["labels"][i]), classes[int(p)])
                 for i, p in zip(idx, pred, strict=True)]
        if log:
            ok = np.mean([r[3] == r[4] for r in rows if r[0] == fold])
            print(f"fold {fold}: {len(idx)} photos held out, top-1 {ok:.3f}", flush=True)
    final = train(n_per_class=n_per_class, epochs=epochs, log=False)
    export_onnx(final.model, final.classes)
    idx = np.flatnonzero(np.isin(real["repos"], TEST_ONLY_REPOS))
    pred = _predict(final.model, real["landmarks"][idx], real["aspects"][idx], final.classes.index("none"))
    rows += [("test-only", real["repos"][i], str(real["kinds"][i]), str(real["labels"][i]), final.classes[int(p)])
             for i, p in zip(idx, pred, strict=True)]
    report = summarise(rows, final.classes)
    REAL_REPORT.write_text(json.dumps(report, indent=1) + "\n")
    plot_confusion(report, CONFUSION_PNG)
    return report


def _predict(model, landmarks: np.ndarray, aspects: np.ndarray, none_index: int) -> np.ndarray:
    """Class indices as PostureClassifier answers them (legs out of the frame -> none)."""
    import torch

    from models.postures.features import feature_matrix, whole_body_in_frame

    model.eval()
    with torch.no_grad():
        pred = model.logits(torch.from_numpy(feature_matrix(landmarks, aspects))).argmax(1).numpy()
    return np.where(whole_body_in_frame(landmarks), pred, none_index)


def summarise(rows: list[tuple[str, str, str, str, str]], classes: list[str]) -> dict:
    """Per-class top-1 for photographs and for renders, the none-rate, and the confusion of photographs."""
    out: dict = {"rows": len(rows)}
    for kind in ("photo", "render"):
        sel = [r for r in rows if r[2] == kind and r[3] != "none"]
        per = {}
        for c in sorted({r[3] for r in sel}):
            got = [r[4] == c for r in sel if r[3] == c]
            per[c] = {"n": len(got), "top1": float(np.mean(got))}
        out[kind] = {"n": len(sel), "top1": float(np.mean([r[3] == r[4] for r in sel])) if sel else None,
                     "macro_top1": float(np.mean([v["top1"] for v in per.values()])) if per else None,
                     "per_class": per}
    none = [r for r in rows if r[3] == "none" and r[2] == "photo"]
    out["none"] = {"n": len(none), "answered_none": float(np.mean([r[4] == "none" for r in none])) if none else None,
                   "by_repo": {repo: float(np.mean([r[4] == "none" for r in none if r[1] == repo]))
                               for repo in sorted({r[1] for r in none})},
                   "wrong_answers": sorted({r[4] for r in none if r[4] != "none"})}
    photos = [r for r in rows if r[2] == "photo"]
    truth = sorted({r[3] for r in photos}, key=lambda c: classes.index(c))
    predicted = sorted({r[4] for r in photos} | set(truth), key=lambda c: classes.index(c))
    cm = np.zeros((len(truth), len(predicted)), dtype=int)
    for r in photos:
        cm[truth.index(r[3]), predicted.index(r[4])] += 1
    out["confusion"] = {"truth": truth, "predicted": predicted, "matrix": cm.tolist()}
    return out


def plot_confusion(report: dict, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    c = report["confusion"]
    cm = np.array(c["matrix"])
    fig, ax = plt.subplots(figsize=(1.0 + 0.55 * len(c["predicted"]), 1.2 + 0.5 * len(c["truth"])))
    shares = cm / np.maximum(cm.sum(1, keepdims=True), 1)
    ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    for i in range(cm.shape[0]):
        for j in range(cm.shape[1]):
            if cm[i, j]:
                ax.text(j, i, str(cm[i, j]), ha="center", va="center", fontsize=8,
                        color="white" if shares[i, j] > 0.6 else "black")
    ax.set_xticks(range(len(c["predicted"])), c["predicted"], rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(len(c["truth"])), c["truth"], fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("truth (held-out source)")
    ax.set_title("Real photographs, source split", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
