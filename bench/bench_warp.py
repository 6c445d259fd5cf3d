"""The warp engine's latency on this machine: prints Markdown tables.

    .venv/bin/python bench/bench_warp.py [--calls 30]

On matplotlib's Grace Hopper photograph enlarged to about 1 megapixel (and to 12 MP, a phone
photo), for each of the seven expressions at intensity 1:

* **landmarks**: dlib's face detection on a ≤640 px copy plus the 68-point predictor at full
  resolution (:mod:`emoface.faces.landmarks`);
* **warp**: everything after the landmarks (:func:`emoface.faces.warp.warp_expression`: the action
  units, the moving-least-squares solve on the grid, the remap of the face region, the mouth
  cavity). The issue's target: ≤ 100 ms on a 1 MP photo on this CPU;
* **pipeline**: a whole ``Pipeline.edit_expression(engine="warp")`` with the cache off (Haar crop,
  the generator's domain score, landmarks, SynthFaces look, warp).

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

from emoface.faces.landmarks import default_landmark_detector
from emoface.faces.warp import warp_expression
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
        print("| warp | " + " | ".join(f"{p50:.0f} / {p95:.0f}" for p50, p95 in warps) + " |")
        whole = [timed(lambda e=e: pipeline.edit_expression(photo, e, engine="warp"), max(3, calls // 3))
                 for e in FACE_EXPRESSIONS]
        print("| pipeline | " + " | ".join(f"{p50:.0f} / {p95:.0f}" for p50, p95 in whole) + " |\n")
        worst = max(p95 for _, p95 in warps)
        print(f"warp after landmarks, worst expression p95: {worst:.0f} ms (target ≤ 100 ms on 1 MP)\n")


if __name__ == "__main__":
    np.random.seed(0)
    main()
