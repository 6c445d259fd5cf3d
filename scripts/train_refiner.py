"""Train a generator file's refiner on pastes of SynthFaces scenes, and store it in the file.

    .venv/bin/python scripts/train_refiner.py runs/g.pt --people 400-699 --steps 4000 --minutes 25

(the shipped refiner: 3 min of patches, 16 min of fitting on 2 cores). The refiner
(:mod:`emoface.stargan.refiner`) sharpens what the generator moved, at the photo's resolution. Its
training patches are pastes of ``--people``'s scenes (training people: held-out ones are for grading),
each set against the scene drawn in the target (:mod:`emoface.scene_patches`), 24 per person: of the
true face at the generator's size (``--teacher truth``, ~0.6 s a person) or of G's own edits
(``--teacher generator``, ~7 s a person; the refiner then also learns to fade what G drew vaguely).
``--patches`` keeps them in a file, so a second run skips the drawing. The refiner is told the target
expression (``--untold``: it guesses it from the paste). The file is rewritten (atomically) with the
refiner and a record in ``info["refiner"]``; its ``train_minutes`` counts the patches and the training.
"""

from __future__ import annotations

import argparse
import hashlib
import time
from pathlib import Path

import torch

from emoface.checkpoints import hash_weights
from emoface.faces.paste import PASTE_RECIPE
from emoface.pipeline import Pipeline
from emoface.scene_patches import refiner_patches, truth_patches
from emoface.stargan.generator_file import load_generator, with_refiner
from emoface.stargan.reader import SCENE_SEED
from emoface.stargan.refiner import RefinerConfig, RefinerPatches, train_refiner


def people_range(text: str) -> range:
    """``"400-539"`` → range(400, 540)."""
    first, _, last = text.partition("-")
    try:
        return range(int(first), int(last or first) + 1)
    except ValueError:
        raise argparse.ArgumentTypeError(f"people must be FIRST-LAST (e.g. 400-539), not {text!r}") from None


def weights_digest(generator: torch.nn.Module) -> str:
    """A digest of the generator's weights: patches are only reused for the generator that made them."""
    digest = hashlib.sha256()
    hash_weights(digest, generator)
    return digest.hexdigest()[:16]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("generator", type=Path, help="the generator file to give the refiner to (rewritten atomically)")
    parser.add_argument("--people", type=people_range, default=range(400, 540),
                        help="training people FIRST-LAST (SynthFaces' GAN training range is 0-999)")
    parser.add_argument("--patches", type=Path, default=None,
                        help="keep the training patches in this file (made when it is missing, read when present)")
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--minutes", type=float, default=None, help="stop training after this many minutes of wall time")
    parser.add_argument("--width", type=int, default=RefinerConfig.width)
    parser.add_argument("--teacher", choices=("truth", "generator"), default="truth",
                        help="paste the true face (truth: the refiner learns only to sharpen) or G's edit (generator: it "
                             "also learns to correct G, and hedges: docs/stargan.md) before the refiner sees it")
    parser.add_argument("--ghost", type=float, default=0.0,
                        help="with --teacher truth: mix up to this share of the source face back into each true edit")
    parser.add_argument("--blur", type=float, default=0.0,
                        help="with --teacher truth: blur each true edit by up to this σ (pixels at the generator's size)")
    parser.add_argument("--reach", choices=("changed", "face"), default="changed",
                        help="where the refiner may correct the paste: where G changed the face, or anywhere in it "
                             "(to erase the source's fine lines G never saw; with --teacher truth)")
    parser.add_argument("--focus", type=float, default=0.0,
                        help="weigh 1 + FOCUS in the loss each pixel where the truth differs from the photo (what the edit "
                             "must change, e.g. a surprised forehead's lines with --reach face)")
    parser.add_argument("--focus-kept", action="store_true",
                        help="with --focus: only where the paste kept the photo (what G left undone, not what it moved)")
    parser.add_argument("--untold", action="store_true",
                        help="do not tell the refiner the target expression (it guesses it from the paste)")
    parser.add_argument("--threads", type=int, default=2, help="torch threads (the CPU default oversubscribes)")
    args = parser.parse_args()

    if args.teacher == "generator" and (args.ghost or args.blur or args.reach != "changed"):
        parser.error("--ghost, --blur and --reach face apply to true edits: use them with --teacher truth")
    if args.focus_kept and not args.focus:
        parser.error("--focus-kept narrows --focus: give --focus too (e.g. --focus 4)")
    torch.set_num_threads(args.threads)
    started = time.monotonic()
    loaded = load_generator(args.generator)
    made_minutes = None
    people = [args.people.start, args.people.stop - 1]
    # what the patches are made from: reused only for the same recipe
    # ("paste": the paste looks colours up since the twenty-second session, and pastes the lines an edit takes
    # away since the twenty-eighth; patches made before either differ)
    recipe = {"generator": weights_digest(loaded.generator), "people": people, "teacher": args.teacher,
              "ghost": args.ghost, "blur": args.blur, "reach": args.reach, "paste": PASTE_RECIPE}
    if args.patches is not None and args.patches.exists():
        stored = torch.load(args.patches, weights_only=True)
        data, made_minutes = RefinerPatches(stored["patches"], stored["targets"]), stored["minutes"]
        older = {"teacher": "generator", "ghost": 0.0, "blur": 0.0, "reach": "changed",  # files made before these keys
                 "paste": "tone curve"}
        made_for = {key: stored.get(key, older.get(key)) for key in recipe}
        if made_for != recipe:
            raise SystemExit(f"error: {args.patches} holds patches made for {made_for}, not {recipe}; delete it or "
                             "pass the same generator, --people, --teacher, --ghost, --blur and --reach (patches made "
                             "before the paste looked colours up must be made again)")
    else:
        pipeline = Pipeline(generator=args.generator, cache_size=0)
        data = (truth_patches(pipeline, args.people, ghost=args.ghost, blur=args.blur, reach=args.reach)
                if args.teacher == "truth"
                else refiner_patches(pipeline, args.people))
        made_minutes = (time.monotonic() - started) / 60
        if args.patches is not None:
            torch.save({"patches": data.patches, "targets": data.targets, "minutes": made_minutes, **recipe},
                       args.patches)
    print(f"{len(data.patches)} patches ({made_minutes:.1f} min to make)")
    classes = 0 if args.untold else len(loaded.classes)
    refiner, record = train_refiner(data, RefinerConfig(width=args.width, classes=classes, reach=args.reach),
                                    steps=args.steps, minutes=args.minutes, focus=args.focus,
                                    focus_kept=args.focus_kept)
    record.update({
        "data": f"pasted edits ({'the true face at the generator size' if args.teacher == 'truth' else 'by G'}) "
                f"of SynthFaces scenes of people {people[0]}-{people[1]} "
                f"(scene seed {SCENE_SEED}+person; from neutral, happiness, surprise, anger into every other), "
                f"3 patches of 96 px per edit, against the scene drawn in the target",
        "teacher": args.teacher, "ghost": args.ghost, "blur": args.blur,
        "patch_minutes": round(made_minutes, 1), "fit_minutes": record["train_minutes"],
        "train_minutes": round(made_minutes + record["train_minutes"], 1),
        "threads": torch.get_num_threads(), "torch": str(torch.__version__)})
    with_refiner(args.generator, refiner, record)
    curve = record["loss_curve"]
    print(f"{record['steps']} steps, loss {curve[0]['loss'] if curve else float('nan'):.4f} → "
          f"{curve[-1]['loss'] if curve else float('nan'):.4f}; {record['train_minutes']} min in all; "
          f"wrote the refiner into {args.generator}")


if __name__ == "__main__":
    main()
