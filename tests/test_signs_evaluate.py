"""The sign evaluation reproduces known numbers on hand-made cases, and its CLI runs."""

from __future__ import annotations

import json

import numpy as np
import pytest

from models.signs import evaluate, metrics
from models.signs.data import SignSample
from models.signs.generator import DEFAULT_MODEL


def hand_made_references(n: int = 8) -> list[SignSample]:
    rng = np.random.default_rng(0)
    out = []
    for i in range(n):
        t = 10 + 3 * i
        frames = np.cumsum(rng.normal(0, 0.1, size=(t, 5, 2)), axis=0).astype(np.float32)
        out.append(SignSample(f"s{i}", f"S{i}", "", np.array([1, 2]), frames, np.ones((t, 5), bool), "test"))
    return out


def test_a_perfect_method_scores_zero_distance_rank_one_and_full_auc():
    refs = hand_made_references()

    def oracle(sample):
        return sample.frames, metrics.step_end_scores(len(sample.frames), 4 * len(sample.frames))

    def still(sample):
        return np.zeros((12, 5, 2), np.float32), metrics.step_end_scores(12, 30)

    report = evaluate.evaluate_methods(refs, {"oracle": oracle, "still": still}, distractors=20, seed=0)
    perfect = report["oracle"]
    assert perfect["mean_dtw"] == pytest.approx(0.0, abs=1e-9)
    assert perfect["ndtw_mje"] == pytest.approx(0.0, abs=1e-9)
    assert perfect["top1"] == 1.0 and perfect["top5"] == 1.0 and perfect["mean_rank"] == 1.0
    assert perfect["end_auc"] == pytest.approx(1.0)
    assert perfect["length_mae_frames"] == 0.0
    still_report = report["still"]
    assert still_report["mean_dtw"] > 0.1 and still_report["end_auc"] < 1.0
    assert still_report["length_mae_frames"] == pytest.approx(np.mean([abs(12 - (10 + 3 * i)) for i in range(8)]))


def test_eval_cli_reports_all_methods_on_the_examples(capsys, tmp_path):
    assert DEFAULT_MODEL.exists(), f"the shipped model is missing: {DEFAULT_MODEL}"
    assert evaluate.main(["--no-lexicon", "--json", "--cache", str(tmp_path)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report["methods"]) == {"learned", "procedural", "mean_pose"}
    assert report["test_signs"] >= 2
    for values in report["methods"].values():
        assert 0.0 <= values["top1"] <= values["top5"] <= 1.0
        assert values["mean_dtw"] >= 0.0 and 0.0 <= values["end_auc"] <= 1.0
    # the learned model moves: it is closer to the references than a pose held still
    assert report["methods"]["learned"]["mean_dtw"] < report["methods"]["mean_pose"]["mean_dtw"]


def test_eval_cli_says_what_is_missing(tmp_path, capsys):
    assert evaluate.main(["--model", str(tmp_path / "none.onnx")]) == 2
    assert "no model at" in capsys.readouterr().err


def test_eval_cli_scores_pose_recordings_with_missing_keypoints(tmp_path, capsys):
    from models.signs.corpus import example_transcriptions
    from models.signs.pose_corpus import write_pose
    from signlang.animator import animate

    assert DEFAULT_MODEL.exists(), f"the shipped model is missing: {DEFAULT_MODEL}"
    rng = np.random.default_rng(0)
    lines = []
    for i, item in enumerate(example_transcriptions()):
        animation = animate(item.text, seed=i)
        mask = rng.random(animation.frames.shape[:2]) > 0.1  # a tenth of the keypoints lost
        write_pose(tmp_path / f"{i}.pose", animation.frames, mask, animation.joint_names, animation.fps)
        lines.append(json.dumps({"hamnosys": item.text, "pose": f"{i}.pose", "gloss": item.gloss}))
    (tmp_path / "index.jsonl").write_text("\n".join(lines) + "\n")
    assert evaluate.main(["--pose-index", str(tmp_path / "index.jsonl"), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["test_signs"] >= 2 and report["references"].startswith(".pose recordings")
    methods = report["methods"]
    assert methods["procedural"]["ndtw_mje"] < methods["learned"]["ndtw_mje"] < methods["mean_pose"]["ndtw_mje"]
