"""Fig. 6 of the seed paper as an experiment: does tunedMUG (Haar crop + equalisation) help StarGAN?

The paper shows one picture per setting — StarGAN trained on raw MUG frames, and on tunedMUG — and
says the second looks better. Here the same budget is spent on three versions of the *same* frames:

* ``uncropped`` — the whole video frame (centre square, resized), as raw MUG;
* ``crop`` — the Haar-cascade face crop, no equalisation;
* ``crop+equalise`` — the crop, luminance-equalised: tunedMUG.

The frames are SynthFaces scenes (640×480, a face in a room, the lighting of the identity), so every
identity exists in all seven expressions with the same framing, and each variant is graded by
:func:`emoface.stargan.evaluate.grade_on_pairs` on held-out identities, with a judge trained on that
variant's own real training images. A person whose face the cascade misses in any expression is
left out of every variant, so all three see the same people.

Taught in ``04_stargan.ipynb``; ``scripts/run_ablation.py`` runs it at a chosen budget.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..faces.detect import NoFaceError, default_detector
from ..faces.synth import draw_scene, random_identity
from ..faces.tunedmug import TunedMugConfig, prepare_face
from ..labels import FACE_EXPRESSIONS
from ..parallel import ordered_map
from .evaluate import TargetScore, class_mean_faces, grade_on_pairs, train_judge
from .trainer import StarGANConfig, StarGANTrainer

#: The three preparations of Fig. 6, from raw MUG to tunedMUG.
VARIANTS: dict[str, TunedMugConfig] = {
    "uncropped": TunedMugConfig(crop=False, equalize="none"),
    "crop": TunedMugConfig(crop=True, equalize="none"),
    "crop+equalise": TunedMugConfig(crop=True, equalize="luminance"),
}


def _prepare_identity(job: tuple[int, int, int]) -> dict[str, np.ndarray] | None:
    """All variants of one identity's seven scenes, or None if the cascade misses any of them."""
    seed, index, size = job
    identity = random_identity(np.random.default_rng([seed, index]))
    detector = default_detector()
    out: dict[str, list[np.ndarray]] = {name: [] for name in VARIANTS}
    for expression in FACE_EXPRESSIONS:
        # The same generator seed for every expression: same framing and sensor noise, only the face moves.
        frame, _ = draw_scene(identity, expression, rng=np.random.default_rng([seed, index, 1]))
        for name, config in VARIANTS.items():
            try:
                face, _ = prepare_face(frame, TunedMugConfig(size=size, equalize=config.equalize, crop=config.crop),
                                       detector)
            except NoFaceError:
                return None
            out[name].append(face)
    return {name: np.stack(faces) for name, faces in out.items()}


def scene_pairs(identities: range, size: int = 64, seed: int = 0, workers: int | None = None,
                progress: bool = True) -> tuple[dict[str, torch.Tensor], int]:
    """uint8 (n, 7, 3, size, size) per variant for the identities the cascade found in all 7 scenes,
    and how many identities were dropped."""
    jobs = [(seed, i, size) for i in identities]
    results = [r for r in ordered_map(_prepare_identity, jobs, workers=workers, desc="scenes", unit="person",
                                      progress=progress) if r is not None]
    if not results:
        raise NoFaceError("the Haar cascade found no face in any identity's scenes")
    pairs = {name: torch.from_numpy(np.stack([r[name] for r in results])).permute(0, 1, 4, 2, 3).contiguous()
             for name in VARIANTS}
    return pairs, len(identities) - len(results)


@dataclass(frozen=True)
class AblationRow:
    variant: str
    identities_train: int
    identities_test: int
    steps: int
    scores: list[TargetScore]

    def mean(self, field: str) -> float:
        return sum(getattr(s, field) for s in self.scores) / len(self.scores)


def run_ablation(train: dict[str, torch.Tensor], test: dict[str, torch.Tensor], config: StarGANConfig, steps: int,
                 run_root, device: torch.device | str = "cpu", judge_epochs: int = 5,
                 progress: bool = True) -> list[AblationRow]:
    """Train one StarGAN per variant for ``steps`` (resumable under ``run_root/<variant>``) and grade it."""
    from pathlib import Path

    rows = []
    for name in VARIANTS:
        n = train[name].shape[0]
        images = train[name].reshape(-1, *train[name].shape[2:])
        labels = torch.arange(len(FACE_EXPRESSIONS)).repeat(n)
        trainer = StarGANTrainer.resume_or_start(config, images, labels, Path(run_root) / name.replace("+", "_"),
                                                 device)
        trainer.train(steps=max(0, steps - trainer.step), progress=progress)
        judge = train_judge(images, labels, len(FACE_EXPRESSIONS), epochs=judge_epochs, device=device)
        scores = grade_on_pairs(trainer.G, judge, test[name], class_mean_faces(images, labels, len(FACE_EXPRESSIONS)),
                                FACE_EXPRESSIONS)
        rows.append(AblationRow(name, n, test[name].shape[0], trainer.step, scores))
    return rows


def ablation_table(rows: list[AblationRow]) -> str:
    """Markdown: one row per variant, means over the seven targets (and the worst target's judge score)."""
    lines = ["| training data | identities (train / test) | steps | judge on real | judge on edits (mean) | "
             "judge on edits (worst target) | L1 edit | L1 input | cycle L1 |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        worst = min(row.scores, key=lambda s: s.judge_edit)
        lines.append(f"| {row.variant} | {row.identities_train} / {row.identities_test} | {row.steps} | "
                     f"{100 * row.mean('judge_real'):.1f} % | {100 * row.mean('judge_edit'):.1f} % | "
                     f"{100 * worst.judge_edit:.1f} % ({worst.target}) | {row.mean('l1_edit'):.3f} | "
                     f"{row.mean('l1_input'):.3f} | {row.mean('cycle_l1'):.3f} |")
    return "\n".join(lines)
