"""The animated corpus: real HamNoSys transcriptions played by the procedural animator, with variation.

Sources: `../shared/data/hamnosys/lexicon_dev.jsonl` (research data: read at training time, never
copied into the repository) and the project's own example signs. Every transcription is parsed;
those the parser rejects are left out and counted. Each sign is animated several times with a
different body (limb lengths), speed, amplitude and landmark noise. The split is by sign (a hash of
its symbol sequence, see data.split_of), so no sign, nor any duplicate transcription of it, is in two
splits. Built corpora are cached under out/signs/ (ignored by git), keyed by the settings, the
lexicon file and the animator's source.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

import numpy as np

from models.signs.data import SPLITS, SignCorpus, SignSample, split_of
from models.signs.tokenizer import HamNoSysTokenError, HamNoSysTokenizer

REPO = Path(__file__).resolve().parents[2]
DEFAULT_LEXICON = REPO.parent / "shared" / "data" / "hamnosys" / "lexicon_dev.jsonl"
DEFAULT_CACHE = REPO / "out" / "signs"


@dataclass(frozen=True)
class CorpusSettings:
    lexicon: Path | None = DEFAULT_LEXICON  # None: the project's examples only
    include_examples: bool = True
    train_variants: int = 3  # animations per training sign
    eval_variants: int = 1  # animations per validation / test sign (the references)
    fps: float = 25.0
    speed: tuple[float, float] = (0.8, 1.25)
    amplitude: tuple[float, float] = (0.85, 1.15)
    body_jitter: float = 0.08  # relative spread of each limb length
    noise: tuple[float, float] = (0.0, 0.01)  # landmark noise, shoulder widths (uniform range of sigma)
    variant_speed: tuple[float, float] = (0.85, 1.18)  # retiming of the extra training variants
    max_signs: int | None = None  # first N lexicon entries (development)
    seed: int = 0

    @classmethod
    def tiny(cls) -> CorpusSettings:
        return cls(lexicon=None, train_variants=4, eval_variants=1)

    def key(self) -> str:
        return json.dumps({f.name: str(getattr(self, f.name)) for f in fields(self)}, sort_keys=True)


@dataclass
class Transcription:
    text: str  # Unicode characters or names
    gloss: str
    source: str  # "lexicon:<id>" or "example:<name>"


def lexicon_transcriptions(path: Path, limit: int | None = None) -> list[Transcription]:
    out = []
    with Path(path).open(encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            entry = json.loads(line)
            out.append(Transcription(entry["hamnosys"], entry.get("gloss", ""), f"lexicon:{entry.get('id', '')}"))
            if limit is not None and len(out) >= limit:
                break
    return out


def example_transcriptions() -> list[Transcription]:
    """The project's example signs (signlang/examples.toml)."""
    from signlang.examples import load_examples

    return [Transcription(e.hamnosys, e.gloss, f"example:{e.gloss}") for e in load_examples()]


def random_body(rng: np.random.Generator, jitter: float):
    """Limb lengths each scaled by a factor around 1 (clipped to +-2 spreads)."""
    from signlang.skeleton import BodyProportions

    base = BodyProportions()
    changes = {
        f.name: float(getattr(base, f.name) * np.clip(1 + rng.normal(0, jitter), 1 - 2 * jitter, 1 + 2 * jitter))
        for f in fields(base)
        if isinstance(getattr(base, f.name), float)
    }
    return replace(base, **changes)


def animate_variant(tree, settings: CorpusSettings, rng: np.random.Generator, plain: bool = False):
    """One animation of a parsed sign with a random body, speed and amplitude, no noise yet:
    (frames (T, K, 2) float32, joint names, fps).

    plain=True animates with the default body, speed and amplitude and no noise (the procedural
    baseline of the evaluation)."""
    from signlang.animator import animate

    if plain:
        animation = animate(tree, fps=settings.fps)
        return np.asarray(animation.frames, np.float32), list(animation.joint_names), float(animation.fps)
    animation = animate(
        tree,
        fps=settings.fps,
        body=random_body(rng, settings.body_jitter),
        speed=float(rng.uniform(*settings.speed)),
        amplitude=float(rng.uniform(*settings.amplitude)),
        seed=int(rng.integers(2**31)),
    )
    return np.asarray(animation.frames, np.float32), list(animation.joint_names), float(animation.fps)


def retime(frames: np.ndarray, speed: float) -> np.ndarray:
    """The same motion played `speed` times as fast (linear interpolation between frames)."""
    count = max(2, int(round(len(frames) / speed)))
    position = np.linspace(0.0, len(frames) - 1, count)
    low = np.floor(position).astype(int)
    high = np.minimum(low + 1, len(frames) - 1)
    w = (position - low)[:, None, None].astype(np.float32)
    return (frames[low] * (1 - w) + frames[high] * w).astype(np.float32)


def add_noise(frames: np.ndarray, rng: np.random.Generator, sigma_range: tuple[float, float]) -> np.ndarray:
    sigma = float(rng.uniform(*sigma_range))
    return (frames + rng.normal(0.0, sigma, frames.shape)).astype(np.float32)


def _sources_fingerprint(settings: CorpusSettings) -> str:
    h = hashlib.sha1(settings.key().encode())
    if settings.lexicon is not None:
        stat = Path(settings.lexicon).stat()
        h.update(f"{stat.st_size}:{stat.st_mtime_ns}".encode())
    for path in sorted((REPO / "signlang").rglob("*")):  # the animator and the notation make the corpus
        if path.suffix in (".py", ".toml", ".tsv"):
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


def gather_transcriptions(settings: CorpusSettings) -> list[Transcription]:
    items: list[Transcription] = []
    if settings.include_examples:
        items += example_transcriptions()
    if settings.lexicon is not None:
        items += lexicon_transcriptions(settings.lexicon, settings.max_signs)
    return items


def build_corpus(
    settings: CorpusSettings,
    tokenizer: HamNoSysTokenizer,
    log: Callable[[str], None] = lambda _: None,
    transcriptions: Iterable[Transcription] | None = None,
    splits: tuple[str, ...] = SPLITS,
    max_per_split: int | None = None,
) -> SignCorpus:
    """Animate every transcription of the wanted splits. Each sign's variation comes from its own
    random stream (seed and sign), so a sign's animations do not depend on what else is built.

    The animator runs once per sign (a random body, amplitude, speed); further training variants
    of that sign are retimed copies (another speed) with fresh landmark noise, which costs nothing
    beside the animator's ~0.1 s a sign."""
    from signlang.hamnosys import HamNoSysError, parse

    items = list(transcriptions) if transcriptions is not None else gather_transcriptions(settings)
    samples: list[SignSample] = []
    skipped: Counter[str] = Counter()
    seen: set[str] = set()
    built = 0
    joint_names: list[str] = []
    fps = settings.fps
    started = time.perf_counter()
    for n, item in enumerate(items):
        try:
            ids = np.asarray(tokenizer.encode(item.text), dtype=np.int64)
            tree = parse(item.text)
        except (HamNoSysTokenError, HamNoSysError) as e:
            skipped[f"parse: {type(e).__name__}"] += 1
            continue
        key = tokenizer.decode_names(ids)
        if key in seen:  # a duplicate transcription adds nothing but weight
            skipped["duplicate transcription"] += 1
            continue
        seen.add(key)
        split = split_of(key)
        if split not in splits:
            continue
        digest = hashlib.sha1(key.encode("utf-8")).digest()
        rng = np.random.default_rng([settings.seed, int.from_bytes(digest[:8], "big")])
        variants = settings.train_variants if split == "train" else settings.eval_variants
        try:
            base, joint_names, fps = animate_variant(tree, settings, rng)
            if len(base) < 2 or not np.isfinite(base).all():
                raise ValueError("animation is empty or not finite")
        except Exception as e:  # the animator's failure on one sign must not stop the corpus
            skipped[f"animate: {type(e).__name__}"] += 1
            continue
        built += 1
        for v in range(variants):
            frames = base if v == 0 else retime(base, float(rng.uniform(*settings.variant_speed)))
            frames = add_noise(frames, rng, settings.noise)
            mask = np.ones(frames.shape[:2], dtype=bool)
            samples.append(SignSample(key, item.gloss, tokenizer.decode(ids), ids, frames, mask, split, v, item.source))
        if max_per_split is not None and built >= max_per_split * len(splits):
            break
        if (n + 1) % 500 == 0:
            log(f"corpus: {n + 1}/{len(items)} transcriptions, {time.perf_counter() - started:.0f} s")
    if not samples:
        raise ValueError(f"no sign could be animated (skipped: {dict(skipped)})")
    per_split = Counter(s.split for s in samples if s.variant == 0)
    info = {
        "settings": {k: str(v) for k, v in asdict(settings).items()},
        "transcriptions": len(items),
        "signs": dict(per_split),
        "sequences": len(samples),
        "skipped": dict(skipped),
        "seconds": round(time.perf_counter() - started, 1),
    }
    log(f"corpus: {json.dumps(info)}")
    corpus = SignCorpus(samples, joint_names, fps, info)
    corpus.check_disjoint()
    return corpus


def load_or_build_corpus(
    settings: CorpusSettings,
    tokenizer: HamNoSysTokenizer,
    cache_dir: Path | None = DEFAULT_CACHE,
    log: Callable[[str], None] = lambda _: None,
    splits: tuple[str, ...] = SPLITS,
    max_per_split: int | None = None,
) -> SignCorpus:
    """The corpus from the cache when the same settings, lexicon and animator built it, else built
    (and cached, unless only the first `max_per_split` signs of each split were asked for)."""
    if settings.lexicon is not None and not Path(settings.lexicon).exists():
        raise FileNotFoundError(f"HamNoSys lexicon not found at {settings.lexicon} (use --no-lexicon)")
    if cache_dir is None:
        return build_corpus(settings, tokenizer, log, splits=splits, max_per_split=max_per_split)
    fingerprint = _sources_fingerprint(settings)
    full = Path(cache_dir) / f"corpus-{fingerprint}.npz"
    path = full if tuple(splits) == SPLITS else Path(cache_dir) / f"corpus-{fingerprint}-{'-'.join(splits)}.npz"
    for candidate in dict.fromkeys([full, path]):
        if candidate.exists():
            log(f"corpus: cached {candidate}")
            corpus = SignCorpus.load(candidate)
            corpus.samples = [s for s in corpus.samples if s.split in splits]
            return corpus
    corpus = build_corpus(settings, tokenizer, log, splits=splits, max_per_split=max_per_split)
    if max_per_split is None:
        corpus.save(path)
    return corpus
