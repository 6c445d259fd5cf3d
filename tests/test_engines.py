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
    assert result.landmarks.shape == (2, 70, 2) and {"landmarks", "warp"} <= set(result.timings)
    assert result.photo.shape == grace_hopper.shape and not np.array_equal(result.photo, grace_hopper)
    assert result.face_before.shape == result.face_after.shape == (auto.size, auto.size, 3)


def test_auto_keeps_stargan_for_a_face_like_its_training_faces(auto, scene):
    result = auto.edit(HAPPY, scene)
    assert result.engine == "stargan" and not result.out_of_domain and result.landmarks is None


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
