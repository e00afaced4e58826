"""Recompute every sonification metric from the shipped ONNX models on freshly generated samples.

    python -m runtime eval sonification [--json] [--dir DIR] [--seed N] [--quick]

Exit status 0 when every claim of MODEL_CARD.md (CLAIMS below) holds, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from models.sonification import datasets as D
from models.sonification.metrics import factorvae_score, mig, rank_correlation
from models.sonification.runtime_model import SHIPPED_DIR, SonificationModel
from models.sonification.synth import PARAM_NAMES, PARAMS

# The model card's claims: metric path -> (comparison, bound). Checked on every evaluation.
CLAIMS: dict[str, tuple[str, float]] = {
    "image.factorvae_score": (">=", 0.65),
    "image.mig": (">=", 0.22),
    "sound.factorvae_score": (">=", 0.5),
    "sound.mig": (">=", 0.2),
    "sound.mig_per_factor.pitch": (">=", 0.6),
    "sound.mig_per_factor.loudness": (">=", 0.4),
    "sound.recon_rmse_db": ("<=", 4.9),
    "head.pitch_error_semitones_median": ("<=", 2.5),
    "mapper.pairs.x->freq.rank_corr_sound_latent": (">=", 0.95),
    "mapper.pairs.size->amp.rank_corr_sound_latent": (">=", 0.8),
    "mapper.pairs.x->freq.rank_corr_param": (">=", 0.95),
    "mapper.pairs.y->brightness.rank_corr_param": (">=", 0.9),
    "mapper.pairs.size->amp.rank_corr_param": (">=", 0.8),
    "mapper.pairs.brightness->index.rank_corr_param": (">=", 0.7),
    "mapper.cycle_error_image": ("<=", 0.14),
    "mapper.cycle_error_sound_params": ("<=", 0.08),
    "mapper.intended_pitch_error_semitones_median": ("<=", 2.0),
    "sweep.monotone_fraction": (">=", 0.9),
    "sweep.rank_corr_min": (">=", 0.9),
    "sweep.octaves_median": (">=", 2.0),
    "onnx_vs_torch_max_abs": ("<=", 1e-4),
}


def _semitones(u_pred: np.ndarray, u_true: np.ndarray) -> np.ndarray:
    p = PARAMS[0]
    return 12.0 * np.abs(np.log2(p.from_unit(u_pred) / p.from_unit(u_true)))


def compute(directory: Path | str = SHIPPED_DIR, seed: int = 1234, quick: bool = False) -> dict:
    model = SonificationModel(directory)
    meta = model.meta
    variant = meta["variant"]
    rng = np.random.default_rng(seed)
    n = 1000 if quick else 4000
    votes = (150, 100, 32) if quick else (500, 300, 64)
    image_factors, sound_factors = D.IMAGE_FACTORS[variant], D.SOUND_FACTORS[variant]

    def encode_images(levels: np.ndarray) -> np.ndarray:
        return model.image_to_sound_batch(D.images_from_levels(variant, levels))[0]

    def encode_sounds(levels: np.ndarray) -> np.ndarray:
        return model.encode_sound(D.sounds_from_levels(variant, levels)[0])

    out: dict = {"variant": variant, "seed": seed, "samples": n}
    # Image FactorVAE.
    images, image_levels = D.image_batch(variant, n, rng)
    z_i, z_s, units = model.image_to_sound_batch(images)
    recon = model.reconstruct(z_i)
    image_mig, image_mig_per, _ = mig(z_i, image_levels)
    out["image"] = {
        "factorvae_score": factorvae_score(encode_images, image_factors, rng, *votes, n_ref=n),
        "mig": image_mig, "mig_per_factor": dict(zip(D.factor_names("image", variant), image_mig_per, strict=True)),
        "recon_mae": float(np.abs(recon - images).mean()),
    }
    # Sound FactorVAE.
    mels, sound_levels, sound_units = D.sound_batch(variant, n, rng)
    zs_data = model.encode_sound(mels)
    sound_mig, sound_mig_per, _ = mig(zs_data, sound_levels)
    out["sound"] = {
        "factorvae_score": factorvae_score(encode_sounds, sound_factors, rng, *votes, n_ref=n),
        "mig": sound_mig, "mig_per_factor": dict(zip(D.factor_names("sound", variant), sound_mig_per, strict=True)),
        "recon_rmse_db": float(np.sqrt(((model.decode_sound(zs_data) - mels) ** 2).mean())),
    }
    # Synth-parameter head on encoded real sounds.
    head_units = model.head(zs_data)
    varied = [D.SOUND_FACTOR_PARAM[f.name] for f in sound_factors]
    out["head"] = {
        "mae_unit": {name: float(np.abs(head_units[:, PARAM_NAMES.index(name)] -
                                        sound_units[:, PARAM_NAMES.index(name)]).mean()) for name in varied},
        "pitch_error_semitones_median": float(np.median(_semitones(head_units[:, 0], sound_units[:, 0]))),
    }
    # Mapper: where each image factor lands, cycles, and how close the mapped sound is to the intended one.
    image_values = D.levels_to_values(image_factors, image_levels)
    names = D.factor_names("image", variant)
    pairs = {}
    # The intended sound: the paired synth parameters follow their image factors over the whole
    # range (both sides are uniform grids, so the quantile map is the identity or its mirror); the
    # unpaired ones stay where the mapper put them.
    intended = units.astype(np.float64).copy()
    for p in meta["pairs"]:
        v = image_values[:, names.index(p["image_factor"])]
        col = PARAM_NAMES.index(p["param"])
        target = v if p["direction"] > 0 else 1.0 - v
        intended[:, col] = target
        pairs[f"{p['image_factor']}->{p['param']}"] = {
            "rank_corr_param": rank_correlation(v, units[:, col]) * p["direction"],
            "rank_corr_image_latent": rank_correlation(v, z_i[:, p["image_axis"]]) * p["axis_sign"] *
            p["direction"],
            "mae_unit_to_intended": float(np.abs(units[:, col] - target).mean()),
        }
        if p.get("sound_axis") is not None:  # the pair is read on a sound latent axis: where it lands there
            pairs[f"{p['image_factor']}->{p['param']}"]["rank_corr_sound_latent"] = rank_correlation(
                v, z_s[:, p["sound_axis"]]) * p["sound_axis_sign"] * p["direction"]
    src = [p["image_axis"] for p in meta["pairs"]]
    dst = [PARAM_NAMES.index(p["param"]) for p in meta["pairs"]]
    back_i = model.sound_to_image(z_s)
    # sound -> image latent -> image -> image latent -> sound: the whole loop the scene could run
    cycled_units = model.image_to_sound_batch(model.reconstruct(model.sound_to_image(zs_data)))[2]
    intended_mel = D.render_sounds(intended)
    mapped_mel = model.decode_sound(z_s)
    out["mapper"] = {
        "pairs": pairs,
        "cycle_error_image": float(np.abs(back_i[:, src] - z_i[:, src]).mean()),
        "cycle_error_sound_params": float(np.abs(cycled_units[:, dst] - head_units[:, dst]).mean()),
        "intended_mel_rmse_db": float(np.sqrt(((mapped_mel - intended_mel) ** 2).mean())),
        # the same decoded spectra against what the head makes the synth play
        "played_mel_rmse_db": float(np.sqrt(((mapped_mel - D.render_sounds(units)) ** 2).mean())),
        "intended_pitch_error_semitones_median": float(np.median(_semitones(units[:, 0], intended[:, 0]))),
    }
    # Moving the shape right, everything else fixed: does the pitch rise at every step? On the grid
    # centre and on random settings of the other factors.
    out["sweep"] = x_sweeps(model, variant, rng, n_backgrounds=12 if quick else 40)
    weights = Path(directory) / "weights.pt"
    if weights.is_file():
        from models.sonification.export import check_against_torch

        out["onnx_vs_torch_max_abs"] = check_against_torch(Path(directory), seed=seed)
    out["claims"] = check_claims(out)
    return out


def x_sweeps(model: SonificationModel, variant: str, rng: np.random.Generator, n_backgrounds: int,
             steps: int = 16) -> dict:
    factors = D.IMAGE_FACTORS[variant]
    xs = np.linspace(0, 1, steps)
    backgrounds = D.levels_to_values(factors, D.sample_levels(factors, n_backgrounds, rng))
    backgrounds[0] = D.levels_to_values(factors, np.array([[f.levels // 2 for f in factors]]))[0]
    monotone, rho, ratio = [], [], []
    centre_hz: list[float] = []
    for b, values in enumerate(backgrounds):
        grid = np.repeat(values[None], steps, 0)
        grid[:, 0] = xs
        freq = PARAMS[0].from_unit(model.image_to_sound_batch(D.images_from_values(variant, grid))[2][:, 0])
        if b == 0:
            centre_hz = [round(float(f), 2) for f in freq]
        monotone.append(bool(np.all(np.diff(freq) > 0)))
        rho.append(rank_correlation(xs, freq))
        ratio.append(float(freq[-1] / freq[0]))
    return {"centre_pitch_hz": centre_hz, "monotone_fraction": float(np.mean(monotone)),
            "rank_corr_min": float(np.min(rho)), "octaves_median": float(np.median(np.log2(ratio)))}


def lookup(metrics: dict, path: str) -> float:
    value = metrics
    for key in path.split("."):
        value = value[key]
    return float(value)


def check_claims(metrics: dict) -> dict[str, bool]:
    result = {}
    for path, (op, bound) in CLAIMS.items():
        try:
            value = lookup(metrics, path)
        except KeyError:
            continue
        result[path] = value >= bound if op == ">=" else value <= bound
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m runtime eval sonification", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true", help="print the metrics as JSON")
    parser.add_argument("--dir", type=Path, default=SHIPPED_DIR, help="trained model directory")
    parser.add_argument("--seed", type=int, default=1234, help="seed of the fresh evaluation samples")
    parser.add_argument("--quick", action="store_true", help="fewer samples (about 4x faster, noisier)")
    args = parser.parse_args(argv)
    try:
        metrics = compute(args.dir, args.seed, args.quick)
    except FileNotFoundError as exc:
        print(f"error: {exc}")
        return 2
    if args.json:
        print(json.dumps(metrics, indent=2))
    else:
        _print_table(metrics)
    return 0 if all(metrics["claims"].values()) else 1


def _print_table(metrics: dict, prefix: str = "") -> None:
    for key, value in metrics.items():
        if key == "claims":
            continue
        if isinstance(value, dict):
            _print_table(value, f"{prefix}{key}.")
        elif isinstance(value, float):
            print(f"{prefix + key:<52} {value:.4f}" if value == 0 or abs(value) >= 1e-3 else
                  f"{prefix + key:<52} {value:.2e}")
        else:
            print(f"{prefix + key:<52} {value}")
    for path, ok in metrics.get("claims", {}).items():
        op, bound = CLAIMS[path]
        print(f"claim {path} {op} {bound}: {'ok' if ok else 'FAILED'} ({lookup(metrics, path):.4f})")


if __name__ == "__main__":
    raise SystemExit(main())
