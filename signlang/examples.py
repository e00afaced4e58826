"""The project's example signs (examples.toml): shown in the signing scene's picker, checked by the
tests, and part of the sign model's corpus."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

EXAMPLES_PATH = Path(__file__).with_name("examples.toml")


@dataclass
class Example:
    gloss: str
    hamnosys: str
    covers: str = ""


def load_examples(path: Path = EXAMPLES_PATH) -> list[Example]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return [Example(e["gloss"], e["hamnosys"], e.get("covers", "")) for e in data.get("sign", [])]
