"""Train a StarGAN on SynthFaces from the command line, on one process or many (``torchrun``).

    python -m emoface.stargan.train --run-dir runs/stargan                 # one process: CPU or one GPU
    torchrun --nproc_per_node=N -m emoface.stargan.train --run-dir runs/stargan   # N GPUs (or N CPU processes)

The network and schedule are the profile's (:mod:`emoface.stargan.recipes`: ``smoke``, ``demo``,
``full``; ``--profile`` or ``$EMOFACE_PROFILE``), the data its SynthFaces training people
(:func:`~emoface.stargan.synth_pairs.synth_pairs`). Run the same command again and it resumes from
``run-dir/checkpoint.pt``, bit for bit on the same number of processes and threads.

Under ``torchrun`` (``WORLD_SIZE`` in the environment) each process joins one process group — NCCL
on GPUs, one GPU per process (``LOCAL_RANK``), Gloo on CPUs — and :class:`StarGANTrainer` trains G
and D as DistributedDataParallel replicas: the config's batch is the *global* batch, split over the
processes, so N GPUs take the same steps as one, each step N times faster at best. Rank 0 writes the
checkpoint and ``losses.csv``. Without ``WORLD_SIZE`` it is a plain single process.

Taught in ``04_stargan.ipynb``.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import torch
import torch.distributed as dist

from ..settings import PROFILES
from .recipes import recipe
from .synth_pairs import synth_pairs
from .trainer import CsvLog, StarGANTrainer


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m emoface.stargan.train",
        description="Train a StarGAN on SynthFaces; resumes from RUN_DIR/checkpoint.pt. "
                    "Under torchrun --nproc_per_node=N it trains on N processes (DistributedDataParallel).")
    parser.add_argument("--run-dir", type=Path, required=True,
                        help="where checkpoint.pt and losses.csv go; an existing checkpoint is resumed")
    parser.add_argument("--profile", choices=sorted(PROFILES), default=None,
                        help="the recipe's network and schedule (default: $EMOFACE_PROFILE, else demo)")
    parser.add_argument("--steps", type=int, default=None,
                        help="stop after this many more steps (default: to the end of the schedule)")
    parser.add_argument("--minutes", type=float, default=None,
                        help="time budget: checkpoint and stop after this many minutes")
    parser.add_argument("--identities", type=int, default=None,
                        help="SynthFaces training people, 7 images each (default: the profile's)")
    parser.add_argument("--device", default=None,
                        help="cpu or cuda (default: cuda if there is a GPU; under torchrun cuda:LOCAL_RANK)")
    parser.add_argument("--amp", action=argparse.BooleanOptionalAction, default=None,
                        help="mixed precision (default: where it is faster: CUDA, or a CPU with AMX)")
    parser.add_argument("--checkpoint-every", type=int, default=500, help="steps between checkpoints")
    args = parser.parse_args(argv)
    for name in ("steps", "identities", "checkpoint_every"):
        value = getattr(args, name)
        if value is not None and value < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    chosen = recipe(args.profile)
    device = _join_process_group(args.device)
    lead = not dist.is_initialized() or dist.get_rank() == 0
    try:
        identities = args.identities or chosen.train_identities
        # Every process draws the same people (identity i is the same face in every draw): cheaper
        # than sending the tensor, and nothing to coordinate. The cores are shared between processes.
        workers = max(1, (os.cpu_count() or 1) // int(os.environ.get("LOCAL_WORLD_SIZE", "1")))
        images, labels = synth_pairs(range(identities), size=chosen.config.image_size, workers=workers,
                                     progress=lead).flat()
        trainer = StarGANTrainer.resume_or_start(chosen.config, images, labels, args.run_dir, device,
                                                 callbacks=(CsvLog(),), amp=args.amp)
        if lead:
            print(f"{len(images)} faces, step {trainer.step} of {chosen.config.num_iters}, "
                  f"{trainer.world_size} process(es) on {device}, batch {chosen.config.batch_size} "
                  f"({chosen.config.batch_size // trainer.world_size} per process)", flush=True)
        try:
            step = trainer.train(steps=args.steps, minutes=args.minutes, checkpoint_every=args.checkpoint_every)
        except KeyboardInterrupt as stopped:  # Ctrl+C or SIGTERM, after the checkpoint is saved
            if lead:
                print(f"{stopped}; run the same command to continue", flush=True)
            return 130
        if lead:
            print(f"step {step}: {trainer.checkpoint_path}", flush=True)
        if dist.is_initialized():
            dist.barrier()  # leave together: a rank tearing Gloo down while another still works can abort it
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()
    return 0


def _join_process_group(device: str | None) -> torch.device:
    """The device this process trains on; under torchrun, after joining the process group."""
    if "WORLD_SIZE" not in os.environ:
        return torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    chosen = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    if chosen.type == "cuda":
        chosen = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
        torch.cuda.set_device(chosen)
        dist.init_process_group("nccl")
    elif chosen.type == "cpu":
        dist.init_process_group("gloo")
    else:
        raise ValueError(f"torchrun training runs on cuda (NCCL) or cpu (Gloo), not {chosen.type}; "
                         "pass --device cuda or --device cpu")
    return chosen


if __name__ == "__main__":
    raise SystemExit(main())
