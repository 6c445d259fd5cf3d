"""Fig. 6 as numbers: StarGAN on uncropped frames, Haar crops, and crops + equalisation (tunedMUG).

    .venv/bin/python scripts/run_ablation.py --steps 6000 --run-root runs/ablation [--device cuda]

Same budget, same people, same network for each variant (see :mod:`emoface.stargan.ablation`);
resumable per variant. Prints the Markdown table docs/stargan.md quotes.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from emoface.stargan.ablation import ablation_table, run_ablation, scene_pairs
from emoface.stargan.trainer import StarGANConfig


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run-root", type=Path, default=Path("runs/ablation"))
    parser.add_argument("--steps", type=int, default=6000)
    parser.add_argument("--train-identities", type=int, default=600)
    parser.add_argument("--test-identities", type=int, default=60)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = parser.parse_args()
    started = time.monotonic()
    train, dropped_train = scene_pairs(range(args.train_identities), size=args.size)
    test, dropped_test = scene_pairs(range(1_000_000, 1_000_000 + args.test_identities), size=args.size)
    print(f"identities without a face in all 7 scenes, dropped: {dropped_train} train, {dropped_test} test")
    # The demo generator's network and schedule shape, at this run's budget.
    config = StarGANConfig(image_size=args.size, g_conv_dim=32, d_conv_dim=32, g_repeat_num=3, d_repeat_num=5,
                           n_critic=2, num_iters=args.steps, num_iters_decay=args.steps // 2)
    rows = run_ablation(train, test, config, args.steps, args.run_root, args.device)
    device = torch.cuda.get_device_name() if args.device == "cuda" else f"CPU, {torch.get_num_threads()} threads"
    print(f"\n{args.steps} steps per variant, {args.size}², {device}, {(time.monotonic() - started) / 60:.1f} min\n")
    print(ablation_table(rows))


if __name__ == "__main__":
    main()
