"""Posts as people write them: spelling only for non-words, emoticons, internet forms, negation, other
languages and noise, and every word GloVe knows read as itself."""

import pytest

from emoface.text.classify import EmotionClassifier
from emoface.text.informal import expand_internet_words, replace_emoticons, resolve_negation
from emoface.text.language import unreadable
from emoface.text.preprocess import PreprocessConfig, tokenize
from emoface.text.spelling import correct_with_glove

READING = PreprocessConfig(speller="glove", informal=True, negation=True)


@pytest.fixture(scope="module")
def classifier() -> EmotionClassifier:
    return EmotionClassifier.load()


@pytest.mark.parametrize("word", ["heute", "hatte", "gross", "gagged", "scariest", "snowing", "doorstep", "lol", "meh"])
def test_a_word_glove_knows_is_never_corrected(word):
    assert correct_with_glove(word) == word


@pytest.mark.parametrize("typo, word", [("hapy", "happy"), ("beautifull", "beautiful"), ("sadddd", "sad"),
                                        ("terrifyed", "terrified"), ("disapointed", "disappointed"), ("angy", "any")])
def test_a_non_word_becomes_the_commonest_word_near_it_with_no_bias_to_emotions(typo, word):
    assert correct_with_glove(typo) == word  # "angy" → "any": the commoner word, not the emotion word


def test_emoticons_and_internet_forms_are_read_as_words():
    assert replace_emoticons("missed the bus :( again >:(").split() == ["missed", "the", "bus", "sad", "again", "angry"]
    assert expand_internet_words(["lol", "ugh", "omg", "meh", "house"]) == ["laughing", "annoyed", "wow", "bored", "house"]


@pytest.mark.parametrize("tokens, read", [
    (["i'm", "not", "happy", "at", "all"], ["i'm", "unhappy", "at", "all"]),
    (["i", "am", "not", "at", "all", "scared"], ["i", "am", "at", "all", "calm"]),
    (["i've", "never", "been", "so", "scared"], ["i've", "been", "so", "scared"]),  # intensifies, not negates
    (["this", "isn't", "good"], ["this", "bad"]),
    (["not", "the", "happy", "ending"], ["not", "the", "happy", "ending"]),  # too far: left alone
])
def test_negation_turns_an_emotion_word_into_its_opposite(tokens, read):
    assert resolve_negation(tokens) == read


def test_the_reading_steps_run_in_order():
    assert tokenize("Sooo not happy :( lol", READING) == ["so", "unhappy", "sad", "laughing"]


@pytest.mark.parametrize("text", ["Heute ist ein schöner Tag und ich bin sehr froh",
                                  "Je suis très content de mon nouveau travail aujourd'hui",
                                  "Hoy es un día muy bonito y estoy con mi familia",
                                  "今天天气很好，我很开心", "Сегодня хороший день"])
def test_a_post_in_another_language_is_not_read_confidently(classifier, text):
    prediction = classifier.predict(text)
    assert not prediction.confident and prediction.emotion == "neutral" and "English" in prediction.message


def test_noise_is_not_read_confidently(classifier):
    prediction = classifier.predict("qwxz vbnmq zzxq plkj hgfq")
    assert not prediction.confident and "words the model knows" in prediction.message
    assert unreadable("My dog died.", ["my", "dog", "died"], [True, True, True]) is None


def test_a_word_outside_the_training_vocabulary_is_read_as_itself(classifier):
    word = next(w for w in ("nauseating", "flabbergasted", "abhorrent", "exasperating", "dumbstruck")
                if w not in classifier.trained.vocab)
    assert word in classifier.glove
    assert classifier.predict(f"the smell was {word}").tokens[-1] == word  # not a neighbour's name
    unknown = classifier._probabilities([["the", "smell", "was", "<unk>"]])
    itself = classifier._probabilities([["the", "smell", "was", word]])
    assert not (unknown == itself).all()  # its GloVe vector reached the model


def test_a_confident_reading_has_no_message(classifier):
    prediction = classifier.predict("My grandfather died last night and I can't stop crying")
    assert prediction.confident and prediction.message == "" and prediction.as_dict()["message"] == ""


def test_the_face_is_chosen_by_the_faces_total_probability(classifier):
    labels = classifier.labels
    probs = {label: 0.0 for label in labels}
    probs.update({"anger": 0.28, "sadness": 0.22, "shame": 0.26, "guilt": 0.24})
    prediction = classifier._prediction([probs[label] for label in labels], "a plain english post", ["post"])
    assert prediction.top_emotion == "anger"  # the single likeliest emotion ...
    assert prediction.expression == "sadness" and prediction.emotion == "shame"  # ... but the sad face has 0.72
    assert prediction.confident
