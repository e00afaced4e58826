"""Saving animations: .npz (NumPy) and .pose (the pose-format library's binary format)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from signlang.animator import Animation
from signlang.face import FACE_DETAIL, rest_detail
from signlang.skeleton import BODY_JOINTS, BONES, FACE_JOINTS, HAND_BONES_LOCAL, HAND_JOINTS, RIGHT_HAND, K

# The face detail landmarks drawn as eyebrows, lips and lids (indices into FACE_DETAIL).
FACE_LIMBS = [(0, 1), (2, 3), (4, 5)]

# .pose files hold pixel coordinates: the avatar is placed in a virtual 1000x1000 frame.
POSE_SIZE = 1000
POSE_SCALE = 250.0  # pixels per shoulder width
POSE_ORIGIN = (500.0, 400.0)


def save_npz(animation: Animation, path: str | Path) -> None:
    extra = {}
    if animation.nonmanual is not None:
        extra["nonmanual"] = animation.nonmanual.astype(np.float32)
    if animation.face is not None:
        extra["face"] = animation.face.astype(np.float32)
    np.savez_compressed(
        path,
        frames=animation.frames.astype(np.float32),
        fps=np.float32(animation.fps),
        joint_names=np.array(animation.joint_names),
        gloss=np.array(animation.gloss),
        **extra,
    )


def load_npz(path: str | Path) -> Animation:
    with np.load(path) as data:
        return Animation(data["frames"], float(data["fps"]), [str(n) for n in data["joint_names"]],
                         str(data["gloss"]), data["nonmanual"] if "nonmanual" in data else None,
                         data["face"] if "face" in data else None)


def to_pose(animation: Animation):  # -> pose_format.Pose
    from pose_format import Pose
    from pose_format.numpy import NumPyPoseBody
    from pose_format.pose_header import PoseHeader, PoseHeaderComponent, PoseHeaderDimensions

    n_body = len(BODY_JOINTS) + len(FACE_JOINTS)
    body_limbs = [(a, b) for a, b in BONES if a < n_body and b < n_body]
    components = [
        PoseHeaderComponent("SALA_UPPER_BODY", BODY_JOINTS + FACE_JOINTS, body_limbs,
                            [(255, 255, 255)] * len(body_limbs), "XYC"),
        PoseHeaderComponent("RIGHT_HAND_LANDMARKS", [n.upper() for n in HAND_JOINTS], HAND_BONES_LOCAL,
                            [(255, 120, 0)] * len(HAND_BONES_LOCAL), "XYC"),
        PoseHeaderComponent("LEFT_HAND_LANDMARKS", [n.upper() for n in HAND_JOINTS], HAND_BONES_LOCAL,
                            [(0, 160, 255)] * len(HAND_BONES_LOCAL), "XYC"),
        PoseHeaderComponent("SALA_FACE", [n.upper() for n in FACE_DETAIL], FACE_LIMBS,
                            [(255, 80, 160)] * len(FACE_LIMBS), "XYC"),
    ]
    header = PoseHeader(0.1, PoseHeaderDimensions(POSE_SIZE, POSE_SIZE, 0), components)
    assert RIGHT_HAND == n_body  # the joints are stored in the components' order
    face = animation.face
    if face is None:  # an animation without non-manual motion (e.g. the learned one): a still face
        face = np.stack([rest_detail(f) for f in animation.frames]) if len(animation.frames) else \
            np.zeros((0, len(FACE_DETAIL), 2), np.float32)
    points = np.concatenate([animation.frames, face.astype(np.float32)], axis=1)
    pixels = points * POSE_SCALE + np.array(POSE_ORIGIN, np.float32)
    data = pixels[:, None, :, :].astype(np.float32)  # (frames, people, points, xy)
    confidence = np.ones(data.shape[:3], np.float32)
    return Pose(header, NumPyPoseBody(animation.fps, data, confidence))


def save_pose(animation: Animation, path: str | Path) -> None:
    with open(path, "wb") as fh:
        to_pose(animation).write(fh)


def _load_points(path: str | Path) -> tuple[np.ndarray, float]:
    from pose_format import Pose

    pose = Pose.read(Path(path).read_bytes())
    data = np.asarray(pose.body.data.filled(0) if hasattr(pose.body.data, "filled") else pose.body.data)
    points = (data[:, 0, :, :2] - np.array(POSE_ORIGIN, np.float32)) / POSE_SCALE
    return points.astype(np.float32), float(pose.body.fps)


def load_pose_frames(path: str | Path) -> tuple[np.ndarray, float]:
    """(frames (T, K, 2) in shoulder widths, fps) read back from a .pose file."""
    points, fps = _load_points(path)
    return points[:, :K], fps


def load_pose_face(path: str | Path) -> np.ndarray:
    """The face detail landmarks (T, 10, 2) (eyebrows, lips, lids, cheeks; face.FACE_DETAIL) of a .pose
    file, in shoulder widths."""
    points, _ = _load_points(path)
    return points[:, K : K + len(FACE_DETAIL)]


def save(animation: Animation, path: str | Path) -> None:
    suffix = Path(path).suffix
    if suffix == ".npz":
        save_npz(animation, path)
    elif suffix == ".pose":
        save_pose(animation, path)
    else:
        raise ValueError(f"unknown animation file type {suffix!r}; allowed: .pose, .npz")
