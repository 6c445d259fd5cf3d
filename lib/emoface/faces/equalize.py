"""Histogram equalisation of face crops: the paper's §3.2.2 and its Fig. 3.

The paper equalises every tunedMUG crop "to ensure that all of the picture data has the same
distribution" (citing Cheng and Shi, 2004) but does not say how a colour image is equalised.
There are two common readings, and both are here:

``"luminance"`` (our default)
    Convert to YCrCb, equalise only Y (brightness), convert back. Contrast is spread over the full
    0–255 range exactly as in the grey case, while the two chroma channels — the skin tone, the
    colour of hair and eyes — are left untouched.
``"per_channel"``
    Equalise R, G and B independently. Each channel is stretched by its own curve, so their ratios
    change: a warm-lit face loses its warmth, a pale face turns grey or bluish. This is what
    ``cv2.equalizeHist`` applied to each channel, the quickest thing to write, does.

We default to luminance because the GAN must keep a person's identity, and skin tone is part of
it; :func:`chroma_shift` measures how much colour each mode changes (``02_tunedmug.ipynb`` shows
both on a real photograph).
"""

from __future__ import annotations

from typing import Literal

import cv2
import numpy as np

EqualizeMode = Literal["luminance", "per_channel", "none"]
MODES: tuple[str, ...] = ("luminance", "per_channel", "none")


def equalize(rgb: np.ndarray, mode: EqualizeMode = "luminance") -> np.ndarray:
    """Histogram-equalise an RGB ``uint8`` image; ``"none"`` returns a copy unchanged (for ablations)."""
    _check_rgb(rgb)
    if mode == "luminance":
        ycrcb = cv2.cvtColor(rgb, cv2.COLOR_RGB2YCrCb)
        ycrcb[:, :, 0] = cv2.equalizeHist(ycrcb[:, :, 0])
        return cv2.cvtColor(ycrcb, cv2.COLOR_YCrCb2RGB)
    if mode == "per_channel":
        return np.stack([cv2.equalizeHist(np.ascontiguousarray(rgb[:, :, c])) for c in range(3)], axis=2)
    if mode == "none":
        return rgb.copy()
    raise ValueError(f"unknown equalisation mode {mode!r}; choose one of {', '.join(MODES)}")


def histograms(rgb: np.ndarray) -> dict[str, np.ndarray]:
    """256-bin counts of R, G, B and luminance (Y): the curves of the paper's Fig. 3."""
    _check_rgb(rgb)
    luminance = cv2.cvtColor(rgb, cv2.COLOR_RGB2YCrCb)[:, :, 0]
    channels = {"red": rgb[:, :, 0], "green": rgb[:, :, 1], "blue": rgb[:, :, 2], "luminance": luminance}
    return {name: np.bincount(values.ravel(), minlength=256) for name, values in channels.items()}


def chroma_shift(before: np.ndarray, after: np.ndarray) -> float:
    """Mean absolute change of the two chroma channels (Cr, Cb), in 8-bit levels.

    Zero means the colours (hue and saturation relative to brightness) were kept and only the
    brightness changed; the larger it is, the more a face's skin tone was altered.
    """
    _check_rgb(before)
    _check_rgb(after)
    a = cv2.cvtColor(before, cv2.COLOR_RGB2YCrCb)[:, :, 1:].astype(np.float32)
    b = cv2.cvtColor(after, cv2.COLOR_RGB2YCrCb)[:, :, 1:].astype(np.float32)
    return float(np.abs(a - b).mean())


def _check_rgb(rgb: np.ndarray) -> None:
    if not isinstance(rgb, np.ndarray) or rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        shape = getattr(rgb, "shape", None)
        dtype = getattr(rgb, "dtype", type(rgb).__name__)
        raise ValueError(
            f"expected an H×W×3 RGB uint8 image, got shape {shape} and dtype {dtype}; "
            "read files with emoface.images.load_rgb first"
        )
