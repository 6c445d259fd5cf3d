"""The lower face as the expression moves it: the lips, the mouth's opening, teeth, cheeks' folds.

AU12 and AU15 bend the corners up or down, AU25-27 open the mouth, AU20 stretches it, AU23/24
press the lips, AU10 raises one side of the upper lip; AU6, 12 and 10 deepen the nasolabial folds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .canvas import MOUTH_HW, MOUTH_Y, NOSE_TIP, Canvas, Color, band, curve, mix, quad, scale
from .expressions import ExpressionShape
from .identity import Identity

# Teeth are a little grey, as in photographs (pure white also fools the cascade).
_TEETH: Color = (210, 203, 190)
_MOUTH_INSIDE: Color = (92, 34, 40)
_TONGUE: Color = (150, 62, 68)


@dataclass(frozen=True)
class _Mouth:
    """The lip curves of a mouth, all sampled at the same x (face units)."""

    t: np.ndarray  # -1 (left corner) .. +1 (right corner)
    x: np.ndarray
    outer_up: np.ndarray
    inner_up: np.ndarray
    inner_lo: np.ndarray
    outer_lo: np.ndarray


def _mouth(ident: Identity, shape: ExpressionShape, n: int = 25) -> _Mouth:
    """Where the lips are: corners bent by AU12/15, opened by AU25-27, pressed by AU23/24."""
    t = np.linspace(-1, 1, n)
    x = t * MOUTH_HW * ident.mouth_width * shape.mouth_width
    mid = MOUTH_Y - shape.mouth_curve * 0.075 * t**2 + 0.012 * shape.mouth_curve
    o = 0.2 * shape.mouth_open
    prof = np.clip(1 - np.abs(t) ** (2 + 6 * shape.mouth_square), 0, 1) ** 0.5  # oval .. box
    smile = max(0.0, shape.mouth_curve)
    sneer = shape.upper_lip_raise * 0.06 * np.sin(math.pi * np.clip(t + 0.1, 0, 1)) ** 1.5
    inner_up = mid - 0.35 * o * prof * (1 - 0.55 * smile) - sneer  # a smile opens mostly below
    inner_lo = mid + 0.65 * o * prof + 0.04 * smile * shape.mouth_open * prof
    lip = ident.lip_fullness * (1 - 0.85 * shape.lip_press) * (1 - 0.25 * smile)
    bow = 1 - 0.3 * np.exp(-((t / 0.14) ** 2))  # Cupid's bow
    th_up = 0.038 * lip * (1 - t**2) ** 0.55 * bow + 0.004
    th_lo = 0.052 * lip * (1 - t**2) ** 0.6 + 0.004
    return _Mouth(t, x, inner_up - th_up, inner_up, inner_lo, inner_lo + th_lo)


def draw_mouth(cv: Canvas, ident: Identity, shape: ExpressionShape) -> None:
    """Lips, the dark opening, teeth and tongue, and the folds a smile or a press makes."""
    m = _mouth(ident, shape)
    x, iu, il = m.x, m.inner_up, m.inner_lo
    gap = il - iu
    skin = ident.skin
    line = mix(scale(ident.lip_color, 0.45), (40, 15, 15), 0.3)
    is_open = gap.max() > 0.006
    if is_open:
        cv.fill(band(x, iu, il), _MOUTH_INSIDE)
        if shape.teeth_upper > 0:
            cv.fill(band(x, iu - 0.005, np.minimum(iu + 0.055, il)), _TEETH)
        if shape.teeth_lower > 0:
            top = np.maximum(il - 0.04, iu + 0.055)
            sel = top < il
            if sel.sum() > 2:
                cv.fill(band(x[sel], top[sel], il[sel] + 0.005), scale(_TEETH, 0.92))
        elif shape.mouth_open > 0.6:  # the tongue at the bottom of a wide-open mouth
            sel = np.abs(m.t) < 0.7
            cv.fill(band(x[sel], il[sel] - 0.45 * gap[sel], il[sel]), _TONGUE)
    cv.fill(band(x, m.outer_up, iu), scale(ident.lip_color, 0.88))
    cv.fill(band(x, il, m.outer_lo), ident.lip_color)
    cv.stroke(curve(x, iu), line, 0.012 + 0.008 * shape.lip_press)
    if is_open:
        cv.stroke(curve(x, il), line, 0.008)
    if shape.mouth_curve > 0.3:  # AU12 dimples the corners
        for s in (-1, 1):
            cx, cy = s * abs(x[-1]), iu[-1]
            dimple = quad(
                (cx - s * 0.01, cy - 0.03), (cx + s * 0.025, cy), (cx - s * 0.005, cy + 0.035), 6
            )
            cv.stroke(dimple, scale(skin, 0.7), 0.009)


def draw_chin(cv: Canvas, ident: Identity, shape: ExpressionShape) -> None:
    """AU24 bunches the chin under pressed lips into one crease (drawn right after the mouth)."""
    if shape.lip_press > 0.5:
        chin = quad((-0.09, MOUTH_Y + 0.14), (0, MOUTH_Y + 0.17), (0.09, MOUTH_Y + 0.14), 8)
        cv.stroke(chin, scale(ident.skin, 0.8), 0.008)


def draw_cheeks(cv: Canvas, ident: Identity, shape: ExpressionShape) -> None:
    """Nasolabial folds from nose wing to mouth corner, deepened by AU6/12 and (one side) AU10."""
    m = _mouth(ident, shape)
    yt = NOSE_TIP * ident.nose_length
    for s in (-1, 1):
        k = max(shape.cheek_raise, shape.upper_lip_raise * (1.0 if s > 0 else 0.5))
        if k <= 0:
            continue
        corner_x, corner_y = s * abs(m.x[-1]), m.inner_up[-1 if s > 0 else 0]
        start = (s * (0.12 * ident.nose_width + 0.02), yt - 0.05)
        end = (corner_x + s * 0.05, corner_y + 0.06)
        ctrl = (s * (abs(end[0]) + 0.05), (start[1] + end[1]) / 2)
        cv.stroke(quad(start, ctrl, end, 12), mix(ident.skin, scale(ident.skin, 0.62), k), 0.013)
