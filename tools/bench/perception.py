"""Perception benchmarks: `python -m runtime bench --only pose`.

- pose_inference: time to perceive one 1280x720 frame with 1, 2 and 4 people who sway a little
  (steady state: each followed by the shared landmark network, a person-detector pass every few
  frames while there is room), on one thread and with the per-person passes on two threads.
  Goals: 1 person at 30 fps (33 ms), 4 people at 15 fps (67 ms).
- pose_latency: capture-to-result latency through the worker thread fed at 30 fps (newest frame
  wins), with the share of frames dropped.
- pose_multi_person: people found on side-by-side composites of the real photos: MediaPipe's own
  detector on the whole frame, on strips, and the person detector (the default; a rate, reported as
  median = p95). `python -m runtime eval people` measures the same on real photos of groups.
- pose_crossing: of two people crossing paths (each ordered pair of the photos), how many keep
  both ids.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator

import numpy as np

from runtime.clock import now
from runtime.frames import CameraFrame
from runtime.perception import samples
from runtime.perception.tracker import PoseTracker
from tools.bench.runner import figure

SIZE = (1280, 720)
GROUPS = {1: ("camera",), 2: ("camera", "astronaut"), 4: ("camera", "astronaut", "grace_hopper", "astronaut")}


def room(names: tuple[str, ...], frames: int, size: tuple[int, int] = SIZE) -> Iterator[np.ndarray]:
    """People standing side by side across the frame, each swaying sideways a little."""
    w, h = size
    height = int(0.9 * h)
    cut = [samples.cutout(n, height) for n in names]
    total = sum(rgb.shape[1] for rgb, _ in cut)
    if total > 0.95 * w:  # shrink everyone until they fit side by side
        height = int(height * 0.95 * w / total)
        cut = [samples.cutout(n, height) for n in names]
    slot = w / len(names)
    for k in range(frames):
        canvas = np.full((h, w, 3), 96, np.uint8)
        for i, (rgb, alpha) in enumerate(cut):
            sway = 0.15 * slot * np.sin(2 * np.pi * (k / 60 + i / 4))
            x = int(slot * (i + 0.5) + sway - rgb.shape[1] / 2)
            samples.paste(canvas, rgb, alpha, x, h - rgb.shape[0])
        yield canvas


def bench_inference() -> list[dict]:
    out = []
    for threads in (1, 2):
        for n, names in GROUPS.items():
            tracker = PoseTracker({"threads": threads, "spare_landmarkers": 0})
            times, cpu, counts = [], [], []
            for k, image in enumerate(room(names, 70)):
                c0 = time.process_time()
                r = tracker.process(CameraFrame(image, k / 30, k, "bench"))
                if k >= 10:  # past discovery and MediaPipe's warm-up
                    times.append(r.inference_ms)
                    cpu.append(1000 * (time.process_time() - c0))
                    counts.append(len(r.people))
            tracker.stop()
            what = (f"perceive one 1280x720 frame with {n} people ({threads} thread(s) for crops; people "
                    f"tracked: median {np.median(counts):.0f})")
            out.append(figure(f"pose_inference.{n}p.{threads}t", f"wall time to {what}", times))
            # CPU time (all threads) is the work itself, whatever else the machine is doing.
            out.append(figure(f"pose_inference_cpu.{n}p.{threads}t", f"CPU time to {what}", cpu))
    return out


def bench_latency() -> list[dict]:
    out = []
    for n in (1, 4):
        frames = list(room(GROUPS[n], 90))
        tracker = PoseTracker({"threads": 2, "spare_landmarkers": 0})
        tracker.process(CameraFrame(frames[0], now(), 0, "bench"), still=True)  # find them first
        tracker.start()
        latencies, seen = [], set()
        t_next = time.perf_counter()
        for k, image in enumerate(frames[1:], start=1):
            t_next += 1 / 30
            time.sleep(max(0.0, t_next - time.perf_counter()))
            tracker.submit(CameraFrame(image, now(), k, "bench"))
            r = tracker.latest()
            if r.frame_index not in seen and r.frame_index > 0:
                seen.add(r.frame_index)
                latencies.append(1000 * (r.t_done - r.t_capture))
        tracker.wait_idle(5)
        stats = tracker.stats()
        tracker.stop()
        fig = figure(f"pose_latency.{n}p", f"capture to result through the worker at 30 fps input, {n} people "
                      f"(dropped {stats['frames_dropped']} of {stats['frames_submitted']} frames)", latencies)
        out.append(fig)
    return out


def detection_rates() -> dict[str, tuple[int, int]]:
    """People found / present on every ordered composite of 2 and 3 distinct photos and two of 4."""
    sets = [*itertools.permutations(samples.PHOTOS, 2), *itertools.permutations(samples.PHOTOS, 3),
            ("astronaut",) * 4, ("grace_hopper", "astronaut", "camera", "astronaut")]
    totals = {}
    old = {"discovery": "strips", "crop_mode": "video"}  # MediaPipe's own detector, a landmarker per person
    for label, cfg in (("whole_frame", {**old, "strips": [1]}), ("strips", {**old, "strips": [1, 2, 3, 4]}),
                       ("detector", {})):
        found = present = 0
        for names in sets:
            comp = samples.side_by_side(names)
            tracker = PoseTracker({**cfg, "spare_landmarkers": 0})
            people = tracker.process(CameraFrame(comp.image, 0.0, 0, "bench"), still=True).people
            tracker.stop()
            found += samples.slots_found(comp.spans, [float(p.landmarks[:11, 0].mean()) for p in people])
            present += len(names)
        totals[label] = (found, present)
    return totals


def bench_multi_person() -> list[dict]:
    out = []
    for label, (found, present) in detection_rates().items():
        rate = found / present
        out.append({"name": f"pose_multi_person.{label}", "unit": "fraction of people found",
                    "what": f"side-by-side photo composites of 2-4 people: {found} of {present} found",
                    "runs": present, "median": round(rate, 4), "p95": round(rate, 4)})
    return out


def crossing_kept(names: tuple[str, str]) -> bool:
    """Both people keep their ids from before to after crossing paths."""
    tracker = PoseTracker({"spare_landmarkers": 1})
    frames = list(samples.crossing(names, frames=60))

    def owners(people, centres):
        ids = []
        for c in centres:
            near = [p.id for p in people if abs(float(p.landmarks[:11, 0].mean()) - c) < 0.1
                    and p.features["missing"] == 0]
            ids.append(near[0] if len(near) == 1 else None)
        return ids

    before = after = None
    for k, (image, centres) in enumerate(frames):
        r = tracker.process(CameraFrame(image, k / 30, k, "bench"))
        if k == 10:
            before = owners(r.people, centres)
    after = owners(r.people, centres)
    tracker.stop()
    return before is not None and None not in before and before == after and before[0] != before[1]


def bench_crossing() -> list[dict]:
    pairs = list(itertools.permutations(samples.PHOTOS, 2))
    kept = [crossing_kept(p) for p in pairs]
    names = ", ".join(f"{a}/{b}" for (a, b), ok in zip(pairs, kept, strict=True) if ok)
    rate = sum(kept) / len(kept)
    return [{"name": "pose_crossing.ids_kept", "unit": "fraction of crossings",
             "what": f"two photo people cross paths (front/behind); both ids kept in {sum(kept)} of {len(kept)}: "
                     f"{names or 'none'}", "runs": len(kept), "median": round(rate, 4), "p95": round(rate, 4)}]


def bench_pose_loop() -> list[dict]:
    """The whole show with real perception: a 30 fps video of 1 or 4 people, the pose_space scene at
    1280x720, OSC to a loopback receiver. Frame rate of the loop, and capture to OSC: from the capture
    of a frame to the datagram carrying its people leaving, against the pure inference time."""
    import os
    import socket
    import tempfile
    from pathlib import Path

    import cv2

    from runtime.app import App, RunOptions
    from runtime.config import load

    os.environ["SDL_VIDEODRIVER"] = "offscreen"
    out = []
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink.bind(("127.0.0.1", 0))
    for n in (1, 4):
        with tempfile.TemporaryDirectory() as tmp:
            video = Path(tmp) / "room.avi"
            writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 30.0, SIZE)
            for image in room(GROUPS[n], 90):
                writer.write(image[:, :, ::-1])
            writer.release()
            cfg = load(None, ['window.mode="headless"', "window.size=[1280, 720]", f'cameras.main.spec="video:{video}"',
                              'show.scene="pose_space"', "show.max_fps=0", "osc.control_port=0",
                              f'osc.targets=[{{name="bench", port={sink.getsockname()[1]}, max_rate=1000.0}}]'])
            app = App(cfg, RunOptions(seconds=12.0))
            latencies: list[float] = []
            sent_for = {"t": 0.0}

            def started(app: App = app, latencies: list[float] = latencies, sent_for: dict = sent_for) -> None:
                osc = app.engines.osc_out
                send = osc.send_frame

                def send_frame(frame: int, t: float, messages: list) -> None:
                    send(frame, t, messages)
                    people_t = app.engines.people_t
                    if people_t and people_t != sent_for["t"] and app.stats.frames > 60:  # after warm-up
                        sent_for["t"] = people_t
                        latencies.append((now() - people_t) * 1000.0)

                osc.send_frame = send_frame

            setup = app.setup

            def setup_and_tap(setup=setup, started=started) -> None:
                setup()
                started()

            app.setup = setup_and_tap
            app.run()
            stats = app.engines.perception.stats() if app.engines.perception else {}
            frames = list(app.stats.figures["frame_ms"].values)[60:]
        out.append(figure(f"pose_loop_frame.{n}p", f"whole loop frame time (perception on its thread, pose_space "
                          f"scene, OSC out) at 1280x720 with {n} people from a 30 fps video", frames))
        out.append(figure(f"pose_capture_to_osc.{n}p", f"capture of a frame to the OSC datagram with its {n} "
                          f"people leaving (pure inference median {stats.get('inference_ms_median', 0):.1f} ms, "
                          f"p95 {stats.get('inference_ms_p95', 0):.1f} ms)", latencies))
    sink.close()
    return out


BENCHES = {
    "pose_loop": bench_pose_loop,
    "pose_inference": bench_inference,
    "pose_latency": bench_latency,
    "pose_multi_person": bench_multi_person,
    "pose_crossing": bench_crossing,
}
