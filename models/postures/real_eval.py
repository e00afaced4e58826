"""Figures on real photographs, split by source: `python -m models.postures.real_eval`.

For each source group in real_data.FOLDS a model is trained without it (nor any copy of its photos:
real_data drops duplicates across sources) and predicts its photos; then the shipped model is
trained on every source but real_data.TEST_ONLY_REPOS, exported to posture_classifier.onnx, and
predicts the photos of people in no posture held in those. Writes real_eval.json and
confusion_real.png (photographs only; the rendered people are reported apart).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from models.postures.real_data import FOLDS, TEST_ONLY_REPOS

# ---------------------------------------------------------------------------------------------
# Real photographs, split by source: every figure comes from a model that never saw the repository
# (nor any copy of its photos: real_data drops duplicates across sources) the photo was taken from.

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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m models.postures.real_eval", description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--per-class", type=int, default=1000, help="synthetic samples per posture")
    args = parser.parse_args(argv)
    report = cross_source(args.epochs, args.per_class)
    print(json.dumps({k: v for k, v in report.items() if k != "confusion"}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
