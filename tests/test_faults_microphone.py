"""Fault: the microphone's audio server dies and returns (a JACK dummy server killed and restarted).

The show runs in a child process, as it does in the room, so that a hang fails the test instead of
stalling the suite: the microphone measures a tone, goes "lost" when the server dies, comes back by
itself when the server returns, measures the tone again, and the show exits cleanly even when it is
stopped just after the server died once more.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from sound.jack_dummy import JackDummy
from tests.sound_support import jack_server

pytestmark = pytest.mark.jack

ROOT = Path(__file__).resolve().parents[1]
TONE_HZ = 48000 / 200  # jack_simple_client: a 200-sample sine table at 48 kHz

# The show's side: a Microphone reporting its status and features every 20 ms as JSON lines until told
# to stop; then it stops the microphone and leaves through the normal interpreter exit.
SHOW = """
import json, sys, threading, time
from runtime.devices.microphone import Microphone
mic = Microphone({"stall_seconds": 0.5, "retry_max_seconds": 1.0})
stop = threading.Event()
threading.Thread(target=lambda: (sys.stdin.readline(), stop.set()), daemon=True).start()
mic.start()
while not stop.is_set():
    f = mic.latest()
    capture = mic._capture
    print(json.dumps({"t": time.monotonic(), "status": mic.status(), "reconnects": mic.reconnects,
                      "pitch": f.pitch_hz if f else None, "rms": f.rms_db if f else None,
                      "capture_pid": capture.proc.pid if capture else None}), flush=True)
    time.sleep(0.02)
t = time.monotonic()
mic.stop()
print(json.dumps({"stopped_in": time.monotonic() - t, "status": mic.status(),
                  "portaudio_in_show": "sounddevice" in sys.modules}), flush=True)
"""


@pytest.fixture
def jack():
    yield from jack_server()


class Show:
    """The show process and the lines it prints, read on a thread."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", SHOW], cwd=ROOT, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                     env=dict(os.environ, PYTHONPATH=str(ROOT)))
        self.lines: queue.Queue[dict] = queue.Queue()
        self.pids: set[int] = set()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:  # type: ignore[union-attr]
            self.lines.put(json.loads(line))

    def until(self, condition, timeout: float) -> dict:
        """The first line meeting `condition` within `timeout` s."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                continue
            if line.get("capture_pid"):
                self.pids.add(line["capture_pid"])
            if condition(line):
                return line
        raise AssertionError(f"the show printed no such line within {timeout} s")

    def pitch_over(self, seconds: float, skip: float = 0.3) -> float:
        """Median pitch of the loud feature frames over `seconds` (after `skip` s of settling)."""
        t0 = self.until(lambda line: True, 2.0)["t"]
        lines = []
        while True:
            line = self.until(lambda line: True, 2.0)
            if line["t"] - t0 > skip + seconds:
                break
            if line["t"] - t0 > skip:
                lines.append(line)
        assert all(line["status"] == "ok" for line in lines), {line["status"] for line in lines}
        loud = [line["pitch"] for line in lines if line["rms"] is not None and line["rms"] > -40]
        assert len(loud) > 0.8 * len(lines), (f"{len(loud)} of {len(lines)} frames heard the tone "
                                              f"(median level {np.median([line['rms'] or -999 for line in lines])} dB)")
        return float(np.median(loud))


def connect_tone(jack: JackDummy) -> subprocess.Popen[bytes]:
    """Start the tone and connect it to the microphone's input port (PortAudio's, the only capture client)."""
    tone = jack.spawn_client("jack_simple_client", "salamictone")
    [left, *_] = jack.wait_for_port("salamictone:")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        inputs = [p for p in jack.ports() if p.startswith("PortAudio") and "in" in p.split(":")[1]]
        if inputs:
            for port in inputs:
                jack.connect(left, port)
            return tone
        time.sleep(0.05)
    raise AssertionError(f"the microphone's JACK input port did not appear: {jack.ports()}")


def tone_pitch(jack: JackDummy, measure: Callable[[], float],
               tone: subprocess.Popen | None = None) -> tuple[float, subprocess.Popen]:
    """(measured pitch, tone process): start the tone, connect it, measure. On a loaded machine JACK may
    drop a tone client that misses its deadline; a tone that is not heard is started once more."""
    for attempt in range(2):
        end(tone)
        tone = connect_tone(jack)
        try:
            return measure(), tone
        except AssertionError:
            if attempt == 1 or tone.poll() is None and jack.connections().get("salamictone:output1"):
                raise  # the tone still plays into the microphone and is not heard: a real failure
    raise AssertionError("unreachable")


def end(process: subprocess.Popen | None) -> None:
    if process is not None and process.poll() is None:
        process.kill()
        process.wait(timeout=5)


def test_microphone_loses_the_server_comes_back_by_itself_and_the_show_exits_cleanly(jack):
    show, tone = Show(), None
    try:
        show.until(lambda line: line["status"] == "ok", 10.0)
        pitch, tone = tone_pitch(jack, lambda: show.pitch_over(1.0))
        assert pitch == pytest.approx(TONE_HZ, rel=0.01)

        jack.kill()  # the server dies under the open stream
        end(tone)
        lost = show.until(lambda line: line["status"].startswith("lost"), 3.0)
        silent = show.until(lambda line: True, 1.0)
        assert silent["pitch"] is None and silent["status"].startswith("lost")  # scenes get silence

        jack.start()  # the server returns: nobody tells the microphone
        back = show.until(lambda line: line["status"] == "ok", 8.0)
        assert back["reconnects"] >= 1
        pitch, tone = tone_pitch(jack, lambda: show.pitch_over(1.0))
        assert pitch == pytest.approx(TONE_HZ, rel=0.01)

        jack.kill()  # dies again, and the show is stopped right away, while the capture may be stuck in it
        show.proc.stdin.write("stop\n")  # type: ignore[union-attr]
        show.proc.stdin.flush()  # type: ignore[union-attr]
        stopped = show.until(lambda line: "stopped_in" in line, 10.0)
        assert show.proc.wait(timeout=10) == 0
    finally:
        end(tone)
        end(show.proc)
    assert lost["status"] != "lost" and len(lost["status"]) > 10  # with the reason
    assert stopped["status"] == "off" and stopped["stopped_in"] < 2.0
    assert not stopped["portaudio_in_show"]  # the show's process never loaded PortAudio
    for pid in show.pids:  # no capture process outlives the show
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_a_capture_that_goes_silent_is_replaced_and_the_tone_is_heard_again(jack):
    """A device that stops delivering without any error (a frozen driver, here: the capture process
    stopped with SIGSTOP) is lost after stall_seconds; its process is killed and a new one opens the input."""
    from runtime.devices.microphone import Microphone

    mic = Microphone({"stall_seconds": 0.5, "retry_max_seconds": 1.0})
    tone = None
    mic.start()
    try:
        assert mic.status() == "ok", mic.status()
        pitch, tone = tone_pitch(jack, lambda: heard_pitch(mic, 1.0))
        assert pitch == pytest.approx(TONE_HZ, rel=0.01)
        frozen = mic._capture.proc
        os.kill(frozen.pid, signal.SIGSTOP)
        assert wait_for(lambda: mic.status().startswith("lost: no audio from the input"), 3.0), mic.status()
        assert mic.latest() is None  # silence, not the last frame forever
        assert wait_for(lambda: mic.status() == "ok", 5.0), mic.status()
        assert frozen.poll() is not None and mic.reconnects == 1  # killed and reaped, a new one runs
        pitch, tone = tone_pitch(jack, lambda: heard_pitch(mic, 1.0), tone)
        assert pitch == pytest.approx(TONE_HZ, rel=0.01)
    finally:
        end(tone)
        mic.stop()
    assert mic.status() == "off"


def wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def heard_pitch(mic, seconds: float, skip: float = 0.3) -> float:
    """Median pitch of the loud feature frames read from `mic` over `seconds` after `skip` s."""
    time.sleep(skip)
    pitches, end_t = [], time.monotonic() + seconds
    while time.monotonic() < end_t:
        f = mic.latest()
        if f is not None and f.rms_db > -40:
            pitches.append(f.pitch_hz)
        time.sleep(0.01)
    assert len(pitches) > 20, f"only {len(pitches)} loud frames"
    return float(np.median(pitches))
