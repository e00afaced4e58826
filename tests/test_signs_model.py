"""The learned signer: the tiny model trains on the project's examples, resumes exactly, exports to
ONNX with the same output as torch, and the shipped model signs unseen signs on the body."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from models.signs.corpus import CorpusSettings, build_corpus, example_transcriptions
from models.signs.data import split_of
from models.signs.export import export_onnx
from models.signs.generator import DEFAULT_MODEL, LearnedSigner, upsample
from models.signs.model import load_trained
from models.signs.tokenizer import HamNoSysTokenError, HamNoSysTokenizer
from models.signs.train import PRESETS, train
from signlang.animator import animate
from signlang.skeleton import JOINTS


@pytest.fixture(scope="module")
def tokenizer() -> HamNoSysTokenizer:
    return HamNoSysTokenizer.from_symbol_table()


@pytest.fixture(scope="module")
def tiny_corpus(tokenizer):
    return build_corpus(CorpusSettings.tiny(), tokenizer)


@pytest.fixture(scope="module")
def tiny_run(tiny_corpus, tokenizer, tmp_path_factory):
    out = tmp_path_factory.mktemp("tiny")
    model, history = train(tiny_corpus, tokenizer, PRESETS["tiny"], out, log=lambda _: None)
    return out, model, history


@pytest.fixture(scope="module")
def tiny_onnx(tiny_run) -> tuple[Path, dict]:
    out, _, _ = tiny_run
    report = export_onnx(out / "model.pt", out / "signs.onnx")
    return out / "signs.onnx", report


def test_tiny_corpus_comes_from_the_examples_alone(tiny_corpus):
    assert {s.source.split(":")[0] for s in tiny_corpus.samples} == {"example"}
    assert tiny_corpus.joint_names == list(JOINTS)
    assert len(tiny_corpus.split("train")) > 20


def test_tiny_model_trains_and_its_loss_falls(tiny_run):
    out, _, history = tiny_run
    losses = [h["loss"] for h in history if "loss" in h]
    assert len(losses) >= 10
    assert np.mean(losses[-3:]) < 0.6 * np.mean(losses[:2]), losses
    assert (out / "model.pt").exists() and (out / "train_log.jsonl").exists()


def test_training_resumes_to_the_same_weights(tiny_run, tiny_corpus, tokenizer, tmp_path):
    _, uninterrupted, _ = tiny_run
    train(tiny_corpus, tokenizer, PRESETS["tiny"], tmp_path, log=lambda _: None, stop_after=50)
    assert not (tmp_path / "model.pt").exists()
    resumed, _ = train(tiny_corpus, tokenizer, PRESETS["tiny"], tmp_path, resume=True, log=lambda _: None)
    for name, value in uninterrupted.state_dict().items():
        torch.testing.assert_close(resumed.state_dict()[name], value, rtol=0, atol=0, msg=name)


def test_onnx_output_equals_torch(tiny_run, tiny_onnx, tiny_corpus):
    out, _, _ = tiny_run
    path, report = tiny_onnx
    assert report["max_abs_difference"] < 1e-4
    model, _ = load_trained(out / "model.pt")
    signer = LearnedSigner(path)
    for sample in tiny_corpus.samples[::10]:
        with torch.no_grad():
            poses, length, end = model.generate(torch.from_numpy(sample.tokens)[None])
        expected = upsample(poses[0, : int(length[0])].numpy(), model.cfg.frame_stride)
        frames, end_full = signer.generate_with_end(sample.hamnosys)
        assert frames.shape == expected.shape
        np.testing.assert_allclose(frames, expected, atol=1e-4)
        np.testing.assert_allclose(end_full[:: model.cfg.frame_stride], end[0].numpy(), atol=1e-4)


def test_signer_refuses_text_that_is_not_hamnosys(tiny_onnx):
    signer = LearnedSigner(tiny_onnx[0])
    with pytest.raises(HamNoSysTokenError, match="hamflathnd"):
        signer.generate("hamflathnd,hamextfingeru")
    with pytest.raises(HamNoSysTokenError, match="empty"):
        signer.generate("")
    with pytest.raises(HamNoSysTokenError, match="at most"):
        signer.generate(",".join(["hamflathand"] * 300))


def test_signer_never_fails_otherwise_on_any_text(tiny_onnx):
    import random

    signer = LearnedSigner(tiny_onnx[0])
    names = signer.tokenizer.names
    rng = random.Random(0)
    signed = refused = 0
    for i in range(120):
        if i % 3 == 0:
            text = "".join(chr(rng.randint(0, 0xE0FF)) for _ in range(rng.randint(0, 20)))
        elif i % 3 == 1:
            text = "".join(chr(rng.randint(0xE000, 0xE0F1)) for _ in range(rng.randint(1, 60)))
        else:
            text = ",".join(rng.choice(names) for _ in range(rng.randint(1, 140)))
        try:
            frames = signer.generate(text)
        except HamNoSysTokenError:
            refused += 1
            continue
        assert frames.shape[1:] == (len(JOINTS), 2) and len(frames) >= 2 and np.isfinite(frames).all()
        signed += 1
    assert signed > 20 and refused > 20


def test_signer_gives_the_scene_an_animation_at_its_rate_and_speed(tiny_onnx):
    from signlang.hamnosys import parse

    signer = LearnedSigner(tiny_onnx[0])
    tree = parse("hamflathand,hamextfingeru,hampalml,hamchin")
    tree.gloss = "CHIN"
    frames = signer.generate("hamflathand,hamextfingeru,hampalml,hamchin")
    native = signer.animate(tree)
    assert native.fps == signer.fps == 25.0 and native.gloss == "CHIN" and native.joint_names == list(JOINTS)
    np.testing.assert_allclose(native.frames, frames, atol=1e-6)
    at_30 = signer.animate(tree, fps=30.0)
    assert at_30.fps == 30.0 and abs(at_30.duration - native.duration) < 2 / 25
    fast = signer.animate(tree, speed=2.0)
    assert abs(fast.duration - native.duration / 2) < 2 / 25
    np.testing.assert_allclose(fast.frames[-1], frames[-1], atol=1e-6)
    with pytest.raises(ValueError, match="speed"):
        signer.animate(tree, speed=0.0)


# -- the shipped model ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped() -> LearnedSigner:
    assert DEFAULT_MODEL.exists(), f"the shipped model is missing: {DEFAULT_MODEL}"
    return LearnedSigner(DEFAULT_MODEL)


def unseen_examples(tokenizer) -> list:
    """Example signs whose split is test or validation: the shipped model never trained on them."""
    out = []
    for item in example_transcriptions():
        if split_of(tokenizer.decode_names(tokenizer.encode(item.text))) != "train":
            out.append(item)
    return out


def test_shipped_model_signs_unseen_signs_on_the_body(shipped, tokenizer):
    items = unseen_examples(tokenizer)
    assert items, "no example sign outside the training split"
    # the rest pose of the animator the model learned from (it starts and ends every sign)
    rest = np.array(json.loads(shipped.metadata["statistics"])["rest_pose"], dtype=np.float32)
    shoulders = [JOINTS.index("right_shoulder"), JOINTS.index("left_shoulder")]
    np.testing.assert_allclose(rest[shoulders], [[-0.5, 0.0], [0.5, 0.0]], atol=0.05)
    for item in items:
        frames, end = shipped.generate_with_end(item.text)
        reference = animate(item.text).frames
        t = len(frames)
        assert frames.shape == (t, len(JOINTS), 2) and frames.dtype == np.float32
        assert np.isfinite(frames).all()
        # the sign ends: its length is where the end probability crosses one half, near the animator's
        assert end[t - 1] >= 0.5 and end[max(0, t - 1 - shipped.frame_stride)] < 0.5
        assert np.all(np.diff(end) >= -1e-6)
        assert 0.5 * len(reference) <= t <= 1.6 * len(reference), (item.gloss, t, len(reference))
        # on the body: shoulders stay put, everything within reach of the torso, hands on the arms
        np.testing.assert_allclose(frames[:, shoulders], np.broadcast_to(rest[shoulders], (t, 2, 2)), atol=0.1)
        assert np.abs(frames[..., 0]).max() < 2.0 and -1.6 < frames[..., 1].min() and frames[..., 1].max() < 2.0
        for side in ("right", "left"):
            wrist, hand = JOINTS.index(f"{side}_wrist"), JOINTS.index(f"{side}_hand.wrist")
            assert np.linalg.norm(frames[:, wrist] - frames[:, hand], axis=-1).max() < 0.15
        # it moves away from rest and comes back
        assert np.abs(frames[-1] - rest).mean() < 0.1, item.gloss
        assert np.abs(frames - rest).mean(axis=(1, 2)).max() > 2 * np.abs(frames[-1] - rest).mean(), item.gloss
