"""Real GL rendering (Mesa llvmpipe, offscreen): what is drawn is read back and checked."""

from __future__ import annotations

import numpy as np
import pytest

from runtime.frames import CameraFrame, Inputs, Outputs
from runtime.scene import Scene
from runtime.scene_manager import SceneManager
from runtime.shaders import ShaderError, ShaderProgram


def draw_testcard(gfx, t=0.0, frame=None):
    from scenes.testcard import TestcardScene

    scene = TestcardScene()
    scene.setup(gfx)
    scene.update(Inputs(t=t, dt=t, frames={"main": frame}), Outputs())
    gfx.clear()
    scene.draw(gfx)
    return gfx.read_pixels()


def test_testcard_draws_the_colour_bars(gfx):
    img = draw_testcard(gfx)
    h, w, _ = img.shape
    y = int(h * 0.12)
    expected = [(191, 191, 191), (191, 191, 0), (0, 191, 191), (0, 191, 0),
                (191, 0, 191), (191, 0, 0), (0, 0, 191), (0, 0, 0)]
    for i, rgb in enumerate(expected):
        x = int((i + 0.5) * w / 8)
        assert np.abs(img[y, x].astype(int) - rgb).max() <= 2, (i, img[y, x])


def test_testcard_moves_with_time(gfx):
    a = draw_testcard(gfx, t=0.5)
    b = draw_testcard(gfx, t=2.5)
    lower = slice(int(a.shape[0] * 0.5), None)
    # the sweep line moved: the brightest red column of the lower half is elsewhere
    col_a = a[lower, :, 0].astype(int).sum(0).argmax()
    col_b = b[lower, :, 0].astype(int).sum(0).argmax()
    assert abs(int(col_a) - int(col_b)) > a.shape[1] * 0.3


def test_testcard_shows_the_camera_frame(gfx):
    image = np.zeros((90, 160, 3), np.uint8)
    image[:, :] = (10, 200, 30)
    img = draw_testcard(gfx, frame=CameraFrame(image, 0.0, 0, "test"))
    h, w, _ = img.shape
    # the preview sits bottom-right, 40% of the width
    patch = img[int(h * 0.75), int(w * 0.75)].astype(int)
    assert np.abs(patch - (10, 200, 30)).max() <= 3, patch


class Solid(Scene):
    def __init__(self, color):
        super().__init__()
        self.color = color
        self.updates = 0
        self.entered = self.exited = 0

    def enter(self):
        self.entered += 1

    def exit(self, out):
        self.exited += 1
        out.release(f"solid-{self.color}")

    def update(self, inputs, out):
        self.updates += 1

    def draw(self, gfx):
        gfx.clear(*self.color)


def test_crossfade_mixes_on_the_gpu(gfx):
    mgr = SceneManager(gfx, {}, crossfade=1.0)
    red, blue = Solid((1, 0, 0, 1)), Solid((0, 0, 1, 1))
    mgr.instances = {"red": red, "blue": blue}
    mgr.available = {"red": Solid, "blue": Solid}
    mgr.switch("red")
    mgr.switch("blue")
    mgr.update(Inputs(t=0, dt=0.5), Outputs())  # halfway: smoothstep(0.5) = 0.5
    gfx.clear()
    mgr.draw()
    px = gfx.read_pixels()[100, 100].astype(int)
    assert abs(px[0] - 128) <= 3 and abs(px[2] - 128) <= 3 and px[1] == 0, px
    assert red.updates == 1 and blue.updates == 1  # both scenes move during the fade
    out = Outputs()
    mgr.update(Inputs(t=0, dt=0.6), out)
    gfx.clear()
    mgr.draw()
    assert tuple(gfx.read_pixels()[100, 100]) == (0, 0, 255)
    assert red.exited == 1 and mgr.previous is None
    assert [c.key for c in out.sound] == ["solid-(1, 0, 0, 1)"]  # what the scene left releases is sent


def test_text_is_drawn_where_asked(gfx):
    gfx.text("SALA", (20, 30), 40, (1, 1, 0, 1))
    img = gfx.read_pixels()
    region = img[30:70, 20:120]
    yellow = (region[:, :, 0] > 200) & (region[:, :, 1] > 200) & (region[:, :, 2] < 60)
    assert yellow.sum() > 100
    assert not (img[200:, :, 0] > 200).any()  # nothing elsewhere


def test_a_text_batch_draws_labels_and_backgrounds_in_order_at_its_end(gfx):
    with gfx.text_batch():
        gfx.text("ONE", (20, 30), 40, (1, 1, 0, 1), background=(0, 0, 1, 1))
        gfx.text("TWO", (300, 30), 40, (0, 1, 0, 1))
        assert gfx.read_pixels()[40:60, 20:80].sum() == 0  # nothing drawn yet
    img = gfx.read_pixels().astype(int)
    one, two = img[28:62, 18:90], img[30:60, 300:380]
    assert ((one[:, :, 2] > 200) & (one[:, :, 0] < 60)).sum() > 200  # the blue background
    assert ((one[:, :, 0] > 200) & (one[:, :, 1] > 200)).sum() > 50  # yellow text over it, not under
    assert ((two[:, :, 1] > 200) & (two[:, :, 0] < 60)).sum() > 50


def test_the_text_atlas_starts_afresh_when_full(gfx):
    for i in range(gfx.TEXT_CACHE + 50):  # months of clock strings
        gfx.text_size(f"{i:06d}", 20)
        gfx.text(f"{i:06d}", (10, 10), 20)
    assert len(gfx._text_cache) <= gfx.TEXT_CACHE
    gfx.clear()
    gfx.text("SALA", (20, 30), 40, (1, 1, 0, 1))  # still drawn right after the restart
    region = gfx.read_pixels()[30:70, 20:120]
    assert ((region[:, :, 0] > 200) & (region[:, :, 1] > 200) & (region[:, :, 2] < 60)).sum() > 100


def test_sprites_and_segments(gfx):
    gfx.sprites(np.array([[100.0, 100.0]]), 40, (0, 1, 0, 1))
    gfx.segments(np.array([[300.0, 200.0, 500.0, 200.0]]), 10, (1, 0, 0, 1))
    img = gfx.read_pixels()
    assert tuple(img[100, 100]) == (0, 255, 0)
    assert img[100, 130].sum() == 0  # outside the 40 px sprite
    assert tuple(img[200, 400]) == (255, 0, 0)
    assert img[210, 400].sum() == 0  # the segment is 10 px wide


def test_render_to_texture(gfx):
    rt = gfx.target("t", (64, 32))
    with gfx.rendering_to(rt):
        gfx.clear(0, 1, 0, 1)
        assert gfx.read_pixels().shape == (32, 64, 3)
    gfx.image(rt.texture, 0, 0, 64, 32)
    assert tuple(gfx.read_pixels()[10, 10]) == (0, 255, 0)


def test_shader_errors_name_file_and_line_and_keep_the_last_good_program(display, tmp_path, monkeypatch):
    import runtime.shaders as shaders

    monkeypatch.setattr(shaders, "SHADER_DIR", tmp_path)
    (tmp_path / "lib.glsl").write_text("vec4 tint() { return vec4(1.0); }\n")
    (tmp_path / "a.vert").write_text("#version 330\nin vec2 in_pos;\nvoid main() { gl_Position = "
                                     "vec4(in_pos, 0.0, 1.0); }\n")
    frag = tmp_path / "a.frag"
    frag.write_text('#version 330\n#include "lib.glsl"\nout vec4 f;\nvoid main() { f = tint(); }\n')
    prog = ShaderProgram(display.ctx, "a.vert", "a.frag")
    good = prog.prog
    frag.write_text('#version 330\n#include "lib.glsl"\nout vec4 f;\nvoid main() {\n  f = nope;\n}\n')
    assert prog.load() is False
    assert prog.prog is good  # still running the last good version
    assert prog.error.startswith("a.frag:5:"), prog.error
    with pytest.raises(ShaderError, match="missing.frag: shader file not found"):
        ShaderProgram(display.ctx, "a.vert", "missing.frag")


def test_shader_hot_reload(display, tmp_path, monkeypatch):
    import os

    import runtime.shaders as shaders

    monkeypatch.setattr(shaders, "SHADER_DIR", tmp_path)
    (tmp_path / "a.vert").write_text("#version 330\nin vec2 in_pos;\nvoid main() { gl_Position = "
                                     "vec4(in_pos, 0.0, 1.0); }\n")
    frag = tmp_path / "a.frag"
    frag.write_text("#version 330\nout vec4 f;\nvoid main() { f = vec4(1.0, 0.0, 0.0, 1.0); }\n")
    prog = ShaderProgram(display.ctx, "a.vert", "a.frag")
    frag.write_text("#version 330\nout vec4 f;\nvoid main() { f = vec4(0.0, 1.0, 0.0, 1.0); }\n")
    os.utime(frag, (1e9, 1e9))
    assert prog.reload_if_changed() and prog.generation == 2
