"""The devices around the scenes: sound out, microphone in, OSC out, OSC control in, perception.

The app loop owns one `Engines`. Each engine starts without raising for a missing device (the
reason is in its status), works off the render thread where it can block, and comes back by itself
when its device does. Scenes never see these objects, only the data they produce and consume.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from runtime.clock import now
from runtime.devices.mic_features import MicFeatures
from runtime.devices.sources import FrameSource, PeopleSource, PersonEvent
from runtime.frames import ControlMessage, OscMessage, Outputs, Person
from runtime.osc.schema import mic_message, person_event, person_message

if TYPE_CHECKING:
    from runtime.installation.recording import Recorder
    from runtime.installation.replay import Replay
    from runtime.perception import PoseTracker

log = logging.getLogger(__name__)


class Engines:
    def __init__(self, cfg: dict[str, Any]) -> None:
        from runtime.devices.microphone import Microphone
        from runtime.osc.control import ControlServer
        from runtime.osc.send import OscOut
        from sound.engine import AudioEngine

        self.cfg = cfg
        self.audio = AudioEngine(cfg["audio"], now=now)
        self.mic = Microphone(cfg["microphone"]) if cfg["microphone"].get("enabled", True) else None
        self.osc_out = OscOut(cfg["osc"])
        self.control = ControlServer(cfg["osc"])
        self.perception: PoseTracker | None = None  # created when a scene first wants people
        self.people: list[Person] = []
        self.people_t = 0.0  # capture time of the frame the people come from
        self._last_submitted: tuple[str, int] | None = None
        self.recorder: Recorder | None = None  # hears the control messages and the OSC (set by the app)
        self.replay: Replay | None = None  # supplies the recorded control messages (set by the app)
        self._pending_events: list[OscMessage] = []

    def start(self) -> list[str]:
        """Start every engine; returns notes for the screen about the ones that are off."""
        notes = []
        self.audio.start()
        if self.mic is not None:
            self.mic.start()
        try:
            self.control.start()
        except OSError as exc:  # the port is taken: the show runs without remote control
            notes.append(f"OSC control server not started: {exc}")
        for name, status in self.statuses().items():
            if status.startswith(("lost", "error", "refused", "off: cannot")):
                notes.append(f"{name}: {status}")
        return notes

    def statuses(self) -> dict[str, str]:
        out = {"audio": self.audio.status(), "osc out": self.osc_out.status(), "osc in": self.control.status()}
        if self.mic is not None:
            out["microphone"] = self.mic.status()
        if self.perception is not None:
            out["perception"] = "ok"
        return out

    # --- per frame --------------------------------------------------------------------------
    def control_messages(self) -> list[ControlMessage]:
        messages = self.control.drain()
        if self.replay is not None:
            if messages:
                log.info("replay: %d live control message(s) ignored", len(messages))
            messages = self.replay.next_control()
        if self.recorder is not None:
            self.recorder.control(messages)
        return messages

    def sense(self, source: FrameSource | None, want_people: bool) -> None:
        """Hand the newest camera frame to perception (never blocks) and take its newest result.
        A source that knows its people itself (virtual visitors) skips perception."""
        if source is None:
            return
        if isinstance(source, PeopleSource):
            people, t, events = source.take_people()
            if t != self.people_t or events:
                self.set_people(people, t, events)
            return
        frame = source.latest()
        if not want_people or frame is None or not self.start_perception(source):
            return
        key = (frame.source, frame.index)
        if key != self._last_submitted:
            self.perception.submit(frame)
            self._last_submitted = key
        result = self.perception.latest()
        if result is not None and result.t_capture != self.people_t:
            self.set_people(result.people, result.t_capture, result.events)

    def start_perception(self, source: FrameSource | None) -> bool:
        """Create the pose tracker if perception is enabled and the source needs it. Raises when the
        model bundle is missing or corrupt, naming the file."""
        if not self.cfg["perception"]["enabled"] or source is None or isinstance(source, PeopleSource):
            return False
        if self.perception is None:
            from runtime.perception import PoseTracker

            self.perception = PoseTracker(self.cfg["perception"])
            self.perception.start()
        return True

    def set_people(self, people: list[Person], t_capture: float, events: Sequence[PersonEvent] = ()) -> None:
        """People from perception, from virtual visitors or from a replay, with enter/exit events."""
        self.people, self.people_t = people, t_capture
        for kind, person_id, *_ in events:
            self._pending_events.append(person_event(kind, person_id))

    def mic_features(self) -> MicFeatures | None:
        return self.mic.latest() if self.mic is not None else None

    def emit(self, frame_number: int, out: Outputs, t: float, mic: MicFeatures | None) -> None:
        """Play what the scene asked for and send the frame's OSC bundle. `t` is the time the
        scene's updates ran at (the recording's time in a replay)."""
        self.audio.apply(out.sound)
        self.audio.poll(now())
        messages = [person_message(p) for p in self.people]
        messages += self._pending_events
        self._pending_events = []
        if mic is not None:
            messages += mic_message(mic)
        messages += out.osc
        if self.replay is not None and self.replay.finished:
            return  # the frame after the end of a replay was never recorded: it says nothing
        if self.recorder is not None:
            self.recorder.osc(t, messages)
        self.osc_out.send_frame(frame_number, self.people_t or t, messages)

    def stop(self) -> None:
        for name, stop in (("perception", getattr(self.perception, "stop", None)),
                           ("control", self.control.stop), ("microphone", getattr(self.mic, "stop", None)),
                           ("audio", self.audio.stop), ("osc out", self.osc_out.close)):
            if stop is None:
                continue
            try:
                stop()
            except Exception:
                log.exception("stopping %s", name)
