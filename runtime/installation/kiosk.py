"""What an unattended installation adds to the app loop: the heartbeat the supervisor watches, the
kiosk's ignored close button, the attract loop, recording (`run --record DIR`) and replay
(`--input replay:DIR`).

It never changes the app: each frame, `before_update` returns a `FrameDecision` (the time the
scene runs at, people and microphone from a replay, the frames the scene must see, the commands of
the attract loop, whether to stop) and the app carries it out. Each piece costs nothing when it is
not configured.
"""

from __future__ import annotations

import logging
import signal
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runtime.config import ConfigError
from runtime.devices.mic_features import MicFeatures
from runtime.devices.sources import FrameSource, PersonEvent
from runtime.frames import CameraFrame, Person
from runtime.installation.attract import AttractDirector, ShowCommand
from runtime.installation.heartbeat import Heartbeat
from runtime.installation.recording import Recorder
from runtime.installation.replay import Replay, ReplayError

log = logging.getLogger(__name__)


@dataclass
class PeopleUpdate:
    people: list[Person]
    t_capture: float
    events: list[PersonEvent]


@dataclass
class FrameDecision:
    """What the installation decided for one frame."""

    t: float  # the time the scene's updates run at: the engine clock's, or the recording's
    elapsed: float
    stop: bool = False  # the replay ended, or SIGTERM came
    people: PeopleUpdate | None = None  # from a replay
    mic: MicFeatures | None = None  # from a replay
    frames: dict[str, CameraFrame | None] | None = None  # when recording: exactly the frames recorded
    commands: list[ShowCommand] = field(default_factory=list)  # from the attract loop


@dataclass
class ReplayInputs:
    """A replay brings its own cameras and may lift the frame-rate cap."""

    cameras: dict[str, FrameSource]
    fast: bool
    note: str


class Installation:
    def __init__(self, cfg: dict[str, Any], record: Path | None = None) -> None:
        try:
            self.heartbeat = Heartbeat.from_env()
        except ValueError as exc:  # a mistyped SALA_FAULT or SALA_HEARTBEAT
            raise ConfigError(str(exc)) from None
        self.ignore_close = bool(cfg["kiosk"]["ignore_close"])
        self._close_clicked = False
        self._stop_requested = False
        self.attract = AttractDirector(cfg) if cfg["attract"]["enabled"] else None
        self.replay: Replay | None = None
        self.recorder: Recorder | None = None
        spec = cfg["cameras"].get("main", {}).get("spec", "")
        if spec.startswith("replay:"):
            rcfg = cfg["recording"]
            try:
                self.replay = Replay(Path(spec.removeprefix("replay:")), rcfg["replay_pace"], rcfg["replay_end"])
            except ReplayError as exc:
                raise ConfigError(f"--input {spec}: {exc}") from None
        if record:
            try:
                self.recorder = Recorder(Path(record), cfg)
            except OSError as exc:
                raise ConfigError(f"--record {record}: cannot write there: {exc}") from None
        if self.heartbeat.address is not None and threading.current_thread() is threading.main_thread():
            # Supervised: SIGTERM ends the loop cleanly (sound released, recording closed).
            signal.signal(signal.SIGTERM, self._on_sigterm)

    def _on_sigterm(self, _signum: int, _frame: Any) -> None:
        log.info("SIGTERM: stopping the show")
        self._stop_requested = True

    def wants_people(self, scene_wants: bool) -> bool:
        """Should perception run? For the scene, and for the attract loop, which must see the first
        real person whatever its scene uses; not when a replay provides the people."""
        if self.replay is not None and self.replay.has_people:
            return False
        return scene_wants or self.attract is not None

    # --- set-up -------------------------------------------------------------------------------
    def open_inputs(self, t0: float) -> ReplayInputs | None:
        """Called in setup. With replay:DIR, the recording's cameras replace the configured ones."""
        if self.recorder is not None:
            self.recorder.start(t0)
        if self.replay is None:
            return None
        self.replay.start(t0)
        return ReplayInputs(dict(self.replay.cameras), self.replay.pace == "fast",
                            f"input: replay of {self.replay.recording.folder} ({self.replay.pace})")

    # --- per frame ----------------------------------------------------------------------------
    def on_event(self, event: Any) -> bool:
        """True when the window event is consumed here (a kiosk ignores the window's close button;
        the QUIT that SDL sends after it is dropped too, a QUIT from SIGTERM is not)."""
        if not self.ignore_close:
            return False
        import pygame

        if event.type == pygame.WINDOWCLOSE:
            self._close_clicked = True
            log.info("kiosk: window close ignored (use the exit keys)")
            return True
        if event.type == pygame.QUIT and self._close_clicked:
            self._close_clicked = False
            return True
        return False

    def before_update(self, t: float, elapsed: float, cameras: dict[str, FrameSource], people: list[Person],
                      mic: MicFeatures | None, current_scene: str) -> FrameDecision:
        """Once per frame after sensing, before the scene updates: what this frame runs with."""
        decision = FrameDecision(t, elapsed, stop=self._stop_requested)
        if self.replay is not None:
            tick = self.replay.advance(t)
            if tick is None:
                log.info("replay finished")
                decision.stop, decision.elapsed = True, 0.0
                return decision
            decision.t, decision.elapsed = tick.t, tick.elapsed
            if tick.people is not None or tick.events:
                replayed = tick.people if tick.people is not None else people
                t_people = max((p.t_capture for p in replayed), default=tick.t)
                decision.people = PeopleUpdate(replayed, t_people, list(tick.events))
                people = replayed
            if tick.mic is not None:
                decision.mic = mic = tick.mic
        if self.recorder is not None:
            # The scene sees the frames that are recorded, not a newer one the camera thread brings
            # a moment later: what a replay shows is then exactly what the scene saw.
            decision.frames = {name: cam.latest() for name, cam in cameras.items()}
            self.recorder.tick(decision.t, decision.elapsed, decision.frames, people, mic)
        if self.attract is not None:
            decision.commands = self.attract.update(decision.t, people, current_scene)
        return decision

    def scene_people(self, t: float, real_people: list[Person]) -> list[Person]:
        if self.attract is None:
            return real_people
        return self.attract.scene_people(t, real_people)

    def end_frame(self, frame_number: int, fps: float, people: int, scene: str, frame_ms: float) -> None:
        """The supervisor's heartbeat."""
        if self.heartbeat.enabled:
            self.heartbeat.beat(frame_number, fps, people, scene, frame_ms)

    def close(self) -> None:
        if self.recorder is not None:
            self.recorder.close()
            self.recorder = None
        if self.replay is not None:
            self.replay.close()
        self.heartbeat.close()
