"""The upper face as the expression moves it: forehead lines, eyes and lids, brows.

AU1+2 (brows raised, forehead lines), AU4 (brows lowered and drawn together, furrows), AU5 (upper
lid raised), AU6/7 (lower lid pushed up, crow's feet): the fields of
:class:`~.expressions.ExpressionShape` that start with ``brow``, ``eye``, ``lid`` and ``forehead``.
"""

from __future__ import annotations

import math

import numpy as np

from .canvas import (BROW_IN, BROW_OUT, BROW_Y, EYE_HW, EYE_LO, EYE_UP, EYE_X, IRIS_R, Canvas, Color, band, curve,
                     ellipse, mix, quad, scale)
from .expressions import ExpressionShape
from .identity import Identity

# Sclera is a little grey, as in photographs (pure white also fools the cascade).
_SCLERA: Color = (198, 192, 184)


def draw_forehead(cv: Canvas, ident: Identity, shape: ExpressionShape) -> None:
    """AU1+2 fold the forehead into horizontal lines (shorter ones when AU4 joins, as in fear)."""
    if shape.forehead_lines <= 0:
        return
    c = mix(ident.skin, scale(ident.skin, 0.8), shape.forehead_lines)
    half = 0.14 + 0.14 * shape.forehead_lines
    for i, y in enumerate((-0.44, -0.5, -0.56)):
        w = half * (1 - 0.15 * i)
        cv.stroke(quad((-w, y + 0.02), (0, y - 0.03), (w, y + 0.02), 10), c, 0.009)


def _eye_lids(
    ident: Identity, shape: ExpressionShape, n: int = 17
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """u (inner corner -1 .. outer corner +1), upper-lid y and lower-lid y of one eye."""
    u = np.linspace(-1, 1, n)
    k = ident.eye_size
    bell = np.sqrt(1 - u**2)
    up = -EYE_UP * k * shape.eye_open * (1 - u**2) ** 0.7
    if shape.lid_slant > 0:  # sadness: the outer half of the upper lid droops
        up += shape.lid_slant * EYE_UP * k * bell * (1 + u) / 2
    else:  # anger: the inner half presses down under the lowered brow
        up += -shape.lid_slant * EYE_UP * k * bell * (1 - u) / 2
    lo = EYE_LO * k * (1 - 0.7 * shape.lower_lid_raise) * (1 - u**2) ** 0.8
    tilt = -ident.eye_tilt * 0.3 * EYE_HW * k * u
    up, lo = up + tilt, lo + tilt
    return u, np.minimum(up, lo - 0.004), lo


def draw_eyes(cv: Canvas, ident: Identity, shape: ExpressionShape, wrinkles: bool = True) -> None:
    """Almond eyes: white, iris cut by the lids, lash line, crease; AU5/6/7 move the lids.

    AU5 lifts the upper lid clear of the iris (white shows above it), AU6/7 push the lower lid
    up and bunch the skin under it; crow's feet come with a strong AU6. ``wrinkles=False`` leaves out
    the bulge line under the eye and the crow's feet (the lids still move), to mask them.
    """
    k = ident.eye_size
    hw = EYE_HW * k
    ex = EYE_X * ident.eye_spacing
    u, up, lo = _eye_lids(ident, shape)
    skin = ident.skin
    lash = mix((28, 20, 18), skin, 0.1)
    r = IRIS_R * k
    iy = 0.004
    for s in (-1, 1):
        x = s * (ex + u * hw)
        upper, lower = curve(x, up), curve(x, lo)
        cv.fill(band(x, up, lo), _SCLERA)
        ix = s * ex
        cv.fill(ellipse(ix, iy, r, r, 32), scale(ident.iris_color, 0.6))  # limbal ring
        cv.fill(ellipse(ix, iy, r * 0.84, r * 0.84, 32), ident.iris_color)
        cv.fill(ellipse(ix, iy, r * 0.42, r * 0.42, 24), (18, 14, 14))  # pupil
        cv.fill(ellipse(ix - 0.3 * r, iy - 0.35 * r, r * 0.17, r * 0.17, 12), (250, 250, 250))
        # Skin covers whatever of the iris lies outside the lids.
        x_in, x_out = s * (ex - hw - 0.02), s * (ex + hw + 0.02)
        above = [[x_out, up[-1]], [x_out, -0.13], [x_in, -0.13], [x_in, up[0]]]
        below = [[x_out, lo[-1]], [x_out, 0.13], [x_in, 0.13], [x_in, lo[0]]]
        cv.fill(np.concatenate([upper, above]), skin)
        cv.fill(np.concatenate([lower, below]), skin)
        # Lash line (thicker toward the outer corner), lower lid, crease above the lid.
        cv.stroke(upper, lash, 0.02 * k)
        cv.stroke(upper[len(u) // 2 :], lash, 0.024 * k)
        cv.stroke(lower, scale(skin, 0.62), 0.008)
        crease = up - (0.028 + 0.01 * max(0.0, 1 - shape.eye_open)) * (1 - u**2) ** 0.5
        cv.stroke(curve(x[2:-1], crease[2:-1]), scale(skin, 0.74), 0.008)
        if wrinkles and (shape.cheek_raise > 0 or shape.lower_lid_raise > 0.2):
            # AU6/AU7: the raised lower lid bunches the skin under it into a bulge line.
            amount = max(shape.cheek_raise, shape.lower_lid_raise)
            bulge = curve(x[3:-3], lo[3:-3] + 0.045 * k)
            cv.stroke(bulge, mix(skin, scale(skin, 0.7), amount), 0.009)
        if wrinkles and shape.cheek_raise > 0.6:  # crow's feet at the outer corner
            ox, oy = s * (ex + hw + 0.015), up[-1]
            for dy, slope in ((-0.015, -0.5), (0.015, 0.0), (0.04, 0.45)):
                line = np.array([[ox, oy + dy], [ox + s * 0.045, oy + dy + slope * 0.045]])
                cv.stroke(line, scale(skin, 0.78), 0.007)


def draw_brows(cv: Canvas, ident: Identity, shape: ExpressionShape) -> None:
    """Tapered brows: AU1 lifts the inner end, AU2 the whole brow, AU4 lowers and squeezes it."""
    t = np.linspace(0, 1, 16)  # inner end (0) to tail (1)
    xi = BROW_IN * ident.eye_spacing - shape.brow_squeeze
    xo = BROW_OUT * ident.eye_spacing
    arch = 0.035 + shape.brow_arch
    y = BROW_Y - shape.brow_raise - shape.brow_inner_raise * (1 - t) ** 1.4
    y = y - arch * np.sin(math.pi * t**0.8) + 0.012 * t  # arched; the tail sits a little lower
    half = 0.025 * ident.brow_thickness * (1 - 0.6 * t**1.5)
    for s in (-1, 1):
        cv.fill(band(s * (xi + (xo - xi) * t), y - half, y + half), ident.brow_color)
    if shape.brow_furrow > 0:  # AU4: corrugator lines between the brows
        c = mix(ident.skin, scale(ident.skin, 0.62), shape.brow_furrow)
        top = BROW_Y - shape.brow_raise - 0.03
        for s in (-1, 1):
            line = quad((s * 0.03, top), (s * 0.045, top + 0.06), (s * 0.035, top + 0.12), 6)
            cv.stroke(line, c, 0.01)
