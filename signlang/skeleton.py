"""The 2D avatar skeleton: joint names, index constants and body proportions.

Coordinates: x to the viewer's right, y down, in units of shoulder width, origin at the centre between
the shoulders. The avatar faces the viewer, so the signer's RIGHT (dominant) side is at negative x.
Joints, in this order (K = 59):
  8 upper body joints, 9 face anchors, 21 right-hand joints, 21 left-hand joints (MediaPipe hand layout).
"""

from __future__ import annotations

from dataclasses import dataclass

BODY_JOINTS = [
    "neck",
    "head",
    "right_shoulder",
    "left_shoulder",
    "right_elbow",
    "left_elbow",
    "right_wrist",
    "left_wrist",
]
FACE_JOINTS = [
    "forehead",
    "right_eye",
    "left_eye",
    "nose",
    "mouth_right",
    "mouth_left",
    "chin",
    "right_ear",
    "left_ear",
]
# MediaPipe Hands landmark order.
HAND_JOINTS = [
    "wrist",
    "thumb_cmc", "thumb_mcp", "thumb_ip", "thumb_tip",
    "index_finger_mcp", "index_finger_pip", "index_finger_dip", "index_finger_tip",
    "middle_finger_mcp", "middle_finger_pip", "middle_finger_dip", "middle_finger_tip",
    "ring_finger_mcp", "ring_finger_pip", "ring_finger_dip", "ring_finger_tip",
    "pinky_mcp", "pinky_pip", "pinky_dip", "pinky_tip",
]  # fmt: skip
HAND_SIZE = len(HAND_JOINTS)  # 21

JOINTS: list[str] = (
    BODY_JOINTS
    + FACE_JOINTS
    + [f"right_hand.{n}" for n in HAND_JOINTS]
    + [f"left_hand.{n}" for n in HAND_JOINTS]
)
K = len(JOINTS)  # 59
INDEX: dict[str, int] = {name: i for i, name in enumerate(JOINTS)}

NECK, HEAD = 0, 1
R_SHOULDER, L_SHOULDER, R_ELBOW, L_ELBOW, R_WRIST, L_WRIST = 2, 3, 4, 5, 6, 7
FOREHEAD, R_EYE, L_EYE, NOSE, MOUTH_R, MOUTH_L, CHIN, R_EAR, L_EAR = range(8, 17)
RIGHT_HAND = 17  # first index of the right hand's 21 joints
LEFT_HAND = RIGHT_HAND + HAND_SIZE  # 38
HAND_START = {"right": RIGHT_HAND, "left": LEFT_HAND}

# Within a hand block (MediaPipe indices).
H_WRIST = 0
FINGER_JOINTS = {  # digit -> its 4 joint indices within the hand block (base to tip)
    "thumb": (1, 2, 3, 4),
    "index": (5, 6, 7, 8),
    "middle": (9, 10, 11, 12),
    "ring": (13, 14, 15, 16),
    "pinky": (17, 18, 19, 20),
}
# Bones to draw, as pairs of joint indices into JOINTS.
HAND_BONES_LOCAL = [(0, 1), (0, 5), (0, 17), (5, 9), (9, 13), (13, 17)] + [
    (j[i], j[i + 1]) for j in FINGER_JOINTS.values() for i in range(3)
]
BONES: list[tuple[int, int]] = [
    (NECK, HEAD),
    (R_SHOULDER, L_SHOULDER),
    (R_SHOULDER, R_ELBOW),
    (R_ELBOW, R_WRIST),
    (L_SHOULDER, L_ELBOW),
    (L_ELBOW, L_WRIST),
] + [(start + a, start + b) for start in (RIGHT_HAND, LEFT_HAND) for a, b in HAND_BONES_LOCAL]


@dataclass(frozen=True)
class BodyProportions:
    """Lengths in shoulder widths (an adult: shoulders ~40 cm, upper arm ~30, forearm ~26, hand ~18)."""

    upper_arm: float = 0.75
    forearm: float = 0.66
    hand: float = 0.45  # wrist to middle fingertip
    neck: float = 0.3  # shoulder line to chin
    head_height: float = 0.62  # chin to top of the head
    head_width: float = 0.42
    torso: float = 1.4  # shoulder line to hips

    @property
    def chin_y(self) -> float:
        return -self.neck

    @property
    def head_centre_y(self) -> float:
        return -self.neck - 0.45 * self.head_height
