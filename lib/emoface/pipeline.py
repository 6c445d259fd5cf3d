"""Text + profile photo → the photo with the face redrawn in the post's emotion: the paper's Fig. 1.

:class:`Pipeline` loads the text classifier and the face engines once; the blog, the CLI and the
lessons share one::

    pipeline = Pipeline()                                   # the shipped text model and demo generator
    result = pipeline.edit("What a day!", "me.jpg")         # or edit_expression(photo, "happiness")
    result.photo, result.edited, result.message             # the edited photo and what was done
    result.save("me-edited.png")                            # atomically; returns result.as_dict()

Each call finds every face once and edits the largest (``face=k`` another, ``face="all"`` each)
with an engine — ``"stargan"`` (the paper's), ``"warp"`` (real photos; ``pip install
'emoface[real]'``) or ``"auto"`` (by what the generator was trained on,
:func:`emoface.engines.base.auto_rule`) — at an ``intensity`` in [0, 1]. An unclear text keeps the
photo (``low_confidence="keep"``; ``"neutral"`` draws the neutral face); ``edited`` is True only
when pixels changed; ``out_of_domain`` and ``message`` say when StarGAN was not trained on faces
like this one. Results are cached (``cache_size``; their arrays are read-only) and one pipeline is
safe to share between threads. Errors say what to do: :class:`NoFaceError`,
:class:`~emoface.images.ImageReadError`, :class:`~emoface.text.classify.EmptyTextError`,
:class:`~emoface.faces.landmarks.LandmarksUnavailableError` (the warp engine without ``emoface[real]``).

How it works step by step, and the choices the paper does not make: ``docs/pipeline.md``. Taught in
``05_pipeline_app.ipynb`` and ``06_real_photos.ipynb``.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal, Union

import numpy as np
import torch

from .engines import EditEngine, EngineContext, EngineEdit, auto_rule, create_engine
from .engines.stargan import EDIT_MODES, MAX_ROLL, WHOLE_FACE_MAX_SIDE, StarGanEngine
# The domain score's parts moved to the StarGAN engine; these names stay importable from here.
from .engines.stargan import MIN_OOD_THRESHOLD, calibration_faces, own_domain, texture_error  # noqa: F401
from .engines.warp import VIEW_MARGIN as WARP_VIEW_MARGIN
from .engines.warp.action_units import check_intensity
from .faces.detect import (Box, FaceCrop, FaceDetector, NoFaceError, default_detector, face_view, resize_square,
                           square_box)
from .faces.equalize import equalize
from .faces.find import FaceFinder, FoundFace
from .faces.landmarks import INSTALL_HINT as LANDMARKS_INSTALL_HINT
from .faces.landmarks import LandmarkDetector, LandmarksUnavailableError, default_landmark_detector, landmarks_available
from .images import MAX_PIXELS, ImageReadError, ImageSource, SizedPhoto, load_rgb_sized, save_rgb
from .judges.identity import SynthFacesLook, default_synthfaces_look
from .labels import FACE_EXPRESSIONS
from .stargan.editing import EditMode, default_mode
from .stargan.generator_file import TrainingSet, load_generator, training_set
from .text.classify import EmotionClassifier, EmotionPrediction

LowConfidence = Literal["keep", "neutral"]
LOW_CONFIDENCE_CHOICES: tuple[str, ...] = ("keep", "neutral")
Engine = Literal["stargan", "warp", "auto"]
ENGINES: tuple[str, ...] = ("stargan", "warp", "auto")
#: Which face to edit: its index (0 = the largest) or ``"all"``.
FaceChoice = Union[int, Literal["all"]]
#: A pixel counts as changed when a channel moved by more than this many grey levels.
CHANGED_LEVELS = 8
#: An edit is a change when at least this share of the edited faces' boxes changed.
MIN_CHANGED_SHARE = 0.002
#: Photos are edited at most this large (longer side, 16 MP at 4:3): a profile photo gains nothing from
#: more, and each full-size copy of a 150 MP photo costs 450 MB. Larger ones are shrunk as they are
#: decoded and the result says so (``scaled_from``).
WORK_MAX_SIDE = 4608

SYNTHFACES_WARNING = (
    "this generator was trained on drawn SynthFaces faces; on a real photograph it paints drawn features, "
    "not a photographic expression — train or pass a generator trained on tunedMUG (see notebook 04)"
)


@dataclass(frozen=True)
class EditResult:
    """What one edit did, with every image a page or a figure needs (arrays are read-only)."""

    prediction: EmotionPrediction | None
    #: The face expression asked for; with low confidence and ``low_confidence="keep"``, the classifier's
    #: fallback (``"neutral"``) although nothing was drawn — what the text asked for is in ``prediction``.
    expression: str
    #: True only when the photo changed visibly (see :data:`MIN_CHANGED_SHARE`).
    edited: bool
    #: The (first) edited face's box, as the engine worked from it (StarGAN: its Haar box).
    face_box: Box
    #: The square around that face where its views are cut (StarGAN: where it was cropped and pasted back).
    crop_box: Box
    #: The face before and after (StarGAN: the generator's input and output; the warp: views of the crop box).
    face_before: np.ndarray
    face_after: np.ndarray
    #: The whole photo as read, RGB uint8.
    photo_before: np.ndarray
    #: The whole photo, edited.
    photo: np.ndarray
    #: StarGAN was not trained on faces like this one (a real photograph for a SynthFaces generator).
    out_of_domain: bool
    #: A sentence for people: what was done, on which face, and the domain warning when ``out_of_domain``.
    message: str
    #: Which engine drew the face: ``"stargan"`` or ``"warp"``.
    engine: str = "stargan"
    #: How much of the expression was drawn, in [0, 1].
    intensity: float = 1.0
    #: The warp engine's control points (68 landmarks + 2 cheeks), before and after: (2, 70, 2); else None.
    landmarks: np.ndarray | None = None
    #: StarGAN's domain score for this face (:mod:`emoface.engines.stargan`); None when it did not run.
    domain_score: float | None = None
    #: For a SynthFaces generator, with dlib: the face's embedding distance from the mean SynthFaces face.
    synthfaces_distance: float | None = None
    #: How many faces the photo has, and which were edited (0 = the largest).
    faces_found: int = 1
    faces_edited: tuple[int, ...] = ()
    #: Pixels that changed by more than CHANGED_LEVELS grey levels.
    changed_pixels: int = 0
    #: The expression an engine was asked to draw; None when the photo was kept (an unclear text).
    target: str | None = None
    #: Per edited face: where it is, which engine drew it and what that engine did.
    records: tuple[dict, ...] = ()
    #: The photo's own (width, height) when it was larger than :data:`WORK_MAX_SIDE` and shrunk to be edited.
    scaled_from: tuple[int, int] | None = None
    #: Seconds per stage when this result was computed (a cached result keeps its first timings).
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
            "faces_found": int(self.faces_found),
            "faces_edited": [int(k) for k in self.faces_edited],
            "faces": list(self.records),
            "changed_pixels": int(self.changed_pixels),
            "scaled_from": None if self.scaled_from is None else [int(v) for v in self.scaled_from],
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
class _FaceEdit:
    """One face as the pipeline handled it: the face, the engine chosen, its edit, and why."""

    face: FoundFace
    engine: str
    edit: EngineEdit | None
    look: float | None
    fallback: str | None


class Pipeline:
    """The text classifier and the face engines, loaded once; see the module docstring and ``docs/pipeline.md``."""

    def __init__(self, text_model: str | Path | None = None, generator: str | Path | None = None,
                 device: str | torch.device = "cpu", low_confidence: LowConfidence = "keep",
                 mode: EditMode | None = None, cache_size: int = 64, detector: FaceDetector | None = None,
                 ood_threshold: float | None = None, engine: Engine = "auto", intensity: float = 1.0) -> None:
        _check_choice("low_confidence", low_confidence, LOW_CONFIDENCE_CHOICES)
        if mode is not None:
            _check_choice("mode", mode, EDIT_MODES)
        self.engine, self.intensity = self._request(engine, intensity)
        if cache_size < 0:
            raise ValueError(f"cache_size must be 0 (no cache) or more, got {cache_size}")
        self.device = torch.device(device)
        loaded = load_generator(generator, self.device)  # first: a wrong file fails before the slower text model loads
        self.trained_on: TrainingSet = training_set(loaded)
        _check_expressions(loaded.classes, self.trained_on)
        self.detector = detector or default_detector()
        mode = mode or default_mode(loaded.config)  # plain for an attention generator, else residual
        self._context = EngineContext(loaded, self.device, self.detector, mode, ood_threshold,
                                      int(loaded.config.image_size))
        #: The paper's engine: always built, it holds the generator.
        self.stargan: StarGanEngine = create_engine("stargan", self._context)
        self._engines: dict[str, EditEngine] = {"stargan": self.stargan}
        self.generator_config = loaded.config
        self.generator_info = dict(loaded.info)
        self.classifier = EmotionClassifier.load(text_model)
        # The tokenizer loads its spelling dictionary on first use (seconds): pay that here, not on the first post.
        self.classifier.predict("ready")
        #: The generator's image size (64 for the shipped demo generator, 128 for the paper's).
        self.size = int(loaded.config.image_size)
        self.finder = FaceFinder(self.detector, default_landmark_detector, lambda: landmarks_available())
        self.low_confidence = low_confidence
        self.cache_size = cache_size
        self._cache: OrderedDict[tuple, EditResult] = OrderedDict()
        self._lock = threading.Lock()  # the cache

    @property
    def classes(self) -> tuple[str, ...]:
        """The expressions (domains) the generator can draw, in the order of its domain vector."""
        return self.stargan.classes

    @property
    def generator(self) -> torch.nn.Module:
        """The StarGAN generator (held by the ``stargan`` engine)."""
        return self.stargan.generator

    @generator.setter
    def generator(self, module: torch.nn.Module) -> None:
        self.stargan.generator = module

    @property
    def mode(self) -> str:
        """StarGAN's edit, ``residual`` or ``plain``; by default the generator's own (:func:`~emoface.stargan.editing.default_mode`)."""
        return self.stargan.mode

    @property
    def trained_on_synthfaces(self) -> bool:
        """Whether the generator file says it was trained on SynthFaces (the shipped demo one does)."""
        return self.trained_on.name == "synthfaces"

    def engine_named(self, name: str) -> EditEngine:
        """The engine called ``name`` (``stargan`` or ``warp``), built on first use."""
        if name not in self._engines:
            if name == "warp" and not landmarks_available():
                raise LandmarksUnavailableError(f"the warp engine needs the landmark model; {LANDMARKS_INSTALL_HINT}")
            self._engines[name] = create_engine(name, self._context)
        return self._engines[name]

    # ---------------------------------------------------------------- the two halves of the paper

    def classify(self, text: str) -> EmotionPrediction:
        """The post's emotion (:class:`EmptyTextError` for an empty post)."""
        return self.classifier.predict(text)

    def find_faces(self, photo: ImageSource) -> list[FoundFace]:
        """Every face in ``photo``, largest first (:class:`emoface.faces.find.FoundFace`), or :class:`NoFaceError`."""
        return self._faces(_read(photo)[0])

    def find_face(self, photo: ImageSource) -> FaceCrop:
        """The largest face as the generator sees it (crop at model size, not yet equalised), or :class:`NoFaceError`.

        Raises :class:`ImageReadError` for anything that is not a readable image: the blog calls
        this to validate an upload before it stores it.
        """
        rgb = _read(photo)[0]
        return self.stargan.crop(rgb, self._faces(rgb)[0])

    def edit(self, text: str, photo: ImageSource | SizedPhoto, *, engine: Engine | None = None,
             intensity: float | None = None, face: FaceChoice = 0) -> EditResult:
        """The paper's Fig. 1: the post's emotion drawn on a face in ``photo``.

        ``engine`` and ``intensity`` override the pipeline's own for this call; ``face`` is which face
        (0, the largest, by default; ``"all"`` for every one).
        """
        request = self._request(engine, intensity)
        watch = _Stopwatch()
        prediction = self.classify(text)
        watch.lap("classify")
        rgb, size = _read(photo)
        watch.lap("read")
        return _scaled(self._edit(rgb, self._target(prediction), prediction, watch, *request, _check_face(face)), size)

    def edit_expression(self, photo: ImageSource | SizedPhoto, expression: str, *, engine: Engine | None = None,
                        intensity: float | None = None, face: FaceChoice = 0) -> EditResult:
        """``photo``'s face redrawn in ``expression`` (one of :attr:`classes`); no text, so no prediction."""
        if expression not in self.classes:
            raise ValueError(f"unknown expression {expression!r}; this generator draws {', '.join(self.classes)}")
        request = self._request(engine, intensity)
        watch = _Stopwatch()
        rgb, size = _read(photo)
        watch.lap("read")
        return _scaled(self._edit(rgb, expression, None, watch, *request, _check_face(face)), size)

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

    # ---------------------------------------------------------------- domain (StarGAN's)

    def domain_score(self, face: np.ndarray) -> float:
        """StarGAN's r(x) for a face prepared like training data (crop, equalised); square RGB uint8, any size."""
        if not isinstance(face, np.ndarray) or face.ndim != 3 or face.shape[0] != face.shape[1] or face.shape[2] != 3:
            raise ValueError(f"expected a square H×W×3 RGB face, got {getattr(face, 'shape', type(face).__name__)}; "
                             "prepare it with Pipeline.find_face and emoface.faces.equalize.equalize")
        return float(self.stargan.domain_scores(resize_square(face, self.size) if face.shape[0] != self.size
                                                else face)[0])

    @property
    def ood_threshold(self) -> float:
        """StarGAN's domain scores above this are out of domain (from the generator file, or calibrated once)."""
        return self.stargan.ood_threshold

    @ood_threshold.setter
    def ood_threshold(self, value: float) -> None:
        self.stargan.ood_threshold = value
        self.clear_cache()  # stored results carry the old verdict

    # ---------------------------------------------------------------- one edit

    def _edit(self, rgb: np.ndarray, target: str | None, prediction: EmotionPrediction | None,
              watch: _Stopwatch, engine: str, intensity: float, face: FaceChoice) -> EditResult:
        key = (_digest(rgb), target, self.mode, engine, intensity, face)
        cached = self._cache_get(key)
        if cached is not None:
            return cached if cached.prediction == prediction else self._retell(cached, prediction)
        watch.lap("cache")
        rgb = _frozen(rgb)
        faces = self._faces(rgb)
        watch.lap("faces")
        chosen = faces if face == "all" else [_pick(faces, face)]
        photo, done = rgb, []
        for found in chosen:
            name, look, fallback = self._choose_engine(rgb, found, engine)
            watch.lap("look")
            edit = None
            if target is not None:
                edit = self.engine_named(name).edit(photo, found, target, intensity)
                photo = edit.photo
                watch.lap(name)
            done.append(_FaceEdit(found, name, edit, look, fallback))
        result = self._result(rgb, _frozen(photo), target, prediction, intensity, faces, done, engine)
        result = replace(result, timings=dict(watch.laps))
        self._cache_put(key, result)
        return result

    def _faces(self, rgb: np.ndarray) -> list[FoundFace]:
        try:
            return self.finder.find(rgb)
        except NoFaceError:
            height, width = rgb.shape[:2]
            if height == width and height <= WHOLE_FACE_MAX_SIDE:  # a face crop (an avatar): taken whole
                return [FoundFace(Box(0, 0, width, height), None, 0, 1, 0.0, "whole")]
            raise

    def _choose_engine(self, rgb: np.ndarray, face: FoundFace, engine: str) -> tuple[str, float | None, str | None]:
        """(engine, SynthFaces distance, why the warp could not be used) for one face; see ``docs/pipeline.md``."""
        if engine != "auto":  # asked for by name; a SynthFaces StarGAN still says when the face is a photograph
            return engine, self._look(rgb, face) if engine == "stargan" else None, None
        if not landmarks_available():
            return "stargan", None, f"the landmark model is not installed ({LANDMARKS_INSTALL_HINT})"
        if face.landmarks is None:
            return "stargan", None, "no landmarks were found for this face"
        if abs(face.roll) > MAX_ROLL:
            return "warp", None, None
        rule = auto_rule(self.trained_on)
        if rule != "look":
            return rule, None, None
        look = self._look(rgb, face)  # a SynthFaces generator with the face's landmarks: never None here
        return ("warp" if look > self.synthfaces_look.radius else "stargan"), look, None

    def _look(self, rgb: np.ndarray, face: FoundFace) -> float | None:
        """The face's distance from SynthFaces faces (dlib's embedding) where a SynthFaces generator draws it and
        the landmarks are at hand, else None: unlike the domain score, it tells a smooth real face from a drawing."""
        if not self.trained_on_synthfaces or face.landmarks is None or not landmarks_available():
            return None
        return self.synthfaces_look.distance(rgb, face.landmarks)

    def _result(self, rgb: np.ndarray, photo: np.ndarray, target: str | None, prediction: EmotionPrediction | None,
                intensity: float, faces: list[FoundFace], done: list[_FaceEdit], engine: str) -> EditResult:
        first = done[0]
        changed = _changed_pixels(rgb, photo)
        area = sum(max(1, d.face.box.area) for d in done)
        edited = target is not None and changed >= MIN_CHANGED_SHARE * area
        if first.edit is not None:
            e = first.edit
            face_box, crop_box, before, after = e.face_box, e.crop_box, _frozen(e.face_before), _frozen(e.face_after)
        else:  # nothing drawn: the views the chosen engine would have shown, so a page's faces line up
            face_box, crop_box, before = self._unedited_view(rgb, first)
            after = before
        out_of_domain = any(d.edit is not None and d.edit.out_of_domain for d in done) or (
            first.look is not None and first.look > self.synthfaces_look.radius)
        records = tuple({**d.face.as_dict(), **(d.edit.record if d.edit else {"engine": d.engine})} for d in done)
        message = self._message(prediction, target, out_of_domain, first.engine,
                                first.fallback if engine == "auto" else None, edited, first, len(faces), len(done))
        return EditResult(
            prediction=prediction, expression=target or (prediction.expression if prediction else "neutral"),
            edited=edited, face_box=face_box, crop_box=crop_box, face_before=before, face_after=after,
            photo_before=rgb, photo=photo if edited else rgb, out_of_domain=out_of_domain, message=message,
            engine=first.engine, intensity=intensity,
            landmarks=None if first.edit is None or first.edit.landmarks is None else _frozen(first.edit.landmarks),
            domain_score=first.edit.domain_score if first.edit else None, synthfaces_distance=first.look,
            faces_found=len(faces), faces_edited=tuple(d.face.index for d in done) if edited else (),
            changed_pixels=changed, records=records, target=target,
        )

    def _unedited_view(self, rgb: np.ndarray, done: _FaceEdit) -> tuple[Box, Box, np.ndarray]:
        """(face box, crop box, face view) of a face no engine drew, framed as its engine frames it."""
        if done.engine == "stargan":
            try:
                crop = self.stargan.crop(rgb, done.face)
                return crop.face_box, crop.crop_box, _frozen(equalize(crop.face, "luminance"))
            except NoFaceError:
                pass  # too small for the generator: frame it like the warp
        crop_box = square_box(done.face.box, WARP_VIEW_MARGIN)
        return done.face.box, crop_box, _frozen(face_view(rgb, crop_box, self.size))

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
        if target not in self.classes:
            raise ValueError(f"the text asks for {target!r}, which this generator cannot draw (it draws "
                             f"{', '.join(self.classes)}); pass a generator trained on the face expressions")
        return target

    # ---------------------------------------------------------------- messages and cache

    def _message(self, prediction: EmotionPrediction | None, target: str | None, out_of_domain: bool,
                 engine: str = "stargan", fallback: str | None = None, edited: bool = True,
                 first: _FaceEdit | None = None, found: int = 1, edited_faces: int = 1) -> str:
        if prediction is None:
            text = f"Redrew the face with the {target} expression."
        elif not prediction.confident:
            unclear = (f"The text could not be read: {prediction.message}" if prediction.message else
                       f"The text's emotion was unclear (most likely {prediction.top_emotion}, "
                       f"{prediction.probability:.0%}, below the {self.classifier.min_confidence:.0%} needed)")
            text = f"{unclear}; " + ("the photo was kept unchanged." if target is None else f"drew a {target} face.")
        else:
            reads = f"The text reads as {prediction.emotion} ({prediction.probability:.0%})"
            text = f"{reads}; drew the {target} expression."
        if target is not None and not edited:
            text = text.replace("Redrew the face with", "Asked for").replace("drew the", "asked for the")
            text = f"{text} The face already shows it: the photo is unchanged."
        if found > 1 and first is not None:
            which = (f"all {found} faces" if edited_faces == found and edited_faces > 1
                     else f"face {first.face.index} ({'the largest' if first.face.index == 0 else 'by request'})")
            text = f"{text} {found} faces found; {'edited' if edited else 'looked at'} {which}."
        if engine == "warp" and target is not None and edited:
            text = (f"{text} Drawn by the warp engine: the face's landmarks moved by the expression's action units, "
                    "the mouth reshaped and the creases shaded in")
            if out_of_domain and self.trained_on_synthfaces:
                return f"{text} (a real photograph; the generator only knows drawn faces)."
            if auto_rule(self.trained_on) == "warp":
                return (f"{text} (the generator was trained on {self.trained_on.title}, {self.trained_on.what}: "
                        "it does not redraw a colour photograph).")
            return f"{text}."
        if fallback is not None and target is not None and edited:  # said whatever the face: the user can fix it
            drawn_by = "StarGAN, trained on drawn SynthFaces faces," if self.trained_on_synthfaces else "StarGAN"
            text = f"{text} (The warp engine could not be used: {fallback}; {drawn_by} drew it.)"
        if not out_of_domain or target is None or not edited:  # nothing drawn, nothing to warn about
            return text
        if self.trained_on_synthfaces:
            return f"{text} Warning: {SYNTHFACES_WARNING}."
        return (f"{text} Warning: this face is unlike the faces the generator was trained on "
                f"(its domain score is above {self.ood_threshold:.3f}); the edit may look wrong.")

    def _retell(self, cached: EditResult, prediction: EmotionPrediction | None) -> EditResult:
        """A cached edit told for another text that asked for the same expression (arrays shared)."""
        message = self._message(prediction, cached.target, cached.out_of_domain, cached.engine, None, cached.edited)
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


def _check_expressions(classes: tuple[str, ...], trained_on: TrainingSet) -> None:
    """A generator that cannot draw the seven face expressions is refused in one sentence."""
    missing = [e for e in FACE_EXPRESSIONS if e not in classes]
    if trained_on.labels != "expressions" or missing:
        raise ValueError(f"this generator was trained on {trained_on.title} to draw {', '.join(classes)}, "
                         "not the seven face expressions, so it cannot redraw a face in a post's emotion "
                         "(the authors' CelebA generator edits hair, sex and age); pass one trained on tunedMUG, "
                         "FER2013 or SynthFaces (lesson 04)")


def _pick(faces: list[FoundFace], face: int) -> FoundFace:
    if face >= len(faces):
        raise ValueError(f"the photo has {len(faces)} face{'s' if len(faces) > 1 else ''} (0 is the largest); "
                         f"there is no face {face}: choose one from 0 to {len(faces) - 1}, or 'all'")
    return faces[face]


def _check_face(face: FaceChoice) -> FaceChoice:
    if face == "all" or (isinstance(face, (int, np.integer)) and not isinstance(face, bool) and face >= 0):
        return face if face == "all" else int(face)
    raise ValueError(f"face must be a face's index (0 = the largest) or 'all', not {face!r}")


def _changed_pixels(before: np.ndarray, after: np.ndarray) -> int:
    """Pixels where some channel moved by more than :data:`CHANGED_LEVELS` grey levels."""
    if before is after:
        return 0
    difference = np.abs(before.astype(np.int16) - after.astype(np.int16)).max(2)
    return int(np.count_nonzero(difference > CHANGED_LEVELS))


class _Stopwatch:
    """Seconds between successive :meth:`lap` calls, by stage name."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.laps[stage] = now - self._last
        self._last = now


def _read(photo: ImageSource | SizedPhoto) -> SizedPhoto:
    """The photo as RGB uint8 at most :data:`WORK_MAX_SIDE` on its longer side, never the caller's own
    array (results are made read-only), and its own (width, height)."""
    if isinstance(photo, np.ndarray) and photo.shape[0] * photo.shape[1] > MAX_PIXELS:
        raise ImageReadError(f"the photo is {photo.shape[1]}×{photo.shape[0]}, over the {MAX_PIXELS / 1e6:.0f} MP "
                             "limit; scale it down (a profile photo needs no more than a few megapixels)")
    rgb, size = load_rgb_sized(photo, max_side=WORK_MAX_SIDE)
    given = photo.rgb if isinstance(photo, SizedPhoto) else photo
    return SizedPhoto(rgb.copy() if rgb is given else rgb, size)


def _scaled(result: EditResult, size: tuple[int, int]) -> EditResult:
    """``result`` saying that the photo was shrunk to be edited, when it was."""
    height, width = result.photo_before.shape[:2]
    if size == (width, height):
        return result
    note = f" The photo was scaled from {size[0]}×{size[1]} to {width}×{height} to edit it."
    return replace(result, scaled_from=size, message=result.message + note)


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
