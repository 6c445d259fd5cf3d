"""Training patches for the StarGAN refiner, from pastes of SynthFaces scenes.

The refiner (:mod:`emoface.stargan.refiner`) must learn what the paste looks like in use: a scene's face cut
by the Haar box, edited at the generator's size, pasted back with the equalisation undone. Each training
example is such a paste, caught just before it is blended in: the photo's crop, the paste, the refiner's
gate, and the same crop of the scene drawn in the target expression, which is what the paste should have
been. :func:`truth_patches` (what the shipped refiner learnt from) pastes the true face shrunk to the
generator's size, a perfect edit; :func:`refiner_patches` pastes *this* generator's own edits, made by
:meth:`Pipeline.edit_expression` exactly as a blog post makes them. The scenes are drawn as
:mod:`emoface.scene_eval` draws them; the people must be the generator's training people (held-out
people are for grading).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import cv2
import numpy as np
import torch
from tqdm.auto import tqdm

from .engines.stargan import EQUALIZATION
from .faces.detect import NoFaceError, cut, resize_square
from .faces.paste import paste_face
from .labels import FACE_EXPRESSIONS
from .scene_eval import SCENE_SOURCES, scene_edits
from .stargan.reader import person_scenes
from .stargan.refiner import RefinerPatches, reach_gate

if TYPE_CHECKING:
    from .pipeline import Pipeline

#: Side of a training patch: a little more than the refiner's 35-pixel view, twice over.
PATCH = 96
#: Of each edit's patches, this share is centred inside the gate (the moved features), the rest anywhere.
ON_FEATURES = 0.8


def refiner_patches(pipeline: Pipeline, people: range, sources: tuple[str, ...] = SCENE_SOURCES,
                    per_edit: int = 3, patch: int = PATCH, seed: int = 0, progress: bool = True) -> RefinerPatches:
    """``per_edit`` patches of each edit of each person's scene from each of ``sources`` into every other
    expression, by ``pipeline``'s StarGAN engine without its refiner (see the module docstring)."""
    engine = pipeline.engine_named("stargan")
    caught: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def catch(region: np.ndarray, pasted: np.ndarray, gate: np.ndarray, target: int) -> np.ndarray:
        caught.append((region, pasted, gate))
        return pasted

    rng = np.random.default_rng(seed)
    patches: list[np.ndarray] = []
    targets: list[int] = []
    kept_refine, engine.refine = engine.refine, catch
    try:
        for made in scene_edits(pipeline, tqdm(people, desc="scenes", disable=not progress), sources):
            if caught:  # (nothing is caught when the face showed the target already and was not redrawn)
                truth = cut(made.scenes[made.target], made.result.crop_box)
                patches += _patches(*caught.pop(), truth, per_edit, patch, rng)
                targets += [FACE_EXPRESSIONS.index(made.target)] * per_edit
    finally:
        engine.refine = kept_refine
    return _collected(patches, targets)


def truth_patches(pipeline: Pipeline, people: range, sources: tuple[str, ...] = SCENE_SOURCES,
                  per_edit: int = 3, patch: int = PATCH, seed: int = 0, progress: bool = True,
                  ghost: float = 0.0, blur: float = 0.0, reach: str = "changed") -> RefinerPatches:
    """As :func:`refiner_patches`, but each edit is pasted from the *true* face: the scene drawn in the target,
    cut by the engine's box and shrunk to the generator's size, stands in for G's output.

    That is a perfect 64-pixel edit, so what the paste loses is only what the upsampling loses: the refiner
    learns to draw a soft feature crisp where it lies (super-resolution), and never sees a vague G edit
    against a definite truth, from which an L1 loss learns to hedge (a milder smile; docs/stargan.md).

    ``ghost`` and ``blur`` give the perfect edit two of G's faults, each edit a random amount up to them: the
    source face mixed back in (a faint ghost of the old expression, a share up to ``ghost``) and a Gaussian
    blur (σ up to ``blur`` pixels at the generator's size). The truth stays the truth, so the refiner learns
    to erase a faint old feature and to draw a weakened new one at full strength, not only to sharpen.

    ``reach="face"`` gives each patch the whole pasted ellipse as its gate
    (:func:`~emoface.stargan.refiner.reach_gate`), for a refiner that corrects anywhere in the face: the true
    face has none of the source's fine lines that the 64-pixel paste left in the photo (a surprised
    forehead's), so it learns to erase them for other targets."""
    engine = pipeline.engine_named("stargan")
    rng = np.random.default_rng(seed)
    patches: list[np.ndarray] = []
    targets: list[int] = []
    caught: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    catch = lambda region, pasted, gate: caught.append((region, pasted, gate)) or pasted
    for number in tqdm(people, desc="scenes", disable=not progress):
        scenes = person_scenes(number)
        for source in sources:
            try:
                crop = engine.crop(scenes[source])
            except NoFaceError:
                continue
            for target in FACE_EXPRESSIONS:
                if target == source:
                    continue
                truth = cut(scenes[target], crop.crop_box)
                edited = _with_faults(resize_square(truth, engine.size), crop.face, rng.uniform(0, ghost),
                                      rng.uniform(0, blur))
                paste_face(scenes[source], edited, crop.crop_box, original_face=crop.face,
                           equalization=EQUALIZATION, refine=catch)
                region, pasted, gate = caught.pop()
                gate = reach_gate(gate, reach)
                patches += _patches(region, pasted, gate, truth, per_edit, patch, rng)
                targets += [FACE_EXPRESSIONS.index(target)] * per_edit
    return _collected(patches, targets)


def _with_faults(face: np.ndarray, source: np.ndarray, ghost: float, blur: float) -> np.ndarray:
    """``face`` (uint8) with a share ``ghost`` of ``source`` mixed back in, then blurred with σ = ``blur`` pixels."""
    if ghost <= 0 and blur <= 0:
        return face
    mixed = (1 - ghost) * face.astype(np.float32) + ghost * source.astype(np.float32)
    if blur > 0:
        mixed = cv2.GaussianBlur(mixed, (0, 0), blur)
    return np.clip(np.round(mixed), 0, 255).astype(np.uint8)


def _patches(region: np.ndarray, pasted: np.ndarray, gate: np.ndarray, truth: np.ndarray, count: int, side: int,
             rng: np.random.Generator) -> list[np.ndarray]:
    """``count`` windows of one edit's photo crop, paste, gate and truth stacked (h×w×10 uint8)."""
    stack = np.concatenate([region, np.clip(np.round(pasted), 0, 255), 255 * gate[:, :, None],
                            truth.astype(np.float32)], axis=2).astype(np.uint8)
    return [_patch(stack, gate, side, rng) for _ in range(count)]


def _collected(patches: list[np.ndarray], targets: list[int]) -> RefinerPatches:
    if not patches:
        raise ValueError("no edit was made: the cascade found no face, or every face showed its target already")
    return RefinerPatches(torch.from_numpy(np.stack(patches)).permute(0, 3, 1, 2).contiguous(),
                          torch.tensor(targets, dtype=torch.int64))


def _patch(stack: np.ndarray, gate: np.ndarray, side: int, rng: np.random.Generator) -> np.ndarray:
    """A ``side``² window of ``stack`` (h×w×10), centred on a gate pixel with probability :data:`ON_FEATURES`."""
    height, width = gate.shape
    side = min(side, height, width)
    inside = np.argwhere(gate > 0.5)
    if len(inside) and rng.random() < ON_FEATURES:
        cy, cx = inside[rng.integers(len(inside))]
    else:
        cy, cx = rng.integers(height), rng.integers(width)
    y0 = int(np.clip(cy - side // 2, 0, height - side))
    x0 = int(np.clip(cx - side // 2, 0, width - side))
    return stack[y0 : y0 + side, x0 : x0 + side]
