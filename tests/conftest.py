"""Shared fixtures. Tests run offline, on generated data, in the ``smoke`` profile.

The environment is set here, before any test or notebook kernel starts, so that ``pytest`` alone
behaves like ``make test``: notebooks run by nbval inherit it, and nothing is written into the
user's own ``data/`` or ``runs/`` folders.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pytest

_SESSION_DIR = Path(tempfile.mkdtemp(prefix="emoface-tests-"))


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("EMOFACE_PROFILE", "smoke")
    os.environ.setdefault("EMOFACE_DATA", str(_SESSION_DIR / "data"))
    os.environ.setdefault("EMOFACE_RUNS", str(_SESSION_DIR / "runs"))
    os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture
def isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the data and runs folders at a fresh temporary folder for one test."""
    monkeypatch.setenv("EMOFACE_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("EMOFACE_RUNS", str(tmp_path / "runs"))
    return tmp_path


@pytest.fixture(scope="session")
def grace_hopper() -> np.ndarray:
    """A real photograph that ships with matplotlib: Grace Hopper in uniform, one face."""
    from emoface.images import load_rgb, sample_photo_path

    return load_rgb(sample_photo_path())


@pytest.fixture(scope="session")
def fake_mug(tmp_path_factory: pytest.TempPathFactory, grace_hopper: np.ndarray) -> Path:
    """A MUG-shaped tree: 4 SynthFaces subjects, a real photo subject, a faceless and a broken take.

    ``subjects3/090`` is Grace Hopper (5 identical frames of "happiness"), ``091``'s anger take is
    a landscape with no face, and ``092``'s only frame is a truncated JPEG.
    """
    import cv2

    from emoface.datasets.synth.mug_folder import write_synth_mug

    root = tmp_path_factory.mktemp("mug")
    subjects = write_synth_mug(root, n_subjects=4, progress=False)
    bgr = cv2.cvtColor(grace_hopper, cv2.COLOR_RGB2BGR)
    landscape = np.dstack([np.tile(np.linspace(0, 255, 640, dtype=np.uint8), (480, 1))] * 3)
    for frame in range(5):
        (subjects / "090" / "happiness" / "take000").mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(subjects / "090" / "happiness" / "take000" / f"img_{frame:04d}.jpg"), bgr)
        (subjects / "091" / "anger" / "take000").mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(subjects / "091" / "anger" / "take000" / f"img_{frame:04d}.jpg"), landscape)
    broken = subjects / "092" / "session1" / "fear" / "take000"
    broken.mkdir(parents=True)
    (broken / "img_0000.jpg").write_bytes(cv2.imencode(".jpg", bgr)[1].tobytes()[:2000])
    return root
