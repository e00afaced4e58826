"""The attract loop: when nobody has been seen for a while, the show plays to the empty room.

`AttractLoop` is the state machine alone (time and head count in, actions out), tested with
synthetic time. `AttractDirector` turns its actions into `ShowCommand`s that the app carries out:
hold the playlist, switch to the attract scenes ([[attract.playlist]]), have the avatar sign the
greeting (a `/sign` control message, as if it came from the control port) and bring the live scene
back when the first real person has been seen for confirm_seconds. Scenes of steps with
`visitors = true` see virtual visitors instead of the empty room.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from runtime.devices.virtual_visitors import VirtualVisitors
from runtime.frames import ControlMessage, Person

log = logging.getLogger(__name__)

LIVE = "live"
ATTRACT = "attract"


@dataclass(frozen=True)
class AttractStep:
    scene: str
    seconds: float = 30.0
    visitors: bool = False
    sign: bool = False


@dataclass(frozen=True)
class ShowCommand:
    """What the installation asks of the show for this frame; the app carries it out."""

    kind: str  # "preload" | "switch" | "hold_playlist" | "resume_playlist" | "control"
    scenes: tuple[str, ...] = ()  # preload: these; switch: the first
    message: ControlMessage | None = None  # control: as if it came from the control port


@dataclass(frozen=True)
class Action:
    kind: str  # "attract" (the loop starts) | "step" (next scene) | "sign" | "live" (a person came)
    scene: str = ""
    text: str = ""


class AttractLoop:
    def __init__(self, idle_seconds: float, confirm_seconds: float = 0.5, steps: list[AttractStep] | None = None,
                 greeting: str = "", sign_every: float = 8.0) -> None:
        self.idle_seconds = idle_seconds
        self.confirm_seconds = confirm_seconds
        self.steps = list(steps or [])
        self.greeting = greeting
        self.sign_every = sign_every
        self.state = LIVE
        self.step_index = 0
        self.last_seen: float | None = None  # when a person was last seen (or the start)
        self.seen_since: float | None = None  # while attracting: since when someone is in view
        self._step_started = 0.0
        self._last_sign = -1e18
        self.attract_count = 0

    @property
    def step(self) -> AttractStep | None:
        return self.steps[self.step_index] if self.state == ATTRACT and self.steps else None

    @property
    def shows_visitors(self) -> bool:
        step = self.step
        return self.state == ATTRACT and (step.visitors if step is not None else True)

    def update(self, t: float, people: int) -> list[Action]:
        """Advance to time `t` with `people` real people in view; return what to do now."""
        if self.last_seen is None:
            self.last_seen = t  # the room counts as empty from the start
        if self.state == LIVE:
            if people > 0:
                self.last_seen = t
            elif t - self.last_seen >= self.idle_seconds:
                return self._enter(t)
            return []
        # attracting
        if people > 0:
            if self.seen_since is None:
                self.seen_since = t
            if t - self.seen_since >= self.confirm_seconds:
                self.state = LIVE
                self.last_seen = t
                self.seen_since = None
                return [Action("live")]
        else:
            self.seen_since = None
        actions: list[Action] = []
        step = self.step
        if step is not None and len(self.steps) > 1 and t - self._step_started >= step.seconds:
            self.step_index = (self.step_index + 1) % len(self.steps)
            self._step_started = t
            step = self.steps[self.step_index]
            self._last_sign = -1e18
            actions.append(Action("step", step.scene))
        if step is not None and step.sign and self.greeting and t - self._last_sign >= self.sign_every:
            self._last_sign = t
            actions.append(Action("sign", step.scene, self.greeting))
        return actions

    def _enter(self, t: float) -> list[Action]:
        self.state = ATTRACT
        self.attract_count += 1
        self.step_index = 0
        self._step_started = t
        self._last_sign = -1e18
        self.seen_since = None
        step = self.step
        actions = [Action("attract", step.scene if step else "")]
        if step is not None and step.sign and self.greeting:
            self._last_sign = t
            actions.append(Action("sign", step.scene, self.greeting))
        return actions


class AttractDirector:
    """The attract loop in the show: its actions as `ShowCommand`s, virtual visitors for its steps."""

    def __init__(self, cfg: dict[str, Any]) -> None:
        acfg = cfg["attract"]
        steps = [AttractStep(s["scene"], s["seconds"], s["visitors"], s["sign"]) for s in acfg["playlist"]]
        self.loop = AttractLoop(acfg["idle_seconds"], acfg["confirm_seconds"], steps, acfg["greeting"],
                                acfg["sign_every"])
        self.n_visitors = acfg["visitors"]
        self.seed = acfg["seed"]
        self._visitors: VirtualVisitors | None = None
        self._visitors_missing = False
        self._live_scene = ""
        self._checked = False

    @property
    def attracting(self) -> bool:
        return self.loop.state == ATTRACT

    def update(self, t: float, real_people: list[Person], current_scene: str) -> list[ShowCommand]:
        commands = []
        if not self._checked:
            # Set up the attract scenes on the first frame, not at night when the room empties:
            # an unknown scene or a missing model file stops the show now, with its message.
            self._checked = True
            commands.append(ShowCommand("preload", tuple(step.scene for step in self.loop.steps)))
        for action in self.loop.update(t, len(real_people)):
            commands += self._commands(action, t, current_scene)
        return commands

    def scene_people(self, t: float, real_people: list[Person]) -> list[Person]:
        """What the scene sees: the real people, or virtual visitors in an attract step with them."""
        if not self.loop.shows_visitors or self.n_visitors <= 0:
            return real_people
        visitors = self._virtual_visitors()
        return visitors.step(t) if visitors is not None else real_people

    def _commands(self, action: Action, t: float, current_scene: str) -> list[ShowCommand]:
        if action.kind == "attract":
            self._live_scene = current_scene
            self._visitors = None  # the visitors start their walk afresh
            log.info("nobody seen for %.0f s: attract loop", self.loop.idle_seconds)
            hold = [ShowCommand("hold_playlist")]  # the playlist waits for people
            return hold + ([ShowCommand("switch", (action.scene,))] if action.scene else [])
        if action.kind == "step":
            return [ShowCommand("switch", (action.scene,))]
        if action.kind == "sign":
            return [ShowCommand("control", message=ControlMessage("/sign", (action.text,), t, "attract"))]
        if action.kind == "live":
            log.info("a visitor: back to the live scene %s", self._live_scene or "(as it was)")
            back = [ShowCommand("resume_playlist")]
            if self._live_scene and current_scene != self._live_scene:
                back.append(ShowCommand("switch", (self._live_scene,)))
            return back
        return []

    def _virtual_visitors(self) -> VirtualVisitors | None:
        if self._visitors is None and not self._visitors_missing:
            try:
                self._visitors = VirtualVisitors(self.n_visitors, self.seed)
            except (ImportError, OSError, ValueError) as exc:
                self._visitors_missing = True
                log.warning("attract loop without virtual visitors: %s", exc)
                return None
        return self._visitors
