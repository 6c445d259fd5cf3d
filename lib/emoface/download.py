"""Fetch a public file once, check it, and never leave half of it behind.

Colab sessions drop and links die (the official StarGAN's most reported problem is its dead
download links), so every download in emoface goes through :func:`fetch`:

1. if the file is already in the data folder with the right SHA-256, nothing is fetched;
2. otherwise it streams into a temporary file *in the same folder*, with a ``tqdm`` progress bar,
   hashing as it goes;
3. only a complete file is renamed into place (``os.replace`` is atomic on one file system): its
   hash must match when it is pinned, and its length must match the ``Content-Length`` the server
   declared — urllib's ``read`` returns short, without an error, when a connection is cut, so a
   file with no pinned hash would otherwise pass for whole and never be fetched again;
4. temporary ``.NAME.*.part`` files left by a killed process are removed at the next attempt.

Offline, a dead link or a wrong hash raise :class:`DownloadError` with the URL, the path the file
should have, and what to do by hand. Google-Drive files (CelebA, released checkpoints) go through
``gdown``, which knows Drive's confirmation pages, and then through the same check and rename.

Used by the real loaders (``datasets.celeba``, ``text.corpora``); taught in ``01_datasets.ipynb``.
"""

from __future__ import annotations

import glob
import hashlib
import http.client
import os
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from tqdm.auto import tqdm

from .settings import data_dir

_CHUNK = 1 << 16


class DownloadError(RuntimeError):
    """A file could not be fetched or did not match its expected hash. The message says what to do."""


@dataclass(frozen=True)
class Resource:
    """One public file a loader needs: where it lives, what it must hash to, and its name on disk."""

    filename: str
    sha256: str | None
    url: str | None = None
    gdrive_id: str | None = None
    #: Where a person can get it by hand (a page, not the file), shown when the download fails.
    homepage: str = ""

    def fetch(self, folder: Path | None = None, progress: bool = True) -> Path:
        """Return the local path, downloading it first if it is missing or wrong."""
        if self.url:
            return fetch(self.url, self.filename, sha256=self.sha256, folder=folder, progress=progress,
                         homepage=self.homepage)
        if self.gdrive_id:
            return fetch_gdrive(self.gdrive_id, self.filename, sha256=self.sha256, folder=folder,
                                progress=progress, homepage=self.homepage)
        raise ValueError(f"resource {self.filename!r} has neither a url nor a gdrive_id")


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks so a 1 GB archive does not fill memory."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fetch(
    url: str,
    filename: str | None = None,
    *,
    sha256: str | None,
    folder: Path | None = None,
    progress: bool = True,
    timeout: float = 30.0,
    homepage: str = "",
) -> Path:
    """Download ``url`` to ``folder/filename`` (default: the data folder), checked and atomic.

    ``sha256=None`` accepts any content; pass the hash whenever it is known, since it is what
    tells a moved or truncated file from the real one.
    """
    target = _target(folder, filename or Path(urllib.request.urlparse(url).path).name or "download")
    if _already_there(target, sha256):
        return target

    def write(tmp: Path) -> None:
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response, open(tmp, "wb") as out:
                total = int(response.headers.get("Content-Length") or 0) or None
                received = 0
                with tqdm(total=total, unit="B", unit_scale=True, desc=target.name, disable=not progress) as bar:
                    for chunk in iter(lambda: response.read(_CHUNK), b""):
                        out.write(chunk)
                        received += len(chunk)
                        bar.update(len(chunk))
            if total is not None and received != total:
                raise DownloadError(
                    f"the download of {url} was cut short: {received:,} of {total:,} bytes arrived. Nothing was "
                    "saved; run it again. " + _by_hand(target, homepage))
        except urllib.error.HTTPError as err:
            raise DownloadError(
                f"{url} answered HTTP {err.code} ({err.reason}): the file has moved or gone. "
                + _by_hand(target, homepage)
            ) from err
        except (urllib.error.URLError, http.client.HTTPException, TimeoutError, ConnectionError, OSError) as err:
            raise DownloadError(
                f"could not download {url} ({getattr(err, 'reason', err)}); are you offline? "
                + _by_hand(target, homepage)
            ) from err

    return _download_atomically(target, sha256, write, source=url, homepage=homepage)


def fetch_gdrive(
    file_id: str,
    filename: str,
    *,
    sha256: str | None,
    folder: Path | None = None,
    progress: bool = True,
    homepage: str = "",
) -> Path:
    """Download a Google-Drive file by id through ``gdown``, with the same check and rename."""
    target = _target(folder, filename)
    if _already_there(target, sha256):
        return target

    def write(tmp: Path) -> None:
        import gdown  # imported here: only the full profile ever reaches Drive

        try:
            result = gdown.download(id=file_id, output=str(tmp), quiet=not progress)
        except Exception as err:  # gdown raises many types (FileURLRetrievalError, requests errors, ...)
            raise DownloadError(
                f"gdown could not fetch Google-Drive file {file_id} ({type(err).__name__}: {err}). "
                "Drive limits how often a public file is downloaded per day; try again later, or "
                + _by_hand(target, homepage or f"https://drive.google.com/file/d/{file_id}")
            ) from err
        if result is None:
            raise DownloadError(
                f"gdown returned nothing for Google-Drive file {file_id}. "
                + _by_hand(target, homepage or f"https://drive.google.com/file/d/{file_id}")
            )

    return _download_atomically(target, sha256, write, source=f"gdrive:{file_id}", homepage=homepage)


def _target(folder: Path | None, filename: str) -> Path:
    folder = Path(folder) if folder is not None else data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return folder / filename


def _already_there(target: Path, sha256: str | None) -> bool:
    """True when a good copy is present. A bad copy is left alone here and replaced only by a good one."""
    return target.is_file() and (sha256 is None or sha256_of(target) == sha256.lower())


def _download_atomically(
    target: Path, sha256: str | None, write: Callable[[Path], None], *, source: str, homepage: str
) -> Path:
    # A process killed mid-download (Colab's disconnects) leaves its part file: clear them first.
    for stale in glob.glob(str(target.parent / f".{glob.escape(target.name)}.*.part")):
        Path(stale).unlink(missing_ok=True)
    # The temporary file lives beside the target so that os.replace is a rename on one file system.
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(handle)
    tmp = Path(name)
    try:
        write(tmp)
        if sha256 is not None:
            got = sha256_of(tmp)
            if got != sha256.lower():
                raise DownloadError(
                    f"{source} downloaded, but its SHA-256 is {got}, not the expected {sha256}: the file "
                    "changed upstream or the download was cut short. Nothing was saved. " + _by_hand(target, homepage)
                )
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def _by_hand(target: Path, homepage: str) -> str:
    where = f" from {homepage}" if homepage else ""
    return f"To continue offline, download it by hand{where} and save it as {target}."
