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

from pathlib import Path

import cv2
import numpy as np
from tqdm.auto import tqdm

from ..atomic import atomic_write_bytes
from ..labels import FACE_EXPRESSIONS
from .synth import SynthFaces, draw_scene

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
) -> Path:
    """Write ``root/subjects3`` for ``n_subjects`` SynthFaces identities; existing frames are kept.

    Returns the ``subjects3`` folder. Frames are written atomically, so an interrupted run can be
    repeated and only fills in what is missing.
    """
    faces = SynthFaces(n_subjects, seed=seed)
    subjects = Path(root) / "subjects3"
    jobs = [(i, e, t) for i in range(n_subjects) for e in FACE_EXPRESSIONS for t in range(takes)]
    for subject, expression, take in tqdm(jobs, desc="SynthFaces → MUG tree", unit="take", disable=not progress):
        folder = subjects / f"{subject + 1:03d}" / expression / f"take{take:03d}"
        for frame, shown in enumerate(take_expressions(expression)):
            path = folder / f"img_{frame:04d}.jpg"
            if path.exists():
                continue
            rng = np.random.default_rng([seed, subject, FACE_EXPRESSIONS.index(expression), take, frame])
            rgb, _ = draw_scene(faces.identity(subject), shown, height=height, width=width, rng=rng)
            ok, jpeg = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 92])
            if not ok:
                raise RuntimeError(f"OpenCV could not encode {path}")
            atomic_write_bytes(path, jpeg.tobytes())
    return subjects
