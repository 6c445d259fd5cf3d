import pytest

from emoface.datasets.mug import (
    DatasetNotFoundError,
    apex_frames,
    canonical_expression,
    looks_like_mug,
    scan_faces,
    scan_labelled_folder,
    scan_mug,
)
from emoface.labels import FACE_EXPRESSIONS


@pytest.mark.parametrize(
    "n, k, expected",
    [(5, 3, [1, 2, 3]), (5, 1, [2]), (100, 3, [33, 50, 66]), (2, 3, [0, 1]), (1, 2, [0]), (0, 3, [])],
)
def test_apex_frames_come_from_the_middle_third(n, k, expected):
    assert apex_frames(n, k) == expected


def test_scan_mug_reads_subjects_takes_and_apex_frames(fake_mug):
    assert looks_like_mug(fake_mug) and looks_like_mug(fake_mug / "subjects3")
    records = scan_mug(fake_mug, frames_per_take=1)
    by_subject = {}
    for r in records:
        by_subject.setdefault(r.subject, set()).add(r.expression)
    assert by_subject["001"] == set(FACE_EXPRESSIONS)
    assert by_subject["090"] == {"happiness"} and by_subject["092"] == {"fear"}  # through session1/
    synth = [r for r in records if r.subject == "001"]
    assert {r.frame for r in synth} == {2} and {r.take for r in synth} == {"take000"}
    # The apex of a synthetic take is the expression, never the neutral first/last frame.
    assert len(scan_mug(fake_mug, frames_per_take=3)) == 3 * (4 * 7 + 2) + 1


def test_scan_faces_picks_the_layout_and_explains_a_missing_dataset(fake_mug, tmp_path):
    assert len(scan_faces(fake_mug, 1)) == len(scan_mug(fake_mug, 1))
    with pytest.raises(DatasetNotFoundError, match="mug.ee.auth.gr.*SynthFaces"):
        scan_faces(tmp_path / "nothing")


def test_labelled_folders_flat_and_nested(tmp_path):
    for path in ["flat/happy/ann_1.jpg", "flat/sad/ann_2.jpg", "flat/sad/bob_1.png", "flat/sad/readme.txt"]:
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_bytes(b"x")
    flat = scan_labelled_folder(tmp_path / "flat")
    assert sorted((r.subject, r.expression) for r in flat) == [("ann", "happiness"), ("ann", "sadness"), ("bob", "sadness")]
    for path in ["nested/ann/Angry/1.jpg", "nested/bob/surprised/2.jpg"]:
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_bytes(b"x")
    nested = scan_labelled_folder(tmp_path / "nested")
    assert sorted((r.subject, r.expression) for r in nested) == [("ann", "anger"), ("bob", "surprise")]


def test_files_without_a_subject_prefix_warn_about_leakage(tmp_path):
    (tmp_path / "happy").mkdir()
    (tmp_path / "happy" / "0001.jpg").write_bytes(b"x")
    (tmp_path / "sad").mkdir()
    with pytest.warns(UserWarning, match="own subject"):
        scan_labelled_folder(tmp_path)


def test_unknown_class_folders_stop_the_scan(tmp_path):
    (tmp_path / "ann" / "contempt").mkdir(parents=True)
    (tmp_path / "ann" / "contempt" / "1.jpg").write_bytes(b"x")
    with pytest.raises(ValueError, match="contempt.*not expressions we know"):
        scan_labelled_folder(tmp_path)


def test_empty_folder(tmp_path):
    with pytest.raises(DatasetNotFoundError, match="no labelled faces"):
        scan_labelled_folder(tmp_path)


def test_synonyms():
    assert canonical_expression("Happy ") == "happiness" and canonical_expression("contempt") is None
