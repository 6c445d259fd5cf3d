"""Read the MUG Facial Expression Database as it is distributed, or any folder of labelled faces.

MUG (Aifanti et al., 2010; https://mug.ee.auth.gr/fed/) is given on request, under a licence for
research use, as the folder ``subjects3``: one folder per subject, one per expression, one per
*take* (a recorded sequence), and the frames of the take as JPEGs (896×896 in the original)::

    subjects3/
      001/
        anger/
          take000/ img_0000.jpg img_0001.jpg ...
          take001/ ...
        disgust/ ...   (the 6 basic expressions and neutral; not every subject has all)
      002/
        session1/      (a few subjects recorded twice keep one more level; it is accepted)
          happiness/take000/...

Put it, or the folder that contains it, at ``$EMOFACE_DATA/mug``.

**Which frames.** Each take starts at neutral, rises to the expression's apex and goes back
(onset–apex–offset). The paper does not say which frames it kept; we keep ``frames_per_take``
frames evenly spaced over the *middle third* of each take, where the apex is, because the first
and last frames of a "happiness" take are in fact neutral and would teach the GAN wrong labels.

**Any labelled folder.** ``<root>/<subject>/<expression>/*.jpg`` or ``<root>/<expression>/*.jpg``.
In the flat layout the subject is the file name up to its first ``_`` (name files
``<subject>_<anything>.jpg``), so the train/test split can still keep people apart.

Expression folders may use common synonyms (``happy``, ``angry``, ``sad``, ``surprised``...); any
other name stops the scan with the list of names we know, rather than silently skipping a class.

Taught in ``01_datasets.ipynb`` and ``02_tunedmug.ipynb``; :mod:`emoface.datasets.tunedmug` builds on it.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..labels import FACE_EXPRESSIONS

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")
MUG_HOMEPAGE = "https://mug.ee.auth.gr/fed/"

#: Folder names other datasets use for our expressions.
EXPRESSION_ALIASES: dict[str, str] = {
    **{name: name for name in FACE_EXPRESSIONS},
    "angry": "anger",
    "disgusted": "disgust",
    "afraid": "fear",
    "fearful": "fear",
    "scared": "fear",
    "happy": "happiness",
    "joy": "happiness",
    "calm": "neutral",
    "sad": "sadness",
    "surprised": "surprise",
}


class DatasetNotFoundError(FileNotFoundError):
    """A dataset is not where it should be; the message says how to get it and where to put it."""


@dataclass(frozen=True)
class FaceRecord:
    """One source image and what we know about it."""

    path: Path
    expression: str
    subject: str
    #: ``take003`` for MUG, ``""`` for a plain labelled folder.
    take: str = ""
    #: Frame number within the take, ``-1`` for a plain labelled folder.
    frame: int = -1


def canonical_expression(name: str) -> str | None:
    """Our name for an expression folder, or ``None`` if it is not one."""
    return EXPRESSION_ALIASES.get(name.strip().lower())


def apex_frames(n_frames: int, frames_per_take: int) -> list[int]:
    """Indices of ``frames_per_take`` frames spread evenly over the middle third of a take."""
    if n_frames <= 0 or frames_per_take <= 0:
        return []
    first, last = n_frames // 3, max(n_frames // 3, -(-2 * n_frames // 3) - 1)
    if n_frames < 3:
        first, last = 0, n_frames - 1
    if frames_per_take == 1:
        return [(first + last) // 2]  # the centre of the take, the likeliest apex
    picks = np.linspace(first, last, num=min(frames_per_take, last - first + 1))
    return sorted({int(round(p)) for p in picks})


def looks_like_mug(root: Path) -> bool:
    """True if ``root`` (or its ``subjects3``) holds subject folders with take folders inside."""
    try:
        subjects = _subjects_folder(Path(root))
    except DatasetNotFoundError:
        return False
    return any(subjects.glob("*/**/take*"))


def scan_mug(root: Path, frames_per_take: int = 3) -> list[FaceRecord]:
    """The apex frames of every take under a MUG ``subjects3`` folder (see the module docstring)."""
    subjects = _subjects_folder(Path(root))
    records: list[FaceRecord] = []
    unknown: set[str] = set()
    for take_dir in sorted(p for p in subjects.glob("*/**/take*") if p.is_dir()):
        relative = take_dir.relative_to(subjects).parts  # (subject, [session,] expression, take)
        expression = canonical_expression(relative[-2])
        if expression is None:
            unknown.add(relative[-2])
            continue
        frames = _images_in(take_dir)
        for index in apex_frames(len(frames), frames_per_take):
            records.append(FaceRecord(frames[index], expression, relative[0], relative[-1], _frame_number(frames[index])))
    _refuse_unknown(unknown, subjects)
    if not records:
        raise DatasetNotFoundError(f"found take folders under {subjects} but no images in them; is the unzip complete?")
    return records


def scan_labelled_folder(root: Path) -> list[FaceRecord]:
    """Faces in ``<root>/[<subject>/]<expression>/*`` (see the module docstring)."""
    root = Path(root)
    if not root.is_dir():
        raise DatasetNotFoundError(f"no folder at {root}")
    records: list[FaceRecord] = []
    unknown: set[str] = set()
    flat_without_subject = 0
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        if canonical_expression(folder.name) is not None:  # flat: <root>/<expression>/
            for path in _images_in(folder):
                subject = path.stem.split("_", 1)[0] if "_" in path.stem else path.stem
                flat_without_subject += "_" not in path.stem
                records.append(FaceRecord(path, canonical_expression(folder.name), subject))
            continue
        for sub in sorted(p for p in folder.iterdir() if p.is_dir()):  # nested: <root>/<subject>/<expression>/
            expression = canonical_expression(sub.name)
            if expression is None:
                unknown.add(sub.name)
                continue
            records.extend(FaceRecord(path, expression, folder.name) for path in _images_in(sub))
    _refuse_unknown(unknown, root)
    if not records:
        raise DatasetNotFoundError(
            f"no labelled faces under {root}; expected <root>/<expression>/*.jpg or <root>/<subject>/<expression>/*.jpg "
            f"with expressions named {', '.join(FACE_EXPRESSIONS)}"
        )
    if flat_without_subject:
        warnings.warn(
            f"{flat_without_subject} files have no '<subject>_' prefix, so each counts as its own subject and "
            "one person may land in both train and test; name them <subject>_<anything>.jpg",
            stacklevel=2,
        )
    return records


def scan_faces(root: Path, frames_per_take: int = 3) -> list[FaceRecord]:
    """MUG if ``root`` looks like MUG, else a labelled folder."""
    root = Path(root)
    if not root.exists():
        raise DatasetNotFoundError(
            f"no face dataset at {root}. MUG is given on request under a research licence at {MUG_HOMEPAGE}: "
            f"unzip it so that {root}/subjects3/001/anger/take000/img_0000.jpg exists. Without it, the lessons "
            "fall back to SynthFaces (emoface.datasets.synth)."
        )
    return scan_mug(root, frames_per_take) if looks_like_mug(root) else scan_labelled_folder(root)


def _subjects_folder(root: Path) -> Path:
    for candidate in (root / "subjects3", root):
        if candidate.is_dir():
            return candidate
    raise DatasetNotFoundError(f"no MUG folder at {root}")


def _images_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)


def _frame_number(path: Path) -> int:
    digits = re.findall(r"\d+", path.stem)
    return int(digits[-1]) if digits else -1


def _refuse_unknown(unknown: set[str], root: Path) -> None:
    if unknown:
        raise ValueError(
            f"folders under {root} named {', '.join(sorted(unknown))} are not expressions we know; rename them to "
            f"one of {', '.join(FACE_EXPRESSIONS)} (synonyms such as 'happy' or 'sad' are accepted) or move them away"
        )
