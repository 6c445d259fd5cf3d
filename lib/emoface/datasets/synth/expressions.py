"""The seven expressions as geometry: one frozen table, grounded in FACS action units.

Each row of :data:`EXPRESSION_SHAPES` says how far each facial part moves from the relaxed face and
names the action units (AUs) of the Facial Action Coding System (Ekman & Friesen) it draws; the
drawing modules (:mod:`.eyes`, :mod:`.nose`, :mod:`.mouth`) read it. Expressions are data, not
code, so a lesson can print the table and the tests can check that the seven rows differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

from ...labels import expression_index


@dataclass(frozen=True)
class ExpressionShape:
    """How far each facial part moves from the relaxed face; the defaults *are* neutral.

    Distances are in face units (1 = half the head's height, eye line at y = 0, y grows down);
    the others are factors or strengths in 0..1. Keeping expressions as data, not code, lets a
    lesson print the table and lets the tests check that the seven rows really differ.
    """

    brow_raise: float = 0.0  # whole brow up (+, AU1+2) or down (-, AU4)
    brow_inner_raise: float = 0.0  # inner end up (+, AU1) or pulled down (-, AU4)
    brow_squeeze: float = 0.0  # inner ends drawn toward the midline (AU4 corrugator)
    brow_arch: float = 0.0  # extra curve (+) or flattening (-) of the brow
    brow_furrow: float = 0.0  # vertical lines between the brows (AU4), 0..1
    forehead_lines: float = 0.0  # horizontal forehead wrinkles (AU1+2), 0..1
    eye_open: float = 1.0  # upper-lid opening: > 1 AU5 lid raiser, < 1 AU7 tightener / droop
    lid_slant: float = 0.0  # upper lid: + outer half droops (sad), - inner half presses (glare)
    lower_lid_raise: float = 0.0  # lower lid up (AU6/AU7); negative drops it (AU5, wide eyes)
    cheek_raise: float = 0.0  # AU6: cheek bulge under the eyes, crow's feet, nasolabial folds
    nose_wrinkle: float = 0.0  # AU9: wrinkles across the nose bridge, 0..1
    nostril_flare: float = 0.0  # AU38: wider nostrils and wings, 0..1
    mouth_width: float = 1.0  # AU12/AU20 widen (> 1), AU18/AU23 narrow (< 1)
    mouth_curve: float = 0.0  # mouth corners up (+, AU12) or down (-, AU15)
    mouth_open: float = 0.0  # lips apart and jaw drop (AU25/26/27), 0..1
    mouth_square: float = 0.0  # shape of the opening: 0 oval (AU26), 1 stretched box (AU20)
    teeth_upper: float = 0.0  # upper teeth show in the opening (1 = yes)
    teeth_lower: float = 0.0  # lower teeth show in the opening (1 = yes)
    lip_press: float = 0.0  # AU23/AU24: lips pressed thin, 0..1
    upper_lip_raise: float = 0.0  # AU10 on one side: the sneer that bares the teeth, 0..1


#: Expression -> geometry, read-only. Each row names the action units it draws.
_EXPRESSION_SHAPES: dict[str, ExpressionShape] = {
    # Relaxed: every part at rest.
    "neutral": ExpressionShape(),
    # AU6 cheek raiser (cheeks up, lower lids up, eyes narrow, crow's feet)
    # + AU12 lip corner puller (curved smile) + AU25 lips part (teeth show).
    "happiness": ExpressionShape(
        brow_raise=0.01,
        eye_open=0.8,
        lower_lid_raise=0.55,
        cheek_raise=1.0,
        mouth_width=1.22,
        mouth_curve=1.0,
        mouth_open=0.42,
        teeth_upper=1.0,
    ),
    # AU1 inner brow raiser + AU4 brow lowerer (inner ends up and together, brows slope down
    # to the outside) + drooping upper lids + AU15 lip corner depressor (+ AU17 chin raiser).
    "sadness": ExpressionShape(
        brow_raise=-0.02,
        brow_inner_raise=0.10,
        brow_squeeze=0.025,
        brow_arch=-0.02,
        eye_open=0.72,
        lid_slant=0.55,
        lower_lid_raise=0.1,
        mouth_width=0.95,
        mouth_curve=-0.9,
    ),
    # AU1+2 brows raised high and curved (forehead lines) + AU5 eyes wide (white above the
    # iris) + AU26/27 jaw drop: an open oval mouth.
    "surprise": ExpressionShape(
        brow_raise=0.09,
        brow_arch=0.04,
        forehead_lines=1.0,
        eye_open=1.75,
        lower_lid_raise=-0.3,
        mouth_width=0.7,
        mouth_open=0.7,
    ),
    # AU1+2+4 brows raised *and* drawn together (flat, not arched) + AU5 eyes wide + AU20 lip
    # stretcher + AU26 jaw drop: a wide, stretched open mouth with both rows of teeth.
    "fear": ExpressionShape(
        brow_raise=0.07,
        brow_inner_raise=0.04,
        brow_squeeze=0.03,
        brow_arch=-0.03,
        brow_furrow=0.4,
        forehead_lines=0.6,
        eye_open=1.6,
        lower_lid_raise=-0.15,
        mouth_width=1.2,
        mouth_curve=-0.25,
        mouth_open=0.45,
        mouth_square=1.0,
        teeth_upper=1.0,
        teeth_lower=1.0,
    ),
    # AU4 brows lowered and pulled together in a V + AU5+7 glaring, tense lids + AU23/24 lips
    # pressed thin + AU38 flared nostrils.
    "anger": ExpressionShape(
        brow_raise=-0.05,
        brow_inner_raise=-0.08,
        brow_squeeze=0.04,
        brow_furrow=1.0,
        eye_open=0.95,
        lid_slant=-0.6,
        lower_lid_raise=0.4,
        nostril_flare=1.0,
        mouth_width=0.85,
        lip_press=0.85,
    ),
    # AU9 nose wrinkler (lines on the bridge, brows and lower lids pulled down/up, cheeks up)
    # + AU10 upper lip raiser on one side (sneer) + AU15 corners down.
    "disgust": ExpressionShape(
        brow_raise=-0.035,
        brow_inner_raise=-0.03,
        brow_squeeze=0.02,
        brow_furrow=0.4,
        eye_open=0.78,
        lower_lid_raise=0.45,
        cheek_raise=0.45,
        nose_wrinkle=1.0,
        nostril_flare=0.5,
        mouth_width=0.95,
        mouth_curve=-0.45,
        upper_lip_raise=1.0,
        teeth_upper=1.0,
    ),
}
EXPRESSION_SHAPES: Mapping[str, ExpressionShape] = MappingProxyType(_EXPRESSION_SHAPES)


def shape_of(expression: str) -> ExpressionShape:
    """The row of ``expression``, or a ValueError that lists the seven."""
    expression_index(expression)  # the ValueError for a typo
    return EXPRESSION_SHAPES[expression]
