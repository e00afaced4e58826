"""Benchmarks of the signing avatar: parse and animate time per sign and per phrase (three signs with
non-manual items, co-articulated), render time per frame.

Signs come from the real lexicon beside the repository (../shared/data/hamnosys/lexicon_dev.jsonl)
when it is there, else from the project's examples.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path

from tools.bench.runner import figure, timed

ROOT = Path(__file__).resolve().parents[2]
LEXICON = ROOT.parent / "shared" / "data" / "hamnosys" / "lexicon_dev.jsonl"
ANIMATE_SAMPLE = 1000  # signs animated (every n-th of the lexicon): keeps the bench under a minute


def _signs() -> tuple[list[str], str]:
    if LEXICON.is_file():
        from signlang.hamnosys.coverage import transcription

        with open(LEXICON, encoding="utf-8") as fh:
            return [transcription(json.loads(line)) for line in fh if line.strip()], "lexicon_dev"
    from signlang.examples import load_examples

    return [e.hamnosys for e in load_examples()], "examples"


def bench_parse() -> list[dict]:
    from signlang.hamnosys import HamNoSysError, parse

    signs, source = _signs()
    times = []
    for text in signs:
        t = time.perf_counter()
        try:
            parse(text)
        except HamNoSysError:
            pass
        times.append((time.perf_counter() - t) * 1000.0)
    return [figure("signing.parse", f"parse one sign, all {len(signs)} of {source}", times)]


def bench_animate() -> list[dict]:
    from signlang.animator import animate
    from signlang.hamnosys import HamNoSysError, parse

    signs, source = _signs()
    step = max(1, len(signs) // ANIMATE_SAMPLE)
    times, frames = [], []
    for text in signs[::step]:
        try:
            tree = parse(text)
        except HamNoSysError:
            continue
        t = time.perf_counter()
        anim = animate(tree, fps=25.0)
        times.append((time.perf_counter() - t) * 1000.0)
        frames.append(anim.frames.shape[0])
    return [
        figure("signing.animate", f"animate one parsed sign at 25 fps ({len(times)} signs of {source})", times),
        figure("signing.sign_length", "frames per sign at 25 fps", frames, unit="frames"),
    ]


PHRASE_SAMPLE = 300  # phrases of three consecutive signs
NONMANUAL = ('<hamnosys_nonmanual><hnm_eyebrows tag="RB"/><hnm_head tag="SH"/><hnm_head tag="SH"/>'
             '<hnm_mouthpicture picture="hVlU"/><hnm_shoulder tag="UB"/></hamnosys_nonmanual>')


def _phrases() -> tuple[list[list[str]], str]:
    """Phrases of three consecutive signs that parse; the first of each as SiGML with non-manual tiers."""
    from signlang.hamnosys import HamNoSysError, names_of, parse

    signs, source = _signs()
    good = []
    for text in signs:
        try:
            parse(text)
        except HamNoSysError:
            continue
        good.append(text)
    step = max(1, (len(good) - 3) // PHRASE_SAMPLE)
    phrases = []
    for i in range(0, len(good) - 2, step):
        first = "".join(f"<{n}/>" for n in names_of(good[i]))
        sigml = f"<sigml><hns_sign>{NONMANUAL}<hamnosys_manual>{first}</hamnosys_manual></hns_sign></sigml>"
        phrases.append([sigml, good[i + 1], good[i + 2]])
    return phrases[:PHRASE_SAMPLE], source


def bench_phrase() -> list[dict]:
    from signlang.animator import animate_phrase
    from signlang.hamnosys import parse

    phrases, source = _phrases()
    parse_times, animate_times, frames = [], [], []
    for texts in phrases:
        t = time.perf_counter()
        trees = [parse(x) for x in texts]
        parse_times.append((time.perf_counter() - t) * 1000.0)
        t = time.perf_counter()
        anim = animate_phrase(trees, fps=25.0)
        animate_times.append((time.perf_counter() - t) * 1000.0)
        frames.append(anim.frames.shape[0])
    what = f"a phrase of 3 signs, the first with 5 non-manual items ({len(phrases)} phrases of {source})"
    return [
        figure("signing.phrase_parse", f"parse {what}", parse_times),
        figure("signing.phrase_animate", f"animate {what} at 25 fps, co-articulated", animate_times),
        figure("signing.phrase_length", "frames per phrase of 3 signs at 25 fps", frames, unit="frames"),
    ]


def bench_render() -> list[dict]:
    os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")
    from runtime.frames import Inputs, Outputs
    from runtime.scene import registry
    from tools.bench.gl import headless_gl

    SigningScene = registry()["signing"]
    from signlang.examples import load_examples
    from signlang.sign_list import SignRequest

    gl = headless_gl((1280, 720))
    scene = SigningScene({"demo": False, "stream_landmarks": True})
    scene.setup(gl.gfx)
    scene.enter()
    example = load_examples()[4]
    scene.enqueue(example.hamnosys, example.gloss)
    scene.queue[0].future.result()
    update_times: list[float] = []
    step = 0

    def frame() -> None:
        nonlocal step
        out = Outputs()
        t = time.perf_counter()
        scene.update(Inputs(t=step / 60.0, dt=1 / 60.0), out)
        update_times.append((time.perf_counter() - t) * 1000.0)
        step += 1
        gl.draw(scene)

    times = timed(frame, runs=120, warmup=5)
    # A phrase whose face, head and shoulders move (the head and face are drawn every frame anyway).
    phrase, _ = _phrases()
    scene.enqueue_phrase([SignRequest("", text) for text in phrase[0]], "bench")
    scene.queue[-1].future.result()
    while scene.queue:
        frame()
    phrase_times = timed(frame, runs=120, warmup=5)
    gl.release()
    return [
        figure("signing.render_1280x720", "update + draw + finish of the signing scene at 1280x720 (llvmpipe)",
                times),
        figure("signing.update", "scene update (queue, blend, landmark message)", update_times[5:]),
        figure("signing.render_phrase_1280x720", "update + draw + finish at 1280x720 while a phrase with "
               "non-manual motion plays (llvmpipe)", phrase_times),
    ]


BENCHES: dict[str, Callable[[], list[dict]]] = {
    "signing.parse": bench_parse,
    "signing.animate": bench_animate,
    "signing.phrase": bench_phrase,
    "signing.render": bench_render,
}
