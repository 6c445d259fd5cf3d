import csv
import json

import numpy as np
import pytest

from emoface.datasets import tunedmug
from emoface.datasets.mug import scan_mug
from emoface.datasets.tunedmug import TunedMugConfig, build_tunedmug, read_manifest, sample_rows, split_subjects
from emoface.images import load_rgb


@pytest.fixture
def records(fake_mug):
    return scan_mug(fake_mug, frames_per_take=1)


def test_split_is_by_subject_deterministic_and_two_sided():
    subjects = [f"{i:03d}" for i in range(10)]
    split = split_subjects(subjects, 0.2, seed=0)
    assert split == split_subjects(reversed(subjects), 0.2, seed=0)
    assert sorted(split.values()).count("test") == 2
    assert list(split_subjects(["a", "b"], 0.01, 0).values()).count("test") == 1
    assert set(split_subjects(["a"], 0.5, 0).values()) == {"train"}
    with pytest.raises(ValueError):
        split_subjects(subjects, 1.0, 0)


def test_build_writes_a_clean_split_manifest_and_no_face_report(records, tmp_path):
    out = tmp_path / "tuned"
    report = build_tunedmug(records, out, TunedMugConfig(test_fraction=0.3), progress=False)
    rows = read_manifest(out)
    assert report["written"] == len(rows) == len(list(out.glob("*/*/*.png")))
    train = {r["subject"] for r in rows if r["split"] == "train"}
    test = {r["subject"] for r in rows if r["split"] == "test"}
    assert train and test and not train & test  # nobody on both sides
    # The real photo's face was found; the landscape and the truncated file are reported, not written.
    assert any(r["subject"] == "090" for r in rows)
    with open(out / "no_face.csv", newline="") as handle:
        failed = {(row["subject"], row["status"]) for row in csv.DictReader(handle)}
    assert ("091", "no_face") in failed and ("092", "unreadable") in failed
    assert report["no_face"] >= 1 and report["unreadable"] == 1
    assert report["written"] + report["no_face"] + report["unreadable"] == len(records)
    image = load_rgb(out / rows[0]["output"])
    assert image.shape == (128, 128, 3)
    assert int(rows[0]["crop_w"]) == int(rows[0]["crop_h"]) > int(rows[0]["face_w"])
    assert json.loads((out / "report.json").read_text())["written"] == report["written"]


def test_equalised_output_uses_the_full_brightness_range(records, tmp_path):
    out = tmp_path / "tuned"
    build_tunedmug(records[:3], out, progress=False)
    for row in read_manifest(out):
        luminance = load_rgb(out / row["output"]).mean(axis=2)
        assert luminance.min() < 20 and luminance.max() > 235


def test_a_rerun_skips_finished_work(records, tmp_path, monkeypatch):
    out = tmp_path / "tuned"
    first = build_tunedmug(records, out, progress=False)

    def must_not_run(*args, **kwargs):
        raise AssertionError("finished work was done again")

    monkeypatch.setattr(tunedmug, "_process", must_not_run)
    again = build_tunedmug(records, out, progress=False, workers=1)
    assert again["skipped_already_done"] == len(records)
    assert again["written"] == first["written"] and again["images"] == first["images"]


def test_an_interrupted_build_resumes_and_leaves_nothing_half_written(records, tmp_path, monkeypatch):
    out = tmp_path / "tuned"
    real = tunedmug._process
    calls = {"n": 0}

    def dies_after_five(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] > 5:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(tunedmug, "_process", dies_after_five)
    with pytest.raises(KeyboardInterrupt):
        build_tunedmug(records, out, progress=False, workers=1)
    assert not (out / "manifest.csv").exists()
    assert not list(out.rglob("*.tmp"))
    monkeypatch.setattr(tunedmug, "_process", real)
    report = build_tunedmug(records, out, progress=False)
    assert report["skipped_already_done"] == 5
    reference = build_tunedmug(records, tmp_path / "uninterrupted", progress=False)
    assert report["images"] == reference["images"]


def test_other_settings_in_the_same_folder_are_refused(records, tmp_path):
    build_tunedmug(records[:2], tmp_path / "t", progress=False)
    with pytest.raises(ValueError, match="other settings"):
        build_tunedmug(records[:2], tmp_path / "t", TunedMugConfig(equalize="per_channel"), progress=False)


def test_uncropped_variant_keeps_the_whole_frame(records, tmp_path):
    report = build_tunedmug(records[:2], tmp_path / "frames", TunedMugConfig(crop=False, equalize="none"), progress=False)
    assert report["written"] == 2
    rows = read_manifest(tmp_path / "frames")
    assert rows[0]["face_w"] == ""  # no detection was run


def test_sample_rows_has_one_column_per_expression(records, tmp_path):
    out = tmp_path / "tuned"
    build_tunedmug(records, out, TunedMugConfig(test_fraction=0.3), progress=False)
    subjects, rows = sample_rows(out, "train", n_subjects=2)
    assert len(subjects) == len(rows) == 2 and all(len(r) == 7 for r in rows)
    assert all(isinstance(img, np.ndarray) and img.shape == (128, 128, 3) for r in rows for img in r)


def test_nothing_to_build():
    with pytest.raises(ValueError, match="scan a dataset first"):
        build_tunedmug([], "unused")


def test_a_half_written_journal_line_costs_one_redo_only(records, tmp_path):
    out = tmp_path / "tuned"
    build_tunedmug(records[:4], out, progress=False, workers=1)
    journal = out / ".journal.jsonl"
    lines = journal.read_text().splitlines()
    journal.write_text("\n".join(lines[:3]) + "\n" + lines[3][: len(lines[3]) // 2])  # killed mid-write
    report = build_tunedmug(records[:4], out, progress=False, workers=1)
    assert report["skipped_already_done"] == 3
    assert len(read_manifest(out)) == report["written"]
    again = build_tunedmug(records[:4], out, progress=False, workers=1)
    assert again["skipped_already_done"] == 4
