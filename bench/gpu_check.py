"""The StarGAN trainer on a GPU: the `full` configuration for a few hundred steps, in each precision and layout.

    .venv/bin/python bench/gpu_check.py                    # a CUDA GPU: 300 steps per setting, 128²
                                                           # (without one: says so and exits 0)
    .venv/bin/python bench/gpu_check.py --device cpu --steps 3 --size 64 --conv-dim 8 --blocks 1 --batch 4 \\
        --settings fp32,fp32-cl                            # the CPU smoke run the tests make

Each *setting* is one :class:`~emoface.stargan.trainer.StarGANTrainer` built from
``RECIPES["full"].config`` (the paper's StarGAN: 128×128, batch 16, 64 channels, 6 blocks, n_critic 5)
with its constructor's options: ``amp`` (autocast in the trainer's half precision — bfloat16 where the
GPU has it, else float16 with loss scaling), ``channels_last``, ``compile_generator`` (``torch.compile``
on G; D cannot be compiled, the penalty differentiates through it twice). Every setting starts from
the same seed on the same SynthFaces faces (:mod:`emoface.datasets.synth`, drawn here: no downloads).

Printed per setting: iterations per second after a warm-up (two n_critic cycles, which include
``torch.compile``'s first graphs; their time is the *warm-up s* column), the peak GPU memory
(``torch.cuda.max_memory_allocated``), and the loss curve's start — D's adversarial loss at the first
steps and G's reconstruction loss at its first updates. **Any NaN or infinite loss fails the run**: the
setting stops at that step, a ``FAIL`` line names the setting, the loss and the step, and the script
exits with status 1 after the table (``--inject-nan K`` poisons D's weights before step K, to prove
the check fires). A setting that raises is reported the same way (status 1).
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field, replace

import torch

from emoface.stargan.recipes import RECIPES
from emoface.stargan.trainer import StarGANConfig, StarGANTrainer, amp_dtype

#: name → (amp, channels_last, compile_generator)
SETTINGS = {
    "fp32": (False, False, False),
    "fp32-cl": (False, True, False),
    "amp-cl": (True, True, False),
    "fp32-cl-compile": (False, True, True),
    "amp-cl-compile": (True, True, True),
}
#: Losses shown for the curve's start: D's at its first steps, G's at its first updates.
CURVE = (("D/adv", 5), ("G/rec", 3))


@dataclass
class Result:
    setting: str
    steps: int = 0
    warmup_seconds: float = 0.0
    its_per_second: float | None = None
    peak_memory: int | None = None
    curve: dict[str, list[float]] = field(default_factory=dict)
    failure: str | None = None


def synthfaces(identities: int, size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``identities`` SynthFaces people in all seven expressions: uint8 (7·identities, 3, size, size), labels."""
    import numpy as np

    from emoface.datasets.synth import draw_face, random_identity
    from emoface.labels import FACE_EXPRESSIONS

    rng = np.random.default_rng(0)
    faces, labels = [], []
    for _ in range(identities):
        identity = random_identity(rng)
        for k, expression in enumerate(FACE_EXPRESSIONS):
            faces.append(draw_face(identity, expression, size=size))
            labels.append(k)
    return torch.from_numpy(np.stack(faces)).permute(0, 3, 1, 2).contiguous(), torch.tensor(labels)


def first_non_finite(log: dict) -> str | None:
    """The first loss in a training step's log that is NaN or infinite, as ``name = value``."""
    for key, value in log.items():
        if "/" in key and not math.isfinite(value):
            return f"{key} = {value}"
    return None


def run_setting(name: str, config: StarGANConfig, images: torch.Tensor, labels: torch.Tensor,
                device: torch.device, steps: int, inject_nan: int | None) -> Result:
    amp, channels_last, compile_generator = SETTINGS[name]
    result = Result(name)
    warmup = min(2 * config.n_critic, max(1, steps // 2))
    if device.type == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats(device)
    with tempfile.TemporaryDirectory() as run_dir:
        trainer = StarGANTrainer(config, images, labels, run_dir, device=device, amp=amp,
                                 channels_last=channels_last, compile_generator=compile_generator)
        start = time.perf_counter()
        for step in range(1, steps + 1):
            if step == inject_nan:
                with torch.no_grad():
                    trainer.D.conv1.weight.fill_(float("nan"))
            log = trainer.train_step()
            result.steps = step
            for key, count in CURVE:
                if key in log and len(result.curve.setdefault(key, [])) < count:
                    result.curve[key].append(log[key])
            if bad := first_non_finite(log):
                result.failure = f"non-finite loss {bad} at step {step}"
                break
            if step == warmup:
                _sync(device)
                result.warmup_seconds = time.perf_counter() - start
                start = time.perf_counter()
        else:
            _sync(device)
            if steps > warmup:
                result.its_per_second = (steps - warmup) / (time.perf_counter() - start)
    if device.type == "cuda":
        result.peak_memory = torch.cuda.max_memory_allocated(device)
    return result


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def table(results: list[Result], half: str) -> str:
    lines = ["| setting | AMP | channels_last | torch.compile (G) | it/s | warm-up s | peak GPU memory | "
             "D/adv, first steps | G/rec, first G updates | status |",
             "|---|---|---|---|---:|---:|---:|---|---|---|"]
    for r in results:
        amp, channels_last, compiled = SETTINGS[r.setting]
        its = f"{r.its_per_second:.2f}" if r.its_per_second is not None else "—"
        memory = f"{r.peak_memory / 2**30:.2f} GiB" if r.peak_memory is not None else "—"
        curves = [", ".join(f"{v:.3g}" for v in r.curve.get(key, [])) or "—" for key, _ in CURVE]
        lines.append(f"| {r.setting} | {half if amp else 'off'} | {'on' if channels_last else 'off'} | "
                     f"{'on' if compiled else 'off'} | {its} | {r.warmup_seconds:.1f} | {memory} | "
                     f"{curves[0]} | {curves[1]} | {'FAIL: ' + r.failure if r.failure else f'ok, {r.steps} steps'} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the settings and print the table; 0 if every loss stayed finite, 1 otherwise."""
    full = RECIPES["full"].config
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", help="cuda (the default where there is one), or cpu for a smoke run")
    parser.add_argument("--steps", type=int, default=300, help="training steps per setting (default 300)")
    parser.add_argument("--size", type=int, default=full.image_size)
    parser.add_argument("--conv-dim", type=int, default=full.g_conv_dim)
    parser.add_argument("--blocks", type=int, default=full.g_repeat_num)
    parser.add_argument("--batch", type=int, default=full.batch_size)
    parser.add_argument("--identities", type=int, default=16, help="SynthFaces people (×7 expressions)")
    parser.add_argument("--settings", default=",".join(SETTINGS), help=f"comma-separated, of {', '.join(SETTINGS)}")
    parser.add_argument("--threads", type=int, help="torch CPU threads (default: leave as is)")
    parser.add_argument("--inject-nan", type=int, metavar="K", help="poison D before step K (tests the check)")
    args = parser.parse_args(argv)
    names = args.settings.split(",")
    if unknown := [n for n in names if n not in SETTINGS]:
        parser.error(f"unknown settings {unknown}; choose from {', '.join(SETTINGS)}")
    if args.device is None and not torch.cuda.is_available():
        print("no CUDA GPU here, nothing to check (`make bench` runs every script). A CPU smoke run: "
              "--device cpu --steps 3 --size 64 --conv-dim 8 --blocks 1 --batch 4")
        return 0
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device or "cuda")
    half = amp_dtype(device)
    if half is None and any(SETTINGS[n][0] for n in names):
        print(f"(this {device.type} has no fast half precision: the AMP settings are skipped)", file=sys.stderr)
        names = [n for n in names if not SETTINGS[n][0]]
    config = replace(full, image_size=args.size, g_conv_dim=args.conv_dim, d_conv_dim=args.conv_dim,
                     g_repeat_num=args.blocks, batch_size=args.batch)
    images, labels = synthfaces(args.identities, args.size)
    results = []
    for name in names:
        print(f"  {name} …", file=sys.stderr, flush=True)
        try:
            results.append(run_setting(name, config, images, labels, device, args.steps, args.inject_nan))
        except Exception as error:  # one setting failing (a compiler error, out of memory) must not hide the others
            traceback.print_exc()
            results.append(Result(name, failure=f"{type(error).__name__}: {str(error).splitlines()[0][:120]}"))
    where = (f"{torch.cuda.get_device_name(device)}, CUDA {torch.version.cuda}" if device.type == "cuda"
             else f"CPU, {torch.get_num_threads()} threads")
    print(f"StarGAN `full` configuration at {args.size}², batch {args.batch}, {args.conv_dim} channels, "
          f"{args.blocks} blocks, n_critic {config.n_critic}, {args.steps} steps per setting — {where}, "
          f"torch {torch.__version__}; {len(labels)} SynthFaces images\n")
    print(table(results, str(half).removeprefix("torch.") if half else "—"))
    failures = [r for r in results if r.failure]
    for r in failures:
        print(f"FAIL: {r.setting}: {r.failure}", file=sys.stderr)
    if not failures and results:
        rates = [r.its_per_second for r in results if r.its_per_second]
        if rates:
            print(f"\nall losses finite; median {statistics.median(rates):.2f} it/s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
