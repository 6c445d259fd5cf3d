"""The photo's own brows and eyes, moved where the generator moved them.

Where a brow or a lid moves, the paste (:mod:`emoface.faces.paste`) shows the generator's 64-pixel painting of it,
upsampled 3–5×; the refiner sharpens edges, but an eye G paints under a lowered brow is a dark smudge with no white
and no iris, and the refiner, guided by the photo, can only outline it (docs/stargan.md, "The photo's own brows and
eyes"). Much of what G does there is a *motion*: the brow slides and tilts, the lid droops. The optical flow
(Farnebäck's) that takes G's edited face back to its input, both at G's size, says where each pixel came from;
where that motion explains G's change to within :data:`UNEXPLAINED` levels, the photo's crop itself is moved along
the flow (upsampled, then aligned to the paste by a second flow at the crop's own size: a pixel of G's face is 3–5
of the crop's, and a crisp brow a pixel off G's was further from the truth than G's soft one), with only the smooth
part of what the flow leaves (blurred over :data:`LEFT_BLUR` pixel of G's face: a shade, not a second outline)
added: the photo's sharp brow in its new place, its own eye under it.
Where the flow does not explain the change (a new furrow, white turned to skin where an eye narrows), G's painting
stays. Only in a band of the crop's rows (the engine's: brows and eyes): a mouth's change is rarely a motion
(teeth appear, lips part), and a smile moved along the flow came out twisted. The paste asks for it only where it
would show G's painting and G took no feature away; the engine not at all from knit brows
(:meth:`emoface.engines.stargan.StarGanEngine.follow_band`).
"""

from __future__ import annotations

import cv2
import numpy as np

from .luma import luma

#: Where the flow's moved input differs from G's edited face by more than this (mean over channels, 8-bit levels,
#: at G's size), G drew something the motion does not explain, and its painting stays.
UNEXPLAINED = 30.0
#: ... or brighter by more than this: the photo keeps, after the motion, a dark feature G took away (an old brow's
#: end, a line), which a blurred remainder would show again.
LEFT_BEHIND = 15.0
#: What the flow leaves is added blurred over this σ (pixels of G's face): at full strength it drew a soft second
#: outline round each moved brow.
LEFT_BLUR = 1.0
#: The band fades to nothing over this fraction of the crop's height on each side.
BAND_FALLOFF = 0.05
#: Farnebäck's flow at G's size: a two-level pyramid, 7-pixel windows (a brow moves up to ~5 px at 64²).
_FLOW = dict(pyr_scale=0.5, levels=2, winsize=7, iterations=5, poly_n=5, poly_sigma=1.1, flags=0)
#: ... and at the crop's size, to align the moved photo with the paste: 15-pixel windows, smoother polynomials.
_FINE_FLOW = dict(pyr_scale=0.5, levels=2, winsize=15, iterations=3, poly_n=7, poly_sigma=1.5, flags=0)


def followed(base: np.ndarray, edited: np.ndarray, original: np.ndarray, band: tuple[float, float],
             where: np.ndarray, paste: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The photo's crop ``base`` (h×w×3 float, levels) moved along the flow that takes the ``edited`` face back to
    the ``original`` (both s×s×3 float, in the photo's levels), aligned to the ``paste`` it replaces (h×w×3), plus
    the smooth part of what the flow leaves; and where to use it, (h, w) in [0, 1]: inside ``where`` (h, w), inside
    ``band`` (first and last row, fractions of h), and where the flow explains G's change."""
    side = edited.shape[0]
    height, width = base.shape[:2]
    flow = cv2.calcOpticalFlowFarneback(_luma(edited), _luma(original), None, **_FLOW)
    left = edited - _moved(original, flow)
    brightened = left.mean(2)  # G lighter than the moved photo: a dark feature it took away
    unexplained = ((np.abs(left).mean(2) > UNEXPLAINED) | (brightened > LEFT_BEHIND)).astype(np.uint8)
    unexplained = cv2.blur(cv2.dilate(unexplained, np.ones((3, 3), np.uint8)).astype(np.float32), (3, 3),
                           borderType=cv2.BORDER_REPLICATE)
    smooth_left = cv2.resize(cv2.GaussianBlur(left, (0, 0), LEFT_BLUR), (width, height),
                             interpolation=cv2.INTER_CUBIC)
    flow_up = cv2.resize(flow, (width, height), interpolation=cv2.INTER_CUBIC) * np.float32(width / side)
    # A pixel of G's face is 3-5 of the crop's: the moved photo is aligned to the paste (soft, but where G put each
    # feature) at the crop's own size, and the two motions composed, so the photo is resampled once.
    roughly = _moved(base, flow_up)
    fine = _fine_flow(paste - smooth_left, roughly)
    photo_moved = _moved(base, fine + _moved(flow_up, fine)) + smooth_left
    explained = 1 - cv2.resize(unexplained, (width, height), interpolation=cv2.INTER_LINEAR)
    return photo_moved, explained * where * row_band(height, band)[:, None]


def aligned(image: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """``image`` (h×w×3 float, levels) moved onto ``reference`` (the same size) by Farnebäck's flow at their own size
    (the fine flow above): a crisp feature put where a soft painting of it lies."""
    return _moved(image, _fine_flow(reference, image))


def row_band(height: int, band: tuple[float, float]) -> np.ndarray:
    """(height,) in [0, 1]: 1 on the rows between ``band``'s fractions, fading over :data:`BAND_FALLOFF` outside."""
    first, last = band
    y = (np.arange(height, dtype=np.float32) + 0.5) / height
    return np.clip(np.minimum(y - (first - BAND_FALLOFF), (last + BAND_FALLOFF) - y) / BAND_FALLOFF, 0.0, 1.0)


def _fine_flow(reference: np.ndarray, image: np.ndarray) -> np.ndarray:
    """Farnebäck's flow at the crop's own size (:data:`_FINE_FLOW`) that takes ``reference`` back to ``image``: for
    each pixel of ``reference``, where in ``image`` it lies."""
    return cv2.calcOpticalFlowFarneback(_luma(reference), _luma(image), None, **_FINE_FLOW)


def _moved(image: np.ndarray, flow: np.ndarray) -> np.ndarray:
    """``image`` sampled at each pixel plus ``flow`` (h×w×2, x then y): where the flow says each pixel came from."""
    height, width = flow.shape[:2]
    xs, ys = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
    return cv2.remap(image.astype(np.float32), xs + flow[..., 0], ys + flow[..., 1], cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_REPLICATE)


def _luma(face: np.ndarray) -> np.ndarray:
    """Brightness of a float RGB face, clipped to the 8-bit range: what the flows follow."""
    return luma(np.clip(face, 0, 255))
