"""`python -m runtime` (also installed as `sala`): run the show, list scenes, check the machine,
benchmark, evaluate models, and the tools each area adds (hamnosys, pose)."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from pathlib import Path

from tools.cli_config import add_config_arguments, load_config

# Subcommands that live with the area they belong to: each module has register(subparsers).
AREA_COMMANDS = ("tools.hamnosys", "tools.pose", "tools.supervise")
EVAL_TARGETS = {"signs": "models.signs.evaluate", "postures": "models.postures.evaluate",
                "sonification": "models.sonification.evaluate", "people": "tools.people_eval"}


def _env_defaults() -> None:
    os.environ.setdefault("PYO_GUI_WX", "0")  # else pyo prints a banner to stdout
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")


def cmd_run(args: argparse.Namespace) -> int:
    from runtime.app import App, RunOptions

    cfg = load_config(args)
    options = RunOptions(frames=args.frames, screenshot=args.screenshot, record_video=args.record_video,
                         seconds=args.seconds, record=args.record)
    return App(cfg, options).run()


def cmd_scenes(args: argparse.Namespace) -> int:
    from runtime.scene import registry

    for name, cls in sorted(registry().items()):
        print(f"{name:14s} {cls.description}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from tools.check import run_checks

    return run_checks(load_config(args), as_json=args.json)


def cmd_bench(args: argparse.Namespace) -> int:
    from tools.bench.runner import run_benches

    return run_benches(only=args.only, as_json=args.json)


def cmd_eval(args: argparse.Namespace) -> int:
    module = importlib.import_module(EVAL_TARGETS[args.target])
    return int(module.main(args.rest) or 0)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sala", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("run", help="run the show")
    add_config_arguments(p)
    p.add_argument("--scene", help="start with this scene (no playlist)")
    p.add_argument("--input", help="main camera: auto, camera:N, video:PATH, images:DIR|builtin, visitors:N, "
                                   "replay:DIR")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--fullscreen", action="store_true")
    mode.add_argument("--headless", action="store_true", help="render offscreen, no window, no X server")
    p.add_argument("--size", help="WIDTHxHEIGHT of the window or headless framebuffer")
    p.add_argument("--frames", type=int, default=0, help="stop after N frames")
    p.add_argument("--seconds", type=float, default=0.0, help="stop after N seconds")
    p.add_argument("--screenshot", type=Path, help="write the last frame to this PNG")
    p.add_argument("--record-video", type=Path, help="record the output to this video file (.mp4)")
    p.add_argument("--record", type=Path, metavar="DIR", help="record what the show sensed and sent to DIR "
                                                              "(play back with --input replay:DIR)")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("scenes", help="list the registered scenes")
    p.set_defaults(func=cmd_scenes)

    p = sub.add_parser("check", help="report cameras, audio, GL, OSC targets and model files")
    add_config_arguments(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("bench", help="benchmarks: JSON figures with medians and p95")
    p.add_argument("--only", help="run only benchmarks whose name starts with this")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser("eval", help="recompute a model's metrics")
    p.add_argument("target", choices=sorted(EVAL_TARGETS))
    p.add_argument("rest", nargs=argparse.REMAINDER, help="arguments for the evaluation (e.g. --json)")
    p.set_defaults(func=cmd_eval)

    for module_name in AREA_COMMANDS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                continue  # that area is not installed
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> None:
    _env_defaults()
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from runtime.config import ConfigError
    from runtime.errors import StartupError

    try:
        code = args.func(args)
    except ConfigError as exc:
        print(f"config error: {exc}", file=sys.stderr)
        code = 2
    except StartupError as exc:
        print(f"cannot start: {exc}", file=sys.stderr)
        code = 2
    except KeyboardInterrupt:
        code = 130
    sys.exit(code)
