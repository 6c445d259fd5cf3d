"""Write the stored Table 2 that lesson 03 shows in the `demo` profile (load-or-compute).

    OMP_NUM_THREADS=1 .venv/bin/python scripts/make_table2.py      # a few minutes on an idle CPU

Trains the RNN and the LSTM with the lesson's demo seeds and config (``experiments.lesson_settings``)
on the bundled posts' fixed split, plus the TF-IDF baseline, exactly as the lesson's cell would, and
writes ``lib/emoface/assets/table2_bundled.json`` with the fingerprint of those inputs. Run it again
whenever the bundled posts change: ``tests/test_table2_stored.py`` fails until it is.
"""

from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path

import torch

from emoface.text.corpora import load_bundled
from emoface.text.experiments import MODELS, fingerprint, lesson_settings, markdown, save_table, table2
from emoface.text.glove import shipped_glove

OUT = Path(__file__).resolve().parents[1] / "lib" / "emoface" / "assets" / "table2_bundled.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (the numbers depend a little on it)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    seeds, config = lesson_settings("demo")
    posts = load_bundled()
    start = time.perf_counter()
    rows = table2(posts, shipped_glove(), seeds=seeds, config=config)
    minutes = (time.perf_counter() - start) / 60
    save_table(rows, args.out, fingerprint(posts, seeds, config, MODELS), seeds=list(seeds), corpus=posts.name,
               n_posts=len(posts), made_by="scripts/make_table2.py", made_on=time.strftime("%Y-%m-%d"),
               torch=torch.__version__, torch_threads=args.threads, python=platform.python_version(),
               minutes=round(minutes, 1))
    print(markdown(rows))
    print(f"{minutes:.1f} min; written to {args.out}")


if __name__ == "__main__":
    main()
