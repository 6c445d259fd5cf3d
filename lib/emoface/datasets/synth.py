"""SynthFaces: procedurally drawn faces, one identity in all seven expressions.

The StarGAN lessons need a face set that ships with the repository, trains in minutes on a
laptop and can be *graded*. Real sets (MUG, which the paper uses) cannot be redistributed, and
a real set has no ground truth for a translation: nobody photographed that exact person, in that
exact light, with the other expression. SynthFaces is a stylised, FERG-like set drawn with OpenCV
in which the *identity* (face shape, skin, hair, glasses, beard, background, pose, light) is a
frozen record and the *expression* is a separate, small table of geometry. Drawing one identity in
two expressions changes only the pixels of the brows, eyes, nose, cheeks and mouth, so every
``anger -> happiness`` translation the GAN makes can be compared with the true happy face.

The expressions are told apart by the geometry a person reads, grounded in the action units
(AUs) of the Facial Action Coding System (Ekman & Friesen), never by colour codes: see
:data:`EXPRESSION_SHAPES`, the one table that defines them.

Two renderers share the drawing code:

* :func:`draw_face` gives the 128x128 training crop, framed like a Haar-cascade detection with a
  small margin (what the real pipeline feeds the GAN);
* :func:`draw_scene` gives a 640x480 "video frame" (face, neck, shoulders, plain wall) in which
  OpenCV's stock Haar cascade finds the face, so the detection lesson also runs offline.

Everything is drawn at 2x (or more) with anti-aliased primitives and shrunk with ``INTER_AREA``;
a soft light map (a directional gradient, head roundness, socket and nose shadows) keeps the
faces from looking like flat cartoons. Only numpy and OpenCV are used.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

import cv2
import numpy as np

from emoface.labels import FACE_EXPRESSIONS

__all__ = [
    "EXPRESSION_SHAPES",
    "ExpressionShape",
    "FACE_BOX",
    "HAIR_STYLES",
    "Identity",
    "SynthFaces",
    "draw_face",
    "draw_scene",
    "random_identity",
]

Color = tuple[int, int, int]
Point = tuple[float, float]
Blob = tuple[float, float, float, float, float]  # x, y, sx, sy, amount (face units)

# ---------------------------------------------------------------------------------------------
# Expressions: the one table
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExpressionShape:
    """How far each facial part moves from the relaxed face; the defaults *are* neutral.

    Distances are in face units (1 = half the head's height, eye line at y = 0, y grows down);
    the others are factors or strengths in 0..1. Keeping expressions as data, not code, lets a
    lesson print the table and lets the tests check that the seven rows really differ.
    """

    brow_raise: float = 0.0  # whole brow up (+, AU1+2) or down (-, AU4)
    brow_inner_raise: float = 0.0  # inner end up (+, AU1) or pulled down (-, AU4)
    brow_squeeze: float = 0.0  # inner ends drawn toward the midline (AU4 corrugator)
    brow_arch: float = 0.0  # extra curve (+) or flattening (-) of the brow
    brow_furrow: float = 0.0  # vertical lines between the brows (AU4), 0..1
    forehead_lines: float = 0.0  # horizontal forehead wrinkles (AU1+2), 0..1
    eye_open: float = 1.0  # upper-lid opening: > 1 AU5 lid raiser, < 1 AU7 tightener / droop
    lid_slant: float = 0.0  # upper lid: + outer half droops (sad), - inner half presses (glare)
    lower_lid_raise: float = 0.0  # lower lid up (AU6/AU7); negative drops it (AU5, wide eyes)
    cheek_raise: float = 0.0  # AU6: cheek bulge under the eyes, crow's feet, nasolabial folds
    nose_wrinkle: float = 0.0  # AU9: wrinkles across the nose bridge, 0..1
    nostril_flare: float = 0.0  # AU38: wider nostrils and wings, 0..1
    mouth_width: float = 1.0  # AU12/AU20 widen (> 1), AU18/AU23 narrow (< 1)
    mouth_curve: float = 0.0  # mouth corners up (+, AU12) or down (-, AU15)
    mouth_open: float = 0.0  # lips apart and jaw drop (AU25/26/27), 0..1
    mouth_square: float = 0.0  # shape of the opening: 0 oval (AU26), 1 stretched box (AU20)
    teeth_upper: float = 0.0  # upper teeth show in the opening (1 = yes)
    teeth_lower: float = 0.0  # lower teeth show in the opening (1 = yes)
    lip_press: float = 0.0  # AU23/AU24: lips pressed thin, 0..1
    upper_lip_raise: float = 0.0  # AU10 on one side: the sneer that bares the teeth, 0..1


#: Expression -> geometry, read-only. Each row names the action units it draws.
_EXPRESSION_SHAPES: dict[str, ExpressionShape] = {
    # Relaxed: every part at rest.
    "neutral": ExpressionShape(),
    # AU6 cheek raiser (cheeks up, lower lids up, eyes narrow, crow's feet)
    # + AU12 lip corner puller (curved smile) + AU25 lips part (teeth show).
    "happiness": ExpressionShape(
        brow_raise=0.01,
        eye_open=0.8,
        lower_lid_raise=0.55,
        cheek_raise=1.0,
        mouth_width=1.22,
        mouth_curve=1.0,
        mouth_open=0.42,
        teeth_upper=1.0,
    ),
    # AU1 inner brow raiser + AU4 brow lowerer (inner ends up and together, brows slope down
    # to the outside) + drooping upper lids + AU15 lip corner depressor (+ AU17 chin raiser).
    "sadness": ExpressionShape(
        brow_raise=-0.02,
        brow_inner_raise=0.10,
        brow_squeeze=0.025,
        brow_arch=-0.02,
        eye_open=0.72,
        lid_slant=0.55,
        lower_lid_raise=0.1,
        mouth_width=0.95,
        mouth_curve=-0.9,
    ),
    # AU1+2 brows raised high and curved (forehead lines) + AU5 eyes wide (white above the
    # iris) + AU26/27 jaw drop: an open oval mouth.
    "surprise": ExpressionShape(
        brow_raise=0.09,
        brow_arch=0.04,
        forehead_lines=1.0,
        eye_open=1.75,
        lower_lid_raise=-0.3,
        mouth_width=0.7,
        mouth_open=0.7,
    ),
    # AU1+2+4 brows raised *and* drawn together (flat, not arched) + AU5 eyes wide + AU20 lip
    # stretcher + AU26 jaw drop: a wide, stretched open mouth with both rows of teeth.
    "fear": ExpressionShape(
        brow_raise=0.07,
        brow_inner_raise=0.04,
        brow_squeeze=0.03,
        brow_arch=-0.03,
        brow_furrow=0.4,
        forehead_lines=0.6,
        eye_open=1.6,
        lower_lid_raise=-0.15,
        mouth_width=1.2,
        mouth_curve=-0.25,
        mouth_open=0.45,
        mouth_square=1.0,
        teeth_upper=1.0,
        teeth_lower=1.0,
    ),
    # AU4 brows lowered and pulled together in a V + AU5+7 glaring, tense lids + AU23/24 lips
    # pressed thin + AU38 flared nostrils.
    "anger": ExpressionShape(
        brow_raise=-0.05,
        brow_inner_raise=-0.08,
        brow_squeeze=0.04,
        brow_furrow=1.0,
        eye_open=0.95,
        lid_slant=-0.6,
        lower_lid_raise=0.4,
        nostril_flare=1.0,
        mouth_width=0.85,
        lip_press=0.85,
    ),
    # AU9 nose wrinkler (lines on the bridge, brows and lower lids pulled down/up, cheeks up)
    # + AU10 upper lip raiser on one side (sneer) + AU15 corners down.
    "disgust": ExpressionShape(
        brow_raise=-0.035,
        brow_inner_raise=-0.03,
        brow_squeeze=0.02,
        brow_furrow=0.4,
        eye_open=0.78,
        lower_lid_raise=0.45,
        cheek_raise=0.45,
        nose_wrinkle=1.0,
        nostril_flare=0.5,
        mouth_width=0.95,
        mouth_curve=-0.45,
        upper_lip_raise=1.0,
        teeth_upper=1.0,
    ),
}
EXPRESSION_SHAPES: Mapping[str, ExpressionShape] = MappingProxyType(_EXPRESSION_SHAPES)


# ---------------------------------------------------------------------------------------------
# Identity
# ---------------------------------------------------------------------------------------------

#: Hair styles an identity can have.
HAIR_STYLES: tuple[str, ...] = ("bald", "short", "fringe", "long", "curly")


@dataclass(frozen=True)
class Identity:
    """Everything about a face that an expression must *not* change: the person and the shot.

    Plain numbers, strings and tuples only, so ``dataclasses.asdict`` turns it into JSON and a
    lesson can show, save or edit one. Colours are RGB tuples of ints in 0..255.
    """

    # face shape
    face_width: float = 1.0  # head width factor
    face_height: float = 1.0  # jaw length factor (eye line to chin)
    jaw_square: float = 2.0  # superellipse exponent of the jaw: < 2 pointed chin, > 2 square
    jaw_taper: float = 0.1  # how much the jaw narrows toward the chin
    skin: Color = (224, 172, 130)
    # hair
    hair_style: str = "short"  # one of HAIR_STYLES
    hair_color: Color = (60, 40, 30)
    hair_volume: float = 0.06
    # eyes and brows
    eye_spacing: float = 1.0
    eye_size: float = 1.0
    eye_tilt: float = 0.0  # canthal tilt: + outer corners up
    iris_color: Color = (90, 60, 40)
    brow_thickness: float = 1.0
    brow_color: Color = (50, 35, 25)
    # nose and mouth
    nose_length: float = 1.0
    nose_width: float = 1.0
    mouth_width: float = 1.0
    lip_fullness: float = 1.0
    lip_color: Color = (180, 100, 95)
    # accessories
    glasses: bool = False
    glasses_color: Color = (30, 30, 30)
    beard: bool = False
    moustache: bool = False
    beard_density: float = 0.8  # 0.3 stubble .. 1 full
    shirt_color: Color = (60, 80, 120)
    # the shot
    bg_top: Color = (200, 200, 200)  # wall colour at the top of the frame ...
    bg_bottom: Color = (170, 170, 170)  # ... and at the bottom
    roll_deg: float = 0.0  # head roll
    offset_x: float = 0.0  # crop offset, fraction of the image size
    offset_y: float = 0.0
    scale: float = 1.0  # zoom of the crop
    light_angle: float = -120.0  # where the light comes from, degrees in the image (-90 = top)
    light_strength: float = 0.15  # depth of the directional gradient
    brightness: float = 1.0  # exposure


_SKIN_TONES = np.array(
    [
        (255, 224, 200),
        (241, 196, 165),
        (226, 174, 135),
        (200, 146, 104),
        (170, 115, 78),
        (135, 88, 58),
        (100, 64, 42),
        (72, 46, 32),
    ],
    dtype=np.float64,
)
_HAIR_COLORS: tuple[Color, ...] = (
    (22, 18, 18),  # black
    (48, 32, 24),  # dark brown
    (92, 62, 40),  # brown
    (125, 62, 34),  # auburn
    (190, 155, 100),  # blond
    (140, 138, 134),  # grey
    (205, 203, 196),  # white
)
# Mostly young adults, as in MUG: grey and white hair are rare.
_HAIR_P_LIGHT_SKIN = np.array([0.18, 0.27, 0.2, 0.12, 0.17, 0.04, 0.02])
_HAIR_P_DARK_SKIN = np.array([0.55, 0.3, 0.08, 0.02, 0.01, 0.03, 0.01])
_IRIS_COLORS: tuple[Color, ...] = (
    (60, 38, 24),
    (95, 62, 36),
    (120, 100, 55),
    (70, 110, 80),
    (70, 110, 160),
    (110, 125, 135),
)
_FRAME_COLORS: tuple[Color, ...] = (
    (20, 20, 20),
    (70, 45, 30),
    (130, 130, 135),
    (110, 30, 35),
    (30, 40, 80),
)


def _mix(a: Color | np.ndarray, b: Color | np.ndarray, t: float) -> Color:
    """Linear blend of two colours (t = 0 gives a), rounded to ints."""
    a_, b_ = np.asarray(a, float), np.asarray(b, float)
    c = np.clip(a_ + (b_ - a_) * t, 0, 255)
    return (int(round(c[0])), int(round(c[1])), int(round(c[2])))


def _scale(c: Color, k: float) -> Color:
    """A colour darkened (k < 1) or lightened (k > 1)."""
    r, g, b = (int(round(min(255.0, v * k))) for v in c)
    return (r, g, b)


def _luma(c: Color) -> float:
    return 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]


def _muted_color(rng: np.random.Generator, lo: float, hi: float, sat: float) -> Color:
    """A random colour of lightness lo..hi and at most ``sat`` saturation (walls, shirts)."""
    grey = rng.uniform(lo, hi)
    hue = rng.uniform(0, 2 * math.pi)
    s = rng.uniform(0, sat)
    rgb = np.clip(grey * (1 + s * np.cos(hue + np.array([0.0, 2.094, 4.189]))), 0, 255)
    return (int(rgb[0]), int(rgb[1]), int(rgb[2]))


def random_identity(rng: np.random.Generator) -> Identity:
    """Draw one person-and-shot at random; every field has a realistic, bounded range.

    Skin tones span very light to very dark (interpolated between anchor tones); hair, brow and
    lip colours follow the skin loosely so that combinations look plausible. Brows are always
    darker than the skin, because they carry half of every expression.
    """
    t = rng.uniform(0, len(_SKIN_TONES) - 1)
    i = int(t)
    j = min(i + 1, len(_SKIN_TONES) - 1)
    tone = _SKIN_TONES[i] + (_SKIN_TONES[j] - _SKIN_TONES[i]) * (t - i) + rng.normal(0, 4, 3)
    skin: Color = tuple(int(c) for c in np.clip(tone, 0, 255))  # type: ignore[assignment]
    dark_skin = t > 4.0

    hair_style = HAIR_STYLES[int(rng.choice(len(HAIR_STYLES), p=[0.1, 0.3, 0.2, 0.25, 0.15]))]
    hair_p = _HAIR_P_DARK_SKIN if dark_skin else _HAIR_P_LIGHT_SKIN
    hair_color = _HAIR_COLORS[int(rng.choice(len(_HAIR_COLORS), p=hair_p / hair_p.sum()))]
    hair_color = _scale(hair_color, rng.uniform(0.85, 1.15))
    brow_color = _mix(hair_color, (25, 18, 15), 0.45)
    if _luma(brow_color) > 0.55 * _luma(skin):
        brow_color = _scale(brow_color, 0.55 * _luma(skin) / max(_luma(brow_color), 1.0))

    lip_base = _mix(skin, (190, 80, 85), 0.2 if dark_skin else 0.45)
    lip_color = _mix(_scale(lip_base, 0.88), _scale(lip_base, 0.75), rng.uniform(0, 1))

    beard = bool(rng.uniform() < (0.12 if hair_style == "long" else 0.25))
    moustache = bool(rng.uniform() < (0.7 if beard else 0.12))
    bg_top = _muted_color(rng, 90, 225, 0.35)
    bg_bottom = _scale(bg_top, rng.uniform(0.75, 1.05))
    # Keyword order below is the order the generator is drawn in: keep it stable.
    return Identity(
        face_width=float(rng.uniform(0.92, 1.08)),
        face_height=float(rng.uniform(0.95, 1.07)),
        jaw_square=float(rng.uniform(1.7, 2.8)),
        jaw_taper=float(rng.uniform(0.0, 0.25)),
        skin=skin,
        hair_style=hair_style,
        hair_color=hair_color,
        hair_volume=float(rng.uniform(0.03, 0.1)),
        eye_spacing=float(rng.uniform(0.92, 1.08)),
        eye_size=float(rng.uniform(0.9, 1.12)),
        eye_tilt=float(rng.uniform(-0.1, 0.15)),
        iris_color=_IRIS_COLORS[int(rng.integers(2 if dark_skin else len(_IRIS_COLORS)))],
        brow_thickness=float(rng.uniform(0.8, 1.35)),
        brow_color=brow_color,
        nose_length=float(rng.uniform(0.9, 1.1)),
        nose_width=float(rng.uniform(0.85, 1.2)),
        mouth_width=float(rng.uniform(0.88, 1.12)),
        lip_fullness=float(rng.uniform(0.75, 1.3)),
        lip_color=lip_color,
        glasses=bool(rng.uniform() < 0.25),
        glasses_color=_FRAME_COLORS[int(rng.integers(len(_FRAME_COLORS)))],
        beard=beard,
        moustache=moustache,
        beard_density=float(rng.uniform(0.35, 1.0)),
        shirt_color=_muted_color(rng, 40, 200, 0.6),
        bg_top=bg_top,
        bg_bottom=bg_bottom,
        roll_deg=float(rng.uniform(-4, 4)),
        offset_x=float(rng.uniform(-0.03, 0.03)),
        offset_y=float(rng.uniform(-0.03, 0.03)),
        scale=float(rng.uniform(0.94, 1.06)),
        light_angle=float(rng.uniform(-150, -30)),
        light_strength=float(rng.uniform(0.05, 0.28)),
        brightness=float(rng.uniform(0.88, 1.08)),
    )


# ---------------------------------------------------------------------------------------------
# Layout. Face units: eye line at y = 0, top of the skull at y = -1, y grows down.
# ---------------------------------------------------------------------------------------------

_HEAD_A = 0.74  # half width of the head at the cheekbones
_EYE_X = 0.30  # eye centre, distance from the midline
_EYE_HW = 0.135  # eye half width
_EYE_UP = 0.050  # upper-lid opening at rest
_EYE_LO = 0.042  # lower-lid opening at rest
_IRIS_R = 0.058
_BROW_Y = -0.19
_BROW_IN = 0.10  # inner brow end, distance from the midline
_BROW_OUT = 0.46  # outer brow end
_NOSE_TIP = 0.33
_MOUTH_Y = 0.60
_MOUTH_HW = 0.22
# Sclera and teeth are a little grey, as in photographs (pure white also fools the cascade).
_SCLERA: Color = (198, 192, 184)
_TEETH: Color = (210, 203, 190)
_MOUTH_INSIDE: Color = (92, 34, 40)
_TONGUE: Color = (150, 62, 68)

#: The face box (x0, y0, x1, y1) in face units: where OpenCV's frontal-face Haar cascade puts
#: its box on these faces (measured on 1,400 scenes). :func:`draw_scene` returns it and
#: :func:`draw_face` crops it, enlarged by ``_CROP_MARGIN``.
FACE_BOX: tuple[float, float, float, float] = (-0.83, -0.69, 0.83, 0.97)
_CROP_MARGIN = 1.2


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


def _ellipse(
    cx: float, cy: float, rx: float, ry: float, n: int = 40, angle_deg: float = 0.0
) -> np.ndarray:
    """Polygon of an ellipse (face units), optionally rotated."""
    th = np.linspace(0, 2 * math.pi, n, endpoint=False)
    x, y = rx * np.cos(th), ry * np.sin(th)
    c, s = math.cos(math.radians(angle_deg)), math.sin(math.radians(angle_deg))
    return np.stack([cx + x * c - y * s, cy + x * s + y * c], axis=1)


def _quad(p0: Point, p1: Point, p2: Point, n: int = 12) -> np.ndarray:
    """Points on the quadratic Bezier curve p0 -> p2 pulled toward p1."""
    t = np.linspace(0, 1, n)[:, None]
    a, b, c = (np.array(p, dtype=np.float64) for p in (p0, p1, p2))
    return (1 - t) ** 2 * a + 2 * (1 - t) * t * b + t**2 * c


def _curve(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.stack([x, y], axis=1)


def _band(x: np.ndarray, top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
    """The polygon between two curves y = top(x) and y = bottom(x)."""
    return np.concatenate([_curve(x, top), _curve(x, bottom)[::-1]])


def _head_a(ident: Identity) -> float:
    return _HEAD_A * ident.face_width


def head_outline(ident: Identity, n: int = 72) -> np.ndarray:
    """The head contour: an ellipse over the skull, a superellipse jaw below the cheekbones."""
    a, b = _head_a(ident), ident.face_height
    th = np.linspace(math.pi, 2 * math.pi, n // 2, endpoint=False)
    skull = _curve(a * np.cos(th), np.sin(th))
    phi = np.linspace(0, math.pi, n // 2)
    e = 2.0 / ident.jaw_square
    c, s = np.cos(phi), np.sin(phi)
    jaw = _curve(a * np.sign(c) * np.abs(c) ** e * (1 - ident.jaw_taper * s), b * np.abs(s) ** e)
    return np.concatenate([skull, jaw])


def _head_radius2(ident: Identity, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Squared "radius" of face points w.r.t. :func:`head_outline`: < 1 inside, 1 on it."""
    a = _head_a(ident)
    skull = (u / a) ** 2 + v**2
    n = ident.jaw_square
    vb = np.clip(v / ident.face_height, 0, None)
    a_low = a * (1 - ident.jaw_taper * np.clip(vb, 0, 1) ** (n / 2))
    jaw = ((np.abs(u) / a_low) ** n + vb**n) ** (2 / n)
    return np.where(v > 0, jaw, skull)


# ---------------------------------------------------------------------------------------------
# Parts that belong to the identity (never change with the expression), back to front
# ---------------------------------------------------------------------------------------------


def draw_background(cv: Canvas, ident: Identity) -> None:
    """A plain wall with a vertical gradient, as behind a studio recording."""
    h = cv.img.shape[0]
    ramp = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None]
    top, bot = np.array(ident.bg_top, np.float32), np.array(ident.bg_bottom, np.float32)
    cv.img[:] = (top + (bot - top) * ramp)[:, None, :].astype(np.uint8)


def draw_hair_back(cv: Canvas, ident: Identity) -> None:
    """Hair that hangs behind the head and neck (long and curly styles)."""
    a = _head_a(ident)
    if ident.hair_style == "long":
        th = np.linspace(math.pi, 2 * math.pi, 24)
        crown = _curve(a * 1.16 * np.cos(th), -0.1 + np.sin(th))
        right = np.array([[1.3, 0.8], [1.22, 1.55], [0.7, 1.65]])
        ends = np.concatenate([right, (right * [-1, 1])[::-1]])
        cv.fill(np.concatenate([crown, ends * [a, 1.0]]), _scale(ident.hair_color, 0.8))
    elif ident.hair_style == "curly":
        th = np.linspace(0, 2 * math.pi, 90, endpoint=False)
        r = 1 + 0.035 * np.sin(13 * th)
        mane = _curve(a * 1.42 * r * np.cos(th), -0.22 + 1.02 * r * np.sin(th))
        cv.fill(mane, _scale(ident.hair_color, 0.8))


def draw_body(cv: Canvas, ident: Identity) -> None:
    """Shoulders in a shirt, and the neck (darker: it is in the chin's shadow)."""
    b = ident.face_height
    nw = 0.4 * ident.face_width
    right = np.array([[nw * 1.1, 0.55], [0.9, 0.72], [1.75, 1.0], [2.2, 1.5], [2.4, 4.0]])
    shoulders = np.concatenate([right * [-1, 1], right[::-1]]) + [0.0, b]
    cv.fill(shoulders, ident.shirt_color)
    right = np.array([[nw, 0.3], [nw * 1.05, b + 0.6], [nw * 1.3, b + 0.9]])
    neck = np.concatenate([right, (right * [-1, 1])[::-1]])
    cv.fill(neck, _scale(ident.skin, 0.86))
    front = _quad((-nw * 1.25, b + 0.6), (0, b + 1.1), (nw * 1.25, b + 0.6))
    back = _quad((nw * 1.6, b + 0.66), (0, b + 1.3), (-nw * 1.6, b + 0.66))
    cv.fill(np.concatenate([front, back]), _scale(ident.shirt_color, 0.8))  # the collar


def draw_ears(cv: Canvas, ident: Identity) -> None:
    """Ears at eye-to-nose height, behind the head contour (long hair hides them)."""
    a = _head_a(ident)
    for s in (-1, 1):
        cv.fill(_ellipse(s * (a - 0.02), 0.12, 0.08, 0.17, 28), _scale(ident.skin, 0.93))
        rim = _quad((s * (a + 0.015), 0.02), (s * (a + 0.06), 0.12), (s * (a + 0.01), 0.24), 10)
        cv.stroke(rim, _scale(ident.skin, 0.72), 0.012)


def draw_head(cv: Canvas, ident: Identity) -> None:
    """The face and skull in flat skin colour; the light pass models it later."""
    cv.fill(head_outline(ident), ident.skin)


def draw_beard(cv: Canvas, ident: Identity) -> None:
    """Beard over jaw and chin, moustache over the upper lip; drawn *under* the mouth."""
    color = _scale(ident.hair_color, 0.9)
    alpha = 0.3 + 0.62 * ident.beard_density
    a = _head_a(ident)
    if ident.beard:
        outline = head_outline(ident, 96)
        jaw = outline[outline[:, 1] > 0.0] * [1.01, 1.015]
        jaw = jaw[np.argsort(np.arctan2(jaw[:, 1], jaw[:, 0]))[::-1]]  # left ear, chin, right ear
        inner = np.concatenate(  # right sideburn, around the mouth, left sideburn
            [
                _quad((a * 0.97, 0.08), (a * 0.8, 0.5), (0.27, 0.56), 10),
                _quad((0.27, 0.56), (0.24, 0.76), (0.0, 0.74), 8)[1:],
                _quad((0.0, 0.74), (-0.24, 0.76), (-0.27, 0.56), 8)[1:],
                _quad((-0.27, 0.56), (-a * 0.8, 0.5), (-a * 0.97, 0.08), 10)[1:],
            ]
        )
        cv.fill_alpha(np.concatenate([jaw, inner]), color, alpha)
    if ident.moustache:
        y0 = _MOUTH_Y - 0.04  # the top of the upper lip at rest
        top = _quad((0.27, y0 + 0.07), (0.17, y0 - 0.075), (0.0, y0 - 0.065), 10)
        bottom = _quad((0.27, y0 + 0.07), (0.13, y0 - 0.005), (0.0, y0 + 0.002), 10)
        left = [-1.0, 1.0]
        outline = np.concatenate(
            [top, (top * left)[::-1][1:], (bottom * left)[1:], bottom[::-1][1:-1]]
        )
        cv.fill_alpha(outline, color, min(1.0, alpha + 0.1))


def _hairline(ident: Identity, x: np.ndarray) -> np.ndarray:
    """Where the hair on the head ends, as y(x): forehead line, temples, sideburns."""
    a = _head_a(ident)
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
    a = _head_a(ident)
    v = ident.hair_volume + {"curly": 0.12, "short": 0.03, "long": 0.03}.get(ident.hair_style, 0.0)
    y_side = {"long": 0.42, "curly": 0.06, "fringe": 0.08}.get(ident.hair_style, 0.04)
    xs = a * (0.93 if ident.hair_style == "long" else 0.99)
    th0 = math.asin(min(0.95, y_side / (1 + v)))
    th = np.linspace(math.pi - th0, 2 * math.pi + th0, 40)
    bump = 1 + (0.03 * np.sin(16 * th) if ident.hair_style == "curly" else 0.0)
    outer = _curve(a * (1 + v) * bump * np.cos(th), (1 + v) * bump * np.sin(th))
    hx = np.linspace(xs, -xs, 41)
    inner = _curve(hx, _hairline(ident, hx))
    inner[0, 1] = inner[-1, 1] = y_side
    color = ident.hair_color
    cv.fill(np.concatenate([outer, inner]), color)

    def crown_arc(f: float, lo: float, hi: float, n: int) -> np.ndarray:
        arc = np.linspace(lo, hi, n)
        return _curve(a * (1 + v) * f * np.cos(arc), (1 + v) * f * np.sin(arc))

    # A few darker strands along the crown give the mass some texture ...
    dark = _scale(color, 0.72) if _luma(color) > 40 else _mix(color, (90, 80, 75), 0.25)
    for f, (lo, hi) in ((0.9, (0.15, 0.85)), (0.78, (0.25, 0.75))):
        cv.stroke(crown_arc(f, math.pi * (1 + lo), math.pi * (1 + hi), 14), dark, 0.01)
    # ... and a soft sheen sits on the side facing the light.
    mid = math.pi * 1.5 + 0.35 * math.cos(math.radians(ident.light_angle))
    cv.stroke(crown_arc(0.86, mid - 0.35, mid + 0.35, 10), _mix(color, (235, 225, 210), 0.22), 0.02)
    if ident.hair_style == "long":
        cv.stroke(np.array([[0.0, -0.64], [0.02, -0.98]]), dark, 0.012)  # the parting


def draw_glasses(cv: Canvas, ident: Identity) -> None:
    """Rounded rectangular frames, bridge and temples; drawn over the eyes and brows."""
    if not ident.glasses:
        return
    ex = _EYE_X * ident.eye_spacing
    hw, hh = _EYE_HW * ident.eye_size + 0.045, 0.115
    th = np.linspace(0, 2 * math.pi, 40, endpoint=False)
    c, s_ = np.cos(th), np.sin(th)
    rim_x, rim_y = hw * np.sign(c) * np.abs(c) ** 0.5, 0.005 + hh * np.sign(s_) * np.abs(s_) ** 0.5
    a = _head_a(ident)
    frame = ident.glasses_color
    for s in (-1, 1):
        lens = _curve(s * ex + rim_x, rim_y)
        cv.fill_alpha(lens, (235, 240, 245), 0.12)
        cv.stroke(lens, frame, 0.022, closed=True)
        cv.stroke(np.array([[s * (ex + hw), -0.03], [s * a * 0.99, -0.02]]), frame, 0.02)  # temple
    cv.stroke(_quad((-(ex - hw), -0.02), (0, -0.06), (ex - hw, -0.02), 8), frame, 0.02)  # bridge


# ---------------------------------------------------------------------------------------------
# Parts that move with the expression
# ---------------------------------------------------------------------------------------------


def draw_forehead(cv: Canvas, ident: Identity, shape: ExpressionShape) -> None:
    """AU1+2 fold the forehead into horizontal lines (shorter ones when AU4 joins, as in fear)."""
    if shape.forehead_lines <= 0:
        return
    c = _mix(ident.skin, _scale(ident.skin, 0.8), shape.forehead_lines)
    half = 0.14 + 0.14 * shape.forehead_lines
    for i, y in enumerate((-0.44, -0.5, -0.56)):
        w = half * (1 - 0.15 * i)
        cv.stroke(_quad((-w, y + 0.02), (0, y - 0.03), (w, y + 0.02), 10), c, 0.009)


def _eye_lids(
    ident: Identity, shape: ExpressionShape, n: int = 17
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """u (inner corner -1 .. outer corner +1), upper-lid y and lower-lid y of one eye."""
    u = np.linspace(-1, 1, n)
    k = ident.eye_size
    bell = np.sqrt(1 - u**2)
    up = -_EYE_UP * k * shape.eye_open * (1 - u**2) ** 0.7
    if shape.lid_slant > 0:  # sadness: the outer half of the upper lid droops
        up += shape.lid_slant * _EYE_UP * k * bell * (1 + u) / 2
    else:  # anger: the inner half presses down under the lowered brow
        up += -shape.lid_slant * _EYE_UP * k * bell * (1 - u) / 2
    lo = _EYE_LO * k * (1 - 0.7 * shape.lower_lid_raise) * (1 - u**2) ** 0.8
    tilt = -ident.eye_tilt * 0.3 * _EYE_HW * k * u
    up, lo = up + tilt, lo + tilt
    return u, np.minimum(up, lo - 0.004), lo


def draw_eyes(cv: Canvas, ident: Identity, shape: ExpressionShape) -> None:
    """Almond eyes: white, iris cut by the lids, lash line, crease; AU5/6/7 move the lids.

    AU5 lifts the upper lid clear of the iris (white shows above it), AU6/7 push the lower lid
    up and bunch the skin under it; crow's feet come with a strong AU6.
    """
    k = ident.eye_size
    hw = _EYE_HW * k
    ex = _EYE_X * ident.eye_spacing
    u, up, lo = _eye_lids(ident, shape)
    skin = ident.skin
    lash = _mix((28, 20, 18), skin, 0.1)
    r = _IRIS_R * k
    iy = 0.004
    for s in (-1, 1):
        x = s * (ex + u * hw)
        upper, lower = _curve(x, up), _curve(x, lo)
        cv.fill(_band(x, up, lo), _SCLERA)
        ix = s * ex
        cv.fill(_ellipse(ix, iy, r, r, 32), _scale(ident.iris_color, 0.6))  # limbal ring
        cv.fill(_ellipse(ix, iy, r * 0.84, r * 0.84, 32), ident.iris_color)
        cv.fill(_ellipse(ix, iy, r * 0.42, r * 0.42, 24), (18, 14, 14))  # pupil
        cv.fill(_ellipse(ix - 0.3 * r, iy - 0.35 * r, r * 0.17, r * 0.17, 12), (250, 250, 250))
        # Skin covers whatever of the iris lies outside the lids.
        x_in, x_out = s * (ex - hw - 0.02), s * (ex + hw + 0.02)
        above = [[x_out, up[-1]], [x_out, -0.13], [x_in, -0.13], [x_in, up[0]]]
        below = [[x_out, lo[-1]], [x_out, 0.13], [x_in, 0.13], [x_in, lo[0]]]
        cv.fill(np.concatenate([upper, above]), skin)
        cv.fill(np.concatenate([lower, below]), skin)
        # Lash line (thicker toward the outer corner), lower lid, crease above the lid.
        cv.stroke(upper, lash, 0.02 * k)
        cv.stroke(upper[len(u) // 2 :], lash, 0.024 * k)
        cv.stroke(lower, _scale(skin, 0.62), 0.008)
        crease = up - (0.028 + 0.01 * max(0.0, 1 - shape.eye_open)) * (1 - u**2) ** 0.5
        cv.stroke(_curve(x[2:-1], crease[2:-1]), _scale(skin, 0.74), 0.008)
        if shape.cheek_raise > 0 or shape.lower_lid_raise > 0.2:
            # AU6/AU7: the raised lower lid bunches the skin under it into a bulge line.
            amount = max(shape.cheek_raise, shape.lower_lid_raise)
            bulge = _curve(x[3:-3], lo[3:-3] + 0.045 * k)
            cv.stroke(bulge, _mix(skin, _scale(skin, 0.7), amount), 0.009)
        if shape.cheek_raise > 0.6:  # crow's feet at the outer corner
            ox, oy = s * (ex + hw + 0.015), up[-1]
            for dy, slope in ((-0.015, -0.5), (0.015, 0.0), (0.04, 0.45)):
                line = np.array([[ox, oy + dy], [ox + s * 0.045, oy + dy + slope * 0.045]])
                cv.stroke(line, _scale(skin, 0.78), 0.007)


def draw_brows(cv: Canvas, ident: Identity, shape: ExpressionShape) -> None:
    """Tapered brows: AU1 lifts the inner end, AU2 the whole brow, AU4 lowers and squeezes it."""
    t = np.linspace(0, 1, 16)  # inner end (0) to tail (1)
    xi = _BROW_IN * ident.eye_spacing - shape.brow_squeeze
    xo = _BROW_OUT * ident.eye_spacing
    arch = 0.035 + shape.brow_arch
    y = _BROW_Y - shape.brow_raise - shape.brow_inner_raise * (1 - t) ** 1.4
    y = y - arch * np.sin(math.pi * t**0.8) + 0.012 * t  # arched; the tail sits a little lower
    half = 0.025 * ident.brow_thickness * (1 - 0.6 * t**1.5)
    for s in (-1, 1):
        cv.fill(_band(s * (xi + (xo - xi) * t), y - half, y + half), ident.brow_color)
    if shape.brow_furrow > 0:  # AU4: corrugator lines between the brows
        c = _mix(ident.skin, _scale(ident.skin, 0.62), shape.brow_furrow)
        top = _BROW_Y - shape.brow_raise - 0.03
        for s in (-1, 1):
            line = _quad((s * 0.03, top), (s * 0.045, top + 0.06), (s * 0.035, top + 0.12), 6)
            cv.stroke(line, c, 0.01)


def draw_nose(cv: Canvas, ident: Identity, shape: ExpressionShape) -> None:
    """Nose wings and nostrils; AU9 wrinkles the bridge and lifts the wings, AU38 flares them."""
    skin = ident.skin
    yt = _NOSE_TIP * ident.nose_length - 0.015 * shape.nose_wrinkle
    nw = ident.nose_width * (1 + 0.22 * shape.nostril_flare)
    side = -1.0 if math.cos(math.radians(ident.light_angle)) > 0 else 1.0  # the shadowed side
    ridge = _quad((side * 0.045, 0.03), (side * 0.055, 0.15), (side * 0.06, yt - 0.06), 8)
    cv.stroke(ridge, _scale(skin, 0.84), 0.01)
    nostril_h = 0.012 * (1 + 0.3 * shape.nostril_flare)
    for s in (-1, 1):
        nostril = _ellipse(s * 0.043 * nw, yt + 0.013, 0.024 * nw, nostril_h, 20, s * 15)
        cv.fill(nostril, _scale(skin, 0.38))
        wx = s * nw * np.array([0.055, 0.125, 0.055])
        wing = _quad((wx[0], yt - 0.055), (wx[1], yt - 0.005), (wx[2], yt + 0.03), 10)
        cv.stroke(wing, _scale(skin, 0.62), 0.012)
    tip = _quad((-0.028, yt + 0.028), (0, yt + 0.04), (0.028, yt + 0.028), 8)
    cv.stroke(tip, _scale(skin, 0.8), 0.008)
    if shape.nose_wrinkle > 0:
        c = _mix(skin, _scale(skin, 0.55), shape.nose_wrinkle)
        for y in (0.03, 0.065, 0.10):
            cv.stroke(_quad((-0.045, y + 0.008), (0, y - 0.012), (0.045, y + 0.008), 8), c, 0.01)
        for s in (-1, 1):  # "bunny lines" on the sides of the bridge
            cv.stroke(_quad((s * 0.06, 0.02), (s * 0.08, 0.06), (s * 0.1, 0.11), 6), c, 0.009)


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
    x = t * _MOUTH_HW * ident.mouth_width * shape.mouth_width
    mid = _MOUTH_Y - shape.mouth_curve * 0.075 * t**2 + 0.012 * shape.mouth_curve
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
    line = _mix(_scale(ident.lip_color, 0.45), (40, 15, 15), 0.3)
    is_open = gap.max() > 0.006
    if is_open:
        cv.fill(_band(x, iu, il), _MOUTH_INSIDE)
        if shape.teeth_upper > 0:
            cv.fill(_band(x, iu - 0.005, np.minimum(iu + 0.055, il)), _TEETH)
        if shape.teeth_lower > 0:
            top = np.maximum(il - 0.04, iu + 0.055)
            sel = top < il
            if sel.sum() > 2:
                cv.fill(_band(x[sel], top[sel], il[sel] + 0.005), _scale(_TEETH, 0.92))
        elif shape.mouth_open > 0.6:  # the tongue at the bottom of a wide-open mouth
            sel = np.abs(m.t) < 0.7
            cv.fill(_band(x[sel], il[sel] - 0.45 * gap[sel], il[sel]), _TONGUE)
    cv.fill(_band(x, m.outer_up, iu), _scale(ident.lip_color, 0.88))
    cv.fill(_band(x, il, m.outer_lo), ident.lip_color)
    cv.stroke(_curve(x, iu), line, 0.012 + 0.008 * shape.lip_press)
    if is_open:
        cv.stroke(_curve(x, il), line, 0.008)
    if shape.mouth_curve > 0.3:  # AU12 dimples the corners
        for s in (-1, 1):
            cx, cy = s * abs(x[-1]), iu[-1]
            dimple = _quad(
                (cx - s * 0.01, cy - 0.03), (cx + s * 0.025, cy), (cx - s * 0.005, cy + 0.035), 6
            )
            cv.stroke(dimple, _scale(skin, 0.7), 0.009)
    if shape.lip_press > 0.5:  # AU24 bunches the chin under pressed lips
        chin = _quad((-0.09, _MOUTH_Y + 0.14), (0, _MOUTH_Y + 0.17), (0.09, _MOUTH_Y + 0.14), 8)
        cv.stroke(chin, _scale(skin, 0.8), 0.008)


def draw_cheeks(cv: Canvas, ident: Identity, shape: ExpressionShape) -> None:
    """Nasolabial folds from nose wing to mouth corner, deepened by AU6/12 and (one side) AU10."""
    m = _mouth(ident, shape)
    yt = _NOSE_TIP * ident.nose_length
    for s in (-1, 1):
        k = max(shape.cheek_raise, shape.upper_lip_raise * (1.0 if s > 0 else 0.5))
        if k <= 0:
            continue
        corner_x, corner_y = s * abs(m.x[-1]), m.inner_up[-1 if s > 0 else 0]
        start = (s * (0.12 * ident.nose_width + 0.02), yt - 0.05)
        end = (corner_x + s * 0.05, corner_y + 0.06)
        ctrl = (s * (abs(end[0]) + 0.05), (start[1] + end[1]) / 2)
        cv.stroke(_quad(start, ctrl, end, 12), _mix(ident.skin, _scale(ident.skin, 0.62), k), 0.013)


# ---------------------------------------------------------------------------------------------
# Light: identity-only, so it never differs between expressions
# ---------------------------------------------------------------------------------------------

# Soft shadows (x, y, sx, sy, darkening; negative = highlight); mirrored when x != 0, the
# mirrored ones following the eye spacing.
_SHADE_BLOBS: tuple[Blob, ...] = (
    (_EYE_X, -0.05, 0.2, 0.12, 0.4),  # eye sockets (deep: the cascade keys on dark eye bands)
    (0.0, -0.06, 0.05, 0.07, -0.1),  # between the eyes
    (0.0, 0.14, 0.03, 0.14, -0.14),  # nose bridge
    (0.075, 0.17, 0.03, 0.12, 0.07),  # sides of the nose
    (0.0, _NOSE_TIP + 0.075, 0.075, 0.025, 0.16),  # under the nose
    (0.0, _MOUTH_Y + 0.15, 0.09, 0.03, 0.1),  # under the lower lip
    (0.38, 0.24, 0.13, 0.1, -0.1),  # cheekbones
    (0.0, -0.55, 0.28, 0.16, -0.06),  # forehead
)

# Additive highlights (x, y, sx, sy, strength), mirrored when x != 0.
_SHEEN_BLOBS: tuple[Blob, ...] = (
    (0.0, -0.5, 0.22, 0.12, 0.6),  # forehead
    (0.0, 0.12, 0.025, 0.12, 0.8),  # nose bridge
    (0.0, _NOSE_TIP - 0.02, 0.03, 0.025, 0.8),  # nose tip
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
    sheen = sheen * (70 * (1 - _luma(ident.skin) / 255) ** 1.5 + 12) * ident.brightness
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
    r2 = _head_radius2(ident, *cv.to_face(gx, gy))
    dark = 0.24 * np.where(r2 < 1.0, r2**3, np.exp(-(r2 - 1.0) / 0.04))
    return (slice(y0, y1), slice(x0, x1)), (1.0 - dark).astype(np.float32)


def _apply_light(cv: Canvas, ident: Identity, step: int) -> None:
    """Shade the finished drawing: light map times image, plus sheen."""
    mult, add = _light_map(cv, ident, step)
    window, round_ = _roundness(cv, ident)
    mult[window] *= round_
    lit = cv.img.astype(np.float32) * mult[:, :, None] + add[:, :, None]
    np.clip(lit, 0, 255, out=lit)
    cv.img[:] = lit.astype(np.uint8)


# ---------------------------------------------------------------------------------------------
# Renderers
# ---------------------------------------------------------------------------------------------


def _shape_of(expression: str) -> ExpressionShape:
    try:
        return EXPRESSION_SHAPES[expression]
    except KeyError:
        raise ValueError(
            f"unknown face expression {expression!r}; expected one of {', '.join(FACE_EXPRESSIONS)}"
        ) from None


def _draw_person(cv: Canvas, ident: Identity, shape: ExpressionShape) -> None:
    """All parts, back to front, then the light. Only the middle block sees ``shape``."""
    draw_hair_back(cv, ident)
    draw_body(cv, ident)
    draw_ears(cv, ident)
    draw_head(cv, ident)
    draw_beard(cv, ident)
    draw_forehead(cv, ident, shape)
    draw_eyes(cv, ident, shape)
    draw_brows(cv, ident, shape)
    draw_nose(cv, ident, shape)
    draw_cheeks(cv, ident, shape)
    draw_mouth(cv, ident, shape)
    draw_hair(cv, ident)
    draw_glasses(cv, ident)


def _box_center() -> tuple[float, float]:
    x0, y0, x1, y1 = FACE_BOX
    return (x0 + x1) / 2, (y0 + y1) / 2


def draw_face(identity: Identity, expression: str, size: int = 128) -> np.ndarray:
    """The training image: an RGB uint8 (size, size, 3) face crop, like a Haar box plus margin.

    Drawn at >= 256 pixels (at least 2x) with anti-aliasing and shrunk with ``INTER_AREA``.
    The shot (roll, offset, zoom, light) belongs to the identity, so two expressions of one
    identity differ only where the face moves: that is the GAN's ground truth.
    """
    shape = _shape_of(expression)
    if size < 32:
        raise ValueError(f"size must be at least 32 pixels to draw a face, got {size}")
    ss = max(2, -(-256 // size))  # supersampling factor
    n = size * ss
    unit = n / ((FACE_BOX[3] - FACE_BOX[1]) * _CROP_MARGIN) * identity.scale
    at = (n * (0.5 + identity.offset_x), n * (0.5 + identity.offset_y))
    cv = Canvas.placed(np.empty((n, n, 3), np.uint8), _box_center(), at, unit, identity.roll_deg)
    draw_background(cv, identity)
    _draw_person(cv, identity, shape)
    _apply_light(cv, identity, step=2 * ss)
    return cv2.resize(cv.img, (size, size), interpolation=cv2.INTER_AREA)


def draw_scene(
    identity: Identity,
    expression: str,
    height: int = 480,
    width: int = 640,
    rng: np.random.Generator | None = None,
) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """A MUG-like video frame (face, neck, shoulders, plain wall) and the face box (x, y, w, h).

    For the face-detection lesson: OpenCV's stock frontal-face Haar cascade finds these faces
    (about 97 % of random scenes, one box, IoU >= 0.3). ``rng`` places the face (box height
    35-55 % of the frame) and adds faint sensor noise; with ``rng=None`` the box is 45 % of the
    frame high, centred, and there is no noise. The box is :data:`FACE_BOX` in pixels.
    """
    shape = _shape_of(expression)
    if height < 64 or width < 64:
        raise ValueError(f"scene must be at least 64x64 pixels, got {height}x{width}")
    x0, y0, x1, y1 = FACE_BOX
    bh = height * (0.45 if rng is None else float(rng.uniform(0.35, 0.55)))
    unit = bh / (y1 - y0)
    bw = (x1 - x0) * unit
    if rng is None:
        bcx, bcy = width / 2, height * 0.48
    else:
        bcx = float(rng.uniform(bw / 2 + 0.05 * width, width - bw / 2 - 0.05 * width))
        bcy = float(rng.uniform(bh / 2 + 0.06 * height, height - bh / 2 - 0.04 * height))
    ss = 2
    img = np.empty((height * ss, width * ss, 3), np.uint8)
    cv = Canvas.placed(img, _box_center(), (bcx * ss, bcy * ss), unit * ss, identity.roll_deg)
    draw_background(cv, identity)
    _draw_person(cv, identity, shape)
    _apply_light(cv, identity, step=16)
    frame = cv2.resize(img, (width, height), interpolation=cv2.INTER_AREA)
    if rng is not None:
        noise = rng.normal(0.0, 2.0, frame.shape).astype(np.float32)
        frame = np.clip(frame.astype(np.float32) + noise, 0, 255).astype(np.uint8)
    box = (int(round(bcx - bw / 2)), int(round(bcy - bh / 2)), int(round(bw)), int(round(bh)))
    return frame, box


class SynthFaces:
    """A deterministic, indexable face set: ``n_identities`` people x 7 expressions.

    Item ``k = i * 7 + e`` is identity ``i`` in expression ``FACE_EXPRESSIONS[e]``, returned as
    ``(image, e, i)``. Identity ``i`` comes from ``numpy.random.default_rng([seed, i])``, so it is
    the same person whatever ``n_identities`` is, and the same seed gives byte-identical images.
    Images are drawn on demand (nothing is cached), so a set of any size costs no memory.
    """

    def __init__(self, n_identities: int, seed: int = 0, size: int = 128):
        if n_identities < 1:
            raise ValueError(f"n_identities must be positive, got {n_identities}")
        if size < 32:
            raise ValueError(f"size must be at least 32 pixels to draw a face, got {size}")
        self.n_identities = n_identities
        self.seed = seed
        self.size = size

    def identity(self, i: int) -> Identity:
        """Identity ``i``, independent of how many identities the set has."""
        if not 0 <= i < self.n_identities:
            raise IndexError(f"identity {i} out of range for {self.n_identities} identities")
        return random_identity(np.random.default_rng([self.seed, i]))

    def image(self, i: int, expression: str) -> np.ndarray:
        """Identity ``i`` drawn with ``expression``: an RGB uint8 (size, size, 3) array."""
        return draw_face(self.identity(i), expression, self.size)

    def __len__(self) -> int:
        return self.n_identities * len(FACE_EXPRESSIONS)

    def __getitem__(self, k: int) -> tuple[np.ndarray, int, int]:
        if k < 0:
            k += len(self)
        if not 0 <= k < len(self):
            raise IndexError(f"index {k} out of range for {len(self)} images")
        i, e = divmod(k, len(FACE_EXPRESSIONS))
        return self.image(i, FACE_EXPRESSIONS[e]), e, i

    def __repr__(self) -> str:
        return f"SynthFaces(n_identities={self.n_identities}, seed={self.seed}, size={self.size})"
