"""The warp: action units as movements, a smooth fold-free warp inside the face only (the real-photo
engine's geometry; tests/test_real_photo_engine.py: its mouth and creases).

The decisive checks re-detect the landmarks on the warped photo: the points must have moved where
the action units say (corners up in a smile, down in sadness, the mouth open in surprise).
"""

import cv2
import numpy as np
import pytest

from emoface.engines.warp.action_units import (ACTION_UNITS, CHEEKS, EXPRESSION_AUS, REST_BROWS, REST_UPPER_LID,
                                               check_intensity, control_points, expression_movement, face_frame)
from emoface.engines.warp.pixels import rigid_mls, warp_expression
from emoface.faces.landmarks import find_landmarks, landmarks_available
from emoface.labels import FACE_EXPRESSIONS

needs_dlib = pytest.mark.skipif(not landmarks_available(), reason="needs emoface[real] (dlib + its 68-point model)")


@pytest.fixture(scope="module")
def grace(grace_hopper):
    if not landmarks_available():
        pytest.skip("needs emoface[real]")
    return find_landmarks(grace_hopper).points


def upright_face() -> np.ndarray:
    """A relaxed 68-point face without dlib: eyes level at y=100, 60 px apart, brows and lids where
    :data:`REST_BROWS` and :data:`REST_UPPER_LID` put them, lips closed and level at y=170."""
    points = np.zeros((68, 2))
    points[0:17] = np.c_[np.linspace(40, 160, 17), 100 + 90 * np.sin(np.linspace(0, np.pi, 17))]
    for k, (x, y) in enumerate(REST_BROWS):
        points[17 + k], points[26 - k] = (100 - 60 * x, 100 + 60 * y), (100 + 60 * x, 100 + 60 * y)
    points[27:31] = np.c_[np.full(4, 100), np.linspace(100, 135, 4)]
    points[31:36] = np.c_[np.linspace(88, 112, 5), np.full(5, 140)]
    lid = -60 * REST_UPPER_LID / np.sin(np.pi / 3)  # the upper lid's points sit at sin(60°) of it
    for start, cx in ((36, 70), (42, 130)):
        angles = np.linspace(np.pi, -np.pi, 6, endpoint=False)
        points[start:start + 6] = np.c_[cx + 12 * np.cos(angles), 100 - lid * np.sin(angles)]
    angles = np.linspace(np.pi, -np.pi, 12, endpoint=False)
    points[48:60] = np.c_[100 + 25 * np.cos(angles), 170 - 8 * np.sin(angles)]
    angles = np.linspace(np.pi, -np.pi, 8, endpoint=False)
    points[60:68] = np.c_[100 + 18 * np.cos(angles), np.full(8, 170.0)]  # lips closed
    return points


def test_every_expression_is_a_set_of_known_action_units():
    assert tuple(EXPRESSION_AUS) == FACE_EXPRESSIONS
    for expression, units in EXPRESSION_AUS.items():
        assert all(unit in ACTION_UNITS and 0 < weight <= 1 for unit, weight in units), expression
    assert all(0 <= point < 70 for movement in ACTION_UNITS.values() for point in movement)


def test_movements_point_the_way_the_action_units_say():
    face = upright_face()
    smile, sad = expression_movement(face, "happiness"), expression_movement(face, "sadness")
    assert smile[48, 1] < 0 and smile[54, 1] < 0  # corners up (image y grows downwards)
    assert smile[48, 0] < 0 < smile[54, 0]  # and outwards, mirrored on each side
    assert sad[48, 1] > 0 and sad[54, 1] > 0 and sad[21, 1] < 0  # corners down, inner brows up
    surprise = expression_movement(face, "surprise")
    assert surprise[66, 1] - surprise[62, 1] > 0.2 * 60 and surprise[8, 1] > 0  # jaw drop opens the mouth
    anger = expression_movement(face, "anger")
    assert anger[21, 1] > 0 and anger[21, 0] > 0 > anger[22, 0]  # brows lowered and drawn together
    assert np.allclose(expression_movement(face, "happiness", 0.5), smile / 2)
    assert np.allclose(expression_movement(face, "neutral"), 0)  # a relaxed face has nothing to relax


def test_every_expression_starts_from_relaxed_brows():
    face = upright_face()
    frowning = face.copy()
    frowning[17:27, 1] += 6  # brows 0.1 D low, as in an angry photo
    surprised = frowning + expression_movement(frowning, "surprise")[:68]
    from_rest = face + expression_movement(face, "surprise")[:68]
    # half the frown is undone before the brows are raised: they end 3 px (not 6) below a relaxed face's surprise
    assert np.allclose(surprised[17:27, 1] - from_rest[17:27, 1], 3)


def test_neutral_relaxes_a_smile_and_closes_an_open_mouth():
    face = upright_face()
    smiling_open = face + expression_movement(face, "happiness")[:68] + expression_movement(face, "surprise")[:68]
    relaxed = smiling_open + expression_movement(smiling_open, "neutral")[:68]
    lip_line = lambda p: (p[62, 1] + p[66, 1]) / 2  # noqa: E731
    assert abs(relaxed[48, 1] - lip_line(relaxed)) < 0.3 * abs(smiling_open[48, 1] - lip_line(smiling_open))
    assert relaxed[66, 1] - relaxed[62, 1] < 0.5 * (smiling_open[66, 1] - smiling_open[62, 1])


def test_the_face_frame_follows_a_tilted_head():
    face = upright_face()
    angle = np.deg2rad(20)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    tilted = face @ rotation.T
    assert np.allclose(expression_movement(tilted, "happiness"), expression_movement(face, "happiness") @ rotation.T)
    _, unit_x, unit_down, distance = face_frame(control_points(tilted))
    assert np.isclose(distance, 60) and np.isclose(unit_x @ unit_down, 0)


@pytest.mark.parametrize("bad", [-0.1, 1.5, float("nan")])
def test_intensity_outside_0_1_is_refused(bad):
    with pytest.raises(ValueError, match="intensity must be between 0"):
        check_intensity(bad)


def test_rigid_mls_interpolates_its_controls_and_keeps_a_translation_rigid():
    rng = np.random.default_rng(0)
    sources = rng.uniform(0, 100, 12) + 1j * rng.uniform(0, 100, 12)
    targets = sources + rng.normal(0, 3, 12) + 1j * rng.normal(0, 3, 12)
    assert np.allclose(rigid_mls(sources, sources, targets), targets, atol=1e-4)
    anywhere = rng.uniform(0, 100, 50) + 1j * rng.uniform(0, 100, 50)
    assert np.allclose(rigid_mls(anywhere, sources, sources + (5 - 2j)), anywhere + (5 - 2j))


def test_intensity_zero_changes_no_pixel(grace_hopper, grace):
    assert np.array_equal(warp_expression(grace_hopper, grace, "surprise", 0.0).photo, grace_hopper)


@pytest.mark.parametrize("expression", FACE_EXPRESSIONS)
def test_only_the_face_region_moves_and_the_warp_never_folds(grace_hopper, grace, expression):
    result = warp_expression(grace_hopper, grace, expression)
    region = result.region
    outside = np.ones(grace_hopper.shape[:2], bool)
    outside[region.y : region.y + region.h, region.x : region.x + region.w] = False
    assert np.array_equal(result.photo[outside], grace_hopper[outside])
    dx, dy = result.offsets
    assert np.abs(dx[[0, -1]]).max() == np.abs(dx[:, [0, -1]]).max() == 0  # zero on the region's edge
    assert np.abs(dy[[0, -1]]).max() == np.abs(dy[:, [0, -1]]).max() == 0
    # the map x -> x + d(x) has a positive Jacobian: no fold, no tear, no seam of repeated pixels ...
    jacobian = (1 + np.gradient(dx, axis=1)) * (1 + np.gradient(dy, axis=0)) - np.gradient(dx, axis=0) * np.gradient(dy, axis=1)
    # ... except on the lips, which are mapped triangle by triangle (they may meet, and the inside of a
    # mouth that opened comes from the line where the lips met, then is repainted: tests/test_real_photo_engine.py)
    mouth = np.zeros(jacobian.shape, np.uint8)
    for points in (result.source_points, result.target_points):
        cv2.fillPoly(mouth, [np.round(points[48:60] - [region.x, region.y]).astype(np.int32)], 1)
    mouth = cv2.dilate(mouth, np.ones((9, 9), np.uint8)).astype(bool)
    assert jacobian[~mouth].min() > 0.1, (expression, jacobian[~mouth].min())
    assert np.abs(np.gradient(dx, axis=1))[~mouth].max() < 1.2  # smooth: no pixel pulled far from its neighbour


def test_a_face_cut_by_the_image_border_does_not_tear(grace_hopper, grace):
    left = int(grace[:, 0].min()) + 20  # cut the photo through the face's left cheek
    cut = np.ascontiguousarray(grace_hopper[:, left:])
    points = grace - np.array([left, 0])
    result = warp_expression(cut, points, "happiness")
    assert np.array_equal(result.photo[:, 0], cut[:, 0])  # the border column keeps its pixels exactly
    assert not np.array_equal(result.photo, cut)


# Point 48 (the mouth corner on the image's left): dlib places Grace Hopper's other corner, 54, a few
# pixels differently at every run of the predictor on slightly different pixels, even where the warp
# does not move it; 48 is stable to a pixel.
@needs_dlib
@pytest.mark.parametrize("expression, check", [
    ("happiness", lambda before, after: after[48, 1] < before[48, 1] - 2),
    ("sadness", lambda before, after: after[48, 1] > before[48, 1] + 2),
    ("surprise", lambda before, after: (after[66, 1] - after[62, 1]) > (before[66, 1] - before[62, 1]) + 8),
])
def test_redetected_landmarks_moved_the_way_the_expression_says(grace_hopper, grace, expression, check):
    warped = warp_expression(grace_hopper, grace, expression).photo
    assert check(grace, find_landmarks(warped).points)


def test_wrong_inputs_are_refused(grace_hopper):
    with pytest.raises(ValueError, match="68"):
        warp_expression(grace_hopper, np.zeros((5, 2)), "happiness")
    with pytest.raises(ValueError, match="uint8"):
        warp_expression(grace_hopper.astype(float), upright_face(), "happiness")
    with pytest.raises(ValueError, match="unknown expression"):
        warp_expression(grace_hopper, upright_face(), "joy")
    assert CHEEKS == (68, 69)
