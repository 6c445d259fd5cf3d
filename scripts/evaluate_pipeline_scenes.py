"""Grade the whole pipeline's StarGAN edits of held-out SynthFaces scenes (cut, edited, pasted back).

    .venv/bin/python scripts/evaluate_pipeline_scenes.py                        # the shipped generator
    .venv/bin/python scripts/evaluate_pipeline_scenes.py runs/g.pt --people 10 --json
    .venv/bin/python scripts/evaluate_pipeline_scenes.py --first-identity 2000000   # tuning people
    .venv/bin/python scripts/evaluate_pipeline_scenes.py --people 40 --by-skin-tone  # darkest third first
    .venv/bin/python scripts/evaluate_pipeline_scenes.py --sources fear,disgust       # other faces to start from

Each person's scene in neutral, happiness, surprise and anger (``--sources``: others) is edited into every
other expression by ``Pipeline.edit_expression`` (engine ``stargan``) and the edited photo compared with the
scene drawn in the target (``emoface.scene_eval``): the judge's reading per target (and the scene judge's beside it, trained
on true scenes cut this way), L1 to the true scene against the unchanged photo's, the old lines' contrast left,
the fine-detail error at full size and the crispness of the new features. About 6 s a person on 2 threads.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict
from pathlib import Path

import torch

from emoface.pipeline import Pipeline
from emoface.labels import FACE_EXPRESSIONS
from emoface.scene_eval import SCENE_SOURCES, grade_scenes, skin_tone_thirds
from emoface.stargan.recipes import TEST_FIRST_IDENTITY


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("generator", nargs="?", type=Path, help="a generator file (default: the shipped one)")
    parser.add_argument("--first-identity", type=int, default=TEST_FIRST_IDENTITY,
                        help="the first person (default: the held-out people; 2000000 to tune on)")
    parser.add_argument("--people", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--no-refiner", action="store_true",
                        help="paste without the file's refiner (to see what it adds)")
    parser.add_argument("--sources", default=",".join(SCENE_SOURCES),
                        help="the expressions the scenes are edited from, comma-separated, or 'all' (default: "
                             f"{', '.join(SCENE_SOURCES)}, the sources every grading so far used)")
    parser.add_argument("--keep-wrinkles", action="store_true",
                        help="paste without erasing the old expression's wrinkles or softening its folds "
                             "(emoface.faces.wrinkles; to see what they do)")
    parser.add_argument("--keep-folds", action="store_true",
                        help="erase the old wrinkles but do not soften the old folds (to see what that does)")
    parser.add_argument("--slide-lids", action="store_true",
                        help="slide the photo's own lids over eyes the target narrows (emoface.faces.lids; off by default)")
    parser.add_argument("--truth-painted", action="store_true",
                        help="paint each person's true face in G's place: what a perfect generator of this size would score")
    parser.add_argument("--by-skin-tone", action="store_true",
                        help="grade the people in three groups by the brightness of their skin, darkest first")
    parser.add_argument("--json", action="store_true", help="one JSON object instead of a Markdown table")
    args = parser.parse_args()
    sources = FACE_EXPRESSIONS if args.sources == "all" else tuple(args.sources.split(","))
    unknown = sorted(set(sources) - set(FACE_EXPRESSIONS))
    if unknown:
        parser.error(f"unknown source expressions {unknown}: choose from {', '.join(FACE_EXPRESSIONS)}, or 'all'")
    if args.by_skin_tone and args.people < 3:
        parser.error(f"--by-skin-tone splits the people into thirds: give --people 3 or more, not {args.people}")
    torch.set_num_threads(args.threads)
    started = time.monotonic()
    pipeline = Pipeline(generator=args.generator, cache_size=0)  # in the mode the pipeline picks for this generator
    refined = pipeline.stargan.refine is not None and not args.no_refiner
    if args.no_refiner:
        pipeline.stargan.refine = None
    if args.keep_wrinkles:
        pipeline.stargan.wrinkles = None
    if args.keep_folds:
        pipeline.stargan.soften_folds = False
    pipeline.stargan.slide_lids = args.slide_lids
    people = range(args.first_identity, args.first_identity + args.people)
    groups = skin_tone_thirds(people) if args.by_skin_tone else [list(people)]
    names = ("darkest third", "middle third", "lightest third") if args.by_skin_tone else ("all",)
    graded = {name: grade_scenes(pipeline, group, sources, truth_painted=args.truth_painted)
              for name, group in zip(names, groups)}
    about = {"generator": str(args.generator or "shipped"), "mode": pipeline.mode, "refiner": refined,
             "wrinkles_erased": pipeline.stargan.wrinkles is not None,
             "folds_softened": pipeline.stargan.wrinkles is not None and pipeline.stargan.soften_folds,
             "lids_slid": args.slide_lids,
             "truth_painted": args.truth_painted, "sources": list(sources),
             "people": f"{args.first_identity}-{args.first_identity + args.people - 1}",
             "seconds": round(time.monotonic() - started, 1)}
    if args.json:
        scores = ({name: {"people": group, **asdict(graded[name])} for name, group in zip(names, groups)}
                  if args.by_skin_tone else asdict(graded["all"]))
        print(json.dumps({**about, **scores}, indent=1))
        return
    print(" · ".join(f"{key}: {value}" for key, value in about.items()) + "\n")
    for name, group in zip(names, groups):
        if args.by_skin_tone:
            print(f"\n{name} ({len(group)} {'person' if len(group) == 1 else 'people'}: {', '.join(map(str, group))})\n")
        print(graded[name].table())


if __name__ == "__main__":
    main()
