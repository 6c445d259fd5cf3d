"""Beard, moustache and glasses: identity parts drawn over the face (the beard under the mouth)."""

from __future__ import annotations

import math

import numpy as np

from .canvas import EYE_HW, EYE_X, MOUTH_Y, Canvas, curve, quad, scale
from .head import head_a, head_outline
from .identity import Identity


def draw_beard(cv: Canvas, ident: Identity) -> None:
    """Beard over jaw and chin, moustache over the upper lip; drawn *under* the mouth."""
    color = scale(ident.hair_color, 0.9)
    alpha = 0.3 + 0.62 * ident.beard_density
    a = head_a(ident)
    if ident.beard:
        outline = head_outline(ident, 96)
        jaw = outline[outline[:, 1] > 0.0] * [1.01, 1.015]
        jaw = jaw[np.argsort(np.arctan2(jaw[:, 1], jaw[:, 0]))[::-1]]  # left ear, chin, right ear
        inner = np.concatenate(  # right sideburn, around the mouth, left sideburn
            [
                quad((a * 0.97, 0.08), (a * 0.8, 0.5), (0.27, 0.56), 10),
                quad((0.27, 0.56), (0.24, 0.76), (0.0, 0.74), 8)[1:],
                quad((0.0, 0.74), (-0.24, 0.76), (-0.27, 0.56), 8)[1:],
                quad((-0.27, 0.56), (-a * 0.8, 0.5), (-a * 0.97, 0.08), 10)[1:],
            ]
        )
        cv.fill_alpha(np.concatenate([jaw, inner]), color, alpha)
    if ident.moustache:
        y0 = MOUTH_Y - 0.04  # the top of the upper lip at rest
        top = quad((0.27, y0 + 0.07), (0.17, y0 - 0.075), (0.0, y0 - 0.065), 10)
        bottom = quad((0.27, y0 + 0.07), (0.13, y0 - 0.005), (0.0, y0 + 0.002), 10)
        left = [-1.0, 1.0]
        outline = np.concatenate(
            [top, (top * left)[::-1][1:], (bottom * left)[1:], bottom[::-1][1:-1]]
        )
        cv.fill_alpha(outline, color, min(1.0, alpha + 0.1))


def draw_glasses(cv: Canvas, ident: Identity) -> None:
    """Rounded rectangular frames, bridge and temples; drawn over the eyes and brows."""
    if not ident.glasses:
        return
    ex = EYE_X * ident.eye_spacing
    hw, hh = EYE_HW * ident.eye_size + 0.045, 0.115
    th = np.linspace(0, 2 * math.pi, 40, endpoint=False)
    c, s_ = np.cos(th), np.sin(th)
    rim_x, rim_y = hw * np.sign(c) * np.abs(c) ** 0.5, 0.005 + hh * np.sign(s_) * np.abs(s_) ** 0.5
    a = head_a(ident)
    frame = ident.glasses_color
    for s in (-1, 1):
        lens = curve(s * ex + rim_x, rim_y)
        cv.fill_alpha(lens, (235, 240, 245), 0.12)
        cv.stroke(lens, frame, 0.022, closed=True)
        cv.stroke(np.array([[s * (ex + hw), -0.03], [s * a * 0.99, -0.02]]), frame, 0.02)  # temple
    cv.stroke(quad((-(ex - hw), -0.02), (0, -0.06), (ex - hw, -0.02), 8), frame, 0.02)  # bridge
