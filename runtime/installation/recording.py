"""`run --record DIR`: what the show sensed and said, time-stamped, for rehearsals and bug reports.

A recording is a folder:

    meta.json            version, start time, frames, dropped frames, cameras (video file, size)
    ticks.jsonl          one line per app frame: frame, t (s since the start), elapsed (s)
    camera-NAME.avi      each camera's new frames (MJPG by default), in order
    camera-NAME.jsonl    one line per video frame: n (frame in the video), t (capture time), index, tick
    people.jsonl         perception results when they change: landmarks per person, with track ids
    mic.jsonl            microphone features when they change
    control.jsonl        control messages as they reached the loop
    osc.jsonl            the OSC that went out, per frame: people, microphone, events, the scene's own

Times are seconds since the show started, on the engine clock. `--input replay:DIR`
(runtime/installation/replay.py) plays such a folder back. Writing happens on a thread behind a bounded
queue: a slow disk drops camera frames (counted in meta.json), it never slows the show.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from runtime.frames import CameraFrame, ControlMessage, OscMessage

log = logging.getLogger(__name__)
FORMAT_VERSION = 1
CODEC_SUFFIX = {"MJPG": ".avi", "XVID": ".avi", "mp4v": ".mp4"}
LINE_ROOM = 5000  # queued JSON lines beyond the camera frames (seconds of a slow disk)
LANDMARK_DECIMALS = 5  # 1e-5 of the frame: far below a pixel; keeps an hour of people to a few hundred MB


def person_to_json(person: Any, t0: float) -> dict[str, Any]:
    landmarks = np.asarray(person.landmarks, dtype=np.float64).round(LANDMARK_DECIMALS)
    return {
        "id": int(person.id),
        "t": round(float(person.t_capture) - t0, 6),
        "score": round(float(getattr(person, "score", 1.0)), 4),
        "landmarks": landmarks.tolist(),
        "posture": str(getattr(person, "posture", "")),
        "posture_confidence": round(float(getattr(person, "posture_confidence", 0.0)), 4),
        "posture_score": round(float(getattr(person, "posture_score", 0.0)), 4),
        "features": {k: round(float(v), 5) for k, v in getattr(person, "features", {}).items()},
    }


def mic_to_json(features: Any, t0: float) -> dict[str, Any]:
    return {
        "t": round(float(features.t_capture) - t0, 6),
        "rms_db": round(float(features.rms_db), 3),
        "onset": bool(features.onset),
        "pitch_hz": round(float(features.pitch_hz), 3),
        "pitch_confidence": round(float(features.pitch_confidence), 4),
        "centroid_hz": round(float(features.centroid_hz), 2),
        "mel": np.asarray(features.mel, dtype=np.float64).round(2).tolist(),
        "onsets": [round(float(o) - t0, 6) for o in getattr(features, "onsets", [])],
    }


def json_value(value: Any) -> Any:
    """OSC and control arguments as JSON (numpy scalars and bytes included)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):  # e.g. a skeleton of 132 floats: 6 decimals is far below a pixel
        return value.round(6).tolist() if value.dtype.kind == "f" else value.tolist()
    if isinstance(value, bytes):
        return {"blob": value.hex()}
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    return value


def free_folder(folder: Path) -> Path:
    """`folder`, or `folder-2`, `folder-3`... if it already holds a recording (a restarted show
    records next to the one before, never over it)."""
    candidate, n = folder, 1
    while (candidate / "ticks.jsonl").exists():
        n += 1
        candidate = folder.with_name(f"{folder.name}-{n}")
    return candidate


class _CameraTrack:
    def __init__(self, name: str, path: Path, fourcc: str, fps: float) -> None:
        self.name = name
        self.path = path
        self.fourcc = fourcc
        self.fps = fps
        self.writer: Any = None
        self.size: tuple[int, int] | None = None
        self.written = 0
        self.last_key: tuple[str, int] | None = None


class Recorder:
    """Writes a recording folder. The app loop calls `tick` once per frame before the scene
    updates and `osc` after it; `close` finishes the files."""

    def __init__(self, folder: Path, cfg: dict[str, Any]) -> None:
        self.folder = free_folder(Path(folder))
        self.folder.mkdir(parents=True, exist_ok=True)
        rcfg = cfg["recording"]
        self.fourcc = rcfg["codec"]
        self.suffix = CODEC_SUFFIX[self.fourcc]
        self.camera_fps = {name: float(c.get("fps", 30.0)) for name, c in cfg["cameras"].items()}
        self.cfg = cfg
        self.t0: float | None = None
        self.frames = 0
        self.dropped = 0
        self.write_errors = 0
        self.cameras: dict[str, _CameraTrack] = {}
        self._people_key: Any = None
        self._mic_key: Any = None
        self._files: dict[str, Any] = {}
        # Camera frames may fill `queue` places; the lines behind them have room of their own.
        self._video_room = int(rcfg["queue"])
        self._queue: queue.Queue[tuple[str, Any] | None] = queue.Queue(maxsize=self._video_room + LINE_ROOM)
        self.dropped_lines = 0
        self._thread = threading.Thread(target=self._write_loop, name="recorder", daemon=True)
        self._thread.start()
        self.started_wall = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        log.info("recording to %s", self.folder)

    # --- from the app loop ----------------------------------------------------------------------
    def start(self, t0: float) -> None:
        """Times in the recording are seconds since `t0` (the app's start on the engine clock)."""
        self.t0 = t0

    def control(self, messages: list[ControlMessage]) -> None:
        """Control messages that reached the loop in the frame about to be recorded by `tick`."""
        if self.t0 is None and messages:
            self.t0 = messages[0].t_received
        for msg in messages:
            self._put("line", ("control", {"frame": self.frames, "t": round(msg.t_received - self.t0, 6),
                                           "address": msg.address, "args": json_value(list(msg.args)),
                                           "sender": msg.sender}))

    def tick(self, t: float, elapsed: float, frames: dict[str, CameraFrame | None], people: list[Any] | None,
             mic: Any) -> None:
        """Everything sensed in this frame; only what changed since the last frame is written."""
        if self.t0 is None:
            self.t0 = t
        t0 = self.t0
        frame_no = self.frames
        self.frames += 1
        self._put("line", ("ticks", {"frame": frame_no, "t": round(t - t0, 6), "elapsed": round(elapsed, 6)}))
        for name, frame in frames.items():
            if frame is None:
                continue
            track = self.cameras.get(name)
            if track is None:
                path = self.folder / f"camera-{name}{self.suffix}"
                track = self.cameras[name] = _CameraTrack(name, path, self.fourcc, self.camera_fps.get(name, 30.0))
            key = (frame.source, frame.index)
            if key == track.last_key:
                continue
            track.last_key = key
            line = {"n": track.written, "t": round(frame.t_capture - t0, 6), "index": frame.index,
                    "source": frame.source, "tick": frame_no}
            if self._put("video", (track, frame.image, line), drop=True):
                track.written += 1
        if people is not None:
            key = tuple((p.id, p.t_capture) for p in people)
            if key != self._people_key:
                self._people_key = key
                self._put("line", ("people", {"frame": frame_no, "t": round(t - t0, 6),
                                              "people": [person_to_json(p, t0) for p in people]}))
        if mic is not None and mic.t_capture != self._mic_key:
            self._mic_key = mic.t_capture
            self._put("line", ("mic", {"frame": frame_no, **mic_to_json(mic, t0)}))

    def osc(self, t: float, messages: list[OscMessage]) -> None:
        """The OSC sent in the frame just recorded by `tick`."""
        if not messages or self.t0 is None:
            return
        self._put("line", ("osc", {"frame": self.frames - 1, "t": round(t - self.t0, 6),
                                   "messages": [[m.address, json_value(list(m.args)), m.stream]
                                                for m in messages]}))

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=30.0)
        meta = {
            "version": FORMAT_VERSION,
            "started": self.started_wall,
            "frames": self.frames,
            "dropped_camera_frames": self.dropped,
            "dropped_lines": self.dropped_lines,
            "write_errors": self.write_errors,
            "cameras": {name: {"video": track.path.name, "frames": track.written, "fps": track.fps,
                               "size": list(track.size) if track.size else None}
                        for name, track in self.cameras.items()},
        }
        (self.folder / "meta.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
        log.info("recording closed: %d frames, %d camera frames dropped, in %s", self.frames, self.dropped,
                 self.folder)

    # --- the writer thread ----------------------------------------------------------------------
    def _put(self, kind: str, item: Any, drop: bool = False) -> bool:
        """Hand an item to the writer thread without ever waiting for it."""
        if drop and self._queue.qsize() >= self._video_room:
            self.dropped += 1
            return False
        try:
            self._queue.put_nowait((kind, item))
            return True
        except queue.Full:
            if drop:
                self.dropped += 1
            else:
                self.dropped_lines += 1
            return False

    def _write_loop(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                break
            kind, data = item
            try:
                if kind == "line":
                    name, record = data
                    self._file(f"{name}.jsonl").write(json.dumps(record) + "\n")
                else:
                    self._write_video(*data)
            except Exception:  # a full disk must not end the show; it ends the recording's detail
                self.write_errors += 1
                if self.write_errors in (1, 10, 100) or self.write_errors % 1000 == 0:  # no log flood
                    log.exception("recording: writing %s failed (%d failures)", kind, self.write_errors)
        for track in self.cameras.values():
            if track.writer is not None:
                track.writer.release()
        for f in self._files.values():
            f.close()

    def _write_video(self, track: _CameraTrack, image: np.ndarray, line: dict[str, Any]) -> None:
        import cv2

        h, w = image.shape[:2]
        if track.writer is None:
            track.size = (w, h)
            track.writer = cv2.VideoWriter(str(track.path), cv2.VideoWriter_fourcc(*track.fourcc), track.fps, (w, h))
            if not track.writer.isOpened():
                raise OSError(f"cannot write video {track.path} with codec {track.fourcc}")
        if (w, h) != track.size:  # a camera that changed size: keep one video size
            image = cv2.resize(image, track.size, interpolation=cv2.INTER_AREA)
        track.writer.write(np.ascontiguousarray(image[:, :, ::-1]))
        self._file(f"camera-{track.name}.jsonl").write(json.dumps(line) + "\n")

    def _file(self, name: str) -> Any:
        f = self._files.get(name)
        if f is None:
            f = self._files[name] = open(self.folder / name, "a", encoding="utf-8")  # noqa: SIM115
        return f
