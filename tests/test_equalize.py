import numpy as np
import pytest

from emoface.faces.equalize import chroma_shift, equalize, histograms


@pytest.fixture
def dull_warm_face(grace_hopper):
    """The photo squeezed into a narrow, warm (reddish) range: what equalisation is for."""
    image = grace_hopper.astype(np.float32) * 0.35 + 60
    image[:, :, 0] += 25
    return np.clip(image, 0, 255).astype(np.uint8)


def test_luminance_mode_spreads_brightness_and_keeps_colour(dull_warm_face):
    out = equalize(dull_warm_face, "luminance")
    y_before, y_after = histograms(dull_warm_face)["luminance"], histograms(out)["luminance"]
    spread = lambda h: np.ptp(np.nonzero(h)[0])  # noqa: E731
    assert spread(y_after) > 2 * spread(y_before) and spread(y_after) >= 240
    assert chroma_shift(dull_warm_face, out) < 4.0


def test_per_channel_mode_stretches_each_channel_and_shifts_colour(dull_warm_face):
    out = equalize(dull_warm_face, "per_channel")
    for name in ("red", "green", "blue"):
        assert np.ptp(np.nonzero(histograms(out)[name])[0]) >= 240
    assert chroma_shift(dull_warm_face, out) > 2 * chroma_shift(dull_warm_face, equalize(dull_warm_face))


def test_none_is_an_unchanged_copy(grace_hopper):
    out = equalize(grace_hopper, "none")
    assert out is not grace_hopper and (out == grace_hopper).all()


def test_histograms_count_every_pixel(grace_hopper):
    hist = histograms(grace_hopper)
    assert set(hist) == {"red", "green", "blue", "luminance"}
    assert all(h.shape == (256,) and h.sum() == 600 * 512 for h in hist.values())


def test_bad_mode_and_bad_input():
    image = np.zeros((4, 4, 3), np.uint8)
    with pytest.raises(ValueError, match="luminance, per_channel, none"):
        equalize(image, "clahe")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="load_rgb"):
        equalize(np.zeros((4, 4), np.uint8))
    with pytest.raises(ValueError, match="uint8"):
        equalize(np.zeros((4, 4, 3), np.float32))
