"""Benchmarks of image sonification: the model path per frame and the scene's frame time."""

from __future__ import annotations

import numpy as np

from tools.bench.runner import figure, timed


def _camera_frames(n: int = 8) -> list[np.ndarray]:
    """1280x720 frames with a bright patch in different places (a new picture every frame)."""
    frames = []
    for i in range(n):
        image = np.full((720, 1280, 3), 10, dtype=np.uint8)
        x = 100 + i * 130
        image[300:400, x:x + 160] = 240
        frames.append(image)
    return frames


def bench_model_path() -> list[dict]:
    from models.sonification.datasets import render_images
    from models.sonification.image_input import camera_to_input
    from models.sonification.runtime_model import SonificationModel

    model = SonificationModel()
    images = render_images(np.linspace(0, 1, 16), np.linspace(1, 0, 16))
    state = {"i": 0}

    def sonify() -> None:
        state["i"] += 1
        model.sonify(images[state["i"] % 16])

    cameras = _camera_frames()

    def preprocess() -> None:
        state["i"] += 1
        camera_to_input(cameras[state["i"] % len(cameras)])

    return [
        figure("sonification_model_path", "32x32 image -> image latent, sound latent, synth parameters "
               "(encode, map, head) in one onnxruntime call, 1 thread", timed(sonify, 500)),
        figure("sonification_camera_to_input", "1280x720 RGB camera frame -> 32x32 model input (grayscale, "
               "area average, normalise)", timed(preprocess, 200)),
    ]


def bench_scene() -> list[dict]:
    from runtime.frames import CameraFrame, Inputs, Outputs
    from runtime.scene import registry
    from tools.bench.gl import headless_gl

    SonificationScene = registry()["sonification"]

    out = []
    cameras = _camera_frames()
    gl = headless_gl((1280, 720))
    scene = SonificationScene({"source": "camera"})
    scene.setup(gl.gfx)
    scene.enter()
    state = {"i": 0}

    def update() -> None:
        state["i"] += 1
        i = state["i"]
        frame = CameraFrame(cameras[i % len(cameras)], i / 60, i, "bench")
        scene.update(Inputs(t=i / 60, dt=1 / 60, frames={"main": frame}), Outputs())

    def frame() -> None:
        update()
        gl.draw(scene)

    out.append(figure("sonification_scene_update", "scene update per fixed step: camera region to model input, "
                      "model path, smoothing, spectrogram column, sound and OSC output", timed(update, 200)))
    out.append(figure("sonification_scene_frame_1280x720", "update + draw + ctx.finish at 1280x720 with a new "
                      "1280x720 camera frame each frame (llvmpipe)", timed(frame, 120)))
    gl.release()
    return out


BENCHES = {"sonification_model": bench_model_path, "sonification_scene": bench_scene}
