"""`--input replay:DIR`: play a recording (runtime/installation/recording.py) back as if it were live.

The recording drives the loop frame by frame: each app frame gets the recorded elapsed time, the
camera frames that were new in that frame (with their recorded capture-time offsets), the recorded
people (so perception need not run again), microphone features and control messages. The fixed
update steps therefore fall exactly as they did, and the same recording gives the same OSC out,
whether it plays at the recorded pace ([recording] replay_pace = "recorded") or as fast as the
machine can ("fast"). At the end the show stops or the recording loops ([recording] replay_end).
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from runtime.frames import CameraFrame, ControlMessage, Person
from runtime.osc.schema import PERSON

log = logging.getLogger(__name__)


class ReplayError(ValueError):
    """A recording folder that cannot be played; the message names the file and what is wrong."""


def _read_jsonl(path: Path, required: bool = False) -> list[dict[str, Any]]:
    if not path.exists():
        if required:
            raise ReplayError(f"{path}: missing; is {path.parent} a recording made with --record?")
        return []
    rows = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except ValueError as exc:
                if number > 1 and not line.endswith("\n"):  # the last line of a recording cut short
                    log.warning("%s: line %d is incomplete; ignored", path, number)
                    break
                raise ReplayError(f"{path}: line {number} is not JSON: {exc}") from None
    return rows


def person_from_json(row: dict[str, Any], t_base: float) -> Person:
    landmarks = np.asarray(row["landmarks"], dtype=np.float32)
    if landmarks.ndim != 2 or landmarks.shape[1] != 4:
        raise ReplayError(f"person {row.get('id')}: landmarks must be (N, 4), got {landmarks.shape}")
    return Person(id=int(row["id"]), landmarks=landmarks, t_capture=t_base + float(row["t"]),
                  score=float(row.get("score", 1.0)), features=dict(row.get("features", {})),
                  posture=str(row.get("posture", "")), posture_confidence=float(row.get("posture_confidence", 0)),
                  posture_score=float(row.get("posture_score", 0)))


def mic_from_json(row: dict[str, Any], t_base: float) -> Any:
    from runtime.devices.mic_features import MicFeatures

    return MicFeatures(t_capture=t_base + row["t"], rms_db=row["rms_db"], onset=row["onset"],
                       pitch_hz=row["pitch_hz"], pitch_confidence=row["pitch_confidence"],
                       centroid_hz=row["centroid_hz"], mel=np.asarray(row["mel"], dtype=np.float32),
                       onsets=[t_base + o for o in row.get("onsets", [])], t_ready=t_base + row["t"])


class ReplayCamera:
    """A camera whose frames come from the recording, set by `Replay.advance`; no thread. It has
    the interface the app loop uses of runtime.devices.cameras.CameraSource."""

    def __init__(self, spec: str, name: str) -> None:
        self.spec = spec
        self.name = name
        self._latest: CameraFrame | None = None
        self.frames_captured = 0
        self.reconnects = 0
        self.status = "ok"

    def start(self) -> ReplayCamera:
        return self

    def stop(self, timeout: float = 0.0) -> None:
        pass

    def latest(self) -> CameraFrame | None:
        return self._latest

    def poll_events(self) -> list[str]:
        return []

    def set(self, frame: CameraFrame) -> None:
        self._latest = frame
        self.frames_captured += 1


@dataclass
class Tick:
    """What happened in one recorded app frame."""

    t: float
    elapsed: float
    people: list[Person] | None = None  # None: unchanged since the previous frame
    events: list[tuple[str, int, float]] = field(default_factory=list)  # ("enter"|"exit", id, t)
    mic: Any = None


class Recording:
    """A recording folder, read and checked."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise ReplayError(f"replay:{folder}: no such folder")
        meta_path = self.folder / "meta.json"
        try:
            self.meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
        except ValueError as exc:
            raise ReplayError(f"{meta_path}: not JSON: {exc}") from None
        self.ticks = _read_jsonl(self.folder / "ticks.jsonl", required=True)
        if not self.ticks:
            raise ReplayError(f"{self.folder / 'ticks.jsonl'}: no frames recorded")
        self.people = {row["frame"]: row["people"] for row in _read_jsonl(self.folder / "people.jsonl")}
        self.has_people = (self.folder / "people.jsonl").exists()
        self.mic = {row["frame"]: row for row in _read_jsonl(self.folder / "mic.jsonl")}
        self.control: dict[int, list[dict[str, Any]]] = {}
        for row in _read_jsonl(self.folder / "control.jsonl"):
            self.control.setdefault(row["frame"], []).append(row)
        self.cameras: dict[str, dict[int, dict[str, Any]]] = {}
        self.videos: dict[str, Path] = {}
        for index_path in sorted(self.folder.glob("camera-*.jsonl")):
            name = index_path.stem.removeprefix("camera-")
            videos = [p for p in self.folder.glob(f"camera-{name}.*") if p.suffix != ".jsonl"]
            if not videos:
                raise ReplayError(f"{index_path}: its video file camera-{name}.* is missing")
            self.videos[name] = videos[0]
            self.cameras[name] = {row["tick"]: row for row in _read_jsonl(index_path)}
        self.osc = _read_jsonl(self.folder / "osc.jsonl")
        # Enter and exit as perception reported them: they went out on OSC in their frame.
        self.person_events: dict[int, list[tuple[str, int]]] = {}
        for row in self.osc:
            for address, args, *_ in row["messages"]:
                if address in (f"{PERSON}/enter", f"{PERSON}/exit") and args:
                    self.person_events.setdefault(row["frame"], []).append((address.rsplit("/", 1)[1], int(args[0])))

    @property
    def duration(self) -> float:
        return float(self.ticks[-1]["t"])


class Replay:
    """Feeds a recording to the app loop, one recorded frame per app frame."""

    def __init__(self, folder: Path, pace: str = "recorded", end: str = "stop") -> None:
        if pace not in ("recorded", "fast"):
            raise ValueError(f"replay pace {pace!r}; allowed: 'recorded', 'fast'")
        if end not in ("stop", "loop"):
            raise ValueError(f"replay end {end!r}; allowed: 'stop', 'loop'")
        self.recording = Recording(folder)
        self.spec = f"replay:{folder}"
        self.pace = pace
        self.end = end
        self.cameras = {name: ReplayCamera(self.spec, name) for name in self.recording.cameras}
        self.finished = False
        self.loops = 0
        self._i = 0
        self._t_base: float | None = None
        self._wall_base: float | None = None
        self._captures: dict[str, Any] = {}
        self._video_pos: dict[str, int] = {}

    @property
    def has_people(self) -> bool:
        return self.recording.has_people

    def start(self, t0: float) -> None:
        """Recorded times are offsets from the recording app's start; here they count from `t0`."""
        self._t_base = t0

    def next_control(self) -> list[ControlMessage]:
        """The control messages of the frame that `advance` will return next."""
        if self._t_base is None:
            self._t_base = time.monotonic()
        i = self._i if self._i < len(self.recording.ticks) else 0
        return [ControlMessage(c["address"], tuple(c["args"]), self._t_base + float(c["t"]), c.get("sender", ""))
                for c in self.recording.control.get(i, [])]

    def advance(self, t_now: float) -> Tick | None:
        """The next recorded frame, with times on the engine clock. At the recorded pace, waits
        until that frame is due. None at the end when the replay stops."""
        rec = self.recording
        if self._t_base is None:
            self._t_base = t_now
        if self._wall_base is None:
            self._wall_base = time.monotonic() - float(rec.ticks[0]["t"])
        if self._i >= len(rec.ticks):
            if self.end == "stop":
                self.finished = True
                self._release()
                return None
            self.loops += 1
            length = rec.duration + float(rec.ticks[0]["elapsed"] or 1 / 60)
            self._t_base += length  # time goes on through the loop
            self._wall_base += length
            self._i = 0
            self._release()
        i = self._i
        self._i += 1
        row = rec.ticks[i]
        if self.pace == "recorded":
            delay = self._wall_base + float(row["t"]) - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        base = self._t_base
        tick = Tick(t=base + float(row["t"]), elapsed=float(row["elapsed"]))
        for name, lines in rec.cameras.items():
            line = lines.get(i)
            if line is not None:
                image = self._read_video(name, int(line["n"]))
                if image is not None:
                    self.cameras[name].set(CameraFrame(image, base + float(line["t"]), int(line["index"]),
                                                       self.spec))
        if i in rec.people:
            tick.people = [person_from_json(p, base) for p in rec.people[i]]
        elif i == 0 and rec.has_people:
            tick.people = []
        tick.events = [(kind, pid, tick.t) for kind, pid in rec.person_events.get(i, [])]
        if i in rec.mic:
            tick.mic = mic_from_json(rec.mic[i], base)
        return tick

    def _read_video(self, name: str, n: int) -> np.ndarray | None:
        import cv2

        cap = self._captures.get(name)
        if cap is None or self._video_pos.get(name, 0) > n:
            if cap is not None:
                cap.release()
            cap = self._captures[name] = cv2.VideoCapture(str(self.recording.videos[name]))
            self._video_pos[name] = 0
            if not cap.isOpened():
                log.error("replay: cannot read %s", self.recording.videos[name])
                return None
        image = None
        while self._video_pos[name] <= n:
            ok, bgr = cap.read()
            if not ok:
                log.warning("replay: %s ends before frame %d", self.recording.videos[name], n)
                return None
            self._video_pos[name] += 1
            image = bgr
        return np.ascontiguousarray(image[:, :, ::-1]) if image is not None else None

    def _release(self) -> None:
        for cap in self._captures.values():
            cap.release()
        self._captures.clear()
        self._video_pos.clear()

    def close(self) -> None:
        self._release()
