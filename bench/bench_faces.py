"""How fast the face-data path is on this machine: prints a Markdown table.

    .venv/bin/python bench/bench_faces.py [--n 200]

Measures, single process: SynthFaces 128×128 crops per second, 640×480 MUG-like scenes per second,
the Haar crop on a scene and on a 12-megapixel photo, both equalisation modes on a 128×128 crop,
and a whole tunedMUG build (scenes → crops) in frames per second. Each figure is the median of
several repeats. Run it on an idle machine; numbers from a loaded one are slower.
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

from emoface.datasets.mug import scan_mug
from emoface.datasets.synth import SynthFaces, draw_scene
from emoface.datasets.synth.mug_folder import write_synth_mug
from emoface.datasets.tunedmug import build_tunedmug
from emoface.faces.detect import crop_face
from emoface.faces.equalize import equalize
from emoface.images import load_rgb, sample_photo_path
from emoface.labels import FACE_EXPRESSIONS


def rate(fn, n: int, repeats: int = 3) -> float:
    """Median calls per second of ``fn(i)`` for i in range(n)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for i in range(n):
            fn(i)
        times.append(time.perf_counter() - start)
    return n / statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100, help="items per measurement")
    n = parser.parse_args().n
    torch.set_num_threads(1)
    faces = SynthFaces(n, seed=0)
    ids = [faces.identity(i) for i in range(n)]
    rng = np.random.default_rng(0)
    scenes = [draw_scene(ids[i], FACE_EXPRESSIONS[i % 7], rng=rng)[0] for i in range(n)]
    photo = cv2.resize(load_rgb(sample_photo_path()), (3000, 4000), interpolation=cv2.INTER_CUBIC)
    crop = crop_face(photo).face
    rows = [
        ("SynthFaces crop 128×128", rate(lambda i: faces.image(i, FACE_EXPRESSIONS[i % 7]), n), "images/s"),
        ("SynthFaces scene 640×480", rate(lambda i: draw_scene(ids[i], "happiness"), n), "scenes/s"),
        ("Haar crop of a 640×480 scene", rate(lambda i: crop_face(scenes[i]), n), "frames/s"),
        ("Haar crop of a 3000×4000 photo", rate(lambda i: crop_face(photo), max(3, n // 20)), "photos/s"),
        ("equalise 128×128, luminance", rate(lambda i: equalize(crop, "luminance"), n * 10), "images/s"),
        ("equalise 128×128, per channel", rate(lambda i: equalize(crop, "per_channel"), n * 10), "images/s"),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        subjects = max(2, n // 35)
        write_synth_mug(tmp, subjects, progress=False)
        records = scan_mug(Path(tmp), frames_per_take=3)
        start = time.perf_counter()
        build_tunedmug(records, Path(tmp) / "out", progress=False)
        rows.append((f"tunedMUG build ({len(records)} frames)", len(records) / (time.perf_counter() - start), "frames/s"))
    print(f"emoface face-data bench — {platform.processor() or platform.machine()}, "
          f"{torch.get_num_threads()} torch thread, OpenCV {cv2.__version__}, n={n}\n")
    print("| step | speed | unit |\n|---|---:|---|")
    for name, value, unit in rows:
        print(f"| {name} | {value:,.1f} | {unit} |")


if __name__ == "__main__":
    main()
