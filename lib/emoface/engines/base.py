"""What every engine takes and gives: a photo, the face found in it, a target and an intensity in;
the edited photo and a record of what was done out.

The pipeline (:mod:`emoface.pipeline`) finds the faces once (:class:`emoface.faces.find.FaceFinder`),
so every engine edits the same face, and a result can say how many there were and which one
changed. An engine never decides *whether* to edit; it edits, and says what it did in
:attr:`EngineEdit.record` (JSON-ready), so the pipeline can tell a user the truth — including
"nothing changed".
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import numpy as np
import torch

from ..faces.detect import Box, FaceDetector
from ..faces.find import FoundFace

#: The registry: engine name → module of this package that has ``create(context) -> EditEngine``.
ENGINE_MODULES: dict[str, str] = {
    "stargan": "stargan",
    "warp": "warp",
}


#: What ``engine="auto"`` does with a face dlib finds (a rolled head always goes to the warp):
#: ``"stargan"`` — the generator draws it; ``"look"`` — StarGAN if the face looks like a SynthFaces
#: drawing, else the warp; ``"warp"`` — the warp draws it.
AutoRule = Literal["stargan", "look", "warp"]


def auto_rule(trained_on: Any) -> AutoRule:
    """``engine="auto"``'s rule for a generator trained on ``trained_on``
    (:class:`emoface.stargan.generator_file.TrainingSet`), decided by what it was trained on:

    * real colour photographs (tunedMUG, MUG): it can redraw a photograph — ``"stargan"``;
    * SynthFaces: it redraws drawings like its own, not photographs — ``"look"``;
    * faces it cannot redraw a colour photograph from (FER2013's 48×48 grey faces) — ``"warp"``;
    * a file that does not say — ``"stargan"`` (the user chose it; its domain score still flags a face).
    """
    if trained_on.name == "synthfaces":
        return "look"
    if trained_on.real_photos is False:
        return "warp"
    if trained_on.real_photos is True or trained_on.real_photos is None:
        return "stargan"
    raise ValueError(f"real_photos must be True, False or None, not {trained_on.real_photos!r}")


@dataclass(frozen=True)
class EngineEdit:
    """One engine's edit of one face."""

    #: The whole photo, edited (RGB uint8, the input's size).
    photo: np.ndarray
    #: The square around the face where its before/after views are cut (and StarGAN pastes back).
    crop_box: Box
    #: The box the engine worked from (StarGAN: its Haar box; the warp: the face's detection).
    face_box: Box
    #: The face before and after, as the engine saw it (StarGAN: the generator's input and output;
    #: the warp: the crop box at the pipeline's view size).
    face_before: np.ndarray
    face_after: np.ndarray
    #: What the engine did, for people and JSON: the mouth, the creases, the source expression, ...
    record: dict[str, Any] = field(default_factory=dict)
    #: The warp's control points before and after, (2, 70, 2); None for StarGAN.
    landmarks: np.ndarray | None = None
    #: StarGAN's domain score for this face; None for the warp.
    domain_score: float | None = None
    #: The face is unlike what the engine knows (StarGAN: domain score above the threshold).
    out_of_domain: bool = False


@dataclass(frozen=True)
class EngineContext:
    """What an engine may need from the pipeline to be built."""

    generator: Any  # emoface.stargan.generator_file.LoadedGenerator
    device: torch.device
    detector: FaceDetector
    mode: str = "residual"
    ood_threshold: float | None = None
    #: The size of the before/after face views (the generator's image size).
    view_size: int = 64


class EditEngine(Protocol):
    """The interface: ``edit(photo, face, target, intensity) -> EngineEdit``."""

    name: str

    def edit(self, photo: np.ndarray, face: FoundFace, target: str, intensity: float) -> EngineEdit: ...


def create_engine(name: str, context: EngineContext) -> EditEngine:
    """Build the engine called ``name`` (a key of :data:`ENGINE_MODULES`)."""
    if name not in ENGINE_MODULES:
        raise ValueError(f"engine must be one of {', '.join(ENGINE_MODULES)}, not {name!r}")
    module = importlib.import_module(f"{__package__}.{ENGINE_MODULES[name]}")
    return module.create(context)
