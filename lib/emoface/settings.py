"""Profiles, folders, device and seeding: the few facts every lesson and module shares.

A course runs in three places with very different budgets, so every scale-dependent number in
emoface comes from one :class:`Profile`:

========  =====================================  ==========================================
profile   data                                   where
========  =====================================  ==========================================
smoke     generated / bundled, tiny              CI: each notebook in about a minute on 2 cores
demo      generated / bundled, or real if there  the default: a classroom laptop, minutes
full      the real datasets, the paper's sizes   a Colab GPU
========  =====================================  ==========================================

The profile is picked by an argument, else the ``EMOFACE_PROFILE`` environment variable, else
``demo``. Folders come from ``EMOFACE_DATA`` / ``EMOFACE_RUNS`` (defaults ``./data`` and ``./runs``
under the current directory), so a Colab user can point both at Google Drive and survive a
disconnect. Nothing here touches the disk or the GPU at import time.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # torch is imported where it is used, so reading settings stays cheap
    import torch

#: The repository on GitHub: every Open-in-Colab badge and every notebook's Colab install points here
#: (``tests/test_settings.py`` checks them all against it, so a fork changes one line and the test names the rest).
REPOSITORY = "emoface/emoface"
PROFILE_ENV = "EMOFACE_PROFILE"
DATA_ENV = "EMOFACE_DATA"
RUNS_ENV = "EMOFACE_RUNS"


@dataclass(frozen=True)
class Profile:
    """Every number that changes with the budget. Lessons read these; they never hard-code sizes."""

    name: str
    #: SynthFaces identities drawn when no real face set is present: a MUG-shaped take of 5 frames per
    #: expression, 35 frames each (lesson 01 draws them; in ``demo`` that must fit a class).
    synth_identities: int
    #: Frames kept from the apex of each MUG take (see :mod:`emoface.datasets.mug`).
    mug_frames_per_take: int
    #: Share of subjects held out for the test split of tunedMUG.
    test_fraction: float
    #: Images shown in a sample grid.
    grid_images: int


PROFILES: dict[str, Profile] = {
    "smoke": Profile("smoke", synth_identities=12, mug_frames_per_take=1, test_fraction=0.25, grid_images=14),
    "demo": Profile("demo", synth_identities=60, mug_frames_per_take=3, test_fraction=0.2, grid_images=28),
    "full": Profile("full", synth_identities=2000, mug_frames_per_take=10, test_fraction=0.2, grid_images=49),
}


def get_profile(name: str | None = None) -> Profile:
    """The profile named, else ``$EMOFACE_PROFILE``, else ``demo``."""
    chosen = (name or os.environ.get(PROFILE_ENV) or "demo").strip().lower()
    try:
        return PROFILES[chosen]
    except KeyError:
        raise ValueError(
            f"unknown profile {chosen!r} (from {'the argument' if name else PROFILE_ENV}); "
            f"choose one of {', '.join(PROFILES)}"
        ) from None


def data_dir() -> Path:
    """Where datasets live (``$EMOFACE_DATA`` or ``./data``); created on first use, not at import."""
    path = Path(os.environ.get(DATA_ENV) or "data").expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def use_data_dir(path: str | Path | None) -> Path:
    """Make ``path`` this process's data folder (``$EMOFACE_DATA``) and return it; ``None`` keeps the current one.

    A path on Google Drive (``/content/drive/...``) mounts Drive first when running on Colab, so the
    long builds of the ``full`` profile, which keep every finished item, continue in a new session.
    """
    if path is not None:
        mount_drive_for(path)
        os.environ[DATA_ENV] = str(Path(path).expanduser())
    return data_dir()


def mount_drive_for(path: str | Path) -> None:
    """Mount Google Drive when ``path`` lies on it and this is Colab; anywhere else, do nothing."""
    if str(path).startswith("/content/drive") and not Path("/content/drive/MyDrive").is_dir():
        try:
            from google.colab import drive
        except ImportError:
            raise RuntimeError(f"{path} is on Google Drive, which only Colab can mount; "
                               "choose a local folder here") from None
        drive.mount("/content/drive")


def runs_dir() -> Path:
    """Where checkpoints, grids and reports go (``$EMOFACE_RUNS`` or ``./runs``)."""
    path = Path(os.environ.get(RUNS_ENV) or "runs").expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def pick_device(preferred: str | None = None) -> "torch.device":
    """The fastest device present (cuda, then Apple's mps, then cpu), or the one asked for.

    Asking for a device that is absent is an error rather than a silent fall-back: a student who
    wrote ``cuda`` on Colab without switching the runtime to GPU should be told, not wait hours.
    """
    import torch

    if preferred:
        device = torch.device(preferred)
        if device.type == "cuda" and not torch.cuda.is_available():
            raise RuntimeError(
                "device 'cuda' was asked for but no CUDA GPU is visible; on Colab choose "
                "Runtime > Change runtime type > GPU, or pass device='cpu'"
            )
        if device.type == "mps" and not torch.backends.mps.is_available():
            raise RuntimeError("device 'mps' was asked for but this Mac's PyTorch has no MPS; pass device='cpu'")
        return device
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and PyTorch (all devices) so a lesson's figures are repeatable."""
    import torch  # imported here so that reading settings never pays for torch

    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)  # seeds the CPU and every CUDA device
