"""SuperCollider with the project's own compiled SynthDefs: rendered by a real scsynth (NRT) and
measured; a live scsynth on JACK driven by the pose stream through the bridge confirms by /n_go,
/g_queryTree and /n_end."""

from __future__ import annotations

import os
import shutil
import socket
import struct
import subprocess
import time
import warnings

import numpy as np
import pytest
from scipy.io import wavfile

from runtime import clock
from runtime.frames import Person
from runtime.osc.codec import decode_packet, encode_bundle, encode_message
from runtime.osc.send import OscOut, person_event, person_message
from sound.supercollider.bridge import FIRST_NODE, ScsynthBridge, pose_to_params
from sound.supercollider.defs import SYNTHDEF_DIR, compiled
from sound.supercollider.synthdef import parse_synthdef_file
from tests.sound_support import jack_server, peak_hz

needs_scsynth = pytest.mark.skipif(shutil.which("scsynth") is None,
                                   reason="scsynth not installed (Debian package supercollider-server)")


def test_shipped_scsyndef_files_are_what_the_code_builds():
    for name, data in compiled().items():
        shipped = SYNTHDEF_DIR / f"{name}.scsyndef"
        assert shipped.read_bytes() == data, f"{shipped} is stale: run python -m sound.supercollider.defs"
        [parsed] = parse_synthdef_file(data)
        assert parsed["name"] == name
    person = parse_synthdef_file(compiled()["sala_person"])[0]
    assert list(person["params"]) == ["freq", "amp", "pan", "cutoff", "lag", "gate", "out"]
    assert [u[0] for u in person["ugens"]][-1] == "Out"
    scd = (SYNTHDEF_DIR.parent / "sala.scd").read_text()
    for name in compiled():
        assert f"SynthDef(\\{name}" in scd  # the sclang source names the same defs


def _score_bundle(t: float, *messages: tuple[str, list]) -> bytes:
    bundle = encode_bundle(int(t * (1 << 32)), [encode_message(a, args) for a, args in messages])
    return struct.pack(">i", len(bundle)) + bundle


@needs_scsynth
def test_nrt_render_of_the_synthdefs_is_measured(tmp_path):
    defs = compiled()
    score = (
        _score_bundle(0.0, *[("/d_recv", [data]) for data in defs.values()])
        + _score_bundle(0.0, ("/g_new", [1, 0, 0]),
                        ("/s_new", ["sala_sine", 1000, 0, 1, "freq", 440.0, "amp", 0.5, "pan", -1.0]),
                        ("/s_new", ["sala_person", 1001, 0, 1, "freq", 220.0, "amp", 0.5, "pan", 1.0,
                                    "cutoff", 5000.0]))
        + _score_bundle(1.0, ("/n_set", [1001, "gate", 0]), ("/n_free", [1000]))
        + _score_bundle(1.5, ("/s_new", ["sala_hit", 1002, 0, 1, "freq", 1000.0, "amp", 0.5, "decay", 0.2]))
        + _score_bundle(2.5, ("/c_set", [0, 0]))
    )
    (tmp_path / "score.osc").write_bytes(score)
    out = tmp_path / "out.wav"
    done = subprocess.run(["scsynth", "-N", str(tmp_path / "score.osc"), "_", str(out), "48000", "WAV", "float",
                           "-o", "2", "-D", "0"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", wavfile.WavFileWarning)
        sr, x = wavfile.read(out)
    assert sr == 48000 and x.shape[1] == 2
    left, right = x[:, 0].astype(np.float64), x[:, 1].astype(np.float64)
    assert peak_hz(left[4800:43200], sr) == pytest.approx(440.0, rel=0.002)
    assert np.abs(left[4800:43200]).max() == pytest.approx(0.5, rel=0.02)  # amp, hard left
    assert np.abs(right[4800:43200]).max() > 0.05 and np.abs(left[4800:43200]).max() < 0.51
    assert peak_hz(right[4800:43200], sr) == pytest.approx(220.0, rel=0.005)  # the saw's fundamental
    assert np.abs(right[int(1.9 * sr) : int(1.5 * sr) + 48000]).max() < 0.02  # released (0.8 s), and quiet
    hit = left[int(1.5 * sr) : int(1.7 * sr)]
    assert peak_hz(hit, sr) == pytest.approx(1000.0, rel=0.005)
    assert np.abs(left[int(2.0 * sr) :]).max() < 0.005  # percussive: gone after its decay


@pytest.fixture(scope="module")
def jack():
    yield from jack_server()


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def scsynth(jack):
    if shutil.which("scsynth") is None:
        pytest.skip("scsynth not installed (Debian package supercollider-server)")
    port = _free_udp_port()
    proc = subprocess.Popen(["scsynth", "-u", str(port), "-i", "0", "-o", "2", "-D", "0", "-R", "0"],
                            env=dict(os.environ, **jack.env()), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    client.bind(("127.0.0.1", 0))
    client.settimeout(0.2)
    deadline = time.monotonic() + 10
    while True:
        client.sendto(encode_message("/status"), ("127.0.0.1", port))
        try:
            if decode_packet(client.recv(65536))[0][0] == "/status.reply":
                break
        except TimeoutError:
            pass
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            pytest.fail(f"scsynth did not answer /status: {proc.communicate(timeout=5)[0].decode()[-800:]}")
    try:
        yield port, client
    finally:
        client.sendto(encode_message("/quit"), ("127.0.0.1", port))
        client.close()
        try:
            proc.wait(timeout=3)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def _replies(client: socket.socket, until: float, want) -> list[tuple[str, tuple]]:
    got = []
    while time.monotonic() < until:
        try:
            got += decode_packet(client.recv(65536))
        except TimeoutError:
            continue
        if want(got):
            break
    return got


def _person(pid: int, wrist_y: float, hips_x: float) -> Person:
    lm = np.full((33, 4), 0.5, dtype=np.float32)
    lm[:, 3] = 1.0
    lm[16, 1] = wrist_y
    lm[15, :2] = (0.3, 0.5)
    lm[16, 0] = 0.6
    lm[23, 0] = lm[24, 0] = hips_x
    return Person(id=pid, landmarks=lm, t_capture=clock.now(), score=1.0)


def _query_tree(client: socket.socket, port: int) -> dict[int, tuple[str, dict[str, float]]]:
    client.sendto(encode_message("/g_queryTree", [1, 1]), ("127.0.0.1", port))
    [(_, args)] = [r for r in _replies(client, time.monotonic() + 3,
                                        lambda g: any(a == "/g_queryTree.reply" for a, _ in g))
                   if r[0] == "/g_queryTree.reply"]
    # flag, group id, n children, then per synth: id, -1, def name, n controls, (name, value) * n
    synths, pos = {}, 3
    for _ in range(args[2]):
        node, n_children = args[pos], args[pos + 1]
        assert n_children == -1
        name, n_controls = args[pos + 2], args[pos + 3]
        flat = args[pos + 4 : pos + 4 + 2 * n_controls]
        synths[node] = (name, dict(zip(flat[::2], flat[1::2], strict=True)))
        pos += 4 + 2 * n_controls
    return synths


@pytest.mark.jack
def test_live_scsynth_plays_the_pose_stream_through_the_bridge(jack, scsynth):
    port, client = scsynth
    client.sendto(encode_message("/notify", [1]), ("127.0.0.1", port))
    bridge = ScsynthBridge(("127.0.0.1", 0), ("127.0.0.1", port))
    bridge.start()
    out = OscOut({"targets": [{"name": "sc", "port": bridge.port, "streams": ["pose", "events"]}]})
    try:
        deadline = time.monotonic() + 5
        while sum(1 for r in bridge.replies if r == ("/done", ("/d_recv",))) < len(compiled()):
            assert time.monotonic() < deadline, f"SynthDefs not confirmed: {bridge.replies}"
            time.sleep(0.02)
        assert not [r for r in bridge.replies if r[0] == "/fail"]
        people = {1: _person(1, 0.2, 0.1), 2: _person(2, 0.9, 0.8)}
        for frame in range(10):
            out.send_frame(frame, clock.now(), [person_message(p) for p in people.values()])
            time.sleep(0.01)
        went = _replies(client, time.monotonic() + 3, lambda g: len([a for a, _ in g if a == "/n_go"]) >= 2)
        started = sorted(args[0] for a, args in went if a == "/n_go")
        assert started == [FIRST_NODE, FIRST_NODE + 1]
        time.sleep(0.1)
        synths = _query_tree(client, port)
        assert sorted(synths) == started
        for pid, node in zip((1, 2), started, strict=True):
            name, controls = synths[node]
            expected = pose_to_params(people[pid].landmarks)
            assert name == "sala_person"
            assert controls["freq"] == pytest.approx(expected["freq"], rel=1e-4)
            assert controls["pan"] == pytest.approx(expected["pan"], abs=1e-4)
            assert controls["gate"] == 1.0
        out.send_frame(11, clock.now(), [person_message(people[2]), person_event("exit", 1)])
        ended = _replies(client, time.monotonic() + 3, lambda g: any(a == "/n_end" for a, _ in g))
        assert [args[0] for a, args in ended if a == "/n_end"] == [FIRST_NODE]  # released, freed by the env
        assert sorted(_query_tree(client, port)) == [FIRST_NODE + 1]
        _hear_the_pose(jack, out, people[2])
    finally:
        bridge.stop()
        out.close()


def _hear_the_pose(jack, out: OscOut, person: Person) -> None:
    """scsynth's right output into the microphone: the remaining visitor's pitch is the one the pose
    asks for, and follows the hand when it rises."""
    from runtime.devices.microphone import Microphone

    before = set(jack.ports())
    mic = Microphone({})
    mic.start()
    try:
        assert mic.status() == "ok", mic.status()
        deadline = time.monotonic() + 5
        while not (new := [p for p in jack.ports() if p not in before and ":in" in p]):
            assert time.monotonic() < deadline, jack.ports()
            time.sleep(0.05)
        jack.connect("SuperCollider:out_2", new[0])
        for wrist_y in (0.9, 0.5):
            person.landmarks[16, 1] = wrist_y
            end = time.monotonic() + 0.8
            while time.monotonic() < end:  # the pose stream keeps flowing, as in the show
                out.send_frame(100, clock.now(), [person_message(person)])
                time.sleep(1 / 30)
            pitches = []
            end = time.monotonic() + 0.4
            while time.monotonic() < end:
                f = mic.latest()
                if f is not None and f.pitch_confidence > 0.8:
                    pitches.append(f.pitch_hz)
                time.sleep(0.01)
            expected = pose_to_params(person.landmarks)["freq"]  # 135.4 Hz, then 311.1 Hz
            assert len(pitches) > 5 and float(np.median(pitches)) == pytest.approx(expected, rel=0.01)
    finally:
        mic.stop()
