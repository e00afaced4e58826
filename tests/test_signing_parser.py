"""HamNoSys parsing: the symbol table, every symbol in the grammar, the three forms, errors, coverage."""

from __future__ import annotations

import json
import random

import pytest

from signlang.examples import load_examples
from signlang.hamnosys import (
    HamNoSysError,
    names_of,
    parse,
    to_json,
    to_names,
    to_sigml,
    to_unicode,
    tokenize,
)
from signlang.hamnosys.tree import Movement, Repetition, SplitHands
from signlang.symbols import BY_NAME, SYMBOLS, TABLE_PATH

LEXICON = "hamnosys/lexicon_dev.jsonl"


def test_table_has_209_distinct_symbols_in_their_categories():
    assert len(SYMBOLS) == 209
    assert len({s.name for s in SYMBOLS}) == 209
    assert len({s.codepoint for s in SYMBOLS}) == 209
    counts: dict[str, int] = {}
    for s in SYMBOLS:
        counts[s.category] = counts.get(s.category, 0) + 1
    assert counts["Handshapes"] == 12
    assert counts["Extended finger directions"] == 18
    assert counts["Palm orientation"] == 8
    assert counts["Location"] == 44
    assert counts["Movement"] == 77
    assert counts["Obsolete spacing symbols"] == 6
    assert all(0xE000 <= s.codepoint <= 0xE0F1 for s in SYMBOLS if s.category != "Regular Unicode characters")


def test_project_table_matches_the_reference_table(shared_data):
    reference = (shared_data / "hamnosys" / "symbols.tsv").read_text(encoding="utf-8").splitlines()
    ours = [line for line in TABLE_PATH.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    assert ours == reference


# A sign in which each symbol has a place the grammar allows, and the tree field it must land in.
BASE = "hamflathand,hamextfingero,hampalmd"


def context_for(name: str) -> str:
    cat = BY_NAME[name].category
    simple = {
        "hamthumboutmod": "hamfinger2,{s},hamextfingeru,hampalml",
        "hamthumbacrossmod": "hamfinger2,{s},hamextfingeru,hampalml",
        "hamthumbopenmod": "hamfinger2,{s},hamextfingeru,hampalml",
        "hamlrbeside": BASE + ",hamchest,{s}",
        "hamlrat": BASE + ",hamchest,{s}",
        "hamcoreftag": BASE + ",hamchest,{s}",
        "hamcorefref": BASE + ",hamchest,{s}",
        "hamreplace": BASE + ",hamchest,{s},hamfist",
        "hamsmallmod": BASE + ",hamchest,hammoveu,{s}",
        "hamlargemod": BASE + ",hamchest,hammoveu,{s}",
        "hamalternatingmotion": "hamsymmlr,{s}," + BASE + ",hamchest,hammoveu",
        "hamseqbegin": BASE + ",hamchest,{s},hammoveu,hammovel,hamseqend",
        "hamseqend": BASE + ",hamchest,hamseqbegin,hammoveu,hammovel,{s}",
        "hamparbegin": BASE + ",hamchest,{s},hammoveu,hamreplace,hamfist,hamparend",
        "hamparend": BASE + ",hamchest,hamparbegin,hammoveu,hamreplace,hamfist,{s}",
        "hamfusionbegin": BASE + ",hamchest,{s},hammoveu,hammovel,hamfusionend",
        "hamfusionend": BASE + ",hamchest,hamfusionbegin,hammoveu,hammovel,{s}",
        "hambetween": "hamfist,{s},hamflathand,hamextfingero,hampalmd",
        "hamplus": "hamparbegin,hamfist,hamextfingero,hampalmd,{s},hamflathand,hamextfingeru,hampalml,hamparend",
        "hamsymmpar": "{s}," + BASE,
        "hamsymmlr": "{s}," + BASE,
        "hamnondominant": "{s}," + BASE,
        "hamnonipsi": "{s}," + BASE,
        "hametc": "{s},hamextfingero,hampalmd",
        "hamorirelative": "hamflathand,hamextfingero,{s},hampalmd",
        "hammime": "{s}," + BASE,
        "hamversion40": "{s}," + BASE,
        "hamaltbegin": BASE + ",hamchest,{s},hammoveu,hammetaalt,hammoved,hamaltend",
        "hammetaalt": BASE + ",hamchest,hamaltbegin,hammoveu,{s},hammoved,hamaltend",
        "hamaltend": BASE + ",hamchest,hamaltbegin,hammoveu,hammetaalt,hammoved,{s}",
        "hamnomotion": BASE + ",hamchest,{s}",
        "hamarmextended": BASE + ",hamchest,{s}",
        "hambehind": BASE + ",{s},hamchest",
    }
    if name in simple:
        return simple[name]
    if cat == "Handshapes":
        return "{s},hamextfingeru,hampalml"
    if cat == "Handshape modifiers":
        return "hamflathand,{s},hamextfingeru,hampalml"
    if cat == "Extended finger directions":
        return "hamflathand,{s},hampalml"
    if cat == "Palm orientation":
        return "hamflathand,hamextfingero,{s}"
    if cat == "Location" or name.startswith("hamwristto"):
        return BASE + ",{s},hamtouch"
    if name in ("hamclose", "hamtouch", "haminterlock", "hamcross", "hambrushing"):
        return BASE + ",hamchest,{s}"
    if name.startswith(("hammove", "hamcircle")) or name in (
        "hamfingerplay", "hamnodding", "hamswinging", "hamtwisting", "hamstircw", "hamstirccw"
    ):
        return BASE + ",hamchest,{s}"
    if name.startswith(("hamclock", "hamellipse")) or name in ("hamincreasing", "hamdecreasing"):
        return BASE + ",hamchest,hamcircleo,{s}"
    if name.startswith("hamarc") or name in ("hamwavy", "hamzigzag", "hamfast", "hamslow", "hamtense",
                                             "hamrest", "hamhalt"):
        return BASE + ",hamchest,hammoveu,{s}"
    if name.startswith("hamrepeat"):
        return BASE + ",hamchest,hammoveu,{s}"
    if cat == "Regular Unicode characters":  # punctuation after a sign
        return BASE + ",hamchest,{s}"
    raise AssertionError(f"no context for {name} ({cat})")


def _tree_text(sign) -> str:
    data = to_json(sign)
    data.pop("symbols", None)
    return json.dumps(data)


@pytest.mark.parametrize("name", [s.name for s in SYMBOLS])
def test_every_symbol_is_accepted_where_the_grammar_allows_it(name):
    sign = parse(context_for(name).format(s=name))
    text = _tree_text(sign)
    structural = {"hamparbegin", "hamparend", "hamseqbegin", "hamseqend", "hamfusionbegin", "hamfusionend",
                  "hamaltbegin", "hammetaalt", "hamaltend", "hambetween", "hamplus", "hamorirelative",
                  "hamnondominant", "hamnonipsi", "hamreplace"}
    if name in structural:  # brackets and operators become the tree's shape, not a value in it
        assert name in sign.symbols
    else:
        assert f'"{name}"' in text, f"{name} parsed but not placed in the tree: {text}"


def test_tree_structure_of_a_two_handed_sign():
    sign = parse("hamsymmlr,hamflathand,hamextfingeru,hampalml,hamchest,hamclose,"
                 "hamparbegin,hammoveu,hamsmallmod,hamreplace,hamfist,hamparend,hamrepeatfromstart")
    assert sign.symmetry.operator == "hamsymmlr"
    assert sign.hands.handshape.base == "hamflathand"
    assert sign.hands.extended_finger.value == "hamextfingeru"
    assert sign.hands.palm.value == "hampalml"
    assert sign.location.site == ["hamchest"] and sign.location.contact == "hamclose"
    par, rep = sign.actions
    move, replacement = par.actions
    assert isinstance(move, Movement) and move.symbol == "hammoveu" and move.modifiers == ["hamsmallmod"]
    assert replacement.hands.handshape.base == "hamfist"
    assert isinstance(rep, Repetition) and rep.kind == "hamrepeatfromstart"


def test_split_hands_and_shared_parts_merge():
    sign = parse("hamfist,hamparbegin,hamextfingeruo,hampalmul,hamplus,hamextfingero,hampalmdr,hamparend")
    assert isinstance(sign.hands, SplitHands)
    assert sign.hands.dominant.handshape.base == "hamfist" == sign.hands.nondominant.handshape.base
    assert sign.hands.dominant.extended_finger.value == "hamextfingeruo"
    assert sign.hands.nondominant.palm.value == "hampalmdr"


def test_errors_say_where_what_and_what_was_expected():
    with pytest.raises(HamNoSysError) as info:
        parse("hamflathand,hamextfingeru,hampalml,hamchest,hamextfingeru")
    err = info.value
    assert err.position == 4 and err.symbol == "hamextfingeru"
    assert err.expected and any("action" in e or "contact" in e for e in err.expected)
    assert "symbol 4" in str(err)
    with pytest.raises(HamNoSysError) as info:
        parse("hamsymmlr")
    assert info.value.symbol == "<end>" and info.value.position == 1
    with pytest.raises(HamNoSysError) as info:
        parse("")
    assert "empty" in str(info.value)


def test_unknown_names_get_the_nearest_valid_names():
    with pytest.raises(HamNoSysError) as info:
        parse('<hns_sign gloss="X"><hamnosys_manual><hamflathand/><champalmd/></hamnosys_manual></hns_sign>')
    assert "champalmd: did you mean hampalmd" in str(info.value)
    assert info.value.suggestions[0] == "hampalmd" and info.value.position == 1
    with pytest.raises(HamNoSysError) as info:
        parse("hamflathand hamextfingerx")
    assert info.value.suggestions and info.value.suggestions[0].startswith("hamextfinger")
    with pytest.raises(HamNoSysError) as info:
        parse("\ue001\ue020A")
    assert info.value.symbol == "U+0041" and info.value.position == 2


def _lexicon_texts(shared_data, n: int | None = None) -> list[str]:
    from signlang.hamnosys.coverage import transcription

    lines = (shared_data / LEXICON).read_text(encoding="utf-8").splitlines()
    texts = [transcription(json.loads(line)) for line in lines if line.strip()]
    return texts if n is None else texts[:: max(1, len(texts) // n)]


def _round_trip(names: list[str]) -> None:
    unicode = to_unicode(names)
    assert names_of(unicode) == names
    assert names_of(to_names(names)) == names
    assert names_of(" ".join(names)) == names
    assert names_of(to_sigml(names, "G")) == names
    trees = [to_json(parse(form)) for form in (unicode, to_names(names), to_sigml(names, "G"))]
    for tree in trees:
        tree.pop("gloss", None)
    assert trees[0] == trees[1] == trees[2]


def test_round_trips_unicode_names_sigml_on_the_examples():
    for example in load_examples():
        _round_trip(names_of(example.hamnosys))


def test_round_trips_on_real_transcriptions(shared_data):
    for text in _lexicon_texts(shared_data, 300):
        names = names_of(text)
        try:
            parse(text)
        except HamNoSysError:
            continue
        _round_trip(names)


def test_sigml_gloss_is_read():
    sign = parse(to_sigml(["hamfist", "hamextfingero", "hampalmd"], gloss="A & B"))
    assert sign.gloss == "A & B"


def test_coverage_on_the_real_lexicon(shared_data):
    from signlang.hamnosys.coverage import coverage

    report = coverage(shared_data / LEXICON)
    assert report.total == 4611
    assert report.rate >= 0.99, report.text()
    failed = sum(len(v) for v in report.groups.values())
    assert failed == report.total - report.parsed
    for cause in report.groups:  # every failure is grouped under a rule of the grammar
        assert ":" in cause and not cause.startswith("input")


def _garbage(rng: random.Random) -> str:
    names = [s.name for s in SYMBOLS]
    kind = rng.randrange(6)
    if kind == 0:
        return ",".join(rng.choice(names) for _ in range(rng.randrange(0, 30)))
    if kind == 1:
        return "".join(rng.choice(SYMBOLS).char for _ in range(rng.randrange(0, 30)))
    if kind == 2:
        return "".join(chr(rng.randrange(0, 0x10FFFF)) for _ in range(rng.randrange(0, 20))
                       if not 0xD800 <= rng.randrange(0, 0x10FFFF) < 0xE000)
    if kind == 3:
        inner = "".join(f"<{rng.choice(names + ['bogus', 'x'])}/>" for _ in range(rng.randrange(0, 15)))
        return rng.choice(["<hns_sign><hamnosys_manual>", "<hamnosys_manual>", "<", "<sigml>"]) + inner + \
            rng.choice(["</hamnosys_manual></hns_sign>", "", "</hamnosys_manual>", "<<>>"])
    if kind == 4:
        return "hamparbegin," * rng.randrange(0, 400) + "hamfist"
    example = names_of(rng.choice(load_examples()).hamnosys)
    for _ in range(rng.randrange(1, 4)):
        op = rng.randrange(3)
        i = rng.randrange(len(example) + 1)
        if op == 0 and example:
            example.pop(min(i, len(example) - 1))
        elif op == 1:
            example.insert(i, rng.choice(names))
        elif example:
            example[min(i, len(example) - 1)] = rng.choice(names)
    return ",".join(example)


def test_parsing_never_crashes_on_any_input():
    rng = random.Random(1234)
    outcomes = {"ok": 0, "error": 0}
    for _ in range(3000):
        text = _garbage(rng)
        try:
            parse(text)
            outcomes["ok"] += 1
        except HamNoSysError as err:
            assert isinstance(err.position, int) and isinstance(err.symbol, str)
            outcomes["error"] += 1
    assert outcomes["ok"] > 50 and outcomes["error"] > 500  # both paths were exercised


def test_parsing_never_crashes_hypothesis():
    hypothesis = pytest.importorskip("hypothesis", reason="hypothesis is not installed")
    st = hypothesis.strategies
    names = [s.name for s in SYMBOLS]

    @hypothesis.settings(max_examples=300, deadline=None)
    @hypothesis.given(st.one_of(st.text(max_size=60), st.lists(st.sampled_from(names), max_size=40).map(",".join)))
    def check(text: str) -> None:
        try:
            parse(text)
        except HamNoSysError:
            pass

    check()


def test_tokenize_reports_offsets():
    tokens = tokenize("hamflathand,  hamextfingeru")
    assert [t.offset for t in tokens] == [0, 14]


def test_nested_brackets_parse_in_linear_time_and_too_deep_nesting_is_an_error():
    import time

    head = "hamflathand,hamextfingeru,hampalml,"
    t0 = time.perf_counter()
    sign = parse(head + "hamparbegin," * 60 + "hammoveu," + "hamparend," * 60)
    depth, node = 0, sign.actions[0]
    while hasattr(node, "actions") and node.actions:
        depth, node = depth + 1, node.actions[0]
    assert depth == 60
    with pytest.raises(HamNoSysError) as info:
        parse(head + "hamseqbegin,hamparbegin,hamfusionbegin," * 100 + "hammoveu")
    assert info.value.rule == "nesting" or "expected" in str(info.value)
    assert time.perf_counter() - t0 < 2.0  # exponential backtracking would take hours here


def test_the_examples_show_every_part_of_the_grammar():
    from signlang.hamnosys.grammar import ARCS, CLOCKS, ELLIPSES, INCDEC, MANNERS, SIZES, WAVES

    seen: set[str] = set()

    def walk(node) -> None:
        if isinstance(node, dict):
            kind = node.get("node", "")
            seen.add(kind)
            for key, value in node.items():
                if key in ("span", "symbols", "node") or value in (None, [], False, ""):
                    continue
                seen.add(f"{kind}.{key}")
                if kind == "Movement" and key == "kind":
                    seen.add(f"movement:{value}")
                if kind == "Repetition" and key == "kind":
                    seen.add(f"repeat:{value}")
                if kind == "Symmetry" and key == "operator":
                    seen.add(f"symmetry:{value}")
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, str):
            for name, group in (("arc", ARCS), ("wave", WAVES), ("ellipse", ELLIPSES), ("clock", CLOCKS),
                                ("incdec", INCDEC), ("size", SIZES), ("manner", MANNERS)):
                if node in group:
                    seen.add(f"modifier:{name}")

    for example in load_examples():
        walk(to_json(parse(example.hamnosys)))
    required = {
        "Sign.symmetry", "Sign.nondominant", "Sign.prefixes", "Sign.punctuation", "Sign.then",
        "symmetry:hamsymmlr", "symmetry:hamsymmpar", "Symmetry.modifiers",
        "SplitHands", "Handshape.thumb", "Handshape.bend", "Handshape.fingers", "Handshape.between",
        "Direction.between", "Direction.relative", "Direction.combined",
        "Location.side", "Location.between", "Location.contact", "Location.distance", "Location.references",
        "SplitLocation",
        "movement:straight", "movement:circle", "movement:wrist", "movement:nomotion", "movement:target",
        "Movement.between", "Movement.target",
        "Replacement", "Sequence", "Parallel", "SplitAction", "Fusion", "Alternatives",
        "repeat:hamrepeatfromstart", "repeat:hamrepeatfromstartseveral", "repeat:hamrepeatcontinue",
        "repeat:hamrepeatcontinueseveral", "repeat:hamrepeatreverse",
        "modifier:arc", "modifier:wave", "modifier:ellipse", "modifier:clock", "modifier:incdec",
        "modifier:size", "modifier:manner",
    }
    assert required - seen == set()
