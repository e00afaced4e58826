"""Parse errors that say where and what: position, the symbol found, what the grammar expected there."""

from __future__ import annotations

import difflib

from signlang.symbols import NAMES


def nearest_names(word: str, n: int = 3) -> list[str]:
    """Symbol names closest to a misspelt one ("champalmd" -> ["hampalmd", ...])."""
    return difflib.get_close_matches(word, NAMES, n=n, cutoff=0.6)


class HamNoSysError(ValueError):
    """A HamNoSys text that is not well formed.

    position: index of the offending symbol (0-based; for characters outside any symbol, the character
    offset), symbol: the symbol name or text found there ("<end>" at the end), expected: what the grammar
    would have accepted there (rule or symbol names), rule: the grammar rule that failed.
    """

    def __init__(
        self,
        message: str,
        *,
        position: int,
        symbol: str,
        expected: list[str] | None = None,
        rule: str = "",
        offset: int | None = None,
        suggestions: list[str] | None = None,
        previous: str = "",
    ) -> None:
        self.position = position
        self.symbol = symbol
        self.expected = list(expected or [])
        self.rule = rule
        self.offset = offset
        self.suggestions = list(suggestions or [])
        self.previous = previous  # the symbol before the offending one ("" at the start)
        super().__init__(message)

    def to_json(self) -> dict[str, object]:
        return {
            "message": str(self),
            "position": self.position,
            "symbol": self.symbol,
            "expected": self.expected,
            "rule": self.rule,
            "offset": self.offset,
            "suggestions": self.suggestions,
            "previous": self.previous,
        }
