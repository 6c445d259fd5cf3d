"""Text → edited photo latency on this machine: prints Markdown tables.

    .venv/bin/python bench/bench_pipeline.py [--calls 40] [--device cpu|cuda]

What one post costs the blog: :meth:`emoface.pipeline.Pipeline.edit` with the cache off, so every
call does all the work, for

* the **shipped** generator (64×64, SynthFaces) and
* a **paper-size** generator (128×128, 64 channels, 6 residual blocks: 8.43 M parameters; random
  weights, which cost exactly as much as trained ones),

on two photos: the demo's 640×480 SynthFaces profile photo and the real photograph that ships with
matplotlib, enlarged to about one megapixel. The six demo posts are used in turn. Reported: p50 and
p95 of the whole call, and the median of each stage (``EditResult.timings``): the text classifier,
reading the photo, hashing it for the cache, finding the faces (dlib with its landmarks, with
``emoface[real]``; else the Haar cascade), deciding the engine (``look``: the SynthFaces embedding
test), and the engine that drew it — ``stargan`` (its Haar crop, the generator in all seven domains
in one batch, the paste-back) or ``warp`` (the real-photo engine). ``–``: that engine did not run.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
import torch

from emoface.demo import demo_posts, demo_profile_photo
from emoface.images import load_rgb, sample_photo_path
from emoface.pipeline import Pipeline
from emoface.stargan.generator_file import save_generator
from emoface.stargan.model import Generator, count_parameters
from emoface.stargan.trainer import StarGANConfig
from emoface.labels import FACE_EXPRESSIONS


def paper_size_generator(folder: Path) -> Path:
    """A 128×128 generator at the paper's size, random weights, as a generator file."""
    config = StarGANConfig()
    torch.manual_seed(0)
    generator = Generator(config.g_conv_dim, config.c_dim, config.g_repeat_num)
    return save_generator(folder / "paper_size.pt", generator.eval(), config, FACE_EXPRESSIONS,
                          {"data": "random weights (speed only)", "ood_threshold": 1.0}, half=False)


def one_megapixel_photo() -> np.ndarray:
    photo = load_rgb(sample_photo_path())
    scale = (1_000_000 / (photo.shape[0] * photo.shape[1])) ** 0.5
    return cv2.resize(photo, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def measure(pipeline: Pipeline, photo: np.ndarray, texts: list[str], calls: int) -> dict[str, float]:
    for text in texts[:2]:  # warm-up: allocator, first-call caches
        pipeline.edit(text, photo)
    totals, stages = [], {}
    for k in range(calls):
        start = time.perf_counter()
        result = pipeline.edit(texts[k % len(texts)], photo)
        totals.append(time.perf_counter() - start)
        for stage, seconds in result.timings.items():
            stages.setdefault(stage, []).append(seconds)
    row = {"p50": percentile(totals, 50), "p95": percentile(totals, 95)}
    row.update({stage: statistics.median(values) for stage, values in stages.items()})
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=40)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    texts = [post.text for post in demo_posts()]
    photos = {"640×480 SynthFaces scene": demo_profile_photo(), "1 MP photograph": one_megapixel_photo()}
    with tempfile.TemporaryDirectory() as folder:
        generators = {"shipped (64², 3 blocks)": None, "paper size (128², 6 blocks)": paper_size_generator(Path(folder))}
        rows = []
        for g_name, g_path in generators.items():
            pipeline = Pipeline(generator=g_path, device=args.device, cache_size=0, low_confidence="neutral")
            params = count_parameters(pipeline.generator) / 1e6
            for p_name, photo in photos.items():
                rows.append((f"{g_name}, {params:.2f} M", p_name, measure(pipeline, photo, texts, args.calls)))
    device = torch.cuda.get_device_name() if args.device == "cuda" else f"{platform.machine()} CPU"
    print(f"emoface pipeline latency — {device}, {torch.get_num_threads()} torch threads, torch {torch.__version__}, "
          f"{args.calls} calls each, cache off\n")
    stages = list(dict.fromkeys(s for row in rows for s in row[2] if s not in ("p50", "p95")))
    print("| generator | photo | p50 ms | p95 ms | " + " | ".join(f"{s} ms" for s in stages) + " |")
    print("|---|---|---:|---:|" + "---:|" * len(stages))
    for g_name, p_name, row in rows:
        print(f"| {g_name} | {p_name} | {1000 * row['p50']:.0f} | {1000 * row['p95']:.0f} | "
              + " | ".join(f"{1000 * row[s]:.1f}" if s in row else "–" for s in stages) + " |")


if __name__ == "__main__":
    main()
