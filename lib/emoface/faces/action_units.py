"""Facial action units as landmark displacements: the seven expressions, written down as movements.

The Facial Action Coding System (FACS; Ekman & Friesen, 1978; Ekman, Friesen & Hager, 2002) takes
an expression apart into *action units* (AUs), each the visible work of one or a few muscles.
EMFACS lists the AU combinations that make each of the basic emotions' prototypes. This module
turns that table into numbers the warp engine (:mod:`emoface.faces.warp`) can apply to the 68
iBUG points of :mod:`emoface.faces.landmarks`:

* each AU is a small set of points, each with a displacement ``(outward, down)`` in a **face
  frame**: ``down`` along the face's vertical axis (perpendicular to the line through the eyes),
  ``outward`` away from the face's midline (mirrored, so one number serves both sides), in units of
  the **interocular distance** D (eye centre to eye centre), at full intensity;
* each expression is a weighted sum of AUs (:data:`EXPRESSION_AUS`);
* two *virtual* points, the cheek apexes (:data:`CHEEKS`), carry AU6's and AU12's cheek raise,
  because the 68 points have none on the cheek.

The magnitudes are ours: FACS describes directions and appearance changes, not millimetres. We
started from movements of a typical apex expression (a smiling lip corner ~0.1 D up and out, D
≈ 63 mm in adults) and raised the mouth and brow units by half after looking at edits of the
real photos of :mod:`emoface.faces.real_photos` and at the FER judge's response (notebook 06):
at intensity 1 a lip corner now moves 0.15 D (≈ 9 mm; 13 px on a face 90 px between the eyes),
an inner brow 0.18 D, a jaw drop opens the mouth by 0.3 D. Intensity 1 is a clear apex, not a
caricature; lower intensities are the subtler versions.

What moving points cannot do, and this engine therefore does not: it cannot create **what was not
in the photo** — teeth in a smile (the lips part only over what the warp stretches; see the mouth
cavity in :mod:`~emoface.faces.warp`), the inside of an opened mouth beyond a dark shading,
**wrinkles** (AU9's nose wrinkles, the crow's feet of AU6, the forehead lines of AU1+2), the
nasolabial furrow deepening, or skin colour changes. It cannot turn a head or move the eyes' gaze.
**Neutral** is not a set of AUs: it relaxes what can be read off the face itself (lip corners back
to the lip line, an open mouth closed); raised or lowered brows stay, as there is no reference
for where this person's brows rest.

Taught in ``06_real_photos.ipynb``.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Mapping

import numpy as np

from ..labels import FACE_EXPRESSIONS

#: Indices of the two virtual cheek points appended after the 68 landmarks.
CHEEKS: tuple[int, int] = (68, 69)
N_CONTROL_POINTS = 70

Movement = dict[int, tuple[float, float]]  # point -> (outward, down) in interocular units


def _same(points: tuple[int, ...], outward: float, down: float) -> Movement:
    return {p: (outward, down) for p in points}


def _merge(*parts: Movement) -> Movement:
    merged: Movement = {}
    for part in parts:
        merged.update(part)
    return merged


_CORNERS = (48, 54, 60, 64)  # outer and inner lip corners
_UPPER_LIDS, _LOWER_LIDS = (37, 38, 43, 44), (40, 41, 46, 47)

#: Each AU: the points it moves and how far, at full intensity. (outward, down); up is negative.
ACTION_UNITS: Mapping[str, Movement] = MappingProxyType({
    # AU1, inner brow raiser (frontalis, pars medialis): the inner ends of the brows go up.
    "AU1": _merge(_same((21, 22), 0, -0.18), _same((20, 23), 0, -0.13), _same((19, 24), 0, -0.06)),
    # AU2, outer brow raiser (frontalis, pars lateralis): the outer brows go up.
    "AU2": _merge(_same((17, 18, 25, 26), 0, -0.15), _same((19, 24), 0, -0.09)),
    # AU4, brow lowerer (corrugator, depressor supercilii): brows down and drawn together.
    "AU4": _merge(_same((21, 22), -0.08, 0.11), _same((20, 23), -0.05, 0.09), _same((19, 24), -0.03, 0.06),
                  _same((18, 25), 0, 0.04), _same((17, 26), 0, 0.02), _same(_UPPER_LIDS, 0, 0.02)),
    # AU5, upper lid raiser (levator palpebrae): the eyes open wider.
    "AU5": _same(_UPPER_LIDS, 0, -0.06),
    # AU6, cheek raiser (orbicularis oculi, pars orbitalis): cheeks up, lower lids pushed up.
    "AU6": _merge(_same(_LOWER_LIDS, 0, -0.04), _same((36, 45), 0, -0.01), _same(CHEEKS, 0.01, -0.08)),
    # AU7, lid tightener (orbicularis oculi, pars palpebralis): lids narrow.
    "AU7": _merge(_same(_LOWER_LIDS, 0, -0.03), _same(_UPPER_LIDS, 0, 0.015)),
    # AU9, nose wrinkler (levator labii superioris alaeque nasi): nose sides and upper lip up, brows pulled down.
    "AU9": _merge(_same((31, 35), 0, -0.08), _same((32, 33, 34), 0, -0.06), _same((29, 30), 0, -0.03),
                  _same((21, 22), -0.03, 0.06), _same((49, 50, 51, 52, 53, 61, 62, 63), 0, -0.06),
                  _same(CHEEKS, 0, -0.04)),
    # AU10, upper lip raiser (levator labii superioris).
    "AU10": _merge(_same((50, 51, 52), 0, -0.09), _same((49, 53), 0, -0.07), _same((61, 62, 63), 0, -0.08),
                   _same((48, 54), 0, -0.03)),
    # AU12, lip corner puller (zygomaticus major): corners up and out — the smile.
    "AU12": _merge(_same(_CORNERS, 0.14, -0.15), _same((49, 53, 55, 59), 0.07, -0.08),
                   _same((50, 52, 56, 58), 0.03, -0.03), _same((61, 63, 65, 67), 0.06, -0.06),
                   _same(CHEEKS, 0.03, -0.05)),
    # AU15, lip corner depressor (depressor anguli oris): corners down.
    "AU15": _merge(_same(_CORNERS, 0.03, 0.15), _same((49, 53, 55, 59), 0.015, 0.075),
                   _same((61, 63, 65, 67), 0, 0.06)),
    # AU17, chin raiser (mentalis): chin and lower lip pushed up.
    "AU17": _merge(_same((56, 57, 58, 65, 66, 67), 0, -0.04), _same((7, 8, 9), 0, -0.03)),
    # AU20, lip stretcher (risorius): corners pulled sideways, lips flattened.
    "AU20": _merge(_same((48, 54), 0.15, 0.02), _same((60, 64), 0.13, 0.02), _same((49, 53, 55, 59), 0.08, 0)),
    # AU23, lip tightener (orbicularis oris): lips narrower and thinner.
    "AU23": _merge(_same((48, 54), -0.07, 0), _same((60, 64), -0.06, 0), _same((49, 50, 51, 52, 53), 0, 0.03),
                   _same((55, 56, 57, 58, 59), 0, -0.03)),
    # AU26, jaw drop (relaxed masseter, jaw lowered): lower lip and chin down, the mouth opens.
    "AU26": _merge(_same((57, 66, 8), 0, 0.30), _same((56, 58, 65, 67, 7, 9), 0, 0.27), _same((55, 59), 0, 0.18),
                   _same((6, 10), 0, 0.18), _same(_CORNERS, 0, 0.08), _same((5, 11), 0, 0.08)),
})

#: The EMFACS prototypes, as (AU, weight). Weights below 1 are the "slight" AUs of a prototype, or
#: a compromise where two AUs pull one point both ways (AU1 and AU4 in sadness: the oblique brow).
EXPRESSION_AUS: Mapping[str, tuple[tuple[str, float], ...]] = MappingProxyType({
    "anger": (("AU4", 1.0), ("AU5", 0.6), ("AU7", 1.0), ("AU23", 1.0)),
    "disgust": (("AU9", 1.0), ("AU10", 0.5), ("AU15", 0.6), ("AU17", 0.5)),
    "fear": (("AU1", 1.0), ("AU2", 1.0), ("AU4", 0.6), ("AU5", 1.0), ("AU7", 0.5), ("AU20", 1.0), ("AU26", 0.6)),
    "happiness": (("AU6", 1.0), ("AU12", 1.0)),
    "neutral": (),  # relaxation, see neutral_movement
    "sadness": (("AU1", 1.0), ("AU4", 0.5), ("AU15", 1.0), ("AU17", 0.5)),
    "surprise": (("AU1", 1.0), ("AU2", 1.0), ("AU5", 1.0), ("AU26", 1.0)),
})
assert tuple(EXPRESSION_AUS) == FACE_EXPRESSIONS


def control_points(points: np.ndarray) -> np.ndarray:
    """The 68 landmarks plus the two virtual cheek apexes, (70, 2).

    A cheek apex is taken between the outer jaw, the lower eyelid and the nostril of its side:
    where the cheek bulges when it is raised.
    """
    points = np.asarray(points, dtype=np.float64)
    right = (points[2] + points[41] + points[31]) / 3.0
    left = (points[14] + points[46] + points[35]) / 3.0
    return np.vstack([points, right, left])


def face_frame(points: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Origin (between the eyes), unit x (towards the subject's left eye), unit down, and D."""
    right_eye, left_eye = points[36:42].mean(0), points[42:48].mean(0)
    across = left_eye - right_eye
    distance = float(np.linalg.norm(across))
    if distance < 1e-6:
        raise ValueError("the two eyes' landmarks coincide: these are not a face's 68 points")
    unit_x = across / distance
    unit_down = np.array([-unit_x[1], unit_x[0]])  # x rotated +90° in image coordinates (y down)
    return (right_eye + left_eye) / 2.0, unit_x, unit_down, distance


def expression_movement(points: np.ndarray, expression: str, intensity: float = 1.0) -> np.ndarray:
    """Where each control point moves, in pixels: (70, 2) for the 68 landmarks (``points``) plus the cheeks.

    ``intensity`` in [0, 1] scales the prototype linearly: 0 moves nothing, 1 is the full prototype.
    """
    if expression not in EXPRESSION_AUS:
        raise ValueError(f"unknown expression {expression!r}; expected one of {', '.join(FACE_EXPRESSIONS)}")
    intensity = check_intensity(intensity)
    controls = control_points(points)
    origin, unit_x, unit_down, distance = face_frame(controls)
    in_frame = np.zeros((N_CONTROL_POINTS, 2))  # (outward, down) per point, in D
    if expression == "neutral":
        in_frame = neutral_movement(controls, origin, unit_x, unit_down, distance)
    for unit, weight in EXPRESSION_AUS[expression]:
        for point, (outward, down) in ACTION_UNITS[unit].items():
            in_frame[point] += weight * np.array([outward, down])
    side = _sides(controls, origin, unit_x, distance)
    moves = distance * (in_frame[:, :1] * side[:, None] * unit_x + in_frame[:, 1:] * unit_down)
    return intensity * moves


def neutral_movement(controls: np.ndarray, origin: np.ndarray, unit_x: np.ndarray, unit_down: np.ndarray,
                     distance: float) -> np.ndarray:
    """(outward, down) in D per control point that relaxes the mouth: see the module docstring.

    Lip corners (and half as much their neighbours) go to the height of the lip line — the middle
    of the inner lips — which undoes AU12's raise or AU15's drop; an open mouth (a gap between
    the inner lips wider than 0.03 D) closes: the lower lip rises by 80 % of the gap, the chin by
    60 %.
    """
    down = (controls - origin) @ unit_down / distance
    movement = np.zeros((len(controls), 2))
    gap = down[66] - down[62]
    if gap > 0.03:
        movement[[55, 56, 57, 58, 59, 65, 66, 67], 1] -= 0.8 * gap
        movement[[7, 8, 9], 1] -= 0.6 * gap
        movement[[6, 10], 1] -= 0.4 * gap
    lip_line = (down[62] + down[66] + movement[66, 1]) / 2.0  # the middle of the lips once closed
    for corner in _CORNERS:
        movement[corner, 1] = lip_line - down[corner]
    for neighbour, corner in ((49, 48), (59, 48), (61, 60), (67, 60), (53, 54), (55, 54), (63, 64), (65, 64)):
        movement[neighbour, 1] += 0.5 * (lip_line - down[corner])
    return movement


def check_intensity(intensity: float) -> float:
    """``intensity`` as a float, or a ValueError that says the allowed range."""
    value = float(intensity)
    if not 0.0 <= value <= 1.0:  # also refuses NaN
        raise ValueError(f"intensity must be between 0 (no change) and 1 (the full expression), got {intensity!r}")
    return value


def _sides(controls: np.ndarray, origin: np.ndarray, unit_x: np.ndarray, distance: float) -> np.ndarray:
    """+1 on the subject's left half, −1 on the right, 0 within 0.05 D of the midline (no sideways move)."""
    across = (controls - origin) @ unit_x / distance
    return np.where(np.abs(across) < 0.05, 0.0, np.sign(across))
