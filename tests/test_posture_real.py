"""The posture classifier and its feedback on landmarks of real photographs (models/postures/real_landmarks.npz).

Skipped, with the reason, where the landmark file or the model is absent; rebuild them with
`python -m models.postures.real_data build --mirrors DIR` and `python -m models.postures.train --cross-source`.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from body.assessment import assess, measured_angles
from body.postures import load_postures
from models.postures.evaluate import REAL_REPORT, TEST_ONLY_REPOS
from models.postures.features import feature_matrix
from models.postures.photos import NEAR_DUPLICATE_BITS, hamming, phash
from models.postures.real_data import LANDMARKS_FILE, RESERVED_FILE, SOURCES_FILE, load_real, load_reserved

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
    assert np.mean([a == "none" for a in answers]) >= 0.9, answers


@pytest.mark.skipif(not REAL_REPORT.is_file(), reason="real_eval.json absent")
def test_recorded_real_figures():
    report = json.loads(REAL_REPORT.read_text())
    assert report["photo"]["n"] > 500
    assert report["none"]["n"] >= 20


def _front_knee(angles: dict[str, float]) -> str:
    return "left" if angles["left_knee"] < angles["right_knee"] else "right"


@needs_real
def test_real_warrior_two_with_a_straight_front_knee_is_told_to_bend_it():
    """Real warrior II photos whose front knee is nearly straight (the common beginner's fault)."""
    posture = load_postures()["warrior_2"]
    idx = np.flatnonzero(real["labels"] == "warrior_2")
    told, checked = 0, 0
    for i in idx:
        angles = measured_angles(real["landmarks"][i], float(real["aspects"][i]))
        knees = [angles["left_knee"], angles["right_knee"]]
        if not np.all(np.isfinite(knees)) or min(knees) < 150:
            continue
        checked += 1
        a = assess(posture, angles)
        told += any(f.startswith("bend the") and f.endswith("knee more") for f in a.feedback)
    if checked == 0:
        pytest.skip("no real warrior II with a straight front knee in the data")
    assert told / checked >= 0.8, (told, checked)


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
