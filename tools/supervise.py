"""`python -m runtime supervise`: the show as a watched child process."""

from __future__ import annotations

import argparse
import logging
import signal
from typing import Any

from runtime.installation.supervisor import Supervisor, setup_logging
from tools.cli_config import add_config_arguments, load_config

log = logging.getLogger("runtime.installation.supervisor")


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("supervise", help="run the show as a watched child process (restart on crash or "
                                                "hang, daily restart, quiet hours, health line)")
    add_config_arguments(p)
    p.add_argument("run_args", nargs=argparse.REMAINDER,
                   help="after --: arguments for `run`, e.g. -- --scene pose_space --fullscreen")
    p.set_defaults(func=cmd_supervise)


def cmd_supervise(args: argparse.Namespace) -> int:
    cfg = load_config(args)  # a bad config refuses to start here, naming the file and key
    run_args = list(args.run_args)
    if run_args[:1] == ["--"]:
        run_args = run_args[1:]
    for item in args.set:
        run_args += ["--set", item]
    supervisor = Supervisor(cfg, args.config, run_args)
    setup_logging(cfg["supervisor"])

    def on_signal(signum: int, _frame: Any) -> None:
        log.info("supervisor got %s", signal.Signals(signum).name)
        supervisor.stop()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    return supervisor.run()
