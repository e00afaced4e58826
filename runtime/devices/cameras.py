"""Camera sources behind one interface.

Specs: `camera:INDEX` (an OpenCV device), `video:PATH` (a file, looped, paced at its frame rate),
`images:DIR` and `images:builtin` (a slideshow shown as a camera feed), `auto` (the first camera
if one opens, else `images:builtin`). Each source reads on its own thread and keeps only the
newest frame: a slow consumer drops frames, it never queues them. A source that fails or stops
delivering is reported lost and retried with back-off until it comes back by itself.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from runtime.clock import now
from runtime.frames import CameraFrame

log = logging.getLogger(__name__)
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff"}


class SourceError(RuntimeError):
    """The source cannot deliver now (device missing, file gone, unreadable)."""


def builtin_images() -> list[tuple[str, np.ndarray]]:
    """Real photographs that ship inside installed packages (RGB uint8)."""
    import matplotlib.cbook
    import skimage.data

    with matplotlib.cbook.get_sample_data("grace_hopper.jpg") as f:
        hopper = cv2.imdecode(np.frombuffer(f.read(), np.uint8), cv2.IMREAD_COLOR)[:, :, ::-1]
    camera = skimage.data.camera()
    return [
        ("skimage astronaut", skimage.data.astronaut()),
        ("skimage camera", np.repeat(camera[:, :, None], 3, axis=2)),
        ("matplotlib grace_hopper", np.ascontiguousarray(hopper)),
    ]


def fit(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Letterbox an RGB image into `size` (w, h) without distorting it."""
    w, h = size
    ih, iw = image.shape[:2]
    scale = min(w / iw, h / ih)
    nw, nh = max(1, round(iw * scale)), max(1, round(ih * scale))
    out = np.zeros((h, w, 3), np.uint8)
    x0, y0 = (w - nw) // 2, (h - nh) // 2
    out[y0:y0 + nh, x0:x0 + nw] = cv2.resize(image, (nw, nh), interpolation=cv2.INTER_AREA)
    return out


class Transform:
    """Crop, rotation and mirror from config, applied on the capture thread."""

    def __init__(self, cfg: dict[str, Any]) -> None:
        self.crop = tuple(float(v) for v in cfg.get("crop", (0.0, 0.0, 1.0, 1.0)))
        self.rotate = int(cfg.get("rotate", 0))
        self.mirror = bool(cfg.get("mirror", False))
        if len(self.crop) != 4 or not (0 <= self.crop[0] < self.crop[2] <= 1 and 0 <= self.crop[1] < self.crop[3] <= 1):
            raise ValueError(f"camera crop {list(self.crop)} must be [x0, y0, x1, y1] with 0 <= x0 < x1 <= 1")

    def __call__(self, image: np.ndarray) -> np.ndarray:
        if self.crop != (0.0, 0.0, 1.0, 1.0):
            h, w = image.shape[:2]
            x0, y0, x1, y1 = self.crop
            image = image[round(y0 * h):round(y1 * h), round(x0 * w):round(x1 * w)]
        if self.rotate:
            code = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}
            image = cv2.rotate(image, code[self.rotate])
        if self.mirror:
            image = image[:, ::-1]
        return np.ascontiguousarray(image)


class CameraSource:
    """A threaded source: `open` and `frames` are implemented by each kind; this class owns the
    thread, newest-frame-wins hand-over, lost/recovered status and reconnection with back-off."""

    def __init__(self, spec: str, cfg: dict[str, Any]) -> None:
        self.spec = spec
        self.cfg = cfg
        self.transform = Transform(cfg)
        self.retry_min = float(cfg.get("retry_min", 0.5))
        self.retry_max = float(cfg.get("retry_max", 10.0))
        self.stall_seconds = float(cfg.get("stall_seconds", 2.0))
        self._lock = threading.Lock()
        self._latest: CameraFrame | None = None
        self._status = "starting"
        self._events: list[str] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._index = 0
        self._last_frame_t = now()
        self.frames_captured = 0
        self.reconnects = 0

    # --- to implement -----------------------------------------------------------------------
    def open(self) -> None:
        """Acquire the device or file; raise SourceError if it is not there."""

    def frames(self) -> Iterator[np.ndarray]:
        """Yield RGB frames, blocking or pacing as the source needs; raise SourceError when lost."""
        raise NotImplementedError

    def close(self) -> None:
        """Release the device."""

    # --- public -----------------------------------------------------------------------------
    def start(self) -> CameraSource:
        self._thread = threading.Thread(target=self._run, name=f"camera {self.spec}", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def latest(self) -> CameraFrame | None:
        with self._lock:
            return self._latest

    @property
    def status(self) -> str:
        with self._lock:
            status = self._status
        if status == "ok" and now() - self._last_frame_t > self.stall_seconds:
            return f"lost: no frame for {now() - self._last_frame_t:.1f} s"
        return status

    def poll_events(self) -> list[str]:
        """Status changes since the last call ("lost: reason", "ok"), oldest first."""
        with self._lock:
            events, self._events = self._events, []
        return events

    # --- the capture thread -----------------------------------------------------------------
    def _set_status(self, status: str) -> None:
        with self._lock:
            if status != self._status:
                self._status = status
                self._events.append(status)
                log.info("camera %s: %s", self.spec, status)

    def _run(self) -> None:
        delay = self.retry_min
        while not self._stop.is_set():
            try:
                self.open()
                for image in self.frames():
                    if self._stop.is_set():
                        break
                    frame = CameraFrame(self.transform(image), now(), self._index, self.spec)
                    self._index += 1
                    self.frames_captured += 1
                    self._last_frame_t = frame.t_capture
                    with self._lock:
                        self._latest = frame
                    self._set_status("ok")
                    delay = self.retry_min
                else:
                    if not self._stop.is_set():
                        raise SourceError("source ended")
            except SourceError as exc:
                self._set_status(f"lost: {exc}")
            except Exception as exc:  # a driver can raise anything; the show must go on
                log.exception("camera %s failed", self.spec)
                self._set_status(f"lost: {type(exc).__name__}: {exc}")
            finally:
                try:
                    self.close()
                except Exception:
                    log.exception("closing camera %s", self.spec)
            if self._stop.wait(delay):
                break
            self.reconnects += 1
            delay = min(self.retry_max, delay * 2)


class OpenCVCamera(CameraSource):
    def __init__(self, spec: str, cfg: dict[str, Any], index: int) -> None:
        super().__init__(spec, cfg)
        self.index = index
        self._cap: cv2.VideoCapture | None = None

    def open(self) -> None:
        cap = cv2.VideoCapture(self.index)
        if not cap.isOpened():
            raise SourceError(f"camera {self.index} does not open")
        cap.set(cv2.CAP_PROP_FRAME_WIDTH, int(self.cfg.get("width", 1280)))
        cap.set(cv2.CAP_PROP_FRAME_HEIGHT, int(self.cfg.get("height", 720)))
        cap.set(cv2.CAP_PROP_FPS, float(self.cfg.get("fps", 30)))
        cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # the driver's queue adds latency; keep the newest
        self._cap = cap

    def frames(self) -> Iterator[np.ndarray]:
        assert self._cap is not None
        while True:
            ok, bgr = self._cap.read()
            if not ok or bgr is None:
                raise SourceError(f"camera {self.index} stopped delivering")
            yield bgr[:, :, ::-1]

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None


class VideoFile(CameraSource):
    """A video file, looped and paced at its own frame rate, as if it were a live camera."""

    def __init__(self, spec: str, cfg: dict[str, Any], path: Path) -> None:
        super().__init__(spec, cfg)
        self.path = path
        self._cap: cv2.VideoCapture | None = None
        self.fps = 30.0

    def open(self) -> None:
        if not self.path.exists():
            raise SourceError(f"{self.path} does not exist")
        cap = cv2.VideoCapture(str(self.path))
        if not cap.isOpened():
            raise SourceError(f"{self.path} cannot be read as video")
        fps = cap.get(cv2.CAP_PROP_FPS)
        self.fps = fps if 1.0 <= fps <= 240.0 else 30.0
        self._cap = cap

    def frames(self) -> Iterator[np.ndarray]:
        assert self._cap is not None
        period = 1.0 / self.fps
        next_t = time.monotonic()
        read_in_loop = 0
        while True:
            if not self.path.exists():  # the decoder may still hold the data; the file is what counts
                raise SourceError(f"{self.path} disappeared")
            ok, bgr = self._cap.read()
            if not ok:
                if read_in_loop == 0:
                    raise SourceError(f"{self.path} has no readable frames")
                self._cap.set(cv2.CAP_PROP_POS_FRAMES, 0)  # loop
                read_in_loop = 0
                continue
            read_in_loop += 1
            next_t += period
            delay = next_t - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            else:
                next_t = time.monotonic()  # fell behind: do not try to catch up with a burst
            yield bgr[:, :, ::-1]

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None


class ImageSlideshow(CameraSource):
    """Still pictures shown one after the other as a camera feed at the configured frame rate."""

    def __init__(self, spec: str, cfg: dict[str, Any], folder: str) -> None:
        super().__init__(spec, cfg)
        self.folder = folder
        self.size = (int(cfg.get("width", 1280)), int(cfg.get("height", 720)))
        self.images: list[tuple[str, np.ndarray]] = []

    def open(self) -> None:
        if self.folder == "builtin":
            pictures = builtin_images()
        else:
            root = Path(self.folder)
            if not root.is_dir():
                raise SourceError(f"{root} is not a folder")
            pictures = []
            for path in sorted(p for p in root.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES):
                bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
                if bgr is not None:
                    pictures.append((path.name, bgr[:, :, ::-1]))
            if not pictures:
                raise SourceError(f"{root} holds no readable images")
        self.images = [(name, fit(img, self.size)) for name, img in pictures]

    def frames(self) -> Iterator[np.ndarray]:
        period = 1.0 / float(self.cfg.get("fps", 30.0))
        per_slide = float(self.cfg.get("slide_seconds", 4.0))
        start = time.monotonic()
        next_t = start
        while True:
            i = int((time.monotonic() - start) / per_slide) % len(self.images)
            next_t += period
            delay = next_t - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            yield self.images[i][1]


def probe_camera(index: int = 0) -> bool:
    cap = cv2.VideoCapture(index)
    try:
        return bool(cap.isOpened())
    finally:
        cap.release()
