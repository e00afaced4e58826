"""Import mediapipe quietly and without PortAudio (the show, the tools and training alike).

MediaPipe's C++ logging goes to stderr at INFO level: keep the show's log readable. And
`import mediapipe` imports sounddevice when it is installed, which connects PortAudio to a running
JACK server inside the show; if that server dies, PortAudio aborts the process at exit. The show
captures the microphone in its own process, so sounddevice is hidden while mediapipe is imported.
"""

from __future__ import annotations

import os
import sys
from types import ModuleType


def import_mediapipe() -> ModuleType:
    os.environ.setdefault("GLOG_minloglevel", "2")
    if "mediapipe" not in sys.modules:
        hide = "sounddevice" not in sys.modules
        if hide:
            sys.modules["sounddevice"] = None  # type: ignore[assignment]
        try:
            import mediapipe  # noqa: F401
        finally:
            if hide and sys.modules.get("sounddevice", 0) is None:
                del sys.modules["sounddevice"]
    return sys.modules["mediapipe"]
