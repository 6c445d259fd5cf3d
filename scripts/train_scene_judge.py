"""Train the scene judge: the evaluation's classifier, on true SynthFaces scenes cut as the pipeline cuts them.

    .venv/bin/python scripts/train_scene_judge.py     # people 3,000,000+ → assets/synthfaces_scene_judge.pt

``emoface.scene_eval`` reads each edited photo with the stored judge, which learnt on aligned faces: it
takes about one true neutral scene in six, cut by the source face's box, for another expression, so
near the 90 % line a grading of neutral measures the judge as much as the edit. This judge is the same
network (``stargan.evaluate.Judge``, 5 epochs, seed 0, 2 threads) trained on the true scenes of people no
generator, reader, refiner or grading uses (3,000,000+), each expression cut by each source scene's
Haar box (``scene_eval.truth_cuts``). It is reported beside the stored judge, never instead of it.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from emoface.labels import FACE_EXPRESSIONS
from emoface.pipeline import Pipeline
from emoface.scene_eval import truth_cuts
from emoface.stargan.evaluate import judge_accuracy, to_float, train_judge
from emoface.stargan.judge_file import judge_for, save_judge, shipped_scene_judge_path

#: The scene judge's people: outside the training (0–999), held-out (1,000,000+) and tuning (2,000,000+) ranges.
FIRST_PERSON = 3_000_000
#: People it is checked on (tuning people: never a grading's).
CHECK_FIRST, CHECK_PEOPLE = 2_000_000, 30


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=400)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2, help="torch threads (the judge depends on them; 2 as stored)")
    parser.add_argument("--out", type=Path, default=shipped_scene_judge_path())
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    started = time.monotonic()
    pipeline = Pipeline(cache_size=0)
    images, labels = truth_cuts(pipeline, range(FIRST_PERSON, FIRST_PERSON + args.people))
    judge = train_judge(images, labels, len(FACE_EXPRESSIONS), epochs=args.epochs)
    check_images, check_labels = truth_cuts(pipeline, range(CHECK_FIRST, CHECK_FIRST + CHECK_PEOPLE))
    stored = judge_for(FACE_EXPRESSIONS, pipeline.size)[0]
    accuracy = {name: round(judge_accuracy(j, to_float(check_images), check_labels), 4)
                for name, j in (("stored judge", stored), ("scene judge", judge))}
    minutes = (time.monotonic() - started) / 60
    info = {"data": f"SynthFaces scenes of people {FIRST_PERSON}-{FIRST_PERSON + args.people - 1}, each expression cut "
                    f"by each of the neutral, happiness, surprise and anger scenes' Haar boxes as scene_eval cuts "
                    f"them, luminance-equalised: {len(labels)} faces",
            "epochs": args.epochs, "seed": 0, "threads": torch.get_num_threads(), "torch": str(torch.__version__),
            "checked_on": f"true scene cuts of people {CHECK_FIRST}-{CHECK_FIRST + CHECK_PEOPLE - 1}: "
                          f"{len(check_labels)} faces", "accuracy": accuracy, "minutes": round(minutes, 1)}
    save_judge(args.out, judge, FACE_EXPRESSIONS, pipeline.size, info)
    print(f"{len(labels)} cuts, {minutes:.1f} min; on {len(check_labels)} true scene cuts of other people: "
          + ", ".join(f"{name} {100 * value:.1f} %" for name, value in accuracy.items()) + f"; wrote {args.out}")


if __name__ == "__main__":
    main()
