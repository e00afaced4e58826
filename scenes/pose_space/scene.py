"""Pose space: visitors' postures recognised, coached and answered with light and sound.

Per person: the classifier (ONNX) says which posture it is, a posture counts once held steady
(hold.py), the execution is scored joint by joint with plain-language corrections (quality.py),
the nearest reference pose is looked up in the gallery and the next posture of a sequence is
suggested (gallery.py). Visuals: particles thrown from the hands, hand trails, the skeleton, an
aura whose colour says the score, text near the person, and a field over the room that reacts to
how close the people are and how alike they move (shaders/pose_space/). Sound: a voice per person
(pitch from hand height, timbre from posture, pan from position), a chord when a posture is
recognised, a pad that grows into harmony as people come together; the microphone sends ripples
on onsets, opens the filters with its level, and a sung pitch re-tunes the harmony.
OSC: /sala/posture/start|end (schema), and on the "scene" stream /sala/pose_space/person and
/sala/pose_space/group.
"""

from __future__ import annotations

import logging
import math
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from body import landmarks as lmk
from body.assessment import Assessment, assess, measured_angles
from body.postures import NONE_LABEL, load_postures, load_sequences
from models.postures.classifier import DEFAULT_MODEL, PostureClassifier
from runtime.frames import CameraFrame, Inputs, MicFeatures, Outputs, Person
from runtime.gfx import Graphics
from runtime.osc.schema import posture_event
from runtime.scene import ParamInfo, Scene
from scenes.pose_space import music
from scenes.pose_space.gallery import Gallery, Match, SequenceGuide, pose_descriptor
from scenes.pose_space.hold import PostureHold
from scenes.pose_space.particles import Particles

log = logging.getLogger(__name__)
CAMERA_MODES = ("off", "dimmed", "silhouette")
MAX_PEOPLE_DRAWN = 8
SEEN = 0.5  # visibility from which a joint is drawn
SKELETON = np.array(lmk.SKELETON, dtype=np.intp)  # bone end indices, for drawing everyone at once
LIKE_MAX_DEGREES = 20.0  # the nearest reference is shown when it is at least this close
ASSESS_MIN_PROB = 0.35  # coach a posture the classifier is at least this sure of, before it is held
VOICE = "voice"
PAD = "pad"
HIT = "hit"


def sanitized(landmarks: np.ndarray) -> np.ndarray:
    """A copy safe to compute with: joints with a non-finite number become unseen (all zero), coordinates
    are kept to a few frames around the image and visibility to 0..1."""
    lm = np.array(landmarks, dtype=np.float32)
    lm[~np.isfinite(lm).all(axis=1)] = 0.0
    lm[:, :3] = np.clip(lm[:, :3], -5.0, 5.0)
    lm[:, 3] = np.clip(lm[:, 3], 0.0, 1.0)
    return lm


def quality_color(score: float) -> tuple[float, float, float]:
    """Aura colour: red-orange when far off, amber, then green-cyan when well done."""
    s = min(1.0, max(0.0, score))
    stops = ((0.0, (0.9, 0.25, 0.15)), (0.55, (0.95, 0.7, 0.2)), (0.8, (0.4, 0.95, 0.5)), (1.0, (0.3, 0.9, 1.0)))
    for (a, ca), (b, cb) in zip(stops, stops[1:], strict=False):
        if s <= b:
            w = (s - a) / (b - a)
            return tuple(ca[i] + w * (cb[i] - ca[i]) for i in range(3))  # type: ignore[return-value]
    return stops[-1][1]


@dataclass
class PersonState:
    id: int
    hold: PostureHold
    guide: SequenceGuide
    landmarks: np.ndarray
    last_seen: float
    top: str = NONE_LABEL
    top_prob: float = 0.0
    assessment: Assessment | None = None
    nearest: Match | None = None
    next_search: float = 0.0
    trails: tuple[deque, deque] = field(default_factory=lambda: (deque(maxlen=24), deque(maxlen=24)))
    wrists_prev: np.ndarray | None = None
    energy: float = 0.0
    voice_on: bool = False
    next_osc: float = 0.0
    probs: np.ndarray | None = None  # the newest posture probabilities
    assessed_for: str = ""  # the posture the assessment is of


class PoseSpaceScene(Scene):
    name = "pose_space"
    description = "postures recognised and coached; particles, aura, field and voices per visitor"
    wants_people = True
    params = {
        "camera": "dimmed",  # off | dimmed | silhouette
        "camera_brightness": 0.35,
        "sequence": "sun_salutation",  # whose next posture is suggested (postures.toml [sequences])
        "model": "",  # ONNX classifier path; "" = models/postures/posture_classifier.onnx
        "hold_seconds": 0.8,  # a posture counts once held this long
        "particles": 2500,  # most particles alive at once
        "sound": True,
        "root_hz": 110.0,  # the harmony's root until someone sings another
        "record_poses": True,  # held postures are added to the gallery as room poses
        "gallery_file": "",  # .npz keeping the room poses across restarts; "" = not kept
        "aspect": 1.7778,  # frame width / height when no camera frame is given (virtual visitors)
        "field_scale": 0.18,  # resolution of the soft background field relative to the screen (it is blurred by nature)
        "background_rate": 30.0,  # field and camera composed this often a second at most (0: every frame)
    }

    param_info = {
        "camera": ParamInfo("how the camera image shows behind the visitors", choices=CAMERA_MODES),
        "camera_brightness": ParamInfo("brightness of the camera image", 0.0, 1.0),
        "sequence": ParamInfo("the sequence whose next posture is suggested", choices=tuple(load_sequences())),
        "model": ParamInfo("ONNX posture classifier; empty for the shipped one"),
        "hold_seconds": ParamInfo("a posture counts once held this long", 0.1, 10.0, "s"),
        "particles": ParamInfo("most particles alive at once", 0, 10000),
        "sound": ParamInfo("voices, chords and harmony on or off"),
        "root_hz": ParamInfo("the harmony's root until someone sings another", 40.0, 880.0, "Hz"),
        "record_poses": ParamInfo("held postures join the gallery as room poses"),
        "gallery_file": ParamInfo(".npz keeping the room poses across restarts; empty: not kept"),
        "aspect": ParamInfo("frame width / height without a camera frame", 0.5, 3.0),
        "field_scale": ParamInfo("resolution of the background field relative to the screen", 0.05, 1.0),
        "background_rate": ParamInfo("field and camera composed this often at most (0: every frame)", 0.0, 120.0,
                                     "Hz"),
    }

    def __init__(self, config: dict[str, Any] | None = None) -> None:
        super().__init__(config)
        self.postures = load_postures()
        self.posture_index = {name: i for i, name in enumerate(self.postures)}
        self.classifier: PostureClassifier | None = None
        self.gallery = Gallery()
        self.states: dict[int, PersonState] = {}
        self.particles = Particles(int(self.values["particles"]))
        self.frame: CameraFrame | None = None
        self.t = 0.0
        self.aspect = float(self.values["aspect"])
        self.closeness = 0.0
        self.sync = 0.0
        self.level = 0.0
        self.root_hz = float(self.values["root_hz"])
        self._root_candidate = (float("nan"), 0.0)
        self.ripples: deque = deque(maxlen=8)  # (x, y frame units, t0, strength)
        self.harmony_on = False
        self.people: list[Person] = []
        self._next_gallery_save = 0.0
        self._people_key: tuple[tuple[int, float], ...] = ()  # (id, capture time) of the last result seen
        self._people_t = 0.0
        self._background_key: tuple | None = None
        self._background_t = -1e9
        self._group_target: tuple[float, float] | None = None  # closeness, synchrony of the last result
        self._thumbs: dict[str, np.ndarray] = {}  # posture -> reference landmarks for the "next" picture

    def set_param(self, key: str, value: Any) -> None:
        """As Scene.set_param, and a value outside the allowed ones is refused (the old one stays)."""
        old = self.values.get(key)
        super().set_param(key, value)
        allowed = {"camera": CAMERA_MODES, "sequence": tuple(load_sequences())}.get(key)
        if allowed is not None and self.values[key] not in allowed:
            self.values[key] = old if old is not None else self.params[key]
            raise ValueError(f"scene pose_space: {key} = {value!r}; allowed: {', '.join(allowed)}")

    # --- life cycle -------------------------------------------------------------------------
    def load_model(self) -> None:
        """Load the classifier and the gallery (raises naming the file if the model is unusable)."""
        if self.classifier is None:
            path = Path(self.values["model"]) if self.values["model"] else DEFAULT_MODEL
            self.classifier = PostureClassifier(path)
            names = [*self.postures, NONE_LABEL]
            if self.classifier.classes != names:
                raise ValueError(f"posture model {path} knows {self.classifier.classes}, postures.toml defines "
                                 f"{names}: retrain with `python -m models.postures.train`")
        if not self.gallery.entries:
            self.gallery = Gallery.from_postures()
            path = Path(self.values["gallery_file"]) if self.values["gallery_file"] else None
            if path is not None and path.is_file():
                try:
                    self.gallery.entries += [e for e in Gallery.load(path).entries if e.source == "room"]
                except (OSError, ValueError, KeyError) as exc:
                    log.warning("pose_space: room poses in %s not loaded (%s); starting without them", path, exc)

    def setup(self, gfx: Graphics) -> None:
        self.load_model()
        self.field_prog = gfx.program("common/fullscreen.vert", "pose_space/field.frag")
        self.compose_prog = gfx.program("common/fullscreen.vert", "pose_space/compose.frag")
        self.particle_prog = gfx.program("pose_space/particle.vert", "pose_space/particle.frag")

    def exit(self, out: Outputs) -> None:
        self.release_all(out)
        self.states.clear()

    def release_all(self, out: Outputs) -> None:
        """Release every voice this scene holds."""
        for s in self.states.values():
            if s.voice_on:
                out.release(f"pose-{s.id}")
                s.voice_on = False
        if self.harmony_on:
            out.release("pose-harmony")
            out.release("pose-harmony-fifth")
            self.harmony_on = False

    # --- update -----------------------------------------------------------------------------
    def update(self, inputs: Inputs, out: Outputs) -> None:
        self.load_model()
        dt = inputs.dt
        self.t = inputs.t
        frame = inputs.frame
        if frame is not None:
            self.frame = frame
            w, h = frame.size
            self.aspect = w / max(h, 1)
        people = [p for p in inputs.people if np.shape(getattr(p, "landmarks", None)) == (33, 4)]
        if len(people) < len(inputs.people):
            out.notes.append(f"pose_space: ignored {len(inputs.people) - len(people)} people without (33, 4) landmarks")
        self._mic(inputs.audio, out)
        # The classifier, the assessment, the gallery and the hands work at the rate the landmarks
        # change (the camera's), not at every fixed update: a new perception result is new capture times.
        key = tuple((p.id, p.t_capture) for p in people)
        if key != self._people_key:
            since = self.t - self._people_t if self._people_key else dt
            self._people_key, self._people_t = key, self.t
            self._perceive(people, max(since, dt))
            self._group_target = self._group(people)
        if self._group_target is not None:  # smoothed every update: the same per second at any result rate
            close, sync = self._group_target
            self.closeness += 0.05 * (close - self.closeness)
            self.sync += 0.05 * (sync - self.sync)
        self._classify(people, out)
        self._depart(out)
        if self.values["sound"]:
            self._sound(people, out)
        self.particles.step(dt, self.t)
        self.people = people

    def _perceive(self, people: list[Person], elapsed: float) -> None:
        """Once per new perception result, for everyone at once: posture probabilities (one batched
        classifier call), the execution score, the nearest gallery pose, the hands."""
        assert self.classifier is not None
        if not people:
            return
        lms = np.stack([sanitized(p.landmarks) for p in people])
        probs = self.classifier.probabilities(lms, self.aspect)
        classes = self.classifier.classes
        for person, pr, lm in zip(people, probs, lms, strict=True):
            s = self.states.get(person.id)
            if s is None:
                s = PersonState(person.id, PostureHold(classes, hold=float(self.values["hold_seconds"])),
                                SequenceGuide(self.values["sequence"]), lm, self.t)
                self.states[person.id] = s
            s.landmarks, s.last_seen, s.probs = lm, self.t, pr
            k = int(np.argmax(pr))
            s.top, s.top_prob = classes[k], float(pr[k])
            self._assess(s)
            if self.t >= s.next_search:
                matches = self.gallery.search(lm, k=1, aspect=self.aspect, min_joints=8)
                s.nearest = matches[0] if matches else None
                s.next_search = self.t + 0.3
            self._hands(s, lm, elapsed)

    def _assess(self, s: PersonState) -> None:
        target = s.hold.held or (s.top if s.top != NONE_LABEL and s.top_prob >= ASSESS_MIN_PROB else "")
        s.assessment = assess(self.postures[target], measured_angles(s.landmarks, self.aspect)) if target else None
        s.assessed_for = target

    def _classify(self, people: list[Person], out: Outputs) -> None:
        """Every update: the held posture follows time with the newest probabilities."""
        assert self.classifier is not None
        classes = self.classifier.classes
        for person in people:
            s = self.states.get(person.id)
            if s is None or s.probs is None:
                continue
            s.last_seen = self.t
            lm = s.landmarks
            for kind, name in s.hold.update(self.t, s.probs):
                conf = float(s.hold.probs[classes.index(name)])
                out.osc.append(posture_event("start" if kind == "enter" else "end", person.id, name, conf))
                if kind == "enter":
                    s.guide.observe(name)
                    self._chord(name, lm, out)
                    if self.values["record_poses"]:
                        self.gallery.record(f"room {person.id}: {name} at {self.t:.0f} s", lm, name, self.aspect)
                        self._save_gallery()
            if (s.hold.held or (s.top if s.top != NONE_LABEL and s.top_prob >= ASSESS_MIN_PROB else "")) \
                    != s.assessed_for:
                self._assess(s)  # a posture just held (or let go) is scored against the right reference
            person.posture = s.hold.held
            person.posture_confidence = float(s.hold.probs[classes.index(s.hold.held)]) if s.hold.held else s.top_prob
            person.posture_score = s.assessment.score if s.assessment else 0.0
            person.feedback = list(s.assessment.feedback) if s.assessment else []
            if self.t >= s.next_osc:
                fb = person.feedback[0] if person.feedback else ""
                out.send("/sala/pose_space/person", int(person.id), person.posture or s.top,
                         float(person.posture_confidence), float(person.posture_score), fb, stream="scene")
                s.next_osc = self.t + 0.1

    def _save_gallery(self) -> None:
        """Keep the room poses on disk (at most every 30 s); a failure is logged, never raised."""
        if not self.values["gallery_file"] or self.t < self._next_gallery_save:
            return
        self._next_gallery_save = self.t + 30.0
        room = Gallery([e for e in self.gallery.entries if e.source == "room"])
        try:
            room.save(Path(self.values["gallery_file"]))
        except OSError as exc:
            log.warning("pose_space: room poses not saved to %s (%s)", self.values["gallery_file"], exc)

    def _hands(self, s: PersonState, lm: np.ndarray, elapsed: float) -> None:
        """Wrist speed since the last result; particles in proportion to the time it covers (as many
        a second whatever the camera rate)."""
        wrists = lm[[lmk.L_WRIST, lmk.R_WRIST], :2].astype(np.float64)
        seen = lm[[lmk.L_WRIST, lmk.R_WRIST], 3] >= 0.3
        vel = np.zeros((2, 2)) if s.wrists_prev is None else (wrists - s.wrists_prev) / max(elapsed, 1e-3)
        s.wrists_prev = wrists
        speed = np.linalg.norm(vel, axis=1)
        s.energy += (1.0 - 0.8 ** (elapsed * 60.0)) * (float(np.clip(speed.mean(), 0, 3)) - s.energy)
        color = quality_color(s.assessment.score) if s.assessment else (0.5, 0.6, 1.0)
        for i in range(2):
            if not seen[i]:
                continue
            s.trails[i].append(wrists[i].copy())
            count = int(round((1 + min(8.0, speed[i] * 6.0)) * elapsed * 60.0))
            self.particles.emit(wrists[i], np.clip(vel[i], -2, 2), color, count, spread=0.04)

    def _chord(self, name: str, lm: np.ndarray, out: Outputs) -> None:
        if not self.values["sound"]:
            return
        pan = float(np.clip(np.nanmean(lm[[11, 12, 23, 24], 0]), 0, 1))
        for f in music.posture_chord(self.posture_index.get(name, 0), self.root_hz):
            out.hit(PAD, freq=f, amp=0.18, pan=pan, dur=3.0, attack=0.4, release=2.5)

    def _depart(self, out: Outputs) -> None:
        for pid in [pid for pid, s in self.states.items() if self.t - s.last_seen > 0.5]:
            s = self.states.pop(pid)
            if s.hold.held:
                out.osc.append(posture_event("end", pid, s.hold.held, 0.0))
            if s.voice_on:
                out.release(f"pose-{pid}")

    def _group(self, people: list[Person]) -> tuple[float, float] | None:
        """Closeness (0..1) from distances on the floor, synchrony (0..1) from how alike the poses are."""
        close, sync = 0.0, 0.0
        if len(people) >= 2:
            pos, desc = [], []
            vfov = math.radians(43.0)
            for p in people:
                lm = sanitized(p.landmarks).astype(np.float64)
                f = {k: v for k, v in (p.features or {}).items() if isinstance(v, (int, float)) and math.isfinite(v)}
                torso = float(np.linalg.norm((lm[11, :2] + lm[12, :2]) / 2 - (lm[23, :2] + lm[24, :2]) / 2)) + 1e-3
                depth = f.get("depth", 0.5 / (2 * math.tan(vfov / 2) * torso))
                across = (np.mean(lm[[11, 12, 23, 24], 0]) - 0.5) * self.aspect * 2 * math.tan(vfov / 2)
                x = f.get("room_x", across * depth)
                pos.append((x, depth))
                desc.append(pose_descriptor(lm, self.aspect))
            pairs_c, pairs_s = [], []
            for i in range(len(people)):
                for j in range(i + 1, len(people)):
                    d = math.dist(pos[i], pos[j])
                    pairs_c.append(math.exp(-d / 1.5))
                    diff = np.abs(desc[i] - desc[j])
                    diff = diff[np.isfinite(diff)]
                    pairs_s.append(max(0.0, 1.0 - float(diff.mean()) / 45.0) if diff.size else 0.0)
            close, sync = float(np.mean(pairs_c)), float(np.mean(pairs_s))
        return (close, sync) if math.isfinite(close) and math.isfinite(sync) else None

    def _mic(self, audio: MicFeatures | None, out: Outputs) -> None:
        if audio is None:
            self.level *= 0.95
            return
        rms = float(getattr(audio, "rms_db", -120.0))
        level = min(1.0, max(0.0, (rms + 60.0) / 50.0)) if math.isfinite(rms) else 0.0
        self.level += 0.2 * (level - self.level)
        if getattr(audio, "onset", False) or getattr(audio, "onsets", None):
            if self.states:
                lm = next(iter(self.states.values())).landmarks
                at = (float(np.nanmean(lm[[11, 12, 23, 24], 0])), float(np.nanmean(lm[[11, 12, 23, 24], 1])))
            else:
                at = (0.5, 0.5)
            self.ripples.append((at[0], at[1], self.t, 1.0))
            if self.values["sound"]:
                out.hit(HIT, freq=self.root_hz, drop=3.0, decay=0.25, noise=0.4, amp=0.3, pan=at[0])
        pitch, conf = float(getattr(audio, "pitch_hz", 0.0)), float(getattr(audio, "pitch_confidence", 0.0))
        if conf >= 0.85 and 70.0 <= pitch <= 1000.0 and rms > -45.0:
            root = music.fold_to_root(pitch)
            cand, since = self._root_candidate
            if root != cand:
                self._root_candidate = (root, self.t)
            elif self.t - since >= 0.4 and root != self.root_hz:
                self.root_hz = root  # a held sung note re-tunes the harmony
        else:
            self._root_candidate = (float("nan"), self.t)

    def _sound(self, people: list[Person], out: Outputs) -> None:
        for p in people:
            s = self.states[p.id]
            lm = s.landmarks
            torso = float(np.linalg.norm((lm[11, :2] + lm[12, :2]) / 2 - (lm[23, :2] + lm[24, :2]) / 2)) + 1e-3
            hip_y = float((lm[23, 1] + lm[24, 1]) / 2)
            height = (hip_y - float(min(lm[15, 1], lm[16, 1]))) / torso
            posture = s.hold.held or (s.top if s.top != NONE_LABEL else "")
            ratio, index, fm = music.posture_timbre(self.posture_index.get(posture) if posture else None)
            score = s.assessment.score if s.assessment else 0.3
            params = dict(freq=music.hand_pitch(height, self.root_hz),
                          pan=float(np.clip(np.mean(lm[[11, 12, 23, 24], 0]), 0, 1)),
                          amp=float(np.clip(0.12 + 0.2 * s.energy, 0, 0.45)),
                          cutoff=float(500 + 3500 * score + 6000 * self.level),
                          ratio=ratio, index=index * (0.6 + 0.8 * score), fm=fm)
            key = f"pose-{p.id}"
            if not s.voice_on:
                out.play(VOICE, key, attack=0.3, release=1.2, sustain=0.8, **params)
                s.voice_on = True
            else:
                out.set(key, ramp=0.08, **params)
        together = len(people) >= 2
        pad = dict(freq=self.root_hz, amp=0.02 + (0.22 * self.closeness if together else 0.0),
                   cutoff=400.0 + 2500.0 * self.level + 1500.0 * self.closeness, detune=0.5 - 0.35 * self.sync)
        fifth = dict(freq=self.root_hz * 1.5, amp=0.2 * self.sync if together else 0.0, cutoff=pad["cutoff"])
        if not self.harmony_on and people:
            out.play(PAD, "pose-harmony", **pad)
            out.play(PAD, "pose-harmony-fifth", **fifth)
            self.harmony_on = True
        elif self.harmony_on:
            out.set("pose-harmony", ramp=0.3, **pad)
            out.set("pose-harmony-fifth", ramp=0.3, **fifth)
        if len(self.states) == 0 and self.harmony_on:
            out.release("pose-harmony")
            out.release("pose-harmony-fifth")
            self.harmony_on = False
        out.send("/sala/pose_space/group", float(self.closeness), float(self.sync), len(people), stream="scene")

    # --- draw -------------------------------------------------------------------------------
    def _person_shape(self, lm: np.ndarray, w: int, h: int) -> tuple[float, float, float, float]:
        seen = (lm[:, 3] >= SEEN) & (np.abs(lm[:, 0] - 0.5) < 0.55) & (np.abs(lm[:, 1] - 0.5) < 0.55)
        pts = lm[seen, :2] if seen.sum() >= 4 else lm[:, :2]
        x0, y0 = pts.min(0)
        x1, y1 = pts.max(0)
        return ((x0 + x1) / 2 * w, (y0 + y1) / 2 * h, max(30.0, (x1 - x0) * w * 0.75), max(30.0, (y1 - y0) * h * 0.6))

    def draw(self, gfx: Graphics) -> None:
        w, h = gfx.current_size
        states = [self.states[p.id] for p in self.people if p.id in self.states][:MAX_PEOPLE_DRAWN]
        # The background (field and camera) changes at the camera's rate and the field flows slowly:
        # it is composed at most `background_rate` times a second, or with a new camera frame, and
        # copied in between (a blit costs a fraction of a full-screen pass on a software renderer).
        background = gfx.target("pose_space-background", (w, h))
        camera_key = (self.frame.source, self.frame.index) if self.frame is not None else None
        rate = float(self.values["background_rate"])
        stale = rate <= 0 or abs(self.t - self._background_t) >= 1.0 / rate
        if stale or self._background_key != (w, h, camera_key, self.values["camera"]):
            with gfx.rendering_to(background):
                self._draw_background(gfx, states, w, h)
            self._background_key = (w, h, camera_key, self.values["camera"])
            self._background_t = self.t
        gfx.copy(background)
        self._draw_people(gfx, states, w, h)

    def _draw_background(self, gfx: Graphics, states: list[PersonState], w: int, h: int) -> None:
        people_u = [(0.0, 0.0, 0.0, 0.0)] * 8
        aura_u = [(0.0, 0.0, 0.0, 0.0)] * 8
        for i, s in enumerate(states):
            people_u[i] = self._person_shape(s.landmarks, w, h)
            score = s.assessment.score if s.assessment else 0.0
            col = quality_color(score) if s.assessment else (0.35, 0.4, 0.6)
            aura_u[i] = (*col, score if s.assessment else 0.2)
        ripples_u = [(0.0, 0.0, 0.0, 0.0)] * 8
        for i, (x, y, t0, strength) in enumerate(list(self.ripples)[-8:]):
            age = self.t - t0
            ripples_u[i] = (x * w, y * h, age, strength if age < 3.0 else 0.0)
        # The field is soft: render it small (in screen pixel units scaled down) and scale it up.
        fs = min(1.0, max(0.05, float(self.values["field_scale"])))
        fsize = (max(8, int(w * fs)), max(8, int(h * fs)))
        field_target = gfx.target("pose_space-field", fsize)
        shrink = (fsize[0] / w, fsize[1] / h)
        with gfx.blending("off"):  # opaque full-screen passes: blending would only cost time
            with gfx.rendering_to(field_target):
                sx, sy = shrink
                gfx.quad(self.field_prog, u_time=self.t, u_n_people=len(states),
                         u_people=[(a * sx, b * sy, c * sx, d * sy) for a, b, c, d in people_u],
                         u_aura=aura_u, u_ripples=[(a * shrink[0], b * shrink[1], c, d) for a, b, c, d in ripples_u],
                         u_closeness=self.closeness, u_sync=self.sync, u_level=self.level)
            mode = CAMERA_MODES.index(self.values["camera"]) if self.frame is not None else 0
            cam = gfx.texture("pose_space-camera", self.frame.image, version=(self.frame.source, self.frame.index)) \
                if self.frame is not None and mode else gfx.texture("pose_space-black", np.zeros((2, 2, 3), np.uint8))
            gfx.quad(self.compose_prog, u_field=field_target.texture, u_camera=cam, u_camera_mode=mode,
                     u_camera_dim=float(self.values["camera_brightness"]))

    def _draw_people(self, gfx: Graphics, states: list[PersonState], w: int, h: int) -> None:
        scale = np.array([w, h], np.float32)
        # Everyone's bones in one draw call and everyone's trails in another: draw calls are what
        # costs on a software renderer.
        bone_ends, bone_colors, trail_ends, trail_widths, trail_colors = [], [], [], [], []
        for s in states:
            col = np.array(quality_color(s.assessment.score) if s.assessment else (0.6, 0.7, 1.0), np.float32)
            lm = s.landmarks
            inside = (lm[:, 3] >= SEEN) & (np.abs(lm[:, 0] - 0.5) < 0.55) & (np.abs(lm[:, 1] - 0.5) < 0.55)
            keep = inside[SKELETON[:, 0]] & inside[SKELETON[:, 1]]
            if keep.any():
                pairs = SKELETON[keep]
                bone_ends.append(np.hstack([lm[pairs[:, 0], :2] * scale, lm[pairs[:, 1], :2] * scale]))
                bone_colors.append(np.tile(np.append(col, 0.85), (len(pairs), 1)))
            for trail in s.trails:
                if len(trail) >= 2:
                    pts = np.array(trail, np.float32) * scale
                    n = len(pts) - 1
                    trail_ends.append(np.hstack([pts[:-1], pts[1:]]))
                    trail_widths.append(np.linspace(1.0, h / 110, n, dtype=np.float32))
                    trail_colors.append(np.column_stack([np.tile(col, (n, 1)), np.linspace(0.05, 0.8, n)]))
        if bone_ends:
            gfx.segments(np.concatenate(bone_ends), max(2.0, h / 150), np.concatenate(bone_colors))
        if trail_ends:
            gfx.segments(np.concatenate(trail_ends), np.concatenate(trail_widths), np.concatenate(trail_colors),
                         additive=True)
        pos, sizes, colors = self.particles.drawable(max(4.0, h / 60))
        if len(pos):
            gfx.sprites(pos * scale, sizes, colors, prog=self.particle_prog, additive=True)
        size = max(14, int(h / 32))
        with gfx.text_batch():  # every label of everyone in one draw
            self._draw_labels(gfx, states, w, h, size)
        self._draw_thumbnails(gfx, states, w, h)
        if not states:
            gfx.text("step in and hold a posture", (w / 2, h * 0.85), size, (0.8, 0.85, 1.0, 0.6), anchor="midtop")

    def _draw_labels(self, gfx: Graphics, states: list[PersonState], w: int, h: int, size: int) -> None:
        for s in states:
            cx, cy, rx, ry = self._person_shape(s.landmarks, w, h)
            top = max(4.0, cy - ry / 0.6 * 0.5 - 2.4 * size)
            if s.assessment:
                title = self.postures[s.assessment.posture].title.split(" (")[0]
                held = "" if s.hold.held else "…"
                shown = 5 * round(20 * s.assessment.score)  # 5% steps: fewer distinct strings to render
                gfx.text(f"{title}{held}  {shown}%", (cx, top), size,
                         (*quality_color(s.assessment.score), 1.0), anchor="midtop", background=(0, 0, 0, 0.35))
                for k, line in enumerate(s.assessment.feedback[:2]):
                    gfx.text(line, (cx, top + size * (1.1 + k)), int(size * 0.8), (1, 1, 1, 0.9), anchor="midtop")
            bottom = min(h - size * 2.2, cy + ry / 0.6 * 0.5 + 6)
            hint = []
            if s.nearest is not None and s.nearest.distance <= LIKE_MAX_DEGREES:
                hint.append(f"like {s.nearest.entry.name.split(' #')[0].replace('_', ' ')}")
            if s.hold.held:
                hint.append(f"next: {s.guide.next.replace('_', ' ')}")
            if hint:
                gfx.text("  ·  ".join(hint), (cx, bottom), int(size * 0.7), (0.8, 0.85, 1.0, 0.8), anchor="midtop")

    def _reference(self, posture: str) -> np.ndarray | None:
        if posture not in self._thumbs:
            entry = next((e for e in self.gallery.entries if e.posture == posture and e.source != "room"), None)
            if entry is None:
                return None
            self._thumbs[posture] = entry.landmarks
        return self._thumbs[posture]

    def _draw_thumbnails(self, gfx: Graphics, states: list[PersonState], w: int, h: int) -> None:
        """Small stick figures beside each person: the nearest reference, and the next posture to try.
        Everyone's figures go in one segment draw (draw calls are what costs on a software renderer)."""
        box = h * 0.12
        ends, colors, labels = [], [], []
        for s in states:
            cx, cy, rx, ry = self._person_shape(s.landmarks, w, h)
            x = min(w - box - 8.0, cx + rx / 0.75 * 0.5 + 12.0)
            y = max(8.0, cy - box)
            pictures = []
            if s.nearest is not None and s.nearest.distance <= LIKE_MAX_DEGREES:
                pictures.append(("like", s.nearest.entry.landmarks, (0.75, 0.8, 1.0, 0.8)))
            nxt = self._reference(s.guide.next) if s.hold.held else None
            if nxt is not None:
                pictures.append(("next", nxt, (1.0, 0.85, 0.4, 0.9)))
            for k, (label, lm, color) in enumerate(pictures):
                top = y + k * (box + 18.0)
                gfx.rect(x, top, box, box, (0.0, 0.0, 0.0, 0.35))
                pts = lm[:, :2].astype(np.float64) * (1.0, 1.0 / self.aspect)
                lo, hi = pts.min(0), pts.max(0)
                scale = 0.8 * box / max(float((hi - lo).max()), 1e-6)
                pts = (pts - (lo + hi) / 2) * scale + (x + box / 2, top + box / 2)
                ends.append(np.hstack([pts[SKELETON[:, 0]], pts[SKELETON[:, 1]]]))
                colors.append(np.tile(np.asarray(color, np.float32), (len(SKELETON), 1)))
                labels.append((label, (x + 4, top + 2), color))
        if ends:
            gfx.segments(np.concatenate(ends), max(1.5, box / 60), np.concatenate(colors))
        with gfx.text_batch():
            for label, at, color in labels:
                gfx.text(label, at, max(12, int(box / 8)), color)

    def status(self) -> dict[str, Any]:
        return {"people": len(self.people), "particles": self.particles.count, "closeness": round(self.closeness, 2),
                "sync": round(self.sync, 2), "root_hz": round(self.root_hz, 1),
                "held": {s.id: s.hold.held for s in self.states.values() if s.hold.held}}
