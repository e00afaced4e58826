"""A gallery of reference poses searchable by pose similarity, and a guide through posture sequences.

Entries are the postures rendered from the body model (both sides, a few natural variations) and
any pose recorded in the room. A pose is described by its 3D joint angles, which do not change with
where the person stands or where the camera is; similarity is the mean angular distance over the
joints both poses show (missing joints are left out, not guessed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from body import body_model as bm
from body.angles import ANGLE_NAMES
from body.postures import load_postures, load_sequences
from models.postures.features import angle_matrix

# Angles used for similarity (trunk_tilt depends on the view, so it is left out).
SIMILARITY_ANGLES = [n for n in ANGLE_NAMES if n != "trunk_tilt"]
_IDX = [ANGLE_NAMES.index(n) for n in SIMILARITY_ANGLES]


def pose_descriptor(landmarks: np.ndarray, aspect: float = 16 / 9) -> np.ndarray:
    """(33, 4) landmarks -> angle vector in degrees (NaN where unseen)."""
    return angle_matrix(np.asarray(landmarks)[None], aspect, use_z=True, min_visibility=0.3)[0, _IDX]


@dataclass
class GalleryEntry:
    name: str  # e.g. "warrior_2 (right)" or "room 3 at 12:04:10"
    posture: str  # posture label, or "" for a recorded pose without one
    descriptor: np.ndarray
    landmarks: np.ndarray  # (33, 4) for drawing the thumbnail
    source: str = "body model"  # or "room"


@dataclass
class Match:
    entry: GalleryEntry
    distance: float  # mean absolute angle difference in degrees


@dataclass
class Gallery:
    entries: list[GalleryEntry] = field(default_factory=list)
    max_recorded: int = 200

    @classmethod
    def from_postures(cls, variations: int = 3, seed: int = 7) -> Gallery:
        rng = np.random.default_rng(seed)
        g = cls()
        for p in load_postures().values():
            sides = [("", p)] + ([(" (right)", p.mirrored())] if p.asymmetric else [])
            for suffix, q in sides:
                params = [bm.params_for(q)] + [bm.vary(q, rng, spread=0.3) for _ in range(variations)]
                for i, v in enumerate(params):
                    lm = bm.front_view(v, yaw=25.0)
                    label = f"{p.name}{suffix}" + (f" #{i}" if i else "")
                    g.entries.append(GalleryEntry(label, p.name, pose_descriptor(lm), lm))
        return g

    def record(self, name: str, landmarks: np.ndarray, posture: str = "", aspect: float = 16 / 9) -> GalleryEntry:
        """Add a pose seen in the room (the oldest recorded ones go first when full)."""
        entry = GalleryEntry(name, posture, pose_descriptor(landmarks, aspect), np.array(landmarks, np.float32), "room")
        self.entries.append(entry)
        recorded = [e for e in self.entries if e.source == "room"]
        if len(recorded) > self.max_recorded:
            self.entries.remove(recorded[0])
        return entry

    def _references(self) -> np.ndarray:
        """The entries' descriptors as one array, stacked again only when the entries change."""
        key = (len(self.entries), id(self.entries[0]), id(self.entries[-1]))
        if getattr(self, "_refs_key", None) != key:
            self._refs = np.stack([e.descriptor for e in self.entries])
            self._refs_key = key
        return self._refs

    def search(self, landmarks: np.ndarray, k: int = 3, aspect: float = 16 / 9,
               one_per_posture: bool = True, min_joints: int = 4) -> list[Match]:
        """The k nearest entries to a pose, nearest first, compared on at least `min_joints` angles."""
        if not self.entries:
            return []
        q = pose_descriptor(landmarks, aspect)
        refs = self._references()
        diff = np.abs(refs - q[None])
        valid = np.isfinite(diff)
        counts = valid.sum(1)
        dist = np.where(counts >= min_joints, np.where(valid, diff, 0).sum(1) / np.maximum(counts, 1), np.inf)
        out: list[Match] = []
        seen: set[str] = set()
        for i in np.argsort(dist):
            if not np.isfinite(dist[i]):
                break
            e = self.entries[i]
            key = e.posture or e.name
            if one_per_posture and key in seen:
                continue
            seen.add(key)
            out.append(Match(e, float(dist[i])))
            if len(out) == k:
                break
        return out

    def save(self, path: Path) -> None:
        if not self.entries:
            return
        np.savez_compressed(path, names=np.array([e.name for e in self.entries]),
                            postures=np.array([e.posture for e in self.entries]),
                            sources=np.array([e.source for e in self.entries]),
                            landmarks=np.stack([e.landmarks for e in self.entries]))

    @classmethod
    def load(cls, path: Path) -> Gallery:
        data = np.load(path)
        g = cls()
        for name, posture, source, lm in zip(data["names"], data["postures"], data["sources"], data["landmarks"],
                                             strict=True):
            g.entries.append(GalleryEntry(str(name), str(posture), pose_descriptor(lm), lm, str(source)))
        return g


class SequenceGuide:
    """Follows a visitor through a posture sequence and says which posture comes next."""

    def __init__(self, sequence: str = "sun_salutation") -> None:
        sequences = load_sequences()
        if sequence not in sequences:
            raise KeyError(f"unknown sequence {sequence!r}; allowed: {', '.join(sequences)}")
        self.name = sequence
        self.steps = sequences[sequence]
        self.position = -1  # index of the last step done, -1 before the first

    def observe(self, posture: str) -> None:
        """A posture was held: advance if it is the expected one (or any later one in the sequence)."""
        if not posture:
            return
        n = len(self.steps)
        for ahead in range(1, n + 1):
            i = (self.position + ahead) % n
            if self.steps[i] == posture:
                self.position = i
                return

    @property
    def next(self) -> str:
        return self.steps[(self.position + 1) % len(self.steps)]
