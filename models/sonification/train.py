"""Train everything the sonification scene uses, export it to ONNX and measure it.

    python -m models.sonification.train                 # the shipped models (~20 min, 1 thread)
    python -m models.sonification.train --tiny --out DIR  # seconds, for tests

Steps: make both datasets; train the image FactorVAE and the sound FactorVAE; find which latent axis
carries which known factor; train the synth-parameter head; train the mapper (stage one: locality,
stage two: + cycle consistency); export ONNX (checked against torch); save latent traversal grids;
measure everything with models.sonification.evaluate on fresh samples; write meta.json, metrics.json
and train.log into the output directory.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from models.sonification import datasets as D
from models.sonification import evaluate, traversal
from models.sonification.export import ImageDecode, ImageToSound, SoundDecode, SoundEncode, export_all
from models.sonification.factorvae import (
    FactorVAE,
    ImageDecoder,
    ImageEncoder,
    VAEConfig,
    encode_mean,
    train_factorvae,
)
from models.sonification.head import SynthHead, train_head
from models.sonification.mapper import PAIRINGS, AxisPair, Frozen, LatentReading, train_mappers
from models.sonification.metrics import factor_axes, mig
from models.sonification.runtime_model import SHIPPED_DIR
from models.sonification.sound_networks import NETWORKS, sound_networks
from models.sonification.synth import PARAM_NAMES

log = logging.getLogger("sonification.train")


@dataclass
class Settings:
    variant: str = "rich"
    seed: int = 0
    n_images: int = 20000
    n_sounds: int = 20000
    z_image: int = 8
    z_sound: int = 6
    image_steps: int = 10000
    sound_steps: int = 12000
    sound_hidden: int = 256
    sound_network: str = "harmonic"  # sound_networks.NETWORKS
    gamma_image: float = 10.0
    gamma_sound: float = 10.0
    head_steps: int = 3000
    mapper_stage1: int = 2500
    mapper_stage2: int = 2500
    own_axis_gap: float = 0.3  # a sound factor whose MIG gap reaches this is read on its latent axis
    eval_quick: bool = False
    evaluate: bool = True  # measure on fresh samples after training (metrics.json)


TINY = dict(variant="simple", n_images=1000, n_sounds=1000, z_image=4, z_sound=4, image_steps=150, sound_hidden=64,
            sound_steps=300, head_steps=300, mapper_stage1=60, mapper_stage2=60, eval_quick=True,
            evaluate=False)


def train(settings: Settings, out_dir: Path) -> dict:
    torch.set_num_threads(1)
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    rng = np.random.default_rng(settings.seed)
    torch.manual_seed(settings.seed)
    s = settings
    log.info("settings %s", asdict(s))

    images, image_levels = D.image_batch(s.variant, s.n_images, rng)
    mels, sound_levels, sound_units = D.sound_batch(s.variant, s.n_sounds, rng)
    mel_in = D.mel_to_input(mels)
    log.info("datasets made in %.1f s", time.monotonic() - started)

    image_vae = FactorVAE(ImageEncoder(s.z_image), ImageDecoder(s.z_image),
                          VAEConfig(z_dim=s.z_image, steps=s.image_steps, gamma=s.gamma_image))
    history = {"image_vae": train_factorvae(image_vae, images[:, None], s.seed, "image_vae")}
    sound_vae = FactorVAE(*sound_networks(s.sound_network, s.z_sound, s.sound_hidden),
                          VAEConfig(z_dim=s.z_sound, steps=s.sound_steps, gamma=s.gamma_sound,
                                    likelihood="gaussian"))
    history["sound_vae"] = train_factorvae(sound_vae, mel_in, s.seed + 1, "sound_vae")
    image_vae.eval()
    sound_vae.eval()

    z_images = encode_mean(image_vae.encoder, images[:, None])
    z_sounds = encode_mean(sound_vae.encoder, mel_in)
    image_axes = factor_axes(z_images, image_levels, D.IMAGE_FACTORS[s.variant])
    sound_axes = factor_axes(z_sounds, sound_levels, D.SOUND_FACTORS[s.variant])
    log.info("image factor axes %s, sound factor axes %s", image_axes, sound_axes)

    # Sound factors the VAE gives an axis of their own are read on it; the rest through the head.
    _, sound_gaps, _ = mig(z_sounds, sound_levels)
    readings = []
    for factor, gap in zip(D.factor_names("sound", s.variant), sound_gaps, strict=True):
        if gap >= s.own_axis_gap and factor in sound_axes:
            axis, sign = sound_axes[factor]
            readings.append(LatentReading.fit(PARAM_NAMES.index(D.SOUND_FACTOR_PARAM[factor]), axis, sign, z_sounds))
    read_on_axis = {r.param: r.axis for r in readings}
    log.info("sound MIG gaps %s; read on latent axes: %s", [round(g, 3) for g in sound_gaps], read_on_axis)
    head_values = D.sound_param_values(s.variant)
    head = SynthHead(s.z_sound, own_axes=read_on_axis, values=head_values)
    history["head"] = train_head(head, z_sounds, sound_units, s.head_steps, s.seed + 2)
    head.eval()
    pairs, pair_meta = [], []
    for image_factor, sound_factor, direction in PAIRINGS[s.variant]:
        if image_factor not in image_axes:
            log.warning("image factor %s has no latent axis of its own: pair %s -> %s left out",
                        image_factor, image_factor, sound_factor)
            continue
        axis, sign = image_axes[image_factor]
        param = D.SOUND_FACTOR_PARAM[sound_factor]
        index = PARAM_NAMES.index(param)
        pairs.append(AxisPair(axis, index, direction * sign))
        pair_meta.append({"image_factor": image_factor, "sound_factor": sound_factor, "param": param,
                          "direction": direction, "image_axis": axis, "axis_sign": direction * sign,
                          "sound_axis": read_on_axis.get(index),
                          "sound_axis_sign": sound_axes[sound_factor][1] if index in read_on_axis else None})
    frozen = Frozen(head, sound_vae.encoder, sound_vae.decoder, tuple(readings))
    fwd, back, history["mapper"] = train_mappers(z_images, z_sounds, sound_units, pairs, frozen, s.mapper_stage1,
                                                 s.mapper_stage2, s.seed + 3)
    fwd.eval()
    back.eval()

    modules = {
        "image_to_sound.onnx": ImageToSound(image_vae.encoder, fwd, head),
        "image_decoder.onnx": ImageDecode(image_vae.decoder),
        "sound_encoder.onnx": SoundEncode(sound_vae.encoder),
        "sound_decoder.onnx": SoundDecode(sound_vae.decoder),
        "sound_head.onnx": head,
        "sound_to_image.onnx": back,
    }
    examples = {
        "image_to_sound.onnx": images[:256, None], "image_decoder.onnx": z_images[:256],
        "sound_encoder.onnx": mels[:256], "sound_decoder.onnx": z_sounds[:256],
        "sound_head.onnx": z_sounds[:256], "sound_to_image.onnx": z_sounds[:256],
    }
    onnx_diff = export_all(modules, examples, out_dir)
    log.info("onnx max |ort - torch| %s", onnx_diff)
    torch.save({"settings": asdict(s), "head_own_axes": sorted(read_on_axis.items()),
                "head_values": {str(p): list(v) for p, v in head_values.items()},
                **{k: m.state_dict() for k, m in modules.items()}}, out_dir / "weights.pt")

    meta = {
        "variant": s.variant, "seed": s.seed, "z_image": s.z_image, "z_sound": s.z_sound,
        "image_factors": D.factor_names("image", s.variant), "sound_factors": D.factor_names("sound", s.variant),
        "image_axes": image_axes, "sound_axes": sound_axes, "pairs": pair_meta, "params": list(PARAM_NAMES),
        "image_size": D.IMAGE_SIZE, "settings": asdict(s),
    }
    (out_dir / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    traversal.save_grids(out_dir)
    metrics = evaluate.compute(out_dir, seed=s.seed + 1000, quick=s.eval_quick) if s.evaluate else {}
    metrics["onnx_max_abs_diff"] = onnx_diff
    metrics["train_seconds"] = round(time.monotonic() - started, 1)
    metrics["history"] = history
    (out_dir / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    log.info("done in %.1f s", metrics["train_seconds"])
    return metrics


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m models.sonification.train", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tiny", action="store_true", help="a few hundred steps on small sets (tests)")
    parser.add_argument("--variant", choices=sorted(PAIRINGS), help="dataset variant (default rich; tiny: simple)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sound-network", choices=NETWORKS, default=None,
                        help="sound FactorVAE networks (default harmonic, as shipped; see MODEL_CARD.md)")
    parser.add_argument("--out", type=Path, default=None, help=f"output directory (default {SHIPPED_DIR})")
    args = parser.parse_args(argv)
    if args.out is None:
        if args.tiny:
            parser.error("--tiny needs --out DIR (it would replace the shipped models)")
        args.out = SHIPPED_DIR
    settings = Settings(**TINY) if args.tiny else Settings()
    settings.seed = args.seed
    if args.variant:
        settings.variant = args.variant
    if args.sound_network:
        settings.sound_network = args.sound_network
    args.out.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s",
                        handlers=[logging.StreamHandler(), logging.FileHandler(args.out / "train.log", mode="w")])
    metrics = train(settings, args.out)
    print(json.dumps({k: v for k, v in metrics.items() if k != "history"}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
