"""The photo's own brows moved where the generator moved them (emoface.faces.follow)."""

from types import SimpleNamespace

import cv2
import numpy as np

from emoface.engines.stargan import FOLLOW_BAND, StarGanEngine
from emoface.faces.detect import Box
from emoface.faces.follow import followed, row_band
from emoface.faces.paste import paste_face
from emoface.labels import FACE_EXPRESSIONS

SKIN, BROW = 200.0, 60.0
SIDE, SMALL = 256, 64
BAND = (0.25, 0.50)


def _crop_with_brow(top: int) -> np.ndarray:
    """A skin crop with a sharp dark bar (a brow) 8 rows high from ``top``, columns 60-120."""
    crop = np.full((SIDE, SIDE, 3), SKIN, np.float32)
    crop[top:top + 8, 60:120] = BROW
    return crop


def _small(image: np.ndarray, blur: float = 0.0) -> np.ndarray:
    small = cv2.resize(image, (SMALL, SMALL), interpolation=cv2.INTER_AREA)
    return cv2.GaussianBlur(small, (0, 0), blur) if blur else small


def _followed(photo: np.ndarray, edited: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    original = _small(photo)
    paste = cv2.resize(edited, (SIDE, SIDE), interpolation=cv2.INTER_CUBIC)
    moved, used = followed(photo, edited, original, BAND, np.ones((SIDE, SIDE), np.float32), paste)
    return moved, used, paste


def test_a_brow_the_generator_moved_is_the_photo_s_sharp_brow_in_the_new_place():
    photo = _crop_with_brow(80)
    edited = _small(_crop_with_brow(88), blur=0.5)  # G's soft brow, two of its pixels lower
    moved, used, paste = _followed(photo, edited)
    brow = (slice(90, 94), slice(70, 110))
    assert moved[brow].mean() < 90, "the brow is not in its new place"
    assert moved[80:84, 70:110].mean() > 170, "the old brow is still there"
    assert used[90:94, 80:100].min() > 0.9  # the brow's middle (G's soft ends are paler than the moved photo's)
    edge = lambda image: np.abs(np.diff(image[76:104, 70:110, 0], axis=0)).max()
    assert edge(moved) > 2 * edge(paste), "the moved brow is no sharper than the generator's"


def test_what_the_generator_draws_new_is_not_explained_by_a_motion_and_stays_its_own():
    photo = _crop_with_brow(80)
    drawn = _crop_with_brow(80)
    drawn[112:116, 170:240] = 90.0  # a new line where the photo has none, away from the brow
    edited = _small(drawn, blur=0.5)
    _, used, _ = _followed(photo, edited)
    assert used[113:115, 180:230].max() < 0.1


def test_nothing_is_followed_outside_the_band():
    band = row_band(SIDE, BAND)
    assert band[: int(0.19 * SIDE)].max() == 0 and band[int(0.56 * SIDE):].max() == 0
    assert band[int(0.3 * SIDE): int(0.45 * SIDE)].min() == 1


def test_an_unedited_face_pasted_back_with_the_band_changes_nothing():
    photo = np.random.default_rng(0).integers(0, 256, (300, 300, 3), dtype=np.uint8)
    face = cv2.resize(photo[20:276, 20:276], (SMALL, SMALL), interpolation=cv2.INTER_AREA)
    out = paste_face(photo, face, Box(20, 20, 256, 256), original_face=face, follow=BAND)
    assert np.array_equal(out, photo)


def test_the_engine_leaves_knit_brows_to_the_generator_and_follows_every_other_source():
    engine = SimpleNamespace(classes=FACE_EXPRESSIONS)
    band = lambda source, target: StarGanEngine.follow_band(engine, FACE_EXPRESSIONS.index(source),
                                                            FACE_EXPRESSIONS.index(target))
    assert band("disgust", "sadness") == band("neutral", "surprise") == band("surprise", "fear") == FOLLOW_BAND
    assert band("fear", "anger") == band("surprise", "neutral") == FOLLOW_BAND  # wide eyes: the left-behind test
    assert band("anger", "sadness") is None and band("anger", "happiness") is None


def test_a_faint_old_line_the_generator_took_away_is_left_to_it_not_brought_back_by_the_motion():
    photo = _crop_with_brow(80)
    photo[112:116, 170:240] = SKIN - 25  # a faint old line, 25 levels deep: under the 30-level test for a change
    edited = _small(_crop_with_brow(88), blur=0.5)  # G moved the brow and took the line away
    _, used, _ = _followed(photo, edited)
    assert used[113:115, 199:215].max() < 0.1  # the line's middle: its ends, slid along it, look like a motion
