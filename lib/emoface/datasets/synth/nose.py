"""The nose as the expression moves it: AU9 wrinkles the bridge and lifts the wings, AU38 flares them."""

from __future__ import annotations

import math

import numpy as np

from .canvas import NOSE_TIP, Canvas, ellipse, mix, quad, scale
from .expressions import ExpressionShape
from .identity import Identity


def draw_nose(cv: Canvas, ident: Identity, shape: ExpressionShape, wrinkles: bool = True) -> None:
    """Nose wings and nostrils; AU9 wrinkles the bridge and lifts the wings, AU38 flares them.
    ``wrinkles=False`` leaves the bridge's wrinkles out (and only them: the wings still lift), to mask them."""
    skin = ident.skin
    yt = NOSE_TIP * ident.nose_length - 0.015 * shape.nose_wrinkle
    nw = ident.nose_width * (1 + 0.22 * shape.nostril_flare)
    side = -1.0 if math.cos(math.radians(ident.light_angle)) > 0 else 1.0  # the shadowed side
    ridge = quad((side * 0.045, 0.03), (side * 0.055, 0.15), (side * 0.06, yt - 0.06), 8)
    cv.stroke(ridge, scale(skin, 0.84), 0.01)
    nostril_h = 0.012 * (1 + 0.3 * shape.nostril_flare)
    for s in (-1, 1):
        nostril = ellipse(s * 0.043 * nw, yt + 0.013, 0.024 * nw, nostril_h, 20, s * 15)
        cv.fill(nostril, scale(skin, 0.38))
        wx = s * nw * np.array([0.055, 0.125, 0.055])
        wing = quad((wx[0], yt - 0.055), (wx[1], yt - 0.005), (wx[2], yt + 0.03), 10)
        cv.stroke(wing, scale(skin, 0.62), 0.012)
    tip = quad((-0.028, yt + 0.028), (0, yt + 0.04), (0.028, yt + 0.028), 8)
    cv.stroke(tip, scale(skin, 0.8), 0.008)
    if wrinkles and shape.nose_wrinkle > 0:
        c = mix(skin, scale(skin, 0.55), shape.nose_wrinkle)
        for y in (0.03, 0.065, 0.10):
            cv.stroke(quad((-0.045, y + 0.008), (0, y - 0.012), (0.045, y + 0.008), 8), c, 0.01)
        for s in (-1, 1):  # "bunny lines" on the sides of the bridge
            cv.stroke(quad((s * 0.06, 0.02), (s * 0.08, 0.06), (s * 0.1, 0.11), 6), c, 0.009)
