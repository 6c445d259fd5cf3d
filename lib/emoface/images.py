"""Read whatever image a user hands us into one well-defined array, or say clearly why not.

Every step after this one (Haar detection, equalisation, the GAN, paste-back) assumes an
``H×W×3`` RGB ``uint8`` array. Users upload everything else: grayscale scans, PNGs with an alpha
channel, 16-bit TIFFs from a camera, phone photos stored sideways with an EXIF rotation flag,
truncated downloads, text files renamed ``.jpg``, 100-megapixel panoramas. OpenCV's ``imread``
silently returns ``None`` or half a picture for several of these, so files are decoded with
Pillow, which raises on truncation, and converted here once.

Taught in ``02_tunedmug.ipynb``; the pipeline and the blog read uploads through it.
"""

from __future__ import annotations

import io
import os
import warnings
from pathlib import Path
from typing import BinaryIO, NamedTuple, Union

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .atomic import atomic_write_bytes

#: Larger images are refused before they are decoded: 150 MP of RGB is 450 MB of memory.
MAX_PIXELS = 150_000_000

ImageSource = Union[str, os.PathLike, bytes, BinaryIO, np.ndarray, Image.Image]


#: EXIF orientation → the turn that shows the photo upright (what ``ImageOps.exif_transpose`` applies).
_EXIF_TURNS = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
               5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
               8: Image.Transpose.ROTATE_90}


class ImageReadError(ValueError):
    """The input is not an image we can read (missing, not an image, truncated, too large)."""


def load_rgb(source: ImageSource, max_pixels: int = MAX_PIXELS, max_side: int | None = None) -> np.ndarray:
    """Return ``source`` as an ``H×W×3`` RGB ``uint8`` array.

    Accepts a path, an open binary file, the bytes of an image file, a PIL image or a NumPy array (gray ``H×W``,
    ``H×W×1``, RGB or RGBA, of ``uint8``, ``uint16`` or float in [0, 1]). Arrays are taken to be
    RGB, not OpenCV's BGR. Transparent pixels are composited on white, because a cut-out portrait
    on black would give the Haar cascade and the GAN a dark halo.

    ``max_side`` shrinks a larger image so that its longer side is at most that (area-averaged), as
    early as possible: a JPEG is decoded straight at a fraction of its size (Pillow's ``draft``), so a
    140 MP photo never occupies 420 MB.
    """
    return load_rgb_sized(source, max_pixels, max_side)[0]


class SizedPhoto(NamedTuple):
    """A photo as read (RGB uint8, perhaps shrunk) and its own (width, height) before shrinking."""

    rgb: np.ndarray
    own_size: tuple[int, int]


def load_rgb_sized(source: ImageSource | SizedPhoto, max_pixels: int = MAX_PIXELS,
                   max_side: int | None = None) -> SizedPhoto:
    """:func:`load_rgb`, and the image's own (width, height) before any ``max_side`` shrinking.

    Decode a large photo with this *before* loading models: its decoding peak then never adds to theirs.
    """
    if isinstance(source, SizedPhoto):
        return SizedPhoto(shrink_rgb(_array_to_rgb(source.rgb, "the photo"), max_side), source.own_size)
    if isinstance(source, np.ndarray):
        rgb = _array_to_rgb(source, "the array")
        return SizedPhoto(shrink_rgb(rgb, max_side), (rgb.shape[1], rgb.shape[0]))
    if isinstance(source, Image.Image):
        return _pil_to_rgb(source, max_pixels, "the PIL image", max_side)
    if isinstance(source, (bytes, bytearray)):
        return _pil_to_rgb(_open(io.BytesIO(source), "the uploaded bytes"), max_pixels, "the uploaded bytes", max_side)
    if hasattr(source, "read"):
        name = str(getattr(source, "name", "the file object"))
        return _pil_to_rgb(_open(source, name), max_pixels, name, max_side)
    path = Path(source)
    if not path.is_file():
        raise ImageReadError(f"no image file at {path}; check the path (is it relative to {Path.cwd()}?)")
    with open(path, "rb") as handle:
        return _pil_to_rgb(_open(handle, str(path)), max_pixels, str(path), max_side)


def shrink_rgb(rgb: np.ndarray, max_side: int | None) -> np.ndarray:
    """``rgb`` scaled down (never up, area-averaged) so that its longer side is at most ``max_side``."""
    if max_side is None or max(rgb.shape[:2]) <= max_side:
        return rgb
    scale = max_side / max(rgb.shape[:2])
    size = (max(1, round(rgb.shape[1] * scale)), max(1, round(rgb.shape[0] * scale)))
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)


def _open(handle: io.IOBase, what: str) -> Image.Image:
    try:
        with warnings.catch_warnings():
            # Pillow warns from 89 MP and refuses from 179 MP while reading the header; our own limit
            # (checked next, on the declared size) replaces both with one clear sentence.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return Image.open(handle)
    except Image.DecompressionBombError:
        raise ImageReadError(f"{what} declares more than {2 * Image.MAX_IMAGE_PIXELS / 1e6:.0f} MP, over the "
                             f"{MAX_PIXELS / 1e6:.0f} MP limit (a decompression bomb, or a huge scan); scale it "
                             "down to a few megapixels") from None
    except UnidentifiedImageError:
        raise ImageReadError(f"{what} is not an image format Pillow can read; save it as JPEG or PNG") from None
    except (OSError, SyntaxError, ValueError) as err:  # a header cut short, or nonsense in it
        raise ImageReadError(f"{what} could not be decoded ({err}); the file is probably truncated or corrupt") from None


def _pil_to_rgb(image: Image.Image, max_pixels: int, what: str,
                max_side: int | None = None) -> tuple[np.ndarray, tuple[int, int]]:
    width, height = image.size
    # Checked on the header, before decoding: a decompression bomb never reaches memory.
    if width * height > max_pixels:
        raise ImageReadError(
            f"{what} is {width}×{height} ({width * height / 1e6:.0f} MP), over the {max_pixels / 1e6:.0f} MP "
            "limit; scale it down (a profile photo needs no more than a few megapixels)"
        )
    try:
        orientation = image.getexif().get(0x0112, 1)  # EXIF: how the stored pixels are turned
    except (OSError, SyntaxError, ValueError):
        orientation = 1  # a damaged file: decoding it, next, says so
    own_size = (height, width) if orientation in (5, 6, 7, 8) else (width, height)
    if max_side is not None and max(width, height) > max_side:
        scale = max_side / max(width, height)
        # JPEG only: decode at 1/2, 1/4 or 1/8 scale, still at least max_side (a no-op for other formats)
        image.draft("RGB", (int(width * scale) + 1, int(height * scale) + 1))
    try:
        with warnings.catch_warnings():
            # Our own limit above replaces Pillow's bomb warning at 89 MP.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image.load()
    except (OSError, SyntaxError, ValueError) as err:
        raise ImageReadError(f"{what} could not be decoded ({err}); the file is probably truncated or corrupt") from None
    if max_side is not None and max(image.size) >= 2 * max_side and image.mode in ("RGB", "RGBA", "L", "LA"):
        # A PNG or TIFF has no draft: shrink strip by strip, so that the decoded image is the only
        # large buffer (a 144 MP RGBA PNG is 576 MB; a whole-image copy, blend or reduce, 0.6 GB more).
        image = Image.fromarray(_block_mean_rgb(image, max(image.size) // max_side))  # (no EXIF any more)
        if orientation in _EXIF_TURNS:
            image = image.transpose(_EXIF_TURNS[orientation])
    else:
        # Phone cameras store portraits sideways plus a rotation flag; a sideways face has no Haar match.
        image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image if image.mode == "RGBA" else image.convert("RGBA")
        image = None  # noqa: F841 — one decoded copy at a time: a 144 MP RGBA photo is 576 MB
        pixels = np.asarray(rgba)
        rgba = None
        rgb = _composite_on_white(pixels)
        pixels = None
    elif image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        rgb = _array_to_rgb(np.asarray(image), what)
    else:
        rgb = np.asarray(image.convert("RGB"))
    return SizedPhoto(shrink_rgb(rgb, max_side), own_size)


def _block_mean_rgb(image: Image.Image, factor: int, rows: int = 128) -> np.ndarray:
    """RGB uint8 of ``image`` (RGB, RGBA, L or LA), ``factor`` × smaller: each output pixel the mean of a
    ``factor``×``factor`` block, alpha laid on white first. Read a strip of rows at a time; a last
    partial block (under ``factor`` pixels) at the right or bottom edge is dropped."""
    width, height = (side // factor * factor for side in image.size)
    step = max(1, rows // factor) * factor
    strips = []
    for top in range(0, height, step):
        strip = np.asarray(image.crop((0, top, width, min(top + step, height))))
        if strip.ndim == 2:
            strip = strip[:, :, None]
        if strip.shape[2] in (2, 4):  # with alpha: on white, as every reader here does
            colour = np.repeat(strip[:, :, :1], 3, axis=2) if strip.shape[2] == 2 else strip[:, :, :3]
            strip = _composite_on_white(np.concatenate([colour, strip[:, :, -1:]], axis=2))
        elif strip.shape[2] == 1:
            strip = np.repeat(strip, 3, axis=2)
        h = strip.shape[0]
        sums = strip.reshape(h // factor, factor, width // factor, factor, 3).sum(axis=(1, 3), dtype=np.uint32)
        strips.append(((sums + factor * factor // 2) // (factor * factor)).astype(np.uint8))  # rounded mean
    return np.concatenate(strips)


def _composite_on_white(rgba: np.ndarray, rows: int = 512) -> np.ndarray:
    """RGB uint8 of an RGBA uint8 image laid on white, a band of rows at a time.

    A 144 MP RGBA photo is 576 MB; blending it whole in floats would need several GB more. Band by
    band, the only large arrays are the decoded RGBA and the RGB result.
    """
    height, width = rgba.shape[:2]
    rgb = np.empty((height, width, 3), np.uint8)
    for top in range(0, height, rows):
        band = rgba[top : top + rows].astype(np.uint16)
        alpha = band[:, :, 3:4]
        # out = (c·a + 255·(255 − a)) / 255, rounded
        rgb[top : top + rows] = ((band[:, :, :3] * alpha + 255 * (255 - alpha) + 127) // 255).astype(np.uint8)
    return rgb


def _array_to_rgb(array: np.ndarray, what: str) -> np.ndarray:
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)) or min(array.shape[:2]) < 1:
        raise ImageReadError(f"{what} has shape {array.shape}; expected H×W, H×W×1, H×W×3 (RGB) or H×W×4 (RGBA)")
    array = _to_uint8(array, what)
    if array.ndim == 2:
        return np.repeat(array[:, :, None], 3, axis=2)
    if array.shape[2] == 4:
        return _composite_on_white(array)
    return np.ascontiguousarray(array)


def _to_uint8(array: np.ndarray, what: str) -> np.ndarray:
    if array.dtype == np.uint8:
        return array
    if array.dtype == np.bool_:
        return array.astype(np.uint8) * 255
    if np.issubdtype(array.dtype, np.floating):
        finite = array[np.isfinite(array)]
        if finite.size == 0:
            raise ImageReadError(f"{what} holds no finite values")
        scale = 255.0 if finite.max() <= 1.0 else 1.0
        return np.clip(np.nan_to_num(array) * scale, 0, 255).round().astype(np.uint8)
    if array.dtype == np.uint16:  # a 16-bit image: 0..65535 whatever its content
        return np.round(array.astype(np.float64) / 257.0).astype(np.uint8)
    if np.issubdtype(array.dtype, np.integer):
        # Other integer types (Pillow reads 16-bit PNGs as int32): values beyond 8 bits mean 16-bit.
        if array.max(initial=0) > 255:
            return np.clip(array.astype(np.float64) / 257.0, 0, 255).round().astype(np.uint8)
        return np.clip(array, 0, 255).astype(np.uint8)
    raise ImageReadError(f"{what} has dtype {array.dtype}; expected uint8, uint16 or float")


def sample_photo_path() -> Path:
    """A real photograph that a dependency ships (matplotlib's ``grace_hopper.jpg``, 512×600, one face).

    The lessons need a real face without a download; this one is public domain (a U.S. Navy photo).
    """
    from matplotlib import cbook

    return Path(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))


def save_rgb(path: str | os.PathLike, rgb: np.ndarray, jpeg_quality: int = 92) -> Path:
    """Write an RGB ``uint8`` image atomically, as PNG or JPEG by the file's suffix (PNG if it has none)."""
    suffix = Path(path).suffix.lower() or ".png"
    if suffix not in (".png", ".jpg", ".jpeg"):
        raise ValueError(f"cannot write images as {suffix}; use .png or .jpg")
    return atomic_write_bytes(path, encode_rgb(rgb, suffix, jpeg_quality, what=f"the image for {path}"))


def encode_rgb(rgb: np.ndarray, suffix: str, jpeg_quality: int = 92, what: str | None = None) -> bytes:
    """An RGB ``uint8`` image as the bytes of a ``.png`` or ``.jpg`` file (OpenCV, which wants BGR)."""
    params = [] if suffix == ".png" else [cv2.IMWRITE_JPEG_QUALITY, jpeg_quality]
    ok, data = cv2.imencode(suffix, cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), params)
    if not ok:
        raise RuntimeError(f"OpenCV could not encode {what or f'a {rgb.shape} image as {suffix}'}")
    return data.tobytes()
