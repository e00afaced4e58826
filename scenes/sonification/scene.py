"""Image sonification: what the camera (or a painted canvas) shows is heard.

The image is brought to the image model's input (32x32 grayscale, light on black), encoded by the
image FactorVAE, its latent mapped into the sound FactorVAE's latent space, and the synth-parameter
head turns that into the FM voice's parameters, smoothed and played continuously. The learned
pairing (models/sonification/MODEL_CARD.md): left to right raises the pitch, higher in the frame is
brighter, larger is louder (light level is paired with the FM index but barely moves it).

On screen: the input as the model sees it, its reconstruction, the image and sound latents as bars,
a scrolling spectrogram of the synth parameters being played, and the parameters in numbers.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from models.sonification.image_input import Canvas, camera_to_input, painting_point
from models.sonification.runtime_model import SHIPPED_DIR, SonificationModel, Sonified
from models.sonification.synth import PARAM_NAMES, PARAMS, cutoff_hz, params_from_unit
from runtime.frames import Inputs, Outputs
from runtime.gfx import Graphics
from runtime.osc.schema import sonify_message
from runtime.scene import ParamInfo, Scene
from scenes.sonification.spectrogram import SpectrogramHistory, params_mel_db

log = logging.getLogger(__name__)

VOICE_KEY = "sonification"
SOURCES = ("auto", "camera", "canvas")
INSTRUMENTS = ("fm", "voice")
CANVAS_HOLD = 2.0  # seconds after the last stroke during which "auto" listens to the canvas
OSC_PARAMS = "/sala/sonification/params"  # f[5]: freq Hz, amp linear, ratio, index, brightness
OSC_LATENT_IMAGE = "/sala/sonification/latents/image"  # f[z_image]
OSC_LATENT_SOUND = "/sala/sonification/latents/sound"  # f[z_sound]


def instrument_params(params: dict[str, float], instrument: str) -> dict[str, float]:
    """The voice's parameters in the names of the sound engine's instrument.

    "fm" (sound/fm_voice.py) is models/sonification/synth.py itself. "voice" (sound/poly_voice.py)
    is the same FM pair through a different (Moog) low-pass, so brightness becomes its cutoff in Hz.
    """
    if instrument == "fm":
        return {k: float(v) for k, v in params.items()}
    cutoff = float(np.clip(cutoff_hz(params["freq"], params["brightness"]), 40.0, 18000.0))
    return {"freq": float(params["freq"]), "amp": float(params["amp"]), "ratio": float(params["ratio"]),
            "index": float(params["index"]), "cutoff": cutoff, "fm": 1.0, "res": 0.0}


class SonificationScene(Scene):
    name = "sonification"
    description = "the camera image (or a painted canvas) mapped through learned latents to an FM voice"
    params: ClassVar[dict[str, Any]] = {
        "source": "auto",  # auto | camera | canvas (auto: the canvas while someone paints, else the camera)
        "region_x0": 0.0, "region_y0": 0.0, "region_x1": 1.0, "region_y1": 1.0,  # camera region, fractions
        "smoothing": 0.15,  # seconds: time constant of the parameter smoothing
        "spectrum_rate": 15.0,  # spectra of the played note computed a second at most (0: every update)
        "instrument": "fm",  # fm (the exact synth the models learned) | voice (sound/poly_voice.py)
        "volume": 1.0,  # multiplies the model's amplitude
        "gate": 0.08,  # the voice falls silent when the input's brightest pixel is below this
        "brush": 0.08,  # canvas brush radius, fraction of the canvas
        "canvas_fade": 0.6,  # seconds for a stroke to fade to a third
        "model_dir": "",  # trained model directory; empty = models/sonification/shipped
        "osc": True,  # send parameters and latents on the "sonification" stream
    }

    param_info: ClassVar[dict[str, ParamInfo]] = {
        "source": ParamInfo("what the model sees (auto: the canvas while someone paints, else the camera)",
                            choices=("auto", "camera", "canvas")),
        **{k: ParamInfo(f"camera region {k[-2:]} edge, fraction of the frame", 0.0, 1.0)
           for k in ("region_x0", "region_y0", "region_x1", "region_y1")},
        "smoothing": ParamInfo("time constant of the parameter smoothing", 0.001, 5.0, "s"),
        "spectrum_rate": ParamInfo("spectra of the played note a second at most (0: every update)", 0.0, 60.0, "Hz"),
        "instrument": ParamInfo("the voice that plays", choices=("fm", "voice")),
        "volume": ParamInfo("multiplies the model's amplitude", 0.0, 2.0),
        "gate": ParamInfo("silent below this brightest input pixel", 0.0, 1.0),
        "brush": ParamInfo("canvas brush radius, fraction of the canvas", 0.01, 0.5),
        "canvas_fade": ParamInfo("seconds for a stroke to fade to a third", 0.05, 10.0, "s"),
        "model_dir": ParamInfo("trained model directory; empty for the shipped one"),
        "osc": ParamInfo("send parameters and latents on the sonification stream"),
    }

    def __init__(self, config: dict[str, Any] | None = None) -> None:
        super().__init__(config)
        self.model: SonificationModel | None = None
        self.error = ""  # the model could not be loaded or run
        self.input_error = ""  # the input could not be brought to the model
        self.canvas = Canvas(self.values["brush"], self.values["canvas_fade"])
        self.spectrogram = SpectrogramHistory()
        self.model_input = np.zeros((32, 32), dtype=np.float32)
        self.reconstruction = np.zeros((32, 32), dtype=np.float32)
        self.z_image = np.zeros(0, dtype=np.float32)
        self.z_sound = np.zeros(0, dtype=np.float32)
        self.units: np.ndarray | None = None  # smoothed synth parameters 0..1
        self._result: Sonified | None = None  # the model's last answer, and the input it answered
        self._input_key: tuple | None = None
        self._spectrum_job: Future[np.ndarray] | None = None
        self._spectrum_db: np.ndarray | None = None
        self._spectrum_t = -1e9
        self.gain = 0.0
        self.playing = False
        self.frame = None
        self.input_source = "canvas"
        self.t = 0.0
        self._screen = (1280, 720)
        self._recon_dirty = False
        self._load_model()

    @property
    def wants_people(self) -> bool:  # type: ignore[override]
        return self.values["source"] != "camera"

    # --- parameters --------------------------------------------------------------------------
    def set_param(self, key: str, value: Any) -> None:
        choices = {"source": SOURCES, "instrument": INSTRUMENTS}.get(key)
        if choices is not None and str(value) not in choices:
            raise ValueError(f"scene 'sonification': {key} = {value!r} is not one of {', '.join(choices)}")
        try:
            super().set_param(key, value)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"scene 'sonification': {key} = {value!r} is not a "
                             f"{type(self.params[key]).__name__} ({exc})") from None
        if key in ("brush", "canvas_fade", "smoothing") and float(self.values[key]) <= 0:
            self.values[key] = self.params[key]
            raise ValueError(f"scene 'sonification': {key} = {value!r} must be > 0")
        if key in ("brush", "canvas_fade") and hasattr(self, "canvas"):
            self.canvas.brush, self.canvas.fade_seconds = self.values["brush"], self.values["canvas_fade"]
        if key == "model_dir" and hasattr(self, "model"):
            self._load_model()

    def _load_model(self) -> None:
        directory = Path(self.values["model_dir"]) if self.values["model_dir"] else SHIPPED_DIR
        try:
            self.model = SonificationModel(directory)
            self.error = ""
        except Exception as exc:  # a missing or broken model file: the scene says so and stays silent
            self.model, self.error = None, f"sonification model not loaded: {exc}"
            log.error(self.error)

    # --- life cycle -----------------------------------------------------------------------------
    def setup(self, gfx: Graphics) -> None:
        if self.model is None:  # at start-up a missing or broken model refuses the show, naming the file
            raise RuntimeError(self.error)
        self.spectrogram_program = gfx.program("common/fullscreen.vert", "sonification/spectrogram.frag")
        self._screen = gfx.size

    def enter(self) -> None:
        self.playing = False

    def exit(self, out: Outputs) -> None:
        if self.playing:
            out.release(VOICE_KEY)
        self.playing = False

    def update(self, inputs: Inputs, out: Outputs) -> None:
        self.t = inputs.t
        w, h = self._screen
        for pointer in inputs.pointer:  # the mouse paints on the canvas while its button is down
            if pointer.pressed:
                self.canvas.paint(pointer.x / w, pointer.y / h, pointer.t)
        self.canvas.fade(inputs.dt)
        region = self._region()
        if self.values["source"] != "camera":
            for person in inputs.people:
                point = painting_point(person, region)
                if point is not None:
                    self.canvas.paint(*point, inputs.t)
                    break
        self.frame = inputs.frame
        use_canvas = (self.values["source"] == "canvas" or self.frame is None or
                      (self.values["source"] == "auto" and inputs.t - self.canvas.last_paint_t < CANVAS_HOLD))
        # The model runs when what it sees changes: each update for the canvas (it fades), once per
        # new camera frame for the camera; in between the last answer is smoothed on.
        key = None if use_canvas else (self.frame.source, self.frame.index, region)
        if key is None or key != self._input_key or self._result is None:
            try:
                if use_canvas:
                    self.model_input = self.canvas.pixels.copy()
                    self.input_source = "canvas"
                else:
                    self.model_input = camera_to_input(self.frame.image, region)
                    self.input_source = "camera"
                self.input_error = ""
            except Exception as exc:  # a malformed frame or region: say so on screen, keep the show running
                self.input_error = str(exc)
                return
            if self.model is None:
                return
            try:
                self._result = self.model.sonify(self.model_input)
                self._input_key = key
            except Exception as exc:  # onnxruntime failing on a frame must not stop the show
                self.error = f"sonification model failed: {exc}"
                self._result = None
                log.exception(self.error)
                return
        result = self._result
        self.z_image, self.z_sound = result.z_image, result.z_sound
        self._recon_dirty = True
        alpha = 1.0 - float(np.exp(-inputs.dt / max(self.values["smoothing"], 1e-3)))
        self.units = result.units.copy() if self.units is None else self.units + alpha * (result.units - self.units)
        target_gain = 1.0 if float(self.model_input.max()) >= self.values["gate"] else 0.0
        self.gain += alpha * (target_gain - self.gain)
        params = {k: float(v) for k, v in params_from_unit(self.units).items()}
        params["amp"] *= self.gain * max(0.0, float(self.values["volume"]))
        self.current_params = params
        self._spectrum(params)
        self._emit(params, inputs.dt, out)

    def _spectrum(self, params: dict[str, float]) -> None:
        """A spectrogram column every update; the spectrum itself (a rendered note, ~10 ms) is
        computed at most spectrum_rate times a second, off the frame, and the newest one is shown."""
        job = self._spectrum_job
        if job is not None and job.done():
            try:
                self._spectrum_db = job.result()
            except Exception as exc:  # a parameter the renderer refuses: the column stays as it was
                log.warning("sonification: spectrum not computed (%s)", exc)
            self._spectrum_job = job = None
        rate = float(self.values["spectrum_rate"])
        if job is None and (rate <= 0 or self.t - self._spectrum_t >= 1.0 / rate):
            self._spectrum_t = self.t
            self._spectrum_job = self.background(params_mel_db, dict(params))
        if self._spectrum_db is not None:
            self.spectrogram.push(self._spectrum_db)

    def _emit(self, params: dict[str, float], dt: float, out: Outputs) -> None:
        sound = instrument_params(params, self.values["instrument"])
        if not self.playing:
            out.play(self.values["instrument"], VOICE_KEY, **sound)
            self.playing = True
        else:
            out.set(VOICE_KEY, ramp=max(2.0 * dt, 0.02), **sound)
        if self.values["osc"]:
            units = [float(p.to_unit(params[p.name])) for p in PARAMS]  # /sala/sonify carries 0..1 values
            for name, unit in zip(PARAM_NAMES, units, strict=True):
                out.osc.append(sonify_message(name, unit))
            out.send(OSC_PARAMS, np.array([params[n] for n in PARAM_NAMES], dtype=np.float32), stream="sonification")
            out.send(OSC_LATENT_IMAGE, self.z_image.astype(np.float32), stream="sonification")
            out.send(OSC_LATENT_SOUND, self.z_sound.astype(np.float32), stream="sonification")

    def _region(self) -> tuple[float, float, float, float]:
        v = self.values
        return (float(v["region_x0"]), float(v["region_y0"]), float(v["region_x1"]), float(v["region_y1"]))

    # --- drawing ---------------------------------------------------------------------------------
    @staticmethod
    def layout(w: int, h: int) -> dict[str, tuple[float, float, float, float]]:
        """Pixel rectangles (x, y, w, h) of the panels on a w x h screen."""
        u = h / 720.0  # everything scales with the screen height
        pad, panel, title = 24 * u, 220 * u, 22 * u
        top = pad + title
        bars_top = top + panel + pad * 1.5
        spec_h = 200 * u
        cam_w = min(w * 0.34, 420 * u)
        return {
            "input": (pad, top, panel, panel),
            "reconstruction": (pad * 2 + panel, top, panel, panel),
            "numbers": (pad * 3 + panel * 2, top, panel, panel),
            "image_latents": (pad, bars_top, panel * 2 + pad, 150 * u),
            "sound_latents": (panel * 2 + pad * 3, bars_top, panel * 1.5, 150 * u),
            "camera": (w - cam_w - pad, top, cam_w, cam_w * 9 / 16),
            "spectrogram": (pad, h - spec_h - pad, w - 2 * pad, spec_h),
        }

    def draw(self, gfx: Graphics) -> None:
        w, h = gfx.current_size
        self._screen = gfx.size
        gfx.clear(0.03, 0.03, 0.05)
        box = self.layout(w, h)
        title = max(12, int(22 * h / 720.0))
        grey = (0.8, 0.8, 0.8, 1.0)
        # Camera with its region, dimmed, at the top right.
        if self.frame is not None:
            fw, fh = self.frame.size
            cx, cy, cw, _ = box["camera"]
            ch = cw * fh / fw
            tex = gfx.texture("sonification-camera", self.frame.image, version=(self.frame.source, self.frame.index))
            gfx.image(tex, cx, cy, cw, ch, (0.6, 0.6, 0.6, 1.0))
            x0, y0, x1, y1 = self._region()
            self._outline(gfx, cx + x0 * cw, cy + y0 * ch, (x1 - x0) * cw, (y1 - y0) * ch, (1, 0.8, 0.3, 0.9))
            gfx.text("camera and region", (cx, cy - title * 1.1), title, grey)
        # What the model sees, and what it makes of it.
        x, y, pw, ph = box["input"]
        gfx.text(f"model input ({self.input_source})", (x, y - title * 1.1), title, grey)
        gfx.image(gfx.texture("sonification-input", self.model_input, filter_linear=False), x, y, pw, ph)
        if self._recon_dirty and self.model is not None and self.z_image.size:
            self.reconstruction = self.model.reconstruct(self.z_image)[0]
            self._recon_dirty = False
        x, y, pw, ph = box["reconstruction"]
        gfx.text("reconstruction", (x, y - title * 1.1), title, grey)
        gfx.image(gfx.texture("sonification-recon", self.reconstruction.astype(np.float32), filter_linear=False),
                  x, y, pw, ph)
        # Latents as bars.
        self._bars(gfx, self.z_image, box["image_latents"], "image latents", (0.35, 0.8, 0.9, 1.0),
                   self._axis_labels("image"))
        self._bars(gfx, self.z_sound, box["sound_latents"], "sound latents", (1.0, 0.6, 0.25, 1.0),
                   self._axis_labels("sound"))
        # Numbers.
        params = getattr(self, "current_params", None)
        tx, ty, _, _ = box["numbers"]
        if params:
            lines = [f"pitch {params['freq']:7.1f} Hz", f"level {20 * np.log10(max(params['amp'], 1e-6)):6.1f} dB",
                     f"ratio {params['ratio']:5.2f}", f"index {params['index']:5.2f}",
                     f"brightness {params['brightness']:4.2f}"]
            for i, line in enumerate(lines):
                gfx.text(line, (tx, ty + i * title * 1.3), title, (1, 1, 1, 1))
        rect = box["spectrogram"]
        error = self.error or self.input_error
        if error:
            gfx.text(error[:110], (rect[0], rect[1] - title * 2.6), title, (1, 0.4, 0.3, 1))
        # Scrolling spectrogram of what is played, full width at the bottom.
        gfx.text("what is heard (mel spectrogram of the synth)", (rect[0], rect[1] - title * 1.2), title, grey)
        spec = gfx.texture("sonification-spectrogram", self.spectrogram.image().astype(np.float32))
        with gfx.clipped(*rect):
            gfx.quad(self.spectrogram_program, u_tex=spec, u_rect=rect,
                     u_head=self.spectrogram.head / self.spectrogram.columns)

    def _axis_labels(self, kind: str) -> dict[int, str]:
        if self.model is None:
            return {}
        axes = self.model.meta.get(f"{kind}_axes", {})
        return {int(axis): name for name, (axis, _) in axes.items()}

    @staticmethod
    def _outline(gfx: Graphics, x: float, y: float, w: float, h: float, color: tuple[float, ...]) -> None:
        for rx, ry, rw, rh in ((x, y, w, 2), (x, y + h - 2, w, 2), (x, y, 2, h), (x + w - 2, y, 2, h)):
            gfx.rect(rx, ry, rw, rh, color)

    @staticmethod
    def _bars(gfx: Graphics, values: np.ndarray, rect: tuple[float, float, float, float], title: str,
              color: tuple[float, ...], labels: dict[int, str]) -> None:
        x, y, w, h = rect
        size = max(12, int(h / 8))
        gfx.text(title, (x, y - size * 1.3), size, (0.8, 0.8, 0.8, 1))
        gfx.rect(x, y + h / 2 - 1, w, 2, (0.4, 0.4, 0.4, 1))
        n = max(len(values), 1)
        slot = w / n
        for i, value in enumerate(values):
            v = float(np.clip(value / 3.0, -1.0, 1.0)) * h / 2  # +-3 standard deviations fill the box
            top = y + h / 2 - max(v, 0.0)
            gfx.rect(x + i * slot + slot * 0.15, top, slot * 0.7, abs(v) + 1, color)
            label = labels.get(i, f"z{i}")
            gfx.text(label[:10], (x + i * slot + slot / 2, y + h + 4), max(10, size - 6), (0.7, 0.7, 0.7, 1),
                     anchor="midtop")

    def status(self) -> dict[str, Any]:
        params = getattr(self, "current_params", {}) or {}
        return {"source": self.input_source, **{k: round(v, 3) for k, v in params.items()},
                **({"error": self.error or self.input_error} if self.error or self.input_error else {})}
