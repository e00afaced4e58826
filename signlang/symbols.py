"""The HamNoSys 4.0 symbol table: 209 symbols with name, code point and category.

Loaded once from symbols.tsv (HamNoSys4TeX, LPPL 1.3c; see SYMBOLS_LICENSE.md). The tokenizer and the
grammar look symbols up here; the grammar's own word classes (handshape bases, directions, ...) are sets
of these names.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

TABLE_PATH = Path(__file__).with_name("symbols.tsv")


@dataclass(frozen=True, slots=True)
class Symbol:
    name: str  # SiGML manual tag name, e.g. "hamfist"
    codepoint: int  # e.g. 0xE000
    category: str  # e.g. "Handshapes"

    @property
    def char(self) -> str:
        return chr(self.codepoint)

    @property
    def obsolete(self) -> bool:
        return self.category.startswith("Obsolete")


def _load(path: Path = TABLE_PATH) -> list[Symbol]:
    symbols: list[Symbol] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or line.startswith("name\t"):
            continue
        name, code, category = line.split("\t")
        symbols.append(Symbol(name, int(code.removeprefix("U+"), 16), category))
    return symbols


SYMBOLS: list[Symbol] = _load()
BY_NAME: dict[str, Symbol] = {s.name: s for s in SYMBOLS}
BY_CHAR: dict[str, Symbol] = {s.char: s for s in SYMBOLS}
NAMES: list[str] = [s.name for s in SYMBOLS]


def names_in(category: str) -> list[str]:
    return [s.name for s in SYMBOLS if s.category == category]
