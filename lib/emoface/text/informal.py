"""Posts as people write them: emoticons, internet forms and negation, turned into what they mean.

A blog post says ":(" or "ugh" or "not happy at all" as often as it says "sad". The LSTM only learnt
from ISEAR's sentences and the bundled posts, so these steps say the same thing in words it reads:

* :func:`replace_emoticons` (before punctuation is stripped, which would delete them): ":(" → "sad",
  ":D" → "laughing", "<3" → "love", ...;
* :data:`INTERNET_WORDS` (after tokenising): "lol" → "laughing", "ugh" → "annoyed", "meh" → "bored",
  "omg" → "wow", ...;
* :func:`resolve_negation`: a negation ("not", "never", "no", any "…n't") within three words of an
  emotion word turns it into its opposite ("not happy" → "unhappy", "not scared" → "calm"), except
  where it intensifies ("never been so scared" is very scared, and stays "scared").

Taught in ``03_text_lstm.ipynb``; switched on by :class:`emoface.text.preprocess.PreprocessConfig`.
"""

from __future__ import annotations

import re
from typing import Sequence

#: Emoticons, longest first so ">:(" is not read as ":(".
EMOTICONS: tuple[tuple[str, str], ...] = (
    (">:(", "angry"), (">:-(", "angry"), (":'(", "crying"), (":'-(", "crying"), (":-(", "sad"), (":(", "sad"),
    ("):", "sad"), (":-)", "happy"), (":)", "happy"), ("(:", "happy"), (";)", "happy"), (";-)", "happy"),
    (":-D", "laughing"), (":D", "laughing"), ("xD", "laughing"), ("XD", "laughing"), (":-O", "surprised"),
    (":O", "surprised"), (":o", "surprised"), ("D:", "horrified"), ("<3", "love"), ("</3", "heartbroken"),
    (":/", "unsure"), (":-/", "unsure"), (":|", "indifferent"),
)

#: Internet forms → the word a reader hears. Only forms that are not ordinary English words.
INTERNET_WORDS: dict[str, str] = {
    "lol": "laughing", "lmao": "laughing", "lmfao": "laughing", "rofl": "laughing", "haha": "laughing",
    "hahaha": "laughing", "hehe": "laughing", "omg": "wow", "omfg": "wow", "ugh": "annoyed", "urgh": "annoyed",
    "argh": "annoyed", "meh": "bored", "smh": "disappointed", "fml": "miserable", "yay": "happy",
    "woohoo": "happy", "ew": "disgusting", "eww": "disgusting", "ewww": "disgusting", "idk": "unsure",
    "tbh": "honestly", "imo": "opinion", "ffs": "annoyed", "wtf": "shocked", "ty": "thanks", "thx": "thanks",
    "ily": "love", "rip": "mourning", "nooo": "no", "noooo": "no", "sooo": "so",
}

#: An emotion word and the word for its opposite, once negated.
OPPOSITES: dict[str, str] = {
    "happy": "unhappy", "glad": "unhappy", "pleased": "displeased", "good": "bad", "great": "bad", "fine": "unwell",
    "okay": "unwell", "ok": "unwell", "well": "unwell", "excited": "disappointed", "thrilled": "disappointed",
    "proud": "ashamed", "fun": "boring", "love": "dislike", "like": "dislike", "enjoy": "dislike",
    "enjoyed": "disliked", "impressed": "disappointed", "satisfied": "disappointed", "amazing": "disappointing",
    "sad": "fine", "upset": "fine", "bad": "fine", "angry": "calm", "mad": "calm", "annoyed": "calm",
    "scared": "calm", "afraid": "calm", "worried": "calm", "nervous": "calm", "surprised": "unsurprised",
}
NEGATIONS = frozenset({"not", "never", "no", "nothing", "hardly", "cannot"})
#: Words that may stand between a negation and what it negates ("not at all happy", "never really liked").
_FILLERS = frozenset({"at", "all", "very", "really", "too", "that", "so", "feeling", "feel", "felt", "be", "been",
                      "being", "am", "is", "are", "was", "were", "i", "it", "particularly", "even", "quite"})
#: "never been so X", "never felt more X": a negation that intensifies.
_INTENSIFYING = re.compile(r"^(been|felt|was|seen|be)$")


def replace_emoticons(text: str) -> str:
    """Emoticons as words, each standing alone (a space either side)."""
    for emoticon, word in EMOTICONS:
        if emoticon in text:
            text = text.replace(emoticon, f" {word} ")
    return text


def expand_internet_words(tokens: Sequence[str]) -> list[str]:
    return [INTERNET_WORDS.get(token, token) for token in tokens]


def resolve_negation(tokens: Sequence[str]) -> list[str]:
    """Negated emotion words replaced by their opposites, the negation dropped; see the module docstring."""
    out = list(tokens)
    for i, token in enumerate(tokens):
        if not (token in NEGATIONS or token.endswith("n't")):
            continue
        if token == "never" and i + 2 < len(tokens) and _INTENSIFYING.match(tokens[i + 1]) \
                and tokens[i + 2] in ("so", "more", "this"):
            out[i] = ""  # "never been so scared": very scared
            continue
        for j in range(i + 1, min(len(tokens), i + 5)):
            if tokens[j] in OPPOSITES:
                out[i], out[j] = "", OPPOSITES[tokens[j]]
                break
            if tokens[j] not in _FILLERS:
                break
    return [t for t in out if t]
