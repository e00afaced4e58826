"""The scene manager: which scene is on, switching by key, OSC or playlist, GPU crossfades."""

from __future__ import annotations

import logging
from typing import Any

from runtime.frames import Inputs, Outputs
from runtime.gfx import Graphics
from runtime.scene import Scene, registry

log = logging.getLogger(__name__)


class SceneManager:
    def __init__(self, gfx: Graphics, scene_config: dict[str, dict[str, Any]], crossfade: float,
                 playlist: list[dict[str, Any]] | None = None) -> None:
        self.gfx = gfx
        self.scene_config = scene_config
        self.crossfade = crossfade
        self.playlist = list(playlist or [])
        self.available = registry()
        self._check_config()
        self.instances: dict[str, Scene] = {}
        self.current: Scene | None = None
        self.previous: Scene | None = None
        self.fade = 1.0  # 0..1 progress of the crossfade into `current`
        self._playlist_index = 0
        self._playlist_elapsed = 0.0
        self.switches = 0
        self._exit_out = Outputs()  # what scenes left outside an update release (sent next update)

    def _check_config(self) -> None:
        """[scenes.NAME] tables are checked at start-up against each scene's own parameters."""
        from runtime.config import ConfigError

        for name, values in self.scene_config.items():
            if name not in self.available:
                raise ConfigError(f"[scenes.{name}]: no scene {name!r}; allowed: {', '.join(self.names)}")
            try:
                self.available[name].check_params(values)
            except ValueError as exc:
                raise ConfigError(f"[scenes.{name}]: {exc}") from None

    @property
    def names(self) -> list[str]:
        return sorted(self.available)

    def get(self, name: str) -> Scene:
        """The scene instance, created and set up on first use. Unknown names raise KeyError with
        the allowed names; a scene whose set-up fails (a missing model file) raises its error."""
        if name not in self.available:
            raise KeyError(f"no scene {name!r}; allowed: {', '.join(self.names)}")
        if name not in self.instances:
            scene = self.available[name](self.scene_config.get(name, {}))
            scene.setup(self.gfx)
            self.instances[name] = scene
        return self.instances[name]

    def preload(self, names: list[str]) -> None:
        for name in names:
            self.get(name)

    def switch(self, name: str, fade: float | None = None) -> None:
        scene = self.get(name)
        if scene is self.current:
            return
        if self.current is not None and self.previous is not None and self.previous is not scene:
            self.previous.exit(self._exit_out)  # a switch during a fade: the oldest scene leaves now
        self.previous = self.current
        self.current = scene
        duration = self.crossfade if fade is None else fade
        self.fade = 0.0 if (self.previous is not None and duration > 0) else 1.0
        self._fade_duration = max(duration, 1e-6)
        if self.fade >= 1.0 and self.previous is not None:
            self.previous.exit(self._exit_out)
            self.previous = None
        scene.enter()
        self.switches += 1
        log.info("scene: %s", name)

    def restart(self) -> None:
        """The current scene leaves (its voices released) and enters again."""
        if self.current is not None:
            self.current.exit(self._exit_out)
            self.current.enter()
            log.info("scene restarted: %s", self.current.name)

    def next(self, step: int = 1) -> None:
        names = self.names
        i = names.index(self.current.name) if self.current and self.current.name in names else -1
        self.switch(names[(i + step) % len(names)])

    def start_playlist(self) -> None:
        if self.playlist:
            self._playlist_index, self._playlist_elapsed = 0, 0.0
            self.switch(self.playlist[0]["scene"], fade=0.0)

    def update(self, inputs: Inputs, out: Outputs) -> None:
        if self._exit_out.sound or self._exit_out.osc:
            out.sound.extend(self._exit_out.sound)
            out.osc.extend(self._exit_out.osc)
            self._exit_out = Outputs()
        if self.playlist:
            self._playlist_elapsed += inputs.dt
            entry = self.playlist[self._playlist_index]
            if self._playlist_elapsed >= entry["seconds"]:
                self._playlist_index = (self._playlist_index + 1) % len(self.playlist)
                self._playlist_elapsed = 0.0
                self.switch(self.playlist[self._playlist_index]["scene"])
        if self.previous is not None:
            self.fade = min(1.0, self.fade + inputs.dt / self._fade_duration)
            self.previous.update(inputs, Outputs())  # the outgoing scene moves on but says nothing
            if self.fade >= 1.0:
                self.previous.exit(out)
                self.previous = None
        if self.current is not None:
            self.current.update(inputs, out)

    def leave_all(self) -> Outputs:
        """Every scene on screen leaves (the show stops); returns what they release."""
        for scene in (self.previous, self.current):
            if scene is not None:
                scene.exit(self._exit_out)
        self.previous = self.current = None
        out, self._exit_out = self._exit_out, Outputs()
        return out

    def draw(self) -> None:
        gfx = self.gfx
        if self.previous is None or self.current is None:
            if self.current is not None:
                self.current.draw(gfx)
            return
        a, b = gfx.target("fade-from"), gfx.target("fade-to")
        for scene, target in ((self.previous, a), (self.current, b)):
            with gfx.rendering_to(target):
                gfx.clear()
                scene.draw(gfx)
        prog = gfx.program("common/fullscreen.vert", "transition/crossfade.frag")
        gfx.quad(prog, u_from=a.texture, u_to=b.texture, u_mix=_ease(self.fade))

    @property
    def wants_people(self) -> bool:
        return any(s is not None and s.wants_people for s in (self.current, self.previous))


def _ease(x: float) -> float:
    """Smoothstep: a crossfade that starts and ends gently."""
    return x * x * (3.0 - 2.0 * x)
