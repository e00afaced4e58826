"""The animated corpus: real transcriptions with variation, split by sign, never a sign in two splits."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import numpy as np
import pytest

from models.signs.corpus import CorpusSettings, Transcription, build_corpus, lexicon_transcriptions, retime
from models.signs.data import SignCorpus, split_of
from models.signs.tokenizer import HamNoSysTokenizer


@pytest.fixture(scope="module")
def tokenizer() -> HamNoSysTokenizer:
    return HamNoSysTokenizer.from_symbol_table()


@pytest.fixture(scope="module")
def lexicon(shared_data):
    path = shared_data / "hamnosys" / "lexicon_dev.jsonl"
    if not path.exists():
        pytest.skip(f"HamNoSys lexicon not found at {path}")
    return path


def test_split_is_by_sign_and_stable():
    assert split_of("hamflathand,hamchin") == split_of("hamflathand,hamchin")
    keys = [f"sign{i}" for i in range(5000)]
    counts = Counter(split_of(k) for k in keys)
    assert abs(counts["train"] / 5000 - 0.8) < 0.03
    assert abs(counts["test"] / 5000 - 0.1) < 0.02


def test_lexicon_signs_are_animated_with_variation_and_never_cross_splits(tokenizer, lexicon, tmp_path):
    items = lexicon_transcriptions(lexicon, limit=60)
    # the same sign written as names must be recognised as the same sign
    first = items[0]
    items.append(Transcription(tokenizer.decode_names(tokenizer.encode(first.text)), "AGAIN", "example:AGAIN"))
    settings = replace(CorpusSettings(include_examples=False), train_variants=3, lexicon=lexicon)
    corpus = build_corpus(settings, tokenizer, transcriptions=items)
    corpus.check_disjoint()
    assert corpus.info["skipped"].get("duplicate transcription", 0) >= 1
    by_sign: dict[str, list] = {}
    for s in corpus.samples:
        by_sign.setdefault(s.sign_key, []).append(s)
        assert s.split == split_of(s.sign_key)
    assert len(by_sign) > 50
    for samples in by_sign.values():
        assert len({s.split for s in samples}) == 1
        expected = 3 if samples[0].split == "train" else 1
        assert len(samples) == expected
        if expected == 3:  # variants differ in timing and landmarks
            assert len({len(s.frames) for s in samples}) > 1 or not np.allclose(samples[0].frames, samples[1].frames)
    # the cache gives back what was built
    corpus.save(tmp_path / "c.npz")
    again = SignCorpus.load(tmp_path / "c.npz")
    assert [s.sign_key for s in again.samples] == [s.sign_key for s in corpus.samples]
    np.testing.assert_array_equal(again.samples[7].frames, corpus.samples[7].frames)
    np.testing.assert_array_equal(again.samples[7].tokens, corpus.samples[7].tokens)


def test_a_sign_animates_the_same_whatever_else_is_built(tokenizer, lexicon):
    items = lexicon_transcriptions(lexicon, limit=30)
    settings = replace(CorpusSettings(include_examples=False), lexicon=lexicon)
    whole = build_corpus(settings, tokenizer, transcriptions=items)
    tests_only = build_corpus(settings, tokenizer, transcriptions=items, splits=("test",))
    expected = [s for s in whole.samples if s.split == "test"]
    assert [s.sign_key for s in tests_only.samples] == [s.sign_key for s in expected]
    for a, b in zip(tests_only.samples, expected, strict=True):
        np.testing.assert_array_equal(a.frames, b.frames)


def test_retime_keeps_the_path_and_changes_the_length():
    frames = np.cumsum(np.random.default_rng(0).normal(size=(40, 3, 2)), axis=0).astype(np.float32)
    fast = retime(frames, 2.0)
    assert len(fast) == 20
    np.testing.assert_allclose(fast[0], frames[0])
    np.testing.assert_allclose(fast[-1], frames[-1])
    assert len(retime(frames, 0.5)) == 80
