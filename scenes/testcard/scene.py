"""The test card: proves the pipeline from input to screen.

Colour bars, a moving sweep and a grid (shaders/testcard/testcard.frag), the newest camera frame
in a preview window with its age, and a clock. If any of these stand still, something upstream
has stopped.
"""

from __future__ import annotations

import time
from typing import Any

from runtime.frames import CameraFrame, Inputs, Outputs
from runtime.gfx import Graphics
from runtime.scene import ParamInfo, Scene


class TestcardScene(Scene):
    name = "testcard"
    description = "colour bars, moving sweep, camera preview and clock"
    params = {"preview": True, "label": ""}
    param_info = {"preview": ParamInfo("show the camera preview with its age"),
                  "label": ParamInfo("a line of text shown on the card")}

    def __init__(self, config: dict[str, Any] | None = None) -> None:
        super().__init__(config)
        self.t = 0.0
        self.frame: CameraFrame | None = None
        self.camera_status = ""
        self.age_ms = float("nan")

    def setup(self, gfx: Graphics) -> None:
        self.program = gfx.program("common/fullscreen.vert", "testcard/testcard.frag")

    def update(self, inputs: Inputs, out: Outputs) -> None:
        self.t += inputs.dt
        self.frame = inputs.frame
        self.camera_status = next(iter(inputs.camera_status.values()), "")
        if self.frame is not None:
            self.age_ms = (inputs.t - self.frame.t_capture) * 1000.0

    def draw(self, gfx: Graphics) -> None:
        w, h = gfx.current_size
        gfx.quad(self.program, u_time=self.t)
        if self.values["preview"] and self.frame is not None:
            fw, fh = self.frame.size
            pw = w * 0.4
            ph = pw * fh / fw
            x, y = w - pw - w * 0.04, h - ph - h * 0.06
            gfx.rect(x - 3, y - 3, pw + 6, ph + 6, (1, 1, 1, 1))
            tex = gfx.texture("testcard-camera", self.frame.image, version=(self.frame.source, self.frame.index))
            gfx.image(tex, x, y, pw, ph)
            gfx.text(f"{self.frame.source}  #{self.frame.index}  age {self.age_ms:.0f} ms", (x, y + ph + 6),
                     max(14, int(h / 40)))
        size = max(20, int(h / 10))
        gfx.text(time.strftime("%H:%M:%S"), (w * 0.04, h * 0.3), size)
        gfx.text(f"t = {self.t:8.2f} s", (w * 0.04, h * 0.3 + size * 1.1), size // 2)
        if self.values["label"]:
            gfx.text(str(self.values["label"]), (w * 0.04, h * 0.3 + size * 1.8), size // 2)
        if self.camera_status and self.camera_status != "ok":
            gfx.text(f"camera {self.camera_status}", (w * 0.04, h * 0.9), size // 3, (1, 0.4, 0.3, 1))
