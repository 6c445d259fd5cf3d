import io

import numpy as np
import pytest
from PIL import Image

from emoface.images import ImageReadError, load_rgb, load_rgb_sized, sample_photo_path


def png_bytes(image: Image.Image, **kwargs) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", **kwargs)
    return buffer.getvalue()


def test_the_sample_photo_is_a_real_rgb_photo():
    rgb = load_rgb(sample_photo_path())
    assert rgb.dtype == np.uint8 and rgb.shape == (600, 512, 3)
    assert rgb.std() > 20  # a photograph, not a flat placeholder


@pytest.mark.parametrize(
    "array",
    [
        np.full((5, 6), 7, np.uint8),
        np.full((5, 6, 1), 7, np.uint8),
        np.full((5, 6), 7 * 257, np.uint16),
        np.full((5, 6, 3), 7 / 255, np.float32),
    ],
    ids=["gray", "gray-1ch", "16-bit", "float"],
)
def test_arrays_of_every_common_kind_become_rgb_uint8(array):
    rgb = load_rgb(array)
    assert rgb.shape == (5, 6, 3) and rgb.dtype == np.uint8
    assert (rgb == 7).all()


def test_transparent_pixels_become_white():
    rgba = np.zeros((2, 2, 4), np.uint8)
    rgba[0, 0] = (255, 0, 0, 255)
    rgb = load_rgb(rgba)
    assert tuple(rgb[0, 0]) == (255, 0, 0) and tuple(rgb[1, 1]) == (255, 255, 255)
    from_file = load_rgb(png_bytes(Image.fromarray(rgba, "RGBA")))
    assert (from_file == rgb).all()


def test_16_bit_and_grayscale_files(tmp_path):
    sixteen = Image.fromarray(np.full((4, 4), 65535, np.uint16))
    path = tmp_path / "deep.png"
    sixteen.save(path)
    assert (load_rgb(path) == 255).all()
    assert load_rgb(png_bytes(Image.new("L", (3, 3), 9))).shape == (3, 3, 3)


def test_exif_rotation_is_applied():
    image = Image.new("RGB", (40, 20), "red")
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    assert load_rgb(buffer.getvalue()).shape == (40, 20, 3)


def test_truncated_file_is_refused_not_half_read(tmp_path):
    buffer = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (200, 200, 3), dtype=np.uint8)).save(buffer, "JPEG")
    path = tmp_path / "cut.jpg"
    path.write_bytes(buffer.getvalue()[:3000])
    with pytest.raises(ImageReadError, match="truncated or corrupt"):
        load_rgb(path)


def test_not_an_image(tmp_path):
    path = tmp_path / "notes.jpg"
    path.write_text("this is text, not a photo")
    with pytest.raises(ImageReadError, match="not an image format"):
        load_rgb(path)


def test_missing_file():
    with pytest.raises(ImageReadError, match="no image file"):
        load_rgb("/no/such/photo.jpg")


def test_huge_images_are_refused_before_decoding():
    data = png_bytes(Image.new("RGB", (400, 300)))
    with pytest.raises(ImageReadError, match="400×300.*limit"):
        load_rgb(data, max_pixels=100_000)


@pytest.mark.parametrize("shape", [(4, 4, 2), (0, 4, 3), (2, 2, 2, 3)])
def test_impossible_shapes(shape):
    with pytest.raises(ImageReadError, match="expected H×W"):
        load_rgb(np.zeros(shape, np.uint8))


def test_a_dark_16_bit_image_stays_dark():
    dark = np.full((3, 3), 200, np.uint16)  # 200 of 65535: nearly black, not 200 of 255
    assert (load_rgb(dark) == 1).all()


def test_save_rgb_round_trips_and_refuses_other_formats(tmp_path):
    from emoface.images import save_rgb

    rgb = np.zeros((4, 5, 3), np.uint8)
    rgb[0, 0] = (255, 0, 0)
    assert (load_rgb(save_rgb(tmp_path / "a.png", rgb)) == rgb).all()  # lossless, and red stays red
    assert load_rgb(save_rgb(tmp_path / "b.jpg", rgb)).shape == (4, 5, 3)
    with pytest.raises(ValueError, match="use .png or .jpg"):
        save_rgb(tmp_path / "c.gif", rgb)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png", "b.jpg"]


def _png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG that declares ``width × height`` (1-bit grey) but carries almost no data: a bomb's header."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00" * 1000)) + chunk(b"IEND", b""))


@pytest.mark.parametrize("side", [13_000, 20_000])  # Pillow warns from 89 MP and raises its own error from 179 MP
def test_a_decompression_bomb_is_refused_from_its_header_in_one_sentence(side, tmp_path):
    import warnings

    path = tmp_path / "bomb.png"
    path.write_bytes(_png_header_only(side, side))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and no warning leaks
        with pytest.raises(ImageReadError, match="MP limit"):
            load_rgb(path)
        with pytest.raises(ImageReadError, match="MP limit"):
            load_rgb(path.read_bytes())
        path.write_bytes(_png_header_only(10_000, 10_000))  # under our limit, over Pillow's warning: no warning,
        with pytest.raises(ImageReadError, match="truncated"):  # and this one is only a header
            load_rgb(path)


def test_the_cli_answers_a_bomb_with_one_line(tmp_path, capsys):
    from emoface.cli import main

    path = tmp_path / "bomb.png"
    path.write_bytes(_png_header_only(20_000, 20_000))
    assert main(["edit", "--expression", "sadness", "--photo", str(path), "--out", str(tmp_path / "o.png")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "MP limit" in err and not (tmp_path / "o.png").exists()


def test_transparency_is_laid_on_white_in_bands_exactly():
    rng = np.random.default_rng(0)
    rgba = rng.integers(0, 256, (1100, 7, 4), dtype=np.uint8)
    expected = np.round(rgba[:, :, :3] * (rgba[:, :, 3:] / 255.0) + 255.0 * (1 - rgba[:, :, 3:] / 255.0))
    assert np.abs(load_rgb(Image.fromarray(rgba, "RGBA")).astype(int) - expected).max() <= 1


def _gradient(width: int, height: int, channels: int) -> np.ndarray:
    y, x = np.mgrid[0:height, 0:width]
    planes = [(x * 255 // width), (y * 255 // height), ((x + y) * 255 // (width + height)), (255 - y * 255 // height)]
    return np.stack(planes[:channels], axis=2).astype(np.uint8)


@pytest.mark.parametrize("fmt, mode", [("JPEG", "RGB"), ("PNG", "RGBA"), ("PNG", "RGB")])
def test_a_large_photo_is_shrunk_while_it_is_decoded(fmt, mode):
    import cv2

    channels = len(mode)
    pixels = _gradient(2400, 1800, channels)
    buffer = io.BytesIO()
    Image.fromarray(pixels, mode).save(buffer, format=fmt, **({"quality": 95} if fmt == "JPEG" else {}))
    photo = load_rgb_sized(buffer.getvalue(), max_side=500)
    assert photo.own_size == (2400, 1800) and photo.rgb.shape == (375, 500, 3)
    full = load_rgb(buffer.getvalue())  # the whole photo, then shrunk: the same picture
    expected = cv2.resize(full, (500, 375), interpolation=cv2.INTER_AREA).astype(int)
    assert np.abs(photo.rgb.astype(int) - expected).mean() < (2.0 if fmt == "JPEG" else 0.6)


def test_the_size_a_photo_reports_is_the_upright_one():
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 600), "red").save(buffer, format="JPEG", exif=exif)
    photo = load_rgb_sized(buffer.getvalue(), max_side=300)
    assert photo.own_size == (600, 1200) and photo.rgb.shape == (300, 150, 3)


def test_the_cli_edits_a_photo_too_large_to_keep_whole(tmp_path, monkeypatch, capsys):
    """A photo over the working size is read shrunk, edited, and the result says so."""
    import json

    from emoface import pipeline as pipeline_module
    from emoface.cli import main

    big = np.repeat(np.repeat(load_rgb(sample_photo_path()), 2, axis=0), 2, axis=1)
    path = tmp_path / "big.png"
    Image.fromarray(big).save(path)
    monkeypatch.setattr(pipeline_module, "WORK_MAX_SIDE", 700)
    assert main(["edit", "--expression", "surprise", "--engine", "stargan", "--photo", str(path),
                 "--out", str(tmp_path / "out.png"), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    height, width = big.shape[:2]
    assert report["scaled_from"] == [width, height] and report["edited"]
    assert f"scaled from {width}×{height} to 597×700" in report["message"]
    assert load_rgb(tmp_path / "out.png").shape == (700, 597, 3)
