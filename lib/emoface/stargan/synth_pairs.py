"""SynthFaces as StarGAN tensors: every identity in all seven expressions, so edits can be graded.

A real face set has one photograph per person and expression at best, and never the photograph
StarGAN is asked to invent. SynthFaces draws each identity in every expression with the same shot,
so for a held-out person x in expression a, the *true* image of that person in expression c exists
and G(x, c) can be compared with it pixel by pixel (:mod:`emoface.stargan.evaluate`).

The images are prepared like tunedMUG faces (a face-box crop, luminance-equalised), so a generator
trained here sees at inference what the pipeline gives it. Training and test sets use disjoint
identity ranges of one seed: identity ``i`` is the same person in any set that contains it.

Taught in ``04_stargan.ipynb``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch

from ..datasets.synth import EXPRESSION_LINE_PARTS, draw_face, expression_lines, random_identity
from ..faces.equalize import EqualizeMode, equalize
from ..labels import FACE_EXPRESSIONS
from ..parallel import ordered_map


#: The margin around OpenCV's cascade box (each side, as a share of its side) that cuts a SynthFaces
#: scene as :func:`synth_pairs` frames its faces, so that the engine shows a generator trained here the
#: faces it learnt on: ``draw_face`` frames 1.2× the drawn face box, and the cascade's box is 1.028× that
#: box (median over 176 scenes of people 2,000,000+; centred within 0.4 %), so (1.2 / 1.028 − 1) / 2.
#: The paper's 0.15 cuts the face 10 % smaller than that (docs/stargan.md). The engine cuts so for every
#: generator file trained on these pairs (:func:`emoface.engines.stargan.training_margin`).
HAAR_MARGIN = 0.084


class SynthPairs(NamedTuple):
    """``images`` uint8 (identities, 7, 3, H, W): identity i in expression e at ``images[i, e]``;
    ``lines`` (asked for with ``synth_pairs(lines=True)``) bool (identities, 7, 1, H, W): the pixels of each
    image that the expression's lines cover (:func:`~emoface.datasets.synth.expression_lines`), else None;
    ``gone_lines`` (asked for with ``synth_pairs(gone_parts=...)``) the same for other parts: the lines whose
    ghost the trainer's gone terms fight, where those are not the line critic's lines."""

    images: torch.Tensor
    identities: range
    lines: torch.Tensor | None = None
    gone_lines: torch.Tensor | None = None

    def flat(self) -> tuple[torch.Tensor, torch.Tensor]:
        """All images as uint8 (N, 3, H, W) with their expression ids (N,): the trainer's input."""
        n, e = self.images.shape[:2]
        labels = torch.arange(e).repeat(n)
        return self.images.reshape(n * e, *self.images.shape[2:]), labels

    def flat_lines(self) -> torch.Tensor:
        """:attr:`lines` in :meth:`flat`'s order, bool (N, 1, H, W): the trainer's ``line_masks``."""
        if self.lines is None:
            raise ValueError("these pairs were drawn without their lines; draw them with synth_pairs(lines=True)")
        return self.lines.reshape(-1, *self.lines.shape[2:])

    def flat_gone_lines(self) -> torch.Tensor:
        """:attr:`gone_lines` in :meth:`flat`'s order, bool (N, 1, H, W): the trainer's ``gone_masks``."""
        if self.gone_lines is None:
            raise ValueError("these pairs were drawn without gone lines; draw them with synth_pairs(gone_parts=...)")
        return self.gone_lines.reshape(-1, *self.gone_lines.shape[2:])

    def partners(self) -> torch.Tensor:
        """For :meth:`flat`'s order, (N, 7) long: the index of the same identity in each expression."""
        n, e = self.images.shape[:2]
        first = torch.arange(n).repeat_interleave(e) * e  # each flat image's identity's first index
        return first[:, None] + torch.arange(e)[None, :]


def _draw_identity(job: tuple[int, int, int, str, tuple[tuple[str, ...] | None, ...]]
                   ) -> tuple[np.ndarray, list[np.ndarray | None]]:
    seed, index, size, mode, mask_parts = job
    identity = random_identity(np.random.default_rng([seed, index]))  # as SynthFaces.identity does
    drawn = [draw_face(identity, e, size) for e in FACE_EXPRESSIONS]
    faces = np.stack([equalize(face, mode) for face in drawn])
    masks = [np.stack([expression_lines(identity, e, size, face, parts) for e, face in zip(FACE_EXPRESSIONS, drawn)])
             if parts else None for parts in mask_parts]
    return faces, masks


def synth_pairs(identities: range, size: int = 128, seed: int = 0, equalization: EqualizeMode = "luminance",
                workers: int | None = None, progress: bool = True, lines: bool = False,
                line_parts: tuple[str, ...] = EXPRESSION_LINE_PARTS,
                gone_parts: tuple[str, ...] | None = None) -> SynthPairs:
    """Draw ``identities`` (e.g. ``range(0, 1000)`` to train, ``range(10_000, 10_200)`` to test).

    Uses all cores (about 150 faces per second per core; ``lines`` draws each face once more, without them,
    and ``gone_parts`` once more again). ``line_parts``: which parts the ``lines`` masks cover
    (:func:`~emoface.datasets.synth.expression_lines`); ``gone_parts``: the parts of the ``gone_lines`` masks.
    """
    if len(identities) < 1:
        raise ValueError("need at least one identity")
    mask_parts = (tuple(line_parts) if lines else None, tuple(gone_parts) if gone_parts else None)
    jobs = [(seed, i, size, equalization, mask_parts) for i in identities]
    drawn = list(ordered_map(_draw_identity, jobs, workers=workers, desc="SynthFaces", unit="person",
                             progress=progress))
    images = torch.from_numpy(np.stack([faces for faces, _ in drawn])).permute(0, 1, 4, 2, 3).contiguous()
    line_masks, gone_masks = (torch.from_numpy(np.stack([masks[k] for _, masks in drawn]))[:, :, None]
                              if parts else None for k, parts in enumerate(mask_parts))
    return SynthPairs(images, identities, line_masks, gone_masks)
