"""The signing scene: a 2D avatar signs HamNoSys that arrives by keyboard, OSC (/sign) or a watched file.

Signs wait in a queue and are animated in a worker thread (parsing is immediate, so a bad string is
reported at once, on screen, and the avatar goes on). One sign blends into the next: when another
sign is ready the avatar does not return to rest in between.
A phrase (OSC /sign/phrase, signs separated by " ; " in /sign, a typed or watched line, or the key P
for the picked example and the next two) is animated as one: the hands go from sign to sign.
The face, head and shoulders move with the signs' non-manual items, so the head and face are drawn
every frame (instanced capsules); the backdrop holds the body only.
OSC out: /sala/sign/start s:gloss s:notation, /sala/sign/end s:gloss s:notation (stream "events"; the
notation as comma-separated symbol names, " ; " between the signs of a phrase) and, while the scene is
shown, /sala/sign/pose i:frame s:gloss f[118] (x, y of the 59 joints) and /sala/sign/face i:frame
s:gloss f[42] (the 22 non-manual channels, x, y of the 10 face landmarks; stream "scene").
"""

from __future__ import annotations

import math
import random
from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from runtime.frames import Inputs, KeyEvent, Outputs
from runtime.osc.schema import sign_event
from runtime.scene import Scene
from signlang.animator import T_TO_REST, Animation, animate, animate_phrase, rest_frame
from signlang.examples import load_examples
from signlang.face import CH, NEUTRAL, rest_detail
from signlang.hamnosys import HamNoSysError, parse, sigml_gloss, split_sigml
from signlang.sign_list import SignRequest, parse_sign_list, split_line
from signlang.skeleton import (
    CHIN,
    FINGER_JOINTS,
    FOREHEAD,
    HAND_START,
    L_EAR,
    L_ELBOW,
    L_EYE,
    L_SHOULDER,
    L_WRIST,
    MOUTH_L,
    MOUTH_R,
    NECK,
    NOSE,
    R_EAR,
    R_ELBOW,
    R_EYE,
    R_SHOULDER,
    R_WRIST,
)

BLEND_SECONDS = 0.3
SKIN = (0.87, 0.68, 0.56)
SHIRT = (0.16, 0.22, 0.33)
HAIR = (0.22, 0.15, 0.1)
SLEEVE = (0.3, 0.4, 0.56)
LIPS = (0.62, 0.3, 0.3)
MOUTH_INSIDE = (0.3, 0.09, 0.09)
MAX_PHRASE = 32


@dataclass
class Pending:
    gloss: str
    text: str
    names: list[str]
    source: str
    future: Future


@dataclass
class Playing:
    gloss: str
    names: list[str]
    source: str
    animation: Animation
    t_start: float
    blend_from: np.ndarray | None = None
    ended: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


class SigningScene(Scene):
    name = "signing"
    description = "a 2D avatar signs HamNoSys notation (typed, sent as OSC /sign, or written to a file)"
    params = {
        "speed": 1.0,  # signing speed factor
        "amplitude": 1.0,  # size of the movements
        "animation_fps": 30.0,  # rate the animator samples at; drawing interpolates to the display rate
        "watch_file": "",  # a text file whose lines are queued when it changes ("" for none)
        "watch_interval": 0.5,  # seconds between checks of the file
        "stream_landmarks": True,  # send /sala/sign/pose every update
        "demo": True,  # sign the examples in turn when nothing else is queued
        "demo_pause": 2.5,  # seconds of rest before the next example
        "error_seconds": 8.0,  # how long an error stays on screen
        "queue_limit": 16,  # longest queue; further signs are refused with a note
        "motion": "procedural",  # "procedural" (the animator) or "learned" (models/signs, onnxruntime); key M
        "learned_model": "",  # ONNX of the learned motion; "" = models/signs/signs.onnx
    }

    def __init__(self, config: dict[str, Any] | None = None) -> None:
        super().__init__(config)
        self.examples = load_examples()
        self.picker = 0
        self.queue: deque[Pending] = deque()
        self.playing: Playing | None = None
        self.rest = rest_frame()
        self.pose = self.rest.copy()
        self.rest_face = rest_detail(self.rest)
        self.face = self.rest_face.copy()  # the face detail landmarks now (eyebrows, lips, lids, cheeks)
        self.channels = NEUTRAL.copy()  # the non-manual channels now
        self.t = 0.0
        self.idle_since = 0.0
        self.demo_index = 0
        self.errors: list[tuple[float, str]] = []
        self.frame = 0
        self.signed = 0
        self.gfx: Any = None
        self._backdrop_stamp: tuple | None = None

    # --- input --------------------------------------------------------------------------------
    MOTIONS = ("procedural", "learned")

    def set_param(self, key: str, value: Any) -> None:
        if key == "motion" and value not in self.MOTIONS:
            raise ValueError(f"scene 'signing': motion = {value!r}; allowed: {', '.join(self.MOTIONS)}")
        super().set_param(key, value)
        if key == "learned_model":
            self._learned = None  # loaded again on the next learned sign

    def _learned_signer(self) -> Any:
        """The learned generator, loaded on first use; None (and an error on screen) if it cannot load."""
        if getattr(self, "_learned", None) is None:
            from models.signs.generator import DEFAULT_MODEL, LearnedSigner

            path = self.values["learned_model"] or DEFAULT_MODEL
            try:
                self._learned = LearnedSigner(path)
            except Exception as exc:
                self.error(f"learned motion unavailable ({exc}); signing procedurally")
                self.values["motion"] = "procedural"
                return None
        return self._learned

    def enqueue(self, text: str, gloss: str = "", source: str = "keyboard") -> bool:
        """Parse now (errors are shown at once), animate in the worker; False if refused.
        A SiGML document with several <hns_sign> elements queues each of them."""
        if not isinstance(text, str) or not text.strip():
            self.error(f"{source}: empty sign")
            return False
        if text.lstrip().startswith("<"):
            signs = split_sigml(text)
            if len(signs) > 1:
                return all([self.enqueue(sign, "", source) for sign in signs])
        if len(self.queue) >= int(self.values["queue_limit"]):
            self.error(f"{source}: queue full ({len(self.queue)} signs), {gloss or 'sign'} refused")
            return False
        try:
            tree = parse(text.strip())
        except HamNoSysError as err:
            self.error(f"{source}: {err}")
            return False
        gloss = gloss or tree.gloss or sigml_gloss(text) or _short_gloss(tree.symbols)
        tree.gloss = gloss
        fps, speed = float(self.values["animation_fps"]), float(self.values["speed"])
        learned = self._learned_signer() if self.values["motion"] == "learned" else None
        if learned is not None:
            future = self.background(learned.animate, tree, fps=fps, speed=speed)
        else:
            future = self.background(animate, tree, fps=fps, speed=speed, amplitude=float(self.values["amplitude"]))
        self.queue.append(Pending(gloss, text, list(tree.symbols), source, future))
        return True

    def enqueue_phrase(self, parts: list[SignRequest], source: str = "keyboard") -> bool:
        """Several signs animated as one phrase (co-articulation); a sign that does not parse refuses
        the phrase, its error naming which sign."""
        if not parts:
            self.error(f"{source}: empty phrase")
            return False
        if len(parts) > MAX_PHRASE:
            self.error(f"{source}: a phrase of {len(parts)} signs; at most {MAX_PHRASE}")
            return False
        if len(self.queue) >= int(self.values["queue_limit"]):
            self.error(f"{source}: queue full ({len(self.queue)} signs), phrase refused")
            return False
        trees = []
        for i, part in enumerate(parts):
            try:
                tree = parse(part.text.strip())
            except HamNoSysError as err:
                self.error(f"{source}: phrase sign {i + 1} ({part.gloss or 'no gloss'}): {err}")
                return False
            tree.gloss = part.gloss or tree.gloss or _short_gloss(tree.symbols)
            trees.append(tree)
        gloss = " ".join(t.gloss for t in trees)
        names = [" ; ".join(",".join(t.symbols) for t in trees)]
        fps, speed = float(self.values["animation_fps"]), float(self.values["speed"])
        future = self.background(animate_phrase, trees, fps=fps, speed=speed,
                                 amplitude=float(self.values["amplitude"]))
        self.queue.append(Pending(gloss, " ; ".join(p.text for p in parts), names, source, future))
        return True

    def enqueue_request(self, request: SignRequest, source: str) -> bool:
        if request.parts:
            return self.enqueue_phrase(request.parts, source)
        return self.enqueue(request.text, request.gloss, source)

    def error(self, message: str) -> None:
        self.errors.append((self.t, message))
        self.errors = self.errors[-3:]

    def on_key(self, event: KeyEvent) -> bool:
        """Up/down pick an example, return signs it, space a random one, P signs it and the next two as
        a phrase, M switches the motion, backspace empties the queue."""
        if not self.examples:
            return False
        key = event.key
        if key == "up":
            self.picker = (self.picker - 1) % len(self.examples)
        elif key == "down":
            self.picker = (self.picker + 1) % len(self.examples)
        elif key in ("return", "enter"):
            ex = self.examples[self.picker]
            self.enqueue(ex.hamnosys, ex.gloss, "keyboard")
        elif key == "space":
            ex = random.choice(self.examples)
            self.enqueue(ex.hamnosys, ex.gloss, "keyboard")
        elif key == "p":  # a phrase: the picked example and the next two
            n = len(self.examples)
            exs = [self.examples[(self.picker + i) % n] for i in range(min(3, n))]
            self.enqueue_phrase([SignRequest(e.gloss, e.hamnosys) for e in exs], "keyboard")
        elif key == "m":
            self.set_param("motion", "learned" if self.values["motion"] == "procedural" else "procedural")
        elif key == "backspace":
            for p in self.queue:
                p.future.cancel()
            self.queue.clear()
        else:
            return False
        return True

    def watched_files(self) -> dict[str, float]:
        path = str(self.values["watch_file"])
        return {path: float(self.values["watch_interval"])} if path else {}

    # --- life cycle -------------------------------------------------------------------------
    def enter(self) -> None:
        self.idle_since = self.t

    def exit(self, out: Outputs) -> None:
        for p in self.queue:
            p.future.cancel()
        self.queue.clear()
        if self.playing is not None:  # receivers hear the end of a sign that was cut short
            out.osc.append(sign_event("end", self.playing.gloss, ",".join(self.playing.names)))
        self.playing = None
        self.pose = self.rest.copy()

    def update(self, inputs: Inputs, out: Outputs) -> None:
        self.t += inputs.dt
        for msg in inputs.control:
            if msg.address not in ("/sign", "/sign/phrase"):
                continue
            args = msg.args
            if not args or not all(isinstance(a, str) for a in args):
                self.error(f"osc {msg.address} from {msg.sender or '?'}: expected HamNoSys strings, "
                           f"got {args!r:.60}")
                continue
            if msg.address == "/sign/phrase":
                parts = [split_line(a) or SignRequest("", a) for a in args]
                self.enqueue_phrase(parts, "osc")
                continue
            line = split_line(args[0]) or SignRequest("", args[0])  # "GLOSS: notation" works here too
            if line.parts:  # "A: ... ; B: ..." is a phrase
                self.enqueue_phrase(line.parts, "osc")
                continue
            gloss = args[1] if len(args) > 1 and isinstance(args[1], str) else line.gloss
            self.enqueue(line.text, gloss, "osc")
        for key in inputs.keys:
            self.on_key(key)
        for change in inputs.files:
            if change.error:
                self.error(change.error)
            for line in parse_sign_list(change.text):
                self.enqueue_request(line, "file")
        self._advance(out)
        if self.values["stream_landmarks"]:
            gloss = self.playing.gloss if self.playing else ""
            out.send("/sala/sign/pose", self.frame, gloss, self.pose.astype(np.float32).ravel(), stream="scene")
            face = np.concatenate([self.channels, self.face.ravel()]).astype(np.float32)
            out.send("/sala/sign/face", self.frame, gloss, face, stream="scene")
        self.frame += 1

    def _advance(self, out: Outputs) -> None:
        playing = self.playing
        if playing is not None:
            elapsed = self.t - playing.t_start
            duration = playing.animation.duration
            ready = bool(self.queue) and self.queue[0].future.done()
            # With the next sign ready, skip the return to rest: blend straight into it.
            if elapsed >= duration or (ready and elapsed >= duration - T_TO_REST / float(self.values["speed"])):
                out.osc.append(sign_event("end", playing.gloss, ",".join(playing.names)))
                self.playing = None
                self.idle_since = self.t
            else:
                self.pose, self.channels, self.face = self._pose_of(playing, elapsed)
        if self.playing is None:
            while self.queue and self.queue[0].future.done():
                pending = self.queue.popleft()
                try:
                    animation = pending.future.result()
                except Exception as exc:  # an animator fault must not stop the show
                    self.error(f"{pending.source}: {pending.gloss}: cannot animate ({exc})")
                    continue
                animation.gloss = pending.gloss
                self.playing = Playing(pending.gloss, pending.names, pending.source, animation, self.t,
                                       blend_from=self.pose.copy(),
                                       extra={"channels": self.channels.copy(), "face": self.face.copy()})
                self.signed += 1
                out.osc.append(sign_event("start", pending.gloss, ",".join(pending.names)))
                break
            else:
                if (not self.queue and self.values["demo"] and self.examples
                        and self.t - self.idle_since >= float(self.values["demo_pause"])):
                    ex = self.examples[self.demo_index % len(self.examples)]
                    self.demo_index += 1
                    self.enqueue(ex.hamnosys, ex.gloss, "demo")
                    self.idle_since = self.t
                # Ease towards rest while waiting.
                self.pose = self.pose + (self.rest - self.pose) * 0.15
                self.channels = self.channels + (NEUTRAL - self.channels) * 0.15
                self.face = self.face + (self.rest_face - self.face) * 0.15

    def _pose_of(self, playing: Playing, elapsed: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The joints, non-manual channels and face landmarks at this moment of the playing sign."""
        anim = playing.animation
        frames = anim.frames
        f = min(max(elapsed * anim.fps, 0.0), len(frames) - 1.0)
        i = int(math.floor(f))
        j = min(i + 1, len(frames) - 1)
        w = f - i
        pose = frames[i] + (frames[j] - frames[i]) * w
        if anim.nonmanual is not None and anim.face is not None:
            channels = anim.nonmanual[i] + (anim.nonmanual[j] - anim.nonmanual[i]) * w
            face = anim.face[i] + (anim.face[j] - anim.face[i]) * w
        else:  # the learned motion has no non-manual part
            channels, face = NEUTRAL.copy(), rest_detail(pose)
        if playing.blend_from is not None and elapsed < BLEND_SECONDS:
            b = elapsed / BLEND_SECONDS
            b = b * b * (3 - 2 * b)
            pose = playing.blend_from + (pose - playing.blend_from) * b
            if "channels" in playing.extra:
                channels = playing.extra["channels"] + (channels - playing.extra["channels"]) * b
                face = playing.extra["face"] + (face - playing.extra["face"]) * b
        return pose, channels, face

    def current_gloss(self) -> str:
        """The gloss of the sign being made now (within a phrase: that sign's)."""
        playing = self.playing
        if playing is None:
            return ""
        elapsed = self.t - playing.t_start
        current = playing.gloss
        for t0, gloss in playing.animation.glosses:
            if elapsed >= t0 and gloss:  # glosses are in playing time (speed applied)
                current = gloss
        return current

    def status(self) -> dict[str, Any]:
        return {
            "sign": self.playing.gloss if self.playing else "",
            "current": self.current_gloss(),
            "queued": len(self.queue),
            "signed": self.signed,
            "errors": len(self.errors),
        }

    # --- drawing ------------------------------------------------------------------------------
    def setup(self, gfx: Any) -> None:
        self.gfx = gfx
        self.backdrop = gfx.program("common/fullscreen.vert", "signing/backdrop.frag")
        self.limbs = gfx.program("signing/limb.vert", "signing/limb.frag")

    def layout(self, size: tuple[int, int]) -> tuple[np.ndarray, float]:
        """Pixel origin of the shoulder centre and pixels per shoulder width."""
        w, h = size
        scale = min(h / 2.55, w * 0.6 / 2.2)
        return np.array([w * 0.34, h * 0.41]), scale

    def draw(self, gfx: Any) -> None:
        size = gfx.current_size
        origin, scale = self.layout(size)
        pose = self.pose
        # The body and face do not move: drawn once into a texture, redrawn when the size or shader changes.
        target = gfx.target("signing.backdrop", size)
        stamp = (size, self.backdrop.generation)
        if self._backdrop_stamp != stamp:
            with gfx.rendering_to(target):
                gfx.quad(
                    self.backdrop,
                    u_origin=tuple(float(v) for v in origin),
                    u_scale=float(scale),
                    u_anchor=[tuple(float(c) for c in p) for p in self.rest[:17]],
                    u_blink=0.0,
                    u_head=0.0,  # the head and face move: drawn every frame in _draw_head
                    u_skin=SKIN,
                    u_shirt=SHIRT,
                    u_hair=HAIR,
                    u_bg_top=(0.93, 0.92, 0.88),
                    u_bg_bottom=(0.78, 0.8, 0.82),
                )
            self._backdrop_stamp = stamp
        # A framebuffer copy, not a textured quad: ~0.1 ms instead of ~20 ms at 1280x720 on llvmpipe.
        gfx.copy(target)
        self._draw_limbs(gfx, pose * scale + origin, scale)
        self._draw_text(gfx, size)

    def _draw_limbs(self, gfx: Any, px: np.ndarray, scale: float) -> None:
        rows: list[list[float]] = []

        def limb(a: int, b: int, ra: float, rb: float, color: tuple[float, ...]) -> None:
            rows.append([*px[a], *px[b], ra * scale, rb * scale, *color, 1.0])

        self._draw_head(rows, px, scale)
        for side, shoulder, elbow, wrist in (("left", L_SHOULDER, L_ELBOW, L_WRIST),
                                             ("right", R_SHOULDER, R_ELBOW, R_WRIST)):
            limb(shoulder, elbow, 0.085, 0.07, SLEEVE)
            limb(elbow, wrist, 0.068, 0.05, SLEEVE)
            h = HAND_START[side]
            palm = tuple(c * 0.95 for c in SKIN)
            limb(h, h + 9, 0.05, 0.055, palm)
            limb(h + 5, h + 17, 0.04, 0.036, palm)
            limb(h, h + 5, 0.04, 0.04, palm)
            limb(h, h + 17, 0.04, 0.036, palm)
            for digit, joints in FINGER_JOINTS.items():
                radius = 0.024 if digit == "thumb" else 0.021 if digit != "pinky" else 0.018
                chain = (h, *[h + j for j in joints]) if digit == "thumb" else tuple(h + j for j in joints)
                for k in range(len(chain) - 1):
                    limb(chain[k], chain[k + 1], radius, radius * 0.88, SKIN)
        gfx.instanced(self.limbs, np.asarray(rows, np.float32), "4f 2f 4f/i", ("in_ends", "in_radii", "in_color"),
                      key="signing.limbs")

    def _draw_head(self, rows: list[list[float]], px: np.ndarray, scale: float) -> None:
        """Shoulders, neck, head and face as capsules (pixels), moved by the non-manual channels."""
        face = self.face * scale + (px[NECK] - self.pose[NECK] * scale)
        ch = self.channels

        def cap(a: np.ndarray, b: np.ndarray, r: float, color: tuple[float, ...], alpha: float = 1.0) -> None:
            rows.append([float(a[0]), float(a[1]), float(b[0]), float(b[1]), r * scale, r * scale, *color, alpha])

        moved = float(np.abs(self.pose[[R_SHOULDER, L_SHOULDER]] - self.rest[[R_SHOULDER, L_SHOULDER]]).max())
        if moved > 1e-3:  # raised or tilted shoulders: the shirt's shoulder line over the backdrop's
            cap(px[R_SHOULDER], px[L_SHOULDER], 0.13, SHIRT)
        cap(px[NECK] + (0, 0.04 * scale), px[CHIN] + (0, 0.02 * scale), 0.085, tuple(c * 0.9 for c in SKIN))
        up = px[FOREHEAD] - px[CHIN]
        height = float(np.linalg.norm(up))
        up = up / max(height, 1e-6)
        side = np.array([-up[1], up[0]])  # towards the viewer's right when upright
        centre = (px[FOREHEAD] + px[CHIN]) / 2 + up * 0.02 * scale
        half = max(0.0, height / 2 + 0.1 * scale - 0.205 * scale)
        for ear in (R_EAR, L_EAR):
            cap(px[ear] - up * 0.025 * scale, px[ear] + up * 0.025 * scale, 0.035, tuple(c * 0.92 for c in SKIN))
        cap(centre - up * (half - 0.04 * scale), centre + up * (half + 0.02 * scale), 0.225, HAIR)
        cap(centre - up * half, centre + up * half, 0.205, SKIN)
        for k, name in ((8, "cheek_right"), (9, "cheek_left")):  # puffed cheeks bulge out
            puff = float(ch[CH[name]])
            if puff > 0.1:  # fades in, so a small puff is no dot
                cap(face[k], face[k], 0.05, SKIN, min(1.0, (puff - 0.1) / 0.6))
        fringe = px[FOREHEAD] + up * 0.03 * scale
        cap(fringe - side * 0.12 * scale, fringe + side * 0.12 * scale, 0.06, HAIR)
        cap(face[0], face[1], 0.009, tuple(c * 0.9 for c in HAIR))  # eyebrows
        cap(face[2], face[3], 0.009, tuple(c * 0.9 for c in HAIR))
        blink = (self.t % 4.3) < 0.12
        gaze = np.array([float(ch[CH["gaze_x"]]), float(ch[CH["gaze_y"]])])
        for eye, lid in ((R_EYE, 6), (L_EYE, 7)):
            opening = float(np.linalg.norm(face[lid] - px[eye])) / scale  # upper lid above the eye centre
            opening = 0.0 if blink else opening
            white = max(0.002, opening)
            cap(px[eye] - side * 0.014 * scale, px[eye] + side * 0.014 * scale, white, (0.97, 0.97, 0.97))
            if opening > 0.004:
                pupil = px[eye] + (side * gaze[0] * 0.012 + up * -gaze[1] * 0.006) * scale
                cap(pupil, pupil, min(0.011, white), (0.12, 0.09, 0.08))
        cap(px[NOSE] + up * 0.07 * scale, px[NOSE] + side * 0.012 * scale, 0.007, tuple(c * 0.75 for c in SKIN))
        cap(px[NOSE] - side * 0.02 * scale + up * -0.008 * scale, px[NOSE] + side * 0.02 * scale - up * 0.008 * scale,
            0.008, tuple(c * 0.8 for c in SKIN))
        gap = float(np.linalg.norm(face[5] - face[4])) / scale
        mid = (face[4] + face[5]) / 2
        corner_r, corner_l = px[MOUTH_R], px[MOUTH_L]
        if gap > 0.022:  # open: lips around a dark inside, from corner to corner
            r = gap / 2
            half_width = 0.5 * float(np.linalg.norm(corner_l - corner_r)) / scale
            inset = min(r, half_width - 0.004) * scale
            centre_lips = (corner_r + corner_l) / 2
            a = mid + (corner_r - centre_lips) + side * inset
            b = mid + (corner_l - centre_lips) - side * inset
            cap(a, b, r, LIPS)
            cap(a, b, max(0.002, r - 0.009), MOUTH_INSIDE)
        else:
            cap(corner_r, corner_l, 0.011, LIPS)

    def _draw_text(self, gfx: Any, size: tuple[int, int]) -> None:
        w, h = size
        x = int(w * 0.64)
        y = int(h * 0.06)
        k = h / 720.0
        ink = (0.12, 0.12, 0.16, 1.0)
        dim = (0.35, 0.36, 0.4, 1.0)
        playing = self.playing
        gloss = self.current_gloss() if playing else "(rest)"
        gfx.text(gloss, (x, y), int(56 * k), ink)
        y += int(60 * k)
        if playing is not None:
            phrase = f" (phrase: {playing.gloss})" if playing.animation.glosses[1:] else ""
            gfx.text(f"from {playing.source}{phrase}"[:60], (x, y), int(20 * k), dim)
            y += int(26 * k)
            for line in wrap_names(playing.names, 44):
                gfx.text(line, (x, y), int(22 * k), ink)
                y += int(22 * k)
        y += int(14 * k)
        gfx.text(f"queue: {len(self.queue)}    motion: {self.values['motion']} (M)", (x, y), int(22 * k), dim)
        y += int(30 * k)
        for t_err, message in self.errors:
            if self.t - t_err > float(self.values["error_seconds"]):
                continue
            for line in wrap_text(message, 52)[:3]:
                gfx.text(line, (x, y), int(21 * k), (0.75, 0.1, 0.08, 1.0))
                y += int(21 * k)
            y += int(6 * k)
        # The picker: up/down to choose, Enter to sign, Space for a random one.
        y = max(y + int(10 * k), int(h * 0.52))
        gfx.text("examples (up/down, Enter):", (x, y), int(20 * k), dim)
        y += int(24 * k)
        visible = 7
        first = max(0, min(self.picker - visible // 2, len(self.examples) - visible))
        for i in range(first, min(first + visible, len(self.examples))):
            mark = "> " if i == self.picker else "   "
            gfx.text(mark + self.examples[i].gloss, (x, y), int(21 * k), ink if i == self.picker else dim)
            y += int(22 * k)
        gfx.text("An avatar for notation and learning, not an interpreter.", (int(w * 0.02), int(h * 0.955)),
                 int(18 * k), dim)


def _short_gloss(names: list[str]) -> str:
    return " ".join(n.removeprefix("ham") for n in names[:3]) + (" ..." if len(names) > 3 else "")


def wrap_names(names: list[str], width: int) -> list[str]:
    """The notation as symbol names without the "ham" prefix (the default font has no HamNoSys glyphs)."""
    return wrap_text(" ".join(n.removeprefix("ham") for n in names), width)


def wrap_text(text: str, width: int) -> list[str]:
    lines: list[str] = []
    line = ""
    for word in text.split():
        while len(word) > width:
            if line:
                lines.append(line)
                line = ""
            lines.append(word[:width])
            word = word[width:]
        if len(line) + len(word) + 1 > width and line:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    if line:
        lines.append(line)
    return lines
