"""Generators on disk: the shipped demo generator, ones users export, and the authors' CelebA release.

A training checkpoint (:mod:`emoface.stargan.trainer`) holds everything to resume — D, optimisers,
RNG states — and weighs ~0.5 GB at the paper's size. To *use* a generator only G and its config are
needed; :func:`save_generator` writes those (optionally in half precision, which halves the file and
changes an edit by less than one grey level), and :func:`load_generator` reads them back, safely
(``weights_only=True``) and with a message for a file of the wrong kind.

The authors' released CelebA 128×128 generator (``200000-G.ckpt``, a bare state dict for five
attributes: black / blond / brown hair, male, young) loads into our :class:`Generator` with
``strict=True`` because the parameter names and shapes are the official ones.
"""

from __future__ import annotations

from dataclasses import asdict
from importlib.resources import files
from pathlib import Path
from typing import NamedTuple

import torch

from ..atomic import atomic_write
from ..checkpoints import load_plain, read_checkpoint
from ..download import Resource
from ..faces.celeba import STARGAN_ATTRIBUTES
from ..labels import FACE_EXPRESSIONS
from .model import Generator
from .trainer import CHECKPOINT_FORMAT as TRAINING_FORMAT
from .trainer import StarGANConfig, config_from_dict

GENERATOR_FORMAT = "emoface-stargan-generator/1"

#: The authors' pretrained CelebA 128×128 StarGAN (yunjey/stargan, ``download.sh pretrained-celeba-128x128``).
#: The zip holds ``200000-G.ckpt`` and ``200000-D.ckpt``; no checksum is published, so none is pinned.
#: Licence: the code is MIT; the weights were trained on CelebA, which is for non-commercial research only.
OFFICIAL_CELEBA_128 = Resource(
    filename="celeba-128x128-5attrs.zip",
    sha256=None,
    url="https://www.dropbox.com/s/7e966qq0nlxwte4/celeba-128x128-5attrs.zip?dl=1",
    homepage="https://github.com/yunjey/stargan#2-downloading-the-dataset (download.sh pretrained-celeba-128x128)",
)


class LoadedGenerator(NamedTuple):
    """A generator ready for inference, with what it was trained to produce."""

    generator: Generator
    config: StarGANConfig
    classes: tuple[str, ...]  # what each entry of the domain vector c means
    info: dict  # provenance: data, steps, training time, evaluation
    discriminator: dict | None = None  # D's weights when stored, to fine-tune (float32 state dict)


def shipped_generator_path() -> Path:
    """The demo generator that ships with the package (SynthFaces, 64×64; see the README)."""
    return Path(str(files("emoface") / "assets" / "stargan_demo.pt"))


def save_generator(path: str | Path, generator: Generator, config: StarGANConfig, classes: tuple[str, ...],
                   info: dict | None = None, half: bool = True, discriminator: torch.nn.Module | None = None) -> Path:
    """Write G, its config and ``info`` atomically; ``half`` stores the weights as float16.

    With ``discriminator``, D is stored too, so the generator can be fine-tuned (see
    :meth:`emoface.stargan.trainer.StarGANTrainer.from_pretrained`).
    """
    def plain(module: torch.nn.Module) -> dict:
        return {k: (v.half() if half and v.is_floating_point() else v).cpu() for k, v in module.state_dict().items()}

    payload = {"format": GENERATOR_FORMAT, "config": asdict(config), "classes": list(classes), "G": plain(generator),
               "info": info or {}}
    if discriminator is not None:
        payload["D"] = plain(discriminator)
    return atomic_write(path, lambda handle: torch.save(payload, handle))


def load_generator(path: str | Path | None = None, device: torch.device | str = "cpu") -> LoadedGenerator:
    """A generator written by :func:`save_generator` (default: the shipped demo one), in eval mode.

    A *training* checkpoint (``checkpoint.pt``) is accepted too, so a run's result can be used at once.
    """
    path = Path(path) if path is not None else shipped_generator_path()
    payload = load_plain(path, "StarGAN generator")
    if isinstance(payload, dict) and payload.get("format") == TRAINING_FORMAT:
        config, state = config_from_dict(payload["config"]), payload["G"]
        classes = _classes_for(config.c_dim)  # a training checkpoint does not name its domains
        info = {"step": payload["step"], "from": "training checkpoint"}
        d_state = payload["D"]
    else:
        payload = read_checkpoint(path, GENERATOR_FORMAT, "StarGAN generator")
        config = config_from_dict(payload["config"])
        state, classes, info = payload["G"], tuple(payload["classes"]), payload.get("info", {})
        d_state = payload.get("D")
    generator = Generator(config.g_conv_dim, config.c_dim, config.g_repeat_num, config.g_attention)
    generator.load_state_dict(_float32(state), strict=True)
    return LoadedGenerator(generator.to(device).eval(), config, tuple(classes), info,
                           _float32(d_state) if d_state is not None else None)


def _classes_for(c_dim: int) -> tuple[str, ...]:
    """The domains a c_dim-wide domain vector most likely means: the seven expressions, CelebA's five
    attributes (lesson 04's CelebA run), or unnamed ones."""
    if c_dim == len(FACE_EXPRESSIONS):
        return FACE_EXPRESSIONS
    if c_dim == len(STARGAN_ATTRIBUTES):
        return STARGAN_ATTRIBUTES
    return tuple(f"attribute {i}" for i in range(c_dim))


def _float32(state: dict) -> dict:
    return {k: v.float() if v.is_floating_point() else v for k, v in state.items()}


def load_official_celeba_generator(path: str | Path | None = None, device: torch.device | str = "cpu",
                                   progress: bool = True) -> LoadedGenerator:
    """The authors' CelebA 128×128 generator, downloaded on first use (``full`` profile, needs internet).

    ``path`` may name an already downloaded ``200000-G.ckpt`` (or the zip). Loaded with ``strict=True``:
    a mismatch in any name or shape is an error, not a silently half-loaded model.
    """
    if path is None:
        path = OFFICIAL_CELEBA_128.fetch(progress=progress)
    path = Path(path)
    if path.suffix == ".zip":
        path = _extract_generator(path)
    state = load_plain(path, "official StarGAN generator")
    if not isinstance(state, dict) or "main.0.weight" not in state:
        raise ValueError(f"{path} is not a StarGAN generator state dict (no 'main.0.weight'); "
                         "pass the *-G.ckpt file, not the discriminator")
    c_dim = state["main.0.weight"].shape[1] - 3
    conv_dim = state["main.0.weight"].shape[0]
    blocks = len({k.split(".")[1] for k in state if k.endswith("main.0.weight") and k.count(".") == 4})
    config = StarGANConfig(image_size=128, c_dim=c_dim, g_conv_dim=conv_dim, g_repeat_num=blocks)
    generator = Generator(conv_dim, c_dim, blocks)
    generator.load_state_dict(state, strict=True)
    return LoadedGenerator(generator.to(device).eval(), config, _classes_for(c_dim), {"from": str(path)})


def _extract_generator(archive: Path) -> Path:
    import zipfile

    with zipfile.ZipFile(archive) as zipped:
        names = [n for n in zipped.namelist() if n.endswith("-G.ckpt")]
        if not names:
            raise ValueError(f"{archive} holds no *-G.ckpt generator file")
        target = archive.with_name(Path(names[0]).name)
        if not target.is_file():
            atomic_write(target, lambda handle: handle.write(zipped.read(names[0])))
    return target
