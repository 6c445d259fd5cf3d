"""A second, small critic that judges only the pixels an expression change redraws (pix2pix's PatchGAN).

Why: the paired L1 asks G for the *average* of the places a thin crease line could be, and at 64²
that average is a broad brown smear (the demo grid's joy: a "moustache" round the new smile where the
true face has two thin lines). StarGAN's own D sees the whole face through a 2×2 patch grid, and its
realness term is outweighed by the paired one. This critic sees ~18-pixel patches, each beside the
source face it was drawn from, and is scored only where the person's source and true target differ,
so what it can tell apart is a smear from a stroke. Real = the same person's true target face.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .losses import near_expression_changes

#: How far round the expression change the critic's verdicts count, in pixels (the crease lines lie
#: a pixel or two beside the pixels that differ).
LOCAL_REACH = 2


class LocalCritic(nn.Module):
    """(source, candidate) → one realness score per 4×4 cell, each seeing ~18×18 pixels.

    ``spectral``: each convolution spectrally normalised (Miyato et al.), so the critic's verdict changes
    smoothly with the picture and G cannot pass it with changes too small to see (measured without it:
    G did so within 100 steps)."""

    def __init__(self, conv_dim: int = 32, spectral: bool = False) -> None:
        super().__init__()
        norm = nn.utils.parametrizations.spectral_norm if spectral else (lambda layer: layer)
        self.main = nn.Sequential(
            norm(nn.Conv2d(6, conv_dim, 4, 2, 1)), nn.LeakyReLU(0.2),
            norm(nn.Conv2d(conv_dim, conv_dim * 2, 4, 2, 1)), nn.LeakyReLU(0.2),
            norm(nn.Conv2d(conv_dim * 2, 1, 3, 1, 1)))

    def forward(self, source: torch.Tensor, candidate: torch.Tensor) -> torch.Tensor:
        return self.main(torch.cat([source, candidate], 1))


def changed_cells(source: torch.Tensor, truth: torch.Tensor, present: torch.Tensor | None = None,
                  cell: int = 4, from_row: float = 0.0, lines: torch.Tensor | None = None) -> torch.Tensor:
    """(B, 1, H/cell, W/cell) float 0/1: the critic's cells that hold part of the expression change (none in the
    rows ``present`` marks False: they have no true face).

    ``lines`` (bool (B, 1, H, W), optional): only the changed pixels on these count — the brows, folds and
    mouth of the source and the true face (:func:`~emoface.datasets.synth.expression_lines`), so the critic
    leaves the eyes and the chin to the paired terms.

    ``from_row`` (a share of the height): only the cells that begin at or below it count. At 0.55 of a
    64² SynthFaces crop the critic judges the mouth and the creases beside it, not the brows and eyes,
    where G, pushed to draw detail it cannot, broke glasses frames and mottled the eyes (twenty-fifth
    session, by eye); without it there, the angry brows came out fainter (twenty-sixth session).
    """
    near = near_expression_changes(source, truth, LOCAL_REACH)
    near = (near if lines is None else near & lines).float()
    cells = F.max_pool2d(near, cell, cell)
    if from_row > 0:
        first_row = cell * torch.arange(cells.size(2), device=cells.device)
        cells = cells * (first_row >= from_row * source.size(2)).to(cells.dtype).view(1, 1, -1, 1)
    return cells if present is None else cells * present.view(-1, 1, 1, 1)


def critic_loss(real_score: torch.Tensor, fake_score: torch.Tensor, cells: torch.Tensor) -> torch.Tensor:
    """Least-squares critic loss over the changed cells: the true face → 1, G's edit → 0."""
    wanted = ((real_score - 1) ** 2 + fake_score ** 2) * cells
    return wanted.sum() / cells.sum().clamp(min=1.0)


def generator_loss(fake_score: torch.Tensor, cells: torch.Tensor) -> torch.Tensor:
    """Least-squares generator loss over the changed cells: G's edit → 1."""
    return ((fake_score - 1) ** 2 * cells).sum() / cells.sum().clamp(min=1.0)
