"""ONNX export of the trained parts, in the shapes the scene and the evaluation use them."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import torch
from torch import nn

from models.sonification import features


class ImageToSound(nn.Module):
    """The live path: image -> (image latent, sound latent, synth parameters 0..1)."""

    def __init__(self, encoder: nn.Module, mapper: nn.Module, head: nn.Module) -> None:
        super().__init__()
        self.encoder, self.mapper, self.head = encoder, mapper, head

    def forward(self, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        z_image = self.encoder(image)[0]
        z_sound = self.mapper(z_image)
        return z_image, z_sound, self.head(z_sound)


class ImageDecode(nn.Module):
    def __init__(self, decoder: nn.Module) -> None:
        super().__init__()
        self.decoder = decoder

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.decoder(z))


class SoundEncode(nn.Module):
    """mel dB -> sound latent mean."""

    def __init__(self, encoder: nn.Module) -> None:
        super().__init__()
        self.encoder = encoder

    def forward(self, mel_db: torch.Tensor) -> torch.Tensor:
        return self.encoder((mel_db - features.DB_FLOOR) / -features.DB_FLOOR)[0]


class SoundDecode(nn.Module):
    """sound latent -> mel levels 0..1 (DB_FLOOR..0 dB; the caller scales to dB, so that the graph's
    float error is not multiplied by 90 before it is compared)."""

    def __init__(self, decoder: nn.Module) -> None:
        super().__init__()
        self.decoder = decoder

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z)


# file name -> (input name, output names)
GRAPHS: dict[str, tuple[str, tuple[str, ...]]] = {
    "image_to_sound.onnx": ("image", ("z_image", "z_sound", "params")),
    "image_decoder.onnx": ("z_image", ("image",)),
    "sound_encoder.onnx": ("mel_db", ("z_sound",)),
    "sound_decoder.onnx": ("z_sound", ("mel_level",)),
    "sound_head.onnx": ("z_sound", ("params",)),
    "sound_to_image.onnx": ("z_sound", ("z_image",)),
}


def export_all(modules: dict[str, nn.Module], examples: dict[str, np.ndarray], out_dir: Path) -> dict[str, float]:
    """Export each graph and return the largest |onnxruntime - torch| difference on `examples`."""
    import onnxruntime as ort

    diffs = {}
    for file, module in modules.items():
        input_name, output_names = GRAPHS[file]
        module.eval()
        x = torch.from_numpy(examples[file].astype(np.float32))
        path = out_dir / file
        dynamic = {input_name: {0: "batch"}, **{name: {0: "batch"} for name in output_names}}
        torch.onnx.export(module, (x[:1],), str(path), input_names=[input_name], output_names=list(output_names),
                          dynamic_axes=dynamic, opset_version=17, dynamo=False)
        with torch.no_grad():
            ref = module(x)
        ref = ref if isinstance(ref, tuple) else (ref,)
        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        got = session.run(None, {input_name: x.numpy()})
        diffs[file] = float(max(np.abs(g - r.numpy()).max() for g, r in zip(got, ref, strict=True)))
    return diffs


def check_against_torch(directory: Path, seed: int = 99) -> float:
    """Largest |onnxruntime - torch| over every shipped graph, with the torch modules rebuilt from
    weights.pt, on fresh data and random latents the export never saw."""
    from models.sonification import datasets as D
    from models.sonification.factorvae import ImageDecoder, ImageEncoder
    from models.sonification.head import SynthHead
    from models.sonification.mapper import Mapper
    from models.sonification.runtime_model import SonificationModel
    from models.sonification.sound_networks import sound_networks

    weights = torch.load(Path(directory) / "weights.pt", weights_only=True)
    settings = weights["settings"]
    zi, zs, hidden = settings["z_image"], settings["z_sound"], settings.get("sound_hidden", 128)
    sound_encoder, sound_decoder = sound_networks(settings.get("sound_network", "mlp"), zs, hidden)
    own_axes = {int(p): int(a) for p, a in weights.get("head_own_axes", [])}
    values = {int(p): tuple(v) for p, v in weights.get("head_values", {}).items()}
    head = SynthHead(zs, own_axes=own_axes, values=values)
    modules = {
        "image_to_sound.onnx": ImageToSound(ImageEncoder(zi), Mapper(zi, zs), head),
        "image_decoder.onnx": ImageDecode(ImageDecoder(zi)),
        "sound_encoder.onnx": SoundEncode(sound_encoder),
        "sound_decoder.onnx": SoundDecode(sound_decoder),
        "sound_head.onnx": copy.deepcopy(head),
        "sound_to_image.onnx": Mapper(zs, zi),
    }
    for name, module in modules.items():
        module.load_state_dict(weights[name])
        module.eval()
    model = SonificationModel(directory)
    rng = np.random.default_rng(seed)
    images, _ = D.image_batch(settings["variant"], 32, rng, continuous=True)
    mels, _, _ = D.sound_batch(settings["variant"], 32, rng, continuous=True)
    z_i = rng.normal(size=(32, zi)).astype(np.float32)
    z_s = rng.normal(size=(32, zs)).astype(np.float32)
    t = torch.from_numpy
    with torch.no_grad():
        pairs = [
            (model.image_to_sound_batch(images), modules["image_to_sound.onnx"](t(images[:, None]))),
            (model.reconstruct(z_i), modules["image_decoder.onnx"](t(z_i))[:, 0]),
            (model.encode_sound(mels), modules["sound_encoder.onnx"](t(mels))),
            (model.decode_sound_levels(z_s), modules["sound_decoder.onnx"](t(z_s))),
            (model.head(z_s), modules["sound_head.onnx"](t(z_s))),
            (model.sound_to_image(z_s), modules["sound_to_image.onnx"](t(z_s))),
        ]
    worst = 0.0
    for got, ref in pairs:
        got = got if isinstance(got, tuple) else (got,)
        ref = ref if isinstance(ref, tuple) else (ref,)
        for g, r in zip(got, ref, strict=True):
            worst = max(worst, float(np.abs(g - r.numpy()).max()))
    return worst
