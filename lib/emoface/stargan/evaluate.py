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

import torch
import torch.nn.functional as F
from torch import nn


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
