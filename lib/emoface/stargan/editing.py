"""Using a trained generator on faces: the plain StarGAN edit and our *residual* edit.

StarGAN's generator redraws every pixel. Even where the expression does not change (hair,
background, skin) its output differs a little from the input: it is blurrier and slightly shifted
in colour, and at the demo's 64×64 it is also coarser than the photograph. Measured against the true
image of the same person in the target expression (SynthFaces, held-out identities), these small
errors everywhere add up to a mean L1 *above* that of the unchanged input, although the expression
itself is right.

The residual edit keeps only what the generator *changes* between two domains:

    x' = x + G(x, c_target) − G(x, c_source)

Both terms share the generator's blur and colour shift, which cancel; what is left is the
expression's movement, added to the person's own pixels. It also gives a sharp edit of a face larger
than the generator: the difference is computed at the generator's size and upsampled, the
photograph keeps its resolution. ``c_source`` is the face's current expression; when it is unknown
(a user's photo), it is the domain whose reconstruction G(x, c) is closest to x — the generator's own
reading of the face, no extra model needed.

An **attention** generator (our extension, :class:`~emoface.stargan.model.Generator` with
``attention=True``) already keeps the person's own pixels wherever its mask says so: its plain edit
*is* a residual one, only where the expression changes. For it the default edit is ``plain``
(:func:`default_mode`); subtracting a second, imperfect reconstruction would only add noise.

Images are float tensors in [-1, 1], (N, 3, H, W).
"""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

EditMode = Literal["plain", "residual"]


def default_mode(config) -> EditMode:
    """The edit a generator with this config (a :class:`~emoface.stargan.trainer.StarGANConfig`) is used with:
    ``plain`` for an attention generator (it keeps the input's pixels itself), else ``residual``."""
    return "plain" if getattr(config, "g_attention", False) else "residual"


def _one_hot(target: int | torch.Tensor, n: int, c_dim: int, device: torch.device) -> torch.Tensor:
    ids = torch.full((n,), target, device=device) if isinstance(target, int) else target.to(device)
    return F.one_hot(ids, c_dim).float()


def _resize(x: torch.Tensor, size: int) -> torch.Tensor:
    if x.shape[-2:] == (size, size):
        return x
    return F.interpolate(x, size=(size, size), mode="area" if x.size(-1) > size else "bilinear", align_corners=None)


@torch.no_grad()
def infer_source(generator: nn.Module, x: torch.Tensor, size: int | None = None) -> torch.Tensor:
    """The domain each face is in, as the generator sees it: argmin_c mean |G(x, c) − x|."""
    small = _resize(x, size or x.size(-1))
    errors = torch.stack([(generator(small, _one_hot(c, len(small), generator.c_dim, small.device)) - small)
                          .abs().flatten(1).mean(1) for c in range(generator.c_dim)], 1)
    return errors.argmin(1)


@torch.no_grad()
def edit(generator: nn.Module, x: torch.Tensor, target: int, mode: EditMode = "residual",
         source: torch.Tensor | None = None, size: int | None = None) -> torch.Tensor:
    """Faces ``x`` (any square size) edited into ``target``, at the size of ``x``.

    ``size`` is the generator's image size (default: that of ``x``). ``source`` (N,) is used by the
    residual mode; when ``None`` it is inferred with :func:`infer_source`.
    """
    if mode not in ("plain", "residual"):
        raise ValueError(f"mode must be 'plain' or 'residual', not {mode!r}")
    size = size or x.size(-1)
    small = _resize(x, size)
    out = generator(small, _one_hot(target, len(x), generator.c_dim, x.device))
    if mode == "plain":
        return _resize(out, x.size(-1)) if x.size(-1) != size else out
    if source is None:
        source = infer_source(generator, small)
    delta = out - generator(small, _one_hot(source, len(x), generator.c_dim, x.device))
    if x.size(-1) != size:
        delta = F.interpolate(delta, size=x.shape[-2:], mode="bicubic", align_corners=False)
    return (x + delta).clamp(-1, 1)
