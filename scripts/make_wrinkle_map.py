"""Draw the wrinkle map the StarGAN engine erases an old expression's wrinkles by, from SynthFaces training people.

    .venv/bin/python scripts/make_wrinkle_map.py                       # the shipped map (people 0-199, ~30 s)
    .venv/bin/python scripts/make_wrinkle_map.py --people 50 --out /tmp/map.npz

For each expression, the share of the people whose 64² crop has a wrinkle (forehead lines, the nose bridge's,
crow's feet) at each pixel, and apart the share with a nose-to-mouth fold and with the deep wrinkles, a sneer's
bridge lines (:mod:`emoface.faces.wrinkles`).
The people are training identities (0 onward), never the held-out ones the edits are graded on.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from emoface.faces.wrinkles import draw_wrinkle_map, save_wrinkle_map, shipped_wrinkle_map_path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=200, help="training people 0 … N-1")
    parser.add_argument("--size", type=int, default=64, help="the map's side (the generator's crop)")
    parser.add_argument("--out", type=Path, default=shipped_wrinkle_map_path(), help="where to write it (.npz)")
    args = parser.parse_args()
    if args.people < 1:
        parser.error(f"--people must be at least 1, not {args.people}")
    wrinkle_map = draw_wrinkle_map(range(args.people), args.size)
    save_wrinkle_map(args.out, wrinkle_map)
    peaks = ", ".join(f"{name} {wrinkles:.2f}/{folds:.2f}/{deep:.2f}" for name, wrinkles, folds, deep in
                      zip(wrinkle_map.classes, *(shares.max((1, 2)) for shares in
                                                 (wrinkle_map.wrinkles, wrinkle_map.folds, wrinkle_map.deep))))
    print(f"wrote {args.out}: {args.people} people at {args.size}²; "
          f"peak share of wrinkles/folds/deep wrinkles per expression: {peaks}")


if __name__ == "__main__":
    main()
