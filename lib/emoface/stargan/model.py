"""StarGAN's generator and discriminator (Choi et al., CVPR 2018), as the paper uses them (§2.1.1, §3.2).

One generator G translates a face x into any target domain c (here: one of the seven expressions);
one discriminator D says whether an image is real *and* which domain it belongs to:

    G(x, c):  x (B, 3, H, W) ⊕ c tiled to (B, C, H, W)
              ─► 7×7 conv, 64 ─► 2 × [4×4 conv, stride 2]            down-sampling   (B, 256, H/4, W/4)
              ─► 6 residual blocks                                    bottleneck
              ─► 2 × [4×4 transposed conv, stride 2] ─► 7×7 conv ─► tanh   up-sampling  (B, 3, H, W)
    D(x):     6 × [4×4 conv, stride 2, LeakyReLU 0.01]                (B, 2048, H/64, W/64)
              ─► 3×3 conv ─► real/fake score per patch (PatchGAN)     (B, 1, H/64, W/64)
              ─► (H/64)×(H/64) conv ─► domain logits                  (B, C)

The generator normalises with InstanceNorm (affine, always per image: see :class:`InstanceNorm`); the discriminator has
no normalisation, because the gradient penalty of WGAN-GP is defined per sample and batch statistics
would couple the samples.

The parameter names and shapes are the official implementation's (``main.0.weight`` … and
``conv1``/``conv2`` in D): they are the interface of the authors' released checkpoints, which
therefore load here with ``strict=True``. At 128×128 with the defaults, G has 8.43 M parameters and D
44.8 M. Networks only — no data, no training — sized by constructor arguments.

Taught in ``04_stargan.ipynb``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from emoface.stargan.compositing import composite


class InstanceNorm(nn.InstanceNorm2d):
    """Instance normalisation that always uses the image's own statistics, in training and at test time.

    The official generator is built with ``track_running_stats=True``, so its checkpoints carry running
    means and variances, and the layer keeps them to load those files with ``strict=True``. But the
    official code never switches G to ``eval()``: its results come from per-image statistics. With
    PyTorch's stock layer, ``eval()`` would switch to the running averages, and the edits turn to mush
    (we measured a mean L1 error of 0.4 instead of 0.03 on SynthFaces). This layer ignores the buffers
    in the forward pass and never updates them, so ``eval()`` is safe and inference mutates nothing,
    which also makes one generator safe to share between threads.
    """

    def __init__(self, channels: int) -> None:
        super().__init__(channels, affine=True, track_running_stats=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.instance_norm(x, None, None, self.weight, self.bias, True, 0.0, self.eps)


class ResidualBlock(nn.Module):
    """Two 3×3 convolutions with instance normalisation, added to the input: (B, C, h, w) → same."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(channels, channels, kernel_size=3, stride=1, padding=1, bias=False),
            InstanceNorm(channels),
            nn.ReLU(inplace=True),
            nn.Conv2d(channels, channels, kernel_size=3, stride=1, padding=1, bias=False),
            InstanceNorm(channels),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.main(x)


#: Added to the attention logit: an untrained mask keeps 95 % of every input pixel (sigmoid(3) ≈ 0.95).
#: Started at 0.5, the mask blends the input with an untrained painting and the generator can diverge
#: (our first attention runs did: D's classification loss stuck at ln 7); started near "keep", G
#: learns to open the mask only where the expression needs new pixels.
KEEP_LOGIT = 3.0


class Generator(nn.Module):
    """G(x, c): an image and a target domain vector → the image translated into that domain."""

    def __init__(self, conv_dim: int = 64, c_dim: int = 7, repeat_num: int = 6, attention: bool = False,
                 skip: bool = False) -> None:
        super().__init__()
        self.c_dim = c_dim
        self.attention = attention
        layers: list[nn.Module] = [
            nn.Conv2d(3 + c_dim, conv_dim, kernel_size=7, stride=1, padding=3, bias=False),
            InstanceNorm(conv_dim),
            nn.ReLU(inplace=True),
        ]
        channels = conv_dim
        # Down-sampling: halve the resolution twice, double the channels twice.
        for _ in range(2):
            layers += [
                nn.Conv2d(channels, channels * 2, kernel_size=4, stride=2, padding=1, bias=False),
                InstanceNorm(channels * 2),
                nn.ReLU(inplace=True),
            ]
            channels *= 2
        # Bottleneck: where the expression is changed, at a quarter of the resolution.
        layers += [ResidualBlock(channels) for _ in range(repeat_num)]
        # Up-sampling: back to the input resolution.
        for _ in range(2):
            layers += [
                nn.ConvTranspose2d(channels, channels // 2, kernel_size=4, stride=2, padding=1, bias=False),
                InstanceNorm(channels // 2),
                nn.ReLU(inplace=True),
            ]
            channels //= 2
        # The official last layer: 3 colour channels (then tanh). With attention, a 4th channel is a mask.
        layers += [nn.Conv2d(channels, 4 if attention else 3, kernel_size=7, stride=1, padding=3, bias=False)]
        self.main = nn.Sequential(*layers)
        #: Our extension: the first layer's full-resolution features added before the last layer (a skip,
        #: as in a U-Net), so G can copy fine detail it must keep but redraw (an eye under a moved brow)
        #: instead of passing it through the quarter-resolution bottleneck. Started at 0: G unchanged.
        self.skip = nn.Conv2d(conv_dim, conv_dim, kernel_size=1, bias=False) if skip else None
        if self.skip is not None:
            nn.init.zeros_(self.skip.weight)

    def forward(self, x: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        """``x`` (B, 3, H, W) in [-1, 1], ``c`` (B, c_dim) one-hot or 0/1 → (B, 3, H, W) in [-1, 1]."""
        return self.forward_with_mask(x, c)[0]

    def forward_with_mask(self, x: torch.Tensor, c: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The edit and, with ``attention``, the mask (B, 1, H, W): 1 where the input pixel is kept.

        Attention (GANimation, Pumarola et al., 2018) is our extension of StarGAN: G paints only where
        the expression changes and copies the input elsewhere, so hair, background and skin are the
        person's own pixels, not a re-synthesis. The plain StarGAN redraws every pixel.
        """
        painting, keep = self.paint(x, c)
        return self.compose(x, painting, keep), keep

    def compose(self, x: torch.Tensor, painting: torch.Tensor, keep: torch.Tensor | None) -> torch.Tensor:
        """G's output from :meth:`paint`'s: in training :meth:`blend`; at inference (``eval()``) an
        attention generator's painting is laid in with the person's colour, a little further than the
        mask reaches (:func:`~emoface.stargan.compositing.composite`)."""
        if keep is not None and not self.training:
            return composite(x, painting, keep)
        return self.blend(x, painting, keep)

    @staticmethod
    def blend(x: torch.Tensor, painting: torch.Tensor, keep: torch.Tensor | None) -> torch.Tensor:
        """G's output from :meth:`paint`'s: the input where the mask keeps it, the painting elsewhere."""
        return painting if keep is None else keep * x + (1 - keep) * painting

    def paint(self, x: torch.Tensor, c: torch.Tensor, logit: bool = False) -> tuple[torch.Tensor, torch.Tensor | None]:
        """What G draws, before the mask blends it with ``x``, and the mask (None without attention).

        For a plain generator the painting is its output. For an attention generator it shows what G
        *would* draw everywhere, which says what kind of faces it knows (the pipeline's domain score).
        ``logit``: the mask's logit instead of the mask (its sigmoid), for a loss that must reach a mask kept at
        1.0: under bfloat16 most kept pixels round to exactly 1, where the sigmoid passes no gradient back.
        """
        # The domain label is tiled over every pixel and concatenated as extra input channels.
        c = c.to(x.dtype).view(c.size(0), c.size(1), 1, 1).expand(-1, -1, x.size(2), x.size(3))
        h = self._features(torch.cat([x, c], dim=1))
        if not self.attention:
            return torch.tanh(h), None
        mask_logit = h[:, 3:] + KEEP_LOGIT
        return torch.tanh(h[:, :3]), mask_logit if logit else torch.sigmoid(mask_logit)

    def _features(self, inputs: torch.Tensor) -> torch.Tensor:
        if self.skip is None:
            return self.main(inputs)
        first = self.main[:3](inputs)  # 7×7 conv, norm, ReLU: (B, conv_dim, H, W)
        return self.main[-1](self.main[3:-1](first) + self.skip(first))


class Discriminator(nn.Module):
    """D(x) → (real/fake score per patch, domain logits)."""

    def __init__(self, image_size: int = 128, conv_dim: int = 64, c_dim: int = 7, repeat_num: int = 6) -> None:
        super().__init__()
        if image_size % 2**repeat_num:
            raise ValueError(f"image_size {image_size} must be divisible by 2**repeat_num = {2**repeat_num}")
        layers: list[nn.Module] = [nn.Conv2d(3, conv_dim, kernel_size=4, stride=2, padding=1), nn.LeakyReLU(0.01)]
        channels = conv_dim
        for _ in range(1, repeat_num):
            layers += [nn.Conv2d(channels, channels * 2, kernel_size=4, stride=2, padding=1), nn.LeakyReLU(0.01)]
            channels *= 2
        self.main = nn.Sequential(*layers)
        # PatchGAN head: one realness score for each patch of the final feature map.
        self.conv1 = nn.Conv2d(channels, 1, kernel_size=3, stride=1, padding=1, bias=False)
        # Classification head: a kernel as large as the feature map gives one logit vector per image.
        self.conv2 = nn.Conv2d(channels, c_dim, kernel_size=image_size // 2**repeat_num, bias=False)

    @classmethod
    def from_config(cls, config) -> "Discriminator":
        """The D a :class:`~emoface.stargan.trainer.StarGANConfig` describes (the trainer's, a file's reader)."""
        return cls(config.image_size, config.d_conv_dim, config.c_dim, config.d_repeat_num)

    def features(self, x: torch.Tensor) -> list[torch.Tensor]:
        """The activations after each down-convolution: what D sees at each scale, from strokes (the
        first) to the whole face (the last). Our feature-matching term compares them."""
        found = []
        for layer in self.main:
            x = layer(x)
            if isinstance(layer, nn.LeakyReLU):
                found.append(x)
        return found

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.heads(self.main(x))

    def heads(self, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(realness per patch, domain logits) from the last features, ``features(x)[-1]``: a caller
        that needs the features too runs D's convolutions once."""
        # h: (B, conv_dim·2^(repeat_num-1), H/2^r, W/2^r) → (B, 1, H/2^r, W/2^r), (B, c_dim)
        return self.conv1(h), self.conv2(h).flatten(1)


def with_attention_channel(state: dict) -> dict:
    """A plain generator's weights for an attention generator of the same size: the painting is the
    plain generator's, the mask starts at "keep" everywhere (its output weights are zero, so only
    :data:`KEEP_LOGIT` remains). Lets a trained StarGAN learn where to paint instead of what to paint."""
    last = max((k for k in state if k.startswith("main.") and k.endswith(".weight")),
               key=lambda k: int(k.split(".")[1]))
    weight = state[last]
    if weight.size(0) != 3:
        raise ValueError(f"expected a plain generator (3 output channels), got {weight.size(0)}")
    return {**state, last: torch.cat([weight, torch.zeros_like(weight[:1])])}


def count_parameters(module: nn.Module) -> int:
    """Trainable parameters (the figure papers quote)."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)
