"""Benchmarks of the foundation: test card render time per resolution, camera frame to texture,
input age (capture to draw) for a video source."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np

from tools.bench.gl import headless_gl
from tools.bench.runner import figure, timed


def bench_testcard() -> list[dict]:
    from runtime.frames import CameraFrame, Inputs, Outputs
    from runtime.scene import registry

    TestcardScene = registry()["testcard"]

    out = []
    camera = np.random.default_rng(0).integers(0, 255, (720, 1280, 3), dtype=np.uint8)
    for w, h in ((640, 360), (1280, 720), (1920, 1080)):
        gl = headless_gl((w, h))
        scene = TestcardScene()
        scene.setup(gl.gfx)
        frames = iter(range(1, 10**9))

        def frame(scene=scene, gl=gl, frames=frames) -> None:
            i = next(frames)  # a new camera frame every render, the worst case
            inputs = Inputs(t=i / 60, dt=1 / 60, frames={"main": CameraFrame(camera, 0.0, i, "bench")})
            scene.update(inputs, Outputs())
            gl.draw(scene)

        out.append(figure(f"testcard_frame_{w}x{h}", f"test card render time at {w}x{h} incl. a new "
                          "1280x720 camera frame uploaded each frame (llvmpipe, ctx.finish)", timed(frame, 120)))
        gl.release()
    return out


def bench_frame_to_texture() -> list[dict]:
    gl = headless_gl((64, 64))
    out = []
    for w, h in ((640, 480), (1280, 720)):
        image = np.random.default_rng(1).integers(0, 255, (h, w, 3), dtype=np.uint8)

        def upload(image=image) -> None:
            gl.gfx.texture("bench", image)
            gl.ctx.finish()

        out.append(figure(f"camera_to_texture_{w}x{h}", f"upload of one {w}x{h} RGB camera frame to a "
                          "GL texture", timed(upload, 200)))
    gl.release()
    return out


def bench_input_age() -> list[dict]:
    """Capture-to-draw age of the camera frame drawn, for a 30 fps video source, in the real loop."""
    import cv2

    from runtime.app import App, RunOptions
    from runtime.config import load

    os.environ["SDL_VIDEODRIVER"] = "offscreen"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.mp4"
        writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 30.0, (640, 360))
        for i in range(60):
            writer.write(np.full((360, 640, 3), i * 4, np.uint8))
        writer.release()
        cfg = load(None, ['window.mode="headless"', "window.size=[1280, 720]", f'cameras.main.spec="video:{path}"',
                          'show.scene="testcard"', "show.max_fps=60"])
        app = App(cfg, RunOptions(frames=300))
        app.run()
        ages = list(app.stats.figures["input_age_ms"].values)
        frames = list(app.stats.figures["frame_ms"].values)
    return [figure("input_age_video", "age of the camera frame when its draw finished (capture on the "
                   "source thread -> GL finish), video: source at 30 fps, loop capped at 60 fps, 1280x720", ages),
            figure("loop_frame_testcard_720p", "whole loop frame time (events, update, draw, flip) with "
                   "the test card and a 30 fps video source, 1280x720, capped at 60 fps", frames)]


BENCHES = {"testcard": bench_testcard, "camera_to_texture": bench_frame_to_texture, "input_age": bench_input_age}
