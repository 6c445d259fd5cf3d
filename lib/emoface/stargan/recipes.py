"""What each profile trains and evaluates in the StarGAN lesson: one table, no numbers in notebooks.

* ``smoke`` (CI, seconds): a tiny network for a few steps, to prove the code runs; the figures and the
  evaluation show that network on a handful of held-out people;
* ``demo`` (a laptop CPU, minutes): the shipped generator, fine-tuned briefly and evaluated on 20
  held-out people, beside the evaluation on 100 that the shipped file carries (the numbers in docs/stargan.md);
* ``full`` (a Colab GPU): the paper's settings (128×128, 200k iterations) on a real face set, resuming
  across disconnects.

The shipped generator itself was trained by ``scripts/train_demo_generator.py`` with :data:`DEMO_CONFIG`.

:func:`run_data` loads what a run trains on (``DATA`` in the lesson: SynthFaces, tunedMUG or FER2013 —
face sets labelled with the seven expressions); :func:`grade_unpaired` scores a generator on a real
face set, where no person exists in every expression (no ground truth: the judge and the cycle only);
:func:`stored_scores` reads the evaluation a generator file carries, so the lesson shows the shipped
generator's numbers without recomputing them.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import torch

from ..atomic import atomic_write
from ..labels import FACE_EXPRESSIONS
from ..settings import Profile, get_profile
from .evaluate import TargetScore, cycle_error, judge_accuracy, to_float, translate
from .trainer import StarGANConfig

#: The shipped demo generator: 64×64 SynthFaces, half-width networks, G updated every 2nd step.
DEMO_CONFIG = StarGANConfig(image_size=64, g_conv_dim=32, d_conv_dim=32, g_repeat_num=3, d_repeat_num=5,
                            n_critic=2, num_iters=11_000, num_iters_decay=5_500)
#: Held-out people are drawn from here on; training uses identities 0, 1, 2, …
TEST_FIRST_IDENTITY = 1_000_000


@dataclass(frozen=True)
class StarGANRecipe:
    config: StarGANConfig  # for a run from scratch in this profile
    train_identities: int  # SynthFaces people for training (and for the judge)
    test_identities: int  # held-out people for the evaluation
    fine_tune_steps: int  # steps of fine-tuning the shipped generator (0: none)
    judge_epochs: int
    ablation_steps: int  # per variant of Fig. 6
    ablation_identities: tuple[int, int]  # (train, test)


RECIPES: dict[str, StarGANRecipe] = {
    "smoke": StarGANRecipe(StarGANConfig(image_size=64, g_conv_dim=8, d_conv_dim=8, g_repeat_num=1, d_repeat_num=5,
                                         batch_size=4, n_critic=2, num_iters=4, num_iters_decay=2),
                           train_identities=8, test_identities=3, fine_tune_steps=2, judge_epochs=1,
                           ablation_steps=2, ablation_identities=(3, 2)),
    "demo": StarGANRecipe(DEMO_CONFIG, train_identities=300, test_identities=20, fine_tune_steps=60, judge_epochs=5,
                          ablation_steps=150, ablation_identities=(60, 20)),
    "full": StarGANRecipe(StarGANConfig(), train_identities=2000, test_identities=200, fine_tune_steps=2000,
                          judge_epochs=5, ablation_steps=20_000, ablation_identities=(1000, 100)),
}


def ablation_config(plan: StarGANRecipe) -> StarGANConfig:
    """Fig. 6's network and schedule for ``plan``: the demo generator's network (smoke: its own tiny
    one) for ``plan.ablation_steps``, the learning rate decaying over the second half."""
    base = plan.config if plan.config.g_conv_dim < DEMO_CONFIG.g_conv_dim else DEMO_CONFIG
    return replace(base, num_iters=plan.ablation_steps, num_iters_decay=max(1, plan.ablation_steps // 2))


def recipe(profile: Profile | str | None = None) -> StarGANRecipe:
    """The recipe of ``profile`` (a :class:`Profile`, its name, or None for ``$EMOFACE_PROFILE``)."""
    name = profile.name if isinstance(profile, Profile) else get_profile(profile).name
    return RECIPES[name]


#: What lesson 04 can train an expression generator on (``DATA``); keys of ``generator_file.DATASETS``.
RUN_DATA = ("synthfaces", "tunedmug", "fer2013")


@dataclass(frozen=True)
class RunData:
    """A run's faces: uint8 (N, 3, H, W) images with expression ids (N,), for training and held out."""

    dataset: str  # a key of emoface.stargan.generator_file.DATASETS
    images: torch.Tensor
    labels: torch.Tensor
    test_images: torch.Tensor
    test_labels: torch.Tensor
    #: SynthFaces only: held-out people in every expression, (people, 7, 3, H, W) — the ground truth.
    pairs: torch.Tensor | None = None

    def held_out(self, expression: str, n: int) -> torch.Tensor:
        """Up to ``n`` held-out faces labelled ``expression`` (others when too few), uint8 (n, 3, H, W).

        They are spread evenly over the split, not its first ``n``: neighbours in a split are often one
        person (tunedMUG keeps several frames of each take), and a figure should show different people.
        """
        wanted = self.test_labels == FACE_EXPRESSIONS.index(expression)
        own, others = torch.nonzero(wanted).flatten(), torch.nonzero(~wanted).flatten()
        if len(own) > n:
            own = own[torch.linspace(0, len(own) - 1, n).round().long()]  # distinct: spaced ≥ 1 apart
        return self.test_images[torch.cat([own, others])[:n]]

    def faces_in(self, expression: str, n: int) -> list:
        """:meth:`held_out` as RGB uint8 (H, W, 3) arrays, for the figures."""
        return [face.permute(1, 2, 0).numpy() for face in self.held_out(expression, n)]


def run_data(data: str, plan: StarGANRecipe, profile: Profile | str | None = None, size: int | None = None,
             progress: bool = True, cache: str | Path | None = None, minutes: float | None = None) -> RunData:
    """The faces a run trains on: ``synthfaces`` (drawn here), ``tunedmug`` (MUG under the data folder,
    else SynthFaces scenes through the Haar pipeline) or ``fer2013`` (downloaded), at ``size`` pixels
    (``None``: SynthFaces at 64, the prepared sets at their own 128).

    The returned ``dataset`` is what the faces *are*: a tunedMUG folder built from SynthFaces scenes
    (no MUG in the data folder) is ``synthfaces``, so its generator's file does not claim real photos.

    ``cache`` (a folder, e.g. the run's on Google Drive) keeps the drawn SynthFaces people, so a new
    session loads them instead of drawing thousands again; the real sets keep their own caches.
    ``minutes`` bounds the tunedMUG build (:func:`emoface.datasets.sources.prepare_tunedmug`), the long
    one in ``full``: when it is spent, :class:`~emoface.budget.BudgetSpent` says how far it got and the
    next call continues.
    """
    if data == "synthfaces":
        from .synth_pairs import synth_pairs

        size = size or 64
        stored = None if cache is None else Path(cache) / f"synthfaces-{size}-{plan.train_identities}-{plan.test_identities}.pt"
        if stored is not None and stored.is_file():
            return RunData(**torch.load(stored, weights_only=True))
        train = synth_pairs(range(plan.train_identities), size=size, progress=progress)
        test = synth_pairs(range(TEST_FIRST_IDENTITY, TEST_FIRST_IDENTITY + plan.test_identities), size=size,
                           progress=progress)
        drawn = RunData(data, *train.flat(), *test.flat(), pairs=test.images)
        if stored is not None:
            atomic_write(stored, lambda handle: torch.save(asdict(drawn), handle))
        return drawn
    if data == "tunedmug":
        from ..datasets.sources import prepare_tunedmug

        prepared = prepare_tunedmug(profile, progress=progress, minutes=minutes)
        root, data = prepared.folder, "tunedmug" if prepared.source == "mug" else "synthfaces"
    elif data == "fer2013":
        from ..datasets.fer2013 import prepare_fer2013

        root = prepare_fer2013(progress=progress)
    elif data == "celeba":
        raise ValueError("CelebA has no expression labels (its StarGAN edits hair, sex and age): lesson 04 trains "
                         "on 'synthfaces', 'tunedmug' or 'fer2013'; section 9 shows the authors' CelebA generator")
    else:
        raise ValueError(f"DATA must be one of {', '.join(RUN_DATA)}, not {data!r}")
    from ..datasets.face_folder import FaceFolder

    train = FaceFolder(root / "train", size=size, progress=progress)
    test = FaceFolder(root / "test", size=size, progress=progress)
    return RunData(data, train.images, train.labels, test.images, test.labels)


@torch.no_grad()
def grade_unpaired(generator: torch.nn.Module, judge: torch.nn.Module, images: torch.Tensor, labels: torch.Tensor,
                   names: tuple[str, ...] = FACE_EXPRESSIONS) -> list[TargetScore]:
    """Score ``generator`` on held-out real faces uint8 (N, 3, H, W) with expression ids ``labels``: for
    each target, the judge on the real faces of it, the judge on the edits of every other face into it,
    and the cycle error. No person exists in every expression, so the ground-truth columns are NaN."""
    was_training = generator.training
    generator.eval()
    scores, nan = [], math.nan
    for target, name in enumerate(names):
        others, own = labels != target, labels == target
        x = to_float(images[others])
        edits = translate(generator, x, target, len(names))
        scores.append(TargetScore(
            target=name, edits=len(x),
            judge_real=judge_accuracy(judge, to_float(images[own]), labels[own]) if own.any() else nan,
            judge_edit=judge_accuracy(judge, edits, torch.full((len(x),), target)) if len(x) else nan,
            l1_edit=nan, l1_input=nan, l1_mean_face=nan, psnr_edit=nan, psnr_input=nan, ssim_edit=nan,
            ssim_input=nan, cycle_l1=cycle_error(generator, x, labels[others], target, len(names)) if len(x) else nan,
        ))
    generator.train(was_training)
    return scores


def unpaired_table(scores: list[TargetScore]) -> str:
    """:func:`grade_unpaired`'s scores as Markdown: the judge on real faces and on edits, the cycle L1."""
    lines = ["| target | edits | judge on real | judge on edits | cycle L1 |", "|---|---:|---:|---:|---:|"]
    for s in scores:
        lines.append(f"| {s.target} | {s.edits} | {100 * s.judge_real:.1f} % | {100 * s.judge_edit:.1f} % | "
                     f"{s.cycle_l1:.3f} |")
    return "\n".join(lines)


def stored_scores(info: dict, mode: str) -> list[TargetScore] | None:
    """The evaluation a generator file carries for edit ``mode`` (``info["evaluation"]`` is the plain
    edit's, ``info["evaluation_residual"]`` the residual one's), or None."""
    if mode not in ("plain", "residual"):
        raise ValueError(f"mode must be 'plain' or 'residual', not {mode!r}")
    stored = info.get("evaluation" if mode == "plain" else "evaluation_residual")
    return None if not stored else [TargetScore(**row) for row in stored]
