"""The real-photo engine (``engine="warp"``): a photograph's own face, changed where expressions show.

No generator is trained, so it works on any face dlib finds (``emoface[real]``), at full
resolution, and everything outside the face keeps its exact pixels. Four steps, each its own module
of this package (this file runs them):

1. **Movement** (:mod:`emoface.engines.warp.action_units`): the target's action units as landmark
   displacements, from a face relaxed first — brows and lids half-way to rest, a smile's corners,
   cheeks and lids brought down for every other expression — and the mouth opened or closed to
   what the expression needs.
2. **Warp** (:mod:`emoface.engines.warp.pixels`): the photo's pixels follow the points (rigid
   moving least squares), the lips triangle by triangle so that they can meet.
3. **Mouth** (:mod:`emoface.engines.warp.mouth`): a mouth that closed has whatever its old opening
   still shows (teeth) filled from the lips, and the lips' meeting line shaded; a mouth that opened
   gets a cavity and teeth painted from the photo's own colours.
4. **Appearance** (:mod:`emoface.engines.warp.creases`): a smile's folds flattened when the face stops
   smiling, and the target's creases (furrows, forehead lines, nose wrinkles, crow's feet,
   nasolabial folds) shaded into the skin.

``intensity`` scales all of it: 0 is the photo unchanged, 1 the clear expression.
Taught in ``06_real_photos.ipynb``; measured by ``scripts/evaluate_real_photos.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...faces.detect import face_view, square_box
from ...faces.find import FoundFace
from ...faces.landmarks import NoLandmarksError
from ..base import EngineContext, EngineEdit
from .action_units import MOUTH_OPENING, smile_strength
from .creases import draw_creases, expression_creases, soften_smile
from .mouth import DEFAULT_TEETH, TEETH_SHOWN, close_mouth, mouth_change, mouth_colours, open_mouth, skin_grain
from .pixels import warp_expression

#: The before/after views are cut from the face's box grown by this much on every side.
VIEW_MARGIN = 0.45


@dataclass(frozen=True)
class RealPhotoEdit:
    """A photo redrawn by :func:`redraw_expression`, the geometry that made it, and what was done."""

    photo: np.ndarray
    #: The 70 control points before and after, (70, 2) each.
    source_points: np.ndarray
    target_points: np.ndarray
    #: ``{"mouth": "closed"|"opened"|"kept", "creases": [...], "smile_softened": float}``.
    record: dict


def redraw_expression(photo: np.ndarray, landmarks: np.ndarray, expression: str,
                      intensity: float = 1.0) -> RealPhotoEdit:
    """``photo`` (H×W×3 uint8) with the face whose 68 ``landmarks`` are given changed into ``expression``."""
    warped = warp_expression(photo, landmarks, expression, intensity)  # checks the inputs
    source, target = warped.source_points, warped.target_points
    out = warped.photo
    lip, skin = mouth_colours(photo, source)
    change, strength = mouth_change(source, target, MOUTH_OPENING[expression])
    region = warped.region
    if change == "closed" and region.w > 1 and region.h > 1:
        close_mouth(out, source, target, *warped.source_map(), (region.x, region.y), lip, strength)
    elif change == "opened":
        open_mouth(out, target, lip, skin, strength, TEETH_SHOWN.get(expression, DEFAULT_TEETH),
                   skin_grain(photo, source))
    softened = smile_strength(source) * intensity if expression != "happiness" else 0.0
    out = soften_smile(out, target, softened, skin)
    creases = expression_creases(target, expression, intensity)
    out = draw_creases(out, creases, skin)
    record = {"mouth": change if strength > 0 else "kept", "mouth_strength": round(strength, 3),
              "creases": len(creases), "smile_softened": round(softened, 3)}
    return RealPhotoEdit(out, source, target, record)


class WarpEngine:
    """The real-photo engine behind :class:`~emoface.engines.base.EditEngine`."""

    name = "warp"

    def __init__(self, view_size: int = 64) -> None:
        self.view_size = view_size

    def edit(self, photo: np.ndarray, face: FoundFace, target: str, intensity: float) -> EngineEdit:
        if face.landmarks is None:
            raise NoLandmarksError(
                "the warp engine needs the face's 68 landmarks and none were found for this face (too small, "
                "or found only by the Haar cascade); use a closer photo, or engine='stargan'")
        edit = redraw_expression(photo, face.landmarks, target, intensity)
        crop_box = square_box(face.box, VIEW_MARGIN)
        record = {"engine": self.name, **edit.record}
        return EngineEdit(
            photo=edit.photo, crop_box=crop_box, face_box=face.box,
            face_before=face_view(photo, crop_box, self.view_size), face_after=face_view(edit.photo, crop_box, self.view_size),
            record=record, landmarks=np.stack([edit.source_points, edit.target_points]),
        )


def create(context: EngineContext) -> WarpEngine:
    return WarpEngine(context.view_size)
