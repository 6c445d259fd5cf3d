"""Build *tunedMUG*: Haar crop → 128×128×3 → histogram equalisation, split by subject (paper §3.2).

The paper's data set for the StarGAN is MUG with two changes, a Haar-cascade face crop (§3.2.1)
and histogram equalisation (§3.2.2); it reports ~20k training images but no split. We add what a
reproduction needs and the paper leaves out:

* a **train/test split by subject**: nobody appears in both, so test scores measure edits of
  people the GAN has never seen (splitting by frame would leak identities and flatter the GAN);
* a **manifest** (``manifest.csv``): for every image written, its source file, subject, take,
  frame, the face box and the square crop box in the source image;
* a **no-face report** (``no_face.csv``): every source frame where no usable face was found, or
  that could not be read, and why; ``report.json`` has the counts;
* **resumable, atomic work**: every image is written to a temporary file and renamed, then noted
  in a journal; a re-run skips what the journal lists, so an interrupted build (a dropped Colab
  session) resumes, and nothing half-written is ever left in ``train/`` or ``test/``; a time budget
  (``minutes``) stops a build cleanly before the session ends.

``crop=False`` and ``equalize="none"`` exist for the paper's Fig. 6 comparison (uncropped MUG,
crops only, crops + equalisation) as an ablation.

Output::

    out/train/<expression>/<subject>_<take>_<frame>_<hash>.png
    out/test/<expression>/...
    out/manifest.csv  out/no_face.csv  out/report.json  out/.journal.jsonl  out/.config.json

Taught in ``02_tunedmug.ipynb``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import random
import warnings
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable, Sequence

import cv2
import numpy as np

from ..atomic import atomic_write_text
from ..budget import Budget
from ..faces.detect import FaceDetector, NoFaceError, default_detector
from ..faces.equalize import EqualizeMode, equalize
from ..images import ImageReadError, load_rgb, save_rgb
from ..parallel import ordered_map
from .mug import FaceRecord

SPLITS = ("train", "test")
MANIFEST_FIELDS = ("split", "expression", "subject", "take", "frame", "output", "source",
                   "face_x", "face_y", "face_w", "face_h", "crop_x", "crop_y", "crop_w", "crop_h", "n_faces")


@dataclass(frozen=True)
class TunedMugConfig:
    """How tunedMUG is made. Stored beside the output; a re-run with other settings is refused."""

    size: int = 128
    equalize: EqualizeMode = "luminance"
    #: ``False`` keeps the whole frame (centre square, resized): the "MUG" row of Fig. 6.
    crop: bool = True
    test_fraction: float = 0.2
    seed: int = 0


def split_subjects(subjects: Iterable[str], test_fraction: float, seed: int) -> dict[str, str]:
    """subject → ``"train"`` or ``"test"``; the same subjects and seed always give the same split."""
    ordered = sorted(set(subjects))
    if not 0.0 <= test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in [0, 1), got {test_fraction}")
    random.Random(seed).shuffle(ordered)
    n_test = math.ceil(len(ordered) * test_fraction) if test_fraction > 0 else 0
    if len(ordered) >= 2:  # keep at least one subject on each side
        n_test = min(max(n_test, 1), len(ordered) - 1)
    else:
        n_test = 0
    return {subject: ("test" if i < n_test else "train") for i, subject in enumerate(ordered)}


def output_name(record: FaceRecord) -> str:
    """A file name that is unique per source (MUG reuses ``take000`` across sessions, hence the hash)."""
    digest = hashlib.sha1(str(record.path).encode("utf-8")).hexdigest()[:8]
    parts = [record.subject, record.take, record.path.stem if record.frame < 0 else f"{record.frame:04d}", digest]
    return "_".join(_safe(p) for p in parts if p) + ".png"


def build_tunedmug(
    records: Sequence[FaceRecord],
    out_dir: str | Path,
    config: TunedMugConfig = TunedMugConfig(),
    progress: bool = True,
    workers: int | None = None,
    minutes: float | Budget | None = None,
) -> dict:
    """Process ``records`` into ``out_dir`` (see the module docstring) and return the report.

    Frames are cropped on all cores (``workers``; 1 keeps everything in this process), each with
    the default :class:`~emoface.faces.detect.FaceDetector`; results are journalled in order.
    ``minutes`` bounds this call (a Colab session): when spent, the build stops with the journal
    flushed and no manifest or report written, and :class:`~emoface.budget.BudgetSpent` says how
    far it got; the next call continues.
    """
    if not records:
        raise ValueError("no source images were given; scan a dataset first (emoface.datasets.mug.scan_faces)")
    out = Path(out_dir)
    split_of = split_subjects((r.subject for r in records), config.test_fraction, config.seed)
    _claim_folder(out, config, split_of)
    journal_path = out / ".journal.jsonl"
    done = _read_journal(journal_path)
    todo = [(r, split_of[r.subject], out, config) for r in records if str(r.path) not in done]
    budget = Budget.of(minutes)
    finished = 0
    with open(journal_path, "a", encoding="utf-8") as journal:
        if journal.tell() and not journal_path.read_bytes().endswith(b"\n"):
            journal.write("\n")  # an interrupted run may have left half a line: start on a fresh one
        for entry in ordered_map(_process_job, todo, workers, desc="tunedMUG", unit="img", progress=progress,
                                 budget=budget):
            journal.write(json.dumps(entry) + "\n")
            journal.flush()
            done[entry["source"]] = entry
            finished += 1
    if finished < len(todo):
        prepared = len(records) - len(todo) + finished
        raise budget.stopped(f"prepared {prepared:,} of {len(records):,} frames for tunedMUG",
                             f"the faces and their journal are kept in {out}")
    sources = {str(r.path) for r in records}
    return _write_summaries(out, [e for s, e in done.items() if s in sources], config, len(records) - len(todo))


def read_manifest(out_dir: str | Path) -> list[dict]:
    """The rows of ``manifest.csv`` (one per written image) as dictionaries."""
    path = Path(out_dir) / "manifest.csv"
    if not path.is_file():
        raise FileNotFoundError(f"no manifest at {path}; build the set first with build_tunedmug")
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def prepare_face(rgb: np.ndarray, config: TunedMugConfig, detector: FaceDetector):
    """One frame → the training image (and its detection); raises NoFaceError like the detector."""
    if config.crop:
        with warnings.catch_warnings():
            # Several faces in a frame are counted in the manifest and report, not warned about.
            warnings.simplefilter("ignore", UserWarning)
            found = detector.crop(rgb, config.size)
        face = found.face
    else:
        found = None
        side = min(rgb.shape[:2])
        top, left = (rgb.shape[0] - side) // 2, (rgb.shape[1] - side) // 2
        face = cv2.resize(rgb[top : top + side, left : left + side], (config.size, config.size),
                          interpolation=cv2.INTER_AREA)
    return equalize(face, config.equalize), found


def _process_job(job: tuple[FaceRecord, str, Path, TunedMugConfig]) -> dict:
    return _process(*job, detector=default_detector())


def _process(record: FaceRecord, split: str, out: Path, config: TunedMugConfig, detector: FaceDetector) -> dict:
    entry = {"source": str(record.path), "split": split, "expression": record.expression,
             "subject": record.subject, "take": record.take, "frame": record.frame}
    try:
        face, found = prepare_face(load_rgb(record.path), config, detector)
    except (NoFaceError, ImageReadError) as err:
        return {**entry, "status": "no_face" if isinstance(err, NoFaceError) else "unreadable", "reason": str(err)}
    relative = Path(split) / record.expression / output_name(record)
    save_rgb(out / relative, face)
    boxes = {}
    if found is not None:
        boxes = {"face_box": found.face_box.as_tuple(), "crop_box": found.crop_box.as_tuple(), "n_faces": found.n_faces}
    return {**entry, "status": "ok", "output": relative.as_posix(), **boxes}


def _claim_folder(out: Path, config: TunedMugConfig, split_of: dict[str, str]) -> None:
    # The split is part of the claim: resuming with other subjects would put a person on both sides.
    out.mkdir(parents=True, exist_ok=True)
    config_path = out / ".config.json"
    wanted = json.dumps({"config": asdict(config), "split": split_of}, sort_keys=True)
    if config_path.exists():
        if config_path.read_text(encoding="utf-8") != wanted:
            raise ValueError(
                f"{out} was built with other settings or from other subjects (see {config_path}); "
                "use another output folder, or delete this one to rebuild"
            )
    else:
        atomic_write_text(config_path, wanted)


def _read_journal(path: Path) -> dict[str, dict]:
    done: dict[str, dict] = {}
    if not path.exists():
        return done
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:  # the last line of an interrupted run may be cut short
            continue
        if entry.get("status") == "ok" and not (path.parent / entry["output"]).is_file():
            continue  # its image was removed by hand: do it again
        done[entry["source"]] = entry
    return done


def _write_summaries(out: Path, entries: list[dict], config: TunedMugConfig, n_skipped: int) -> dict:
    written = sorted((e for e in entries if e["status"] == "ok"), key=lambda e: e["output"])
    failed = sorted((e for e in entries if e["status"] != "ok"), key=lambda e: e["source"])
    rows = []
    for e in written:
        face, crop = e.get("face_box") or ("",) * 4, e.get("crop_box") or ("",) * 4
        rows.append([e["split"], e["expression"], e["subject"], e["take"], e["frame"], e["output"], e["source"],
                     *face, *crop, e.get("n_faces", "")])
    atomic_write_text(out / "manifest.csv", _csv(MANIFEST_FIELDS, rows))
    atomic_write_text(out / "no_face.csv", _csv(("subject", "expression", "source", "status", "reason"),
                                                [[e["subject"], e["expression"], e["source"], e["status"], e["reason"]]
                                                 for e in failed]))
    counts = Counter((e["split"], e["expression"]) for e in written)
    report = {
        "config": asdict(config),
        "sources": len(entries),
        "written": len(written),
        "no_face": sum(e["status"] == "no_face" for e in failed),
        "unreadable": sum(e["status"] == "unreadable" for e in failed),
        "several_faces": sum(e.get("n_faces", 1) > 1 for e in written),
        "skipped_already_done": n_skipped,
        "images": {s: {x: n for (sp, x), n in sorted(counts.items()) if sp == s} for s in SPLITS},
        "subjects": {s: sorted({e["subject"] for e in entries if e["split"] == s}) for s in SPLITS},
    }
    atomic_write_text(out / "report.json", json.dumps(report, indent=2))
    return report


def _csv(header: Sequence[str], rows: list[list]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def _safe(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-." else "-" for ch in text)


def sample_rows(out_dir: str | Path, split: str = "test", n_subjects: int = 4) -> tuple[list[str], list[list[np.ndarray]]]:
    """One row per subject, one image per expression present (the first frame), for grids.

    Subjects with the most expressions come first, so a grid shows complete rows where it can.
    Returns the subjects and the rows; a missing expression is a white square.
    """
    from ..labels import FACE_EXPRESSIONS

    out = Path(out_dir)
    first: dict[tuple[str, str], str] = {}
    for row in read_manifest(out):
        if row["split"] == split:
            first.setdefault((row["subject"], row["expression"]), row["output"])
    subjects = sorted({s for s, _ in first}, key=lambda s: (-sum(k[0] == s for k in first), s))[:n_subjects]
    if not subjects:
        raise ValueError(f"the {split} split of {out} is empty")
    size = TunedMugConfig(**json.loads((out / ".config.json").read_text(encoding="utf-8"))["config"]).size
    blank = np.full((size, size, 3), 255, dtype=np.uint8)
    rows = [[load_rgb(out / first[(s, x)]) if (s, x) in first else blank for x in FACE_EXPRESSIONS] for s in subjects]
    return subjects, rows
