"""The whole show as users run it: the real loop (scene manager, engines, OSC out, no sound card)
headless at 1280x720 for each scene, and the pose space with 1, 4 and 8 virtual visitors.

Figures per case `show.<scene>.<N>p`: frames/s, frame time (median, p95, p99), fixed updates per
frame and each stage's share of the frame (input, perception, update, draw, outputs).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

SIZE = (1280, 720)
WARMUP_FRAMES = 60
FRAMES = 300
STAGES = {"input": "input_ms", "perception": "perception_ms", "update": "scene_update_ms",
          "draw": "render_ms", "outputs": "outputs_ms"}
CASES = (("testcard", "images:builtin", 0), ("pose_space", "visitors:1", 1), ("pose_space", "visitors:4", 4),
         ("pose_space", "visitors:8", 8), ("signing", "images:builtin", 0), ("sonification", "images:builtin", 0))


def show_config(scene: str, spec: str, osc_port: int, extra: tuple[str, ...] = ()) -> dict[str, Any]:
    """The show as configured by default, headless and uncapped, its OSC going to `osc_port`."""
    from runtime.config import load

    w, h = SIZE
    return load(None, ['window.mode="headless"', f"window.size=[{w}, {h}]", f'show.scene="{scene}"',
                       "show.playlist=[]", "show.max_fps=0", f'cameras.main.spec="{spec}"', 'audio.backend="none"',
                       "microphone.enabled=false", "attract.enabled=false",
                       f'osc.targets=[{{name="bench", host="127.0.0.1", port={osc_port}, streams=["pose", "events", '
                       '"mic", "sonification", "scene"]}]', *extra])


def run_show(cfg: dict[str, Any], frames: int = FRAMES, warmup: int = WARMUP_FRAMES) -> dict[str, list[float]]:
    """Run the loop like `run` does (elapsed = wall time between frames) and return per-frame samples."""
    from runtime.app import App
    from runtime.clock import now

    os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")
    app = App(cfg)
    app.setup()
    samples: dict[str, list[float]] = {"frame_ms": [], **{key: [] for key in STAGES.values()}, "updates": []}
    try:
        last = now()
        for i in range(warmup + frames):
            t = now()
            elapsed, last = t - last, t
            app.step(elapsed)
            app.display.flip()
            frame_ms = (now() - t) * 1000
            if i >= warmup:
                samples["frame_ms"].append(frame_ms)
                for key in [*STAGES.values(), "updates"]:
                    samples[key].append(app.stats.figures[key].last())
    finally:
        app.shutdown()
    return samples


def figures(name: str, what: str, samples: dict[str, list[float]]) -> list[dict]:
    from tools.bench.runner import figure

    frame = np.asarray(samples["frame_ms"])
    total = float(frame.sum())
    out = [figure(f"{name}.fps", f"frames per second, {what}", [1000.0 * len(frame) / total], unit="fps"),
           figure(f"{name}.frame_ms", f"frame time, {what}", frame)]
    out[-1]["p99"] = round(float(np.percentile(frame, 99)), 4)
    out.append(figure(f"{name}.updates_per_frame", f"fixed updates per frame, {what}", samples["updates"],
                      unit="updates"))
    for stage, key in STAGES.items():
        share = 100.0 * float(np.sum(samples[key])) / total
        out.append(figure(f"{name}.share.{stage}", f"share of the frame time spent in {stage}, {what}", [share],
                          unit="%"))
    return out


def bench_show() -> list[dict]:
    out = []
    from tools.bench.osc_sink import Sink

    sink = Sink()
    try:
        for scene, spec, n in CASES:
            what = f"{scene} with {spec}, headless {SIZE[0]}x{SIZE[1]}, uncapped, {FRAMES} frames after {WARMUP_FRAMES}"
            out += figures(f"show.{scene}.{n}p", what, run_show(show_config(scene, spec, sink.port)))
    finally:
        sink.close()
    return out


BENCHES = {"show": bench_show}
