"""The photo's own lids slid over its eyes where an expression narrows them (emoface.faces.lids)."""

from types import SimpleNamespace

import numpy as np
import pytest

from emoface.engines.stargan import EYE_OPENING, StarGanEngine
from emoface.faces import lids
from emoface.faces.detect import Box
from emoface.faces.landmarks import LandmarksUnavailableError, find_landmarks, landmarks_available
from emoface.labels import FACE_EXPRESSIONS

SKIN, WHITE, IRIS, LASH = 180, 235, 50, 15
#: One eye, 40 px wide and 16 px open (rows 92-108), its middle at (100, 100).
EYE = np.array([[80, 100], [93, 92], [107, 92], [120, 100], [107, 108], [93, 108]], np.float64)


def _face() -> tuple[np.ndarray, np.ndarray]:
    """A 200×200 skin patch with one eye (white, an iris, a 3-px lash line along the upper lid), and 68 points
    with both eyes on it (the second eye's points far off the patch's middle, on skin)."""
    photo = np.full((200, 200, 3), SKIN, np.uint8)
    rows, cols = np.mgrid[0:200, 0:200]
    inside = ((cols - 100) / 20.0) ** 2 + ((rows - 100) / 8.0) ** 2 <= 1
    photo[inside] = WHITE
    photo[(cols - 100) ** 2 + (rows - 100) ** 2 <= 7 ** 2] = IRIS
    photo[(np.abs(rows - 91) <= 1) & (np.abs(cols - 100) <= 16)] = LASH
    points = np.zeros((68, 2))
    points[36:42] = EYE
    points[42:48] = EYE + [0, 70]  # a second eye on plain skin, below the first
    return photo, points


def test_the_upper_lid_slides_down_over_the_eye_and_the_iris_is_covered_not_squashed():
    photo, points = _face()
    slid, weight = lids.lids_slid(photo, points, kept=0.5)
    drop = lids.UPPER_SHARE * 0.5 * 16  # 5.6 rows in the eye's middle
    column = slid[:, 100, 0]
    lash_rows = np.flatnonzero(column[80:110] < 40) + 80
    assert lash_rows.min() >= 91 + int(drop) - 1  # the lash line moved down with the lid ...
    assert np.array_equal(slid[104:106, 100], photo[104:106, 100].astype(np.float32))  # ... the iris under it stayed
    assert slid[107, 100, 0] == SKIN  # ... and the lower lid rose a little over its lowest row
    assert weight[100, 100] > 0.99 and weight[100, 160] == 0 and weight[60, 100] == 0
    assert np.array_equal(slid[:, :70], photo[:, :70].astype(np.float32))  # nothing moved away from the eyes


def test_an_eye_kept_whole_is_the_photo_and_a_share_outside_0_1_is_refused():
    photo, points = _face()
    slid, _ = lids.lids_slid(photo, points, kept=1.0)
    assert np.array_equal(slid, photo.astype(np.float32))
    with pytest.raises(ValueError, match="kept"):
        lids.lids_slid(photo, points, kept=0.0)


def test_opening_is_lid_to_lid_over_corner_to_corner():
    _, points = _face()
    assert lids.opening(points) == pytest.approx(16 / 40)


def test_without_dlib_or_with_the_eyes_outside_the_face_the_paste_is_returned_as_is(monkeypatch):
    photo, points = _face()
    edited = np.full_like(photo, 90)

    def missing(image):
        raise LandmarksUnavailableError("pip install 'emoface[real]'")

    monkeypatch.setattr(lids, "find_landmarks", missing)
    assert lids.narrowed_eyes(photo, edited, 0.6, Box(0, 0, 200, 200)) == (edited, False)
    monkeypatch.setattr(lids, "find_landmarks", lambda image: SimpleNamespace(points=points))
    out, slid = lids.narrowed_eyes(photo, edited, 0.6, Box(0, 0, 200, 120))  # the second eye is outside
    assert out is edited and not slid
    out, slid = lids.narrowed_eyes(photo, edited, 0.6, Box(0, 0, 200, 200))
    assert slid and out[100, 100, 0] == IRIS and out[20, 20, 0] == 90  # the photo's eye, the paste elsewhere


def test_the_engine_slides_the_lids_only_where_the_target_narrows_the_eyes():
    engine = SimpleNamespace(classes=FACE_EXPRESSIONS)
    kept = lambda source, target, intensity=1.0: StarGanEngine.eyes_kept(
        engine, FACE_EXPRESSIONS.index(source), FACE_EXPRESSIONS.index(target), intensity)
    assert kept("surprise", "anger") == pytest.approx(EYE_OPENING["anger"] / EYE_OPENING["surprise"])
    assert kept("fear", "neutral") < 0.92 and kept("neutral", "happiness") < 0.92
    assert kept("surprise", "anger", 0.5) == pytest.approx(1 - 0.5 * (1 - kept("surprise", "anger")))
    assert kept("anger", "surprise") is None and kept("happiness", "sadness") is None  # wider, or about as open
    assert kept("surprise", "fear") is None


@pytest.mark.skipif(not landmarks_available(), reason="needs emoface[real] (dlib + its 68-point model)")
def test_with_the_switch_on_the_engine_slides_a_surprised_scene_s_lids_under_anger_and_says_so():
    from emoface.pipeline import Pipeline
    from emoface.stargan.reader import person_scenes

    pipeline = Pipeline(cache_size=0)
    surprised = person_scenes(2_000_006)["surprise"]  # a tuning person
    plain = pipeline.edit_expression(surprised, "anger", engine="stargan")
    pipeline.stargan.slide_lids = True
    slid = pipeline.edit_expression(surprised, "anger", engine="stargan")
    assert slid.records[0]["lids_slid"] and not plain.records[0]["lids_slid"]
    changed = np.abs(slid.photo.astype(int) - plain.photo.astype(int)).max(axis=2) > 0
    rows, cols = np.nonzero(changed)
    points = find_landmarks(surprised).points
    assert changed.any() and rows.min() >= points[36:48, 1].min() - 20 and rows.max() <= points[36:48, 1].max() + 20
    afraid = pipeline.edit_expression(surprised, "fear", engine="stargan")  # about as wide: nothing slid
    assert not afraid.records[0]["lids_slid"]


@pytest.mark.skipif(not landmarks_available(), reason="needs emoface[real] (dlib + its 68-point model)")
def test_the_eye_opening_script_measures_the_engines_table_from_training_people():
    import json
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "scripts" / "measure_eye_opening.py"
    run = subprocess.run([sys.executable, str(script), "--people", "2", "--json"], capture_output=True, text=True,
                         check=True)
    measured = json.loads(run.stdout)
    assert measured["people"] == 2 and measured["missed"] == 0 and set(measured["opening"]) == set(FACE_EXPRESSIONS)
    for expression, row in measured["opening"].items():  # two people land near the 60 people's means
        assert row["scenes"] == 2 and abs(row["mean"] - EYE_OPENING[expression]) < 0.06, (expression, row)
    refused = subprocess.run([sys.executable, str(script), "--people", "0"], capture_output=True, text=True)
    assert refused.returncode == 2 and "--people must be at least 1" in refused.stderr
