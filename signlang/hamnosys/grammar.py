"""A recursive-descent grammar of HamNoSys 4.0.

    sign        := prefix* [nonipsi] [symmetry] [nondominant] initial action* punctuation*
    symmetry    := (symmpar | symmlr) (fingerstraightmod | largemod | alternatingmotion)*
    initial     := hands [location2]
    hands       := split_hands | handconfig
    split_hands := "(" [handconfig [location1]] "+" [handconfig [location1]] ")"
    handconfig  := [nondominant] [handshape2] [extfidir2] [palmor2]          (at least one part)
    handshape2  := handshape1 [between handshape1]
    handshape1  := base (thumbmod | bendmod | digit+ bendmod* | fingerpart)*
    extfidir2   := extfidir [orirelative] [between extfidir [orirelative]]
    palmor2     := palmor [orirelative] [between palmor [orirelative]]
    location2   := split_location | location1
    location1   := distance* [side] [site [side] [between site [side]]] coref* [contact] distance*
    site        := head/body/arm site | (handpart | digit | fingerpart)+     (at least a site, side or contact)
    action      := (movement | "[" action* "]" | "(" action* ")" | "(" action* "+" action* ")"
                    | fusion | "{" action* ("|" action*)+ "}" | replacement | repetition) modifier*
    movement    := straight | circle | wrist | nomotion | contact | location1 (a target)
    straight    := move [between move] (arc | wavy | zigzag | ellipse | size | manner)* [target]
    circle      := circle [between circle] (clock | ellipse | incdec | size | manner)* [target]
    replacement := replace (hands [location2] | location2) modifier*
    repetition  := repeat (alternatingmotion | size | manner | straight)*

Parsing is a PEG with backtracking; the error reported is the one at the furthest position any
alternative reached, with everything that was expected there (rule names).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from signlang.hamnosys.errors import HamNoSysError
from signlang.hamnosys.tokens import Token
from signlang.hamnosys.tree import (
    Alternatives,
    Direction,
    FingerSpec,
    Fusion,
    HandConfig,
    Handshape,
    Location,
    Movement,
    Parallel,
    Repetition,
    Replacement,
    Sequence,
    Sign,
    SplitAction,
    SplitHands,
    SplitLocation,
    Symmetry,
)
from signlang.symbols import BY_NAME, names_in

T = TypeVar("T")

# --- word classes --------------------------------------------------------------------------------
HANDSHAPE_BASES = frozenset(names_in("Handshapes"))
THUMB_MODS = frozenset({"hamthumboutmod", "hamthumbacrossmod", "hamthumbopenmod"})
BEND_MODS = frozenset(
    {"hamfingerstraightmod", "hamfingerbendmod", "hamfingerhookmod", "hamdoublebent", "hamdoublehooked"}
)
DIGITS = frozenset({"hamthumb", "hamindexfinger", "hammiddlefinger", "hamringfinger", "hampinky"})
FINGER_PARTS = frozenset(
    {"hamfingertip", "hamfingernail", "hamfingerpad", "hamfingermidjoint", "hamfingerbase", "hamfingerside"}
)
EXTFIDIRS = frozenset(names_in("Extended finger directions"))
PALMORS = frozenset(names_in("Palm orientation"))
HEAD_SITES = frozenset(
    """hamhead hamheadtop hamforehead hameyebrows hameyes hamnose hamnostrils hamear hamearlobe
    hamcheek hamlips hamtongue hamteeth hamchin hamunderchin hamneck""".split()
)
BODY_SITES = frozenset(
    "hamshouldertop hamshoulders hamchest hamstomach hambelowstomach hamneutralspace".split()
)
ARM_SITES = frozenset("hamupperarm hamelbow hamelbowinside hamlowerarm hamwristback hamwristpulse".split())
HAND_SITES = frozenset(
    "hamthumbball hampalm hamhandback hamthumbside hampinkyside".split()
    + "hamwristtopulse hamwristtoback hamwristtothumb hamwristtopinky".split()  # obsolete, still read
)
HAND_SITE_PARTS = HAND_SITES | DIGITS | FINGER_PARTS
BODY_LEVEL_SITES = HEAD_SITES | BODY_SITES | ARM_SITES
SIDES = frozenset({"hamlrbeside", "hamlrat"})
COREFS = frozenset({"hamcoreftag", "hamcorefref"})
CONTACTS = frozenset({"hamclose", "hamtouch", "haminterlock", "hamcross", "hambrushing"})
DISTANCES = frozenset({"hambehind", "hamarmextended"})
STRAIGHT_MOVES = frozenset(n for n in names_in("Movement") if n.startswith("hammove")) | {
    "hammovecross",
    "hammoveX",
}
CIRCLES = frozenset(n for n in names_in("Movement") if n.startswith("hamcircle"))
WRIST_MOVES = frozenset(
    {"hamfingerplay", "hamnodding", "hamswinging", "hamtwisting", "hamstircw", "hamstirccw"}
)
ARCS = frozenset({"hamarcl", "hamarcu", "hamarcr", "hamarcd"})
WAVES = frozenset({"hamwavy", "hamzigzag"})
ELLIPSES = frozenset({"hamellipseh", "hamellipseur", "hamellipsev", "hamellipseul"})
CLOCKS = frozenset(n for n in names_in("Movement") if n.startswith("hamclock"))
INCDEC = frozenset({"hamincreasing", "hamdecreasing"})
SIZES = frozenset({"hamsmallmod", "hamlargemod"})
MANNERS = frozenset({"hamfast", "hamslow", "hamtense", "hamrest", "hamhalt"})
REPEATS = frozenset(names_in("Other symbols")[:5])
PUNCTUATION = frozenset({"hamexclaim", "hamfullstop", "hamquery", "hamcomma", "hamspace"})
SYMMETRY_OPS = frozenset({"hamsymmpar", "hamsymmlr"})
SYMMETRY_MODS = frozenset({"hamfingerstraightmod", "hamlargemod", "hamalternatingmotion"})
ACTION_MODS = SIZES | MANNERS | INCDEC | {"hamalternatingmotion"}
STRAIGHT_MODS = ARCS | WAVES | ELLIPSES | SIZES | MANNERS | INCDEC | {"hamalternatingmotion"}
CIRCLE_MODS = CLOCKS | ELLIPSES | INCDEC | SIZES | MANNERS | ARCS | WAVES | {"hamalternatingmotion"}
WRIST_MODS = SIZES | MANNERS | INCDEC | DIGITS | {"hamalternatingmotion"}


MAX_DEPTH = 120  # rule nesting; real signs stay far below (deepest in the lexicon: see tests)


class _Fail(Exception):
    pass


class Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.names = [t.name for t in tokens]
        self.pos = 0
        self.far = -1  # furthest position where something was expected
        self.far_expected: list[str] = []
        self.far_rule = ""
        self.depth = 0
        self.max_depth = 0
        self.forced = False  # an error found by a check after parsing: keep it as the one reported

    # --- primitives ----------------------------------------------------------------------------
    def peek(self) -> str | None:
        return self.names[self.pos] if self.pos < len(self.names) else None

    def fail(self, expected: str, rule: str) -> _Fail:
        if self.forced:
            return _Fail()
        if self.pos > self.far:
            self.far, self.far_expected, self.far_rule = self.pos, [expected], rule
        elif self.pos == self.far and expected not in self.far_expected:
            self.far_expected.append(expected)
            self.far_rule = self.far_rule or rule
        return _Fail()

    def accept(self, words: frozenset[str] | set[str], expected: str, rule: str) -> str | None:
        name = self.peek()
        if name is not None and name in words:
            self.pos += 1
            return name
        self.fail(expected, rule)
        return None

    def expect(self, words: frozenset[str] | set[str], expected: str, rule: str) -> str:
        name = self.accept(words, expected, rule)
        if name is None:
            raise _Fail()
        return name

    def attempt(self, rule: Callable[[], T]) -> T | None:
        """Run a rule; on failure rewind and return None (the failure stays recorded)."""
        start = self.pos
        self.depth += 1
        self.max_depth = max(self.max_depth, self.depth)
        if self.depth > MAX_DEPTH:  # nesting this deep is not a sign
            self.depth -= 1
            raise self.fail("less nesting", "nesting")
        try:
            return rule()
        except _Fail:
            self.pos = start
            return None
        finally:
            self.depth -= 1

    def many(self, words: frozenset[str], expected: str, rule: str) -> list[str]:
        out: list[str] = []
        while (name := self.accept(words, expected, rule)) is not None:
            out.append(name)
        return out

    def span(self, start: int) -> tuple[int, int]:
        return (start, self.pos)

    # --- sign ----------------------------------------------------------------------------------
    def sign(self) -> Sign:
        start = self.pos
        prefixes = self.many(frozenset({"hamversion40", "hammime"}), "hamversion40 or hammime", "sign prefix")
        nonipsi = self.accept({"hamnonipsi"}, "hamnonipsi", "sign") is not None
        symmetry = self.attempt(self.symmetry)
        nondominant = self.accept({"hamnondominant"}, "hamnondominant", "sign") is not None
        hands = self.attempt(self.hands)
        if hands is None:
            self.fail("a hand configuration (handshape, finger direction or palm)", "initial configuration")
            raise _Fail()
        self.require_complete(hands)
        location = self.attempt(self.location2)
        actions = self.actions()
        punctuation = self.many(PUNCTUATION, "punctuation", "sign")
        then: list[Sign] = []
        if self.peek() == "hamplus" and self.depth == 0:
            self.pos += 1
            then.append(self.sign())
            then += then[0].then
            then[0].then = []
        return Sign(
            hands=hands,
            symmetry=symmetry,
            nondominant=nondominant,
            nonipsi=nonipsi,
            location=location,
            actions=actions,
            prefixes=prefixes,
            punctuation=punctuation,
            symbols=self.names[start : self.pos],
            then=then,
            span=self.span(start),
        )

    def require_complete(self, hands: HandConfig | SplitHands) -> None:
        """The initial configuration gives each hand a handshape, a finger direction and a palm orientation
        (later replacements may change only some of them)."""
        configs = [hands.dominant, hands.nondominant] if isinstance(hands, SplitHands) else [hands]
        for cfg in configs:
            missing = None
            if cfg is None or cfg.handshape is None:
                missing, pos = "a handshape", (cfg.span[0] if cfg is not None else hands.span[0])
            elif cfg.extended_finger is None:
                missing, pos = "an extended finger direction", cfg.handshape.span[1]
            elif cfg.palm is None:
                missing, pos = "a palm orientation", cfg.extended_finger.span[1]
            if missing is not None:
                # Forced: this is the error, whatever alternatives reached further.
                self.far, self.far_expected, self.far_rule = pos, [missing], "initial configuration"
                self.forced = True
                raise _Fail()

    def symmetry(self) -> Symmetry:
        start = self.pos
        op = self.expect(SYMMETRY_OPS, "a symmetry operator", "symmetry")
        mods = self.many(SYMMETRY_MODS, "a symmetry modifier", "symmetry")
        return Symmetry(op, mods, span=self.span(start))

    # --- hands ---------------------------------------------------------------------------------
    def hands(self) -> HandConfig | SplitHands:
        """One configuration, or pieces of which some are split: "fist ( extfingero + extfingeri ) palmd"."""
        start = self.pos
        pieces: list[HandConfig | SplitHands] = []
        while True:
            piece = (
                self.attempt(self.split_hands)
                or self.attempt(self.alternative_hands)
                or self.attempt(self.handconfig)
            )
            if piece is None:
                break
            pieces.append(piece)
        if not pieces:
            raise self.fail("a hand configuration", "hand configuration")
        if len(pieces) == 1:
            return pieces[0]
        dom, nondom = HandConfig(), HandConfig()
        split = SplitHands(dom, nondom, span=self.span(start))
        for piece in pieces:
            if isinstance(piece, SplitHands):
                _merge(dom, piece.dominant)
                _merge(nondom, piece.nondominant)
                split.dominant_location = piece.dominant_location or split.dominant_location
                split.nondominant_location = piece.nondominant_location or split.nondominant_location
            else:
                _merge(dom, piece)
                _merge(nondom, piece)
        if not any(isinstance(p, SplitHands) for p in pieces):
            dom.span = split.span
            return dom
        return split

    def alternative_hands(self) -> HandConfig:
        """{ a | b }: alternative configurations; the first is the one signed, all are kept."""
        start = self.pos
        self.expect({"hamaltbegin"}, "hamaltbegin", "alternative configurations")
        options = [self.handconfig()]
        while self.accept({"hammetaalt"}, "hammetaalt", "alternative configurations") is not None:
            options.append(self.handconfig())
        self.expect({"hamaltend"}, "hamaltend", "alternative configurations")
        first = options[0]
        first.alternatives = options[1:]
        first.span = self.span(start)
        return first

    def split_hands(self) -> SplitHands:
        start = self.pos
        self.expect({"hamparbegin"}, "hamparbegin", "two-hand configuration")
        dom = self.attempt(self.split_side)
        dom_loc = self.attempt(self.location1) if dom is not None else None
        self.expect({"hamplus"}, "hamplus (between the two hands)", "two-hand configuration")
        nondom = self.attempt(self.split_side)
        nondom_loc = self.attempt(self.location1) if nondom is not None else None
        self.expect({"hamparend"}, "hamparend (closing the two hands)", "two-hand configuration")
        if dom is None and nondom is None:
            raise self.fail("a hand configuration inside ( + )", "two-hand configuration")
        return SplitHands(dom, nondom, dom_loc, nondom_loc, span=self.span(start))

    def split_side(self) -> HandConfig:
        """One hand inside ( + ): a configuration (perhaps with alternatives), or hamnomotion: unchanged."""
        start = self.pos
        if self.accept({"hamnomotion"}, "hamnomotion", "two-hand configuration") is not None:
            return HandConfig(span=self.span(start))
        piece = self.attempt(self.alternative_hands)
        if piece is None:
            piece = self.handconfig()
        while (more := self.attempt(self.alternative_hands) or self.attempt(self.handconfig)) is not None:
            _merge(piece, more)
        piece.span = self.span(start)
        return piece

    def handconfig(self) -> HandConfig:
        start = self.pos
        nondominant = self.accept({"hamnondominant"}, "hamnondominant", "hand configuration") is not None
        shape = self.attempt(self.handshape2)
        ext = self.attempt(lambda: self.direction(EXTFIDIRS, "an extended finger direction", "orientation"))
        palm = self.attempt(lambda: self.direction(PALMORS, "a palm orientation", "orientation"))
        if shape is None and ext is None and palm is None:
            raise self.fail("a handshape, finger direction or palm orientation", "hand configuration")
        return HandConfig(shape, ext, palm, nondominant, span=self.span(start))

    def handshape2(self) -> Handshape:
        start = self.pos
        shape = self.handshape1()
        if self.accept({"hambetween"}, "hambetween", "handshape") is not None:
            shape.between = self.handshape1()
        shape.span = self.span(start)
        return shape

    def handshape1(self) -> Handshape:
        start = self.pos
        base = self.expect(HANDSHAPE_BASES | {"hametc"}, "a handshape", "handshape")
        shape = Handshape(base)
        while True:
            name = self.peek()
            if name in THUMB_MODS and shape.thumb is None:
                shape.thumb = name
                self.pos += 1
            elif name in BEND_MODS and shape.bend is None and not shape.fingers:
                shape.bend = name
                self.pos += 1
            elif name in DIGITS or name in FINGER_PARTS:
                f_start = self.pos
                digits = self.many(DIGITS | FINGER_PARTS, "a digit", "handshape finger part")
                if self.peek() == "hambetween" and self.pos + 1 < len(self.names) and \
                        self.names[self.pos + 1] in DIGITS:  # "middle finger or ring finger"
                    self.pos += 1
                    digits += self.many(DIGITS | FINGER_PARTS, "a digit", "handshape finger part")
                mods = self.many(BEND_MODS | THUMB_MODS | SIZES, "a finger modifier", "handshape finger part")
                shape.fingers.append(FingerSpec([d for d in digits if d in DIGITS], mods,
                                                [d for d in digits if d in FINGER_PARTS], span=self.span(f_start)))
            else:
                self.fail("a handshape modifier", "handshape")
                break
        shape.span = self.span(start)
        return shape

    def direction(self, words: frozenset[str], expected: str, rule: str) -> Direction:
        start = self.pos
        rel = self.accept({"hamorirelative"}, "hamorirelative", rule) is not None
        value = self.expect(words, expected, rule)
        combined = self.accept(words, expected, rule) if words is EXTFIDIRS else None
        rel = self.accept({"hamorirelative"}, "hamorirelative", rule) is not None or rel
        between = None
        if self.accept({"hambetween"}, "hambetween", rule) is not None:
            between = self.expect(words, expected, rule)
            rel = self.accept({"hamorirelative"}, "hamorirelative", rule) is not None or rel
        return Direction(value, between, rel, combined, span=self.span(start))

    # --- locations -----------------------------------------------------------------------------
    def location2(self) -> Location | SplitLocation:
        split = self.attempt(self.split_location)
        if split is not None:
            return split
        return self.location1()

    def split_location(self) -> SplitLocation:
        start = self.pos
        self.expect({"hamparbegin"}, "hamparbegin", "two-hand location")
        dom = self.attempt(self.location1)
        self.expect({"hamplus"}, "hamplus (between the two locations)", "two-hand location")
        nondom = self.attempt(self.location1)
        self.expect({"hamparend"}, "hamparend (closing the two locations)", "two-hand location")
        if dom is None and nondom is None:
            raise self.fail("a location inside ( + )", "two-hand location")
        contact = self.accept(CONTACTS, "a contact", "two-hand location")
        return SplitLocation(dom, nondom, contact, span=self.span(start))

    def site(self) -> list[str]:
        name = self.peek()
        if name in BODY_LEVEL_SITES:
            self.pos += 1
            return [name]
        parts = self.many(HAND_SITE_PARTS, "a hand site", "location")
        if not parts:
            raise self.fail("a location (body, head, arm or hand site)", "location")
        return parts

    def location1(self) -> Location:
        start = self.pos
        loc = Location()
        loc.distance = self.many(DISTANCES, "hambehind or hamarmextended", "location")
        loc.nondominant = self.accept({"hamnondominant"}, "hamnondominant", "location") is not None
        loc.side = self.accept(SIDES, "a side (hamlrbeside, hamlrat)", "location")
        site = self.attempt(self.site)
        if site is not None:
            loc.site = site
            loc.side = self.accept(SIDES, "a side", "location") or loc.side
            if self.accept({"hambetween"}, "hambetween", "location") is not None:
                b_start = self.pos
                side = self.accept(SIDES, "a side", "location")
                other = self.site()
                side = self.accept(SIDES, "a side", "location") or side
                loc.between = Location(other, side, span=self.span(b_start))
        loc.references = self.many(COREFS, "a coreference", "location")
        loc.contact = self.accept(CONTACTS, "a contact (hamclose, hamtouch, ...)", "location")
        loc.distance += self.many(DISTANCES, "hambehind or hamarmextended", "location")
        if not (loc.site or loc.side or loc.contact or loc.distance or loc.references):
            raise self.fail("a location", "location")
        loc.span = self.span(start)
        return loc

    # --- actions -------------------------------------------------------------------------------
    def actions(self) -> list[Any]:
        out: list[Any] = []
        while self.peek() is not None:
            action = self.attempt(self.action)
            if action is None:
                break
            out.append(action)
        return out

    def action(self) -> Any:
        name = self.peek()
        if name is None:
            raise self.fail("an action", "action")
        node: Any
        if name in STRAIGHT_MOVES:
            node = self.path_movement("straight", STRAIGHT_MOVES, STRAIGHT_MODS)
        elif name in CIRCLES:
            node = self.path_movement("circle", CIRCLES, CIRCLE_MODS)
        elif name in WRIST_MOVES:
            node = self.path_movement("wrist", WRIST_MOVES, WRIST_MODS)
        elif name == "hamnomotion":
            start = self.pos
            self.pos += 1
            node = Movement("nomotion", name, modifiers=self.many(ACTION_MODS, "a modifier", "action"))
            node.span = self.span(start)
        elif name == "hamseqbegin":
            node = self.group("hamseqbegin", "hamseqend", Sequence, "sequence [ ]")
        elif name == "hamfusionbegin":
            node = self.group("hamfusionbegin", "hamfusionend", Fusion, "fusion")
        elif name == "hamparbegin":
            node = self.parallel_or_split()
        elif name == "hamaltbegin":
            node = self.alternatives()
        elif name == "hamreplace":
            node = self.replacement()
        elif name in REPEATS:
            node = self.repetition()
        else:
            start = self.pos
            target = self.attempt(self.location2)
            if target is None:
                raise self.fail("an action (movement, ( ), [ ], replacement, repetition)", "action")
            kind = "contact" if isinstance(target, Location) and target.site == [] else "target"
            node = Movement(kind, target=target, span=self.span(start))
        return node

    def path_movement(self, kind: str, heads: frozenset[str], mods: frozenset[str]) -> Movement:
        start = self.pos
        symbol = self.expect(heads, f"a {kind} movement", f"{kind} movement")
        between = None
        modifiers = self.many(mods, f"a {kind} movement modifier", f"{kind} movement")
        if self.accept({"hambetween"}, "hambetween", f"{kind} movement") is not None:
            between = self.expect(heads, f"a {kind} movement after hambetween", f"{kind} movement")
            modifiers += self.many(mods, f"a {kind} movement modifier", f"{kind} movement")
        target = self.attempt(self.location2)
        modifiers += self.many(mods, f"a {kind} movement modifier", f"{kind} movement")
        return Movement(kind, symbol, between, modifiers, target, span=self.span(start))

    def group(self, begin: str, end: str, cls: type, rule: str) -> Any:
        start = self.pos
        self.expect({begin}, begin, rule)
        items = self.actions()
        self.expect({end}, f"{end} (closing {rule})", rule)
        if not items:
            raise self.fail(f"an action inside {rule}", rule)
        mods = self.many(ACTION_MODS, "a modifier", rule)
        return cls(items, mods, span=self.span(start))

    def parallel_or_split(self) -> Parallel | SplitAction:
        """( a b ) at the same time, or ( dominant + non-dominant ): decided at the "+", so nested
        brackets are read once (no backtracking over them)."""
        start = self.pos
        self.expect({"hamparbegin"}, "hamparbegin", "simultaneous ( )")
        first = self.actions()
        if self.accept({"hamplus"}, "hamplus (between the two hands' actions)", "simultaneous ( )") is not None:
            second = self.actions()
            self.expect({"hamparend"}, "hamparend (closing the two hands' actions)", "two-hand action")
            mods = self.many(ACTION_MODS, "a modifier", "two-hand action")
            return SplitAction(first, second, mods, span=self.span(start))
        self.expect({"hamparend"}, "hamparend (closing simultaneous ( ))", "simultaneous ( )")
        if not first:
            raise self.fail("an action inside ( )", "simultaneous ( )")
        mods = self.many(ACTION_MODS, "a modifier", "simultaneous ( )")
        return Parallel(first, mods, span=self.span(start))

    def alternatives(self) -> Alternatives:
        start = self.pos
        self.expect({"hamaltbegin"}, "hamaltbegin", "alternatives { | }")
        options = [self.actions()]
        while self.accept({"hammetaalt"}, "hammetaalt", "alternatives { | }") is not None:
            options.append(self.actions())
        self.expect({"hamaltend"}, "hamaltend (closing { | })", "alternatives { | }")
        return Alternatives(options, span=self.span(start))

    def replacement(self) -> Replacement:
        start = self.pos
        self.expect({"hamreplace"}, "hamreplace", "replacement")
        node = Replacement()
        node.modifiers = self.many(ACTION_MODS, "a modifier", "replacement")
        node.hands = self.attempt(self.hands)
        node.location = self.attempt(self.location2)
        if node.hands is None and node.location is None:
            raise self.fail("a hand configuration or location after hamreplace", "replacement")
        node.modifiers += self.many(ACTION_MODS | CONTACTS, "a modifier", "replacement")
        node.span = self.span(start)
        return node

    def repetition(self) -> Repetition:
        start = self.pos
        kind = self.expect(REPEATS, "a repetition", "repetition")
        mods = self.many(ACTION_MODS, "a repetition modifier", "repetition")
        displacement = None
        if self.peek() in STRAIGHT_MOVES and kind.startswith("hamrepeatcontinue"):
            displacement = self.path_movement("straight", STRAIGHT_MOVES, STRAIGHT_MODS)
        mods += self.many(ACTION_MODS, "a repetition modifier", "repetition")
        return Repetition(kind, mods, displacement, span=self.span(start))


def _merge(into: HandConfig, piece: HandConfig | None) -> None:
    if piece is None:
        return
    into.handshape = piece.handshape or into.handshape
    into.extended_finger = piece.extended_finger or into.extended_finger
    into.palm = piece.palm or into.palm
    into.nondominant = into.nondominant or piece.nondominant


def parse_tokens(tokens: list[Token], gloss: str = "") -> Sign:
    """Parse a whole sign; raise HamNoSysError at the furthest point the grammar could reach."""
    parser = Parser(tokens)
    sign: Sign | None = None
    try:
        sign = parser.sign()
    except _Fail:
        sign = None
    except RecursionError:
        parser.fail("less nesting", "nesting")
    if sign is not None and parser.pos == len(tokens):
        sign.gloss = gloss
        return sign
    pos = parser.far if parser.forced else max(parser.far, parser.pos if sign is not None else 0)
    symbol = tokens[pos].name if pos < len(tokens) else "<end>"
    expected = parser.far_expected if pos == parser.far else ["end of the sign"]
    rule = parser.far_rule if pos == parser.far else "sign"
    if not tokens:
        message = "empty notation: expected a hand configuration"
    else:
        shown = ", ".join(expected[:6]) + (", ..." if len(expected) > 6 else "")
        if pos >= len(tokens):
            message = f"the notation ends after symbol {pos - 1} in the {rule}; expected {shown}"
        else:
            category = BY_NAME[symbol].category.lower() if symbol in BY_NAME else "symbol"
            message = f"symbol {pos} {symbol} ({category}) is not allowed here in the {rule}; expected {shown}"
    offset = tokens[pos].offset if pos < len(tokens) else None
    previous = tokens[pos - 1].name if 0 < pos <= len(tokens) else ""
    raise HamNoSysError(message, position=pos, symbol=symbol, expected=expected, rule=rule, offset=offset,
                        previous=previous)
