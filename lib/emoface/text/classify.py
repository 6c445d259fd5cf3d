"""The emotion of a post, for the pipeline, the CLI and the blog: the paper's emotion extraction (§3.1).

:class:`EmotionClassifier` wraps a trained :class:`~emoface.text.train.TextModel` with what real
input needs:

* unknown words are replaced by their nearest GloVe neighbour that the model knows (§4.1);
* **low confidence → neutral**: when the most likely emotion has less than ``min_confidence``
  probability, or the post has no word the model knows (emoji-free punctuation, another language),
  the emotion reported is ``neutral`` and ``confident`` is ``False``. A wrong strong expression on
  someone's profile photo is worse than an unchanged one; the raw prediction is kept in
  ``top_emotion`` and ``probabilities`` for whoever wants it;
* empty or white-space-only text raises :class:`EmptyTextError`; a 1 MB post is read only as far
  as the model's token limit.

The shipped model (``assets/text_model.pt``) was trained on ISEAR plus the bundled posts; its
scores are in the README and in the checkpoint's ``extra``.

Taught in ``03_text_lstm.ipynb``; used by the CLI's ``classify``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

import torch

from ..labels import TEXT_TO_FACE
from .glove import GloVe, UnknownWordMapper, shipped_glove
from .preprocess import tokenize
from .train import TextModel, load_text_model, probabilities

DEFAULT_MIN_CONFIDENCE = 0.35


def shipped_model_path() -> Path:
    """The text model that ships with emoface."""
    return Path(str(files("emoface") / "assets" / "text_model.pt"))


class EmptyTextError(ValueError):
    """The post has no text at all."""


@dataclass(frozen=True)
class EmotionPrediction:
    """What a post's text says, and the face expression it asks for."""

    emotion: str
    expression: str
    probabilities: dict[str, float]
    confident: bool
    top_emotion: str
    tokens: list[str] = field(default_factory=list)

    @property
    def probability(self) -> float:
        return self.probabilities[self.top_emotion]

    def as_dict(self) -> dict:
        return {"emotion": self.emotion, "expression": self.expression, "probabilities": self.probabilities,
                "confident": self.confident, "top_emotion": self.top_emotion}


class EmotionClassifier:
    """Text → :class:`EmotionPrediction`. One instance serves many calls (and threads)."""

    def __init__(self, trained: TextModel, glove: GloVe | None = None,
                 min_confidence: float = DEFAULT_MIN_CONFIDENCE, info: dict | None = None) -> None:
        self.trained = trained
        self.labels = trained.labels
        self.min_confidence = min_confidence
        self.mapper = UnknownWordMapper(trained.vocab, glove or shipped_glove())
        self.info = info or {}

    @classmethod
    def load(cls, path: str | Path | None = None, min_confidence: float = DEFAULT_MIN_CONFIDENCE) -> "EmotionClassifier":
        """The shipped model, or the checkpoint at ``path``."""
        trained, info = load_text_model(path or shipped_model_path())
        return cls(trained, min_confidence=min_confidence, info=info)

    def predict(self, text: str) -> EmotionPrediction:
        return self.predict_many([text])[0]

    def predict_many(self, texts: list[str]) -> list[EmotionPrediction]:
        for text in texts:
            if not isinstance(text, str):
                raise TypeError(f"expected text, got {type(text).__name__}")
            if not text.strip():
                raise EmptyTextError("the post is empty; write some text to classify")
        tokens = [self.mapper.map_tokens(tokenize(t, self.trained.preprocess)) for t in texts]
        ids = [self.trained.vocab.encode(t) for t in tokens]
        with torch.no_grad():
            probs = probabilities(self.trained.model, ids)
        return [self._prediction(p, t, i) for p, t, i in zip(probs.tolist(), tokens, ids)]

    def _prediction(self, probs: list[float], tokens: list[str], ids: list[int]) -> EmotionPrediction:
        table = {label: round(float(p), 4) for label, p in zip(self.labels, probs)}
        top = max(table, key=table.get)
        knows_a_word = any(i > 1 for i in ids)
        confident = knows_a_word and table[top] >= self.min_confidence
        emotion = top if confident or "neutral" not in self.labels else "neutral"
        return EmotionPrediction(emotion, TEXT_TO_FACE[emotion], table, confident, top, tokens)
