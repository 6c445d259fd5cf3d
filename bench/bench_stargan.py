"""Training steps per second of our StarGAN trainer: prints a Markdown table.

    .venv/bin/python bench/bench_stargan.py [--size 128] [--steps 10] [--device cuda]

Times ``StarGANTrainer.train_step`` (one D update every step, one G update every 5th: the paper's
schedule) on random uint8 data at the paper's size by default (128×128, batch 16, 64 channels,
6 residual blocks), in float32. Reports the median seconds per step after a warm-up of one full
n_critic cycle, and the peak memory on CUDA.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

import torch

from emoface.stargan.model import count_parameters
from emoface.stargan.trainer import StarGANConfig, StarGANTrainer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--conv-dim", type=int, default=64)
    parser.add_argument("--blocks", type=int, default=6)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--steps", type=int, default=10, help="timed steps (a multiple of 5 is fair)")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = parser.parse_args()
    config = StarGANConfig(image_size=args.size, g_conv_dim=args.conv_dim, d_conv_dim=args.conv_dim,
                           g_repeat_num=args.blocks, batch_size=args.batch)
    images = torch.randint(0, 256, (256, 3, args.size, args.size), dtype=torch.uint8)
    labels = torch.arange(256) % config.c_dim
    with tempfile.TemporaryDirectory() as run_dir:
        trainer = StarGANTrainer(config, images, labels, run_dir, device=args.device)
        sync = torch.cuda.synchronize if trainer.device.type == "cuda" else (lambda: None)
        for _ in range(config.n_critic):  # warm-up: one full cycle, allocator and kernels ready
            trainer.train_step()
        sync()
        times = []
        for _ in range(args.steps):
            start = time.perf_counter()
            trainer.train_step()
            sync()
            times.append(time.perf_counter() - start)
    name = torch.cuda.get_device_name() if trainer.device.type == "cuda" else f"CPU, {torch.get_num_threads()} threads"
    print(f"StarGAN training step — {name}, torch {torch.__version__}, float32\n")
    print("| image | batch | channels | blocks | G params | D params | s/step (median) | steps/s | mean s/step |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    median = statistics.median(times)
    print(f"| {args.size}² | {args.batch} | {args.conv_dim} | {args.blocks} | {count_parameters(trainer.G) / 1e6:.2f} M | "
          f"{count_parameters(trainer.D) / 1e6:.1f} M | {median:.3f} | {1 / median:.1f} | {statistics.mean(times):.3f} |")
    if trainer.device.type == "cuda":
        print(f"\npeak GPU memory: {torch.cuda.max_memory_allocated() / 2**30:.2f} GiB")


if __name__ == "__main__":
    main()
