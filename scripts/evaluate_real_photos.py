"""Both engines on real photographs, judged from outside: the tables of docs/real_photos.md and lesson 06.

    .venv/bin/python scripts/evaluate_real_photos.py [--extra-photos DIR ...] [--engines warp,stargan]
                                                     [--synth 10] [--out runs/real_eval]

Edits every real face photo that installed packages ship (``emoface.datasets.real_photos``; more with
``--extra-photos``, once per folder, each folder its own section: every face ≥ 100 px in each
image) and ``--synth`` held-out SynthFaces people into all seven expressions with each engine,
and scores each edit with

* the FER2013 mini-Xception judge (``emoface.judges.fer``): the share of edits it reads as
  the target **among targets the photo did not already show**, mean P(target), and the same
  against the unedited photos for every target;
* dlib's face-recognition embedding (``emoface.judges.identity``): distance to the unedited face,
  and the share under dlib's same-person threshold 0.6; for scale, distances between different
  people of the same set.

Writes ``eval.md`` (the tables), ``records.json`` (every edit) and ``grid.png`` (each real photo
and its seven edits by the first engine) to ``--out``. Needs ``emoface[real]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch

from emoface.atomic import atomic_write_text
from emoface.judges.identity import default_embedder
from emoface.pipeline import Pipeline
from emoface.real_eval import (between_people, evaluate_engines, identity_table, judge_table, new_target_table,
                               real_subjects, records_as_dicts, synth_subjects)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--extra-photos", type=Path, action="append", default=[],
                        help="a folder of more real photos (group photos are fine); repeat for several sets")
    parser.add_argument("--engines", default="warp,stargan", help="comma-separated (default warp,stargan)")
    parser.add_argument("--synth", type=int, default=10, help="held-out SynthFaces people, for contrast (default 10)")
    parser.add_argument("--intensity", type=float, default=1.0)
    parser.add_argument("--out", type=Path, default=Path("runs/real_eval"))
    args = parser.parse_args()
    engines = tuple(e.strip() for e in args.engines.split(",") if e.strip())

    from tqdm.auto import tqdm

    torch.set_num_threads(1)
    pipeline = Pipeline(cache_size=0)
    packaged = real_subjects()
    sets = [("Real photos that packages ship", packaged)]
    sets += [(f"Real photos in {folder}", real_subjects(folder)[len(packaged):]) for folder in args.extra_photos]
    sets.append(("SynthFaces (held-out people)", synth_subjects(args.synth)))
    start = time.perf_counter()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    sections = [f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, load {load:.1f}, "
                f"{platform.system()}; intensity {args.intensity:g}; shipped generator and judge.\n"]
    all_records = []
    for title, subjects in sets:
        if not subjects:
            continue
        records = evaluate_engines(pipeline, subjects, engines=engines, intensity=args.intensity,
                                   progress=lambda s, t=title: tqdm(s, desc=t))
        all_records += records
        distances = between_people(default_embedder(), subjects)
        sections.append(f"## {title}: {', '.join(s.name for s in subjects[:8])}{' …' if len(subjects) > 8 else ''}\n")
        sections.append("Expression judge (FER2013 mini-Xception), targets the photo did not already show: "
                        "hit rate % (mean P(target) %; edits)\n")
        sections.append(new_target_table(records) + "\n")
        sections.append("Every target, against the unedited photo: hit rate % (mean P(target) %)\n")
        sections.append(judge_table(records) + "\n")
        sections.append("Identity (dlib embedding distance to the unedited face)\n")
        sections.append(identity_table(records) + "\n")
        if distances:
            sections.append(f"Between different people of this set: min {min(distances):.3f}, "
                            f"median {float(np.median(distances)):.3f} ({len(distances)} pairs)\n")
    sections.append(f"Total time: {time.perf_counter() - start:.0f} s\n")
    args.out.mkdir(parents=True, exist_ok=True)
    text = "\n".join(sections)
    atomic_write_text(args.out / "eval.md", text)
    atomic_write_text(args.out / "records.json", json.dumps(records_as_dicts(all_records), indent=1))
    real = [s for title, subjects in sets if not title.startswith("SynthFaces") for s in subjects]
    _grid(pipeline, real, engines[0], args.out / "grid.png")
    print(text)
    print(f"wrote {args.out / 'eval.md'}, records.json, grid.png")
    return 0


def _grid(pipeline: Pipeline, subjects, engine: str, path: Path) -> None:
    """Each real photo: the original, then every expression by ``engine``, all cut from the same square."""
    from emoface.faces.detect import NoFaceError, face_view, square_box
    from emoface.labels import FACE_EXPRESSIONS
    from emoface.viz import labelled_grid, save_figure

    rows, names = [], []
    for subject in subjects:
        try:
            results = [pipeline.edit_expression(subject.photo, e, engine=engine) for e in FACE_EXPRESSIONS]
        except NoFaceError:
            continue
        square = square_box(results[0].face_box, 0.45)
        rows.append([face_view(subject.photo, square, 160)] + [face_view(r.photo, square, 160) for r in results])
        names.append(subject.name)
    fig = labelled_grid(rows, ["original", *FACE_EXPRESSIONS], names, cell_inches=1.3,
                        title=f"Real photos, engine {engine!r}, intensity 1")
    save_figure(fig, path)


if __name__ == "__main__":
    sys.exit(main())
