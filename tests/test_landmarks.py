"""68 landmarks on real photographs with dlib (``emoface[real]``): where they land, and the errors."""

import numpy as np
import pytest

from emoface.faces import landmarks as landmarks_module
from emoface.faces.detect import NoFaceError
from emoface.faces.landmarks import (REGIONS, LandmarkDetector, LandmarksUnavailableError, NoLandmarksError,
                                     default_landmark_detector, find_landmarks, landmarks_available,
                                     shape_model_path)

pytestmark = pytest.mark.skipif(not landmarks_available(), reason="needs emoface[real] (dlib + its 68-point model)")


@pytest.fixture(scope="module")
def grace(grace_hopper):
    return find_landmarks(grace_hopper)


def test_the_68_points_land_on_the_face(grace, grace_hopper):
    box = grace.face_box
    assert grace.points.shape == (68, 2) and grace.n_faces == 1
    assert sorted(i for r in REGIONS.values() for i in r) == list(range(68))
    inside = ((grace.points[:, 0] >= box.x - 0.2 * box.w) & (grace.points[:, 0] <= box.x + 1.2 * box.w)
              & (grace.points[:, 1] >= box.y - 0.2 * box.h) & (grace.points[:, 1] <= box.y + 1.2 * box.h))
    assert inside.all()
    right_eye, left_eye = grace.eye_centres
    brows, mouth, chin = grace.region("right_brow")[:, 1].mean(), grace.region("outer_lips")[:, 1].mean(), grace.points[8, 1]
    assert brows < right_eye[1] < grace.points[33, 1] < mouth < chin  # top to bottom, in image y
    assert right_eye[0] < grace.points[30, 0] < left_eye[0]  # the subject's right eye is on the image's left
    assert 0.25 * box.w < grace.interocular < 0.6 * box.w


def test_points_follow_the_face_at_any_resolution(grace, grace_hopper):
    import cv2

    big = cv2.resize(grace_hopper, None, fx=3, fy=3, interpolation=cv2.INTER_CUBIC)
    scaled = find_landmarks(big)
    # detection ran on a ≤640 px copy; the predictor itself varies a little with resolution
    assert np.abs(scaled.points / 3 - grace.points).mean() < 0.1 * grace.interocular


def test_a_photo_without_a_face_says_what_would_work():
    landscape = np.dstack([np.tile(np.linspace(0, 255, 640, dtype=np.uint8), (480, 1))] * 3)
    with pytest.raises(NoLandmarksError, match="well-lit photo with one face") as caught:
        find_landmarks(landscape)
    assert isinstance(caught.value, NoFaceError)  # callers that catch NoFaceError catch this too


def test_a_tiny_face_is_refused(grace_hopper):
    import cv2

    small = cv2.resize(grace_hopper, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    with pytest.raises(NoLandmarksError, match="pixels wide"):
        default_landmark_detector().landmarks(np.pad(small, ((200, 200), (200, 200), (0, 0)), mode="edge"))


def test_a_missing_model_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setattr(landmarks_module.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(LandmarksUnavailableError, match=r"emoface\[real\]"):
        shape_model_path()
    assert not landmarks_available()
    with pytest.raises(LandmarksUnavailableError, match="no landmark model"):
        LandmarkDetector(tmp_path / "missing.dat")


def test_a_file_that_is_not_a_shape_model_is_refused(tmp_path):
    bogus = tmp_path / "shape_predictor_68_face_landmarks.dat"
    bogus.write_bytes(b"not a dlib model")
    with pytest.raises(LandmarksUnavailableError, match="not a dlib shape predictor"):
        LandmarkDetector(bogus)
