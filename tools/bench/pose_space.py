"""Benchmarks of the pose space: whole-scene frame time at 1280x720 with 1 and 4 virtual visitors
(update + draw, with a new stick-figure camera frame each frame), its update alone, and the posture
classifier's time per person."""

from __future__ import annotations

import itertools

import numpy as np

from tools.bench.runner import figure, timed


def _scene_frame(n_people: int, runs: int = 60) -> list[dict]:
    from runtime.devices.virtual_visitors import VirtualVisitors
    from runtime.frames import CameraFrame, Inputs, Outputs
    from runtime.scene import registry
    from tools.bench.gl import headless_gl

    PoseSpaceScene = registry()["pose_space"]

    gl = headless_gl((1280, 720))
    scene = PoseSpaceScene({"camera": "dimmed"})
    scene.setup(gl.gfx)
    visitors = VirtualVisitors(n_people, seed=1)
    ticks = itertools.count()
    # Visitors and their camera frames are made ahead: they stand in for perception, not the scene.
    inputs = []
    for i in range(runs + 40):
        t = i / 30
        people = visitors.step(t)
        frame = CameraFrame(visitors.frame((640, 360)), t, i, f"visitors:{n_people}")
        inputs.append(Inputs(t=t, dt=1 / 30, frames={"main": frame}, people=people))
    update_times: list[float] = []

    def frame() -> None:
        import time

        i = next(ticks) % len(inputs)
        start = time.perf_counter()
        scene.update(inputs[i], Outputs())
        update_times.append(1000 * (time.perf_counter() - start))
        gl.gfx.time = inputs[i].t
        gl.draw(scene)

    for i in range(30):  # warm up: postures held, particles flowing
        scene.update(inputs[i], Outputs())
    samples = timed(frame, runs)
    gl.release()
    return [
        figure(f"pose_space_frame_{n_people}p_1280x720", f"pose space update + draw at 1280x720 with {n_people} "
               "virtual visitor(s) and a new 640x360 camera frame each frame (llvmpipe, ctx.finish)", samples),
        figure(f"pose_space_update_{n_people}p", f"pose space update alone (classify, assess, gallery, sound, "
               f"particles) with {n_people} people", update_times[-runs:]),
    ]


def bench_scene() -> list[dict]:
    return _scene_frame(1) + _scene_frame(4)


def bench_classifier() -> list[dict]:
    from body import body_model as bm
    from body.assessment import assess, measured_angles
    from body.postures import load_postures
    from models.postures.classifier import PostureClassifier

    clf = PostureClassifier()
    rng = np.random.default_rng(0)
    postures = list(load_postures().values())
    lms = np.stack([bm.sample_landmarks(bm.vary(postures[i % len(postures)], rng), rng) for i in range(16)])
    one = lms[:1]
    four = lms[:4]
    out = [
        figure("posture_classify_1p", "features + ONNX posture classifier for 1 person (1 thread)",
               timed(lambda: clf.probabilities(one), 200)),
        figure("posture_classify_4p", "features + ONNX posture classifier for 4 people in one batch",
               timed(lambda: clf.probabilities(four), 200)),
        figure("posture_assess_1p", "3D joint angles + score + feedback for 1 person",
               timed(lambda: assess(postures[0], measured_angles(one[0])), 200)),
    ]
    return out


BENCHES = {"pose_space_scene": bench_scene, "posture_classifier": bench_classifier}
