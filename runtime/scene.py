"""Scenes: the openFrameworks life cycle (setup / update / draw) plus enter and exit.

A scene never opens a device. It receives `Inputs` (time-stamped frames, people, microphone
features, control messages, keys, pointer and watched files), appends what to send and play to
`Outputs`, and draws with the `Graphics` it is given. That is what makes every scene testable
with recorded or synthetic input.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from runtime import jobs
from runtime.frames import Inputs, Outputs

T = TypeVar("T")

if TYPE_CHECKING:
    from runtime.gfx import Graphics

_REGISTRY: dict[str, type[Scene]] = {}


@dataclass(frozen=True)
class ParamInfo:
    """What a show controller shows of a parameter (OSCQuery, the operator page)."""

    description: str = ""
    min: float | None = None
    max: float | None = None
    unit: str = ""
    choices: tuple[str, ...] = ()


class Scene:
    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    # Parameters settable from config ([scenes.NAME]) and OSC (/sala/param NAME VALUE) with defaults.
    params: ClassVar[dict[str, Any]] = {}
    # Description, range, unit or choices of parameters, for show control (optional per key).
    param_info: ClassVar[dict[str, ParamInfo]] = {}
    # True when the scene uses inputs.people: the runtime then runs pose perception for it.
    wants_people: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.name:
            _REGISTRY[cls.name] = cls

    def __init__(self, config: dict[str, Any] | None = None) -> None:
        self.values: dict[str, Any] = dict(self.params)
        for key, value in (config or {}).items():
            self.set_param(key, value)

    # --- life cycle -------------------------------------------------------------------------
    def setup(self, gfx: Graphics) -> None:
        """Create GPU resources. Called once, with the GL context current."""

    def enter(self) -> None:
        """The scene becomes visible (start of a crossfade into it)."""

    def exit(self, out: Outputs) -> None:
        """The scene is left (its crossfade out has ended): release its voices into `out`, stop
        what it started."""

    def watched_files(self) -> dict[str, float]:
        """Files whose changes come in `inputs.files`: path -> seconds between checks."""
        return {}

    def background(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> Future[T]:
        """Run slow work (animating, loading) off the frame on the runtime's worker."""
        return jobs.submit(fn, *args, **kwargs)

    def update(self, inputs: Inputs, out: Outputs) -> None:
        """Advance the scene by one fixed step (inputs.dt)."""

    def draw(self, gfx: Graphics) -> None:
        """Draw into the bound framebuffer (the screen, or a crossfade target)."""

    # --- parameters -------------------------------------------------------------------------
    def set_param(self, key: str, value: Any) -> None:
        if key not in self.params:
            allowed = ", ".join(sorted(self.params)) or "(none)"
            raise KeyError(f"scene {self.name!r} has no parameter {key!r}; allowed: {allowed}")
        default = self.params[key]
        if isinstance(default, bool):
            value = value if isinstance(value, bool) else str(value).lower() in ("1", "true", "on", "yes")
        elif isinstance(default, (int, float)) and not isinstance(value, (int, float)):
            value = type(default)(value)
        elif isinstance(default, float):
            value = float(value)
        self.values[key] = value

    @classmethod
    def check_params(cls, config: dict[str, Any]) -> None:
        """Raise ValueError naming the key and what is allowed if `config` does not fit `params`."""
        for key, value in config.items():
            if key not in cls.params:
                allowed = ", ".join(sorted(cls.params)) or "(none)"
                raise ValueError(f"unknown key {key!r}; allowed: {allowed}")
            default = cls.params[key]
            if isinstance(default, bool):
                ok = isinstance(value, bool)
            elif isinstance(default, (int, float)):
                ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            else:
                ok = isinstance(value, type(default))
            if not ok:
                raise ValueError(f"key {key!r} is {value!r}, but it must be like the default {default!r}")

    def status(self) -> dict[str, Any]:
        """Figures for the overlay and the health line."""
        return {}


def registry() -> dict[str, type[Scene]]:
    """All registered scenes, importing the built-in scene packages first."""
    import importlib

    for module in ("scenes.testcard", "scenes.pose_space", "scenes.signing", "scenes.sonification"):
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name and not exc.name.startswith(module):
                raise
    return dict(_REGISTRY)
