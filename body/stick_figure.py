"""Stick figures drawn from landmarks into RGB images (virtual camera frames, gallery sheets)."""

from __future__ import annotations

import cv2
import numpy as np

from body.landmarks import SKELETON

HEAD = (0, 2, 5, 7, 8)


def draw_person(image: np.ndarray, landmarks: np.ndarray, color: tuple[int, int, int] = (230, 230, 230),
                thickness: int = 3, min_visibility: float = 0.3) -> None:
    """Draw one person's bones into `image` (H, W, 3) uint8 in place; landmarks in normalised coords.
    OpenCV draws (anti-aliased, without the GIL): a camera's worth of people costs a millisecond."""
    h, w = image.shape[:2]
    lm = np.asarray(landmarks)
    pts = lm[:, :2] * np.array([w, h])
    vis = lm[:, 3] if lm.shape[1] > 3 else np.ones(len(pts))
    ipts = np.nan_to_num(pts, nan=-1e4).clip(-1e4, 1e4).round().astype(np.int32)
    col = tuple(int(c) for c in color)
    for a, b in SKELETON:
        if vis[a] >= min_visibility and vis[b] >= min_visibility:
            cv2.line(image, tuple(map(int, ipts[a])), tuple(map(int, ipts[b])), col, thickness, cv2.LINE_AA)
    head = pts[list(HEAD)].mean(axis=0)
    torso = float(np.linalg.norm((pts[11] + pts[12]) / 2 - (pts[23] + pts[24]) / 2))
    radius = float(np.clip(0.2 * torso, 3.0, 0.05 * h))
    if vis[0] >= min_visibility and np.isfinite(head).all():
        center = tuple(int(v) for v in np.clip(head, -1e4, 1e4).round())
        cv2.circle(image, center, int(round(radius)), col, -1, cv2.LINE_AA)


def render_people(people_landmarks: list[np.ndarray], size: tuple[int, int] = (1280, 720),
                  background: int = 16) -> np.ndarray:
    """An RGB frame (H, W, 3) with every person drawn as a stick figure."""
    w, h = size
    image = np.full((h, w, 3), background, dtype=np.uint8)
    for lm in people_landmarks:
        draw_person(image, lm, thickness=max(2, h // 180))
    return image
