"""Regenerate the pictures the README and docs/ show (notebooks are committed without outputs), into ``docs/``.

    .venv/bin/python scripts/make_docs_figures.py        # or: make docs

* ``docs/fig4.png`` — the shipped generator's edits (in the pipeline's mode) of four held-out
  SynthFaces people into every expression, each above that person's true faces (the paper's Fig. 4,
  lesson 04): a ghost of the source expression shows against the truth;
* ``docs/fig7.png`` — one profile photo under a happy and a sad bundled post (the paper's Fig. 7,
  lesson 05), with the emotions the text model found;
* ``docs/demo_before_after.png`` — what ``make run`` writes: the bundled photos, six bundled posts;
* ``docs/refiner.png`` — the pipeline's edits of held-out people's scenes with and without the shipped
  refiner, beside the scene drawn in the target (docs/stargan.md).
* ``docs/sneer_bridge.png`` — held-out people's sneers redrawn by the pipeline without and with the deep
  wrinkles (a sneer's bridge lines filled deeper and G's second look), beside the true scene (docs/stargan.md).
* ``docs/refiner_taken_away.png`` — held-out people's mouths redrawn by the pipeline with the refiner's whole
  correction and with its fine part dropped where G took a feature away, beside the true scene (docs/stargan.md).
* ``docs/follow_eyes.png`` — held-out people's brows and eyes redrawn by the pipeline with G's painting pasted and
  with the photo's own features moved along G's edit, beside the true scene (docs/stargan.md).
* ``docs/lids_slid.png`` — held-out people's eyes that narrow, with G's painting (shipped) and with the photo's own
  lids slid over them (``StarGanEngine.slide_lids``, off by default), beside the true scene (docs/stargan.md).
* ``docs/scene_edits_<person>.png`` — every expression of a held-out person's scene redrawn by the pipeline into every
  other (rows the photo's expression, columns the target, the photo itself on the diagonal): what a ghost left looks
  like on a whole face (docs/stargan.md).

Everything comes from the shipped models, offline, on the CPU, in about a minute.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import numpy as np

from emoface.demo import demo_posts, demo_profile_photo, run_demo
from emoface.engines import stargan as stargan_engine
from emoface.faces import paste
from emoface.faces.detect import cut
from emoface.labels import FACE_EXPRESSIONS
from emoface.pipeline import Pipeline
from emoface.stargan.figures import expression_rows
from emoface.stargan.reader import person_scene
from emoface.stargan.recipes import TEST_FIRST_IDENTITY
from emoface.stargan.synth_pairs import synth_pairs
from emoface.viz import labelled_grid, save_figure

DOCS = Path(__file__).resolve().parent.parent / "docs"


#: Fig. 4's inputs: held-out people in expressions whose features an edit must remove (a ghost of an
#: open mouth or a smile shows at once), then one neutral face as the paper shows.
FIG4_SOURCES = ("happiness", "surprise", "anger", "neutral")


def fig4(pipeline: Pipeline) -> Path:
    pairs = synth_pairs(range(TEST_FIRST_IDENTITY, TEST_FIRST_IDENTITY + len(FIG4_SOURCES)), size=pipeline.size,
                        progress=False)
    faces = [pairs.images[i, FACE_EXPRESSIONS.index(e)].permute(1, 2, 0).numpy() for i, e in enumerate(FIG4_SOURCES)]
    rows = expression_rows(pipeline.generator, faces, pipeline.mode)
    truth = [[face] + [pairs.images[i, k].permute(1, 2, 0).numpy() for k in range(len(FACE_EXPRESSIONS))]
             for i, face in enumerate(faces)]
    grid = [row for pair in zip(rows, truth) for row in pair]  # each edit row above the person's true faces
    labels = [label for source in FIG4_SOURCES for label in (f"{source}: edits", "true faces")]
    fig = labelled_grid(grid, ["input", *FACE_EXPRESSIONS], labels, cell_inches=1.1,
                        title=f"Fig. 4 — the shipped generator's {pipeline.mode} edits of held-out SynthFaces people")
    return save_figure(fig, DOCS / "fig4.png")


def fig7(pipeline: Pipeline) -> Path:
    photo = demo_profile_photo()
    results = [pipeline.edit(post.text, photo) for post in demo_posts((25, 115))]
    box = results[0].crop_box
    cells = [cut(results[0].photo_before, box)] + [cut(r.photo, box) for r in results]
    titles = ["profile photo"] + [f"post {k + 1}: {r.prediction.emotion} ({r.prediction.probability:.0%})"
                                  for k, r in enumerate(results)]
    fig = labelled_grid([cells], titles, cell_inches=2.3, title="Fig. 7 — one profile, a happy and a sad post")
    return save_figure(fig, DOCS / "fig7.png")


def demo_grid(pipeline: Pipeline) -> Path:
    with tempfile.TemporaryDirectory() as folder:
        summary = run_demo(folder, pipeline, say=lambda line: None)
        return Path(shutil.copyfile(summary["grid"], DOCS / "demo_before_after.png"))


#: The refiner figure's edits: (held-out person, source, target); people first graded on scenes in the
#: twentieth session, a broad smile, a neutral face and a frown among the sources.
REFINER_EDITS = ((1_000_140, "neutral", "happiness"), (1_000_140, "happiness", "sadness"),
                 (1_000_141, "neutral", "sadness"), (1_000_142, "anger", "surprise"))


@contextmanager
def replaced(owner, name: str, value):
    """``owner``'s attribute ``name`` set to ``value`` within the block and the shipped one put back after: the code
    as it was before a change, for a figure's "before" column."""
    shipped = getattr(owner, name)
    setattr(owner, name, value)
    try:
        yield
    finally:
        setattr(owner, name, shipped)


def edits_switching(pipeline: Pipeline, photo, target: str, attribute: str, values: tuple) -> list:
    """The pipeline's StarGAN edit of ``photo`` with the engine's ``attribute`` set to each of ``values`` in turn, put
    back after. The cache is cleared each time: its key holds neither the refiner nor the wrinkle map, so it would
    answer with the first edit."""
    edits = []
    try:
        for value in values:
            with replaced(pipeline.stargan, attribute, value):
                pipeline.clear_cache()
                edits.append(pipeline.edit_expression(photo, target, engine="stargan"))
    finally:
        pipeline.clear_cache()
    return edits


def refiner_figure(pipeline: Pipeline) -> Path:
    rows, labels = [], []
    for number, source, target in REFINER_EDITS:
        photo, truth = person_scene(number, source), person_scene(number, target)
        edits = edits_switching(pipeline, photo, target, "refine", (None, pipeline.stargan.refine))
        box = edits[0].crop_box
        rows.append([cut(image, box) for image in (photo, edits[0].photo, edits[1].photo, truth)])
        labels.append(f"{source} → {target}")
    fig = labelled_grid(rows, ["photo", "edit, no refiner", "edit, refined (shipped)", "true scene"], labels,
                        cell_inches=2.0, title="The refiner: held-out people's scenes, edited by the pipeline")
    return save_figure(fig, DOCS / "refiner.png")


#: The sneer figure's edits: (held-out person, target); people graded on scenes in the thirty-fourth session, a
#: dark frame over the bridge lines, a dark skin, a light one.
SNEER_EDITS = ((1_001_665, "neutral"), (1_001_665, "sadness"), (1_001_662, "neutral"), (1_001_667, "anger"))


def sneer_figure(pipeline: Pipeline) -> Path:
    rows, labels = [], []
    deep = pipeline.stargan.wrinkles
    shallow = dataclasses.replace(deep, deep=np.zeros_like(deep.deep))  # the map as it was before them
    for number, target in SNEER_EDITS:
        photo, truth = person_scene(number, "disgust"), person_scene(number, target)
        edits = edits_switching(pipeline, photo, target, "wrinkles", (shallow, deep))
        box = edits[0].crop_box
        side = box.w // 2  # the middle of the face: brows, eyes and the nose bridge
        middle = dataclasses.replace(box, x=box.x + box.w // 4, y=box.y + box.h // 5, w=side, h=side)
        rows.append([cut(image, middle) for image in (photo, edits[0].photo, edits[1].photo, truth)])
        labels.append(f"{number}: disgust → {target}")
    fig = labelled_grid(rows, ["photo", "bridge lines kept (before)", "erased, G's second look", "true scene"],
                        labels, cell_inches=2.0, title="A sneer's bridge lines: held-out people's scenes, edited")
    return save_figure(fig, DOCS / "sneer_bridge.png")


#: The refiner-gate figure's edits: (held-out person, source, target); people graded on scenes in the thirty-fifth
#: session: an open mouth's outline under anger, a smile's under sadness.
TAKEN_AWAY_EDITS = ((1_001_820, "fear", "anger"), (1_001_822, "surprise", "anger"), (1_001_821, "happiness", "sadness"))


def refiner_correction_whole():
    """The paste with the refiner's whole correction, as before the thirty-fifth session: nothing is taken away."""
    return replaced(paste, "taken_away", lambda region, edited: np.zeros(edited.shape[:2], np.float32))


def before_and_after(pipeline: Pipeline, edits: tuple, as_before, region) -> tuple[list, list]:
    """For each (held-out person, source, target) of ``edits``: the photo, the pipeline's edit with the code as it was
    (inside the context ``as_before()``) and as shipped, and the true scene, each cut to ``region(crop_box)``; and
    each row's label."""
    rows, labels = [], []
    for number, source, target in edits:
        photo, truth = person_scene(number, source), person_scene(number, target)
        with as_before():
            pipeline.clear_cache()
            before = pipeline.edit_expression(photo, target, engine="stargan")
        pipeline.clear_cache()
        after = pipeline.edit_expression(photo, target, engine="stargan")
        part = region(before.crop_box)
        rows.append([cut(image, part) for image in (photo, before.photo, after.photo, truth)])
        labels.append(f"{number}: {source} → {target}")
    return rows, labels


def _lower_face(box):
    """The mouth and a smile's folds."""
    side = box.w * 11 // 20
    return dataclasses.replace(box, x=box.x + (box.w - side) // 2, y=box.y + box.h * 9 // 20, w=side, h=side)


def taken_away_figure(pipeline: Pipeline) -> Path:
    rows, labels = before_and_after(pipeline, TAKEN_AWAY_EDITS, refiner_correction_whole, _lower_face)
    fig = labelled_grid(rows, ["photo", "whole correction (before)", "taken away: not sharpened",
                               "true scene"], labels, cell_inches=2.0,
                        title="The refiner and what G took away: held-out people's scenes, edited")
    return save_figure(fig, DOCS / "refiner_taken_away.png")


#: The follow figure's edits: (held-out person, source, target); people graded on scenes in the thirty-sixth session.
FOLLOW_EDITS = ((1_002_090, "neutral", "sadness"), (1_002_092, "disgust", "sadness"),
                (1_002_094, "happiness", "neutral"), (1_002_095, "sadness", "happiness"))


def painting_pasted():
    """The paste as before the thirty-sixth session: G's painting of the brows and eyes, nothing moved along it."""
    return replaced(stargan_engine, "FOLLOW_BAND", None)


def _brows_and_eyes(box):
    return dataclasses.replace(box, x=box.x + box.w // 6, y=box.y + box.h // 5, w=box.w * 2 // 3, h=box.h * 9 // 25)


def follow_figure(pipeline: Pipeline) -> Path:
    rows, labels = before_and_after(pipeline, FOLLOW_EDITS, painting_pasted, _brows_and_eyes)
    fig = labelled_grid(rows, ["photo", "G's painting (before)", "the photo's own, moved", "true scene"], labels,
                        cell_inches=3.2, title="Brows and eyes moved along G's edit: held-out people's scenes, edited")
    return save_figure(fig, DOCS / "follow_eyes.png")


#: The lids figure's edits: (held-out person, source, target); people graded on scenes in the thirty-seventh session.
LIDS_EDITS = ((1_002_200, "surprise", "anger"), (1_002_201, "surprise", "sadness"), (1_002_203, "fear", "neutral"),
              (1_002_204, "neutral", "happiness"))


def lids_sliding(pipeline: Pipeline, on: bool):
    """The StarGAN engine with the photo's own lids slid over narrowing eyes (``on``) or not, as before after."""
    return replaced(pipeline.stargan, "slide_lids", on)


def lids_figure(pipeline: Pipeline) -> Path:
    with lids_sliding(pipeline, True):  # the lids slid in the "after" column, G's painting (shipped) before it
        rows, labels = before_and_after(pipeline, LIDS_EDITS, lambda: lids_sliding(pipeline, False), _brows_and_eyes)
    fig = labelled_grid(rows, ["photo", "G's painting (shipped)", "the photo's lids slid (off)", "true scene"], labels,
                        cell_inches=3.2, title="Eyes that narrow: held-out people's scenes, edited")
    return save_figure(fig, DOCS / "lids_slid.png")


#: The whole-grid figures' people: held-out, first shown in the thirty-eighth session (a light and a dark skin), not
#: graded or tuned on.
SCENE_GRID_PEOPLE = (1_002_310, 1_002_312)


def scene_grid_figure(pipeline: Pipeline, number: int) -> Path:
    rows = []
    for source in FACE_EXPRESSIONS:
        photo = person_scene(number, source)
        box = pipeline.stargan.crop(photo).crop_box
        rows.append([cut(photo if target == source else pipeline.edit_expression(photo, target, engine="stargan").photo,
                         box) for target in FACE_EXPRESSIONS])
    fig = labelled_grid(rows, [f"→ {target}" for target in FACE_EXPRESSIONS],
                        [f"{source} photo" for source in FACE_EXPRESSIONS], cell_inches=1.6,
                        title=f"Held-out person {number:,}: each scene redrawn by the pipeline (diagonal: the photo)")
    return save_figure(fig, DOCS / f"scene_edits_{number}.png")


def main() -> None:
    DOCS.mkdir(exist_ok=True)
    pipeline = Pipeline()
    for make in (fig4, fig7, demo_grid, refiner_figure, sneer_figure, taken_away_figure, follow_figure, lids_figure,
                 *(partial(scene_grid_figure, number=number) for number in SCENE_GRID_PEOPLE)):
        print(f"wrote {make(pipeline)}")


if __name__ == "__main__":
    main()
