"""Drawing in face units: colours, the facial layout, the :class:`Canvas` and its shape primitives.

**Face units**: the eye line at y = 0, the top of the skull at y = -1, y grows down; x = 0 is the
midline. Every part is drawn in these units through a :class:`Canvas`, which maps them to the
pixels of a 128-pixel crop or a 640x480 scene at any roll, so one drawing serves both renderers.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

Color = tuple[int, int, int]
Point = tuple[float, float]


def mix(a: Color | np.ndarray, b: Color | np.ndarray, t: float) -> Color:
    """Linear blend of two colours (t = 0 gives a), rounded to ints."""
    a_, b_ = np.asarray(a, float), np.asarray(b, float)
    c = np.clip(a_ + (b_ - a_) * t, 0, 255)
    return (int(round(c[0])), int(round(c[1])), int(round(c[2])))


def scale(c: Color, k: float) -> Color:
    """A colour darkened (k < 1) or lightened (k > 1)."""
    r, g, b = (int(round(min(255.0, v * k))) for v in c)
    return (r, g, b)


def luma(c: Color) -> float:
    """Perceived brightness of a colour (ITU-R BT.601 weights), 0..255."""
    return 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]


# Where the parts sit at rest, in face units.
HEAD_A = 0.74  # half width of the head at the cheekbones
EYE_X = 0.30  # eye centre, distance from the midline
EYE_HW = 0.135  # eye half width
EYE_UP = 0.050  # upper-lid opening at rest
EYE_LO = 0.042  # lower-lid opening at rest
IRIS_R = 0.058
BROW_Y = -0.19
BROW_IN = 0.10  # inner brow end, distance from the midline
BROW_OUT = 0.46  # outer brow end
NOSE_TIP = 0.33
MOUTH_Y = 0.60
MOUTH_HW = 0.22

#: The face box (x0, y0, x1, y1) in face units: where OpenCV's frontal-face Haar cascade puts
#: its box on these faces (measured on 1,400 scenes). :func:`draw_scene` returns it and
#: :func:`draw_face` crops it, enlarged by ``CROP_MARGIN``.
FACE_BOX: tuple[float, float, float, float] = (-0.83, -0.69, 0.83, 0.97)
CROP_MARGIN = 1.2


class Canvas:
    """An image plus the map from face units to its pixels (centre, scale, roll).

    All facial-part functions draw in face units through this object, so one drawing routine
    serves the 128-pixel crop and the 640x480 scene, at any pose. Shapes are polygons drawn
    with anti-aliasing at sub-pixel precision.
    """

    SHIFT = 4  # sub-pixel bits for OpenCV's fixed-point drawing

    def __init__(self, img: np.ndarray, center: Point, unit: float, roll_deg: float):
        self.img = img
        self.cx, self.cy = center
        self.unit = unit
        r = math.radians(roll_deg)
        self.cos, self.sin = math.cos(r), math.sin(r)

    @classmethod
    def placed(
        cls,
        img: np.ndarray,
        anchor: Point,
        at: Point,
        unit: float,
        roll_deg: float,
    ) -> Canvas:
        """A canvas on which the face point ``anchor`` lands on pixel ``at``."""
        r = math.radians(roll_deg)
        ax, ay = anchor[0] * unit, anchor[1] * unit
        cx = at[0] - (ax * math.cos(r) - ay * math.sin(r))
        cy = at[1] - (ax * math.sin(r) + ay * math.cos(r))
        return cls(img, (cx, cy), unit, roll_deg)

    def px(self, pts: np.ndarray) -> np.ndarray:
        """Face units (N, 2) -> pixel coordinates (N, 2), float."""
        p = np.asarray(pts, dtype=np.float64) * self.unit
        x = p[:, 0] * self.cos - p[:, 1] * self.sin + self.cx
        y = p[:, 0] * self.sin + p[:, 1] * self.cos + self.cy
        return np.stack([x, y], axis=1)

    def to_face(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pixel coordinates -> face units (inverse of :meth:`px`)."""
        dx, dy = (x - self.cx) / self.unit, (y - self.cy) / self.unit
        return dx * self.cos + dy * self.sin, -dx * self.sin + dy * self.cos

    def _fixed(self, pts: np.ndarray, origin: tuple[int, int] = (0, 0)) -> np.ndarray:
        p = self.px(pts) - np.array(origin, dtype=np.float64)
        return np.round(p * (1 << self.SHIFT)).astype(np.int32)

    def width(self, w: float) -> int:
        """A line width in face units as whole pixels (at least one)."""
        return max(1, int(round(w * self.unit)))

    def fill(self, pts: np.ndarray, color: Color) -> None:
        """Fill the polygon ``pts`` (face units)."""
        cv2.fillPoly(self.img, [self._fixed(pts)], color, cv2.LINE_AA, self.SHIFT)

    def stroke(self, pts: np.ndarray, color: Color, width: float, closed: bool = False) -> None:
        """Draw the polyline ``pts`` (face units) ``width`` face units wide."""
        thickness = self.width(width)
        pts_fixed = [self._fixed(pts)]
        cv2.polylines(self.img, pts_fixed, closed, color, thickness, cv2.LINE_AA, self.SHIFT)

    def fill_alpha(self, pts: np.ndarray, color: Color, alpha: float) -> None:
        """Fill a polygon with a translucent colour (stubble, lens tint)."""
        p = self.px(pts)
        h, w = self.img.shape[:2]
        x0, y0 = max(int(p[:, 0].min()) - 2, 0), max(int(p[:, 1].min()) - 2, 0)
        x1, y1 = min(int(p[:, 0].max()) + 3, w), min(int(p[:, 1].max()) + 3, h)
        if x1 <= x0 or y1 <= y0:
            return
        roi = self.img[y0:y1, x0:x1]
        layer = roi.copy()
        cv2.fillPoly(layer, [self._fixed(pts, (x0, y0))], color, cv2.LINE_AA, self.SHIFT)
        cv2.addWeighted(layer, alpha, roi, 1.0 - alpha, 0.0, dst=roi)


def ellipse(
    cx: float, cy: float, rx: float, ry: float, n: int = 40, angle_deg: float = 0.0
) -> np.ndarray:
    """Polygon of an ellipse (face units), optionally rotated."""
    th = np.linspace(0, 2 * math.pi, n, endpoint=False)
    x, y = rx * np.cos(th), ry * np.sin(th)
    c, s = math.cos(math.radians(angle_deg)), math.sin(math.radians(angle_deg))
    return np.stack([cx + x * c - y * s, cy + x * s + y * c], axis=1)


def quad(p0: Point, p1: Point, p2: Point, n: int = 12) -> np.ndarray:
    """Points on the quadratic Bezier curve p0 -> p2 pulled toward p1."""
    t = np.linspace(0, 1, n)[:, None]
    a, b, c = (np.array(p, dtype=np.float64) for p in (p0, p1, p2))
    return (1 - t) ** 2 * a + 2 * (1 - t) * t * b + t**2 * c


def curve(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.stack([x, y], axis=1)


def band(x: np.ndarray, top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
    """The polygon between two curves y = top(x) and y = bottom(x)."""
    return np.concatenate([curve(x, top), curve(x, bottom)[::-1]])
