"""The headless GL every scene benchmark draws with: an EGL context (Mesa llvmpipe, no display),
a framebuffer of the asked size and the `Graphics` scenes draw through."""

from __future__ import annotations

from dataclasses import dataclass

import moderngl

from runtime.gfx import Graphics
from runtime.scene import Scene


@dataclass
class HeadlessGL:
    ctx: moderngl.Context
    fbo: moderngl.Framebuffer
    gfx: Graphics

    def draw(self, scene: Scene) -> None:
        """One frame of `scene` into the framebuffer, finished (GL work included in the time)."""
        self.fbo.use()
        self.gfx.clear()
        scene.draw(self.gfx)
        self.ctx.finish()

    def release(self) -> None:
        self.ctx.release()


def headless_gl(size: tuple[int, int]) -> HeadlessGL:
    ctx = moderngl.create_standalone_context(backend="egl")
    fbo = ctx.simple_framebuffer(size)
    fbo.use()
    return HeadlessGL(ctx, fbo, Graphics(ctx, size))
