"""Both engines on real photographs, judged from outside: the README's table for issue 7.

    .venv/bin/python scripts/evaluate_real_photos.py [--extra-photos DIR] [--synth 10] [--out runs/real_eval]

Edits every real face photo that installed packages ship (``emoface.faces.real_photos``; more with
``--extra-photos``: every face ≥ 100 px in each image of the folder) and ``--synth`` held-out
SynthFaces people into all seven expressions, with the ``warp`` and the ``stargan`` engine
(the shipped generator), and scores each edit with

* the FER2013 mini-Xception judge (``emoface.faces.fer_judge``): hit rate and mean P(target),
  against the same judge on the unedited photos;
* dlib's face-recognition embedding (``emoface.faces.identity``): distance to the unedited face,
  and the share under dlib's same-person threshold 0.6; for scale, distances between different
  people of the same set.

Writes ``eval.md`` (the tables), ``records.json`` (every edit) and ``grid.png`` (the packaged photos,
both engines, every expression) to ``--out``. Needs ``emoface[real]``.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np

from emoface.atomic import atomic_write_text
from emoface.faces.identity import default_embedder
from emoface.pipeline import Pipeline
from emoface.real_eval import (between_people, evaluate_engines, identity_table, judge_table, real_subjects,
                               records_as_dicts, synth_subjects)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--extra-photos", type=Path, help="a folder of more real photos (group photos are fine)")
    parser.add_argument("--synth", type=int, default=10, help="held-out SynthFaces people, for contrast (default 10)")
    parser.add_argument("--intensity", type=float, default=1.0)
    parser.add_argument("--out", type=Path, default=Path("runs/real_eval"))
    args = parser.parse_args()

    from tqdm.auto import tqdm

    pipeline = Pipeline(cache_size=0)
    packaged = real_subjects()
    extra = real_subjects(args.extra_photos)[len(packaged):] if args.extra_photos else []
    synth = synth_subjects(args.synth)
    start = time.perf_counter()
    sections = [f"Machine: {platform.processor() or platform.machine()}, {platform.system()}; "
                f"intensity {args.intensity:g}; shipped generator and judge.\n"]
    all_records = []
    for title, subjects in (("Real photos that packages ship", packaged), ("Extra real photos", extra),
                            ("SynthFaces (held-out people)", synth)):
        if not subjects:
            continue
        records = evaluate_engines(pipeline, subjects, intensity=args.intensity, progress=lambda s: tqdm(s, desc=title))
        all_records += records
        distances = between_people(default_embedder(), subjects)
        sections.append(f"## {title}: {', '.join(s.name for s in subjects[:8])}{' …' if len(subjects) > 8 else ''}\n")
        sections.append("Expression judge (FER2013 mini-Xception): hit rate % (mean P(target) %)\n")
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
    _grid(pipeline, packaged, args.out / "grid.png")
    print(text)
    print(f"wrote {args.out / 'eval.md'}, records.json, grid.png")
    return 0


def _grid(pipeline: Pipeline, subjects, path: Path) -> None:
    """Each packaged photo: the original, then every expression by the warp and by StarGAN."""
    from emoface.faces.detect import face_view
    from emoface.labels import FACE_EXPRESSIONS
    from emoface.viz import labelled_grid, save_figure

    rows, names = [], []
    for subject in subjects:
        for engine in ("warp", "stargan"):
            results = [pipeline.edit_expression(subject.photo, e, engine=engine) for e in FACE_EXPRESSIONS]
            rows.append([face_view(results[0].photo_before, results[0].crop_box, 160)]
                        + [face_view(r.photo, r.crop_box, 160) for r in results])
            names.append(f"{subject.name}\n{engine}")
    fig = labelled_grid(rows, ["original", *FACE_EXPRESSIONS], names, cell_inches=1.3,
                        title="Real photos: the warp engine and the shipped (SynthFaces) StarGAN, intensity 1")
    save_figure(fig, path)


if __name__ == "__main__":
    sys.exit(main())
