"""`python -m runtime hamnosys parse|coverage|animate`: the notation from the command line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("hamnosys", help="parse, measure and animate HamNoSys notation")
    sub = parser.add_subparsers(dest="hamnosys_command", required=True)

    p_parse = sub.add_parser("parse", help="parse one sign (Unicode characters, names or SiGML)")
    p_parse.add_argument("text", nargs="?", help="the notation; or use --file")
    p_parse.add_argument("--file", type=Path, help="read the notation from this file")
    p_parse.add_argument("--json", action="store_true", help="print the tree as JSON")
    p_parse.set_defaults(func=_parse)

    p_cov = sub.add_parser("coverage", help="parse every transcription of a JSON-lines lexicon")
    p_cov.add_argument("file", type=Path)
    p_cov.add_argument("--json", action="store_true")
    p_cov.set_defaults(func=_coverage)

    p_conv = sub.add_parser("convert", help="write a sign in another form: unicode, names or sigml")
    p_conv.add_argument("text", nargs="?")
    p_conv.add_argument("--file", type=Path)
    p_conv.add_argument("--to", choices=("unicode", "names", "sigml"), required=True)
    p_conv.add_argument("--gloss", default="", help="gloss for SiGML output")
    p_conv.set_defaults(func=_convert)

    p_anim = sub.add_parser("animate", help="animate one sign (or a phrase: signs separated by ' ; ') "
                            "and write .pose or .npz")
    p_anim.add_argument("text", nargs="?")
    p_anim.add_argument("--file", type=Path)
    p_anim.add_argument("--out", type=Path, required=True, help="FILE.pose or FILE.npz")
    p_anim.add_argument("--fps", type=float, default=25.0)
    p_anim.add_argument("--gloss", default="")
    p_anim.set_defaults(func=_animate)


def _read(args: argparse.Namespace) -> str | None:
    if args.file is not None:
        try:
            return args.file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            print(f"cannot read {args.file}: {exc}", file=sys.stderr)
            return None
    if not args.text:
        print("give the notation as TEXT or --file F", file=sys.stderr)
        return None
    return args.text


def _parse(args: argparse.Namespace) -> int:
    from signlang.hamnosys import HamNoSysError, parse, to_json
    from signlang.hamnosys.describe import describe

    text = _read(args)
    if text is None:
        return 2
    try:
        sign = parse(text)
    except HamNoSysError as err:
        if args.json:
            print(json.dumps({"error": err.to_json()}, ensure_ascii=False, indent=1))
        else:
            print(f"error: {err}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(to_json(sign), ensure_ascii=False, indent=1))
    else:
        print(describe(sign))
    return 0


def _coverage(args: argparse.Namespace) -> int:
    from signlang.hamnosys.coverage import coverage

    if not args.file.is_file():
        print(f"no such file: {args.file}", file=sys.stderr)
        return 2
    report = coverage(args.file)
    print(json.dumps(report.to_json(), ensure_ascii=False, indent=1) if args.json else report.text())
    return 0


def _convert(args: argparse.Namespace) -> int:
    from signlang.hamnosys import HamNoSysError, parse, to_names, to_sigml, to_unicode

    text = _read(args)
    if text is None:
        return 2
    try:
        sign = parse(text)  # only well-formed signs are converted
    except HamNoSysError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    from signlang.hamnosys.nonmanual import to_words

    names = sign.symbols  # all of them, compounds joined with hamplus included
    words = to_words(sign.nonmanual)  # the non-manual items as hnm_TIER=VALUE words
    if args.to == "unicode":
        print(" ".join([*words, to_unicode(names)]))
    elif args.to == "names":
        print(to_names([*words, *names]))
    else:
        print(to_sigml(names, args.gloss or sign.gloss, sign.nonmanual))
    return 0


def _animate(args: argparse.Namespace) -> int:
    from signlang.animator import animate
    from signlang.hamnosys import HamNoSysError
    from signlang.pose_file import save

    text = _read(args)
    if text is None:
        return 2
    if args.out.suffix not in (".pose", ".npz"):
        print(f"--out must end in .pose or .npz, not {args.out.suffix!r}", file=sys.stderr)
        return 2
    from signlang.animator import animate_phrase
    from signlang.hamnosys import parse
    from signlang.sign_list import split_line

    line = split_line(text) if not text.lstrip().startswith("<") else None
    try:
        if line is not None and line.parts:  # a phrase
            trees = []
            for part in line.parts:
                tree = parse(part.text)
                tree.gloss = part.gloss or tree.gloss
                trees.append(tree)
            animation = animate_phrase(trees, fps=args.fps)
        else:
            animation = animate(text, fps=args.fps)
    except HamNoSysError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    if args.gloss:
        animation.gloss = args.gloss
    save(animation, args.out)
    print(f"{args.out}: {animation.frames.shape[0]} frames at {animation.fps:g} fps, "
          f"{animation.frames.shape[1]} joints")
    return 0
