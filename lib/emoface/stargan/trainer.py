"""Training StarGAN with the paper's schedule, resumable *exactly* after a Colab disconnect.

The schedule (StarGAN §4, the seed paper §4.1): WGAN-GP with λ_cls = 1, λ_rec = 10, λ_gp = 10; the
generator is updated once per ``n_critic = 5`` discriminator updates; Adam, lr 1e-4, β = (0.5, 0.999);
batch 16; 200k iterations with the learning rates decayed linearly to zero over the last 100k.

What the official code lacks and its users ask for most:

* **exact resume** — a checkpoint holds G, D, *both optimisers*, the step, the trainer's random
  generator and the global RNG state, and the config; the learning rate is a pure function of the
  step. A run stopped at step k and resumed ends with the same weights as one that never stopped;
* **atomic checkpoints** (``checkpoint.pt`` is replaced, never half-written) loaded with
  ``weights_only=True``;
* a **time budget** (``minutes=``) that checkpoints and returns cleanly before Colab cuts the session;
* the training set as one ``uint8`` tensor on the device, batches drawn by index (no JPEG decoding);
* mixed precision: on CUDA float16 with loss scaling (a T4 has no fast bfloat16) or bfloat16 where the
  GPU has it. On a CPU the default is float32 unless it has AMX (:func:`default_amp_dtype`): on a CPU
  with AVX-512 BF16 but no AMX, bfloat16 autocast measured *slower* than float32 (19.9 against 13.6 s
  per iteration at the paper's size) for a third more CPU time; ``amp=True`` still asks for it. With
  float16 the gradient penalty is computed in float32 (it is a gradient of a gradient, whose small
  values underflow in float16); bfloat16 has float32's exponent range, so there it stays in autocast;
* on CUDA, channels-last memory layout, and optionally a ``torch.compile``d generator (D cannot be
  compiled: the penalty differentiates through it twice, which compiled graphs do not support);
* losses in ``losses.csv`` (:class:`CsvLog`; :class:`TensorBoardLog` when ``tensorboard`` is installed,
  never TensorFlow's own logger), sample grids every K steps (:class:`SampleGrid`);
* **several processes** (``torchrun``, :mod:`emoface.stargan.train`): when a ``torch.distributed``
  process group is initialised, G and D train as ``DistributedDataParallel`` replicas, each process
  takes its share of every batch (:meth:`StarGANTrainer.sample_batch`), rank 0 alone writes the
  checkpoint and runs the callbacks, and all ranks stop at the same step.

The trainer knows nothing about where the images came from: it takes a ``uint8`` tensor and labels.

Taught in ``04_stargan.ipynb``.
"""

from __future__ import annotations

import csv
import inspect
import io
import signal
import threading
import time
import warnings
from contextlib import nullcontext
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Callable, NamedTuple

import torch
import torch.distributed as dist
from torch import nn
from tqdm.auto import tqdm

from ..atomic import atomic_write, atomic_write_text
from ..checkpoints import read_checkpoint
from ..images import save_rgb
from . import local_critic, losses
from .model import Discriminator, Generator, with_attention_channel

CHECKPOINT_FORMAT = "emoface-stargan/1"
#: The skip added to a trained G starts at 0 and must grow against weights already in place: at G's own rate
#: it stayed at a mean |weight| of 0.001 after 300 fine-tuning steps, with the edits unchanged.
SKIP_LR_SCALE = 10.0


@dataclass(frozen=True)
class StarGANConfig:
    """Model sizes and the training schedule; the defaults are the paper's (128×128, 200k steps)."""

    image_size: int = 128
    c_dim: int = 7
    g_conv_dim: int = 64
    d_conv_dim: int = 64
    g_repeat_num: int = 6
    d_repeat_num: int = 6
    #: Our extension (not in the paper): G outputs a mask and keeps the input's pixels where it is 1.
    g_attention: bool = False
    #: Our extension: G's full-resolution skip (:class:`~emoface.stargan.model.Generator`'s ``skip``).
    g_skip: bool = False
    #: Weight of the mean edited area, ``mean(1 - mask)``, in L_G: edit as little as needed.
    lambda_mask: float = 0.1
    lambda_cls: float = 1.0
    lambda_rec: float = 10.0
    lambda_gp: float = 10.0
    #: Our extension (not in the paper): weight of ``‖G(x, c) − y‖₁`` where the data holds y, the same
    #: person photographed in expression c (SynthFaces always; MUG for its subjects). Needs
    #: ``partners`` (see :class:`StarGANTrainer`); 0 is the paper's unpaired StarGAN.
    lambda_pair: float = 0.0
    #: Our extension: in the paired term, the pixels the expression changes (x and y differ) weigh
    #: ``1 + pair_focus`` (:func:`~emoface.stargan.losses.paired_loss`); 0 weighs all pixels alike.
    pair_focus: float = 0.0
    #: Our extension, for an attention G with partners: weight of ‖painting − y‖₁ over the pixels the
    #: expression changes (:func:`~emoface.stargan.losses.painting_loss`). Behind a mask that starts at
    #: "keep the input" the painting gets ~5 % of the output's gradient and learns slowly (measured:
    #: a run from scratch took 3,000 steps to read 80 % right); this term teaches it at full strength.
    lambda_paint: float = 0.0
    #: Our extension, for an attention G with partners: weight of ‖painting − y‖₁ wherever the mask
    #: paints, weighted by ``1 − keep`` (:func:`~emoface.stargan.losses.open_painting_loss`): the skin
    #: the mask opens over but the expression does not change is otherwise left mottled.
    lambda_paint_open: float = 0.0
    #: Our extension, with partners: weight of the edit's fine texture against the true face's near the
    #: expression change (:func:`~emoface.stargan.losses.texture_loss`): against mottled skin, which L1
    #: barely counts.
    lambda_texture: float = 0.0
    #: Our extension, with partners: weight of the edit's L1 to the true face on the drawn lines that stay
    #: near the expression change (:func:`~emoface.stargan.losses.kept_lines_loss`): against the glasses
    #: frames the local critic's G broke into dashes where widening eyes opened the mask over them.
    lambda_kept_lines: float = 0.0
    #: Our extension, for an attention G with partners: weight of how much the mask opens over pixels the
    #: expression leaves alone (:func:`~emoface.stargan.losses.still_mask_loss`); tried against mottled
    #: eyes, which it did not mend (docs/stargan.md).
    lambda_still_mask: float = 0.0
    #: Our extension, with partners: weight of ‖D's features of G(x, c) − those of y‖₁
    #: (:func:`~emoface.stargan.losses.feature_matching_loss`): against the blurred mouths pixel L1 allows.
    lambda_feat: float = 0.0
    #: Our extension, with partners: weight of a second, small critic's verdict on the pixels the
    #: expression changes (:mod:`~emoface.stargan.local_critic`, pix2pix's PatchGAN beside the paired
    #: L1): against the broad smear the L1 draws where the true face has a thin crease line.
    lambda_local: float = 0.0
    #: The local critic learns at this × ``d_lr``: it starts from nothing beside a trained G, and at a
    #: fine-tune's D rate (5·10⁻⁵) it stayed at chance (its loss 0.50) for 400 steps (measured, demo).
    local_lr_scale: float = 4.0
    #: The first ``local_warmup`` steps train only the local critic, against G's edits as they are, so
    #: that it already tells a smear from a stroke when G starts to feel it. Measured: begun together
    #: with G, it stayed at chance (loss 0.50) for 360 steps even at 4× D's rate.
    local_warmup: int = 0
    #: The local critic's updates per training step (on the step's batch), and whether its convolutions are
    #: spectrally normalised. Measured with 1 and none: once G felt it, G passed it within 100 steps with
    #: changes that do not show (its loss back at chance, 0.50).
    local_critic_steps: int = 1
    local_spectral: bool = False
    #: The local critic's first convolution's channels (doubled in its second). At 32 it kept only a small
    #: edge over G's edits (its loss 0.43-0.46 against chance's 0.50 after 3,000 of G's steps, measured).
    local_width: int = 32
    #: The local critic counts only cells from this share of the face's height down
    #: (:func:`~emoface.stargan.local_critic.changed_cells`); 0 = every changed cell. At 0.55 the eyes
    #: came out clean and the angry brows fainter (docs/stargan.md).
    local_from_row: float = 0.0
    #: The local critic counts only the changed pixels on the expression's lines — brows, folds, mouth —
    #: of the source and the true face (the trainer's ``line_masks``; :func:`~emoface.stargan.local_critic.
    #: changed_cells`), not the eyes or the chin, where G drew the detail the critic asked for as dirt.
    local_on_lines: bool = False
    #: Our extension, with partners and ``line_masks``: weight of the edit's L1 and fine grain to the true face
    #: on the source's expression lines that the target does not draw (:func:`~emoface.stargan.losses.
    #: gone_lines_loss`): against the faint old smile and brows left under a new expression.
    lambda_gone_lines: float = 0.0
    #: Our extension, for an attention G with partners and ``line_masks``: weight of the *painting's* L1 to the
    #: true face on those same gone lines (:func:`~emoface.stargan.losses.gone_painting_loss`). Where the mask
    #: keeps the input, the painting copies the old line (a wrinkle fainter than an expression change, which
    #: :func:`~emoface.stargan.losses.painting_loss` skips), so opening the mask would not lower any term and
    #: the old line stayed.
    lambda_paint_gone: float = 0.0
    #: Our extension: how many pixels around the gone lines the gone-painting term grades too. Away from what an
    #: expression redraws G's painting is noise no term looked at, so a mask opened over a thin old wrinkle lays
    #: that noise round it (measured on the forehead: the painting 1.4–2× as far from the true face as the
    #: wrinkled input). Tried at 2 pixels: the forehead's painting no nearer the truth in 1,000 steps
    #: (docs/stargan.md).
    paint_gone_reach: int = 0
    #: Our extension, for an attention G with partners and ``line_masks``: weight of −log(1 − keep) on those
    #: gone lines, computed from the mask's logit (:func:`~emoface.stargan.losses.open_gone_loss`). A mask that
    #: keeps an old wrinkle keeps it at a saturated sigmoid: in bfloat16, 84 % of the shipped G's mask pixels are
    #: exactly 1.0 and pass no gradient back to any term.
    lambda_open_gone: float = 0.0
    #: Our extension, for an attention G trained in mixed precision: its mask's sigmoid in float32, so that every
    #: term reaches the pixels a bfloat16 mask rounds to exactly 1.0 (the shipped chain's mask never let them).
    mask_float32: bool = False
    #: Our extension, for class-id labels: how often each target domain is drawn (relative weights,
    #: one per domain); None draws them uniformly, as the paper does. Measured: the two targets that
    #: must *erase* a feature (neutral, anger) lag the others, and their misses read as the old smile.
    target_weights: tuple[float, ...] | None = None
    #: Our extension: D learns the expressions of real faces against label-smoothed targets (this much
    #: of each target spread over the other domains); G's term is unchanged. Measured: a fine-tuned D
    #: read 99.8 % of G's neutral edits as neutral (0.001 nats) where a separate judge read 90 %, so its
    #: classification gave G no gradient left; a D that is never quite sure keeps one (0.2: neutral
    #: 89 → 95 % in 150 steps). The price: such a D reads a photo's own expression less surely (91 %
    #: of held-out scene faces against 98 %), so a file trained so keeps a sharp D as its reader
    #: (:func:`~emoface.stargan.generator_file.carried_reader`).
    cls_smoothing: float = 0.0
    n_critic: int = 5
    #: Our extension: the first ``d_warmup`` steps train only D's expression classifier, on real faces.
    #: An attention G starts at "keep the input", so its fakes are the reals and the critic's game
    #: swamps the classifier: from scratch, D's classification loss stayed at ln 7 (measured, demo).
    d_warmup: int = 0
    batch_size: int = 16
    g_lr: float = 1e-4
    d_lr: float = 1e-4
    beta1: float = 0.5
    beta2: float = 0.999
    num_iters: int = 200_000
    num_iters_decay: int = 100_000
    seed: int = 0

    @property
    def uses_gone_terms(self) -> bool:
        """Whether a term grades the source's lines that the target drops (and so may take ``gone_masks``)."""
        return max(self.lambda_gone_lines, self.lambda_paint_gone, self.lambda_open_gone) > 0

    @property
    def uses_line_masks(self) -> bool:
        """Whether training needs the trainer's ``line_masks`` (the expression's lines of every image)."""
        return self.local_on_lines or self.uses_gone_terms

    def learning_rates(self, step: int) -> tuple[float, float]:
        """(G, D) learning rates at ``step``: constant, then linear to 0 over the last ``num_iters_decay``."""
        remaining = self.num_iters - step
        scale = min(1.0, max(0.0, remaining / self.num_iters_decay)) if self.num_iters_decay > 0 else 1.0
        return self.g_lr * scale, self.d_lr * scale


Callback = Callable[["StarGANTrainer", dict], None]


class Lines(NamedTuple):
    """A batch's expression lines, bool (B, 1, H, W) each: where the source face and where its true edit draw
    the line critic's lines, and the source's lines (of the trainer's ``gone_masks``, else the same lines)
    that the true edit drops — where a ghost of the source expression would stay."""

    source: torch.Tensor
    true: torch.Tensor
    gone: torch.Tensor


class StarGANTrainer:
    """Runs the StarGAN schedule on a ``uint8`` image tensor ``(N, 3, H, W)`` and its domain labels.

    Labels are class ids ``(N,)`` (one expression per face: targets drawn uniformly, cross-entropy) or
    0/1 vectors ``(N, c_dim)`` (CelebA attributes: targets are the labels of the batch shuffled, as the
    official code does, and binary cross-entropy).

    Under ``torch.distributed`` (a process group initialised before the trainer is built, as
    ``torchrun`` and :mod:`emoface.stargan.train` do) each process is one rank of ``world_size``;
    ``config.batch_size`` stays the *global* batch and must divide by ``world_size``.

    ``partners`` (optional, long ``(N, c_dim)``): the index of the same person's image in each
    domain, −1 where there is none. With ``config.lambda_pair > 0`` the generator's update also pulls
    ``G(x, c)`` towards that true image (without ``partners`` the term is off). Measured on the demo
    generator: it lowers L1 to the true face but leaves thin ghosts of the old expression, which are
    worth few pixels (docs/stargan.md).
    """

    def __init__(self, config: StarGANConfig, images: torch.Tensor, labels: torch.Tensor,
                 run_dir: str | Path, device: torch.device | str = "cpu", callbacks: tuple[Callback, ...] = (),
                 amp: bool | None = None, channels_last: bool | None = None, compile_generator: bool = False,
                 partners: torch.Tensor | None = None, line_masks: torch.Tensor | None = None,
                 gone_masks: torch.Tensor | None = None) -> None:
        """``line_masks`` (bool (N, 1, H, W), for ``config.uses_line_masks``): which pixels of each image draw
        the expression's lines (:meth:`~emoface.stargan.synth_pairs.SynthPairs.flat_lines`). ``gone_masks``
        (the same shape, optional): the lines whose ghost the gone terms fight, where those are not
        ``line_masks`` (:meth:`~emoface.stargan.synth_pairs.SynthPairs.flat_gone_lines`; e.g. only the
        wrinkles, while the line critic judges the mouth and brows).

        ``amp`` (mixed precision) defaults to on where it is fast (:func:`default_amp_dtype`; ``True``
        asks for it wherever the device has half precision, :func:`amp_dtype`), ``channels_last``
        to on for CUDA. They change rounding, not the schedule: a run may resume with other settings.
        """
        _check_data(config, images, labels)
        _check_partners(config, images, labels, partners)
        _check_line_masks(config, images, line_masks)
        _check_gone_masks(config, images, gone_masks)
        self.config = config
        self.device = torch.device(device)
        cuda = self.device.type == "cuda"
        #: The autocast dtype, or None for float32 throughout.
        self.amp_dtype = default_amp_dtype(self.device) if amp is None else amp_dtype(self.device) if amp else None
        if amp and self.amp_dtype is None:
            raise ValueError(f"this {self.device.type} has no fast half precision; train with amp=False")
        self.memory_format = torch.channels_last if (cuda if channels_last is None else channels_last) \
            else torch.contiguous_format
        self.run_dir = Path(run_dir)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.images = images.to(self.device)
        self.multi_label = labels.dim() == 2
        self.labels = (labels.float() if self.multi_label else labels).to(self.device)
        self.partners = partners.to(self.device) if partners is not None and config.lambda_pair > 0 else None
        self.line_masks = line_masks.to(self.device) if config.uses_line_masks else None
        self.gone_masks = gone_masks.to(self.device) if gone_masks is not None else None
        #: This process's place among the training processes: (0, 1) without torch.distributed.
        self.rank, self.world_size = _rank_and_world_size()
        if config.batch_size % self.world_size:
            raise ValueError(f"the batch ({config.batch_size}) must split evenly over {self.world_size} processes; "
                             f"pick a batch size that is a multiple of {self.world_size}")
        torch.manual_seed(config.seed)
        self.G = Generator(config.g_conv_dim, config.c_dim, config.g_repeat_num, config.g_attention,
                           config.g_skip).to(
            self.device, memory_format=self.memory_format)
        self.D = Discriminator.from_config(config).to(
            self.device, memory_format=self.memory_format)
        #: What the training step calls, ``G_step(x, c, parts=False)``: :attr:`G` itself, wrapped in
        #: DistributedDataParallel under torch.distributed and compiled on request (same parameters).
        self.G_step = _distributed(_GeneratorCall(self.G), self.device, self.world_size)
        if compile_generator:
            self.G_step = torch.compile(self.G_step)
        #: D as the discriminator's update calls it; the generator's update calls :attr:`D` itself,
        #: since D's gradients there are thrown away (no reason to average them over the processes).
        self.D_step = _distributed(self.D, self.device, self.world_size)
        scaled = self.amp_dtype == torch.float16  # bfloat16 has float32's range: no loss scaling needed
        self.g_scaler = torch.amp.GradScaler(self.device.type, enabled=scaled)
        self.d_scaler = torch.amp.GradScaler(self.device.type, enabled=scaled)
        betas = (config.beta1, config.beta2)
        self.g_optimizer = torch.optim.Adam(_parameter_groups(self.G), config.g_lr, betas=betas)
        self.d_optimizer = torch.optim.Adam(self.D.parameters(), config.d_lr, betas=betas)
        #: The local critic (``config.lambda_local``), its optimiser and loss scaler, or None.
        self.D_local = (local_critic.LocalCritic(config.local_width, spectral=config.local_spectral).to(self.device)
                        if config.lambda_local > 0 else None)
        if self.D_local is not None:
            self.D_local_step = _distributed(self.D_local, self.device, self.world_size)
            self.d_local_optimizer = torch.optim.Adam(self.D_local.parameters(), config.d_lr * config.local_lr_scale,
                                                      betas=betas)
            self.d_local_scaler = torch.amp.GradScaler(self.device.type, enabled=scaled)
        #: All sampling (batches, flips, targets, penalty points) comes from this one generator.
        self.rng = torch.Generator().manual_seed(config.seed)
        self.step = 0
        self.callbacks = callbacks

    @property
    def checkpoint_path(self) -> Path:
        return self.run_dir / "checkpoint.pt"

    # ------------------------------------------------------------------ the schedule
    def sample_batch(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Real images in [-1, 1] (half flipped), their domains and random targets: :meth:`_sample`'s first three."""
        x, source, target, _, _ = self._sample()
        return x, source, target

    def _sample(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, tuple[torch.Tensor, torch.Tensor] | None,
                               Lines | None]:
        """Real images in [-1, 1] (half flipped), their domains, random target domains, the true edits
        where the data holds them (:meth:`_true_edits`) and the expression's lines (:meth:`_lines`).

        The distributed sampler: every rank draws the *whole* global batch (indices, flips, targets)
        from its own copy of :attr:`rng` — the same generator in the same state on every rank — and
        keeps the rows ``rank::world_size``. The ranks' shares are disjoint and together are exactly
        the batch one process would draw, and the generator's state stays identical on every rank,
        so rank 0's checkpoint holds the state of all of them and a resumed run (on any number of
        processes) draws the same batches. Drawing B indices instead of B/world costs nothing next
        to a step; only the rank's own images are gathered.
        """
        n, batch = self.images.size(0), self.config.batch_size
        index = torch.randint(n, (batch,), generator=self.rng)
        flip = torch.rand(batch, generator=self.rng) < 0.5
        if self.multi_label:
            target_rows = torch.randperm(batch, generator=self.rng)
            target = self.labels[index[target_rows].to(self.device)]
        elif self.config.target_weights is not None:
            weights = torch.tensor(self.config.target_weights, dtype=torch.float64)
            target = torch.multinomial(weights, batch, replacement=True, generator=self.rng).to(self.device)
        else:
            target = torch.randint(self.config.c_dim, (batch,), generator=self.rng).to(self.device)
        mine = slice(self.rank, None, self.world_size)  # this rank's rows of the global batch
        index, flip, target = index[mine].to(self.device), flip[mine].to(self.device), target[mine]
        x = self._as_input(self.images[index], flip)
        return x, self.labels[index], target, self._true_edits(index, flip, target), self._lines(index, flip, target)

    def _as_input(self, images: torch.Tensor, flip: torch.Tensor) -> torch.Tensor:
        x = images.float().div(127.5).sub(1.0)
        x = torch.where(flip.view(-1, 1, 1, 1), x.flip(-1), x)
        return x.contiguous(memory_format=self.memory_format)

    def _true_edits(self, index: torch.Tensor, flip: torch.Tensor,
                    target: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor] | None:
        """The same person in the target domain, flipped like the input, and which rows have one."""
        if self.partners is None:
            return None
        partner = self.partners[index, target]
        present = partner >= 0
        return self._as_input(self.images[partner.clamp(min=0)], flip), present

    def _lines(self, index: torch.Tensor, flip: torch.Tensor, target: torch.Tensor) -> Lines | None:
        """The batch's :class:`Lines`, flipped like the input; None without line masks
        (``config.uses_line_masks``)."""
        if self.line_masks is None or self.partners is None:
            return None
        partner = self.partners[index, target].clamp(min=0)
        gone_masks = self.line_masks if self.gone_masks is None else self.gone_masks

        def flipped(mask: torch.Tensor) -> torch.Tensor:
            return torch.where(flip.view(-1, 1, 1, 1), mask.flip(-1), mask)

        return Lines(flipped(self.line_masks[index]), flipped(self.line_masks[partner]),
                     flipped(gone_masks[index] & ~gone_masks[partner]))

    def _critic_cells(self, x_real: torch.Tensor, true_edits: tuple[torch.Tensor, torch.Tensor],
                      lines: Lines | None) -> torch.Tensor:
        """The local critic's cells for this batch (:func:`~emoface.stargan.local_critic.changed_cells`), on
        the lines of the source or the true face with ``config.local_on_lines``."""
        on_lines = lines.source | lines.true if lines is not None and self.config.local_on_lines else None
        return local_critic.changed_cells(x_real, *true_edits, from_row=self.config.local_from_row, lines=on_lines)

    def domain_vector(self, labels: torch.Tensor) -> torch.Tensor:
        """The c fed to G: one-hot for class ids, the 0/1 vector itself for attributes."""
        return labels if self.multi_label else _one_hot(labels, self.config.c_dim)

    def _autocast(self):
        return torch.autocast(self.device.type, dtype=self.amp_dtype) if self.amp_dtype else nullcontext()

    def train_step(self) -> dict[str, float]:
        """One discriminator update, and a generator update every ``n_critic`` steps."""
        cfg = self.config
        g_lr, d_lr = cfg.learning_rates(self.step)
        for group in self.g_optimizer.param_groups:
            group["lr"] = g_lr * group.get("lr_scale", 1.0)  # a checkpoint from before the groups has none
        for group in self.d_optimizer.param_groups:
            group["lr"] = d_lr
        for group in self.d_local_optimizer.param_groups if self.D_local is not None else ():
            group["lr"] = d_lr * cfg.local_lr_scale
        x_real, c_org, c_trg, true_edits, lines = self._sample()
        if self.step < cfg.d_warmup:
            return self._classifier_warmup_step(x_real, c_org, g_lr)
        if self.step < cfg.local_warmup and self.D_local is not None and true_edits is not None:
            return self._local_warmup_step(x_real, c_trg, true_edits, lines, g_lr)
        onehot_org, onehot_trg = self.domain_vector(c_org), self.domain_vector(c_trg)

        # Discriminator: L_D = L_adv^D + λ_cls·L_cls^r, with L_adv^D including λ_gp·GP.
        # Under DDP, D_step's three calls (real, fake, the penalty's interpolates) feed one backward:
        # DDP averages each parameter's gradient once, when its whole sum over the three is known.
        with self._autocast():
            out_src, out_cls = self.D_step(x_real)
            d_loss_cls = losses.classification_loss(out_cls.float(), c_org, cfg.cls_smoothing)
            with torch.no_grad():
                x_fake = self.G_step(x_real, onehot_trg)
            fake_src, _ = self.D_step(x_fake)
            d_adv = losses.critic_loss(out_src.float(), fake_src.float())
        alpha_seed = int(torch.randint(2**31 - 1, (1,), generator=self.rng))
        # One process: the drawn seed itself. Several: one seed per rank, so ranks interpolate with
        # their own α (the same for a given step and rank, so resuming stays exact).
        gp_rng = torch.Generator(device=self.device).manual_seed(alpha_seed * self.world_size + self.rank)
        # The penalty is a gradient of a gradient: in float16 its small values underflow, so it runs in
        # float32 then; bfloat16 has float32's range and keeps it (measured in bench/bench_stargan.py).
        with self._autocast() if self.amp_dtype == torch.bfloat16 else nullcontext():
            d_loss_gp = losses.gradient_penalty(lambda x: self.D_step(x)[0].float(), x_real, x_fake.float(),
                                                generator=gp_rng)
        d_loss = d_adv + cfg.lambda_cls * d_loss_cls + cfg.lambda_gp * d_loss_gp
        _update(self.d_optimizer, self.d_scaler, d_loss)
        log = {"step": self.step + 1, "D/adv": d_adv.item(), "D/cls": d_loss_cls.item(), "D/gp": d_loss_gp.item(),
               "lr_g": g_lr}
        local = self.D_local is not None and true_edits is not None
        if local:
            cells = self._critic_cells(x_real, true_edits, lines)
            log["D/local"] = self._local_critic_step(x_real, x_fake, true_edits[0], cells)

        # Generator, every n_critic steps: L_G = L_adv^G + λ_cls·L_cls^f + λ_rec·L_rec.
        if (self.step + 1) % cfg.n_critic == 0:
            with self._autocast():
                if cfg.g_attention:  # the mask's logit kept for the open-gone term
                    painting, mask_logit = self.G_step(x_real, onehot_trg, parts=True, logit=True)
                    keep = torch.sigmoid(mask_logit.float() if cfg.mask_float32 else mask_logit)
                    x_fake = Generator.blend(x_real, painting, keep)
                else:
                    x_fake, painting, keep, mask_logit = self.G_step(x_real, onehot_trg), None, None, None
                matching = cfg.lambda_feat > 0 and true_edits is not None
                fake_features = self.D.features(x_fake) if matching else None
                fake_src, fake_cls = self.D.heads(fake_features[-1]) if matching else self.D(x_fake)
                g_adv = losses.generator_adversarial_loss(fake_src.float())
                g_loss_cls = losses.classification_loss(fake_cls.float(), c_trg)
                g_loss_rec = losses.reconstruction_loss(x_real, self.G_step(x_fake, onehot_org).float())
                g_loss = g_adv + cfg.lambda_cls * g_loss_cls + cfg.lambda_rec * g_loss_rec
                if true_edits is not None:
                    g_loss = self._add_paired_terms(g_loss, x_real, x_fake, painting, keep, true_edits,
                                                    cells if local else None, fake_features, lines, log, mask_logit)
                if keep is not None:
                    g_loss_mask = losses.edited_area(keep.float())
                    g_loss = g_loss + cfg.lambda_mask * g_loss_mask
                    log["G/mask"] = g_loss_mask.item()
            _update(self.g_optimizer, self.g_scaler, g_loss)
            log.update({"G/adv": g_adv.item(), "G/cls": g_loss_cls.item(), "G/rec": g_loss_rec.item()})
        self.step += 1
        return self._mean_over_ranks(log)

    def _add_paired_terms(self, g_loss: torch.Tensor, x_real: torch.Tensor, x_fake: torch.Tensor,
                          painting: torch.Tensor | None, keep: torch.Tensor | None,
                          true_edits: tuple[torch.Tensor, torch.Tensor], cells: torch.Tensor | None,
                          fake_features: list[torch.Tensor] | None,
                          lines: Lines | None, log: dict[str, float],
                          mask_logit: torch.Tensor | None = None) -> torch.Tensor:
        """``g_loss`` plus λ·term for each term that grades G's edit against the person's true face y, each
        logged; a term whose λ is 0 (or that needs an attention G, the local critic, D's features or the
        line masks without them) is not computed. ``cells``: the local critic's cells, None without it;
        ``lines``: the batch's :class:`Lines` (:meth:`_lines`); ``mask_logit``: an attention
        G's mask logit."""
        cfg, attention = self.config, keep is not None

        def feature_matching() -> torch.Tensor:
            with torch.no_grad():
                true_features = self.D.features(true_edits[0])
            return losses.feature_matching_loss(fake_features, true_features, true_edits[1])

        g_loss_pair = losses.paired_loss(x_fake.float(), *true_edits, x_real, cfg.pair_focus)
        g_loss = g_loss + cfg.lambda_pair * g_loss_pair
        log["G/pair"] = g_loss_pair.item()
        terms = (  # in this order, so the sum is the one the shipped files were trained with
            ("G/paint", cfg.lambda_paint if attention else 0.0,
             lambda: losses.painting_loss(painting.float(), *true_edits, x_real)),
            ("G/paint_open", cfg.lambda_paint_open if attention else 0.0,
             lambda: losses.open_painting_loss(painting.float(), keep.float(), *true_edits)),
            ("G/texture", cfg.lambda_texture, lambda: losses.texture_loss(x_fake.float(), *true_edits, x_real)),
            ("G/kept_lines", cfg.lambda_kept_lines,
             lambda: losses.kept_lines_loss(x_fake.float(), *true_edits, x_real)),
            ("G/still_mask", cfg.lambda_still_mask if attention else 0.0,
             lambda: losses.still_mask_loss(keep.float(), *true_edits, x_real)),
            ("G/local", cfg.lambda_local if cells is not None else 0.0,
             lambda: local_critic.generator_loss(self.D_local(x_real, x_fake).float(), cells)),
            ("G/feat", cfg.lambda_feat if fake_features is not None else 0.0, feature_matching),
            ("G/gone_lines", cfg.lambda_gone_lines if lines is not None else 0.0,
             lambda: losses.gone_lines_loss(x_fake.float(), *true_edits, lines.gone)),
            ("G/paint_gone", cfg.lambda_paint_gone if attention and lines is not None else 0.0,
             lambda: losses.gone_painting_loss(painting.float(), *true_edits, lines.gone, cfg.paint_gone_reach)),
            ("G/open_gone", cfg.lambda_open_gone if mask_logit is not None and lines is not None else 0.0,
             lambda: losses.open_gone_loss(mask_logit.float(), true_edits[1], lines.gone)),
        )
        for name, weight, term in terms:
            if weight > 0:
                value = term()
                g_loss = g_loss + weight * value
                log[name] = value.item()
        return g_loss

    def _local_critic_step(self, x_real: torch.Tensor, x_fake: torch.Tensor, x_true: torch.Tensor,
                           cells: torch.Tensor) -> float:
        """``config.local_critic_steps`` updates of the local critic: the true faces against G's edits, on the
        changed cells. Returns the first update's loss (what the critic made of this batch before learning it)."""
        losses_seen = []
        for _ in range(self.config.local_critic_steps):
            with self._autocast():
                real_score = self.D_local_step(x_real, x_true)
                fake_score = self.D_local_step(x_real, x_fake.detach())
                loss = local_critic.critic_loss(real_score.float(), fake_score.float(), cells)
            _update(self.d_local_optimizer, self.d_local_scaler, loss)
            losses_seen.append(loss.item())
        return losses_seen[0]

    def _local_warmup_step(self, x_real: torch.Tensor, c_trg: torch.Tensor,
                           true_edits: tuple[torch.Tensor, torch.Tensor],
                           lines: Lines | None, g_lr: float) -> dict[str, float]:
        """Only the local critic learns (``config.local_warmup``); G and D wait."""
        with torch.no_grad(), self._autocast():
            x_fake = self.G_step(x_real, self.domain_vector(c_trg))
        cells = self._critic_cells(x_real, true_edits, lines)
        loss = self._local_critic_step(x_real, x_fake, true_edits[0], cells)
        self.step += 1
        return self._mean_over_ranks({"step": self.step, "D/local": loss, "lr_g": g_lr})

    def _classifier_warmup_step(self, x_real: torch.Tensor, c_org: torch.Tensor, g_lr: float) -> dict[str, float]:
        """D learns only L_cls^r, the expression of real faces; G waits (``config.d_warmup``)."""
        with self._autocast():
            _, out_cls = self.D_step(x_real)
            d_loss_cls = losses.classification_loss(out_cls.float(), c_org, self.config.cls_smoothing)
        _update(self.d_optimizer, self.d_scaler, d_loss_cls)
        self.step += 1
        return self._mean_over_ranks({"step": self.step, "D/cls": d_loss_cls.item(), "lr_g": g_lr})

    def _mean_over_ranks(self, log: dict[str, float]) -> dict[str, float]:
        """The losses averaged over the ranks' shares: the whole batch's, as one process logs them."""
        if self.world_size == 1:
            return log
        keys = [key for key in log if "/" in key]
        values = torch.tensor([log[key] for key in keys], dtype=torch.float64, device=self.device)
        dist.all_reduce(values)
        return {**log, **dict(zip(keys, (values / self.world_size).tolist()))}

    def _any_rank(self, *flags: bool) -> tuple[bool, ...]:
        """Each flag, true if it is true on any rank: every rank takes the same decision."""
        if self.world_size == 1:
            return flags
        votes = torch.tensor(flags, dtype=torch.int32, device=self.device)
        dist.all_reduce(votes, op=dist.ReduceOp.MAX)
        return tuple(bool(vote) for vote in votes.tolist())

    def train(self, steps: int | None = None, minutes: float | None = None, checkpoint_every: int = 1000,
              progress: bool = True) -> int:
        """Train until ``steps`` more steps, the schedule's end, or ``minutes`` — then checkpoint.

        Returns the step reached. Calling it again (or :meth:`resume` in a new session) continues.

        **Stopping is exact.** Ctrl+C or SIGTERM (a Colab runtime being recycled) finishes the step
        under way, saves the checkpoint at that step boundary and then raises ``KeyboardInterrupt``;
        a second one stops at once. An error inside a step saves nothing (the last checkpoint stays):
        a half-done step — D updated, the step counter not yet — would resume into another run.
        Resuming equals an uninterrupted run on the same number of torch threads (stored in the
        checkpoint; the CPU kernels' summation order depends on it).

        Under torch.distributed the ranks vote before every step: a signal or the time budget on any
        rank stops all of them at the same step (a rank leaving alone would leave the others waiting
        in DDP's all-reduce). Rank 0 saves, then all ranks wait for it, so the file is whole when
        any of them returns. ``torchrun`` passes a Ctrl+C on to every worker as one signal.
        """
        stop = self.config.num_iters if steps is None else min(self.config.num_iters, self.step + steps)
        deadline = None if minutes is None else time.monotonic() + 60.0 * minutes
        lead = self.rank == 0  # the one rank that shows progress, runs the callbacks and writes files
        bar = tqdm(total=stop, initial=self.step, desc="StarGAN", unit="step", disable=not (progress and lead))
        done, halt = 0, False
        with _StopRequests() as stop_requested:
            try:
                while self.step < stop:
                    out_of_time = deadline is not None and done > 0 and time.monotonic() >= deadline
                    halt, out_of_time = self._any_rank(stop_requested(), out_of_time)
                    if halt or out_of_time:
                        break
                    log = self.train_step()
                    done += 1
                    for callback in self.callbacks if lead else ():
                        callback(self, log)
                    bar.update()
                    if "G/rec" in log:
                        bar.set_postfix({k: f"{v:.3f}" for k, v in log.items() if "/" in k})
                    if self.step % checkpoint_every == 0:
                        self.save()
            finally:
                bar.close()
            self.save()  # only at a step boundary: an exception above skips it
            if self.world_size > 1:
                dist.barrier()
            if halt or stop_requested():
                raise KeyboardInterrupt(f"training stopped at step {self.step}; the checkpoint is saved there")
        return self.step

    # ------------------------------------------------------------------ checkpoints
    def state(self) -> dict:
        """Everything needed to continue bit for bit: weights, optimisers, step, RNG states, config."""
        state = {
            "format": CHECKPOINT_FORMAT,
            "config": asdict(self.config),
            "step": self.step,
            "G": self.G.state_dict(),
            "D": self.D.state_dict(),
            "g_optimizer": self.g_optimizer.state_dict(),
            "d_optimizer": self.d_optimizer.state_dict(),
            "g_scaler": self.g_scaler.state_dict(),
            "d_scaler": self.d_scaler.state_dict(),
            "rng": self.rng.get_state(),
            "torch_rng": torch.get_rng_state(),
            "torch_threads": torch.get_num_threads(),
            "world_size": self.world_size,
        }
        if self.D_local is not None:
            state.update({"D_local": self.D_local.state_dict(), "d_local_optimizer": self.d_local_optimizer.state_dict(),
                          "d_local_scaler": self.d_local_scaler.state_dict()})
        if torch.cuda.is_available():
            state["cuda_rng"] = torch.cuda.get_rng_state_all()
        return state

    def save(self, path: str | Path | None = None) -> Path:
        """Write the checkpoint atomically (default: ``run_dir/checkpoint.pt``); only rank 0 writes.

        Every rank holds the same weights, optimiser states and sampling generator, so rank 0's
        state is the whole run's.
        """
        path = Path(path or self.checkpoint_path)
        if self.rank != 0:
            return path
        state = self.state()
        return atomic_write(path, lambda handle: torch.save(state, handle))

    def load_state(self, state: dict) -> None:
        """Continue from :meth:`state`; the config must be the checkpoint's (fields added since take defaults)."""
        if asdict(self.config) != _with_defaults(state["config"]):
            raise ValueError("the checkpoint was trained with another configuration; resume with its own "
                             f"config: {state['config']}")
        self.G.load_state_dict(state["G"])
        self.D.load_state_dict(state["D"])
        self.g_optimizer.load_state_dict(state["g_optimizer"])
        self.d_optimizer.load_state_dict(state["d_optimizer"])
        if self.g_scaler.is_enabled() and state.get("g_scaler"):
            self.g_scaler.load_state_dict(state["g_scaler"])
            self.d_scaler.load_state_dict(state["d_scaler"])
        if self.D_local is not None:
            self.D_local.load_state_dict(state["D_local"])
            self.d_local_optimizer.load_state_dict(state["d_local_optimizer"])
            if self.d_local_scaler.is_enabled():
                self.d_local_scaler.load_state_dict(state["d_local_scaler"])
        threads = state.get("torch_threads")
        if threads is not None and threads != torch.get_num_threads():
            warnings.warn(f"this checkpoint was written on {threads} torch threads and resumes on "
                          f"{torch.get_num_threads()}: it continues, but not bit for bit like the run it came from "
                          f"(torch.set_num_threads({threads}) for that)", stacklevel=2)
        world_size = state.get("world_size", 1)
        if world_size != self.world_size:
            warnings.warn(f"this checkpoint was written by {world_size} training processes and resumes on "
                          f"{self.world_size}: it continues with the same batches, but not bit for bit like the run "
                          f"it came from (each process draws its own gradient-penalty points)", stacklevel=2)
        self.rng.set_state(state["rng"])
        torch.set_rng_state(state["torch_rng"])
        if "cuda_rng" in state and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state["cuda_rng"])
        self.step = int(state["step"])

    @classmethod
    def from_pretrained(cls, pretrained, images: torch.Tensor, labels: torch.Tensor, run_dir: str | Path,
                        steps: int, device: torch.device | str = "cpu", callbacks: tuple[Callback, ...] = (),
                        lr_scale: float = 0.5, changes: dict | None = None, **options) -> "StarGANTrainer":
        """Fine-tune a stored generator and discriminator (:func:`~emoface.stargan.generator_file.load_generator`)
        for ``steps``, the learning rate decaying linearly from ``lr_scale`` × the original to 0.

        ``changes`` overrides config fields of the fine-tune (loss weights, ``n_critic``, ...);
        ``{"g_attention": True}`` on a plain generator adds the attention mask, starting at "keep"
        (:func:`~emoface.stargan.model.with_attention_channel`); ``{"g_skip": True}`` adds the skip, started at 0.
        Resumable like any run: the fine-tune's own config (same networks, this schedule) is in its checkpoint.
        """
        if pretrained.discriminator is None:
            raise ValueError("this generator file stores no discriminator, so it cannot be fine-tuned; "
                             "train from scratch with StarGANTrainer.resume_or_start")
        base = pretrained.config
        # The stored D's classifier is trained: no warm-up, unless ``changes`` asks for one.
        config = StarGANConfig(**{**asdict(base), "num_iters": steps, "num_iters_decay": steps, "d_warmup": 0,
                                  "g_lr": base.g_lr * lr_scale, "d_lr": base.d_lr * lr_scale, **(changes or {})})
        if base.g_attention and not config.g_attention:
            raise ValueError("an attention generator cannot be fine-tuned into a plain one")
        if base.g_skip and not config.g_skip:
            raise ValueError("a generator with a skip cannot be fine-tuned into one without")
        trainer = cls(config, images, labels, run_dir, device, callbacks, **options)
        if trainer.checkpoint_path.is_file():
            trainer.load_state(load_checkpoint(trainer.checkpoint_path))
        else:
            weights = pretrained.generator.state_dict()
            if config.g_attention and not base.g_attention:
                weights = with_attention_channel(weights)
            if config.g_skip and not base.g_skip:  # the new skip starts at 0: G's edits unchanged
                weights = {**weights, "skip.weight": trainer.G.skip.weight.detach().clone()}
            trainer.G.load_state_dict(weights)
            trainer.D.load_state_dict(pretrained.discriminator)
        return trainer

    @classmethod
    def resume_or_start(cls, config: StarGANConfig, images: torch.Tensor, labels: torch.Tensor, run_dir: str | Path,
                        device: torch.device | str = "cpu", callbacks: tuple[Callback, ...] = (),
                        **options) -> "StarGANTrainer":
        """A trainer at the step of ``run_dir/checkpoint.pt`` if there is one, else at step 0.

        ``run_dir`` may be on a mounted Google Drive, so a new Colab session picks up where the last
        one was cut off. ``options`` are the constructor's (``amp``, ``channels_last``, ...).
        """
        trainer = cls(config, images, labels, run_dir, device, callbacks, **options)
        # a save killed mid-write leaves its temporary file (hundreds of MB at the paper's size)
        for stale in trainer.checkpoint_path.parent.glob(f".{trainer.checkpoint_path.name}.*.tmp"):
            if trainer.rank == 0:  # the writer: another rank could catch rank 0's own save under way
                stale.unlink(missing_ok=True)
        if trainer.checkpoint_path.is_file():
            trainer.load_state(load_checkpoint(trainer.checkpoint_path))
        return trainer


def load_checkpoint(path: str | Path) -> dict:
    """A training checkpoint, read with ``weights_only=True``, with a clear error for any other file."""
    return read_checkpoint(path, CHECKPOINT_FORMAT, "StarGAN training")


def default_amp_dtype(device: torch.device | str) -> torch.dtype | None:
    """What the trainer computes in by default (``amp=None``): :func:`amp_dtype` on CUDA; on a CPU
    bfloat16 only with AMX (Intel's matrix tiles), else float32 (None).

    Chosen by measurement: on a CPU with AVX-512 BF16 but no AMX, bfloat16 autocast ran the paper's
    training step slower than float32 (19.9 against 13.6 s per iteration) and used 32 % more CPU
    time. AMX is the CPU path made for bfloat16 matrix products; ``amp=True`` trains in bfloat16 on
    any CPU with bfloat16 instructions.
    """
    device = torch.device(device)
    if device.type == "cpu" and not _cpu_has_amx():
        return None
    return amp_dtype(device)


def _cpu_has_amx() -> bool:
    try:
        flags = {name for name, present in torch.cpu.get_capabilities().items() if present is True}
    except AttributeError:  # an older torch: ask the kernel
        try:
            text = Path("/proc/cpuinfo").read_text()
        except OSError:
            return False
        flags = set(next((line for line in text.splitlines() if line.startswith("flags")), "").split())
    return {"amx_bf16", "amx_tile"} <= flags


def amp_dtype(device: torch.device | str) -> torch.dtype | None:
    """The half precision ``device`` computes natively, or None: float16/bfloat16 on CUDA, bfloat16 on a
    CPU with bfloat16 instructions (AVX-512 BF16, AMX), None on other CPUs (where bfloat16 is emulated).
    ``amp=True`` trains in it; the default is :func:`default_amp_dtype`."""
    device = torch.device(device)
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported(including_emulation=False) else torch.float16
    if device.type == "cpu":
        try:
            fast = torch.ops.mkldnn._is_mkldnn_bf16_supported()
        except (AttributeError, RuntimeError):
            fast = False
        return torch.bfloat16 if fast else None
    return None


def config_from_dict(values: dict) -> StarGANConfig:
    """A config from a checkpoint's dictionary; fields added to :class:`StarGANConfig` since take defaults."""
    return StarGANConfig(**_with_defaults(values))


def _with_defaults(values: dict) -> dict:
    known = {f.name: f.default for f in fields(StarGANConfig)}
    unknown = set(values) - set(known)
    if unknown:
        raise ValueError(f"the checkpoint's config has fields this emoface does not know: {sorted(unknown)}; "
                         "update emoface")
    merged = {**known, **values}
    if merged["target_weights"] is not None:  # JSON and asdict copies hold a list
        merged["target_weights"] = tuple(float(w) for w in merged["target_weights"])
    return merged


class _StopRequests:
    """While active (in the main thread), SIGINT and SIGTERM ask the loop to stop after the current step.

    A second signal restores Python's own behaviour and raises at once.
    """

    def __init__(self) -> None:
        self.requested = False
        self._previous: dict[int, object] = {}

    def __enter__(self) -> Callable[[], bool]:
        if threading.current_thread() is threading.main_thread():
            for number in (signal.SIGINT, signal.SIGTERM):
                self._previous[number] = signal.signal(number, self._ask)
        return lambda: self.requested

    def _ask(self, number: int, frame) -> None:
        if self.requested:  # asked twice: stop now
            self.__exit__()
            raise KeyboardInterrupt
        self.requested = True

    def __exit__(self, *exc) -> None:
        for number, handler in self._previous.items():
            signal.signal(number, handler)
        self._previous = {}


def _drop_rows_from(path: Path, step: int) -> None:
    """Remove the rows of ``path`` (a losses CSV) logged at ``step`` or later: they are about to be redone."""
    if not path.is_file():
        return
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    if len(rows) < 2:
        return
    kept = [rows[0]] + [row for row in rows[1:] if row and row[0].isdigit() and int(row[0]) < step]
    if len(kept) < len(rows):
        text = io.StringIO()
        csv.writer(text).writerows(kept)  # the same dialect CsvLog appends with
        atomic_write_text(path, text.getvalue())


class CsvLog:
    """A callback appending every ``every``-th step's losses to ``run_dir/losses.csv``."""

    FIELDS = ("step", "lr_g", "D/adv", "D/cls", "D/gp", "G/adv", "G/cls", "G/rec", "G/mask", "G/pair", "G/paint",
              "G/feat", "G/paint_open", "G/texture", "D/local", "G/local", "G/kept_lines",
              "G/still_mask", "G/gone_lines", "G/paint_gone", "G/open_gone")

    def __init__(self, every: int = 10) -> None:
        self.every = every
        self._trimmed = False

    def __call__(self, trainer: StarGANTrainer, log: dict) -> None:
        if log["step"] % self.every:
            return
        path = trainer.run_dir / "losses.csv"
        if not self._trimmed:
            _drop_rows_from(path, log["step"])  # steps redone after a resume are logged once, not twice
            self._trimmed = True
        new = not path.exists()
        fields = self.FIELDS if new else _header(path)  # a run begun before a column was added keeps its own
        with open(path, "a", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=fields, extrasaction="ignore")
            if new:
                writer.writeheader()
            writer.writerow(log)


def _header(path: Path) -> tuple[str, ...]:
    with open(path, newline="", encoding="utf-8") as handle:
        return tuple(next(csv.reader(handle), ())) or CsvLog.FIELDS


class SampleGrid:
    """A callback saving ``run_dir/samples/step_NNNNNN.png`` every ``every`` steps.

    Each row is one fixed input (``inputs``, uint8 (n, 3, H, W)), then G's edit into every domain:
    the quickest way to see a run going wrong (every column alike: G ignores c).
    """

    def __init__(self, inputs: torch.Tensor, every: int = 1000) -> None:
        self.inputs, self.every = inputs, every

    def __call__(self, trainer: StarGANTrainer, log: dict) -> None:
        if log["step"] % self.every == 0:
            save_rgb(trainer.run_dir / "samples" / f"step_{log['step']:06d}.png", self.render(trainer.G))

    def render(self, generator: torch.nn.Module):
        from ..viz import mosaic

        device = next(generator.parameters()).device
        x = self.inputs.to(device).float().div(127.5).sub(1.0)
        c_dim = generator.c_dim
        columns = [x]
        with torch.no_grad():
            for c in range(c_dim):
                columns.append(generator(x, _one_hot(torch.full((len(x),), c, device=device), c_dim)))
        grid = torch.stack(columns, 1).flatten(0, 1)  # row-major: input, then each domain
        cells = grid.add(1).mul(127.5).round().clamp(0, 255).byte().permute(0, 2, 3, 1).cpu().numpy()
        return mosaic(list(cells), ncols=c_dim + 1)


class TensorBoardLog:
    """A callback writing the losses to TensorBoard (``torch.utils.tensorboard``; needs ``tensorboard``)."""

    def __init__(self, every: int = 10) -> None:
        try:
            from torch.utils.tensorboard import SummaryWriter  # noqa: F401
        except ImportError:
            raise ImportError("TensorBoard logging needs the tensorboard package: pip install tensorboard "
                              "(or use CsvLog, which needs nothing)") from None
        self.every, self.writer = every, None

    def __call__(self, trainer: StarGANTrainer, log: dict) -> None:
        if log["step"] % self.every:
            return
        if self.writer is None:
            from torch.utils.tensorboard import SummaryWriter

            self.writer = SummaryWriter(str(trainer.run_dir / "tensorboard"))
        for key, value in log.items():
            if key != "step":
                self.writer.add_scalar(key, value, log["step"])


def _parameter_groups(generator: Generator) -> list[dict]:
    """G's parameters for Adam, each group with its ``lr_scale``: the skip learns :data:`SKIP_LR_SCALE` times faster."""
    skip = list(generator.skip.parameters()) if generator.skip is not None else []
    body = [p for p in generator.parameters() if all(p is not q for q in skip)]
    return [{"params": body, "lr_scale": 1.0}] + ([{"params": skip, "lr_scale": SKIP_LR_SCALE}] if skip else [])


class _GeneratorCall(nn.Module):
    """G's training call, ``(x, c, parts=False)``: the edit, or with ``parts`` an attention G's
    painting and mask, through one ``forward``, so that DistributedDataParallel sees (and arms its
    gradient averaging for) every call."""

    def __init__(self, generator: Generator) -> None:
        super().__init__()
        self.generator = generator

    def forward(self, x: torch.Tensor, c: torch.Tensor, parts: bool = False, logit: bool = False):
        return self.generator.paint(x, c, logit) if parts else self.generator(x, c)


def _update(optimizer: torch.optim.Optimizer, scaler: torch.amp.GradScaler, loss: torch.Tensor) -> None:
    """One optimiser step on ``loss``, through the loss scaler (a no-op unless training in float16)."""
    optimizer.zero_grad(set_to_none=True)
    scaler.scale(loss).backward()
    scaler.step(optimizer)
    scaler.update()


def _rank_and_world_size() -> tuple[int, int]:
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def _distributed(module: nn.Module, device: torch.device, world_size: int) -> nn.Module:
    """``module`` as a DistributedDataParallel replica when there are several processes, else itself.

    No buffer sync before each forward: the only buffers are G's InstanceNorm running statistics,
    which the layer never updates (:class:`~emoface.stargan.model.InstanceNorm`).
    """
    if world_size == 1:
        return module
    device_ids = [device.index if device.index is not None else torch.cuda.current_device()] \
        if device.type == "cuda" else None
    ddp = nn.parallel.DistributedDataParallel
    # newer torch calls the option forward_sync_buffers (the old name warns); older knows only the old one
    no_sync = "forward_sync_buffers" if "forward_sync_buffers" in inspect.signature(ddp).parameters \
        else "broadcast_buffers"
    return ddp(module, device_ids=device_ids, **{no_sync: False})


def _one_hot(ids: torch.Tensor, n: int) -> torch.Tensor:
    return torch.nn.functional.one_hot(ids, n).float()


def _check_line_masks(config: StarGANConfig, images: torch.Tensor, line_masks: torch.Tensor | None) -> None:
    if not config.uses_line_masks:
        return
    if line_masks is None:
        needs = ("local_on_lines" if config.local_on_lines
                 else "lambda_gone_lines" if config.lambda_gone_lines > 0
                 else "lambda_paint_gone" if config.lambda_paint_gone > 0 else "lambda_open_gone")
        raise ValueError(f"{needs} needs line_masks: draw the faces with synth_pairs(..., lines=True) "
                         "and pass pairs.flat_lines()")
    _check_mask_shape("line_masks", images, line_masks)


def _check_gone_masks(config: StarGANConfig, images: torch.Tensor, gone_masks: torch.Tensor | None) -> None:
    if gone_masks is None:
        return
    if not config.uses_gone_terms:
        raise ValueError("gone_masks are for the gone terms: set lambda_gone_lines, lambda_paint_gone or "
                         "lambda_open_gone, or leave gone_masks out")
    _check_mask_shape("gone_masks", images, gone_masks)


def _check_mask_shape(name: str, images: torch.Tensor, masks: torch.Tensor) -> None:
    wanted = (images.size(0), 1, *images.shape[2:])
    if masks.dtype != torch.bool or tuple(masks.shape) != wanted:
        raise ValueError(f"{name} must be a bool tensor {wanted} (one mask per image); "
                         f"got {masks.dtype} {tuple(masks.shape)}")


def _check_partners(config: StarGANConfig, images: torch.Tensor, labels: torch.Tensor,
                    partners: torch.Tensor | None) -> None:
    if partners is None:
        return
    if labels.dim() != 1:
        raise ValueError("partners pair faces across expressions; attribute labels (CelebA) have none")
    if partners.shape != (images.size(0), config.c_dim) or partners.dtype != torch.long:
        raise ValueError(f"partners must be a long tensor (N, {config.c_dim}) of image indices, -1 where none; "
                         f"got {partners.dtype} {tuple(partners.shape)} for {images.size(0)} images")
    if int(partners.max()) >= images.size(0) or int(partners.min()) < -1:
        raise ValueError("partners hold indices outside the images")
    known = partners >= 0
    if not (labels[partners.clamp(min=0)][known] == torch.arange(config.c_dim).expand_as(partners)[known]).all():
        raise ValueError("a partner's label differs from the domain it stands for")


def _check_data(config: StarGANConfig, images: torch.Tensor, labels: torch.Tensor) -> None:
    if images.dtype != torch.uint8 or images.dim() != 4 or images.size(1) != 3:
        raise ValueError(f"images must be a uint8 tensor (N, 3, H, W); got {images.dtype} {tuple(images.shape)}")
    if tuple(images.shape[2:]) != (config.image_size, config.image_size):
        raise ValueError(f"images are {tuple(images.shape[2:])} but the config says {config.image_size}×{config.image_size}")
    if labels.shape not in ((images.size(0),), (images.size(0), config.c_dim)):
        raise ValueError(f"need one label per image, a class id or a 0/1 vector of {config.c_dim}: "
                         f"{tuple(labels.shape)} labels for {images.size(0)} images")
    if not 0.0 <= config.cls_smoothing < 1.0:
        raise ValueError(f"cls_smoothing is a share of each label, in [0, 1); got {config.cls_smoothing}")
    weights = config.target_weights
    if weights is not None:
        if labels.dim() == 2:
            raise ValueError("target_weights are for one expression per image; attribute labels draw their "
                             "targets from the batch itself, so leave target_weights at None")
        if len(weights) != config.c_dim or min(weights) < 0 or sum(weights) <= 0:
            raise ValueError(f"target_weights must be {config.c_dim} non-negative numbers, not all 0; got {weights}")
    if labels.dim() == 2:
        if not torch.isin(labels, torch.tensor([0.0, 1.0], dtype=labels.dtype)).all():
            raise ValueError("attribute labels must be 0 or 1")
        if len(torch.unique(labels, dim=0)) < 2:
            raise ValueError("every image has the same attributes; a StarGAN needs at least two domains")
        return
    present = torch.unique(labels)
    if len(present) < 2:
        raise ValueError("the images cover fewer than two expressions; a StarGAN needs at least two domains")
    if int(labels.min()) < 0 or int(labels.max()) >= config.c_dim:
        raise ValueError(f"labels must be in [0, {config.c_dim}); got {int(labels.min())}..{int(labels.max())}")
