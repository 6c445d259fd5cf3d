"""The renderers: every part back to front, then the light, as a training crop or as a video frame.

* :func:`draw_face` gives the 128x128 training crop, framed like a Haar-cascade detection with a
  small margin (what the real pipeline feeds the GAN);
* :func:`draw_scene` gives a 640x480 "video frame" (face, neck, shoulders, plain wall) in which
  OpenCV's stock Haar cascade finds the face, so the detection lesson also runs offline;
* :class:`SynthFaces` is the indexable set: ``n_identities`` people in the seven expressions.
"""

from __future__ import annotations

from functools import partial

import cv2
import numpy as np

from ...labels import FACE_EXPRESSIONS
from .accessories import draw_beard, draw_glasses
from .canvas import CROP_MARGIN, FACE_BOX, Canvas
from .expressions import ExpressionShape, shape_of
from .eyes import draw_brows, draw_eyes, draw_forehead
from .head import draw_background, draw_body, draw_ears, draw_hair, draw_hair_back, draw_head
from .identity import Identity, random_identity
from .light import apply_light
from .mouth import draw_cheeks, draw_chin, draw_mouth
from .nose import draw_nose


#: The parts that draw the lines an expression is read from and a generator must redraw: the brows and
#: the furrows between them, the nose-to-mouth folds, the lips, the mouth's inside and the smile's
#: dimples. Not the eyes (an eye behind a lens is detail a 64-pixel G draws as dirt), the forehead's
#: lines or the chin's crease (:func:`expression_lines`).
EXPRESSION_LINE_PARTS = ("brows", "cheeks", "mouth")
#: The expression's wrinkles: the forehead's lines (AU1+2), the nose bridge's (AU9), and the bulge under the eye
#: with the crow's feet (AU6/7). Thin lines a 64-pixel G kept under a new expression, whose sharp originals the
#: paste then kept from the photo (docs/stargan.md); :func:`expression_lines` masks them when asked.
WRINKLE_PARTS = ("forehead", "nose_wrinkles", "eye_wrinkles")


def _draw_person(cv: Canvas, ident: Identity, shape: ExpressionShape, leave_out: tuple[str, ...] = ()) -> None:
    """All parts, back to front (the light comes after them), less the expression's parts named in
    ``leave_out`` (brows, nose, cheeks, mouth and the :data:`WRINKLE_PARTS`; :func:`expression_lines`). Only
    the middle block sees ``shape``."""
    draw_hair_back(cv, ident)
    draw_body(cv, ident)
    draw_ears(cv, ident)
    draw_head(cv, ident)
    draw_beard(cv, ident)
    if "forehead" not in leave_out:
        draw_forehead(cv, ident, shape)
    draw_eyes(cv, ident, shape, wrinkles="eye_wrinkles" not in leave_out)
    parts = {"brows": draw_brows, "nose": partial(draw_nose, wrinkles="nose_wrinkles" not in leave_out),
             "cheeks": draw_cheeks, "mouth": draw_mouth}
    for name, draw in parts.items():
        if name not in leave_out:
            draw(cv, ident, shape)
    draw_chin(cv, ident, shape)
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
    return _draw_crop(identity, expression, size)


#: How much a pixel of :func:`draw_face` must change (mean over RGB, 0-255) when the expression's lines are
#: left out to count as one of them: the anti-aliased rim of a line a quarter covered still counts.
LINE_PRESENCE = 6


def expression_lines(identity: Identity, expression: str, size: int = 128,
                     face: np.ndarray | None = None, parts: tuple[str, ...] = EXPRESSION_LINE_PARTS) -> np.ndarray:
    """bool (size, size): the pixels of :func:`draw_face` that the ``parts`` draw, as they show (where hair or
    a glasses frame covers a brow, the frame's pixels are not the brow's). ``face``: that :func:`draw_face`
    picture where the caller has it already (it is not drawn again). ``parts``: the
    :data:`EXPRESSION_LINE_PARTS`, and the :data:`WRINKLE_PARTS` added where a ghost of those is fought too.

    Why: a critic that judges every pixel an expression changes pushes G to draw detail in each, and
    at 64² G drew the eyes behind a lens and the chin's crease as dirt (docs/stargan.md); these masks
    let it judge only the lines people read the expression from.
    """
    with_lines = (_draw_crop(identity, expression, size) if face is None else face).astype(np.int16)
    unknown = set(parts) - set(EXPRESSION_LINE_PARTS + WRINKLE_PARTS)
    if unknown:
        raise ValueError(f"unknown line parts {sorted(unknown)}: choose from {EXPRESSION_LINE_PARTS + WRINKLE_PARTS}")
    without = _draw_crop(identity, expression, size, leave_out=parts).astype(np.int16)
    return np.abs(with_lines - without).mean(axis=2) > LINE_PRESENCE


def _draw_crop(identity: Identity, expression: str, size: int, leave_out: tuple[str, ...] = ()) -> np.ndarray:
    shape = shape_of(expression)
    if size < 32:
        raise ValueError(f"size must be at least 32 pixels to draw a face, got {size}")
    ss = max(2, -(-256 // size))  # supersampling factor
    n = size * ss
    unit = n / ((FACE_BOX[3] - FACE_BOX[1]) * CROP_MARGIN) * identity.scale
    at = (n * (0.5 + identity.offset_x), n * (0.5 + identity.offset_y))
    cv = Canvas.placed(np.empty((n, n, 3), np.uint8), _box_center(), at, unit, identity.roll_deg)
    draw_background(cv, identity)
    _draw_person(cv, identity, shape, leave_out)
    apply_light(cv, identity, step=2 * ss)
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
    shape = shape_of(expression)
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
    apply_light(cv, identity, step=16)
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
