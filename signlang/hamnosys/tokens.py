"""Reading and writing the three forms of HamNoSys text.

- Unicode: one character per symbol (private-use area U+E000-U+E0F1 plus eight ASCII characters).
- Names: symbol names separated by commas and/or white space ("hamflathand,hamextfingeru,hampalml").
- SiGML: `<hns_sign gloss="..."><hamnosys_manual><hamflathand/>...</hamnosys_manual></hns_sign>`.

Every form becomes a list of Tokens (symbol name + where it was in the source); every failure is a
HamNoSysError naming the position and, for unknown names, the nearest valid names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape, unescape

from signlang.hamnosys import nonmanual
from signlang.hamnosys.errors import HamNoSysError, nearest_names
from signlang.symbols import BY_CHAR, BY_NAME


@dataclass(frozen=True, slots=True)
class Token:
    name: str  # symbol name
    index: int  # position in the token list
    offset: int  # character offset in the source text


_IGNORED_CHARS = "\t\r\n\ufeff"
_NAME_SPLIT = re.compile(r"[^,\s]+")
_SIGML_MANUAL = re.compile(r"<hamnosys_manual\s*>(.*?)</hamnosys_manual\s*>|<hamnosys_manual\s*/>", re.S)
_SIGML_TAG = re.compile(r"<\s*([A-Za-z_][\w.\-]*)\s*/\s*>|<!--.*?-->", re.S)
_SIGML_GLOSS = re.compile(r"<hns_sign\b[^>]*?\bgloss\s*=\s*(\"([^\"]*)\"|'([^']*)')", re.S)


def detect_form(text: str) -> str:
    """'sigml', 'unicode' or 'names'."""
    stripped = text.lstrip()
    if stripped.startswith("<"):
        return "sigml"
    if any("\ue000" <= ch <= "\ue0ff" for ch in text):
        return "unicode"
    if stripped and all(ch in BY_CHAR or ch in _IGNORED_CHARS for ch in stripped) and "ham" not in stripped:
        return "unicode"  # only ASCII punctuation symbols, e.g. "{|}"
    return "names"


def tokenize(text: str, form: str | None = None) -> list[Token]:
    if not isinstance(text, str):
        raise HamNoSysError(f"expected text, got {type(text).__name__}", position=0, symbol="", rule="input")
    form = form or detect_form(text)
    if form == "unicode":
        return _tokenize_unicode(text)
    if form == "names":
        return _tokenize_names(text)
    if form == "sigml":
        return _tokenize_sigml(text)[0]
    raise HamNoSysError(
        f"unknown form {form!r}; allowed: unicode, names, sigml", position=0, symbol=form, rule="input"
    )


def _skipped(text: str) -> set[int]:
    """Character offsets of the non-manual words (hnm_TIER=VALUE) and the separators around each (white
    space, one comma after it)."""
    out: set[int] = set()
    for start, end in nonmanual.spans(text):
        while start > 0 and text[start - 1] in " \t\r\n":  # the space before it separates too
            start -= 1
        while end < len(text) and text[end] in " \t\r\n":
            end += 1
        if end < len(text) and text[end] == ",":  # one separating comma (not hamcomma)
            end += 1
        while end < len(text) and text[end] in " \t\r\n":
            end += 1
        out.update(range(start, end))
    return out


def _tokenize_unicode(text: str) -> list[Token]:
    tokens: list[Token] = []
    skip = _skipped(text) if "hnm_" in text else set()
    for offset, ch in enumerate(text):
        if ch in _IGNORED_CHARS or offset in skip:
            continue
        sym = BY_CHAR.get(ch)
        if sym is None:
            raise HamNoSysError(
                f"character {ch!r} (U+{ord(ch):04X}) at offset {offset} is not a HamNoSys symbol",
                position=offset,
                symbol=f"U+{ord(ch):04X}",
                expected=["a HamNoSys character U+E000-U+E0F1 or one of ' !,.?{|}'"],
                rule="character",
                offset=offset,
            )
        tokens.append(Token(sym.name, len(tokens), offset))
    return tokens


def _unknown_name(word: str, index: int, offset: int, what: str) -> HamNoSysError:
    suggestions = nearest_names(word)
    hint = f": did you mean {' or '.join(suggestions)}?" if suggestions else ""
    return HamNoSysError(
        f"{word}{hint} (unknown {what} at symbol {index}, offset {offset})",
        position=index,
        symbol=word,
        expected=["a HamNoSys symbol name"],
        rule="symbol name",
        offset=offset,
        suggestions=suggestions,
    )


def _tokenize_names(text: str) -> list[Token]:
    tokens: list[Token] = []
    skip = _skipped(text) if "hnm_" in text else set()
    for match in _NAME_SPLIT.finditer(text):
        word = match.group(0)
        if match.start() in skip:
            continue
        if word not in BY_NAME:
            raise _unknown_name(word, len(tokens), match.start(), "symbol name")
        tokens.append(Token(word, len(tokens), match.start()))
    return tokens



def _stray_text(text: str, offset: int, position: int) -> HamNoSysError:
    """Text between the empty elements of <hamnosys_manual>, named with where it stands."""
    shown = text.strip()[:20]
    return HamNoSysError(f"unexpected text {shown!r} at offset {offset} inside <hamnosys_manual>",
                         position=position, symbol=shown, expected=["an empty element such as <hamfist/>"],
                         rule="sigml", offset=offset)

def _tokenize_sigml(text: str) -> tuple[list[Token], str]:
    """Tokens of the first hns_sign's manual part, and its gloss."""
    manual = _SIGML_MANUAL.search(text)
    if manual is None:
        raise HamNoSysError(
            "SiGML without a <hamnosys_manual> element",
            position=0,
            symbol=text[:20],
            expected=["<hns_sign><hamnosys_manual>...</hamnosys_manual></hns_sign>"],
            rule="sigml",
            offset=0,
        )
    gloss = sigml_gloss(text)
    body = manual.group(1) or ""
    start = manual.start(1) if manual.group(1) is not None else manual.end()
    tokens: list[Token] = []
    pos = 0
    for match in _SIGML_TAG.finditer(body):
        between = body[pos : match.start()]
        if between.strip():
            raise _stray_text(between, start + pos + (len(between) - len(between.lstrip())), len(tokens))
        pos = match.end()
        name = match.group(1)
        if name is None:  # comment
            continue
        if name not in BY_NAME:
            raise _unknown_name(name, len(tokens), start + match.start(), "SiGML tag")
        tokens.append(Token(name, len(tokens), start + match.start()))
    rest = body[pos:]
    if rest.strip():
        raise _stray_text(rest, start + pos, len(tokens))
    return tokens, gloss


_HNS_SIGN = re.compile(r"<hns_sign\b.*?</hns_sign\s*>", re.S)


def split_sigml(text: str) -> list[str]:
    """The <hns_sign> elements of a SiGML document, one string each (the whole text if there are none)."""
    signs = _HNS_SIGN.findall(text)
    return signs or [text]


def sigml_gloss(text: str) -> str:
    match = _SIGML_GLOSS.search(text)
    if not match:
        return ""
    return unescape(match.group(2) if match.group(2) is not None else match.group(3) or "")


# --- writing -----------------------------------------------------------------------------------


def to_unicode(names: list[str]) -> str:
    return "".join(BY_NAME[n].char for n in names)


def to_names(names: list[str]) -> str:
    return ",".join(names)


def to_sigml(names: list[str], gloss: str = "", nonmanual_items: list | None = None) -> str:
    tags = "".join(f"<{n}/>" for n in names)
    nm = nonmanual.to_sigml(nonmanual_items or [])
    nm_element = f"<hamnosys_nonmanual>{nm}</hamnosys_nonmanual>" if nm else "<hamnosys_nonmanual/>"
    return (
        f'<sigml><hns_sign gloss="{escape(gloss, quote=True)}">'
        f"{nm_element}<hamnosys_manual>{tags}</hamnosys_manual></hns_sign></sigml>"
    )


def nonmanual_of(text: str, form: str | None = None) -> list:
    """The non-manual items of a text in any form (a HamNoSysError for a malformed one)."""
    form = form or detect_form(text)
    if form == "sigml":
        return nonmanual.from_sigml(text)
    return nonmanual.from_words(text) if "hnm_" in text else []


def names_of(text: str, form: str | None = None) -> list[str]:
    return [t.name for t in tokenize(text, form)]
