"""Train a generator file's expression reader on the engine's own crops of SynthFaces scenes.

    .venv/bin/python scripts/train_reader.py runs/chain/ship.pt --start runs/chain/smooth_d/step_00300.pt

The reader says which expression a photo already shows (the engine skips a redraw when it is the
target). It starts from a sharply trained D (``--start``'s reader, else its D; default: the file's
own) and learns D's expression classification alone on Haar crops of ``--people`` training people's
scenes in all seven expressions, cut as the engine cuts them; the file is rewritten with it and a
record in ``info["reader"]``. ~6 min here for 400 people (the crops), under a minute for 800 steps.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from emoface.engines.stargan import StarGanEngine
from emoface.faces.detect import default_detector
from emoface.stargan.generator_file import load_generator, sharp_reader, with_reader
from emoface.stargan.reader import SCENE_SEED, reading_accuracy, scene_crops, train_reader


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("generator", type=Path, help="the generator file to give the reader to (rewritten atomically)")
    parser.add_argument("--start", type=Path, default=None, help="the file whose sharp D to start from (default: the generator)")
    parser.add_argument("--people", type=int, default=400, help="training people 0..N-1 (SynthFaces' GAN training range)")
    parser.add_argument("--steps", type=int, default=800)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="torch threads (the CPU default oversubscribes)")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    started = time.monotonic()
    loaded = load_generator(args.generator)
    start = sharp_reader(load_generator(args.start) if args.start else loaded)
    if start is None:
        raise SystemExit(f"error: {args.start or args.generator} has no sharply trained D to start the reader from; "
                         "pass --start with a file that has one")
    engine = StarGanEngine(loaded, "cpu", default_detector(), "plain")
    faces, labels = scene_crops(range(args.people), lambda photo: engine.crop(photo).face)
    before = reading_accuracy(start, loaded.config, faces, labels)
    reader = train_reader(start, loaded.config, faces, labels, steps=args.steps, lr=args.lr, batch=args.batch)
    after = reading_accuracy(reader, loaded.config, faces, labels)
    minutes = (time.monotonic() - started) / 60
    record = {"trained_from": (args.start or args.generator).name, "steps": args.steps, "lr": args.lr, "batch": args.batch,
              "data": f"SynthFaces scenes of people 0-{args.people - 1} (scene seed {SCENE_SEED}+person), "
                      f"7 expressions, cut by the engine's Haar crop ({engine.margin:.3f} margin each side), "
                      f"luminance-equalised: {len(faces)} faces",
              "train_minutes": round(minutes, 1), "threads": torch.get_num_threads(), "torch": str(torch.__version__),
              "training_accuracy": {"before": round(before, 4), "after": round(after, 4)}}
    with_reader(args.generator, reader, record)
    print(f"{len(faces)} crops; the start read {100 * before:.1f} % of them right, the reader {100 * after:.1f} %; "
          f"{minutes:.1f} min; wrote the reader into {args.generator}")


if __name__ == "__main__":
    main()
