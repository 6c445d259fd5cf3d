"""The text corpora: ISEAR (the paper's real corpus), EmoBank (the one it names), and our posts.

The paper (§3.1, Table 1) says it trained on **EmoBank**, but its Table 1 — seven classes, shame and
guilt among them, ~1,070 entries each — is **ISEAR** (Scherer & Wallbott, 1994). EmoBank (Buechel &
Hahn, 2017) gives each sentence three numbers, valence, arousal and dominance, and no category.
Both have real loaders here, with their public download in the ``full`` profile:

* ISEAR: the ``|``-separated ``isear.csv`` of the public py_isear_dataset repository; label in
  column ``Field1``, text in ``SIT``. A few texts contain ``|`` themselves (the columns shift), and
  the original's line breaks survive as ``á`` plus spaces: both are repaired here.
* EmoBank: ``corpus/emobank.csv`` of JULIELab/EmoBank, ``id,split,V,A,D,text``.

The **bundled corpus** (``assets/posts.csv``, see its datasheet) has 1,440 posts in nine labels —
ISEAR's seven plus surprise and neutral — so that every face expression can be reached from text.

:func:`stratified_split` removes duplicate texts *before* splitting (ISEAR repeats 163 of them; a
duplicate on both sides would inflate test accuracy) and keeps class proportions.

Taught in ``03_text_lstm.ipynb``.
"""

from __future__ import annotations

import csv
import random
import re
from collections import defaultdict
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Sequence

from ..datasets.mug import DatasetNotFoundError
from ..download import Resource
from ..labels import FACE_EXPRESSIONS, ISEAR_EMOTIONS, TEXT_EMOTIONS
from ..settings import data_dir

ISEAR = Resource(
    filename="isear.csv",
    sha256="370110fff70a1e1d9e23b10cf6db1f64876120fa02276afe5916fbfeb038cdca",
    url="https://raw.githubusercontent.com/sinmaniphel/py_isear_dataset/"
    "948f4cf80161ea28e6dc5bfb4ad729f21ff47723/isear.csv",
    homepage="https://github.com/sinmaniphel/py_isear_dataset",
)
EMOBANK = Resource(
    filename="emobank.csv",
    sha256="1ade4a4a453e880c0f39d0536d2b355e8a716e0cf88236c64cdb4d438cf9605b",
    url="https://raw.githubusercontent.com/JULIELab/EmoBank/248ce2a43e165a66d31aeaed83cff9641d6654e0/corpus/emobank.csv",
    homepage="https://github.com/JULIELab/EmoBank",
)


@dataclass(frozen=True)
class Corpus:
    """Texts with one label each, and (optionally) a fixed split: ``"train"`` / ``"test"`` per text."""

    name: str
    texts: tuple[str, ...]
    labels: tuple[str, ...]
    label_set: tuple[str, ...]
    splits: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if len(self.texts) != len(self.labels) or (self.splits and len(self.splits) != len(self.texts)):
            raise ValueError("texts, labels and splits must have the same length")
        unknown = set(self.labels) - set(self.label_set)
        if unknown:
            raise ValueError(f"labels {sorted(unknown)} are not in the label set {self.label_set}")

    def __len__(self) -> int:
        return len(self.texts)

    def counts(self) -> dict[str, int]:
        """Examples per label, in label-set order (the paper's Table 1)."""
        return {label: self.labels.count(label) for label in self.label_set}

    def subset(self, split: str) -> "Corpus":
        """The examples of one fixed split."""
        if not self.splits:
            raise ValueError(f"{self.name} has no fixed split; use stratified_split")
        keep = [i for i, s in enumerate(self.splits) if s == split]
        return Corpus(f"{self.name}/{split}", tuple(self.texts[i] for i in keep),
                      tuple(self.labels[i] for i in keep), self.label_set)

    def __add__(self, other: "Corpus") -> "Corpus":
        label_set = tuple(dict.fromkeys(self.label_set + other.label_set))
        splits = self.splits + other.splits if self.splits and other.splits else ()
        return Corpus(f"{self.name}+{other.name}", self.texts + other.texts, self.labels + other.labels,
                      label_set, splits)


@dataclass(frozen=True)
class EmoBankSentence:
    """One EmoBank sentence: valence, arousal, dominance on 1–5, and its official split."""

    id: str
    split: str
    valence: float
    arousal: float
    dominance: float
    text: str


def load_isear(path: str | Path | None = None, download: bool = False) -> Corpus:
    """ISEAR as a :class:`Corpus` (7,666 rows, 7 labels). ``download=True`` fetches it if missing."""
    path = _locate(ISEAR, path, download)
    with open(path, encoding="utf-8", errors="replace", newline="") as handle:
        rows = list(csv.reader(handle, delimiter="|", quoting=csv.QUOTE_NONE))
    header = rows[0]
    label_col, text_col, width = header.index("Field1"), header.index("SIT"), len(header)
    texts, labels = [], []
    for row in rows[1:]:
        if len(row) < width:
            continue
        # A '|' inside the text splits it over several columns; the two after it are STATE and ''.
        text = " ".join(row[text_col : len(row) - (width - 1 - text_col)])
        texts.append(clean_isear_text(text))
        labels.append(row[label_col])
    return Corpus("isear", tuple(texts), tuple(labels), ISEAR_EMOTIONS)


def clean_isear_text(text: str) -> str:
    """Undo ISEAR's artefacts: ``á`` line-break marks, backslash-escaped quotes, runs of spaces."""
    text = re.sub(r"\s*á\s*", " ", text).replace('\\"', '"').replace("\\", "")
    return re.sub(r"\s+", " ", text).strip().strip('"').strip()


def load_emobank(path: str | Path | None = None, download: bool = False) -> list[EmoBankSentence]:
    """EmoBank's 10,062 sentences with V/A/D scores (no categories: it cannot give Table 1)."""
    path = _locate(EMOBANK, path, download)
    with open(path, encoding="utf-8", newline="") as handle:
        return [
            EmoBankSentence(row["id"], row["split"], float(row["V"]), float(row["A"]), float(row["D"]), row["text"])
            for row in csv.DictReader(handle)
        ]


def load_bundled() -> Corpus:
    """The posts that ship with emoface, with their fixed train/test split (see the datasheet)."""
    with (files("emoface") / "assets" / "posts.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return Corpus("posts", tuple(r["text"] for r in rows), tuple(r["emotion"] for r in rows), TEXT_EMOTIONS,
                  tuple(r["split"] for r in rows))


#: The face-labelled post sets that ship (``assets/posts_<name>.csv``): one to tune on, three held out.
FACE_POST_SETS = ("tuning", "heldout", "heldout2", "heldout3")


def load_face_posts(which: str = "heldout") -> Corpus:
    """Blog posts labelled with the *face* a reader expects (see the datasheet), never trained on:
    ``"tuning"`` (``assets/posts_tuning.csv``, 20 per expression: chose the training settings),
    ``"heldout"`` (``assets/posts_heldout.csv``, 16 per expression: measured at the end of each change),
    ``"heldout2"`` (``assets/posts_heldout2.csv``, 16 per expression, written before the change it
    measures, once the first held-out set had been measured too often to stay clean) or ``"heldout3"``
    (the same again, once the second had steered a choice too)."""
    if which not in FACE_POST_SETS:
        raise ValueError(f"which must be one of {', '.join(map(repr, FACE_POST_SETS))}, not {which!r}")
    with (files("emoface") / "assets" / f"posts_{which}.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return Corpus(f"{which} posts", tuple(r["text"] for r in rows), tuple(r["expression"] for r in rows),
                  FACE_EXPRESSIONS)


def deduplicate(corpus: Corpus) -> Corpus:
    """Keep the first of texts that are equal after lower-casing and collapsing spaces.

    A text that appears with two different labels is dropped altogether: it cannot be learnt.
    """
    seen: dict[str, set[str]] = defaultdict(set)
    first: dict[str, int] = {}
    for i, text in enumerate(corpus.texts):
        key = " ".join(text.lower().split())
        seen[key].add(corpus.labels[i])
        first.setdefault(key, i)
    keep = sorted(i for key, i in first.items() if len(seen[key]) == 1 and key)
    return Corpus(corpus.name, tuple(corpus.texts[i] for i in keep), tuple(corpus.labels[i] for i in keep),
                  corpus.label_set, tuple(corpus.splits[i] for i in keep) if corpus.splits else ())


def stratified_split(corpus: Corpus, test_fraction: float = 0.2, seed: int = 0) -> tuple[Corpus, Corpus]:
    """Deduplicate, then hold out ``test_fraction`` of each class; the same seed gives the same split."""
    corpus = deduplicate(corpus)
    by_label: dict[str, list[int]] = defaultdict(list)
    for i, label in enumerate(corpus.labels):
        by_label[label].append(i)
    rng = random.Random(seed)
    test: list[int] = []
    for label in corpus.label_set:
        indices = by_label[label]
        rng.shuffle(indices)
        test += indices[: round(len(indices) * test_fraction)]
    test_set = set(test)
    return _pick(corpus, [i for i in range(len(corpus)) if i not in test_set], "train"), _pick(corpus, sorted(test), "test")


def _pick(corpus: Corpus, indices: Sequence[int], split: str) -> Corpus:
    return Corpus(f"{corpus.name}/{split}", tuple(corpus.texts[i] for i in indices),
                  tuple(corpus.labels[i] for i in indices), corpus.label_set)


def _locate(resource: Resource, path: str | Path | None, download: bool) -> Path:
    if path is not None:
        path = Path(path)
        if not path.is_file():
            raise DatasetNotFoundError(f"no file at {path}")
        return path
    local = data_dir() / resource.filename
    if local.is_file():
        return local
    if download:
        return resource.fetch()
    raise DatasetNotFoundError(
        f"{resource.filename} is not in the data folder ({local}). Pass download=True (the full profile does) "
        f"to fetch it from {resource.homepage}, or save it there by hand."
    )
