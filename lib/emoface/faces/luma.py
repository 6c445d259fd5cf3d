"""Brightness of a face, one formula for every step that asks "how dark?".

The paste, the wrinkle erase and the follow each compare brightness (a feature's fine detail, a line's depth, what
a flow follows); one helper keeps them on the same weights.
"""

from __future__ import annotations

import numpy as np

#: ITU-R BT.601 luma weights (R, G, B): the weights OpenCV's grey conversion uses.
BT601 = np.array([0.299, 0.587, 0.114], np.float32)


def luma(face: np.ndarray) -> np.ndarray:
    """(h, w) float32 brightness of an RGB face (h×w×3, levels, any dtype)."""
    return face.astype(np.float32) @ BT601
