"""The HamNoSys tokenizer: all 209 symbols, both text forms, round trips, clear errors."""

from __future__ import annotations

import json

import pytest

from models.signs.tokenizer import BOS, EOS, SPECIAL_TOKENS, HamNoSysTokenError, HamNoSysTokenizer
from signlang.symbols import SYMBOLS


@pytest.fixture(scope="module")
def tokenizer() -> HamNoSysTokenizer:
    return HamNoSysTokenizer.from_symbol_table()


def test_vocabulary_is_the_symbol_table(tokenizer):
    assert len(SYMBOLS) == 209
    assert tokenizer.vocab_size == 209 + len(SPECIAL_TOKENS)
    assert tokenizer.names == [s.name for s in SYMBOLS]


def test_every_symbol_round_trips_through_names_and_characters(tokenizer):
    names = ",".join(s.name for s in SYMBOLS)
    ids = tokenizer.encode(names)
    assert ids[0] == BOS and ids[-1] == EOS and len(ids) == 211
    assert len(set(ids[1:-1])) == 209
    text = tokenizer.decode(ids)
    assert text == "".join(chr(s.codepoint) for s in SYMBOLS)
    assert tokenizer.encode(text) == ids
    assert tokenizer.decode_names(ids) == names
    # space-separated names give the same ids
    assert tokenizer.encode(names.replace(",", " ")) == ids


def test_vocabulary_survives_serialisation(tokenizer):
    again = HamNoSysTokenizer.from_json(tokenizer.to_json())
    text = "hamflathand,hamextfingeru,hampalml,hamchin"
    assert again.encode(text) == tokenizer.encode(text)
    assert again.vocab_size == tokenizer.vocab_size


def test_unknown_name_is_named_with_a_suggestion(tokenizer):
    with pytest.raises(HamNoSysTokenError, match=r"symbol 2 \('hamextfngeru'\).*did you mean hamextfingeru"):
        tokenizer.encode("hamflathand,hamextfngeru")


def test_foreign_character_is_named_with_its_position(tokenizer):
    with pytest.raises(HamNoSysTokenError, match=r"character 2 \(U\+00E9"):
        tokenizer.encode("\ue001\u00e9\ue020")


@pytest.mark.parametrize("bad", ["", "   ", None, 42])
def test_empty_or_non_text_input_is_refused(tokenizer, bad):
    with pytest.raises(HamNoSysTokenError):
        tokenizer.encode(bad)


def test_every_lexicon_transcription_round_trips(tokenizer, shared_data):
    lexicon = shared_data / "hamnosys" / "lexicon_dev.jsonl"
    if not lexicon.exists():
        pytest.skip(f"HamNoSys lexicon not found at {lexicon}")
    entries = [json.loads(line) for line in lexicon.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(entries) > 4000
    for entry in entries:
        ids = tokenizer.encode(entry["hamnosys"])
        assert tokenizer.decode(ids) == entry["hamnosys"].strip("\r\n\t")
        assert tokenizer.encode(tokenizer.decode_names(ids)) == ids
