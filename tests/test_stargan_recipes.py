"""What lesson 04 trains on, scores and stores: run data, unpaired grading, stored results, the ablation's budget."""

import json
import math

import numpy as np
import pytest
import torch

from emoface.labels import FACE_EXPRESSIONS
from emoface.stargan import ablation
from emoface.stargan.ablation import (AblationRow, ablation_settings, ablation_table, run_ablation, save_ablation,
                                      stored_ablation)
from emoface.stargan.evaluate import Judge
from emoface.stargan.generator_file import load_generator
from emoface.stargan.model import Generator
from emoface.stargan.recipes import (ablation_config, grade_unpaired, recipe, run_data, stored_scores,
                                     unpaired_table)
from emoface.stargan.trainer import StarGANConfig, StarGANTrainer

TINY = StarGANConfig(image_size=16, g_conv_dim=4, d_conv_dim=4, g_repeat_num=1, d_repeat_num=2, batch_size=4,
                     n_critic=2, num_iters=3, num_iters_decay=1)


def fake_variants(people: int, seed: int) -> dict[str, torch.Tensor]:
    rng = torch.Generator().manual_seed(seed)
    return {name: torch.randint(0, 256, (people, 7, 3, 16, 16), generator=rng, dtype=torch.uint8)
            for name in ablation.VARIANTS}


def test_an_ablation_stopped_by_its_budget_resumes_and_a_graded_variant_is_read_back(tmp_path, monkeypatch):
    train, test = fake_variants(2, 0), fake_variants(1, 1)
    stopped = run_ablation(train, test, TINY, 3, tmp_path, judge_epochs=1, progress=False, minutes=0)
    assert [row.finished for row in stopped] == [False, False, False]
    assert "unfinished: run the cell again" in ablation_table(stopped)
    done = run_ablation(train, test, TINY, 3, tmp_path, judge_epochs=1, progress=False)
    assert all(row.finished and row.steps == 3 for row in done)
    assert all((tmp_path / name.replace("+", "_") / "scores.json").is_file() for name in ablation.VARIANTS)

    def no_training(*args, **kwargs):
        raise AssertionError("a graded variant was trained again")

    monkeypatch.setattr(StarGANTrainer, "train", no_training)
    again = run_ablation(train, test, TINY, 3, tmp_path, judge_epochs=1, progress=False)
    assert [row.as_dict() for row in again] == [row.as_dict() for row in done]


def test_a_stored_ablation_is_used_only_for_its_own_settings(tmp_path):
    train, test = fake_variants(2, 0), fake_variants(1, 1)
    rows = run_ablation(train, test, TINY, 3, tmp_path / "run", judge_epochs=1, progress=False)
    settings = ablation_settings(TINY, 3, (2, 1), 1, size=16)
    path = save_ablation(tmp_path / "stored.json", rows, settings, 0.5, "test machine")
    loaded, record = stored_ablation(settings, path)
    assert [r.as_dict() for r in loaded] == [r.as_dict() for r in rows] and record["machine"] == "test machine"
    assert stored_ablation(ablation_settings(TINY, 4, (2, 1), 1, size=16), path) is None
    older = json.loads(path.read_text())  # stored before a config field existed: it ran at its default
    del older["settings"]["config"]["lambda_pair"]
    path.write_text(json.dumps(older))
    assert stored_ablation(settings, path) is not None
    older["settings"]["config"]["lambda_pair"] = 1.0  # stored with the field at another value: not these settings
    path.write_text(json.dumps(older))
    assert stored_ablation(settings, path) is None
    with pytest.raises(ValueError, match="finished"):
        save_ablation(tmp_path / "x.json", [AblationRow("crop", 2, 1, 1, target_steps=3)], settings, 0.1, "m")


def test_the_fine_tune_and_the_ablation_use_the_demo_generators_network():
    demo = ablation_config(recipe("demo"))
    assert (demo.g_conv_dim, demo.g_repeat_num, demo.num_iters) == (32, 3, recipe("demo").ablation_steps)
    assert ablation_config(recipe("smoke")).g_conv_dim == recipe("smoke").config.g_conv_dim


def test_real_faces_are_graded_without_a_ground_truth():
    torch.manual_seed(0)
    generator, judge = Generator(4, 7, 1).eval(), Judge(7, width=4).eval()
    images = torch.randint(0, 256, (5, 3, 16, 16), dtype=torch.uint8)
    labels = torch.tensor([0, 0, 3, 4, 4])
    scores = grade_unpaired(generator, judge, images, labels)
    assert [s.target for s in scores] == list(FACE_EXPRESSIONS)
    assert scores[0].edits == 3 and scores[1].edits == 5  # every face not already in the target
    assert math.isnan(scores[1].judge_real) and not math.isnan(scores[0].judge_real)  # no real disgust face
    assert all(math.isnan(s.l1_edit) and s.cycle_l1 > 0 for s in scores)
    table = unpaired_table(scores)
    assert table.count("\n") == 8 and "L1 edit" not in table


def test_the_shipped_files_stored_evaluation_is_read_not_recomputed():
    info = load_generator().info
    plain = stored_scores(info, "plain")
    assert plain is not None and [s.target for s in plain] == list(FACE_EXPRESSIONS)
    assert plain[0].judge_edit == info["evaluation"][0]["judge_edit"]
    assert stored_scores({}, "residual") is None
    with pytest.raises(ValueError, match="mode"):
        stored_scores(info, "sharp")


def test_a_fer2013_run_trains_and_samples_on_fer2013_faces(isolated_dirs):
    """Its sample grids and figures show held-out FER2013 faces (grey), not SynthFaces."""
    import csv
    import io

    data_dir = isolated_dirs / "data"
    data_dir.mkdir()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("emotion", "pixels", "Usage"))
    rng = np.random.default_rng(0)
    for i in range(22):  # FER ids 0-6, three faces each: two to train, one to test; one to validate
        usage = "Training" if i < 14 else "PrivateTest" if i < 21 else "PublicTest"
        writer.writerow((i % 7, " ".join(map(str, rng.integers(0, 256, 48 * 48))), usage))
    (data_dir / "fer2013.csv").write_text(out.getvalue())
    data = run_data("fer2013", recipe("smoke"), "smoke", progress=False)
    assert data.dataset == "fer2013" and data.pairs is None and len(data.images) == 14 and len(data.test_images) == 7
    samples = data.held_out("neutral", 3)
    assert samples.shape == (3, 3, 128, 128)
    assert torch.equal(samples[:, 0], samples[:, 1]) and torch.equal(samples[:, 1], samples[:, 2])  # grey
    assert len(data.faces_in("anger", 2)) == 2
    small = run_data("fer2013", recipe("smoke"), "smoke", size=32, progress=False)  # a quick run's size
    assert small.images.shape == (14, 3, 32, 32) and small.test_images.shape == (7, 3, 32, 32)
    assert torch.equal(small.labels, data.labels)


def test_a_tunedmug_run_is_recorded_as_what_its_faces_are(isolated_dirs, fake_mug, monkeypatch):
    """MUG in the data folder: tunedmug (real photos); no MUG, SynthFaces scenes cropped: synthfaces."""
    import shutil

    from emoface.datasets import sources
    from emoface.stargan.generator_file import DATASETS

    shutil.copytree(fake_mug, sources.mug_folder())
    data = run_data("tunedmug", recipe("smoke"), "smoke", size=32, progress=False)
    assert data.dataset == "tunedmug" and data.images.shape[1:] == (3, 32, 32) and data.pairs is None
    built = sources.prepare_tunedmug("smoke", progress=False)
    monkeypatch.setattr(sources, "prepare_tunedmug", lambda *a, **k: built._replace(source="synth"))
    assert run_data("tunedmug", recipe("smoke"), "smoke", progress=False).dataset == "synthfaces"
    assert DATASETS["tunedmug"].real_photos and not DATASETS["synthfaces"].real_photos


def test_held_out_faces_are_spread_over_the_split_not_one_persons_frames():
    """tunedMUG keeps several frames of a take side by side: Fig. 4's rows must be different people."""
    from emoface.stargan.recipes import RunData

    person = torch.arange(5).repeat_interleave(3)  # five people, three neutral frames each, in file order
    faces = person.to(torch.uint8)[:, None, None, None].expand(15, 3, 4, 4).contiguous()
    neutral = torch.full((15,), FACE_EXPRESSIONS.index("neutral"))
    data = RunData("tunedmug", faces, neutral, faces, neutral)
    assert data.held_out("neutral", 4)[:, 0, 0, 0].tolist() == [0, 1, 3, 4]
    assert data.held_out("neutral", 1)[:, 0, 0, 0].tolist() == [0]  # one face: the split's first
    assert len(data.held_out("anger", 2)) == 2  # none labelled anger: others stand in


def test_synthfaces_people_are_drawn_once_per_run_folder(tmp_path, monkeypatch):
    from emoface.stargan import synth_pairs

    plan = recipe("smoke")
    first = run_data("synthfaces", plan, "smoke", size=32, progress=False, cache=tmp_path)
    assert first.pairs.shape == (plan.test_identities, 7, 3, 32, 32)
    monkeypatch.setattr(synth_pairs, "synth_pairs", lambda *a, **k: pytest.fail("drawn again"))
    again = run_data("synthfaces", plan, "smoke", size=32, progress=False, cache=tmp_path)
    assert torch.equal(again.images, first.images) and torch.equal(again.pairs, first.pairs)


def test_celeba_is_not_a_run_of_the_expression_lesson():
    with pytest.raises(ValueError, match="CelebA has no expression labels"):
        run_data("celeba", recipe("smoke"), "smoke")
    with pytest.raises(ValueError, match="DATA must be one of"):
        run_data("affectnet", recipe("smoke"), "smoke")


def test_the_shipped_ablation_is_the_demo_recipes_and_reads_as_the_lesson_says():
    """Lesson 04 reads it in demo (so it must be for exactly demo's settings) and says what it shows."""
    from emoface.stargan.ablation import stored_ablation_path

    plan = recipe("demo")
    stored = stored_ablation(ablation_settings(ablation_config(plan), plan.ablation_steps, plan.ablation_identities,
                                               plan.judge_epochs))
    assert stored is not None, f"{stored_ablation_path()} is not for the demo recipe's settings: recompute it"
    rows = {row.variant: row for row in stored[0]}
    assert set(rows) == set(ablation.VARIANTS) and all(row.steps == plan.ablation_steps for row in rows.values())
    # "the uncropped judge is near chance; with the Haar crop it reads the expression"
    assert rows["uncropped"].mean("judge_real") < 0.3 < 0.8 < rows["crop"].mean("judge_real")
    # "at demo's 150 steps every variant's judge on edits stays near chance (1 in 7)"
    assert all(row.mean("judge_edit") < 0.3 for row in rows.values())
