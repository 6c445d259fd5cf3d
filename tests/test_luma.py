"""The one brightness helper the paste, the wrinkle erase and the follow share."""

import cv2
import numpy as np

from emoface.faces.luma import luma


def test_luma_is_opencvs_grey_on_8_bit_and_float_faces():
    face = np.random.default_rng(0).integers(0, 256, (40, 30, 3), dtype=np.uint8)
    grey = cv2.cvtColor(face, cv2.COLOR_RGB2GRAY).astype(np.float32)  # fixed-point, rounded to whole levels
    assert luma(face).shape == (40, 30) and luma(face).dtype == np.float32
    assert np.abs(luma(face) - grey).max() < 0.6
    as_float = face.astype(np.float32)
    assert np.abs(luma(as_float) - cv2.cvtColor(as_float, cv2.COLOR_RGB2GRAY)).max() < 1e-3


def test_luma_weighs_green_most_and_blue_least():
    red, green, blue = (np.zeros((1, 1, 3), np.float32) for _ in range(3))
    red[..., 0], green[..., 1], blue[..., 2] = 100, 100, 100
    assert luma(green)[0, 0] > luma(red)[0, 0] > luma(blue)[0, 0] > 0
