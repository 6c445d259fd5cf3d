"""What one `emoface classify` costs from a cold start, against `import torch` alone, in one run.

    .venv/bin/python bench/bench_text_cold.py [--repeats 5]

A user typing `emoface classify "…"` pays for a new Python process: importing PyTorch, loading GloVe
and the model, reading the post. Nothing here can beat `import torch`, so the figure that matters is
the ratio (the issue's target: at most ~1.6×), measured alternately in the same run so that the
machine's load affects both alike. Also: posts per second with one thread and with PyTorch's
default, on the bundled posts, one at a time as the blog classifies them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

POST = "I can't believe they cancelled my flight again, third time this month"


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def throughput(threads: int | None, posts: list[str]) -> float:
    import torch

    from emoface.text.classify import EmotionClassifier

    if threads is not None:
        torch.set_num_threads(threads)
    classifier = EmotionClassifier.load()
    classifier.predict(posts[0])
    start = time.perf_counter()
    for post in posts:
        classifier.predict(post)
    return len(posts) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    emoface = str(Path(sys.executable).with_name("emoface"))
    torch_only, classify = [], []
    for _ in range(args.repeats):  # alternate, so both see the same load
        torch_only.append(timed([sys.executable, "-c", "import torch"]))
        classify.append(timed([emoface, "classify", POST]))
    t, c = statistics.median(torch_only), statistics.median(classify)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"# Cold start — {os.cpu_count()} CPUs, load {load:.1f}, {args.repeats} runs each, medians\n")
    print("| command | seconds |\n|---|---:|")
    print(f"| python -c 'import torch' | {t:.2f} |")
    print(f"| emoface classify \"…\" | {c:.2f} |")
    print(f"\nratio: {c / t:.2f}× import torch (target ≤ 1.6×)\n")
    from emoface.text.corpora import load_bundled

    posts = list(load_bundled().texts[:300])
    default_threads = throughput(None, posts)
    one_thread = throughput(1, posts)
    print("| threads | posts/s, one at a time |\n|---|---:|")
    print(f"| PyTorch default ({os.cpu_count()} CPUs) | {default_threads:.0f} |")
    print(f"| 1 (the CLI's default) | {one_thread:.0f} |")


if __name__ == "__main__":
    main()
