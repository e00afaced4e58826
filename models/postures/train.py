"""Train the posture classifier on landmarks of real photographs plus body-model data; export to ONNX.

    python -m models.postures.train            # the shipped model (a few minutes on one core)
    python -m models.postures.train --tiny     # a quick run that checks the pipeline (writes to the
                                               # temp folder unless --out is given: the shipped model stays)

Real landmarks come from real_landmarks.npz (built by models.postures.real_data); the body model
fills in the postures real data lacks and supplies varied `none` poses. Sources in
real_data.TEST_ONLY_REPOS are never trained on. Writes models/postures/posture_classifier.onnx (class
names and feature count in its metadata); `python -m models.postures.real_eval` measures the recipe on
photographs of held-out sources (and writes the shipped model too).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from models.postures.dataset import make_dataset
from models.postures.features import N_FEATURES, feature_matrix

HERE = Path(__file__).resolve().parent
MODEL_FILE = HERE / "posture_classifier.onnx"
TRAIN_SEED, VAL_SEED = 1, 2


class PostureMLP(nn.Module):
    """Standardises the features (statistics of the training set) then a small MLP; softmax out."""

    def __init__(self, n_features: int, n_classes: int, hidden: int = 192) -> None:
        super().__init__()
        self.register_buffer("mean", torch.zeros(n_features))
        self.register_buffer("std", torch.ones(n_features))
        self.net = nn.Sequential(
            nn.Linear(n_features, hidden), nn.GELU(), nn.Dropout(0.1),
            nn.Linear(hidden, hidden), nn.GELU(), nn.Dropout(0.1),
            nn.Linear(hidden, n_classes),
        )  # fmt: skip

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        return self.net((x - self.mean) / self.std)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.logits(x), dim=-1)


@dataclass
class TrainResult:
    model: PostureMLP
    classes: list[str]
    losses: list[float] = field(default_factory=list)  # mean training loss per epoch
    val_accuracy: float = 0.0
    seconds: float = 0.0


# MediaPipe's left/right landmark pairs: a mirrored photo swaps them.
MIRROR = np.arange(33)
for _a, _b in ((1, 4), (2, 5), (3, 6), (7, 8), (9, 10), (11, 12), (13, 14), (15, 16), (17, 18), (19, 20),
               (21, 22), (23, 24), (25, 26), (27, 28), (29, 30), (31, 32)):
    MIRROR[_a], MIRROR[_b] = _b, _a


def mirrored(landmarks: np.ndarray) -> np.ndarray:
    """The same people seen in a mirror: x flipped, left and right landmarks swapped."""
    out = landmarks[:, MIRROR].copy()
    out[..., 0] = 1.0 - out[..., 0]
    return out


def real_training_set(classes: list[str], exclude_repos: tuple[str, ...] = (), target_per_class: int = 1500
                      ) -> tuple[np.ndarray, np.ndarray] | None:
    """Features and labels of the real photos (and their mirror images) outside the excluded sources,
    each class repeated toward `target_per_class` rows (at most 4 times)."""
    from models.postures.real_data import TEST_ONLY_REPOS, load_real

    real = load_real()
    if real is None:
        return None
    keep = ~np.isin(real["repos"], list(exclude_repos) + list(TEST_ONLY_REPOS)) & np.isin(real["labels"], classes)
    if not keep.any():
        return None
    lms, aspects = real["landmarks"][keep], real["aspects"][keep]
    labels = np.array([classes.index(c) for c in real["labels"][keep]], dtype=np.int64)
    lms, aspects, labels = np.concatenate([lms, mirrored(lms)]), np.concatenate([aspects, aspects]), np.tile(labels, 2)
    feats = feature_matrix(lms, aspects)
    xs, ys = [], []
    for k in np.unique(labels):
        idx = np.flatnonzero(labels == k)
        reps = int(np.clip(round(target_per_class / len(idx)), 1, 4))
        xs += [feats[idx]] * reps
        ys += [labels[idx]] * reps
    return np.concatenate(xs), np.concatenate(ys)


def train(n_per_class: int = 1000, epochs: int = 30, seed: int = TRAIN_SEED, hidden: int = 256,
          batch: int = 256, log: bool = True, real: bool = True, exclude_repos: tuple[str, ...] = ()) -> TrainResult:
    torch.set_num_threads(1)
    torch.manual_seed(seed)
    start = time.perf_counter()
    lms, y, classes = make_dataset(n_per_class, seed)
    feats = feature_matrix(lms)
    if real:
        extra = real_training_set(classes, exclude_repos, n_per_class)
        if extra is not None:
            feats, y = np.concatenate([feats, extra[0]]), np.concatenate([y, extra[1]])
            if log:
                print(f"real rows: {len(extra[1])} (photos and mirror images, repeated toward {n_per_class} a class)")
    x = torch.from_numpy(feats)
    yt = torch.from_numpy(y)
    vlms, vy, _ = make_dataset(max(20, n_per_class // 5), VAL_SEED + seed * 100)
    vx = torch.from_numpy(feature_matrix(vlms))
    model = PostureMLP(N_FEATURES, len(classes), hidden)
    model.mean.copy_(x.mean(0))
    model.std.copy_(x.std(0).clamp_min(1e-3))
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=epochs * ((len(x) + batch - 1) // batch))
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.05)
    result = TrainResult(model, classes)
    for epoch in range(epochs):
        model.train()
        perm = torch.randperm(len(x))
        total, count = 0.0, 0
        for i in range(0, len(x), batch):
            idx = perm[i : i + batch]
            xb = x[idx] + 0.02 * torch.randn(len(idx), x.shape[1])  # a little feature noise
            loss = loss_fn(model.logits(xb), yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(idx)
            count += len(idx)
        result.losses.append(total / count)
        model.eval()
        with torch.no_grad():
            result.val_accuracy = float((model.logits(vx).argmax(1).numpy() == vy).mean())
        if log:
            print(f"epoch {epoch + 1:2d}/{epochs}  loss {result.losses[-1]:.4f}  val acc {result.val_accuracy:.3f}")
    result.seconds = time.perf_counter() - start
    return result


def export_onnx(model: PostureMLP, classes: list[str], path: Path = MODEL_FILE) -> Path:
    import onnx

    model.eval()
    dummy = torch.zeros(1, N_FEATURES)
    with warnings.catch_warnings():  # the legacy exporter announces its own deprecation
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.onnx.export(model, (dummy,), str(path), input_names=["features"], output_names=["probabilities"],
                          dynamic_axes={"features": {0: "batch"}, "probabilities": {0: "batch"}},
                          opset_version=17, dynamo=False)
    proto = onnx.load(str(path))
    for key, value in (("classes", json.dumps(classes)), ("n_features", str(N_FEATURES)),
                       ("producer", "models.postures.train")):
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(proto, str(path))
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m models.postures.train", description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="a quick run (few samples, few epochs)")
    parser.add_argument("--out", type=Path, default=None, help=f"ONNX file to write (default {MODEL_FILE})")
    args = parser.parse_args(argv)
    if args.tiny:
        result = train(n_per_class=60, epochs=5, hidden=64, batch=64)
        out = args.out or Path(tempfile.gettempdir()) / "posture_classifier_tiny.onnx"
    else:
        result = train()
        out = args.out or MODEL_FILE
    path = export_onnx(result.model, result.classes, out)
    print(f"trained in {result.seconds:.0f} s; val accuracy {result.val_accuracy:.3f}; wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
