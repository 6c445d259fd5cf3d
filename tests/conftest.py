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
