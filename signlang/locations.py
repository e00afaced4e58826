"""Where HamNoSys locations are on the avatar's body, and the directions of its notation.

Body frame: x to the viewer's right (the signer's left), y down, z towards the viewer (forward from the
signer), in shoulder widths with the origin between the shoulders. "ipsi" is the signing hand's own side.
"""

from __future__ import annotations

import numpy as np

# Head sites: (height above the chin as a fraction of the head's height, z in front of the body plane).
HEAD_SITES: dict[str, tuple[float, float]] = {
    "hamheadtop": (1.05, 0.0),
    "hamhead": (0.77, 0.12),
    "hamforehead": (0.8, 0.13),
    "hameyebrows": (0.65, 0.14),
    "hameyes": (0.56, 0.13),
    "hamnose": (0.4, 0.18),
    "hamnostrils": (0.34, 0.16),
    "hamear": (0.48, 0.0),
    "hamearlobe": (0.36, 0.0),
    "hamcheek": (0.32, 0.1),
    "hamlips": (0.19, 0.14),
    "hamtongue": (0.19, 0.16),
    "hamteeth": (0.2, 0.14),
    "hamchin": (0.03, 0.12),
    "hamunderchin": (-0.04, 0.05),
}
# Body sites: (x, y, z) in shoulder widths.
BODY_SITES: dict[str, tuple[float, float, float]] = {
    "hamneck": (0.0, -0.15, 0.05),
    "hamshouldertop": (0.0, -0.04, 0.0),
    "hamshoulders": (0.0, 0.08, 0.1),
    "hamchest": (0.0, 0.35, 0.14),
    "hamstomach": (0.0, 0.8, 0.14),
    "hambelowstomach": (0.0, 1.1, 0.12),
    "hamneutralspace": (0.0, 0.6, 0.45),
}
SITES = set(HEAD_SITES) | set(BODY_SITES)


def site_point(site: str, chin_y: float, head_height: float) -> np.ndarray:
    """A head or body site at the midline (head sites follow the head's proportions)."""
    if site in HEAD_SITES:
        frac, z = HEAD_SITES[site]
        return np.array([0.0, chin_y - frac * head_height, z])
    return np.array(BODY_SITES[site], dtype=np.float64)


# Paired sites: at the signing hand's side by default (the ear, the cheek ...): lateral offset.
LATERAL: dict[str, float] = {
    "hameyes": 0.09, "hamear": 0.22, "hamearlobe": 0.21, "hamcheek": 0.14, "hamshouldertop": 0.45,
    "hamneutralspace": 0.18,
}  # fmt: skip
# Sites on the other arm (contralateral side), relative to that side: (x away from the midline, y, z).
ARM_SITES: dict[str, tuple[float, float, float]] = {
    "hamupperarm": (0.55, 0.35, 0.05),
    "hamelbow": (0.55, 0.72, 0.0),
    "hamelbowinside": (0.5, 0.7, 0.06),
    "hamlowerarm": (0.35, 0.66, 0.2),
    "hamwristback": (0.22, 0.62, 0.3),
    "hamwristpulse": (0.22, 0.64, 0.3),
}
SIDE_OFFSETS = {"hamlrat": 0.22, "hamlrbeside": 0.45}  # towards the signing hand's side
CONTACT_DISTANCE = {"hamtouch": 0.0, "hambrushing": 0.0, "haminterlock": -0.02, "hamcross": 0.0, "hamclose": 0.06}
DEFAULT_DISTANCE = 0.16  # in front of a body site when no contact is written

# Neutral positions of the two hands (the base hand for locations on the other hand).
BASE_HAND_POSITION = np.array([0.12, 0.62, 0.35])  # the left (non-dominant) hand, in front of the body


def side_sign(hand: str) -> float:
    """x sign of a hand's own side: the signer's right is at negative x."""
    return -1.0 if hand == "right" else 1.0


_LETTERS = {
    "u": (0.0, -1.0, 0.0),
    "d": (0.0, 1.0, 0.0),
    "r": (-1.0, 0.0, 0.0),  # the signer's right
    "l": (1.0, 0.0, 0.0),
    "o": (0.0, 0.0, 1.0),  # away from the body
    "i": (0.0, 0.0, -1.0),  # towards the body
}


def direction(letters: str) -> np.ndarray:
    """Unit vector for a direction suffix such as "u", "ol", "dr"."""
    v = np.zeros(3)
    for ch in letters:
        if ch in _LETTERS:
            v += np.array(_LETTERS[ch])
    n = float(np.linalg.norm(v))
    return v / n if n > 1e-9 else np.array([0.0, 0.0, 1.0])


def suffix(symbol: str, prefix: str) -> str:
    return symbol[len(prefix) :] if symbol.startswith(prefix) else ""
