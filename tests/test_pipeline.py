"""The text → face pipeline with the shipped models: shapes, choices, errors, cache, threads, domain.

Nothing here depends on how *well* the shipped generator edits (it is replaced as training improves);
the tests check what the pipeline does around it.
"""

import json
import threading
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from emoface.datasets.synth import draw_face, draw_scene, random_identity
from emoface.faces.detect import Box, NoFaceError
from emoface.faces.equalize import equalize
from emoface.images import ImageReadError, load_rgb
from emoface.labels import FACE_EXPRESSIONS
from emoface.pipeline import MIN_OOD_THRESHOLD, SYNTHFACES_WARNING, EditResult, Pipeline, calibration_faces
from emoface.stargan.editing import edit
from emoface.stargan.figures import to_image, to_tensor
from emoface.stargan.generator_file import save_generator
from emoface.stargan.model import Generator
from emoface.stargan.trainer import StarGANConfig, StarGANTrainer
from emoface.text.classify import EmptyTextError, shipped_model_path

HAPPY = "I am so happy, we won the championship!"
SAD = "My dog died this morning and I cannot stop crying"


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    """The StarGAN engine throughout: these tests are about the paper's path (tests/test_engines.py: the warp)."""
    return Pipeline(engine="stargan")


@pytest.fixture(scope="module")
def scene() -> np.ndarray:
    """A SynthFaces 640×480 scene: a drawn person in front of a wall, as the generator was trained on."""
    person = random_identity(np.random.default_rng([0, 1_000_001]))
    return draw_scene(person, "neutral", rng=np.random.default_rng(1))[0]


def small_face(person: int, expression: str = "neutral", size: int = 64) -> np.ndarray:
    return draw_face(random_identity(np.random.default_rng([0, 2_000_000 + person])), expression, size)


def outside(box: Box, shape) -> np.ndarray:
    keep = np.ones(shape[:2], bool)
    keep[max(0, box.y) : box.y + box.h, max(0, box.x) : box.x + box.w] = False
    return keep


class CountingGenerator(torch.nn.Module):
    """The real generator, counting its calls."""

    def __init__(self, inner: torch.nn.Module) -> None:
        super().__init__()
        self.inner, self.c_dim, self.calls = inner, inner.c_dim, 0

    def forward(self, x, c):
        self.calls += 1
        return self.inner(x, c)


def test_a_post_redraws_the_face_in_a_full_photo(pipeline, grace_hopper):
    result = pipeline.edit(HAPPY, grace_hopper)
    s = pipeline.size
    assert pipeline.classes == FACE_EXPRESSIONS and s == pipeline.generator_config.image_size
    assert result.prediction.expression == "happiness" and result.expression == "happiness" and result.edited
    assert result.photo.shape == result.photo_before.shape == grace_hopper.shape and result.photo.dtype == np.uint8
    assert result.face_before.shape == result.face_after.shape == (s, s, 3)
    assert np.array_equal(result.photo_before, grace_hopper)
    assert np.array_equal(result.face_before, equalize(pipeline.find_face(grace_hopper).face))
    keep = outside(result.crop_box, grace_hopper.shape)
    assert np.array_equal(result.photo[keep], grace_hopper[keep])
    assert not np.array_equal(result.photo, grace_hopper)
    assert result.face_box.w < result.crop_box.w and "happiness" in result.message
    assert {"classify", "read", "cache", "faces", "stargan"} <= set(result.timings)
    assert result.faces_found == 1 and result.faces_edited == (0,) and result.changed_pixels > 0


def test_happy_and_sad_posts_ask_for_different_faces(pipeline, grace_hopper):
    happy, sad = pipeline.edit(HAPPY, grace_hopper), pipeline.edit(SAD, grace_hopper)
    assert happy.prediction.expression == "happiness" and sad.prediction.expression == "sadness"
    assert sad.expression == "sadness" and not np.array_equal(happy.face_after, sad.face_after)


def test_the_pipelines_edit_is_editings_from_the_same_reconstructions(pipeline, scene):
    result = pipeline.edit_expression(scene, "surprise")
    x = to_tensor(result.face_before.copy())
    expected = to_image(edit(pipeline.generator, x, FACE_EXPRESSIONS.index("surprise"), pipeline.mode)[0])
    assert np.abs(result.face_after.astype(int) - expected).max() <= 1
    assert result.prediction is None and result.expression == "surprise" and "surprise" in result.message


@pytest.mark.parametrize("size", [64, 128])
def test_a_photo_that_is_already_a_face_crop_is_edited_whole(pipeline, size):
    face = small_face(0, size=size)
    result = pipeline.edit_expression(face, "happiness")
    assert result.crop_box == Box(0, 0, size, size) and result.photo.shape == (size, size, 3)
    assert result.face_before.shape == (pipeline.size, pipeline.size, 3)


def test_a_face_crop_where_the_cascade_finds_nothing_is_taken_whole(pipeline):
    blank = np.full((128, 128, 3), 200, np.uint8)  # no face at all: small and square, so taken as a crop
    assert pipeline.find_face(blank).crop_box == pipeline.find_face(blank).face_box == Box(0, 0, 128, 128)


def test_a_large_photo_works_at_full_resolution(pipeline, grace_hopper):
    big = cv2.resize(grace_hopper, (3000, 4000), interpolation=cv2.INTER_CUBIC)
    result = pipeline.edit_expression(big, "happiness")
    assert result.photo.shape == (4000, 3000, 3) and result.face_box.w > 1000
    keep = outside(result.crop_box, big.shape)
    assert np.array_equal(result.photo[keep], big[keep])


def test_a_photo_without_a_face_is_refused(pipeline):
    landscape = np.dstack([np.tile(np.linspace(0, 255, 640, dtype=np.uint8), (480, 1))] * 3)
    with pytest.raises(NoFaceError, match="whole face visible"):
        pipeline.edit(HAPPY, landscape)
    with pytest.raises(NoFaceError):
        pipeline.find_face(landscape)


def test_user_errors_are_clear(pipeline, grace_hopper):
    with pytest.raises(EmptyTextError):
        pipeline.edit("   ", grace_hopper)
    with pytest.raises(ValueError, match="happiness"):
        pipeline.edit_expression(grace_hopper, "joy")  # a text emotion, not a face expression
    with pytest.raises(ImageReadError):
        pipeline.edit(HAPPY, b"this is not a JPEG")
    with pytest.raises(ImageReadError):
        pipeline.find_face(Path("/no/such/photo.jpg"))
    with pytest.raises(ValueError, match="low_confidence"):
        Pipeline(low_confidence="smile")
    with pytest.raises(ValueError, match="not an emoface StarGAN generator"):
        Pipeline(generator=shipped_model_path())  # a text model where a generator belongs


def test_low_confidence_keeps_the_photo_or_draws_neutral(pipeline, scene, monkeypatch):
    # Force "unsure": even a 99.7 % joyful post is below a 99.9999 % bar.
    monkeypatch.setattr(pipeline.classifier, "min_confidence", 0.999999)
    kept = pipeline.edit(HAPPY, scene)
    assert not kept.prediction.confident and kept.prediction.top_emotion == "joy" and not kept.edited
    assert np.array_equal(kept.photo, scene) and np.array_equal(kept.face_after, kept.face_before)
    assert "unclear" in kept.message and "kept unchanged" in kept.message
    monkeypatch.setattr(pipeline, "low_confidence", "neutral")
    smiling = draw_scene(random_identity(np.random.default_rng([0, 1_000_001])), "happiness",
                         rng=np.random.default_rng(1))[0]
    neutral = pipeline.edit(HAPPY, smiling)
    assert neutral.edited and neutral.expression == "neutral" and "neutral" in neutral.message
    already = pipeline.edit(HAPPY, scene)  # the scene's person is neutral already: nothing to redraw
    assert not already.edited and already.changed_pixels == 0 and np.array_equal(already.photo, scene)
    assert "already shows it" in already.message and already.as_dict()["edited"] is False


def test_a_repeated_edit_comes_from_the_cache(pipeline, monkeypatch):
    counting = CountingGenerator(pipeline.generator)
    monkeypatch.setattr(pipeline, "generator", counting)
    pipeline.clear_cache()
    face = small_face(1)
    first = pipeline.edit(HAPPY, face)
    assert counting.calls == 1  # one batch: the face in all seven domains
    assert pipeline.edit(HAPPY, face) is first and counting.calls == 1
    other = pipeline.edit("What a joy, the best day of my life!", face)  # another text, the same face
    assert other.expression == "happiness" and other.photo is first.photo and counting.calls == 1
    assert other.prediction != first.prediction
    with pytest.raises(ValueError, match="read-only"):
        first.photo[0, 0] = 0  # shared by every caller, so nobody may write into it


def test_the_cache_is_an_lru_of_cache_size_entries(pipeline, monkeypatch):
    counting = CountingGenerator(pipeline.generator)
    monkeypatch.setattr(pipeline, "generator", counting)
    monkeypatch.setattr(pipeline, "cache_size", 1)
    pipeline.clear_cache()
    a, b = small_face(2), small_face(3)
    for photo in (a, b, a):
        pipeline.edit_expression(photo, "anger")
    assert counting.calls == 3  # b pushed a out
    monkeypatch.setattr(pipeline, "cache_size", 0)
    pipeline.edit_expression(b, "anger")
    pipeline.edit_expression(b, "anger")
    assert counting.calls == 5


def test_two_threads_get_what_one_thread_gets(pipeline, monkeypatch):
    monkeypatch.setattr(pipeline, "cache_size", 0)  # make every call run the generator
    jobs = [[(small_face(4 + i), e) for i, e in enumerate(("anger", "fear", "surprise"))],
            [(small_face(7 + i), e) for i, e in enumerate(("sadness", "happiness", "disgust"))]]
    serial = [[pipeline.edit_expression(photo, e).photo for photo, e in job] for job in jobs]
    threaded: list[list[np.ndarray]] = [[], []]

    def work(i: int) -> None:
        threaded[i] = [pipeline.edit_expression(photo, e).photo for photo, e in jobs[i]]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(np.array_equal(s, t) for a, b in zip(serial, threaded) for s, t in zip(a, b))
    assert all(len(t) == 3 for t in threaded)


def test_a_result_is_json_for_the_blog(pipeline, scene, tmp_path):
    result = pipeline.edit(HAPPY, scene)
    summary = json.loads(json.dumps(result.as_dict("out.png")))
    assert summary["emotion"] == "joy" and summary["expression"] == "happiness" and summary["edited"] is True
    assert summary["face_box"] == list(result.face_box.as_tuple()) and summary["output"] == "out.png"
    assert set(summary["probabilities"]) >= {"joy", "sadness"} and summary["engine"] == "stargan"
    assert {"confident", "out_of_domain", "message"} <= set(summary)
    saved = result.save(tmp_path / "edited.jpg")
    assert load_rgb(saved["output"]).shape == scene.shape
    plain = json.loads(json.dumps(pipeline.edit_expression(scene, "fear").as_dict()))
    assert plain["emotion"] is None and plain["output"] is None
    assert isinstance(result, EditResult)


def test_a_real_photo_scores_outside_a_synthfaces_generators_domain(pipeline, grace_hopper, scene):
    """The mechanism: the generator reconstructs drawn faces better than a real photograph."""
    real = pipeline.domain_score(equalize(pipeline.find_face(grace_hopper).face))
    in_scene = pipeline.domain_score(equalize(pipeline.find_face(scene).face))
    expressions = ("anger", "happiness", "neutral", "surprise")
    drawn = [pipeline.domain_score(equalize(small_face(10 + i, e, pipeline.size))) for i, e in enumerate(expressions)]
    assert real > max(drawn + [in_scene]), (real, in_scene, drawn)


def test_an_out_of_domain_photo_says_so(pipeline, grace_hopper, scene, monkeypatch):
    assert pipeline.trained_on_synthfaces
    real = pipeline.domain_score(equalize(pipeline.find_face(grace_hopper).face))
    drawn = pipeline.domain_score(equalize(pipeline.find_face(scene).face))
    monkeypatch.setattr(pipeline.stargan, "_ood_threshold", (real + drawn) / 2)  # whatever this generator's quality
    pipeline.clear_cache()
    photo, synth = pipeline.edit(HAPPY, grace_hopper), pipeline.edit(HAPPY, scene)
    assert photo.out_of_domain and SYNTHFACES_WARNING in photo.message and photo.as_dict()["out_of_domain"] is True
    assert not synth.out_of_domain and "Warning" not in synth.message
    pipeline.clear_cache()


def test_the_threshold_is_calibrated_once_and_lazily(pipeline, monkeypatch):
    from emoface.engines import stargan as engine_module

    monkeypatch.setattr(engine_module, "_CALIBRATED", {})  # nothing calibrated yet in this process
    counting = CountingGenerator(pipeline.generator)
    monkeypatch.setattr(pipeline, "generator", counting)
    monkeypatch.setattr(pipeline.stargan, "_ood_threshold", None)  # as a fresh pipeline without a stored threshold
    threshold = pipeline.ood_threshold
    calls = counting.calls
    assert calls >= 1 and pipeline.ood_threshold == threshold and counting.calls == calls
    assert threshold >= MIN_OOD_THRESHOLD and len(calibration_faces(pipeline.size)) >= 7
    # another engine of the same weights (a second Pipeline of the same file) reuses it, without a pass
    monkeypatch.setattr(pipeline.stargan, "_ood_threshold", None)
    assert pipeline.ood_threshold == threshold and counting.calls == calls


def test_a_calibration_is_reused_only_for_the_same_generator_weights_size_and_device():
    from emoface.engines.stargan import calibration_key
    from emoface.stargan.model import Discriminator, Generator

    torch.manual_seed(0)
    generator, cpu = Generator(4, 7, 1), torch.device("cpu")
    key = calibration_key(generator, 32, cpu)
    assert calibration_key(generator, 32, cpu) == key
    assert calibration_key(generator, 64, cpu) != key and calibration_key(generator, 32, torch.device("meta")) != key
    with torch.no_grad():
        next(generator.parameters())[0].flatten()[0] += 1e-6
    assert calibration_key(generator, 32, cpu) != key
    assert calibration_key(object(), 32, cpu) is None  # no state dict: calibrated per engine, never shared
    key = calibration_key(generator, 32, cpu)
    reader = Discriminator(32, 4, 7, 2)
    with_reader = calibration_key(generator, 32, cpu, reader)
    assert with_reader != key and calibration_key(generator, 32, cpu, reader) == with_reader
    with torch.no_grad():
        next(reader.parameters()).flatten()[0] += 1e-6
    assert calibration_key(generator, 32, cpu, reader) != with_reader  # another reader reads the faces otherwise


def test_a_generator_file_can_carry_its_own_threshold(tmp_path):
    config = StarGANConfig(image_size=32, g_conv_dim=4, g_repeat_num=1)
    path = save_generator(tmp_path / "g.pt", Generator(4, 7, 1), config, FACE_EXPRESSIONS,
                          {"data": "tunedMUG", "ood_threshold": 0.01})
    # plain mode: an untrained G's residual edit can be too faint to count as a change; its plain one never is
    tiny = Pipeline(generator=path, low_confidence="neutral", cache_size=0, mode="plain")
    assert tiny.size == 32 and tiny.ood_threshold == 0.01 and not tiny.trained_on_synthfaces
    result = tiny.edit_expression(small_face(0), "fear")  # an untrained G reconstructs nothing: out of domain
    assert result.face_after.shape == (32, 32, 3) and result.out_of_domain
    assert "unlike the faces" in result.message and "SynthFaces" not in result.message


def test_a_generator_of_other_attributes_is_refused_with_a_reason(tmp_path):
    trainer = StarGANTrainer(StarGANConfig(image_size=16, c_dim=5, g_conv_dim=4, d_conv_dim=4, g_repeat_num=1,
                                           d_repeat_num=2, batch_size=2, num_iters=1, num_iters_decay=1),
                             torch.zeros((4, 3, 16, 16), dtype=torch.uint8), torch.arange(4) % 5, tmp_path)
    trainer.save()  # a CelebA-style run: five attributes, not seven expressions
    from emoface.stargan.generator_file import load_generator

    assert "black_hair" in " ".join(load_generator(trainer.checkpoint_path).classes).lower().replace(" ", "_")
    with pytest.raises(ValueError, match="trained on CelebA.*not the seven face expressions"):
        Pipeline(generator=trainer.checkpoint_path)


def test_a_celeba_attribute_generator_file_is_refused_in_one_line(tmp_path):
    from emoface.datasets.celeba import STARGAN_ATTRIBUTES

    config = StarGANConfig(image_size=16, c_dim=5, g_conv_dim=4, g_repeat_num=1)
    path = save_generator(tmp_path / "celeba.pt", Generator(4, 5, 1), config, STARGAN_ATTRIBUTES, dataset="celeba")
    with pytest.raises(ValueError, match="trained on CelebA to draw Black_Hair.*not the seven face expressions") as error:
        Pipeline(generator=path)
    assert "\n" not in str(error.value) and "tunedMUG" in str(error.value)


def test_crispness_forgives_a_pixel_of_misplacement_but_not_blur():
    """A new dark line drawn a pixel off counts as crisp; the same line blurred does not; no line scores 0."""
    import cv2
    import numpy as np

    from emoface.scene_eval import _detail, _new_edges_matched

    before = np.full((60, 60, 3), 180, np.uint8)
    truth = before.copy()
    truth[30:32, 10:50] = 60
    shifted, blurred = np.roll(truth, 1, axis=0), cv2.GaussianBlur(truth, (0, 0), 2.0)

    def crispness(edit):
        matched, new = _new_edges_matched(before, truth, _detail(edit), _detail(before), _detail(truth))
        return matched / new

    assert crispness(truth) == 1.0 and crispness(shifted) > 0.9
    assert crispness(blurred) < 0.5 and crispness(before) == 0.0


def test_scene_grading_scores_an_unchanged_photo_as_the_input_and_the_true_scene_as_perfect():
    """emoface.scene_eval on one person, with stand-ins for the pipeline's edit: the photo returned
    unchanged keeps every old line and is as far from the truth as the input; the scene drawn in the
    target is the truth itself."""
    from types import SimpleNamespace

    import numpy as np

    from emoface.datasets.synth import draw_scene, random_identity
    from emoface.scene_eval import grade_scenes
    from emoface.stargan.reader import SCENE_SEED

    real = Pipeline(cache_size=0)
    person = random_identity(np.random.default_rng([0, 2_000_000]))

    class StandIn:
        classes, size, generator_info, detector = real.classes, real.size, real.generator_info, real.detector

        def __init__(self, cheat: bool):
            self.cheat = cheat

        def edit_expression(self, photo, target, engine):
            box = real.edit_expression(photo, target, engine=engine).crop_box
            drawn = draw_scene(person, target, rng=np.random.default_rng(SCENE_SEED + 2_000_000))[0]
            return SimpleNamespace(photo=drawn if self.cheat else photo, crop_box=box)

    unchanged = grade_scenes(StandIn(False), range(2_000_000, 2_000_001), sources=("happiness",))
    assert unchanged.edits == 6 and unchanged.l1_ratio == 1.0 and unchanged.lines_left == 1.0
    assert unchanged.thin_lines_left == 1.0 and unchanged.map_lines_left == 1.0
    assert unchanged.detail_error == 1.0 and 0.05 < unchanged.crispness < 0.5  # its old edges lie near a few new ones
    assert unchanged.judge["sadness"] == 0.0  # a smiling photo does not read as sad
    truth = grade_scenes(StandIn(True), range(2_000_000, 2_000_001), sources=("happiness",))
    assert truth.l1_ratio == 0.0 and truth.lines_left < 0.05 and truth.judge["sadness"] == 1.0  # the truth's own faint texture
    assert truth.thin_lines_left < 0.3 and truth.map_lines_left < 0.3  # where the truth is smooth, its faint grain
    assert truth.detail_error == 0.0 and truth.crispness == 1.0
    assert unchanged.colour_ratio == 1.0 and truth.colour_ratio == 0.0
    # the ceiling is the truth's reading, whatever the edit: the cheat's edits score exactly it
    edited = [t for t in truth.judge if t != "happiness"]  # (no edit goes into the source's own expression)
    assert [truth.judge_on_truth[t] for t in edited] == [unchanged.judge_on_truth[t] for t in edited] == \
        [truth.judge[t] for t in edited]
    assert truth.judge_where_truth_reads["sadness"] == 1.0 and unchanged.judge_where_truth_reads["sadness"] == 0.0
    assert "| **mean** |" in truth.table()
    # the stored scene judge reads beside the stored judge: the cheat's edits are its truths, the unchanged photo
    # reads as the source it still shows
    assert [truth.scene_judge[t] for t in edited] == [truth.scene_judge_on_truth[t] for t in edited]
    assert unchanged.scene_judge["sadness"] == 0.0 and "scene judge on the edit" in truth.table()


def test_the_scene_judge_learns_true_scenes_cut_as_the_grading_cuts_them():
    """scene_eval.truth_cuts: every expression of a person cut by each source scene's Haar box, equalised; the
    stored scene judge (scripts/train_scene_judge.py, people 3,000,000+) reads them as the stored judge's
    ceiling does not, and its record says on what it was trained and checked."""
    from emoface.labels import FACE_EXPRESSIONS
    from emoface.scene_eval import truth_cuts
    from emoface.stargan.evaluate import judge_accuracy, to_float
    from emoface.stargan.judge_file import load_judge, shipped_scene_judge_path

    real = Pipeline(cache_size=0)
    images, labels = truth_cuts(real, range(2_000_000, 2_000_002), sources=("happiness", "anger"))
    assert images.dtype == torch.uint8 and images.shape[1:] == (3, real.size, real.size)
    assert len(labels) % len(FACE_EXPRESSIONS) == 0 and labels.tolist()[:7] == list(range(7))
    judge, classes, size, info = load_judge(shipped_scene_judge_path())
    assert classes == FACE_EXPRESSIONS and size == real.size and "3000000-3000399" in info["data"]
    assert info["accuracy"]["scene judge"] > info["accuracy"]["stored judge"]
    assert judge_accuracy(judge, to_float(images), labels) >= 0.9


def test_the_truth_painted_in_gs_place_is_what_the_engine_pastes(pipeline):
    from emoface.engines.stargan import EQUALIZATION
    from emoface.faces.detect import cut, resize_square
    from emoface.scene_oracle import truth_painted
    from emoface.stargan.reader import person_scene
    source, truth = person_scene(2_000_000, "happiness"), person_scene(2_000_000, "anger")
    engine = pipeline.stargan
    crop = engine.crop(source)
    expected = equalize(resize_square(cut(truth, crop.crop_box), crop.face.shape[0]), EQUALIZATION).astype(int)
    generated = pipeline.edit_expression(source, "anger", engine="stargan")  # cached: the block must not reuse it
    with truth_painted(pipeline, source, truth, "anger"):
        painted = pipeline.edit_expression(source, "anger", engine="stargan")
    assert pipeline.mode == "plain" and np.abs(painted.face_after.astype(int) - expected).max() <= 1
    assert "all_domains" not in vars(engine)  # G paints again after the block
    again = pipeline.edit_expression(source, "anger", engine="stargan")  # the cache emptied again: G's edit
    assert np.array_equal(generated.face_after, again.face_after)
    assert np.abs(generated.face_after.astype(int) - expected).mean() > 1


def test_people_split_by_skin_tone_darkest_first_each_in_the_given_order():
    import numpy as np

    from emoface.scene_eval import skin_tone_thirds
    from emoface.stargan.reader import person_identity

    people = list(range(2_000_009, 1_999_999, -1))  # ten people, in descending order
    thirds = skin_tone_thirds(people)
    assert [len(group) for group in thirds] == [4, 3, 3] and sorted(sum(thirds, [])) == sorted(people)
    luma = lambda number: float(np.dot(person_identity(number).skin, (0.299, 0.587, 0.114)))
    assert max(map(luma, thirds[0])) <= min(map(luma, thirds[1])) and max(map(luma, thirds[1])) <= min(map(luma, thirds[2]))
    assert all(group == sorted(group, reverse=True) for group in thirds)  # the order they were given in
    with pytest.raises(ValueError, match="at least 3 people"):
        skin_tone_thirds([2_000_000, 2_000_001])
