"""Time-stamped data that flows from inputs through perception to scenes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from runtime.devices.mic_features import MicFeatures  # noqa: F401  (a frame type: scenes take it from here)
from sound.commands import SoundCommand


@dataclass(frozen=True, slots=True)
class CameraFrame:
    """One camera image: RGB uint8 (H, W, 3), top row first, and when it was captured."""

    image: np.ndarray
    t_capture: float  # engine clock (runtime.clock.now) at capture
    index: int  # frame counter of its source, from 0
    source: str  # the spec it came from, e.g. "camera:0", "video:room.mp4"

    @property
    def size(self) -> tuple[int, int]:
        return self.image.shape[1], self.image.shape[0]


@dataclass(slots=True)
class Person:
    """One tracked visitor: MediaPipe's 33 pose landmarks plus what was derived from them."""

    id: int  # stable track id, kept through short occlusions
    landmarks: np.ndarray  # (33, 4): x, y in [0, 1] of the frame (x right, y down), z, visibility
    t_capture: float  # capture time of the frame these landmarks come from
    score: float = 1.0  # detection confidence
    features: dict[str, float] = field(default_factory=dict)  # runtime.perception.features
    posture: str = ""  # recognised posture name, "" for none
    posture_confidence: float = 0.0
    posture_score: float = 0.0  # execution quality 0..1
    feedback: list[str] = field(default_factory=list)  # e.g. ["straighten the left knee"]


@dataclass(slots=True)
class ControlMessage:
    """A command that arrived from outside (OSC control port, keyboard picker, watched file)."""

    address: str  # e.g. "/sala/scene", "/sala/param", "/sign"
    args: tuple[Any, ...]
    t_received: float
    sender: str = ""


@dataclass(frozen=True, slots=True)
class KeyEvent:
    """A key pressed on the show's window."""

    key: str  # the key's name as pygame spells it: "up", "return", "space", "m", "backspace", ...
    t: float  # engine clock when it arrived


@dataclass(frozen=True, slots=True)
class PointerEvent:
    """The mouse (or a touch) on the show's window."""

    x: float  # pixels of the output, origin top-left
    y: float
    pressed: bool  # the primary button is down
    t: float


@dataclass(frozen=True, slots=True)
class FileChange:
    """A file a scene watches changed: its new text, or why it could not be read."""

    path: str
    text: str
    t: float
    error: str = ""


@dataclass(frozen=True, slots=True)
class Beat:
    """The shared musical timeline (Ableton Link) at engine time `t`."""

    tempo: float  # beats a minute
    beat: float  # beats since the session's origin
    phase: float  # 0..quantum within the bar
    quantum: float  # beats to a bar
    peers: int
    t: float

    def time_of(self, beat: float) -> float:
        """Engine time at which the timeline reaches `beat` (at the current tempo)."""
        return self.t + (beat - self.beat) * 60.0 / self.tempo

    def next(self, every: float = 1.0) -> float:
        """Engine time of the next multiple of `every` beats: 1 the next beat, the quantum the next bar."""
        return self.time_of((self.beat // every + 1) * every)


@dataclass(slots=True)
class Inputs:
    """What a scene receives on each fixed update: everything sensed, with capture times."""

    t: float  # engine clock at this update
    dt: float  # fixed update step in seconds
    frames: dict[str, CameraFrame | None] = field(default_factory=dict)  # newest per named camera
    camera_status: dict[str, str] = field(default_factory=dict)  # "ok" | "lost: reason" | ...
    people: list[Person] = field(default_factory=list)  # tracked visitors, ids stable
    audio: MicFeatures | None = None  # the microphone's newest features (None without a microphone)
    control: list[ControlMessage] = field(default_factory=list)
    keys: list[KeyEvent] = field(default_factory=list)  # since the previous update
    pointer: list[PointerEvent] = field(default_factory=list)
    files: list[FileChange] = field(default_factory=list)  # the scene's watched_files() that changed
    beat: Beat | None = None  # the Link timeline, when [link] is enabled

    @property
    def frame(self) -> CameraFrame | None:
        """The main camera's newest frame."""
        return self.frames.get("main") or next((f for f in self.frames.values() if f is not None), None)


@dataclass(slots=True)
class OscMessage:
    address: str
    args: tuple[Any, ...]
    stream: str = "events"  # which stream a target subscribes to (see runtime/osc/OSC.md)


class Outputs:
    """What a scene returns from an update besides its drawing: OSC to send, sound to play."""

    __slots__ = ("osc", "sound", "notes")

    def __init__(self) -> None:
        self.osc: list[OscMessage] = []
        self.sound: list[SoundCommand] = []
        self.notes: list[str] = []  # human-readable status lines for the overlay / log

    def send(self, address: str, *args: Any, stream: str = "events") -> None:
        self.osc.append(OscMessage(address, tuple(args), stream))

    def play(self, instrument: str, key: str, **params: float) -> None:
        self.sound.append(SoundCommand("play", instrument, key, dict(params)))

    def release(self, key: str) -> None:
        self.sound.append(SoundCommand("release", key=key))

    def set(self, key: str, ramp: float = 0.05, **params: float) -> None:
        self.sound.append(SoundCommand("set", key=key, params=dict(params), ramp=ramp))

    def hit(self, instrument: str, **params: float) -> None:
        self.sound.append(SoundCommand("hit", instrument, params=dict(params)))
