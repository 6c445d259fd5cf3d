"""The ``warp`` engine: a real photo's expression changed by moving its pixels, not by redrawing them.

Given a photo, its 68 landmarks (:mod:`emoface.faces.landmarks`) and a target expression, the
action-unit table (:mod:`emoface.engines.warp.action_units`) says where each point goes. This module
turns those few moved points into a smooth movement of every pixel of the face and resamples the
photo at full resolution. No model is trained, so it works on any face the landmark model finds;
it is the offline stand-in for a generator trained on real faces. ExprGAN's *controllable
intensity* comes for free: the movement is scaled by ``intensity`` in [0, 1].

How the pixels move (:func:`warp_expression`):

1. **Controls.** The 70 points (68 landmarks + 2 cheeks) at their source p and target q = p + d,
   plus a ring of fixed anchors around the face (d = 0), so the movement dies out before the hair,
   ears and background.
2. **Moving least squares** (Schaefer, McPhail & Warren, 2006, the *rigid* variant): for every
   output pixel v, the rotation + translation that best maps the targets near v onto their sources
   (weights 1/|q_i − v|²) gives where v's colour comes from. Backward mapping like this leaves no
   holes; the rigid fit keeps features from shearing. It interpolates the controls exactly and is
   smooth everywhere between them, so there is no seam along a triangle edge as a piecewise-affine
   warp has. It is evaluated on a coarse grid (every ~D/12 pixels) and interpolated bilinearly.
3. **Only inside the face region.** The movement is multiplied by a mask that is 1 within a margin
   of the face's convex hull (forehead included) and falls smoothly to exactly 0 further out, and by
   a ramp that is exactly 0 on the image border: pixels outside the region, and the border, keep
   their exact values, and nothing is pulled in from outside the image (no tearing).
4. **The lips, triangle by triangle** (:func:`emoface.engines.warp.mouth.lip_map`): a rigid warp keeps
   small neighbourhoods at their size, so it cannot squeeze an open mouth shut; inside the lips the
   map is affine per triangle, so lips can meet and keep their texture.
5. **No folds** (:func:`unfold`): grid cells the map would fold are smoothed until none does.

This is the geometry of the real-photo engine (:mod:`emoface.engines.warp`), which then repaints
the mouth (:mod:`emoface.engines.warp.mouth`) and shades the creases (:mod:`emoface.engines.warp.creases`).
Taught in ``06_real_photos.ipynb``.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ...faces.detect import Box
from .action_units import check_intensity, control_points, expression_movement, face_frame
from .mouth import lip_map

#: The movement is full within this many D of the face's hull and zero beyond FADE_END.
FADE_START = 0.12
FADE_END = 0.55
#: The forehead is part of the face: the hull includes the brows raised by this many D.
FOREHEAD = 0.65
#: The movement reaches zero this fraction of the image's longer side from the image border.
BORDER_RAMP = 0.01
#: Grid spacing for the moving-least-squares solve, as a fraction of D.
GRID_STEP = 1 / 12


@dataclass(frozen=True)
class WarpResult:
    """A warped photo and the geometry that made it."""

    #: The whole photo, warped; RGB uint8, the input's size.
    photo: np.ndarray
    #: Control points (68 landmarks + 2 cheeks) before and after, (70, 2).
    source_points: np.ndarray
    target_points: np.ndarray
    #: The rectangle outside which no pixel changed.
    region: Box
    #: Where each output pixel of ``region`` took its colour from, relative to itself: (2, h, w) float32
    #: (dx, dy) in pixels; zero on the region's edge and on the image border.
    offsets: np.ndarray

    def source_map(self) -> tuple[np.ndarray, np.ndarray]:
        """For each output pixel of ``region``, the photo's (x, y) its colour came from: two (h, w) float32."""
        xs, ys = _pixel_grid(self.region)
        return xs + self.offsets[0], ys + self.offsets[1]

    @property
    def movement(self) -> np.ndarray:
        """How far each pixel of ``region`` moved, in pixels: (h, w)."""
        return np.hypot(self.offsets[0], self.offsets[1])


def warp_expression(photo: np.ndarray, landmarks: np.ndarray, expression: str, intensity: float = 1.0) -> WarpResult:
    """``photo`` (H×W×3 uint8) with the face whose 68 ``landmarks`` are given moved into ``expression``."""
    photo = np.asarray(photo)
    if photo.ndim != 3 or photo.shape[2] != 3 or photo.dtype != np.uint8:
        raise ValueError(f"expected an H×W×3 uint8 RGB photo, got {photo.shape} {photo.dtype}; read it with "
                         "emoface.images.load_rgb")
    landmarks = np.asarray(landmarks, dtype=np.float64)
    if landmarks.shape != (68, 2):
        raise ValueError(f"expected the 68 (x, y) landmarks of emoface.faces.landmarks, got shape {landmarks.shape}")
    intensity = check_intensity(intensity)
    source = control_points(landmarks)
    target = source + expression_movement(landmarks, expression, intensity)
    return warp_points(photo, source, target)


def warp_points(photo: np.ndarray, source: np.ndarray, target: np.ndarray) -> WarpResult:
    """Move the pixels at ``source`` (70 control points) to ``target``, smoothly, inside the face region only."""
    height, width = photo.shape[:2]
    _, _, unit_down, distance = face_frame(source)
    hull = _face_hull(source, target, unit_down, distance)
    step = max(2, int(round(distance * GRID_STEP)))
    # one grid step past the fade's end: the pixels on the region's edge lie between two zero nodes
    region = _region(hull, distance * FADE_END + step, width, height)
    result = photo.copy()
    if region.w < 2 or region.h < 2 or np.abs(target - source).max() < 1e-3:
        return WarpResult(result, source, target, region, np.zeros((2, region.h, region.w), np.float32))

    grid_x = np.arange(region.x, region.x + region.w + step, step, dtype=np.float64)
    grid_y = np.arange(region.y, region.y + region.h + step, step, dtype=np.float64)
    nodes = grid_x[None, :] + 1j * grid_y[:, None]  # output positions, complex x + iy
    anchors = _anchors(hull, distance * FADE_END)
    sources = _complex(np.vstack([source, anchors]))
    targets = _complex(np.vstack([target, anchors]))
    # backward map: where each output pixel's colour comes from (targets -> sources)
    offset = rigid_mls(nodes.ravel(), targets, sources).reshape(nodes.shape) - nodes
    offset *= _fade(hull, nodes, distance)
    offset = unfold(offset, step)

    # bilinear from the grid to every pixel of the region (grid node k sits at region.x + k·step)
    shape = (region.h, region.w)
    ramp = _border_ramp(region, width, height)
    dx = _upsample(offset.real, step, shape) * ramp
    dy = _upsample(offset.imag, step, shape) * ramp
    xs, ys = _pixel_grid(region)
    map_x, map_y = xs + dx, ys + dy
    lip_map(source, target, map_x, map_y, (region.x, region.y))
    dx, dy = map_x - xs, map_y - ys
    warped = cv2.remap(photo, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    result[region.y : region.y + region.h, region.x : region.x + region.w] = warped
    return WarpResult(result, source, target, region, np.stack([dx, dy]))


def rigid_mls(points: np.ndarray, controls_from: np.ndarray, controls_to: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """Rigid moving-least-squares deformation of complex ``points`` taking ``controls_from`` to ``controls_to``.

    For each point v: weights w_i = 1/|p_i − v|^(2α); weighted centroids p*, q*; the rotation θ
    that best maps p_i − p* onto q_i − q* is the phase of Σ w_i conj(p_i − p*)(q_i − q*); and
    f(v) = q* + (v − p*)·e^{iθ} (Schaefer et al., 2006, §2.3, in complex numbers).
    """
    gaps = controls_from[None, :] - points[:, None]
    squared = gaps.real**2 + gaps.imag**2
    weights = 1.0 / np.maximum(squared if alpha == 1.0 else squared**alpha, 1e-9)
    total = weights.sum(1)
    p_star = (weights @ controls_from) / total
    q_star = (weights @ controls_to) / total
    p_hat = controls_from[None, :] - p_star[:, None]
    q_hat = controls_to[None, :] - q_star[:, None]
    rotation = (weights * np.conj(p_hat) * q_hat).sum(1)
    size = np.abs(rotation)
    rotation = np.where(size > 1e-12, rotation / np.maximum(size, 1e-12), 1.0)
    return q_star + (points - p_star) * rotation


#: A grid cell whose area the map shrinks below this share is smoothed (see :func:`unfold`).
MIN_CELL_AREA = 0.25


def unfold(offset: np.ndarray, step: float, iterations: int = 60) -> np.ndarray:
    """The grid's offsets (complex, output → source) smoothed where the map would fold or nearly fold.

    Moving least squares interpolates its controls exactly, so where two nearby controls move far
    in different directions (an inner brow pulled down beside a fixed nose root) the map can fold:
    pixels repeated in mirror image. Each grid cell is checked at its four corners (the cross
    product of the two edges there, step² when unmoved); the corners of a cell where one falls below
    MIN_CELL_AREA × step² are pulled towards their neighbours' mean, a few times, until none does.
    Elsewhere nothing changes; near a fold a control moves a little less.
    """
    offset = offset.copy()
    for _ in range(iterations):
        mapped = offset + (np.arange(offset.shape[1])[None, :] + 1j * np.arange(offset.shape[0])[:, None]) * step
        a, b, c, d = mapped[:-1, :-1], mapped[:-1, 1:], mapped[1:, 1:], mapped[1:, :-1]  # a cell's corners, in turn
        # every corner of a cell must stay convex: the cross product of its two edges (step² when unmoved)
        bad = np.zeros(a.shape, bool)
        for here, after, before in ((a, b, d), (b, c, a), (c, d, b), (d, a, c)):
            one, two = after - here, before - here
            bad |= (one.real * two.imag - one.imag * two.real) / step**2 < MIN_CELL_AREA
        if not bad.any():
            break
        corners = np.zeros(offset.shape, bool)
        corners[:-1, :-1] |= bad
        corners[:-1, 1:] |= bad
        corners[1:, :-1] |= bad
        corners[1:, 1:] |= bad
        padded = np.pad(offset, 1, mode="edge")
        mean = (padded[:-2, 1:-1] + padded[2:, 1:-1] + padded[1:-1, :-2] + padded[1:-1, 2:]) / 4.0
        offset[corners] = 0.5 * (offset[corners] + mean[corners])
    return offset


def _pixel_grid(region: Box) -> tuple[np.ndarray, np.ndarray]:
    """The x and y coordinates of every pixel of ``region``, in the photo: two (h, w) float32."""
    return np.meshgrid(np.arange(region.x, region.x + region.w, dtype=np.float32),
                       np.arange(region.y, region.y + region.h, dtype=np.float32))


def _complex(points: np.ndarray) -> np.ndarray:
    return points[:, 0] + 1j * points[:, 1]


def _face_hull(source: np.ndarray, target: np.ndarray, unit_down: np.ndarray, distance: float) -> np.ndarray:
    """Convex hull (k, 2) of the control points before and after, and a forehead above the brows."""
    brows = source[17:27]
    forehead = brows - FOREHEAD * distance * unit_down
    points = np.vstack([source, target, forehead]).astype(np.float32)
    return cv2.convexHull(points).reshape(-1, 2).astype(np.float64)


def _region(hull: np.ndarray, reach: float, width: int, height: int) -> Box:
    """The hull's bounding box grown by ``reach``, inside the image."""
    x0, y0 = np.floor(hull.min(0) - reach).astype(int)
    x1, y1 = np.ceil(hull.max(0) + reach).astype(int)
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(width, x1 + 1), min(height, y1 + 1)
    return Box(int(x0), int(y0), int(max(0, x1 - x0)), int(max(0, y1 - y0)))


def _anchors(hull: np.ndarray, reach: float, count: int = 36) -> np.ndarray:
    """Fixed points on the hull pushed out by ``reach``: where the movement must be zero."""
    centre = hull.mean(0)
    closed = np.vstack([hull, hull[:1]])
    lengths = np.hypot(*np.diff(closed, axis=0).T)
    along = np.linspace(0, lengths.sum(), count, endpoint=False)
    cumulative = np.concatenate([[0], np.cumsum(lengths)])
    edge = np.clip(np.searchsorted(cumulative, along, side="right") - 1, 0, len(hull) - 1)
    t = ((along - cumulative[edge]) / np.maximum(lengths[edge], 1e-9))[:, None]
    on_hull = closed[edge] * (1 - t) + closed[edge + 1] * t
    outward = on_hull - centre
    return on_hull + reach * outward / np.maximum(np.linalg.norm(outward, axis=1, keepdims=True), 1e-9)


def _fade(hull: np.ndarray, nodes: np.ndarray, distance: float) -> np.ndarray:
    """1 inside the hull grown by FADE_START·D, smoothly down to 0 at FADE_END·D (grid nodes)."""
    outside = np.array([-cv2.pointPolygonTest(hull.astype(np.float32), (float(z.real), float(z.imag)), True)
                        for z in nodes.ravel()]).reshape(nodes.shape) / distance
    t = np.clip((outside - FADE_START) / (FADE_END - FADE_START), 0.0, 1.0)
    return 1.0 - t * t * (3.0 - 2.0 * t)  # smoothstep: no kink where the fade starts or ends


def _upsample(values: np.ndarray, step: int, shape: tuple[int, int]) -> np.ndarray:
    """Bilinear interpolation of grid values (node k at pixel k·step) to every pixel: float32 ``shape``."""
    height, width = shape
    ys = (np.arange(height, dtype=np.float32) / step)[:, None].repeat(width, 1)
    xs = (np.arange(width, dtype=np.float32) / step)[None, :].repeat(height, 0)
    return cv2.remap(values.astype(np.float32), xs, ys, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def _border_ramp(region: Box, width: int, height: int) -> np.ndarray:
    """0 on the image's border pixels, rising smoothly to 1 within BORDER_RAMP of the longer side."""
    ramp = max(2.0, BORDER_RAMP * max(width, height))
    xs = np.arange(region.x, region.x + region.w, dtype=np.float32)
    ys = np.arange(region.y, region.y + region.h, dtype=np.float32)
    to_x = np.minimum(xs, width - 1 - xs)[None, :]
    to_y = np.minimum(ys, height - 1 - ys)[:, None]
    t = np.clip(np.minimum(to_x, to_y) / ramp, 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)
