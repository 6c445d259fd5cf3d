"""The refiner: sharpens what the generator moved, at the photo's own resolution, guided by the photo.

The generator draws 64×64 faces; a blog photo's face is 200–330 pixels wide. Where a brow or a lip
moved, the paste (:mod:`emoface.faces.paste`) has only the generator's face to show, upsampled 3–5×:
the new features are soft and a little blocky at blog size (docs/stargan.md), while everything the
expression kept is the photo's own sharp pixels. A 128² generator would cost 4× the compute of a
training run that already takes 89 of the 150 minutes allowed; this small network does the
upsampling's job instead. It sees, at the crop's own resolution,

* the photo's crop (sharp, in the old expression: where the glasses' rims, the eyes and the skin are),
* the paste (sharp where nothing moved, soft where something did),
* the *gate*, where the generator changed the face (:func:`emoface.faces.paste.refine_gate`),
* and, with ``RefinerConfig.classes``, the target expression (seven one-hot planes; the engine knows it),

and adds a correction to the paste inside the gate only: pixels the expression did not touch stay the
photo's, bit for bit. It learns from pastes of SynthFaces scenes set against the scene drawn in the
target (``scripts/train_refiner.py``). The paste it learns from is of the *true* face, shrunk to the
generator's 64 pixels (:func:`emoface.scene_patches.truth_patches`): a perfect edit, soft only where
the upsampling made it soft, so it learns what a soft 64-pixel brow looks like drawn sharp where it
lies, and to keep a rim the photo had where the brow moved under it. Taught instead by G's own pastes
(:func:`~emoface.scene_patches.refiner_patches`), an L1 loss also taught it to fade what G drew
vaguely: a narrower, milder smile, read as joy 82–87 % of the time. Dilated 3×3 convolutions give it
a 35-pixel view (a feature's upsampled blur is ~10 px) at ~50 k weights (0.2 MB).

Used by :class:`emoface.engines.stargan.StarGanEngine` when a generator file holds one; the shipped
file does. On held-out people's scenes it draws the new features about three times as crisply
(``scene_eval``'s crispness 0.20 → 0.59), brings the edit nearer the true scene (L1 0.77× → 0.70× the
unchanged photo's) and the judge reads the targets as often as without it (docs/stargan.md). It does
not mend what G drew wrong: a ghost of an old smile that G kept comes out as crisp as a new feature. Guided by
the photo, it also sharpened what G took away (an open mouth's outline round the new closed one); the paste keeps
only the broad part of its correction there (:func:`emoface.faces.paste.taken_away`).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from ..faces.paste import feather_mask
from .losses import high_pass

#: The refiner works at most at this side; a larger crop is refined at this size and the correction upsampled
#: (the scenes it was trained on have crops 200–330 pixels wide).
MAX_SIDE = 320


@dataclass(frozen=True)
class RefinerConfig:
    """The refiner's shape: ``width`` channels, one dilated 3×3 convolution per entry of ``dilations``."""

    width: int = 32
    dilations: tuple[int, ...] = (1, 2, 4, 8, 1)
    #: The number of target expressions it is told (0: none, it guesses the target from the paste).
    classes: int = 0
    #: Where it may correct the paste: "changed", inside the gate (where G changed the face); "face", anywhere in
    #: the pasted ellipse, so it can also erase what the photo has at full resolution and G never saw at 64
    #: pixels (a surprised forehead's lines under another target).
    reach: str = "changed"


class Refiner(nn.Module):
    """(photo crop, paste, gate[, target]) → the paste with a correction inside the gate; images in [-1, 1],
    (N, 3, H, W); ``target`` (N,) the expression index asked for, for a refiner with ``config.classes``."""

    def __init__(self, config: RefinerConfig = RefinerConfig()) -> None:
        super().__init__()
        _check_reach(config.reach)
        self.config = config
        self.inp = nn.Conv2d(7 + config.classes, config.width, 3, padding=1)
        self.body = nn.ModuleList(nn.Conv2d(config.width, config.width, 3, padding=d, dilation=d)
                                  for d in config.dilations)
        self.out = nn.Conv2d(config.width, 3, 3, padding=1)
        # a new refiner returns the paste unchanged: training starts from what the paste already does
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, photo: torch.Tensor, pasted: torch.Tensor, gate: torch.Tensor,
                target: torch.Tensor | None = None) -> torch.Tensor:
        planes = [photo, pasted, gate]
        if self.config.classes:
            if target is None:
                raise ValueError("this refiner is told the target expression: pass target")
            one_hot = F.one_hot(target, self.config.classes).to(photo.dtype)
            planes.append(one_hot[:, :, None, None].expand(-1, -1, *photo.shape[2:]))
        h = F.leaky_relu(self.inp(torch.cat(planes, 1)), 0.2)
        for conv in self.body:
            h = h + F.leaky_relu(conv(h), 0.2)
        return (pasted + gate * self.out(h)).clamp(-1, 1)


@torch.no_grad()
def refine_region(refiner: Refiner, region: np.ndarray, pasted: np.ndarray, gate: np.ndarray,
                  target: int | None = None) -> np.ndarray:
    """``pasted`` (h×w×3 float, levels) corrected by ``refiner`` inside ``gate`` (h×w), guided by the photo's
    ``region`` (h×w×3, levels) and the ``target`` expression's index (ignored by a refiner not told
    targets): float32 levels. Pixels where the gate is 0 come back unchanged."""
    gate = reach_gate(gate, refiner.config.reach)
    if not gate.any():
        return pasted
    height, width = gate.shape
    scale = min(1.0, MAX_SIDE / max(height, width))
    small = (max(1, round(width * scale)), max(1, round(height * scale)))

    def tensor(image: np.ndarray) -> torch.Tensor:
        image = image if scale == 1.0 else cv2.resize(image, small, interpolation=cv2.INTER_AREA)
        image = image[:, :, None] if image.ndim == 2 else image
        return torch.from_numpy(np.ascontiguousarray(image, dtype=np.float32)).permute(2, 0, 1)[None]

    device = next(refiner.parameters()).device
    photo_t, pasted_t = (tensor(image).to(device) / 127.5 - 1 for image in (region, pasted))
    gate_t = tensor(gate).to(device)
    told = torch.tensor([target], device=device) if refiner.config.classes and target is not None else None
    correction = ((refiner(photo_t, pasted_t, gate_t, told) - pasted_t) * 127.5)[0].permute(1, 2, 0).cpu().numpy()
    if scale != 1.0:
        correction = cv2.resize(correction, (width, height), interpolation=cv2.INTER_LINEAR)
    return (pasted + correction * (gate[:, :, None] > 0)).astype(np.float32)


def reach_gate(gate: np.ndarray, reach: str) -> np.ndarray:
    """Where a refiner of ``reach`` may correct a paste whose changed region is ``gate`` (h×w): the gate itself
    ("changed"), or ("face") 1 wherever the paste is blended into the photo (the feathered ellipse is above 0)."""
    _check_reach(reach)
    return gate if reach == "changed" else (feather_mask(*gate.shape) > 0).astype(np.float32)


def _check_reach(reach: str) -> None:
    if reach not in ("changed", "face"):
        raise ValueError(f"a refiner's reach is 'changed' or 'face', not {reach!r}")


@dataclass
class RefinerPatches:
    """Training patches (N, 10, P, P) uint8: photo crop (3), paste (3), gate ×255 (1), truth (3); and each
    one's target expression (N,) int64."""

    patches: torch.Tensor
    targets: torch.Tensor

    def split(self, rows: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """The rows as photo, paste (in [-1, 1]), gate (in [0, 1]), truth (in [-1, 1]) and target."""
        batch = self.patches[rows].float()
        return (batch[:, 0:3] / 127.5 - 1, batch[:, 3:6] / 127.5 - 1, batch[:, 6:7] / 255.0,
                batch[:, 7:10] / 127.5 - 1, self.targets[rows])


#: A pixel whose brightness differs between the truth and the photo by more than this (levels) is one the edit
#: must change: what ``focus`` weighs more in the refiner's loss.
FOCUS_LEVEL = 8.0


def refiner_loss(refined: torch.Tensor, truth: torch.Tensor, gate: torch.Tensor, photo: torch.Tensor | None = None,
                 focus: float = 0.0, kept: torch.Tensor | None = None) -> torch.Tensor:
    """Mean |refined − truth| plus the same on their 3×3 high-pass (the edges), inside the gate; with ``focus``,
    each pixel where the truth's brightness differs from the ``photo``'s by more than :data:`FOCUS_LEVEL` weighs
    1 + ``focus`` (a surprised forehead's lines are a few pixels of a face that otherwise asks to be left alone);
    given the paste as ``kept``, only where the paste kept the photo (what G left undone, not what it moved)."""
    inside = (gate > 0).float()
    if focus:
        level = FOCUS_LEVEL / 127.5
        differs = (truth - photo).abs().mean(1, keepdim=True) > level
        if kept is not None:
            differs = differs & ((kept - photo).abs().mean(1, keepdim=True) <= level)
        inside = inside * (1.0 + focus * differs.float())
    inside = inside.expand_as(refined)
    total = inside.sum().clamp(min=1.0)
    plain = ((refined - truth).abs() * inside).sum() / total
    edges = ((high_pass(refined) - high_pass(truth)).abs() * inside).sum() / total
    return plain + edges


def train_refiner(data: RefinerPatches, config: RefinerConfig = RefinerConfig(), steps: int = 1500, batch: int = 16,
                  lr: float = 1e-3, minutes: float | None = None, seed: int = 0, focus: float = 0.0,
                  focus_kept: bool = False, progress: bool = True) -> tuple[Refiner, dict]:
    """A refiner trained on ``data`` for ``steps`` (Adam, cosine decay to lr/10, random flips), stopping early
    after ``minutes`` of wall time, its loss weighing by ``focus`` what the edit must change (with ``focus_kept``,
    only where the paste kept the photo; :func:`refiner_loss`): (refiner, its training record: steps done,
    minutes, loss curve)."""
    torch.manual_seed(seed)
    refiner = Refiner(config)
    optimiser = torch.optim.Adam(refiner.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, steps, eta_min=lr / 10)
    generator = torch.Generator().manual_seed(seed)
    start, curve, running, done = time.monotonic(), [], 0.0, 0
    for step in tqdm(range(1, steps + 1), desc="refiner", disable=not progress):
        rows = torch.randint(len(data.patches), (batch,), generator=generator)
        photo, pasted, gate, truth, target = data.split(rows)
        if bool(torch.rand(1, generator=generator) < 0.5):  # faces are near-symmetric: a free second view
            photo, pasted, gate, truth = (t.flip(3) for t in (photo, pasted, gate, truth))
        loss = refiner_loss(refiner(photo, pasted, gate, target if config.classes else None), truth, gate, photo,
                            focus, pasted if focus_kept else None)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        schedule.step()
        running, done = running + loss.item(), step
        if step % 50 == 0:
            curve.append({"step": step, "loss": round(running / 50, 5)})
            running = 0.0
        if minutes is not None and time.monotonic() - start > 60 * minutes:
            break
    record = {"config": asdict(config), "steps": done, "batch": batch, "lr": lr, "focus": focus,
              "focus_kept": focus_kept, "patches": len(data.patches),
              "train_minutes": round((time.monotonic() - start) / 60, 1), "loss_curve": curve}
    return refiner.eval(), record


def load_refiner(state: dict, record: dict) -> Refiner:
    """A refiner from a generator file's ``refiner`` state and its ``info["refiner"]`` record."""
    config = record.get("config", {})
    refiner = Refiner(RefinerConfig(width=int(config.get("width", 32)),
                                    dilations=tuple(config.get("dilations", (1, 2, 4, 8, 1))),
                                    classes=int(config.get("classes", 0)), reach=config.get("reach", "changed")))
    try:
        refiner.load_state_dict(state)
    except RuntimeError as error:
        raise ValueError(f"the file's refiner does not have the shape its record states ({refiner.config}); "
                         "train it again with scripts/train_refiner.py") from error
    return refiner.eval()
