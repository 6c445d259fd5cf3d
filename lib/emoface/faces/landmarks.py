"""68 facial landmarks on a real photograph, offline: what the ``warp`` engine moves.

The StarGAN path (``04_stargan.ipynb``) needs a generator trained on faces like the user's; the
embedded one was trained on drawn SynthFaces faces. The warp engine (:mod:`emoface.engines.warp`)
edits a *real* photo without any generator: it moves the points of the face the way facial
action units move them. Those points come from here:

* **face box**: dlib's HOG + linear-SVM frontal face detector (``dlib.get_frontal_face_detector``),
  the detector the 68-point model was trained with — its boxes are what the model expects, which
  the Haar cascade's are not. It runs on a copy at most :data:`DETECT_MAX_SIDE` pixels wide
  (a 1 MP photo in ~30 ms), first at the copy's scale, then upsampled once if nothing was found;
* **68 points**: dlib's ensemble-of-regression-trees shape predictor (Kazemi & Sullivan, 2014),
  ``shape_predictor_68_face_landmarks.dat`` from the ``face-recognition-models`` package, run at
  full resolution (~2 ms). The points follow the iBUG 300-W mark-up: jaw 0–16, brows 17–26,
  nose 27–35, eyes 36–47, outer lips 48–59, inner lips 60–67 (see :data:`REGIONS`).

**Licence.** dlib is Boost-licensed. The 68-point model was trained on the iBUG 300-W data set,
whose licence *excludes commercial use*; so does, therefore, this engine. ``pip install
'emoface[real]'`` installs both (``dlib-bin``, a prebuilt dlib, and ``face-recognition-models``,
about 100 MB); nothing is downloaded at run time.

``face-recognition-models`` finds its files through ``pkg_resources``, which current setuptools no
longer ships: we locate the folder with :func:`importlib.util.find_spec` instead.

Taught in ``06_real_photos.ipynb``.
"""

from __future__ import annotations

import importlib.util
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from ..images import ImageSource, load_rgb
from .detect import Box, NoFaceError

#: Detection runs on a copy whose longer side is at most this (the points use full resolution).
DETECT_MAX_SIDE = 640
#: Faces narrower than this, in the photo, are refused: too few pixels to move convincingly.
MIN_FACE = 64
SHAPE_MODEL = "shape_predictor_68_face_landmarks.dat"
INSTALL_HINT = "pip install 'emoface[real]'  (dlib-bin and face-recognition-models: offline, ~100 MB)"

#: The iBUG 300-W mark-up, 0-based. "right"/"left" are the *subject's*: the right eye is on the image's left.
REGIONS: dict[str, tuple[int, ...]] = {
    "jaw": tuple(range(0, 17)),
    "right_brow": tuple(range(17, 22)),
    "left_brow": tuple(range(22, 27)),
    "nose_bridge": tuple(range(27, 31)),
    "nostrils": tuple(range(31, 36)),
    "right_eye": tuple(range(36, 42)),
    "left_eye": tuple(range(42, 48)),
    "outer_lips": tuple(range(48, 60)),
    "inner_lips": tuple(range(60, 68)),
}


class LandmarksUnavailableError(ImportError):
    """dlib or its 68-point model is not installed; the message says how to install them."""


class NoLandmarksError(NoFaceError):
    """No face the landmark model can use was found in the photo."""


@dataclass(frozen=True)
class FaceLandmarks:
    """One face's 68 points, in the full-resolution photo's pixel coordinates."""

    #: (68, 2) float64, (x, y).
    points: np.ndarray
    #: dlib's detection, in the photo.
    face_box: Box
    #: How many faces the detector found; the largest was kept.
    n_faces: int

    def region(self, name: str) -> np.ndarray:
        """The points of one :data:`REGIONS` entry, (k, 2)."""
        return self.points[list(REGIONS[name])]

    @property
    def eye_centres(self) -> tuple[np.ndarray, np.ndarray]:
        """Centres of the subject's right (image left) and left eye."""
        return self.region("right_eye").mean(0), self.region("left_eye").mean(0)

    @property
    def interocular(self) -> float:
        """Distance between the eye centres, in pixels: the unit every expression displacement is measured in."""
        right, left = self.eye_centres
        return float(np.linalg.norm(left - right))


class LandmarkDetector:
    """dlib's face detector and 68-point shape predictor, loaded once. Thread-safe."""

    def __init__(self, model_path: str | Path | None = None, detect_max_side: int = DETECT_MAX_SIDE,
                 min_face: int = MIN_FACE) -> None:
        dlib = _import_dlib()
        path = Path(model_path) if model_path is not None else shape_model_path()
        if not path.is_file():
            raise LandmarksUnavailableError(f"no landmark model at {path}; {INSTALL_HINT}")
        try:
            self._predictor = dlib.shape_predictor(str(path))
        except RuntimeError as error:
            raise LandmarksUnavailableError(f"{path} is not a dlib shape predictor ({error}); reinstall it: "
                                            f"{INSTALL_HINT}") from None
        self._detector = dlib.get_frontal_face_detector()
        self._rectangle = dlib.rectangle
        self.model_path = path
        self.detect_max_side = detect_max_side
        self.min_face = min_face
        self._lock = threading.Lock()  # dlib's objects make no promise about concurrent calls

    def detect(self, image: ImageSource) -> list[Box]:
        """Every face dlib's detector finds, largest first, in full-resolution coordinates."""
        rgb = load_rgb(image)
        scale = min(1.0, self.detect_max_side / max(rgb.shape[:2]))
        small = cv2.resize(rgb, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else rgb
        small = np.ascontiguousarray(small)
        with self._lock:
            found = self._detector(small, 0)
            if len(found) == 0:  # faces under ~80 px in the copy need one upsampling (4× slower)
                found = self._detector(small, 1)
        boxes = [Box(int(round(r.left() / scale)), int(round(r.top() / scale)),
                     int(round(r.width() / scale)), int(round(r.height() / scale))) for r in found]
        return sorted(boxes, key=lambda b: b.area, reverse=True)

    def landmarks(self, image: ImageSource, face_box: Box | None = None) -> FaceLandmarks:
        """The 68 points of the largest face (or of the face in ``face_box``), or :class:`NoLandmarksError`."""
        rgb = np.ascontiguousarray(load_rgb(image))
        boxes = [face_box] if face_box is not None else self.detect(rgb)
        if not boxes:
            raise NoLandmarksError(
                "no face found for the landmark model; use a well-lit photo with one face looking roughly at the "
                f"camera, both eyes visible, at least {self.min_face} pixels wide")
        box = boxes[0]
        if box.w < self.min_face:
            raise NoLandmarksError(f"the face found is only {box.w} pixels wide (minimum {self.min_face}); "
                                   "use a closer or larger photo")
        rect = self._rectangle(box.x, box.y, box.x + box.w, box.y + box.h)
        with self._lock:
            shape = self._predictor(rgb, rect)
        points = np.array([(shape.part(i).x, shape.part(i).y) for i in range(shape.num_parts)], dtype=np.float64)
        return FaceLandmarks(points=points, face_box=box, n_faces=len(boxes))


def landmarks_available() -> bool:
    """Whether dlib and the 68-point model are installed (``emoface[real]``)."""
    try:
        _import_dlib()
        return shape_model_path().is_file()
    except LandmarksUnavailableError:
        return False


def shape_model_path() -> Path:
    """Where ``face-recognition-models`` put the 68-point model (found without ``pkg_resources``)."""
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or spec.origin is None:
        raise LandmarksUnavailableError(f"the 68-point landmark model is not installed; {INSTALL_HINT}")
    return Path(spec.origin).parent / "models" / SHAPE_MODEL


@lru_cache(maxsize=1)
def default_landmark_detector() -> LandmarkDetector:
    """A shared detector (loading the 100 MB model takes ~0.5 s)."""
    return LandmarkDetector()


def find_landmarks(image: ImageSource) -> FaceLandmarks:
    """The 68 points of the largest face in ``image``: see :class:`LandmarkDetector`."""
    return default_landmark_detector().landmarks(image)


def _import_dlib():
    try:
        import dlib
    except ImportError:
        raise LandmarksUnavailableError(f"dlib is not installed; {INSTALL_HINT}") from None
    return dlib
