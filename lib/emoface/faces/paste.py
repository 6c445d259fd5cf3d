"""Paste an edited face back into the whole photograph, with no seam and no change of skin tone.

The paper (§3.2, Fig. 1) shows the generator's 128×128 output as the new profile picture and
stops there; a blog needs the *whole* photo back. Several things go wrong with a plain
``photo[box] = resize(face)``, and each has its fix here:

* **a square seam.** The generator redraws the whole crop (hair, wall, collar), so its border
  never matches the pixels around it. The change is blended through :func:`feather_mask`, an
  ellipse inscribed in the crop square: 1 over the face, a smoothstep falloff over the outer
  ``feather`` of the radius, and exactly 0 on the square's border, where the crop meets the photo.
* **a different skin tone.** The generator works in the equalised (tunedMUG) domain: its input
  was histogram-equalised (``faces.equalize``), so its output is brighter and more contrasted than
  the photo. With ``original_face`` (the equalised input the edit started from, pixel-aligned with
  the crop), a *transfer curve* from equalised levels to the photo's levels is estimated from that
  aligned pair (a kernel regression over the 256 levels, made monotone) and applied to both faces,
  which undoes the equalisation whatever its curve was: for a face equalised on brightness alone
  (``equalization="luminance"``, the engine's) one curve on Y, with its colour (Cr, Cb) kept, as the
  equalisation did; else one curve per RGB channel. (Per-channel curves fitted on a luminance-equalised
  face turned the generator's brown creases olive and its red lips grey-pink: they are shaped by the
  colours the face already has, 9 levels from the photo on the unedited face against 2.) Without it, the
  edited face's mean and standard deviation in CIE-LAB, inside the mask, are matched to the photo's
  (Reinhard et al.'s colour transfer), which undoes any brightness and contrast change.
* **grey skin where a dark feature was.** Equalising pushes bright skin to the top of the range, where its
  red channel clips at 255: the equalised face's skin is paler than the photo's (its Cr 13 levels lower on
  SynthFaces' faces), and a curve on Y alone cannot give the red back. Where the generator paints skin over
  an old brow, the paste showed a grey-white patch the shape of the brow, and the refiner then drew its
  outline (docs/stargan.md). So each colour is also looked up jointly (:func:`colour_lookup`): the aligned
  pair says which photo colour each equalised colour stood for (a trilinear splat on a grid of
  :data:`LOOKUP_STEP` levels, smoothed), and a colour the face did not have (a red lip the generator
  painted) falls back to the curve.
* **blur.** The generator is 64 or 128 pixels wide; a profile photo's face is often 500. With
  ``original_face`` only the *difference* ``edited − original`` is upsampled and added to the
  photo's own full-resolution pixels, so skin, hair and eyes keep their sharpness and only what
  the expression moved is painted (the same idea as the residual edit, ``stargan.editing``).
  Pasting the unedited face back changes nothing at all.
* **ghosts of the moved features.** Where a brow or a lip moved, the photo's old one is sharper than
  the 64-pixel version the change subtracts, so adding the change leaves it half there, with halos.
  Where the change is large (:func:`moved_weight`: above :data:`MOVED` levels), the edited face
  itself is pasted, upsampled and in the photo's levels; the change is added elsewhere. The moved
  features are then as soft as the generator's output, and the old ones are gone (measured in
  docs/stargan.md: 0.73 of the old lines' contrast left before, 0.2 after). A thin line the edit *takes
  away* (a smile's crease) is a fraction of a pixel at 64×64, so its change stays under that threshold
  and the photo's sharp line stayed half there, the outline of the old smile under a new expression:
  where the edit lowers the small face's fine detail (:func:`lost_detail_weight`), the edited face is
  pasted too.
* **the old expression's wrinkles.** A surprised forehead's lines or a smile's crow's feet are too thin for a
  64-pixel generator to see, so its change there is ~0 and the photo's sharp lines stayed under any new
  expression. With ``erase`` (the StarGAN engine's, :func:`emoface.faces.wrinkles.erase_region`: where the
  old expression draws wrinkles and the new one does not), the photo's faint thin lines there are filled
  before the change is added; with ``deep`` (:func:`emoface.faces.wrinkles.deep_region`), a sneer's bridge
  lines too, which are drawn as deep as a lash. The generator saw a forehead's lines faintly at 64² and
  brightened them away as well; its change there is counted once (:func:`_counted_once`), or they left pale
  streaks. The old expression's folds, which the generator does see, are
  another case: a faint fold's change stays under the thresholds above, so the photo's sharp fold stayed. With
  ``soften`` (:func:`emoface.faces.wrinkles.fold_region`) they lose only what the small face cannot show, and
  the change takes the rest (:func:`emoface.faces.wrinkles.erase_sharp_part`).
* **soft moved features.** Those pasted features are the generator's 64 pixels upsampled 3–5×. With
  ``refine`` (the StarGAN engine's refiner, :mod:`emoface.stargan.refiner`) the paste is corrected where
  the face changed (:func:`refine_gate`), at the photo's resolution and guided by the photo's crop;
  elsewhere it is left as it is. Guided by the photo, it also drew again, as crisply as a new feature, what the
  generator took away (an open mouth's rim round a new closed one, a smile's folds): where the photo shows detail
  the edited face neither has nor draws nearby (:func:`taken_away`), only the broad part of its correction is kept.
* **smudged eyes under moved brows.** Where brows move over eyes that change little, the generator paints the eyes
  too, as dark smudges without white or iris, and the refiner can only outline them. With ``follow`` (the
  StarGAN engine's brows-and-eyes band), where the paste would show the generator's painting and its change there
  is a motion, the photo's own brows and eyes are moved along it instead (:mod:`emoface.faces.follow`), then refined.

A crop box that reaches past the photo's border (the detector edge-replicated the missing part)
is clipped: only the pixels inside the photo are written. Pixels outside the crop box are never
touched.

Taught in ``05_pipeline_app.ipynb``; :class:`emoface.pipeline.Pipeline` uses it.
"""

from __future__ import annotations

from typing import Callable

import cv2
import numpy as np

from .detect import Box, _resize_mode, cut, resize_square
from .equalize import EqualizeMode
from .follow import followed
from .luma import luma
from .wrinkles import erase_sharp_part, erase_thin_lines

#: Bandwidth (in 8-bit levels) of the kernel regression behind the transfer curves.
CURVE_BANDWIDTH = 6.0
#: A face pixel whose change (mean over channels, 8-bit levels) exceeds this has *moved*: the edited face is
#: pasted there rather than its change. The training code counts 25 levels as an expression change
#: (``stargan.losses.EXPRESSION_CHANGE``); a little lower catches the edges of a moved feature.
MOVED = 20.0
#: A face pixel whose fine detail (3×3 high-pass of brightness, levels) the edit lowers by more than this has lost
#: an old line: the edited face is pasted there too, as where it moved (:func:`lost_detail_weight`).
LOST_DETAIL = 8.0
#: A face pixel whose change exceeds this (levels, as :data:`MOVED`) is inside the refiner's gate: lower, so
#: the faint edges of a moved feature are refined too.
GATE_LEVEL = 12.0
#: Where the photo's crop, shrunk to the edited face's size, shows fine detail (brightness less its blur over one pixel)
#: that the edited face lacks by more than OLD_DETAIL levels (in full from OLD_DETAIL + OLD_DETAIL_RANGE), a pixel
#: round, and the edited face draws less than DRAWN_DETAIL itself, a pixel round, the generator took a feature away
#: (an open mouth's rim, a smile's folds, a raised brow's outline): the refiner's sharpening is dropped there, or,
#: guided by the photo, it draws the old feature again (:func:`taken_away`).
OLD_DETAIL, OLD_DETAIL_RANGE, DRAWN_DETAIL = 2.0, 8.0, 6.0
#: ... but the broad part of its correction stays (blurred over this many pixels of the crop): the brightness it mends.
REFINE_BROAD = 4.0

#: Spacing (8-bit levels) of the colour lookup's RGB grid, and its smoothing (Gaussian σ in grid steps).
LOOKUP_STEP = 8
LOOKUP_SIGMA = 1.0
#: Weight (in pixels of the face) of the tone curve's colour in the lookup: where the aligned pair holds fewer
#: pixels of a colour than this, the curve's answer counts for more than theirs.
LOOKUP_PRIOR = 2.0
#: Grid points per channel (0, LOOKUP_STEP, …, 256).
_LOOKUP_SIDE = 256 // LOOKUP_STEP + 1
#: How :func:`paste_face` maps the edited face back to the photo's colours.
COLOUR_MAPPING = "colour lookup"
#: What :func:`paste_face`'s result depends on besides its inputs. Whatever learns from its pastes (the refiner's
#: training patches) records it, so a change here shows up as patches to make again.
PASTE_RECIPE = f"{COLOUR_MAPPING}; lost detail {LOST_DETAIL:g}"

#: ``refine(region, pasted, gate)``: a correction of the paste (float levels, h×w×3) inside ``gate`` (h×w in
#: [0, 1]), guided by the photo's ``region``; returns the corrected paste (the StarGAN engine's refiner).
Refine = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


def paste_face(photo: np.ndarray, edited_face: np.ndarray, crop_box: Box, original_face: np.ndarray | None = None,
               feather: float = 0.12, match_colour: bool = True,
               equalization: EqualizeMode = "per_channel", refine: Refine | None = None,
               lost_detail: float = LOST_DETAIL, erase: np.ndarray | None = None,
               soften: np.ndarray | None = None, deep: np.ndarray | None = None,
               follow: tuple[float, float] | None = None) -> np.ndarray:
    """``photo`` (H×W×3 RGB uint8) with ``edited_face`` (square, any size) pasted into ``crop_box``.

    ``original_face`` is the face the edit started from, same size and domain as ``edited_face``;
    give it whenever you have it (difference paste, see the module docstring). ``feather`` is the
    width of the mask's falloff as a fraction of the ellipse's radius. ``match_colour=False``
    pastes the generator's colours as they are (for a figure that shows why matching is needed).
    ``equalization`` says how ``original_face`` was equalised (``faces.equalize``'s mode), so that it is
    undone the same way: ``"luminance"`` on brightness alone; any other on each RGB channel.
    ``refine`` (with ``original_face``) corrects the paste where the face changed (:func:`refine_gate`, inside
    the feathered ellipse): the StarGAN engine's refiner, which sharpens the upsampled moved features.
    ``lost_detail``: where the edit lowers the face's fine detail by more than this many levels, the edited face is
    pasted (:func:`lost_detail_weight`; ``inf`` turns it off, to show what it mends).
    ``erase`` (with ``original_face``; square, any size, in [0, 1]): where the photo's faint thin dark lines are
    filled before the change is added (:func:`emoface.faces.wrinkles.erase_thin_lines`: the old expression's
    wrinkles, which the generator never saw); ``deep`` (as ``erase``, inside it): where deeper lines are filled
    too (:func:`emoface.faces.wrinkles.deep_region`: a sneer's bridge lines). With ``deep`` the edited face must be
    the generator's edit of the crop so erased (the StarGAN engine redraws it): its change is then added whole,
    where otherwise the part of it that repeats the erase is taken off (:func:`_counted_once`).
    ``soften`` (with ``original_face``; as ``erase``): where the photo's faint thin lines lose only their part the
    edited face's size cannot show (:func:`emoface.faces.wrinkles.erase_sharp_part`: the old expression's folds,
    which the generator sees and its change takes away).
    ``follow`` (with ``original_face``; the first and last row of a band, fractions of the crop's height): there,
    where the generator's change is a motion, the photo's own features are moved along it instead of pasting its
    painting (:func:`emoface.faces.follow.followed`: brows and eyes stay the photo's, sharp).
    Returns a new array; ``photo`` is not modified.
    """
    _check_rgb(photo, "photo")
    _check_rgb(edited_face, "edited_face")
    if original_face is not None:
        _check_rgb(original_face, "original_face")
        if original_face.shape != edited_face.shape:
            raise ValueError(f"original_face {original_face.shape} and edited_face {edited_face.shape} must have the "
                             "same shape: pass the generator's input and its output")
    if crop_box.w < 1 or crop_box.h < 1:
        raise ValueError(f"crop box {crop_box} is empty; pass the crop_box the face detector returned")
    out = photo.copy()
    visible = _visible(crop_box, photo.shape[:2])
    if visible is None:  # the box lies wholly outside the photo
        return out
    region = cut(photo, crop_box).astype(np.float32)  # h×w×3, edge-replicated where it leaves the photo
    mask = feather_mask(crop_box.h, crop_box.w, feather)[:, :, None]
    if original_face is not None:
        edited, original = _levels(edited_face, original_face, region if match_colour else None, equalization)
        change = edited - original
        size = (crop_box.w, crop_box.h)
        moved = np.maximum(moved_weight(change), lost_detail_weight(edited, original, lost_detail))
        moved = cv2.resize(moved, size, interpolation=cv2.INTER_LINEAR)[:, :, None]
        base = region if erase is None else erase_thin_lines(region, erase, edited_face, deep=deep)
        base = base if soften is None else erase_sharp_part(base, soften, edited_face)
        change_up = cv2.resize(change, size, interpolation=cv2.INTER_CUBIC)
        # with ``deep`` the engine had the generator redraw the erased crop: its change repeats nothing
        added = base + (change_up if deep is not None else _counted_once(change_up, base - region, change.shape[0]))
        # where a feature moved, the edit itself: the photo's sharper old feature must not show through
        pasted = added + moved * (cv2.resize(edited, size, interpolation=cv2.INTER_CUBIC) - added)
        if follow is not None or refine is not None:  # what G took away: neither moved back nor sharpened again
            taken = cv2.resize(taken_away(region, edited), size, interpolation=cv2.INTER_LINEAR)
        if follow is not None:  # the photo's own brows and eyes, moved as G moved them
            photo_moved, used = followed(base, edited, original, follow, moved[:, :, 0] * (1 - taken), pasted)
            pasted = pasted + used[:, :, None] * (photo_moved - pasted)
        if refine is not None:
            refined = refine(region, pasted, refine_gate(change, size) * mask[:, :, 0])
            pasted = pasted + _sharpening_kept(refined - pasted, taken)
    else:
        mode = _resize_mode(edited_face.shape[0], crop_box.w)
        pasted = cv2.resize(edited_face, (crop_box.w, crop_box.h), interpolation=mode)
        pasted = match_mean_std(pasted, region, mask[:, :, 0]) if match_colour else pasted.astype(np.float32)
    # out = region·(1 − m) + pasted·m, written so that m = 0 gives the region back exactly
    blended = region + mask * (pasted - region)
    photo_part, region_part = visible
    out[photo_part] = np.clip(np.round(blended[region_part]), 0, 255).astype(np.uint8)
    return out


def feather_mask(height: int, width: int, feather: float = 0.12) -> np.ndarray:
    """A ``height×width`` float32 mask: 1 inside the inscribed ellipse, smoothstep to 0 at its rim.

    The border pixels sit at normalised radius ≥ 1, so the mask is exactly 0 all along the crop
    square's edge: what is pasted meets the photo without a step.
    """
    if not 0.0 < feather <= 1.0:
        raise ValueError(f"feather must be in (0, 1] (a fraction of the ellipse's radius), got {feather}")
    v = np.linspace(-1.0, 1.0, height, dtype=np.float32)[:, None]  # −1 and +1 on the border rows
    u = np.linspace(-1.0, 1.0, width, dtype=np.float32)[None, :]
    # r = 1 on the ellipse inscribed in the box
    r = np.sqrt(u * u + v * v)
    t = np.clip((1.0 - r) / feather, 0.0, 1.0)
    # smoothstep: s(t) = 3t² − 2t³, flat at both ends, so the falloff has no visible edge either
    return (t * t * (3.0 - 2.0 * t)).astype(np.float32)


def transfer_curves(source: np.ndarray, target: np.ndarray, bandwidth: float = CURVE_BANDWIDTH) -> np.ndarray:
    """(channels, 256) float32: for each channel, the mean ``target`` level at each ``source`` level.

    ``source`` and ``target`` are pixel-aligned images of one scene in two tone mappings (the
    equalised crop and the photo's own crop). The curve is a Nadaraya–Watson kernel regression
    over the levels (a Gaussian of ``bandwidth`` levels), so levels with few or no pixels borrow
    from their neighbours instead of adding noise; levels beyond the data are held flat; the curve
    is then made non-decreasing, as every tone mapping of one scene is.
    """
    kernel = _gaussian_kernel(bandwidth)
    levels = np.arange(256, dtype=np.float32)
    curves = np.empty((source.shape[2], 256), np.float32)
    for c in range(source.shape[2]):
        s = source[:, :, c].ravel()
        counts = np.convolve(np.bincount(s, minlength=256).astype(np.float64), kernel, mode="same")
        sums = np.convolve(np.bincount(s, weights=target[:, :, c].ravel(), minlength=256), kernel, mode="same")
        known = counts > 1e-3
        curve = np.interp(levels, levels[known], sums[known] / counts[known])
        curves[c] = np.maximum.accumulate(curve)
    return curves


def match_mean_std(image: np.ndarray, reference: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """``image`` with its per-channel LAB mean and std (weighted by ``weights``) made those of ``reference``.

    Both are H×W×3 RGB (uint8 or float in 0..255, same size); returns float32 RGB in 0..255.
    """
    image_lab, reference_lab = _lab(image), _lab(reference)
    w = weights[:, :, None].astype(np.float32)
    total = max(float(w.sum()), 1e-6)
    mean_i, mean_r = (image_lab * w).sum((0, 1)) / total, (reference_lab * w).sum((0, 1)) / total
    std_i = np.sqrt((((image_lab - mean_i) ** 2) * w).sum((0, 1)) / total)
    std_r = np.sqrt((((reference_lab - mean_r) ** 2) * w).sum((0, 1)) / total)
    # x' = (x − μ_x) · σ_ref / σ_x + μ_ref, per LAB channel
    matched = (image_lab - mean_i) * (std_r / np.maximum(std_i, 1e-3)) + mean_r
    rgb = cv2.cvtColor(matched.astype(np.float32), cv2.COLOR_Lab2RGB)
    return np.clip(rgb * 255.0, 0.0, 255.0)


def moved_weight(change: np.ndarray, threshold: float = MOVED) -> np.ndarray:
    """(h, w) float32 in [0, 1] from a face-size change (h×w×3, levels): 1 where the mean |change| over the
    channels exceeds ``threshold``, grown by one pixel and softened over three."""
    return _changed_weight(change, threshold, grow=1)


def lost_detail_weight(edited: np.ndarray, original: np.ndarray, threshold: float = LOST_DETAIL) -> np.ndarray:
    """(h, w) float32 in [0, 1] from the face before and after the edit (h×w×3, levels): 1 where the
    original's fine brightness detail (:func:`_fine_detail`) exceeds the edit's by more than ``threshold``
    levels, grown by one pixel and softened over three: an old line the edit took away."""
    lost = (np.abs(_fine_detail(original)) - np.abs(_fine_detail(edited)) > threshold).astype(np.uint8)
    grown = cv2.dilate(lost, np.ones((3, 3), np.uint8)).astype(np.float32)
    return cv2.blur(grown, (3, 3), borderType=cv2.BORDER_REPLICATE)


def _fine_detail(face: np.ndarray) -> np.ndarray:
    """The 3×3 high-pass of ``face``'s brightness (BT.601, levels), float32 (h, w)."""
    bright = luma(face)
    return bright - cv2.blur(bright, (3, 3), borderType=cv2.BORDER_REPLICATE)


def refine_gate(change: np.ndarray, size: tuple[int, int], level: float = GATE_LEVEL) -> np.ndarray:
    """(h, w) float32 in [0, 1] at ``size`` (w, h), from a face-size change (s×s×3, levels): 1 where the mean
    |change| over the channels exceeds ``level``, grown by two pixels (the old feature's halo), softened
    over three and upsampled. Where it is 0, a refiner may not touch the paste."""
    return cv2.resize(_changed_weight(change, level, grow=2), size, interpolation=cv2.INTER_LINEAR)


def _counted_once(change: np.ndarray, erased: np.ndarray, side: int) -> np.ndarray:
    """The upsampled ``change`` (h×w×3) less the part of it that repeats ``erased`` (what the wrinkle erase already
    did to the photo, h×w×3) as a ``side``² face sees it: G saw a forehead's lines faintly at 64² and brightened
    them away too, so filled and brightened they left pale streaks. Only a change of the erase's sign is taken off,
    and at most as much as the erase's own small version: where G left the lines alone, nothing."""
    if not erased.any():
        return change
    height, width = erased.shape[:2]
    seen = cv2.resize(cv2.resize(erased, (side, side), interpolation=cv2.INTER_AREA), (width, height),
                      interpolation=cv2.INTER_CUBIC)
    same_sign = np.sign(change) == np.sign(seen)
    repeated = np.where(same_sign, np.sign(seen) * np.minimum(np.abs(change), np.abs(seen)), 0)
    return (change - repeated).astype(np.float32)


def taken_away(region: np.ndarray, edited: np.ndarray) -> np.ndarray:
    """(s, s) float32 in [0, 1] at ``edited``'s size s (the edited face, levels): where the photo's crop ``region``
    (h×w×3) shows fine detail that the edited face lacks and does not draw itself nearby: a feature the generator
    took away (:data:`OLD_DETAIL`, :data:`DRAWN_DETAIL`)."""
    side = edited.shape[0]
    own = _detail_over_a_pixel(edited)
    photo = _detail_over_a_pixel(resize_square(region, side))
    round_ = np.ones((3, 3), np.uint8)
    lacking = cv2.dilate(np.clip((photo - own - OLD_DETAIL) / OLD_DETAIL_RANGE, 0.0, 1.0), round_)
    return lacking * (1 - cv2.dilate(np.clip(own / DRAWN_DETAIL, 0.0, 1.0), round_))


def _detail_over_a_pixel(face: np.ndarray) -> np.ndarray:
    bright = luma(face)
    return np.abs(bright - cv2.GaussianBlur(bright, (0, 0), 1.0))


def _sharpening_kept(correction: np.ndarray, taken: np.ndarray) -> np.ndarray:
    """The refiner's ``correction`` (h×w×3) less its fine part where ``taken`` (h×w, :func:`taken_away` upsampled)
    says the generator took a feature away; pixels it left alone stay untouched."""
    broad = cv2.GaussianBlur(correction, (0, 0), REFINE_BROAD)
    kept = 1 - taken
    touched = np.any(correction != 0, axis=2, keepdims=True)
    return (broad + kept[:, :, None] * (correction - broad)) * touched


def _changed_weight(change: np.ndarray, threshold: float, grow: int) -> np.ndarray:
    """1 where the mean |change| over the channels exceeds ``threshold``, grown by ``grow`` pixels, softened over 3."""
    changed = (np.abs(change).mean(2) > threshold).astype(np.uint8)
    grown = cv2.dilate(changed, np.ones((2 * grow + 1, 2 * grow + 1), np.uint8)).astype(np.float32)
    return cv2.blur(grown, (3, 3), borderType=cv2.BORDER_REPLICATE)


def _levels(edited: np.ndarray, original: np.ndarray, region: np.ndarray | None,
            equalization: EqualizeMode) -> tuple[np.ndarray, np.ndarray]:
    """``edited`` and ``original`` as float32 at the face's size, in the photo's tone mapping when
    ``region`` is given: f(edited), f(original), with f the colour lookup equalised → photo learnt from the
    aligned pair (:func:`colour_lookup`), falling back to the transfer curve, on Y alone for a
    ``"luminance"``-equalised face, else on each RGB channel."""
    if region is None:
        return edited.astype(np.float32), original.astype(np.float32)
    # The photo's crop at the face's size: what the detector resized before equalising.
    small = resize_square(region, original.shape[0])
    if equalization == "luminance":
        brightness = lambda image: cv2.cvtColor(image, cv2.COLOR_RGB2YCrCb)[:, :, :1]
        curve = transfer_curves(brightness(original), brightness(small))[0]
        by_curve = _with_brightness(edited, curve), _with_brightness(original, curve)
    else:
        curves, channels = transfer_curves(original, small), np.arange(3)
        by_curve = curves[channels, edited], curves[channels, original]
    grid = _lookup_grid(original, small)
    return tuple(_looked_up(grid, face, fallback) for face, fallback in zip((edited, original), by_curve))


def colour_lookup(source: np.ndarray, target: np.ndarray, query: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """``query``'s colours (h×w×3 uint8) in ``target``'s: for each, the mean ``target`` colour of the ``source``
    pixels of that colour (``source`` and ``target`` pixel-aligned, h×w×3), its ``fallback`` (h×w×3 float, e.g.
    the tone curve's answer) where ``source`` has few such pixels. Joint in R, G and B, unlike the curves, so a
    colour the equalisation clipped maps back to the one it stood for. Returns float32 h×w×3."""
    return _looked_up(_lookup_grid(source, target), query, fallback)


def _lookup_grid(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """(cells, 4), one row per grid colour: the smoothed count of ``source`` pixels near it, then the sum of their
    ``target`` colours (both splatted with the same trilinear weights and smoothed alike)."""
    cells, weights = _grid_corners(source)
    values = np.concatenate([np.ones((len(cells[0]), 1)), target.reshape(-1, 3).astype(np.float64)], axis=1)
    grid = np.zeros((_LOOKUP_SIDE ** 3, 4))
    for cell, weight in zip(cells, weights):
        for column in range(4):
            grid[:, column] += np.bincount(cell, weight * values[:, column], minlength=_LOOKUP_SIDE ** 3)
    return _smooth_grid(grid.reshape((_LOOKUP_SIDE,) * 3 + (4,))).reshape(-1, 4)


def _looked_up(grid: np.ndarray, query: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """:func:`colour_lookup` with the grid already built."""
    cells, weights = _grid_corners(query)
    found = sum(weight[:, None] * grid[cell] for cell, weight in zip(cells, weights))
    count, total = found[:, 0], found[:, 1:]
    prior = fallback.reshape(-1, 3).astype(np.float64)
    return ((total + LOOKUP_PRIOR * prior) / (count + LOOKUP_PRIOR)[:, None]).reshape(query.shape).astype(np.float32)


def _grid_corners(image: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The 8 grid cells (flat indices) around each pixel's colour, and their trilinear weights."""
    position = image.reshape(-1, 3).astype(np.float64) / LOOKUP_STEP
    low = np.minimum(np.floor(position).astype(np.int64), _LOOKUP_SIDE - 2)
    fraction = position - low
    cells, weights = [], []
    for corner in np.ndindex(2, 2, 2):
        offset = np.array(corner)
        index = low + offset
        cells.append((index[:, 0] * _LOOKUP_SIDE + index[:, 1]) * _LOOKUP_SIDE + index[:, 2])
        weights.append(np.prod(np.where(offset == 1, fraction, 1.0 - fraction), axis=1))
    return cells, weights


def _smooth_grid(grid: np.ndarray) -> np.ndarray:
    """``grid`` (its first 3 axes the colour grid) blurred by a Gaussian of :data:`LOOKUP_SIGMA` steps along each of
    them, edges replicated."""
    radius = int(np.ceil(2 * LOOKUP_SIGMA))
    kernel = np.exp(-0.5 * (np.arange(-radius, radius + 1) / LOOKUP_SIGMA) ** 2)
    kernel /= kernel.sum()
    for axis in range(3):
        padded = np.pad(grid, [(radius, radius) if a == axis else (0, 0) for a in range(grid.ndim)], mode="edge")
        length = grid.shape[axis]
        grid = sum(k * np.take(padded, np.arange(j, j + length), axis=axis) for j, k in enumerate(kernel))
    return grid


def _with_brightness(image: np.ndarray, curve: np.ndarray) -> np.ndarray:
    """``image`` (RGB uint8) with its YCrCb brightness mapped through ``curve`` (256 levels) and its colour
    kept, as float32 RGB (OpenCV's YCrCb → RGB, unrounded)."""
    ycrcb = cv2.cvtColor(image, cv2.COLOR_RGB2YCrCb).astype(np.float32)
    y, cr, cb = curve[ycrcb[:, :, 0].astype(np.int64)], ycrcb[:, :, 1] - 128.0, ycrcb[:, :, 2] - 128.0
    return np.stack([y + 1.403 * cr, y - 0.714 * cr - 0.344 * cb, y + 1.773 * cb], axis=2).astype(np.float32)


def _visible(box: Box, shape: tuple[int, int]) -> tuple[tuple[slice, slice], tuple[slice, slice]] | None:
    """The part of ``box`` inside an image of ``shape``: (its slices in the photo, in the box's region)."""
    height, width = shape
    x0, y0 = max(0, box.x), max(0, box.y)
    x1, y1 = min(width, box.x + box.w), min(height, box.y + box.h)
    if x0 >= x1 or y0 >= y1:
        return None
    in_photo = (slice(y0, y1), slice(x0, x1))
    in_region = (slice(y0 - box.y, y1 - box.y), slice(x0 - box.x, x1 - box.x))
    return in_photo, in_region


def _lab(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(rgb.astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)


def _gaussian_kernel(bandwidth: float) -> np.ndarray:
    radius = int(np.ceil(3 * bandwidth))
    offsets = np.arange(-radius, radius + 1, dtype=np.float64)
    return np.exp(-0.5 * (offsets / bandwidth) ** 2)


def _check_rgb(image: np.ndarray, name: str) -> None:
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        shape, dtype = getattr(image, "shape", type(image).__name__), getattr(image, "dtype", "?")
        raise ValueError(f"{name} must be an H×W×3 RGB uint8 array, got {shape} of {dtype}; "
                         "read images with emoface.images.load_rgb")
    if name != "photo" and image.shape[0] != image.shape[1]:
        raise ValueError(f"{name} must be square (the generator's output), got {image.shape[1]}×{image.shape[0]}")
