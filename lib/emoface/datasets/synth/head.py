"""The parts only the identity sets, back to front: wall, hair behind, body and neck, ears, head, hair.

None of them changes with the expression, so two expressions of one identity share these pixels.
"""

from __future__ import annotations

import math

import numpy as np

from .canvas import HEAD_A, Canvas, curve, ellipse, luma, mix, quad, scale
from .identity import Identity


def head_a(ident: Identity) -> float:
    return HEAD_A * ident.face_width


def head_outline(ident: Identity, n: int = 72) -> np.ndarray:
    """The head contour: an ellipse over the skull, a superellipse jaw below the cheekbones."""
    a, b = head_a(ident), ident.face_height
    th = np.linspace(math.pi, 2 * math.pi, n // 2, endpoint=False)
    skull = curve(a * np.cos(th), np.sin(th))
    phi = np.linspace(0, math.pi, n // 2)
    e = 2.0 / ident.jaw_square
    c, s = np.cos(phi), np.sin(phi)
    jaw = curve(a * np.sign(c) * np.abs(c) ** e * (1 - ident.jaw_taper * s), b * np.abs(s) ** e)
    return np.concatenate([skull, jaw])


def head_radius2(ident: Identity, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Squared "radius" of face points w.r.t. :func:`head_outline`: < 1 inside, 1 on it."""
    a = head_a(ident)
    skull = (u / a) ** 2 + v**2
    n = ident.jaw_square
    vb = np.clip(v / ident.face_height, 0, None)
    a_low = a * (1 - ident.jaw_taper * np.clip(vb, 0, 1) ** (n / 2))
    jaw = ((np.abs(u) / a_low) ** n + vb**n) ** (2 / n)
    return np.where(v > 0, jaw, skull)


def draw_background(cv: Canvas, ident: Identity) -> None:
    """A plain wall with a vertical gradient, as behind a studio recording."""
    h = cv.img.shape[0]
    ramp = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None]
    top, bot = np.array(ident.bg_top, np.float32), np.array(ident.bg_bottom, np.float32)
    cv.img[:] = (top + (bot - top) * ramp)[:, None, :].astype(np.uint8)


def draw_hair_back(cv: Canvas, ident: Identity) -> None:
    """Hair that hangs behind the head and neck (long and curly styles)."""
    a = head_a(ident)
    if ident.hair_style == "long":
        th = np.linspace(math.pi, 2 * math.pi, 24)
        crown = curve(a * 1.16 * np.cos(th), -0.1 + np.sin(th))
        right = np.array([[1.3, 0.8], [1.22, 1.55], [0.7, 1.65]])
        ends = np.concatenate([right, (right * [-1, 1])[::-1]])
        cv.fill(np.concatenate([crown, ends * [a, 1.0]]), scale(ident.hair_color, 0.8))
    elif ident.hair_style == "curly":
        th = np.linspace(0, 2 * math.pi, 90, endpoint=False)
        r = 1 + 0.035 * np.sin(13 * th)
        mane = curve(a * 1.42 * r * np.cos(th), -0.22 + 1.02 * r * np.sin(th))
        cv.fill(mane, scale(ident.hair_color, 0.8))


def draw_body(cv: Canvas, ident: Identity) -> None:
    """Shoulders in a shirt, and the neck (darker: it is in the chin's shadow)."""
    b = ident.face_height
    nw = 0.4 * ident.face_width
    right = np.array([[nw * 1.1, 0.55], [0.9, 0.72], [1.75, 1.0], [2.2, 1.5], [2.4, 4.0]])
    shoulders = np.concatenate([right * [-1, 1], right[::-1]]) + [0.0, b]
    cv.fill(shoulders, ident.shirt_color)
    right = np.array([[nw, 0.3], [nw * 1.05, b + 0.6], [nw * 1.3, b + 0.9]])
    neck = np.concatenate([right, (right * [-1, 1])[::-1]])
    cv.fill(neck, scale(ident.skin, 0.86))
    front = quad((-nw * 1.25, b + 0.6), (0, b + 1.1), (nw * 1.25, b + 0.6))
    back = quad((nw * 1.6, b + 0.66), (0, b + 1.3), (-nw * 1.6, b + 0.66))
    cv.fill(np.concatenate([front, back]), scale(ident.shirt_color, 0.8))  # the collar


def draw_ears(cv: Canvas, ident: Identity) -> None:
    """Ears at eye-to-nose height, behind the head contour (long hair hides them)."""
    a = head_a(ident)
    for s in (-1, 1):
        cv.fill(ellipse(s * (a - 0.02), 0.12, 0.08, 0.17, 28), scale(ident.skin, 0.93))
        rim = quad((s * (a + 0.015), 0.02), (s * (a + 0.06), 0.12), (s * (a + 0.01), 0.24), 10)
        cv.stroke(rim, scale(ident.skin, 0.72), 0.012)


def draw_head(cv: Canvas, ident: Identity) -> None:
    """The face and skull in flat skin colour; the light pass models it later."""
    cv.fill(head_outline(ident), ident.skin)


def _hairline(ident: Identity, x: np.ndarray) -> np.ndarray:
    """Where the hair on the head ends, as y(x): forehead line, temples, sideburns."""
    a = head_a(ident)
    style = ident.hair_style
    if style == "fringe":
        y = -0.46 + 0.04 * (x / a) + 0.5 * np.abs(x / a) ** 8
        return y + 0.025 * np.abs(np.sin(x * 22))  # scalloped strands of the bangs
    if style == "long":
        return -0.64 + 1.1 * np.abs(x / a) ** 3
    if style == "curly":
        return -0.58 + 0.6 * np.abs(x / a) ** 4 + 0.015 * np.sin(x * 40)
    return -0.6 + 0.65 * np.abs(x / a) ** 5


def draw_hair(cv: Canvas, ident: Identity) -> None:
    """The hair over the head, from its outer contour to the hairline (nothing when bald).

    The fringe stops above the highest brow any expression draws, so the hair never hides (or
    changes with) the expression.
    """
    if ident.hair_style == "bald":
        return
    a = head_a(ident)
    v = ident.hair_volume + {"curly": 0.12, "short": 0.03, "long": 0.03}.get(ident.hair_style, 0.0)
    y_side = {"long": 0.42, "curly": 0.06, "fringe": 0.08}.get(ident.hair_style, 0.04)
    xs = a * (0.93 if ident.hair_style == "long" else 0.99)
    th0 = math.asin(min(0.95, y_side / (1 + v)))
    th = np.linspace(math.pi - th0, 2 * math.pi + th0, 40)
    bump = 1 + (0.03 * np.sin(16 * th) if ident.hair_style == "curly" else 0.0)
    outer = curve(a * (1 + v) * bump * np.cos(th), (1 + v) * bump * np.sin(th))
    hx = np.linspace(xs, -xs, 41)
    inner = curve(hx, _hairline(ident, hx))
    inner[0, 1] = inner[-1, 1] = y_side
    color = ident.hair_color
    cv.fill(np.concatenate([outer, inner]), color)

    def crown_arc(f: float, lo: float, hi: float, n: int) -> np.ndarray:
        arc = np.linspace(lo, hi, n)
        return curve(a * (1 + v) * f * np.cos(arc), (1 + v) * f * np.sin(arc))

    # A few darker strands along the crown give the mass some texture ...
    dark = scale(color, 0.72) if luma(color) > 40 else mix(color, (90, 80, 75), 0.25)
    for f, (lo, hi) in ((0.9, (0.15, 0.85)), (0.78, (0.25, 0.75))):
        cv.stroke(crown_arc(f, math.pi * (1 + lo), math.pi * (1 + hi), 14), dark, 0.01)
    # ... and a soft sheen sits on the side facing the light.
    mid = math.pi * 1.5 + 0.35 * math.cos(math.radians(ident.light_angle))
    cv.stroke(crown_arc(0.86, mid - 0.35, mid + 0.35, 10), mix(color, (235, 225, 210), 0.22), 0.02)
    if ident.hair_style == "long":
        cv.stroke(np.array([[0.0, -0.64], [0.02, -0.98]]), dark, 0.012)  # the parting
