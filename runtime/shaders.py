"""Shader programs loaded from `shaders/` with a simple `#include "file"` and hot reload.

A GLSL error names the file and line it came from (includes are mapped back to their own file),
and a program that fails to reload keeps running with its last good version.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import moderngl

SHADER_DIR = Path(__file__).resolve().parent.parent / "shaders"
log = logging.getLogger(__name__)

_INCLUDE = re.compile(r'^\s*#include\s+"([^"]+)"\s*$')
_GLSL_LINE = re.compile(r"(?:^|\s)(\d+)[:(](\d+)\)?")  # Mesa: "0:12(5): error: ..."


class ShaderError(RuntimeError):
    """A shader that does not compile or link; the message names the file and line."""


@dataclass
class Source:
    text: str
    line_map: list[tuple[Path, int]]  # for each line of `text`: the file and line it came from
    files: set[Path] = field(default_factory=set)


def read_source(path: Path, _stack: tuple[Path, ...] = ()) -> Source:
    """Read a shader file, expanding includes (relative to the file, then to shaders/)."""
    path = path.resolve()
    if path in _stack:
        raise ShaderError(f"{path}: #include cycle through {' -> '.join(p.name for p in _stack)}")
    try:
        raw = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise ShaderError(f"{path}: shader file not found") from None
    lines: list[str] = []
    line_map: list[tuple[Path, int]] = []
    files = {path}
    for number, line in enumerate(raw, 1):
        match = _INCLUDE.match(line)
        if match:
            name = match.group(1)
            target = path.parent / name
            if not target.exists():
                target = SHADER_DIR / name
            inc = read_source(target, (*_stack, path))
            lines.extend(inc.text.splitlines())
            line_map.extend(inc.line_map)
            files |= inc.files
        else:
            lines.append(line)
            line_map.append((path, number))
    return Source("\n".join(lines) + "\n", line_map, files)


def _explain(exc: Exception, sources: dict[str, Source]) -> str:
    """Turn a GLSL compiler message into one that names the shader file and line."""
    message = str(exc)
    stage = next((s for s in ("vertex", "fragment", "geometry") if s in message.lower()), None)
    candidates = [sources[stage]] if stage in sources else list(sources.values())
    for src in candidates:
        match = _GLSL_LINE.search(message)
        if match:
            line = int(match.group(2)) if match.group(1) == "0" else int(match.group(1))
            if 1 <= line <= len(src.line_map):
                path, original = src.line_map[line - 1]
                rel = path.relative_to(SHADER_DIR) if path.is_relative_to(SHADER_DIR) else path
                return f"{rel}:{original}: {message.strip()}"
    return message.strip()


class ShaderProgram:
    """A program built from a vertex and a fragment file; `.prog` is the current moderngl.Program."""

    def __init__(self, ctx: moderngl.Context, vert: str, frag: str) -> None:
        self.ctx = ctx
        self.names = (vert, frag)
        self.prog: moderngl.Program | None = None
        self.error: str | None = None
        self._mtimes: dict[Path, float] = {}
        self.generation = 0  # bumps on every successful (re)load, so users can rebuild VAOs
        self.load(strict=True)

    def _paths(self) -> tuple[Path, Path]:
        return SHADER_DIR / self.names[0], SHADER_DIR / self.names[1]

    def load(self, strict: bool = False) -> bool:
        vert_path, frag_path = self._paths()
        try:
            sources = {"vertex": read_source(vert_path), "fragment": read_source(frag_path)}
            for src in sources.values():
                self._mtimes.update({p: p.stat().st_mtime for p in src.files})
        except (ShaderError, OSError) as exc:
            return self._fail(str(exc), strict)
        try:
            prog = self.ctx.program(
                vertex_shader=sources["vertex"].text, fragment_shader=sources["fragment"].text
            )
        except Exception as exc:  # moderngl raises its own Error type with the driver's log
            return self._fail(_explain(exc, sources), strict)
        if self.prog is not None:
            self.prog.release()
        self.prog, self.error = prog, None
        self.generation += 1
        return True

    def _fail(self, message: str, strict: bool) -> bool:
        self.error = message
        if strict and self.prog is None:
            raise ShaderError(message)
        log.error("shader reload failed, keeping the last good program: %s", message)
        return False

    def changed(self) -> bool:
        for path, mtime in self._mtimes.items():
            try:
                if path.stat().st_mtime != mtime:
                    return True
            except OSError:
                return True
        return False

    def reload_if_changed(self) -> bool:
        return self.load() if self.changed() else False

    def set(self, **uniforms: object) -> None:
        """Set uniforms that exist in the program; unknown names are ignored (the GLSL compiler
        removes unused uniforms, which must not break a scene)."""
        assert self.prog is not None
        for name, value in uniforms.items():
            member = self.prog.get(name, None)
            if member is None:
                continue
            if isinstance(value, moderngl.Texture):
                continue
            member.value = value  # type: ignore[union-attr]
