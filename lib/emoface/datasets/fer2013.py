"""FER2013: a real facial-expression set with our seven labels that Colab can download with no request.

**Why this one.** MUG is given on request and CelebA has no emotion labels, so neither lets a
student train the expression StarGAN on real faces within one session. FER2013 (Goodfellow et al.,
"Challenges in Representation Learning", 2013, https://arxiv.org/abs/1307.0414) has exactly the
seven classes of :data:`emoface.labels.FACE_EXPRESSIONS`, and its original archive is mirrored as
a public Hugging Face dataset file that downloads over plain HTTPS with no account, no token and
no form: :data:`FER2013` below. The released R package ``torchvision`` (mlverse, on CRAN) downloads
FER2013 from the same URL, and the MD5 it pins for the file, ``ca95d94f...``, is also the MD5 an
independent loader pins for a Dropbox copy of ``fer2013.tar.gz``: the mirror serves the same
archive that has circulated since the challenge. We check that MD5 after every download.

**Licence: none stated.** The README inside the archive (quoted in many repositories) asks users
to cite the paper above; we found no licence in it or anywhere from the authors. The faces were
found with Google image search (the paper), so their copyright stays with whoever took the
photographs. The set was released on Kaggle for the ICML 2013 workshop challenge
(https://www.kaggle.com/c/challenges-in-representation-learning-facial-expression-recognition-challenge),
and we found no licence for the data on its rules page either. Microsoft's FER+ relabelling (MIT
licence, for its *labels* only) says in its README "we can't host the actual image content".
Treat FER2013 as a research and teaching set: do not redistribute the images or ship models
trained on them in a product. The mirror's dataset card says ``license: mit``; that is the
uploader's claim, not the authors', and we do not rely on it.

**Size.** 35,887 faces, 48×48 8-bit grayscale, in one CSV (``emotion,pixels,Usage``; the pixels
are 2,304 space-separated numbers, row-major) inside a ~90 MB ``fer2013.tar.gz``. ``Usage``
splits it into Training (28,709), PublicTest (3,589) and PrivateTest (3,589), which we call
``train``, ``val`` and ``test`` as FER+ does. Classes are unbalanced: 8,989 happiness but 547
disgust (the paper), and the labels are noisy (the paper puts human accuracy at about 65 %).

**Labels.** FER2013's ids are 0 Angry, 1 Disgust, 2 Fear, 3 Happy, 4 Sad, 5 Surprise, 6 Neutral;
ours are alphabetical, so 4 → ``sadness``, 5 → ``surprise`` and 6 → ``neutral`` (see
:data:`FER2013_CLASSES`). Every FER class has a StarGAN domain; none is dropped or merged.

**Caveat: tiny gray faces.** The StarGAN of this course works on 128×128 RGB. Each face is
therefore repeated into three identical channels and upscaled (bicubic) to ``size``; the result
is a blurry gray face, and a GAN trained on it draws blurry gray faces. The crops are already
tight around the face, so tunedMUG's Haar crop is not needed, but they are not aligned the way
MUG's studio frames are. It is a stand-in that lets the full pipeline run on real expressions,
not a substitute for MUG's quality.

:func:`prepare_fer2013` downloads the archive once and writes
``<folder>/fer2013-<size>/<split>/<expression>/<index>.png``, which
:class:`emoface.datasets.face_folder.FaceFolder` reads. On Colab, keep that folder on the local disk
(``/content``): 36k small files on a mounted Google Drive take a long time to write.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import tarfile
import zipfile
import zlib
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, NamedTuple, TextIO

import cv2
import numpy as np
from tqdm.auto import tqdm

from ..atomic import atomic_write_text
from ..download import DownloadError, Resource
from ..images import save_rgb
from ..labels import FACE_EXPRESSIONS
from ..settings import data_dir
from .mug import DatasetNotFoundError

FER2013_HOMEPAGE = "https://www.kaggle.com/c/challenges-in-representation-learning-facial-expression-recognition-challenge"
FER2013_MIRROR = "https://huggingface.co/datasets/JimmyUnleashed/FER-2013"

#: The original ``fer2013.tar.gz`` (``fer2013/fer2013.csv``, ``README``, ``fer2013.bib``).
#: ``sha256=None`` because no source we could check publishes its SHA-256 and this machine
#: cannot reach the mirror to compute it; the MD5 below, pinned by two independent loaders,
#: is checked by :func:`prepare_fer2013` instead. ``main`` rather than a commit, since we could
#: not read the mirror's history: the MD5 check turns any change upstream into a clear error.
FER2013 = Resource(
    filename="fer2013.tar.gz",
    sha256=None,
    url=f"{FER2013_MIRROR}/resolve/main/fer2013.tar.gz",
    homepage=FER2013_MIRROR,
)
#: MD5 of that archive, as pinned by mlverse/torchvision (R/dataset-fer.R) for the mirror and by
#: an older loader for a Dropbox copy of the same file.
FER2013_MD5 = "ca95d94fe42f6ce65aaae694d18c628a"

#: FER2013's emotion id → our expression name (its order is not ours: 4 is Sad, 6 is Neutral).
FER2013_CLASSES: tuple[str, ...] = ("anger", "disgust", "fear", "happiness", "sadness", "surprise", "neutral")
#: FER2013's ``Usage`` → our split name.
FER2013_SPLITS: dict[str, str] = {"Training": "train", "PublicTest": "val", "PrivateTest": "test"}
#: Files inside an archive that hold the whole set (``icml_face_data.csv`` is Kaggle's newer name).
CSV_NAMES: tuple[str, ...] = ("fer2013.csv", "icml_face_data.csv")
SIDE = 48

_FER_TO_ID = np.array([FACE_EXPRESSIONS.index(name) for name in FER2013_CLASSES], dtype=np.int64)
_MARKER = ".fer2013.json"


class Fer2013FormatError(ValueError):
    """The file is not FER2013's CSV (or an archive holding it), or it is damaged; the message says what to do."""


class Fer2013(NamedTuple):
    """The parsed set, in file order."""

    #: ``(N, 48, 48)`` uint8 grayscale faces.
    images: np.ndarray
    #: ``(N,)`` int64 ids into :data:`emoface.labels.FACE_EXPRESSIONS` (already mapped from FER's ids).
    labels: np.ndarray
    #: ``(N,)`` split names: ``train``, ``val`` or ``test``.
    splits: np.ndarray


def fer_to_expression(fer_id: int) -> str:
    """Our expression name for one of FER2013's emotion ids (0–6)."""
    if not 0 <= int(fer_id) < len(FER2013_CLASSES):
        raise ValueError(f"FER2013 emotion ids are 0..6, not {fer_id}")
    return FER2013_CLASSES[int(fer_id)]


def read_fer2013(source_file: str | os.PathLike) -> Fer2013:
    """Parse FER2013 from its CSV, or straight from ``fer2013.tar.gz`` / a Kaggle ``.zip`` holding it.

    Reading the CSV inside the archive avoids writing its ~300 MB of text to disk. Columns are found by
    name (``fer2013.csv`` has ``emotion,pixels,Usage``, ``icml_face_data.csv`` has
    ``emotion, Usage, pixels``); a CSV without ``Usage`` (Kaggle's ``train.csv``) is all ``train``.
    Every row is checked, so a wrong or cut file fails here, not halfway through training.
    """
    path = Path(source_file)
    if not path.is_file():
        raise DatasetNotFoundError(
            f"no FER2013 file at {path}. Run emoface.datasets.fer2013.prepare_fer2013() to download it from "
            f"{FER2013.url}, or save fer2013.tar.gz (or its fer2013.csv) there by hand; the original is on {FER2013_HOMEPAGE}."
        )
    images: list[np.ndarray] = []
    labels: list[int] = []
    splits: list[str] = []
    with _open_csv(path) as (text, name):
        try:
            reader = csv.reader(text)
            header = [h.strip().lstrip("\ufeff").lower() for h in next(reader, [])]
            if "emotion" not in header or "pixels" not in header:
                raise _malformed(path, f"{name} has columns {header}, not FER2013's emotion, pixels, Usage")
            col_emotion, col_pixels = header.index("emotion"), header.index("pixels")
            col_usage = header.index("usage") if "usage" in header else None
            for line, row in enumerate(reader, start=2):
                if not row:
                    continue
                images.append(_pixels(row, col_pixels, path, line))
                labels.append(_emotion(row, col_emotion, path, line))
                splits.append(_usage(row, col_usage, path, line))
        except (csv.Error, UnicodeDecodeError, EOFError, OSError, zlib.error, tarfile.TarError, zipfile.BadZipFile) as err:
            # A truncated .gz raises EOFError only when the cut is reached, deep in the loop.
            raise _malformed(path, f"{name} could not be read to the end ({type(err).__name__}: {err})") from None
    if not images:
        raise _malformed(path, f"{name} has a header but no faces")
    return Fer2013(np.stack(images), _FER_TO_ID[np.asarray(labels, dtype=np.int64)], np.asarray(splits))


def export_expression_folder(
    source_file: str | os.PathLike, out_root: str | os.PathLike, split: str, size: int = 128, progress: bool = True
) -> dict[str, int]:
    """Write one split as ``<out_root>/<split>/<expression>/<index>.png`` (RGB, ``size``×``size``); return counts.

    ``<index>`` is the face's row in the CSV, so a file name always points back to its source.
    Idempotent and resumable: a finished split is recognised by its marker file and skipped, and
    an interrupted one keeps the PNGs already written (each was written atomically).
    """
    return _export(read_fer2013(source_file), Path(out_root), split, size, progress)


def prepare_fer2013(folder: str | os.PathLike | None = None, progress: bool = True, size: int = 128) -> Path:
    """Download FER2013 (once, MD5-checked) and export all three splits; return ``<folder>/fer2013-<size>``.

    ``folder`` defaults to the data folder (``$EMOFACE_DATA``). A ``fer2013.csv`` or
    ``icml_face_data.csv`` already in ``folder`` (say, from Kaggle) is used instead of downloading.
    Train on ``FaceFolder(prepare_fer2013() / "train", size=...)``.
    """
    folder = Path(folder) if folder is not None else data_dir()
    out_root = folder / f"fer2013-{size}"
    wanted = tuple(FER2013_SPLITS.values())
    if all(_finished(out_root / split, size) is not None for split in wanted):
        return out_root
    source = next((folder / name for name in CSV_NAMES if (folder / name).is_file()), None)
    if source is None:
        source = FER2013.fetch(folder, progress=progress)
        _check_md5(source)
    data = read_fer2013(source)
    for split in wanted:
        _export(data, out_root, split, size, progress)
    return out_root


def _export(data: Fer2013, out_root: Path, split: str, size: int, progress: bool) -> dict[str, int]:
    if split not in FER2013_SPLITS.values():
        raise ValueError(f"unknown split {split!r}; FER2013's are {', '.join(FER2013_SPLITS.values())}")
    if size < 1:
        raise ValueError(f"size must be a positive number of pixels, not {size}")
    target = out_root / split
    done = _finished(target, size)
    if done is not None:
        return done
    rows = np.flatnonzero(data.splits == split)
    counts = {name: 0 for name in FACE_EXPRESSIONS}
    for index in tqdm(rows, desc=f"FER2013 {split}", unit="img", disable=not progress):
        expression = FACE_EXPRESSIONS[int(data.labels[index])]
        counts[expression] += 1
        path = target / expression / f"{index:05d}.png"
        if not path.is_file():  # written atomically, so a present file is a whole one
            save_rgb(path, _to_rgb(data.images[index], size))
    counts = {name: n for name, n in counts.items() if n}
    atomic_write_text(target / _MARKER, json.dumps({"size": size, "counts": counts}, indent=1))
    return counts


def _finished(target: Path, size: int) -> dict[str, int] | None:
    """The counts of a completed export at ``size``, ``None`` if it is not complete."""
    marker = target / _MARKER
    if not marker.is_file():
        return None
    info = json.loads(marker.read_text(encoding="utf-8"))
    if info.get("size") != size:
        # Mixing 64 px and 128 px files in one folder would only fail later, in FaceFolder.
        raise ValueError(
            f"{target} already holds FER2013 exported at {info.get('size')} px, not {size} px; "
            "delete that folder or export into another one"
        )
    return dict(info["counts"])


def _to_rgb(gray: np.ndarray, size: int) -> np.ndarray:
    if gray.shape != (size, size):
        # Bicubic: these are upscaled 2.7x for 128 px, where INTER_AREA would be blocky.
        gray = cv2.resize(gray, (size, size), interpolation=cv2.INTER_CUBIC)
    return np.repeat(gray[:, :, None], 3, axis=2)


def _pixels(row: list[str], column: int, path: Path, line: int) -> np.ndarray:
    try:
        values = np.array(row[column].split(), dtype=np.int64)
    except (IndexError, ValueError):
        raise _malformed(path, f"line {line}: the pixels are not a list of whole numbers") from None
    if values.size != SIDE * SIDE:
        raise _malformed(path, f"line {line} has {values.size} pixels, not {SIDE}×{SIDE} = {SIDE * SIDE}")
    if values.min() < 0 or values.max() > 255:
        raise _malformed(path, f"line {line} has pixel values outside 0..255")
    return values.astype(np.uint8).reshape(SIDE, SIDE)


def _emotion(row: list[str], column: int, path: Path, line: int) -> int:
    try:
        value = int(row[column])
    except (IndexError, ValueError):
        raise _malformed(path, f"line {line}: the emotion is missing or not a number") from None
    if not 0 <= value < len(FER2013_CLASSES):
        raise _malformed(path, f"line {line}: emotion {value} is not one of FER2013's ids 0..6")
    return value


def _usage(row: list[str], column: int | None, path: Path, line: int) -> str:
    if column is None:
        return "train"
    usage = row[column].strip() if column < len(row) else ""
    if usage not in FER2013_SPLITS:
        raise _malformed(path, f"line {line}: Usage {usage!r} is not one of {', '.join(FER2013_SPLITS)}")
    return FER2013_SPLITS[usage]


@contextmanager
def _open_csv(path: Path) -> Iterator[tuple[TextIO, str]]:
    """The FER2013 CSV as text, from the file itself or from inside a tar / zip archive."""
    if tarfile.is_tarfile(path):
        try:
            archive = tarfile.open(path, "r:*")
        except (tarfile.TarError, EOFError, OSError, zlib.error) as err:
            raise _malformed(path, f"the archive is damaged ({type(err).__name__}: {err})") from None
        with archive:
            try:
                # Walk members in order and stop at the CSV: getmembers() would decompress the whole
                # archive once just to list it, and extractfile() would then decompress it again.
                member = next((m for m in archive if m.isfile() and Path(m.name).name in CSV_NAMES), None)
            except (tarfile.TarError, EOFError, OSError, zlib.error) as err:
                raise _malformed(path, f"the archive is damaged ({type(err).__name__}: {err})") from None
            if member is None:
                raise _malformed(path, f"the archive holds no {' or '.join(CSV_NAMES)}")
            with io.TextIOWrapper(archive.extractfile(member), encoding="utf-8", newline="") as text:
                yield text, member.name
        return
    if zipfile.is_zipfile(path):
        try:
            archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as err:
            raise _malformed(path, f"the archive is damaged ({type(err).__name__}: {err})") from None
        with archive:
            member = next((n for n in archive.namelist() if Path(n).name in CSV_NAMES), None)
            if member is None:
                raise _malformed(path, f"the archive holds no {' or '.join(CSV_NAMES)}")
            with io.TextIOWrapper(archive.open(member), encoding="utf-8", newline="") as text:
                yield text, member
        return
    if path.suffix.lower() in (".gz", ".tgz", ".tar", ".zip"):
        raise _malformed(path, "it is named like an archive but is not a readable tar or zip (an error page saved as a file?)")
    with open(path, encoding="utf-8", newline="") as text:
        yield text, path.name


def _check_md5(path: Path) -> None:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    if digest.hexdigest() != FER2013_MD5:
        # Moved aside, not deleted and not kept: fetch() accepts any file at this name, so a bad
        # copy left in place would be "found" on every later run.
        rejected = path.with_name(path.name + ".rejected")
        os.replace(path, rejected)
        raise DownloadError(
            f"{path.name} has MD5 {digest.hexdigest()}, not FER2013's {FER2013_MD5}: the mirror changed or served "
            f"something else. It was moved to {rejected}. Run prepare_fer2013() again to retry, or download "
            f"fer2013.tar.gz by hand (from {FER2013_MIRROR} or {FER2013_HOMEPAGE}) and save it, or its fer2013.csv, in {path.parent}."
        )


def _malformed(path: Path, what: str) -> Fer2013FormatError:
    return Fer2013FormatError(
        f"{path} is not a usable FER2013 file: {what}. Delete it and run prepare_fer2013() again to download "
        f"a fresh copy, or get fer2013.tar.gz by hand from {FER2013_MIRROR} (or {FER2013_HOMEPAGE})."
    )
