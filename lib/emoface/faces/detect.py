"""Face extraction with the Haar cascade OpenCV ships: the paper's §3.2.1 and its Fig. 2.

The paper runs a Haar cascade (Viola–Jones features, Padilla et al., 2012) over every MUG frame
and keeps the face as a 128×128×3 image. It does not say which cascade, how a frame with several
detections is handled, nor whether any margin is kept. Our choices, each a constructor argument:

* ``haarcascade_frontalface_default.xml``, the cascade OpenCV installs beside ``cv2``;
* the **largest** detection wins (in a MUG frame or a profile photo the subject is nearest);
* the box is grown by ``margin`` on every side and made **square** about its centre, so the
  resize to 128×128 does not stretch the face; parts outside the photo are edge-replicated;
* detection runs on a copy at most ``detect_max_side`` pixels wide, so a 10000×10000 photo takes
  milliseconds, and the box is mapped back to full resolution before cropping;
* both boxes are returned, so the pipeline can paste an edited face back where it came from.

Taught in ``02_tunedmug.ipynb`` (Fig. 2).
"""

from __future__ import annotations

import threading
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from ..images import ImageSource, load_rgb

DEFAULT_CASCADE = "haarcascade_frontalface_default.xml"


class NoFaceError(ValueError):
    """No face was found, or only one too small to use. The message says what photo would work."""


@dataclass(frozen=True)
class Box:
    """An axis-aligned box in the pixel coordinates of the full-resolution image."""

    x: int
    y: int
    w: int
    h: int

    @property
    def area(self) -> int:
        return self.w * self.h

    def as_tuple(self) -> tuple[int, int, int, int]:
        return (self.x, self.y, self.w, self.h)


@dataclass(frozen=True)
class FaceCrop:
    """A detected face, ready for the GAN, and where it came from."""

    #: ``size×size×3`` RGB uint8: the square crop, resized.
    face: np.ndarray
    #: The Haar detection, in the original image.
    face_box: Box
    #: The square region that was cropped (may reach past the image border; padding fills it).
    crop_box: Box
    #: How many faces the cascade found; the largest was kept.
    n_faces: int


class FaceDetector:
    """The Haar cascade plus the paper's crop. One instance can be shared between threads."""

    def __init__(
        self,
        cascade: str | Path = DEFAULT_CASCADE,
        scale_factor: float = 1.1,
        min_neighbors: int = 5,
        margin: float = 0.15,
        min_face: int = 48,
        detect_max_side: int = 1024,
    ) -> None:
        self.cascade_path = _cascade_path(cascade)
        self._cascade = cv2.CascadeClassifier(str(self.cascade_path))
        if self._cascade.empty():
            raise RuntimeError(f"OpenCV could not load the Haar cascade {self.cascade_path}; is the file complete?")
        self.scale_factor = scale_factor
        self.min_neighbors = min_neighbors
        self.margin = margin
        #: Faces narrower than this (in the original image) are refused: upscaled to 128 they are blur.
        self.min_face = min_face
        self.detect_max_side = detect_max_side
        # OpenCV does not promise that one CascadeClassifier may be used by two threads at once.
        self._lock = threading.Lock()

    def detect(self, image: ImageSource) -> list[Box]:
        """All faces the cascade finds, largest first, in full-resolution coordinates."""
        rgb = load_rgb(image)
        gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        scale = min(1.0, self.detect_max_side / max(gray.shape))
        if scale < 1.0:
            gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        found = self._run_cascade(gray)
        if len(found) == 0:
            # A dim or washed-out photo: an equalised copy for the detector (never for the output)
            # rescues many. It is the second try, not the first, because on well-exposed faces it
            # also sharpens shadows into false "eyes" and loses some true detections.
            found = self._run_cascade(cv2.equalizeHist(gray))
        boxes = [Box(*(int(round(v / scale)) for v in box)) for box in np.asarray(found).reshape(-1, 4)]
        return sorted(boxes, key=lambda b: b.area, reverse=True)

    def _run_cascade(self, gray: np.ndarray) -> np.ndarray:
        with self._lock:
            return self._cascade.detectMultiScale(
                gray, scaleFactor=self.scale_factor, minNeighbors=self.min_neighbors, minSize=(24, 24)
            )

    def crop(self, image: ImageSource, size: int = 128) -> FaceCrop:
        """The largest face as a ``size×size`` RGB crop, or :class:`NoFaceError`."""
        rgb = load_rgb(image)
        boxes = self.detect(rgb)
        if not boxes:
            raise NoFaceError(
                "no face found in the photo; use a well-lit, frontal photo with the whole face visible "
                f"and at least {self.min_face} pixels wide"
            )
        if len(boxes) > 1 and boxes[0].w >= self.min_face:
            warnings.warn(f"{len(boxes)} faces found; keeping the largest", stacklevel=2)
        return self.crop_at(rgb, boxes[0], size, n_faces=len(boxes))

    def crop_at(self, rgb: np.ndarray, face_box: Box, size: int = 128, n_faces: int = 1,
                margin: float | None = None) -> FaceCrop:
        """The paper's crop around ``face_box`` (square, with the margin — ``margin`` if given, else the
        detector's — ``size×size``), or :class:`NoFaceError` for a face too small to upscale."""
        if face_box.w < self.min_face:
            raise NoFaceError(
                f"the face found is only {face_box.w} pixels wide (minimum {self.min_face}); "
                "upscaled to the model's size it would be mostly blur: use a closer or larger photo"
            )
        crop_box = square_box(face_box, self.margin if margin is None else margin)
        return FaceCrop(face=resize_square(cut(rgb, crop_box), size), face_box=face_box, crop_box=crop_box,
                        n_faces=n_faces)


def square_box(box: Box, margin: float) -> Box:
    """The square around ``box``'s centre whose side is the longer side grown by ``margin`` each way."""
    side = int(round(max(box.w, box.h) * (1.0 + 2.0 * margin)))
    cx, cy = box.x + box.w / 2.0, box.y + box.h / 2.0
    return Box(int(round(cx - side / 2.0)), int(round(cy - side / 2.0)), side, side)


def cut(rgb: np.ndarray, box: Box) -> np.ndarray:
    """The pixels under ``box``; where it leaves the image, the border pixels are repeated."""
    height, width = rgb.shape[:2]
    top, left = max(0, -box.y), max(0, -box.x)
    bottom, right = max(0, box.y + box.h - height), max(0, box.x + box.w - width)
    inside = rgb[max(0, box.y) : min(height, box.y + box.h), max(0, box.x) : min(width, box.x + box.w)]
    if top or left or bottom or right:
        inside = cv2.copyMakeBorder(inside, top, bottom, left, right, cv2.BORDER_REPLICATE)
    return inside


def face_view(rgb: np.ndarray, box: Box, size: int) -> np.ndarray:
    """The pixels under ``box`` resized to ``size``×``size`` with area averaging: a face to look at
    (a grid cell, a before/after thumbnail), not a model input (:meth:`FaceDetector.crop` is that)."""
    return cv2.resize(cut(rgb, box), (size, size), interpolation=cv2.INTER_AREA)


@lru_cache(maxsize=1)
def default_detector() -> FaceDetector:
    """A shared detector with the default settings (loading a cascade takes ~50 ms)."""
    return FaceDetector()


def crop_face(image: ImageSource, size: int = 128) -> FaceCrop:
    """The paper's face extraction with our default settings: see :class:`FaceDetector`."""
    return default_detector().crop(image, size)


def resize_square(image: np.ndarray, size: int) -> np.ndarray:
    """A square image resized to ``size×size``: area averaging when shrinking, bicubic when enlarging."""
    return cv2.resize(image, (size, size), interpolation=_resize_mode(image.shape[0], size))


def _resize_mode(source_side: int, size: int) -> int:
    # Area averaging when shrinking avoids aliasing; bicubic when enlarging keeps edges.
    return cv2.INTER_AREA if source_side >= size else cv2.INTER_CUBIC


def _cascade_path(cascade: str | Path) -> Path:
    path = Path(cascade)
    if path.is_file():
        return path
    folder = getattr(getattr(cv2, "data", None), "haarcascades", None)
    if folder is None or not hasattr(cv2, "CascadeClassifier"):
        raise RuntimeError(
            f"this OpenCV ({cv2.__version__}) has no Haar cascades; install 4.x: pip install 'opencv-python<5'"
        )
    path = Path(folder) / str(cascade)
    if not path.is_file():
        raise FileNotFoundError(f"no Haar cascade {cascade!r} in {folder}; see that folder for the names")
    return path
