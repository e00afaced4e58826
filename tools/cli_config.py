"""The config arguments every command shares: --config and --set, and the run flags that are config overrides."""

from __future__ import annotations

import argparse
from pathlib import Path

from runtime.config import load


def add_config_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", type=Path, help="TOML config (default: config/default.toml)")
    p.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE",
                   help="override one config value (TOML syntax), repeatable")


def load_config(args: argparse.Namespace) -> dict:
    overrides = list(args.set)
    if getattr(args, "scene", None):
        overrides.append(f'show.scene="{args.scene}"')
        overrides.append("show.playlist=[]")
    if getattr(args, "input", None):
        overrides.append(f'cameras.main.spec="{args.input}"')
    if getattr(args, "fullscreen", False):
        overrides.append('window.mode="fullscreen"')
    if getattr(args, "headless", False):
        overrides.append('window.mode="headless"')
    if getattr(args, "size", None):
        w, _, h = args.size.partition("x")
        overrides.append(f"window.size=[{int(w)}, {int(h)}]")
    return load(args.config, overrides)
