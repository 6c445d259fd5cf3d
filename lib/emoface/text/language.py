"""Is this post English, and does the model know enough of its words to read it? If not, say so.

The model was trained on English. A German or Spanish post still goes through it — GloVe knows
"heute" and "hoy" — and comes back with some emotion, often confidently. A face redrawn from that
is a guess dressed up as a reading. :func:`unreadable` gives the reason a post cannot be read, for
the classifier to return ``confident: false`` with it:

* **another language**: common function words of German, French, Spanish, Italian, Portuguese and
  Dutch outnumber English ones (at least two of them), or most letters are not Latin;
* **too few known words**: fewer than half of the words are words GloVe knows, even after spelling
  correction (keyboard mashing, a code, a list of names).

Taught in ``03_text_lstm.ipynb``.
"""

from __future__ import annotations

import unicodedata
from typing import Sequence

ENGLISH = frozenset(
    """the and to of a in it that i my me you your was is are for on with this have has had be been at so not but
    we our they their just what when about all can will would do did don't can't i'm it's there here from out up
    very really too today last got get like one off no yes an or if he she his her him them""".split())
FOREIGN = frozenset(
    # German
    """der das und ist nicht ein eine ich heute hatte sehr mit auf für sich auch wir ihr sind war mein meine
    schön tag gestern habe haben dem den zu von
    """
    # French
    """le les et est une je pas très avec pour ce du des dans qui mais suis aujourd'hui ai mon ma mes été c'est
    """
    # Spanish
    """el los las y es una yo muy con para que pero del hoy estoy fue mi mis tengo está él ella
    """
    # Italian
    """il lo gli sono non molto oggi che di per ma sei ho mio mia questo della
    """
    # Portuguese
    """os um uma eu muito não com hoje estou foi meu minha tenho você
    """
    # Dutch
    """het een niet heel voor vandaag ben heb mijn dit zijn ook naar
    """.split()
) - ENGLISH
#: At least this share of a post's words must be words GloVe knows.
MIN_KNOWN_SHARE = 0.5


def unreadable(text: str, tokens: Sequence[str], known: Sequence[bool]) -> str | None:
    """Why the post cannot be read as English (a sentence for people), or None if it can.

    ``tokens`` are the post's words after preprocessing, ``known`` whether GloVe knows each.
    """
    letters = [c for c in text if c.isalpha()]
    if letters and sum(_latin(c) for c in letters) < 0.5 * len(letters):
        return "the post is not in the Latin alphabet; the model reads English only"
    words = [t.lower() for t in text.replace("’", "'").split()]
    words = [w.strip(".,!?;:\"()[]…-") for w in words]
    foreign = sum(w in FOREIGN for w in words)
    english = sum(w in ENGLISH for w in words)
    if foreign >= 2 and foreign > english:
        return "the post does not look like English; the model reads English only"
    if not tokens:
        return "the post has no words the model can read"
    if sum(known) < MIN_KNOWN_SHARE * len(tokens):
        return f"only {sum(known)} of its {len(tokens)} words are words the model knows"
    return None


def _latin(character: str) -> bool:
    try:
        return unicodedata.name(character).startswith("LATIN")
    except ValueError:
        return False
