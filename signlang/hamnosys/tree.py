"""The parse tree of a HamNoSys sign: small dataclasses a person can read, and their JSON form."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any


def to_json(node: Any) -> Any:
    """A plain JSON-able structure; every node carries its class name under "node"."""
    if is_dataclass(node):
        out: dict[str, Any] = {"node": type(node).__name__}
        for f in fields(node):
            value = getattr(node, f.name)
            if value is None or value == [] or value is False or (f.name == "span" and not value):
                continue
            out[f.name] = to_json(value)
        return out
    if isinstance(node, (list, tuple)):
        return [to_json(v) for v in node]
    return node


@dataclass
class Node:
    span: tuple[int, int] = field(default=(0, 0), kw_only=True)  # [start, end) symbol indices

    def to_json(self) -> Any:
        return to_json(self)


# --- hands -------------------------------------------------------------------------------------


@dataclass
class FingerSpec(Node):
    """Finger-specific part of a handshape: which digits and how they are bent, or, with finger parts
    (pad, nail, tip ...), where the thumb meets them."""

    digits: list[str]
    modifiers: list[str] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)


@dataclass
class Handshape(Node):
    base: str  # one of the 12 base shapes (or "hametc" for an unspecified shape)
    thumb: str | None = None  # hamthumboutmod / hamthumbacrossmod / hamthumbopenmod
    bend: str | None = None  # bending of all fingers: straight, bent, hooked, double bent, double hooked
    fingers: list[FingerSpec] = field(default_factory=list)
    between: Handshape | None = None  # an intermediate shape: "between this and that"


@dataclass
class Direction(Node):
    """Extended finger direction or palm orientation (with a between-value and relative marking)."""

    value: str
    between: str | None = None
    relative: bool = False
    combined: str | None = None  # a second direction refining the first ("uo" then "ol")


@dataclass
class HandConfig(Node):
    handshape: Handshape | None = None
    extended_finger: Direction | None = None
    palm: Direction | None = None
    nondominant: bool = False  # explicitly the non-dominant hand
    alternatives: list[HandConfig] = field(default_factory=list)  # { this | or these }


@dataclass
class SplitHands(Node):
    """Two hands with different configurations: ( dominant + non-dominant )."""

    dominant: HandConfig | None
    nondominant: HandConfig | None
    dominant_location: Location | None = None
    nondominant_location: Location | None = None


# --- locations ---------------------------------------------------------------------------------


@dataclass
class Location(Node):
    site: list[str] = field(default_factory=list)  # e.g. ["hamchin"] or ["hamfingertip", "hamindexfinger"]
    side: str | None = None  # hamlrbeside / hamlrat
    between: Location | None = None
    contact: str | None = None  # hamclose / hamtouch / haminterlock / hamcross / hambrushing
    distance: list[str] = field(default_factory=list)  # hambehind, hamarmextended
    references: list[str] = field(default_factory=list)  # hamcoreftag / hamcorefref
    nondominant: bool = False  # a site on the non-dominant hand


@dataclass
class SplitLocation(Node):
    """Locations of both hands: ( dominant + non-dominant ), with an optional contact between them."""

    dominant: Location | None
    nondominant: Location | None
    contact: str | None = None


# --- actions -----------------------------------------------------------------------------------


@dataclass
class Movement(Node):
    kind: str  # straight | circle | wrist | nomotion | contact | target
    symbol: str | None = None
    between: str | None = None
    modifiers: list[str] = field(default_factory=list)
    target: Location | SplitLocation | None = None


@dataclass
class Replacement(Node):
    hands: HandConfig | SplitHands | None = None
    location: Location | SplitLocation | None = None
    modifiers: list[str] = field(default_factory=list)


@dataclass
class Sequence(Node):
    actions: list[Any] = field(default_factory=list)
    modifiers: list[str] = field(default_factory=list)


@dataclass
class Parallel(Node):
    actions: list[Any] = field(default_factory=list)
    modifiers: list[str] = field(default_factory=list)


@dataclass
class SplitAction(Node):
    """Different actions for the two hands: ( dominant + non-dominant )."""

    dominant: list[Any] = field(default_factory=list)
    nondominant: list[Any] = field(default_factory=list)
    modifiers: list[str] = field(default_factory=list)


@dataclass
class Fusion(Node):
    actions: list[Any] = field(default_factory=list)
    modifiers: list[str] = field(default_factory=list)


@dataclass
class Alternatives(Node):
    options: list[list[Any]] = field(default_factory=list)


@dataclass
class Repetition(Node):
    kind: str  # the repetition symbol
    modifiers: list[str] = field(default_factory=list)
    displacement: Movement | None = None  # repetition continued along a movement


# --- non-manual features ------------------------------------------------------------------------


@dataclass
class NonManual(Node):
    """One item of a non-manual tier: SiGML `<hnm_head tag="SH"/>`, `<hnm_mouthpicture picture="pa"/>`,
    or `hnm_head=SH` in the names and Unicode forms. Consecutive equal items of a tier are repetitions
    (three `hnm_head SH` items: three shakes). span: where the items were (indices of the SiGML
    elements, or of the words in the names and Unicode forms)."""

    tier: str  # shoulder, body, head, eyegaze, eyebrows, eyelids, nose, mouthgesture, mouthpicture, extra
    value: str  # the tag ("SH", "RB", "C01") or, for mouthpicture, the SAMPA picture
    count: int = 1  # repetitions (consecutive equal items merged)


# --- the sign ----------------------------------------------------------------------------------


@dataclass
class Symmetry(Node):
    operator: str  # hamsymmpar | hamsymmlr
    modifiers: list[str] = field(default_factory=list)


@dataclass
class Sign(Node):
    hands: HandConfig | SplitHands | None
    symmetry: Symmetry | None = None
    nondominant: bool = False  # sign made with the non-dominant hand only
    nonipsi: bool = False
    location: Location | SplitLocation | None = None
    actions: list[Any] = field(default_factory=list)
    prefixes: list[str] = field(default_factory=list)  # hamversion40, hammime
    punctuation: list[str] = field(default_factory=list)
    symbols: list[str] = field(default_factory=list)  # the symbol names, in order
    gloss: str = ""
    then: list[Sign] = field(default_factory=list)  # signs joined to this one with hamplus (compounds)
    nonmanual: list[NonManual] = field(default_factory=list)  # face, head, shoulders, body (in order)

    @property
    def two_handed(self) -> bool:
        return self.symmetry is not None or isinstance(self.hands, SplitHands)
