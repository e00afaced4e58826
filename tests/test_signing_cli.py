"""`python -m runtime hamnosys parse|coverage|animate`, run in-process through the same argparse wiring."""

from __future__ import annotations

import argparse
import json

import numpy as np

from tools import hamnosys as cli


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="sala")
    sub = parser.add_subparsers(dest="command", required=True)
    cli.register(sub)
    args = parser.parse_args(argv)
    return args.func(args)


def test_parse_prints_a_tree_and_json(capsys):
    assert run(["hamnosys", "parse", "hamflathand,hamextfingeru,hampalml,hamchin,hamtouch"]) == 0
    text = capsys.readouterr().out
    assert "Handshape base=flathand" in text and "site=chin" in text
    assert run(["hamnosys", "parse", "--json", "\ue001\ue020\ue03e\ue04d\ue0d1"]) == 0
    tree = json.loads(capsys.readouterr().out)
    assert tree["node"] == "Sign" and tree["location"]["site"] == ["hamchin"]


def test_parse_error_exits_1_with_position(capsys, tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("hamflathand,hamextfingeru,hampalml,hamchest,hamextfingeru", encoding="utf-8")
    assert run(["hamnosys", "parse", "--file", str(path)]) == 1
    assert "symbol 4 hamextfingeru" in capsys.readouterr().err
    assert run(["hamnosys", "parse", "--json", "hamfist champalmd"]) == 1
    err = json.loads(capsys.readouterr().out)["error"]
    assert err["symbol"] == "champalmd" and err["suggestions"][0] == "hampalmd"


def test_coverage_groups_failures(capsys, tmp_path):
    lexicon = tmp_path / "lex.jsonl"
    rows = [
        {"id": "1", "gloss": "A", "hamnosys": "\ue001\ue020\ue03e\ue04d"},
        {"id": "2", "gloss": "B", "hamnosys": "", "hamnosys_text": "hamfist,hamextfingero,hampalmd,hamchest"},
        {"id": "3", "gloss": "C", "hamnosys": "", "hamnosys_text": "hamfist,hamextfingero,hampalmd,hamchest,hametc"},
        {"id": "4", "gloss": "D", "hamnosys": "", "hamnosys_text": "hamfist,hamextfingero,hampalmd,hamlips,hametc"},
    ]
    lexicon.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    assert run(["hamnosys", "coverage", str(lexicon), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["total"] == 4 and report["parsed"] == 2 and report["failed"] == 2
    assert len(report["groups"]) == 1 and report["groups"][0]["count"] == 2  # the same fault, one group
    assert {e["id"] for e in report["groups"][0]["examples"]} == {"3", "4"}
    assert run(["hamnosys", "coverage", str(tmp_path / "missing.jsonl")]) == 2


def test_animate_writes_pose_and_npz(tmp_path, capsys):
    for suffix in (".npz", ".pose"):
        out = tmp_path / f"sign{suffix}"
        assert run(["hamnosys", "animate", "hamflathand,hamextfingeru,hampalml,hamchin,hamtouch",
                    "--out", str(out), "--fps", "20"]) == 0
        assert out.stat().st_size > 1000
    data = np.load(tmp_path / "sign.npz")
    assert data["frames"].shape[1:] == (59, 2) and float(data["fps"]) == 20.0
    assert run(["hamnosys", "animate", "hamflathand", "--out", str(tmp_path / "x.gif")]) == 2
    assert run(["hamnosys", "animate", "hamflathand,hamchest", "--out", str(tmp_path / "x.npz")]) == 1


def test_convert_between_the_three_forms(capsys):
    names = "hamsymmlr,hamflathand,hamextfingeru,hampalml,hamchest,hammoveu"
    assert run(["hamnosys", "convert", names, "--to", "unicode"]) == 0
    unicode = capsys.readouterr().out.strip()
    assert unicode == "\ue0e9\ue001\ue020\ue03e\ue052\ue080"
    assert run(["hamnosys", "convert", unicode, "--to", "sigml", "--gloss", "UP"]) == 0
    sigml = capsys.readouterr().out.strip()
    assert '<hns_sign gloss="UP">' in sigml and "<hamsymmlr/><hamflathand/>" in sigml
    assert run(["hamnosys", "convert", sigml, "--to", "names"]) == 0
    assert capsys.readouterr().out.strip() == names
    assert run(["hamnosys", "convert", "hamflathand,hamchest", "--to", "names"]) == 1
