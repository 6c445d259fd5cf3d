"""Make a generator file read photos with another file's expression reader (the edits are unchanged).

    .venv/bin/python scripts/keep_reader.py runs/chain/ship.pt --from lib/emoface/assets/stargan_demo.pt

The shipped file's chain ends with a label-smoothed D, whose sharp predecessor read 125 of 139
held-out scene faces; the file before it read 135, so the shipped file keeps that reader (docs/stargan.md).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from emoface.stargan.generator_file import keep_reader_of


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("generator", type=Path, help="the generator file to rewrite (atomically)")
    parser.add_argument("--from", dest="source", type=Path, required=True,
                        help="the generator file whose reader (else sharply trained D) to keep")
    args = parser.parse_args()
    try:
        keep_reader_of(args.generator, args.source)
    except ValueError as error:
        raise SystemExit(f"error: {error}") from None
    print(f"{args.generator} now reads photos with {args.source.name}'s reader")


if __name__ == "__main__":
    main()
