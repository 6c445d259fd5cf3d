"""Is the edited face still the same person? dlib's face-recognition embedding, offline.

An expression edit must keep the person. Pixel metrics cannot say so on their own (a smile moves
pixels on purpose), so we ask a face-recognition network: dlib's ResNet-29 metric model
(``dlib_face_recognition_resnet_model_v1.dat``, shipped by ``face-recognition-models``, which
``emoface[real]`` installs) maps an aligned face to 128 numbers, trained so that two photos of one
person lie closer than :data:`SAME_PERSON` (0.6, Euclidean) and two people further. Its author
reports 99.38 % on the LFW same/different benchmark with that threshold (dlib's release notes,
Davis King, 2017); we have not measured it.

The face is aligned from the 68 landmarks of :mod:`emoface.faces.landmarks` (dlib chips it to
150×150 itself). Taught in ``06_real_photos.ipynb``.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..faces.landmarks import (INSTALL_HINT, LandmarkDetector, LandmarksUnavailableError, _import_dlib,
                               default_landmark_detector)
from ..images import ImageSource, load_rgb

EMBEDDING_MODEL = "dlib_face_recognition_resnet_model_v1.dat"
#: dlib's threshold: embeddings closer than this are the same person.
SAME_PERSON = 0.6


class FaceEmbedder:
    """Face → 128-D embedding; :meth:`distance` between two photos' largest faces."""

    def __init__(self, model_path: str | Path | None = None, landmarks: LandmarkDetector | None = None) -> None:
        dlib = _import_dlib()
        self.landmarks = landmarks or default_landmark_detector()
        path = Path(model_path) if model_path is not None else self.landmarks.model_path.with_name(EMBEDDING_MODEL)
        if not path.is_file():
            raise LandmarksUnavailableError(f"no face-embedding model at {path}; {INSTALL_HINT}")
        self._model = dlib.face_recognition_model_v1(str(path))
        self._shape = dlib.full_object_detection
        self._rectangle, self._point = dlib.rectangle, dlib.point
        self._lock = threading.Lock()

    def embed(self, image: ImageSource, points: np.ndarray | None = None) -> np.ndarray:
        """The 128-D embedding of the largest face (or of the face with these 68 ``points``)."""
        rgb = np.ascontiguousarray(load_rgb(image))
        if points is None:
            points = self.landmarks.landmarks(rgb).points
        x0, y0 = points.min(0)
        x1, y1 = points.max(0)
        shape = self._shape(self._rectangle(int(x0), int(y0), int(x1), int(y1)),
                            [self._point(int(round(x)), int(round(y))) for x, y in points])
        with self._lock:
            return np.asarray(self._model.compute_face_descriptor(rgb, shape), dtype=np.float64)

    def distance(self, a: ImageSource, b: ImageSource) -> float:
        """Euclidean distance between two photos' face embeddings (below :data:`SAME_PERSON`: same person)."""
        return float(np.linalg.norm(self.embed(a) - self.embed(b)))


@lru_cache(maxsize=1)
def default_embedder() -> FaceEmbedder:
    """A shared embedder (the model loads in ~0.3 s)."""
    return FaceEmbedder()


# ------------------------------------------------------------------ does this face look like SynthFaces?

#: Held-out SynthFaces people whose mean embedding stands for "a SynthFaces face" (training uses 0…).
SYNTHFACES_FIRST_ID = 1_200_000
SYNTHFACES_PEOPLE = 28
#: A face further than this from the SynthFaces mean embedding is not a SynthFaces drawing. Measured
#: (notebook 06, docs/pipeline.md): 70 other held-out SynthFaces faces in all seven expressions lie 0.27–0.45
#: from the mean, 30 SynthFaces profile scenes up to 0.43; the 22 real faces we have offline 0.54–0.77.
#: The margin is thin and rests on few real faces.
SYNTHFACES_RADIUS = 0.5


def synthfaces_faces(people: int = SYNTHFACES_PEOPLE, size: int = 256) -> list[np.ndarray]:
    """Held-out SynthFaces people, person i in expression i mod 7, as padded ``size`` face photos."""
    from ..datasets.synth import draw_face, random_identity
    from ..labels import FACE_EXPRESSIONS

    pad = size // 4  # dlib's detector wants some room around a face
    return [np.pad(draw_face(random_identity(np.random.default_rng([0, SYNTHFACES_FIRST_ID + i])),
                             FACE_EXPRESSIONS[i % len(FACE_EXPRESSIONS)], size), ((pad, pad), (pad, pad), (0, 0)),
                   mode="edge") for i in range(people)]


class SynthFacesLook:
    """How far a face's embedding lies from the mean SynthFaces face: is it a drawing like our training faces?

    The shipped generator knows SynthFaces only; ``engine="auto"`` asks this, not the generator, whether
    a photo is a real photograph. The generator's own texture score (``Pipeline.domain_score``) could
    not tell a smooth real face (a soft-focus portrait, at 64 px) from a drawn one; dlib's embedding,
    trained on millions of real faces, places all SynthFaces people in one tight cluster.
    """

    def __init__(self, embedder: FaceEmbedder | None = None, radius: float = SYNTHFACES_RADIUS) -> None:
        self.embedder = embedder or default_embedder()
        self.radius = radius
        self._centroid: np.ndarray | None = None
        self._lock = threading.Lock()

    @property
    def centroid(self) -> np.ndarray:
        """The mean embedding of :func:`synthfaces_faces` (computed once, ~1 s)."""
        with self._lock:
            if self._centroid is None:
                self._centroid = np.mean([self.embedder.embed(face) for face in synthfaces_faces()], axis=0)
            return self._centroid

    def distance(self, image: ImageSource, points: np.ndarray | None = None) -> float:
        """Embedding distance of the largest face (or the one with these 68 ``points``) to the SynthFaces mean."""
        return float(np.linalg.norm(self.embedder.embed(image, points) - self.centroid))

    def is_synthfaces(self, image: ImageSource, points: np.ndarray | None = None) -> bool:
        """Whether the face looks like a SynthFaces drawing (within :attr:`radius` of the mean)."""
        return self.distance(image, points) <= self.radius


@lru_cache(maxsize=1)
def default_synthfaces_look() -> SynthFacesLook:
    """A shared :class:`SynthFacesLook` with the default embedder."""
    return SynthFacesLook()
