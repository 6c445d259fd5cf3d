"""StarGAN's losses (Choi et al., 2018, §3), as small pure functions.

The paper's Eq. 1 is the original GAN objective,

    L(G, D) = E_x[log D(x)] + E_y[log(1 − D(G(y)))],

but StarGAN — and so the paper's model — trains with the **Wasserstein** objective plus a gradient
penalty (WGAN-GP, Gulrajani et al., 2017), which is far more stable:

    L_adv^D = −E_x[D_src(x)] + E_x,c[D_src(G(x, c))] + λ_gp · E_x̂[(‖∇_x̂ D_src(x̂)‖₂ − 1)²]
    L_adv^G = −E_x,c[D_src(G(x, c))]

where x̂ is a random point on the line between a real and a generated image. Beside it:

    L_cls^r = E[−log D_cls(c′ | x)]        D learns to tell the true domain c′ of a real image
    L_cls^f = E[−log D_cls(c | G(x, c))]   G learns to make images D classifies as the target c
    L_rec   = E[‖x − G(G(x, c), c′)‖₁]     the cycle back to the source domain keeps the identity

    L_D = L_adv^D + λ_cls · L_cls^r              L_G = L_adv^G + λ_cls · L_cls^f + λ_rec · L_rec

with λ_cls = 1, λ_rec = 10, λ_gp = 10. For one expression per image the domain loss is a softmax
cross-entropy; for CelebA's independent attributes a binary cross-entropy per attribute.

Mixed precision: compute :func:`gradient_penalty` in float32 (outside ``autocast``); its
second-order gradients underflow in float16.

Taught in ``04_stargan.ipynb``, each equation next to the line computing it.
"""

from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F


def critic_loss(real_src: torch.Tensor, fake_src: torch.Tensor) -> torch.Tensor:
    """−E[D_src(x)] + E[D_src(G(x, c))]: D raises real scores and lowers fake ones."""
    return fake_src.mean() - real_src.mean()


def generator_adversarial_loss(fake_src: torch.Tensor) -> torch.Tensor:
    """−E[D_src(G(x, c))]: G raises the critic's score of its images."""
    return -fake_src.mean()


def gradient_penalty(
    critic: Callable[[torch.Tensor], torch.Tensor], real: torch.Tensor, fake: torch.Tensor,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """E[(‖∇_x̂ D_src(x̂)‖₂ − 1)²] at random interpolates x̂ = αx + (1 − α)x̃, α ~ U(0, 1) per sample."""
    alpha = torch.rand(real.size(0), 1, 1, 1, device=real.device, generator=generator, dtype=real.dtype)
    x_hat = (alpha * real.detach() + (1 - alpha) * fake.detach()).requires_grad_(True)
    score = critic(x_hat)
    (grad,) = torch.autograd.grad(score, x_hat, grad_outputs=torch.ones_like(score), create_graph=True)
    norm = grad.flatten(1).norm(2, dim=1)
    return ((norm - 1) ** 2).mean()


def classification_loss(logits: torch.Tensor, target: torch.Tensor, smoothing: float = 0.0) -> torch.Tensor:
    """Domain loss: cross-entropy for class ids (B,), binary cross-entropy for 0/1 vectors (B, C).

    ``smoothing`` moves that share of each target towards the uniform (class ids) or towards ½ (0/1
    vectors), so the classifier is never trained to certainty.
    """
    if target.dim() == 1:
        return F.cross_entropy(logits, target, label_smoothing=smoothing)
    soft = target.to(logits.dtype) * (1 - smoothing) + 0.5 * smoothing
    return F.binary_cross_entropy_with_logits(logits, soft, reduction="sum") / logits.size(0)


def reconstruction_loss(x: torch.Tensor, x_rec: torch.Tensor) -> torch.Tensor:
    """E[‖x − G(G(x, c), c′)‖₁], the cycle-consistency that keeps who the person is."""
    return (x - x_rec).abs().mean()


#: A pixel "changes" with the expression where source and true target differ by more than this (mean
#: over channels, images in [-1, 1]: a tenth of the range, above the drawings' anti-aliasing);
#: :func:`paired_loss`'s focus, :func:`painting_loss` and the evaluation's ghost share use it.
EXPRESSION_CHANGE = 0.2


def expression_changes(source: torch.Tensor, truth: torch.Tensor) -> torch.Tensor:
    """(B, 1, H, W) bool: the pixels where a person's ``source`` face and ``truth`` in the target differ."""
    return (source - truth).abs().mean(1, keepdim=True) > EXPRESSION_CHANGE


def near_expression_changes(source: torch.Tensor, truth: torch.Tensor, reach: int) -> torch.Tensor:
    """(B, 1, H, W) bool: the pixels within ``reach`` pixels of :func:`expression_changes` (the skin the
    mask opens over beside the old and the new mouth)."""
    return _within(expression_changes(source, truth), reach)


def _within(pixels: torch.Tensor, reach: int) -> torch.Tensor:
    """(B, 1, H, W) bool: the pixels within ``reach`` pixels (a square) of the True ones."""
    return F.max_pool2d(pixels.float(), 2 * reach + 1, 1, reach) > 0


def high_pass(images: torch.Tensor) -> torch.Tensor:
    """``images`` minus their 3×3 mean (edges repeated): the fine grain, same size."""
    return images - F.avg_pool2d(F.pad(images, (1, 1, 1, 1), mode="replicate"), 3, 1)


def paired_loss(x_fake: torch.Tensor, x_true: torch.Tensor, present: torch.Tensor,
                x_real: torch.Tensor | None = None, focus: float = 0.0) -> torch.Tensor:
    """E[‖G(x, c) − y‖₁] over the rows whose true edit y exists (0 when none does): our paired term.

    With ``focus > 0`` (and ``x_real``) it is a weighted mean, each pixel where x and y differ
    (the old mouth, brows, creases) weighing ``1 + focus``: those thin lines are few pixels, so an
    unweighted L1 can fall while they stay as ghosts of the old expression.
    """
    if not bool(present.any()):
        return x_fake.sum() * 0.0  # keeps the graph (and DDP's bookkeeping) the same on every step
    error = (x_fake[present] - x_true[present]).abs()
    if focus <= 0 or x_real is None:
        return error.mean()
    changed = expression_changes(x_real[present], x_true[present])
    weight = 1.0 + focus * changed.to(error.dtype)
    return (weight * error).mean() / weight.mean()


def painting_loss(painting: torch.Tensor, x_true: torch.Tensor, present: torch.Tensor,
                  x_real: torch.Tensor) -> torch.Tensor:
    """Mean ‖painting − y‖₁ over the pixels the expression changes (x and y differ), rows with a y.

    An attention G's output there is ``keep·x + (1 − keep)·painting``: while the mask keeps the input
    the painting's gradient is scaled by ``1 − keep`` (5 % at the start). Pulled here directly, the
    painting learns the new mouth and brows first, and the mask opens where it has them right.
    Elsewhere the painting is left free: the mask keeps the person's pixels there.
    """
    if not bool(present.any()):
        return painting.sum() * 0.0  # the same graph on every step (DDP)
    changed = expression_changes(x_real[present], x_true[present]).to(painting.dtype)
    return _weighted_l1(painting[present], x_true[present], changed)


def open_painting_loss(painting: torch.Tensor, keep: torch.Tensor, x_true: torch.Tensor,
                       present: torch.Tensor) -> torch.Tensor:
    """Mean ‖painting − y‖₁ weighted by how much the mask paints each pixel, ``1 − keep``, rows with a y.

    :func:`painting_loss` grades only the pixels the expression changes. The mask opens wider, over
    the skin between the old mouth and the new one, and there only the whole-face paired term pulls
    the painting: it stays mottled (seen at 4× in the demo generator's edits, and read at blog size as
    a smudge where the old mouth was). The mask is held fixed here, so the term is lowered by painting
    the person's skin, not by closing the mask.
    """
    if not bool(present.any()):
        return painting.sum() * 0.0  # the same graph on every step (DDP)
    return _weighted_l1(painting[present], x_true[present], (1 - keep[present]).detach())


#: How far from the expression change :func:`texture_loss` looks, in pixels: the skin the mask opens over
#: beside the old and new mouth (the reach of :func:`emoface.stargan.evaluate.skin_speckle`).
TEXTURE_REACH = 3


def texture_loss(x_fake: torch.Tensor, x_true: torch.Tensor, present: torch.Tensor,
                 x_real: torch.Tensor) -> torch.Tensor:
    """Mean |high-pass(G(x, c) − y)| (x − its 3×3 box blur, per channel) within :data:`TEXTURE_REACH`
    pixels of the expression change, rows with a y.

    L1 barely counts fine grain: a mottled patch whose average is the skin's costs little, yet at blog
    size it reads as a smudge where the old mouth was. Holding the edit's fine texture to the true
    face's asks for smooth skin where the truth is smooth and for the truth's lines where it has them.
    """
    if not bool(present.any()):
        return x_fake.sum() * 0.0  # the same graph on every step (DDP)
    grain = high_pass(x_fake[present] - x_true[present]).abs()
    near = near_expression_changes(x_real[present], x_true[present], TEXTURE_REACH).to(grain.dtype)
    return (grain * near).sum() / (near.sum() * grain.size(1)).clamp(min=1e-6)


#: A pixel lies on a drawn line where the true face's 3×3 high-pass, averaged over channels, exceeds this
#: ([-1, 1] units; a glasses frame or a brow edge is ~0.2-0.5 at 64², smooth skin under 0.05).
LINE_CONTRAST = 0.1


def kept_lines_loss(x_fake: torch.Tensor, x_true: torch.Tensor, present: torch.Tensor,
                    x_real: torch.Tensor) -> torch.Tensor:
    """Mean ‖G(x, c) − y‖₁ over the lines that *stay*: pixels on a drawn line of the true face y, where x and
    y agree, within :data:`TEXTURE_REACH` pixels of the expression change; rows with a y.

    The local critic judges every cell near a change, and where such a cell holds a line that should
    stay (a glasses frame over eyes that widen under surprise), G broke the line into dashes (measured
    by eye, twenty-fifth session). The paired term counts those pixels at weight 1 among thousands;
    here they are the whole of the term.
    """
    if not bool(present.any()):
        return x_fake.sum() * 0.0  # the same graph on every step (DDP)
    source, truth = x_real[present], x_true[present]
    on_line = high_pass(truth).abs().mean(1, keepdim=True) > LINE_CONTRAST
    changes = expression_changes(source, truth)
    kept = on_line & ~changes & _within(changes, TEXTURE_REACH)
    return _weighted_l1(x_fake[present], truth, kept.to(x_fake.dtype))


def gone_lines_loss(x_fake: torch.Tensor, x_true: torch.Tensor, present: torch.Tensor,
                    gone: torch.Tensor) -> torch.Tensor:
    """Mean ‖G(x, c) − y‖₁ plus the mean of its fine grain (:func:`high_pass`) over the pixels ``gone`` (bool
    (B, 1, H, W)): where the source face draws an expression line and the true face y does not; rows with a y.

    A ghost of the source expression is an old line left faint (a smile's creases under an angry mouth,
    an old brow beside the new one): a few pixels of low contrast, which the paired L1 counts among
    thousands and the texture term among every pixel near the change. Here they are the whole of the
    term, and their fine grain counts as much as their level, since a faint line is all grain.
    """
    weight = (gone & present.view(-1, 1, 1, 1)).to(x_fake.dtype)
    level = _weighted_l1(x_fake, x_true, weight)
    grain = _weighted_l1(high_pass(x_fake), high_pass(x_true), weight)
    return level + grain


def gone_painting_loss(painting: torch.Tensor, x_true: torch.Tensor, present: torch.Tensor,
                       gone: torch.Tensor, reach: int = 0) -> torch.Tensor:
    """Mean ‖painting − y‖₁ over the pixels ``gone`` (as :func:`gone_lines_loss`'s) and within ``reach`` pixels
    of them, rows with a y.

    An attention G's edit is ``keep·x + (1 − keep)·painting``, so opening the mask over an old line lowers
    :func:`gone_lines_loss` only where the painting differs from the input there. Where the mask keeps the
    input, the painting copied the old line (a forehead's or a nose's wrinkle changes a 64-pixel face by less
    than :data:`EXPRESSION_CHANGE`, so :func:`painting_loss` skips it): pulled to the true face here, the
    painting draws the skin without it, and the mask can open onto that.
    """
    graded = _within(gone, reach) if reach > 0 else gone
    return _weighted_l1(painting, x_true, (graded & present.view(-1, 1, 1, 1)).to(painting.dtype))


def open_gone_loss(mask_logit: torch.Tensor, present: torch.Tensor, gone: torch.Tensor) -> torch.Tensor:
    """Mean −log(1 − keep) = softplus(logit) over the pixels ``gone`` (as :func:`gone_lines_loss`'s), rows with a
    y: the mask asked to paint where an old line must go. ``mask_logit``: the attention mask's logit
    (``Generator.paint(..., logit=True)``), keep = sigmoid(logit).

    A mask that keeps an old wrinkle keeps it at a saturated sigmoid (keep ≈ 1; in bfloat16 exactly 1), where
    every term on the edit reaches the logit scaled by keep·(1 − keep), or not at all; taken on the logit, this
    one's gradient is keep, whole. Weighed with :func:`gone_painting_loss`, so that what the mask opens onto is
    the true skin.
    """
    weight = (gone & present.view(-1, 1, 1, 1)).to(mask_logit.dtype)
    return (F.softplus(mask_logit) * weight).sum() / weight.sum().clamp(min=1e-6)


#: How far from the expression change :func:`still_mask_loss` lets the mask open freely, in pixels: room
#: for the blend's soft edge round the new mouth and brows.
STILL_MARGIN = 2


def still_mask_loss(keep: torch.Tensor, x_true: torch.Tensor, present: torch.Tensor,
                    x_real: torch.Tensor) -> torch.Tensor:
    """Mean ``1 − keep`` over the pixels the expression leaves alone, farther than :data:`STILL_MARGIN`
    pixels from any change; rows with a y.

    The whole-face mask penalty is weak (λ 0.01) so that the mask can open wide round a new mouth; this
    asks it to keep the person wherever the target moves nothing. Tried against the dark, mottled eyes
    the wider local critic's G painted behind glasses (twenty-sixth session, λ 20): it did not mend
    them, as the mask opens there because the lids move a little, within the margin.
    """
    if not bool(present.any()):
        return keep.sum() * 0.0  # the same graph on every step (DDP)
    near = near_expression_changes(x_real[present], x_true[present], STILL_MARGIN)
    still = (~near).to(keep.dtype)
    return ((1 - keep[present]) * still).sum() / still.sum().clamp(min=1.0)


def _weighted_l1(image: torch.Tensor, truth: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """‖image − truth‖₁ averaged over pixels and channels, each pixel weighing ``weight`` (B, 1, H, W); 0 when
    no pixel weighs anything."""
    error = (image - truth).abs() * weight
    return error.sum() / (weight.sum() * image.size(1)).clamp(min=1e-6)


def feature_matching_loss(fake_features: list[torch.Tensor], true_features: list[torch.Tensor],
                          present: torch.Tensor) -> torch.Tensor:
    """Mean over D's layers of ‖φ(G(x, c)) − φ(y)‖₁, rows with a true edit y (pix2pixHD's term).

    Pixel L1 is content with a blurred mouth: a thin dark line smeared into a pale band costs few
    pixels but reads as another expression. D's features respond to strokes and to the expression
    (its classifier reads them), so matching them asks for the right lines, not only the right average.
    """
    if not bool(present.any()):
        return fake_features[0].sum() * 0.0  # the same graph on every step (DDP)
    per_layer = [(fake[present].float() - true[present].detach().float()).abs().mean()
                 for fake, true in zip(fake_features, true_features)]
    return torch.stack(per_layer).mean()


def edited_area(keep: torch.Tensor) -> torch.Tensor:
    """Mean share of pixels an attention generator repaints, ``mean(1 - keep)``: the mask penalty."""
    return (1 - keep).mean()
