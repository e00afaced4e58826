"""A 3D kinematic skeleton posed by joint angles, seen by a virtual camera as MediaPipe would see it.

The body is built in its own frame (x = the person's left, y = up, z = forward, pelvis at the
origin) from a `PoseParams` vector: the joint angles of body.angles (so a posture's
reference angles are reproduced exactly in 3D) plus what angles leave open (limb planes, the turn of
the knee, the lean direction, the head's nod). It is placed on the floor, turned, and projected by a
pinhole camera to the 33 MediaPipe landmarks: x, y normalised to the frame, z the depth relative to
the mid-hip in x's scale, and a visibility. Noise, occluded and dropped joints follow what MediaPipe
does on real video: jitter, low visibility for joints behind the body or out of frame, and joints
that are occasionally placed wildly wrong with a low visibility.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from body.postures import LIMB_ANGLES, Posture

# PoseParams layout: the 8 limb angles, trunk pitch/roll, limb planes, knee turns, head nod.
PARAM_NAMES: tuple[str, ...] = (
    *LIMB_ANGLES, "trunk_pitch", "trunk_roll",
    "left_arm_plane", "right_arm_plane", "left_leg_plane", "right_leg_plane",
    "left_knee_turn", "right_knee_turn", "head_nod",
)  # fmt: skip
P = {name: i for i, name in enumerate(PARAM_NAMES)}
N_PARAMS = len(PARAM_NAMES)

# Segment lengths as fractions of standing height (anthropometric tables, rounded).
PROPORTIONS: dict[str, float] = {
    "torso": 0.30, "hip_half": 0.055, "shoulder_half": 0.105, "upper_arm": 0.172, "forearm": 0.150,
    "hand": 0.085, "thigh": 0.245, "shank": 0.246, "foot": 0.13, "neck": 0.035, "head": 0.11,
}  # fmt: skip

X, Y, Z = np.eye(3)


def _rot(axis: np.ndarray, degrees: float) -> np.ndarray:
    """Rotation matrix about a unit axis (Rodrigues)."""
    a = np.radians(degrees)
    k = axis / (np.linalg.norm(axis) + 1e-12)
    K = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + np.sin(a) * K + (1 - np.cos(a)) * (K @ K)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / (np.linalg.norm(v) + 1e-12)


def _perp(v: np.ndarray, to: np.ndarray) -> np.ndarray:
    """The part of v perpendicular to the unit vector `to`, normalised (a fallback if parallel)."""
    p = v - np.dot(v, to) * to
    if np.linalg.norm(p) < 1e-6:
        p = np.cross(to, X if abs(to[0]) < 0.9 else Z)
    return _unit(p)


def params_for(posture: Posture) -> np.ndarray:
    """The PoseParams vector of a posture's reference (no variation)."""
    v = np.zeros(N_PARAMS)
    for name in LIMB_ANGLES:
        v[P[name]] = posture.angles[name][0]
    lean = posture.angles["trunk_lean"][0]
    direction = posture.body.trunk_direction
    v[P["trunk_pitch"]] = lean if direction == "forward" else -lean if direction == "back" else 0.0
    v[P["trunk_roll"]] = lean if direction == "left" else -lean if direction == "right" else 0.0
    v[P["left_arm_plane"]], v[P["right_arm_plane"]] = posture.body.arm_plane
    v[P["left_leg_plane"]], v[P["right_leg_plane"]] = posture.body.leg_plane
    v[P["left_knee_turn"]], v[P["right_knee_turn"]] = posture.body.knee_turn
    v[P["head_nod"]] = posture.body.head_nod
    return v


def vary(posture: Posture, rng: np.random.Generator, spread: float = 0.4) -> np.ndarray:
    """A natural variation of a posture: each angle off its reference by a fraction of its tolerance."""
    v = params_for(posture)
    for name in LIMB_ANGLES:
        ref, tol = posture.angles[name]
        v[P[name]] = ref + tol * float(np.clip(rng.normal(0, spread), -0.9, 0.9))
    ref, tol = posture.angles["trunk_lean"]
    lean_sample = ref + tol * float(np.clip(rng.normal(0, spread), -0.9, 0.9))
    for key in ("trunk_pitch", "trunk_roll"):
        if v[P[key]] != 0.0:
            v[P[key]] = np.sign(v[P[key]]) * lean_sample
    if v[P["trunk_pitch"]] == 0.0 and v[P["trunk_roll"]] == 0.0:
        v[P["trunk_pitch"]] = lean_sample * rng.choice([-1.0, 1.0])
    for key in ("left_arm_plane", "right_arm_plane", "left_leg_plane", "right_leg_plane"):
        v[P[key]] += rng.normal(0, 10)
    for key in ("left_knee_turn", "right_knee_turn"):
        v[P[key]] += rng.normal(0, 8)
    v[P["head_nod"]] += rng.normal(0, 8)
    return clamp_angles(v)


def clamp_angles(v: np.ndarray) -> np.ndarray:
    """Fold joint angles into 0..180 (a three-point angle cannot exceed 180)."""
    v = v.copy()
    for name in LIMB_ANGLES:
        a = abs(v[P[name]]) % 360.0
        v[P[name]] = 360.0 - a if a > 180.0 else a
    return v


def random_params(rng: np.random.Generator) -> np.ndarray:
    """A random pose a visitor might take that is not a defined posture (checked by the caller)."""
    v = np.zeros(N_PARAMS)
    for side in ("left", "right"):
        v[P[f"{side}_elbow"]] = rng.uniform(40, 180)
        v[P[f"{side}_shoulder"]] = rng.uniform(0, 180)
        v[P[f"{side}_hip"]] = rng.uniform(110, 180) if rng.random() < 0.6 else rng.uniform(20, 180)
        v[P[f"{side}_knee"]] = rng.uniform(120, 180) if rng.random() < 0.6 else rng.uniform(30, 180)
        v[P[f"{side}_arm_plane"]] = rng.uniform(-30, 180)
        v[P[f"{side}_leg_plane"]] = rng.uniform(-20, 180)
        v[P[f"{side}_knee_turn"]] = rng.uniform(-20, 90)
    if rng.random() < 0.6:
        v[P["trunk_pitch"]] = rng.uniform(-15, 40)
    else:
        v[P["trunk_pitch"]] = rng.uniform(-120, 170)
        v[P["trunk_roll"]] = rng.uniform(-60, 60) * (rng.random() < 0.4)
    v[P["head_nod"]] = rng.uniform(-40, 40)
    return v


def walking_params(phase: float, stride: float = 1.0) -> np.ndarray:
    """A walking step at gait phase 0..1 (arms swing against the legs)."""
    v = np.zeros(N_PARAMS)
    s = np.sin(2 * np.pi * phase)
    for side, sign in (("left", 1.0), ("right", -1.0)):
        flex = 22.0 * stride * sign * s  # thigh forward (+) or back (-)
        v[P[f"{side}_hip"]] = 180.0 - abs(flex)
        v[P[f"{side}_leg_plane"]] = 0.0 if flex >= 0 else 180.0
        swing = max(0.0, np.sin(2 * np.pi * phase + (0.0 if sign > 0 else np.pi) + 0.6))
        v[P[f"{side}_knee"]] = 175.0 - 50.0 * stride * swing
        arm = -16.0 * stride * sign * s
        v[P[f"{side}_shoulder"]] = abs(arm) + 5.0
        v[P[f"{side}_arm_plane"]] = 0.0 if arm >= 0 else 180.0
        v[P[f"{side}_elbow"]] = 160.0
    v[P["trunk_pitch"]] = 4.0
    return v


def _everyday_arms(v: np.ndarray, rng: np.random.Generator) -> None:
    """Arms as people hold them when they are not exercising: hanging loosely, hands on the hips, crossed,
    in the pockets, a phone at the ear, gesturing while talking, holding something in front."""
    for side in ("left", "right"):
        kind = rng.choice(["loose", "hips", "crossed", "pockets", "phone", "gesture", "holding"])
        if side == "right" and rng.random() < 0.6:
            kind = str(rng.choice(["loose", "hips", "crossed", "pockets", "gesture"]))
        elbow, shoulder, plane = {
            "loose": ((120, 170), (3, 25), (-20, 60)), "hips": ((55, 95), (25, 55), (60, 110)),
            "crossed": ((25, 60), (15, 40), (-10, 20)), "pockets": ((135, 165), (3, 15), (120, 180)),
            "phone": ((20, 45), (25, 60), (0, 60)), "gesture": ((60, 120), (15, 55), (-10, 60)),
            "holding": ((70, 110), (10, 40), (-10, 20)),
        }[kind]
        v[P[f"{side}_elbow"]] = rng.uniform(*elbow)
        v[P[f"{side}_shoulder"]] = rng.uniform(*shoulder)
        v[P[f"{side}_arm_plane"]] = rng.uniform(*plane)


def standing_params(rng: np.random.Generator) -> np.ndarray:
    """Someone standing about: weight on one leg or both, arms as in everyday life, head turned a little."""
    v = np.zeros(N_PARAMS)
    for side in ("left", "right"):
        v[P[f"{side}_hip"]] = rng.uniform(165, 180)
        v[P[f"{side}_knee"]] = rng.uniform(160, 180)
        v[P[f"{side}_leg_plane"]] = rng.uniform(-10, 100)
        v[P[f"{side}_knee_turn"]] = rng.uniform(-10, 30)
    if rng.random() < 0.5:  # one foot forward or resting
        side = rng.choice(["left", "right"])
        v[P[f"{side}_hip"]] = rng.uniform(150, 175)
        v[P[f"{side}_knee"]] = rng.uniform(145, 175)
    _everyday_arms(v, rng)
    v[P["trunk_pitch"]] = rng.uniform(-6, 12)
    v[P["trunk_roll"]] = rng.uniform(-6, 6)
    v[P["head_nod"]] = rng.uniform(-25, 20)
    return v


def sitting_params(rng: np.random.Generator) -> np.ndarray:
    """Someone sitting on a chair or a bench: thighs about horizontal, shins down, everyday arms."""
    v = np.zeros(N_PARAMS)
    cross = rng.random() < 0.25
    for side in ("left", "right"):
        v[P[f"{side}_hip"]] = rng.uniform(75, 115)
        v[P[f"{side}_knee"]] = rng.uniform(65, 125)
        v[P[f"{side}_leg_plane"]] = rng.uniform(-10, 35)
        v[P[f"{side}_knee_turn"]] = rng.uniform(-10, 25)
    if cross:  # legs crossed or one leg stretched out
        side = rng.choice(["left", "right"])
        v[P[f"{side}_knee"]] = rng.uniform(120, 170)
    _everyday_arms(v, rng)
    v[P["trunk_pitch"]] = rng.uniform(-15, 25)
    v[P["trunk_roll"]] = rng.uniform(-5, 5)
    v[P["head_nod"]] = rng.uniform(-30, 15)
    return v


@dataclass
class Body:
    """Segment lengths in metres for one person."""

    lengths: dict[str, float]

    @staticmethod
    def random(rng: np.random.Generator) -> Body:
        height = rng.uniform(1.5, 1.95)
        return Body({k: f * height * float(np.clip(rng.normal(1.0, 0.05), 0.85, 1.15)) for k, f in PROPORTIONS.items()})

    @staticmethod
    def standard(height: float = 1.7) -> Body:
        return Body({k: f * height for k, f in PROPORTIONS.items()})


def _arm(shoulder: np.ndarray, hip: np.ndarray, angle: float, plane: float, elbow: float, L: dict) -> list:
    """Elbow, wrist, pinky, index, thumb of a left arm (trunk frame, x outward)."""
    d = _unit(hip - shoulder)
    q = _perp(np.cos(np.radians(plane)) * Z + np.sin(np.radians(plane)) * X, d)
    R = _rot(np.cross(d, q), angle)
    a = R @ d
    front = _perp(R @ Z, a)
    beta = np.radians(180.0 - elbow)
    f = np.cos(beta) * a + np.sin(beta) * front
    e = shoulder + L["upper_arm"] * a
    w = e + L["forearm"] * f
    side = _unit(np.cross(f, _perp(front * np.cos(beta) - a * np.sin(beta), f)))
    h = L["hand"]
    return [e, w, w + 0.8 * h * f + 0.25 * h * side, w + h * f, w + 0.45 * h * f - 0.3 * h * side]


def _leg(hip: np.ndarray, shoulder: np.ndarray, angle: float, plane: float, knee: float, turn: float,
         L: dict) -> list:
    """Knee, ankle, heel, foot index of a left leg (trunk frame, x outward)."""
    u = _unit(shoulder - hip)
    down = -u
    q = _perp(np.cos(np.radians(plane)) * Z + np.sin(np.radians(plane)) * X, u)
    R = _rot(np.cross(down, q), 180.0 - angle) if angle < 179.9 else np.eye(3)
    t = _unit(np.cos(np.radians(angle)) * u + np.sin(np.radians(angle)) * q)
    back = _perp(_rot(t, -turn) @ (R @ -Z), t)  # where the back of the knee faces
    beta = np.radians(180.0 - knee)
    s = np.cos(beta) * t + np.sin(beta) * back
    front = np.cos(beta) * -back + np.sin(beta) * t  # the front of the shin, where the toes point
    k = hip + L["thigh"] * t
    a = k + L["shank"] * s
    foot = L["foot"]
    return [k, a, a - 0.3 * foot * front + 0.2 * foot * s, a + 0.85 * foot * front + 0.2 * foot * s]


def _mirror(p: np.ndarray) -> np.ndarray:
    return p * np.array([-1.0, 1.0, 1.0])


def skeleton(params: np.ndarray, body: Body | None = None) -> np.ndarray:
    """(33, 3) landmark positions in metres in the body frame (pelvis at the origin, y up)."""
    L = (body or Body.standard()).lengths
    v = params
    out = np.zeros((33, 3))
    hip_l, hip_r = np.array([L["hip_half"], 0, 0]), np.array([-L["hip_half"], 0, 0])
    sh_l, sh_r = np.array([L["shoulder_half"], L["torso"], 0]), np.array([-L["shoulder_half"], L["torso"], 0])
    out[[23, 24, 11, 12]] = hip_l, hip_r, sh_l, sh_r
    # Left limbs are built directly; right limbs as left limbs in the mirror image (x -> -x).
    for side, mirror in (("left", False), ("right", True)):
        m = _mirror if mirror else (lambda p: p)
        sh, hp = (sh_r, hip_r) if mirror else (sh_l, hip_l)
        arm = _arm(m(sh), m(hp), v[P[f"{side}_shoulder"]], v[P[f"{side}_arm_plane"]], v[P[f"{side}_elbow"]], L)
        leg = _leg(m(hp), m(sh), v[P[f"{side}_hip"]], v[P[f"{side}_leg_plane"]], v[P[f"{side}_knee"]],
                   v[P[f"{side}_knee_turn"]], L)
        idx_arm = (14, 16, 18, 20, 22) if mirror else (13, 15, 17, 19, 21)
        idx_leg = (26, 28, 30, 32) if mirror else (25, 27, 29, 31)
        for i, p in zip(idx_arm, arm, strict=True):
            out[i] = m(p)
        for i, p in zip(idx_leg, leg, strict=True):
            out[i] = m(p)
    # Head: a rigid set of points nodded about the neck.
    neck = np.array([0.0, L["torso"] + L["neck"], 0.0])
    Rh = _rot(X, -v[P["head_nod"]])
    h = L["head"]
    head = {
        0: (0.0, 0.55, 0.75), 1: (0.12, 0.72, 0.68), 2: (0.25, 0.74, 0.64), 3: (0.38, 0.73, 0.58),
        4: (-0.12, 0.72, 0.68), 5: (-0.25, 0.74, 0.64), 6: (-0.38, 0.73, 0.58), 7: (0.62, 0.62, 0.05),
        8: (-0.62, 0.62, 0.05), 9: (0.2, 0.32, 0.66), 10: (-0.2, 0.32, 0.66),
    }  # fmt: skip
    for i, (hx, hy, hz) in head.items():
        out[i] = neck + Rh @ (np.array([hx, hy, hz]) * h)
    # Trunk lean: pitch about the left-right axis, then roll sideways.
    Rt = _rot(X, v[P["trunk_pitch"]]) @ _rot(Z, -v[P["trunk_roll"]])
    return out @ Rt.T


@dataclass
class Camera:
    """A pinhole camera in the room: position, where it looks, horizontal field of view, aspect."""

    position: np.ndarray
    target: np.ndarray
    hfov: float = 60.0
    aspect: float = 16 / 9

    def project(self, world: np.ndarray, ref: np.ndarray) -> np.ndarray:
        """(N, 3) world points -> (N, 3) normalised x, y and MediaPipe-like z (relative to `ref`)."""
        fwd = _unit(self.target - self.position)
        right = _unit(np.cross(fwd, Y))
        up = np.cross(right, fwd)
        rel = world - self.position
        xc, yc, zc = rel @ right, rel @ up, rel @ fwd
        zc = np.maximum(zc, 0.05)
        fx = 0.5 / np.tan(np.radians(self.hfov) / 2)  # focal length in frame widths
        x = 0.5 + fx * xc / zc
        y = 0.5 - fx * self.aspect * yc / zc
        z_ref = max(float((ref - self.position) @ fwd), 0.05)
        z = fx * (zc - z_ref) / z_ref
        return np.stack([x, y, z], axis=1)


def place(points: np.ndarray, x: float, depth: float, yaw: float) -> np.ndarray:
    """Turn a body by `yaw` degrees (0 = facing the camera, which looks along -z) and stand it on the floor
    at room position (x, depth)."""
    R = _rot(Y, 180.0 + yaw)  # the body's forward (+z) faces the camera at yaw 0
    world = points @ R.T
    world[:, 1] -= world[:, 1].min()
    world[:, 0] += x
    world[:, 2] += depth
    return world


def random_camera(rng: np.random.Generator, center: np.ndarray, aspect: float = 16 / 9) -> Camera:
    """A camera somewhere in front of the person, from eye level to high up, near or far."""
    distance = rng.uniform(2.5, 7.0)
    elevation = np.radians(rng.uniform(-5, 40))
    azimuth = np.radians(rng.uniform(-25, 25))
    offset = np.array([np.sin(azimuth) * np.cos(elevation), np.sin(elevation), -np.cos(azimuth) * np.cos(elevation)])
    position = center + distance * offset
    position[1] = max(position[1], 0.3)
    hfov = rng.uniform(50, 75)
    # Aim off the person so they appear anywhere across the frame.
    right = _unit(np.cross(center - position, Y))
    aim = center + right * rng.uniform(-0.3, 0.3) * distance * np.tan(np.radians(hfov / 2)) * 1.6
    aim[1] += rng.uniform(-0.2, 0.2) * distance * 0.3
    return Camera(position, aim, hfov, aspect)


def observe(world: np.ndarray, camera: Camera, rng: np.random.Generator | None = None,
            noise: float = 1.0) -> np.ndarray:
    """(33, 4) MediaPipe-like landmarks of a placed body: x, y, z, visibility.

    noise=0 gives the exact projection with full visibility (for references and tests)."""
    mid_hip = (world[23] + world[24]) / 2
    lm = np.zeros((33, 4), dtype=np.float64)
    lm[:, :3] = camera.project(world, mid_hip)
    lm[:, 3] = 1.0
    if rng is None or noise <= 0:
        return lm.astype(np.float32)
    size = float(np.ptp(lm[:, 1])) + 1e-3  # person's height in frame heights
    # Jitter: MediaPipe's landmark noise is a few percent of body size, more at the extremities.
    extremity = np.ones(33)
    extremity[[15, 16, 17, 18, 19, 20, 21, 22, 27, 28, 29, 30, 31, 32]] = 1.8
    sigma = noise * size * rng.uniform(0.004, 0.02)
    lm[:, 0] += rng.normal(0, sigma / camera.aspect, 33) * extremity
    lm[:, 1] += rng.normal(0, sigma, 33) * extremity
    # Depth from a single image is the least certain: scaled wrong and noisy.
    lm[:, 2] = lm[:, 2] * rng.uniform(0.6, 1.3) + rng.normal(0, 3 * sigma, 33) * extremity
    vis = rng.uniform(0.85, 1.0, 33)
    # Self-occlusion: joints well behind the mid-hip (from the camera) are seen less.
    depth_rel = (world - mid_hip) @ _unit(camera.target - camera.position)
    behind = depth_rel > 0.08
    vis[behind] *= rng.uniform(0.3, 0.85, int(behind.sum()))
    # Out of frame: MediaPipe still places the joint but with a low visibility.
    outside = (lm[:, 0] < 0) | (lm[:, 0] > 1) | (lm[:, 1] < 0) | (lm[:, 1] > 1)
    vis[outside] = rng.uniform(0.0, 0.25, int(outside.sum()))
    # Dropped joints: now and then a joint lands far off with low visibility.
    drop_p = np.full(33, 0.02 * noise)
    drop_p[[15, 16, 17, 18, 19, 20, 21, 22, 27, 28, 29, 30, 31, 32]] = 0.05 * noise
    dropped = rng.random(33) < drop_p
    n = int(dropped.sum())
    if n:
        lm[dropped, :2] += rng.normal(0, 0.25 * size, (n, 2))
        vis[dropped] = rng.uniform(0.0, 0.4, n)
    lm[:, 3] = vis
    return lm.astype(np.float32)


def sample_landmarks(params: np.ndarray, rng: np.random.Generator, noise: float = 1.0,
                     aspect: float = 16 / 9) -> np.ndarray:
    """One observation of a pose: a random body, room position, facing and camera."""
    body = Body.random(rng)
    yaw = rng.uniform(-180, 180)
    world = place(skeleton(params, body), rng.uniform(-1, 1), rng.uniform(-1, 1), yaw)
    center = world.mean(axis=0)
    return observe(world, random_camera(rng, center, aspect), rng, noise)


def front_view(params: np.ndarray, yaw: float = 20.0, aspect: float = 16 / 9, body: Body | None = None,
               distance: float = 4.0) -> np.ndarray:
    """Noise-free landmarks seen by a level camera 4 m away (gallery thumbnails, tests).

    A level camera keeps trunk_lean true: it is measured from the image's up direction, so a camera
    pitched by some degrees shifts it by as much. Perspective bends the measured angles by a few
    degrees at 4 m (as it does for MediaPipe); from far away (distance 30) they are the 3D angles."""
    world = place(skeleton(params, body), 0.0, 0.0, yaw)
    center = world.mean(axis=0)
    cam = Camera(center + np.array([0.0, 0.0, -distance]), center, 60.0, aspect)
    return observe(world, cam)
