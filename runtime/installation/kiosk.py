"""What an unattended installation adds to the app loop, behind a handful of calls from
runtime/app.py: the heartbeat the supervisor watches, the kiosk's ignored close button, the
attract loop, recording (`run --record DIR`) and replay (`--input replay:DIR`).

Each piece costs nothing when it is not configured.
"""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path
from typing import Any

from runtime.config import ConfigError
from runtime.installation.attract import AttractDirector
from runtime.installation.heartbeat import Heartbeat
from runtime.installation.recording import Recorder
from runtime.installation.replay import Replay, ReplayError

log = logging.getLogger(__name__)


class Installation:
    def __init__(self, app: Any) -> None:
        self.app = app
        cfg = app.cfg
        try:
            self.heartbeat = Heartbeat.from_env()
        except ValueError as exc:  # a mistyped SALA_FAULT or SALA_HEARTBEAT
            raise ConfigError(str(exc)) from None
        self.ignore_close = bool(cfg["kiosk"]["ignore_close"])
        self._close_clicked = False
        self.attract = AttractDirector(cfg) if cfg["attract"]["enabled"] else None
        self.replay: Replay | None = None
        self.recorder: Recorder | None = None
        self._frames: dict[str, Any] | None = None
        spec = cfg["cameras"].get("main", {}).get("spec", "")
        if spec.startswith("replay:"):
            rcfg = cfg["recording"]
            try:
                self.replay = Replay(Path(spec.removeprefix("replay:")), rcfg["replay_pace"], rcfg["replay_end"])
            except ReplayError as exc:
                raise ConfigError(f"--input {spec}: {exc}") from None
        record = getattr(app.options, "record", None)
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
        self.app.state.running = False

    def wants_people(self, scene_wants: bool) -> bool:
        """Should perception run? For the scene, and for the attract loop, which must see the first
        real person whatever its scene uses; not when a replay provides the people."""
        if self.replay is not None and self.replay.has_people:
            return False
        return scene_wants or self.attract is not None

    # --- set-up -------------------------------------------------------------------------------
    def open_inputs(self) -> bool:
        """Called in setup once the engines exist. With replay:DIR, the recording's cameras replace
        the configured ones (returns True: the app opens no camera)."""
        app = self.app
        engines = getattr(app, "engines", None)
        if engines is not None:
            # The recorder hears the control messages and the OSC; a replay supplies the control.
            engines.recorder, engines.replay = self.recorder, self.replay
        if self.recorder is not None:
            self.recorder.start(app.t0)
        if self.replay is None:
            return False
        self.replay.start(app.t0)
        app.cameras = dict(self.replay.cameras)
        app.camera_status = {name: "ok" for name in app.cameras}
        if self.replay.pace == "fast":
            app.cfg["show"]["max_fps"] = 0.0  # no frame-rate cap: as fast as the machine goes
        app.note(f"input: replay of {self.replay.recording.folder} ({self.replay.pace})", key="input-main")
        return True

    # --- per frame ----------------------------------------------------------------------------
    def on_event(self, event: Any) -> bool:
        """True when the event is consumed here (a kiosk ignores the window's close button; the
        QUIT that SDL sends after it is dropped too, a QUIT from SIGTERM is not)."""
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

    def before_update(self, t: float, elapsed: float) -> tuple[float, float]:
        """Called once per frame after sensing, before the scene updates. Returns the time and
        elapsed time the updates use: the engine clock's, or the recording's in a replay."""
        app = self.app
        engines = getattr(app, "engines", None)
        if self.replay is not None:
            tick = self.replay.advance(t)
            if tick is None:
                log.info("replay finished")
                app.state.running = False
                return t, 0.0
            t, elapsed = tick.t, tick.elapsed
            if engines is not None and (tick.people is not None or tick.events):
                people = tick.people if tick.people is not None else engines.people
                t_people = max((p.t_capture for p in people), default=tick.t)
                engines.set_people(people, t_people, tick.events)
            if tick.mic is not None:
                app._mic = tick.mic
        real_people = engines.people if engines is not None else []
        if self.recorder is not None:
            # The scene sees the frames that are recorded, not a newer one the camera thread brings
            # a moment later: what a replay shows is then exactly what the scene saw.
            self._frames = {name: cam.latest() for name, cam in app.cameras.items()}
            self.recorder.tick(t, elapsed, self._frames, real_people, getattr(app, "_mic", None))
        if self.attract is not None:
            self.attract.update(app, t, real_people)
        return t, elapsed

    def frames(self, cameras: dict[str, Any]) -> dict[str, Any]:
        """The newest frame of each camera for the scene's update."""
        if self._frames is not None:
            return dict(self._frames)
        return {name: cam.latest() for name, cam in cameras.items()}

    def scene_people(self, t: float, real_people: list[Any]) -> list[Any]:
        if self.attract is None:
            return real_people
        return self.attract.scene_people(t, real_people)

    def end_frame(self) -> None:
        app = self.app
        if not self.heartbeat.enabled:
            return
        scene = app.scenes.current.name if getattr(app, "scenes", None) and app.scenes.current else ""
        people = len(app.engines.people) if hasattr(app, "engines") else 0
        self.heartbeat.beat(app.frame_number, app.stats.fps(), people, scene, app.stats.figures["frame_ms"].last())

    def close(self) -> None:
        if self.recorder is not None:
            self.recorder.close()
            self.recorder = None
        if self.replay is not None:
            self.replay.close()
        self.heartbeat.close()
