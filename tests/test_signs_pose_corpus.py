"""Reading `.pose` recordings onto the avatar's joints, with missing-keypoint masks."""

from __future__ import annotations

import json

import numpy as np
import pytest

from models.signs.pose_corpus import PoseCorpusError, load_pose, load_pose_corpus, write_pose
from models.signs.tokenizer import HamNoSysTokenizer
from signlang.skeleton import JOINTS

L_SHOULDER, R_SHOULDER = JOINTS.index("left_shoulder"), JOINTS.index("right_shoulder")


def pixel_frames(t: int = 6, seed: int = 0) -> np.ndarray:
    """Frames in image pixels: shoulders 200 px apart around (400, 300), other joints nearby."""
    rng = np.random.default_rng(seed)
    frames = np.array([400.0, 300.0]) + rng.normal(0, 80, size=(t, len(JOINTS), 2))
    frames[:, R_SHOULDER] = [300.0, 300.0]
    frames[:, L_SHOULDER] = [500.0, 300.0]
    return frames.astype(np.float32)


def test_avatar_pose_file_round_trips_normalised_with_its_mask(tmp_path):
    frames = pixel_frames()
    mask = np.ones(frames.shape[:2], dtype=bool)
    mask[2, JOINTS.index("right_hand.index_finger_tip")] = False
    path = tmp_path / "sign.pose"
    write_pose(path, frames, mask, JOINTS, fps=25.0)
    rec = load_pose(path, JOINTS)
    assert rec.frames.shape == (6, len(JOINTS), 2) and rec.fps == 25.0
    np.testing.assert_allclose(rec.frames[:, R_SHOULDER], [[-0.5, 0.0]] * 6, atol=1e-6)
    np.testing.assert_allclose(rec.frames[:, L_SHOULDER], [[0.5, 0.0]] * 6, atol=1e-6)
    np.testing.assert_array_equal(rec.mask, mask)
    assert np.isnan(rec.frames[2, JOINTS.index("right_hand.index_finger_tip")]).all()
    expected = (frames - [400.0, 300.0]) / 200.0
    np.testing.assert_allclose(rec.frames[mask], expected[mask], atol=1e-5)


def test_mediapipe_holistic_recording_maps_onto_the_avatar(tmp_path):
    from pose_format import Pose
    from pose_format.numpy import NumPyPoseBody
    from pose_format.pose_header import PoseHeader, PoseHeaderDimensions
    from pose_format.utils.holistic import holistic_components

    components = holistic_components("XYZC")
    total = sum(len(c.points) for c in components)
    offsets = np.cumsum([0] + [len(c.points) for c in components])
    index = {c.name: (offsets[i], c.points) for i, c in enumerate(components)}

    def at(component: str, point: str) -> int:
        start, points = index[component]
        return int(start + points.index(point))

    t = 5
    rng = np.random.default_rng(1)
    data = rng.uniform(100, 700, size=(t, 1, total, 3)).astype(np.float32)
    data[:, 0, at("POSE_LANDMARKS", "RIGHT_SHOULDER"), :2] = [300, 300]  # signer's right: image left
    data[:, 0, at("POSE_LANDMARKS", "LEFT_SHOULDER"), :2] = [500, 300]
    data[:, 0, at("RIGHT_HAND_LANDMARKS", "THUMB_TIP"), :2] = [260, 200]
    confidence = np.ones((t, 1, total), dtype=np.float32)
    confidence[3, 0, index["LEFT_HAND_LANDMARKS"][0] : index["LEFT_HAND_LANDMARKS"][0] + 21] = 0  # hand lost
    header = PoseHeader(0.1, PoseHeaderDimensions(800, 600, 0), components)
    path = tmp_path / "holistic.pose"
    with open(path, "wb") as f:
        Pose(header, NumPyPoseBody(30.0, data, confidence)).write(f)

    rec = load_pose(path, JOINTS)
    assert rec.fps == 30.0
    np.testing.assert_allclose(rec.frames[:, JOINTS.index("right_hand.thumb_tip")], [[-0.7, -0.5]] * t, atol=1e-5)
    np.testing.assert_allclose(rec.frames[:, R_SHOULDER], [[-0.5, 0.0]] * t, atol=1e-5)
    left_hand = [i for i, n in enumerate(JOINTS) if n.startswith("left_hand.")]
    assert not rec.mask[3, left_hand].any() and rec.mask[2, left_hand].all()
    for joint in ("neck", "head", "forehead", "chin"):  # no Holistic point: always missing
        assert not rec.mask[:, JOINTS.index(joint)].any()
    assert rec.mask[:, JOINTS.index("nose")].all()


def test_index_of_recordings_becomes_a_split_corpus(tmp_path):
    tokenizer = HamNoSysTokenizer.from_symbol_table()
    lines = []
    for i, text in enumerate(["hamflathand,hamextfingeru,hampalml,hamchin", "hamfist,hamextfingero,hampalmd,hamchest"]):
        write_pose(tmp_path / f"s{i}.pose", pixel_frames(8 + i, seed=i), None, JOINTS, 25.0)
        lines.append(json.dumps({"hamnosys": text, "pose": f"s{i}.pose", "gloss": f"G{i}"}))
    index = tmp_path / "index.jsonl"
    index.write_text("\n".join(lines) + "\n")
    corpus = load_pose_corpus(index, tokenizer, JOINTS)
    assert [len(s.frames) for s in corpus.samples] == [8, 9]
    assert corpus.samples[1].gloss == "G1" and corpus.fps == 25.0
    assert corpus.samples[0].sign_key == "hamflathand,hamextfingeru,hampalml,hamchin"
    assert {s.split for s in corpus.samples} <= {"train", "val", "test"}


def test_bad_recordings_are_named(tmp_path):
    damaged = tmp_path / "damaged.pose"
    damaged.write_bytes(b"not a pose file")
    with pytest.raises(PoseCorpusError, match="damaged.pose"):
        load_pose(damaged, JOINTS)
    with pytest.raises(PoseCorpusError, match="no such .pose file"):
        load_pose(tmp_path / "absent.pose", JOINTS)
    index = tmp_path / "index.jsonl"
    index.write_text('{"hamnosys": "hamfist"}\n')
    with pytest.raises(PoseCorpusError, match=r"index.jsonl:1: need a JSON object with 'hamnosys' and 'pose'"):
        load_pose_corpus(index, HamNoSysTokenizer.from_symbol_table(), JOINTS)
