"""A real Pure Data process runs the shipped receiver patch; what it prints is what was sent."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from runtime import clock
from runtime.devices.microphone import MicFeatures
from runtime.frames import Person
from runtime.osc.codec import encode_message
from runtime.osc.send import OscOut, mic_message, person_event, person_message, posture_event

PATCH = Path(__file__).resolve().parent.parent / "sound" / "puredata" / "sala_receive.pd"

# a second patch listens on the receivers the shipped patch sends to: proves the unpacking
PROBE = "\n".join([
    "#N canvas 0 0 400 300 12;",
    "#X obj 10 10 r sala-person-id;", "#X obj 10 40 print got-id;",
    "#X obj 10 70 r sala-person-landmarks;", "#X obj 10 100 print got-landmarks;",
    "#X obj 200 10 r sala-person-exit;", "#X obj 200 40 print got-exit;",
    "#X obj 200 70 r sala-mic;", "#X obj 200 100 print got-mic;",
    "#X obj 10 130 r sala-frame;", "#X obj 10 160 print got-frame;",
    "#X connect 0 0 1 0;", "#X connect 2 0 3 0;", "#X connect 4 0 5 0;", "#X connect 6 0 7 0;",
    "#X connect 8 0 9 0;", "",
])


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _floats(text: str) -> list[float]:
    return [float(v) for v in text.split()]


@pytest.mark.skipif(shutil.which("pd") is None, reason="Pure Data not installed (Debian package puredata-core)")
def test_pd_patch_prints_and_unpacks_what_was_sent(tmp_path):
    port = _free_port()
    probe = tmp_path / "probe.pd"
    probe.write_text(PROBE)
    proc = subprocess.Popen(
        ["pd", "-nogui", "-nosound", "-nomidi", "-stderr", "-send", f"sala-port {port}", "-send", "sala-print 1",
         "-open", str(PATCH), "-open", str(probe)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(proc.stdout.readline, "")), daemon=True)
    reader.start()
    try:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        deadline = time.monotonic() + 10
        while not any(line.startswith("sala-in: hello") for line in lines):  # Pd is up and listening
            assert time.monotonic() < deadline and proc.poll() is None, "".join(lines)[-2000:]
            sock.sendto(encode_message("/hello"), ("127.0.0.1", port))
            time.sleep(0.05)
        out = OscOut({"targets": [{"name": "pd", "port": port}]})
        rng = np.random.default_rng(7)
        person = Person(id=12, landmarks=rng.random((33, 4)).astype(np.float32), t_capture=clock.now(), score=0.75)
        feats = MicFeatures(t_capture=clock.now(), rms_db=-20.5, onset=False, pitch_hz=261.6,
                            pitch_confidence=0.9, centroid_hz=1500.0, mel=np.zeros(64, np.float32))
        t = clock.now()
        out.send_frame(40, t, [person_message(person), posture_event("start", 12, "tree", 0.8)]
                       + mic_message(feats))
        time.sleep(1 / 30)  # the target's max_rate is 60 bundles per second
        out.send_frame(41, t + 1 / 30, [person_event("exit", 12)])
        deadline = time.monotonic() + 5
        while not any(line.startswith("got-exit") for line in lines) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        proc.terminate()
        proc.wait(timeout=5)
        reader.join(timeout=2)
    got = [line.rstrip("\n") for line in lines]
    printed = [line.removeprefix("sala-in: ") for line in got if line.startswith("sala-in: sala")]
    assert [p.split()[1] for p in printed] == ["frame", "person", "mic", "mic", "posture", "frame", "person"]
    person_line = printed[1].split()
    assert person_line[:4] == ["sala", "person", "12", "0.75"]
    np.testing.assert_allclose(_floats(" ".join(person_line[4:])), person.landmarks.ravel(), rtol=2e-5, atol=2e-6)
    assert printed[4] == "sala posture start 12 tree 0.8"
    assert printed[6] == "sala person exit 12"
    # the routed receivers
    assert "got-id: 12" in got and "got-exit: 12" in got
    assert [line for line in got if line.startswith("got-frame")] == ["got-frame: 40", "got-frame: 41"]
    [landmarks] = [line for line in got if line.startswith("got-landmarks")]
    values = _floats(landmarks.removeprefix("got-landmarks: ").removeprefix("list "))
    np.testing.assert_allclose(values, person.landmarks.ravel(), rtol=2e-5, atol=2e-6)
    [mic] = [line for line in got if line.startswith("got-mic")]
    np.testing.assert_allclose(_floats(mic.removeprefix("got-mic: ").removeprefix("list ")),
                               [-20.5, 261.6, 0.9, 1500.0, 0], rtol=1e-5)
