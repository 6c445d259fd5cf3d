"""The torch ``Dataset`` the StarGAN trains on: tunedMUG images, expression labels, flips.

The paper augments with horizontal flips (§4.1); StarGAN's generator ends in ``tanh``, so images
are scaled to [-1, 1]. Decoding a PNG costs far more than a training step of a small generator,
and the official StarGAN decodes every image in every epoch through PIL. Here the whole split is
decoded **once** into a ``uint8`` tensor ``(N, 3, H, W)`` and cached beside the images
(``.cache-<hash>.pt``, written atomically, loaded with ``weights_only=True``); 20k tunedMUG faces
take 1 GB as uint8. The hash covers the file names, sizes and times, so adding or changing an
image rebuilds the cache. A trainer may move :attr:`FaceFolder.images` to the GPU whole.

A folder whose class names are not our expressions, with fewer than two classes, or with an
unreadable image fails here, at once, with a message — not after a day of training.

Taught in ``02_tunedmug.ipynb``; used by ``04_stargan.ipynb``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import cv2
import numpy as np
import torch
from torch.utils.data import Dataset
from tqdm.auto import tqdm

from ..atomic import atomic_write
from ..images import ImageReadError, load_rgb
from ..labels import FACE_EXPRESSIONS
from .mug import IMAGE_SUFFIXES, canonical_expression


class FaceFolder(Dataset):
    """``<root>/<expression>/*.png`` as ``(image in [-1, 1], expression id)`` pairs.

    Labels index :data:`emoface.labels.FACE_EXPRESSIONS` whatever subset of folders is present, so a
    checkpoint trained on one folder means the same classes on another.
    """

    def __init__(self, root: str | Path, flip: bool = True, size: int | None = None, progress: bool = True) -> None:
        self.root = Path(root)
        self.flip = flip
        files, labels = _list_images(self.root)
        #: ``(N, 3, H, W)`` uint8, the decoded images.
        self.images = _load_or_decode(self.root, files, size, progress)
        #: ``(N,)`` int64 expression ids.
        self.labels = torch.tensor(labels, dtype=torch.long)
        self.files = files

    @property
    def classes(self) -> list[str]:
        """The expressions present, by name."""
        return [FACE_EXPRESSIONS[i] for i in sorted(set(self.labels.tolist()))]

    def class_counts(self) -> dict[str, int]:
        counts = torch.bincount(self.labels, minlength=len(FACE_EXPRESSIONS))
        return {name: int(counts[i]) for i, name in enumerate(FACE_EXPRESSIONS) if counts[i] > 0}

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        # uint8 [0, 255] → float [-1, 1], the range of the generator's tanh.
        image = self.images[index].float().div(127.5).sub(1.0)
        if self.flip and torch.rand(()) < 0.5:
            image = image.flip(-1)
        return image, int(self.labels[index])


def _list_images(root: Path) -> tuple[list[Path], list[int]]:
    if not root.is_dir():
        raise FileNotFoundError(f"no image folder at {root}; build tunedMUG first (emoface.datasets.tunedmug)")
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    unknown = [p.name for p in folders if canonical_expression(p.name) is None]
    if unknown:
        raise ValueError(
            f"{root} has class folders {', '.join(unknown)} that are not expressions; the GAN's domains are "
            f"{', '.join(FACE_EXPRESSIONS)}: rename or remove those folders"
        )
    files: list[Path] = []
    labels: list[int] = []
    for folder in folders:
        images = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        files += images
        labels += [FACE_EXPRESSIONS.index(canonical_expression(folder.name))] * len(images)
    present = sorted({FACE_EXPRESSIONS[i] for i in labels})
    if len(present) < 2:
        raise ValueError(
            f"{root} has images of {len(present)} expression(s) ({', '.join(present) or 'none'}); "
            "a StarGAN needs at least two domains to translate between"
        )
    return files, labels


def _load_or_decode(root: Path, files: list[Path], size: int | None, progress: bool) -> torch.Tensor:
    digest = hashlib.sha1()
    for path in files:
        stat = path.stat()
        digest.update(f"{path.relative_to(root)}|{stat.st_size}|{stat.st_mtime_ns}|{size}".encode())
    cache = root / f".cache-{digest.hexdigest()[:16]}.pt"
    if cache.is_file():
        return torch.load(cache, weights_only=True)["images"]
    images = _decode(files, size, progress)
    for stale in root.glob(".cache-*.pt"):
        stale.unlink()
    atomic_write(cache, lambda handle: torch.save({"images": images}, handle))
    return images


def _decode(files: list[Path], size: int | None, progress: bool) -> torch.Tensor:
    first = _read(files[0], size)
    images = torch.empty((len(files), 3, *first.shape[:2]), dtype=torch.uint8)
    for i, path in enumerate(tqdm(files, desc="decoding faces", unit="img", disable=not progress)):
        image = first if i == 0 else _read(path, size)
        if image.shape != first.shape:
            raise ValueError(
                f"{path} is {image.shape[1]}×{image.shape[0]} but {files[0].name} is {first.shape[1]}×{first.shape[0]}; "
                "all images of a set must share one size (pass size= to resize them)"
            )
        images[i] = torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1)))
    return images


def _read(path: Path, size: int | None) -> np.ndarray:
    try:
        image = load_rgb(path)
    except ImageReadError as err:
        raise ImageReadError(f"{err}; remove or replace it and run again") from None
    if size is not None and image.shape[:2] != (size, size):
        image = cv2.resize(image, (size, size), interpolation=cv2.INTER_AREA)
    return image
