"""Session budgets on the long data builds: stop cleanly, say so, keep the work, continue later.

A budget of 0 minutes is spent as soon as the first item is done, so each bounded call below does
exactly one item (one worker: no process pool) and raises; no test measures a time.
"""

import math

import numpy as np
import pytest
import torch

from emoface.budget import Budget, BudgetSpent
from emoface.parallel import ordered_map


@pytest.fixture
def one_worker(monkeypatch):
    monkeypatch.setenv("EMOFACE_WORKERS", "1")


def test_a_spent_budget_stops_the_map_after_one_result_and_none_runs_it_all():
    assert list(ordered_map(math.sqrt, [1, 4, 9], workers=1, progress=False, budget=Budget(0))) == [1.0]
    assert list(ordered_map(math.sqrt, [1, 4, 9], workers=1, progress=False, budget=Budget(None))) == [1, 2, 3]
    assert Budget.of(Budget(3)).minutes == 3 and Budget(None).left() is None and not Budget(5).spent()


def _files(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_the_synthfaces_tree_stops_at_its_budget_and_a_second_call_finishes_it(tmp_path, one_worker):
    from emoface.datasets.synth.mug_folder import FRAMES_PER_TAKE, write_synth_mug

    kw = dict(n_subjects=2, height=120, width=160, progress=False)
    with pytest.raises(BudgetSpent, match=r"^drew 0 of 2 SynthFaces people within the 0-minute budget; the "
                                          r"frames are kept in .*subjects3 — run this again, in this session or a "
                                          r"later one"):
        write_synth_mug(tmp_path / "cut", minutes=0, **kw)
    assert len(_files(tmp_path / "cut")) == FRAMES_PER_TAKE  # one take, whole; no temporary files
    write_synth_mug(tmp_path / "cut", **kw)
    assert _files(tmp_path / "cut") == _files(write_synth_mug(tmp_path / "whole", **kw).parent)


def test_tunedmug_stops_at_its_budget_without_a_manifest_and_resumes_to_the_same_set(fake_mug, tmp_path, one_worker):
    from emoface.datasets.mug import scan_mug
    from emoface.datasets.tunedmug import build_tunedmug, read_manifest

    records = scan_mug(fake_mug, frames_per_take=1)
    out = tmp_path / "cut"
    with pytest.raises(BudgetSpent, match=rf"^prepared 1 of {len(records)} frames for tunedMUG within the 0-minute "
                                          r"budget; the faces and their journal are kept in .*cut — run this again"):
        build_tunedmug(records, out, progress=False, minutes=0)
    assert len((out / ".journal.jsonl").read_text().splitlines()) == 1
    assert not (out / "manifest.csv").exists() and not (out / "report.json").exists()  # no partial set to train on
    assert not list(out.rglob("*.tmp"))
    report = build_tunedmug(records, out, progress=False)
    reference = build_tunedmug(records, tmp_path / "whole", progress=False)
    assert report["skipped_already_done"] == 1
    assert read_manifest(out) == read_manifest(tmp_path / "whole")
    assert {k: v for k, v in report.items() if k != "skipped_already_done"} == \
        {k: v for k, v in reference.items() if k != "skipped_already_done"}


def test_prepare_tunedmug_spends_one_budget_on_drawing_and_building(isolated_dirs, one_worker):
    from emoface.datasets.sources import face_source, prepare_tunedmug
    from emoface.settings import Profile
    from emoface.stargan.recipes import recipe, run_data

    tiny = Profile("smoke", synth_identities=2, mug_frames_per_take=1, test_fraction=0.5, grid_images=14)
    with pytest.raises(BudgetSpent, match=r"drew 0 of 2 SynthFaces people .* kept in .*synthmug-smoke"):
        prepare_tunedmug(tiny, progress=False, minutes=0)
    assert not list(isolated_dirs.rglob("tunedmug-*"))  # the build waits for the whole source
    with pytest.raises(BudgetSpent, match=r"drew 0 of 2 SynthFaces people"):  # lesson 04's DATA = "tunedmug"
        run_data("tunedmug", recipe("smoke"), tiny, progress=False, minutes=0)
    n = len(face_source(tiny, progress=False).records)
    with pytest.raises(BudgetSpent, match=rf"prepared 1 of {n} frames for tunedMUG .* kept in .*tunedmug-synth-smoke"):
        prepare_tunedmug(tiny, progress=False, minutes=0)
    folder, report, source = prepare_tunedmug(tiny, progress=False)
    assert source == "synth" and report["sources"] == n and report["skipped_already_done"] == 1


def test_the_ablation_keeps_each_person_drawn_and_gathers_them_when_all_are(tmp_path, one_worker):
    from emoface.stargan.ablation import VARIANTS, cached_scene_pairs, scene_pairs

    path = tmp_path / "scenes.pt"
    with pytest.raises(BudgetSpent, match=r"^drew the ablation's scenes of 1 of 3 people within the 0-minute budget; "
                                          r"they are kept in .*scenes\.pt\.parts — run this again"):
        cached_scene_pairs(range(3), path, size=32, progress=False, minutes=0)
    assert [p.name for p in (tmp_path / "scenes.pt.parts").iterdir()] == ["0.npz"] and not path.exists()
    pairs, dropped = cached_scene_pairs(range(3), path, size=32, progress=False)
    assert path.is_file() and not (tmp_path / "scenes.pt.parts").exists()
    reference, dropped_reference = scene_pairs(range(3), size=32, workers=1, progress=False)
    assert dropped == dropped_reference and set(pairs) == set(VARIANTS)
    assert all(torch.equal(pairs[name], reference[name]) for name in VARIANTS)
    again, _ = cached_scene_pairs(range(3), path, size=32, progress=False, minutes=0)  # read back: nothing to draw
    assert all(torch.equal(again[name], reference[name]) for name in VARIANTS)


def test_the_lessons_ablation_reports_a_spent_budget_in_one_line_instead_of_training(tmp_path, one_worker):
    from emoface.stargan.ablation import load_or_run_ablation
    from emoface.stargan.recipes import recipe

    rows, said = load_or_run_ablation(recipe("smoke"), tmp_path, minutes=0)
    assert rows is None and "no ablation this session" in said and not list(tmp_path.iterdir())
    rows, said = load_or_run_ablation(recipe("smoke"), tmp_path, minutes=1e-9, progress=False)
    assert rows is None and said.startswith("drew the ablation's scenes of 1 of 3 people") and "\n" not in said
    assert not list(tmp_path.glob("*/checkpoint.pt"))  # nothing trained on a partial set


def test_the_celeba_demo_row_sets_each_hair_colour_and_flips_sex_and_age():
    from emoface.stargan.figures import attribute_row, attribute_targets

    assert attribute_targets().tolist() == [[1, 0, 0, 0, 1], [0, 1, 0, 0, 1], [0, 0, 1, 0, 1],
                                            [1, 0, 0, 1, 1], [1, 0, 0, 0, 0]]

    class Records(torch.nn.Module):  # a stand-in generator that paints the target vector's sum
        def __init__(self):
            super().__init__()
            self.anchor, self.seen = torch.nn.Parameter(torch.zeros(1)), []

        def forward(self, x, c):
            self.seen.append(c.tolist()[0])
            return torch.zeros_like(x) + c.sum() / 5 - 0.5

    generator, face = Records(), np.full((8, 8, 3), 200, dtype=np.uint8)
    row = attribute_row(generator, face)
    assert len(row) == 6 and row[0] is face and all(r.shape == face.shape for r in row)
    assert generator.seen == attribute_targets().tolist()
    assert [int(r[0, 0, 0]) for r in row[1:]] == [round((s / 5 - 0.5 + 1) * 127.5) for s in (2, 2, 2, 3, 1)]


@pytest.mark.parametrize("name, call", [("01_datasets", "face_source(profile, minutes=DATA_MINUTES)"),
                                        ("02_tunedmug", "equalize=EQUALIZE, minutes=DATA_MINUTES)"),
                                        ("04_stargan", "minutes=DATA_MINUTES)")])
def test_lessons_take_a_data_budget_and_say_what_it_bounds(name, call):
    import json
    from pathlib import Path

    from emoface.settings import PROFILES

    notebook = Path(__file__).resolve().parents[1] / "notebooks" / f"{name}.ipynb"
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    parameters = next("".join(c["source"]) for c in cells if "parameters" in c["metadata"].get("tags", []))
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    prose = " ".join(" ".join("".join(c["source"]).split()) for c in cells if c["cell_type"] == "markdown")
    assert "\nDATA_MINUTES = None" in parameters and call in code
    assert "`DATA_MINUTES` bounds" in prose and "`$EMOFACE_DATA` on Google Drive" in prose
    if name == "01_datasets":
        assert f"({PROFILES['full'].synth_identities:,} people in `full`)" in prose
