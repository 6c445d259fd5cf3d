import cv2
import numpy as np
import pytest

from emoface.faces.detect import Box, FaceDetector, NoFaceError, crop_face, cut, square_box
from emoface.images import ImageReadError, sample_photo_path


def iou(a: Box, b: Box) -> float:
    x0, y0 = max(a.x, b.x), max(a.y, b.y)
    x1, y1 = min(a.x + a.w, b.x + b.w), min(a.y + a.h, b.y + b.h)
    inter = max(0, x1 - x0) * max(0, y1 - y0)
    return inter / (a.area + b.area - inter)


def test_finds_grace_hoppers_face(grace_hopper):
    found = crop_face(grace_hopper)
    assert found.face.shape == (128, 128, 3) and found.face.dtype == np.uint8
    assert found.n_faces == 1
    box = found.face_box
    # Her face sits in the upper middle of the 512×600 portrait.
    assert 100 < box.x + box.w / 2 < 400 and 100 < box.y + box.h / 2 < 350 and 150 < box.w < 320
    # The crop is a square around the face, larger by the margin on each side.
    assert found.crop_box.w == found.crop_box.h > box.w
    assert found.crop_box.x < box.x and found.crop_box.y < box.y


def test_paths_and_arrays_give_the_same_answer(grace_hopper):
    assert crop_face(sample_photo_path()).face_box == crop_face(grace_hopper).face_box


@pytest.mark.parametrize("convert", ["gray", "rgba", "uint16"])
def test_other_pixel_formats(grace_hopper, convert):
    if convert == "gray":
        image = cv2.cvtColor(grace_hopper, cv2.COLOR_RGB2GRAY)
    elif convert == "rgba":
        image = np.dstack([grace_hopper, np.full(grace_hopper.shape[:2], 255, np.uint8)])
    else:
        image = grace_hopper.astype(np.uint16) * 257
    reference = crop_face(grace_hopper).face_box
    assert iou(crop_face(image).face_box, reference) > 0.8


def test_no_face_says_what_photo_would_work():
    landscape = np.tile(np.linspace(0, 255, 640, dtype=np.uint8), (480, 1))
    with pytest.raises(NoFaceError, match="no face found.*frontal"):
        crop_face(np.dstack([landscape] * 3))


def test_a_tiny_face_is_refused(grace_hopper):
    small = cv2.resize(grace_hopper, None, fx=0.15, fy=0.15, interpolation=cv2.INTER_AREA)
    canvas = np.full((400, 400, 3), 128, np.uint8)
    canvas[100 : 100 + small.shape[0], 100 : 100 + small.shape[1]] = small
    detector = FaceDetector(min_neighbors=3)
    assert detector.detect(canvas), "the cascade should still see the small face"
    with pytest.raises(NoFaceError, match="pixels wide"):
        detector.crop(canvas)


def test_several_faces_keep_the_largest_and_warn(grace_hopper):
    small = cv2.resize(grace_hopper, None, fx=0.6, fy=0.6, interpolation=cv2.INTER_AREA)
    canvas = np.full((600, 512 + small.shape[1], 3), 200, np.uint8)
    canvas[:, :512] = grace_hopper
    canvas[100 : 100 + small.shape[0], 512:] = small
    with pytest.warns(UserWarning, match="faces found"):
        found = crop_face(canvas)
    assert found.n_faces >= 2 and found.face_box.x + found.face_box.w <= 512


def test_a_10000_pixel_photo_is_detected_at_full_resolution_coordinates(grace_hopper):
    huge = np.full((10000, 10000, 3), 90, np.uint8)
    big = cv2.resize(grace_hopper, None, fx=8, fy=8, interpolation=cv2.INTER_LINEAR)
    huge[1000 : 1000 + big.shape[0], 2000 : 2000 + big.shape[1]] = big
    found = crop_face(huge)
    reference = crop_face(grace_hopper).face_box
    expected = Box(2000 + 8 * reference.x, 1000 + 8 * reference.y, 8 * reference.w, 8 * reference.h)
    assert iou(found.face_box, expected) > 0.7


def test_unreadable_and_truncated_files(tmp_path):
    bad = tmp_path / "photo.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    with pytest.raises(ImageReadError):
        crop_face(bad)
    good = sample_photo_path().read_bytes()
    cut_file = tmp_path / "cut.jpg"
    cut_file.write_bytes(good[: len(good) // 3])
    with pytest.raises(ImageReadError, match="truncated"):
        crop_face(cut_file)


def test_square_box_and_cut_at_the_border():
    box = square_box(Box(0, 0, 10, 20), margin=0.5)
    assert box.w == box.h == 40 and box.x == -15 and box.y == -10
    image = np.arange(5 * 5 * 3, dtype=np.uint8).reshape(5, 5, 3)
    patch = cut(image, Box(-2, -2, 4, 4))
    assert patch.shape == (4, 4, 3)
    assert (patch[0, 0] == image[0, 0]).all() and (patch[3, 3] == image[1, 1]).all()


def test_missing_cascade_is_explained():
    with pytest.raises(FileNotFoundError, match="no Haar cascade"):
        FaceDetector(cascade="haarcascade_no_such_thing.xml")
