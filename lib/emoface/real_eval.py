"""Both engines on real photographs, scored by judges that are not ours: the numbers of notebook 06.

For every subject (a real photo that a package ships, or a SynthFaces person for contrast), every
engine (``warp``, ``stargan``) and every target expression, the pipeline edits the photo and:

* the **expression judge** (:class:`emoface.judges.fer.FerJudge`, trained on real FER2013
  faces by other people) reads the edited face, cropped as ``fer`` crops it from the Haar box:
  a *hit* when its top class is the target; also its probability for the target;
* the **unedited photo** is judged the same way: the baseline an edit must beat (a photo of a
  smiling person is "happiness" before anything is done);
* the **identity judge** (:class:`emoface.judges.identity.FaceEmbedder`, dlib's face-recognition
  embedding) measures how far the edited face moved from the original person (below 0.6: the same
  person, by dlib's threshold).

The headline is :func:`new_target_table`: per target, the share of edits the judge reads as the
target **among the targets the photo did not already show** (a smiling photo "edited" into
happiness proves nothing), with mean P(target) and the identity distance. :func:`judge_table`
(every target, against the unedited photo) and :func:`identity_table` complete it;
``scripts/evaluate_real_photos.py`` runs it all and writes them.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np

from .faces.detect import NoFaceError
from .images import load_rgb
from .labels import FACE_EXPRESSIONS

UNEDITED = "unedited"


@dataclass(frozen=True)
class Subject:
    """One face photo to edit: a name, the pixels and what kind of face it is (``real``/``synthfaces``)."""

    name: str
    photo: np.ndarray
    kind: str


@dataclass(frozen=True)
class EditRecord:
    """One edit (or the unedited baseline) as the judges saw it."""

    subject: str
    kind: str
    #: ``warp``, ``stargan``, or ``unedited``; what actually drew it (an ``auto`` fallback shows here).
    engine: str
    target: str
    #: What the judge reads in the unedited photo: a target equal to it is not a new expression.
    shown: str
    #: The expression judge's top class, and its probability for ``target``.
    judged: str
    p_target: float
    #: Embedding distance to the unedited face (nan when dlib finds no face in the edit).
    identity: float
    seconds: float

    @property
    def hit(self) -> bool:
        return self.judged == self.target


def real_subjects(extra: str | Path | None = None, min_face: int = 100) -> list[Subject]:
    """The real face photos installed packages ship (:mod:`emoface.datasets.real_photos`), plus faces in ``extra``.

    ``extra`` is a folder of your own JPEG/PNG photos, group photos included: every face dlib finds
    that is at least ``min_face`` pixels wide becomes a subject, cropped with its surroundings
    (a square 1.7 × its box: enough context for the Haar cascade, little room for a neighbour's face).
    """
    from .datasets.real_photos import available_real_photos

    subjects = [Subject(photo.name, photo.load(), "real") for photo in available_real_photos()]
    if extra is None:
        return subjects
    from .faces.detect import cut, square_box
    from .faces.landmarks import default_landmark_detector

    folder = Path(extra)
    if not folder.is_dir():
        raise FileNotFoundError(f"no folder of extra photos at {folder}")
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in {".jpg", ".jpeg", ".png"}:
            continue
        photo = load_rgb(path)
        faces = [box for box in default_landmark_detector().detect(photo) if box.w >= min_face]
        for k, box in enumerate(faces):
            subjects.append(Subject(f"{path.stem}-{k}", np.ascontiguousarray(cut(photo, square_box(box, 0.35))), "real"))
    return subjects


def synth_subjects(count: int, first_identity: int = 1_000_100) -> list[Subject]:
    """``count`` held-out SynthFaces people, neutral, as 640×480 profile-photo scenes."""
    from .datasets.synth import draw_scene, random_identity

    return [Subject(f"synth-{i}", draw_scene(random_identity(np.random.default_rng([0, i])), "neutral",
                                              rng=np.random.default_rng(i))[0], "synthfaces")
            for i in range(first_identity, first_identity + count)]


def evaluate_engines(pipeline, subjects: Sequence[Subject], engines: Sequence[str] = ("warp", "stargan"),
                     targets: Sequence[str] = FACE_EXPRESSIONS, intensity: float = 1.0, judge=None,
                     embedder=None, progress: Callable[[Iterable], Iterable] | None = None) -> list[EditRecord]:
    """Edit every subject into every target with every engine; judge each edit and the unedited photo."""
    from .judges.fer import FerJudge, crop_for_judge
    from .judges.identity import default_embedder

    judge = judge or FerJudge.load()
    embedder = embedder or default_embedder()
    records: list[EditRecord] = []
    for subject in (progress(subjects) if progress else subjects):
        try:
            box = pipeline.find_face(subject.photo).face_box
        except NoFaceError:
            continue  # the Haar cascade misses it: no engine could edit it
        original = _embed_or_none(embedder, subject.photo)
        before = judge.predict_proba([crop_for_judge(subject.photo, box.as_tuple())])[0]
        shown = FACE_EXPRESSIONS[int(np.argmax(before))]
        for target in targets:
            records.append(_record(subject, UNEDITED, target, before, 0.0, 0.0, shown))
        for engine in engines:
            for target in targets:
                start = time.perf_counter()
                try:
                    result = pipeline.edit_expression(subject.photo, target, engine=engine, intensity=intensity)
                except NoFaceError:
                    continue  # e.g. dlib finds no face for the warp: counted as missing, not as a miss
                seconds = time.perf_counter() - start
                # judged in the unedited photo's Haar box, as the baseline (the warp may report dlib's box)
                probabilities = judge.predict_proba([crop_for_judge(result.photo, box.as_tuple())])[0]
                edited = _embed_or_none(embedder, result.photo)
                distance = math.nan if original is None or edited is None else float(np.linalg.norm(edited - original))
                records.append(_record(subject, result.engine, target, probabilities, distance, seconds, shown))
    return records


def _record(subject: Subject, engine: str, target: str, probabilities: np.ndarray, identity: float,
            seconds: float, shown: str) -> EditRecord:
    judged = FACE_EXPRESSIONS[int(np.argmax(probabilities))]
    return EditRecord(subject.name, subject.kind, engine, target, shown, judged,
                      float(probabilities[FACE_EXPRESSIONS.index(target)]), identity, seconds)


def new_target_table(records: Sequence[EditRecord], targets: Sequence[str] = FACE_EXPRESSIONS) -> str:
    """Markdown: per (faces, engine) and target, among targets the photo did not already show:
    hit rate %, mean P(target) %, how many; then the overall share and the identity distance."""
    header = "| faces | engine | " + " | ".join(targets) + " | all new targets | identity mean / max |"
    lines = [header, "|" + "---|" * (len(targets) + 4)]
    for kind, engine in _groups(records):
        group = [r for r in records if r.kind == kind and r.engine == engine and r.target != r.shown]
        cells = []
        for target in targets:
            chosen = [r for r in group if r.target == target]
            cells.append("–" if not chosen else f"{100 * np.mean([r.hit for r in chosen]):.0f} % "
                                                f"({100 * np.mean([r.p_target for r in chosen]):.0f}; {len(chosen)})")
        overall = f"{100 * np.mean([r.hit for r in group]):.0f} % of {len(group)}" if group else "–"
        found = np.array([r.identity for r in group if not math.isnan(r.identity) and engine != UNEDITED])
        identity = f"{found.mean():.3f} / {found.max():.3f}" if len(found) else "–"
        lines.append(f"| {kind} | {engine} | " + " | ".join(cells) + f" | {overall} | {identity} |")
    return "\n".join(lines)


def _embed_or_none(embedder, photo: np.ndarray) -> np.ndarray | None:
    try:
        return embedder.embed(photo)
    except NoFaceError:
        return None


def judge_table(records: Sequence[EditRecord], targets: Sequence[str] = FACE_EXPRESSIONS) -> str:
    """Markdown: rows (faces, engine), columns the targets; a cell is hit rate % (mean P(target) %)."""
    header = "| faces | engine | n | " + " | ".join(targets) + " | mean |"
    lines = [header, "|" + "---|" * (len(targets) + 4)]
    for kind, engine in _groups(records):
        group = [r for r in records if r.kind == kind and r.engine == engine]
        cells, hits, probs = [], [], []
        for target in targets:
            chosen = [r for r in group if r.target == target]
            if not chosen:
                cells.append("–")
                continue
            hit = 100 * np.mean([r.hit for r in chosen])
            prob = 100 * np.mean([r.p_target for r in chosen])
            hits.append(hit)
            probs.append(prob)
            cells.append(f"{hit:.0f} ({prob:.0f})")
        people = len({r.subject for r in group})
        mean = f"{np.mean(hits):.0f} ({np.mean(probs):.0f})" if hits else "–"
        lines.append(f"| {kind} | {engine} | {people} | " + " | ".join(cells) + f" | {mean} |")
    return "\n".join(lines)


def identity_table(records: Sequence[EditRecord]) -> str:
    """Markdown: per (faces, engine), the embedding distance to the unedited face and the share still the same person."""
    from .judges.identity import SAME_PERSON

    lines = ["| faces | engine | edits | mean distance | max distance | same person (< 0.6) | no face found |",
             "|---|---|---|---|---|---|---|"]
    for kind, engine in _groups(records):
        if engine == UNEDITED:
            continue
        group = [r for r in records if r.kind == kind and r.engine == engine]
        found = np.array([r.identity for r in group if not math.isnan(r.identity)])
        missing = len(group) - len(found)
        if len(found) == 0:
            lines.append(f"| {kind} | {engine} | {len(group)} | – | – | – | {missing} |")
            continue
        lines.append(f"| {kind} | {engine} | {len(group)} | {found.mean():.3f} | {found.max():.3f} | "
                     f"{100 * np.mean(found < SAME_PERSON):.0f} % | {missing} |")
    return "\n".join(lines)


def between_people(embedder, subjects: Sequence[Subject]) -> list[float]:
    """Embedding distances between different subjects: the scale an identity distance is read on."""
    embeddings = [e for e in (_embed_or_none(embedder, s.photo) for s in subjects) if e is not None]
    return [float(np.linalg.norm(a - b)) for i, a in enumerate(embeddings) for b in embeddings[i + 1:]]


def records_as_dicts(records: Sequence[EditRecord]) -> list[dict]:
    """JSON-ready records."""
    return [{**asdict(r), "hit": r.hit} for r in records]


def _groups(records: Sequence[EditRecord]) -> list[tuple[str, str]]:
    order = {UNEDITED: 0, "warp": 1, "stargan": 2}
    return sorted({(r.kind, r.engine) for r in records}, key=lambda g: (g[0] != "real", g[0], order.get(g[1], 9)))
