"""A readable, indented text form of a parse tree (symbol names without their "ham" prefix)."""

from __future__ import annotations

from typing import Any

from signlang.hamnosys.tree import to_json


def _short(value: Any) -> str:
    if isinstance(value, str):
        return value.removeprefix("ham")
    if isinstance(value, list):
        return " ".join(_short(v) for v in value)
    return str(value)


def _lines(node: Any, indent: int, label: str, out: list[str]) -> None:
    pad = "  " * indent
    if isinstance(node, dict):
        scalars = {k: v for k, v in node.items()
                   if k not in ("node", "span", "symbols") and not _is_tree(v) and v != ""}
        text = " ".join(f"{k}={_short(v)}" for k, v in scalars.items())
        out.append(f"{pad}{label}{node.get('node', '')} {text}".rstrip())
        for key, value in node.items():
            if key in ("node", "span", "symbols") or key in scalars or value == "":
                continue
            if isinstance(value, list):
                out.append(f"{pad}  {key}:")
                for item in value:
                    _lines(item, indent + 2, "", out)
            else:
                _lines(value, indent + 1, f"{key}: ", out)
    elif isinstance(node, list):
        for item in node:
            _lines(item, indent, label, out)
    else:
        out.append(f"{pad}{label}{_short(node)}")


def _is_tree(value: Any) -> bool:
    return isinstance(value, dict) or (isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value))


def describe(node: Any) -> str:
    out: list[str] = []
    _lines(to_json(node), 0, "", out)
    return "\n".join(out)
