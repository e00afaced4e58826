"""Non-manual features and phrases: parsed in the three forms, measured in the motion and the .pose file."""

from __future__ import annotations

import numpy as np
import pytest

from signlang.animator import animate, animate_phrase, rest_frame
from signlang.face import BROW_RAISE, CH, FACE_DETAIL, MOUTH_OPEN
from signlang.hamnosys import HamNoSysError, parse, to_sigml, to_unicode
from signlang.hamnosys.nonmanual import to_words
from signlang.pose_file import load_pose_face, load_pose_frames, save
from signlang.skeleton import NOSE, R_SHOULDER, R_WRIST

MANUAL = ["hamflathand", "hamextfingeru", "hampalml", "hamchest", "hammovel"]
BROWS = [FACE_DETAIL.index(n) for n in ("right_eyebrow_inner", "right_eyebrow_outer",
                                         "left_eyebrow_inner", "left_eyebrow_outer")]
UPPER_LIP, LOWER_LIP = FACE_DETAIL.index("upper_lip"), FACE_DETAIL.index("lower_lip")


def sigml(nonmanual: str, names: list[str] = MANUAL, gloss: str = "X") -> str:
    tags = "".join(f"<{n}/>" for n in names)
    return (f'<sigml><hns_sign gloss="{gloss}"><hamnosys_nonmanual>{nonmanual}</hamnosys_nonmanual>'
            f"<hamnosys_manual>{tags}</hamnosys_manual></hns_sign></sigml>")


def peaks(signal: np.ndarray, threshold: float) -> int:
    """Local maxima above threshold (a plateau counts once)."""
    above = signal > threshold
    count = 0
    for i in range(1, len(signal) - 1):
        if above[i] and signal[i] >= signal[i - 1] and signal[i] > signal[i + 1]:
            count += 1
    return count


def test_the_three_forms_give_the_same_nonmanual_tiers():
    doc = sigml('<hnm_eyebrows tag="RB"/><hnm_head tag="SH"/><hnm_head tag="SH"/>'
                '<hnm_mouthpicture picture="hVlU"/><hnm_shoulder tag="UB"/><hnm_mouthgesture tag="C01"/>')
    from_sigml = parse(doc)
    words = ",".join(to_words(from_sigml.nonmanual))
    from_names = parse(words + "," + ",".join(MANUAL))
    from_unicode = parse(" ".join(to_words(from_sigml.nonmanual)) + " " + to_unicode(MANUAL))
    expected = [("eyebrows", "RB", 1), ("head", "SH", 2), ("mouthpicture", "hVlU", 1), ("shoulder", "UB", 1),
                ("mouthgesture", "C01", 1)]
    for tree in (from_sigml, from_names, from_unicode):
        assert [(n.tier, n.value, n.count) for n in tree.nonmanual] == expected
        assert tree.symbols == MANUAL
    # Written back as SiGML, the tiers read the same.
    again = parse(to_sigml(MANUAL, "X", from_sigml.nonmanual))
    assert [(n.tier, n.value, n.count) for n in again.nonmanual] == expected
    assert from_sigml.to_json()["nonmanual"][1] == {"node": "NonManual", "span": [1, 3], "tier": "head",
                                                    "value": "SH", "count": 2}


@pytest.mark.parametrize("text, position, symbol, offset", [
    ('<hamnosys_nonmanual><hnm_head tag="NO"/><hnm_eyebrows tag="UP"/></hamnosys_nonmanual>', 1,
     '<hnm_eyebrows tag="UP"/>', None),
    ('<hamnosys_nonmanual><hnm_eyebrow tag="RB"/></hamnosys_nonmanual>', 0, '<hnm_eyebrow tag="RB"/>', None),
    ('<hamnosys_nonmanual><hnm_mouthpicture picture=""/></hamnosys_nonmanual>', 0,
     '<hnm_mouthpicture picture=""/>', None),
    ('<hamnosys_nonmanual><hnm_mouthgesture tag="C44"/></hamnosys_nonmanual>', 0,
     '<hnm_mouthgesture tag="C44"/>', None),
    ("hamflathand,hnm_head=XX,hamextfingeru,hampalml", 1, "hnm_head=XX", 12),
    ("hnm_eyebrows=RB hnm_shoulders=UB hamflathand", 1, "hnm_shoulders=UB", 16),
    ("hamflathand,hamextfingeru,hnm_head,hampalml", 2, "hnm_head", 26),
    ("hnm_head=NOD \ue001\ue020\ue03c", 0, "hnm_head=NOD", 0),
])
def test_malformed_nonmanual_input_names_the_position_and_the_symbol(text, position, symbol, offset):
    if text.startswith("<hamnosys"):
        text = f"<sigml><hns_sign>{text}<hamnosys_manual><hamfist/></hamnosys_manual></hns_sign></sigml>"
    with pytest.raises(HamNoSysError) as err:
        parse(text)
    e = err.value
    assert (e.position, e.symbol, e.rule) == (position, symbol, "non-manual")
    assert f"non-manual item {position}" in str(e) and symbol in str(e)
    if offset is not None:
        assert e.offset == offset
    else:
        assert text[e.offset:].startswith(symbol)


def test_eyebrow_raise_lifts_the_eyebrow_landmarks_of_the_written_pose(tmp_path):
    raised = animate(sigml('<hnm_eyebrows tag="RB"/>'))
    plain = animate(sigml(""))
    save(raised, tmp_path / "raised.pose")
    save(plain, tmp_path / "plain.pose")
    face = load_pose_face(tmp_path / "raised.pose")
    still = load_pose_face(tmp_path / "plain.pose")
    lift = face[0, BROWS, 1] - face[:, BROWS, 1]  # y is down: a lift is a smaller y
    # Stated amount: BROW_RAISE (0.035 shoulder widths, 8.75 px in the .pose frame) at the inner ends,
    # 85 % of it at the outer ends; the pose file rounds to ~1e-4.
    assert lift[:, [0, 2]].max() == pytest.approx(BROW_RAISE, abs=5e-4)
    assert lift[:, [1, 3]].max() == pytest.approx(0.85 * BROW_RAISE, abs=5e-4)
    assert np.abs(lift[0]).max() < 1e-4 and np.abs(lift[-1]).max() < 1e-4  # from rest to rest
    assert np.ptp(still[:, BROWS, 1], axis=0).max() < 1e-4  # no raise notated: the brows stay
    # Only the right brow for RR; furrowed (FU) brows come down and in.
    right = animate(sigml('<hnm_eyebrows tag="RR"/>')).face
    assert (right[0, 0, 1] - right[:, 0, 1]).max() > 0.03 and np.ptp(right[:, 2, 1]) < 1e-6
    furrow = animate(sigml('<hnm_eyebrows tag="FU"/>')).face
    assert (furrow[:, 0, 1] - furrow[0, 0, 1]).max() > 0.015
    assert (furrow[:, 0, 0] - furrow[0, 0, 0]).max() > 0.01  # the right inner end moves to the middle
    frames, _ = load_pose_frames(tmp_path / "raised.pose")
    assert frames.shape == raised.frames.shape


@pytest.mark.parametrize("repeats", [1, 2, 3])
def test_head_shake_makes_head_yaw_oscillate_with_the_notated_repetitions(repeats):
    anim = animate(sigml('<hnm_head tag="SH"/>' * repeats))
    yaw = anim.nonmanual[:, CH["head_yaw"]]
    assert peaks(yaw, 0.2) == repeats and peaks(-yaw, 0.2) == repeats
    assert np.abs(yaw).max() == pytest.approx(0.38, abs=0.03)
    # The face anchors follow: the nose swings sideways by ~8 cm (0.08 shoulder widths), both ways.
    nose_x = anim.frames[:, NOSE, 0] - anim.frames[0, NOSE, 0]
    assert peaks(nose_x, 0.05) == repeats and peaks(-nose_x, 0.05) == repeats
    assert nose_x.max() > 0.07 and nose_x.min() < -0.07
    assert np.abs(anim.nonmanual[:, CH["head_pitch"]]).max() == 0.0


def test_head_nods_and_tilts():
    nod = animate(sigml('<hnm_head tag="NO"/><hnm_head tag="NO"/>'))
    pitch = nod.nonmanual[:, CH["head_pitch"]]
    assert peaks(pitch, 0.1) == 2
    nose_y = nod.frames[:, NOSE, 1] - nod.frames[0, NOSE, 1]
    assert nose_y.max() > 0.04 and peaks(nose_y, 0.02) == 2
    tilt = animate(sigml('<hnm_head tag="TR"/>')).nonmanual[:, CH["head_roll"]]
    assert tilt.min() == pytest.approx(-0.22, abs=0.01) and tilt.max() <= 0.0


def test_a_mouth_picture_opens_the_mouth(tmp_path):
    anim = animate(sigml('<hnm_mouthpicture picture="pa"/>'))
    save(anim, tmp_path / "pa.pose")
    face = load_pose_face(tmp_path / "pa.pose")
    gap = face[:, LOWER_LIP, 1] - face[:, UPPER_LIP, 1]
    assert gap[0] == pytest.approx(0.016, abs=1e-3)  # closed at rest
    # "a" opens the lips by ~MOUTH_OPEN (0.05 shoulder widths, 2 cm) beyond the closed gap; "p" closes.
    assert gap.max() - gap[0] > 0.8 * MOUTH_OPEN
    opened = int(np.argmax(gap))
    assert gap[: opened // 2 + 1].max() - gap[0] < 0.5 * MOUTH_OPEN  # the "p" before it is still closed
    plain = animate(sigml("")).face
    assert np.ptp(plain[:, LOWER_LIP, 1] - plain[:, UPPER_LIP, 1]) < 1e-6


def test_shoulders_rise_and_carry_the_arms():
    up = animate(sigml('<hnm_shoulder tag="UB"/>'))
    rise = up.frames[0, R_SHOULDER, 1] - up.frames[:, R_SHOULDER, 1]
    assert rise.max() == pytest.approx(0.07, abs=1e-3)


def test_a_phrase_of_three_signs_has_no_rest_pose_between_them():
    signs = ["hamflathand,hamextfingeru,hampalml,hamchin,hamtouch",
             "hamfist,hamextfingero,hampalmd,hamchest,hammover",
             "hamfinger2,hamextfingeru,hampalml,hamforehead,hammoveo"]
    trees = [parse(s) for s in signs]
    for tree, gloss in zip(trees, ("A", "B", "C"), strict=True):
        tree.gloss = gloss
    phrase = animate_phrase(trees, fps=25.0)
    assert [g for _, g in phrase.glosses] == ["A", "B", "C"] and phrase.gloss == "A B C"
    rest = rest_frame()[R_WRIST]
    away = np.linalg.norm(phrase.frames[:, R_WRIST] - rest, axis=1)
    t = np.arange(len(away)) / phrase.fps
    starts = [t0 for t0, _ in phrase.glosses]
    # From the first sign's arrival to the start of the last sign's return to rest the hand never comes
    # near the rest pose: the closest it gets between the signs is more than half a shoulder width.
    between = (t > starts[0] + 0.55) & (t < starts[2] + 0.5)
    assert away[between].min() > 0.5
    separate = [animate(tr, fps=25.0) for tr in trees]
    assert phrase.duration < sum(a.duration for a in separate) - 1.0  # two rests and two starts saved
    for sep, t0 in zip(separate[1:], starts[1:], strict=True):  # each sign still reaches its own start
        held = sep.frames[int(round(0.6 * 25)), R_WRIST]
        reached = np.linalg.norm(phrase.frames[:, R_WRIST] - held, axis=1)[int(t0 * 25):].min()
        assert reached < 0.05


def test_punctuation_lengthens_the_pause_in_a_phrase():
    plain = animate_phrase(["hamflathand,hamextfingeru,hampalml,hamchin", "hamfist,hamextfingero,hampalmd,hamchest"])
    comma = animate_phrase(["hamflathand,hamextfingeru,hampalml,hamchin,hamfullstop",
                            "hamfist,hamextfingero,hampalmd,hamchest"])
    assert comma.glosses[1][0] - plain.glosses[1][0] == pytest.approx(0.45, abs=1e-6)


def test_nonmanual_items_of_a_phrase_follow_their_signs():
    a = sigml('<hnm_eyebrows tag="RB"/>', gloss="A")
    b = sigml('<hnm_head tag="SH"/>', ["hamfist", "hamextfingero", "hampalmd", "hamchest"], gloss="B")
    phrase = animate_phrase([a, b])
    start_b = int(phrase.glosses[1][0] * phrase.fps)
    brow = phrase.nonmanual[:, CH["brow_right"]]
    yaw = phrase.nonmanual[:, CH["head_yaw"]]
    assert brow[:start_b].max() == pytest.approx(1.0) and brow[start_b + 5:].max() < 0.05
    assert np.abs(yaw[:start_b]).max() == 0.0 and np.abs(yaw[start_b:]).max() > 0.3


@pytest.mark.parametrize("text", [
    "hnm_head=SH,\ue001\ue020\ue03c", "hnm_head=SH \ue001\ue020\ue03c", "\ue001\ue020\ue03c hnm_head=SH",
    "hnm_head=SH hamflathand hamextfingeru hampalmd", "hamflathand,hamextfingeru,hampalmd,hnm_head=\"SH\"",
])
def test_nonmanual_words_sit_anywhere_with_their_separators(text):
    tree = parse(text)
    assert tree.symbols == ["hamflathand", "hamextfingeru", "hampalmd"]
    assert [(n.tier, n.value) for n in tree.nonmanual] == [("head", "SH")]


def test_eye_gaze_moves_and_a_linked_head_follows_it():
    gaze = animate(sigml('<hnm_eyegaze tag="LE"/>')).nonmanual
    assert gaze[:, CH["gaze_x"]].max() == pytest.approx(1.0) and np.abs(gaze[:, CH["head_yaw"]]).max() == 0.0
    linked = animate(sigml('<hnm_eyegaze tag="LE"/><hnm_head tag="LI"/>')).nonmanual
    assert linked[:, CH["head_yaw"]].max() == pytest.approx(0.3, abs=1e-3)
