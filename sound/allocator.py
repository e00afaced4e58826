"""Voice allocation with stealing: which of a fixed pool of voices a new note gets."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class _Slot:
    key: str = ""
    held: bool = False  # gate on
    started: float = -1.0  # when the current note started
    free_at: float = -1.0  # when the release tail ends (voice is silent after this)


class VoiceAllocator:
    """Gives each key a voice. Preference: the key's own voice, then a silent voice, then the voice
    whose release tail is oldest, and only then steals the oldest held note."""

    def __init__(self, n_voices: int) -> None:
        if n_voices < 1:
            raise ValueError(f"a voice pool needs at least 1 voice, got {n_voices}")
        self.slots = [_Slot() for _ in range(n_voices)]
        self.steals = 0

    def voice_of(self, key: str) -> int | None:
        for i, slot in enumerate(self.slots):
            if slot.key == key and key:
                return i
        return None

    def allocate(self, key: str, now: float) -> tuple[int, str]:
        """(voice index, key that was stolen or "") for a note `key` starting at `now`."""
        own = self.voice_of(key)
        if own is not None:
            slot = self.slots[own]
            slot.held, slot.started = True, now
            return own, ""
        silent = [i for i, s in enumerate(self.slots) if not s.held and s.free_at <= now]
        releasing = [i for i, s in enumerate(self.slots) if not s.held and s.free_at > now]
        if silent:
            index = min(silent, key=lambda i: self.slots[i].free_at)
        elif releasing:
            index = min(releasing, key=lambda i: self.slots[i].free_at)
        else:
            index = min(range(len(self.slots)), key=lambda i: self.slots[i].started)
        stolen = self.slots[index].key if (self.slots[index].held or index in releasing) else ""
        if self.slots[index].held:
            self.steals += 1
        self.slots[index] = _Slot(key=key, held=True, started=now, free_at=float("inf"))
        return index, stolen

    def release(self, key: str, now: float, tail: float) -> int | None:
        """Gate off; the voice is reusable without a click once `tail` seconds have passed."""
        index = self.voice_of(key)
        if index is None:
            return None
        slot = self.slots[index]
        slot.held, slot.free_at = False, now + tail
        return index

    def held_keys(self) -> list[str]:
        return [s.key for s in self.slots if s.held]
