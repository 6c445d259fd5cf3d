"""The emotion of a post, for the pipeline, the CLI and the blog: the paper's emotion extraction (§3.1).

:class:`EmotionClassifier` wraps a trained :class:`~emoface.text.train.TextModel` with what real
input needs:

* **every word read as itself.** A word of the training vocabulary has the model's own (trained)
  vector; any other word GloVe knows — GloVe has 400,000 — gets its frozen GloVe vector, so "gross",
  "snowing" or "scariest" reach the LSTM as themselves. (The paper's idea, replacing an unknown word
  by its nearest known neighbour, turned "gross" into "increase" and "scariest" into "saddest";
  lesson 03 shows it.) Only what GloVe does not know is ``<unk>``;
* **posts as people write them**: emoticons, internet forms and negation (:mod:`emoface.text.informal`)
  and spelling corrected only for words GloVe does not know (:mod:`emoface.text.spelling`), whatever
  preprocessing the model was trained with;
* **the face from the faces' probability**: several text emotions draw the same face (sadness,
  shame and guilt the sad one), so the face with the largest total probability is chosen, and the
  emotion reported is that face's likeliest text emotion (``top_emotion`` stays the raw argmax);
* **honest when it cannot read**: a post that is not English, or whose words the model mostly does
  not know (:mod:`emoface.text.language`), and a post whose likeliest face has less than
  ``min_confidence`` probability, come back ``confident: False`` with the emotion ``neutral`` and a
  ``message`` saying why. A wrong strong expression on someone's profile photo is worse than an
  unchanged one; the raw prediction stays in ``top_emotion`` and ``probabilities``;
* empty or white-space-only text raises :class:`EmptyTextError`; a 1 MB post is read only as far
  as the model's token limit.

The shipped model (``assets/text_model.pt``) was trained on ISEAR plus the bundled posts; its
scores are in docs/text.md and in the checkpoint's ``extra``.

Taught in ``03_text_lstm.ipynb``; used by the CLI's ``classify``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from importlib.resources import files
from pathlib import Path

import torch

from ..labels import TEXT_TO_FACE
from .glove import GloVe, shipped_glove
from .language import unreadable
from .preprocess import PreprocessConfig, tokenize
from .train import TextModel, load_text_model, pad_batch

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
    #: Why the post could not be read (another language, too few known words), or "" when it could.
    message: str = ""

    @property
    def probability(self) -> float:
        return self.probabilities[self.top_emotion]

    def as_dict(self) -> dict:
        return {"emotion": self.emotion, "expression": self.expression, "probabilities": self.probabilities,
                "confident": self.confident, "top_emotion": self.top_emotion, "message": self.message}


class EmotionClassifier:
    """Text → :class:`EmotionPrediction`. One instance serves many calls (and threads)."""

    def __init__(self, trained: TextModel, glove: GloVe | None = None,
                 min_confidence: float = DEFAULT_MIN_CONFIDENCE, info: dict | None = None) -> None:
        self.trained = trained
        self.labels = trained.labels
        self.min_confidence = min_confidence
        self.glove = glove or shipped_glove()
        self.preprocess = reading_config(trained.preprocess)
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
        tokens = [tokenize(t, self.preprocess) for t in texts]
        with torch.no_grad():
            probs = self._probabilities(tokens)
        return [self._prediction(p, text, t) for p, text, t in zip(probs.tolist(), texts, tokens)]

    def _probabilities(self, token_lists: list[list[str]], batch_size: int = 256) -> torch.Tensor:
        """Softmax (N, C): vocabulary words by the model's vectors, other GloVe words by their own."""
        model = self.trained.model
        model.eval()
        out = []
        for start in range(0, len(token_lists), batch_size):
            batch = token_lists[start : start + batch_size]
            ids, lengths = pad_batch([self.trained.vocab.encode(tokens) for tokens in batch])
            embedded = model.embedding(ids)  # (B, T, E)
            for row, tokens in enumerate(batch):
                for column, token in enumerate(tokens):
                    if ids[row, column] == 1 and token in self.glove:  # <unk> to the model, a word to GloVe
                        embedded[row, column] = torch.from_numpy(self.glove.vector(token))
            out.append(torch.softmax(model.forward_embedded(embedded, lengths), dim=1))
        return torch.cat(out) if out else torch.zeros((0, model.head.out_features))

    def _prediction(self, probs: list[float], text: str, tokens: list[str]) -> EmotionPrediction:
        table = {label: round(float(p), 4) for label, p in zip(self.labels, probs)}
        top = max(table, key=table.get)
        # The face is chosen from the faces' total probability: sadness, shame and guilt all draw the
        # sad face, so their mass counts together (0.3 + 0.25 + 0.2 beats anger's 0.35); the emotion
        # reported is the likeliest text emotion of that face.
        faces: dict[str, float] = {}
        for label, p in table.items():
            faces[TEXT_TO_FACE[label]] = faces.get(TEXT_TO_FACE[label], 0.0) + p
        face = max(faces, key=faces.get)
        why = unreadable(text, tokens, [t in self.trained.vocab or t in self.glove for t in tokens])
        confident = why is None and faces[face] >= self.min_confidence
        emotion = max((label for label in table if TEXT_TO_FACE[label] == face), key=table.get)
        if not confident and "neutral" in self.labels:
            emotion = "neutral"
        return EmotionPrediction(emotion, TEXT_TO_FACE[emotion], table, confident, top, tokens, why or "")


def reading_config(trained_with: PreprocessConfig) -> PreprocessConfig:
    """How the classifier reads a post: the model's own preprocessing, with spelling corrected only for
    words GloVe does not know, and emoticons, internet forms and negation understood."""
    return replace(trained_with, speller="glove", informal=True, negation=True)


def face_hits(classifier: EmotionClassifier, corpus) -> dict[str, tuple[int, int]]:
    """Per face expression of ``corpus`` (a :class:`~emoface.text.corpora.Corpus` labelled with faces, such
    as :func:`~emoface.text.corpora.load_face_posts`): (posts whose chosen face is right, posts)."""
    predictions = classifier.predict_many(list(corpus.texts))
    hits = {face: [0, 0] for face in corpus.label_set}
    for expected, prediction in zip(corpus.labels, predictions):
        hits[expected][0] += prediction.expression == expected
        hits[expected][1] += 1
    return {face: (right, total) for face, (right, total) in hits.items()}
