"""The refiner: it corrects the paste only where the face changed, starts as the paste, learns, and travels in the file."""

import cv2
import numpy as np
import pytest
import torch

from emoface.faces.detect import Box
from emoface.faces.paste import paste_face, refine_gate
from emoface.stargan.refiner import MAX_SIDE, Refiner, RefinerConfig, RefinerPatches, refine_region, train_refiner


def test_the_gate_covers_the_change_grown_and_nothing_else():
    change = np.zeros((64, 64, 3), np.float32)
    change[30:34, 20:44] = 40
    gate = refine_gate(change, (256, 256))
    assert gate.shape == (256, 256) and gate[128, 128] == 1.0  # the middle of the moved feature
    assert gate[:80].max() == 0 and gate[160:].max() == 0  # far from it: untouched
    assert refine_gate(np.full((64, 64, 3), 5, np.float32), (100, 100)).max() == 0  # a faint change is not refined


def test_a_new_refiner_returns_the_paste_and_a_zero_gate_changes_nothing():
    rng = np.random.default_rng(0)
    region, pasted = (rng.uniform(0, 255, (90, 90, 3)).astype(np.float32) for _ in range(2))
    refiner = Refiner()
    gate = np.ones((90, 90), np.float32)
    assert np.abs(refine_region(refiner, region, pasted, gate) - pasted).max() < 1e-3  # zero-initialised output
    with torch.no_grad():
        refiner.out.bias.fill_(0.5)  # a refiner that brightens everything it may touch
    assert np.array_equal(refine_region(refiner, region, pasted, np.zeros_like(gate)), pasted)
    half = gate.copy()
    half[:, :45] = 0
    refined = refine_region(refiner, region, pasted, half)
    assert np.array_equal(refined[:, :45], pasted[:, :45]) and (refined[:, 50:] > pasted[:, 50:]).mean() > 0.5


def test_a_face_reach_refiner_corrects_the_whole_pasted_ellipse_and_nothing_outside_it():
    from emoface.faces.paste import feather_mask
    from emoface.stargan.refiner import load_refiner, reach_gate

    rng = np.random.default_rng(0)
    region, pasted = (rng.uniform(0, 255, (90, 90, 3)).astype(np.float32) for _ in range(2))
    refiner = Refiner(RefinerConfig(width=8, dilations=(1,), reach="face"))
    with torch.no_grad():
        refiner.out.bias.fill_(0.5)
    nowhere = np.zeros((90, 90), np.float32)  # G changed nothing: a face-reach refiner still may correct the face
    refined = refine_region(refiner, region, pasted, nowhere)
    inside = feather_mask(90, 90) > 0
    assert np.array_equal(reach_gate(nowhere, "face") > 0, inside) and reach_gate(nowhere, "changed") is nowhere
    assert (refined[inside] > pasted[inside]).mean() > 0.5 and np.array_equal(refined[~inside], pasted[~inside])
    record = {"config": {"width": 8, "dilations": [1], "reach": "face"}}
    assert load_refiner(refiner.state_dict(), record).config.reach == "face"
    assert load_refiner(Refiner().state_dict(), {}).config.reach == "changed"  # files from before: the gate only
    with pytest.raises(ValueError, match="'changed' or 'face'"):
        Refiner(RefinerConfig(reach="everywhere"))


def test_a_refiner_told_the_target_draws_each_target_its_own_way_and_asks_for_it():
    refiner = Refiner(RefinerConfig(width=8, dilations=(1,), classes=7))
    torch.nn.init.normal_(refiner.out.weight, std=0.1)
    region = np.random.default_rng(0).uniform(0, 255, (40, 40, 3)).astype(np.float32)
    gate = np.ones((40, 40), np.float32)
    joy, anger = (refine_region(refiner, region, region, gate, target) for target in (3, 0))
    assert np.abs(joy - anger).max() > 0.1
    with pytest.raises(ValueError, match="pass target"):
        refine_region(refiner, region, region, gate)


def test_a_large_crop_is_refined_at_the_working_size_and_comes_back_at_its_own():
    refiner = Refiner()
    with torch.no_grad():
        refiner.out.bias.fill_(0.1)
    side = MAX_SIDE * 2 + 10
    pasted = np.full((side, side, 3), 100, np.float32)
    refined = refine_region(refiner, pasted, pasted, np.ones((side, side), np.float32))
    assert refined.shape == pasted.shape
    assert np.allclose(refined, 100 + 0.1 * 127.5, atol=0.5)


def test_paste_face_hands_the_refiner_the_photo_the_paste_and_the_gate_inside_the_ellipse():
    photo = np.full((200, 200, 3), 150, np.uint8)
    box = Box(20, 20, 160, 160)
    before = np.full((64, 64, 3), 150, np.uint8)
    after = before.copy()
    after[40:44, 20:44] = 60  # a new mouth
    seen = {}

    def refine(region, pasted, gate):
        seen.update(region=region, pasted=pasted, gate=gate)
        return pasted + 10 * gate[:, :, None]

    plain = paste_face(photo, after, box, original_face=before, match_colour=False)
    refined = paste_face(photo, after, box, original_face=before, match_colour=False, refine=refine)
    assert seen["region"].shape == (160, 160, 3) and seen["gate"].shape == (160, 160)
    assert seen["gate"][0].max() == 0 and seen["gate"][110, 80] == 1.0  # 0 on the border, 1 on the mouth
    changed = np.abs(refined.astype(int) - plain).max(2) > 0
    assert changed.any() and not changed[:100].any()  # only around the mouth
    assert np.array_equal(paste_face(photo, before, box, original_face=before, refine=refine), photo)  # no edit, no change


def test_the_refiner_does_not_draw_again_an_old_feature_the_generator_took_away(monkeypatch):
    """Guided by the photo, a refiner sharpens the edges the photo shows inside its gate, an old open mouth's outline
    too, round the new closed mouth. Where the photo shows detail the edited face neither has nor draws nearby, only
    the broad part of the correction is kept; where the edited face draws (the new mouth), all of it."""
    import emoface.faces.paste as paste

    photo = np.full((200, 200, 3), 150, np.uint8)
    box = Box(20, 20, 160, 160)
    cv2.rectangle(photo, (60, 100), (140, 141), (110, 110, 110), 2)  # the old open mouth's outline
    photo[58:61, 70:130] = 60  # an eye's lid, sharp in the photo ...
    before = cv2.resize(photo[20:180, 20:180], (64, 64), interpolation=cv2.INTER_AREA)
    after = np.full_like(before, 150)
    after[15:17, 24:40] = 120  # ... that the generator draws softly
    after[40:42, 22:42] = 60  # the new closed mouth, inside the old outline

    def redraws_the_photo(region, pasted, gate):  # a stand-in that sharpens whatever edge the photo shows
        return pasted + 2 * gate[:, :, None] * (region - cv2.GaussianBlur(region, (0, 0), 2.0))

    def edit():
        return paste_face(photo, after, box, original_face=before, match_colour=False, refine=redraws_the_photo)

    shipped = edit().astype(int)
    taken = paste.taken_away(photo[20:180, 20:180].astype(np.float32), after.astype(np.float32))
    assert taken[31:34, 24:40].min() == 1  # the old outline
    assert taken[38:44, 24:40].max() == 0 and taken[14:18, 26:38].max() == 0  # the new mouth and the lid spared
    assert paste.taken_away(np.full((160, 160, 3), 150, np.float32), after.astype(np.float32)).max() == 0
    monkeypatch.setattr(paste, "taken_away", lambda region, edited: np.zeros(edited.shape[:2], np.float32))
    whole = edit().astype(int)
    assert whole[100:103, 80:120].min() < 120  # the whole correction draws the old outline again
    assert shipped[100:103, 80:120].min() > 140  # the kept part does not
    assert np.abs(shipped[118:126, 80:120] - whole[118:126, 80:120]).max() <= 1  # the new mouth: all of it


def test_training_learns_to_bring_back_what_the_paste_blurred():
    """A toy: the truth is the photo, the paste its blur; a few steps must bring the loss down."""
    rng = np.random.default_rng(0)
    photos = rng.integers(0, 256, (24, 32, 32, 3)).astype(np.uint8)
    photos = np.stack([cv2.resize(cv2.resize(p, (8, 8)), (32, 32), interpolation=cv2.INTER_NEAREST) for p in photos])
    blurred = np.stack([cv2.GaussianBlur(p, (7, 7), 2) for p in photos])
    gate = np.full((24, 32, 32, 1), 255, np.uint8)
    stack = np.concatenate([photos, blurred, gate, photos], axis=3)
    data = RefinerPatches(torch.from_numpy(stack).permute(0, 3, 1, 2).contiguous(), torch.zeros(24, dtype=torch.int64))
    torch.set_num_threads(2)
    _, record = train_refiner(data, RefinerConfig(width=8, dilations=(1, 2)), steps=100, batch=8, lr=3e-3,
                              progress=False)
    curve = record["loss_curve"]
    assert record["steps"] == 100 and len(curve) == 2 and curve[-1]["loss"] < 0.7 * curve[0]["loss"]


def test_focus_weighs_the_pixels_the_edit_must_change():
    """Where the truth differs from the photo, an error counts 1 + focus times; elsewhere, as before."""
    from emoface.stargan.refiner import refiner_loss

    photo = torch.zeros(1, 3, 8, 8)
    truth = photo.clone()
    truth[:, :, :2] = 0.5  # two rows the edit must change (64 levels)
    gate = torch.ones(1, 1, 8, 8)
    wrong_there, wrong_elsewhere = photo.clone(), truth.clone()  # the paste kept the photo / broke a kept row
    wrong_elsewhere[:, :, 6:8] = 0.5
    plain = [float(refiner_loss(r, truth, gate)) for r in (wrong_there, wrong_elsewhere)]
    focused = [float(refiner_loss(r, truth, gate, photo, focus=4.0)) for r in (wrong_there, wrong_elsewhere)]
    assert plain[0] == pytest.approx(plain[1])  # the same error, unweighted
    assert focused[0] > 2 * focused[1]  # a miss where the edit must change counts more than one where it must not
    assert float(refiner_loss(truth, truth, gate, photo, focus=4.0)) == 0.0
    # told the paste: where it already changed the photo (it moved those rows), no extra weight
    moved = truth.clone()
    assert float(refiner_loss(wrong_there, truth, gate, photo, focus=4.0, kept=moved)) == pytest.approx(plain[0])
    assert float(refiner_loss(wrong_there, truth, gate, photo, focus=4.0, kept=photo)) == pytest.approx(focused[0])


def test_the_refiner_travels_in_the_generator_file_and_the_engine_uses_it(tmp_path):
    from emoface.engines.stargan import StarGanEngine
    from emoface.faces.detect import default_detector
    from emoface.stargan.generator_file import load_generator, save_generator, with_reader, with_refiner

    shipped = load_generator()
    path = save_generator(tmp_path / "g.pt", shipped.generator, shipped.config, shipped.classes,
                          {k: v for k, v in shipped.info.items() if k != "refiner"})
    assert load_generator(path).refiner is None
    assert StarGanEngine(load_generator(path), "cpu", default_detector()).refine is None
    refiner = Refiner(RefinerConfig(width=8, dilations=(1,)))
    with_refiner(path, refiner, {"config": {"width": 8, "dilations": [1]}, "train_minutes": 0.1})
    loaded = load_generator(path)
    assert loaded.refiner is not None and loaded.info["refiner"]["train_minutes"] == 0.1
    assert loaded.info["step"] == shipped.info["step"]  # the rest of the file kept
    assert StarGanEngine(loaded, "cpu", default_detector()).refine is not None
    with_reader(path, shipped.reader, {"trained_from": "a test"})  # a new reader keeps the refiner
    assert load_generator(path).refiner is not None and load_generator(path).info["refiner"]["train_minutes"] == 0.1
    with_refiner(path, Refiner(), {"config": {"width": 8, "dilations": [1]}})  # another shape than it says
    with pytest.raises(ValueError, match="train it again with scripts/train_refiner.py"):
        StarGanEngine(load_generator(path), "cpu", default_detector())


def test_training_patches_are_the_pipeline_s_own_pastes_set_against_the_true_scene():
    from emoface.pipeline import Pipeline
    from emoface.scene_patches import PATCH, refiner_patches

    pipeline = Pipeline(cache_size=0)
    kept = pipeline.stargan.refine
    data = refiner_patches(pipeline, range(500, 501), sources=("neutral",), per_edit=2, progress=False)
    assert pipeline.stargan.refine is kept  # the engine's own refiner is back
    assert data.patches.shape == (12, 10, PATCH, PATCH) and data.patches.dtype == torch.uint8
    photo, pasted, gate, truth, target = data.split(torch.arange(12))
    assert target.tolist() == [t for t in (0, 1, 2, 3, 5, 6) for _ in range(2)]  # neutral (index 4) into the others

    assert (gate > 0.5).float().mean() > 0.3  # most patches sit on what moved
    inside = gate > 0.5
    # inside the gate the paste moved the photo towards the truth, and is not the truth itself
    to_truth = lambda image: (image - truth).abs().mean(1, keepdim=True)[inside].mean()
    assert to_truth(pasted) < to_truth(photo) and to_truth(pasted) > 0.01
    # outside the gate the paste is the photo (the ellipse's falloff aside, it only adds the change there)
    assert (pasted - photo).abs().mean(1, keepdim=True)[gate == 0].mean() < 0.02


def test_truth_taught_patches_paste_the_true_face_at_the_generator_s_size():
    from emoface.pipeline import Pipeline
    from emoface.scene_patches import PATCH, refiner_patches, truth_patches

    pipeline = Pipeline(cache_size=0)
    taught = truth_patches(pipeline, range(500, 501), sources=("neutral",), per_edit=2, progress=False)
    by_g = refiner_patches(pipeline, range(500, 501), sources=("neutral",), per_edit=2, progress=False)
    assert taught.patches.shape == (12, 10, PATCH, PATCH)
    assert taught.targets.tolist() == by_g.targets.tolist()

    def paste_error(data):  # inside the gate, the paste's distance to the truth relative to the photo's
        photo, pasted, gate, truth, _ = data.split(torch.arange(len(data.patches)))
        inside = gate > 0.5
        to_truth = lambda image: (image - truth).abs().mean(1, keepdim=True)[inside].mean()
        return float(to_truth(pasted) / to_truth(photo))

    # a perfect 64-pixel edit: its paste lies much nearer the truth than G's, but is still soft (not the truth)
    assert 0.05 < paste_error(taught) < 0.8 * paste_error(by_g)
    # reach="face": the same pastes, each patch's gate the pasted ellipse, so most of a patch is inside it
    whole = truth_patches(pipeline, range(500, 501), sources=("neutral",), per_edit=2, progress=False, reach="face")
    assert (whole.patches[:, 6] > 127).float().mean() > 2 * (taught.patches[:, 6] > 127).float().mean()


def test_g_s_faults_given_to_a_true_edit_mix_the_source_back_and_blur():
    from emoface.scene_patches import _with_faults

    rng = np.random.default_rng(0)
    face, source = (rng.integers(0, 256, (64, 64, 3), dtype=np.uint8) for _ in range(2))
    assert _with_faults(face, source, 0.0, 0.0) is face
    assert np.array_equal(_with_faults(face, source, 1.0, 0.0), source)
    half = _with_faults(face, source, 0.5, 0.0).astype(float)
    assert np.abs(half - (face.astype(float) + source) / 2).max() <= 0.5
    edges = lambda image: np.abs(np.diff(image.astype(float), axis=1)).mean()
    assert edges(_with_faults(face, source, 0.0, 1.0)) < 0.5 * edges(face)


def test_the_shipped_file_holds_the_truth_taught_refiner_and_the_pipeline_uses_it():
    """docs/stargan.md and lesson 04 say the shipped file holds the refiner taught by the true faces: a new
    export without it would silently bring the soft pasted features back."""
    from emoface.pipeline import Pipeline
    from emoface.stargan.generator_file import load_generator

    loaded = load_generator()
    assert loaded.refiner and loaded.info["refiner"]["teacher"] == "truth"
    assert Pipeline(cache_size=0).stargan.refine is not None


def test_a_fine_tune_carries_the_reader_and_refiner_with_their_records(tmp_path):
    from emoface.stargan.generator_file import carry_parts, load_generator, save_generator

    shipped = load_generator()
    bare = {k: v for k, v in shipped.info.items() if k not in ("reader", "refiner")}
    path = save_generator(tmp_path / "g.pt", shipped.generator, shipped.config, shipped.classes, bare,
                          discriminator=shipped.discriminator)
    with pytest.raises(ValueError, match="holds no reader or refiner"):
        carry_parts(load_generator(path), path, "g.pt")
    carry_parts(shipped, path, "stargan_demo.pt")
    carried = load_generator(path)
    assert all(torch.equal(carried.reader[k], shipped.reader[k]) for k in shipped.reader)
    assert all(torch.equal(carried.refiner[k], shipped.refiner[k]) for k in shipped.refiner)
    assert carried.info["refiner"] == shipped.info["refiner"] and carried.info["reader"] == shipped.info["reader"]
    assert carried.discriminator is not None and carried.info["parts_carried_from"] == "stargan_demo.pt"
