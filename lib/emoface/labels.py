"""The label sets of emoface, and the one mapping from a text emotion to a face expression.

The paper (Jubair et al., 2022, §3 and Fig. 1) sends the emotion *e* found in a post to the
expression-synthesis module, which can only draw the expressions it was trained on: the seven
of the MUG database (§3.2). Its text corpus, which it calls "EmoBank" but whose Table 1 is ISEAR,
has seven *other* labels: shame and guilt have no MUG face, while surprise and neutral have no
ISEAR text. This module fixes both vocabularies and the bridge between them, once, so the text
classifier, the GAN, the pipeline and the notebooks all agree.

Taught in ``notebooks/01_datasets.ipynb`` (the label sets) and ``05_pipeline_app.ipynb`` (the bridge).
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Mapping

#: The seven expressions of the MUG database, spelt as MUG names its folders (and in that order,
#: which is also alphabetical): the domains of the StarGAN, index = class id.
FACE_EXPRESSIONS: tuple[str, ...] = (
    "anger",
    "disgust",
    "fear",
    "happiness",
    "neutral",
    "sadness",
    "surprise",
)

#: The seven categories of the paper's text corpus (ISEAR; the paper's Table 1).
ISEAR_EMOTIONS: tuple[str, ...] = ("joy", "fear", "anger", "sadness", "disgust", "shame", "guilt")

#: The text classifier's label set: ISEAR's seven plus ``surprise`` and ``neutral``, which ISEAR
#: lacks. Without these two, no post could ever reach the surprised or the neutral face; the
#: bundled corpus supplies examples of both.
TEXT_EMOTIONS: tuple[str, ...] = ISEAR_EMOTIONS + ("surprise", "neutral")

_TEXT_TO_FACE: dict[str, str] = {
    "joy": "happiness",
    "fear": "fear",
    "anger": "anger",
    "sadness": "sadness",
    "disgust": "disgust",
    "surprise": "surprise",
    "neutral": "neutral",
    # Shame has a recognisable display (Keltner, 1995; Keltner & Buswell, 1996): gaze and head
    # down, a lowered mouth, inner brows up. Among MUG's seven frontal expressions the closest in
    # those action units (AU1+4, AU15, AU64) is sadness.
    "shame": "sadness",
    # Guilt has *no* distinct facial display in that literature; people who report it show the
    # remorseful, sad face of an apology. We map it to sadness too, rather than neutral, because
    # a post confessing guilt reads as regret, and a neutral face would look like the edit failed.
    "guilt": "sadness",
}

#: text emotion -> face expression. Read-only: change it here, with a reason, not at run time.
TEXT_TO_FACE: Mapping[str, str] = MappingProxyType(_TEXT_TO_FACE)


def expression_index(expression: str) -> int:
    """Class id of a face expression (the StarGAN domain), with a helpful error for typos."""
    try:
        return FACE_EXPRESSIONS.index(expression)
    except ValueError:
        raise ValueError(
            f"unknown face expression {expression!r}; expected one of {', '.join(FACE_EXPRESSIONS)}"
        ) from None


def to_expression(emotion: str) -> str:
    """The face expression a text emotion is drawn with (the paper's e → target domain)."""
    try:
        return TEXT_TO_FACE[emotion]
    except KeyError:
        raise ValueError(
            f"unknown text emotion {emotion!r}; expected one of {', '.join(TEXT_EMOTIONS)}"
        ) from None
