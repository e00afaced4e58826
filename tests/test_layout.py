"""The layout rules, read from the code's syntax trees so that they stay true.

Data flows one way (inputs -> perception -> scene -> outputs); scenes are leaves nothing else
imports; pyo lives in sound/; and no two files import each other, directly or round a circle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("runtime", "scenes", "sound", "models", "signlang", "body", "tools")
# What a scene must not touch: it receives data and returns what to draw, play and send.
SCENE_FORBIDDEN = {"pygame", "moderngl", "pyo", "sounddevice", "socket", "socketserver", "cv2"}
# The one arrow up: `python -m runtime` hands the command line to the tools floor.
ENTRY_POINTS = {"runtime/__main__.py"}


def source_files() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> list[tuple[str, int]]:
    """Every module a file imports (top level, in functions, under TYPE_CHECKING alike), with its line."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    found: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.append((base, node.lineno))
            found += [(f"{base}.{alias.name}", node.lineno) for alias in node.names]
    return found


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


FILES = source_files()
MODULES = {module_name(p): p for p in FILES}


def test_the_rules_see_the_code():
    assert len(FILES) > 150 and "runtime.app" in MODULES and "scenes.pose_space.scene" in MODULES
    assert any(name == "sound.pyo_lib.pyo" for name, _ in imports(MODULES["sound.instrument"]))


def test_nothing_outside_scenes_imports_scenes():
    wrong = [f"{rel(p)}:{line} imports {name}" for p in FILES if not rel(p).startswith("scenes/")
             for name, line in imports(p) if name == "scenes" or name.startswith("scenes.")]
    assert not wrong, "\n".join(wrong)


def test_scenes_touch_no_device():
    wrong = [f"{rel(p)}:{line} imports {name}" for p in FILES if rel(p).startswith("scenes/")
             for name, line in imports(p) if name.split(".")[0] in SCENE_FORBIDDEN]
    assert not wrong, "\n".join(wrong)


def test_pyo_only_under_sound():
    wrong = [f"{rel(p)}:{line} imports {name}" for p in FILES if not rel(p).startswith("sound/")
             for name, line in imports(p) if name.split(".")[0] == "pyo"]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("library,allowed", [
    ("signlang", ("signlang",)),
    ("body", ("body",)),
    ("sound", ("sound",)),
])
def test_libraries_import_only_themselves_among_the_project(library, allowed):
    """signlang/, body/ and sound/ sit under runtime, scenes, models and tools: they import none of them."""
    wrong = [f"{rel(p)}:{line} imports {name}" for p in FILES if rel(p).startswith(f"{library}/")
             for name, line in imports(p)
             if name.split(".")[0] in PACKAGES and name.split(".")[0] not in allowed]
    assert not wrong, "\n".join(wrong)


def test_models_import_no_scene_runtime_or_tool():
    """Training code imports libraries (signlang, body, sound's numpy-free parts), never the show."""
    wrong = [f"{rel(p)}:{line} imports {name}" for p in FILES if rel(p).startswith("models/")
             for name, line in imports(p) if name.split(".")[0] in ("scenes", "runtime", "tools")]
    assert not wrong, "\n".join(wrong)


def test_only_the_entry_point_reaches_up_to_tools():
    wrong = [f"{rel(p)}:{line} imports {name}" for p in FILES
             if not rel(p).startswith("tools/") and rel(p) not in ENTRY_POINTS
             for name, line in imports(p) if name.split(".")[0] == "tools"]
    assert not wrong, "\n".join(wrong)


def file_graph() -> dict[str, set[str]]:
    """File -> the project files it imports (a `from a.b import c` counts a/b/c.py if it is a module)."""
    graph: dict[str, set[str]] = {}
    for path in FILES:
        me = module_name(path)
        targets = set()
        for name, _ in imports(path):
            while name and name not in MODULES:
                name = name.rpartition(".")[0]
            if name and name != me:
                targets.add(name)
        graph[me] = targets
    return graph


def find_circle(graph: dict[str, set[str]]) -> list[str]:
    """One import circle, or [] (iterative depth-first search with colours)."""
    colour: dict[str, int] = {}
    for start in graph:
        if colour.get(start):
            continue
        stack: list[tuple[str, list[str]]] = [(start, sorted(graph[start]))]
        path = [start]
        colour[start] = 1
        while stack:
            node, todo = stack[-1]
            if not todo:
                colour[node] = 2
                stack.pop()
                path.pop()
                continue
            nxt = todo.pop()
            if colour.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if not colour.get(nxt):
                colour[nxt] = 1
                path.append(nxt)
                stack.append((nxt, sorted(graph.get(nxt, ()))))
    return []


def test_no_import_circles_between_files():
    graph = file_graph()
    # A package's __init__ re-exporting its own modules is not a circle between files of different ideas.
    for name in list(graph):
        if MODULES[name].name == "__init__.py":
            graph[name] = {t for t in graph[name] if not t.startswith(name + ".")}
    circle = find_circle(graph)
    assert not circle, " -> ".join(circle)


def test_the_circle_finder_finds_circles():
    assert find_circle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_circle({"a": {"b"}, "b": {"c"}, "c": set()}) == []
