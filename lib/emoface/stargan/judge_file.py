"""The evaluation's judge, stored, so that every generator is graded by the same classifier.

A judge retrained for each evaluation (:func:`~emoface.stargan.evaluate.train_judge`) comes out the same
only on the same number of torch threads: the CPU kernels' summation order depends on it. Across thread
counts the retrained judge read 94–98 % of the same *real* neutral faces, which is as large as the
differences between the generators being compared near the 90 % line. The shipped judge
(``assets/synthfaces_judge.pt``) is the one ``scripts/evaluate_generator.py`` trained at its default
two threads: SynthFaces identities 0–999, 64×64, luminance-equalised, 5 epochs, seed 0.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import torch

from ..atomic import atomic_write
from ..checkpoints import read_checkpoint
from .evaluate import Judge

JUDGE_FORMAT = "emoface-judge/1"


def shipped_judge_path() -> Path:
    """The judge that ships with the package (SynthFaces, 64×64; see docs/stargan.md)."""
    return Path(str(files("emoface") / "assets" / "synthfaces_judge.pt"))


def shipped_scene_judge_path() -> Path:
    """The *scene* judge that ships with the package: the same classifier trained on true SynthFaces scenes cut
    as the pipeline cuts them (``scripts/train_scene_judge.py``), a second reader for ``emoface.scene_eval``."""
    return Path(str(files("emoface") / "assets" / "synthfaces_scene_judge.pt"))


def save_judge(path: str | Path, judge: Judge, classes: tuple[str, ...], image_size: int, info: dict) -> Path:
    """Write the judge's weights (float32: a judge near a decision line should not be rounded), its
    classes, the image size it reads and how it was trained, atomically."""
    payload = {"format": JUDGE_FORMAT, "classes": list(classes), "image_size": image_size,
               "state": {k: v.detach().cpu() for k, v in judge.state_dict().items()}, "info": info}
    return atomic_write(path, lambda handle: torch.save(payload, handle))


def load_judge(path: str | Path | None = None) -> tuple[Judge, tuple[str, ...], int, dict]:
    """(the judge in eval mode, its classes, the image size it reads, its info); default: the shipped one."""
    payload = read_checkpoint(path or shipped_judge_path(), JUDGE_FORMAT, "judge")
    classes = tuple(payload["classes"])
    judge = Judge(len(classes))
    judge.load_state_dict(payload["state"], strict=True)
    return judge.eval(), classes, int(payload["image_size"]), payload.get("info", {})


def judge_for(classes: tuple[str, ...], image_size: int, path: str | Path | None = None) -> tuple[Judge, dict] | None:
    """The stored judge and its info if it reads ``classes`` at ``image_size``; None: train one instead."""
    judge, judge_classes, judge_size, info = load_judge(path)
    return (judge, info) if judge_classes == tuple(classes) and judge_size == image_size else None
