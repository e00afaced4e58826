"""Loading MediaPipe's Tasks landmarkers from the bundles `make setup` builds, and running them on
regions of a frame.

The bundles (models/mediapipe/*.task) are zips of the `.tflite` models shipped inside the mediapipe
wheel, made by models/mediapipe/build_bundles.py; nothing is downloaded. A missing or corrupt bundle
raises `ModelBundleError` naming the file and the command that rebuilds it.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from models.mediapipe.quiet_import import import_mediapipe

REPO = Path(__file__).resolve().parents[2]
POSE_BUNDLE = REPO / "models" / "mediapipe" / "pose_landmarker.task"
HAND_BUNDLE = REPO / "models" / "mediapipe" / "hand_landmarker.task"
POSE_MEMBERS = ("pose_detector.tflite", "pose_landmarks_detector.tflite")
HAND_MEMBERS = ("hand_detector.tflite", "hand_landmarks_detector.tflite")
REBUILD = "python -m models.mediapipe.build_bundles (or `make setup`)"


class ModelBundleError(RuntimeError):
    """The MediaPipe model bundle is missing or unusable."""


def check_bundle(path: Path, members: tuple[str, ...]) -> Path:
    """Return the resolved bundle path, or raise ModelBundleError saying what is wrong with it."""
    path = Path(path)
    if not path.is_file():
        raise ModelBundleError(f"model bundle {path} is missing; build it with {REBUILD}")
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            bad = z.testzip()
    except (zipfile.BadZipFile, OSError) as e:
        raise ModelBundleError(f"model bundle {path} is corrupt ({e}); rebuild it with {REBUILD}") from e
    missing = [m for m in members if m not in names]
    if missing or bad:
        what = f"lacks {', '.join(missing)}" if missing else f"has a damaged member {bad}"
        raise ModelBundleError(f"model bundle {path} {what}; rebuild it with {REBUILD}")
    return path


def pose_landmarker(video: bool, num_poses: int = 1, bundle: Path = POSE_BUNDLE,
                    min_detection: float = 0.5, min_presence: float = 0.5, min_tracking: float = 0.5):
    """A PoseLandmarker from the offline bundle, in VIDEO (tracking) or IMAGE mode."""
    import_mediapipe()
    path = check_bundle(bundle, POSE_MEMBERS)
    from mediapipe.tasks.python import BaseOptions, vision

    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(path)),
        running_mode=vision.RunningMode.VIDEO if video else vision.RunningMode.IMAGE,
        num_poses=num_poses,
        min_pose_detection_confidence=min_detection,
        min_pose_presence_confidence=min_presence,
        min_tracking_confidence=min_tracking,
    )
    return _create(vision.PoseLandmarker, options, path)


def hand_landmarker(video: bool, num_hands: int = 2, bundle: Path = HAND_BUNDLE, min_detection: float = 0.5):
    """A HandLandmarker from the offline bundle."""
    import_mediapipe()
    path = check_bundle(bundle, HAND_MEMBERS)
    from mediapipe.tasks.python import BaseOptions, vision

    options = vision.HandLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(path)),
        running_mode=vision.RunningMode.VIDEO if video else vision.RunningMode.IMAGE,
        num_hands=num_hands,
        min_hand_detection_confidence=min_detection,
    )
    return _create(vision.HandLandmarker, options, path)


def _create(task: Any, options: Any, path: Path) -> Any:
    """Create a landmarker; a bundle MediaPipe refuses becomes a ModelBundleError naming the file."""
    try:
        return task.create_from_options(options)
    except (RuntimeError, ValueError) as e:
        raise ModelBundleError(f"model bundle {path} could not be loaded ({e}); rebuild it with {REBUILD}") from e


@dataclass(frozen=True, slots=True)
class Region:
    """A rectangle of the frame in pixels: [x0, x1) x [y0, y1)."""

    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        return self.y1 - self.y0


@dataclass(slots=True)
class Candidate:
    """One pose found in one region, in whole-frame coordinates."""

    landmarks: np.ndarray  # (33, 4): x, y in [0, 1] of the frame, z (x scale), visibility
    presence: np.ndarray  # (33,) MediaPipe's per-landmark presence
    score: float  # mean presence of the nose and shoulders: how sure it is that a person is there
    source: str  # "track:<id>" or "zone:<k>"
    coverage: float = 1.0  # mean presence of the main joints: how much of the body is in view
    world: np.ndarray | None = None  # (33, 3) metres, hip-centred (MediaPipe world landmarks)
    appearance: np.ndarray | None = None  # runtime.perception.appearance histogram
    box: np.ndarray | None = None  # the person detector's box [x0, y0, x1, y1] this pose was found in
    roi: Any = None  # runtime.perception.landmarks.Roi: where to look for this person on the next frame
    found_in: Any = None  # the Roi this pose was found in
    flag: float = 1.0  # the landmark network's pose presence score

    @property
    def bbox(self) -> np.ndarray:
        return landmark_bbox(self.landmarks)


PERSON_JOINTS = np.array([0, 11, 12])  # nose, shoulders: in view whenever a visitor faces the camera
COVERAGE_JOINTS = np.array([0, 11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28])


def landmark_bbox(landmarks: np.ndarray, min_visibility: float = 0.5) -> np.ndarray:
    """[x0, y0, x1, y1] (frame units) of the landmarks seen well enough, else of all of them."""
    seen = landmarks[:, 3] >= min_visibility
    pts = landmarks[seen, :2] if seen.sum() >= 4 else landmarks[:, :2]
    return np.array([pts[:, 0].min(), pts[:, 1].min(), pts[:, 0].max(), pts[:, 1].max()])


def to_candidates(result, region: Region, frame_w: int, frame_h: int, source: str) -> list[Candidate]:
    """Convert a PoseLandmarkerResult on a crop into whole-frame candidates."""
    out: list[Candidate] = []
    worlds = getattr(result, "pose_world_landmarks", None) or []
    for k, pose in enumerate(result.pose_landmarks):
        a = np.array([[p.x, p.y, p.z, p.visibility or 0.0, p.presence or 0.0] for p in pose], dtype=np.float64)
        lm = np.empty((len(a), 4))
        lm[:, 0] = (a[:, 0] * region.width + region.x0) / frame_w
        lm[:, 1] = (a[:, 1] * region.height + region.y0) / frame_h
        lm[:, 2] = a[:, 2] * region.width / frame_w
        lm[:, 3] = a[:, 3]
        world = np.array([[p.x, p.y, p.z] for p in worlds[k]]) if k < len(worlds) else None
        out.append(Candidate(lm, a[:, 4], float(a[PERSON_JOINTS, 4].mean()), source,
                             float(a[COVERAGE_JOINTS, 4].mean()), world))
    return out
