"""Fault: the audio server dies and returns (a JACK dummy server killed and restarted) under the
running show. The visuals go on at their frame rate; the sound comes back, measured by a microphone
on the same JACK server."""

from __future__ import annotations

import time

import numpy as np
import pytest

from runtime.app import App, RunOptions
from runtime.config import load
from runtime.scene import Scene
from tests.conftest import drive

pytestmark = pytest.mark.jack

try:
    from runtime.devices.microphone import Microphone
    from sound.engine import AudioEngine  # noqa: F401
    from tests.sound_support import jack_server
except ImportError as exc:  # the sound engine is another area's; without it there is nothing to test
    pytest.skip(f"sound.engine.AudioEngine or the sound test support is not there: {exc}", allow_module_level=True)


class Tone(Scene):
    name = "test-tone"
    description = "keeps one 440 Hz voice sounding (tests only)"

    def __init__(self, config=None):
        super().__init__(config)
        self.t = 0.0
        self.next_play = 0.0

    def update(self, inputs, out):
        self.t += inputs.dt
        if self.t >= self.next_play:  # asked again now and then, as a scene's state would be
            out.play("voice", "tone", freq=440.0, index=0.0, amp=0.5, pan=0.0)
            self.next_play = self.t + 0.5

    def draw(self, gfx):
        gfx.clear(0.1, 0.1, 0.1, 1.0)


@pytest.fixture(scope="module")
def jack():
    yield from jack_server()


def test_audio_server_dies_and_returns_visuals_go_on_sound_comes_back(jack, display):
    cfg = load(None, ['window.mode="headless"', 'show.scene="test-tone"', 'cameras.main.spec="images:builtin"',
                      "show.max_fps=60", 'audio.backend="jack"', 'audio.jack_name="salafault"',
                      "audio.jack_connect=false", "audio.reverb=0.0", "perception.enabled=false"])
    cfg["osc"]["control_enabled"] = False
    app = App(cfg, RunOptions(), display=display)
    app.setup()
    frame_ms: dict[str, list[float]] = {"before": [], "dead": [], "back": []}

    def run(seconds: float, phase: str, until=None) -> bool:
        return drive(app, seconds, frame_ms[phase], until)

    audio = app.engines.audio
    mic = None
    try:
        run(0.5, "before")
        assert audio.status() == "ok", audio.status()
        frames = app.frame_number
        jack.kill()
        assert run(5.0, "dead", lambda: audio.status().startswith("lost"))
        run(1.0, "dead")
        assert app.engines.statuses()["audio"].startswith("lost")
        assert app.frame_number - frames > 45 and app.state.running  # the visuals went on
        jack.start()
        assert run(15.0, "back", lambda: audio.status() == "ok"), audio.status()
        assert audio.reconnects >= 1
        outputs = jack.wait_for_port("salafault:output")
        before = set(jack.ports())
        mic = Microphone({})
        mic.start()
        assert mic.status() == "ok", mic.status()
        deadline = time.monotonic() + 5
        mic_ports = []
        while not mic_ports and time.monotonic() < deadline:
            mic_ports = [p for p in jack.ports() if p not in before and "in" in p.split(":")[1]]
            time.sleep(0.05)
        jack.connect(outputs[0], mic_ports[0])
        heard = []
        end = time.monotonic() + 1.2
        while time.monotonic() < end:
            run(0.05, "back")
            f = mic.latest()
            if f is not None:
                heard.append(f)
        loud = [f for f in heard if f.rms_db > -40]
        assert len(loud) > 5  # the sound is back...
        assert np.median([f.pitch_hz for f in loud]) == pytest.approx(440.0, rel=0.02)  # ...and it is the tone
    finally:
        if mic is not None:
            mic.stop()
        app.shutdown()
    assert np.median(frame_ms["dead"]) < 2 * np.median(frame_ms["before"]) + 2.0
