"""HamNoSys 4.0: tokens (three input forms), grammar, parse tree, errors."""

from __future__ import annotations

from signlang.hamnosys.errors import HamNoSysError, nearest_names
from signlang.hamnosys.grammar import parse_tokens
from signlang.hamnosys.tokens import (
    Token,
    detect_form,
    names_of,
    nonmanual_of,
    sigml_gloss,
    split_sigml,
    to_names,
    to_sigml,
    to_unicode,
    tokenize,
)
from signlang.hamnosys.tree import Sign, to_json

__all__ = [
    "HamNoSysError",
    "Sign",
    "Token",
    "detect_form",
    "names_of",
    "nearest_names",
    "nonmanual_of",
    "parse",
    "split_sigml",
    "to_json",
    "to_names",
    "to_sigml",
    "to_unicode",
    "tokenize",
]


def parse(text: str, form: str | None = None) -> Sign:
    """Parse HamNoSys in any of its three forms (Unicode characters, names, SiGML) into a Sign tree.

    Non-manual items (SiGML <hamnosys_nonmanual>, or hnm_TIER=VALUE words in the other forms) go to
    Sign.nonmanual. Raises HamNoSysError (with .position, .symbol, .expected) for text that is not a
    well-formed sign.
    """
    form = form or (detect_form(text) if isinstance(text, str) else None)
    nonmanual = nonmanual_of(text, form) if isinstance(text, str) else []
    tokens = tokenize(text, form)
    gloss = sigml_gloss(text) if form == "sigml" else ""
    sign = parse_tokens(tokens, gloss)
    sign.nonmanual = nonmanual
    return sign
