"""Fault: the show-control port under attack from another process for 8 s: malformed HTTP, oversized
bodies, bad JSON, unknown paths, wrong tokens, websocket floods and garbage frames. Nothing crashes,
the frame rate stays within 10 % of calm, every kind is counted, and the port still answers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from runtime.app import App, RunOptions
from runtime.config import load
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parent.parent
FPS = 30.0
SECONDS = float(os.environ.get("SALA_FUZZ_SECONDS", "8"))
ATTACKER = r"""
import asyncio, json, random, socket, sys, time
import aiohttp
port, token, seconds = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
base = f"http://127.0.0.1:{port}"
auth = {"Authorization": f"Bearer {token}"}
rng = random.Random(5)
raw = [b"GARBAGE\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n", b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\n\r\n",
       b"POST /sala/volume HTTP/1.1\r\nContent-Length: 99999999\r\n\r\nxx", bytes(range(256)),
       b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X-A: b\r\n" * 500 + b"\r\n"]
async def raw_sender(deadline):
    n = 0
    while time.monotonic() < deadline:
        try:
            r, w = await asyncio.open_connection("127.0.0.1", port)
            w.write(rng.choice(raw)); await w.drain()
            try:
                await asyncio.wait_for(r.read(200), 0.5)
            except asyncio.TimeoutError:
                pass
            w.close()
            n += 1
        except OSError:
            pass
        await asyncio.sleep(0.005)
    return n
async def http_sender(session, deadline):
    n = 0
    while time.monotonic() < deadline:
        kind = rng.randrange(5)
        try:
            if kind == 0:
                await (await session.put(base + "/sala/volume", data=b"{nope", headers=auth)).read()
            elif kind == 1:
                await (await session.put(base + "/sala/volume", data=b"x" * 300000, headers=auth)).read()
            elif kind == 2:
                await (await session.get(base + "/no/such/" + str(rng.random()), headers=auth)).read()
            elif kind == 3:
                await (await session.get(base + "/sala/volume", headers={"Authorization": "Bearer wrong"})).read()
            else:
                await (await session.put(base + "/sala/scenes/testcard/preview", json={"VALUE": ["maybe", 3]},
                                         headers=auth)).read()
            n += 1
        except aiohttp.ClientError:
            pass
    return n
async def ws_flood(session, path, deadline):
    n = 0
    try:
        async with session.ws_connect(base + path + f"?token={token}") as ws:
            while time.monotonic() < deadline:
                for _ in range(50):
                    await ws.send_str(rng.choice(['{"COMMAND": "LISTEN", "DATA": "/sala/volume"}', "{bad json",
                                                  '{"set": "/sala/volume", "value": "loud"}', '{"do": "nothing"}',
                                                  json.dumps({"COMMAND": "IGNORE", "DATA": "x" * 5000})]))
                    await ws.send_bytes(bytes(rng.randrange(256) for _ in range(30)))
                    n += 2
                await asyncio.sleep(0.01)
    except (aiohttp.ClientError, ConnectionError):
        pass
    return n
async def main():
    deadline = time.monotonic() + seconds
    async with aiohttp.ClientSession() as session:
        counts = await asyncio.gather(raw_sender(deadline), http_sender(session, deadline),
                                      ws_flood(session, "/", deadline), ws_flood(session, "/operator/ws", deadline))
    print(json.dumps(counts))
asyncio.run(main())
"""


def test_fuzzing_the_show_control_port_changes_nothing_and_costs_no_frames(display):
    cfg = load(None, ['window.mode="headless"', 'show.scene="testcard"', f"show.max_fps={FPS}",
                      'cameras.main.spec="images:builtin"', "perception.enabled=false", 'audio.backend="none"',
                      f"osc.control_port={free_port()}", "remote.port=0", "remote.zeroconf=false",
                      'remote.token="t0ken"'])
    app = App(cfg, RunOptions(), display=display)
    app.setup()

    def frames(seconds: float, until=None) -> float:
        starts, t_end = [], time.monotonic() + seconds
        while time.monotonic() < t_end and not (until and until()):
            t = time.monotonic()
            starts.append(t)
            app.step(1 / FPS)
            time.sleep(max(0.0, 1 / FPS - (time.monotonic() - t)))
        return (len(starts) - 1) / (starts[-1] - starts[0])

    try:
        calm = frames(2.0)
        attacker = subprocess.Popen([sys.executable, "-c", ATTACKER, str(app.remote.port), "t0ken", str(SECONDS)],
                                    cwd=ROOT, stdout=subprocess.PIPE, text=True)
        time.sleep(0.5)
        stormy = frames(SECONDS + 30, until=lambda: attacker.poll() is not None)
        sent = json.loads(attacker.communicate(timeout=30)[0])
        after = frames(2.0)
        request = urllib.request.Request(f"http://127.0.0.1:{app.remote.port}/sala/volume?VALUE",
                                         headers={"Authorization": "Bearer t0ken"})
        with urllib.request.urlopen(request, timeout=5) as r:
            still = json.loads(r.read())
        counters = dict(app.remote.counters)
        status = app.remote.status()
    finally:
        app.shutdown()
    fps_calm = 0.5 * (calm + after)
    print(f"sent {sent}; fps calm {fps_calm:.1f}, under attack {stormy:.1f}; {counters}")
    assert status == "ok" and still == {"VALUE": [0.8]}  # alive, and nothing was changed
    assert app.volume == 0.8 and app.scenes.get("testcard").values["preview"] is True
    assert stormy >= 0.9 * fps_calm, (fps_calm, stormy)
    assert sent[1] > 100 and sent[2] > 1000 and sent[3] > 1000
    assert counters["unauthorized"] > 0 and counters["not_found"] > 0 and counters["bad_request"] > 0
    assert counters["too_large"] > 0 and counters["ws_bad"] + counters["ws_dropped"] > 1000
