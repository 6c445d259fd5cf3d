"""The pipeline's two engines: which one ``auto`` picks, intensity on both, and what each result says."""

import numpy as np
import pytest

from emoface import pipeline as pipeline_module
from emoface.faces.landmarks import LandmarksUnavailableError, NoLandmarksError, landmarks_available
from emoface.pipeline import Pipeline

HAPPY = "I am so happy, we won the championship!"
needs_dlib = pytest.mark.skipif(not landmarks_available(), reason="needs emoface[real] (dlib + its 68-point model)")


@pytest.fixture(scope="module")
def auto() -> Pipeline:
    return Pipeline(cache_size=0)


@pytest.fixture(scope="module")
def scene() -> np.ndarray:
    from emoface.demo import demo_profile_photo

    return demo_profile_photo()


@needs_dlib
def test_auto_warps_a_real_photograph_and_says_so(auto, grace_hopper):
    result = auto.edit(HAPPY, grace_hopper)
    assert result.engine == "warp" and result.edited and result.out_of_domain
    assert "warp engine" in result.message and "Warning" not in result.message
    assert result.as_dict()["engine"] == "warp" and result.as_dict()["intensity"] == 1.0
    assert result.landmarks.shape == (2, 70, 2) and {"faces", "look", "warp"} <= set(result.timings)
    assert result.photo.shape == grace_hopper.shape and not np.array_equal(result.photo, grace_hopper)
    assert result.face_before.shape == result.face_after.shape == (auto.size, auto.size, 3)


def test_auto_keeps_stargan_for_a_face_like_its_training_faces(auto, scene):
    result = auto.edit(HAPPY, scene)
    assert result.engine == "stargan" and not result.out_of_domain and result.landmarks is None


@needs_dlib
def test_a_synthfaces_stargan_asked_for_by_name_says_so_on_every_real_photo(auto):
    """The domain score alone misses smooth real faces at 64×64 (docs/pipeline.md); dlib's look does not."""
    from emoface.datasets.real_photos import available_real_photos
    from emoface.images import load_rgb

    photos = available_real_photos()
    assert photos
    for photo in photos:
        result = auto.edit(HAPPY, load_rgb(photo.path), engine="stargan")
        assert result.engine == "stargan" and result.out_of_domain and "SynthFaces" in result.message, photo.name
        assert result.synthfaces_distance > auto.synthfaces_look.radius


@needs_dlib
def test_either_engine_can_be_asked_for(auto, grace_hopper, scene):
    assert auto.edit(HAPPY, scene, engine="warp").engine == "warp"
    forced = auto.edit(HAPPY, grace_hopper, engine="stargan")
    assert forced.engine == "stargan" and "SynthFaces" in forced.message


@needs_dlib
@pytest.mark.parametrize("engine", ["warp", "stargan"])
def test_intensity_scales_the_edit_from_nothing_to_the_full_expression(auto, grace_hopper, engine):
    photos = [auto.edit_expression(grace_hopper, "surprise", engine=engine, intensity=i).photo.astype(int)
              for i in (0.0, 0.5, 1.0)]
    assert np.array_equal(photos[0], grace_hopper)
    half, full = np.abs(photos[1] - grace_hopper).mean(), np.abs(photos[2] - grace_hopper).mean()
    assert 0 < half < full


def test_a_wrong_engine_or_intensity_is_refused(auto, grace_hopper):
    with pytest.raises(ValueError, match="engine must be one of"):
        auto.edit(HAPPY, grace_hopper, engine="diffusion")
    with pytest.raises(ValueError, match="intensity must be between 0"):
        auto.edit(HAPPY, grace_hopper, intensity=2)
    with pytest.raises(ValueError, match="intensity must be between 0"):
        Pipeline(intensity=-1)


def test_without_dlib_auto_falls_back_and_warp_says_how_to_install(auto, grace_hopper, monkeypatch):
    monkeypatch.setattr(pipeline_module, "landmarks_available", lambda: False)
    result = auto.edit(HAPPY, grace_hopper)
    assert result.engine == "stargan" and "SynthFaces" in result.message
    with pytest.raises(LandmarksUnavailableError, match=r"emoface\[real\]"):
        auto.edit(HAPPY, grace_hopper, engine="warp")
    with pytest.raises(LandmarksUnavailableError, match=r"emoface\[real\]"):
        Pipeline(engine="warp")


@needs_dlib
def test_when_dlib_finds_no_face_auto_lets_stargan_draw_it(auto, grace_hopper, monkeypatch):
    def blind(*args, **kwargs):
        raise NoLandmarksError("no face found for the landmark model")

    monkeypatch.setattr(auto.landmark_detector, "landmarks", blind)
    result = auto.edit(HAPPY, grace_hopper)
    assert result.engine == "stargan" and "warp engine could not be used" in result.message
    with pytest.raises(NoLandmarksError):
        auto.edit(HAPPY, grace_hopper, engine="warp")


# ---------------------------------------------------------------- the engines package and the faces


def test_every_registered_engine_has_the_small_interface():
    from emoface.engines import ENGINE_MODULES
    import importlib

    for name, module in ENGINE_MODULES.items():
        assert callable(importlib.import_module(f"emoface.engines.{module}").create), name


def two_people(photo: np.ndarray) -> np.ndarray:
    """``photo`` beside a smaller copy of itself: a group photo whose largest face is the left one."""
    import cv2

    small = cv2.resize(photo, (photo.shape[1] * 3 // 4, photo.shape[0] * 3 // 4), interpolation=cv2.INTER_AREA)
    right = np.full_like(photo, 128)
    right[: small.shape[0], : small.shape[1]] = small
    return np.ascontiguousarray(np.concatenate([photo, right], 1))


@needs_dlib
def test_a_group_photo_says_how_many_faces_and_edits_the_chosen_one(auto, grace_hopper):
    group = two_people(grace_hopper)
    first = auto.edit_expression(group, "surprise", engine="warp")
    assert first.faces_found == 2 and first.faces_edited == (0,) and "2 faces found" in first.message
    width = grace_hopper.shape[1]
    assert np.array_equal(first.photo[:, width:], group[:, width:])  # the other face is untouched
    second = auto.edit_expression(group, "surprise", engine="warp", face=1)
    assert second.faces_edited == (1,) and np.array_equal(second.photo[:, :width], group[:, :width])
    both = auto.edit_expression(group, "surprise", engine="warp", face="all")
    assert both.faces_edited == (0, 1) and [r["index"] for r in both.as_dict()["faces"]] == [0, 1]
    with pytest.raises(ValueError, match="there is no face 2"):
        auto.edit_expression(group, "surprise", face=2)
    stargan = auto.edit_expression(group, "surprise", engine="stargan", face=1)
    assert stargan.face_box.x >= width  # StarGAN edits the same face the pipeline chose


@needs_dlib
def test_a_rolled_head_is_found_and_warped_but_refused_by_stargan(auto, grace_hopper):
    import cv2

    from emoface.engines.stargan import TiltedFaceError

    height, width = grace_hopper.shape[:2]
    turn = cv2.getRotationMatrix2D((width / 2, height / 2), 35, 1.0)
    rolled = cv2.warpAffine(grace_hopper, turn, (width, height), borderMode=cv2.BORDER_REPLICATE)
    faces = auto.find_faces(rolled)
    assert len(faces) == 1 and 25 < abs(faces[0].roll) < 45
    result = auto.edit_expression(rolled, "surprise")
    assert result.engine == "warp" and result.edited
    with pytest.raises(TiltedFaceError, match="tilted by 3"):
        auto.edit_expression(rolled, "surprise", engine="stargan")


def test_a_result_never_claims_a_change_it_did_not_make(auto, scene):
    neutral = auto.edit_expression(scene, "neutral", engine="stargan")  # the scene's person is neutral
    assert not neutral.edited and neutral.changed_pixels == 0 and np.array_equal(neutral.photo, scene)
    assert "already shows it" in neutral.message and neutral.faces_edited == ()
    assert auto.edit_expression(scene, "surprise", engine="stargan").edited


def test_a_face_between_two_expressions_is_not_declared_to_show_one():
    import torch

    from emoface.engines.stargan import clearly_own

    x = torch.zeros(3, 4, 4)
    outputs = torch.stack([torch.full((3, 4, 4), v) for v in (0.10, 0.025, 0.027)])
    assert not clearly_own(outputs, x)  # 0.025 against 0.027: a near tie
    outputs[2] = 0.05
    assert clearly_own(outputs, x)


def test_the_shipped_file_reads_a_face_s_own_expression_with_its_discriminator(auto):
    from emoface.datasets.synth import draw_scene, random_identity
    from emoface.engines.stargan import StarGanEngine, expression_reader
    from emoface.faces.equalize import equalize
    from emoface.stargan.figures import to_tensor
    from emoface.stargan.generator_file import load_generator

    engine = auto.engine_named("stargan")
    assert engine.reader is not None  # the shipped file stores D
    person = random_identity(np.random.default_rng([0, 1_000_001]))
    for expression in ("happiness", "neutral", "surprise"):  # a broad smile once read as neutral by reconstruction
        photo = draw_scene(person, expression, rng=np.random.default_rng(1))[0]
        x = to_tensor(equalize(engine.crop(photo).face, "luminance"))
        source, probability = engine.read_expression(x)
        assert engine.classes[int(source[0])] == expression and 0 < float(probability[0]) <= 1
    without_d = load_generator()._replace(discriminator=None, reader=None)
    assert expression_reader(without_d, "cpu") is None  # a file without D: read by reconstruction
    assert StarGanEngine(without_d, "cpu", engine.detector, "plain").read_expression(x) is None


@pytest.mark.parametrize("dataset, rule", [("tunedmug", "stargan"), ("mug", "stargan"), ("synthfaces", "look"),
                                           ("fer2013", "warp"), ("unknown", "stargan")])
def test_auto_decides_by_what_the_generator_was_trained_on(dataset, rule):
    from emoface.engines import auto_rule
    from emoface.stargan.generator_file import DATASETS

    assert auto_rule(DATASETS[dataset]) == rule


def tiny_generator(tmp_path, dataset: str):
    from emoface.labels import FACE_EXPRESSIONS
    from emoface.stargan.generator_file import save_generator
    from emoface.stargan.model import Generator
    from emoface.stargan.trainer import StarGANConfig

    config = StarGANConfig(image_size=32, g_conv_dim=4, g_repeat_num=1)
    return save_generator(tmp_path / f"{dataset}.pt", Generator(4, 7, 1), config, FACE_EXPRESSIONS,
                          {"ood_threshold": 1.0}, dataset=dataset)


@needs_dlib
def test_auto_warps_a_photograph_for_a_fer2013_generator_and_lets_a_tunedmug_one_draw_it(tmp_path, grace_hopper):
    fer = Pipeline(generator=tiny_generator(tmp_path, "fer2013"), cache_size=0, mode="plain")
    result = fer.edit_expression(grace_hopper, "surprise")
    assert result.engine == "warp" and "FER2013" in result.message and not fer.trained_on_synthfaces
    mug = Pipeline(generator=tiny_generator(tmp_path, "tunedmug"), cache_size=0, mode="plain")
    assert mug.edit_expression(grace_hopper, "surprise").engine == "stargan"


def test_stargan_cuts_a_face_as_its_generator_s_training_faces_were_framed(tmp_path, scene):
    """SynthFaces pairs frame a face tighter than the paper's Haar crop: the engine cuts a SynthFaces
    generator's faces at HAAR_MARGIN, a tunedMUG one's at the detector's margin, and a file may say its own."""
    from emoface.engines.stargan import StarGanEngine, training_margin
    from emoface.faces.detect import default_detector
    from emoface.stargan.generator_file import load_generator
    from emoface.stargan.synth_pairs import HAAR_MARGIN

    detector = default_detector()
    assert training_margin({"dataset": "synthfaces"}, 0.15) == HAAR_MARGIN
    assert training_margin({"dataset": "tunedmug"}, 0.15) == 0.15
    assert training_margin({"dataset": "synthfaces", "haar_margin": 0.2}, 0.15) == 0.2
    haar = detector.detect(scene)[0]
    for dataset, margin in (("synthfaces", HAAR_MARGIN), ("tunedmug", detector.margin)):
        engine = StarGanEngine(load_generator(tiny_generator(tmp_path, dataset)), "cpu", detector, "plain")
        crop = engine.crop(scene)
        assert crop.crop_box.w == round(haar.w * (1 + 2 * margin)), dataset


def test_haar_margin_cuts_a_scene_as_synth_pairs_frames_the_face():
    """The constant against its measurement: a SynthFaces scene cut around the cascade's box at HAAR_MARGIN
    is about as wide as draw_face's frame of that person (1.2× the drawn face box, over the identity's
    zoom); at the paper's margin it is wider than any identity's zoom explains."""
    from emoface.datasets.synth import draw_scene, random_identity
    from emoface.datasets.synth.canvas import CROP_MARGIN
    from emoface.faces.detect import default_detector
    from emoface.stargan.synth_pairs import HAAR_MARGIN

    detector, ratios = default_detector(), []
    for number in range(2_000_000, 2_000_012):
        person = random_identity(np.random.default_rng([0, number]))
        photo, (_, _, _, height) = draw_scene(person, "neutral", rng=np.random.default_rng(10_000 + number))
        boxes = detector.detect(photo)
        if boxes:
            ratios.append(boxes[0].w / (CROP_MARGIN * height / person.scale))
    assert len(ratios) >= 10
    assert 0.96 < np.median(ratios) * (1 + 2 * HAAR_MARGIN) < 1.04
    assert np.median(ratios) * (1 + 2 * 0.15) > 1.07
