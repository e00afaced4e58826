"""A list of signs to play, as people write it in a file or a message.

Lines are "GLOSS: notation" or just the notation; blank lines and lines starting with # are
skipped. A line with signs separated by " ; " is a phrase ("HELLO: ... ; HOUSE: ..."): its signs are
signed one after the other without returning to rest. A text that starts with "<" is SiGML: each
<hns_sign> in it is one sign, its gloss from the gloss attribute.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PHRASE_SEPARATOR = ";"  # not a HamNoSys character nor part of a symbol name


@dataclass
class SignRequest:
    gloss: str
    text: str
    parts: list[SignRequest] = field(default_factory=list)  # a phrase: its signs (text is the whole line)


def split_line(line: str) -> SignRequest | None:
    line = line.strip()
    if not line or line.startswith("#"):
        return None
    if PHRASE_SEPARATOR in line and not line.startswith("<"):
        parts = [p for p in (split_line(piece) for piece in line.split(PHRASE_SEPARATOR)) if p is not None]
        if len(parts) > 1:
            return SignRequest(" ".join(p.gloss for p in parts if p.gloss), line, parts)
        if parts:
            return parts[0]
        return None
    head, sep, tail = line.partition(":")
    if sep and head and " " not in head.strip() and not head.startswith("<") and "ham" not in head:
        return SignRequest(head.strip(), tail.strip())
    return SignRequest("", line)


def parse_sign_list(text: str) -> list[SignRequest]:
    if text.lstrip().startswith("<"):
        from signlang.hamnosys import sigml_gloss, split_sigml

        return [SignRequest(sigml_gloss(sign), sign) for sign in split_sigml(text)]
    return [w for w in (split_line(line) for line in text.splitlines()) if w is not None]
