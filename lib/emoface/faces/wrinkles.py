"""Erase the old expression's wrinkles from the photo, where the new expression has none.

The generator sees a face at 64 pixels. A surprised forehead's lines, a smile's crow's feet and the
nose bridge's lines of disgust are one or two pixels wide in a blog photo, all but gone at 64²: the
generator never sees them, its change there is ~0, and the paste (:mod:`emoface.faces.paste`) keeps the
photo's own sharp pixels, so they stay under any new expression (docs/stargan.md: a ghost that G's
training terms and three refiners aimed at it did not remove). They are, though, *where the source
expression draws them*: this module erases thin dark lines there, at the photo's resolution.

* **Where** (:class:`WrinkleMap`): for each expression, the share of SynthFaces training people whose face, in the
  generator's crop, has a wrinkle (and, apart, a fold) at each pixel. :func:`erase_region` takes the source's
  wrinkles, grown by :data:`GROW` pixels at 64², less where the target draws wrinkles of its own (an angry face's
  lower lids: a smile's crow's feet beside them go, the lines under the eyes stay). The target's other lines
  (brows, mouth) need no such care: the generator draws them, so the gates below keep them.
* **What** (:func:`erase_thin_lines`): a grey-level *closing* (dilate, then erode) with a disc about
  :data:`DISC` pixels of the 64² crop wide fills every dark line narrower than the disc, and an *opening*
  after it flattens every pale one (the highlight beside a drawn crease); broad shading stays as it is.
  The fill is used only where the line is faint (at most :data:`FAINT` levels deep under the fill; not
  at all from :data:`DARK`: lashes, a brow's edge, a dark frame) but deeper than the skin's grain
  (:data:`GRAIN`), and where the edited 64² face has no dark line of its own (:data:`SEEN_AT_64`: the
  generator draws a glasses frame, which it sees, and cannot draw a wrinkle, which it does not). A line the
  edited face shows only faintly counts as drawn only where it is long in the photo (:data:`LONG_LINE`, a frame's
  arm): where its mask keeps the photo, the generator copies a smile's crow's feet faintly too
  (:data:`DRAWN_STRONG`). A line it draws deep (an eye, a dark frame) spares the photo's lines a pixel round it only
  where they reach into it: the photo's own eye, a pixel off, is kept whole; a crow's foot or a smile's lower-lid
  line that only comes near is erased.
* **The deep ones** (:func:`deep_region`): a sneer's lines across the nose bridge are drawn as deep as a lash
  (0.55× the skin: ~90 levels on a light skin), so the erase above left them, and the generator, which sees them,
  copies them at 64² (on a dark skin its equalised copy is deep enough to pass :data:`DRAWN_STRONG`). Inside the
  region where the source draws them, lines are filled up to :data:`DEEP_FAINT` / :data:`DEEP_DARK` levels and a
  line the edited face shows is kept only if it is as wide as a glasses frame (:data:`DEEP_WIDE_LINE`); the engine
  then lets the generator redraw the face with them erased (:class:`~emoface.engines.stargan.StarGanEngine`), so
  that it neither copies nor smears them (docs/stargan.md).

* **The folds** (:func:`fold_region`, :func:`erase_sharp_part`): a smile's nose-to-mouth folds, unlike its
  wrinkles, are wide enough for the generator to see, and it takes them away at 64². But its change is the small
  face's blurred fold: on a dark skin, where a fold is a faint line, the change there stays under the thresholds
  that paste the edited face itself (:data:`~emoface.faces.paste.MOVED`,
  :data:`~emoface.faces.paste.LOST_DETAIL`), and the photo's sharp fold stayed, a smile's outline under a new
  expression. There the photo loses only the part of its fold that a 64² face cannot hold (the erase above, less
  its own 64² version); what the small face shows of it stays for the generator's change to take away or keep.
  Erased in full, the fold and the change's brightening both went and left a pale arc; for the wrinkles, which the
  generator never saw, the full erase stays (``StarGanEngine.soften_folds``; measured in docs/stargan.md).

The map is a prior of SynthFaces' framing (the Haar crop with :data:`~emoface.stargan.synth_pairs.HAAR_MARGIN`),
so the StarGAN engine uses it only for generators trained on SynthFaces. ``scripts/make_wrinkle_map.py``
draws it from training people; the package ships it (``assets/wrinkle_map.npz``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import cv2
import numpy as np

from ..atomic import atomic_write
from .luma import luma

#: A pixel counts as an expression's wrinkle where at least this share of its map's peak is.
LEVEL = 0.05
#: How far (pixels at 64²) the source's wrinkles are grown (each person's lie a little apart). The target's own are
#: not grown: grown by as much, an angry target's lower lids kept a smile's crow's feet beside them.
GROW = 2
#: The erased region's soft edge (Gaussian σ, pixels at 64²).
SOFTEN = 1.5
#: Width of the closing's disc, in pixels of the 64² crop (a line narrower than this is filled).
DISC = 2.0
#: A line at most this deep under the fill (8-bit brightness levels) is erased in full, one this deep or
#: deeper not at all, linearly between: a wrinkle is 20-45 levels deep, an eye's lashes or a frame 70-150.
FAINT, DARK = 35.0, 65.0
#: Detail shallower than this (levels) is grain, not a line: left alone, in full from twice this depth. (Filled,
#: a scene's faint sensor noise went too, which brightened the skin by ~2.5 levels and took the edit further from
#: the true face: L1 / input +0.009 on ten tuning people, where with it −0.003.)
GRAIN = 6.0
#: The parts of :func:`~emoface.datasets.synth.render.expression_lines` the map holds apart as folds: the cheeks'
#: nose-to-mouth folds (and a smile's dimples), which the generator sees, unlike the wrinkles.
FOLD_PARTS = ("cheeks",)
#: Where the edited 64² face has a dark line this deep (levels under its 3×3 closing), nothing is erased, nor a
#: pixel either side (a frame at 64² lies within a pixel of the photo's). Tried against this on fresh people and
#: kept (docs/stargan.md): the gate not grown, with a test of the skin's hue to keep frames instead.
SEEN_AT_64 = 10.0
#: ... unless that line is under this deep (levels) there and, in the photo, short: a faint line connected over no more
#: than :data:`LONG_LINE` pixels of a 64² crop. The generator copies a smile's crow's feet where its mask keeps the
#: photo, faintly; it draws eyes, lashes and dark frames deeper, and a faint frame's arm is long (docs/stargan.md).
#: A pixel round a line drawn this deep, only the photo's lines that reach into it are kept (:func:`_drawn_strong`).
DRAWN_STRONG = 30.0
LONG_LINE = 12.0
#: The parts of :func:`~emoface.datasets.synth.render.expression_lines` the map holds apart as *deep* wrinkles: a
#: sneer's bridge lines, drawn at 0.55× the skin where the other wrinkles are drawn at 0.7-0.8×.
DEEP_PARTS = ("nose_wrinkles",)
#: Inside :func:`deep_region`, the erase's :data:`FAINT` and :data:`DARK` (levels): a light skin's bridge lines are
#: 60-85 levels deep under the fill, a lash on a light skin 150 or more.
DEEP_FAINT, DEEP_DARK = 100.0, 160.0
#: ... and a line the edited face shows is kept there only if it is this wide (pixels of the 64² crop, across the
#: face): a glasses frame, rims and bridge, spans 20-50; the bridge lines, with the nose's faint side line that one of
#: them touches and that runs on to the nostril, are a nose wide (7-9), though as long as a frame's arm.
DEEP_WIDE_LINE = 16.0


@dataclass(frozen=True)
class WrinkleMap:
    """``wrinkles`` (C, S, S) float32 in [0, 1]: for each expression of ``classes``, the share of the training
    people (``record``) whose crop draws a wrinkle at each pixel; ``folds`` and ``deep`` the same for the folds and
    for the deep wrinkles (:data:`DEEP_PARTS`, among ``wrinkles`` too)."""

    classes: tuple[str, ...]
    wrinkles: np.ndarray
    record: dict
    #: (C, S, S): the same for the nose-to-mouth folds (:data:`FOLD_PARTS`), which the generator sees.
    folds: np.ndarray
    #: (C, S, S): the same for the deep wrinkles (:data:`DEEP_PARTS`), which the erase fills deeper.
    deep: np.ndarray

    def __post_init__(self) -> None:
        for name, shares in (("wrinkles", self.wrinkles), ("folds", self.folds), ("deep", self.deep)):
            if shares.ndim != 3 or len(shares) != len(self.classes) or shares.shape != self.wrinkles.shape:
                raise ValueError(f"a wrinkle map holds (classes, S, S) {name} for {len(self.classes)} classes; got "
                                 f"{shares.shape}")


def draw_wrinkle_map(people: range, size: int = 64, seed: int = 0, workers: int | None = None,
                     progress: bool = True) -> WrinkleMap:
    """The map of SynthFaces ``people`` (training identities of ``seed``) in each expression, at ``size``²: each face
    drawn as it is and without each kind of line, ~30 s for 200 people on 2 cores."""
    from ..labels import FACE_EXPRESSIONS
    from ..parallel import ordered_map

    if len(people) < 1:
        raise ValueError("need at least one person to draw a wrinkle map")
    drawn = np.stack(list(ordered_map(_person_lines, [(seed, i, size) for i in people], workers=workers,
                                      desc="wrinkle map", unit="person", progress=progress)))
    record = {"people": f"{people.start}-{people.stop - 1}", "seed": seed, "size": size, "data": "SynthFaces"}
    shares = drawn.mean(0, dtype=np.float32)
    return WrinkleMap(FACE_EXPRESSIONS, shares[:, 0], record, folds=shares[:, 1], deep=shares[:, 2])


def _person_lines(job: tuple[int, int, int]) -> np.ndarray:
    """bool (C, 3, S, S): one person's wrinkles, folds and deep wrinkles in each expression."""
    from ..datasets.synth import WRINKLE_PARTS, expression_lines, random_identity
    from ..labels import FACE_EXPRESSIONS

    seed, index, size = job
    identity = random_identity(np.random.default_rng([seed, index]))  # as SynthFaces.identity does
    return np.stack([[expression_lines(identity, e, size, parts=parts)
                      for parts in (WRINKLE_PARTS, FOLD_PARTS, DEEP_PARTS)] for e in FACE_EXPRESSIONS])


def shipped_wrinkle_map_path() -> Path:
    return Path(str(files("emoface.assets").joinpath("wrinkle_map.npz")))


def save_wrinkle_map(path: str | Path, wrinkle_map: WrinkleMap) -> Path:
    """Write ``wrinkle_map`` to ``path`` (.npz, atomically)."""
    arrays = {"classes": np.array(wrinkle_map.classes), "wrinkles": wrinkle_map.wrinkles.astype(np.float32),
              "folds": wrinkle_map.folds.astype(np.float32), "deep": wrinkle_map.deep.astype(np.float32),
              "record": np.array(json.dumps(wrinkle_map.record))}
    return atomic_write(path, lambda handle: np.savez_compressed(handle, **arrays))


def load_wrinkle_map(path: str | Path | None = None) -> WrinkleMap:
    """The map at ``path`` (default: the shipped one)."""
    path = Path(path) if path is not None else shipped_wrinkle_map_path()
    try:
        with np.load(path, allow_pickle=False) as data:
            return WrinkleMap(tuple(str(c) for c in data["classes"]), data["wrinkles"].astype(np.float32),
                              json.loads(str(data["record"])), folds=data["folds"].astype(np.float32),
                              deep=data["deep"].astype(np.float32))
    except (OSError, KeyError, ValueError) as error:
        raise ValueError(f"{path} is not a wrinkle map ({error}); make one with scripts/make_wrinkle_map.py") from None


def erase_region(wrinkle_map: WrinkleMap, source: str, target: str) -> np.ndarray:
    """(S, S) float32 in [0, 1]: where a face read as ``source`` and redrawn as ``target`` should lose its thin
    lines: the source's wrinkles, grown, less the target's own; soft-edged. All 0 for the same expression."""
    return _lost(wrinkle_map, wrinkle_map.wrinkles, source, target)


def fold_region(wrinkle_map: WrinkleMap, source: str, target: str) -> np.ndarray:
    """As :func:`erase_region` for the folds: the source's, grown, less the target's own (:func:`erase_sharp_part`)."""
    return _lost(wrinkle_map, wrinkle_map.folds, source, target)


def deep_region(wrinkle_map: WrinkleMap, source: str, target: str) -> np.ndarray:
    """As :func:`erase_region` for the deep wrinkles (:data:`DEEP_PARTS`): where :func:`erase_thin_lines` fills
    deeper lines (its ``deep``)."""
    return _lost(wrinkle_map, wrinkle_map.deep, source, target)


def _lost(wrinkle_map: WrinkleMap, shares: np.ndarray, source: str, target: str) -> np.ndarray:
    index = {name: i for i, name in enumerate(wrinkle_map.classes)}
    for name in (source, target):
        if name not in index:
            raise ValueError(f"unknown expression {name!r}; the wrinkle map knows {', '.join(wrinkle_map.classes)}")
    size = shares.shape[-1]
    if source == target:
        return np.zeros((size, size), np.float32)
    scale = size / 64
    grow = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * round(GROW * scale) + 1,) * 2)
    old = cv2.dilate(_present(shares[index[source]]), grow)
    return cv2.GaussianBlur(old * (1 - _present(shares[index[target]])), (0, 0), SOFTEN * scale)


def erase_thin_lines(region: np.ndarray, where: np.ndarray, edited_face: np.ndarray,
                     short_copies: bool = True, deep: np.ndarray | None = None) -> np.ndarray:
    """``region`` (h×w×3 float levels, the photo's crop) with its faint thin dark lines filled in ``where`` (any
    square size, [0, 1], resized to the crop), except where ``edited_face`` (the generator's square output,
    uint8 RGB) draws a dark line itself. Thin pale lines there are flattened too (a crease's highlight).
    ``short_copies``: a line the edited face shows only faintly (under :data:`DRAWN_STRONG` levels) is erased
    anyway unless it is part of a long faint line in the photo (:data:`LONG_LINE`; a frame's arm): a crow's foot
    the generator copied where its mask kept the photo. ``deep`` (as ``where``; :func:`deep_region`): where lines
    are filled up to :data:`DEEP_FAINT` / :data:`DEEP_DARK` levels deep and a line the edited face shows is kept only
    if it is wide (:data:`DEEP_WIDE_LINE`, a frame): a sneer's bridge lines, which the generator copies deep.
    Returns a new array."""
    height, width = region.shape[:2]
    weight = cv2.resize(where.astype(np.float32), (width, height), interpolation=cv2.INTER_LINEAR)
    if not weight.any():
        return region.copy()
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (max(3, int(round(DISC * width / 64)) // 2 * 2 + 1),) * 2)
    # closing fills the thin dark lines; opening then flattens the thin pale ones (a drawn crease's highlight)
    filled = cv2.morphologyEx(cv2.morphologyEx(region, cv2.MORPH_CLOSE, disc), cv2.MORPH_OPEN, disc)
    depth = np.abs(luma(filled - region))
    deeper = (np.zeros((height, width), np.float32) if deep is None
              else cv2.resize(deep.astype(np.float32), (width, height), interpolation=cv2.INTER_LINEAR))
    full, none = FAINT + deeper * (DEEP_FAINT - FAINT), DARK + deeper * (DEEP_DARK - DARK)
    faint = np.clip((none - depth) / (none - full), 0.0, 1.0) * np.clip(depth / GRAIN - 1.0, 0.0, 1.0)
    small = luma(edited_face)
    drawn = cv2.morphologyEx(small, cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8)) - small
    kept = _drawn_near(drawn, SEEN_AT_64, (width, height))
    if short_copies:
        strong = _drawn_strong(drawn, depth, (width, height)) * (1 - deeper)
        kept = np.maximum(kept * _long_lines(depth, width, none, deeper > 0.5), strong)
    return region + (weight * faint * (1 - kept))[:, :, None] * (filled - region)


def _drawn_near(drawn: np.ndarray, level: float, size: tuple[int, int]) -> np.ndarray:
    """[0, 1] at ``size``: 1 within a pixel (at the small face's size) of where ``drawn`` reaches ``level``."""
    far = cv2.erode((drawn < level).astype(np.float32), np.ones((3, 3), np.uint8))
    return 1 - cv2.resize(far, size, interpolation=cv2.INTER_LINEAR)


def _drawn_strong(drawn: np.ndarray, depth: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """[0, 1] at ``size``: where ``drawn`` reaches :data:`DRAWN_STRONG`, and, within a pixel of it at the small face's
    size, the photo's lines (``depth`` at least 2 × :data:`GRAIN`) that reach into it: the photo's eye or frame, a
    pixel off the generator's, is kept whole; a crow's foot or a smile's lower-lid line that only comes near is not."""
    core = cv2.resize((drawn >= DRAWN_STRONG).astype(np.float32), size, interpolation=cv2.INTER_LINEAR)
    count, labels = cv2.connectedComponents((depth >= 2 * GRAIN).astype(np.uint8), connectivity=8)
    touching = np.zeros(count, bool)
    touching[labels[core > 0.5]] = True
    touching[0] = False  # the background
    near = cv2.dilate(touching[labels].astype(np.uint8), np.ones((3, 3), np.uint8)).astype(np.float32)
    return np.maximum(core, _drawn_near(drawn, DRAWN_STRONG, size) * near)


def _long_lines(depth: np.ndarray, width: int, dark: np.ndarray, deep: np.ndarray) -> np.ndarray:
    """1 on the photo's faint thin lines (2 × :data:`GRAIN` to ``dark`` deep, per pixel) that are connected over more
    than :data:`LONG_LINE` pixels of a 64² crop (their box's diagonal) — where ``deep`` (bool) is true, over more
    than :data:`DEEP_WIDE_LINE` across the face — and a pixel round them; else 0."""
    lines = ((depth >= 2 * GRAIN) & (depth < dark)).astype(np.uint8)
    _, labels, stats, _ = cv2.connectedComponentsWithStats(lines, connectivity=8)
    across = stats[:, cv2.CC_STAT_WIDTH] * 64 / width
    long = np.hypot(across, stats[:, cv2.CC_STAT_HEIGHT] * 64 / width) > LONG_LINE
    wide = across > DEEP_WIDE_LINE
    long[0] = wide[0] = False  # the background
    kept = np.where(deep, wide[labels], long[labels])
    return cv2.dilate(kept.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(np.float32)


def erase_sharp_part(region: np.ndarray, where: np.ndarray, edited_face: np.ndarray) -> np.ndarray:
    """:func:`erase_thin_lines`, less what the erase takes away at the generator's size (``edited_face``'s): the
    photo's lines in ``where`` become as soft as the small face's, whose change then takes them away or keeps them.
    Returns a new array."""
    height, width = region.shape[:2]
    erased = erase_thin_lines(region, where, edited_face, short_copies=False) - region
    side = edited_face.shape[0]
    seen = cv2.resize(cv2.resize(erased, (side, side), interpolation=cv2.INTER_AREA), (width, height),
                      interpolation=cv2.INTER_CUBIC)  # as the paste upsamples the change
    return region + erased - seen


def _present(share: np.ndarray) -> np.ndarray:
    """1 where ``share`` reaches :data:`LEVEL` of its peak (a map that is 0 everywhere: nowhere)."""
    peak = float(share.max())
    return (share >= LEVEL * peak).astype(np.float32) if peak > 0 else np.zeros_like(share, np.float32)
