"""Any face set → what :class:`~emoface.stargan.trainer.StarGANTrainer` takes: uint8 images and labels.

The trainer keeps the whole training set as one ``uint8`` tensor (on the GPU when there is one), so
no image is decoded twice. tunedMUG and other expression folders come from
:class:`emoface.datasets.face_folder.FaceFolder`, which has decoded and checked them already; CelebA (or
any dataset yielding images in [-1, 1]) is decoded once here, up to ``limit`` images — all of
CelebA at 128² would take 8 GB, more than a Colab session has.
"""

from __future__ import annotations

import torch
from torch.utils.data import Dataset
from tqdm.auto import tqdm


def training_tensors(source: Dataset, limit: int | None = None, progress: bool = True,
                     seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """``(images uint8 (N, 3, H, W), labels)`` from a FaceFolder (its cache) or any (image, label) dataset.

    ``limit`` keeps a random subset of that many images (seeded), for sets too large for memory.
    """
    if hasattr(source, "images") and hasattr(source, "labels"):  # FaceFolder: decoded and checked already
        images, labels = source.images, source.labels
        if limit is not None and limit < len(labels):
            keep = torch.randperm(len(labels), generator=torch.Generator().manual_seed(seed))[:limit]
            images, labels = images[keep], labels[keep]
        return images, labels
    n = len(source)
    if n == 0:
        raise ValueError("the dataset is empty")
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))[: limit or n].tolist()
    first, label = source[order[0]]
    images = torch.empty((len(order), *first.shape), dtype=torch.uint8)
    labels = torch.empty((len(order), *torch.as_tensor(label).shape), dtype=torch.as_tensor(label).dtype)
    for k, index in enumerate(tqdm(order, desc="decoding", unit="img", disable=not progress)):
        image, label = source[index]
        images[k] = image.add(1).mul(127.5).round().clamp(0, 255).to(torch.uint8)
        labels[k] = torch.as_tensor(label)
    return images, labels
