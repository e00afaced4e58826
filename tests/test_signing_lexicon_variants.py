"""The real lexicon's transcriptions that do not parse are exactly the notation variants listed in
scenes/signing/README.md, and each is refused with a message naming the position and the symbol."""

from __future__ import annotations

import re

from signlang.hamnosys.coverage import coverage

# cause (as `hamnosys coverage` groups it) -> how many signs of lexicon_dev.jsonl show it
DOCUMENTED_VARIANTS = {
    "location: handshape modifiers after location": 11,
    "location: hametc after location": 2,
    "sign prefix: hamalternatingmotion at the start": 2,
    "orientation: movement after palm orientation": 1,
    "handshape: location after hambetween": 1,
    "straight movement: extended finger directions after movement": 1,
    "straight movement: hamseqend after movement modifiers": 1,
    "replacement: hamseqbegin after movement": 1,
    "initial configuration: extended finger directions at the start": 1,
    "handshape: hamparend after hamnondominant": 1,
    "initial configuration: handshape modifiers after handshape modifiers": 1,
    "handshape: the sign ends before hamparend (closing simultaneous ( ))": 1,
}


def test_every_remaining_failure_is_a_documented_variant_with_a_clear_message(shared_data):
    report = coverage(shared_data / "hamnosys" / "lexicon_dev.jsonl").to_json()
    groups = {g["cause"]: g for g in report["groups"]}
    assert {cause: g["count"] for cause, g in groups.items()} == DOCUMENTED_VARIANTS
    assert report["failed"] == sum(DOCUMENTED_VARIANTS.values()) == 24
    for group in groups.values():
        for example in group["examples"]:
            message = example["message"]
            if example["symbol"] == "<end>":
                assert re.match(r"the notation ends after symbol \d+ in the", message), message
            else:  # the position and the symbol, then what was allowed there
                assert message.startswith(f"symbol {example['position']} {example['symbol']} "), message
            assert "expected" in message
