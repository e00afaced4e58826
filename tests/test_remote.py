"""Show control from outside: a real OSCQuery client in another process discovers the show by
zeroconf, reads the tree, sets a parameter over OSC and one over HTTP, and hears the value stream;
a bad request of any kind is answered, counted, and changes nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from runtime.app import App, RunOptions
from runtime.config import ConfigError, load
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parent.parent


def make_app(display, *overrides: str) -> App:
    cfg = load(None, ['window.mode="headless"', 'show.scene="pose_space"', 'cameras.main.spec="visitors:2"',
                      'audio.backend="none"', "microphone.enabled=false", f"osc.control_port={free_port()}",
                      "remote.port=0", f'remote.name="sala-test-{os.getpid()}"', *overrides])
    app = App(cfg, RunOptions(), display=display)
    app.setup()
    return app


def run_while(app: App, process: subprocess.Popen, timeout: float = 90.0) -> str:
    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline:
        app.step(1 / 30)
        time.sleep(1 / 60)
    out, _ = process.communicate(timeout=5)
    return out


def test_an_oscquery_client_discovers_reads_sets_and_listens(display):
    app = make_app(display)
    try:
        assert app.remote is not None and app.remote.status() == "ok"
        client = subprocess.Popen([sys.executable, "-m", "tests.oscquery_client", app.cfg["remote"]["name"]],
                                  cwd=ROOT, stdout=subprocess.PIPE, text=True)
        report = json.loads(run_while(app, client).strip().splitlines()[-1])
        hold = app.scenes.get("pose_space").values["hold_seconds"]
        volume = app.volume
    finally:
        app.shutdown()
    print(report)
    assert report["discovered"], "the show was not found by zeroconf (_oscjson._tcp)"
    assert report["host_info"]["osc_port"] == app.engines.control.port
    assert report["hold_seconds_before"] == [0.8] and "held" in report["description"]
    assert {"pose_space", "signing", "sonification", "testcard"} <= set(report["scenes"])
    assert report["streamed"] == [["/sala/scenes/pose_space/hold_seconds", [2.5]]]  # the LISTEN stream
    assert report["hold_seconds_after"] == 2.5 and hold == 2.5  # set over OSC: the show follows
    assert report["http_set"] == 200 and report["volume_after"] == 0.25 and volume == 0.25


def request(url: str, method: str = "GET", body: bytes | None = None, headers: dict | None = None) -> int:
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_state_and_tracks_are_published_and_bad_requests_change_nothing(display):
    app = make_app(display)
    try:
        for _ in range(90):
            app.step(1 / 30)
        base = f"http://127.0.0.1:{app.remote.port}"
        with urllib.request.urlopen(base + "/sala/state/people?VALUE", timeout=5) as r:
            assert json.loads(r.read())["VALUE"] == [2]  # two virtual visitors
        with urllib.request.urlopen(base + "/sala/state/tracks", timeout=5) as r:
            assert len(json.loads(r.read())["CONTENTS"]) == 2  # a posture node per track
        before = dict(app.scenes.get("pose_space").values)
        assert request(base + "/no/such/node") == 404
        assert request(base + "/sala/volume", "PUT", b"{not json") == 400
        assert request(base + "/sala/volume", "PUT", b'{"VALUE": [7]}') == 400  # outside 0..1
        assert request(base + "/sala/scenes/pose_space/camera", "PUT", b'{"VALUE": ["x"]}') == 400  # not a choice
        assert request(base + "/sala/state/people", "PUT", b'{"VALUE": [9]}') == 400  # read-only
        assert request(base + "/sala/volume", "PUT", b"x" * 200_000) == 413
        for _ in range(10):
            app.step(1 / 30)
        assert app.scenes.get("pose_space").values == before and app.volume == 0.8
        counters = app.remote.counters
        assert counters["not_found"] >= 1 and counters["bad_request"] >= 4 and counters["too_large"] == 1
    finally:
        app.shutdown()


def test_a_token_is_asked_for_when_the_port_is_opened(display):
    with pytest.raises(ConfigError, match="token"):
        load(None, ['remote.host="0.0.0.0"'])
    app = make_app(display, 'remote.token="s3cret"')
    try:
        app.step(1 / 30)
        base = f"http://127.0.0.1:{app.remote.port}"
        assert request(base + "/sala/volume") == 401
        assert request(base + "/sala/volume?token=wrong") == 401
        assert request(base + "/sala/volume", headers={"Authorization": "Bearer s3cret"}) == 200
        assert request(base + "/operator?token=s3cret") == 200
        assert app.remote.counters["unauthorized"] == 2
    finally:
        app.shutdown()
