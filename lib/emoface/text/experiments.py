"""Table 2, regenerated: RNN vs LSTM vs a TF-IDF baseline, over several seeds, on a fixed split.

The paper's Table 2 reports one train and one test accuracy per model (RNN 44 / 33 %, LSTM
71 / 59 %) with no split, seed or spread. :func:`table2` trains each model once per seed on a
fixed, stratified, de-duplicated split and reports mean ± standard deviation of train and test
accuracy and macro-F1. The split is fixed (``split_seed``) so that seeds vary only the training.

Training three seeds of two networks takes minutes on a CPU and gives the same numbers every time,
so the demo lesson reads them from a stored run (:func:`stored_or_computed`: load-or-compute). A
stored table is used only when its **fingerprint** — the corpus's texts, labels and split, the
seeds, the training config, the models and the split settings — equals the one asked for; otherwise
the table is computed. ``scripts/make_table2.py`` writes ``assets/table2_bundled.json``.

Taught in ``03_text_lstm.ipynb``; ``scripts/make_text_model.py`` writes the numbers in docs/text.md.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import statistics
import time
from dataclasses import replace
from importlib.resources import files
from pathlib import Path
from typing import Sequence

import numpy as np

from .corpora import Corpus, stratified_split
from .glove import GloVe
from .train import TextTrainConfig, TfidfLogisticRegression, evaluate, train_text_model

MODELS = ("rnn", "lstm", "tfidf")


def table2(
    corpus: Corpus,
    glove: GloVe,
    seeds: Sequence[int] = (0, 1, 2),
    config: TextTrainConfig = TextTrainConfig(),
    models: Sequence[str] = MODELS,
    test_fraction: float = 0.2,
    split_seed: int = 0,
    progress: bool = True,
) -> list[dict]:
    """One row per model: mean and std over ``seeds`` of train/test accuracy and macro-F1, and time."""
    if corpus.splits:
        train, test = corpus.subset("train"), corpus.subset("test")
    else:
        train, test = stratified_split(corpus, test_fraction, split_seed)
    rows = []
    for model in models:
        runs = []
        for seed in seeds if model != "tfidf" else seeds[:1]:  # the baseline is deterministic
            start = time.perf_counter()
            if model == "tfidf":
                fitted = TfidfLogisticRegression().fit(train)
                train_scores, test_scores, epochs = fitted.evaluate(train), fitted.evaluate(test), 0
            elif model in ("rnn", "lstm"):
                trained = train_text_model(train, glove, replace(config, kind=model, seed=seed), progress=progress)
                train_scores, test_scores, epochs = evaluate(trained, train), evaluate(trained, test), len(trained.history)
            else:
                raise ValueError(f"unknown model {model!r}; choose from {', '.join(MODELS)}")
            runs.append({"train_acc": train_scores.accuracy, "test_acc": test_scores.accuracy,
                         "train_f1": train_scores.macro_f1, "test_f1": test_scores.macro_f1,
                         "epochs": epochs, "seconds": time.perf_counter() - start, "confusion": test_scores.confusion})
        rows.append(_summarise(model, corpus.name, runs, len(train), len(test)))
    return rows


def _summarise(model: str, data: str, runs: list[dict], n_train: int, n_test: int) -> dict:
    row = {"model": model, "data": data, "runs": len(runs), "n_train": n_train, "n_test": n_test}
    for key in ("train_acc", "test_acc", "train_f1", "test_f1", "epochs", "seconds"):
        values = [r[key] for r in runs]
        row[key] = statistics.mean(values)
        row[key + "_std"] = statistics.stdev(values) if len(values) > 1 else 0.0
    row["confusion"] = sum(r["confusion"] for r in runs)
    return row


def markdown(rows: list[dict]) -> str:
    """Rows of :func:`table2` as the Markdown table of docs/text.md (percentages, mean ± std)."""
    def pct(row: dict, key: str) -> str:
        return f"{100 * row[key]:.1f} ± {100 * row[key + '_std']:.1f}"

    lines = ["| model | data | seeds | train acc. % | test acc. % | train macro-F1 % | test macro-F1 % | epochs | s / run |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['model']} | {r['data']} | {r['runs']} | {pct(r, 'train_acc')} | {pct(r, 'test_acc')} | "
                     f"{pct(r, 'train_f1')} | {pct(r, 'test_f1')} | {r['epochs']:.0f} | {r['seconds']:.0f} |")
    return "\n".join(lines)


def lesson_settings(profile: str) -> tuple[tuple[int, ...], TextTrainConfig]:
    """The seeds and the training config lesson 03 runs Table 2 with in ``profile``."""
    if profile == "smoke":
        return (0,), TextTrainConfig(hidden=32, epochs=2)
    if profile in ("demo", "full"):
        return (0, 1, 2), TextTrainConfig(dropout=0.5)
    raise ValueError(f"profile must be 'smoke', 'demo' or 'full', not {profile!r}")


#: The demo lesson's Table 2 on the bundled posts, written by ``scripts/make_table2.py``.
STORED_TABLE2 = files("emoface") / "assets" / "table2_bundled.json"


def fingerprint(corpus: Corpus, seeds: Sequence[int], config: TextTrainConfig, models: Sequence[str] = MODELS,
                test_fraction: float = 0.2, split_seed: int = 0) -> str:
    """SHA-256 of everything that decides :func:`table2`'s numbers (GloVe is the shipped one)."""
    what = {"texts": corpus.texts, "labels": corpus.labels, "label_set": corpus.label_set, "splits": corpus.splits,
            "seeds": list(seeds), "config": dataclasses.asdict(config), "models": list(models),
            "test_fraction": test_fraction, "split_seed": split_seed}
    return hashlib.sha256(json.dumps(what, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def save_table(rows: list[dict], path: str | Path, key: str, **about) -> None:
    """Write :func:`table2`'s rows as JSON with their fingerprint and a note of how they were made."""
    from ..atomic import atomic_write_text

    plain = [{k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in row.items()} for row in rows]
    atomic_write_text(Path(path), json.dumps({"fingerprint": key, **about, "rows": plain}, indent=1) + "\n")


def load_table(path, key: str) -> list[dict] | None:
    """The stored rows if ``path`` holds a table with this fingerprint, else None."""
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    if stored.get("fingerprint") != key:
        return None
    return [{**row, "confusion": np.asarray(row["confusion"], dtype=np.int64)} for row in stored["rows"]]


def stored_or_computed(corpus: Corpus, glove: GloVe, seeds: Sequence[int] = (0, 1, 2),
                       config: TextTrainConfig = TextTrainConfig(), models: Sequence[str] = MODELS,
                       stored=STORED_TABLE2, progress: bool = True) -> tuple[list[dict], bool]:
    """``(rows, was_stored)``: the stored Table 2 when it was made from exactly these inputs, else a new one."""
    rows = load_table(stored, fingerprint(corpus, seeds, config, models))
    if rows is not None:
        return rows, True
    return table2(corpus, glove, seeds=seeds, config=config, models=models, progress=progress), False
