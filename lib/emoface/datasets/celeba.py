"""CelebA for StarGAN, through ``torchvision.datasets.CelebA`` (full profile only).

CelebA (Liu et al., 2015; 202,599 aligned 178×218 faces of 10,177 people, 40 binary attributes)
is where the official StarGAN was trained and the set its released 128×128 generator expects.
torchvision downloads it from Google Drive with ``gdown``; Drive often refuses with "too many
users have viewed or downloaded this file" — the error we raise then says how to fetch it by hand.

Preprocessing follows the official StarGAN: centre crop 178×178, resize to 128, random horizontal
flip for training, scale to [-1, 1]. Labels are a 0/1 vector over the chosen attributes
(multi-label: the classifier head uses binary cross-entropy, not softmax).

Taught in ``01_datasets.ipynb``; used by ``04_stargan.ipynb`` in the full profile.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import torch
from torch.utils.data import Dataset

from ..settings import data_dir

CELEBA_HOMEPAGE = "https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html"
#: The five attributes of the official StarGAN (its ``--selected_attrs``) and of its released checkpoint.
STARGAN_ATTRIBUTES: tuple[str, ...] = ("Black_Hair", "Blond_Hair", "Brown_Hair", "Male", "Young")
#: The CelebA attributes that describe an expression; CelebA has no emotion labels.
EXPRESSION_ATTRIBUTES: tuple[str, ...] = ("Smiling", "Mouth_Slightly_Open", "Arched_Eyebrows", "Narrow_Eyes")


class CelebAFaces(Dataset):
    """CelebA images in [-1, 1] with a 0/1 float vector over ``attributes``."""

    def __init__(
        self,
        root: str | Path | None = None,
        split: str = "train",
        attributes: Sequence[str] = STARGAN_ATTRIBUTES,
        image_size: int = 128,
        download: bool = False,
    ) -> None:
        from torchvision import datasets, transforms as T

        self.root = Path(root) if root is not None else data_dir()
        steps = [T.CenterCrop(178), T.Resize(image_size, antialias=True)]
        if split == "train":
            steps.append(T.RandomHorizontalFlip())
        steps += [T.ToTensor(), T.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))]
        try:
            self.celeba = datasets.CelebA(str(self.root), split=split, target_type="attr",
                                          transform=T.Compose(steps), download=download)
        except RuntimeError as err:
            raise FileNotFoundError(
                f"CelebA is not complete under {self.root / 'celeba'} ({err}). With download=True torchvision "
                f"fetches it from Google Drive, which often refuses busy files; otherwise get img_align_celeba.zip "
                f"and the list_*.txt / identity_CelebA.txt files from {CELEBA_HOMEPAGE}, put them in "
                f"{self.root / 'celeba'} and unzip the images there."
            ) from err
        missing = [a for a in attributes if a not in self.celeba.attr_names]
        if missing:
            raise ValueError(f"CelebA has no attribute {', '.join(missing)}; its 40 are: {', '.join(self.celeba.attr_names[:40])}")
        self.attributes = tuple(attributes)
        self._columns = [self.celeba.attr_names.index(a) for a in attributes]

    def __len__(self) -> int:
        return len(self.celeba)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        image, attr = self.celeba[index]
        return image, attr[self._columns].float()
