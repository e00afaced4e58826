"""The sala OSC address schema (documented in runtime/osc/OSC.md): builders for every message the show sends.

One message per person carries the whole skeleton with a stable track id, so that receivers never
mix up joints of two people (UDP does not keep order between datagrams; a message is atomic).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from runtime.frames import OscMessage

N_LANDMARKS = 33
N_MEL = 64

# Streams a target can subscribe to.
STREAMS = ("pose", "events", "mic", "sonification", "scene")

FRAME = "/sala/frame"  # i:frame f:seconds since the sender started i:people
PERSON = "/sala/person"  # i:id f:score f[132]: x, y, z, visibility for each of the 33 landmarks
PERSON_EVENTS = ("enter", "exit")
POSTURE_EVENTS = ("start", "end")
SIGN_EVENTS = ("start", "end")
MIC = "/sala/mic"  # f:rms_db f:pitch_hz f:pitch_confidence f:centroid_hz i:onset
MIC_MEL = "/sala/mic/mel"  # f[64] mel band levels in dB
MIC_ONSET = "/sala/mic/onset"  # f:seconds ago the onset happened (relative to the frame)
SONIFY = "/sala/sonify"  # s:name f:value (scene-defined parameter names)

MEDIAPIPE_POSE = "/mediapipe/pose"  # preset "mediapipe": i:count then f[132] per person
WEK_INPUTS = "/wek/inputs"  # preset "wekinator": f[66]: x, y of the 33 landmarks of one person
WEKINATOR_PORT = 6448

# addresses the scenes send themselves (documented in runtime/osc/OSC.md, "Scene messages")
SCENE_ADDRESSES = (
    "/sala/sign/pose",  # i:frame s:gloss f[118] (signing, stream scene)
    "/sala/sign/face",  # i:frame s:gloss f[42]: 22 non-manual channels, x, y of 10 face landmarks (signing)
    "/sala/pose_space/person",  # i:id s:posture f:confidence f:score s:feedback (pose_space, scene)
    "/sala/pose_space/group",  # f:closeness f:sync i:people (pose_space, scene)
    "/sala/sonification/params",  # f[5] (sonification, stream sonification)
    "/sala/sonification/latents/image",  # f[n]
    "/sala/sonification/latents/sound",  # f[n]
)

# every address the show sends (runtime/osc/OSC.md documents each; the receivers in sound/ route each)
OUT_ADDRESSES = (
    FRAME, PERSON, *(f"{PERSON}/{k}" for k in PERSON_EVENTS), *(f"/sala/posture/{k}" for k in POSTURE_EVENTS),
    *(f"/sala/sign/{k}" for k in SIGN_EVENTS), MIC, MIC_MEL, MIC_ONSET, SONIFY, MEDIAPIPE_POSE, WEK_INPUTS,
)


def person_message(person: Any) -> OscMessage:
    """`/sala/person i:id f:score f[132]` for one tracked person (landmarks row-major x,y,z,vis)."""
    landmarks = np.asarray(person.landmarks, dtype=np.float32)
    if landmarks.shape != (N_LANDMARKS, 4):
        raise ValueError(f"person {person.id}: landmarks must have shape (33, 4), got {landmarks.shape}")
    flat = np.nan_to_num(landmarks, nan=0.0, posinf=0.0, neginf=0.0).ravel()
    return OscMessage(PERSON, (int(person.id), float(person.score), flat), stream="pose")


def person_event(kind: str, person_id: int) -> OscMessage:
    """`/sala/person/enter i:id` or `/sala/person/exit i:id`."""
    if kind not in PERSON_EVENTS:
        raise ValueError(f"person event kind {kind!r} is not one of {PERSON_EVENTS}")
    return OscMessage(f"{PERSON}/{kind}", (int(person_id),), stream="events")


def posture_event(kind: str, person_id: int, posture: str, confidence: float = 1.0) -> OscMessage:
    """`/sala/posture/start i:id s:name f:confidence` or `/sala/posture/end i:id s:name f:confidence`."""
    if kind not in POSTURE_EVENTS:
        raise ValueError(f"posture event kind {kind!r} is not one of {POSTURE_EVENTS}")
    return OscMessage(f"/sala/posture/{kind}", (int(person_id), str(posture), float(confidence)), "events")


def sign_event(kind: str, gloss: str, notation: str = "") -> OscMessage:
    """`/sala/sign/start s:gloss s:notation` or `/sala/sign/end ...` (notation: comma-separated symbol names)."""
    if kind not in SIGN_EVENTS:
        raise ValueError(f"sign event kind {kind!r} is not one of {SIGN_EVENTS}")
    return OscMessage(f"/sala/sign/{kind}", (str(gloss), str(notation)), stream="events")


def sonify_message(name: str, value: float) -> OscMessage:
    """`/sala/sonify s:name f:value`: one sonification parameter."""
    return OscMessage(SONIFY, (str(name), float(value)), stream="sonification")


def mic_message(features: Any) -> list[OscMessage]:
    """Microphone features: `/sala/mic` summary, `/sala/mic/mel` bands, one `/sala/mic/onset` per onset.

    `features` is a runtime.devices.microphone.MicFeatures; onsets are given as seconds before the
    features' capture time so that a receiver can place them without sharing our clock.
    """
    out = [
        OscMessage(
            MIC,
            (
                float(features.rms_db),
                float(features.pitch_hz),
                float(features.pitch_confidence),
                float(features.centroid_hz),
                int(bool(features.onset)),
            ),
            stream="mic",
        ),
        OscMessage(MIC_MEL, (np.asarray(features.mel, dtype=np.float32),), stream="mic"),
    ]
    for t_onset in getattr(features, "onsets", ()) or ():
        out.append(OscMessage(MIC_ONSET, (float(features.t_capture - t_onset),), stream="mic"))
    return out


def mediapipe_pose_message(person_messages: list[OscMessage]) -> OscMessage:
    """Preset "mediapipe" (cansik/mediapipe-osc layout): `/mediapipe/pose i:count f[132] × count`."""
    args: list[Any] = [len(person_messages)]
    for msg in person_messages:
        args.append(msg.args[2])
    return OscMessage(MEDIAPIPE_POSE, tuple(args), stream="pose")


def wekinator_message(person_messages: list[OscMessage]) -> OscMessage | None:
    """Preset "wekinator": `/wek/inputs f[66]`, x and y of the 33 landmarks of the lowest track id."""
    if not person_messages:
        return None
    first = min(person_messages, key=lambda m: m.args[0])
    xyzv = np.asarray(first.args[2], dtype=np.float32).reshape(N_LANDMARKS, 4)
    return OscMessage(WEK_INPUTS, (xyzv[:, :2].ravel(),), stream="pose")
