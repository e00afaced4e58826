"""The real-time path on a private JACK dummy server: pyo plays, the microphone hears, and the
engine comes back after the server vanishes."""

from __future__ import annotations

import time

import numpy as np
import pytest

from runtime import clock
from runtime.devices.microphone import Microphone
from sound.commands import SoundCommand
from sound.engine import AudioEngine
from sound.jack_dummy import JackDummy
from tests.sound_support import jack_server

pytestmark = pytest.mark.jack


@pytest.fixture(scope="module")
def jack():
    yield from jack_server()


def collect(mic: Microphone, seconds: float) -> list:
    """Features sampled from the running microphone for `seconds` (each latest() every 5 ms)."""
    out, end = [], time.monotonic() + seconds
    while time.monotonic() < end:
        f = mic.latest()
        if f is not None:
            out.append(f)
        time.sleep(0.005)
    return out


def mic_port(jack: JackDummy, before: set[str]) -> str:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        new = [p for p in jack.ports() if p not in before and "in" in p.split(":")[1]]
        if new:
            return new[0]
        time.sleep(0.05)
    raise AssertionError(f"the microphone's JACK input port did not appear: {jack.ports()}")


def steady(features: list, skip: float = 0.3) -> tuple[float, float, float]:
    t0 = features[0].t_capture
    tail = [f for f in features if f.t_capture - t0 > skip]
    return (float(np.median([f.pitch_hz for f in tail])), float(np.median([f.rms_db for f in tail])),
            float(np.median([f.pitch_confidence for f in tail])))


def test_microphone_features_of_a_tone_from_another_jack_client(jack):
    before = set(jack.ports())
    mic = Microphone({"samplerate": 48000, "hop": 480})
    mic.start()
    try:
        assert mic.status() == "ok", mic.status()
        port = mic_port(jack, before)
        tone = jack.spawn_client("jack_simple_client", "salatone")  # 0.2 * sine, 200-sample table
        try:
            [left, *_] = jack.wait_for_port("salatone:")
            jack.connect(left, port)
            feats = collect(mic, 1.2)
        finally:
            tone.terminate()
            tone.wait(timeout=5)
        pitch, level, confidence = steady(feats)
        assert pitch == pytest.approx(48000 / 200, rel=0.01)  # 240 Hz
        assert level == pytest.approx(20 * np.log10(0.2 / np.sqrt(2)), abs=1.0)  # -17.0 dBFS
        assert confidence > 0.9
        # one feature frame per 480 samples: 100 Hz of audio time (the dummy server on a busy box may
        # run slower than the wall clock; the rate per audio second is what the design fixes)
        samples, frames = mic.counts()
        assert frames == samples // 480 > 50
        latest = feats[-1]
        assert latest.mel.shape == (64,) and latest.t_capture <= latest.t_ready <= clock.now()
        assert latest.t_ready - latest.t_capture < 0.1
    finally:
        mic.stop()


def test_pyo_plays_on_jack_and_the_microphone_measures_it(jack):
    engine = AudioEngine({"backend": "jack", "jack_name": "salatest", "jack_connect": False, "volume": 1.0,
                          "reverb": 0.0})
    before = set(jack.ports())
    engine.start()
    mic = Microphone({})
    try:
        assert engine.status() == "ok", engine.status()
        outputs = jack.wait_for_port("salatest:output")
        mic.start()
        assert mic.status() == "ok", mic.status()
        jack.connect(outputs[0], mic_port(jack, before | set(outputs) | set(jack.ports("salatest"))))
        engine.apply([SoundCommand("play", "voice", "a", {"freq": 440.0, "index": 0.0, "amp": 0.5, "pan": 0.0})])
        feats = collect(mic, 1.0)
        pitch, level, _ = steady(feats)
        assert pitch == pytest.approx(440.0, rel=0.01)
        assert level == pytest.approx(20 * np.log10(0.5 * 0.7 / np.sqrt(2)), abs=1.0)  # amp * sustain
        engine.apply([SoundCommand("release", key="a")])
        time.sleep(0.6)
        assert mic.latest().rms_db < -60
    finally:
        mic.stop()
        engine.stop()


def test_engine_reports_a_lost_server_and_reconnects(jack):
    engine = AudioEngine({"backend": "jack", "jack_name": "salaback", "jack_connect": True})
    engine.start()
    try:
        assert engine.status() == "ok"
        jack.kill()
        deadline = time.monotonic() + 5
        while not engine.status().startswith("lost") and time.monotonic() < deadline:
            engine.poll(clock.now())
            time.sleep(0.05)
        assert engine.status().startswith("lost"), engine.status()
        engine.apply([SoundCommand("play", "voice", "x", {})])  # dropped, not raised
        assert engine.dropped_commands == 1
        jack.start()
        deadline = time.monotonic() + 10
        while engine.status() != "ok" and time.monotonic() < deadline:
            engine.poll(clock.now())
            time.sleep(0.05)
        assert engine.status() == "ok" and engine.reconnects == 1
        assert jack.wait_for_port("salaback:output_1")
        assert "salaback:output_1" in jack.connections()["system:playback_1"]
    finally:
        engine.stop()
