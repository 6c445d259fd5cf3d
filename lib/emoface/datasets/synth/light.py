"""Light on the finished drawing: a directional gradient, soft shadows, sheen and the head's roundness.

It depends on the identity only, never on the expression, so it adds no difference between two
expressions of one person. Smooth maps are computed on a coarse grid and upsampled; the head's
edge is shaded at full resolution.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from .canvas import EYE_X, MOUTH_Y, NOSE_TIP, Canvas, luma
from .head import head_radius2
from .identity import Identity

Blob = tuple[float, float, float, float, float]  # x, y, sx, sy, amount (face units)

# Soft shadows (x, y, sx, sy, darkening; negative = highlight); mirrored when x != 0, the
# mirrored ones following the eye spacing.
_SHADE_BLOBS: tuple[Blob, ...] = (
    (EYE_X, -0.05, 0.2, 0.12, 0.4),  # eye sockets (deep: the cascade keys on dark eye bands)
    (0.0, -0.06, 0.05, 0.07, -0.1),  # between the eyes
    (0.0, 0.14, 0.03, 0.14, -0.14),  # nose bridge
    (0.075, 0.17, 0.03, 0.12, 0.07),  # sides of the nose
    (0.0, NOSE_TIP + 0.075, 0.075, 0.025, 0.16),  # under the nose
    (0.0, MOUTH_Y + 0.15, 0.09, 0.03, 0.1),  # under the lower lip
    (0.38, 0.24, 0.13, 0.1, -0.1),  # cheekbones
    (0.0, -0.55, 0.28, 0.16, -0.06),  # forehead
)

# Additive highlights (x, y, sx, sy, strength), mirrored when x != 0.
_SHEEN_BLOBS: tuple[Blob, ...] = (
    (0.0, -0.5, 0.22, 0.12, 0.6),  # forehead
    (0.0, 0.12, 0.025, 0.12, 0.8),  # nose bridge
    (0.0, NOSE_TIP - 0.02, 0.03, 0.025, 0.8),  # nose tip
    (0.36, 0.2, 0.1, 0.06, 0.6),  # cheekbones
    (0.0, 0.88, 0.1, 0.05, 0.5),  # chin
)


def _blobs(
    u: np.ndarray, v: np.ndarray, blobs: tuple[Blob, ...], x_scale: float = 1.0
) -> np.ndarray:
    """Sum of Gaussian blobs at face points (u, v)."""
    out = np.zeros_like(u)
    for bx, by, sx, sy, amount in blobs:
        for sgn in (-1, 1) if bx else (1,):
            du, dv = (u - sgn * bx * x_scale) / sx, (v - by) / sy
            out = out + amount * np.exp(-(du**2) - dv**2)
    return out


def _upsample(grid: np.ndarray, h: int, w: int, step: int) -> np.ndarray:
    """A coarse map (grid point k at pixel k*step) resized to (h, w) pixels."""
    gh, gw = grid.shape
    size = (gw * step, gh * step)
    big = cv2.resize(grid.astype(np.float32), size, interpolation=cv2.INTER_LINEAR)
    off = step // 2  # resize puts source sample k at pixel k*step + step/2
    return big[off : off + h, off : off + w]


def _light_map(cv: Canvas, ident: Identity, step: int) -> tuple[np.ndarray, np.ndarray]:
    """Light for the canvas as (multiplier, additive sheen), each the canvas's size.

    The multiplier holds the directional gradient and the soft shadows; the sheen puts
    highlights on forehead, nose, cheekbones and chin, shifted toward the light. The sheen
    shows most on dark skin, as in photographs, and keeps the face's relief readable there.
    Both are smooth, so they are computed on a coarse grid and upsampled.
    """
    h, w = cv.img.shape[:2]
    gh, gw = h // step + 2, w // step + 2
    gy, gx = np.mgrid[0:gh, 0:gw].astype(np.float32)
    u, v = cv.to_face(gx * step, gy * step)
    ang = math.radians(ident.light_angle)
    lx, ly = math.cos(ang), math.sin(ang)
    light = 1 + ident.light_strength * np.clip(u * lx + v * ly, -1.4, 1.4)
    dark = _blobs(u, v, _SHADE_BLOBS, ident.eye_spacing)
    side = -1.0 if lx > 0 else 1.0  # the nose shades the side away from the light
    dark = dark + _blobs(u - side * 0.07, v, ((0.0, 0.17, 0.035, 0.12, 0.06),))
    chin = ((0.0, ident.face_height + 0.12, 0.4, 0.13, 0.2),)  # the chin's shadow on the neck
    dark = dark + _blobs(u, v, chin)
    mult = light * (1 - dark) * ident.brightness
    sheen = _blobs(u - 0.06 * lx, v - 0.06 * ly, _SHEEN_BLOBS)
    sheen = sheen * (70 * (1 - luma(ident.skin) / 255) ** 1.5 + 12) * ident.brightness
    return _upsample(mult, h, w, step), _upsample(sheen, h, w, step)


def _roundness(cv: Canvas, ident: Identity) -> tuple[tuple[slice, slice], np.ndarray]:
    """Darkening toward the head's contour, at full resolution (a sharp edge must not be coarse).

    Returns the pixel window around the head and the factor (< 1) to multiply it by. Just past
    the contour it fades out quickly, so the edge has no lit rim and casts a faint halo.
    """
    h, w = cv.img.shape[:2]
    box = np.array([[-1.0, -1.1], [1.0, -1.1], [1.0, 1.25], [-1.0, 1.25]]) * [ident.face_width, 1.0]
    corners = cv.px(box)
    x0, y0 = np.clip(np.floor(corners.min(0)).astype(int), 0, [w, h])
    x1, y1 = np.clip(np.ceil(corners.max(0)).astype(int), 0, [w, h])
    gy, gx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    r2 = head_radius2(ident, *cv.to_face(gx, gy))
    dark = 0.24 * np.where(r2 < 1.0, r2**3, np.exp(-(r2 - 1.0) / 0.04))
    return (slice(y0, y1), slice(x0, x1)), (1.0 - dark).astype(np.float32)


def apply_light(cv: Canvas, ident: Identity, step: int) -> None:
    """Shade the finished drawing: light map times image, plus sheen."""
    mult, add = _light_map(cv, ident, step)
    window, round_ = _roundness(cv, ident)
    mult[window] *= round_
    lit = cv.img.astype(np.float32) * mult[:, :, None] + add[:, :, None]
    np.clip(lit, 0, 255, out=lit)
    cv.img[:] = lit.astype(np.uint8)
