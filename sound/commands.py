"""What a scene asks of the sound: the one type that crosses from scenes to the instruments."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class SoundCommand:
    """A request to the sound engine. Scenes never talk to pyo; they emit these."""

    op: str  # "play" | "release" | "set" | "hit"
    instrument: str = ""
    key: str = ""  # voice key, e.g. "person-3": the same key addresses the same voice
    params: dict[str, float] = field(default_factory=dict)
    ramp: float = 0.05  # seconds over which continuous parameters move
