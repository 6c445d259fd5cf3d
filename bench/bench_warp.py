"""The real-photo (warp) engine's latency on this machine: prints Markdown tables.

    .venv/bin/python bench/bench_warp.py [--calls 30]

On matplotlib's Grace Hopper photograph enlarged to about 1 megapixel (and to 12 MP, a phone
photo), for each of the seven expressions at intensity 1:

* **landmarks**: dlib's face detection on a ≤640 px copy plus the 68-point predictor at full
  resolution (:mod:`emoface.faces.landmarks`);
* **warp only**: the geometry (:func:`emoface.engines.warp.pixels.warp_expression`: the action units, the
  moving-least-squares solve on the grid, the lips' triangles, the remap of the face region) —
  what the engine was before it repainted mouths and drew creases, measured in the same run as
  the reference for the ratio below;
* **engine**: everything after the landmarks (:func:`emoface.engines.warp.redraw_expression`: the
  warp, the mouth closed or opened and repainted, a smile's folds flattened, the creases). The
  target: ≤ 150 ms on a 1 MP photo on this CPU;
* **pipeline**: a whole ``Pipeline.edit_expression(engine="warp")`` with the cache off (finding
  the faces and their landmarks, the engine, comparing the result with the photo).

p50 / p95 over ``--calls`` calls each, torch on one thread (the pipeline's text model is not used
here, but the machine is shared: read the ratio, not the milliseconds). Needs ``emoface[real]``.

p50 / p95 over ``--calls`` calls each. Needs ``emoface[real]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import cv2
import numpy as np

import torch

from emoface.engines.warp import redraw_expression
from emoface.engines.warp.pixels import warp_expression
from emoface.faces.landmarks import default_landmark_detector
from emoface.images import load_rgb, sample_photo_path
from emoface.labels import FACE_EXPRESSIONS
from emoface.pipeline import Pipeline


def timed(function, calls: int) -> tuple[float, float]:
    """p50 and p95 of ``function()`` in milliseconds, after one warm-up call."""
    function()
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        function()
        times.append(1000 * (time.perf_counter() - start))
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=30)
    args = parser.parse_args()
    grace = load_rgb(sample_photo_path())
    photos = {name: cv2.resize(grace, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
              for name, scale in (("1 MP", 1.8), ("12 MP", 6.2))}
    detector = default_landmark_detector()
    pipeline = Pipeline(cache_size=0)
    print(f"# Warp engine latency — {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"{args.calls} calls each, ms p50 / p95\n")
    for name, photo in photos.items():
        calls = args.calls if name == "1 MP" else max(5, args.calls // 5)
        points = detector.landmarks(photo).points
        print(f"## {name}: {photo.shape[1]}×{photo.shape[0]}, face {detector.detect(photo)[0].w} px wide\n")
        print("| stage | " + " | ".join(FACE_EXPRESSIONS) + " |")
        print("|---|" + "---|" * len(FACE_EXPRESSIONS))
        landmarks = timed(lambda: detector.landmarks(photo), calls)
        print("| landmarks | " + " | ".join([f"{landmarks[0]:.0f} / {landmarks[1]:.0f}"] + ["″"] * 6) + " |")
        warps = [timed(lambda e=e: warp_expression(photo, points, e), calls) for e in FACE_EXPRESSIONS]
        print("| warp only | " + " | ".join(f"{p50:.0f} / {p95:.0f}" for p50, p95 in warps) + " |")
        engines = [timed(lambda e=e: redraw_expression(photo, points, e), calls) for e in FACE_EXPRESSIONS]
        print("| engine | " + " | ".join(f"{p50:.0f} / {p95:.0f}" for p50, p95 in engines) + " |")
        whole = [timed(lambda e=e: pipeline.edit_expression(photo, e, engine="warp"), max(3, calls // 3))
                 for e in FACE_EXPRESSIONS]
        print("| pipeline | " + " | ".join(f"{p50:.0f} / {p95:.0f}" for p50, p95 in whole) + " |\n")
        worst = max(p95 for _, p95 in engines)
        ratio = statistics.median(e[0] / w[0] for e, w in zip(engines, warps))
        print(f"engine after landmarks, worst expression p95: {worst:.0f} ms (target ≤ 150 ms on 1 MP); "
              f"engine / warp only, median over expressions: {ratio:.2f}×\n")


if __name__ == "__main__":
    np.random.seed(0)
    torch.set_num_threads(1)
    main()
