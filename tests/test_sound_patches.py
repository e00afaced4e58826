"""The Max patch and the OSC schema document stay in step with the addresses the show sends."""

from __future__ import annotations

import json
import re
from pathlib import Path

from runtime.osc.schema import OUT_ADDRESSES, SCENE_ADDRESSES
from sound.max.build_maxpat import PATCH, build

ROOT = Path(__file__).resolve().parent.parent


def test_maxpat_is_current_valid_and_routes_every_address():
    shipped = json.loads(PATCH.read_text())
    assert shipped == json.loads(json.dumps(build()))  # rebuilt by python -m sound.max.build_maxpat
    boxes = {b["box"]["id"]: b["box"] for b in shipped["patcher"]["boxes"]}
    texts = [b.get("text", "") for b in boxes.values()]
    assert "udpreceive 9001" in texts
    [route] = [t for t in texts if t.startswith("route ")]
    assert set(route.split()[1:]) == set(OUT_ADDRESSES) | set(SCENE_ADDRESSES)
    for line in shipped["patcher"]["lines"]:
        src, outlet = line["patchline"]["source"]
        dst, inlet = line["patchline"]["destination"]
        assert outlet < boxes[src]["numoutlets"] and inlet < boxes[dst]["numinlets"]


def test_osc_md_documents_every_address_and_control_message():
    doc = (ROOT / "runtime" / "osc" / "OSC.md").read_text()
    for address in OUT_ADDRESSES + SCENE_ADDRESSES:
        assert f"`{address}`" in doc, f"{address} is not documented in runtime/osc/OSC.md"
    for control in ("/sala/scene", "/sala/param", "/sign", "/ping", "/pong", "/sala/volume", "/sala/next"):
        assert f"`{control}" in doc, control


def test_pd_patch_routes_the_sala_streams():
    patch = (ROOT / "sound" / "puredata" / "sala_receive.pd").read_text()
    assert "netreceive -u -b" in patch and "oscparse" in patch
    routed = set()
    for args in re.findall(r"#X obj \d+ \d+ route ([^;]+);", patch):
        routed.update(args.split())
    tops = {a.split("/")[2] for a in OUT_ADDRESSES + SCENE_ADDRESSES if a.startswith("/sala/")}
    assert tops <= routed, tops - routed


def test_instrument_parameter_document_is_current():
    from sound.instruments_doc import DOC, markdown

    assert DOC.read_text() == markdown(), "run python -m sound.instruments_doc"
