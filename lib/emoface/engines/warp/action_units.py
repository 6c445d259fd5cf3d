"""Facial action units as landmark displacements: the seven expressions, written down as movements.

The Facial Action Coding System (FACS; Ekman & Friesen, 1978; Ekman, Friesen & Hager, 2002) takes
an expression apart into *action units* (AUs), each the visible work of one or a few muscles.
EMFACS lists the AU combinations that make each of the basic emotions' prototypes. This module
turns that table into numbers the warp engine (:mod:`emoface.engines.warp`) can apply to the 68
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
≈ 63 mm in adults) and raised them twice after looking at edits of real photos (see below).
Intensity 1 is a clear apex, not a caricature; lower intensities are the subtler versions.

Moving points cannot create what was not in the photo — teeth, the inside of an opened mouth,
wrinkles, folds — so the real-photo engine (:mod:`emoface.engines.warp`) repaints the mouth
(:mod:`~emoface.engines.warp.mouth`) and shades the creases (:mod:`~emoface.engines.warp.creases`) after the
warp. Every expression starts from a relaxed face (:func:`rest_movement`: brows and upper lids
half-way to :data:`REST_BROWS`; :func:`unsmile_movement` for all but happiness); the mouth ends as
:data:`MOUTH_OPENING` says (:func:`mouth_movement`), and no lip folds over itself
(:func:`lip_thickness_movement`). **Neutral** is that relaxation and a closed, level mouth. The
magnitudes were raised again after looking at the real photos of the tuning set in
``docs/real_photos.md`` (an inner brow now 0.26 D up, 0.19 D down; a lip corner 0.18 D).

Taught in ``06_real_photos.ipynb``.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Mapping

import numpy as np

from ...labels import FACE_EXPRESSIONS

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
    "AU1": _merge(_same((21, 22), 0, -0.26), _same((20, 23), 0, -0.19), _same((19, 24), 0, -0.09),
                  _same((18, 25), 0, -0.03)),
    # AU2, outer brow raiser (frontalis, pars lateralis): the outer brows go up.
    "AU2": _merge(_same((17, 18, 25, 26), 0, -0.21), _same((19, 24), 0, -0.14), _same((20, 23), 0, -0.05)),
    # AU4, brow lowerer (corrugator, depressor supercilii): brows down and drawn together.
    # The inner ends go furthest, so the brows slant down towards the nose.
    "AU4": _merge(_same((21, 22), -0.10, 0.19), _same((20, 23), -0.07, 0.14), _same((19, 24), -0.04, 0.08),
                  _same((18, 25), 0, 0.03), _same(_UPPER_LIDS, 0, 0.035), _same((27,), 0, 0.05)),
    # AU5, upper lid raiser (levator palpebrae): the eyes open wider.
    "AU5": _same(_UPPER_LIDS, 0, -0.065),
    # AU6, cheek raiser (orbicularis oculi, pars orbitalis): cheeks up, lower lids pushed up.
    "AU6": _merge(_same(_LOWER_LIDS, 0, -0.05), _same((36, 45), 0, -0.015), _same(CHEEKS, 0.01, -0.12)),
    # AU7, lid tightener (orbicularis oculi, pars palpebralis): lids narrow.
    "AU7": _merge(_same(_LOWER_LIDS, 0, -0.045), _same(_UPPER_LIDS, 0, 0.02)),
    # AU9, nose wrinkler (levator labii superioris alaeque nasi): nose sides and upper lip up, brows pulled down.
    "AU9": _merge(_same((31, 35), 0.01, -0.10), _same((32, 33, 34), 0, -0.07), _same((29, 30), 0, -0.03),
                  _same((21, 22), -0.03, 0.08), _same((20, 23), -0.02, 0.05),
                  _same((49, 50, 51, 52, 53, 61, 62, 63), 0, -0.07), _same(CHEEKS, 0, -0.06)),
    # AU10, upper lip raiser (levator labii superioris).
    "AU10": _merge(_same((50, 51, 52), 0, -0.11), _same((49, 53), 0, -0.08), _same((61, 62, 63), 0, -0.09),
                   _same((48, 54), 0, -0.03)),
    # AU12, lip corner puller (zygomaticus major): corners up and out — the smile.
    "AU12": _merge(_same(_CORNERS, 0.15, -0.18), _same((49, 53, 55, 59), 0.08, -0.11),
                   _same((50, 52, 56, 58), 0.03, -0.04), _same((61, 63), 0.07, -0.05), _same((65, 67), 0.07, -0.05),
                   _same(CHEEKS, 0.04, -0.06)),
    # AU15, lip corner depressor (depressor anguli oris): corners down.
    "AU15": _merge(_same(_CORNERS, 0.02, 0.17), _same((49, 53, 55, 59), 0.01, 0.09),
                   _same((61, 63, 65, 67), 0, 0.07)),
    # AU17, chin raiser (mentalis): chin and lower lip pushed up (the pout of sadness).
    "AU17": _merge(_same((56, 57, 58), 0, -0.06), _same((55, 59), 0, -0.03), _same((7, 8, 9), 0, -0.04)),
    # AU20, lip stretcher (risorius): corners pulled sideways, lips flattened.
    "AU20": _merge(_same((48, 54), 0.16, 0.03), _same((60, 64), 0.14, 0.03), _same((49, 53, 55, 59), 0.09, 0)),
    # AU23, lip tightener (orbicularis oris): lips narrower and thinner.
    "AU23": _merge(_same((48, 54), -0.08, 0), _same((60, 64), -0.07, 0), _same((49, 50, 51, 52, 53), 0, 0.03),
                   _same((55, 56, 57, 58, 59), 0, -0.03)),
    # AU24, lip pressor (orbicularis oris): the lips pressed together, thinner.
    "AU24": _merge(_same((50, 51, 52), 0, 0.04), _same((49, 53), 0, 0.025), _same((56, 57, 58), 0, -0.04),
                   _same((55, 59), 0, -0.025)),
    # AU26, jaw drop (relaxed masseter, jaw lowered): lower lip and chin down, the mouth opens. Its weight in
    # an expression is not fixed: it is whatever opens the mouth to that expression's MOUTH_OPENING.
    "AU26": _merge(_same((57, 66), 0, 0.30), _same((56, 58, 65, 67), 0, 0.27), _same((55, 59), 0, 0.18),
                   _same((8,), 0, 0.26), _same((7, 9), 0, 0.23), _same((6, 10), 0, 0.15), _same(_CORNERS, 0, 0.08),
                   _same((5, 11), 0, 0.07)),
    # AU27, mouth stretch's rounding in surprise: the corners come in so the opened lips make an oval.
    "AU27": _merge(_same((48, 54), -0.07, 0), _same((60, 64), -0.06, 0), _same((49, 53, 55, 59), -0.03, 0)),
})

#: The EMFACS prototypes, as (AU, weight). Weights below 1 are the "slight" AUs of a prototype, or
#: a compromise where two AUs pull one point both ways (AU1 and AU4 in sadness: the oblique brow).
#: AU26 (the jaw drop) is not listed: :data:`MOUTH_OPENING` says how open each mouth ends up.
EXPRESSION_AUS: Mapping[str, tuple[tuple[str, float], ...]] = MappingProxyType({
    "anger": (("AU4", 1.0), ("AU5", 0.5), ("AU7", 1.0), ("AU23", 0.7), ("AU24", 1.0)),
    "disgust": (("AU9", 0.8), ("AU10", 0.5), ("AU15", 0.5), ("AU17", 0.4)),
    "fear": (("AU1", 1.0), ("AU2", 0.7), ("AU4", 0.6), ("AU5", 1.0), ("AU20", 0.8)),
    "happiness": (("AU6", 1.0), ("AU10", 0.3), ("AU12", 1.0)),
    "neutral": (),  # relaxation, see neutral_movement
    "sadness": (("AU1", 1.0), ("AU4", 0.45), ("AU15", 1.0), ("AU17", 0.8)),
    "surprise": (("AU1", 1.0), ("AU2", 1.0), ("AU5", 1.0), ("AU27", 1.0)),
})
assert tuple(EXPRESSION_AUS) == FACE_EXPRESSIONS

#: How far apart the inner lips end up (in D, at full intensity): 0 closes the mouth (the lips meet,
#: whatever they showed), a number opens it at least that far (AU26), ``None`` keeps the photo's own mouth.
MOUTH_OPENING: Mapping[str, float | None] = MappingProxyType({
    "anger": 0.0, "disgust": 0.0, "fear": 0.22, "happiness": 0.14, "neutral": 0.0, "sadness": 0.0, "surprise": 0.38,
})

#: Where brows and upper lids rest in a relaxed face, in the face frame (D): the right brow's points
#: 17 (outer) to 21 (inner) as (|x|, y), mirrored for the left brow (26 to 22); the upper lids' height.
#: Medians over the neutral and smiling photos of the project's tuning set; every expression starts
#: from brows moved half-way here, so a frown or raised brows in the photo do not carry over.
REST_BROWS = ((0.92, -0.18), (0.79, -0.32), (0.59, -0.38), (0.38, -0.36), (0.20, -0.28))
REST_UPPER_LID = -0.05
#: The share of the way to the rest position that brows and lids are moved.
RELAX = 0.5
#: Inner lips closer than this (in D) are closed.
CLOSED_GAP = 0.03


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

    The expression's action units, then the mouth opened or closed to :data:`MOUTH_OPENING` (the
    jaw drop is whatever it takes from *this* mouth; closing brings the lips together whatever
    they showed), and for neutral the lip corners relaxed to the lip line. ``intensity`` in [0, 1]
    scales it all linearly: 0 moves nothing, 1 is the full prototype.
    """
    if expression not in EXPRESSION_AUS:
        raise ValueError(f"unknown expression {expression!r}; expected one of {', '.join(FACE_EXPRESSIONS)}")
    intensity = check_intensity(intensity)
    controls = control_points(points)
    origin, unit_x, unit_down, distance = face_frame(controls)
    in_frame = np.zeros((N_CONTROL_POINTS, 2))  # (outward, down) per point, in D
    for unit, weight in EXPRESSION_AUS[expression]:
        for point, (outward, move_down) in ACTION_UNITS[unit].items():
            in_frame[point] += weight * np.array([outward, move_down])
    down = (controls - origin) @ unit_down / distance
    in_frame += rest_movement(controls, origin, unit_x, unit_down, distance)
    opening = MOUTH_OPENING[expression]
    if expression != "happiness":
        in_frame += unsmile_movement(down, opening)
    in_frame += mouth_movement(down, in_frame, opening)
    in_frame += lip_thickness_movement(down, in_frame)
    side = _sides(controls, origin, unit_x, distance)
    moves = distance * (in_frame[:, :1] * side[:, None] * unit_x + in_frame[:, 1:] * unit_down)
    return intensity * moves


#: Inner-lip pairs that meet when the mouth closes (upper, lower), and the outer-lip points that follow
#: each inner point (fully, or half for the ones nearer the corners).
_LIP_PAIRS = ((61, 67), (62, 66), (63, 65))
_OUTER_FOLLOWS = {61: ((50, 1.0), (49, 0.5)), 62: ((51, 1.0),), 63: ((52, 1.0), (53, 0.5)),
                  67: ((58, 1.0), (59, 0.5)), 66: ((57, 1.0),), 65: ((56, 1.0), (55, 0.5))}
#: Of a closing gap, the share the lower lip travels (the jaw moves; the upper lip only a little).
LOWER_LIP_SHARE = 0.75


def mouth_gap(points: np.ndarray) -> float:
    """How far apart the inner lips are at the middle (points 62 and 66), in D: 0 or less is closed."""
    controls = np.asarray(points, dtype=np.float64)
    origin, _, unit_down, distance = face_frame(controls)
    return float((controls[66] - controls[62]) @ unit_down / distance)


def mouth_movement(down: np.ndarray, planned: np.ndarray, opening: float | None) -> np.ndarray:
    """(outward, down) in D that opens or closes the mouth to ``opening`` after the ``planned`` movement.

    ``down`` is each control point's height in the face frame (in D). Closing: every pair of inner
    lips meets on one level line, where the middle pair meets when the lower lip travels
    :data:`LOWER_LIP_SHARE` of its gap; the outer lips and the chin follow. Opening: the jaw drops
    (AU26) by what this mouth still lacks.
    """
    movement = np.zeros_like(planned)
    if opening is None:
        return movement
    after = down + planned[:, 1]
    if opening <= CLOSED_GAP:
        # the lips meet on one level line — the middle pair's meeting height — so that a smile's curved
        # mouth line does not survive the closing; the lower lip travels LOWER_LIP_SHARE of each gap
        centre_gap = after[66] - after[62]
        level = after[62] + (1.0 - LOWER_LIP_SHARE) * centre_gap
        for upper, lower in _LIP_PAIRS:
            for point in (upper, lower):
                shift = level - after[point]
                movement[point, 1] += shift
                for outer, follow in _OUTER_FOLLOWS[point]:
                    movement[outer, 1] += follow * shift
        lift = movement[66, 1]
        movement[[7, 8, 9], 1] += 0.6 * lift
        movement[[6, 10], 1] += 0.4 * lift
        return movement
    lacking = opening - (after[66] - after[62])
    if lacking > 0:
        drop = ACTION_UNITS["AU26"]
        for point, (outward, move_down) in drop.items():
            movement[point] += (lacking / drop[66][1]) * np.array([outward, move_down])
    return movement


def rest_movement(controls: np.ndarray, origin: np.ndarray, unit_x: np.ndarray, unit_down: np.ndarray,
                  distance: float) -> np.ndarray:
    """(outward, down) in D that moves brows and upper lids :data:`RELAX` of the way to their rest position.

    An expression is drawn from a relaxed face: a photo's own frown would otherwise stay under a
    surprise, raised brows under anger.
    """
    movement = np.zeros((len(controls), 2))
    across = (controls - origin) @ unit_x / distance
    down = (controls - origin) @ unit_down / distance
    for k, (rest_x, rest_y) in enumerate(REST_BROWS):
        for point in (17 + k, 26 - k):
            movement[point] = RELAX * np.array([rest_x - abs(across[point]), rest_y - down[point]])
    for lids, eye in (((37, 38), range(36, 42)), ((43, 44), range(42, 48))):
        eye_line = down[list(eye)].mean()
        lid = down[list(lids)].mean() - eye_line
        movement[list(lids), 1] += RELAX * (REST_UPPER_LID - lid)
    return movement


def unsmile_movement(down: np.ndarray, opening: float | None) -> np.ndarray:
    """(outward, down) in D that undoes a smile (or a drop) at the mouth: every expression but happiness.

    The lip corners (and half as much their neighbours) go to the lip line — where the lips will
    meet when the expression closes the mouth, else the middle of the opening. Where the corners
    were raised (a smile), they also come inwards, and the cheeks and lower lids that AU6 and AU12
    lifted come down with them: a smiling photo stays smiling otherwise.
    """
    movement = np.zeros((len(down), 2))
    gap = max(0.0, down[66] - down[62])
    closing = opening is not None and opening <= CLOSED_GAP
    lip_line = down[62] + ((1.0 - LOWER_LIP_SHARE) if closing else 0.5) * gap
    raised = smile_raise(down)
    for corner in _CORNERS:
        movement[corner, 1] = lip_line - down[corner]
    for neighbour, corner in ((49, 48), (59, 48), (61, 60), (67, 60), (53, 54), (55, 54), (63, 64), (65, 64)):
        movement[neighbour, 1] += 0.5 * (lip_line - down[corner])
    movement[[48, 54], 0] -= 0.8 * raised  # a smile widens the mouth by about its corners' rise on each side
    movement[[60, 64], 0] -= 0.7 * raised
    movement[[49, 53, 55, 59], 0] -= 0.4 * raised
    movement[list(CHEEKS), 1] += min(0.15, 1.0 * raised)
    movement[list(_LOWER_LIDS), 1] += min(0.07, 0.6 * raised)  # the smiling eyes open again
    movement[list(_UPPER_LIDS), 1] -= min(0.02, 0.15 * raised)
    return movement


#: Outer-lip points and the inner-lip point each lies over (upper lip) or under (lower lip).
_LIP_THICKNESS = ((50, 61), (51, 62), (52, 63), (58, 67), (57, 66), (56, 65))
#: A lip keeps at least this share of its thickness, however the action units pull it.
MIN_LIP_THICKNESS = 0.6


def lip_thickness_movement(down: np.ndarray, planned: np.ndarray) -> np.ndarray:
    """(outward, down) in D that keeps each lip at least MIN_LIP_THICKNESS of its own thickness.

    Action units move the outer and inner lip lines separately (AU17 pushes the lower lip's outer
    edge up, the closing mouth its inner edge); added up they could fold a lip over itself.
    """
    movement = np.zeros_like(planned)
    after = down + planned[:, 1]
    for outer, inner in _LIP_THICKNESS:
        side = 1.0 if outer >= 55 else -1.0  # the lower lip's outer edge lies below its inner edge
        before = side * (down[outer] - down[inner])
        now = side * (after[outer] - after[inner])
        least = MIN_LIP_THICKNESS * max(before, 0.0)
        if now < least:
            movement[outer, 1] += side * (least - now)
    return movement


def smile_raise(down: np.ndarray) -> float:
    """How far the lip corners sit above the middle of the lips, in D (0 when level or lower).

    Measured on the tuning photos: 0.07–0.19 for smiles, under 0.05 for every other expression.
    """
    middle = down[62] + 0.5 * max(0.0, down[66] - down[62])
    return max(0.0, float(np.mean([middle - down[corner] for corner in (48, 54)])))


def smile_strength(points: np.ndarray) -> float:
    """0 for a face that does not smile, 1 for a clear smile (corners 0.13 D above the lips' middle)."""
    controls = control_points(points) if len(points) == 68 else np.asarray(points, dtype=np.float64)
    origin, _, unit_down, distance = face_frame(controls)
    return float(np.clip((smile_raise((controls - origin) @ unit_down / distance) - 0.03) / 0.1, 0.0, 1.0))


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
