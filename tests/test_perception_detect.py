"""Real MediaPipe on real photographs: people found where they are, and side by side with strips."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest

from runtime.frames import CameraFrame
from runtime.perception import ModelBundleError, PoseTracker, samples
from runtime.perception.model import POSE_BUNDLE


@pytest.mark.parametrize("name", samples.PHOTOS)
def test_each_photo_person_is_found_on_their_silhouette(name):
    person = samples.detect_photo(name)
    assert person.landmarks.shape == (33, 4) and person.score > 0.8
    mask = samples.silhouette(name)
    h, w = mask.shape
    # Nose and both shoulders lie on the person (MediaPipe's own segmentation of the photo).
    for j in (0, 11, 12):
        x, y = person.landmarks[j, :2]
        assert 0 <= x < 1 and 0 <= y < 1, f"landmark {j} off the photo"
        assert mask[int(y * h), int(x * w)] > 0.5, f"landmark {j} at ({x:.2f}, {y:.2f}) is not on the person"


def test_nothing_is_found_in_an_empty_room():
    tracker = PoseTracker({"spare_landmarkers": 0})
    rng = np.random.default_rng(1)
    room = (rng.normal(110, 6, (540, 960, 3))).clip(0, 255).astype(np.uint8)
    for k in range(4):
        result = tracker.process(CameraFrame(room, k / 30, k, "test"))
        assert result.people == [] and result.events == []
    tracker.stop()


def _found(strips: list[int], names: tuple[str, ...]) -> tuple[int, int]:
    comp = samples.side_by_side(names)
    tracker = PoseTracker({"strips": strips, "spare_landmarkers": 0, "discovery": "strips", "crop_mode": "video"})
    people = tracker.process(CameraFrame(comp.image, 0.0, 0, "composite"), still=True).people
    tracker.stop()
    heads = [float(p.landmarks[:11, 0].mean()) for p in people]
    return samples.slots_found(comp.spans, heads), len(people)


@pytest.mark.parametrize("names", [("astronaut", "grace_hopper"), ("grace_hopper", "astronaut", "grace_hopper"),
                                   ("astronaut",) * 4])
def test_strips_find_people_side_by_side_that_the_whole_frame_misses(names):
    whole, _ = _found([1], names)
    found, count = _found([1, 2, 3, 4], names)
    assert found == len(names), f"strips found {found} of {len(names)}"
    assert count == len(names), "duplicates from overlapping strips were not merged"
    assert whole < len(names), "the whole frame alone already finds everyone: the composite tests nothing"


def test_missing_or_corrupt_bundle_is_named(tmp_path):
    missing = tmp_path / "nope.task"
    with pytest.raises(ModelBundleError, match="nope.task"):
        PoseTracker({"bundle": str(missing)})
    corrupt = tmp_path / "corrupt.task"
    corrupt.write_bytes(POSE_BUNDLE.read_bytes()[:5000])
    with pytest.raises(ModelBundleError, match="corrupt.task"):
        PoseTracker({"bundle": str(corrupt)})
    partial = tmp_path / "partial.task"
    with zipfile.ZipFile(POSE_BUNDLE) as src, zipfile.ZipFile(partial, "w") as dst:
        dst.writestr("pose_detector.tflite", src.read("pose_detector.tflite"))
    with pytest.raises(ModelBundleError, match="pose_landmarks_detector.tflite"):
        PoseTracker({"bundle": str(partial)})


def test_bad_frames_are_refused_with_a_reason():
    tracker = PoseTracker({"spare_landmarkers": 0})
    with pytest.raises(ValueError, match="uint8"):
        tracker.process(CameraFrame(np.zeros((10, 10, 3), np.float32), 0.0, 0, "t"))
    with pytest.raises(ValueError, match="shape"):
        tracker.process(CameraFrame(np.zeros((10, 10, 2), np.uint8), 0.0, 0, "t"))
    tracker.stop()


def test_odd_frames_do_not_break_perception():
    """Tiny, extremely wide, grey and RGBA frames: processed, with people where there are people."""
    tracker = PoseTracker({"spare_landmarkers": 0})
    grey = samples.photo("camera")[:, :, 0]
    rgba = np.dstack([samples.photo("astronaut"), np.full((512, 512), 255, np.uint8)])
    for image, expected in ((np.zeros((4, 4, 3), np.uint8), 0), (np.zeros((50, 3000, 3), np.uint8), 0),
                            (grey, 1), (rgba, 1)):
        for k in range(5):  # a newcomer counts once seen on 4 frames in a row
            result = tracker.process(CameraFrame(image, k / 30, k, "odd"))
        assert len(result.people) == expected, image.shape
    tracker.stop()
