"""`python -m runtime bench`: every area's benchmarks, printed as JSON figures.

A benchmark module exposes BENCHES = {name: fn}; fn() returns a list of figures, each a dict with
name, what (what was measured), unit, runs, median and p95.
"""

from __future__ import annotations

import importlib
import json
import logging
import sys
import time
from collections.abc import Callable, Iterable

import numpy as np

BENCH_MODULES = (
    "tools.bench.core",
    "tools.bench.sound",
    "tools.bench.perception",
    "tools.bench.pose_space",
    "tools.bench.signing",
    "tools.bench.signs",
    "tools.bench.sonification",
    "tools.bench.kiosk",
    "tools.bench.show",
    "tools.bench.chaos",
)
# Benchmarks that take long (minutes) run only when asked for by --only.
ON_REQUEST = {"soak", "show", "chaos"}


def figure(name: str, what: str, samples: Iterable[float], unit: str = "ms") -> dict:
    """Median and p95 of a list of samples, with what they measure and how many runs."""
    values = np.asarray(list(samples), dtype=float)
    return {"name": name, "what": what, "unit": unit, "runs": int(values.size),
            "median": round(float(np.median(values)), 4), "p95": round(float(np.percentile(values, 95)), 4)}


def timed(fn: Callable[[], object], runs: int, warmup: int = 3) -> list[float]:
    """Wall time of fn() in milliseconds over `runs` calls, after a warm-up."""
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000.0)
    return out


def collect() -> dict[str, Callable[[], list[dict]]]:
    benches: dict[str, Callable[[], list[dict]]] = {}
    for module_name in BENCH_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                continue
            raise
        benches.update(module.BENCHES)
    return benches


def run_benches(only: str | None = None, as_json: bool = False) -> int:
    logging.getLogger().setLevel(logging.WARNING)
    benches = collect()
    chosen = {n: f for n, f in benches.items() if (n.startswith(only) if only else n not in ON_REQUEST)}
    if not chosen:
        print(f"no benchmark matches {only!r}; there are: {', '.join(sorted(benches))}", file=sys.stderr)
        return 2
    results = []
    for name, fn in chosen.items():
        try:
            results.extend(fn())
        except Exception as exc:  # one broken bench must not hide the others' figures
            results.append({"name": name, "error": f"{type(exc).__name__}: {exc}"})
        if not as_json:
            for r in results[-1:]:
                print(json.dumps(r), file=sys.stderr)
    print(json.dumps(results, indent=None if not as_json else 2))
    return 0
