"""`python -m runtime pose detect`: a photo prints people with landmarks, a video prints per-frame tracks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import pytest

from runtime.perception import samples

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str) -> subprocess.CompletedProcess:
    """The real command line, in a fresh process."""
    return subprocess.run([sys.executable, "-m", "runtime", "pose", "detect", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def _call(capsys, *args: str) -> tuple[int, str, str]:
    """The same command in this process (faster: MediaPipe is already loaded)."""
    from tools.cli import main

    with pytest.raises(SystemExit) as done:
        main(["pose", "detect", *args])
    out = capsys.readouterr()
    return int(done.value.code), out.out, out.err


def test_detect_image_json_lists_people_with_33_landmarks(tmp_path):
    comp = samples.side_by_side(("astronaut", "grace_hopper"))
    path = tmp_path / "two.png"
    cv2.imwrite(str(path), comp.image[:, :, ::-1])
    done = _run(str(path), "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["size"] == [comp.image.shape[1], comp.image.shape[0]]
    assert len(out["people"]) == 2
    for person in out["people"]:
        assert len(person["landmarks"]) == 33 and len(person["landmarks"][0]) == 4
        assert set(person["angles"]) >= {"left_elbow", "right_knee", "trunk_lean"}
    heads = sorted(sum(p["landmarks"][j][0] for j in range(11)) / 11 for p in out["people"])
    assert samples.slots_found(comp.spans, heads) == 2


def test_detect_image_text_names_each_landmark(capsys):
    code, out, _ = _call(capsys, "--sample", "camera")
    assert code == 0 and "1 people" in out
    assert "left_shoulder" in out and "right_ankle" in out and "angles (deg)" in out


def test_detect_video_prints_tracks_per_frame(tmp_path, capsys):
    path = tmp_path / "walk.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30, (640, 360))
    for image, _ in samples.crossing(("astronaut", "camera"), frames=12, size=(640, 360)):
        writer.write(image[:, :, ::-1])
    writer.release()
    code, out, err = _call(capsys, str(path), "--json")
    assert code == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    assert [rec["frame"] for rec in lines] == list(range(12))
    assert any(kind == "enter" for rec in lines for kind, _ in rec["events"])
    assert len(lines[-1]["people"]) >= 1
    code, out, _ = _call(capsys, str(path), "--max-frames", "5")
    lines = out.splitlines()  # in a video a newcomer counts once seen on 4 frames in a row
    assert code == 0 and len(lines) == 5 and "#" not in lines[0] and "#1" in lines[-1]


@pytest.mark.parametrize("args, message", [
    (("/no/such/file.png",), "no such file"),
    (("--set", "strips=[0]", "--sample", "camera"), "strips"),
    (("--sample", "nobody"), "unknown photo"),
])
def test_detect_bad_input_says_what_is_wrong(args, message, capsys):
    code, _, err = _call(capsys, *args)
    assert code == 2 and message in err
