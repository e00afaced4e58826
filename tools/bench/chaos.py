"""`python -m runtime bench --only chaos`: the supervised show under random faults.

The show runs as in a venue (the supervisor's child, headless, a playlist of every scene, a video
file as its camera, sound on a JACK dummy server, an OSC target, show control open). Every
SALA_CHAOS_EVERY seconds (default 120) one fault, drawn at random: the camera file removed for a
while, jackd killed and started again, the OSC target's receiver gone, OSCQuery and operator-page
websocket clients coming and going while they spam parameters, a burst of control messages. After
each fault the show must say, through show control, that every device is back within 30 s.

SALA_CHAOS_SECONDS sets the length (default 7200: two hours). Figures: frames and frame time p99
(from the heartbeat), RSS first -> last, restarts, faults injected and recovered.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import socket
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from runtime.osc.codec import encode_message
from sound.jack_dummy import JackDummy
from tools.bench.kiosk import rss_mb, start_supervised
from tools.bench.osc_sink import Sink


def free_port(kind: int = socket.SOCK_DGRAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_video(path: Path, seconds: float = 4.0) -> None:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 30.0, (640, 360))
    for i in range(int(30 * seconds)):
        img = np.full((360, 640, 3), 30, np.uint8)
        cv2.circle(img, (int(320 + 200 * np.sin(i / 15)), 180), 40, (200, 220, 255), -1)
        writer.write(img)
    writer.release()


def chaos_config(folder: Path, video: Path, osc_port: int, control_port: int, remote_port: int, jack: str) -> Path:
    lines = [
        "[show]", 'scene = "pose_space"', "max_fps = 30.0",
        "[[show.playlist]]", 'scene = "pose_space"', "seconds = 40",
        "[[show.playlist]]", 'scene = "signing"', "seconds = 25",
        "[[show.playlist]]", 'scene = "sonification"', "seconds = 25",
        "[[show.playlist]]", 'scene = "testcard"', "seconds = 10",
        "[window]", 'mode = "headless"', "size = [640, 360]",
        "[cameras.main]", f'spec = "video:{video}"', "stall_seconds = 1.0", "retry_min = 0.5", "retry_max = 2.0",
        "[audio]", 'backend = "jack"', f'jack_name = "{jack}"', "jack_connect = false",
        "[microphone]", "enabled = false",
        "[osc]", f"control_port = {control_port}",
        "[[osc.targets]]", 'name = "chaos"', 'host = "127.0.0.1"', f"port = {osc_port}",
        "[remote]", f"port = {remote_port}", "zeroconf = false",
        "[supervisor]", "hang_seconds = 15.0", "start_seconds = 120.0", "backoff_min = 1.0",
        f'log_file = "{folder / "chaos.log"}"',
        "[health]", 'status_file = ""',
    ]
    path = folder / "chaos.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def devices(remote_port: int) -> dict[str, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{remote_port}/sala/state/devices", timeout=3) as r:
            tree = json.loads(r.read())
        return {k: v["VALUE"][0] for k, v in tree.get("CONTENTS", {}).items()}
    except (OSError, ValueError, KeyError):
        return {}


async def clients_spam(remote_port: int, control_port: int, seconds: float, rng: random.Random) -> int:
    """OSCQuery and operator websocket clients come and go, sending parameters as fast as they may."""
    import aiohttp

    sent = 0
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    deadline = time.monotonic() + seconds
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            async with session.ws_connect(f"http://127.0.0.1:{remote_port}/") as oscq, \
                    session.ws_connect(f"http://127.0.0.1:{remote_port}/operator/ws") as operator:
                await oscq.send_str(json.dumps({"COMMAND": "LISTEN", "DATA": "/sala/volume"}))
                for _ in range(100):
                    await operator.send_str(json.dumps({"set": "/sala/scenes/pose_space/camera_brightness",
                                                        "value": rng.random()}))
                    udp.sendto(encode_message("/sala/param", ("pose_space", "root_hz", 110.0 + 50 * rng.random())),
                               ("127.0.0.1", control_port))
                    sent += 2
                    await asyncio.sleep(0.01)
    udp.close()
    return sent


def chaos() -> list[dict[str, Any]]:
    seconds = float(os.environ.get("SALA_CHAOS_SECONDS", "7200"))
    every = float(os.environ.get("SALA_CHAOS_EVERY", "120"))
    rng = random.Random(int(os.environ.get("SALA_CHAOS_SEED", "1")))
    warmup = min(120.0, seconds / 4)
    with tempfile.TemporaryDirectory(prefix="sala-chaos-") as tmp, JackDummy() as jack:
        folder = Path(tmp)
        video, backup = folder / "camera.mp4", folder / "camera-backup.mp4"
        make_video(video)
        shutil.copy(video, backup)
        control_port, remote_port = free_port(), free_port(socket.SOCK_STREAM)
        sink = Sink()
        path = chaos_config(folder, video, sink.port, control_port, remote_port, jack.name)
        sup, beats, thread = start_supervised(path, {"SDL_VIDEODRIVER": "offscreen", **jack.env()}, timeout=180)
        t_start = time.monotonic()
        time.sleep(warmup)
        pid = sup.child.process.pid if sup.child else 0
        rss_start = rss_mb(pid)
        n_warm = len(beats)
        faults: dict[str, list[int]] = {}  # kind -> [injected, recovered]
        next_fault = time.monotonic() + rng.uniform(0.5, 1.0) * every
        while time.monotonic() - t_start < seconds:
            if time.monotonic() < next_fault:
                time.sleep(1.0)
                continue
            kind = rng.choice(["camera removed", "jack killed", "osc target down", "clients and spam"])
            counts = faults.setdefault(kind, [0, 0])
            counts[0] += 1
            if kind == "camera removed":
                video.unlink()
                time.sleep(rng.uniform(3, 10))
                shutil.copy(backup, video)
            elif kind == "jack killed":
                jack.kill()
                time.sleep(rng.uniform(3, 10))
                jack.start()
            elif kind == "osc target down":
                sink.down()
                time.sleep(rng.uniform(5, 15))
                sink.up()
            else:
                asyncio.run(clients_spam(remote_port, control_port, rng.uniform(5, 15), rng))
            recover_by = time.monotonic() + 30
            while time.monotonic() < recover_by:
                state = devices(remote_port)
                if state and state.get("camera") == "ok" and state.get("audio", "").startswith("ok"):
                    counts[1] += 1
                    break
                time.sleep(0.5)
            next_fault = time.monotonic() + rng.uniform(0.5, 1.5) * every
        pid_end = sup.child.process.pid if sup.child else 0
        rss_end = rss_mb(pid_end)
        elapsed = time.monotonic() - t_start
        sup.stop()
        thread.join(30)
        sink.close()
    measured = [b["frame_ms"] for b in beats[n_warm:] if b.get("frame_ms") == b.get("frame_ms")]
    frame_ms = np.asarray(measured)
    if frame_ms.size < 10:
        raise RuntimeError(f"too few frames in the chaos soak ({frame_ms.size})")
    injected = sum(v[0] for v in faults.values())
    recovered = sum(v[1] for v in faults.values())
    what = f"the supervised show for {elapsed:.0f} s with a random fault every ~{every:.0f} s"
    return [
        {"name": "chaos frame time", "what": what, "unit": "ms", "runs": int(frame_ms.size),
         "median": round(float(np.median(frame_ms)), 3), "p95": round(float(np.percentile(frame_ms, 95)), 3),
         "p99": round(float(np.percentile(frame_ms, 99)), 3)},
        {"name": "chaos memory", "what": "RSS of the show after the warm-up and at the end", "unit": "MB", "runs": 2,
         "median": round(rss_end, 1), "p95": round(rss_end, 1), "start": round(rss_start, 1),
         "end": round(rss_end, 1), "growth_pct": round(100 * (rss_end - rss_start) / rss_start, 2) if rss_start
         else None, "same_process": pid == pid_end},
        {"name": "chaos restarts", "what": "restarts of the show by the supervisor", "unit": "count", "runs": 1,
         "median": sup.restarts, "p95": sup.restarts, "reasons": sup.last_reason},
        {"name": "chaos faults", "what": "faults injected, and recovered within 30 s (every device ok again)",
         "unit": "count", "runs": injected, "median": recovered, "p95": recovered, "injected": injected,
         "recovered": recovered, "by_kind": faults, "osc_packets_received": sink.packets},
    ]


BENCHES = {"chaos": chaos}
