"""Stick figures drawn from landmarks into RGB images (virtual camera frames, gallery sheets)."""

from __future__ import annotations

import numpy as np
from skimage.draw import disk, line_aa

from body.landmarks import SKELETON

HEAD = (0, 2, 5, 7, 8)


def draw_person(image: np.ndarray, landmarks: np.ndarray, color: tuple[int, int, int] = (230, 230, 230),
                thickness: int = 3, min_visibility: float = 0.3) -> None:
    """Draw one person's bones into `image` (H, W, 3) uint8 in place; landmarks in normalised coords."""
    h, w = image.shape[:2]
    pts = np.asarray(landmarks)[:, :2] * np.array([w, h])
    vis = np.asarray(landmarks)[:, 3] if landmarks.shape[1] > 3 else np.ones(len(pts))
    col = np.array(color, dtype=np.float32)
    ipts = np.nan_to_num(pts, nan=-1e4).clip(-1e4, 1e4).astype(np.int64)
    for a, b in SKELETON:
        if vis[a] < min_visibility or vis[b] < min_visibility:
            continue
        for off in range(-(thickness // 2), thickness // 2 + 1):
            for dx, dy in ((off, 0), (0, off)):
                (c0, r0), (c1, r1) = ipts[a] + (dx, dy), ipts[b] + (dx, dy)
                rr, cc, val = line_aa(int(r0), int(c0), int(r1), int(c1))
                ok = (rr >= 0) & (rr < h) & (cc >= 0) & (cc < w)
                rr, cc, val = rr[ok], cc[ok], val[ok]
                image[rr, cc] = np.maximum(image[rr, cc], (val[:, None] * col).astype(np.uint8))
    head = pts[list(HEAD)].mean(axis=0)
    torso = float(np.linalg.norm((pts[11] + pts[12]) / 2 - (pts[23] + pts[24]) / 2))
    radius = float(np.clip(0.2 * torso, 3.0, 0.05 * h))
    if vis[0] >= min_visibility:
        rr, cc = disk((head[1], head[0]), radius, shape=(h, w))
        image[rr, cc] = col.astype(np.uint8)


def render_people(people_landmarks: list[np.ndarray], size: tuple[int, int] = (1280, 720),
                  background: int = 16) -> np.ndarray:
    """An RGB frame (H, W, 3) with every person drawn as a stick figure."""
    w, h = size
    image = np.full((h, w, 3), background, dtype=np.uint8)
    for lm in people_landmarks:
        draw_person(image, lm, thickness=max(2, h // 180))
    return image
