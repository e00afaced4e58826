"""`python -m runtime pose classify IMAGE [--json]`: posture, confidence, score and feedback per person.

IMAGE is a picture file, or `sample:NAME` for a photo shipped with an installed package
(sample:astronaut, sample:camera, sample:grace_hopper). People are found with MediaPipe's pose
landmarker (the offline bundle in models/mediapipe; when it finds nobody on the whole frame, crops
around the frame are searched, so a small person anywhere in the picture is found), then classified
and assessed as in the scene.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

from body.assessment import assess, measured_angles
from body.postures import NONE_LABEL, load_postures
from models.postures.classifier import DEFAULT_MODEL, PostureClassifier


def load_image(spec: str) -> np.ndarray:
    """RGB uint8 from a file path or `sample:NAME`; errors name the file or the allowed names."""
    if spec.startswith("sample:"):
        from runtime.perception.samples import photo

        return photo(spec.split(":", 1)[1])
    path = Path(spec)
    if not path.is_file():
        raise FileNotFoundError(f"image {path} not found")
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            return np.asarray(im.convert("RGB"))
    except (UnidentifiedImageError, OSError) as exc:
        raise ValueError(f"image {path} cannot be read: {exc}") from None


def detect_landmarks(image: np.ndarray, max_people: int = 4) -> list[np.ndarray]:
    """(33, 4) landmarks of each person MediaPipe finds in a still image."""
    import mediapipe as mp

    from runtime.perception import model

    landmarker = model.pose_landmarker(video=False, num_poses=max_people)
    try:
        h, w = image.shape[:2]
        result = landmarker.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(image)))
        cands = model.to_candidates(result, model.Region(0, 0, w, h), w, h, "image")
    finally:
        landmarker.close()
    if cands:
        return [c.landmarks.astype(np.float32) for c in cands]
    # Nobody found on the whole frame (a small person, or one off to the side): search crops.
    from models.postures.photos import PersonFinder

    with PersonFinder() as finder:
        person = finder.find_person(image)
    return [] if person is None else [person]


def classify_landmarks(landmarks: list[np.ndarray], aspect: float,
                       classifier: PostureClassifier) -> list[dict[str, Any]]:
    """Per person: the classifier's answer, its top three, and the score and feedback for the most
    likely posture (the best one other than 'none')."""
    postures = load_postures()
    out: list[dict[str, Any]] = []
    if not landmarks:
        return out
    probs = classifier.probabilities(np.stack(landmarks), aspect)
    for i, (lm, pr) in enumerate(zip(landmarks, probs, strict=True)):
        order = np.argsort(pr)[::-1]
        top = classifier.classes[int(order[0])]
        best = next(classifier.classes[int(k)] for k in order if classifier.classes[int(k)] != NONE_LABEL)
        a = assess(postures[best], measured_angles(lm, aspect))
        out.append({
            "person": i,
            "posture": top,
            "confidence": round(float(pr[order[0]]), 4),
            "top3": [[classifier.classes[int(k)], round(float(pr[k]), 4)] for k in order[:3]],
            "assessed_as": best,
            "score": round(a.score, 3),
            "feedback": a.feedback,
            "joints_furthest_off": [{"joint": j.name, "measured": round(j.measured, 1), "reference": j.reference,
                                     "share_of_loss": round(j.loss, 3)} for j in a.joints[:3]],
        })
    return out


def cmd_classify(args: argparse.Namespace) -> int:
    try:
        image = load_image(args.image)
        classifier = PostureClassifier(args.model)
        people = classify_landmarks(detect_landmarks(image), image.shape[1] / image.shape[0], classifier)
    except (FileNotFoundError, ValueError, RuntimeError) as exc:
        print(f"error: {exc}")
        return 2
    if args.json:
        print(json.dumps({"image": args.image, "people": people}, indent=1))
        return 0
    if not people:
        print(f"{args.image}: no person found")
    for p in people:
        fb = "; ".join(p["feedback"]) or "-"
        print(f"person {p['person']}: {p['posture']} ({100 * p['confidence']:.0f}%)  "
              f"as {p['assessed_as']}: score {100 * p['score']:.0f}%  feedback: {fb}")
    return 0


def register_pose_commands(pose_subparsers: Any) -> None:
    """Add `classify` under the `pose` command (called by tools.pose)."""
    p = pose_subparsers.add_parser("classify", help="posture, confidence, score and feedback for a picture",
                                   description=__doc__.splitlines()[0])
    p.add_argument("image", help="picture file, or sample:astronaut | sample:camera | sample:grace_hopper")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="posture classifier (ONNX)")
    p.set_defaults(func=cmd_classify)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.posture")
    register_pose_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
