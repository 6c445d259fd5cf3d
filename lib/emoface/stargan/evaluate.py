"""Numbers for a StarGAN the seed paper never gave: does an edit show the asked-for expression, and
is it still the same person?

The seed paper shows only pictures (Fig. 4–6). We score a generator on held-out identities three ways:

(a) **judge accuracy** — StarGAN's own metric (Choi et al., 2018, §5.4): an expression classifier (the
    *judge*) is trained on real training images only; its accuracy on real test images says how far
    it can be trusted, and its accuracy on G(x, c) for every target c says how often an edit shows c;
(b) **ground truth** — on SynthFaces each identity exists in every expression, so G(x, c) can be
    compared with the true image of that person in c: L1, PSNR and SSIM, against two baselines, the
    unchanged input (the edit did nothing) and the mean training face of class c (the edit ignored
    who the person is);
(c) **cycle reconstruction** — L1 between x and G(G(x, c), c_x): how much of the person survives a
    round trip.

Images are float tensors in [-1, 1], shape (N, 3, H, W), throughout.

Taught in ``04_stargan.ipynb``.
"""

from __future__ import annotations

import math

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .editing import EditMode, edit
from .losses import expression_changes, high_pass, near_expression_changes


class Judge(nn.Module):
    """A small expression classifier: four stride-2 conv blocks, global pooling, a linear layer."""

    def __init__(self, n_classes: int, width: int = 32) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        channels = 3
        for i in range(4):
            out = width * 2**i
            layers += [nn.Conv2d(channels, out, 3, stride=2, padding=1), nn.BatchNorm2d(out), nn.ReLU(inplace=True)]
            channels = out
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(channels, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x).mean(dim=(2, 3)))  # (B, C) logits


def to_float(images: torch.Tensor) -> torch.Tensor:
    """uint8 (N, 3, H, W) → float in [-1, 1]."""
    return images.float().div(127.5).sub(1.0)


def train_judge(images: torch.Tensor, labels: torch.Tensor, n_classes: int, epochs: int = 5, batch_size: int = 64,
                seed: int = 0, device: torch.device | str = "cpu") -> Judge:
    """Train the judge on *real training* images (uint8) only, with horizontal flips."""
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    judge = Judge(n_classes).to(device)
    optimiser = torch.optim.Adam(judge.parameters(), lr=1e-3)
    judge.train()
    for _ in range(epochs):
        order = torch.randperm(len(labels), generator=generator)
        for start in range(0, len(order), batch_size):
            index = order[start : start + batch_size]
            x = to_float(images[index]).to(device)
            flip = torch.rand(len(index), generator=generator) < 0.5
            x = torch.where(flip.to(device).view(-1, 1, 1, 1), x.flip(-1), x)
            loss = F.cross_entropy(judge(x), labels[index].to(device))
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    return judge.eval()


@torch.no_grad()
def judge_accuracy(judge: Judge, images: torch.Tensor, labels: torch.Tensor, batch_size: int = 256) -> float:
    """Share of float images in [-1, 1] the judge assigns to their label."""
    device = next(judge.parameters()).device
    correct = 0
    for start in range(0, len(labels), batch_size):
        logits = judge(images[start : start + batch_size].to(device))
        correct += int((logits.argmax(1).cpu() == labels[start : start + batch_size]).sum())
    return correct / max(1, len(labels))


@torch.no_grad()
def translate(generator: nn.Module, images: torch.Tensor, target: int, c_dim: int, batch_size: int = 64) -> torch.Tensor:
    """G(x, c) for every image and one target class, in batches; float in, float out."""
    device = next(generator.parameters()).device
    out = []
    for start in range(0, len(images), batch_size):
        x = images[start : start + batch_size].to(device)
        c = F.one_hot(torch.full((len(x),), target, device=device), c_dim).float()
        out.append(generator(x, c).cpu())
    return torch.cat(out)


def psnr(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Peak signal-to-noise ratio per image, in dB, for images in [-1, 1] (peak-to-peak 2)."""
    mse = (a - b).pow(2).flatten(1).mean(1).clamp(min=1e-10)
    return 10 * torch.log10(4.0 / mse)


def ssim(a: torch.Tensor, b: torch.Tensor, window: int = 11, sigma: float = 1.5) -> torch.Tensor:
    """Structural similarity per image (Wang et al., 2004; Gaussian window), for images in [-1, 1]."""
    a, b = (a + 1) / 2, (b + 1) / 2
    coords = torch.arange(window, dtype=a.dtype) - window // 2
    g = torch.exp(-(coords**2) / (2 * sigma**2))
    g = (g / g.sum()).to(a.device)
    kernel = (g[:, None] * g[None, :]).expand(a.size(1), 1, window, window)

    def blur(x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, kernel, groups=x.size(1))

    mu_a, mu_b = blur(a), blur(b)
    var_a, var_b = blur(a * a) - mu_a**2, blur(b * b) - mu_b**2
    cov = blur(a * b) - mu_a * mu_b
    c1, c2 = 0.01**2, 0.03**2
    score = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2))
    return score.flatten(1).mean(1)


def ghost_share(edit: torch.Tensor, source: torch.Tensor, truth: torch.Tensor) -> float:
    """Share of the pixels the expression change touches where ``edit`` stays nearer ``source`` than ``truth``.

    A ghost is the old expression left in the new face: the smile's arcs under a sad mouth. Those are
    pixels where the source and the true target differ, and the edit kept the source's value.
    """
    changed = expression_changes(source, truth)[:, 0]
    if not bool(changed.any()):
        return float("nan")
    nearer_source = (edit - source).abs().mean(1) < (edit - truth).abs().mean(1)
    return float(nearer_source[changed].float().mean())


#: How far around the expression change :func:`skin_speckle` looks: the mask opens a few pixels past it.
SPECKLE_REACH = 3
#: Fine texture below this (in [-1, 1] units, after a 3×3 high-pass) counts as smooth skin.
SMOOTH_SKIN = 0.01


def skin_speckle(edit: torch.Tensor, source: torch.Tensor, truth: torch.Tensor) -> dict[str, float]:
    """Fine texture that ``edit`` lays on skin: mean |high-pass| of its brightness and of its two
    opponent colours (R − G, (R + G)/2 − B), over the pixels within :data:`SPECKLE_REACH` of the
    expression change that are smooth in both ``source`` and ``truth``; NaN where there are none.

    Why: what is left of a ghost under an attention mask is G's mottled painting of the skin it opens
    over, which L1 and the ghost share barely count. Measured on pixels smooth in the input and in the
    truth, any fine texture there is the edit's own (0 for a perfect edit or the unchanged input).
    """
    (edit_luma, edit_colour), (source_luma, source_colour), (truth_luma, truth_colour) = (
        _opponent(edit), _opponent(source), _opponent(truth))
    near = near_expression_changes(source, truth, SPECKLE_REACH)
    smooth = ((high_pass(source_luma).abs() < SMOOTH_SKIN) & (high_pass(truth_luma).abs() < SMOOTH_SKIN)
              & (high_pass(source_colour).abs().amax(1, keepdim=True) < SMOOTH_SKIN)
              & (high_pass(truth_colour).abs().amax(1, keepdim=True) < SMOOTH_SKIN))
    skin = near & smooth
    if not bool(skin.any()):
        return {"luma": float("nan"), "chroma": float("nan")}
    return {"luma": float(high_pass(edit_luma).abs()[skin].mean()),
            "chroma": float(high_pass(edit_colour).abs().mean(1, keepdim=True)[skin].mean())}


def _opponent(images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    red, green, blue = images[:, 0:1], images[:, 1:2], images[:, 2:3]
    return (red + green + blue) / 3, torch.cat([red - green, (red + green) / 2 - blue], 1)


#: A line in the source face: |3×3 high-pass| of its brightness above this (a drawn line's is ~0.2).
SOURCE_LINE = 0.04


def line_contrast_left(edit: torch.Tensor, source: torch.Tensor, truth: torch.Tensor) -> tuple[float, float]:
    """(the edit's |high-pass| brightness, the source's) summed over the source's lines where ``truth`` is
    smooth: lines of the old expression (a smile's creases, the old mouth) the new one does not have.

    Why: the ghost share counts pixels nearer the source; a crease faded to a third is no longer
    nearer, yet still seen. Their ratio is the share of the old lines' contrast left (1 for the
    unchanged input; for a perfect edit near 0, the true face's own faint texture there).
    """
    edit_hp, source_hp, truth_hp = (high_pass(_opponent(image)[0]).abs() for image in (edit, source, truth))
    old_lines = (source_hp > SOURCE_LINE) & (truth_hp < SMOOTH_SKIN)
    return float(edit_hp[old_lines].sum()), float(source_hp[old_lines].sum())


def skin_tone(test_pairs: torch.Tensor) -> torch.Tensor:
    """Each person's brightness on a cheek (the box at 56–69 % of the height, 22–34 % of the width of a
    face-box crop, all expressions averaged), (identities,) in [-1, 1]: to single out the darkest faces,
    on which the grids show ghosts most."""
    size = test_pairs.shape[-1]
    cheek = test_pairs[..., int(0.56 * size):int(0.69 * size), int(0.22 * size):int(0.34 * size)]
    return _opponent(to_float(cheek.flatten(0, 1)))[0].view(test_pairs.shape[0], -1).mean(1)


@torch.no_grad()
def fine_detail_on_pairs(generator: nn.Module, test_pairs: torch.Tensor,
                         mode: EditMode = "plain") -> dict[str, dict[str, float]]:
    """Every edit of ``test_pairs`` (as :func:`grade_on_pairs` makes them), made once and measured twice:

    * ``skin_speckle``: :func:`skin_speckle`, the targets weighted alike; a target with no smooth skin
      near its change is left out (NaN only when every target is);
    * ``lines_left``: :func:`line_contrast_left` pooled over the edits, the share of the old lines'
      contrast left, for everyone (``all``) and for the third of the people with the darkest skin
      (``darkest_third``, by :func:`skin_tone`).
    """
    was_training = generator.training
    generator.eval()
    n, c_dim = test_pairs.shape[:2]
    tone = skin_tone(test_pairs)
    darkest = tone <= tone.kthvalue(max(1, n // 3)).values
    per_target, sums = [], {"all": [0.0, 0.0], "darkest_third": [0.0, 0.0]}
    for target in range(c_dim):
        sources, x, truth = _edits_to_make(test_pairs, target)
        made = (translate(generator, x, target, c_dim) if mode == "plain"
                else _edit_in_batches(generator, x, target, mode))
        per_target.append(skin_speckle(made, x, truth))
        dark = darkest.repeat_interleave(len(sources))
        for key, rows in (("all", slice(None)), ("darkest_third", dark)):
            left, there = line_contrast_left(made[rows], x[rows], truth[rows])
            sums[key][0] += left
            sums[key][1] += there
    generator.train(was_training)
    speckle = {key: float(torch.tensor([t[key] for t in per_target], dtype=torch.float64).nanmean())
               for key in ("luma", "chroma")}
    lines = {key: left / there if there > 0 else float("nan") for key, (left, there) in sums.items()}
    return {"skin_speckle": speckle, "lines_left": lines}


def image_distances(predicted: torch.Tensor, truth: torch.Tensor) -> dict[str, float]:
    """Mean L1, PSNR and SSIM between two image batches."""
    return {"l1": float((predicted - truth).abs().mean()), "psnr": float(psnr(predicted, truth).mean()),
            "ssim": float(ssim(predicted, truth).mean())}


@torch.no_grad()
def cycle_error(generator: nn.Module, images: torch.Tensor, labels: torch.Tensor, target: int, c_dim: int) -> float:
    """Mean L1 between x and G(G(x, target), label of x): what survives a round trip."""
    there = translate(generator, images, target, c_dim)
    back = torch.cat([translate(generator, there[i : i + 1], int(labels[i]), c_dim) for i in range(len(labels))])
    return float((back - images).abs().mean())


@dataclass(frozen=True)
class TargetScore:
    """How well edits *into* one target expression worked, on held-out identities (see module doc)."""

    target: str
    edits: int  # G(x, target) scored: every held-out identity, from each of its other expressions
    judge_real: float  # judge accuracy on the real test images of the target (its trustworthiness)
    judge_edit: float  # share of edits the judge calls the target (StarGAN's metric)
    l1_edit: float  # mean |G(x, c) - truth|, in [-1, 1] units
    l1_input: float  # baseline: the input unchanged
    l1_mean_face: float  # baseline: the training set's mean face of the target
    psnr_edit: float
    psnr_input: float
    ssim_edit: float
    ssim_input: float
    cycle_l1: float  # |G(G(x, c), c_x) - x|
    #: Ghost share: of the pixels the expression change touches (:func:`~.losses.expression_changes`),
    #: those where the edit is still nearer the source than the truth (unchanged input: 1; perfect edit: 0).
    #: NaN in results stored before it was measured.
    ghost: float = float("nan")

    def as_dict(self) -> dict:
        return asdict(self)


@torch.no_grad()
def grade_on_pairs(generator: nn.Module, judge: Judge, test_pairs: torch.Tensor, class_means: torch.Tensor,
                   names: tuple[str, ...], mode: EditMode = "plain") -> list[TargetScore]:
    """Score ``generator`` on ``test_pairs`` uint8 (identities, C, 3, H, W): identity i in class e at [i, e].

    ``class_means`` (C, 3, H, W) in [-1, 1] are the mean *training* faces per class, the second baseline.
    ``mode`` is the edit (:mod:`emoface.stargan.editing`); the residual edit infers each input's
    expression itself, as it must for a user's photo. The cycle error is always the plain G's.
    """
    n, c_dim = test_pairs.shape[:2]
    if len(names) != c_dim or class_means.shape[0] != c_dim:
        raise ValueError(f"{c_dim} classes in the test pairs, {len(names)} names, {class_means.shape[0]} mean faces")
    was_training = generator.training
    generator.eval()
    scores = []
    for target in range(c_dim):
        sources, x, truth = _edits_to_make(test_pairs, target)
        source_labels = torch.tensor(sources).repeat(n)
        plain = translate(generator, x, target, c_dim)
        edit = plain if mode == "plain" else _edit_in_batches(generator, x, target, mode)
        back = torch.cat([translate(generator, plain[source_labels == e], e, c_dim) for e in sources])
        back_x = torch.cat([x[source_labels == e] for e in sources])
        edit_d, input_d = image_distances(edit, truth), image_distances(x, truth)
        mean_face = class_means[target].unsqueeze(0).expand_as(truth)
        scores.append(TargetScore(
            target=names[target], edits=len(x),
            judge_real=judge_accuracy(judge, to_float(test_pairs[:, target]), torch.full((n,), target)),
            judge_edit=judge_accuracy(judge, edit, torch.full((len(x),), target)),
            l1_edit=edit_d["l1"], l1_input=input_d["l1"], l1_mean_face=float((mean_face - truth).abs().mean()),
            psnr_edit=edit_d["psnr"], psnr_input=input_d["psnr"], ssim_edit=edit_d["ssim"], ssim_input=input_d["ssim"],
            cycle_l1=float((back - back_x).abs().mean()), ghost=ghost_share(edit, x, truth),
        ))
    generator.train(was_training)
    return scores


def _edits_to_make(test_pairs: torch.Tensor, target: int) -> tuple[list[int], torch.Tensor, torch.Tensor]:
    """Every face of ``test_pairs`` not already in ``target``: (their classes, the faces identity-major
    in [-1, 1], each face's true image in the target)."""
    sources = [e for e in range(test_pairs.shape[1]) if e != target]
    x = to_float(test_pairs[:, sources].reshape(-1, *test_pairs.shape[2:]))
    truth = to_float(test_pairs[:, target]).repeat_interleave(len(sources), dim=0)
    return sources, x, truth


def _edit_in_batches(generator: nn.Module, x: torch.Tensor, target: int, mode: EditMode,
                     batch_size: int = 64) -> torch.Tensor:
    device = next(generator.parameters()).device
    return torch.cat([edit(generator, x[i : i + batch_size].to(device), target, mode).cpu()
                      for i in range(0, len(x), batch_size)])


def class_mean_faces(images: torch.Tensor, labels: torch.Tensor, c_dim: int) -> torch.Tensor:
    """Mean training face per class, (C, 3, H, W) in [-1, 1]; a class with no image gets mid-grey."""
    means = torch.zeros(c_dim, *images.shape[1:])
    for c in range(c_dim):
        chosen = images[labels == c]
        if len(chosen):
            means[c] = to_float(chosen).mean(0)
    return means


def scores_table(scores: list[TargetScore]) -> str:
    """The evaluation as a Markdown table, one row per target expression and a mean row."""
    header = ("| target | judge on real | judge on edits | L1 edit | L1 input | L1 mean face | PSNR edit | "
              "PSNR input | SSIM edit | SSIM input | cycle L1 | ghost |\n|---|" + "---:|" * 11)
    rows = [header]

    def row(name: str, values: list[float]) -> str:
        j_real, j_edit, *rest, ghost = values
        ghost_cell = "–" if math.isnan(ghost) else f"{100 * ghost:.1f} %"
        return (f"| {name} | {100 * j_real:.1f} % | {100 * j_edit:.1f} % | "
                + " | ".join(f"{v:.3f}" if i not in (3, 4) else f"{v:.2f}" for i, v in enumerate(rest))
                + f" | {ghost_cell} |")

    fields = ["judge_real", "judge_edit", "l1_edit", "l1_input", "l1_mean_face", "psnr_edit", "psnr_input",
              "ssim_edit", "ssim_input", "cycle_l1", "ghost"]
    for s in scores:
        rows.append(row(s.target, [getattr(s, f) for f in fields]))
    rows.append(row("**mean**", [sum(getattr(s, f) for s in scores) / len(scores) for f in fields]))
    return "\n".join(rows)
