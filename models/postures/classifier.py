"""The posture classifier at run time: the ONNX model from models/postures, run with onnxruntime."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from models.postures.features import N_FEATURES, feature_matrix, whole_body_in_frame

DEFAULT_MODEL = Path(__file__).resolve().parents[2] / "models" / "postures" / "posture_classifier.onnx"


@dataclass
class Classification:
    posture: str  # the most probable class, "none" included
    confidence: float
    probabilities: np.ndarray  # over PostureClassifier.classes


class PostureClassifier:
    """Loads the model once; `classify_many` runs all people of a frame in one batch."""

    def __init__(self, path: Path | str = DEFAULT_MODEL) -> None:
        import onnxruntime as ort

        self.path = Path(path)
        if not self.path.is_file():
            raise FileNotFoundError(
                f"posture model {self.path} is missing: run `python -m models.postures.train` to make it")
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        try:
            self.session = ort.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own exception types for bad files
            raise ValueError(f"posture model {self.path} cannot be loaded ({exc}); "
                             "retrain with `python -m models.postures.train`") from None
        meta = self.session.get_modelmeta().custom_metadata_map
        try:
            self.classes: list[str] = json.loads(meta["classes"])
            n_features = int(meta["n_features"])
        except (KeyError, ValueError):
            raise ValueError(f"posture model {self.path} has no 'classes'/'n_features' metadata; "
                             "retrain with `python -m models.postures.train`") from None
        if n_features != N_FEATURES:
            raise ValueError(f"posture model {self.path} expects {n_features} features, the code makes "
                             f"{N_FEATURES}; retrain with `python -m models.postures.train`")
        self.input_name = self.session.get_inputs()[0].name

    def probabilities(self, landmarks: np.ndarray, aspect: float | np.ndarray = 16 / 9) -> np.ndarray:
        """(N, 33, 4) landmarks -> (N, classes) probabilities. A person whose legs are not all inside
        the frame is `none` (probability 1): MediaPipe guesses unseen legs, and no posture is judged
        on a guessed body."""
        if len(landmarks) == 0:
            return np.zeros((0, len(self.classes)), dtype=np.float32)
        feats = feature_matrix(landmarks, aspect)
        probs = self.session.run(None, {self.input_name: feats})[0]
        if "none" in self.classes:
            cut = ~whole_body_in_frame(landmarks)
            probs[cut] = 0.0
            probs[cut, self.classes.index("none")] = 1.0
        return probs

    def classify_many(self, landmarks: np.ndarray, aspect: float = 16 / 9) -> list[Classification]:
        probs = self.probabilities(landmarks, aspect)
        return [Classification(self.classes[int(p.argmax())], float(p.max()), p) for p in probs]

    def classify(self, landmarks: np.ndarray, aspect: float = 16 / 9) -> Classification:
        return self.classify_many(np.asarray(landmarks)[None], aspect)[0]
