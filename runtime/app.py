"""The application loop: inputs -> perception -> scene -> outputs, every frame.

openFrameworks' life cycle: `setup` once, then per frame: read inputs, run zero or more fixed-rate
`update` steps (the simulation does not speed up or slow down with the render rate), `draw`, present.
Every input carries its capture time; the loop measures frame, update and render time and the age
of the camera frame it drew (capture to draw).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runtime.clock import FixedStep, now
from runtime.config import ConfigError, window_size
from runtime.devices.display import Display, open_display
from runtime.devices.file_watcher import FileWatchers
from runtime.devices.link import LinkClock
from runtime.devices.mic_features import MicFeatures
from runtime.devices.sources import FrameSource, open_source, resolve_auto
from runtime.engines import Engines
from runtime.error_log import ErrorLog
from runtime.errors import StartupError
from runtime.frames import Beat, CameraFrame, ControlMessage, Inputs, KeyEvent, Outputs, PointerEvent
from runtime.gfx import Graphics
from runtime.installation.kiosk import FrameDecision, Installation
from runtime.remote.publish import show_nodes, thumbnail
from runtime.remote.server import RemoteServer
from runtime.remote.surface import ShowSurface, Status
from runtime.scene_manager import SceneManager
from runtime.stats import FrameStats
from sound.commands import SoundCommand

log = logging.getLogger(__name__)


@dataclass
class RunOptions:
    frames: int = 0  # stop after this many frames (0: run until quit)
    screenshot: Path | None = None
    record_video: Path | None = None
    seconds: float = 0.0  # stop after this many seconds (0: no limit)
    record: Path | None = None  # run --record DIR: what the show sensed and sent (runtime/installation/recording.py)


@dataclass
class Note:
    text: str
    until: float
    key: str = ""


@dataclass
class AppState:
    running: bool = True
    overlay: bool = False
    notes: list[Note] = field(default_factory=list)


class App:
    def __init__(self, cfg: dict[str, Any], options: RunOptions | None = None,
                 display: Display | None = None) -> None:
        self.cfg = cfg
        self._own_display = display is None
        self.options = options or RunOptions()
        self.state = AppState(overlay=cfg["window"]["overlay"])
        self.stats = FrameStats()
        self.cameras: dict[str, FrameSource] = {}
        self.camera_status: dict[str, str] = {}
        self.display: Display | None = display
        self.frame_number = 0
        self.control_queue: list[ControlMessage] = []
        self._video_writer: Any = None
        self._held: set[str] = set()
        self._frames: dict[str, CameraFrame | None] | None = None  # the recorded frames, when recording
        self.files = FileWatchers()
        self._keys: list[KeyEvent] = []  # window input waiting for the next update
        self._pointer: list[PointerEvent] = []
        self.scene_errors = 0
        self.errors = ErrorLog(log)  # requests from outside that failed, logged at a bounded rate
        self.volume = float(cfg["audio"]["volume"])
        self.surface = ShowSurface()  # what show control (OSCQuery, the operator page) sees and sets
        self.remote: RemoteServer | None = None
        self.link: LinkClock | None = None
        self._beat: Beat | None = None
        self._next_publish = 0.0
        self._next_thumbnails = 0.0
        self._mic: MicFeatures | None = None
        self.max_fps = float(cfg["show"]["max_fps"])  # the render-rate cap (0: none)
        self._held_playlist: list[dict[str, Any]] | None = None  # the playlist while the attract loop plays
        self._last_error_log = 0.0
        self._screenshot_requested = False
        self._dropped_until = 0.0
        # Heartbeat, kiosk, attract loop, recording and replay (runtime/installation/kiosk.py).
        self.installation = Installation(cfg, self.options.record)

    # --- setup ------------------------------------------------------------------------------
    def setup(self) -> None:
        wcfg = self.cfg["window"]
        if self.display is None:
            self.display = open_display(wcfg["mode"], window_size(self.cfg), wcfg["title"], wcfg["vsync"],
                                        wcfg["hide_cursor"])
        self.gfx = Graphics(self.display.ctx, self.display.size, dev_reload=wcfg["dev_reload"])
        self.t0 = now()
        self.engines = Engines(self.cfg)
        for text in self.engines.start():
            self.note(text, key=text.split(":")[0])
        if self.cfg["link"]["enabled"]:
            self.link = LinkClock(self.cfg["link"]).start()
            if self.link.status() != "ok":
                self.note(f"Ableton Link: {self.link.status()}", key="link")
        if self.cfg["remote"]["enabled"]:
            self.remote = RemoteServer(self.cfg["remote"], self.surface, self.engines.control.port)
            self.remote.start()
            if self.remote.status() != "ok":
                self.note(f"show control: {self.remote.status()}", key="remote")
        self.engines.recorder, self.engines.replay = self.installation.recorder, self.installation.replay
        replay = self.installation.open_inputs(self.t0)
        if replay is None:
            self._open_cameras()
        else:  # replay:DIR brings its own cameras
            self.cameras = replay.cameras
            self.camera_status = {name: "ok" for name in self.cameras}
            if replay.fast:
                self.max_fps = 0.0  # as fast as the machine goes
            self.note(replay.note, key="input-main")
        show = self.cfg["show"]
        self.scenes = SceneManager(self.gfx, self.cfg["scenes"], show["crossfade"], show["playlist"])
        # Scenes named in the config are set up now, so a missing model file stops the start-up.
        self.scenes.preload([show["scene"], *(e["scene"] for e in show["playlist"])])
        if self.installation.wants_people(any(s.wants_people for s in self.scenes.instances.values())):
            self.engines.start_perception(self.cameras.get("main"))  # a bad model bundle stops the start
        if show["playlist"]:
            self.scenes.start_playlist()
        else:
            self.scenes.switch(show["scene"], fade=0.0)
        self.fixed = FixedStep(show["update_rate"], show["max_updates"])

    def _open_cameras(self) -> None:
        for name, ccfg in self.cfg["cameras"].items():
            spec, note = resolve_auto(ccfg["spec"])
            if note:
                self.note(f"{name}: {note}" if name != "main" else note, key=f"input-{name}")
            self.cameras[name] = open_source(spec, ccfg).start()
            self.camera_status[name] = "starting"
        # Start with a picture: give the sources a moment to deliver their first frame.
        deadline = now() + 3.0
        while now() < deadline and any(c.latest() is None and c.status == "starting"
                                       for c in self.cameras.values()):
            time.sleep(0.02)

    def note(self, text: str, key: str = "", seconds: float | None = None) -> None:
        """A status line shown on screen for a while (a note with the same key replaces it)."""
        seconds = self.cfg["window"]["note_seconds"] if seconds is None else seconds
        repeated = any(n.text == text and n.key == key for n in self.state.notes)
        self.state.notes = [n for n in self.state.notes if not key or n.key != key]
        self.state.notes.append(Note(text, now() + seconds, key))
        if not repeated:  # the same note again (a client repeating a bad request) is not logged again
            log.info("%s", text)

    # --- per frame --------------------------------------------------------------------------
    def handle_events(self) -> None:
        import pygame

        for event in pygame.event.get():
            if self.installation.on_event(event):  # a kiosk ignores the window's close button
                continue
            if event.type == pygame.QUIT:
                self.state.running = False
            elif event.type == pygame.KEYDOWN:
                name = pygame.key.name(event.key)
                self._held.add(name)
                self.on_key(name)
            elif event.type == pygame.KEYUP:
                self._held.discard(pygame.key.name(event.key))
            elif event.type in (pygame.MOUSEBUTTONDOWN, pygame.MOUSEMOTION, pygame.MOUSEBUTTONUP):
                pressed = event.type == pygame.MOUSEBUTTONDOWN or (
                    event.type == pygame.MOUSEMOTION and bool(event.buttons[0]))
                self._pointer.append(PointerEvent(float(event.pos[0]), float(event.pos[1]), pressed, now()))

    def on_key(self, name: str) -> None:
        wcfg = self.cfg["window"]
        exit_keys = set(wcfg["exit_keys"])
        if exit_keys and exit_keys <= self._held:
            self.state.running = False
            return
        if name == wcfg["overlay_key"].lower():
            self.state.overlay = not self.state.overlay
            return
        if name == wcfg["screenshot_key"].lower():
            self._screenshot_requested = True
            return
        if self.cfg["show"]["scene_keys"]:
            if name == "tab":
                self.scenes.next()
                return
            if name.isdigit() and name != "0":
                i = int(name) - 1
                if i < len(self.scenes.names):
                    self.switch_scene(self.scenes.names[i])
                    return
        self._keys.append(KeyEvent(name, now()))

    def switch_scene(self, name: str) -> bool:
        """Switch by name from a key or a control message; a bad name or a scene that fails its
        set-up is reported and the show stays where it is."""
        try:
            self.scenes.switch(name)
            return True
        except KeyError as exc:  # no such scene: the request was wrong, the show is fine
            self.note(f"cannot switch to {name!r}: {exc}", key="scene-switch")
            self.errors.report("scene switch refused", f"{name!r}: {exc}")
        except Exception as exc:  # a scene failing its set-up: worth its traceback, once an interval
            self.note(f"cannot switch to {name!r}: {exc}", key="scene-switch")
            self.errors.report("scene switch failed", f"{name!r}: {type(exc).__name__}: {exc}", exc)
        return False

    def poll_cameras(self) -> None:
        for name, cam in self.cameras.items():
            events = cam.poll_events()
            status = cam.status
            if status.startswith("lost") and not self.camera_status.get(name, "").startswith("lost"):
                events.append(status)
            elif status == "ok" and self.camera_status.get(name, "").startswith("lost") and "ok" not in events:
                events.append("ok")  # back from a stall: the source's own status never left "ok"
            for status_event in events:
                label = f"camera {name}" if name != "main" else "camera"
                if status_event.startswith("lost"):
                    self.note(f"{label} {status_event}; retrying", key=f"cam-{name}", seconds=1e9)
                elif status_event == "ok" and self.camera_status.get(name, "").startswith("lost"):
                    self.note(f"{label} is back", key=f"cam-{name}")
            self.camera_status[name] = status

    def handle_control(self) -> None:
        """Control messages from OSC: the app switches scenes and sets parameters; the rest
        (e.g. /sign) goes to the scene with its next update."""
        for msg in self.engines.control_messages() + self.surface.drain():
            if msg.address == "/sala/scene":
                self.switch_scene(str(msg.args[0]))
            elif msg.address in ("/sala/next", "/sala/previous"):
                try:
                    self.scenes.next(1 if msg.address == "/sala/next" else -1)
                except Exception as exc:
                    self.note(f"{msg.address}: {exc}", key="scene-switch")
                    self.errors.report("scene switch failed", f"{msg.address}: {exc}", exc)
            elif msg.address == "/sala/volume":
                self.volume = float(msg.args[0])
                self.engines.audio.apply([SoundCommand("set", key="master", params={"volume": self.volume})])
            elif msg.address == "/sala/link/tempo":
                if self.link is not None:
                    self.link.set_tempo(msg.args[0])
            elif msg.address == "/sala/restart":
                self.guarded("restart", self.scenes.restart)
            elif msg.address == "/sala/screenshot":
                self._screenshot_requested = True
            elif msg.address == "/sala/param":
                scene_name, key, value = msg.args
                try:
                    scene = self.scenes.get(scene_name) if scene_name else self.scenes.current
                    scene.set_param(key, value)
                except (KeyError, ValueError, TypeError) as exc:
                    self.note(f"/sala/param: {exc}", key="param")
                    self.errors.report("parameter refused", f"/sala/param {scene_name} {key}: {exc}")
            else:
                self.control_queue.append(msg)

    def make_inputs(self, t: float, dt: float) -> Inputs:
        control, self.control_queue = self.control_queue, []
        keys, self._keys = self._keys, []
        pointer, self._pointer = self._pointer, []
        scene = self.scenes.current
        files = self.files.poll(scene.watched_files(), t) if scene is not None else []
        return Inputs(
            t=t,
            dt=dt,
            frames=self._frames if self._frames is not None else {n: c.latest() for n, c in self.cameras.items()},
            camera_status=dict(self.camera_status),
            people=self.installation.scene_people(t, self.engines.people),
            audio=self._mic,
            control=control,
            keys=keys,
            pointer=pointer,
            files=files,
            beat=self._beat,
        )

    def run_updates(self, t: float, elapsed: float) -> Outputs:
        out = Outputs()
        steps = self.fixed.advance(elapsed)
        self.stats.add(updates=steps)
        if self.fixed.last_dropped > 0:
            self._dropped_until = now() + 2.0  # the overlay says so for a moment
        for _ in range(steps):
            inputs = self.make_inputs(t, self.fixed.dt)
            self.guarded("update", self.scenes.update, inputs, out)
        return out

    def guarded(self, what: str, fn: Any, *args: Any) -> None:
        """Run scene code; an exception is logged (once a second at most), counted and shown,
        and the show goes on with the next frame."""
        try:
            fn(*args)
        except Exception as exc:
            self.scene_errors += 1
            t = now()
            if t - self._last_error_log > 1.0:
                self._last_error_log = t
                log.exception("scene %s failed (%d errors so far)", what, self.scene_errors)
                self.note(f"scene {what} error: {type(exc).__name__}: {exc}", key="scene-error")

    def draw(self) -> None:
        gfx = self.gfx
        gfx.time = now() - self.t0
        if gfx.dev_reload:
            for error in gfx.reload_changed():
                self.note(error, key="shader")
        self.display.ctx.screen.use()
        gfx.clear()
        self.guarded("draw", self.scenes.draw)
        self.draw_notes()
        if self.state.overlay:
            self.draw_overlay()


    def draw_notes(self) -> None:
        t = now()
        self.state.notes = [n for n in self.state.notes if n.until > t]
        h = self.gfx.size[1]
        size = max(16, h // 40)
        y = h - 12
        for note in reversed(self.state.notes):
            tw, th = self.gfx.text_size(note.text, size)
            y -= th + 8
            self.gfx.text(note.text, (12, y), size, (1, 0.9, 0.6, 1), background=(0, 0, 0, 0.6))

    def overlay_lines(self) -> list[str]:
        s = self.stats.figures
        lines = [
            f"{self.stats.fps():5.1f} fps   frame {s['frame_ms'].median():5.2f} ms (p95 {s['frame_ms'].p(95):5.2f})",
            f"update {s['update_ms'].median():5.2f} ms   render {s['render_ms'].median():5.2f} ms",
            f"input age {s['input_age_ms'].median():6.1f} ms (p95 {s['input_age_ms'].p(95):6.1f})",
            f"scene {self.scenes.current.name if self.scenes.current else '-'}   frame {self.frame_number}",
        ]
        if now() < self._dropped_until:
            lines.append(f"updates: at most {self.fixed.max_steps} a frame, {self.fixed.dropped:.1f} s of scene "
                         "time dropped so far")
        lines += [f"camera {n}: {st}" for n, st in self.camera_status.items()]
        lines += [f"{n}: {st}" for n, st in self.engines.statuses().items()]
        if self.engines.people:
            lines.append(f"people {len(self.engines.people)}")
        return lines

    def draw_overlay(self) -> None:
        size = max(16, self.gfx.size[1] // 40)
        y = 10
        for line in self.overlay_lines():
            _, th = self.gfx.text(line, (10, y), size, (0.7, 1, 0.7, 1), background=(0, 0, 0, 0.65))
            y += th + 6

    def input_age_ms(self, t_draw: float) -> float:
        frame = self.cameras["main"].latest() if "main" in self.cameras else None
        return (t_draw - frame.t_capture) * 1000.0 if frame is not None else float("nan")

    # --- the loop ---------------------------------------------------------------------------
    def step(self, elapsed: float) -> None:
        """One frame: inputs, updates, draw. Split out so tests and the bench can drive it."""
        t_start = now()
        self.handle_events()
        self.poll_cameras()
        self.handle_control()
        t_input = now()
        main = self.cameras.get("main")
        self.engines.sense(main, self.installation.wants_people(self.scenes.wants_people))
        self._mic = self.engines.mic_features()
        self._beat = self.link.beat() if self.link is not None else None
        t_sensed = now()
        scene = self.scenes.current.name if self.scenes.current is not None else ""
        decision = self.installation.before_update(t_start, elapsed, self.cameras, self.engines.people, self._mic,
                                                   scene)  # replay, record, attract
        t_updates = self.carry_out(decision)
        out = self.run_updates(t_updates, decision.elapsed)
        t_scene = now()
        self.emit(out, t_updates)
        t_updated = now()
        self.stats.add(input_ms=(t_input - t_start) * 1000, perception_ms=(t_sensed - t_input) * 1000,
                       scene_update_ms=(t_scene - t_sensed) * 1000, outputs_ms=(t_updated - t_scene) * 1000)
        self.draw()
        self.display.ctx.finish()
        t_drawn = now()
        self.stats.add(update_ms=(t_updated - t_start) * 1000, render_ms=(t_drawn - t_updated) * 1000,
                       input_age_ms=self.input_age_ms(t_drawn))
        self.frame_number += 1
        self.stats.frames = self.frame_number
        self.installation.end_frame(self.frame_number, self.stats.fps(), len(self.engines.people), scene,
                                    self.stats.figures["frame_ms"].last())
        if self.remote is not None:
            self.publish(t_drawn)

    def publish(self, t: float) -> None:
        """The show's state for show control, a few times a second; pictures once a second while an
        operator page is open."""
        if t >= self._next_publish:
            self._next_publish = t + 1.0 / self.cfg["remote"]["publish_rate"]
            devices = {f"camera {n}" if n != "main" else "camera": st for n, st in self.camera_status.items()}
            devices.update(self.engines.statuses())
            devices["show control"] = self.remote.status() if self.remote is not None else "off"
            if self.link is not None:
                devices["link"] = self.link.status()
            fps, frame_ms = (v if math.isfinite(v) else 0.0 for v in (self.stats.fps(),
                                                                      self.stats.figures["frame_ms"].median()))
            people = self.engines.people
            nodes = show_nodes(self.scenes, self.volume, fps, frame_ms, people, devices, self._beat)
            current = self.scenes.current.name if self.scenes.current is not None else ""
            self.surface.publish(nodes, Status(devices, round(fps, 1), round(frame_ms, 2), len(people), current,
                                               [e["scene"] for e in self.scenes.playlist]))
        if self.remote is not None and self.remote.wants_thumbnails and t >= self._next_thumbnails:
            self._next_thumbnails = t + 1.0
            pictures = {"output": self.gfx.read_pixels()}
            for name, cam in self.cameras.items():
                frame = cam.latest()
                if frame is not None:
                    pictures[f"camera {name}"] = frame.image
            self.surface.thumbnails = {name: thumbnail(image) for name, image in pictures.items()}

    def carry_out(self, decision: FrameDecision) -> float:
        """What the installation decided for this frame; returns the time the updates run at."""
        if decision.stop:
            self.state.running = False
        if decision.people is not None:
            update = decision.people
            self.engines.set_people(update.people, update.t_capture, update.events)
        if decision.mic is not None:
            self._mic = decision.mic
        self._frames = decision.frames
        for command in decision.commands:
            if command.kind == "preload":
                self.scenes.preload(list(command.scenes))
            elif command.kind == "switch":
                self.switch_scene(command.scenes[0])
            elif command.kind == "hold_playlist":
                self._held_playlist, self.scenes.playlist = self.scenes.playlist, []
            elif command.kind == "resume_playlist" and self._held_playlist is not None:
                self.scenes.playlist, self._held_playlist = self._held_playlist, None
            elif command.kind == "control" and command.message is not None:
                self.control_queue.append(command.message)
        return decision.t

    def emit(self, out: Outputs, t: float) -> None:
        """Hand what the scene decided to the output engines."""
        for text in out.notes:
            self.note(text, key="scene")
        self.engines.emit(self.frame_number, out, t, self._mic)

    def run(self) -> int:
        opts = self.options
        try:
            try:
                self.setup()
            except ConfigError:
                raise
            except Exception as exc:
                log.debug("start-up failed", exc_info=True)
                raise StartupError(f"{type(exc).__name__}: {exc}") from exc
            period = 1.0 / self.max_fps if self.max_fps > 0 else 0.0
            last = now()
            while self.state.running:
                t = now()
                elapsed, last = t - last, t
                self.step(elapsed)
                last_frame = opts.frames and self.frame_number >= opts.frames
                last_frame = last_frame or (opts.seconds and t - self.t0 >= opts.seconds)
                if (last_frame and opts.screenshot) or opts.record_video or self._screenshot_requested:
                    self.capture(bool(last_frame))
                self.display.flip()
                self.stats.add(frame_ms=(now() - t) * 1000)
                if last_frame:
                    break
                if period:
                    spare = period - (now() - t)
                    if spare > 0:
                        time.sleep(spare)
        finally:
            self.shutdown()
        return 0

    def capture(self, final: bool) -> None:
        import cv2

        pixels = self.gfx.read_pixels()
        if self._screenshot_requested or (final and self.options.screenshot):
            path = self.options.screenshot if final and self.options.screenshot else \
                Path(self.cfg["recording"]["dir"] or "recordings") / time.strftime("screenshot-%Y%m%d-%H%M%S.png")
            path.parent.mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(path), pixels[:, :, ::-1])
            self._screenshot_requested = False
            log.info("screenshot: %s", path)
        if self.options.record_video:
            if self._video_writer is None:
                self.options.record_video.parent.mkdir(parents=True, exist_ok=True)
                fourcc = cv2.VideoWriter_fourcc(*"mp4v")
                fps = self.max_fps or 30.0
                self._video_writer = cv2.VideoWriter(str(self.options.record_video), fourcc, fps,
                                                     (pixels.shape[1], pixels.shape[0]))
            self._video_writer.write(pixels[:, :, ::-1])

    def shutdown(self) -> None:
        if hasattr(self, "scenes"):
            try:
                self.engines.audio.apply(self.scenes.leave_all().sound)
            except Exception:
                log.exception("scene exit")
        for cam in self.cameras.values():
            cam.stop()
        if hasattr(self, "engines"):
            self.engines.stop()
        self.installation.close()
        if self.remote is not None:
            self.remote.stop()
        if self.link is not None:
            self.link.stop()
        if self._video_writer is not None:
            self._video_writer.release()
        if self.display is not None and self._own_display:
            self.display.close()
