"""`python -m runtime bench --only soak`: the whole show, supervised, for a while.

The show runs as it does in a venue: as the supervisor's child process, headless, cycling through
every registered scene with the attract loop's virtual visitors in the room and the avatar greeting
them (or, with SALA_SOAK_INPUT=replay:DIR or visitors:N, the show's playlist with those people).
Every frame's time comes from the heartbeat; the child's memory (RSS) is read from /proc after a
warm-up (one round of the scenes) and at the end; restarts are counted by the supervisor.

SALA_SOAK_SECONDS sets the length (default 60 s; the installation's goal figure is for an hour:
no memory growth beyond 5 %, no restart, a stable p99 frame time). SALA_SOAK_SIZE sets the
framebuffer (default 640x360).
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from runtime.config import load
from runtime.installation.supervisor import Supervisor
from runtime.scene import registry

GREETING = "hamflathand,hamthumboutmod,hamextfingeru,hampalmd,hamhead,hamlrbeside,hamswinging,hamrepeatfromstart"


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB (Linux /proc)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return float("nan")


def start_supervised(path: Path, env: dict[str, str], timeout: float) -> tuple[Supervisor, list[dict[str, Any]],
                                                                         threading.Thread]:
    """The show of config `path` as the supervisor's child, its heartbeats collected; raises if it
    is not running within `timeout` seconds."""
    environ = {**os.environ, **env}
    environ.pop("SALA_FAULT", None)
    sup = Supervisor(load(path), path, [], environ=environ)
    beats: list[dict[str, Any]] = []
    sup.on_beat = beats.append
    thread = threading.Thread(target=sup.run, daemon=True, name="supervisor")
    thread.start()
    deadline = time.monotonic() + timeout
    while sup.state != "running" and time.monotonic() < deadline:
        time.sleep(0.1)
    if sup.state != "running":
        sup.stop()
        thread.join(20)
        raise RuntimeError(f"the show did not start: {sup.last_reason or sup.state}")
    return sup, beats, thread


def soak_config(folder: Path, seconds: float, size: str, source: str) -> Path:
    scenes = sorted(registry())
    step = max(3.0, seconds / (3 * len(scenes)))  # one round of the scenes warms up, two are measured
    w, _, h = size.partition("x")
    lines = [
        "[show]", f'scene = "{scenes[0]}"', "max_fps = 60.0", "crossfade = 1.0",
        "[window]", 'mode = "headless"', f"size = [{int(w)}, {int(h)}]",
        "[cameras.main]", f'spec = "{source}"',
        "[perception]", "enabled = false",  # the people are the virtual visitors (or the recording's)
        "[recording]", 'replay_end = "loop"',
        "[attract]", "enabled = true", "idle_seconds = 0.0", "visitors = 3", f'greeting = "{GREETING}"',
        "sign_every = 5.0",
        "[supervisor]", "hang_seconds = 10.0", "start_seconds = 90.0", "backoff_min = 1.0", 'log_file = ""',
        "[health]", 'status_file = ""',
    ]
    for name in scenes:  # the attract loop with nobody in the room (virtual visitors, the greeting) ...
        lines += ["[[attract.playlist]]", f'scene = "{name}"', f"seconds = {step}", "visitors = true",
                  f"sign = {'true' if name == 'signing' else 'false'}"]
    for name in scenes:  # ... or, with people in a replay or from visitors:N, the show's own playlist
        lines += ["[[show.playlist]]", f'scene = "{name}"', f"seconds = {step}"]
    path = folder / "soak.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def soak() -> list[dict[str, Any]]:
    seconds = float(os.environ.get("SALA_SOAK_SECONDS", "60"))
    size = os.environ.get("SALA_SOAK_SIZE", "640x360")
    source = os.environ.get("SALA_SOAK_INPUT", "images:builtin")
    warmup = seconds / 3  # one round of every scene: each is set up (models loaded) once
    with tempfile.TemporaryDirectory(prefix="sala-soak-") as tmp:
        path = soak_config(Path(tmp), seconds, size, source)
        sup, beats, thread = start_supervised(path, {"SDL_VIDEODRIVER": "offscreen"}, timeout=120)
        t_start = time.monotonic()
        time.sleep(warmup)
        pid = sup.child.process.pid if sup.child else 0
        rss_start = rss_mb(pid)
        n_warm = len(beats)
        time.sleep(max(0.0, seconds - warmup))
        pid_end = sup.child.process.pid if sup.child else 0
        rss_end = rss_mb(pid_end)
        elapsed = time.monotonic() - t_start
        scenes_seen = sorted({b.get("scene", "") for b in beats} - {""})
        sup.stop()
        thread.join(30)
    measured = [b for b in beats[n_warm:] if b.get("frame_ms") == b.get("frame_ms")]  # NaN-free
    frame_ms = np.array([b["frame_ms"] for b in measured])
    by_scene = {}
    for name in scenes_seen:
        ms = [b["frame_ms"] for b in measured if b.get("scene") == name]
        if ms:
            by_scene[name] = {f"p{q}": round(float(np.percentile(ms, q)), 2) for q in (50, 99)}
    if frame_ms.size < 10:
        raise RuntimeError(f"too few frames in the soak ({frame_ms.size})")
    half = frame_ms.size // 2
    p = {q: round(float(np.percentile(frame_ms, q)), 3) for q in (50, 95, 99)}
    what = (f"frame time of the supervised show over {elapsed:.0f} s at {size} ({source}, scenes "
            f"{', '.join(scenes_seen)}), after a {warmup:.0f} s warm-up")
    return [
        {"name": "soak frame time", "what": what, "unit": "ms", "runs": int(frame_ms.size), "median": p[50],
         "p95": p[95], "p99": p[99], "p99_first_half": round(float(np.percentile(frame_ms[:half], 99)), 3),
         "p99_second_half": round(float(np.percentile(frame_ms[half:], 99)), 3),
         "fps": round(float(frame_ms.size / max(1e-9, elapsed - warmup)), 1), "by_scene": by_scene},
        {"name": "soak memory", "what": "resident memory (RSS) of the show process after the warm-up and at "
                                        "the end", "unit": "MB", "runs": 2, "median": round(rss_end, 1),
         "p95": round(rss_end, 1), "start": round(rss_start, 1), "end": round(rss_end, 1),
         "growth_pct": round(100.0 * (rss_end - rss_start) / rss_start, 2) if rss_start else None,
         "same_process": pid == pid_end},
        {"name": "soak restarts", "what": "restarts of the show by the supervisor during the soak", "unit": "count",
         "runs": 1, "median": sup.restarts, "p95": sup.restarts, "reasons": sup.last_reason},
    ]


BENCHES = {"soak": soak}
