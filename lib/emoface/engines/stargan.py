"""The paper's engine (``engine="stargan"``): the generator redraws a Haar crop of the face (§3.2, Fig. 1).

Per face:

1. the face's Haar box (the cascade's detection that overlaps the face the pipeline found, so
   every engine edits the same face; the found box itself when the cascade misses it), cropped
   square with the margin the generator's faces were framed with (:func:`training_margin`: 0.084 for
   one trained on SynthFaces pairs, the paper's 0.15 for tunedMUG's Haar crops),
   resized to the generator's size and luminance-equalised — exactly how the training faces were
   prepared. (Cut with the paper's margin, a SynthFaces scene's face came out 10 % smaller than the
   demo generator's training faces, and its neutral edits of held-out scenes read right 86 % of the
   time instead of 94 %: docs/stargan.md.) A photo that already is a small square face crop is taken whole
   (re-cropping it would edge-replicate its border);
2. the generator on the face in every domain, in one batch: the face's own expression c_s is read by
   the file's discriminator where it stores one (StarGAN's expression classifier; the file's separate
   reader instead when its D was trained label-smoothed), else as the best of
   the seven reconstructions G(x, c) (:func:`emoface.stargan.editing.infer_source`); then the
   **domain score** below, and the edit, plain
   ``x + i·(G(x, c_t) − x)`` or residual ``x + i·(G(x, c_t) − G(x, c_s))`` at intensity i;
3. the change pasted back into the full-resolution photo (:func:`emoface.faces.paste.paste_face`:
   feathered, with the equalisation undone), and where the face changed, corrected by the file's
   refiner when it holds one (:mod:`emoface.stargan.refiner`: it draws the upsampled moved features
   sharp; the shipped file holds one, taught by the true faces: docs/stargan.md), except where, in the brows' and
   eyes' rows (:data:`FOLLOW_BAND`), G's change is a motion: there the photo's own brows and eyes are moved along it
   (:mod:`emoface.faces.follow`); for a generator trained on
   SynthFaces, the photo's faint thin lines are filled first where the face's own expression draws wrinkles
   and the target does not (:mod:`emoface.faces.wrinkles`: a surprised forehead's lines, a smile's crow's
   feet, too thin for a 64-pixel generator to see or remove), and its faint old folds are softened to what the
   generator sees, so that its change takes them away (:attr:`StarGanEngine.soften_folds`). A sneer's bridge
   lines are drawn as deep as a lash and the generator sees them: it copies or smears them. Where the source
   draws them (:func:`emoface.faces.wrinkles.deep_region`), they are filled deeper, and the generator draws
   the face again from the crop with them filled (:meth:`StarGanEngine.redraw_erased`).

A head rolled more than :data:`MAX_ROLL` degrees is refused: the generator was trained on upright
faces, and the cascade then finds background as often as the face.

**The domain score** asks whether the generator can redraw this face's *texture*:
r(x) = mean|hp(G(x, c_s)) − hp(x)|, the error of its best reconstruction on the high-pass images
hp(x) = x − blur(x), in [-1, 1] units (for a generator with an attention mask, of what it *paints*
in c_s: its output keeps the input's own pixels, photograph or not). A generator trained on drawn
faces reconstructs their smooth shading, and cannot reproduce a photograph's skin, hair and noise. Above :attr:`StarGanEngine.ood_threshold`
the face is out of domain. The threshold comes from the generator file (``info["ood_threshold"]``)
or is calibrated lazily, once per process for the same weights, on :data:`CALIBRATION_PEOPLE`
held-out SynthFaces faces as max(1.5 × their 95th percentile, :data:`MIN_OOD_THRESHOLD`).

Taught in ``05_pipeline_app.ipynb``.
"""

from __future__ import annotations

import hashlib
import threading
from functools import partial
from types import MappingProxyType
from typing import Callable

import numpy as np
import torch

from ..checkpoints import hash_weights
from ..datasets.synth import draw_face, random_identity
from ..faces.detect import Box, FaceCrop, FaceDetector, NoFaceError, cut, resize_square, square_box
from ..faces.equalize import EqualizeMode, equalize
from ..faces.find import FoundFace
from ..faces.lids import narrowed_eyes
from ..faces.paste import paste_face
from ..faces.wrinkles import WrinkleMap, deep_region, erase_region, erase_thin_lines, fold_region, load_wrinkle_map
from ..labels import FACE_EXPRESSIONS
from ..stargan.figures import to_image, to_tensor
from ..stargan.model import Discriminator
from ..stargan.refiner import load_refiner, refine_region
from ..stargan.synth_pairs import HAAR_MARGIN
from .base import EngineContext, EngineEdit

EDIT_MODES: tuple[str, ...] = ("plain", "residual")
#: How the face is equalised before the generator sees it (as the training faces were), and undone in the paste.
EQUALIZATION: EqualizeMode = "luminance"
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
#: A face reads clearly as the domain whose reconstruction error is at most this × the next best.
CLEAR_READING = 0.85
#: With the file's discriminator (or reader): a face shows an expression already when its classifier gives it at least this.
CLEAR_D_READING = 0.9
#: Heads rolled further than this (degrees) are refused.
MAX_ROLL = 20.0
#: A Haar box is this face's when it covers at least this share of the found box.
SAME_FACE = 0.5
#: The rows of the crop (fractions of its height) that hold the brows and eyes: there the photo's own features are
#: moved where G moved them (:mod:`emoface.faces.follow`), measured on SynthFaces' Haar crops.
FOLLOW_BAND = (0.30, 0.52)
#: Expressions whose brows are pulled down and together (AU4, the brow lowerer: anger's). Moved along a 64² flow, the
#: furrows and the old brows' inner ends came back beside the new brows (docs/stargan.md): G's painting stays. (Eyes
#: that close from wide open were an exception too, until the follow's own left-behind test made it unneeded.)
KNIT_BROWED = ("anger",)
#: How open each expression's eyes are (:func:`emoface.faces.lids.opening`: lid to lid over corner to corner, dlib's
#: 68 points), the mean over SynthFaces people 0-59's scenes (training people; sd 0.02-0.03 each;
#: ``scripts/measure_eye_opening.py`` measures it again).
EYE_OPENING = MappingProxyType({"anger": 0.286, "disgust": 0.295, "fear": 0.418, "happiness": 0.282,
                                "neutral": 0.348, "sadness": 0.289, "surprise": 0.450})
#: The photo's own lids are slid (:mod:`emoface.faces.lids`) where the target's eyes are at most this share as open as
#: the source's: from surprise or fear to any other expression, from neutral to anger, disgust, joy or sadness.
NARROWER = 0.92


#: ``refine(region, pasted, gate, target)``: :data:`emoface.faces.paste.Refine` told the target expression's index.
TargetRefine = Callable[[np.ndarray, np.ndarray, np.ndarray, int], np.ndarray]

#: Thresholds calibrated in this process, by generator and reader (class and weights), size and device: every
#: engine of the same generator calibrates once per process (~150 generator passes, ~10 s of CPU),
#: not once each — a notebook or a test suite makes many pipelines of the shipped file.
_CALIBRATED: dict[str, float] = {}


def calibration_key(generator: torch.nn.Module, size: int, device: torch.device,
                    reader: torch.nn.Module | None = None) -> str | None:
    """What a calibrated threshold depends on, as a digest (None for a generator without a state dict).

    The reader counts too: its reading of each calibration face picks the painting that is scored."""
    if not hasattr(generator, "state_dict"):
        return None
    digest = hashlib.sha256(f"{type(generator).__module__}.{type(generator).__qualname__}|{size}|"
                            f"{torch.device(device).type}".encode())
    for part, module in (("G", generator), ("reader", reader)):
        digest.update(f"|{part}|".encode())
        hash_weights(digest, module)
    return digest.hexdigest()


class TiltedFaceError(NoFaceError):
    """The head is rolled too far for the generator; the message says what to do."""


class StarGanEngine:
    """A loaded generator, its domain threshold and the Haar crop; see the module docstring. Thread-safe."""

    name = "stargan"

    def __init__(self, loaded, device: torch.device, detector: FaceDetector, mode: str = "residual",
                 ood_threshold: float | None = None) -> None:
        if mode not in EDIT_MODES:
            raise ValueError(f"mode must be one of {', '.join(EDIT_MODES)}, not {mode!r}")
        self.device = torch.device(device)
        self.generator = loaded.generator.eval()
        self.config = loaded.config
        self.info = dict(loaded.info)
        self.classes = tuple(loaded.classes)
        self.size = int(loaded.config.image_size)
        self.detector = detector
        #: Each side of the Haar box grows by this share before the cut: the framing the generator learnt on.
        self.margin = training_margin(self.info, detector.margin)
        self.mode = mode
        self._lock = threading.Lock()  # the generator
        self._calibration_lock = threading.Lock()
        self._ood_threshold = ood_threshold if ood_threshold is not None else self.info.get("ood_threshold")
        self.reader = expression_reader(loaded, self.device)
        #: Corrects the paste where the face changed, told the target's index (the file's refiner,
        #: :mod:`emoface.stargan.refiner`); None: the paste as is.
        self.refine: TargetRefine | None = file_refiner(loaded, self.device)
        #: Where each expression draws its wrinkles in this generator's crop (:mod:`emoface.faces.wrinkles`), to erase
        #: the old expression's from the photo: for a generator trained on SynthFaces, framed as the map; else None.
        self.wrinkles: WrinkleMap | None = wrinkle_map_for(self.info, self.classes)
        #: Whether the old expression's folds (in the map) are softened to G's resolution too (docs/stargan.md, "The
        #: smile's folds on a dark skin"); False to see what it does.
        self.soften_folds = True
        #: Whether the photo's own lids are slid over eyes the target narrows (:mod:`emoface.faces.lids`). Off: crisper
        #: eyes than G's smudges, but on the tuning people more of the old eye's lines left (docs/stargan.md).
        self.slide_lids = False

    # ---------------------------------------------------------------- the crop

    def crop(self, photo: np.ndarray, face: FoundFace | None = None) -> FaceCrop:
        """The generator's view of ``face`` (the largest Haar face when None): crop at model size, not equalised."""
        height, width = photo.shape[:2]
        boxes = self.detector.detect(photo)
        if height == width and height <= WHOLE_FACE_MAX_SIDE:
            if not boxes or square_box(boxes[0], self.margin).w >= FILLS_PHOTO * width:
                whole = Box(0, 0, width, height)
                return FaceCrop(face=resize_square(photo, self.size), face_box=boxes[0] if boxes else whole,
                                crop_box=whole, n_faces=len(boxes))
        return self.detector.crop_at(photo, self._haar_box(boxes, face), self.size,
                                     n_faces=max(len(boxes), face.count if face else 0), margin=self.margin)

    def _haar_box(self, boxes: list[Box], face: FoundFace | None) -> Box:
        """The Haar box of ``face``: its own if the cascade found it, else the detection that covers it."""
        if face is not None and face.detector == "haar":
            return face.box
        if face is None:
            if not boxes:
                raise NoFaceError("no face found in the photo; use a well-lit, frontal photo with the whole face "
                                  f"visible and at least {self.detector.min_face} pixels wide")
            return boxes[0]
        covered, best = max(((_covered(face.box, box), box) for box in boxes), default=(0.0, None),
                            key=lambda pair: pair[0])
        if covered >= SAME_FACE:
            return best
        # the cascade missed this face: a Haar-like box from the found one (Haar boxes reach higher, to the forehead)
        grow = int(round(0.1 * face.box.w))
        return Box(face.box.x - grow, face.box.y - 2 * grow, face.box.w + 2 * grow, face.box.h + 2 * grow)

    # ---------------------------------------------------------------- one edit

    def read_expression(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor] | None:
        """Each face's own expression by the file's reader or discriminator, StarGAN's expression classifier trained on
        real faces: (source indices (N,), their probabilities (N,)), or None for a file with neither.

        Why not the reconstruction (:func:`own_domain`): an attention generator trained with a weak cycle
        loss repaints even a face's own expression, so argmin |G(x, c) − x| read 84 % of held-out
        SynthFaces faces right (a broad smile read as neutral), D 98 %."""
        if self.reader is None:
            return None
        with self._lock, torch.no_grad():
            probs = torch.softmax(self.reader(x)[1].float(), dim=1)
        return probs.argmax(1), probs.max(1).values

    def own_expression(self, all_domains: torch.Tensor, x: torch.Tensor,
                       paintings: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """Each face's own expression, its domain score (:func:`own_domain`) and D's probability for it
        (None without D): an edit and the threshold's calibration read faces the same way."""
        read = self.read_expression(x)
        sources, scores = own_domain(all_domains, x, paintings, None if read is None else read[0])
        return sources, scores, None if read is None else read[1]

    def edit(self, photo: np.ndarray, face: FoundFace, target: str, intensity: float) -> EngineEdit:
        if abs(face.roll) > MAX_ROLL:
            raise TiltedFaceError(
                f"the head is tilted by {abs(face.roll):.0f}°; StarGAN edits upright faces (±{MAX_ROLL:.0f}°), as it "
                "was trained: straighten the photo, or use the warp engine (pip install 'emoface[real]')")
        if target not in self.classes:
            raise ValueError(f"unknown expression {target!r}; this generator draws {', '.join(self.classes)}")
        crop = self.crop(photo, face)
        before = equalize(crop.face, EQUALIZATION)
        x = to_tensor(before).to(self.device)  # (1, 3, S, S) in [-1, 1]
        all_domains, paintings = self.all_domains(x)  # G(x, c) for every domain c: (1, C, 3, S, S)
        sources, scores, probabilities = self.own_expression(all_domains, x, paintings)
        outputs, source, score = all_domains[0], int(sources[0]), float(scores[0])
        t = self.classes.index(target)
        clearly = (clearly_own(outputs, x[0]) if probabilities is None
                   else float(probabilities[0]) >= CLEAR_D_READING)
        unchanged = t == source and clearly  # the face already shows it: nothing to redraw
        face_after = to_image(x[0] if unchanged else self._step(x[0], outputs, source, t, intensity))
        erase, deep, soften = (None, None, None) if unchanged else self.erase_regions(source, t, intensity)
        if deep is not None:
            before, face_after = self.redraw_erased(photo, crop.crop_box, erase, deep, face_after, source, t, intensity)
        refine = self.refine
        edited = paste_face(photo, face_after, crop.crop_box, original_face=before, equalization=EQUALIZATION,
                            refine=None if refine is None else lambda region, pasted, gate: refine(region, pasted, gate, t),
                            erase=erase, soften=soften, deep=deep, follow=self.follow_band(source, t))
        kept = None if unchanged or not self.slide_lids else self.eyes_kept(source, t, intensity)
        edited, slid = (edited, False) if kept is None else narrowed_eyes(photo, edited, kept, crop.crop_box)
        record = {"engine": self.name, "mode": self.mode, "source_expression": self.classes[source],
                  "domain_score": round(score, 4), "wrinkles_erased": erase is not None,
                  "deep_wrinkles_erased": deep is not None, "folds_softened": soften is not None, "lids_slid": slid}
        return EngineEdit(photo=edited, crop_box=crop.crop_box, face_box=crop.face_box, face_before=before,
                          face_after=face_after, record=record, domain_score=score,
                          out_of_domain=score > self.ood_threshold)

    def _step(self, x: torch.Tensor, outputs: torch.Tensor | dict[int, torch.Tensor], source: int, target: int,
              intensity: float) -> torch.Tensor:
        """The edited face from ``x`` (3, S, S) and G's ``outputs`` by domain: plain ``x + i·(G(x, c_t) − x)``
        (= G(x, c_t) at intensity 1) or residual ``x + i·(G(x, c_t) − G(x, c_s))``, as editing.edit computes it."""
        reference = x if self.mode == "plain" else outputs[source]
        return (x + intensity * (outputs[target] - reference)).clamp(-1, 1)

    def redraw_erased(self, photo: np.ndarray, crop_box: Box, erase: np.ndarray, deep: np.ndarray,
                      face_after: np.ndarray, source: int, target: int,
                      intensity: float) -> tuple[np.ndarray, np.ndarray]:
        """G's input and edit again, from the photo's crop with the old wrinkles erased as the paste will erase them
        (``face_after``, the first edit, says which lines G draws itself): G sees a sneer's deep bridge lines and,
        shown them, copied them or left a smear where they were (docs/stargan.md); shown the crop without them, it
        draws a plain bridge. Returns (the equalised input, the edited face), both uint8 at G's size."""
        region = cut(photo, crop_box).astype(np.float32)
        erased = erase_thin_lines(region, erase, face_after, deep=deep)
        before = equalize(resize_square(np.clip(np.round(erased), 0, 255).astype(np.uint8), self.size), EQUALIZATION)
        x = to_tensor(before).to(self.device)
        wanted = [target] if self.mode == "plain" else [source, target]  # only what the step reads
        outputs = dict(zip(wanted, self.all_domains(x, wanted)[0][0]))
        return before, to_image(self._step(x[0], outputs, source, target, intensity))

    def follow_band(self, source: int, target: int) -> tuple[float, float] | None:
        """Where the paste moves the photo's own brows and eyes as G moved them (:mod:`emoface.faces.follow`): the
        brows' and eyes' rows, unless the brows unknit (:data:`KNIT_BROWED`)."""
        knit = self.classes[source] in KNIT_BROWED
        return None if FOLLOW_BAND is None or knit else FOLLOW_BAND

    def eyes_kept(self, source: int, target: int, intensity: float) -> float | None:
        """The share of the eyes' opening the target keeps (:data:`EYE_OPENING`, scaled by ``intensity``), where the
        eyes narrow by more than :data:`NARROWER` allows; None where they do not, or the classes are not known."""
        opening = [EYE_OPENING.get(self.classes[index]) for index in (source, target)]
        if None in opening:
            return None
        narrowed = opening[1] / opening[0]
        return None if narrowed > NARROWER else 1 - intensity * (1 - narrowed)

    def erase_regions(self, source: int, target: int,
                      intensity: float) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None]:
        """For an edit from ``source`` to ``target``: where the photo's thin lines are filled (the old wrinkles), where
        deeper ones are filled too (the old deep wrinkles, inside the first), and where they are made as soft as G's
        (the old folds): 64², [0, 1], scaled by ``intensity``; each None where there is nothing to do (no map, the
        same expression, none there)."""
        if self.wrinkles is None:
            return None, None, None
        names = self.classes[source], self.classes[target]
        wrinkles = intensity * erase_region(self.wrinkles, *names)
        deep = intensity * deep_region(self.wrinkles, *names)
        folds = intensity * fold_region(self.wrinkles, *names) if self.soften_folds else None
        return tuple(None if region is None or region.max() == 0 else region for region in (wrinkles, deep, folds))

    def all_domains(self, x: torch.Tensor, domains: list[int] | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """G(x, c) for each face of ``x`` (N, 3, S, S) in every domain (or only in ``domains``, class indices), in
        one batch: (N, K, 3, S, S), K the domains asked; and G's paintings before its mask
        (:meth:`~emoface.stargan.model.Generator.paint`; the outputs themselves for a generator without one)."""
        domains = list(range(len(self.classes))) if domains is None else domains
        n, k = len(x), len(domains)
        # (N·K, C): face i in the j-th asked domain at row i·K + j
        c = torch.eye(len(self.classes), device=self.device)[domains].repeat(n, 1)
        inputs = x.repeat_interleave(k, 0)
        with self._lock, torch.no_grad():
            if hasattr(self.generator, "paint"):
                paintings, keep = self.generator.paint(inputs, c)
                outputs = self.generator.compose(inputs, paintings, keep)
            else:  # any module with G's interface (a test's stand-in, an official release)
                paintings = outputs = self.generator(inputs, c)
        return outputs.view(n, k, *x.shape[1:]), paintings.view(n, k, *x.shape[1:])

    # ---------------------------------------------------------------- the domain

    def domain_scores(self, faces: np.ndarray, batch: int = 4) -> np.ndarray:
        """The domain score of each face (N×S×S×3 uint8, or one S×S×3), prepared like training data: (N,)."""
        faces = faces[None] if faces.ndim == 3 else faces
        scores = []
        for start in range(0, len(faces), batch):
            x = torch.cat([to_tensor(np.array(face)) for face in faces[start : start + batch]]).to(self.device)
            outputs, paintings = self.all_domains(x)
            scores.append(self.own_expression(outputs, x, paintings)[1].cpu().numpy())
        return np.concatenate(scores)

    @property
    def ood_threshold(self) -> float:
        """Domain scores above this are out of domain (from the generator file, or calibrated once)."""
        with self._calibration_lock:
            if self._ood_threshold is None:
                key = calibration_key(self.generator, self.size, self.device, self.reader)
                threshold = _CALIBRATED.get(key) if key is not None else None
                if threshold is None:
                    scores = self.domain_scores(calibration_faces(self.size))
                    # threshold = max(1.5 · P95(r over held-out SynthFaces faces), floor)
                    threshold = max(1.5 * float(np.percentile(scores, 95)), MIN_OOD_THRESHOLD)
                    if key is not None:
                        _CALIBRATED[key] = threshold
                self._ood_threshold = threshold
            return float(self._ood_threshold)

    @ood_threshold.setter
    def ood_threshold(self, value: float) -> None:
        with self._calibration_lock:
            self._ood_threshold = float(value)


def training_margin(info: dict, paper_margin: float) -> float:
    """The margin around the Haar box that cuts a photo's face as the generator's training faces were
    framed: the file's ``haar_margin`` if it states one, :data:`~emoface.stargan.synth_pairs.HAAR_MARGIN`
    for a generator trained on SynthFaces pairs, else ``paper_margin`` (tunedMUG and other Haar-cut sets)."""
    if "haar_margin" in info:
        return float(info["haar_margin"])
    return HAAR_MARGIN if info.get("dataset") == "synthfaces" else paper_margin


def wrinkle_map_for(info: dict, classes: tuple[str, ...]) -> WrinkleMap | None:
    """The shipped wrinkle map for a generator trained on SynthFaces, cut with their framing (the map's own) and
    drawing the map's expressions, else None: elsewhere the map would point at the wrong pixels."""
    if info.get("dataset") != "synthfaces" or training_margin(info, HAAR_MARGIN) != HAAR_MARGIN:
        return None
    wrinkle_map = load_wrinkle_map()
    return wrinkle_map if set(classes) <= set(wrinkle_map.classes) else None


def expression_reader(loaded, device: torch.device) -> torch.nn.Module | None:
    """The file's reader where it stores one (trained on the engine's own crops, :mod:`emoface.stargan.reader`,
    or kept beside a label-smoothed D, :func:`~emoface.stargan.generator_file.carried_reader`), else its
    discriminator, to read a face's expression with (None when the file stores neither, or one whose
    classes are not the generator's)."""
    state = getattr(loaded, "reader", None) or getattr(loaded, "discriminator", None)
    config = loaded.config
    if not state or config.c_dim != len(loaded.classes):
        return None
    reader = Discriminator.from_config(config)
    try:
        reader.load_state_dict(state)
    except (RuntimeError, KeyError):  # a D of another shape: read by reconstruction instead
        return None
    return reader.to(device).eval()


def file_refiner(loaded, device: torch.device) -> TargetRefine | None:
    """The paste's correction by the file's refiner (trained on pasted edits of SynthFaces scenes), or None
    for a file without one."""
    state = getattr(loaded, "refiner", None)
    if not state:
        return None
    return partial(refine_region, load_refiner(state, loaded.info.get("refiner", {})).to(device))


def own_domain(all_domains: torch.Tensor, x: torch.Tensor, paintings: torch.Tensor | None = None,
               sources: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Each face's own domain c_s and its domain score, from G(x, c) for every c (N, C, 3, S, S): (N,), (N,).

    c_s = argmin_c mean|G(x, c) − x| (as :func:`emoface.stargan.editing.infer_source`) unless ``sources``
    gives it (the engine's :meth:`StarGanEngine.read_expression`); the score is
    :func:`texture_error` of that best reconstruction — of G's *painting* in c_s when ``paintings`` are
    given: an attention generator's output keeps the input's pixels, photograph or not, so only what
    it paints shows which faces it knows.
    """
    if sources is None:
        sources = reconstruction_errors(all_domains, x).argmin(1)
    drawn = all_domains if paintings is None else paintings
    return sources, texture_error(drawn[torch.arange(len(x)), sources], x)


def clearly_own(outputs: torch.Tensor, x: torch.Tensor) -> bool:
    """Whether G's best reconstruction of ``x`` (3, S, S) among ``outputs`` (C, 3, S, S) is clearly its
    own domain: its error at most :data:`CLEAR_READING` × the next best. A face between two expressions
    (a faint smile) is redrawn rather than declared to show the target already."""
    errors = reconstruction_errors(outputs[None], x[None])[0].sort().values
    return bool(errors[0] <= CLEAR_READING * errors[1])


def reconstruction_errors(all_domains: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """mean|G(x, c) − x| for each face and domain, from G(x, c) (N, C, 3, S, S) and x (N, 3, S, S): (N, C)."""
    return (all_domains - x[:, None]).abs().flatten(2).mean(2)


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
                                        FACE_EXPRESSIONS[i % len(FACE_EXPRESSIONS)], size), EQUALIZATION)
                     for i in people])


def _covered(found: Box, box: Box) -> float:
    """The share of ``found``'s area that ``box`` covers."""
    x0, y0 = max(found.x, box.x), max(found.y, box.y)
    x1, y1 = min(found.x + found.w, box.x + box.w), min(found.y + found.h, box.y + box.h)
    return max(0, x1 - x0) * max(0, y1 - y0) / max(1, found.area)


def create(context: EngineContext) -> StarGanEngine:
    return StarGanEngine(context.generator, context.device, context.detector, context.mode, context.ood_threshold)
