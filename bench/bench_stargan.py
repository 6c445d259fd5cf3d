"""StarGAN training speed: the official code's way against our trainer, in one run. Prints a Markdown table.

    .venv/bin/python bench/bench_stargan.py [--size 128] [--iterations 10] [--device cpu|cuda]

* **reference** — the official solver's loop (yunjey/stargan ``solver.py``), eager float32: images are
  PNG files decoded by PIL through ``torchvision.datasets.ImageFolder`` and a ``DataLoader`` (one
  worker, the official default) every iteration; the D step runs G *with* autograd and detaches;
* **ours, float32** — :class:`emoface.stargan.trainer.StarGANTrainer`: the set as a uint8 tensor on
  the device, G under ``no_grad`` in the D step, channels-last on CUDA;
* **ours, mixed precision** — the same with autocast (bfloat16 on a CPU that has it, float16 or
  bfloat16 on CUDA; the gradient penalty in float32 under float16). The trainer's default where it is fast.

Both use the same networks (ours, whose parameters are the official ones) at the paper's size by
default: 128×128, batch 16, 64 channels, 6 residual blocks, n_critic 5. An *iteration* is one D
update, with a G update every 5th; the mean over a whole number of n_critic cycles is reported,
after one cycle of warm-up.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from emoface.stargan.model import Discriminator, Generator, count_parameters
from emoface.stargan.trainer import StarGANConfig, StarGANTrainer, amp_dtype


def write_png_folder(root: Path, n: int, size: int, c_dim: int) -> None:
    rng = np.random.default_rng(0)
    for i in range(n):
        folder = root / f"class{i % c_dim}"
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8)).save(folder / f"{i:04d}.png")


def reference_seconds(config: StarGANConfig, folder: Path, iterations: int, device: torch.device) -> list[float]:
    """The official training loop, as close as a page allows (solver.py, train())."""
    from torchvision import datasets, transforms

    transform = transforms.Compose([transforms.RandomHorizontalFlip(), transforms.Resize(config.image_size),
                                    transforms.ToTensor(), transforms.Normalize((0.5,) * 3, (0.5,) * 3)])
    loader = torch.utils.data.DataLoader(datasets.ImageFolder(str(folder), transform), batch_size=config.batch_size,
                                         shuffle=True, num_workers=1, drop_last=True)
    G = Generator(config.g_conv_dim, config.c_dim, config.g_repeat_num).to(device)
    D = Discriminator(config.image_size, config.d_conv_dim, config.c_dim, config.d_repeat_num).to(device)
    g_opt = torch.optim.Adam(G.parameters(), config.g_lr, betas=(config.beta1, config.beta2))
    d_opt = torch.optim.Adam(D.parameters(), config.d_lr, betas=(config.beta1, config.beta2))
    data_iter = iter(loader)
    times = []
    for i in range(config.n_critic + iterations):
        start = time.perf_counter()
        try:
            x_real, label_org = next(data_iter)
        except StopIteration:
            data_iter = iter(loader)
            x_real, label_org = next(data_iter)
        label_trg = label_org[torch.randperm(label_org.size(0))]
        c_org = F.one_hot(label_org, config.c_dim).float().to(device)
        c_trg = F.one_hot(label_trg, config.c_dim).float().to(device)
        x_real, label_org, label_trg = x_real.to(device), label_org.to(device), label_trg.to(device)

        out_src, out_cls = D(x_real)
        d_loss_real, d_loss_cls = -out_src.mean(), F.cross_entropy(out_cls, label_org)
        x_fake = G(x_real, c_trg)
        out_src, _ = D(x_fake.detach())
        d_loss_fake = out_src.mean()
        alpha = torch.rand(x_real.size(0), 1, 1, 1, device=device)
        x_hat = (alpha * x_real.data + (1 - alpha) * x_fake.data).requires_grad_(True)
        out_src, _ = D(x_hat)
        grad = torch.autograd.grad(out_src, x_hat, torch.ones_like(out_src), retain_graph=True, create_graph=True,
                                   only_inputs=True)[0]
        d_loss_gp = ((grad.view(grad.size(0), -1).norm(2, dim=1) - 1) ** 2).mean()
        d_loss = d_loss_real + d_loss_fake + config.lambda_cls * d_loss_cls + config.lambda_gp * d_loss_gp
        g_opt.zero_grad()
        d_opt.zero_grad()
        d_loss.backward()
        d_opt.step()
        if (i + 1) % config.n_critic == 0:
            x_fake = G(x_real, c_trg)
            out_src, out_cls = D(x_fake)
            g_loss = (-out_src.mean() + config.lambda_cls * F.cross_entropy(out_cls, label_trg)
                      + config.lambda_rec * (x_real - G(x_fake, c_org)).abs().mean())
            g_opt.zero_grad()
            d_opt.zero_grad()
            g_loss.backward()
            g_opt.step()
        _sync(device)
        if i >= config.n_critic:
            times.append(time.perf_counter() - start)
    return times


def ours_seconds(config: StarGANConfig, folder: Path, iterations: int, device: torch.device, amp: bool) -> list[float]:
    from emoface.faces.dataset import FaceFolder  # noqa: F401 (the real path reads tunedMUG; here raw PNGs)

    files = sorted(folder.rglob("*.png"))
    images = torch.from_numpy(np.stack([np.asarray(Image.open(f).convert("RGB")) for f in files])).permute(0, 3, 1, 2)
    labels = torch.tensor([int(f.parent.name.removeprefix("class")) for f in files])
    with tempfile.TemporaryDirectory() as run_dir:
        trainer = StarGANTrainer(config, images.contiguous(), labels, run_dir, device=device, amp=amp)
        for _ in range(config.n_critic):
            trainer.train_step()
        times = []
        for _ in range(iterations):
            _sync(device)
            start = time.perf_counter()
            trainer.train_step()
            _sync(device)
            times.append(time.perf_counter() - start)
    return times


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--conv-dim", type=int, default=64)
    parser.add_argument("--blocks", type=int, default=6)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--iterations", type=int, default=10, help="timed iterations (a multiple of 5 is fair)")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = parser.parse_args()
    device = torch.device(args.device)
    config = StarGANConfig(image_size=args.size, g_conv_dim=args.conv_dim, d_conv_dim=args.conv_dim,
                           g_repeat_num=args.blocks, batch_size=args.batch)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "images"
        write_png_folder(folder, 256, args.size, config.c_dim)
        rows.append(("reference (official loop, PIL each step, float32)", reference_seconds(config, folder, args.iterations, device)))
        rows.append(("ours, float32", ours_seconds(config, folder, args.iterations, device, amp=False)))
        half = amp_dtype(device)
        if half is not None:
            name = str(half).removeprefix("torch.")
            rows.append((f"ours, mixed precision ({name})", ours_seconds(config, folder, args.iterations, device, amp=True)))
    where = torch.cuda.get_device_name() if device.type == "cuda" else f"CPU, {torch.get_num_threads()} threads"
    g = count_parameters(Generator(args.conv_dim, config.c_dim, args.blocks))
    d = count_parameters(Discriminator(args.size, args.conv_dim, config.c_dim))
    print(f"StarGAN training, {args.size}², batch {args.batch}, {args.conv_dim} channels, {args.blocks} blocks "
          f"(G {g / 1e6:.2f} M, D {d / 1e6:.1f} M), n_critic 5 — {where}, torch {torch.__version__}\n")
    print("| path | s/iteration (mean) | median | iterations/s | speed-up |")
    print("|---|---:|---:|---:|---:|")
    base = statistics.mean(rows[0][1])
    for name, times in rows:
        mean = statistics.mean(times)
        print(f"| {name} | {mean:.3f} | {statistics.median(times):.3f} | {1 / mean:.2f} | {base / mean:.2f}× |")


if __name__ == "__main__":
    main()
