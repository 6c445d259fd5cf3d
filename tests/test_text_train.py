"""Training, scoring, checkpoints and the classifier, on a slice of the bundled posts (seconds)."""

import numpy as np
import pytest
import torch

from emoface.labels import TEXT_EMOTIONS
from emoface.text.classify import EmotionClassifier, EmptyTextError
from emoface.text.corpora import Corpus, load_bundled
from emoface.text.glove import shipped_glove
from emoface.text.models import TextClassifier
from emoface.text.train import (
    TextTrainConfig,
    TfidfLogisticRegression,
    evaluate,
    load_text_model,
    pad_batch,
    save_text_model,
    score,
    train_text_model,
)


@pytest.fixture(scope="module")
def posts():
    return load_bundled()


@pytest.fixture(scope="module")
def tiny_model(posts):
    train = posts.subset("train")
    config = TextTrainConfig(kind="lstm", hidden=32, epochs=3, patience=3, balance_classes=True)  # surprise, joy, anger have more
    return train_text_model(train, shipped_glove(), config, progress=False)


def test_scores_by_hand():
    s = score([0, 0, 1, 1], [0, 1, 1, 1], ["a", "b"])
    assert s.accuracy == 0.75 and s.confusion.tolist() == [[1, 1], [0, 2]]
    # F1(a) = 2·1·0.5/1.5 = 0.667, F1(b) = 2·(2/3)·1/(5/3) = 0.8
    assert s.macro_f1 == pytest.approx((2 / 3 + 0.8) / 2)


def test_pad_batch():
    tokens, lengths = pad_batch([[5, 6, 7], [8], []])
    assert tokens.tolist() == [[5, 6, 7], [8, 0, 0], [0, 0, 0]] and lengths.tolist() == [3, 1, 1]


@pytest.mark.parametrize("kind, pooling", [("rnn", "last"), ("lstm", "last"), ("lstm", "mean_max")])
def test_rnn_and_lstm_have_the_same_interface(kind, pooling):
    model = TextClassifier(vocab_size=20, n_classes=9, kind=kind, embed_dim=8, hidden=6, pooling=pooling)
    tokens, lengths = pad_batch([[2, 3, 4], [5]])
    assert model(tokens, lengths).shape == (2, 9)
    # Padding must not change the result: packed sequences never show it to the cell.
    model.eval()
    alone = model(*pad_batch([[5]]))
    assert torch.allclose(model(tokens, lengths)[1], alone[0], atol=1e-6)
    with pytest.raises(ValueError):
        TextClassifier(20, 9, kind="gru")  # type: ignore[arg-type]


def test_training_learns_and_stops_early(tiny_model, posts):
    assert 1 <= len(tiny_model.history) <= 3
    assert tiny_model.glove_coverage > 0.9
    test = evaluate(tiny_model, posts.subset("test"))
    assert test.accuracy > 2 / 9  # well above chance (1/9) after three small epochs
    assert test.confusion.sum() == len(posts.subset("test"))


def test_baseline_beats_chance(posts):
    baseline = TfidfLogisticRegression().fit(posts.subset("train"))
    assert baseline.evaluate(posts.subset("test")).accuracy > 0.3


def test_checkpoint_round_trip_is_exact(tiny_model, tmp_path, posts):
    path = save_text_model(tmp_path / "m.pt", tiny_model, extra={"note": "test"})
    loaded, extra = load_text_model(path)
    assert extra == {"note": "test"} and loaded.vocab.tokens == tiny_model.vocab.tokens
    assert loaded.labels == tiny_model.labels == TEXT_EMOTIONS
    sample = Corpus("s", posts.texts[:40], posts.labels[:40], posts.label_set)
    assert np.array_equal(evaluate(loaded, sample).confusion, evaluate(tiny_model, sample).confusion)
    # weights_only loading: the file holds tensors, strings and numbers, nothing pickled.
    assert isinstance(torch.load(path, weights_only=True)["vocab"], list)


def test_wrong_checkpoints_are_refused(tmp_path):
    torch.save({"main.0.weight": torch.zeros(1)}, tmp_path / "gan.pt")
    with pytest.raises(ValueError, match="not an emoface text model"):
        load_text_model(tmp_path / "gan.pt")
    (tmp_path / "junk.pt").write_bytes(b"junk")
    with pytest.raises(ValueError, match="not a readable PyTorch checkpoint"):
        load_text_model(tmp_path / "junk.pt")
    with pytest.raises(FileNotFoundError):
        load_text_model(tmp_path / "absent.pt")


def test_classifier_answers_and_falls_back_to_neutral(tiny_model):
    classifier = EmotionClassifier(tiny_model, min_confidence=0.35)
    prediction = classifier.predict("My sister surprised me with a puppy and I cried with happiness!")
    assert set(prediction.probabilities) == set(TEXT_EMOTIONS)
    assert sum(prediction.probabilities.values()) == pytest.approx(1.0, abs=1e-3)
    assert prediction.expression  # every emotion has a face
    gibberish = classifier.predict("!!! ??? ...")
    assert not gibberish.confident and gibberish.emotion == "neutral" and gibberish.expression == "neutral"
    assert classifier.predict("x " * 500_000).emotion in TEXT_EMOTIONS  # a 1 MB post
    assert classifier.predict("😡😡").tokens == ["angry", "angry"]  # emoji-only posts are read as words
    foreign = classifier.predict("Aujourd'hui je suis allé au marché avec ma grand-mère")
    assert foreign.emotion in TEXT_EMOTIONS and foreign.expression
    strict = EmotionClassifier(tiny_model, min_confidence=1.01)
    assert strict.predict("I love this").emotion == "neutral"
    for empty in ("", "   \n\t"):
        with pytest.raises(EmptyTextError, match="empty"):
            classifier.predict(empty)


def test_repeats_weight_texts_and_are_checked(posts):
    small = Corpus("small", posts.texts[:90], posts.labels[:90], posts.label_set)
    config = TextTrainConfig(kind="lstm", hidden=8, epochs=1, patience=1)
    glove = shipped_glove()
    plain = train_text_model(small, glove, config, progress=False)
    ones = train_text_model(small, glove, config, progress=False, repeats=[1] * 90)
    assert all(torch.equal(a, b) for a, b in zip(plain.model.state_dict().values(), ones.model.state_dict().values()))
    tripled = train_text_model(small, glove, config, progress=False, repeats=[3] * 45 + [1] * 45)
    assert tripled.history[0]["train_loss"] != plain.history[0]["train_loss"]  # more, and other, batches
    for bad in ([1] * 89, [0] + [1] * 89):
        with pytest.raises(ValueError, match="one count"):
            train_text_model(small, glove, config, progress=False, repeats=bad)


def test_face_posts_are_labelled_with_faces_and_scored_per_face(tiny_model):
    from emoface.labels import FACE_EXPRESSIONS
    from emoface.text.classify import face_hits
    from emoface.text.corpora import load_face_posts

    tuning, heldout = load_face_posts("tuning"), load_face_posts("heldout")
    heldout2, heldout3 = load_face_posts("heldout2"), load_face_posts("heldout3")
    assert tuning.counts() == dict.fromkeys(FACE_EXPRESSIONS, 20)
    assert heldout.counts() == heldout2.counts() == heldout3.counts() == dict.fromkeys(FACE_EXPRESSIONS, 16)
    sets = [set(tuning.texts), set(heldout.texts), set(heldout2.texts), set(heldout3.texts), set(load_bundled().texts)]
    assert all(not a & b for i, a in enumerate(sets) for b in sets[i + 1:])  # no post in two sets
    hits = face_hits(EmotionClassifier(tiny_model), heldout)
    assert list(hits) == list(FACE_EXPRESSIONS) and all(total == 16 and 0 <= right <= 16 for right, total in hits.values())
    with pytest.raises(ValueError, match="tuning"):
        load_face_posts("train")
