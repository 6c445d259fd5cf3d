"""The pipeline's own StarGAN edits of SynthFaces *scenes*, graded against the scene drawn in the target.

``stargan.evaluate`` grades the generator on aligned 64×64 faces. A blog user's photo goes further:
the engine cuts the face out of a scene around the Haar box, the generator edits it, and the change is
pasted back into the full-resolution photo. Each step can lose the expression (a cut framed unlike the
training faces; a paste that leaves the photo's sharper old brow behind), and none of them shows in
the aligned grading. Here a held-out SynthFaces person's scene (640×480, placed by
:data:`~emoface.stargan.reader.SCENE_SEED`) goes through :meth:`Pipeline.edit_expression` with the StarGAN
engine, and the edited photo is compared with the same scene drawn in the target expression:

* **judge**: the stored SynthFaces judge's reading of the edited photo, cut as the engine cuts it; and its
  reading of the *true* scene cut the same way, the grading's ceiling (the judge learnt on aligned faces:
  it takes about one true neutral scene in seven, cut by the source face's box, for a smile or another
  expression; 15 % over 160 held-out people), with the edits' reading where the judge reads the truth right;
* **scene judge** (when ``assets/synthfaces_scene_judge.pt`` is stored): the same classifier trained on true
  scenes of other people cut this way (:func:`truth_cuts`), on the edit and on the truth: a second reader
  whose ceiling is near 100 %, reported beside the stored judge's, never instead of it;
* **L1 / input**: mean |edited − truth| over |source − truth| inside the crop box (both at 128×128);
* **colour / input**: mean |chroma(edited) − chroma(truth)| over |chroma(source) − chroma(truth)| there (Cr and
  Cb, 8-bit levels): a repaint in the wrong colour (a grey patch where a brown brow was) counts, though its
  brightness is right;
* **lines left**: :func:`~emoface.stargan.evaluate.line_contrast_left` there (the old lines' contrast kept);
* **thin lines left**: at the crop's own resolution, the share of the source's *thin* old lines' contrast kept:
  Σ|hp(edited)| over Σ|hp(source)| where the source has a thin line (|hp| ≥ :data:`THIN_LINE` levels) and the
  truth is smooth within a pixel (< :data:`THIN_SMOOTH`). A crow's foot, a nose's line or a faint fold is one
  or two pixels wide there and all but gone at 128²: "lines left" counts them little, this counts them as the
  eye sees them; **map lines left**, the same inside the region where the source expression draws the wrinkles
  and folds the target does not (the shipped :mod:`~emoface.faces.wrinkles` map, grown, in the engine's crop):
  the ghosts that map is for, apart from the old mouth and brows;
* **detail error**: at the crop's own resolution (200–300 px, what a blog shows), mean |hp(edited) − hp(truth)|
  over mean |hp(source) − hp(truth)|, hp the brightness's 3×3 high-pass: 1 for the unchanged photo, 0 for an
  edit as crisp as the truth. A soft new brow scores as badly as a ghost of the old one; at 128 px, where
  the other numbers are taken, neither shows much. But it compares pixel by pixel: a crisp brow a pixel or
  two from the truth's counts twice, a soft one once, so it cannot tell a sharper edit from a truer one;
* **crispness**: how crisp the *new* features are, with 2 pixels' leeway. Where the truth has an edge that
  the source has not within 2 px (inside the region the expression moved), the edit's strongest edge within
  2 px, as a share of the truth's (capped at 1), weighted by that new edge's strength: 1 for the truth, about
  0.25 for the unchanged photo (its old edges lie near a few new ones), lower for a soft paste.

Measured in docs/stargan.md (``scripts/evaluate_pipeline_scenes.py``).
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Iterator

import cv2
import numpy as np
import torch

from . import scene_oracle
from .datasets.synth.canvas import luma as colour_luma
from .engines.stargan import EQUALIZATION, training_margin
from .faces.detect import Box, cut, resize_square
from .faces.equalize import equalize
from .faces.wrinkles import WrinkleMap, erase_region, fold_region, load_wrinkle_map
from .labels import FACE_EXPRESSIONS
from .stargan.evaluate import line_contrast_left
from .stargan.figures import to_tensor
from .stargan.judge_file import judge_for, shipped_scene_judge_path
from .stargan.reader import person_identity, person_scenes

if TYPE_CHECKING:
    from .pipeline import EditResult, Pipeline

#: The source expressions edited: a face with no expression and the three whose features must be erased.
SCENE_SOURCES = ("neutral", "happiness", "surprise", "anger")
#: Side at which the crop of the edited photo is compared with the truth's.
COMPARE_SIDE = 128
#: Brightness change (levels) between the source and target scenes that marks the region an expression moves.
MOVED_LEVEL = 20.0
#: How far (pixels, at full size) a new feature's edge may lie from the truth's and still count as it.
EDGE_LEEWAY = 2
#: A source pixel whose 3×3 high-pass brightness reaches this (levels, full size) lies on a thin line; the truth
#: counts as smooth there where its own stays under :data:`THIN_SMOOTH` within a pixel (for "thin lines left").
THIN_LINE, THIN_SMOOTH = 6.0, 2.0


@dataclass(frozen=True)
class SceneScores:
    """What the pipeline's edits of scenes came to (see the module docstring)."""

    edits: int
    judge: dict[str, float]  # per target: share of edited photos the judge reads as the target
    judge_on_truth: dict[str, float]  # the same for the true scenes, cut the same way: the grading's ceiling
    judge_where_truth_reads: dict[str, float]  # share of edits read right among those whose truth is read right
    l1_ratio: float
    lines_left: float
    detail_error: float
    crispness: float
    colour_ratio: float
    thin_lines_left: float = float("nan")  # at the crop's own size (see the module docstring)
    map_lines_left: float = float("nan")  # the same inside the old expression's wrinkles and folds
    scene_judge: dict[str, float] | None = None  # the scene judge's reading of the edited photos (None: not stored)
    scene_judge_on_truth: dict[str, float] | None = None  # ... and of the true scenes

    def table(self) -> str:
        """A Markdown table: one row per target, then the means."""
        columns = (self.judge, self.judge_on_truth, self.judge_where_truth_reads)
        header = "| target | judge on the edited photo | on the true scene | on the edit, where it reads the truth |"
        if self.scene_judge is not None:
            columns += (self.scene_judge, self.scene_judge_on_truth)
            header += " scene judge on the edit | on the true scene |"
        rows = [header, "|---|" + "---:|" * len(columns)]
        rows += [f"| {target} | " + " | ".join(f"{100 * column[target]:.1f} %" for column in columns) + " |"
                 for target in self.judge]
        rows.append("| **mean** | " + " | ".join(f"{100 * np.mean(list(column.values())):.1f} %" for column in columns)
                    + " |")
        return "\n".join(rows) + (f"\n\n{self.edits} edits; L1 to the true scene {self.l1_ratio:.3f}× the unchanged "
                                  f"photo's; old lines' contrast left {self.lines_left:.3f} "
                                  f"(thin lines at full size {self.thin_lines_left:.3f}, in the old "
                                  f"wrinkles and folds {self.map_lines_left:.3f}); "
                                  f"fine-detail error at full size {self.detail_error:.3f}× the unchanged photo's; "
                                  f"crispness of the new features {self.crispness:.3f}; "
                                  f"colour error {self.colour_ratio:.3f}× the unchanged photo's")


def grade_scenes(pipeline: Pipeline, people: Iterable[int], sources: tuple[str, ...] = SCENE_SOURCES,
                 truth_painted: bool = False) -> SceneScores:
    """Edit each person's scene in each of ``sources`` into every other expression with ``pipeline``'s
    StarGAN engine and grade the photos (a SynthFaces generator of the seven expressions). With
    ``truth_painted`` the true face is painted in G's place (:mod:`~emoface.scene_oracle`): what a perfect
    generator of the engine's size would score."""
    if tuple(pipeline.classes) != FACE_EXPRESSIONS:
        raise ValueError("scenes are graded in the seven face expressions; this generator draws "
                         f"{', '.join(pipeline.classes)}")
    found = judge_for(FACE_EXPRESSIONS, pipeline.size)
    if found is None:
        raise ValueError(f"the stored judge does not read {pipeline.size}×{pipeline.size} faces")
    judge = found[0]
    scene_judge = _scene_judge(pipeline.size)
    margin = training_margin(pipeline.generator_info, pipeline.detector.margin)
    # per target: edits read right, truths read right, both, all; the scene judge's edits and truths read right
    right = {target: np.zeros(6) for target in FACE_EXPRESSIONS}
    sums = np.zeros(14)  # the numerators and denominators of the seven picture numbers (_picture_sums)
    wrinkle_map = load_wrinkle_map()  # the shipped one, whether or not the engine erases by it
    for made in scene_edits(pipeline, people, sources, truth_painted):
        sums += _picture_sums(made, wrinkle_map)
        target = FACE_EXPRESSIONS.index(made.target)
        faces = [_cut(pipeline, photo, made.haar, margin) for photo in (made.result.photo, made.scenes[made.target])]
        edit_right, truth_right = (_read(judge, face) == target for face in faces)
        scene_right = [scene_judge is not None and _read(scene_judge, face) == target for face in faces]
        right[made.target] += np.array([edit_right, truth_right, edit_right and truth_right, 1, *scene_right])
    edits = int(sum(counts[3] for counts in right.values()))
    if edits == 0:
        raise ValueError("the cascade found no face in any scene")
    share = lambda part, whole: float(part / whole) if whole else float("nan")
    shares = lambda column, whole=3: {t: share(c[column], c[whole]) for t, c in right.items()}
    return SceneScores(edits=edits, judge=shares(0), judge_on_truth=shares(1), judge_where_truth_reads=shares(2, 1),
                       l1_ratio=share(sums[0], sums[1]), lines_left=share(sums[2], sums[3]),
                       detail_error=share(sums[4], sums[5]), crispness=share(sums[6], sums[7]),
                       colour_ratio=share(sums[8], sums[9]), thin_lines_left=share(sums[10], sums[11]),
                       map_lines_left=share(sums[12], sums[13]),
                       scene_judge=shares(4) if scene_judge is not None else None,
                       scene_judge_on_truth=shares(5) if scene_judge is not None else None)


def skin_tone_thirds(people: Iterable[int]) -> list[list[int]]:
    """``people`` split into three groups by the brightness (BT.601 luma) of their skin colour, darkest first,
    each in the given order: to grade the edits on every skin. G drew the new features of darker-skinned
    people weaker (docs/stargan.md), which a grading over everyone averages away."""
    people = list(people)
    if len(people) < 3:
        raise ValueError(f"need at least 3 people to split into thirds by skin tone, got {len(people)}")
    order = np.argsort([colour_luma(person_identity(number).skin) for number in people], kind="stable")
    return [[people[i] for i in sorted(part)] for part in np.array_split(order, 3)]


def truth_cuts(pipeline: Pipeline, people: Iterable[int],
               sources: tuple[str, ...] = SCENE_SOURCES) -> tuple[torch.Tensor, torch.Tensor]:
    """Each person's true scene in every expression cut by each source scene's Haar box, as :func:`grade_scenes`
    cuts the photos it reads, equalised: (N, 3, S, S) uint8 and labels (N,), what the scene judge learns from
    (a scene whose face the cascade misses gives nothing, as it gives no edits)."""
    margin = training_margin(pipeline.generator_info, pipeline.detector.margin)
    faces, labels = [], []
    for scenes, _, haar in _framed_scenes(pipeline, people, sources):
        for label, expression in enumerate(FACE_EXPRESSIONS):
            faces.append(_cut(pipeline, scenes[expression], haar, margin))
            labels.append(label)
    if not faces:
        raise ValueError("the cascade found no face in any scene")
    return torch.from_numpy(np.stack(faces)).permute(0, 3, 1, 2).contiguous(), torch.tensor(labels)


def _picture_sums(made: SceneEdit, wrinkle_map: WrinkleMap) -> np.ndarray:
    """One edit's contributions, as (numerator, denominator) pairs, to the L1 ratio (at :data:`COMPARE_SIDE`),
    the lines left, the fine-detail error and the crispness (at the crop's own size), the colour error (at
    :data:`COMPARE_SIDE`) and the thin lines left, everywhere and in ``wrinkle_map``'s region for the edit (at the
    crop's own size)."""
    crops = [cut(image, made.result.crop_box) for image in
             (made.result.photo, made.scenes[made.source], made.scenes[made.target])]
    small = [resize_square(crop, COMPARE_SIDE) for crop in crops]
    edit, before, truth = (_compared(crop) for crop in small)
    edit_hp, before_hp, truth_hp = (_detail(crop) for crop in crops)
    return np.array([float((edit - truth).abs().mean()), float((before - truth).abs().mean()),
                     *line_contrast_left(edit, before, truth),
                     float(np.abs(edit_hp - truth_hp).mean()), float(np.abs(before_hp - truth_hp).mean()),
                     *_new_edges_matched(crops[1], crops[2], edit_hp, before_hp, truth_hp),
                     *_colour_error(*small), *_thin_lines_kept(edit_hp, before_hp, truth_hp),
                     *_thin_lines_kept(edit_hp, before_hp, truth_hp, _old_lines_region(wrinkle_map, made))])


def _thin_lines_kept(edit_hp: np.ndarray, before_hp: np.ndarray, truth_hp: np.ndarray,
                     inside: np.ndarray | None = None) -> tuple[float, float]:
    """For "thin lines left": (Σ|hp(edit)|, Σ|hp(source)|) over the source's thin lines where the truth is smooth
    (and ``inside`` is true, when given)."""
    smooth = cv2.dilate(np.abs(truth_hp), np.ones((3, 3), np.uint8)) < THIN_SMOOTH
    old = (np.abs(before_hp) >= THIN_LINE) & smooth & (True if inside is None else inside)
    return float(np.abs(edit_hp)[old].sum()), float(np.abs(before_hp)[old].sum())


def _old_lines_region(wrinkle_map: WrinkleMap, made: SceneEdit) -> np.ndarray:
    """bool, at the crop box's size: where the edit's (true) source expression draws wrinkles or folds that its
    target does not, by ``wrinkle_map`` (grown as the erase grows them)."""
    where = np.maximum(erase_region(wrinkle_map, made.source, made.target),
                       fold_region(wrinkle_map, made.source, made.target))
    box = made.result.crop_box
    return cv2.resize(where, (box.w, box.h), interpolation=cv2.INTER_LINEAR) > 0.5


def _cut(pipeline: Pipeline, photo: np.ndarray, haar: Box, margin: float) -> np.ndarray:
    """The face in ``photo`` under the Haar box ``haar``, cut and equalised as the engine does."""
    return equalize(pipeline.detector.crop_at(photo, haar, pipeline.size, margin=margin).face, EQUALIZATION)


def _read(judge: torch.nn.Module, face: np.ndarray) -> int:
    with torch.no_grad():
        return int(judge(to_tensor(face)).argmax(1).item())


def _scene_judge(size: int) -> torch.nn.Module | None:
    """The stored scene judge if there is one that reads the seven expressions at ``size``."""
    path = shipped_scene_judge_path()
    found = judge_for(FACE_EXPRESSIONS, size, path) if path.is_file() else None
    return found[0] if found is not None else None


@dataclass(frozen=True)
class SceneEdit:
    """One edit of a person's scene by the pipeline: every scene of the person (by expression), the source
    and target expressions, the pipeline's result and the cascade's box of the source scene's face."""

    scenes: dict[str, np.ndarray]
    source: str
    target: str
    result: EditResult
    haar: Box


def scene_edits(pipeline: Pipeline, people: Iterable[int], sources: tuple[str, ...] = SCENE_SOURCES,
                truth_painted: bool = False) -> Iterator[SceneEdit]:
    """Each person's scene in each of ``sources`` edited into every other expression by ``pipeline``'s StarGAN
    engine (a scene whose face the cascade misses is skipped), one edit at a time. Each person's scenes
    are drawn by :func:`~emoface.stargan.reader.person_scenes`, the same frame in every expression. With
    ``truth_painted``, the true face in G's place (:func:`~emoface.scene_oracle.truth_painted`)."""
    for scenes, source, haar in _framed_scenes(pipeline, people, sources):
        for target in FACE_EXPRESSIONS:
            if target != source:
                with (scene_oracle.truth_painted(pipeline, scenes[source], scenes[target], target)
                      if truth_painted else nullcontext()):
                    result = pipeline.edit_expression(scenes[source], target, engine="stargan")
                yield SceneEdit(scenes, source, target, result, haar)


def _framed_scenes(pipeline: Pipeline, people: Iterable[int],
                   sources: tuple[str, ...]) -> Iterator[tuple[dict[str, np.ndarray], str, Box]]:
    """(each person's scenes by expression, a source, the cascade's box of the source scene's face), for each
    person and source whose face the cascade finds: what :func:`scene_edits` edits and :func:`truth_cuts` cuts."""
    for number in people:
        scenes = person_scenes(number)
        for source in sources:
            haar = pipeline.detector.detect(scenes[source])
            if haar:
                yield scenes, source, haar[0]


def _detail(crop: np.ndarray) -> np.ndarray:
    """The 3×3 high-pass of ``crop``'s brightness (BT.601 luma, levels), float32 at the crop's size."""
    luma = _luma(crop)
    return luma - cv2.blur(luma, (3, 3), borderType=cv2.BORDER_REPLICATE)


def _luma(crop: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY).astype(np.float32)


def _new_edges_matched(before: np.ndarray, truth: np.ndarray, edit_hp: np.ndarray, before_hp: np.ndarray,
                       truth_hp: np.ndarray) -> tuple[float, float]:
    """For the crispness: (Σ w·min(near|hp(edit)| / |hp(truth)|, 1), Σ w), w = |hp(truth)| − near|hp(source)|
    where positive and inside the moved region (the scenes' brightness differs by > :data:`MOVED_LEVEL`,
    grown 3 px); near = the largest within :data:`EDGE_LEEWAY` pixels."""
    edit_hp, before_hp, truth_hp = np.abs(edit_hp), np.abs(before_hp), np.abs(truth_hp)
    moved = np.abs(_luma(truth) - _luma(before)) > MOVED_LEVEL
    moved = cv2.dilate(moved.astype(np.uint8), np.ones((7, 7), np.uint8)) > 0
    window = np.ones((2 * EDGE_LEEWAY + 1, 2 * EDGE_LEEWAY + 1), np.uint8)
    new = np.maximum(truth_hp - cv2.dilate(before_hp, window), 0) * moved
    matched = np.minimum(cv2.dilate(edit_hp, window) / np.maximum(truth_hp, 1e-6), 1.0)
    return float((new * matched).sum()), float(new.sum())


def _colour_error(edit: np.ndarray, before: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    """(mean |chroma(edit) − chroma(truth)|, the same for ``before``), crops at :data:`COMPARE_SIDE` (Cr, Cb levels)."""
    chroma = lambda crop: cv2.cvtColor(crop, cv2.COLOR_RGB2YCrCb)[:, :, 1:].astype(float)
    edit, before, truth = chroma(edit), chroma(before), chroma(truth)
    return float(np.abs(edit - truth).mean()), float(np.abs(before - truth).mean())


def _compared(crop: np.ndarray) -> torch.Tensor:
    """``crop`` (already at :data:`COMPARE_SIDE`) as (1, 3, S, S) in [-1, 1]."""
    return torch.from_numpy(crop).permute(2, 0, 1)[None].float() / 127.5 - 1
