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


def test_partials_decoder_measures_a_sine_as_the_feature_extractor_does():
    """With one component left in its template, the decoder's spectrum is the mel spectrum measured on a
    real sine at that component's frequency (pitch axis and level axis included), and one unit more on
    the pitch axis is the same sine pitch_affine[1] octaves higher."""
    import numpy as np
    import torch

    from models.sonification import datasets as D
    from models.sonification import features
    from models.sonification.sound_networks import PartialsDecoder

    decoder = PartialsDecoder(6, hidden=16)
    component = int(np.argmin(np.abs(decoder.relative.numpy() - 1.0)))  # one octave above the pitch
    with torch.no_grad():
        last = decoder.template[-1]
        last.weight.zero_()
        last.bias.fill_(-50.0)
        last.bias[component] = 0.0
        z = torch.tensor([[0.0, 0.0, 0, 0, 0, 0], [1.0, 0.5, 0, 0, 0, 0]])
        decoded = decoder(z).numpy()
        pitch = decoder.pitch_affine[0] + decoder.pitch_affine[1] * z[:, 0] + decoder.relative[component]
        ln_gain = decoder.level_affine[0] + decoder.level_affine[1] * z[:, 1]
    t = np.arange(features.N_SAMPLES) / features.SR
    for row, (log2_hz, gain) in enumerate(zip(pitch.numpy(), ln_gain.numpy(), strict=True)):
        amplitude = np.exp(0.5 * gain)  # the component's power is exp(gain) times a unit sine's
        measured = D.mel_to_input(features.mel_db(amplitude * np.sin(2 * np.pi * 2.0 ** log2_hz * t)))[0]
        loud = measured > 0.2
        assert loud.sum() >= 2
        assert np.abs(decoded[row][loud] - measured[loud]).max() * 90 < 0.5  # dB
    assert abs(float(pitch[1] - pitch[0]) - float(decoder.pitch_affine[1].detach())) < 1e-6


def test_harmonic_encoder_hears_pitch_and_level_before_any_training(tmp_path):
    """The encoder's pitch axis is subharmonic summation: untrained, its salience already peaks at the
    played pitch (within a semitone) for nearly all FM notes of every harmonic ratio from 220 Hz up
    (below, the mel bands are too wide for the initial weights; training learns them, see the shipped
    model's pitch MIG), and a note 10 dB louder lands higher on the level axis only."""
    import numpy as np
    import torch

    from models.sonification import datasets as D
    from models.sonification.export import SoundEncode, export_all
    from models.sonification.sound_networks import sound_networks

    torch.manual_seed(0)
    encoder, _ = sound_networks("harmonic", 6, 64)
    pitch = np.linspace(1 / 3, 1, 11)  # 220..880 Hz
    hits, notes = 0, 0
    for ratio_unit in D.SOUND_FACTORS["rich"][2].units:
        for index in (0.1, 0.3, 0.7):
            units = np.stack([pitch, np.full(11, 0.5), np.full(11, ratio_unit), np.full(11, index),
                              np.full(11, 0.6)], 1)
            mel, played_hz = D.render_sounds(units), 110.0 * 8.0 ** pitch
            x = torch.from_numpy(D.mel_to_input(mel))
            with torch.no_grad():
                heard_hz = encoder.candidate_hz[encoder.salience(encoder.log_spectrum(x)).argmax(1)].numpy()
                z = SoundEncode(encoder)(torch.from_numpy(mel)).numpy()
                z_louder = SoundEncode(encoder)(torch.from_numpy(mel + 10.0)).numpy()
            hits += int((np.abs(12 * np.log2(heard_hz / played_hz)) < 1.0).sum())
            notes += len(pitch)
            assert np.all(z_louder[:, 1] > z[:, 1]) and np.allclose(z_louder[:, 0], z[:, 0], atol=1e-4)
    assert hits >= 0.9 * notes, f"salience peaks at the played pitch for {hits} of {notes} notes"
    diffs = export_all({"sound_encoder.onnx": SoundEncode(encoder)}, {"sound_encoder.onnx": mel}, tmp_path)
    assert max(diffs.values()) < 1e-4
    with pytest.raises(ValueError, match="z_dim >= 3"):
        sound_networks("harmonic", 2, 64)
    with pytest.raises(ValueError, match="allowed: harmonic, mlp"):
        sound_networks("conv", 6, 64)


def test_tiny_run_reads_pitch_and_level_on_their_sound_axes(tiny):
    """Even the tiny run puts pitch and loudness on sound latent axes 0 and 1 (by construction of the
    harmonic networks), and the mapper's pairs are read on those axes."""
    out, _ = tiny
    meta = json.loads((out / "meta.json").read_text())
    assert meta["sound_axes"]["pitch"][0] == 0 and meta["sound_axes"]["loudness"][0] == 1
    assert {p["sound_factor"]: p["sound_axis"] for p in meta["pairs"]} == {"pitch": 0, "loudness": 1}


def test_head_reads_own_axes_alone_and_plays_only_ratios_the_sound_model_knows():
    """A parameter with a latent axis of its own depends on that axis only; once trained (eval mode),
    the ratio comes out at the nearest harmonic ratio of the sound set, never in between."""
    import numpy as np
    import torch

    from models.sonification import datasets as D
    from models.sonification.head import SynthHead

    values = D.sound_param_values("rich")
    assert list(values) == [2] and len(values[2]) == 4
    torch.manual_seed(0)
    head = SynthHead(6, own_axes={0: 0, 1: 1}, values=values)
    z = torch.randn(256, 6)
    other = z.clone()
    other[:, 2:] = torch.randn(256, 4)  # timbre axes changed, pitch and level axes kept
    head.eval()
    with torch.no_grad():
        out, out_other = head(z).numpy(), head(other).numpy()
        head.train()
        free = head(z).numpy()
    assert np.allclose(out[:, :2], out_other[:, :2]) and not np.allclose(out[:, 2:], out_other[:, 2:])
    allowed = np.asarray(values[2])
    assert np.abs(out[:, 2:3] - allowed[None]).min(1).max() < 1e-6
    assert np.abs(free[:, 2:3] - allowed[None]).min(1).max() > 1e-3  # training sees it unsnapped
