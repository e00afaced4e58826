"""Input specs to sources: `auto`, `camera:INDEX`, `video:PATH`, `images:DIR|builtin`, `visitors:N`
(`replay:DIR` is opened by the installation, which drives the loop from the recording)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from runtime.devices.cameras import CameraSource, ImageSlideshow, OpenCVCamera, VideoFile, probe_camera
from runtime.devices.visitors import VisitorsSource
from runtime.frames import CameraFrame, Person

PersonEvent = tuple[str, int, float]  # ("enter" | "exit", track id, engine time)


@runtime_checkable
class FrameSource(Protocol):
    """What the loop uses of an input: a camera, a video, pictures, visitors or a replayed camera."""

    spec: str
    status: str  # "starting" | "ok" | "lost: reason"
    frames_captured: int
    reconnects: int

    def start(self) -> FrameSource: ...

    def stop(self, timeout: float = ...) -> None: ...

    def latest(self) -> CameraFrame | None: ...

    def poll_events(self) -> list[str]: ...


@runtime_checkable
class PeopleSource(FrameSource, Protocol):
    """A source that brings its own people (virtual visitors): perception does not run on it."""

    def take_people(self) -> tuple[list[Person], float, list[PersonEvent]]:
        """The newest people with their capture time, and the enter/exit events since the last call."""
        ...


def resolve_auto(spec: str) -> tuple[str, str | None]:
    """Resolve `auto` to the spec that will be used, with a note saying which and why."""
    if spec != "auto":
        return spec, None
    if probe_camera(0):
        return "camera:0", "input: camera 0"
    return "images:builtin", "input: no camera opened, showing the built-in photographs (images:builtin)"


def open_source(spec: str, cfg: dict[str, Any]) -> CameraSource:
    """Make a source from a spec. Raises ValueError for a spec that can never work."""
    kind, _, arg = spec.partition(":")
    if kind == "camera":
        try:
            return OpenCVCamera(spec, cfg, int(arg or 0))
        except ValueError:
            raise ValueError(f"camera spec {spec!r}: INDEX must be an integer, e.g. camera:0") from None
    if kind == "video":
        if not arg:
            raise ValueError("video spec needs a path, e.g. video:room.mp4")
        return VideoFile(spec, cfg, Path(arg))
    if kind == "images":
        if not arg:
            raise ValueError("images spec needs a folder or 'builtin', e.g. images:builtin")
        return ImageSlideshow(spec, cfg, arg)
    if kind == "visitors":
        try:
            count = int(arg or 3)
        except ValueError:
            raise ValueError(f"visitors spec {spec!r}: N must be an integer, e.g. visitors:3") from None
        return VisitorsSource(spec, cfg, count)
    raise ValueError(f"input spec {spec!r}: unknown kind {kind!r}; allowed: auto, camera:INDEX, video:PATH, "
                     "images:DIR, images:builtin, visitors:N, replay:DIR")
