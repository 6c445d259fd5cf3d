"""The real-photo engine's appearance steps: the mouth closed over teeth, opened with a painted inside,
creases shaded into the skin, a smile's folds flattened, and identity kept (tests/test_warp.py: the warp).

Each check measures the photo the way a person would look at it: are there still teeth between the
lips, is the new opening dark with a lighter band of teeth under the upper lip, is the skin between
the brows darker, is it still the same person.
"""

import cv2
import numpy as np
import pytest

from emoface.engines.warp import redraw_expression
from emoface.engines.warp.creases import Crease, draw_creases, expression_creases
from emoface.faces.landmarks import find_landmarks, landmarks_available
from emoface.labels import FACE_EXPRESSIONS

pytestmark = pytest.mark.skipif(not landmarks_available(), reason="needs emoface[real] (dlib + its 68-point model)")


@pytest.fixture(scope="module")
def grace(grace_hopper):
    return find_landmarks(grace_hopper).points


@pytest.fixture(scope="module")
def smiling():
    """A smile that shows its teeth (scikit-image's astronaut, part of emoface[real])."""
    from emoface.datasets.real_photos import RealPhotoUnavailable, real_photo

    try:
        photo = real_photo("astronaut").load()
    except RealPhotoUnavailable as error:
        pytest.skip(str(error))
    return photo, find_landmarks(photo).points


def lip_colour(photo: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Median HSV of the lips themselves (between the outer and inner lip lines)."""
    ring = np.zeros(photo.shape[:2], np.uint8)
    cv2.fillPoly(ring, [np.round(points[48:60]).astype(np.int32)], 1)
    cv2.fillPoly(ring, [np.round(points[60:68]).astype(np.int32)], 0)
    return np.median(cv2.cvtColor(photo, cv2.COLOR_RGB2HSV)[ring > 0].astype(float), 0)


def teeth_share(photo: np.ndarray, points: np.ndarray, lips: np.ndarray) -> float:
    """The share of the pixels inside the outer lip line that look like teeth next to these lips
    (``lips``: their HSV): greyer and brighter. The astronaut's teeth are warm and her skin pale,
    so no fixed threshold separates them; her lips do."""
    inside = np.zeros(photo.shape[:2], np.uint8)
    cv2.fillPoly(inside, [np.round(points[48:60]).astype(np.int32)], 1)
    hsv = cv2.cvtColor(photo, cv2.COLOR_RGB2HSV)[inside > 0].astype(float)
    return float(np.mean((hsv[:, 1] < 0.8 * lips[1]) & (hsv[:, 2] > lips[2] + 5)))


def test_intensity_zero_leaves_the_photo_as_it_was(grace_hopper, grace):
    for expression in FACE_EXPRESSIONS:
        assert np.array_equal(redraw_expression(grace_hopper, grace, expression, 0.0).photo, grace_hopper)


@pytest.mark.parametrize("expression", ["neutral", "sadness", "anger"])
def test_closing_a_toothy_smile_hides_the_teeth(smiling, expression):
    photo, points = smiling
    lips = lip_colour(photo, points)
    before = teeth_share(photo, points, lips)
    edit = redraw_expression(photo, points, expression)
    after = teeth_share(edit.photo, edit.target_points, lips)
    assert before > 0.2 and after < 0.2 * before, (before, after)
    assert edit.record["mouth"] == "closed"
    gap = (edit.target_points[66] - edit.target_points[62])[1]
    assert abs(gap) < 1.0  # the lips meet


def test_opening_a_closed_mouth_paints_a_dark_inside_with_teeth_under_the_upper_lip(grace_hopper, grace):
    edit = redraw_expression(grace_hopper, grace, "surprise")
    assert edit.record["mouth"] == "opened"
    target = edit.target_points
    inner = np.zeros(grace_hopper.shape[:2], np.uint8)
    cv2.fillPoly(inner, [np.round(target[60:68]).astype(np.int32)], 1)
    inner = cv2.erode(inner, np.ones((3, 3), np.uint8))
    grey = cv2.cvtColor(edit.photo, cv2.COLOR_RGB2GRAY).astype(float)
    lips = np.zeros_like(inner)
    cv2.fillPoly(lips, [np.round(target[48:60]).astype(np.int32)], 1)
    lips[inner > 0] = 0
    assert np.median(grey[inner > 0]) < 0.6 * np.median(grey[lips > 0])  # a dark opening, not a smear of lips
    # just under the upper lip's middle: the teeth, brighter than the cavity below them
    top, bottom = target[62], target[66]
    teeth = grey[int(top[1] + 0.12 * (bottom[1] - top[1])), int(top[0])]
    cavity = grey[int(top[1] + 0.7 * (bottom[1] - top[1])), int(top[0])]
    assert teeth > cavity + 60, (teeth, cavity)


def test_creases_darken_the_skin_and_keep_its_colour_and_leave_other_things_alone():
    skin = np.array([200.0, 150.0, 120.0])
    photo = np.zeros((100, 200, 3), np.uint8)
    photo[:, :100] = skin  # skin on the left, a blue wall on the right
    photo[:, 100:] = (40, 60, 200)
    line = np.array([[20.0, 50.0], [180.0, 50.0]])
    shaded = draw_creases(photo, [Crease(line, 3.0, 0.5, np.zeros(2))], skin)
    on_skin, on_wall = shaded[50, 50].astype(float), shaded[50, 150]
    assert on_skin.sum() < 0.8 * skin.sum() and on_skin[0] / on_skin[2] > skin[0] / skin[2]  # darker, still warm
    assert np.array_equal(on_wall, photo[50, 150]) and np.array_equal(shaded[5], photo[5])


def test_each_expression_draws_the_creases_of_its_action_units(grace):
    def creases(expression):
        return len(expression_creases(grace, expression))

    assert creases("neutral") == 0
    assert creases("anger") == 2  # AU4: the two furrows between the brows
    assert creases("surprise") == 3  # AU1 + AU2: three forehead lines
    assert creases("happiness") == 8 + 2  # AU6: crow's feet and lower-lid folds; AU12: the nasolabial folds
    assert creases("disgust") >= 5 + 2  # AU9's nose wrinkles, AU10's nasolabial folds


def test_anger_furrows_the_skin_between_the_brows(smiling):
    photo, points = smiling
    edit = redraw_expression(photo, points, "anger")
    distance = np.linalg.norm(points[39] - points[42])
    x, y = np.round((edit.target_points[21] + edit.target_points[22]) / 2 - [0, 0.12 * distance]).astype(int)
    r = int(0.15 * distance)
    grey = lambda image: cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)[y - r : y + r, x - r : x + r].astype(float)  # noqa: E731
    assert grey(edit.photo).min() < grey(photo).min() - 8  # the furrows' shadow
    assert abs(grey(edit.photo).mean() - grey(photo).mean()) < 20  # shading, not a painted patch


def test_a_smile_stops_smiling_in_every_other_expression(smiling):
    photo, points = smiling
    rise = points[62, 1] - points[[48, 54], 1].mean()  # the corners sit this far above the upper lip's middle
    assert rise > 3
    for expression in ("neutral", "sadness", "anger", "surprise", "fear"):
        edit = redraw_expression(photo, points, expression)
        assert edit.record["smile_softened"] > 0.5, expression
        still = edit.target_points[62, 1] - edit.target_points[[48, 54], 1].mean()
        assert still < 0.3 * rise, (expression, rise, still)  # the corners came down to the lips' line


def test_every_edit_is_still_the_same_person(grace_hopper, grace):
    from emoface.judges.identity import SAME_PERSON, default_embedder

    embedder = default_embedder()
    original = embedder.embed(grace_hopper)
    for expression in FACE_EXPRESSIONS:
        edited = embedder.embed(redraw_expression(grace_hopper, grace, expression).photo)
        assert np.linalg.norm(edited - original) < SAME_PERSON, expression


def test_nothing_outside_the_face_changes(grace_hopper, grace):
    from emoface.faces.detect import Box, square_box

    x0, y0 = grace.min(0)
    x1, y1 = grace.max(0)
    around = square_box(Box(int(x0), int(y0), int(x1 - x0), int(y1 - y0)), 0.75)
    outside = np.ones(grace_hopper.shape[:2], bool)
    outside[max(0, around.y) : around.y + around.h, max(0, around.x) : around.x + around.w] = False
    for expression in FACE_EXPRESSIONS:
        assert np.array_equal(redraw_expression(grace_hopper, grace, expression).photo[outside], grace_hopper[outside])
