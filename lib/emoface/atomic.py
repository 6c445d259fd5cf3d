"""Write files so that a reader never sees half of one.

Colab sessions die mid-write, and a checkpoint or a dataset image cut in half is worse than none:
it loads, or almost loads, and fails hours later. Every file emoface produces goes through here:
the bytes go to a temporary file beside the target, are flushed to disk, and the temporary file
is renamed over the target with ``os.replace``, which is atomic on one file system.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; parent folders are created."""
    return atomic_write(path, lambda handle: handle.write(data))


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write(path: str | os.PathLike, write: Callable[[object], object]) -> Path:
    """Call ``write(binary_file_handle)`` on a temporary file, then move it to ``path``.

    The callback form lets ``torch.save`` stream a checkpoint straight into the temporary file.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            write(out)
            out.flush()
            os.fsync(out.fileno())
        # mkstemp makes the file private (0600); give it the permissions a plain open() would have.
        os.chmod(name, 0o666 & ~_umask())
        os.replace(name, target)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return target


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
