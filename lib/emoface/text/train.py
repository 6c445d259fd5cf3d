"""Training and scoring the text classifiers (§4.1–4.2), the baseline, and their checkpoints.

As §4.1 says: Adam with β = (0.9, 0.999), categorical cross-entropy, batch 32, on GloVe-initialised
embeddings. The paper stops there; we add what makes the numbers trustworthy:

* a **validation split** carved from the training data (stratified), and **early stopping** on its
  macro-F1, keeping the best epoch's weights — the test set is never looked at while training;
* **macro-F1** and a **confusion matrix** beside accuracy: with seven balanced classes accuracy
  hides which emotions are confused (shame and guilt, mostly);
* a **TF-IDF + logistic-regression baseline**, so the neural numbers have a floor to beat.

Checkpoints are plain dictionaries of tensors, strings and numbers — the vocabulary and the label
set beside the weights, nothing pickled — written atomically and read with ``weights_only=True``.

Taught in ``03_text_lstm.ipynb``.
"""

from __future__ import annotations

import copy
import math
import random
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from ..atomic import atomic_write
from ..checkpoints import read_checkpoint
from .corpora import Corpus
from .glove import GloVe, embedding_matrix
from .models import CellKind, Pooling, TextClassifier
from .preprocess import PreprocessConfig, Vocabulary, tokenize

CHECKPOINT_FORMAT = "emoface-text/1"


@dataclass(frozen=True)
class TextTrainConfig:
    """The paper's optimiser and batch (§4.1) plus the sizes and stopping rule it leaves open."""

    kind: CellKind = "lstm"
    pooling: Pooling = "last"
    hidden: int = 128
    bidirectional: bool = True
    dropout: float = 0.3
    epochs: int = 30
    batch_size: int = 32
    lr: float = 1e-3
    betas: tuple[float, float] = (0.9, 0.999)
    val_fraction: float = 0.1
    patience: int = 4
    min_count: int = 1
    #: Weight the loss by inverse class frequency: for mixed corpora where some labels are rare.
    balance_classes: bool = False
    #: Keep GloVe's vectors as they are: a word outside the training vocabulary (given its GloVe vector
    #: by the classifier) then lives in the same space as the words the model learnt from.
    freeze_embeddings: bool = False
    seed: int = 0


@dataclass
class TextModel:
    """A trained classifier with everything needed to use it on new text."""

    model: TextClassifier
    vocab: Vocabulary
    labels: tuple[str, ...]
    config: TextTrainConfig
    preprocess: PreprocessConfig = field(default_factory=PreprocessConfig)
    history: list[dict] = field(default_factory=list)
    glove_coverage: float = 0.0


@dataclass(frozen=True)
class Scores:
    """Accuracy, macro-F1 and the confusion matrix (rows: true label, columns: predicted)."""

    accuracy: float
    macro_f1: float
    confusion: np.ndarray
    labels: tuple[str, ...]

    def per_class_f1(self) -> dict[str, float]:
        tp = np.diag(self.confusion).astype(float)
        precision = tp / np.maximum(self.confusion.sum(axis=0), 1)
        recall = tp / np.maximum(self.confusion.sum(axis=1), 1)
        f1 = np.where(precision + recall > 0, 2 * precision * recall / np.maximum(precision + recall, 1e-12), 0.0)
        return dict(zip(self.labels, f1.tolist()))


def score(true: Sequence[int], predicted: Sequence[int], labels: Sequence[str]) -> Scores:
    """Scores of predicted class ids against true ones."""
    confusion = np.zeros((len(labels), len(labels)), dtype=np.int64)
    np.add.at(confusion, (np.asarray(true), np.asarray(predicted)), 1)
    scores = Scores(float(np.trace(confusion) / max(1, confusion.sum())), 0.0, confusion, tuple(labels))
    present = confusion.sum(axis=1) > 0  # macro-F1 over the classes the data contains
    f1 = np.array(list(scores.per_class_f1().values()))
    return Scores(scores.accuracy, float(f1[present].mean()) if present.any() else 0.0, confusion, tuple(labels))


def pad_batch(ids: Sequence[Sequence[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    """Token-id lists → ``(B, T)`` int64 padded with 0, and the ``(B,)`` lengths (at least 1)."""
    lengths = torch.tensor([max(1, len(x)) for x in ids], dtype=torch.long)
    tokens = torch.zeros((len(ids), int(lengths.max()) if len(ids) else 1), dtype=torch.long)
    for row, x in enumerate(ids):
        tokens[row, : len(x)] = torch.tensor(x, dtype=torch.long)
    return tokens, lengths


def train_text_model(
    train: Corpus,
    glove: GloVe,
    config: TextTrainConfig = TextTrainConfig(),
    preprocess: PreprocessConfig = PreprocessConfig(),
    progress: bool = True,
    repeats: Sequence[int] | None = None,
) -> TextModel:
    """Train on ``train`` (its own validation split is carved out here) and return the best epoch.

    ``repeats`` (one count per text) shows a text that many times per epoch: weight for a corpus
    that is closer to what the model will read (the bundled posts beside ISEAR's recollections).
    The validation split is drawn before repeating, so no text is both fitted and validated on.
    """
    torch.manual_seed(config.seed)
    labels = train.label_set
    tokens = [tokenize(t, preprocess) for t in train.texts]
    y = [labels.index(label) for label in train.labels]
    if repeats is not None and (len(repeats) != len(y) or min(repeats, default=1) < 1):
        raise ValueError(f"repeats needs one count ≥ 1 per text: {len(repeats)} counts for {len(y)} texts")
    fit_idx, val_idx = _stratified_indices(y, config.val_fraction, config.seed)
    if repeats is not None:
        fit_idx = [i for i in fit_idx for _ in range(repeats[i])]
    vocab = Vocabulary.build((tokens[i] for i in fit_idx), min_count=config.min_count)
    matrix, coverage = embedding_matrix(vocab, glove, config.seed)
    model = TextClassifier(len(vocab), len(labels), config.kind, glove.dim, config.hidden,
                           bidirectional=config.bidirectional, dropout=config.dropout, pooling=config.pooling,
                           freeze_embeddings=config.freeze_embeddings)
    model.load_embeddings(matrix)
    ids = [vocab.encode(t) for t in tokens]
    optimiser = torch.optim.Adam(model.parameters(), lr=config.lr, betas=config.betas)
    weights = None
    if config.balance_classes:
        counts = torch.bincount(torch.tensor([y[i] for i in fit_idx]), minlength=len(labels)).float()
        weights = counts.sum() / (len(labels) * counts.clamp(min=1))  # w_c = N / (C · n_c)
    loss_fn = nn.CrossEntropyLoss(weight=weights)  # categorical cross-entropy over softmax outputs
    generator = torch.Generator().manual_seed(config.seed)
    best, best_f1, stale, history = copy.deepcopy(model.state_dict()), -1.0, 0, []
    epochs = tqdm(range(config.epochs), desc=f"{config.kind} epochs", disable=not progress)
    for epoch in epochs:
        model.train()
        order = [fit_idx[i] for i in torch.randperm(len(fit_idx), generator=generator).tolist()]
        total = 0.0
        for start in range(0, len(order), config.batch_size):
            batch = order[start : start + config.batch_size]
            tokens_b, lengths_b = pad_batch([ids[i] for i in batch])
            loss = loss_fn(model(tokens_b, lengths_b), torch.tensor([y[i] for i in batch]))
            optimiser.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            optimiser.step()
            total += loss.item() * len(batch)
        val = score([y[i] for i in val_idx], predict_ids(model, [ids[i] for i in val_idx]), labels)
        history.append({"epoch": epoch + 1, "train_loss": total / len(order), "val_accuracy": val.accuracy,
                        "val_macro_f1": val.macro_f1})
        epochs.set_postfix(loss=f"{total / len(order):.3f}", val_f1=f"{val.macro_f1:.3f}")
        if val.macro_f1 > best_f1:
            best, best_f1, stale = copy.deepcopy(model.state_dict()), val.macro_f1, 0
        else:
            stale += 1
            if stale >= config.patience:  # early stopping: no better epoch for `patience` epochs
                break
    model.load_state_dict(best)
    model.eval()
    return TextModel(model, vocab, tuple(labels), config, preprocess, history, coverage)


@torch.no_grad()
def predict_ids(model: TextClassifier, ids: Sequence[Sequence[int]], batch_size: int = 256) -> list[int]:
    """Class ids for already-encoded texts."""
    return probabilities(model, ids, batch_size).argmax(dim=1).tolist()


@torch.no_grad()
def probabilities(model: TextClassifier, ids: Sequence[Sequence[int]], batch_size: int = 256) -> torch.Tensor:
    """Softmax probabilities ``(N, C)`` for already-encoded texts."""
    was_training = model.training
    model.eval()
    out = []
    for start in range(0, len(ids), batch_size):
        tokens, lengths = pad_batch(ids[start : start + batch_size])
        out.append(torch.softmax(model(tokens, lengths), dim=1))
    model.train(was_training)
    return torch.cat(out) if out else torch.zeros((0, model.head.out_features))


def evaluate(trained: TextModel, corpus: Corpus) -> Scores:
    """Scores of a trained model on a corpus with the same label set."""
    ids = [trained.vocab.encode(tokenize(t, trained.preprocess)) for t in corpus.texts]
    true = [trained.labels.index(label) for label in corpus.labels]
    return score(true, predict_ids(trained.model, ids), trained.labels)


def save_text_model(path: str | Path, trained: TextModel, extra: dict | None = None) -> Path:
    """Write the model, its vocabulary, labels and settings atomically (no pickled objects)."""
    payload = {
        "format": CHECKPOINT_FORMAT,
        "state_dict": trained.model.state_dict(),
        "vocab": trained.vocab.tokens,
        "labels": list(trained.labels),
        "config": _plain(asdict(trained.config)),
        "preprocess": _plain(asdict(trained.preprocess)),
        "glove_coverage": trained.glove_coverage,
        "history": trained.history,
        "extra": extra or {},
    }
    return atomic_write(path, lambda handle: torch.save(payload, handle))


def load_text_model(path: str | Path) -> tuple[TextModel, dict]:
    """Read a checkpoint written by :func:`save_text_model`; returns the model and its ``extra``."""
    payload = read_checkpoint(path, CHECKPOINT_FORMAT, "text model")
    config = TextTrainConfig(**{**payload["config"], "betas": tuple(payload["config"]["betas"])})
    vocab = Vocabulary(payload["vocab"])
    labels = tuple(payload["labels"])
    model = TextClassifier(len(vocab), len(labels), config.kind, payload["state_dict"]["embedding.weight"].shape[1],
                           config.hidden, bidirectional=config.bidirectional, dropout=config.dropout,
                           pooling=config.pooling)
    model.load_state_dict(payload["state_dict"])
    model.eval()
    trained = TextModel(model, vocab, labels, config, PreprocessConfig(**payload["preprocess"]), payload["history"],
                        payload["glove_coverage"])
    return trained, payload["extra"]


class TfidfLogisticRegression:
    """The floor for Table 2: TF-IDF over the training vocabulary, then multinomial logistic regression."""

    def __init__(self, l2: float = 1e-4, steps: int = 300, min_count: int = 2,
                 preprocess: PreprocessConfig = PreprocessConfig()) -> None:
        self.l2, self.steps, self.min_count, self.preprocess = l2, steps, min_count, preprocess

    def fit(self, corpus: Corpus) -> "TfidfLogisticRegression":
        self.labels = corpus.label_set
        tokens = [tokenize(t, self.preprocess) for t in corpus.texts]
        self.vocab = Vocabulary.build(tokens, min_count=self.min_count)
        counts = self._counts(tokens)
        document_frequency = (counts > 0).sum(axis=0)
        # idf(w) = log((1 + N) / (1 + df(w))) + 1, the smoothed form; rows are then L2-normalised.
        self.idf = np.log((1 + len(tokens)) / (1 + document_frequency)) + 1
        x = torch.from_numpy(self._tfidf(counts))
        y = torch.tensor([self.labels.index(label) for label in corpus.labels])
        self.weight = torch.zeros((x.shape[1], len(self.labels)), requires_grad=True)
        self.bias = torch.zeros(len(self.labels), requires_grad=True)
        optimiser = torch.optim.LBFGS([self.weight, self.bias], max_iter=self.steps, line_search_fn="strong_wolfe")

        def closure():
            optimiser.zero_grad()
            loss = nn.functional.cross_entropy(x @ self.weight + self.bias, y) + self.l2 * self.weight.pow(2).sum()
            loss.backward()
            return loss

        optimiser.step(closure)
        return self

    def predict(self, texts: Sequence[str]) -> list[int]:
        x = torch.from_numpy(self._tfidf(self._counts([tokenize(t, self.preprocess) for t in texts])))
        with torch.no_grad():
            return (x @ self.weight + self.bias).argmax(dim=1).tolist()

    def evaluate(self, corpus: Corpus) -> Scores:
        return score([self.labels.index(label) for label in corpus.labels], self.predict(corpus.texts), self.labels)

    def _counts(self, tokens: Sequence[Sequence[str]]) -> np.ndarray:
        counts = np.zeros((len(tokens), len(self.vocab)), dtype=np.float32)
        for row, words in enumerate(tokens):
            for index in self.vocab.encode(words):
                counts[row, index] += 1
        counts[:, :2] = 0  # padding and unknown words carry no information here
        return counts

    def _tfidf(self, counts: np.ndarray) -> np.ndarray:
        x = counts * self.idf.astype(np.float32)
        return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-8)


def _stratified_indices(y: Sequence[int], fraction: float, seed: int) -> tuple[list[int], list[int]]:
    by_class: dict[int, list[int]] = {}
    for i, label in enumerate(y):
        by_class.setdefault(label, []).append(i)
    rng = random.Random(seed)
    held: list[int] = []
    for indices in by_class.values():
        rng.shuffle(indices)
        held += indices[: max(1, math.floor(len(indices) * fraction))] if len(indices) > 1 else []
    held_set = set(held)
    return [i for i in range(len(y)) if i not in held_set], sorted(held)


def _plain(value):
    """Tuples to lists, recursively, so a checkpoint holds only types ``weights_only`` accepts."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
