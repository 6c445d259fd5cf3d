"""The photo's own eyes, their lids slid to a narrower opening, where the generator would smudge them.

Where an expression changes how far the eyes are open (surprise or fear into anything else, neutral into a smile,
a frown, a sad face), G paints the eye at 64 pixels as a grey or dark smudge with no white and no iris; the refiner can
only outline it, and the follow (:mod:`emoface.faces.follow`) cannot help: a smooth 64² flow moves brows, not
lids (docs/stargan.md, "Eyes that narrow"). The lids themselves are known: dlib's 68 points
(:mod:`emoface.faces.landmarks`) find them on the photo. Here each upper lid slides down over the photo's own eye,
and each lower lid up, as real lids do: the eye under the lid is covered, not squashed, and the skin above (below)
slides with the lid, fading out over one eye-height; the slid eye is then aligned to G's soft painting of it (the
follow's fine flow), which says where this face's lids go better than an expression's mean. It replaces the paste
only inside the new opening (plus :data:`MARGIN` of the old height): the brows and everything around stay the
generator's. Only for eyes that narrow: an eye that opens wider would need white and iris the photo does not show.

Off by default (:attr:`emoface.engines.stargan.StarGanEngine.slide_lids`): the eyes come out crisp, but on the
tuning people more of the old eye's lines stay than with G's smudge (docs/stargan.md, "Eyes that narrow").
"""

from __future__ import annotations

import cv2
import numpy as np

from .detect import Box, NoFaceError
from .follow import aligned
from .landmarks import LandmarksUnavailableError, find_landmarks

#: The share of the closing the upper lid makes; the lower lid makes the rest (SynthFaces' and FACS' lids: the
#: upper lid drops most, AU7 lifts the lower one a little).
UPPER_SHARE = 0.7
#: The slid eye is used inside the new opening grown by this share of the old opening's height, on each side.
MARGIN = 0.35
#: ... and across the eye, out to this share of its width from the middle (corners included).
HALF_WIDTH = 0.62
#: The slid eyes are aligned to the paste (:func:`emoface.faces.follow.aligned`) over their region grown by this many
#: pixels.
ALIGN_PAD = 10
#: dlib's 68-point indices of each eye: outer corner, two upper-lid points, inner corner, two lower-lid points.
EYES = (36, 42)


def opening(points: np.ndarray) -> float:
    """How open the eyes are: lid to lid over corner to corner, the mean of both eyes ((68, 2) points, x then y)."""
    return float(np.mean([(np.linalg.norm(points[a + 1] - points[a + 5]) + np.linalg.norm(points[a + 2] - points[a + 4]))
                          / 2 / max(np.linalg.norm(points[a + 3] - points[a]), 1e-6) for a in EYES]))


def lids_slid(photo: np.ndarray, points: np.ndarray, kept: float) -> tuple[np.ndarray, np.ndarray]:
    """``photo`` (H×W×3) with each eye's lids slid until ``kept`` (0–1) of its opening is left, float32; and where to
    use it, (H, W) in [0, 1]. ``points``: the photo's 68 landmarks (x, y)."""
    if not 0.0 < kept <= 1.0:
        raise ValueError(f"kept must be in (0, 1], the share of the eye's opening left, got {kept}")
    out = photo.astype(np.float32)
    weight = np.zeros(photo.shape[:2], np.float32)
    height, width = photo.shape[:2]
    for first in EYES:
        eye = np.asarray(points[first:first + 6], np.float64)
        upper, lower = eye[[0, 1, 2, 3]], eye[[0, 5, 4, 3]]
        top, bottom = eye[1:3, 1].mean(), eye[4:6, 1].mean()
        tall = max(bottom - top, 1.0)
        x0, x1 = max(int(eye[0, 0]) - 2, 0), min(int(eye[3, 0]) + 3, width)
        y0, y1 = max(int(top - 1.5 * tall) - 2, 0), min(int(bottom + 1.5 * tall) + 3, height)
        if x1 - x0 < 2 or y1 - y0 < 2:
            continue
        xs = np.arange(x0, x1, dtype=np.float32)
        upper_y, lower_y = _through(xs, upper), _through(xs, lower)
        closing = (1 - kept) * np.clip(lower_y - upper_y, 0, None)
        grid_x, grid_y = np.meshgrid(xs, np.arange(y0, y1, dtype=np.float32))
        source_y = _slid_rows(grid_y, upper_y, lower_y, UPPER_SHARE * closing, (1 - UPPER_SHARE) * closing, tall)
        out[y0:y1, x0:x1] = cv2.remap(photo, grid_x, source_y, cv2.INTER_LINEAR,
                                      borderMode=cv2.BORDER_REPLICATE).astype(np.float32)
        new_top, new_bottom = top + UPPER_SHARE * (1 - kept) * tall, bottom - (1 - UPPER_SHARE) * (1 - kept) * tall
        middle = (int(round((eye[0, 0] + eye[3, 0]) / 2)), int(round((new_top + new_bottom) / 2)))
        axes = (int(round(HALF_WIDTH * (eye[3, 0] - eye[0, 0]))), int(round((new_bottom - new_top) / 2 + MARGIN * tall)))
        cv2.ellipse(weight, middle, axes, 0, 0, 360, 1.0, -1)
    eye_width = np.linalg.norm(np.asarray(points[39]) - np.asarray(points[36]))
    return out, cv2.GaussianBlur(weight, (0, 0), max(1.0, 0.06 * eye_width))


def _slid_rows(y: np.ndarray, upper: np.ndarray, lower: np.ndarray, down: np.ndarray, up: np.ndarray,
               fade: float) -> np.ndarray:
    """Where each pixel's colour comes from (rows): above the new upper lid, the skin ``down`` rows higher, fading
    to none ``fade`` rows above the old lid; below the new lower lid, likewise from lower; between them, itself."""
    source = y.copy()
    above = y <= upper + down
    source[above] = (y - down * np.clip((y - (upper - fade)) / fade, 0.0, 1.0))[above]
    below = y >= lower - up
    source[below] = (y + up * np.clip(((lower + fade) - y) / fade, 0.0, 1.0))[below]
    return source


def _through(xs: np.ndarray, lid: np.ndarray) -> np.ndarray:
    """A lid's rows at columns ``xs``: straight between its four points, sorted along x."""
    order = np.argsort(lid[:, 0])
    return np.interp(xs, lid[order, 0], lid[order, 1]).astype(np.float32)


def narrowed_eyes(photo: np.ndarray, edited: np.ndarray, kept: float, inside: Box) -> tuple[np.ndarray, bool]:
    """``edited`` (the paste of ``photo``, H×W×3 uint8) with the photo's own eyes, lids slid to ``kept`` of their
    opening, in place of the generator's; and whether it was done. Not done, ``edited`` returned as is, where dlib
    and its model are not installed or find no face whose eyes lie in ``inside`` (the edited face's crop box)."""
    try:
        points = find_landmarks(photo).points
    except (LandmarksUnavailableError, NoFaceError):  # NoLandmarksError is a NoFaceError
        return edited, False
    eyes = np.asarray(points[EYES[0]:EYES[1] + 6])
    if not (np.all(eyes[:, 0] >= inside.x) and np.all(eyes[:, 0] < inside.x + inside.w)
            and np.all(eyes[:, 1] >= inside.y) and np.all(eyes[:, 1] < inside.y + inside.h)):
        return edited, False
    slid, weight = lids_slid(photo, points, kept)
    if not weight.any():  # eyes too small to slide
        return edited, False
    # where G's painting puts the lids (soft, but for this face), not where the expression's mean would
    rows, columns = np.nonzero(weight > 0)
    y0, y1 = max(rows.min() - ALIGN_PAD, 0), rows.max() + ALIGN_PAD + 1
    x0, x1 = max(columns.min() - ALIGN_PAD, 0), columns.max() + ALIGN_PAD + 1
    slid[y0:y1, x0:x1] = aligned(slid[y0:y1, x0:x1], edited[y0:y1, x0:x1].astype(np.float32))
    out = edited.astype(np.float32) + weight[:, :, None] * (slid - edited)
    return np.clip(np.round(out), 0, 255).astype(np.uint8), True
