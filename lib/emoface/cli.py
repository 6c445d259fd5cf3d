"""The ``emoface`` command: the paper's system and its data tools, for people who do not open notebooks.

``emoface demo`` is the README's main job: the bundled profile photos and a few bundled posts go
through :class:`emoface.pipeline.Pipeline` (text → emotion → face expression → edited photo), offline
on the CPU, and a before/after grid is written. ``emoface edit`` does the same for one text and one
photo of yours; ``emoface serve`` serves the blog as a page.

Every mistake a user can make ends in one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

from .download import DownloadError
from .faces.landmarks import LandmarksUnavailableError
from .images import ImageReadError
from .labels import FACE_EXPRESSIONS


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (ImageReadError, FileNotFoundError, DownloadError, ValueError, RuntimeError,
            LandmarksUnavailableError) as err:
        print(f"emoface: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        resumes = " (tunedmug resumes when run again)" if args.command == "tunedmug" else ""
        print(f"emoface: interrupted; what was written is kept{resumes}", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="emoface", description="Altering facial expression based on textual emotion.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser("demo", help="the main job: bundled photos and posts → before/after grid (offline)",
                               description="Classify six bundled posts and redraw two bundled profile photos (a "
                                           "SynthFaces person and a real photograph) with each post's emotion.")
    demo.add_argument("--out", type=Path, help="output folder (default: runs/demo)")
    demo.add_argument("--generator", type=Path, help="a StarGAN generator file (default: the shipped one)")
    demo.add_argument("--text-model", type=Path, help="a text-model checkpoint (default: the shipped one)")
    _engine_arguments(demo)
    demo.set_defaults(run=_demo)

    edit = commands.add_parser("edit", help="redraw the face in a photo with the emotion of a text (or an expression)",
                               description="Classify TEXT (or take --expression directly), edit the face in PHOTO "
                                           "into that expression and save the whole photo to OUT.")
    what = edit.add_mutually_exclusive_group(required=True)
    what.add_argument("--text", help="the post, in quotes")
    what.add_argument("--expression", choices=FACE_EXPRESSIONS,
                      help="draw this expression directly, no text (for scripts and for checking the engines)")
    edit.add_argument("--photo", type=Path, required=True, help="a photo with a face (JPEG, PNG, …)")
    edit.add_argument("--face", default="0", metavar="K|all",
                      help="which face of a group photo: 0 (default) is the largest, 1 the next, …, or 'all'")
    edit.add_argument("--out", type=Path, required=True, help="where to save the edited photo (.png or .jpg)")
    edit.add_argument("--generator", type=Path, help="a StarGAN generator file or training checkpoint "
                                                     "(default: the shipped SynthFaces one)")
    edit.add_argument("--text-model", type=Path, help="a text-model checkpoint (default: the shipped one)")
    edit.add_argument("--low-confidence", choices=("keep", "neutral"), default="keep",
                      help="when the text's emotion is unclear: keep the photo (default) or draw a neutral face")
    _engine_arguments(edit)
    edit.add_argument("--json", action="store_true", help="print one JSON object (for scripts)")
    edit.set_defaults(run=_edit)

    build = commands.add_parser("tunedmug", help="build tunedMUG from MUG or any folder of faces labelled by expression")
    build.add_argument("source", type=Path, help="MUG's subjects3 folder (or its parent), or <root>/[<subject>/]<expression>/*.jpg")
    build.add_argument("out", type=Path, help="output folder (re-running resumes)")
    build.add_argument("--frames", type=int, default=3, help="apex frames kept per MUG take (default 3)")
    build.add_argument("--equalize", choices=("luminance", "per_channel", "none"), default="luminance")
    build.add_argument("--no-crop", action="store_true", help="keep whole frames (the uncropped ablation)")
    build.add_argument("--test-fraction", type=float, default=0.2, help="share of subjects held out (default 0.2)")
    build.add_argument("--seed", type=int, default=0)
    build.set_defaults(run=_tunedmug)

    classify = commands.add_parser("classify", help="the emotion of a text and the face expression it maps to",
                                   description="Classify one post, or many: TEXT '-' reads one post per line from "
                                               "standard input, --file one per line from a file (a post too long "
                                               "for the command line goes there too); with --json, one JSON "
                                               "object per post (JSON Lines).")
    what = classify.add_mutually_exclusive_group(required=True)
    what.add_argument("text", nargs="?", help="the post, in quotes; '-' for one post per line from standard input")
    what.add_argument("--file", type=Path, help="a UTF-8 text file with one post per line")
    classify.add_argument("--json", action="store_true", help="print one JSON object per post (for scripts)")
    classify.add_argument("--model", type=Path, help="a text-model checkpoint (default: the shipped one)")
    classify.add_argument("--threads", type=int, default=1,
                          help="PyTorch threads (default 1: a small model, and the fastest measured on a busy CPU)")
    classify.set_defaults(run=_classify)

    crop = commands.add_parser("crop", help="find the face in a photo and save the 128×128 crop")
    crop.add_argument("photo", type=Path)
    crop.add_argument("out", type=Path, help="output image (.png or .jpg)")
    crop.add_argument("--equalize", choices=("luminance", "per_channel", "none"), default="none")
    crop.set_defaults(run=_crop)

    serve = commands.add_parser("serve", help="the blog of the paper's Fig. 7 as a web page on this computer (Voilà)",
                                description="Serve the blog on http://127.0.0.1:PORT/ until Ctrl+C. Needs "
                                            "pip install 'emoface[serve]'.")
    serve.add_argument("--port", type=int, default=8866, help="TCP port on 127.0.0.1 (default 8866)")
    serve.add_argument("--db", type=Path, help="the blog's SQLite file (default: $EMOFACE_BLOG_DB or runs/blog.sqlite)")
    serve.add_argument("--open", action="store_true", help="open the page in the default web browser")
    serve.add_argument("--max-visitors", type=int,
                       help="pages served at once, each a ~1.2 GB kernel (default 4); more get a 'full' page")
    serve.add_argument("--cull-after", type=int, metavar="SECONDS",
                       help="shut down the kernel of a closed page after this many idle seconds (default 60)")
    serve.set_defaults(run=_serve)
    return parser


def _engine_arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument("--engine", choices=("auto", "stargan", "warp"), default="auto",
                         help="stargan: the generator redraws the face; warp: landmarks move the photo's own pixels "
                              "(real photos, needs emoface[real]); auto (default): warp for a real photograph when "
                              "the generator only knows SynthFaces, else stargan")
    command.add_argument("--intensity", type=float, default=1.0,
                         help="how strong the expression is, 0 (no change) to 1 (default, the full expression)")


def _demo(args: argparse.Namespace) -> int:
    from .demo import run_demo
    from .pipeline import Pipeline
    from .settings import runs_dir

    print("emoface demo — the shipped text model and generator, offline, on the CPU")
    pipeline = Pipeline(text_model=args.text_model, generator=args.generator, engine=args.engine,
                        intensity=args.intensity)
    run_demo(args.out or runs_dir() / "demo", pipeline)
    return 0


def _edit(args: argparse.Namespace) -> int:
    import json

    from .images import load_rgb_sized
    from .pipeline import WORK_MAX_SIDE, Pipeline

    face = _face_choice(args.face)
    # read first: a wrong file fails before the models load, and a huge photo's decoding peak is over
    # before they take their memory
    photo = load_rgb_sized(args.photo, max_side=WORK_MAX_SIDE)
    pipeline = Pipeline(text_model=args.text_model, generator=args.generator, low_confidence=args.low_confidence,
                        engine=args.engine, intensity=args.intensity)
    if args.expression:
        result = pipeline.edit_expression(photo, args.expression, face=face)
    else:
        result = pipeline.edit(args.text, photo, face=face)
    result.save(args.out)
    if args.json:
        print(json.dumps(result.as_dict(args.out)))
        return 0
    prediction = result.prediction
    if prediction is not None:
        print(f"{_emotion_line(prediction)}; face expression: {result.expression}")
    faces = ", ".join(str(k) for k in result.faces_edited) or "none"
    print(f"{result.faces_found} face(s) found, edited: {faces}; face at {result.face_box.as_tuple()} (x, y, w, h); "
          f"engine: {result.engine}, intensity {result.intensity:g}")
    print(result.message)
    print(f"saved {args.out}")
    return 0


def _face_choice(text: str) -> int | str:
    if text == "all":
        return "all"
    if text.isdigit():
        return int(text)
    raise ValueError(f"--face must be a face's number (0 is the largest) or 'all', not {text!r}")


def _tunedmug(args: argparse.Namespace) -> int:
    from .datasets.mug import scan_faces
    from .datasets.tunedmug import TunedMugConfig, build_tunedmug

    records = scan_faces(args.source, args.frames)
    config = TunedMugConfig(equalize=args.equalize, crop=not args.no_crop, test_fraction=args.test_fraction, seed=args.seed)
    report = build_tunedmug(records, args.out, config)
    print(f"{report['written']} images written to {args.out} ({report['no_face']} without a face, "
          f"{report['unreadable']} unreadable; see no_face.csv)")
    return 0


def _classify(args: argparse.Namespace) -> int:
    import json

    batch = args.file is not None or args.text == "-"
    if not batch and not args.text.strip():  # before the model loads: a mistake costs no time
        raise ValueError("the post is empty; write some text to classify")
    if args.threads < 1:
        raise ValueError(f"--threads must be 1 or more, got {args.threads}")
    import torch

    from .text.classify import EmotionClassifier

    torch.set_num_threads(args.threads)
    classifier = EmotionClassifier.load(args.model)
    if not batch:
        _print_prediction(classifier.predict(args.text), args.json)
        return 0
    lines = args.file.read_text(encoding="utf-8").splitlines() if args.file else sys.stdin.read().splitlines()
    for number, line in enumerate(lines, 1):
        if not line.strip():  # one bad line is reported in its place; the batch goes on
            error = "the post is empty; write some text to classify"
            print(json.dumps({"line": number, "error": error}) if args.json else f"{number}: error: {error}")
            continue
        prediction = classifier.predict(line)
        if args.json:
            print(json.dumps({"line": number, **prediction.as_dict()}))
        else:
            print(f"{number}: {prediction.emotion} ({prediction.probability:.0%}) → {prediction.expression}")
    return 0


def _print_prediction(prediction, as_json: bool) -> None:
    import json

    if as_json:
        print(json.dumps(prediction.as_dict()))
        return
    print(_emotion_line(prediction))
    print(f"face expression: {prediction.expression}")


def _emotion_line(prediction) -> str:
    """"emotion: sadness (82%)", or why the post gave no confident emotion."""
    if prediction.confident:
        return f"emotion: {prediction.emotion} ({prediction.probability:.0%})"
    why = prediction.message or "low confidence"
    return (f"emotion: {prediction.emotion} ({why}; the model's best guess was {prediction.top_emotion}, "
            f"{prediction.probability:.0%})")


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


def _serve(args: argparse.Namespace) -> int:
    from .blog.serve import serve

    return serve(port=args.port, db=args.db, open_browser=args.open, max_visitors=args.max_visitors,
                 cull_after_s=args.cull_after)


if __name__ == "__main__":
    sys.exit(main())
