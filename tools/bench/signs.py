"""Benchmarks of learned sign motion: `python -m runtime bench --only signs.generate`.

Times `LearnedSigner.generate` (onnxruntime, one thread) on signs of three sizes; the figure the
scene cares about is the time from HamNoSys text to a whole sign's frames.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from models.signs.generator import DEFAULT_MODEL, LearnedSigner
from tools.bench.runner import figure

SIGNS = {
    "short": "hamflathand,hamextfingeru,hampalml,hamchin",
    "medium": "hamfinger2,hamextfingeru,hampalml,hamshoulders,hamlrat,hammover,hamrepeatfromstart",
    "long": "hamsymmlr,hamflathand,hamextfingerol,hampalmd,hamchest,hamparbegin,hammoveo,hamsmallmod,"
    "hamreplace,hamfist,hamparend,hamcircleo,hamlargemod,hamrepeatfromstart",
}


def _figure(name: str, what: str, seconds: list[float]) -> dict:
    return figure(name, what, [s * 1000.0 for s in seconds])


def bench_generate(runs: int = 30) -> list[dict]:
    if not DEFAULT_MODEL.exists():
        return []
    signer = LearnedSigner(DEFAULT_MODEL)
    figures = []
    started = time.perf_counter()
    signer.generate(SIGNS["short"])  # first run allocates the session's buffers
    figures.append(_figure("signs.load_first", "model load and first generation", [time.perf_counter() - started]))
    for size, text in SIGNS.items():
        samples = []
        frames = 0
        for _ in range(runs):
            t0 = time.perf_counter()
            frames = len(signer.generate(text))
            samples.append(time.perf_counter() - t0)
        figures.append(
            _figure(
                f"signs.generate_{size}",
                f"LearnedSigner.generate, {size} sign ({frames} frames), onnxruntime 1 thread",
                samples,
            )
        )
    return figures


BENCHES: dict[str, Callable[[], list[dict]]] = {"signs.generate": bench_generate}


if __name__ == "__main__":
    for figure in bench_generate():
        print(f"{figure['name']:<24} median {figure['median']:.2f} ms  p95 {figure['p95']:.2f} ms  ({figure['what']})")
