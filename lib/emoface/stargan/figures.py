"""The StarGAN figures of the seed paper (Fig. 4, 5) regenerated from a generator: faces × expressions.

Fig. 4 puts held-out test faces in rows and every expression in columns; Fig. 5 does the same for
faces from other sources. Both are :func:`expression_rows` drawn by :func:`emoface.viz.labelled_grid`.
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


def face_from_photo(path_or_rgb: ImageSource, size: int = 128) -> np.ndarray:
    """A photograph → the face the generator expects: Haar crop, ``size``², luminance-equalised (tunedMUG)."""
    return equalize(crop_face(path_or_rgb, size).face, "luminance")
