"""How an attention generator's painting is laid over the person's face at inference.

G paints the new brows and mouth and its mask says where to use the painting; everywhere else the
person's own pixels stay. Blended as they are, the two show faults seen in the demo generator's
grids, so at inference (``Generator.compose`` in ``eval()``) the painting is laid in with corrections;
training sees the plain blend the losses were designed for:

* **Colour** (:func:`match_local_colour`): the painting's skin tone is an average of the faces G was
  trained on (orange patches on dark skin), so its skin takes the person's colour: each pixel's painting
  is shifted by how far the person's skin colour is from the painting's around it. That shift is a robust
  mean over a window wider than a mouth, so a new feature's own colour (an open mouth's red, which the
  person's closed mouth did not have) is kept, not averaged into the skin (a 7-pixel plain mean turned a
  surprised mouth brown).
* **Reach** (:func:`widen_painted_region`): the mask opens over the old mouth and brows but stops
  short of the thin creases a smile draws on the cheeks, which then stay as faint arcs under an angry
  or sad mouth. The painted region is widened by a few pixels.
* **What fills the ring** (:func:`composite`): the person's own pixels, each either as it is or under
  a 3×3 median filter (which keeps skin and shading and drops lines one pixel wide), whichever is
  nearer G's painting there. So a crease G does not paint goes, and a glasses frame G paints stays
  sharp. (G's painting itself in the ring, even smoothed, is a rougher likeness: measured, it took the
  edits a quarter further from the true faces; the median alone faded thin frames, and a 5×5 one
  blurred the eyes under the brows.)
* **Grain** (:func:`core_grain`, and the colour detail in :func:`match_local_colour`): G paints skin
  with a grey grain and one-pixel speckles of every colour, and leaves the old smile's creases faint in
  it; at blog size they read as a smudge where the old mouth was. Before it is laid in, the painting's
  fine brightness detail is cored (shrunk towards 0 by :data:`GRAIN`, so faint texture goes and lines
  stay) and its fine colour detail is averaged over 3×3 pixels (colour noise is pixel-scale; lips and
  teeth are wider). Measured in docs/stargan.md: the speckle's colour halved, the lines left by the
  old expression on dark skin down by a fifth.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

#: Side of the box (pixels at 64×64) over which :func:`match_local_colour` estimates how far the person's skin colour
#: is from the painting's: wider than a mouth, so a new mouth's colour is not taken for the skin's.
COLOUR_WINDOW = 15
#: Pixels whose colour offset lies this far (chroma, [-1, 1] units; ~13 levels) from the window's skin offset count
#: little in it (a robust mean: a mouth or a brow among skin).
COLOUR_TOLERANCE = 0.1
#: How far the painted region is widened (pixels at 64×64), and the median filter's box used in the ring.
WIDEN = 2
RING_MEDIAN = 3
#: Fine brightness detail (3×3 high-pass, [-1, 1] units) in G's painting is shrunk by this much: its grain
#: goes, lines stay (a drawn line's high-pass is ~0.2 at the median on the training faces).
GRAIN = 0.04
#: Side of the box over which the painting's fine colour detail is averaged (pixels at 64×64).
COLOUR_DETAIL = 3


def composite(x: torch.Tensor, painting: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
    """The edit: ``x`` where the widened mask keeps it, the colour-matched painting where G's mask paints,
    and in the ring between the two ``x`` or its median, whichever is nearer the painting.
    ``x``, ``painting`` (B, 3, H, W), ``keep`` (B, 1, H, W)."""
    scale = x.size(-1) / 64
    painting = match_local_colour(core_grain(painting, GRAIN, _odd(3 * scale)), x)
    wide = widen_painted_region(keep, max(1, round(WIDEN * scale)))
    smoothed = _median(x, _odd(RING_MEDIAN * scale))
    # G's painting says whether a thin line belongs to the new face (a glasses frame) or not (a crease)
    closer = (x - painting).abs().sum(1, keepdim=True) <= (smoothed - painting).abs().sum(1, keepdim=True)
    ring = torch.where(closer, x, smoothed)
    return wide * x + (1 - keep) * painting + (keep - wide) * ring


def widen_painted_region(keep: torch.Tensor, pixels: int) -> torch.Tensor:
    """The mask with its painted region (1 − keep) grown by ``pixels`` and its edge softened over 3 pixels;
    it never keeps more than ``keep`` did."""
    painted = F.max_pool2d(1 - keep, 2 * pixels + 1, stride=1, padding=pixels)
    return (1 - _box_mean(painted, 3)).minimum(keep)


def core_grain(image: torch.Tensor, threshold: float, window: int = 3) -> torch.Tensor:
    """``image`` with its fine detail (``image`` minus its ``window``-box mean) shrunk towards 0 by
    ``threshold`` (soft thresholding, or *coring*): texture fainter than that goes, stronger lines lose
    only ``threshold`` of their contrast, and the coarse image is untouched."""
    coarse = _box_mean(image, window)
    detail = image - coarse
    return coarse + detail.sign() * (detail.abs() - threshold).clamp(min=0.0)


def match_local_colour(painting: torch.Tensor, x: torch.Tensor, window: int = COLOUR_WINDOW) -> torch.Tensor:
    """The painting with its skin's colour (chroma) taken from ``x``: shifted at each pixel by a robust local
    mean (over ``window`` pixels at 64×64) of ``x``'s chroma less the painting's.

    Keeps the painting's brightness and its colour detail (lips, teeth, an open mouth's red) averaged over
    :data:`COLOUR_DETAIL` pixels, so that G's one-pixel colour speckles go. The mean is robust (two reweighting
    passes, :data:`COLOUR_TOLERANCE`): where a new feature differs from what ``x`` had there, its offset is an
    outlier among the skin's and barely counts. (A plain 7-pixel mean took a new mouth's red for skin and turned
    it brown; averaging over the pixels the mask keeps instead tinted the painted brows orange.)
    """
    scale = x.size(-1) / 64
    window, detail = _odd(window * scale), _odd(COLOUR_DETAIL * scale)
    luma, *paint = _chroma(painting)
    _, *person = _chroma(x)
    paint, person = torch.cat(paint, dim=1), torch.cat(person, dim=1)  # (blue, red) differences from luma
    blue, red = (_box_mean(paint, detail) + _robust_box_mean(person - paint, window) + luma).split(1, dim=1)
    green = (luma - 0.299 * red - 0.114 * blue) / 0.587
    return torch.cat([red, green, blue], dim=1).clamp(-1.0, 1.0)


def _robust_box_mean(image: torch.Tensor, window: int, passes: int = 2) -> torch.Tensor:
    """The mean over a ``window``-pixel box around each pixel, each value weighted by how near it lies to the
    last pass's mean there (a Gaussian of :data:`COLOUR_TOLERANCE`), same size."""
    mean = _box_mean(image, window)
    for _ in range(passes):
        weight = torch.exp(-((image - mean) / COLOUR_TOLERANCE) ** 2)
        mean = _box_mean(weight * image, window) / _box_mean(weight, window).clamp(min=1e-4)
    return mean


def _chroma(image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    red, green, blue = image[:, 0:1], image[:, 1:2], image[:, 2:3]
    luma = 0.299 * red + 0.587 * green + 0.114 * blue
    return luma, blue - luma, red - luma


def _box_mean(image: torch.Tensor, window: int) -> torch.Tensor:
    """The mean over a ``window``-pixel box around each pixel (edges repeated), same size. From running sums
    along each axis, so its cost does not grow with the window (a 15-pixel pooling took 20× as long)."""
    half = window // 2
    padded = F.pad(image, (half, window - 1 - half) * 2, mode="replicate")
    rows = F.pad(padded.cumsum(-1), (1, 0))
    rows = rows[..., window:] - rows[..., :-window]
    columns = F.pad(rows.cumsum(-2), (0, 0, 1, 0))
    return (columns[..., window:, :] - columns[..., :-window, :]) / (window * window)


#: Devillard's 19 compare-exchanges after which position 4 holds the median of 9 values.
_MEDIAN_OF_9 = ((1, 2), (4, 5), (7, 8), (0, 1), (3, 4), (6, 7), (1, 2), (4, 5), (7, 8), (0, 3), (5, 8), (4, 7),
                (3, 6), (1, 4), (2, 5), (4, 7), (4, 2), (6, 4), (4, 2))


def _median(image: torch.Tensor, window: int) -> torch.Tensor:
    """Each channel's median over a ``window``-pixel box around each pixel (edges repeated), same size."""
    half, (height, width) = window // 2, image.shape[-2:]
    padded = F.pad(image, (half,) * 4, mode="replicate")
    if window == 3:  # a sorting network of elementwise min/max: ~20x faster than torch's median here
        values = [padded[..., i:i + height, j:j + width] for i in range(3) for j in range(3)]
        for a, b in _MEDIAN_OF_9:
            values[a], values[b] = torch.minimum(values[a], values[b]), torch.maximum(values[a], values[b])
        return values[4]
    return padded.unfold(2, window, 1).unfold(3, window, 1).flatten(-2).median(-1).values


def _odd(size: float) -> int:
    return max(1, int(round(size)) // 2 * 2 + 1)
