"""Camera sources: real threads, real files, real decoding."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from runtime.config import defaults
from runtime.devices.cameras import Transform
from runtime.devices.sources import open_source, resolve_auto
from tests.conftest import wait_for

CAM = defaults()["cameras"]["main"]


def make_video(path: Path, frames: int = 30, fps: float = 30.0, size=(160, 90)) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    for i in range(frames):
        img = np.zeros((size[1], size[0], 3), np.uint8)
        img[:, : ((i + 1) * size[0]) // frames] = (0, 0, 255)  # BGR red bar growing to the right
        writer.write(img)
    writer.release()
    return path



def test_builtin_photographs_arrive_as_a_camera_feed():
    src = open_source("images:builtin", {**CAM, "width": 320, "height": 180, "fps": 50}).start()
    try:
        assert wait_for(lambda: src.latest() is not None and src.latest().index >= 5)
        a = src.latest()
        assert a.image.shape == (180, 320, 3) and a.image.dtype == np.uint8
        assert a.image.std() > 20  # a real photograph, not a blank
        time.sleep(0.1)
        b = src.latest()
        assert b.index > a.index and b.t_capture > a.t_capture
        assert src.status == "ok"
    finally:
        src.stop()


def test_video_is_paced_at_its_frame_rate_and_loops(tmp_path):
    path = make_video(tmp_path / "v.mp4", frames=10, fps=20.0)
    src = open_source(f"video:{path}", CAM).start()
    try:
        assert wait_for(lambda: src.latest() is not None)
        first = src.latest()
        time.sleep(1.0)
        last = src.latest()
        rate = (last.index - first.index) / (last.t_capture - first.t_capture)
        assert 16 <= rate <= 22, rate  # 20 fps, looping over 10 frames
        assert last.index > 10
        left = last.image[45, 2].astype(int)  # the bar's first column, delivered as RGB
        assert left[0] > 200 and left[2] < 60, left
    finally:
        src.stop()


def test_video_deleted_is_lost_and_recovers_when_restored(tmp_path):
    path = make_video(tmp_path / "v.mp4", frames=60)
    backup = shutil.copy(path, tmp_path / "backup.mp4")
    src = open_source(f"video:{path}", {**CAM, "retry_min": 0.1, "retry_max": 0.3}).start()
    try:
        assert wait_for(lambda: src.status == "ok")
        path.unlink()
        assert wait_for(lambda: src.status.startswith("lost"))
        assert "disappeared" in src.status or "does not exist" in src.status
        events = src.poll_events()
        assert any(e.startswith("lost") for e in events)
        shutil.copy(backup, path)
        assert wait_for(lambda: src.status == "ok")
        assert src.poll_events()[-1] == "ok" and src.reconnects >= 1
    finally:
        src.stop()


def test_newest_frame_wins():
    src = open_source("images:builtin", {**CAM, "width": 64, "height": 36, "fps": 200}).start()
    try:
        assert wait_for(lambda: src.latest() is not None)
        a = src.latest().index
        time.sleep(0.2)  # a slow consumer: frames in between are dropped, not queued
        b = src.latest().index
        assert b - a > 5
    finally:
        src.stop()


def test_transform_mirror_rotate_crop():
    img = np.zeros((4, 8, 3), np.uint8)
    img[0, 0] = 255  # top-left marker
    assert Transform({"mirror": True})(img)[0, 7, 0] == 255
    assert Transform({"rotate": 90})(img).shape == (8, 4, 3)
    assert Transform({"rotate": 90})(img)[0, 3, 0] == 255  # clockwise: top-left goes top-right
    cropped = Transform({"crop": [0.5, 0.0, 1.0, 1.0]})(img)
    assert cropped.shape == (4, 4, 3) and cropped.max() == 0
    with pytest.raises(ValueError, match="crop"):
        Transform({"crop": [0.5, 0.0, 0.2, 1.0]})


def test_bad_specs_name_what_is_allowed():
    with pytest.raises(ValueError, match="allowed: auto, camera:INDEX"):
        open_source("webcam:0", CAM)
    with pytest.raises(ValueError, match="INDEX must be an integer"):
        open_source("camera:x", CAM)


def test_auto_falls_back_to_builtin_images_when_no_camera_opens():
    spec, note = resolve_auto("auto")
    if spec.startswith("camera"):
        pytest.skip("this machine has a camera")
    assert spec == "images:builtin" and "no camera" in note


def test_missing_camera_is_reported_lost_and_retried():
    src = open_source("camera:7", {**CAM, "retry_min": 0.05, "retry_max": 0.1}).start()
    try:
        assert wait_for(lambda: src.status.startswith("lost"))
        assert "camera 7 does not open" in src.status
        assert wait_for(lambda: src.reconnects >= 2)
    finally:
        src.stop()
