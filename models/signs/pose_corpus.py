"""Load `.pose` recordings (pose-format library) as training pairs, with missing-keypoint masks.

A recording corpus is a JSON-lines index, one sign a line:
    {"hamnosys": "<HamNoSys text>", "pose": "relative/or/absolute/path.pose", "gloss": "HOUSE", "id": "..."}
Each `.pose` file is mapped onto the avatar's joints (`signlang.skeleton.JOINTS`): by point name
when the file uses the avatar's names (files the animator or `write_pose` wrote), else through
MediaPipe Holistic's component and point names (the community's usual recordings). A keypoint is
missing where the file masks it, its confidence is 0, or the file has no such point; missing
keypoints are masked in the losses and in the metrics, never filled with guesses. Poses are
normalised like the animator's: shoulder centre at the origin, shoulder width 1, y down.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from models.signs.data import SignCorpus, SignSample, split_of
from models.signs.tokenizer import HamNoSysTokenizer

# MediaPipe Holistic points of the avatar's joints that have one (neck, head, forehead, chin have none:
# they stay masked in Holistic recordings).
_HOLISTIC_POSE_POINTS = {
    "right_shoulder": "RIGHT_SHOULDER",
    "left_shoulder": "LEFT_SHOULDER",
    "right_elbow": "RIGHT_ELBOW",
    "left_elbow": "LEFT_ELBOW",
    "right_wrist": "RIGHT_WRIST",
    "left_wrist": "LEFT_WRIST",
    "right_eye": "RIGHT_EYE",
    "left_eye": "LEFT_EYE",
    "nose": "NOSE",
    "mouth_right": "MOUTH_RIGHT",
    "mouth_left": "MOUTH_LEFT",
    "right_ear": "RIGHT_EAR",
    "left_ear": "LEFT_EAR",
}


class PoseCorpusError(ValueError):
    """A recording or its index cannot be read; the message names the file and what is wrong."""


@dataclass
class PoseRecording:
    frames: np.ndarray  # (T, K, 2) float32, normalised, NaN where missing
    mask: np.ndarray  # (T, K) bool, True where present
    fps: float


def holistic_point(joint: str) -> tuple[str, str] | None:
    """The MediaPipe Holistic (component, point) of an avatar joint, e.g. `right_hand.thumb_tip` ->
    (RIGHT_HAND_LANDMARKS, THUMB_TIP). Both name the signer's own left and right."""
    if "." in joint:
        hand, point = joint.split(".", 1)
        if hand in ("right_hand", "left_hand"):
            return f"{hand.upper()}_LANDMARKS", point.upper()
        return None
    point = _HOLISTIC_POSE_POINTS.get(joint)
    return ("POSE_LANDMARKS", point) if point else None


def _point_index(header, joint: str) -> int | None:
    """Index of a joint in the file: by its own name in any component, else by the Holistic name."""
    offset = 0
    wanted = joint.lower()
    for component in header.components:
        for i, point in enumerate(component.points):
            if point.lower() == wanted:
                return offset + i
        offset += len(component.points)
    holistic = holistic_point(joint)
    if holistic is None:
        return None
    offset = 0
    for component in header.components:
        if component.name == holistic[0] and holistic[1] in component.points:
            return offset + component.points.index(holistic[1])
        offset += len(component.points)
    return None


def _shoulder_joints(joint_names: list[str]) -> tuple[int, int]:
    if "left_shoulder" not in joint_names or "right_shoulder" not in joint_names:
        raise PoseCorpusError("the joint list has no left_shoulder/right_shoulder to normalise by")
    return joint_names.index("left_shoulder"), joint_names.index("right_shoulder")


def normalise(frames: np.ndarray, mask: np.ndarray, joint_names: list[str]) -> np.ndarray:
    """Shoulder centre to the origin and shoulder width to 1, from the sequence's mean shoulders."""
    li, ri = _shoulder_joints(joint_names)
    both = mask[:, li] & mask[:, ri]
    if not both.any():
        raise PoseCorpusError("no frame shows both shoulders; cannot normalise")
    left, right = frames[both, li].mean(0), frames[both, ri].mean(0)
    width = float(np.linalg.norm(left - right))
    if width <= 1e-6:
        raise PoseCorpusError("the shoulders coincide; cannot normalise")
    return ((frames - (left + right) / 2) / width).astype(np.float32)


def load_pose(path: Path, joint_names: list[str], person: int = 0) -> PoseRecording:
    """Read one `.pose` file onto the avatar's joints, normalised, with its missing-keypoint mask."""
    from pose_format import Pose

    try:
        pose = Pose.read(Path(path).read_bytes())
    except FileNotFoundError as e:
        raise PoseCorpusError(f"{path}: no such .pose file") from e
    except Exception as e:  # a damaged file: say which, whatever the reader raised
        raise PoseCorpusError(f"{path}: not a readable .pose file ({e})") from e
    data = pose.body.data
    if data.shape[1] <= person:
        raise PoseCorpusError(f"{path}: has {data.shape[1]} people, asked for person {person}")
    values = np.ma.getdata(data)[:, person, :, :2].astype(np.float32)
    masked = np.ma.getmaskarray(data)[:, person, :, :2].any(-1)
    confidence = np.asarray(pose.body.confidence)[:, person]
    present_all = ~masked & (confidence > 0) & np.isfinite(values).all(-1)
    t, k = values.shape[0], len(joint_names)
    if t == 0:
        raise PoseCorpusError(f"{path}: has no frames")
    frames = np.full((t, k, 2), np.nan, dtype=np.float32)
    mask = np.zeros((t, k), dtype=bool)
    found = 0
    for j, name in enumerate(joint_names):
        index = _point_index(pose.header, name)
        if index is not None:
            frames[:, j] = values[:, index]
            mask[:, j] = present_all[:, index]
            found += 1
    if found == 0:
        raise PoseCorpusError(f"{path}: none of the avatar's joints is in this file")
    frames = normalise(np.nan_to_num(frames), mask, joint_names)
    frames[~mask] = np.nan
    return PoseRecording(frames, mask, float(pose.body.fps))


def write_pose(path: Path, frames: np.ndarray, mask: np.ndarray | None, joint_names: list[str], fps: float) -> None:
    """Write landmark frames (T, K, 2) as a one-person `.pose` file with one component, AVATAR."""
    from pose_format import Pose
    from pose_format.numpy import NumPyPoseBody
    from pose_format.pose_header import PoseHeader, PoseHeaderComponent, PoseHeaderDimensions

    frames = np.asarray(frames, dtype=np.float32)
    mask = np.ones(frames.shape[:2], dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    component = PoseHeaderComponent("AVATAR", list(joint_names), [], [(255, 255, 255)], "XYC")
    header = PoseHeader(0.1, PoseHeaderDimensions(1, 1, 0), [component])
    body = NumPyPoseBody(fps, np.nan_to_num(frames)[:, None], mask[:, None].astype(np.float32))
    with open(path, "wb") as f:
        Pose(header, body).write(f)


def load_pose_corpus(index: Path, tokenizer: HamNoSysTokenizer, joint_names: list[str] | None = None) -> SignCorpus:
    """Every readable line of the index as a training pair, split by sign like the animated corpus."""
    if joint_names is None:
        from signlang.skeleton import JOINTS

        joint_names = list(JOINTS)
    index = Path(index)
    if not index.exists():
        raise PoseCorpusError(f"{index}: no such index file")
    samples: list[SignSample] = []
    rates: set[float] = set()
    for line_number, line in enumerate(index.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
            text, pose_path = entry["hamnosys"], Path(entry["pose"])
        except (json.JSONDecodeError, KeyError, TypeError) as e:
            raise PoseCorpusError(f"{index}:{line_number}: need a JSON object with 'hamnosys' and 'pose' ({e})") from e
        if not pose_path.is_absolute():
            pose_path = index.parent / pose_path
        ids = np.asarray(tokenizer.encode(text), dtype=np.int64)
        recording = load_pose(pose_path, joint_names)
        rates.add(recording.fps)
        key = tokenizer.decode_names(ids)
        samples.append(
            SignSample(
                key,
                str(entry.get("gloss", "")),
                tokenizer.decode(ids),
                ids,
                recording.frames,
                recording.mask,
                split_of(key),
                0,
                str(pose_path),
            )
        )
    if not samples:
        raise PoseCorpusError(f"{index}: lists no recordings")
    if len(rates) > 1:
        raise PoseCorpusError(f"{index}: recordings have different frame rates {sorted(rates)}; resample them first")
    return SignCorpus(samples, joint_names, rates.pop(), {"source": str(index)})
