"""Text preprocessing as the paper lists it (§3.1), each step switchable, and the vocabulary.

The paper: "case conversion, removal of white space and punctuation marks, spell correction, and
handling of numerical symbols and the unknown term". It gives no details; ours, in order:

1. ``emoji``: the commonest emoji become words (😢 → "crying"); social-media posts carry much of
   their emotion there, and punctuation removal would otherwise delete it silently;
2. ``lowercase``; 3. ``strip_punctuation`` (apostrophes inside words are kept: "didn't");
4. ``numbers``: digits become one token ``<num>`` (or are kept, or dropped);
5. ``spell_correct``: a word the dictionary does not know is replaced by its best correction — but
   an **emotion word wins** among the candidates. Off-the-shelf correctors (pyspellchecker,
   symspellpy) turn "angy" into "any", the more frequent word, and so delete the one word that
   mattered; here the closest candidates of "angy" are {any, andy, angry, …} (one edit each) and
   "angry", in :data:`EMOTION_WORDS`, wins. We use SymSpell's shipped dictionary (fast, offline);
6. white space is collapsed by tokenising; posts are cut at ``max_tokens`` (a 1 MB post must not
   stall the server);
7. unknown terms: words not in the training :class:`Vocabulary` become ``<unk>`` — or, at inference,
   their nearest GloVe neighbour that the model knows (:mod:`emoface.text.glove`).

The vocabulary is built on the **training** split only, so the test set stays unseen.

Taught in ``03_text_lstm.ipynb``.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Literal, Sequence

from .informal import expand_internet_words, replace_emoticons, resolve_negation
from .spelling import correct_with_glove

PAD, UNK, NUM = "<pad>", "<unk>", "<num>"

#: Words that carry an emotion; spell correction prefers them among equally close candidates.
EMOTION_WORDS: frozenset[str] = frozenset(
    """
    happy happiness joy joyful glad delighted thrilled excited cheerful pleased grateful thankful love loved
    lovely wonderful amazing awesome great fantastic proud relieved content smile smiling laugh laughing fun
    sad sadness unhappy depressed miserable heartbroken lonely crying cry cried tears grief grieving gloomy
    upset hurt disappointed devastated sorrow miss missed
    angry anger mad furious rage annoyed irritated outraged livid frustrated hate hated resent bitter
    afraid fear scared frightened terrified anxious worried nervous panic panicked horror horrified dread
    disgust disgusted disgusting gross revolting nauseous sick vile repulsive yuck
    shame ashamed embarrassed humiliated mortified awkward
    guilt guilty sorry regret regretted apologise apologize remorse fault blame
    surprise surprised shocked astonished amazed stunned unexpected wow speechless
    calm fine okay ok neutral
    """.split()
)

#: The commonest emoji, as the word a reader would say for them.
EMOJI_WORDS: dict[str, str] = {
    "😀": "happy", "😃": "happy", "😄": "happy", "😁": "happy", "😊": "happy", "🙂": "happy", "😂": "laughing",
    "🤣": "laughing", "😍": "love", "🥰": "love", "❤": "love", "❤️": "love", "🎉": "celebrate", "👍": "good",
    "😢": "crying", "😭": "crying", "😞": "sad", "😔": "sad", "🙁": "sad", "☹️": "sad", "💔": "heartbroken",
    "😠": "angry", "😡": "angry", "🤬": "furious", "😤": "annoyed",
    "😨": "scared", "😰": "anxious", "😱": "terrified", "😬": "nervous",
    "🤢": "disgusted", "🤮": "disgusting", "😖": "disgusted",
    "😳": "embarrassed", "🙈": "embarrassed", "😮": "surprised", "😲": "shocked", "🤯": "shocked", "😯": "surprised",
}

_WORD = re.compile(r"<num>|[^\W_]+(?:'[^\W_]+)?")
_NUMBER = re.compile(r"\d+(?:[.,:]\d+)*")


@dataclass(frozen=True)
class PreprocessConfig:
    """The switches of the paper's preprocessing; the defaults are what the shipped model uses."""

    emoji: bool = True
    lowercase: bool = True
    strip_punctuation: bool = True
    numbers: Literal["token", "keep", "drop"] = "token"
    spell_correct: bool = True
    max_tokens: int = 120
    #: ``symspell``: the paper-era corrector above (Table 2's, and every model trained before the GloVe
    #: one); ``glove``: only words GloVe does not know, no bias (:mod:`emoface.text.spelling`).
    speller: Literal["symspell", "glove"] = "symspell"
    #: Emoticons and internet forms as words (:mod:`emoface.text.informal`).
    informal: bool = False
    #: A negated emotion word becomes its opposite (:mod:`emoface.text.informal`).
    negation: bool = False


def tokenize(text: str, config: PreprocessConfig = PreprocessConfig()) -> list[str]:
    """The tokens the classifier sees for ``text`` (see the module docstring for the steps)."""
    return preprocess_steps(text, config)[-1][1]


def preprocess_steps(text: str, config: PreprocessConfig = PreprocessConfig()) -> list[tuple[str, list[str] | str]]:
    """Every intermediate result, named: what lesson 03 prints for a sentence, step by step."""
    if not isinstance(text, str):
        raise TypeError(f"expected a string of text, got {type(text).__name__}")
    steps: list[tuple[str, list[str] | str]] = [("input", text)]
    # Cut early: a 1 MB post is reduced to a few thousand characters before any regex runs over it.
    text = text[: config.max_tokens * 30]
    if config.emoji:
        for emoji, word in EMOJI_WORDS.items():
            text = text.replace(emoji, f" {word} ")
        steps.append(("emoji → words", text))
    if config.informal:
        text = replace_emoticons(text)
        steps.append(("emoticons → words", text))
    if config.lowercase:
        text = text.lower()
        steps.append(("lower case", text))
    if config.numbers == "token":
        text = _NUMBER.sub(f" {NUM} ", text)
    elif config.numbers == "drop":
        text = _NUMBER.sub(" ", text)
    elif config.numbers != "keep":
        raise ValueError(f"numbers must be 'token', 'keep' or 'drop', not {config.numbers!r}")
    steps.append((f"numbers ({config.numbers})", text))
    if config.strip_punctuation:
        tokens = _WORD.findall(text)
    else:
        tokens = re.findall(r"<num>|\w+(?:'\w+)?|[^\w\s]", text)
    steps.append(("punctuation and white space", tokens))
    if config.informal:
        tokens = expand_internet_words(tokens)
        steps.append(("internet forms → words", tokens))
    if config.spell_correct:
        if config.speller == "glove":
            tokens = [correct_with_glove(t) for t in tokens]
        elif config.speller == "symspell":
            tokens = [correct(t) for t in tokens]
        else:
            raise ValueError(f"speller must be 'symspell' or 'glove', not {config.speller!r}")
        steps.append((f"spell correction ({config.speller})", tokens))
    if config.negation:
        tokens = resolve_negation(tokens)
        steps.append(("negation", tokens))
    steps.append(("tokens", tokens[: config.max_tokens]))
    return steps


def correct(word: str) -> str:
    """The spelling of ``word`` the dictionary knows, preferring emotion words among the closest candidates."""
    if word == NUM or not word.isascii() or not word.isalpha() or len(word) < 3:
        return word  # numbers, contractions, non-English words and short words are left alone
    return _correct_cached(word.lower())


@lru_cache(maxsize=65536)
def _correct_cached(word: str) -> str:
    checker = _checker()
    if word in checker.words or word in EMOTION_WORDS:
        return word
    # "sooo" → "soo" → "so", "goood" → "good": squeeze letters repeated for emphasis first.
    for squeezed in (re.sub(r"(.)\1{2,}", r"\1\1", word), re.sub(r"(.)\1{2,}", r"\1", word)):
        if squeezed in checker.words or squeezed in EMOTION_WORDS:
            return squeezed
    from symspellpy import Verbosity

    closest = checker.lookup(word, Verbosity.CLOSEST, max_edit_distance=2)
    emotional = [c.term for c in closest if c.term in EMOTION_WORDS]
    if emotional:
        return emotional[0]  # lookup sorts by frequency: the commonest emotion word at that distance
    return closest[0].term if closest else word


@lru_cache(maxsize=1)
def _checker():
    """SymSpell with the English frequency dictionary it ships (82,765 words): offline, ~1 ms a word."""
    from importlib.resources import files

    from symspellpy import SymSpell

    checker = SymSpell(max_dictionary_edit_distance=2, prefix_length=7)
    checker.load_dictionary(str(files("symspellpy") / "frequency_dictionary_en_82_765.txt"), term_index=0, count_index=1)
    return checker


class Vocabulary:
    """Token ↔ index. Index 0 is padding, 1 the unknown word; built from training texts only."""

    def __init__(self, tokens: Sequence[str]) -> None:
        if list(tokens[:2]) != [PAD, UNK]:
            raise ValueError(f"a vocabulary starts with {PAD!r} and {UNK!r}")
        if len(set(tokens)) != len(tokens):
            raise ValueError("a vocabulary lists each token once")
        self.tokens: list[str] = list(tokens)
        self.index: dict[str, int] = {t: i for i, t in enumerate(self.tokens)}

    @classmethod
    def build(cls, token_lists: Iterable[Sequence[str]], min_count: int = 1, max_size: int | None = None) -> "Vocabulary":
        """The tokens seen at least ``min_count`` times, most frequent first."""
        counts = Counter(t for tokens in token_lists for t in tokens)
        kept = [t for t, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if n >= min_count]
        return cls([PAD, UNK, *kept[: None if max_size is None else max_size - 2]])

    def __len__(self) -> int:
        return len(self.tokens)

    def __contains__(self, token: str) -> bool:
        return token in self.index

    def encode(self, tokens: Sequence[str]) -> list[int]:
        """Indices of ``tokens``; unknown ones become 1 (``<unk>``)."""
        return [self.index.get(t, 1) for t in tokens]
