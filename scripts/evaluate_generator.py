"""Grade any generator file on held-out SynthFaces people: the per-target table of docs/stargan.md.

    .venv/bin/python scripts/evaluate_generator.py                      # the shipped generator
    .venv/bin/python scripts/evaluate_generator.py runs/g.pt --json     # one JSON object
    .venv/bin/python scripts/evaluate_generator.py --modes plain residual --test-identities 40
    .venv/bin/python scripts/evaluate_generator.py runs/g.pt --store   # the tables into the file's info
    .venv/bin/python scripts/evaluate_generator.py runs/g.pt --speckle --modes plain   # + the mottling, the old lines left

The judge is the shipped one (``emoface.stargan.judge_file``: every generator graded by the same
classifier, on any number of threads), trained on SynthFaces people 0-999 (the generator's training
range); ``--retrain-judge`` trains one afresh on ``--train-identities`` people (``--save-judge PATH``
writes it: how the shipped judge was made, at the default two threads). The edits are graded on
``--test-identities`` people from :data:`~emoface.stargan.recipes.TEST_FIRST_IDENTITY` on, whom no shipped model has seen
(``--first-identity 2000000``: other people, to choose between candidates on). By default
the generator is graded in the mode the pipeline uses for it (:func:`~emoface.stargan.editing.default_mode`).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from emoface.labels import FACE_EXPRESSIONS
from emoface.stargan.editing import default_mode
from emoface.stargan.evaluate import class_mean_faces, fine_detail_on_pairs, grade_on_pairs, scores_table, train_judge
from emoface.stargan.generator_file import load_generator, rewrite_generator
from emoface.stargan.judge_file import judge_for, save_judge
from emoface.stargan.recipes import TEST_FIRST_IDENTITY
from emoface.stargan.synth_pairs import synth_pairs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("generator", nargs="?", type=Path, help="a generator file (default: the shipped one)")
    parser.add_argument("--modes", nargs="+", choices=("plain", "residual"),
                        help="edit modes to grade (default: the one the pipeline uses for this generator)")
    parser.add_argument("--train-identities", type=int, default=1000, help="SynthFaces people the judge learns from")
    parser.add_argument("--test-identities", type=int, default=100, help="held-out people edited and graded")
    parser.add_argument("--first-identity", type=int, default=TEST_FIRST_IDENTITY,
                        help="the first held-out person (another range, e.g. 2000000, to choose between generators "
                             "without looking at the people the stored tables use)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--judge", type=Path, default=None, help="a judge file (default: the shipped one)")
    parser.add_argument("--retrain-judge", action="store_true",
                        help="train the judge afresh (its readings then depend on --threads)")
    parser.add_argument("--save-judge", type=Path, default=None, help="with --retrain-judge: write it here")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of Markdown tables")
    parser.add_argument("--speckle", action="store_true",
                        help="also measure the fine texture the edits lay on smooth skin near the change "
                             "(emoface.stargan.evaluate.skin_speckle: the mottling the ghost share misses) and the "
                             "share of the old expression's lines left (evaluate.line_contrast_left), all people and "
                             "the darkest third")
    parser.add_argument("--store", action="store_true",
                        help="write the plain and residual tables (and, with --speckle, the skin speckle and the "
                             "lines left) into the file's info (after an inference change)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.save_judge and not args.retrain_judge:
        raise SystemExit("--save-judge writes a retrained judge: add --retrain-judge")
    if args.store and (args.generator is None or args.test_identities != 100 or args.first_identity != TEST_FIRST_IDENTITY
                       or (args.modes and set(args.modes) != {"plain", "residual"})):
        raise SystemExit("--store needs a generator file, both modes and the 100 test people the table in docs/stargan.md uses")

    started = time.monotonic()
    loaded = load_generator(args.generator)
    if tuple(loaded.classes) != FACE_EXPRESSIONS:
        raise SystemExit(f"this generator draws {', '.join(loaded.classes)}; the SynthFaces evaluation grades "
                         "the seven face expressions")
    size = loaded.config.image_size
    train = synth_pairs(range(args.train_identities), size=size, progress=False)
    test = synth_pairs(range(args.first_identity, args.first_identity + args.test_identities), size=size,
                       progress=False)
    images, labels = train.flat()
    if args.retrain_judge:
        judge = train_judge(images, labels, len(FACE_EXPRESSIONS), epochs=5)
        trained_on = f"SynthFaces identities 0-{args.train_identities - 1}, {args.threads} torch threads"
        judged_by = f"retrained on {trained_on}"
        if args.save_judge:
            save_judge(args.save_judge, judge, FACE_EXPRESSIONS, size,
                       {"trained_on": trained_on, "epochs": 5, "seed": 0, "torch": str(torch.__version__)})
    else:
        found = judge_for(FACE_EXPRESSIONS, size, args.judge)
        if found is None:
            raise SystemExit(f"{args.judge or 'the shipped judge'} does not read {size}x{size} faces of the seven "
                             "expressions this generator draws: pass --retrain-judge")
        judge, judge_info = found
        judged_by = f"{args.judge or 'the shipped judge'} ({judge_info.get('trained_on', 'unknown')})"
    means = class_mean_faces(images, labels, len(FACE_EXPRESSIONS))
    modes = args.modes or (["plain", "residual"] if args.store else [default_mode(loaded.config)])
    results = {mode: grade_on_pairs(loaded.generator, judge, test.images, means, FACE_EXPRESSIONS, mode=mode)
               for mode in modes}
    detail = {mode: fine_detail_on_pairs(loaded.generator, test.images, mode) for mode in modes} if args.speckle else {}
    speckle = {mode: measured["skin_speckle"] for mode, measured in detail.items()}
    lines = {mode: measured["lines_left"] for mode, measured in detail.items()}
    about = {"generator": str(args.generator or "shipped"), "image_size": size,
             "attention": bool(loaded.config.g_attention), "pipeline_mode": default_mode(loaded.config),
             "test_identities": f"{args.first_identity}-{args.first_identity + args.test_identities - 1}",
             "judge": judged_by,
             "seconds": round(time.monotonic() - started, 1)}
    if args.store:
        info = {**loaded.info, "evaluation": [s.as_dict() for s in results["plain"]],
                "evaluation_residual": [s.as_dict() for s in results["residual"]], "evaluated_on": time.strftime("%Y-%m-%d"),
                "judge": judged_by, **({"skin_speckle": speckle, "lines_left": lines} if speckle else {})}
        rewrite_generator(args.generator, loaded, info)
        print(f"stored the evaluation in {args.generator}")
    if args.json:
        print(json.dumps({**about, "modes": {mode: [s.as_dict() for s in scores] for mode, scores in results.items()},
                          **({"skin_speckle": speckle, "lines_left": lines} if speckle else {})}, indent=1))
        return
    print(" · ".join(f"{key}: {value}" for key, value in about.items()) + "\n")
    for mode, scores in results.items():
        print(f"*{mode} edits{' (what the pipeline uses)' if mode == about['pipeline_mode'] else ''}:*\n")
        print(scores_table(scores) + "\n")
        if mode in speckle:
            print(f"skin speckle (×10⁻³, fine texture on smooth skin within 3 px of the change): brightness "
                  f"{1000 * speckle[mode]['luma']:.2f}, colour {1000 * speckle[mode]['chroma']:.2f}")
            print(f"old lines left (share of the source's line contrast where the true face is smooth): "
                  f"{lines[mode]['all']:.3f}, darkest third of the people {lines[mode]['darkest_third']:.3f}\n")


if __name__ == "__main__":
    main()
