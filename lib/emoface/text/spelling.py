"""Spelling correction for the words GloVe does not know, and only for those: no index, no bias.

The paper lists "spell correction" among its preprocessing steps (§3.1) without saying how. The
first version here used SymSpell's 82,765-word dictionary, built its edit index in every process
(4–5 s), corrected words GloVe knows perfectly well ("heute" → "hate") and preferred emotion words
among the candidates ("meh" → "loo", "lol" → "low"): it manufactured emotions. This one:

* leaves every word GloVe knows as it is — GloVe's 400,000 words include names, slang, other
  languages' common words, and the model reads each as itself (:mod:`emoface.text.classify`);
* for any other word, squeezes letters repeated for emphasis ("sooo" → "so"), then tries every
  string one edit away (deletion, transposition, replacement, insertion: Norvig's candidates), then,
  for words of six letters or more, two edits away, and takes the candidate GloVe ranks most frequent
  (its word list is ordered by frequency). No emotion word is preferred;
* builds nothing: GloVe's word index (loaded once per process for the model anyway) is the
  dictionary, and a word's candidates are generated on demand (about 0.1 ms for one edit).

Lesson 03 keeps the paper-era corrector for its Table 2 (``PreprocessConfig(speller="symspell")``),
so the reproduction stays as it was, and shows what it does wrong.
"""

from __future__ import annotations

import re
import string
from functools import lru_cache

#: Words this long or longer may be two edits from their spelling; shorter ones only one.
TWO_EDITS_FROM = 6
_LETTERS = string.ascii_lowercase


def correct_with_glove(word: str) -> str:
    """``word`` if GloVe knows it (or it is not a plain word), else its likeliest spelling GloVe knows."""
    if not word.isascii() or not word.isalpha() or len(word) < 3:
        return word
    return _correct(word.lower())


@lru_cache(maxsize=65536)
def _correct(word: str) -> str:
    known = _glove_index()
    if word in known:
        return word
    squeezed = [w for w in (re.sub(r"(.)\1{2,}", r"\1\1", word), re.sub(r"(.)\1{2,}", r"\1", word)) if w in known]
    if squeezed:  # "sadddd": "sad" (commoner) rather than "sadd"
        return min(squeezed, key=known.__getitem__)
    candidates = [c for c in _one_edit(word) if c in known]
    if not candidates and len(word) >= TWO_EDITS_FROM:
        candidates = [c for near in _one_edit(word) for c in _one_edit(near) if c in known]
    return min(candidates, key=known.__getitem__) if candidates else word


def _one_edit(word: str) -> set[str]:
    """Every string one deletion, transposition, replacement or insertion away from ``word``."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = [a + b[1:] for a, b in splits if b]
    transposes = [a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1]
    replaces = [a + c + b[1:] for a, b in splits if b for c in _LETTERS]
    inserts = [a + c + b for a, b in splits for c in _LETTERS]
    return set(deletes + transposes + replaces + inserts)


def _glove_index() -> dict[str, int]:
    from .glove import shipped_glove

    return shipped_glove().index
