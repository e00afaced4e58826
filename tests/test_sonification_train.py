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


def test_pitch_shift_sound_networks_move_spectra_along_log_frequency_and_export(tmp_path):
    """The optional sound networks (train --sound-network pitch_shift): one octave on the pitch axis moves
    the decoded spectrum one octave up, the encoder reads the level from the loudest band, and both
    export to ONNX equal to torch."""
    import copy

    import numpy as np
    import torch

    from models.sonification.export import SoundDecode, SoundEncode, export_all
    from models.sonification.factorvae import sound_networks

    torch.manual_seed(0)
    encoder, decoder = sound_networks("pitch_shift", 6, 64)
    z = torch.randn(8, 6)
    octave_up = z.clone()
    octave_up[:, 0] += 1.0 / float(decoder.pitch_affine[1])
    with torch.no_grad():
        low, high = decoder(z).numpy(), decoder(octave_up).numpy()
    # the same decoder listening one octave lower at every band: what it hears is the octave-up spectrum
    lower = copy.deepcopy(decoder)
    lower.centres -= 1.0
    with torch.no_grad():
        heard = lower(z).numpy()
    assert np.allclose(high, heard, atol=1e-5)
    assert np.abs(high - low).max() > 0.01  # and it did move
    mel = np.random.default_rng(0).uniform(-90, -20, (16, 64)).astype(np.float32)
    louder = mel + 10.0
    with torch.no_grad():
        z_mel = SoundEncode(encoder)(torch.from_numpy(mel))
        z_louder = SoundEncode(encoder)(torch.from_numpy(louder))
    assert torch.all(z_louder[:, 1] > z_mel[:, 1])  # the level axis follows the loudest band
    diffs = export_all({"sound_encoder.onnx": SoundEncode(encoder), "sound_decoder.onnx": SoundDecode(decoder)},
                       {"sound_encoder.onnx": mel, "sound_decoder.onnx": z.numpy()}, tmp_path)
    assert max(diffs.values()) < 1e-4
    with pytest.raises(ValueError, match="z_dim >= 3"):
        sound_networks("pitch_shift", 2, 64)
    with pytest.raises(ValueError, match="allowed: pitch_shift, mlp"):
        sound_networks("conv", 6, 64)


def test_tiny_pitch_shift_run_pairs_image_axes_with_sound_axes(tmp_path):
    """train --sound-network pitch_shift --mapper-on-sound-axes: pitch and loudness land on sound latent
    axes 0 and 1 (pitch = position, level = loudest band), the pairs name them, and the exports equal torch."""
    settings = train.Settings(**{**train.TINY, "sound_network": "pitch_shift", "mapper_on_sound_axes": True})
    metrics = train.train(settings, tmp_path)
    meta = json.loads((tmp_path / "meta.json").read_text())
    assert meta["sound_axes"]["pitch"][0] == 0 and meta["sound_axes"]["loudness"][0] == 1
    assert {p["sound_factor"]: p["sound_axis"] for p in meta["pairs"]} == {"pitch": 0, "loudness": 1}
    assert max(metrics["onnx_max_abs_diff"].values()) < 1e-4
