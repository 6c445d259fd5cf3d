"""The expression reader: a discriminator-shaped classifier that says which expression a photo already shows.

The engine asks it before redrawing a face, to answer "the face already shows it" rather than redraw
(:meth:`emoface.engines.stargan.StarGanEngine.read_expression`). GAN training teaches D the
expressions of SynthFaces' *aligned* faces; the engine reads *Haar crops of whole scenes*, which sit a
little differently in the frame. Measured (2026-12-04): the four-stage chain's sharp D read 111 of 140
tuning scene crops right, and after 800 classifier-only steps on the engine's crops of 400 training
people 136. So a generator file's reader is fine-tuned on the crops the engine will see.
Taught in ``04_stargan.ipynb`` (section 6b) and measured in docs/stargan.md.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from ..datasets.synth import Identity, draw_scene, random_identity
from ..faces.equalize import equalize
from ..labels import FACE_EXPRESSIONS
from .figures import to_tensor
from .model import Discriminator
from .trainer import StarGANConfig

#: Training scenes draw their placement and noise from this seed plus the person's number, so the
#: engine's held-out check (``rng`` seeds 0–19) never meets the same frame.
SCENE_SEED = 10_000


def person_identity(number: int) -> Identity:
    """SynthFaces person ``number``, as :class:`~emoface.datasets.synth.SynthFaces` (seed 0) draws them."""
    return random_identity(np.random.default_rng([0, number]))


def person_scene(number: int, expression: str) -> np.ndarray:
    """SynthFaces person ``number``'s scene in ``expression`` (H×W×3 RGB uint8): placed by
    :data:`SCENE_SEED` + ``number``, so the same frame in every expression."""
    return draw_scene(person_identity(number), expression, rng=np.random.default_rng(SCENE_SEED + number))[0]


def person_scenes(number: int) -> dict[str, np.ndarray]:
    """SynthFaces person ``number``'s scene in each of the seven expressions, by expression."""
    return {expression: person_scene(number, expression) for expression in FACE_EXPRESSIONS}


def scene_crops(people: range, crop: Callable[[np.ndarray], np.ndarray],
                progress: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
    """Every expression of each SynthFaces person in ``people`` as a scene, cut out by ``crop`` (photo →
    the model-size face, as the engine cuts it) and luminance-equalised: (N, 3, S, S) in [-1, 1], labels (N,).

    A scene whose face the cascade misses is skipped, as the engine would refuse it."""
    faces, labels = [], []
    for number in tqdm(people, desc="scene crops", disable=not progress):
        for label, expression in enumerate(FACE_EXPRESSIONS):
            photo = person_scene(number, expression)
            try:
                face = crop(photo)
            except ValueError:  # NoFaceError: nothing the engine could read either
                continue
            faces.append(to_tensor(equalize(face, "luminance"))[0])
            labels.append(label)
    if not faces:
        raise ValueError("the cascade found no face in any scene; check the detector")
    return torch.stack(faces), torch.tensor(labels)


def train_reader(start: dict, config: StarGANConfig, faces: torch.Tensor, labels: torch.Tensor, steps: int = 800,
                 lr: float = 5e-5, batch: int = 16, seed: int = 0, progress: bool = True) -> dict:
    """``start`` (a sharply trained D's state dict) fine-tuned ``steps`` steps on D's expression
    classification alone (cross-entropy on ``faces``): the reader's state dict, float32."""
    reader = Discriminator.from_config(config)
    reader.load_state_dict(start)
    reader.train()
    optimiser = torch.optim.Adam(reader.parameters(), lr, betas=(config.beta1, config.beta2))
    draw = torch.Generator().manual_seed(seed)
    for _ in tqdm(range(steps), desc="reader", disable=not progress):
        chosen = torch.randint(len(faces), (batch,), generator=draw)
        loss = F.cross_entropy(reader(faces[chosen])[1], labels[chosen])
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    return {name: value.detach().clone() for name, value in reader.state_dict().items()}


def reading_accuracy(reader_state: dict, config: StarGANConfig, faces: torch.Tensor, labels: torch.Tensor) -> float:
    """The share of ``faces`` whose expression the reader names right."""
    reader = Discriminator.from_config(config)
    reader.load_state_dict(reader_state)
    with torch.no_grad():
        named = reader.eval()(faces)[1].argmax(1)
    return float((named == labels).float().mean())
