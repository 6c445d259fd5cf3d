"""The inside of the mouth: what a warp cannot move into place, repainted from the photo's own colours.

Moving pixels (:mod:`emoface.engines.warp.pixels`) can bring two lips together or pull them apart,
but it cannot remove teeth or invent an open mouth: closed over a toothy smile, the teeth are
squeezed into a pale line; opened over closed lips, the lips are stretched into a smear. So after
the warp the real-photo engine repaints the mouth when its state changes
(:data:`~emoface.engines.warp.action_units.MOUTH_OPENING`):

* **Closing** (:func:`close_mouth`): every output pixel that came from the old opening (traced
  back through the warp's own map), every tooth-coloured pixel (bright, greyer than the lips) that
  came from inside the old lips, and the dark corners of a wide smile left beside the narrower
  mouth, is filled from what surrounds it (OpenCV's Telea inpainting: the upper lip propagates
  down, the lower lip up, the cheek in from the side), and the line where the lips meet is drawn
  as a soft shadow in the lips' own colour, darkened.
* **Opening** (:func:`open_mouth`): the new inner-lip polygon becomes a cavity, dark and shaded
  from the lips' colour (darker towards its middle, as light falls off inside a mouth), with an
  upper-teeth band that follows the upper lip's curve (its colour from the face's own brightness,
  shadowed towards the corners, the incisors faintly separated), and for fear a lower band.
  The lips themselves are the warp's: they keep the photo's texture and thickness.

Both work on a small box around the mouth, so they cost a few milliseconds at any photo size.
Taught in ``06_real_photos.ipynb``.
"""

from __future__ import annotations

import cv2
import numpy as np

from .action_units import CLOSED_GAP, face_frame, mouth_gap

#: The colour of teeth in full light, before the face's own brightness is applied.
TEETH_RGB = np.array([242.0, 232.0, 210.0])
#: Per expression, the upper-teeth band's share of the opening and the lower band's share of the upper
#: one: a smile shows its upper teeth, fear both rows, surprise mostly the dark of a dropped jaw.
TEETH_SHOWN = {"happiness": (0.75, 0.15), "fear": (0.3, 0.45), "surprise": (0.28, 0.0)}
DEFAULT_TEETH = (0.36, 0.0)
#: The upper-teeth band is at most this tall (in D).
TEETH_MAX = 0.11
#: A tooth's width, in D (for the faint separations between incisors).
TOOTH_WIDTH = 0.085


def mouth_colours(photo: np.ndarray, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The median colour of the lips (between the outer and inner lip lines) and of the cheeks, RGB float.

    ``points`` are the 70 control points (:func:`~emoface.engines.warp.action_units.control_points`): the cheeks
    are sampled around the two virtual cheek points.
    """
    _, _, _, distance = face_frame(points)
    x0, y0 = np.maximum(np.floor(points[:, :2].min(0)).astype(int), 0)
    x1, y1 = np.ceil(points[:, :2].max(0)).astype(int) + 1
    box = photo[y0:y1, x0:x1]
    lips = np.zeros(box.shape[:2], np.uint8)
    cv2.fillPoly(lips, [np.round(points[48:60] - [x0, y0]).astype(np.int32)], 1)
    cv2.fillPoly(lips, [np.round(points[60:68] - [x0, y0]).astype(np.int32)], 0)
    lip_pixels = box[lips > 0]
    cheeks = np.zeros(box.shape[:2], np.uint8)
    radius = max(2, int(round(0.1 * distance)))
    for cheek in points[68:70]:
        cv2.circle(cheeks, tuple(np.round(np.asarray(cheek) - [x0, y0]).astype(int)), radius, 1, -1)
    cheek_pixels = box[cheeks > 0]
    skin = np.median(cheek_pixels, 0) if len(cheek_pixels) else np.array([180.0, 140.0, 120.0])
    lip = np.median(lip_pixels, 0) if len(lip_pixels) else skin * np.array([0.9, 0.7, 0.7])
    return lip.astype(np.float64), skin.astype(np.float64)


def close_mouth(photo: np.ndarray, source: np.ndarray, target: np.ndarray, map_x: np.ndarray, map_y: np.ndarray,
                origin: tuple[int, int], lip_rgb: np.ndarray, strength: float = 1.0) -> np.ndarray:
    """Fill what the old opening still shows between the closed lips; see the module docstring.

    ``photo`` is the warped photo (changed in place and returned); ``map_x``/``map_y`` are the warp's
    backward map for the box whose top-left corner in the photo is ``origin``.
    """
    _, _, _, distance = face_frame(target)
    box = _mouth_box(np.vstack([target[48:68], source[48:68]]), 0.12 * distance, photo.shape)
    x0, y0, x1, y1 = box
    patch = photo[y0:y1, x0:x1]
    if patch.size == 0 or strength <= 0:
        return photo
    ox, oy = origin
    sub_x, sub_y = map_x[y0 - oy:y1 - oy, x0 - ox:x1 - ox], map_y[y0 - oy:y1 - oy, x0 - ox:x1 - ox]
    came_from_opening = _inside(source[60:68], sub_x, sub_y)
    came_from_mouth = _inside(source[48:60], sub_x, sub_y)
    between_lips = np.zeros(patch.shape[:2], np.float32)
    cv2.fillPoly(between_lips, [_fixed(target[48:60] - [x0, y0])], 1.0, lineType=cv2.LINE_AA, shift=2)
    # what the old mouth showed, wherever the warp put it: its opening (dlib's inner lip line can sit on
    # the teeth, so also anything tooth-coloured that came from inside the lips), and the dark corners of
    # a wide smile that the corners' move left beside the new, narrower mouth
    toothy = _tooth_coloured(patch, lip_rgb) * np.maximum(came_from_mouth, between_lips)
    dark = _darker_than_lips(patch, lip_rgb) * came_from_mouth * (1.0 - between_lips)
    mask = np.maximum(np.maximum(came_from_opening, toothy), dark)
    mask = cv2.dilate((mask > 0.25).astype(np.uint8), np.ones((3, 3), np.uint8))
    if mask.any():
        radius = max(3, int(round(0.05 * distance)))
        filled = cv2.inpaint(np.ascontiguousarray(patch), mask, radius, cv2.INPAINT_TELEA)
        soft = cv2.GaussianBlur(mask.astype(np.float32), (3, 3), 0)[..., None] * strength
        patch[:] = np.clip(patch * (1 - soft) + filled * soft, 0, 255).astype(np.uint8)
    _lip_line(patch, target, (x0, y0), lip_rgb, distance, strength)
    return photo


def open_mouth(photo: np.ndarray, target: np.ndarray, lip_rgb: np.ndarray, skin_rgb: np.ndarray,
               strength: float = 1.0, teeth: tuple[float, float] = DEFAULT_TEETH, grain: float = 0.0) -> np.ndarray:
    """Paint a cavity and teeth inside the target inner lips (changed in place and returned).

    ``strength`` in [0, 1] is how opaque the new inside is (a mouth barely opened is only shaded);
    ``teeth`` the upper band's share of the opening and the lower band's share of the upper one
    (:data:`TEETH_SHOWN`); ``grain`` the photo's own noise level (:func:`skin_grain`), added so the
    painted inside is not smoother than the photo around it.
    """
    teeth_share, lower_teeth = teeth
    _, _, unit_down, distance = face_frame(target)
    gap = max(mouth_gap(target), 0.0) * distance
    box = _mouth_box(target[60:68], 0.05 * distance, photo.shape)
    x0, y0, x1, y1 = box
    patch = photo[y0:y1, x0:x1]
    if patch.size == 0 or strength <= 0 or gap < 1:
        return photo
    inner = target[60:68] - [x0, y0]
    inside = np.zeros(patch.shape[:2], np.float32)
    cv2.fillPoly(inside, [_fixed(inner)], 1.0, lineType=cv2.LINE_AA, shift=2)
    # depth: 0 on the lips' edge, 1 in the middle of the opening — light falls off inside a mouth
    depth = cv2.distanceTransform((inside > 0.5).astype(np.uint8), cv2.DIST_L2, 3)
    depth = np.clip(depth / max(1.0, 0.35 * gap), 0, 1)[..., None]
    dark = lip_rgb * 0.32
    paint = dark * (1.0 - 0.6 * depth)
    brightness = np.clip(float(skin_rgb.max()) / 215.0, 0.55, 1.08)
    teeth_height = min(teeth_share * gap, TEETH_MAX * distance)
    upper_curve = _curve(inner[[0, 1, 2, 3, 4]])  # 60 → 64 through 61, 62, 63
    lower_curve = _curve(inner[[4, 5, 6, 7, 0]])
    for curve, height, shade in ((upper_curve, teeth_height, 1.0), (lower_curve, -lower_teeth * teeth_height, 0.78)):
        if abs(height) < 1:
            continue
        band = _band(curve, height * unit_down, patch.shape[:2]) * inside
        light = _teeth_shading(curve, unit_down, distance, patch.shape[:2], height)[..., None]
        ivory = (0.88 * TEETH_RGB + 0.12 * skin_rgb) * brightness * shade  # teeth take a little of the face's light
        colour = dark + (ivory - dark) * light  # teeth in shadow go to the cavity's tone
        band = cv2.GaussianBlur(band, (0, 0), max(0.6, 0.012 * distance))[..., None]
        paint = paint * (1 - band) + colour * band
    if grain > 0:  # half the photo's grain, a little soft: the inside of a mouth is out of the light
        noise = cv2.GaussianBlur(np.random.default_rng(0).normal(0, grain, paint.shape[:2]).astype(np.float32), (3, 3), 0)
        paint = paint + noise[..., None]
    soft = cv2.GaussianBlur(inside, (3, 3), 0)[..., None] * strength
    patch[:] = np.clip(patch * (1 - soft) + paint * soft, 0, 255).astype(np.uint8)
    return photo


def mouth_change(source: np.ndarray, target: np.ndarray, opening: float | None) -> tuple[str, float]:
    """What the movement from ``source`` to ``target`` does to the mouth, and how strongly (0..1).

    ``"closed"`` when the expression closes the mouth (``opening`` 0) and it was open, with the share
    of the gap that closed; ``"opened"`` when it opened wider, opaque once the lips are 0.1 D apart;
    else ``"kept"``.
    """
    if opening is None:
        return "kept", 0.0
    before, after = mouth_gap(source), mouth_gap(target)
    if opening <= CLOSED_GAP:
        if before <= CLOSED_GAP:
            return "kept", 0.0
        return "closed", float(np.clip((before - after) / (before - CLOSED_GAP), 0, 1))
    if after > before + 0.02 and after > CLOSED_GAP:
        return "opened", float(np.clip((after - CLOSED_GAP) / 0.07, 0, 1))
    return "kept", 0.0


def _cross(a: np.ndarray, b: np.ndarray) -> float:
    """The z of the cross product of two 2-D vectors: twice the signed area of the triangle they span."""
    return float(a[0] * b[1] - a[1] * b[0])


def _mouth_box(points: np.ndarray, pad: float, shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    x0, y0 = np.floor(points.min(0) - pad).astype(int)
    x1, y1 = np.ceil(points.max(0) + pad).astype(int) + 1
    return max(0, x0), max(0, y0), min(shape[1], x1), min(shape[0], y1)


def _fixed(points: np.ndarray) -> np.ndarray:
    """Points for OpenCV's sub-pixel drawing (shift=2)."""
    return np.round(np.asarray(points) * 4).astype(np.int32)


def _inside(polygon: np.ndarray, map_x: np.ndarray, map_y: np.ndarray) -> np.ndarray:
    """Per output pixel, 1 where the warp took its colour from inside ``polygon`` (photo coordinates)."""
    x0, y0 = (int(v) - 2 for v in np.floor(polygon.min(0)))
    x1, y1 = (int(v) + 2 for v in np.ceil(polygon.max(0)))
    inside = np.zeros((max(1, y1 - y0), max(1, x1 - x0)), np.float32)
    cv2.fillPoly(inside, [_fixed(polygon - [x0, y0])], 1.0, lineType=cv2.LINE_AA, shift=2)
    return cv2.remap(inside, (map_x - x0).astype(np.float32), (map_y - y0).astype(np.float32), cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_CONSTANT, borderValue=0)


def _tooth_coloured(patch: np.ndarray, lip_rgb: np.ndarray) -> np.ndarray:
    """1 where a pixel is much brighter and greyer than the lips: teeth (soft, 0..1)."""
    rgb = patch.astype(np.float32)
    value = rgb.max(2)
    saturation = (value - rgb.min(2)) / np.maximum(value, 1)
    lip_value = float(lip_rgb.max())
    lip_saturation = (lip_value - float(lip_rgb.min())) / max(lip_value, 1.0)
    brighter = np.clip((value - lip_value) / max(20.0, 0.25 * (255 - lip_value)), 0, 1)
    greyer = np.clip((lip_saturation - saturation) / max(0.08, 0.5 * lip_saturation), 0, 1)
    return brighter * greyer


def _darker_than_lips(patch: np.ndarray, lip_rgb: np.ndarray) -> np.ndarray:
    """1 where a pixel is much darker than the lips (the shadow inside a mouth), soft, 0..1."""
    value = patch.astype(np.float32).max(2)
    lip_value = float(lip_rgb.max())
    return np.clip((0.7 * lip_value - value) / max(10.0, 0.2 * lip_value), 0, 1)


def _lip_line(patch: np.ndarray, target: np.ndarray, offset: tuple[int, int], lip_rgb: np.ndarray,
              distance: float, strength: float) -> None:
    """The shadow where closed lips meet: the middle of each inner-lip pair, from corner to corner."""
    middle = np.vstack([target[60], (target[61] + target[67]) / 2, (target[62] + target[66]) / 2,
                        (target[63] + target[65]) / 2, target[64]]) - offset
    line = np.zeros(patch.shape[:2], np.float32)
    width = max(1, int(round(0.015 * distance)))
    cv2.polylines(line, [_fixed(_curve(middle))], False, 1.0, thickness=width, lineType=cv2.LINE_AA, shift=2)
    blur = 2 * width + 1
    line = cv2.GaussianBlur(line, (blur, blur), 0)[..., None] * 0.45 * strength
    shadow = lip_rgb * 0.6
    patch[:] = np.clip(patch * (1 - line) + shadow * line, 0, 255).astype(np.uint8)


def _curve(points: np.ndarray, per_segment: int = 8) -> np.ndarray:
    """A smooth polyline through ``points`` (Catmull–Rom), (k, 2)."""
    points = np.asarray(points, dtype=np.float64)
    padded = np.vstack([2 * points[0] - points[1], points, 2 * points[-1] - points[-2]])
    t = np.linspace(0, 1, per_segment, endpoint=False)[:, None]
    out = []
    for i in range(1, len(padded) - 2):
        p0, p1, p2, p3 = padded[i - 1 : i + 3]
        out.append(0.5 * ((2 * p1) + (-p0 + p2) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t**2
                          + (-p0 + 3 * p1 - 3 * p2 + p3) * t**3))
    out.append(points[-1:])
    return np.vstack(out)


def _band(curve: np.ndarray, shift: np.ndarray, shape: tuple[int, int], taper: float = 2.5) -> np.ndarray:
    """The strip between ``curve`` and ``curve`` moved by ``shift``, thinning to nothing at the ends
    (a row of teeth disappears into the mouth's corners), soft-edged, 0..1."""
    t = np.linspace(-1.0, 1.0, len(curve))[:, None]
    far = curve + shift * (1.0 - np.abs(t) ** taper)
    band = np.zeros(shape, np.float32)
    cv2.fillPoly(band, [_fixed(np.vstack([curve, far[::-1]]))], 1.0, lineType=cv2.LINE_AA, shift=2)
    return band


def _teeth_shading(curve: np.ndarray, unit_down: np.ndarray, distance: float, shape: tuple[int, int],
                   height: float) -> np.ndarray:
    """Light on a row of teeth: full in the middle, shadowed towards the mouth's corners, under the lip
    and at the band's far edge, with faint gaps between the front teeth."""
    ys, xs = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float32)
    centre = curve[len(curve) // 2]
    unit_x = np.array([unit_down[1], -unit_down[0]])
    across = ((xs - centre[0]) * unit_x[0] + (ys - centre[1]) * unit_x[1])
    half = max(1.0, float(np.abs((curve - centre) @ unit_x).max()))
    light = 1.0 - 0.55 * np.clip(np.abs(across) / half, 0, 1) ** 2.0
    # distance from the lip, along the band (the lip's own curve is followed via the curve's height here)
    lip_height = np.interp(across.ravel(), (curve - centre) @ unit_x if unit_x[0] >= 0 else ((curve - centre) @ unit_x)[::-1],
                           (curve - centre) @ unit_down if unit_x[0] >= 0 else ((curve - centre) @ unit_down)[::-1])
    below = ((xs - centre[0]) * unit_down[0] + (ys - centre[1]) * unit_down[1]).ravel() - lip_height
    depth = np.clip(np.sign(height) * below / max(1.0, abs(height)), 0, 1).reshape(shape)
    light *= 0.88 + 0.12 * np.clip(depth * 4, 0, 1)  # the lip's shadow on the top of the teeth
    light *= 1.0 - 0.12 * depth
    tooth = TOOTH_WIDTH * distance
    gaps = np.exp(-0.5 * ((np.mod(across, tooth) - 0.5 * tooth) / max(0.5, 0.05 * tooth)) ** 2)
    return light * (1.0 - 0.12 * gaps * (np.abs(across) < 1.6 * tooth))


def skin_grain(photo: np.ndarray, points: np.ndarray) -> float:
    """The photo's fine noise on the cheeks (standard deviation of a 3×3 high-pass, grey levels)."""
    _, _, _, distance = face_frame(points)
    radius = max(3, int(round(0.12 * distance)))
    values = []
    for cheek in points[68:70]:
        x, y = np.round(cheek).astype(int)
        patch = photo[max(0, y - radius):y + radius, max(0, x - radius):x + radius].astype(np.float32).mean(2)
        if patch.shape[0] > 4 and patch.shape[1] > 4:
            values.append(float(np.std(patch - cv2.blur(patch, (3, 3)))))
    return float(np.median(values)) if values else 0.0


#: The lips as triangles of landmark indices: the upper lip (outer 48–54 over inner 60–64), the lower
#: lip (outer 54–48 under inner 64–60), and the opening between the inner lips.
LIP_TRIANGLES = (
    (48, 49, 60), (49, 61, 60), (49, 50, 61), (50, 62, 61), (50, 51, 62), (51, 52, 62), (52, 63, 62), (52, 53, 63),
    (53, 64, 63), (53, 54, 64),
    (54, 55, 64), (55, 65, 64), (55, 56, 65), (56, 66, 65), (56, 57, 66), (57, 58, 66), (58, 67, 66), (58, 59, 67),
    (59, 60, 67), (59, 48, 60),
    # the opening (from OPENING_TRIANGLES on)
    (60, 61, 67), (61, 66, 67), (61, 62, 66), (62, 63, 66), (63, 65, 66), (63, 64, 65),
)


#: LIP_TRIANGLES[OPENING_TRIANGLES:] lie between the inner lips.
OPENING_TRIANGLES = 20


def lip_map(source: np.ndarray, target: np.ndarray, map_x: np.ndarray, map_y: np.ndarray,
            origin: tuple[int, int]) -> None:
    """Replace the warp's backward map inside the target lips by a triangle-by-triangle affine map.

    A smooth warp (moving least squares, rigid) keeps the scale of small neighbourhoods, so it
    cannot squeeze an open mouth shut: the teeth stay as tall as they were. Mapped triangle by
    triangle, each lip keeps its own texture at its new thickness, and where the inner lips meet
    the opening's triangles have no area, so nothing of the old opening is drawn. The map is
    blended into the smooth one over two pixels at the lips' outer edge. ``map_x``/``map_y`` cover a
    box whose top-left pixel in the photo is ``origin``; changed in place.
    """
    x0 = int(np.floor(target[48:60, 0].min())) - 2 - origin[0]
    y0 = int(np.floor(target[48:60, 1].min())) - 2 - origin[1]
    x1 = int(np.ceil(target[48:60, 0].max())) + 3 - origin[0]
    y1 = int(np.ceil(target[48:60, 1].max())) + 3 - origin[1]
    x0, y0 = max(0, x0), max(0, y0)
    x1, y1 = min(map_x.shape[1], x1), min(map_x.shape[0], y1)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return
    shift = np.array([origin[0] + x0, origin[1] + y0], np.float64)
    ids = np.full((y1 - y0, x1 - x0), -1, np.int32)
    matrices = np.zeros((len(LIP_TRIANGLES), 2, 3), np.float64)
    closed = mouth_gap(target) <= CLOSED_GAP
    for k, triangle in enumerate(LIP_TRIANGLES):
        to, fro = target[list(triangle)], source[list(triangle)]
        area = _cross(to[1] - to[0], to[2] - to[0])
        if abs(area) < 0.5 or (closed and k >= OPENING_TRIANGLES):  # a closed opening: nothing to draw
            continue
        if np.sign(area) != np.sign(_cross(fro[1] - fro[0], fro[2] - fro[0])):
            continue  # turned over by the movement: the smooth map is the better guess there
        matrices[k] = cv2.getAffineTransform((to - shift).astype(np.float32), fro.astype(np.float32))
        cv2.fillConvexPoly(ids, np.round((to - shift) * 4).astype(np.int32), k, lineType=cv2.LINE_8, shift=2)
    inside = ids >= 0
    if not inside.any():
        return
    ys, xs = np.nonzero(inside)
    chosen = matrices[ids[inside]]
    fx = chosen[:, 0, 0] * xs + chosen[:, 0, 1] * ys + chosen[:, 0, 2]
    fy = chosen[:, 1, 0] * xs + chosen[:, 1, 1] * ys + chosen[:, 1, 2]
    weight = cv2.distanceTransform(inside.astype(np.uint8), cv2.DIST_L2, 3)[inside]
    weight = np.clip(weight / 2.0, 0, 1).astype(np.float32)
    box_x, box_y = map_x[y0:y1, x0:x1], map_y[y0:y1, x0:x1]
    box_x[ys, xs] = box_x[ys, xs] * (1 - weight) + fx * weight
    box_y[ys, xs] = box_y[ys, xs] * (1 - weight) + fy * weight
