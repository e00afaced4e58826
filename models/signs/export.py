"""Export the trained model to one ONNX graph (encoder, length, all refinement steps) and check it.

    python -m models.signs.export --checkpoint out/signs/run/model.pt --out models/signs/signs.onnx

The graph takes `tokens` (1, S) int64 and returns `poses` (1, max_frames, K, 2), `length` (1,) and
`end_probability` (1, max_frames); the vocabulary, joint names and frame rate ride along as metadata,
so the generator needs nothing but onnxruntime and this file.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

import numpy as np
import onnx
import torch
from torch import nn

from models.signs.model import SignMotionModel, load_trained
from models.signs.tokenizer import HamNoSysTokenizer

TOLERANCE = 1e-4


class GenerationGraph(nn.Module):
    def __init__(self, model: SignMotionModel) -> None:
        super().__init__()
        self.model = model

    def forward(self, tokens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        return self.model.generate(tokens)


def check_examples(tokenizer: HamNoSysTokenizer) -> list[list[int]]:
    """Token sequences of several lengths to compare torch and onnxruntime on."""
    names = tokenizer.names
    pick = [
        "hamflathand",
        "hamextfingeru",
        "hampalml",
        "hamchin",
        "hammover",
        "hamrepeatfromstart",
        "hamsymmlr",
        "hamfist",
        "hamextfingerol",
        "hampalmd",
        "hamshoulders",
        "hamcircleo",
    ]
    seq = [n for n in pick if n in names] or names[:12]
    return [tokenizer.encode(",".join(seq[:n])) for n in (1, 4, len(seq))]


def export_onnx(checkpoint: Path, out: Path) -> dict:
    """Write the ONNX file and return the largest torch/onnxruntime difference (raises above 1e-4)."""
    import onnxruntime as ort

    torch.set_num_threads(1)
    model, state = load_trained(checkpoint)
    graph = GenerationGraph(model).eval()
    tokenizer = HamNoSysTokenizer.from_json(state["vocab"])
    dummy = torch.tensor([check_examples(tokenizer)[1]], dtype=torch.int64)
    out.parent.mkdir(parents=True, exist_ok=True)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # the legacy exporter is chosen on purpose
        torch.onnx.export(
            graph,
            (dummy,),
            str(out),
            dynamo=False,
            opset_version=17,
            input_names=["tokens"],
            output_names=["poses", "length", "end_probability"],
            dynamic_axes={"tokens": {1: "symbols"}},
        )
    proto = onnx.load(str(out))
    metadata = {
        "vocab": state["vocab"],
        "joint_names": json.dumps(state["joint_names"]),
        "fps": str(state["fps"]),
        "config": json.dumps(state["config"]),
        "max_tokens": str(state["config"]["max_tokens"]),
        # what the evaluation needs to rebuild the same test split and the mean-pose baseline
        "corpus_settings": json.dumps(state["corpus"].get("settings", {})),
        "statistics": json.dumps({k: state["statistics"][k] for k in ("mean_pose", "mean_length", "rest_pose")}),
        "training": json.dumps({"settings": state["settings"], "final": state["history"][-1:]}),
    }
    for key, value in metadata.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(proto)
    onnx.save(proto, str(out))

    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    worst = 0.0
    for ids in check_examples(tokenizer):
        tokens = torch.tensor([ids], dtype=torch.int64)
        with torch.no_grad():
            poses, length, end = graph(tokens)
        o_poses, o_length, o_end = session.run(None, {"tokens": tokens.numpy()})
        if int(o_length[0]) != int(length[0]):
            raise AssertionError(f"length differs: torch {int(length[0])}, onnxruntime {int(o_length[0])}")
        n = int(length[0])
        worst = max(
            worst,
            float(np.abs(o_poses[0, :n] - poses[0, :n].numpy()).max()),
            float(np.abs(o_end - end.numpy()).max()),
        )
    if worst > TOLERANCE:
        raise AssertionError(f"onnxruntime differs from torch by {worst:.2e} (> {TOLERANCE})")
    return {"path": str(out), "bytes": out.stat().st_size, "max_abs_difference": worst}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m models.signs.export", description="Export the sign model to ONNX.")
    p.add_argument("--checkpoint", type=Path, default=Path("out/signs/run/model.pt"))
    p.add_argument("--out", type=Path, default=Path(__file__).with_name("signs.onnx"))
    args = p.parse_args(argv)
    print(json.dumps(export_onnx(args.checkpoint, args.out)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
