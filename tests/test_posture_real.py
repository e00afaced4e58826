"""The posture classifier and its feedback on landmarks of real photographs (models/postures/real_landmarks.npz).

Skipped, with the reason, where the landmark file or the model is absent; rebuild them with
`python -m models.postures.real_data build --mirrors DIR` and `python -m models.postures.real_eval`.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from body.assessment import assess, measured_angles
from body.postures import load_postures
from models.postures.features import feature_matrix
from models.postures.photos import NEAR_DUPLICATE_BITS, hamming, phash
from models.postures.real_data import (
    LANDMARKS_FILE,
    RESERVED_FILE,
    SOURCES_FILE,
    TEST_ONLY_REPOS,
    load_real,
    load_reserved,
)
from models.postures.real_eval import REAL_REPORT

real = load_real()
needs_real = pytest.mark.skipif(real is None, reason=f"{LANDMARKS_FILE.name} absent (no mirrored sources here)")


def test_enough_postures_with_goddess():
    postures = load_postures()
    assert len(postures) >= 30 and "goddess" in postures
    for p in postures.values():
        assert p.source and p.title


@pytest.mark.skipif(not (SOURCES_FILE.is_file() and RESERVED_FILE.is_file()), reason="sources.tsv absent")
def test_no_training_photo_matches_a_reserved_one():
    shas, hashes = load_reserved()
    assert len(hashes) > 2000
    rows = [line.split("\t") for line in SOURCES_FILE.read_text().splitlines()[1:]]
    assert rows
    for row in rows:
        assert row[0] not in ("LucaPomer/YogaPoseDetection", "Manoj-2702/Yoga_Poses-Dataset")
        assert row[3] not in shas
        assert int(hamming(hashes, int(row[4], 16)).min()) > NEAR_DUPLICATE_BITS, row[2]


def test_phash_survives_resizing_and_recompression():
    import cv2

    rng = np.random.default_rng(0)
    img = cv2.GaussianBlur((rng.random((240, 320, 3)) * 255).astype(np.uint8), (31, 31), 0)
    small = cv2.resize(img, (160, 120))
    ok, jpg = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, 60])
    again = cv2.imdecode(jpg, cv2.IMREAD_COLOR)
    assert int(hamming(np.array([phash(img)], np.uint64), phash(again))[0]) <= NEAR_DUPLICATE_BITS
    other = cv2.GaussianBlur((rng.random((240, 320, 3)) * 255).astype(np.uint8), (31, 31), 0)
    assert int(hamming(np.array([phash(img)], np.uint64), phash(other))[0]) > NEAR_DUPLICATE_BITS


@needs_real
def test_features_take_one_aspect_per_person():
    lms, aspects = real["landmarks"][:5], real["aspects"][:5]
    together = feature_matrix(lms, aspects)
    one_by_one = np.concatenate([feature_matrix(lms[i:i + 1], float(aspects[i])) for i in range(5)])
    np.testing.assert_allclose(together, one_by_one, atol=1e-6)


@needs_real
def test_people_in_no_posture_are_answered_none():
    from models.postures.classifier import PostureClassifier

    clf = PostureClassifier()
    sel = np.isin(real["repos"], TEST_ONLY_REPOS)
    assert sel.sum() >= 20
    probs = clf.probabilities(real["landmarks"][sel], real["aspects"][sel])
    answers = [clf.classes[int(k)] for k in probs.argmax(1)]
    assert np.mean([a == "none" for a in answers]) >= 0.6, answers  # the aim is 0.95: MODEL_CARD.md


@pytest.mark.skipif(not REAL_REPORT.is_file(), reason="real_eval.json absent")
def test_recorded_real_figures():
    report = json.loads(REAL_REPORT.read_text())
    assert report["photo"]["n"] > 500
    assert report["none"]["n"] >= 20


def _front_knee(angles: dict[str, float]) -> str:
    return "left" if angles["left_knee"] < angles["right_knee"] else "right"


def _straighten_knee(lm: np.ndarray, side: str, aspect: float) -> np.ndarray:
    """The same landmarks with one shin swung into line with its thigh (ankle and foot points moved)."""
    hip, knee, ankle = (23, 25, 27) if side == "left" else (24, 26, 28)
    scale = np.array([aspect, 1.0, aspect])
    p = lm[:, :3] * scale
    thigh = (p[knee] - p[hip]) / np.linalg.norm(p[knee] - p[hip])
    new_ankle = p[knee] + thigh * np.linalg.norm(p[ankle] - p[knee])
    out = lm.copy()
    for j in (ankle, ankle + 2, ankle + 4):  # ankle, heel, foot index
        out[j, :3] = (p[j] + new_ankle - p[ankle]) / scale
    return out


@needs_real
def test_real_warrior_two_with_a_straight_front_knee_is_told_to_bend_it():
    """Real warrior II photos, front knee straightened. The data hold no real photo of a warrior II done
    with a straight front knee (the one photo labelled so is a warrior III), so the landmarks of real
    warrior II photos with a well bent front knee have that shin swung straight, as a beginner stands."""
    posture = load_postures()["warrior_2"]
    idx = np.flatnonzero(real["labels"] == "warrior_2")
    told, checked = 0, 0
    for i in idx:
        lm, aspect = real["landmarks"][i].astype(np.float64), float(real["aspects"][i])
        angles = measured_angles(lm, aspect)
        front = _front_knee(angles)
        if not (95 <= angles[f"{front}_knee"] <= 125 and angles["trunk_lean"] < 15):
            continue
        straight = measured_angles(_straighten_knee(lm, front, aspect), aspect)
        assert straight[f"{front}_knee"] > 170
        checked += 1
        told += f"bend the {front} knee more" in assess(posture, straight).feedback
    assert checked >= 10
    assert told / checked >= 0.9, (told, checked)


@needs_real
def test_real_warrior_two_done_well_is_not_told_to_bend_the_knee():
    posture = load_postures()["warrior_2"]
    idx = np.flatnonzero(real["labels"] == "warrior_2")
    bent = 0
    for i in idx:
        angles = measured_angles(real["landmarks"][i], float(real["aspects"][i]))
        front = _front_knee(angles)
        if not (95 <= angles[f"{front}_knee"] <= 125):
            continue
        a = assess(posture, angles)
        bent += any(f == f"bend the {front} knee more" for f in a.feedback)
    assert bent == 0


def test_a_small_person_at_the_edge_of_a_large_frame_is_found():
    """The landmarker misses people much smaller than the frame; the crop search finds them."""
    pytest.importorskip("mediapipe")
    import cv2

    from tools.posture import detect_landmarks, load_image

    person = cv2.resize(load_image("sample:camera"), (150, 150))
    canvas = np.full((720, 1280, 3), 200, np.uint8)
    canvas[500:650, 1080:1230] = person
    people = detect_landmarks(canvas)
    assert len(people) == 1
    body = people[0][[11, 12, 23, 24, 25, 26]]  # shoulders, hips, knees: seen, and where the person is
    assert body[:, 3].mean() > 0.5
    assert np.all((body[:, 0] > 1080 / 1280) & (body[:, 0] < 1230 / 1280))
    assert np.all((body[:, 1] > 500 / 720) & (body[:, 1] < 650 / 720))
    assert np.ptp(body[:, 1]) > 0.05  # a body's height, not a collapsed guess
