"""Generators on disk: the shipped demo generator, ones users export, and the authors' CelebA release.

A training checkpoint (:mod:`emoface.stargan.trainer`) holds everything to resume — D, optimisers,
RNG states — and weighs ~0.5 GB at the paper's size. To *use* a generator only G and its config are
needed; :func:`save_generator` writes those (optionally in half precision, which halves the file and
changes an edit by less than one grey level), and :func:`load_generator` reads them back, safely
(``weights_only=True``) and with a message for a file of the wrong kind.

The authors' released CelebA 128×128 generator (``200000-G.ckpt``, a bare state dict for five
attributes: black / blond / brown hair, male, young) loads into our :class:`Generator` with
``strict=True`` because the parameter names and shapes are the official ones.

**What a generator was trained on** travels with it: ``info["dataset"]`` (a key of :data:`DATASETS`)
and ``info["labels"]`` (a key of :data:`LABEL_SETS`, what the domain vector means). The pipeline reads
them to refuse a generator that cannot draw expressions (CelebA's hair/sex/age attributes) and to
choose, with ``engine="auto"``, who edits a real photograph (:func:`emoface.engines.base.auto_rule`).
Files written before the record existed load with the data set read from their free-text
``info["data"]`` (the shipped generator's says SynthFaces), else ``"unknown"``.
Taught in ``04_stargan.ipynb`` (section 4, the run's own file) and ``05_pipeline_app.ipynb``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from importlib.resources import files
from pathlib import Path
from typing import NamedTuple

import torch

from ..atomic import atomic_write
from ..checkpoints import load_plain, read_checkpoint
from ..datasets.celeba import STARGAN_ATTRIBUTES
from ..download import Resource
from ..labels import FACE_EXPRESSIONS
from .model import Discriminator, Generator
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


@dataclass(frozen=True)
class TrainingSet:
    """A face set a generator can be trained on, and what that means for editing a photograph."""

    name: str  # the key stored as info["dataset"]
    title: str
    labels: str  # its label set, a key of LABEL_SETS
    #: True: colour photographs of faces, so the generator can redraw one; False: it cannot (drawings,
    #: tiny grey faces); None: not recorded.
    real_photos: bool | None
    what: str  # in a message: "trained on {title} ({what})"


#: The label sets: what each entry of a domain vector means.
LABEL_SETS: dict[str, tuple[str, ...]] = {"expressions": FACE_EXPRESSIONS, "celeba-attributes": STARGAN_ATTRIBUTES}

#: The face sets lesson 04 trains on (``DATA``), and ``unknown`` for a file that does not say.
DATASETS: dict[str, TrainingSet] = {t.name: t for t in (
    TrainingSet("synthfaces", "SynthFaces", "expressions", False, "drawn faces"),
    TrainingSet("tunedmug", "tunedMUG", "expressions", True, "MUG video frames, Haar-cropped and equalised"),
    TrainingSet("mug", "MUG", "expressions", True, "MUG video frames"),
    TrainingSet("fer2013", "FER2013", "expressions", False, "48×48 greyscale web photos, upscaled"),
    TrainingSet("celeba", "CelebA", "celeba-attributes", True, "celebrity photos with hair, sex and age attributes"),
    TrainingSet("unknown", "data it does not record", "expressions", None, "no record"),
)}


class LoadedGenerator(NamedTuple):
    """A generator ready for inference, with what it was trained to produce."""

    generator: Generator
    config: StarGANConfig
    classes: tuple[str, ...]  # what each entry of the domain vector c means
    info: dict  # provenance: dataset, labels, data, steps, training time, evaluation
    discriminator: dict | None = None  # D's weights when stored, to fine-tune (float32 state dict)
    #: A discriminator of D's shape kept only to read a photo's own expression (float32 state dict): one trained
    #: on the engine's crops (:mod:`emoface.stargan.reader`), or a sharp D kept beside a label-smoothed one
    #: (:func:`carried_reader`).
    reader: dict | None = None
    #: The refiner that sharpens the pasted edit (:mod:`emoface.stargan.refiner`; float32 state dict), trained on
    #: pastes of SynthFaces scenes (:mod:`emoface.scene_patches`); its record is ``info["refiner"]``.
    refiner: dict | None = None


def shipped_generator_path() -> Path:
    """The demo generator that ships with the package (SynthFaces, 64×64; see docs/stargan.md)."""
    return Path(str(files("emoface") / "assets" / "stargan_demo.pt"))


def save_generator(path: str | Path, generator: Generator, config: StarGANConfig, classes: tuple[str, ...],
                   info: dict | None = None, half: bool = True, discriminator: torch.nn.Module | dict | None = None,
                   dataset: str | None = None, reader: torch.nn.Module | dict | None = None,
                   refiner: torch.nn.Module | dict | None = None) -> Path:
    """Write G, its config and ``info`` atomically; ``half`` stores the weights as float16.

    ``dataset`` (a key of :data:`DATASETS`; default: ``info["dataset"]``, else read from ``info["data"]``)
    and the label set of ``classes`` are recorded in ``info``; a data set whose labels are not
    ``classes`` is an error. With ``discriminator`` (D, or its state dict as :func:`load_generator`
    returns it), D is stored too, so the generator can be fine-tuned (see :meth:`emoface.stargan.trainer.StarGANTrainer.from_pretrained`).
    ``reader`` (a D of the same shape, or its state dict) is what the engine reads a photo's own expression
    with instead of D (:func:`carried_reader` says when a file needs one). ``refiner`` (its state dict, or the
    :class:`~emoface.stargan.refiner.Refiner`) sharpens the pasted edits; its record goes in ``info["refiner"]``.
    """
    info = {**(info or {}), **({"dataset": dataset} if dataset is not None else {})}
    info = with_training_record(info, tuple(classes), strict=True)
    def plain(weights: torch.nn.Module | dict) -> dict:
        state = weights if isinstance(weights, dict) else weights.state_dict()
        return {k: (v.half() if half and v.is_floating_point() else v).cpu() for k, v in state.items()}

    payload = {"format": GENERATOR_FORMAT, "config": asdict(config), "classes": list(classes), "G": plain(generator),
               "info": info}
    if discriminator is not None:
        payload["D"] = plain(discriminator)
    if reader is not None:
        payload["reader"] = plain(reader)
    if refiner is not None:
        payload["refiner"] = plain(refiner)
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
        info = {"step": payload["step"], "from": "training checkpoint"}  # its data set is not recorded
        d_state, reader, refiner = payload["D"], None, None
    else:
        payload = read_checkpoint(path, GENERATOR_FORMAT, "StarGAN generator")
        config = config_from_dict(payload["config"])
        state, classes, info = payload["G"], tuple(payload["classes"]), payload.get("info", {})
        d_state, reader, refiner = payload.get("D"), payload.get("reader"), payload.get("refiner")
    info = with_training_record(info, tuple(classes))
    generator = Generator(config.g_conv_dim, config.c_dim, config.g_repeat_num, config.g_attention, config.g_skip)
    generator.load_state_dict(_float32(state), strict=True)
    return LoadedGenerator(generator.to(device).eval(), config, tuple(classes), info,
                           _float32(d_state) if d_state is not None else None,
                           _float32(reader) if reader is not None else None,
                           _float32(refiner) if refiner is not None else None)


def rewrite_generator(path: str | Path, loaded: LoadedGenerator, info: dict, **parts: torch.nn.Module | dict | None) -> Path:
    """Write ``loaded`` to ``path`` (atomically) with ``info``, keeping every part it holds (D, the reader, the
    refiner) unless ``parts`` replaces it by name: a rewrite that listed the parts itself dropped the refiner
    when it was added."""
    kept = {"discriminator": loaded.discriminator, "reader": loaded.reader, "refiner": loaded.refiner}
    return save_generator(path, loaded.generator, loaded.config, loaded.classes, info, **{**kept, **parts})


def with_refiner(path: str | Path, refiner: torch.nn.Module | dict, record: dict) -> Path:
    """Rewrite the generator file ``path`` (atomically) with ``refiner`` and its training ``record`` in
    ``info["refiner"]``. G, D, the reader and the rest stay."""
    target = load_generator(path)
    info = {k: v for k, v in target.info.items() if k != "refiner"}
    return rewrite_generator(path, target, {**info, "refiner": record}, refiner=refiner)


def carry_parts(source: LoadedGenerator, path: str | Path, source_name: str) -> Path:
    """Rewrite the generator file ``path`` (atomically) with ``source``'s expression reader and refiner and their
    training records; its G and D stay. Neither part depends on G (the reader is a D trained on the engine's
    crops, the refiner learns from true faces pasted as the engine pastes), so a fine-tune of a file's G
    ships with the parts that file trained, and their minutes count in its training total."""
    target = load_generator(path)
    if source.config.image_size != target.config.image_size or source.classes != target.classes:
        raise ValueError(f"{source_name} and {path} differ in face size or expressions; train {path} its own reader "
                         "and refiner (scripts/train_reader.py, scripts/train_refiner.py)")
    missing = [name for name in ("reader", "refiner") if getattr(source, name) is None or name not in source.info]
    if missing:
        raise ValueError(f"{source_name} holds no {' or '.join(missing)} (with its record) to carry")
    info = {**target.info, "reader": source.info["reader"], "refiner": source.info["refiner"],
            "parts_carried_from": source_name}
    return rewrite_generator(path, target, info, reader=source.reader, refiner=source.refiner)


def carried_reader(source: LoadedGenerator, config: StarGANConfig) -> dict | None:
    """The expression reader to store with a fine-tune of ``source`` trained with ``config`` (None: its own D reads).

    The engine reads which expression a photo already shows with D's classifier. A D trained against
    label-smoothed targets (``cls_smoothing``) gives G's edits a gradient a sure D no longer does, but it
    reads photos less surely (measured: 91 % of held-out scene faces right, against 98 %), so such a file
    keeps the last D that was trained sharp — the source's reader, else the source's own D if that one
    was — to read with. None when ``config`` trains D sharp, or when no sharp D is at hand.
    """
    return None if config.cls_smoothing == 0 else sharp_reader(source)


def sharp_reader(loaded: LoadedGenerator) -> dict | None:
    """What ``loaded`` reads photos with, if it was trained sharp: its reader, else its D unless label-smoothed."""
    if loaded.reader is not None:
        return loaded.reader
    return loaded.discriminator if loaded.config.cls_smoothing == 0 else None


def with_reader(path: str | Path, reader: dict, record: dict) -> Path:
    """Rewrite the generator file ``path`` (atomically) to read photos with ``reader``, a state dict of its
    D's shape; ``record`` (where the reader came from) goes to ``info["reader"]``. G, D and the rest stay."""
    target = load_generator(path)
    expected = Discriminator.from_config(target.config).state_dict()
    if set(reader) != set(expected) or any(reader[k].shape != expected[k].shape for k in expected):
        raise ValueError(f"the reader has another shape than {path}'s D (image size, classes, D's width and "
                         "depth must agree)")
    info = {k: v for k, v in target.info.items() if k not in ("reader", "reader_from")}
    return rewrite_generator(path, target, {**info, "reader": record}, reader=reader)


def training_set(loaded: LoadedGenerator) -> TrainingSet:
    """What ``loaded`` was trained on (``unknown`` when its file does not say)."""
    return DATASETS[loaded.info.get("dataset", "unknown")]


def label_set(classes: tuple[str, ...]) -> str:
    """The key of :data:`LABEL_SETS` that ``classes`` are (in any order), else ``"other"``."""
    return next((name for name, known in LABEL_SETS.items() if set(classes) == set(known)), "other")


def with_training_record(info: dict, classes: tuple[str, ...], strict: bool = False) -> dict:
    """``info`` with ``dataset`` and ``labels`` filled in; for a file without them, ``dataset`` is read
    from the free-text ``info["data"]`` ("SynthFaces seed 0, …" → ``synthfaces``), or from the labels
    (CelebA's five attributes → ``celeba``), else ``unknown``.

    ``strict`` (saving): an unknown data set name, or one whose label set is not ``classes``', is an error.
    """
    labels = label_set(classes)
    dataset = info.get("dataset") or _dataset_from_text(str(info.get("data", "")))
    if dataset is None:
        dataset = "celeba" if labels == "celeba-attributes" else "unknown"
    if dataset not in DATASETS:
        if strict:
            raise ValueError(f"dataset must be one of {', '.join(DATASETS)}, not {dataset!r}")
        dataset = "unknown"
    expected = DATASETS[dataset].labels
    if strict and dataset != "unknown" and labels != expected:
        raise ValueError(f"a generator trained on {DATASETS[dataset].title} draws its {expected} "
                         f"({', '.join(LABEL_SETS[expected])}), not {', '.join(classes)}")
    return {**info, "dataset": dataset, "labels": labels}


def _dataset_from_text(text: str) -> str | None:
    """The data set a free-text description names (files written before ``info["dataset"]``)."""
    text = text.lower().replace(" ", "")
    for key in ("synthfaces", "tunedmug", "fer2013", "celeba", "mug"):  # tunedmug before mug
        if key in text:
            return key
    return None


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
    classes = _classes_for(c_dim)
    return LoadedGenerator(generator.to(device).eval(), config, classes,
                           with_training_record({"from": str(path), "dataset": "celeba"}, classes))


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
