"""Build MediaPipe Tasks `.task` bundles from the `.tflite` models inside the mediapipe wheel.

mediapipe 0.10.21 ships the pose and hand models but no `.task` bundles, and nothing may be
downloaded at run time. A bundle is a zip of the detector and the landmark model; the pose
landmarker also needs image-input normalisation metadata in each model (else it refuses with
"requires specifying NormalizationOptions metadata"), which mediapipe's own metadata writer adds.

    python -m models.mediapipe.build_bundles [--out DIR]
"""

from __future__ import annotations

import argparse
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _wheel_model(relative: str) -> bytes:
    import mediapipe

    path = Path(mediapipe.__file__).parent / "modules" / relative
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: mediapipe==0.10.21 ships it; later releases do not")
    return path.read_bytes()


def _with_image_metadata(model: bytes, name: str, mean: float, std: float) -> bytes:
    from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer

    writer = metadata_writer.MetadataWriter.create(bytearray(model))
    writer.add_general_info(name, f"{name} from the mediapipe wheel, with image-input metadata")
    writer.add_image_input(norm_mean=[mean], norm_std=[std])
    for i in range(_output_count(model)):
        writer.add_feature_output(name=f"output_{i}")
    tflite, _ = writer.populate()
    return bytes(tflite)


def _output_count(model: bytes) -> int:
    from mediapipe.tasks.python.metadata.metadata_writers import writer_utils

    return len(writer_utils.get_output_tensor_types(bytearray(model)))


def _write_zip(path: Path, members: dict[str, bytes]) -> None:
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    tmp.replace(path)  # atomic: a half-written bundle never exists under the real name


def build(out: Path = HERE) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    pose = out / "pose_landmarker.task"
    _write_zip(
        pose,
        {
            "pose_detector.tflite": _with_image_metadata(
                _wheel_model("pose_detection/pose_detection.tflite"), "pose_detector", 127.5, 127.5
            ),
            "pose_landmarks_detector.tflite": _with_image_metadata(
                _wheel_model("pose_landmark/pose_landmark_full.tflite"), "pose_landmarks_detector", 0.0, 255.0
            ),
        },
    )
    hand = out / "hand_landmarker.task"
    _write_zip(
        hand,
        {
            "hand_detector.tflite": _wheel_model("palm_detection/palm_detection_full.tflite"),
            "hand_landmarks_detector.tflite": _wheel_model("hand_landmark/hand_landmark_full.tflite"),
        },
    )
    return [pose, hand]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE)
    for p in build(parser.parse_args().out):
        print(f"built {p} ({p.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
