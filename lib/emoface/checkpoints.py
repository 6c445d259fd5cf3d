"""Reading emoface's checkpoints: safely, and with an error that says what the file is not.

Every checkpoint emoface writes is a plain dictionary of tensors, strings and numbers with a
``"format"`` entry, so it loads with ``torch.load(weights_only=True)`` — no pickled code runs — and
a file of another kind (a text model passed where a GAN is expected, a truncated download) is
refused with a message rather than a ``KeyError`` deep inside a ``load_state_dict``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch


def load_plain(path: str | Path, what: str) -> object:
    """Whatever ``path`` holds, read with ``weights_only=True``; clear errors for a missing or foreign file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no {what} checkpoint at {path}")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # torch raises several types for a file that is not a checkpoint
        # torch's own message for a pickle with code in it advises weights_only=False: never pass that on
        reason = str(err).split("\n")[0]
        if "weights_only" in str(err) or "unpickl" in str(err).lower():
            reason = "it holds pickled Python objects, which emoface never loads: it only reads files it wrote"
        raise ValueError(f"{path} is not a readable PyTorch checkpoint ({type(err).__name__}: {reason}); "
                         f"pass an emoface {what} file, or train or download one again") from None


def read_checkpoint(path: str | Path, expected_format: str, what: str) -> dict:
    """The dictionary in ``path`` if its ``"format"`` is ``expected_format``; ``what`` names it in errors."""
    payload = load_plain(path, what)
    if not isinstance(payload, dict) or payload.get("format") != expected_format:
        raise ValueError(f"{path} is not an emoface {what} checkpoint (expected format {expected_format!r})")
    return payload


def hash_weights(digest: Any, module: torch.nn.Module | None) -> None:
    """Feed ``module``'s weights into ``digest`` (a ``hashlib`` hash): each tensor's name, dtype, shape and bytes,
    so equal digests mean equal weights, whatever their dtype. Nothing for None."""
    for name, tensor in (module.state_dict().items() if module is not None else ()):
        digest.update(f"|{name}|{tensor.dtype}|{tuple(tensor.shape)}|".encode())
        digest.update(tensor.detach().cpu().contiguous().reshape(-1).view(torch.uint8).numpy().tobytes())
