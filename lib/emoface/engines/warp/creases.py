"""Expression creases: the appearance half of an action unit, drawn from the landmarks as shading.

FACS describes each action unit by its *appearance changes* as much as by movement: AU4 draws
vertical furrows between the brows, AU1+2 horizontal lines across the forehead, AU9 wrinkles on
the root and sides of the nose, AU6 crow's feet at the eyes' outer corners and a bulge under the
lower lid, AU10 and AU12 deepen the nasolabial folds, AU17 the crease under the lower lip. A warp
moves the skin but cannot fold it; people (and expression classifiers) read these lines.

Each crease is a short curve placed in the face frame of :mod:`emoface.engines.warp.action_units`
(origin between the eyes, units of the interocular distance D, mirrored for the two sides) and
anchored to the *moved* landmarks, so a raised brow carries its forehead lines with it. It is
drawn as **shading of the skin that is there**, not as paint: the skin is multiplied by a soft
dark profile along the curve (and lifted a little on the side where a fold catches the light), so
its tone, pores and grain stay its own. A skin mask (colours near the cheeks' own, in Lab) keeps
lines off hair, brows, glasses and background. Depth scales with the AU's weight × intensity.

Taught in ``06_real_photos.ipynb``.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import comb

import cv2
import numpy as np

from .action_units import EXPRESSION_AUS, face_frame


#: The share of a smile's folds and cheek bulge that :func:`soften_smile` removes at strength 1.
SMILE_FLATTENING = 0.85
#: How much each channel (R, G, B) darkens in a crease's shadow, relative to the crease's depth.
SHADOW_TINT = np.array([0.78, 1.0, 1.12], np.float32)


@dataclass(frozen=True)
class Crease:
    """One line to shade: a polyline in photo pixels, its width (px), darkening (0..1) and lit side."""

    points: np.ndarray
    width: float
    depth: float
    #: The fold's lit side: a pixel offset for a faint highlight beside the line; zero for none.
    light: np.ndarray


def expression_creases(points: np.ndarray, expression: str, intensity: float = 1.0) -> list[Crease]:
    """The creases of ``expression`` on a face whose (moved) control points are ``points`` (70 or 68, 2)."""
    weights: dict[str, float] = {}
    for unit, weight in EXPRESSION_AUS[expression]:
        weights[unit] = weights.get(unit, 0.0) + weight * intensity
    frame = _Frame(points)
    creases: list[Crease] = []
    for drawer in dict.fromkeys(_DRAWERS[unit] for unit in weights if unit in _DRAWERS and weights[unit] > 0):
        creases += drawer(frame, weights)
    return creases


def draw_creases(photo: np.ndarray, creases: list[Crease], skin_rgb: np.ndarray) -> np.ndarray:
    """``photo`` with each crease shaded into the skin (a new array; pixels off the skin are left alone)."""
    if not creases:
        return photo
    reach = max(c.width for c in creases) * 3 + max(float(np.abs(c.light).max()) for c in creases) + 2
    everything = np.vstack([c.points for c in creases])
    x0, y0 = np.maximum(np.floor(everything.min(0) - reach).astype(int), 0)
    x1 = min(photo.shape[1], int(np.ceil(everything[:, 0].max() + reach)) + 1)
    y1 = min(photo.shape[0], int(np.ceil(everything[:, 1].max() + reach)) + 1)
    if x1 <= x0 or y1 <= y0:
        return photo
    patch = photo[y0:y1, x0:x1].astype(np.float32)
    shadow = np.zeros(patch.shape[:2], np.float32)
    light = np.zeros(patch.shape[:2], np.float32)
    for crease in creases:
        _stroke(shadow, crease.points - [x0, y0], crease.width, crease.depth)
        if np.any(crease.light):
            _stroke(light, crease.points - [x0, y0] + crease.light, crease.width * 1.4, crease.depth * 0.45)
    width = float(np.median([c.width for c in creases]))
    blur = int(2 * round(1.5 * width) + 1)
    shadow = cv2.GaussianBlur(shadow, (blur, blur), 0)
    light = cv2.GaussianBlur(light, (2 * blur + 1, 2 * blur + 1), 0)
    skin = _skin_mask(patch, skin_rgb)
    shadow, light = np.clip(shadow, 0, 0.8) * skin, np.clip(light, 0, 0.5) * skin
    # skin in shadow turns redder, not greyer (light scatters under it): blue darkens most, red least
    shaded = patch * (1 - shadow[..., None] * SHADOW_TINT)
    shaded += (255 - shaded) * light[..., None] * 0.5
    result = photo.copy()
    result[y0:y1, x0:x1] = np.clip(shaded + 0.5, 0, 255).astype(np.uint8)
    return result


def soften_smile(photo: np.ndarray, points: np.ndarray, strength: float, skin_rgb: np.ndarray) -> np.ndarray:
    """``photo`` with a smile's folds flattened: the nasolabial folds and the bunched cheeks.

    A smiling photo carries its smile in shading too; moved into another expression it still looks
    pleased. Structures between ~0.025 D and ~0.3 D across (folds, the cheeks' bulge) are removed
    there — the difference of two blurs — while finer texture and the overall tone stay.
    ``points`` are the moved control points; ``strength`` in [0, 1].
    """
    if strength <= 0:
        return photo
    frame = _Frame(points)
    d = frame.distance
    regions = []
    for wing, lid, jaw_high, jaw_low, corner, side in ((31, 41, 2, 4, 48, -1.0), (35, 46, 14, 12, 54, 1.0)):
        # one cheek: from beside the nose's wing, under the lower lid, along the jaw, past the mouth's corner
        regions.append(np.array([
            frame.at(frame.points[wing], side * 0.03, -0.06),
            frame.at(frame.points[lid], side * 0.02, 0.1),
            frame.at(frame.points[jaw_high], -side * 0.12, 0.0),
            frame.at(frame.points[jaw_low], -side * 0.12, 0.0),
            frame.at(frame.points[corner], side * 0.22, 0.22),
            frame.at(frame.points[corner], side * 0.03, 0.08),
            frame.at(frame.points[corner], side * 0.02, -0.06),
        ]))
    for inner, outer, lower_lid, side in ((39, 36, (41, 40), -1.0), (42, 45, (46, 47), 1.0)):
        # under the eye: the lower lid's bulge and the fold beneath it
        lid = frame.points[list(lower_lid)].mean(0)
        regions.append(np.array([frame.at(frame.points[inner], 0, 0.06), frame.at(lid, 0, 0.04),
                                 frame.at(frame.points[outer], side * 0.12, 0.02), frame.at(frame.points[outer], side * 0.1, 0.2),
                                 frame.at(lid, 0, 0.24), frame.at(frame.points[inner], 0, 0.18)]))
    everything = np.vstack(regions)
    reach = 0.3 * d
    x0, y0 = np.maximum(np.floor(everything.min(0) - reach).astype(int), 0)
    x1 = min(photo.shape[1], int(np.ceil(everything[:, 0].max() + reach)) + 1)
    y1 = min(photo.shape[0], int(np.ceil(everything[:, 1].max() + reach)) + 1)
    if x1 - x0 < 4 or y1 - y0 < 4:
        return photo
    patch = photo[y0:y1, x0:x1].astype(np.float32)
    mask = np.zeros(patch.shape[:2], np.float32)
    for region in regions:
        cv2.fillPoly(mask, [np.round((region - [x0, y0]) * 4).astype(np.int32)], 1.0, cv2.LINE_AA, shift=2)
    cv2.fillPoly(mask, [np.round((frame.points[48:60] - [x0, y0]) * 4).astype(np.int32)], 0.0, cv2.LINE_AA, shift=2)
    skin = _skin_mask(patch, skin_rgb)
    mask = cv2.GaussianBlur(mask, (0, 0), max(1.0, 0.06 * d)) * skin
    # patch − (fine − broad) × mask × strength, per channel: a fold's shadow or a bright bunched cheek turns
    # into the skin around it, colour included (brightness alone would leave grey shadows and white
    # highlights); both blurs average skin only, so hair and background beside a cheek do not darken it
    fine = _skin_blur(patch, skin[..., None], max(0.8, 0.025 * d))
    broad = _skin_blur(patch, skin[..., None], max(2.0, 0.3 * d))
    flattened = patch - (fine - broad) * (np.clip(mask, 0, 1) * strength * SMILE_FLATTENING)[..., None]
    result = photo.copy()
    result[y0:y1, x0:x1] = np.clip(flattened + 0.5, 0, 255).astype(np.uint8)
    return result


def _skin_blur(values: np.ndarray, skin: np.ndarray, sigma: float) -> np.ndarray:
    """A Gaussian blur of ``values`` that averages over skin pixels only (normalised convolution)."""
    weight = skin + 1e-3
    blurred_weight = cv2.GaussianBlur(weight, (0, 0), sigma)
    if values.ndim == 3:
        blurred_weight = blurred_weight[..., None]
    return cv2.GaussianBlur(values * weight, (0, 0), sigma) / blurred_weight


class _Frame:
    """The face frame of the moved points: ``at(anchor, x, y)`` is a pixel position from a point plus (x, y) D."""

    def __init__(self, points: np.ndarray) -> None:
        self.points = np.asarray(points, dtype=np.float64)
        self.origin, self.unit_x, self.unit_down, self.distance = face_frame(self.points)

    def at(self, anchor: np.ndarray, x: float, y: float) -> np.ndarray:
        return anchor + self.distance * (x * self.unit_x + y * self.unit_down)

    def frame(self, point: np.ndarray) -> tuple[float, float]:
        """A pixel position's (x, y) in D from the origin."""
        rel = (np.asarray(point) - self.origin) / self.distance
        return float(rel @ self.unit_x), float(rel @ self.unit_down)

    def curve(self, anchor: np.ndarray, xy: list[tuple[float, float]], per_segment: int = 6) -> np.ndarray:
        """A smooth polyline through points given in D from ``anchor``."""
        knots = np.array([self.at(anchor, x, y) for x, y in xy])
        if len(knots) < 3:
            return np.linspace(knots[0], knots[-1], per_segment + 1)
        t = np.linspace(0, 1, per_segment * (len(knots) - 1) + 1)
        # a Bézier curve from the first knot to the last, pulled towards the middle ones: a skin fold's bend
        return _bezier(knots, t)


def _bezier(knots: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Points of the Bézier curve with control points ``knots`` (k, 2) at parameters ``t``: (len(t), 2)."""
    n = len(knots) - 1
    basis = np.stack([comb(n, i) * t**i * (1 - t) ** (n - i) for i in range(n + 1)], 1)
    return basis @ knots


def _crease(frame: _Frame, points: np.ndarray, width: float, depth: float, light: tuple[float, float] = (0, 0)) -> Crease:
    return Crease(points, max(1.0, width * frame.distance), float(depth),
                  frame.distance * (light[0] * frame.unit_x + light[1] * frame.unit_down))


def _glabella(frame: _Frame, weights: dict[str, float]) -> list[Crease]:
    """AU4: two vertical furrows between the drawn-together brows."""
    weight = weights.get("AU4", 0.0)
    out = []
    for brow, side in ((21, -1.0), (22, 1.0)):
        x, _y = frame.frame(frame.points[brow])
        start = frame.at(frame.points[brow], -side * 0.45 * abs(x), 0.03)
        line = frame.curve(start, [(0, 0), (-side * 0.02, -0.13), (side * 0.03, -0.27)])
        out.append(_crease(frame, line, 0.022, 0.42 * weight, (-side * 0.03, 0)))
    return out


def _forehead(frame: _Frame, weights: dict[str, float]) -> list[Crease]:
    """AU1 (the middle) and AU2 (the whole width): horizontal lines above the raised brows."""
    weight = weights.get("AU1", 0.0)
    brows = frame.points[17:27]
    top = min(frame.frame(p)[1] for p in brows)
    wide = min(1.0, weights.get("AU2", 0.0) / max(weights.get("AU1", 1e-9), 1e-9))
    half = 0.32 + 0.38 * wide
    out = []
    for k, height in enumerate((0.17, 0.31, 0.45)):
        xy = [(x, top - height + (0.05 * (x / half) ** 2 if wide > 0.5 else -0.04 * (1 - (x / half) ** 2)))
              for x in np.linspace(-half, half, 7)]
        line = np.array([frame.at(frame.origin, x, y) for x, y in xy])
        line = _smooth(line)
        out.append(_crease(frame, line, 0.02, (0.26 - 0.05 * k) * weight, (0, -0.028)))
    return out


def _nose(frame: _Frame, weights: dict[str, float]) -> list[Crease]:
    """AU9: short wrinkles across the root of the nose and down its sides."""
    weight = weights.get("AU9", 0.0)
    root = frame.points[28]
    out = [_crease(frame, frame.curve(root, [(-0.11, dy), (0, dy - 0.025), (0.11, dy)]), 0.018, 0.34 * weight,
                   (0, -0.022)) for dy in (-0.1, -0.03, 0.04)]
    for side in (-1.0, 1.0):
        line = frame.curve(frame.points[29], [(side * 0.09, -0.05), (side * 0.15, 0.02), (side * 0.19, 0.1)])
        out.append(_crease(frame, line, 0.02, 0.3 * weight))
    return out


def _crows_feet(frame: _Frame, weights: dict[str, float]) -> list[Crease]:
    """AU6: crow's feet fanning from the eyes' outer corners, and the fold under the lower lid."""
    weight = weights.get("AU6", 0.0)
    out = []
    for corner, lower_lid, side in ((36, (41, 40), -1.0), (45, (46, 47), 1.0)):
        anchor = frame.points[corner]
        for angle in (-0.45, -0.05, 0.35):
            start = (side * 0.09, 0.02 + 0.05 * angle)
            end = (side * (0.09 + 0.15 * np.cos(angle)), 0.02 + 0.16 * np.sin(angle))
            out.append(_crease(frame, frame.curve(anchor, [start, end]), 0.014, 0.26 * weight))
        lid = frame.points[list(lower_lid)]
        under = frame.curve(lid.mean(0), [(-0.14, 0.08), (0, 0.13), (0.14, 0.08)])
        out.append(_crease(frame, under, 0.02, 0.2 * weight, (0, 0.03)))
    return out


def _nasolabial(frame: _Frame, weights: dict[str, float]) -> list[Crease]:
    """AU10 / AU12 (and AU9 through AU10's lift): the folds from the nose's wings past the mouth's corners."""
    if weights.get("AU12", 0.0) + weights.get("AU10", 0.0) <= 0:
        return []
    depth = 0.36 * min(1.0, weights.get("AU12", 0.0) + 0.8 * weights.get("AU10", 0.0))
    out = []
    for wing, corner, side in ((31, 48, -1.0), (35, 54, 1.0)):
        wing_x, wing_y = frame.frame(frame.points[wing])
        corner_x, corner_y = frame.frame(frame.points[corner])
        knots = [(wing_x + side * 0.1, wing_y - 0.05), (corner_x + side * 0.17, (wing_y + corner_y) / 2),
                 (corner_x + side * 0.11, corner_y + 0.16)]
        line = frame.curve(frame.origin, knots)
        out.append(_crease(frame, line, 0.045, 0.85 * depth, (side * 0.05, 0)))
    return out


def _chin(frame: _Frame, weights: dict[str, float]) -> list[Crease]:
    """AU17: the crease between the pushed-up lower lip and the chin boss."""
    weight = weights.get("AU17", 0.0)
    line = frame.curve(frame.points[57], [(-0.17, 0.07), (0, 0.13), (0.17, 0.07)])
    return [_crease(frame, line, 0.025, 0.28 * weight, (0, 0.035))]


def _marionette(frame: _Frame, weights: dict[str, float]) -> list[Crease]:
    """AU15: short lines from the lowered mouth corners downwards."""
    weight = weights.get("AU15", 0.0)
    out = []
    for corner, side in ((48, -1.0), (54, 1.0)):
        line = frame.curve(frame.points[corner], [(side * 0.03, 0.03), (side * 0.06, 0.12), (side * 0.07, 0.2)])
        out.append(_crease(frame, line, 0.025, 0.13 * weight, (side * 0.03, 0)))
    return out


_DRAWERS = {"AU4": _glabella, "AU1": _forehead, "AU9": _nose, "AU6": _crows_feet, "AU12": _nasolabial,
            "AU10": _nasolabial, "AU17": _chin, "AU15": _marionette}


def _smooth(line: np.ndarray, per_segment: int = 5) -> np.ndarray:
    t = np.linspace(0, 1, per_segment * (len(line) - 1) + 1)
    xs = np.interp(t, np.linspace(0, 1, len(line)), line[:, 0])
    ys = np.interp(t, np.linspace(0, 1, len(line)), line[:, 1])
    return np.stack([xs, ys], 1)


def _stroke(canvas: np.ndarray, points: np.ndarray, width: float, depth: float) -> None:
    """Add a line that fades in and out along its length (creases have no hard ends)."""
    count = len(points) - 1
    thickness = max(1, int(round(width)))
    for i in range(count):
        t = (i + 0.5) / count
        fade = np.sin(np.pi * t) ** 0.7
        a, b = np.round(points[i] * 4).astype(int), np.round(points[i + 1] * 4).astype(int)
        cv2.line(canvas, tuple(int(v) for v in a), tuple(int(v) for v in b), float(depth * fade), thickness,
                 cv2.LINE_AA, shift=2)


def _skin_mask(patch: np.ndarray, skin_rgb: np.ndarray) -> np.ndarray:
    """1 on skin-coloured pixels (near the cheeks' colour in Lab), fading to 0 elsewhere; smooth."""
    lab = cv2.cvtColor(np.clip(patch, 0, 255).astype(np.uint8), cv2.COLOR_RGB2LAB).astype(np.float32)
    reference = cv2.cvtColor(np.clip(skin_rgb, 0, 255).astype(np.uint8).reshape(1, 1, 3), cv2.COLOR_RGB2LAB)
    reference = reference.reshape(3).astype(np.float32)
    chroma = np.hypot(lab[..., 1] - reference[1], lab[..., 2] - reference[2])
    lightness = np.abs(lab[..., 0] - reference[0]) / max(reference[0], 1.0)
    mask = np.clip(1.5 - chroma / 12.0, 0, 1) * np.clip(1.6 - 2.0 * lightness, 0, 1)
    return cv2.GaussianBlur(mask, (0, 0), 2.0)
