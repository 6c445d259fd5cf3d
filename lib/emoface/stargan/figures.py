"""The StarGAN figures of the seed paper (Fig. 4, 5) regenerated from a generator: faces × expressions.

Fig. 4 puts held-out test faces in rows and every expression in columns; Fig. 5 does the same for
faces from other sources. Both are :func:`expression_rows` drawn by :func:`emoface.viz.labelled_grid`.
:func:`attribute_row` does the same for the authors' CelebA generator (hair, sex, age) in section 9
of ``04_stargan.ipynb``.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch

from ..faces.detect import crop_face
from ..faces.equalize import equalize
from ..images import ImageSource
from .editing import EditMode, edit


def to_image(x: torch.Tensor) -> np.ndarray:
    """A float (3, H, W) tensor in [-1, 1] → RGB uint8 (H, W, 3)."""
    return x.add(1).mul(127.5).round().clamp(0, 255).byte().permute(1, 2, 0).cpu().numpy()


def to_tensor(rgb: np.ndarray) -> torch.Tensor:
    """RGB uint8 (H, W, 3) → float (1, 3, H, W) in [-1, 1]."""
    return torch.from_numpy(np.ascontiguousarray(rgb)).permute(2, 0, 1).float().div(127.5).sub(1).unsqueeze(0)


def expression_rows(generator: torch.nn.Module, faces: Sequence[np.ndarray], mode: EditMode = "residual",
                    size: int | None = None) -> list[list[np.ndarray]]:
    """For each face (RGB uint8, square): [the input, its edit into each of the generator's domains]."""
    rows = []
    for face in faces:
        x = to_tensor(face)
        rows.append([face] + [to_image(edit(generator, x, c, mode, size=size)[0]) for c in range(generator.c_dim)])
    return rows


#: The authors' CelebA demo starts from "black hair, female, young" (Black_Hair, …, Male, Young).
CELEBA_START = (1.0, 0.0, 0.0, 0.0, 1.0)


@torch.no_grad()
def attribute_row(generator: torch.nn.Module, face: np.ndarray,
                  start: Sequence[float] = CELEBA_START) -> list[np.ndarray]:
    """[the face, then one edit per CelebA attribute] for the authors' 5-attribute generator (lesson 04,
    section 9): the hair colours are one-hot, so each hair column sets its colour; Male and Young
    each flip their bit of ``start``."""
    device = next(generator.parameters()).device
    x = to_tensor(face).to(device)
    row = [face]
    for c in attribute_targets(start):
        row.append(to_image(generator(x, c.to(device).unsqueeze(0))[0]))
    return row


def attribute_targets(start: Sequence[float] = CELEBA_START) -> torch.Tensor:
    """(5, 5) float: the domain vector of each column of :func:`attribute_row`."""
    targets = torch.tensor(start, dtype=torch.float32).repeat(len(start), 1)
    for k in range(len(start)):
        if k < 3:  # hair colour: exactly one of black, blond, brown
            targets[k, :3] = torch.eye(3)[k]
        else:
            targets[k, k] = 1 - targets[k, k]
    return targets


def face_from_photo(path_or_rgb: ImageSource, size: int = 128) -> np.ndarray:
    """A photograph → the face the generator expects: Haar crop, ``size``², luminance-equalised (tunedMUG)."""
    return equalize(crop_face(path_or_rgb, size).face, "luminance")
