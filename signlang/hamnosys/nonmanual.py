"""The non-manual tiers of a sign: shoulders, body, head, eye gaze, eyebrows, eyelids, nose, mouth.

SiGML writes them inside `<hns_sign>` before the manual part:

    <hamnosys_nonmanual><hnm_eyebrows tag="RB"/><hnm_head tag="SH"/><hnm_mouthpicture picture="pa"/>
    </hamnosys_nonmanual>

The names and Unicode forms have no symbols for them (HamNoSys 4.0 writes only the manual part), so
here they are words `hnm_TIER=VALUE` before or among the symbols: `hnm_head=SH,hamflathand,...`, or
`hnm_mouthpicture="hVlU" ` followed by HamNoSys characters. Values with spaces or commas are quoted.

Consecutive equal items of a tier are repetitions: `<hnm_head tag="NO"/>` twice is two nods.
Tier and tag names: see scenes/signing/README.md ("Non-manual features") for the sources.
"""

from __future__ import annotations

import difflib
import re
from html import unescape

from signlang.hamnosys.errors import HamNoSysError
from signlang.hamnosys.tree import NonManual

# tier -> {tag: meaning}; None: free text (mouth pictures are SAMPA, extra tags are any text)
TIERS: dict[str, dict[str, str] | None] = {
    "shoulder": {
        "UL": "left shoulder raised", "UR": "right shoulder raised", "UB": "both shoulders raised",
        "HL": "left shoulder hunched", "HR": "right shoulder hunched", "HB": "both shoulders hunched",
        "SL": "left shoulder shrugging", "SR": "right shoulder shrugging", "SB": "both shoulders shrugging",
    },
    "body": {
        "RL": "rotated left", "RR": "rotated right", "TL": "tilted left", "TR": "tilted right",
        "TF": "tilted forward", "TB": "tilted back", "SI": "sigh", "HE": "heave", "ST": "straight",
        "RD": "round",
    },
    "head": {
        "NO": "nodding up and down", "SH": "shaking left and right", "SR": "turned right", "SL": "turned left",
        "TR": "tilted right", "TL": "tilted left", "NF": "tilted forward", "NB": "tilted back",
        "PF": "pushed forward", "PB": "pushed backward", "LI": "movement linked to eye gaze",
    },
    "eyegaze": {
        "AD": "towards the addressee", "FR": "far", "HD": "towards the signer's hands",
        "HI": "towards the dominant hand", "HC": "towards the non-dominant hand", "UP": "up", "DN": "down",
        "LE": "left", "RI": "right", "LU": "left up", "LD": "left down", "RU": "right up", "RD": "right down",
        "NO": "no target, unfocussed", "RO": "rolling eyes",
    },
    "eyebrows": {"RB": "both raised", "RR": "right raised", "RL": "left raised", "FU": "furrowed"},
    "eyelids": {
        "WB": "wide open", "WR": "right wide open", "WL": "left wide open", "SB": "narrowed",
        "SR": "right narrowed", "SL": "left narrowed", "CB": "closed", "CR": "right closed", "CL": "left closed",
        "TB": "tightly shut", "TR": "right tightly shut", "TL": "left tightly shut", "BB": "blink",
    },
    "nose": {"WB": "wrinkled", "TW": "twitching", "WI": "widened nostrils"},
    "mouthgesture": None,  # checked by MOUTH_GESTURE below
    "mouthpicture": None,
    "extra": None,
}
# Mouth gestures: D (teeth), J (jaw), L (lips), C (cheeks), T (tongue) and two digits.
MOUTH_GESTURE = re.compile(r"^[DJLCT]\d\d$")
MOUTH_GESTURE_RANGES = {"D": 9, "J": 4, "L": 35, "C": 13, "T": 17}

_SIGML_NONMANUAL = re.compile(r"<hamnosys_nonmanual\s*>(.*?)</hamnosys_nonmanual\s*>", re.S)
_SIGML_ITEM = re.compile(r"<\s*([A-Za-z_][\w.\-]*)((?:\s+[\w:\-]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*/\s*>"
                         r"|<!--.*?-->", re.S)
_SIGML_ATTR = re.compile(r"([\w:\-]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
# One non-manual word in the names and Unicode forms.
WORD = re.compile(r"hnm_[A-Za-z_]*\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^,\s\ue000-\ue0ff]*)")


def _error(message: str, position: int, symbol: str, offset: int, expected: list[str],
           suggestions: list[str] | None = None) -> HamNoSysError:
    return HamNoSysError(message, position=position, symbol=symbol, expected=expected, rule="non-manual",
                         offset=offset, suggestions=suggestions)


def check(tier: str, value: str, position: int, symbol: str, offset: int) -> NonManual:
    """A NonManual item, or a HamNoSysError naming the position, the item and what was expected."""
    where = f"non-manual item {position} {symbol!r} at offset {offset}"
    if tier not in TIERS:
        near = difflib.get_close_matches(tier, list(TIERS), n=3, cutoff=0.5)
        hint = f"; did you mean {' or '.join('hnm_' + n for n in near)}?" if near else ""
        raise _error(f"{where}: unknown tier hnm_{tier}{hint}", position, symbol, offset,
                     ["hnm_" + t for t in TIERS], ["hnm_" + n for n in near])
    if not value:
        what = "a picture" if tier == "mouthpicture" else "a tag"
        raise _error(f"{where}: hnm_{tier} without {what}", position, symbol, offset, [what])
    tags = TIERS[tier]
    if tags is not None and value not in tags:
        near = difflib.get_close_matches(value.upper(), list(tags), n=3, cutoff=0.4)
        hint = f"; did you mean {' or '.join(near)}?" if near else ""
        raise _error(f"{where}: {value!r} is not a hnm_{tier} tag{hint} (allowed: {', '.join(tags)})",
                     position, symbol, offset, list(tags), near)
    if tier == "mouthgesture":
        ok = MOUTH_GESTURE.match(value) and 1 <= int(value[1:]) <= MOUTH_GESTURE_RANGES[value[0]]
        if not ok:
            raise _error(f"{where}: {value!r} is not a mouth gesture (D01-D09, J01-J04, L01-L35, C01-C13, "
                         "T01-T17)", position, symbol, offset, ["a mouth gesture tag such as C01 or L04"])
    return NonManual(tier, value, span=(position, position + 1))


def merge_repeats(items: list[NonManual]) -> list[NonManual]:
    """Consecutive equal items of one tier become one item with a count (other tiers may come between)."""
    out: list[NonManual] = []
    last: dict[str, NonManual] = {}
    for item in items:
        prev = last.get(item.tier)
        if prev is not None and prev.value == item.value:
            prev.count += item.count
            prev.span = (prev.span[0], item.span[1])
            continue
        out.append(item)
        last[item.tier] = item
    return out


def from_sigml(text: str) -> list[NonManual]:
    """The non-manual items of the first <hns_sign> (none without <hamnosys_nonmanual>)."""
    block = _SIGML_NONMANUAL.search(text)
    if block is None:
        return []
    body, start = block.group(1), block.start(1)
    items: list[NonManual] = []
    pos = 0
    index = 0
    for match in _SIGML_ITEM.finditer(body):
        between = body[pos : match.start()]
        if between.strip():
            off = start + pos + (len(between) - len(between.lstrip()))
            raise _error(f"non-manual item {index} {between.strip()[:20]!r} at offset {off}: unexpected text "
                         "inside <hamnosys_nonmanual>", index, between.strip()[:20], off,
                         ['an empty element such as <hnm_head tag="NO"/>'])
        pos = match.end()
        name = match.group(1)
        if name is None:
            continue
        off = start + match.start()
        attrs = {m.group(1): unescape(m.group(2) if m.group(2) is not None else m.group(3) or "")
                 for m in _SIGML_ATTR.finditer(match.group(2) or "")}
        symbol = match.group(0).strip()
        if not name.startswith("hnm_"):
            raise _error(f"non-manual item {index} {symbol!r} at offset {off}: <{name}> is not a non-manual tier",
                         index, name, off, ["hnm_" + t for t in TIERS])
        tier = name.removeprefix("hnm_")
        key = "picture" if tier == "mouthpicture" else "tag"
        items.append(check(tier, attrs.get(key, "").strip(), index, symbol, off))
        index += 1
    rest = body[pos:]
    if rest.strip():
        off = start + pos + (len(rest) - len(rest.lstrip()))
        raise _error(f"non-manual item {index} {rest.strip()[:20]!r} at offset {off}: unexpected text inside "
                     "<hamnosys_nonmanual>", index, rest.strip()[:20], off,
                     ['an empty element such as <hnm_head tag="NO"/>'])
    return merge_repeats(items)


def parse_word(word: str, position: int, offset: int) -> NonManual:
    head, sep, value = word.partition("=")
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1]
    if not sep:
        raise _error(f"non-manual item {position} {word!r} at offset {offset}: expected hnm_TIER=VALUE",
                     position, word, offset, ["hnm_TIER=VALUE"])
    return check(head.strip().removeprefix("hnm_"), value.strip(), position, word, offset)


def spans(text: str) -> list[tuple[int, int]]:
    """Where the non-manual words of a names or Unicode text are ([start, end) character offsets)."""
    return [m.span() for m in WORD.finditer(text) if m.start() == 0 or not text[m.start() - 1].isalnum()]


def strip_words(text: str) -> str:
    """The text without its non-manual words (and the separator after each): the manual part."""
    if "hnm_" not in text:
        return text
    out, pos = [], 0
    for start, end in spans(text):
        out.append(text[pos:start])
        while end < len(text) and text[end] in " ,\t\r\n":
            end += 1
        pos = end
    out.append(text[pos:])
    return "".join(out)


def from_words(text: str) -> list[NonManual]:
    """The `hnm_TIER=VALUE` words of a names or Unicode text; a word `hnm_...` without "=" is an error."""
    taken = spans(text)
    starts = {s for s, _ in taken}
    for match in re.finditer(r"(?<![A-Za-z0-9_])hnm_[A-Za-z_]*", text):
        if match.start() not in starts:  # hnm_... without "=VALUE"
            parse_word(match.group(0), _word_index(text, match.start()), match.start())
    items = [parse_word(text[s:e], _word_index(text, s), s) for s, e in taken]
    return merge_repeats(items)


def _word_index(text: str, offset: int) -> int:
    """The index of the word (comma/space separated) starting at offset."""
    return len(re.findall(r"[^,\s]+", text[:offset]))


def to_sigml(items: list[NonManual]) -> str:
    out = []
    for item in items:
        key = "picture" if item.tier == "mouthpicture" else "tag"
        value = item.value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
        out.extend([f'<hnm_{item.tier} {key}="{value}"/>'] * item.count)
    return "".join(out)


def to_words(items: list[NonManual]) -> list[str]:
    out = []
    for item in items:
        value = item.value
        if any(c in value for c in ", \t\"'") or not value:
            value = '"' + value.replace('"', "'") + '"'
        out.extend([f"hnm_{item.tier}={value}"] * item.count)
    return out
