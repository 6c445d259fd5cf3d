"""The main job, ``emoface demo``: the paper's whole system on a profile photo and a few posts, offline.

The paper's Fig. 7 shows one user's profile photo beside two posts, redrawn happy and sad. The demo
does the same with what ships in the package, on the CPU, with nothing downloaded:

* the **posts** are six of the bundled posts (``assets/posts.csv``), one per strong emotion, all from
  its *test* split, so the shipped text model has never seen them; what it says about each is
  printed as measured, right or wrong, beside the label the post was written with;
* the **profile photos** are a SynthFaces person the generator never saw (a 640×480 scene, found by
  the Haar cascade like any upload) and the real photographs that installed packages ship
  (:mod:`emoface.datasets.real_photos`: Grace Hopper from matplotlib always; with ``emoface[real]``
  also scikit-image's astronaut and mahotas' portrait of its author);
* for each photo and post, :class:`emoface.pipeline.Pipeline` classifies the text, picks the face
  expression, edits the face and pastes it back into the whole photo. With the default
  ``engine="auto"`` the SynthFaces person is redrawn by the StarGAN, and the real photographs —
  out of the shipped generator's domain — are edited by the warp engine (landmarks moved by
  action units); with ``--engine stargan`` the grid shows honestly what the SynthFaces generator
  does to a real photograph.

It writes ``before_after.png`` (one row per photo: the face before, then after each post), the
edited whole photos, and ``demo.json`` (every emotion, probability and face box) to the output folder.

Taught in ``05_pipeline_app.ipynb``, which runs the same steps one at a time.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Callable

import numpy as np

from .atomic import atomic_write_text
from .faces.detect import face_view
from .images import save_rgb

#: Bundled posts (ids in ``assets/posts.csv``, test split) shown by the demo: joy, sadness, anger,
#: fear, surprise, disgust, as their writers labelled them.
DEMO_POST_IDS: tuple[int, ...] = (25, 115, 436, 11, 2, 118)

#: The SynthFaces person of the demo's profile photo: held out from the generator's training
#: (training identities are 0, 1, 2, …; see :data:`emoface.stargan.recipes.TEST_FIRST_IDENTITY`).
DEMO_IDENTITY = 1_000_001
#: Side of each face in the grid: the square the pipeline cropped, at a size that shows the expression.
VIEW_SIZE = 160


@dataclass(frozen=True)
class DemoPost:
    """A bundled post: its id, its text and the emotion its writer labelled it with."""

    id: int
    text: str
    label: str


def demo_posts(ids: tuple[int, ...] = DEMO_POST_IDS) -> list[DemoPost]:
    """The bundled posts with these ids, in this order."""
    with open(Path(str(files("emoface") / "assets" / "posts.csv")), newline="", encoding="utf-8") as handle:
        by_id = {int(row["id"]): row for row in csv.DictReader(handle)}
    missing = [i for i in ids if i not in by_id]
    if missing:
        raise ValueError(f"no bundled posts with ids {missing}; the ids are in the first column of assets/posts.csv")
    return [DemoPost(i, by_id[i]["text"], by_id[i]["emotion"]) for i in ids]


def demo_profile_photo() -> np.ndarray:
    """The demo's SynthFaces profile photo: a 640×480 scene of a person the generator never saw."""
    from .datasets.synth import draw_scene, random_identity
    from .stargan.recipes import TEST_FIRST_IDENTITY

    identity = random_identity(np.random.default_rng([0, TEST_FIRST_IDENTITY + 1]))
    scene, _ = draw_scene(identity, "neutral", rng=np.random.default_rng(1))
    return scene


def demo_photos() -> dict[str, np.ndarray]:
    """Name → RGB photo: the SynthFaces profile photo and every real photograph an installed package ships."""
    from .datasets.real_photos import available_real_photos

    photos = {"SynthFaces profile": demo_profile_photo()}
    photos.update({f"photo: {photo.name}": photo.load() for photo in available_real_photos()})
    return photos


def run_demo(out_dir: str | Path, pipeline=None, posts: list[DemoPost] | None = None,
             photos: dict[str, np.ndarray] | None = None, say: Callable[[str], None] = print) -> dict:
    """Edit every photo for every post, write the grid, the photos and ``demo.json``; return the summary."""
    from .pipeline import Pipeline

    out = Path(out_dir)
    pipeline = pipeline or Pipeline()
    posts = posts if posts is not None else demo_posts()
    photos = photos if photos is not None else demo_photos()
    summary: dict = {"posts": [], "photos": {}}
    rows, row_names, titles = [], [], ["before"]
    for k, post in enumerate(posts):
        prediction = pipeline.classify(post.text)
        summary["posts"].append({"id": post.id, "text": post.text, "label": post.label, **prediction.as_dict()})
        note = "" if prediction.confident else f", unsure: {prediction.top_emotion}?"
        say(f"post {k + 1}: {_short(post.text)}\n   → {prediction.emotion} ({prediction.probability:.0%}{note}), "
            f"face: {prediction.expression}   [written as {post.label}]")
        titles.append(f"{k + 1}: {prediction.emotion}")
    for n, (name, photo) in enumerate(photos.items()):
        results = [pipeline.edit(post.text, photo) for post in posts]
        first = results[0]
        row = [face_view(first.photo_before, first.crop_box, VIEW_SIZE)]
        row += [face_view(r.photo, r.crop_box, VIEW_SIZE) for r in results]
        rows.append(row)
        paths = [str(save_rgb(out / "photos" / f"{n}_{k + 1}_{r.expression}.jpg", r.photo))
                 for k, r in enumerate(results)]
        summary["photos"][name] = {"face_box": list(first.face_box.as_tuple()), "out_of_domain": first.out_of_domain,
                                   "engines": sorted({r.engine for r in results}), "message": first.message,
                                   "edits": [r.as_dict(p) for r, p in zip(results, paths)]}
        engines = "/".join(summary["photos"][name]["engines"])
        row_names.append(f"{name}\n({engines})")
        domain = "out of the generator's domain" if first.out_of_domain else "in the generator's domain"
        say(f"{name}: face at {first.face_box.as_tuple()}; {domain}; drawn by {engines}"
            + (f" — {first.message}" if first.out_of_domain and engines == "stargan" else ""))
    summary["grid"] = str(_save_grid(rows, titles, row_names, out / "before_after.png", pipeline.trained_on.title))
    atomic_write_text(out / "demo.json", json.dumps(summary, indent=1))
    say(f"grid: {summary['grid']}\nall results: {out / 'demo.json'}")
    return summary


def _short(text: str, width: int = 80) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _save_grid(rows: list[list[np.ndarray]], titles: list[str], names: list[str], path: Path,
               trained_on: str) -> Path:
    from .viz import labelled_grid, save_figure

    fig = labelled_grid(rows, titles, names, cell_inches=1.45,
                        title="emoface demo — each post's emotion redraws the profile photo (face region shown; "
                              f"generator trained on {trained_on})")
    return save_figure(fig, path)
