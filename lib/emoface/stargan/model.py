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

The generator normalises with InstanceNorm (affine, with running statistics); the discriminator has
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
from torch import nn


class ResidualBlock(nn.Module):
    """Two 3×3 convolutions with instance normalisation, added to the input: (B, C, h, w) → same."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(channels, channels, kernel_size=3, stride=1, padding=1, bias=False),
            nn.InstanceNorm2d(channels, affine=True, track_running_stats=True),
            nn.ReLU(inplace=True),
            nn.Conv2d(channels, channels, kernel_size=3, stride=1, padding=1, bias=False),
            nn.InstanceNorm2d(channels, affine=True, track_running_stats=True),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.main(x)


class Generator(nn.Module):
    """G(x, c): an image and a target domain vector → the image translated into that domain."""

    def __init__(self, conv_dim: int = 64, c_dim: int = 7, repeat_num: int = 6) -> None:
        super().__init__()
        self.c_dim = c_dim
        layers: list[nn.Module] = [
            nn.Conv2d(3 + c_dim, conv_dim, kernel_size=7, stride=1, padding=3, bias=False),
            nn.InstanceNorm2d(conv_dim, affine=True, track_running_stats=True),
            nn.ReLU(inplace=True),
        ]
        channels = conv_dim
        # Down-sampling: halve the resolution twice, double the channels twice.
        for _ in range(2):
            layers += [
                nn.Conv2d(channels, channels * 2, kernel_size=4, stride=2, padding=1, bias=False),
                nn.InstanceNorm2d(channels * 2, affine=True, track_running_stats=True),
                nn.ReLU(inplace=True),
            ]
            channels *= 2
        # Bottleneck: where the expression is changed, at a quarter of the resolution.
        layers += [ResidualBlock(channels) for _ in range(repeat_num)]
        # Up-sampling: back to the input resolution.
        for _ in range(2):
            layers += [
                nn.ConvTranspose2d(channels, channels // 2, kernel_size=4, stride=2, padding=1, bias=False),
                nn.InstanceNorm2d(channels // 2, affine=True, track_running_stats=True),
                nn.ReLU(inplace=True),
            ]
            channels //= 2
        layers += [nn.Conv2d(channels, 3, kernel_size=7, stride=1, padding=3, bias=False), nn.Tanh()]
        self.main = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        """``x`` (B, 3, H, W) in [-1, 1], ``c`` (B, c_dim) one-hot or 0/1 → (B, 3, H, W) in [-1, 1]."""
        # The domain label is tiled over every pixel and concatenated as extra input channels.
        c = c.to(x.dtype).view(c.size(0), c.size(1), 1, 1).expand(-1, -1, x.size(2), x.size(3))
        return self.main(torch.cat([x, c], dim=1))


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

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.main(x)                                   # (B, conv_dim·2^(repeat_num-1), H/2^r, W/2^r)
        return self.conv1(h), self.conv2(h).flatten(1)     # (B, 1, H/2^r, W/2^r), (B, c_dim)


def count_parameters(module: nn.Module) -> int:
    """Trainable parameters (the figure papers quote)."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)
