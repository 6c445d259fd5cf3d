"""Who is drawn and how the shot is taken: :class:`Identity`, and :func:`random_identity` to draw one.

An identity is everything an expression must *not* change (face shape, skin, hair, eyes, glasses,
beard, clothes, wall, pose, light): a frozen record of plain values, so it serialises to JSON and two
expressions of one identity differ only where the face moves.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .canvas import Color, luma, mix, scale

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
    hair_color = scale(hair_color, rng.uniform(0.85, 1.15))
    brow_color = mix(hair_color, (25, 18, 15), 0.45)
    if luma(brow_color) > 0.55 * luma(skin):
        brow_color = scale(brow_color, 0.55 * luma(skin) / max(luma(brow_color), 1.0))

    lip_base = mix(skin, (190, 80, 85), 0.2 if dark_skin else 0.45)
    lip_color = mix(scale(lip_base, 0.88), scale(lip_base, 0.75), rng.uniform(0, 1))

    beard = bool(rng.uniform() < (0.12 if hair_style == "long" else 0.25))
    moustache = bool(rng.uniform() < (0.7 if beard else 0.12))
    bg_top = _muted_color(rng, 90, 225, 0.35)
    bg_bottom = scale(bg_top, rng.uniform(0.75, 1.05))
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
