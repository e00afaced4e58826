"""Perception: the people in the camera image, tracked with stable ids, smoothed and described.

    tracker = PoseTracker(cfg["perception"])
    tracker.start()                 # inference on its own thread
    tracker.submit(frame)           # never blocks; the newest frame wins
    result = tracker.latest()       # PerceptionResult: people, enter/exit events, capture time

Modules: angles (joint angles), features (per person and group), tracking (ids), one_euro
(smoothing), zones (strips and crops), model (the offline MediaPipe bundles), people (the person
detector), landmarks (the pose landmark network shared by everyone on regions the tracker chooses),
hands (HandTracker).
"""

from runtime.perception.model import ModelBundleError
from runtime.perception.tracker import PerceptionResult, PoseTracker

__all__ = ["ModelBundleError", "PerceptionResult", "PoseTracker"]
