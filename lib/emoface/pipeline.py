"""Text + profile photo → the photo with the face redrawn in the post's emotion: the paper's Fig. 1.

The paper (Jubair et al., 2022, §3 and Fig. 1) chains two models: the post's text goes through the
GloVe + LSTM classifier (§3.1), the emotion *e* picks the StarGAN target domain c, and the
generator redraws the author's face (§3.2). :class:`Pipeline` is that chain as one object that the
blog, the CLI and ``05_pipeline_app.ipynb`` share. It loads both models once and, per call:

1. reads the photo (:func:`emoface.images.load_rgb`: any format, size or orientation);
2. finds the face with the Haar cascade and crops it square (:mod:`emoface.faces.detect`), resizes
   it to the generator's size and equalises its luminance (:mod:`emoface.faces.equalize`) — exactly
   how the training faces were prepared (tunedMUG, SynthFaces);
3. runs the generator on the face in every domain, in one batch: the seven reconstructions G(x, c) give the face's own
   expression (the best reconstruction, :func:`emoface.stargan.editing.infer_source`), the domain
   score below, and the edit itself, plain ``G(x, c_t)`` or residual ``x + G(x, c_t) − G(x, c_s)``;
4. pastes the change back into the full-resolution photo (:func:`emoface.faces.paste.paste_face`:
   feathered, with the equalisation undone, so neither a square seam nor a new skin tone shows).

**Two engines.** That is the ``stargan`` engine, the paper's. The ``warp`` engine
(:mod:`emoface.faces.warp`, ``pip install 'emoface[real]'``) edits a *real* photograph without a
generator: 68 landmarks, moved by the facial action units of the target expression, warp the
photo's own pixels at full resolution. ``engine="auto"`` (the default) uses the warp engine when
the generator was trained on SynthFaces and the face is out of its domain — a real photograph —
and the landmark model is installed; otherwise StarGAN. Whether a face is a SynthFaces drawing is
asked of dlib's face embedding (:class:`emoface.faces.identity.SynthFacesLook`: all SynthFaces
people lie close to their mean, real faces further than its radius), because the texture score
below could not tell a smooth real portrait from a drawing. That question is asked first, so a real
photograph drawn by the warp skips steps 2–4 (the Haar crop and the generator have nothing to say
about it; ``domain_score`` is then None). Every result says which engine drew it
(:attr:`EditResult.engine`). Both take an **intensity** in [0, 1]: the warp scales the movement;
StarGAN scales its change, x + i·(G(x, c_t) − G(x, c_s)) (residual) or x + i·(G(x, c_t) − x) (plain).

Choices the paper does not make, and ours:

* **Low confidence.** When the classifier is unsure (see :mod:`emoface.text.classify`),
  ``low_confidence="keep"`` (the default) returns the photo unchanged (the generator still runs
  once, for the domain score below), and ``"neutral"`` draws the neutral face. Keep is the
  default because a wrong strong expression on someone's profile photo (a grin under a post about a
  funeral) is worse than no change, and "neutral" still redraws the face, with the generator's
  artefacts, for no expressive gain.
* **A photo that already is a face crop** (a 128×128 tunedMUG image, a SynthFaces face, an avatar):
  if the photo is square, at most :data:`WHOLE_FACE_MAX_SIDE` pixels, and the cascade finds no face
  or a face whose crop would fill it, the whole image is taken as the crop. Re-cropping it with a
  margin would edge-replicate its border into a smear.
* **Honesty about the domain.** A generator only knows faces like those it was trained on; the
  shipped demo one was trained on drawn SynthFaces faces. The *domain score* asks whether the
  generator can redraw this face's *texture*: r(x) = mean|hp(G(x, c_s)) − hp(x)|, the error of its
  best reconstruction (c_s, the face's own domain) on the high-pass images hp(x) = x − blur(x), in
  [-1, 1] units. A generator trained on drawn faces reconstructs their smooth shading and edges
  well, and cannot reproduce a photograph's skin, hair and noise; the plain reconstruction error
  mixes that up with blur and colour and separated the two far less (measured on the shipped
  generator: see the README). Above :attr:`Pipeline.ood_threshold`
  the result says so (``out_of_domain`` and a sentence in ``message``). The threshold comes from
  the generator file (``info["ood_threshold"]``) or is calibrated once, lazily, on a few held-out
  SynthFaces faces (:data:`CALIBRATION_PEOPLE` people, :func:`calibration_faces`) as
  max(1.5 × their 95th percentile, :data:`MIN_OOD_THRESHOLD`). For a generator trained on real
  faces that calibration is lenient (drawn faces are out of *its* domain, so their errors are
  high), which errs on the side of not crying wolf; ship an ``ood_threshold`` with such a file.
* **A cache.** Editing the same photo into the same expression twice (a blog re-rendering a page)
  returns the stored :class:`EditResult`: an LRU of ``cache_size`` entries keyed by the SHA-256 of
  the photo's pixels, the expression and the edit mode. Its arrays are read-only, because every
  caller shares them.
* **Threads.** One pipeline serves many calls and threads: the classifier (its model is in eval
  mode, and its only state is a cache of word mappings) and the detector (it locks its cascade) are
  thread-safe; one lock guards the generator and the cache, another the one-time calibration.

Taught in ``05_pipeline_app.ipynb``; the blog (``emoface.blog``) calls it.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import cv2
import numpy as np
import torch

from .faces.action_units import check_intensity
from .faces.detect import Box, FaceCrop, FaceDetector, _resize_mode, default_detector, face_view, square_box
from .faces.equalize import equalize
from .faces.identity import SynthFacesLook, default_synthfaces_look
from .faces.landmarks import INSTALL_HINT as LANDMARKS_INSTALL_HINT
from .faces.landmarks import (FaceLandmarks, LandmarkDetector, LandmarksUnavailableError, NoLandmarksError,
                              default_landmark_detector, landmarks_available)
from .faces.paste import paste_face
from .faces.synth import draw_face, random_identity
from .faces.warp import warp_expression
from .images import MAX_PIXELS, ImageReadError, ImageSource, load_rgb, save_rgb
from .labels import FACE_EXPRESSIONS
from .stargan.editing import EditMode
from .stargan.figures import to_image, to_tensor
from .stargan.generator_file import load_generator
from .text.classify import EmotionClassifier, EmotionPrediction

LowConfidence = Literal["keep", "neutral"]
LOW_CONFIDENCE_CHOICES: tuple[str, ...] = ("keep", "neutral")
EDIT_MODES: tuple[str, ...] = ("plain", "residual")
Engine = Literal["stargan", "warp", "auto"]
ENGINES: tuple[str, ...] = ("stargan", "warp", "auto")

#: A square photo up to this side in which no face (or one that fills it) is found is a face crop.
WHOLE_FACE_MAX_SIDE = 256
#: A detection whose square crop is at least this fraction of the photo's side "fills" it.
FILLS_PHOTO = 0.8
#: Held-out SynthFaces identities for the domain calibration (training uses 0.., tests 10_000..).
CALIBRATION_FIRST_ID = 1_000_000
CALIBRATION_PEOPLE = 21
#: The calibrated threshold never goes below this: a generator that reconstructs its training faces'
#: detail almost perfectly would otherwise flag every slightly different face.
MIN_OOD_THRESHOLD = 0.03

SYNTHFACES_WARNING = (
    "this generator was trained on drawn SynthFaces faces; on a real photograph it paints drawn features, "
    "not a photographic expression — train or pass a generator trained on tunedMUG/CelebA (see notebook 04)"
)


@dataclass(frozen=True)
class EditResult:
    """What one edit did, with every image a page or a figure needs (arrays are read-only)."""

    prediction: EmotionPrediction | None
    #: The face expression drawn; with low confidence and ``low_confidence="keep"``, the classifier's
    #: fallback (``"neutral"``) although nothing was drawn — what the text asked for is in ``prediction``.
    expression: str
    #: False when the photo was kept unchanged.
    edited: bool
    #: The Haar detection in the photo's coordinates (the whole image for a face crop); dlib's detection
    #: when the warp engine drew a real photograph (the Haar crop is then skipped).
    face_box: Box
    #: The square that was cropped (may reach past the border) and where the face is pasted back.
    crop_box: Box
    #: The generator's input: model size, luminance-equalised, RGB uint8 (the warp: the crop as it is).
    face_before: np.ndarray
    #: The generator's output at model size (``face_before`` when nothing was drawn).
    face_after: np.ndarray
    #: The whole photo as read, RGB uint8.
    photo_before: np.ndarray
    #: The whole photo with the edited face pasted back.
    photo: np.ndarray
    #: The generator was not trained on faces like this one (domain score above the threshold).
    out_of_domain: bool
    #: A sentence for people: what was done, and the domain warning when ``out_of_domain``.
    message: str
    #: Which engine drew the face: ``"stargan"`` or ``"warp"`` (see the module docstring).
    engine: str = "stargan"
    #: How much of the expression was drawn, in [0, 1].
    intensity: float = 1.0
    #: The warp engine's control points (68 landmarks + 2 cheeks), before and after: (2, 70, 2); else None.
    landmarks: np.ndarray | None = None
    #: r(x) = mean|hp(G(x, c_s)) − hp(x)| for this face (see the module docstring); None when the
    #: generator did not run (a real photograph drawn by the warp engine).
    domain_score: float | None = None
    #: For a SynthFaces generator, with dlib: the face's embedding distance from the mean SynthFaces face
    #: (:class:`emoface.faces.identity.SynthFacesLook`); above its radius the photo is a real photograph.
    synthfaces_distance: float | None = None
    #: Seconds per stage when this result was computed (a cached result keeps its first timings):
    #: classify, read, cache (hashing the photo), face (Haar, crop, equalise), generator, and with dlib
    #: landmarks, look (the SynthFaces embedding test) and warp; paste (StarGAN's paste-back, or cutting the views).
    timings: dict[str, float] = field(default_factory=dict, compare=False)

    def as_dict(self, output_path: str | Path | None = None) -> dict:
        """A JSON-serialisable summary; ``output_path`` is recorded as where the photo was saved."""
        p = self.prediction
        return {
            "emotion": p.emotion if p else None,
            "top_emotion": p.top_emotion if p else None,
            "probabilities": dict(p.probabilities) if p else None,
            "confident": bool(p.confident) if p else None,
            "expression": self.expression,
            "edited": bool(self.edited),
            "face_box": [int(v) for v in self.face_box.as_tuple()],
            "crop_box": [int(v) for v in self.crop_box.as_tuple()],
            "out_of_domain": bool(self.out_of_domain),
            "domain_score": None if self.domain_score is None else round(float(self.domain_score), 4),
            "synthfaces_distance": None if self.synthfaces_distance is None else round(float(self.synthfaces_distance), 4),
            "message": self.message,
            "engine": self.engine,
            "intensity": round(float(self.intensity), 3),
            "output": None if output_path is None else str(output_path),
        }

    def save(self, path: str | Path) -> dict:
        """Write the edited photo (PNG or JPEG by suffix, atomically); returns :meth:`as_dict` with its path."""
        return self.as_dict(save_rgb(path, self.photo))


@dataclass(frozen=True)
class _FaceRun:
    """What the generator made of one face: the edit, the face's own domain c_s and its domain score."""

    face_after: np.ndarray
    source: int
    domain_score: float


class Pipeline:
    """The text classifier and the StarGAN generator, loaded once; see the module docstring."""

    def __init__(self, text_model: str | Path | None = None, generator: str | Path | None = None,
                 device: str | torch.device = "cpu", low_confidence: LowConfidence = "keep",
                 mode: EditMode = "residual", cache_size: int = 64, detector: FaceDetector | None = None,
                 ood_threshold: float | None = None, engine: Engine = "auto", intensity: float = 1.0) -> None:
        _check_choice("low_confidence", low_confidence, LOW_CONFIDENCE_CHOICES)
        _check_choice("mode", mode, EDIT_MODES)
        self.engine, self.intensity = self._request(engine, intensity)
        if cache_size < 0:
            raise ValueError(f"cache_size must be 0 (no cache) or more, got {cache_size}")
        self.device = torch.device(device)
        loaded = load_generator(generator, self.device)  # first: a wrong file fails before the slower text model loads
        self.generator = loaded.generator.eval()
        self.generator_config = loaded.config
        self.generator_info = dict(loaded.info)
        self._classes = tuple(loaded.classes)
        self.classifier = EmotionClassifier.load(text_model)
        # The tokenizer loads its spelling dictionary on first use (seconds): pay that here, not on the first post.
        self.classifier.predict("ready")
        #: The generator's image size (64 for the shipped demo generator, 128 for the paper's).
        self.size = int(loaded.config.image_size)
        self.detector = detector or default_detector()
        self.low_confidence = low_confidence
        self.mode = mode
        self.cache_size = cache_size
        self._cache: OrderedDict[tuple, EditResult] = OrderedDict()
        self._lock = threading.Lock()  # the generator and the cache
        self._calibration_lock = threading.Lock()
        stored = self.generator_info.get("ood_threshold")
        self._ood_threshold = ood_threshold if ood_threshold is not None else stored

    @property
    def classes(self) -> tuple[str, ...]:
        """The expressions (domains) the generator can draw, in the order of its domain vector."""
        return self._classes

    @property
    def trained_on_synthfaces(self) -> bool:
        """Whether the generator file says it was trained on SynthFaces (the shipped demo one does)."""
        return "synthfaces" in str(self.generator_info.get("data", "")).lower()

    # ---------------------------------------------------------------- the two halves of the paper

    def classify(self, text: str) -> EmotionPrediction:
        """The post's emotion (:class:`EmptyTextError` for an empty post)."""
        return self.classifier.predict(text)

    def find_face(self, photo: ImageSource) -> FaceCrop:
        """The face the generator will see (crop at model size, not yet equalised), or :class:`NoFaceError`.

        Raises :class:`ImageReadError` for anything that is not a readable image: the blog calls
        this to validate an upload before it stores it.
        """
        return self._find_face(_read(photo))

    def edit(self, text: str, photo: ImageSource, *, engine: Engine | None = None,
             intensity: float | None = None) -> EditResult:
        """The paper's Fig. 1: the post's emotion drawn on the face in ``photo``.

        ``engine`` and ``intensity`` override the pipeline's own for this call.
        """
        request = self._request(engine, intensity)
        watch = _Stopwatch()
        prediction = self.classify(text)
        watch.lap("classify")
        rgb = _read(photo)
        watch.lap("read")
        return self._edit(rgb, self._target(prediction), prediction, watch, *request)

    def edit_expression(self, photo: ImageSource, expression: str, *, engine: Engine | None = None,
                        intensity: float | None = None) -> EditResult:
        """``photo``'s face redrawn in ``expression`` (one of :attr:`classes`); no text, so no prediction."""
        if expression not in self._classes:
            raise ValueError(f"unknown expression {expression!r}; this generator draws {', '.join(self._classes)}")
        request = self._request(engine, intensity)
        watch = _Stopwatch()
        rgb = _read(photo)
        watch.lap("read")
        return self._edit(rgb, expression, None, watch, *request)

    def _request(self, engine: Engine | None, intensity: float | None) -> tuple[str, float]:
        """The engine and intensity for a call (``None``: the pipeline's own), checked."""
        engine = self.engine if engine is None else engine
        _check_choice("engine", engine, ENGINES)
        if engine == "warp" and not landmarks_available():
            raise LandmarksUnavailableError(f"the warp engine needs the landmark model; {LANDMARKS_INSTALL_HINT}")
        return engine, self.intensity if intensity is None else check_intensity(intensity)

    @property
    def landmark_detector(self) -> LandmarkDetector:
        """dlib's detector and 68-point model, shared and loaded on first use (the warp engine's; ~1 s)."""
        return default_landmark_detector()

    @property
    def synthfaces_look(self) -> SynthFacesLook:
        """dlib's face embedding and the SynthFaces mean face, shared and loaded on first use (~2 s)."""
        return default_synthfaces_look()

    # ---------------------------------------------------------------- domain

    def domain_score(self, face: np.ndarray) -> float:
        """r(x) = mean|hp(G(x, c_s)) − hp(x)| for a face prepared like training data (crop, equalised).

        ``face`` is RGB uint8, square; it is resized to the generator's size if needed.
        """
        return float(self._domain_scores(self._model_size(face))[0])

    @property
    def ood_threshold(self) -> float:
        """Domain scores above this are out of domain (from the generator file, or calibrated once)."""
        with self._calibration_lock:
            if self._ood_threshold is None:
                self._ood_threshold = self._calibrate()
            return float(self._ood_threshold)

    @ood_threshold.setter
    def ood_threshold(self, value: float) -> None:
        with self._calibration_lock:
            self._ood_threshold = float(value)
        self.clear_cache()  # stored results carry the old verdict

    def _calibrate(self) -> float:
        scores = self._domain_scores(calibration_faces(self.size))
        # threshold = max(1.5 · P95(r over held-out SynthFaces faces), floor)
        return max(1.5 * float(np.percentile(scores, 95)), MIN_OOD_THRESHOLD)

    # ---------------------------------------------------------------- one edit

    def _edit(self, rgb: np.ndarray, target: str | None, prediction: EmotionPrediction | None,
              watch: _Stopwatch, engine: str, intensity: float) -> EditResult:
        key = (_digest(rgb), target, self.mode, engine, intensity)
        cached = self._cache_get(key)
        if cached is not None:
            return cached if cached.prediction == prediction else self._retell(cached, prediction)
        watch.lap("cache")
        rgb = _frozen(rgb)
        landmarks, look, fallback = self._landmarks_and_look(rgb, engine, watch)
        photograph = look is not None and look > self.synthfaces_look.radius  # and so a SynthFaces generator
        if photograph and engine != "stargan":
            # The warp draws it, and the generator has nothing to say about a real photograph: neither
            # the Haar crop nor its domain score is needed (a third of the time on a 1 MP photo).
            face_box, crop_box = landmarks.face_box, square_box(landmarks.face_box, self.detector.margin)
            out_of_domain, domain_score = True, None
        else:
            crop = self._find_face(rgb)
            face_box, crop_box = crop.face_box, crop.crop_box
            before = equalize(crop.face, "luminance")
            watch.lap("face")
            run = self._run_generator(before, target, intensity)
            watch.lap("generator")
            before = _frozen(before)  # after the generator: torch warns about read-only arrays
            out_of_domain = run.domain_score > self.ood_threshold or photograph  # the first call calibrates (once)
            domain_score = run.domain_score
        chosen = engine if engine != "auto" else ("warp" if photograph else "stargan")
        points = None
        if chosen == "warp":
            if landmarks is None:  # engine="warp" on a photo where dlib finds no face: say so
                landmarks = self.landmark_detector.landmarks(rgb)
            photo = rgb
            if target is not None:
                warped = warp_expression(rgb, landmarks.points, target, intensity)
                watch.lap("warp")
                photo, points = _frozen(warped.photo), _frozen(np.stack([warped.source_points, warped.target_points]))
            before, after = self._view(rgb, crop_box), self._view(photo, crop_box)
        elif target is None:
            after, photo = before, rgb
        else:
            after = _frozen(run.face_after)
            photo = _frozen(paste_face(rgb, after, crop_box, original_face=before))
        watch.lap("paste")
        message = self._message(prediction, target, out_of_domain, chosen, fallback if engine == "auto" else None)
        result = EditResult(
            prediction=prediction, expression=target or (prediction.expression if prediction else "neutral"),
            edited=target is not None, face_box=face_box, crop_box=crop_box, face_before=before,
            face_after=after, photo_before=rgb, photo=photo, out_of_domain=out_of_domain, message=message,
            engine=chosen, intensity=intensity, landmarks=points, domain_score=domain_score,
            synthfaces_distance=look, timings=dict(watch.laps),
        )
        self._cache_put(key, result)
        return result

    def _view(self, photo: np.ndarray, crop_box: Box) -> np.ndarray:
        """The square around the face at model size: a warp edit's ``face_before`` / ``face_after``."""
        return _frozen(face_view(photo, crop_box, self.size))

    def _landmarks_and_look(self, rgb: np.ndarray, engine: str,
                            watch: _Stopwatch) -> tuple[FaceLandmarks | None, float | None, str | None]:
        """dlib's 68 points and the face's distance from SynthFaces, when the warp engine or the domain need them.

        Returns (landmarks, distance, why not): ``None`` where dlib is not installed, is not needed
        (``engine="stargan"`` with a generator not trained on SynthFaces) or finds no face; the third
        item then says why, for the message.
        """
        if engine == "stargan" and not self.trained_on_synthfaces:
            return None, None, None
        if not landmarks_available():
            return None, None, f"the landmark model is not installed ({LANDMARKS_INSTALL_HINT})"
        try:
            landmarks = self.landmark_detector.landmarks(rgb)
        except NoLandmarksError as error:
            if engine == "warp":
                raise
            return None, None, str(error)
        watch.lap("landmarks")
        look = self.synthfaces_look.distance(rgb, landmarks.points) if self.trained_on_synthfaces else None
        watch.lap("look")
        return landmarks, look, None

    def _target(self, prediction: EmotionPrediction) -> str | None:
        """The expression to draw for a prediction; ``None`` keeps the photo as it is."""
        if prediction.confident:
            target = prediction.expression
        elif self.low_confidence == "keep":
            return None
        elif self.low_confidence == "neutral":
            target = "neutral"
        else:
            raise ValueError(f"low_confidence must be one of {', '.join(LOW_CONFIDENCE_CHOICES)}, "
                             f"not {self.low_confidence!r}")
        if target not in self._classes:
            raise ValueError(f"the text asks for {target!r}, which this generator cannot draw (it draws "
                             f"{', '.join(self._classes)}); pass a generator trained on the face expressions")
        return target

    def _find_face(self, rgb: np.ndarray) -> FaceCrop:
        height, width = rgb.shape[:2]
        if height == width and height <= WHOLE_FACE_MAX_SIDE:
            boxes = self.detector.detect(rgb)
            if not boxes or square_box(boxes[0], self.detector.margin).w >= FILLS_PHOTO * width:
                whole = Box(0, 0, width, height)
                face = cv2.resize(rgb, (self.size, self.size), interpolation=_resize_mode(width, self.size))
                return FaceCrop(face=face, face_box=boxes[0] if boxes else whole, crop_box=whole, n_faces=len(boxes))
        return self.detector.crop(rgb, self.size)

    def _run_generator(self, face: np.ndarray, target: str | None, intensity: float = 1.0) -> _FaceRun:
        x = to_tensor(face).to(self.device)  # (1, 3, S, S) in [-1, 1]
        all_domains = self._all_domains(x)  # G(x, c) for every domain c: (1, C, 3, S, S)
        sources, scores = own_domain(all_domains, x)
        outputs, source, score = all_domains[0], int(sources[0]), float(scores[0])
        if target is None:
            return _FaceRun(face, source, score)
        t = self._classes.index(target)
        if self.mode == "plain":
            after = (x[0] + intensity * (outputs[t] - x[0])).clamp(-1, 1)  # = G(x, c_t) at intensity 1
        elif self.mode == "residual":
            # x' = x + i·(G(x, c_t) − G(x, c_s)), as editing.edit computes it (i = 1), from the reconstructions made
            after = (x[0] + intensity * (outputs[t] - outputs[source])).clamp(-1, 1)
        else:
            raise ValueError(f"mode must be one of {', '.join(EDIT_MODES)}, not {self.mode!r}")
        return _FaceRun(to_image(after), source, score)

    def _all_domains(self, x: torch.Tensor) -> torch.Tensor:
        """G(x, c) for each face of ``x`` (N, 3, S, S) in every domain, in one batch: (N, C, 3, S, S)."""
        n, k = len(x), len(self._classes)
        c = torch.eye(k, device=self.device).repeat(n, 1)  # (N·C, C): face i in domain j at row i·C + j
        with self._lock, torch.no_grad():
            outputs = self.generator(x.repeat_interleave(k, 0), c)
        return outputs.view(n, k, *x.shape[1:])

    def _domain_scores(self, faces: np.ndarray, batch: int = 4) -> np.ndarray:
        """The domain score of each face (N×S×S×3 uint8, or one S×S×3): (N,)."""
        faces = faces[None] if faces.ndim == 3 else faces
        scores = []
        for start in range(0, len(faces), batch):
            x = torch.cat([to_tensor(np.array(face)) for face in faces[start : start + batch]]).to(self.device)
            scores.append(own_domain(self._all_domains(x), x)[1].cpu().numpy())
        return np.concatenate(scores)

    def _model_size(self, face: np.ndarray) -> np.ndarray:
        if not isinstance(face, np.ndarray) or face.ndim != 3 or face.shape[0] != face.shape[1] or face.shape[2] != 3:
            raise ValueError(f"expected a square H×W×3 RGB face, got {getattr(face, 'shape', type(face).__name__)}; "
                             "prepare it with Pipeline.find_face and emoface.faces.equalize.equalize")
        if face.shape[0] == self.size:
            return face
        return cv2.resize(face, (self.size, self.size), interpolation=_resize_mode(face.shape[0], self.size))

    # ---------------------------------------------------------------- messages and cache

    def _message(self, prediction: EmotionPrediction | None, target: str | None, out_of_domain: bool,
                 engine: str = "stargan", fallback: str | None = None) -> str:
        if prediction is None:
            text = f"Redrew the face with the {target} expression."
        elif not prediction.confident:
            unclear = (f"The text's emotion was unclear (most likely {prediction.top_emotion}, "
                       f"{prediction.probability:.0%}, below the {self.classifier.min_confidence:.0%} needed)")
            text = f"{unclear}; " + ("the photo was kept unchanged." if target is None else f"drew a {target} face.")
        else:
            reads = f"The text reads as {prediction.emotion} ({prediction.probability:.0%})"
            text = f"{reads}; drew the {target} expression."
        if engine == "warp" and target is not None:
            text = f"{text} Drawn by the warp engine: the face's landmarks moved by the expression's action units"
            why = out_of_domain and self.trained_on_synthfaces
            return f"{text} (a real photograph; the generator only knows drawn faces)." if why else f"{text}."
        if fallback is not None and out_of_domain and target is not None:
            text = f"{text} (The warp engine could not be used: {fallback}; StarGAN drew it.)"
        if not out_of_domain or target is None:  # nothing drawn, nothing to warn about (the flag still says it)
            return text
        if self.trained_on_synthfaces:
            return f"{text} Warning: {SYNTHFACES_WARNING}."
        return (f"{text} Warning: this face is unlike the faces the generator was trained on "
                f"(its domain score is above {self.ood_threshold:.3f}); the edit may look wrong.")

    def _retell(self, cached: EditResult, prediction: EmotionPrediction | None) -> EditResult:
        """A cached edit told for another text that asked for the same expression (arrays shared)."""
        message = self._message(prediction, cached.expression if cached.edited else None, cached.out_of_domain,
                                cached.engine)
        expression = cached.expression if cached.edited or prediction is None else prediction.expression
        return replace(cached, prediction=prediction, expression=expression, message=message)

    def _cache_get(self, key: tuple) -> EditResult | None:
        with self._lock:
            if key not in self._cache:
                return None
            self._cache.move_to_end(key)
            return self._cache[key]

    def _cache_put(self, key: tuple, result: EditResult) -> None:
        with self._lock:
            if self.cache_size <= 0:
                return
            self._cache[key] = result
            self._cache.move_to_end(key)
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)

    def clear_cache(self) -> None:
        """Forget every stored edit (e.g. after swapping the generator)."""
        with self._lock:
            self._cache.clear()


def own_domain(all_domains: torch.Tensor, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Each face's own domain c_s and its domain score, from G(x, c) for every c (N, C, 3, S, S): (N,), (N,).

    c_s = argmin_c mean|G(x, c) − x| (as :func:`emoface.stargan.editing.infer_source`); the score is
    :func:`texture_error` of that best reconstruction.
    """
    sources = (all_domains - x[:, None]).abs().flatten(2).mean(2).argmin(1)
    return sources, texture_error(all_domains[torch.arange(len(x)), sources], x)


def texture_error(reconstruction: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """mean|hp(reconstruction) − hp(x)| per image, hp(x) = x − blur(x) (5×5 binomial blur): (N,).

    The part of a reconstruction error that is fine detail: what a generator trained on drawn faces
    cannot redraw in a photograph.
    """
    taps = torch.tensor([1.0, 4.0, 6.0, 4.0, 1.0], device=x.device)
    kernel = (taps[:, None] * taps[None, :] / 256.0).expand(x.size(1), 1, 5, 5)

    def high_pass(images: torch.Tensor) -> torch.Tensor:
        blurred = torch.nn.functional.conv2d(torch.nn.functional.pad(images, (2, 2, 2, 2), mode="reflect"),
                                             kernel, groups=images.size(1))
        return images - blurred

    return (high_pass(reconstruction) - high_pass(x)).abs().flatten(1).mean(1)


def calibration_faces(size: int) -> np.ndarray:
    """Held-out SynthFaces faces prepared like training data: person i in expression i mod 7, (N, S, S, 3).

    One expression per person (not all seven, as :func:`~emoface.stargan.synth_pairs.synth_pairs`
    draws them) buys more people — skin tones, glasses, beards — for the same generator time.
    """
    people = range(CALIBRATION_FIRST_ID, CALIBRATION_FIRST_ID + CALIBRATION_PEOPLE)
    # identity i is drawn from default_rng([0, i]), as SynthFaces and synth_pairs (seed 0) do
    return np.stack([equalize(draw_face(random_identity(np.random.default_rng([0, i])),
                                        FACE_EXPRESSIONS[i % len(FACE_EXPRESSIONS)], size), "luminance")
                     for i in people])


class _Stopwatch:
    """Seconds between successive :meth:`lap` calls, by stage name."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.laps[stage] = now - self._last
        self._last = now


def _read(photo: ImageSource) -> np.ndarray:
    """The photo as RGB uint8, never the caller's own array (results are made read-only)."""
    rgb = load_rgb(photo)
    if rgb.shape[0] * rgb.shape[1] > MAX_PIXELS:  # load_rgb checks files; arrays arrive already decoded
        raise ImageReadError(f"the photo is {rgb.shape[1]}×{rgb.shape[0]}, over the {MAX_PIXELS / 1e6:.0f} MP limit; "
                             "scale it down (a profile photo needs no more than a few megapixels)")
    return rgb.copy() if isinstance(photo, np.ndarray) else rgb


def _digest(rgb: np.ndarray) -> str:
    digest = hashlib.sha256(str(rgb.shape).encode())
    digest.update(memoryview(np.ascontiguousarray(rgb)).cast("B"))
    return digest.hexdigest()


def _frozen(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array


def _check_choice(name: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}, not {value!r}")
