"""The output surface: a pygame OPENGL window (windowed or fullscreen) or an offscreen one.

Headless runs use SDL's offscreen driver, which needs no X server and goes through the same code
path as a real window (Mesa's llvmpipe renders it). The GL context is moderngl's.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

import moderngl


@dataclass
class Display:
    ctx: moderngl.Context
    size: tuple[int, int]
    mode: str

    def flip(self) -> None:
        import pygame

        pygame.display.flip()

    def close(self) -> None:
        import pygame

        self.ctx.release()
        pygame.display.quit()


def open_display(mode: str, size: tuple[int, int], title: str = "sala", vsync: bool = True,
                 hide_cursor: bool = False) -> Display:
    if mode == "headless":
        os.environ["SDL_VIDEODRIVER"] = "offscreen"
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")  # pygame never owns the sound card
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    import pygame

    try:
        pygame.display.init()
    except pygame.error as exc:
        raise RuntimeError(f"no display for a {mode} window ({exc}): run it in the desktop session, set "
                           "DISPLAY, or use --headless") from None
    if mode != "headless" and pygame.display.get_driver() == "offscreen":
        logging.getLogger(__name__).warning("no display found (DISPLAY unset?): rendering offscreen, nothing is "
                                            "shown; run in the desktop session or use --headless on purpose")
    pygame.font.init()
    gl = pygame.OPENGL | pygame.DOUBLEBUF
    for attr, value in ((pygame.GL_CONTEXT_MAJOR_VERSION, 3), (pygame.GL_CONTEXT_MINOR_VERSION, 3),
                        (pygame.GL_CONTEXT_PROFILE_MASK, pygame.GL_CONTEXT_PROFILE_CORE)):
        pygame.display.gl_set_attribute(attr, value)
    flags = gl
    if mode == "fullscreen":
        flags |= pygame.FULLSCREEN | pygame.NOFRAME
        size = (0, 0)  # the display's own resolution
    try:
        surface = pygame.display.set_mode(size, flags, vsync=1 if vsync and mode != "headless" else 0)
    except pygame.error:
        surface = pygame.display.set_mode(size, flags)  # some drivers refuse vsync
    pygame.display.set_caption(title)
    if mode == "fullscreen" or hide_cursor:
        pygame.mouse.set_visible(False)
    ctx = moderngl.create_context()
    return Display(ctx, surface.get_size(), mode)
