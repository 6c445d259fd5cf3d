"""Every face in a photo, found once, so that every engine edits the same one and a result can say which.

A profile photo is usually one face, but users upload group photos, tilted selfies and crops.
:class:`FaceFinder` answers, for the whole photo: how many faces there are, where each is
(largest first), its 68 landmarks where dlib is installed (``emoface[real]``), and how far the head
is **rolled** (the eyes' line against the horizontal). Engines take one :class:`FoundFace`:

1. dlib's detector (:mod:`emoface.faces.landmarks`) on the photo as it is; its boxes are what the
   landmark model expects;
2. if it finds nothing, the same on copies rotated by ±25° and ±45°: a head rolled that far is
   found upright in one of them, and its landmarks are turned back into the photo's coordinates;
3. without dlib, or when it finds nothing at all, OpenCV's Haar cascade (the paper's detector;
   no landmarks, so only StarGAN can edit those faces).

Taught in ``06_real_photos.ipynb``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import cv2
import numpy as np

from .detect import Box, FaceDetector, NoFaceError
from .landmarks import LandmarkDetector, NoLandmarksError, landmarks_available

#: Rotations tried, in order, when no face is found upright (degrees, counter-clockwise).
ROTATIONS = (25.0, -25.0, 45.0, -45.0)
#: The rotated copies are at most this many pixels on their longer side (the landmarks are precise enough).
ROTATED_MAX_SIDE = 1600

NO_FACE_MESSAGE = ("no face found in the photo; use a well-lit photo with the whole face visible, looking roughly "
                   "at the camera, at least 64 pixels wide")


@dataclass(frozen=True)
class FoundFace:
    """One face of a photo: what every engine is given."""

    #: The detection, in the photo's pixel coordinates (dlib's box, or the Haar cascade's).
    box: Box
    #: The 68 iBUG points in the photo's coordinates, (68, 2); None without dlib or for a face too small.
    landmarks: np.ndarray | None
    #: 0 is the largest face of the photo.
    index: int
    #: How many faces the photo has.
    count: int
    #: Degrees from the eyes' line to the horizontal (positive: the subject's left eye lower); 0 without landmarks.
    roll: float = 0.0
    #: ``dlib``, ``dlib-rotated`` or ``haar``: which detector found it.
    detector: str = "dlib"

    def as_dict(self) -> dict:
        return {"index": self.index, "count": self.count, "box": [int(v) for v in self.box.as_tuple()],
                "roll": round(float(self.roll), 1), "detector": self.detector,
                "landmarks": self.landmarks is not None}


class FaceFinder:
    """dlib (upright, then rotated copies), else the Haar cascade; see the module docstring. Thread-safe."""

    def __init__(self, haar: FaceDetector, landmark_detector: Callable[[], LandmarkDetector],
                 use_landmarks: Callable[[], bool] = landmarks_available) -> None:
        self.haar = haar
        self._landmark_detector = landmark_detector
        self._use_landmarks = use_landmarks

    def find(self, rgb: np.ndarray) -> list[FoundFace]:
        """Every face, largest first, or :class:`NoFaceError`."""
        faces: list[tuple[Box, np.ndarray | None, str]] = []
        if self._use_landmarks():
            faces = self._upright(rgb) or self._rotated(rgb)
        if not faces:
            faces = [(box, None, "haar") for box in self.haar.detect(rgb)]
        if not faces:
            raise NoFaceError(NO_FACE_MESSAGE)
        faces.sort(key=lambda face: face[0].area, reverse=True)
        return [FoundFace(box, points, k, len(faces), roll_degrees(points), detector)
                for k, (box, points, detector) in enumerate(faces)]

    def _upright(self, rgb: np.ndarray) -> list[tuple[Box, np.ndarray | None, str]]:
        detector = self._landmark_detector()
        found = []
        for box in detector.detect(rgb):
            try:
                points = detector.landmarks(rgb, box).points if box.w >= detector.min_face else None
            except NoLandmarksError:
                points = None
            found.append((box, points, "dlib"))
        return found

    def _rotated(self, rgb: np.ndarray) -> list[tuple[Box, np.ndarray | None, str]]:
        detector = self._landmark_detector()
        scale = min(1.0, ROTATED_MAX_SIDE / max(rgb.shape[:2]))
        small = cv2.resize(rgb, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else rgb
        for angle in ROTATIONS:
            turned, matrix = _rotate(small, angle)
            boxes = [box for box in detector.detect(turned) if box.w * 1.0 / scale >= detector.min_face]
            if not boxes:
                continue
            back = cv2.invertAffineTransform(matrix)
            found = []
            for box in boxes:
                points = detector.landmarks(turned, box).points
                points = (points @ back[:, :2].T + back[:, 2]) / scale
                found.append((_bounding_box(points), points, "dlib-rotated"))
            return found
        return []


def roll_degrees(points: np.ndarray | None) -> float:
    """The eyes' line against the horizontal, in degrees (0 for ``None``)."""
    if points is None:
        return 0.0
    right, left = points[36:42].mean(0), points[42:48].mean(0)
    return math.degrees(math.atan2(left[1] - right[1], left[0] - right[0]))


def _rotate(rgb: np.ndarray, angle: float) -> tuple[np.ndarray, np.ndarray]:
    """``rgb`` turned by ``angle`` degrees on a canvas big enough to keep every pixel, and the 2×3 map."""
    height, width = rgb.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2.0, height / 2.0), angle, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    new_w, new_h = int(height * sin + width * cos), int(height * cos + width * sin)
    matrix[0, 2] += new_w / 2.0 - width / 2.0
    matrix[1, 2] += new_h / 2.0 - height / 2.0
    return cv2.warpAffine(rgb, matrix, (new_w, new_h), borderMode=cv2.BORDER_REPLICATE), matrix


def _bounding_box(points: np.ndarray) -> Box:
    """A dlib-like box around turned-back landmarks: the points' extent, the brows to the chin."""
    x0, y0 = points.min(0)
    x1, y1 = points.max(0)
    return Box(int(round(x0)), int(round(y0)), int(round(x1 - x0)), int(round(y1 - y0)))
