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

**Load or compute.** The run is deterministic, so lesson 04's ``demo`` profile reads the result its
settings give from a small JSON file the package ships (:func:`stored_ablation`, written by
:func:`save_ablation`) instead of spending minutes to recompute it; any other settings compute.
**A session budget.** ``run_ablation(minutes=...)`` stops training when the budget is spent (with a
checkpoint) and returns the variants finished so far; called again, it resumes where it stopped, and a
variant already graded is read back from ``<run_root>/<variant>/scores.json``. The scenes are drawn
within a budget too (:func:`ablation_scenes`), each person kept as it is drawn;
:func:`load_or_run_ablation` spends one budget on both, as lesson 04 does.

Taught in ``04_stargan.ipynb``; ``scripts/run_ablation.py`` runs it at a chosen budget.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import asdict, dataclass, field
from importlib.resources import files
from pathlib import Path

import numpy as np
import torch

from ..atomic import atomic_write, atomic_write_text
from ..budget import Budget, BudgetSpent
from ..datasets.synth import draw_scene, random_identity
from ..datasets.tunedmug import TunedMugConfig, prepare_face
from ..faces.detect import NoFaceError, default_detector
from ..labels import FACE_EXPRESSIONS
from ..parallel import ordered_map
from .evaluate import TargetScore, class_mean_faces, grade_on_pairs, train_judge
from .recipes import TEST_FIRST_IDENTITY, StarGANRecipe, ablation_config
from .trainer import StarGANConfig, StarGANTrainer, config_from_dict

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
    return _stack_variants(list(ordered_map(_prepare_identity, jobs, workers=workers, desc="scenes", unit="person",
                                            progress=progress)))


def _stack_variants(results: list[dict[str, np.ndarray] | None]) -> tuple[dict[str, torch.Tensor], int]:
    found = [r for r in results if r is not None]
    if not found:
        raise NoFaceError("the Haar cascade found no face in any identity's scenes")
    pairs = {name: torch.from_numpy(np.stack([r[name] for r in found])).permute(0, 1, 4, 2, 3).contiguous()
             for name in VARIANTS}
    return pairs, len(results) - len(found)


def cached_scene_pairs(identities: range, path: str | Path, size: int = 64, progress: bool = True,
                       minutes: float | Budget | None = None) -> tuple[dict[str, torch.Tensor], int]:
    """:func:`scene_pairs`, kept in ``path`` (a run folder on Google Drive: a new session loads them).

    Each person is kept as soon as it is drawn, in the folder ``<path>.parts`` beside it, so a drawing
    cut off by a dropped session or by ``minutes`` continues where it stopped; when the budget is spent,
    :class:`~emoface.budget.BudgetSpent` says how far it got. Once every person is drawn they are
    gathered into ``path`` and the parts removed.
    """
    path = Path(path)
    if path.is_file():
        stored = torch.load(path, weights_only=True)
        return stored["pairs"], int(stored["dropped"])
    parts = path.with_name(path.name + ".parts")
    todo = [i for i in identities if not _part(parts, i).is_file()]
    budget, done = Budget.of(minutes), 0
    for result, index in zip(ordered_map(_prepare_identity, [(0, i, size) for i in todo], desc="scenes",
                                         unit="person", progress=progress, budget=budget), todo):
        # One file per person; an empty archive: the cascade missed a scene of theirs (dropped).
        atomic_write(_part(parts, index), lambda handle: np.savez(handle, **(result or {})))
        done += 1
    if done < len(todo):
        raise budget.stopped(f"drew the ablation's scenes of {len(identities) - len(todo) + done:,} of "
                             f"{len(identities):,} people", f"they are kept in {parts}")
    pairs, dropped = _stack_variants([_read_part(_part(parts, i)) for i in identities])
    atomic_write(path, lambda handle: torch.save({"pairs": pairs, "dropped": dropped}, handle))
    shutil.rmtree(parts, ignore_errors=True)
    return pairs, dropped


def _part(parts: Path, index: int) -> Path:
    return parts / f"{index}.npz"


def _read_part(path: Path) -> dict[str, np.ndarray] | None:
    with np.load(path) as stored:
        return {name: stored[name] for name in VARIANTS} if stored.files else None


def ablation_scenes(identities: tuple[int, int], run_root: str | Path, size: int = 64, progress: bool = True,
                    minutes: float | Budget | None = None) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor],
                                                                    tuple[int, int]]:
    """Lesson 04's scenes: ``identities`` = (train, test) people, the test ones from
    :data:`~emoface.stargan.recipes.TEST_FIRST_IDENTITY` on, each kept under ``run_root`` as it is drawn
    (:func:`cached_scene_pairs`). Returns the train and test pairs and how many people each dropped."""
    n_train, n_test = identities
    budget = Budget.of(minutes)
    train, dropped_train = cached_scene_pairs(range(n_train), Path(run_root) / f"scenes-{n_train}-{size}px.pt",
                                              size=size, progress=progress, minutes=budget)
    test, dropped_test = cached_scene_pairs(range(TEST_FIRST_IDENTITY, TEST_FIRST_IDENTITY + n_test),
                                            Path(run_root) / f"scenes-test-{n_test}-{size}px.pt", size=size,
                                            progress=progress, minutes=budget)
    return train, test, (dropped_train, dropped_test)


@dataclass(frozen=True)
class AblationRow:
    variant: str
    identities_train: int
    identities_test: int
    steps: int
    scores: list[TargetScore] = field(default_factory=list)  # empty: not trained to the end yet
    target_steps: int | None = None  # the budget of steps; None: ``steps`` (finished)

    @property
    def finished(self) -> bool:
        return bool(self.scores)

    def mean(self, field: str) -> float:
        return sum(getattr(s, field) for s in self.scores) / len(self.scores)

    def as_dict(self) -> dict:
        return {**asdict(self), "scores": [s.as_dict() for s in self.scores]}

    @classmethod
    def from_dict(cls, values: dict) -> "AblationRow":
        return cls(**{**values, "scores": [TargetScore(**s) for s in values["scores"]]})


def run_ablation(train: dict[str, torch.Tensor], test: dict[str, torch.Tensor], config: StarGANConfig, steps: int,
                 run_root, device: torch.device | str = "cpu", judge_epochs: int = 5,
                 progress: bool = True, minutes: float | None = None) -> list[AblationRow]:
    """Train one StarGAN per variant for ``steps`` (resumable under ``run_root/<variant>``) and grade it.

    ``minutes`` bounds this call's training (a Colab session): a variant stopped by it is returned
    unfinished (no scores) and the variants after it untouched; call again to continue.
    """
    deadline = None if minutes is None else time.monotonic() + 60.0 * minutes
    rows = []
    for name in VARIANTS:
        n = train[name].shape[0]
        folder = Path(run_root) / name.replace("+", "_")
        graded = folder / "scores.json"
        if graded.is_file():
            row = AblationRow.from_dict(json.loads(graded.read_text(encoding="utf-8")))
            if row.steps == steps and row.identities_test == test[name].shape[0]:
                rows.append(row)
                continue
        left = None if deadline is None else (deadline - time.monotonic()) / 60.0
        if left is not None and left <= 0:
            rows.append(AblationRow(name, n, test[name].shape[0], _checkpoint_step(folder), target_steps=steps))
            continue
        images = train[name].reshape(-1, *train[name].shape[2:])
        labels = torch.arange(len(FACE_EXPRESSIONS)).repeat(n)
        trainer = StarGANTrainer.resume_or_start(config, images, labels, folder, device)
        trainer.train(steps=max(0, steps - trainer.step), minutes=left, progress=progress)
        if trainer.step < steps:
            rows.append(AblationRow(name, n, test[name].shape[0], trainer.step, target_steps=steps))
            continue
        judge = train_judge(images, labels, len(FACE_EXPRESSIONS), epochs=judge_epochs, device=device)
        scores = grade_on_pairs(trainer.G, judge, test[name], class_mean_faces(images, labels, len(FACE_EXPRESSIONS)),
                                FACE_EXPRESSIONS)
        row = AblationRow(name, n, test[name].shape[0], trainer.step, scores)
        atomic_write_text(graded, json.dumps(row.as_dict()))
        rows.append(row)
    return rows


def _checkpoint_step(folder: Path) -> int:
    from .trainer import load_checkpoint

    path = folder / "checkpoint.pt"
    return int(load_checkpoint(path)["step"]) if path.is_file() else 0


# ---------------------------------------------------------------------- stored results (load-or-compute)

def ablation_settings(config: StarGANConfig, steps: int, identities: tuple[int, int], judge_epochs: int,
                      size: int = 64) -> dict:
    """Everything a result depends on; a stored result is used only for exactly these settings."""
    return {"config": asdict(config), "steps": steps, "identities": list(identities), "judge_epochs": judge_epochs,
            "size": size}


def stored_ablation_path() -> Path:
    """The shipped result of lesson 04's ``demo`` ablation."""
    return Path(str(files("emoface") / "assets" / "stargan_ablation_demo.json"))


def save_ablation(path: str | Path, rows: list[AblationRow], settings: dict, minutes: float, machine: str) -> Path:
    """Write a finished ablation and the settings it ran with, as JSON (atomically)."""
    if not all(row.finished for row in rows):
        raise ValueError("only a finished ablation can be stored; run it to the end first")
    payload = {"settings": settings, "minutes": round(minutes, 1), "machine": machine,
               "rows": [row.as_dict() for row in rows]}
    return atomic_write_text(path, json.dumps(payload, indent=1))


def stored_ablation(settings: dict, path: str | Path | None = None) -> tuple[list[AblationRow], dict] | None:
    """(rows, the file's record: minutes, machine) when ``path`` (default: the shipped file) holds a
    result for exactly ``settings``; else None."""
    path = Path(path) if path is not None else stored_ablation_path()
    if not path.is_file():
        return None
    payload = json.loads(path.read_text(encoding="utf-8"))
    stored = payload.get("settings") or {}
    if "config" in stored:  # a config field added since takes its default, which is what the run used
        stored = {**stored, "config": asdict(config_from_dict(stored["config"]))}
    if stored != json.loads(json.dumps(settings)):
        return None
    return [AblationRow.from_dict(r) for r in payload["rows"]], {k: v for k, v in payload.items() if k != "rows"}


def load_or_run_ablation(plan: StarGANRecipe, run_root: str | Path, device: torch.device | str = "cpu",
                         minutes: float | None = None, progress: bool = True) -> tuple[list[AblationRow] | None, str]:
    """Lesson 04's section 8: the stored result of ``plan``'s settings when the package has one, else the
    ablation computed under ``run_root`` within ``minutes`` (``0``: not this session) — the scenes, kept
    person by person, then the three trainings — continuing where the last call stopped.

    Returns the rows (``None``: none to show yet) and one line saying what happened.
    """
    config = ablation_config(plan)
    size = config.image_size
    stored = stored_ablation(ablation_settings(config, plan.ablation_steps, plan.ablation_identities,
                                               plan.judge_epochs, size=size))
    if stored is not None:
        rows, record = stored
        return rows, (f"stored result of these settings, not recomputed (it took {record['minutes']} min on "
                      f"{record['machine']})")
    if minutes == 0:
        return None, "a budget of 0 minutes: no ablation this session; give it a budget and run the cell again"
    budget = Budget.of(minutes)
    try:
        train, test, (dropped_train, dropped_test) = ablation_scenes(plan.ablation_identities, run_root, size,
                                                                     progress=progress, minutes=budget)
    except BudgetSpent as spent:  # the people drawn are kept: the next call continues
        return None, str(spent)
    rows = run_ablation(train, test, config, plan.ablation_steps, run_root, device, judge_epochs=plan.judge_epochs,
                        progress=progress, minutes=budget.left())
    return rows, (f"people without a detectable face in all 7 scenes (left out): {dropped_train} train, "
                  f"{dropped_test} test")


def ablation_table(rows: list[AblationRow]) -> str:
    """Markdown: one row per variant, means over the seven targets (and the worst target's judge score)."""
    lines = ["| training data | identities (train / test) | steps | judge on real | judge on edits (mean) | "
             "judge on edits (worst target) | L1 edit | L1 input | cycle L1 |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        if not row.finished:
            lines.append(f"| {row.variant} | {row.identities_train} / {row.identities_test} | "
                         f"{row.steps} of {row.target_steps} | unfinished: run the cell again to continue | | | | | |")
            continue
        worst = min(row.scores, key=lambda s: s.judge_edit)
        lines.append(f"| {row.variant} | {row.identities_train} / {row.identities_test} | {row.steps} | "
                     f"{100 * row.mean('judge_real'):.1f} % | {100 * row.mean('judge_edit'):.1f} % | "
                     f"{100 * worst.judge_edit:.1f} % ({worst.target}) | {row.mean('l1_edit'):.3f} | "
                     f"{row.mean('l1_input'):.3f} | {row.mean('cycle_l1'):.3f} |")
    return "\n".join(lines)
