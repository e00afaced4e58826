"""Tiny sonification models train in seconds, their losses fall, and their ONNX exports equal torch."""

from __future__ import annotations

import json

import pytest

from models.sonification import evaluate, train
from models.sonification.export import check_against_torch


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    out = tmp_path_factory.mktemp("sonification-tiny")
    metrics = train.train(train.Settings(**train.TINY), out)
    return out, metrics


def _falls(history: list[dict], key: str) -> tuple[float, float]:
    return history[0][key], history[-1][key]


def test_tiny_losses_fall(tiny):
    _, metrics = tiny
    h = metrics["history"]
    for part, key in (("image_vae", "recon"), ("sound_vae", "recon"), ("head", "mse")):
        first, last = _falls(h[part], key)
        assert last < 0.8 * first, f"{part} {key} went from {first} to {last}"
    mapper = h["mapper"]
    first = mapper[0]["locality"] + mapper[0]["marginal"]
    last = mapper[-1]["locality"] + mapper[-1]["marginal"]
    assert last < first
    stage2 = [e for e in mapper if e["stage"] == 2]
    assert stage2 and all(e["cycle"] > 0 for e in stage2)  # the cycle term is on in stage two only
    assert all(e["cycle"] == 0 for e in mapper if e["stage"] == 1)


def test_tiny_outputs_are_complete(tiny):
    out, metrics = tiny
    for name in ("image_to_sound", "image_decoder", "sound_encoder", "sound_decoder", "sound_head",
                 "sound_to_image"):
        assert (out / f"{name}.onnx").is_file()
    for png in ("traversal_image.png", "traversal_sound.png"):
        from skimage.io import imread

        grid = imread(out / png)
        assert grid.ndim == 2 and grid.std() > 5  # not a blank picture
    meta = json.loads((out / "meta.json").read_text())
    assert [p["image_factor"] for p in meta["pairs"]] == ["x", "y"]
    assert metrics["train_seconds"] > 0


def test_tiny_onnx_equals_torch(tiny):
    out, metrics = tiny
    assert max(metrics["onnx_max_abs_diff"].values()) < 1e-4
    assert check_against_torch(out) < 1e-4


def test_evaluate_cli_on_tiny_models(tiny, capsys):
    out, _ = tiny
    code = evaluate.main(["--dir", str(out), "--json", "--quick", "--seed", "5"])
    printed = json.loads(capsys.readouterr().out)
    assert code in (0, 1)  # tiny models are not held to the shipped model card
    assert printed["variant"] == "simple" and 0.0 <= printed["image"]["factorvae_score"] <= 1.0
    assert set(printed["mapper"]["pairs"]) == {"x->freq", "y->amp"}


def test_evaluate_names_a_missing_model(tmp_path, capsys):
    assert evaluate.main(["--dir", str(tmp_path)]) == 2
    assert "meta.json" in capsys.readouterr().out
