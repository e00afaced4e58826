"""PoseTracker: the people in the camera image, tracked with stable ids, smoothed and described.

Per frame:
1. every tracked person is looked for where their last landmarks say (crop_mode "roi", the default):
   MediaPipe's pose landmark network, one instance shared by everyone, runs on the region MediaPipe
   itself would derive from the person's alignment points, moved along their constant-velocity
   prediction (runtime.perception.landmarks): one landmark pass (~13 ms) per person and no
   landmarker of their own. (crop_mode "video": a MediaPipe landmarker per person, ~100 MB each,
   tracking inside a crop around the prediction.)
2. newcomers are found by the person detector (runtime.perception.people, discovery "detector" or
   "both"): one pass over the frame shared by everyone, on a first frame over the whole frame and its
   square tiles at once, then one of those regions per pass in turn; a pass every frame while nobody
   is tracked or someone is missing, else every `detector_every` frames. Each box nobody tracked
   explains gets the landmark network on the regions a box suggests (whole body, upper body,
   close-up). With "both", one overlapping vertical strip (runtime.perception.zones) every
   `strips_every` frames is also scanned by MediaPipe's own detector, tracked people greyed out, and
   what it finds counts once the person detector, looking closer, agrees. Discovery "strips" is the
   strips alone, as before the person detector (see models/people/MODEL_CARD.md for the figures);
3. the candidates are merged (same person seen twice) and matched to the tracks (Hungarian
   assignment on predicted position, pose, visibility and clothes' colour; see
   runtime.perception.tracking); new people enter once seen on a few frames in a row, people unseen
   for `max_missing` seconds exit;
4. landmarks are One Euro filtered and the features computed (runtime.perception.features).

`process(frame)` does this synchronously (tests, replay: same frames, same result). `start()` runs
it on a worker thread fed by `submit(frame)`, newest frame wins; `latest()` gives the newest result.
"""

from __future__ import annotations

import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from runtime import clock
from runtime.frames import CameraFrame, Person
from runtime.perception import landmarks, model, people, zones
from runtime.perception.appearance import chest_histogram
from runtime.perception.features import FeatureExtractor, FeatureParams, GroupFeatures
from runtime.perception.model import Candidate, Region
from runtime.perception.settings import perception_settings
from runtime.perception.tracking import TrackerParams, Tracks, merge_duplicates, same_candidate
from runtime.perception.worker import NewestWins

MASK_GREY = 127
UNRESOLVED_FRAMES = 15  # frames before a detector box that yielded no pose is tried again
BOX_MARGIN = 0.15  # a detector box grows by this fraction of its size per side before its landmark pass


@dataclass(slots=True)
class PerceptionResult:
    """Everything perception knows about one frame."""

    people: list[Person] = field(default_factory=list)
    events: list[tuple[str, int, float]] = field(default_factory=list)  # ("enter" | "exit", id, t_capture)
    t_capture: float = 0.0  # capture time of the frame this describes
    t_done: float = 0.0  # engine clock when the result was ready
    inference_ms: float = 0.0  # time spent processing this frame
    frame_index: int = -1
    group: GroupFeatures = field(default_factory=GroupFeatures)
    passes: int = 0  # MediaPipe calls made for this frame (crops + scanned zones)


class PoseTracker:
    """Multi-person pose tracking from camera frames. See the module docstring."""

    def __init__(self, cfg: dict[str, Any] | None = None) -> None:
        self.cfg = perception_settings(cfg)
        c = self.cfg
        self.bundle = Path(c["bundle"]) if c["bundle"] else model.POSE_BUNDLE
        model.check_bundle(self.bundle, model.POSE_MEMBERS)  # fail now, naming the file, not on frame 1
        self._params = TrackerParams(
            max_cost=c["max_cost"], pose_weight=c["pose_weight"], max_missing=c["max_missing"],
            min_cutoff=c["min_cutoff"], beta=c["beta"], d_cutoff=c["d_cutoff"], compensate_lag=c["compensate_lag"],
        )
        self._fparams = FeatureParams(vfov_deg=c["vfov_deg"], torso_m=c["torso_m"], near_m=c["near_m"],
                                      sync_window=c["sync_window"])
        self._detector: Any = None
        self._roi_model: Any = None
        self._scanner: Any = None
        roi = c["crop_mode"] == "roi"
        if roi:  # one landmark network for everyone (see runtime.perception.landmarks)
            self._roi_model = landmarks.PoseLandmarks(threads=c["threads"])
        if c["discovery"] in ("detector", "both"):
            self._detector = people.PersonDetector(min_score=c["min_person"], threads=c["threads"])
        if c["discovery"] in ("strips", "both"):
            self._scanner = self._landmarker(video=False, num_poses=c["max_people"])
        elif not roi:  # each detector box looked at alone: the person and perhaps a neighbour in the crop
            self._scanner = self._landmarker(video=False, num_poses=2)
        self._spares = _Spares(lambda: self._landmarker(video=c["crop_mode"] == "video"),
                               keep=0 if roi else c["spare_landmarkers"])
        self._by_track: dict[int, Any] = {}
        self._last_ms: dict[int, int] = {}  # id(landmarker) -> last timestamp given (must increase)
        self._pool = ThreadPoolExecutor(c["threads"], "perception-crop") if c["threads"] > 1 else None
        self._size: tuple[int, int] | None = None
        self._tracks: Tracks | None = None
        self._features: FeatureExtractor | None = None
        self._zones: list[Region] = []
        self._zone_turn = 0
        self._frames = 0  # since the last reset (new frame size)
        self._processed = 0
        self._worker: NewestWins[CameraFrame, PerceptionResult] = NewestWins(self.process, "perception")
        self._times: list[float] = []
        self._latency: list[float] = []

    # -- public API ------------------------------------------------------------------------------
    def start(self) -> None:
        """Run perception on its own thread; feed it with submit(), read it with latest()."""
        self._spares.fill()
        self._worker.start()

    def submit(self, frame: CameraFrame) -> None:
        """Hand a frame to the worker; never blocks. A frame still waiting is dropped (counted)."""
        self._worker.submit(frame)

    def latest(self) -> PerceptionResult:
        """The newest finished result (an empty one before the first)."""
        return self._worker.latest() or PerceptionResult()

    def stop(self) -> None:
        self._worker.stop()
        if self._pool is not None:
            self._pool.shutdown(wait=True)
        self._spares.close()
        for tid in list(self._by_track):
            self._release(tid)

    def stats(self) -> dict[str, Any]:
        w = self._worker
        times, lat = list(self._times), list(self._latency)
        return {
            "frames_submitted": w.submitted, "frames_processed": self._processed, "frames_dropped": w.dropped,
            "errors": w.errors, "last_error": w.last_error, "running": w.running,
            "tracks": len(self._tracks.live) if self._tracks else 0,
            "landmarkers_in_use": len(self._by_track),  # crop_mode "video": one per person (~100 MB each)
            "inference_ms_median": statistics.median(times) if times else 0.0,
            "inference_ms_p95": _p95(times), "latency_ms_median": statistics.median(lat) if lat else 0.0,
            "latency_ms_p95": _p95(lat),
            "smoothing_lag_ms": 1000 * max((t.filt.delay for t in self._tracks.live), default=0.0)
            if self._tracks else 0.0,
        }

    def wait_idle(self, timeout: float = 10.0) -> bool:
        return self._worker.wait_idle(timeout)

    def process(self, frame: CameraFrame, still: bool = False) -> PerceptionResult:
        """Perceive one frame now, on the calling thread. `still`: a single photograph, whose people
        count at once; in a stream a newcomer counts once seen on `confirm_frames` frames."""
        t0 = time.perf_counter()
        image = _rgb(frame.image)
        h, w = image.shape[:2]
        gone: list[tuple[str, int, float]] = []
        if self._size != (w, h):  # a new camera or resolution: everyone known so far has left
            if self._tracks is not None:
                gone = [("exit", tr.id, frame.t_capture) for tr in self._tracks.live if tr.confirmed]
            self._reset(w, h)
        assert self._tracks is not None and self._features is not None
        t = frame.t_capture
        tracks = self._tracks
        cands, passes = self._follow(image, t)
        discovery = self.cfg["discovery"]
        scan = self._zones_to_scan() if discovery == "strips" else self._strip_for_both() if discovery == "both" else []
        if self._detector is not None and self._detector_due():
            found, n = self._discover(image, cands, t)
            cands += found
            passes += n
        if scan:
            masked = image
            if self.cfg["mask_tracked"] and (tracks.live or discovery == "both"):
                masked = self._mask_tracked(image, cands, t)
            found = []
            for region in scan:
                res = self._scanner.detect(_mp_image(zones.crop(masked, region)))
                found += model.to_candidates(res, region, w, h, f"zone:{self._zones.index(region)}")
                passes += 1
            if self._roi_model is not None and found:  # to be followed on their own regions, like the detector's
                # Overlapping strips see one person several times, and some are somebody already here.
                found = [c for c in merge_duplicates(found, w / h)
                         if not any(same_candidate(c, k, w / h) for k in cands)]
                found, n = self._on_own_regions(image, found)
                passes += n
            cands += found
        cands = merge_duplicates(cands, w / h)[: self.cfg["max_people"] + 2]
        cands = sorted(cands, key=lambda c: -c.score)
        for c in cands:
            c.appearance = chest_histogram(image, c.landmarks)
        events = tracks.update(cands, t, capacity=self.cfg["max_people"], confirm_new=still)
        live = {tr.id for tr in tracks.live}
        for pid in [pid for pid in self._by_track if pid not in live]:  # exited, or a ghost dropped quietly
            self._release(pid)
            self._features.forget(pid)
        events = gone + events
        people = self._people(t)
        group = self._features.group(people)
        self._frames += 1
        self._processed += 1
        ms = 1000 * (time.perf_counter() - t0)
        t_done = clock.now()
        self._times = (self._times + [ms])[-300:]
        self._latency = (self._latency + [1000 * (t_done - t)])[-300:]
        return PerceptionResult(people, events, t, t_done, ms, frame.index, group, passes)

    # -- steps -------------------------------------------------------------------------------------
    def _reset(self, w: int, h: int) -> None:
        for tid in list(self._by_track):
            self._release(tid)
        self._size = (w, h)
        # Ids never repeat within a show, even across a change of camera.
        self._tracks = Tracks(self._params, w / h, self._tracks.next_id if self._tracks else 1)
        self._features = FeatureExtractor(self._fparams, w, h)
        self._zones = zones.discovery_zones(w, h, tuple(self.cfg["strips"]), self.cfg["strip_overlap"])
        self._layouts = zones.layouts(w, h, tuple(self.cfg["strips"]), self.cfg["strip_overlap"])
        self._frames = 0
        self._zone_turn = 0
        self._frames_since_scan = 0
        # The person detector's passes: the whole frame, then (if asked) each square tile of a wide
        # frame in turn, one pass per frame that looks for newcomers.
        self._detector_regions = [Region(0, 0, w, h)]
        if self.cfg["detector_tiles"]:
            self._detector_regions += people.tiles(w, h)
        self._detector_turn = 0
        self._unresolved: list[tuple[np.ndarray, int]] = []  # detector boxes that yielded no pose, and when

    def _zones_to_scan(self) -> list[Region]:
        """Which zones to scan for newcomers on this frame (see the module docstring)."""
        assert self._tracks is not None
        live = self._tracks.live
        if self._frames == 0:
            return list(self._zones)  # a first (or still) frame: look everywhere
        self._frames_since_scan += 1
        if not live:  # nobody here: one strip layout per frame, each found within len(strips) frames
            layout = self._layouts[self._zone_turn % len(self._layouts)]
            self._zone_turn += 1
            return layout
        someone_missing = any(tr.misses for tr in live)
        if len(live) >= self.cfg["max_people"] and not someone_missing:
            return []
        if self._frames_since_scan < self.cfg["discover_every"] and not someone_missing:
            return []
        self._frames_since_scan = 0
        zone = self._zones[self._zone_turn % len(self._zones)]
        self._zone_turn += 1
        return [zone]

    def _detector_due(self) -> bool:
        """A person-detector pass on this frame? On a first frame, while nobody is tracked or someone is
        missing, else every `detector_every` frames while there is room for somebody more."""
        assert self._tracks is not None
        live = self._tracks.live
        if self._frames == 0 or not live or any(tr.misses for tr in live):
            self._frames_since_scan = 0
            return True
        self._frames_since_scan += 1
        if len(live) >= self.cfg["max_people"] or self._frames_since_scan < self.cfg["detector_every"]:
            return False
        self._frames_since_scan = 0
        return True

    def _discover(self, image: np.ndarray, cands: list[Candidate], t: float) -> tuple[list[Candidate], int]:
        """One person-detector pass over the frame (plus its tiles if asked), then one landmark pass in a
        crop around each box that is nobody already tracked. Returns the new candidates and the passes."""
        assert self._tracks is not None and self._size is not None
        w, h = self._size
        if self._frames == 0:
            regions = list(self._detector_regions)  # a first (or still) frame: everywhere at once
        else:
            regions = [self._detector_regions[self._detector_turn % len(self._detector_regions)]]
            self._detector_turn += 1
        boxes = self._detector.detect(image, regions)
        passes = len(regions)
        known = [c.landmarks for c in cands]
        for tr in self._tracks.live:
            if tr.misses == 0:
                lms = tr.raw.copy()
                lms[:, :2] += tr.shift(t)
                known.append(lms)
        found: list[Candidate] = []
        for box in boxes:
            if len(found) + len(self._tracks.live) >= self.cfg["max_people"] + 2:
                break
            if any(people.same_person(box.array, k) for k in known):
                continue
            if any(c.box is not None and people.iou(box.array, c.box) >= 0.5 for c in found):
                continue
            # A box where no pose was found a moment ago (a poster, a coat on a chair) is tried again
            # only after UNRESOLVED_FRAMES: each try costs up to four landmark passes.
            if any(self._frames - k < UNRESOLVED_FRAMES and people.iou(box.array, b) >= 0.7
                   for b, k in self._unresolved):
                continue
            if self._roi_model is not None:
                best, n = self._landmarks_in_box(image, box.array)
                passes += n
            else:
                region = zones.follow_crop(box.array, w, h, BOX_MARGIN)
                res = self._scanner.detect(_mp_image(zones.crop(image, region)))
                passes += 1
                best = people.best_match(box.array, model.to_candidates(res, region, w, h, "detector"))
            if best is not None:
                best.box = box.array
                found.append(best)
            else:
                self._unresolved.append((box.array, self._frames))
        self._unresolved = [(b, k) for b, k in self._unresolved if self._frames - k < UNRESOLVED_FRAMES][-32:]
        return found, passes

    def _strip_for_both(self) -> list[Region]:
        """With discovery "both": the strips back the person detector up (MediaPipe's own detector
        finds some people it misses, and the other way round): every zone on a first frame, then one
        zone every `strips_every` frames while there is room for somebody more."""
        assert self._tracks is not None
        if self._frames == 0:
            return list(self._zones)
        self._strips_wait = getattr(self, "_strips_wait", 0) + 1
        if len(self._tracks.live) >= self.cfg["max_people"] or self._strips_wait < self.cfg["strips_every"]:
            return []
        self._strips_wait = 0
        zone = self._zones[self._zone_turn % len(self._zones)]
        self._zone_turn += 1
        return [zone]

    def _on_own_regions(self, image: np.ndarray, found: list[Candidate]) -> tuple[list[Candidate], int]:
        """Poses MediaPipe's detector found, looked at again by the shared network on a region of their
        own (so that they can be followed); kept as they are where that fails. Returns them and the
        passes made."""
        assert self._size is not None
        w, h = self._size
        out, passes = [], 0
        for c in found:
            # MediaPipe's detector on a strip also finds people in flags and stripes: the person
            # detector is asked for a second opinion first.
            passes += 1
            if self._detector is not None and not self._detector.supports(image, c.bbox):
                continue
            roi = landmarks.roi_from_landmarks(c.landmarks, w, h)
            mine = self._roi_model.run(image, roi, c.source)
            passes += 1
            if mine is not None and mine.flag >= self.cfg["min_tracking"]:
                out.append(mine)
                continue
            c.roi = c.found_in = roi
            out.append(c)
        return out, passes

    def _landmarks_in_box(self, image: np.ndarray, box: np.ndarray) -> tuple[Candidate | None, int]:
        """The pose of a detector box's person: the landmark network on the box's region (or, for a box
        holding only an upper body, a region centred lower, where the hips would be), then once more on
        the region its own alignment points give, as MediaPipe tracks. A pose that can be followed so is
        preferred; failing that (a person cut by the frame's edge), the first pose found, to be followed
        in the region it was found in. Returns it and the passes made."""
        assert self._size is not None
        w, h = self._size
        passes = 0
        fallback = None
        for roi in landmarks.rois_for_box(box, w, h):
            c = self._roi_model.run(image, roi, "detector")
            passes += 1
            if c is None or people.best_match(box, [c]) is None:
                continue
            refined = self._roi_model.run(image, c.roi, "detector")
            passes += 1
            if refined is not None and refined.flag >= self.cfg["min_tracking"]:
                best = people.best_match(box, [refined])
                if best is not None:
                    return best, passes
            if fallback is None:
                c.roi = roi
                fallback = c
        return fallback, passes

    def _follow(self, image: np.ndarray, t: float) -> tuple[list[Candidate], int]:
        """Look for each tracked person in a crop around their predicted box."""
        assert self._tracks is not None and self._size is not None
        w, h = self._size
        if self._roi_model is not None:
            return self._follow_rois(image, t)
        jobs = []
        video = self.cfg["crop_mode"] == "video"
        for tr in self._tracks.live:
            box = tr.predicted_bbox(t)
            # The crop stays put while the person is well inside it: MediaPipe's own tracking inside
            # the crop assumes a still image frame, and a crop that chases the landmarks drifts.
            if not video or tr.crop is None or not zones.comfortably_inside(box, tr.crop, w, h):
                tr.crop = zones.follow_crop(box, w, h, self.cfg["crop_margin"])
            jobs.append((tr.id, tr.crop, self._landmarker_for(tr.id)))
        ms = int(round(t * 1000))
        video = self.cfg["crop_mode"] == "video"

        def run(job: tuple[int, Region, Any]) -> list[Candidate]:
            tid, region, lmk = job
            stamp = max(ms, self._last_ms.get(id(lmk), -1) + 1)
            self._last_ms[id(lmk)] = stamp
            img = _mp_image(zones.crop(image, region))
            res = lmk.detect_for_video(img, stamp) if video else lmk.detect(img)
            return model.to_candidates(res, region, w, h, f"track:{tid}")

        results = list(self._pool.map(run, jobs)) if self._pool is not None and len(jobs) > 1 else map(run, jobs)
        return [c for r in results for c in r], len(jobs)

    def _follow_rois(self, image: np.ndarray, t: float) -> tuple[list[Candidate], int]:
        """Each tracked person's pose in the region their last landmarks give, moved along their
        predicted path: one pass of the shared landmark network per person."""
        assert self._tracks is not None and self._size is not None
        w, h = self._size
        jobs = []
        for tr in self._tracks.live:
            shift = tr.shift(t) * np.array([w, h])
            roi = tr.roi.shifted(*shift) if tr.roi is not None else landmarks.roi_from_box(tr.predicted_bbox(t), w, h)
            # The network is not sure of everyone in every region (a close-up cut by the frame): where
            # the landmarks' own region finds nobody, the region they were last found in is tried.
            again = tr.roi_found.shifted(*shift) if tr.roi_found is not None and tr.roi_found != tr.roi else None
            jobs.append((tr.id, roi, again))
        min_flag = self.cfg["min_tracking"]
        passes = [0] * len(jobs)

        def run(k: int) -> list[Candidate]:
            tid, roi, again = jobs[k]
            c = self._roi_model.run(image, roi, f"track:{tid}")
            passes[k] += 1
            if (c is None or c.flag < min_flag) and again is not None:
                c = self._roi_model.run(image, again, f"track:{tid}")
                passes[k] += 1
                if c is not None:
                    c.roi = again  # stay with the region that works
            return [c] if c is not None and c.flag >= min_flag else []

        idx = range(len(jobs))
        results = list(self._pool.map(run, idx)) if self._pool is not None and len(jobs) > 1 else list(map(run, idx))
        return [c for r in results for c in r], sum(passes)

    def _mask_tracked(self, image: np.ndarray, cands: list[Candidate], t: float) -> np.ndarray:
        """A copy with every tracked person's box greyed out, so scans look only for newcomers."""
        assert self._tracks is not None and self._size is not None
        w, h = self._size
        out = image.copy()
        boxes = [c.bbox for c in cands] + [tr.predicted_bbox(t) for tr in self._tracks.live if tr.misses == 0]
        for b in boxes:
            # Wider than the seen landmarks, and on down: a body hidden below its seen part would
            # otherwise be found again as somebody new.
            bw, bh = b[2] - b[0], b[3] - b[1]
            x0, x1 = int(max(0, (b[0] - 0.15 * bw) * w)), int(min(w, (b[2] + 0.15 * bw) * w))
            y0, y1 = int(max(0, (b[1] - 0.1 * bh) * h)), int(min(h, (b[3] + 0.6 * bh) * h))
            if x1 > x0 and y1 > y0:
                out[y0:y1, x0:x1] = MASK_GREY
        return out

    def _people(self, t: float) -> list[Person]:
        assert self._tracks is not None and self._features is not None
        people = []
        for tr in sorted((tr for tr in self._tracks.live if tr.confirmed), key=lambda tr: tr.id):
            missing = max(0.0, t - tr.t_seen) if tr.misses else 0.0
            lms = tr.smooth.copy()
            if missing:  # coast: carry the last pose along the predicted path
                lms[:, :2] += tr.shift(t)
            f = self._features.person(tr.id, lms, tr.t_seen if not missing else t, tr.velocity)
            f.update(score=tr.score, missing=missing, smoothing_lag=tr.filt.delay)
            people.append(Person(tr.id, lms, tr.t_seen, tr.score, f))
        return people

    # -- landmarkers -------------------------------------------------------------------------------
    def _landmarker(self, video: bool, num_poses: int = 1) -> Any:
        c = self.cfg
        return model.pose_landmarker(video, num_poses, self.bundle, c["min_detection"], c["min_presence"],
                                     c["min_tracking"])

    def _landmarker_for(self, tid: int) -> Any:
        lmk = self._by_track.get(tid)
        if lmk is None:
            lmk = self._spares.take()
            self._by_track[tid] = lmk
        return lmk

    def _release(self, tid: int) -> None:
        # Never reused: a VIDEO landmarker keeps tracking its last person's region, and handed to a
        # newcomer it would follow that stale region instead of finding the newcomer.
        lmk = self._by_track.pop(tid, None)
        if lmk is not None:
            self._last_ms.pop(id(lmk), None)
            lmk.close()


class _Spares:
    """Fresh VIDEO landmarkers made ahead of need on a background thread (each takes ~0.25 s to make),
    so a person who enters does not stall the frame that finds them."""

    def __init__(self, make: Any, keep: int) -> None:
        self._make, self._keep = make, keep
        self._ready: list[Any] = []
        self._lock = threading.Lock()
        self._filling: threading.Thread | None = None
        self._closed = False

    def take(self) -> Any:
        with self._lock:
            lmk = self._ready.pop() if self._ready else None
        self.fill()
        return lmk if lmk is not None else self._make()

    def fill(self) -> None:
        if self._keep <= 0 or self._closed or (self._filling is not None and self._filling.is_alive()):
            return
        self._filling = threading.Thread(target=self._fill, name="perception-spares", daemon=True)
        self._filling.start()

    def _fill(self) -> None:
        while not self._closed:
            with self._lock:
                if len(self._ready) >= self._keep:
                    return
            lmk = self._make()
            with self._lock:
                self._ready.append(lmk)

    def close(self) -> None:
        self._closed = True
        if self._filling is not None:
            self._filling.join(5.0)
        with self._lock:
            for lmk in self._ready:
                lmk.close()
            self._ready.clear()


def _rgb(image: np.ndarray) -> np.ndarray:
    if image.dtype != np.uint8:
        raise ValueError(f"camera frame must be uint8, got {image.dtype}")
    if image.ndim == 2:
        image = np.repeat(image[:, :, None], 3, axis=2)
    if image.ndim != 3 or image.shape[2] not in (3, 4):
        raise ValueError(f"camera frame must be (H, W, 3) RGB, got shape {image.shape}")
    return np.ascontiguousarray(image[:, :, :3])


def _mp_image(rgb: np.ndarray):
    import mediapipe as mp

    return mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))


def _p95(values: list[float]) -> float:
    return float(np.percentile(values, 95)) if values else 0.0
