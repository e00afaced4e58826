"""The OSCQuery namespace (https://github.com/Vidvox/OSCQueryProposal) of the show's nodes.

The tree answers HTTP GET at any path (with an attribute query such as `?VALUE` for one
attribute, `?HOST_INFO` for the server); values travel over OSC to the control port, and over
the websocket of the same HTTP port for listeners (LISTEN / IGNORE, binary OSC frames).
"""

from __future__ import annotations

from typing import Any

from runtime.remote.surface import Node

EXTENSIONS = {"ACCESS": True, "VALUE": True, "RANGE": True, "DESCRIPTION": True, "UNIT": True, "TYPE": True,
              "CLIPMODE": True, "LISTEN": True, "PATH_ADDED": True, "PATH_REMOVED": True, "PATH_CHANGED": False,
              "TAGS": False, "CRITICAL": False, "EXTENDED_TYPE": False, "HTML": False, "OVERLOADS": False}
ATTRIBUTES = ("FULL_PATH", "TYPE", "ACCESS", "VALUE", "RANGE", "DESCRIPTION", "UNIT", "CLIPMODE", "CONTENTS")


def node_json(node: Node) -> dict[str, Any]:
    out: dict[str, Any] = {"FULL_PATH": node.path, "TYPE": node.type, "ACCESS": node.access}
    if node.type != "N" and node.access & 1:
        out["VALUE"] = [node.value]
    if node.choices:
        out["RANGE"] = [{"VALS": list(node.choices)}]
    elif node.min is not None or node.max is not None:
        out["RANGE"] = [{k: v for k, v in (("MIN", node.min), ("MAX", node.max)) if v is not None}]
        out["CLIPMODE"] = ["both"]
    if node.description:
        out["DESCRIPTION"] = node.description
    if node.unit:
        out["UNIT"] = [node.unit]
    return out


def namespace(nodes: dict[str, Node]) -> dict[str, Any]:
    """The whole tree from the root, containers made for every path prefix."""
    root: dict[str, Any] = {"FULL_PATH": "/", "ACCESS": 0, "CONTENTS": {}}
    for path in sorted(nodes):
        parts = path.strip("/").split("/")
        here = root
        for depth, part in enumerate(parts[:-1]):
            here = here["CONTENTS"].setdefault(part, {"FULL_PATH": "/" + "/".join(parts[: depth + 1]),
                                                      "ACCESS": 0, "CONTENTS": {}})
        here["CONTENTS"][parts[-1]] = node_json(nodes[path])
    return root


def lookup(tree: dict[str, Any], path: str) -> dict[str, Any] | None:
    here = tree
    for part in [p for p in path.strip("/").split("/") if p]:
        here = here.get("CONTENTS", {}).get(part)
        if here is None:
            return None
    return here


def host_info(name: str, osc_ip: str, osc_port: int) -> dict[str, Any]:
    return {"NAME": name, "OSC_IP": osc_ip, "OSC_PORT": osc_port, "OSC_TRANSPORT": "UDP", "EXTENSIONS": EXTENSIONS}
