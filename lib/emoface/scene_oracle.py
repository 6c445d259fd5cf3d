"""A perfect generator at the engine's size: the person's true target face painted in G's place.

Why: an edit on a scene is G's 64-pixel painting, upsampled, pasted into the photo's levels and refined.
When an edit shows a ghost, is it G's painting, the 64 pixels, or the paste? Grading the same pipeline
with the true face (cut, resized and equalised exactly as the engine cuts the photo) where G's output
would be answers it: whatever this oracle still gets wrong, no better G at that size can mend.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Iterator

import numpy as np

from .engines.stargan import EQUALIZATION
from .faces.detect import cut, resize_square
from .faces.equalize import equalize
from .stargan.figures import to_tensor

if TYPE_CHECKING:
    from .pipeline import Pipeline


@contextmanager
def truth_painted(pipeline: "Pipeline", photo: np.ndarray, truth: np.ndarray, target: str) -> Iterator[None]:
    """Within the block, ``pipeline``'s StarGAN engine edits ``photo`` into ``target`` by painting ``truth`` (the
    same person in the target expression, pixel-aligned with ``photo``) where G's output for ``target`` would
    be. The pipeline's cache is emptied on the way in and out, so no edit of G's answers for the truth's or
    the other way round."""
    engine = pipeline.stargan
    crop = engine.crop(photo)
    side = crop.face.shape[0]
    painted = to_tensor(equalize(resize_square(cut(truth, crop.crop_box), side), EQUALIZATION))
    index = engine.classes.index(target)
    generated = engine.all_domains

    def all_domains(x):
        outputs, paintings = generated(x)
        outputs = outputs.clone()
        outputs[0, index] = painted[0].to(outputs.device, outputs.dtype)
        return outputs, paintings

    engine.all_domains = all_domains
    pipeline.clear_cache()
    try:
        yield
    finally:
        del engine.all_domains  # the class's method again
        pipeline.clear_cache()
