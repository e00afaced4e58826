"""Tokenizer over the 209 HamNoSys symbols (not over the characters of a font).

A transcription arrives either as the symbols' Unicode characters (U+E000-U+E0F1 plus eight ASCII
characters) or as symbol names separated by commas or spaces (`hamflathand,hamextfingeru`). Both map
to the same ids. The vocabulary is the ordered symbol table after three special tokens; the shipped
model stores its vocabulary so it keeps working if the table is ever reordered.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from signlang.hamnosys.nonmanual import strip_words

PAD, BOS, EOS = 0, 1, 2
SPECIAL_TOKENS = ("<pad>", "<bos>", "<eos>")

_NAMES_TEXT = re.compile(r"^[\sA-Za-z0-9_,]*$")
_NAME_SPLIT = re.compile(r"[\s,]+")


class HamNoSysTokenError(ValueError):
    """A transcription holds something that is not a HamNoSys symbol."""


@dataclass(frozen=True)
class SymbolEntry:
    name: str
    char: str


def _char_of(codepoint: object) -> str:
    """Accept the code point as an int, a 'U+E000' string or the character itself."""
    if isinstance(codepoint, int):
        return chr(codepoint)
    text = str(codepoint)
    if len(text) == 1:
        return text
    if text.upper().startswith("U+"):
        return chr(int(text[2:], 16))
    if text.lower().startswith("0x"):
        return chr(int(text, 16))
    raise ValueError(f"cannot read a code point from {codepoint!r}")


def _record_field(record: object, field: str) -> object:
    if isinstance(record, dict):
        return record[field]
    if isinstance(record, (tuple, list)):
        return record[("name", "codepoint", "category").index(field)]
    return getattr(record, field)


class HamNoSysTokenizer:
    """Maps a transcription to symbol ids and back. Ids 0-2 are <pad>, <bos>, <eos>."""

    def __init__(self, symbols: Sequence[SymbolEntry]) -> None:
        if not symbols:
            raise ValueError("a tokenizer needs at least one symbol")
        self.symbols: tuple[SymbolEntry, ...] = tuple(symbols)
        offset = len(SPECIAL_TOKENS)
        self._id_of_name = {s.name: i + offset for i, s in enumerate(self.symbols)}
        self._id_of_char = {s.char: i + offset for i, s in enumerate(self.symbols)}
        self._id_of_lower = {s.name.lower(): s.name for s in self.symbols}  # names typed in another case
        if len(self._id_of_name) != len(self.symbols) or len(self._id_of_char) != len(self.symbols):
            raise ValueError("symbol names and characters must be unique")

    # -- construction ---------------------------------------------------------------------------
    @classmethod
    def from_symbol_table(cls) -> HamNoSysTokenizer:
        """The project's own table, `signlang.symbols.SYMBOLS` (all 209 symbols, in order)."""
        from signlang.symbols import SYMBOLS

        entries = [SymbolEntry(str(_record_field(r, "name")), _char_of(_record_field(r, "codepoint"))) for r in SYMBOLS]
        return cls(entries)

    def to_json(self) -> str:
        return json.dumps([[s.name, f"U+{ord(s.char):04X}"] for s in self.symbols])

    @classmethod
    def from_json(cls, text: str) -> HamNoSysTokenizer:
        return cls([SymbolEntry(name, _char_of(cp)) for name, cp in json.loads(text)])

    # -- properties -----------------------------------------------------------------------------
    @property
    def vocab_size(self) -> int:
        return len(SPECIAL_TOKENS) + len(self.symbols)

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.symbols]

    # -- text -> symbols ------------------------------------------------------------------------
    def symbol_names(self, text: str) -> list[str]:
        """The symbol names of a transcription given as Unicode characters or as names."""
        return [self.symbols[i - len(SPECIAL_TOKENS)].name for i in self.encode(text, add_special=False)]

    def encode(self, text: str, *, add_special: bool = True) -> list[int]:
        """Ids of the symbols of `text`; raises HamNoSysTokenError naming the position and symbol."""
        if not isinstance(text, str):
            raise HamNoSysTokenError(f"a transcription must be text, got {type(text).__name__}")
        stripped = strip_words(text).strip("\r\n\t")  # non-manual words: the model signs the hands only
        if not stripped.strip():
            raise HamNoSysTokenError("empty transcription: no HamNoSys symbol to sign")
        ids = self._encode_names(stripped) if self._looks_like_names(stripped) else self._encode_chars(stripped)
        return [BOS, *ids, EOS] if add_special else ids

    def _looks_like_names(self, text: str) -> bool:
        return bool(_NAMES_TEXT.match(text)) and "ham" in text.lower()

    def _encode_names(self, text: str) -> list[int]:
        ids = []
        for position, name in enumerate(n for n in _NAME_SPLIT.split(text.strip()) if n):
            key = name if name in self._id_of_name else self._id_of_lower.get(name.lower())
            if key is None:
                raise HamNoSysTokenError(
                    f"symbol {position + 1} ({name!r}) is not a HamNoSys symbol name{self._suggest(name)}"
                )
            ids.append(self._id_of_name[key])
        return ids

    def _encode_chars(self, text: str) -> list[int]:
        ids = []
        for position, char in enumerate(text):
            if char not in self._id_of_char:
                raise HamNoSysTokenError(
                    f"character {position + 1} (U+{ord(char):04X} {char!r}) is not a HamNoSys symbol; "
                    "expected characters U+E000-U+E0F1, one of ' !,.?{|}', or comma-separated symbol names"
                )
            ids.append(self._id_of_char[char])
        return ids

    def _suggest(self, name: str) -> str:
        import difflib

        close = difflib.get_close_matches(name, self._id_of_name, n=1)
        return f"; did you mean {close[0]}?" if close else ""

    # -- ids -> text ----------------------------------------------------------------------------
    def _symbols_of_ids(self, ids: Sequence[int]) -> list[SymbolEntry]:
        offset = len(SPECIAL_TOKENS)
        out = []
        for i in ids:
            i = int(i)
            if i == EOS:
                break
            if i < offset:
                continue
            if i - offset >= len(self.symbols):
                raise HamNoSysTokenError(f"token id {i} is outside the vocabulary of {self.vocab_size}")
            out.append(self.symbols[i - offset])
        return out

    def decode(self, ids: Sequence[int]) -> str:
        """The transcription as Unicode characters (special tokens dropped, stops at <eos>)."""
        return "".join(s.char for s in self._symbols_of_ids(ids))

    def decode_names(self, ids: Sequence[int]) -> str:
        """The transcription as comma-separated symbol names."""
        return ",".join(s.name for s in self._symbols_of_ids(ids))
