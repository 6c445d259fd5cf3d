"""Face sets → trainer tensors; SynthFaces pairs; grading and the ablation at a tiny size."""

import math

import numpy as np
import pytest
import torch
from torch.utils.data import Dataset

from emoface.labels import FACE_EXPRESSIONS
from emoface.stargan.data import training_tensors
from emoface.stargan.evaluate import (class_mean_faces, fine_detail_on_pairs, ghost_share, grade_on_pairs,
                                      line_contrast_left, scores_table, skin_speckle, skin_tone, train_judge)
from emoface.stargan.model import Generator
from emoface.stargan.synth_pairs import synth_pairs


class Unchanged(Generator):
    """A generator stub that returns its input: the unchanged-input baseline."""

    def forward(self, x, c):
        return x


class FloatFaces(Dataset):
    def __len__(self):
        return 5

    def __getitem__(self, i):
        return torch.full((3, 4, 4), -1.0 + 0.5 * i), torch.tensor([i % 2, 1 - i % 2], dtype=torch.float32)


def test_a_float_dataset_becomes_uint8_with_its_labels():
    images, labels = training_tensors(FloatFaces(), progress=False)
    assert images.dtype == torch.uint8 and images.shape == (5, 3, 4, 4) and labels.shape == (5, 2)
    values = sorted(int(images[k, 0, 0, 0]) for k in range(5))
    assert values == [0, 64, 128, 191, 255]  # -1, -0.5, 0, 0.5, 1 → uint8
    small, _ = training_tensors(FloatFaces(), limit=2, progress=False)
    assert small.shape[0] == 2


def test_synth_pairs_hold_one_identity_in_every_expression():
    pairs = synth_pairs(range(3, 5), size=32, workers=1, progress=False)
    assert pairs.images.shape == (2, 7, 3, 32, 32) and pairs.images.dtype == torch.uint8
    again = synth_pairs(range(4, 5), size=32, workers=1, progress=False)
    assert torch.equal(pairs.images[1], again.images[0])  # identity 4 is the same person in any set
    images, labels = pairs.flat()
    assert images.shape == (14, 3, 32, 32) and labels.tolist() == list(range(7)) * 2
    partners = pairs.partners()  # row i, column t: the same person as image i, in expression t
    assert partners.shape == (14, 7) and (labels[partners] == torch.arange(7)).all()
    assert torch.equal(images[partners[9, 2]], pairs.images[1, 2]) and torch.equal(images[partners[3, 6]], pairs.images[0, 6])
    # Expressions differ only where the face moves: most pixels are shared between two expressions.
    same = (pairs.images[0, 0] == pairs.images[0, 3]).float().mean()
    assert 0.3 < same < 1.0
    with pytest.raises(ValueError, match="lines=True"):
        pairs.flat_lines()


def test_synth_pairs_can_carry_each_faces_expression_lines():
    from emoface.datasets.synth import expression_lines, random_identity
    pairs = synth_pairs(range(3, 5), size=32, workers=1, progress=False, lines=True)
    assert pairs.lines.shape == (2, 7, 1, 32, 32) and pairs.lines.dtype == torch.bool
    assert torch.equal(pairs.images, synth_pairs(range(3, 5), size=32, workers=1, progress=False).images)
    person_4 = random_identity(np.random.default_rng([0, 4]))
    assert np.array_equal(pairs.lines[1, 3, 0].numpy(), expression_lines(person_4, FACE_EXPRESSIONS[3], 32))
    flat = pairs.flat_lines()
    assert flat.shape == (14, 1, 32, 32) and torch.equal(flat[10], pairs.lines[1, 3])  # flat()'s order
    from emoface.datasets.synth import EXPRESSION_LINE_PARTS, WRINKLE_PARTS
    parts = EXPRESSION_LINE_PARTS + WRINKLE_PARTS
    wider = synth_pairs(range(3, 5), size=32, workers=1, progress=False, lines=True, line_parts=parts)
    assert np.array_equal(wider.lines[1, 3, 0].numpy(), expression_lines(person_4, FACE_EXPRESSIONS[3], 32, parts=parts))
    assert not (pairs.lines & ~wider.lines).any() and (wider.lines & ~pairs.lines).any()  # the wrinkles added
    assert pairs.gone_lines is None
    with pytest.raises(ValueError, match="gone_parts"):
        pairs.flat_gone_lines()
    both = synth_pairs(range(3, 5), size=32, workers=1, progress=False, lines=True, gone_parts=WRINKLE_PARTS)
    assert torch.equal(both.lines, pairs.lines)  # the line critic's masks as without gone parts
    assert np.array_equal(both.gone_lines[1, 3, 0].numpy(),
                          expression_lines(person_4, FACE_EXPRESSIONS[3], 32, parts=WRINKLE_PARTS))
    assert torch.equal(both.flat_gone_lines()[10], both.gone_lines[1, 3]) and both.gone_lines.any()


def test_the_ghost_share_counts_changed_pixels_where_the_edit_kept_the_source():
    source = torch.full((1, 3, 4, 4), -1.0)
    truth = source.clone()
    truth[..., :2, :] = 1.0  # the expression changes the top half
    assert ghost_share(truth, source, truth) == 0.0
    assert ghost_share(source, source, truth) == 1.0
    half = truth.clone()
    half[..., 0, :] = -0.9  # one changed row kept near the source: a ghost; the other drawn
    assert ghost_share(half, source, truth) == 0.5
    half[..., 2:, :] = 0.9  # pixels the expression does not touch do not count, however wrong
    assert ghost_share(half, source, truth) == 0.5
    assert math.isnan(ghost_share(source, source, source))


def test_skin_speckle_counts_fine_texture_on_smooth_skin_near_the_change_only():
    source = torch.zeros((1, 3, 24, 24))
    truth = source.clone()
    truth[..., 10:12, 8:16] = -0.8  # the new mouth: a dark line
    assert skin_speckle(truth, source, truth) == {"luma": 0.0, "chroma": 0.0}
    assert skin_speckle(source, source, truth) == {"luma": 0.0, "chroma": 0.0}  # no texture left: not a speckle
    noise = torch.zeros_like(source)
    noise[..., 1::2, ::2] = 0.2  # a checkerboard of colour speckles, everywhere
    noise[:, 1] *= -1
    far = truth.clone()
    far[..., :3, :] += noise[..., :3, :]  # far from the change (rows 0-2): ignored
    assert skin_speckle(far, source, truth) == {"luma": 0.0, "chroma": 0.0}
    near = truth.clone()
    near[..., 7:10, 8:16] += noise[..., 7:10, 8:16]  # on the skin just above the new mouth
    mottled = skin_speckle(near, source, truth)
    assert mottled["luma"] > 0.005 and mottled["chroma"] > 0.02
    assert math.isnan(skin_speckle(source, source, source)["luma"])  # no change, no skin to look at


def test_lines_left_is_the_share_of_the_old_lines_contrast_where_the_new_face_is_smooth():
    source = torch.zeros((1, 3, 24, 24))
    truth = source.clone()
    truth[..., 20, 8:16] = -0.6  # the new mouth
    source[..., 4:16, 5] = -0.6  # a smile's crease the new face does not have
    left, there = line_contrast_left(source, source, truth)
    assert there > 0 and left == there  # the unchanged input keeps all of it
    assert line_contrast_left(truth, source, truth) == (0.0, there)  # a perfect edit none
    faded = truth.clone()
    faded[..., 4:16, 5] = -0.3
    assert line_contrast_left(faded, source, truth)[0] == pytest.approx(there / 2)  # faded to half: half left
    grainy = faded.clone()
    grainy[..., 0:3, 15:24:2] = 0.02  # faint grain off the old line does not count
    assert line_contrast_left(grainy, source, truth)[0] == pytest.approx(there / 2)
    assert line_contrast_left(source, source, source) == (0.0, 0.0)  # the new face has the same lines: none old


def test_lines_left_over_the_pairs_singles_out_the_darkest_third():
    skin = (50, 210, 140)  # three people; each expression draws its own dark line
    pairs = torch.zeros((3, 7, 3, 32, 32), dtype=torch.uint8)
    for person, value in enumerate(skin):
        pairs[person] = value
        for e in range(7):
            pairs[person, e, :, 2 + 4 * e, 6:26] = value - 45
    assert skin_tone(pairs).argsort().tolist() == [0, 2, 1]

    class KeepsOnlyDarkFaces(Unchanged):
        def forward(self, x, c):
            blurred = torch.nn.functional.avg_pool2d(x, 5, 1, 2, count_include_pad=False)
            return torch.where(x.mean((1, 2, 3), keepdim=True) < -0.4, x, blurred)

    assert fine_detail_on_pairs(Unchanged(4, 7, 1), pairs)["lines_left"] == {"all": 1.0, "darkest_third": 1.0}
    left = fine_detail_on_pairs(KeepsOnlyDarkFaces(4, 7, 1), pairs)["lines_left"]
    assert left["darkest_third"] == 1.0 and left["all"] < 0.7


def test_grading_an_identity_generator_scores_it_as_the_unchanged_input():
    pairs = synth_pairs(range(4), size=32, workers=1, progress=False).images
    images, labels = pairs.reshape(-1, 3, 32, 32), torch.arange(7).repeat(4)
    judge = train_judge(images, labels, 7, epochs=1)
    scores = grade_on_pairs(Unchanged(4, 7, 1), judge, pairs, class_mean_faces(images, labels, 7), FACE_EXPRESSIONS)
    assert [s.target for s in scores] == list(FACE_EXPRESSIONS)
    for s in scores:
        assert s.edits == 4 * 6 and s.l1_edit == pytest.approx(s.l1_input) and s.cycle_l1 == 0
        assert s.ssim_edit == pytest.approx(s.ssim_input) and s.l1_mean_face > 0
        assert s.ghost == 1.0  # the unchanged input is all ghost
    table = scores_table(scores)
    assert table.count("\n") == 2 + 7 and "**mean**" in table
    with pytest.raises(ValueError, match="names"):
        grade_on_pairs(Unchanged(4, 7, 1), judge, pairs, class_mean_faces(images, labels, 7), FACE_EXPRESSIONS[:3])


def test_the_speckle_of_a_generator_is_what_it_adds_to_smooth_skin():
    class Grainy(Unchanged):
        def forward(self, x, c):
            grain = torch.randn(x.shape, generator=torch.Generator().manual_seed(0)) * 0.1
            return (x + grain).clamp(-1, 1)

    pairs = synth_pairs(range(2), size=32, workers=1, progress=False).images
    speckle = lambda generator: fine_detail_on_pairs(generator, pairs)["skin_speckle"]
    unchanged, grainy = speckle(Unchanged(4, 7, 1)), speckle(Grainy(4, 7, 1))
    assert unchanged["luma"] < 0.01 and unchanged["chroma"] < 0.01  # the input is smooth there, by the choice of pixels
    assert grainy["luma"] > 3 * unchanged["luma"] and grainy["chroma"] > 3 * unchanged["chroma"]


def test_a_target_without_smooth_skin_near_its_change_is_left_out_of_the_speckle(monkeypatch):
    from emoface.stargan import evaluate

    calls = []

    def one_target_has_no_skin(edit, source, truth):
        calls.append(len(calls))
        nothing = float("nan") if len(calls) == 1 else 0.001 * len(calls)
        return {"luma": nothing, "chroma": nothing}

    monkeypatch.setattr(evaluate, "skin_speckle", one_target_has_no_skin)
    pairs = synth_pairs(range(1), size=32, workers=1, progress=False).images
    speckle = fine_detail_on_pairs(Unchanged(4, 7, 1), pairs)["skin_speckle"]
    assert len(calls) == 7 and speckle["luma"] == pytest.approx(sum(0.001 * k for k in range(2, 8)) / 6)
    monkeypatch.setattr(evaluate, "skin_speckle", lambda *_: {"luma": float("nan"), "chroma": float("nan")})
    assert math.isnan(fine_detail_on_pairs(Unchanged(4, 7, 1), pairs)["skin_speckle"]["chroma"])


def test_the_ablation_prepares_three_variants_of_the_same_people(tmp_path):
    from emoface.stargan.ablation import VARIANTS, ablation_table, run_ablation, scene_pairs
    from emoface.stargan.trainer import StarGANConfig

    pairs, dropped = scene_pairs(range(3), size=64, workers=1, progress=False)
    assert set(pairs) == set(VARIANTS) and dropped == 0
    assert all(p.shape == (3, 7, 3, 64, 64) for p in pairs.values())
    # Uncropped frames show the whole room: their border is wall, the crops' border is face and hair.
    assert not torch.equal(pairs["uncropped"], pairs["crop"])
    config = StarGANConfig(image_size=64, g_conv_dim=4, d_conv_dim=4, g_repeat_num=1, d_repeat_num=5, batch_size=4,
                           n_critic=2, num_iters=2, num_iters_decay=1)
    rows = run_ablation({k: v[:2] for k, v in pairs.items()}, {k: v[2:] for k, v in pairs.items()}, config, 2,
                        tmp_path, judge_epochs=1, progress=False)
    assert [r.variant for r in rows] == list(VARIANTS) and all(r.steps == 2 for r in rows)
    assert (tmp_path / "crop_equalise" / "checkpoint.pt").is_file()
    assert ablation_table(rows).count("\n") == 1 + 3
