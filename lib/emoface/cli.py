"""The ``emoface`` command: the main job and the data tools, for people who do not open notebooks.

``emoface demo`` is the README's main job. Until the text → face pipeline exists it builds the
tunedMUG set of the chosen profile (real MUG if ``$EMOFACE_DATA/mug`` exists, else SynthFaces)
and writes a grid of test faces, one row per held-out subject, one column per expression.

Every mistake a user can make ends in one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

from .download import DownloadError
from .images import ImageReadError


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (ImageReadError, FileNotFoundError, DownloadError, ValueError, RuntimeError) as err:
        print(f"emoface: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("emoface: interrupted; run the same command again to resume", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="emoface", description="Altering facial expression based on textual emotion.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser("demo", help="the main job: build tunedMUG for a profile and write a sample grid")
    demo.add_argument("--profile", help="smoke | demo | full (default: $EMOFACE_PROFILE or demo)")
    demo.add_argument("--out", type=Path, help="where to write the grid (default: runs/demo)")
    demo.set_defaults(run=_demo)

    build = commands.add_parser("tunedmug", help="build tunedMUG from MUG or any folder of faces labelled by expression")
    build.add_argument("source", type=Path, help="MUG's subjects3 folder (or its parent), or <root>/[<subject>/]<expression>/*.jpg")
    build.add_argument("out", type=Path, help="output folder (re-running resumes)")
    build.add_argument("--frames", type=int, default=3, help="apex frames kept per MUG take (default 3)")
    build.add_argument("--equalize", choices=("luminance", "per_channel", "none"), default="luminance")
    build.add_argument("--no-crop", action="store_true", help="keep whole frames (the uncropped ablation)")
    build.add_argument("--test-fraction", type=float, default=0.2, help="share of subjects held out (default 0.2)")
    build.add_argument("--seed", type=int, default=0)
    build.set_defaults(run=_tunedmug)

    classify = commands.add_parser("classify", help="the emotion of a text and the face expression it maps to")
    classify.add_argument("text", help="the post, in quotes")
    classify.add_argument("--json", action="store_true", help="print one JSON object (for scripts)")
    classify.add_argument("--model", type=Path, help="a text-model checkpoint (default: the shipped one)")
    classify.set_defaults(run=_classify)

    crop = commands.add_parser("crop", help="find the face in a photo and save the 128×128 crop")
    crop.add_argument("photo", type=Path)
    crop.add_argument("out", type=Path, help="output image (.png or .jpg)")
    crop.add_argument("--equalize", choices=("luminance", "per_channel", "none"), default="none")
    crop.set_defaults(run=_crop)
    return parser


def _demo(args: argparse.Namespace) -> int:
    from .faces.sources import prepare_tunedmug
    from .faces.tunedmug import sample_rows
    from .labels import FACE_EXPRESSIONS
    from .settings import get_profile, runs_dir
    from .viz import labelled_grid, save_figure

    profile = get_profile(args.profile)
    print(f"emoface demo — profile {profile.name}")
    folder, report, source_name = prepare_tunedmug(profile)
    source = "MUG" if source_name == "mug" else "SynthFaces (no MUG in the data folder)"
    subjects, rows = sample_rows(folder, "test", n_subjects=max(1, profile.grid_images // len(FACE_EXPRESSIONS)))
    fig = labelled_grid(rows, FACE_EXPRESSIONS, [f"subject {s}" for s in subjects],
                        title=f"tunedMUG test faces from {source.split(' ')[0]} ({profile.name} profile)")
    grid = save_figure(fig, (args.out or runs_dir() / "demo") / "tunedmug_grid.png")
    print(f"source: {source}")
    print(f"tunedMUG: {folder}")
    for split in ("train", "test"):
        counts = report["images"][split]
        print(f"  {split}: {sum(counts.values())} images of {len(report['subjects'][split])} subjects — "
              + ", ".join(f"{k} {v}" for k, v in counts.items()))
    print(f"  frames without a usable face: {report['no_face']} (listed in {folder / 'no_face.csv'}); "
          f"frames with several faces, largest kept: {report['several_faces']}")
    print(f"grid: {grid}")
    return 0


def _tunedmug(args: argparse.Namespace) -> int:
    from .faces.mug import scan_faces
    from .faces.tunedmug import TunedMugConfig, build_tunedmug

    records = scan_faces(args.source, args.frames)
    config = TunedMugConfig(equalize=args.equalize, crop=not args.no_crop, test_fraction=args.test_fraction, seed=args.seed)
    report = build_tunedmug(records, args.out, config)
    print(f"{report['written']} images written to {args.out} ({report['no_face']} without a face, "
          f"{report['unreadable']} unreadable; see no_face.csv)")
    return 0


def _classify(args: argparse.Namespace) -> int:
    import json

    from .text.classify import EmotionClassifier

    prediction = EmotionClassifier.load(args.model).predict(args.text)
    if args.json:
        print(json.dumps(prediction.as_dict()))
        return 0
    note = "" if prediction.confident else f" (low confidence: the model's best guess was {prediction.top_emotion})"
    print(f"emotion: {prediction.emotion} ({prediction.probability:.0%}){note}")
    print(f"face expression: {prediction.expression}")
    return 0


def _crop(args: argparse.Namespace) -> int:
    from .faces.detect import crop_face
    from .faces.equalize import equalize
    from .images import save_rgb

    found = crop_face(args.photo)
    face = equalize(found.face, args.equalize)
    save_rgb(args.out, face)
    box = found.face_box
    print(f"face at x={box.x} y={box.y} w={box.w} h={box.h} ({found.n_faces} found); saved {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
