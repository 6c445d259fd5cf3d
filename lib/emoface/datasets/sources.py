"""Which face data a lesson trains on: the real MUG when it is in the data folder, else SynthFaces.

This is the one place that decides, so ``emoface demo``, ``02_tunedmug.ipynb`` and
``04_stargan.ipynb`` always agree on which set they used, and say so. The real path is never
replaced: with ``$EMOFACE_DATA/mug`` present it is read as MUG; SynthFaces is only the fallback
that keeps the lessons running offline. Both builds take a time budget (``minutes``, lessons'
``DATA_MINUTES``) and continue in a later call.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from ..budget import Budget
from ..faces.equalize import EqualizeMode
from ..settings import Profile, data_dir, get_profile
from .mug import FaceRecord, scan_faces
from .synth.mug_folder import write_synth_mug
from .tunedmug import TunedMugConfig, build_tunedmug


@dataclass(frozen=True)
class FaceSource:
    """A scanned face data set: its name (``"mug"`` or ``"synth"``), folder and source frames."""

    name: str
    root: Path
    records: list[FaceRecord]


class PreparedSet(NamedTuple):
    """A built tunedMUG folder, its build report, and the name of the source it came from."""

    folder: Path
    report: dict
    source: str


def mug_folder() -> Path:
    """Where the real MUG is looked for: ``$EMOFACE_DATA/mug``."""
    return data_dir() / "mug"


def face_source(profile: Profile | str | None = None, progress: bool = True,
                minutes: float | Budget | None = None) -> FaceSource:
    """MUG if present (apex frames per the profile), else a SynthFaces MUG tree, written if missing.

    ``minutes`` bounds the drawing of the SynthFaces tree in this call; when it is spent,
    :class:`~emoface.budget.BudgetSpent` says how far it got, and the next call continues.
    """
    profile = profile if isinstance(profile, Profile) else get_profile(profile)
    if mug_folder().exists():
        return FaceSource("mug", mug_folder(), scan_faces(mug_folder(), profile.mug_frames_per_take))
    root = data_dir() / f"synthmug-{profile.name}"
    write_synth_mug(root, profile.synth_identities, progress=progress, minutes=minutes)
    return FaceSource("synth", root, scan_faces(root, profile.mug_frames_per_take))


def prepare_tunedmug(
    profile: Profile | str | None = None,
    equalize: EqualizeMode = "luminance",
    crop: bool = True,
    progress: bool = True,
    minutes: float | Budget | None = None,
) -> PreparedSet:
    """Build (or finish building) tunedMUG for the profile: its folder, report and source name.

    ``equalize`` and ``crop`` select the variants of the paper's Fig. 6 ablation; each variant
    gets its own folder, so they never mix. ``minutes`` bounds this call, the SynthFaces drawing
    and the build together: when it is spent, :class:`~emoface.budget.BudgetSpent` says how far it
    got, and the next call (in this session or a later one) continues.
    """
    profile = profile if isinstance(profile, Profile) else get_profile(profile)
    budget = Budget.of(minutes)
    source = face_source(profile, progress, minutes=budget)
    config = TunedMugConfig(equalize=equalize, crop=crop, test_fraction=profile.test_fraction)
    out = data_dir() / f"tunedmug-{source.name}-{profile.name}-{'crop' if crop else 'frame'}-{equalize}"
    report = build_tunedmug(source.records, out, config, progress=progress, minutes=budget)
    return PreparedSet(out, report, source.name)
