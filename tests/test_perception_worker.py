"""Inference off the render thread: submit never blocks, the newest frame wins, the rest are dropped."""

from __future__ import annotations

import threading
import time

from runtime.clock import now
from runtime.frames import CameraFrame
from runtime.perception import PoseTracker, samples
from runtime.perception.worker import NewestWins


def test_newest_wins_drops_pending_items_instead_of_queueing():
    gate = threading.Event()
    seen: list[int] = []

    def work(item: int) -> int:
        gate.wait(5)
        seen.append(item)
        return item

    w: NewestWins[int, int] = NewestWins(work)
    w.start()
    w.submit(0)
    time.sleep(0.05)  # the worker is now busy with 0
    t0 = time.perf_counter()
    for i in range(1, 11):
        w.submit(i)
    assert time.perf_counter() - t0 < 0.05  # submitting never waited for the work
    gate.set()
    assert w.wait_idle(5)
    w.stop()
    assert seen == [0, 10]  # only the newest pending item was processed after the busy one
    assert w.dropped == 9 and w.latest() == 10


def test_a_failing_item_is_counted_and_the_worker_goes_on():
    def work(item: int) -> int:
        if item == 1:
            raise RuntimeError("bad frame")
        return item

    w: NewestWins[int, int] = NewestWins(work)
    w.start()
    for i in range(3):
        w.submit(i)
        assert w.wait_idle(5)
    w.stop()
    assert w.errors == 1 and "bad frame" in w.last_error and w.latest() == 2


def test_pose_tracker_on_its_thread_returns_the_newest_result_with_capture_time():
    comp = samples.side_by_side(("astronaut", "grace_hopper"))
    tracker = PoseTracker({"spare_landmarkers": 0})
    tracker.start()
    try:
        assert tracker.latest().people == []  # before any result: empty, never None
        frames = [CameraFrame(comp.image, now(), k, "test") for k in range(12)]
        t0 = time.perf_counter()
        for f in frames:  # a camera far faster than inference
            tracker.submit(f)
        assert time.perf_counter() - t0 < 0.1
        assert tracker.wait_idle(30)
        burst = tracker.stats()
        for k in range(12, 17):  # paced frames: newcomers count once seen on 4 frames in a row
            last = CameraFrame(comp.image, now(), k, "test")
            tracker.submit(last)
            assert tracker.wait_idle(30)
        result = tracker.latest()
    finally:
        tracker.stop()
    assert burst["frames_dropped"] >= 5  # dropped, not queued
    assert burst["frames_processed"] + burst["frames_dropped"] == 12
    assert result.frame_index == 16 and result.t_capture == last.t_capture
    assert result.t_done >= result.t_capture and result.inference_ms > 0
    assert len(result.people) >= 1
