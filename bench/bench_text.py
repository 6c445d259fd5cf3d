"""How fast the text half is on this machine: prints a Markdown table.

    .venv/bin/python bench/bench_text.py

Posts classified per second by the shipped model (one at a time, as the blog does, and in batches
of 256), the cost of preprocessing alone, and the training time per epoch of the RNN and the LSTM of
Table 2 on the bundled posts' training split (1,152 posts, batch 32). Medians of a few repeats.
"""

from __future__ import annotations

import platform
import statistics
import time

import torch

from emoface.text.classify import EmotionClassifier
from emoface.text.corpora import load_bundled
from emoface.text.glove import shipped_glove
from emoface.text.preprocess import tokenize
from emoface.text.train import TextTrainConfig, train_text_model


def median_seconds(fn, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    posts = load_bundled()
    texts = list(posts.texts[:256])
    classifier = EmotionClassifier.load()
    classifier.predict_many(texts)  # warm caches (spell checker, GloVe neighbours)
    rows = [
        ("preprocess only", len(texts) / median_seconds(lambda: [tokenize(t) for t in texts]), "posts/s"),
        ("classify, one post per call", len(texts) / median_seconds(lambda: [classifier.predict(t) for t in texts]), "posts/s"),
        ("classify, batches of 256", len(texts) / median_seconds(lambda: classifier.predict_many(texts)), "posts/s"),
    ]
    glove, train = shipped_glove(), posts.subset("train")
    for kind in ("rnn", "lstm"):
        config = TextTrainConfig(kind=kind, dropout=0.5, epochs=2, patience=5)
        seconds = median_seconds(lambda: train_text_model(train, glove, config, progress=False), repeats=1)
        rows.append((f"{kind} training, per epoch ({len(train)} posts; 2 epochs with set-up)", seconds / config.epochs, "s/epoch"))
    print(f"emoface text bench — {platform.machine()}, {torch.get_num_threads()} torch threads, torch {torch.__version__}\n")
    print("| step | speed | unit |\n|---|---:|---|")
    for name, value, unit in rows:
        print(f"| {name} | {value:,.1f} | {unit} |")


if __name__ == "__main__":
    main()
