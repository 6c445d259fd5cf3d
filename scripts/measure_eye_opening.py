"""Measure how open each expression's eyes are on SynthFaces training people: the engine's ``EYE_OPENING`` table.

    .venv/bin/python scripts/measure_eye_opening.py                # people 0-59, as the table was measured (~1 min)
    .venv/bin/python scripts/measure_eye_opening.py --people 5 --json

The opening is lid to lid over corner to corner (:func:`emoface.faces.lids.opening`), on dlib's 68 points found on each
person's scene in each expression (needs ``pip install 'emoface[real]'``). A scene where dlib finds no face is left out
and counted. The people are training identities (0 onward), never the held-out ones the edits are graded on.
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np

from emoface.faces.detect import NoFaceError
from emoface.faces.landmarks import LandmarksUnavailableError, find_landmarks
from emoface.faces.lids import opening
from emoface.labels import FACE_EXPRESSIONS
from emoface.stargan.reader import person_scene


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=60, help="training people 0 … N-1")
    parser.add_argument("--json", action="store_true", help="print the table as JSON")
    args = parser.parse_args()
    if args.people < 1:
        parser.error(f"--people must be at least 1, not {args.people}")
    openings: dict[str, list[float]] = {expression: [] for expression in FACE_EXPRESSIONS}
    missed = 0
    try:
        for number in range(args.people):
            for expression in FACE_EXPRESSIONS:
                try:
                    openings[expression].append(opening(find_landmarks(person_scene(number, expression)).points))
                except NoFaceError:
                    missed += 1
    except LandmarksUnavailableError as error:
        sys.exit(f"error: {error}")
    table = {expression: {"scenes": len(values), "mean": round(float(np.mean(values)), 4),
                          "sd": round(float(np.std(values)), 4)}
             for expression, values in openings.items() if values}
    if args.json:
        print(json.dumps({"people": args.people, "missed": missed, "opening": table}, indent=1))
        return
    print(f"eye opening (lid to lid over corner to corner) on training people 0-{args.people - 1}; "
          f"{missed} scenes without a face")
    for expression, row in sorted(table.items(), key=lambda item: -item[1]["mean"]):
        print(f"  {expression:<10} {row['mean']:.4f}  sd {row['sd']:.4f}  ({row['scenes']} scenes)")


if __name__ == "__main__":
    main()
