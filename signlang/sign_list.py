"""A list of signs to play, as people write it in a file or a message.

Lines are "GLOSS: notation" or just the notation; blank lines and lines starting with # are
skipped. A text that starts with "<" is SiGML: each <hns_sign> in it is one sign, its gloss from
the gloss attribute.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class SignRequest:
    gloss: str
    text: str


def split_line(line: str) -> SignRequest | None:
    line = line.strip()
    if not line or line.startswith("#"):
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
