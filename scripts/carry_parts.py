"""Carry the expression reader and the refiner, with their training records, from one generator file into another.

    .venv/bin/python scripts/carry_parts.py lib/emoface/assets/stargan_demo.pt runs/s21/skip.pt

Neither part depends on G (``generator_file.carry_parts`` says why), so a fine-tune of a file's G ships
with the parts that file trained instead of training them again. The target is rewritten atomically.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from emoface.stargan.generator_file import carry_parts, load_generator


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="the file whose reader and refiner to carry")
    parser.add_argument("target", type=Path, help="the file to give them to (rewritten atomically; its G and D stay)")
    args = parser.parse_args()
    try:
        carry_parts(load_generator(args.source), args.target, args.source.name)
    except ValueError as error:
        raise SystemExit(f"error: {error}") from None
    print(f"carried the reader and the refiner of {args.source} into {args.target}")


if __name__ == "__main__":
    main()
