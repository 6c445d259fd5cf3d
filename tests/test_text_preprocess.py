import pytest

from emoface.text.preprocess import NUM, PreprocessConfig, Vocabulary, correct, preprocess_steps, tokenize


def test_the_papers_steps():
    assert tokenize("  I LOST 20 euros...   today!! ") == ["i", "lost", NUM, "euros", "today"]


def test_each_step_can_be_switched_off():
    raw = PreprocessConfig(emoji=False, lowercase=False, strip_punctuation=False, numbers="keep", spell_correct=False)
    assert tokenize("Hi, 20 😡", raw) == ["Hi", ",", "20", "😡"]
    assert tokenize("Hi 20", PreprocessConfig(numbers="drop")) == ["hi"]
    with pytest.raises(ValueError, match="numbers"):
        tokenize("x", PreprocessConfig(numbers="words"))  # type: ignore[arg-type]


def test_emoji_become_words():
    assert tokenize("😡😭") == ["angry", "crying"]


def test_spell_correction_keeps_emotion_words():
    # Plain correctors pick the more frequent "any"; the emotion word must win.
    assert correct("angy") == "angry"
    assert correct("sadd") == "sad"
    assert correct("goood") == "good" and correct("sooo") == "so"
    assert correct("happy") == "happy" and correct("très") == "très" and correct("didn't") == "didn't"


def test_steps_are_named_for_the_lesson():
    names = [name for name, _ in preprocess_steps("Sooo angy 😡")]
    assert names[0] == "input" and names[-1] == "tokens" and "spell correction (symspell)" in names


def test_huge_posts_are_cut():
    assert len(tokenize("word " * 250_000)) == PreprocessConfig().max_tokens


def test_vocabulary_from_training_tokens_only():
    vocab = Vocabulary.build([["a", "b", "a"], ["c"]], min_count=2)
    assert vocab.tokens == ["<pad>", "<unk>", "a"]
    assert vocab.encode(["a", "zzz"]) == [2, 1] and "a" in vocab and "c" not in vocab
    with pytest.raises(ValueError):
        Vocabulary(["a"])
    with pytest.raises(TypeError):
        tokenize(None)  # type: ignore[arg-type]
