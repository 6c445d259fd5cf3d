"""SynthFaces written out as a MUG-shaped folder tree: the offline stand-in for the real MUG.

Nobody may redistribute MUG, so the lessons and the tests need frames that *look like* a MUG
download to the code: ``subjects3/<subject>/<expression>/take000/img_<n>.jpg``, 640×480 video
frames with a face somewhere in them, each take going neutral → expression → neutral like MUG's
onset–apex–offset sequences. Building tunedMUG from this tree runs the real path end to end — the
real Haar cascade finds the drawn faces, the apex frames are picked as for MUG — and only the
people are drawn. Each frame places the face a little differently, as a person moves on camera.

Taught in ``02_tunedmug.ipynb``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ...budget import Budget
from ...images import save_rgb
from ...labels import FACE_EXPRESSIONS
from ...parallel import ordered_map
from .render import SynthFaces, draw_scene

FRAMES_PER_TAKE = 5


def take_expressions(expression: str, n_frames: int = FRAMES_PER_TAKE) -> list[str]:
    """The expression shown in each frame of a take: neutral at both ends, the expression between."""
    return [expression if 0 < i < n_frames - 1 else "neutral" for i in range(n_frames)]


def write_synth_mug(
    root: str | Path,
    n_subjects: int,
    seed: int = 0,
    takes: int = 1,
    height: int = 480,
    width: int = 640,
    progress: bool = True,
    workers: int | None = None,
    minutes: float | Budget | None = None,
) -> Path:
    """Write ``root/subjects3`` for ``n_subjects`` SynthFaces identities; existing frames are kept.

    Returns the ``subjects3`` folder. Frames are written atomically, so an interrupted run can be
    repeated and only fills in what is missing. Takes are drawn on all cores (``workers``).
    ``minutes`` bounds this call (a Colab session): when spent, the drawing stops and
    :class:`~emoface.budget.BudgetSpent` says how far it got; the frames drawn are kept.
    """
    subjects = Path(root) / "subjects3"
    jobs = [
        _Take(subjects, seed, n_subjects, subject, expression, take, height, width)
        for subject in range(n_subjects)
        for expression in FACE_EXPRESSIONS
        for take in range(takes)
        if not _take_folder(subjects, subject, expression, take).joinpath(f"img_{FRAMES_PER_TAKE - 1:04d}.jpg").exists()
    ]
    budget = Budget.of(minutes)
    done = 0
    for _ in ordered_map(_write_take, jobs, workers, desc="SynthFaces → MUG tree", unit="take", progress=progress,
                         budget=budget):
        done += 1
    if done < len(jobs):
        people = n_subjects - len({job.subject for job in jobs[done:]})
        raise budget.stopped(f"drew {people:,} of {n_subjects:,} SynthFaces people",
                             f"the frames are kept in {subjects}")
    return subjects


@dataclass(frozen=True)
class _Take:
    subjects: Path
    seed: int
    n_subjects: int
    subject: int
    expression: str
    take: int
    height: int
    width: int


def _take_folder(subjects: Path, subject: int, expression: str, take: int) -> Path:
    return subjects / f"{subject + 1:03d}" / expression / f"take{take:03d}"


def _write_take(job: _Take) -> None:
    identity = SynthFaces(job.n_subjects, seed=job.seed).identity(job.subject)
    folder = _take_folder(job.subjects, job.subject, job.expression, job.take)
    for frame, shown in enumerate(take_expressions(job.expression)):
        path = folder / f"img_{frame:04d}.jpg"
        if path.exists():
            continue
        rng = np.random.default_rng([job.seed, job.subject, FACE_EXPRESSIONS.index(job.expression), job.take, frame])
        rgb, _ = draw_scene(identity, shown, height=job.height, width=job.width, rng=rng)
        save_rgb(path, rgb, jpeg_quality=92)
