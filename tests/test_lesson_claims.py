"""Numbers that the lessons state in prose, checked against the code they describe (issue 17)."""

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def prose(name: str) -> str:
    cells = json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))["cells"]
    return " ".join(" ".join("".join(c["source"]).split()) for c in cells if c["cell_type"] == "markdown")


def test_lesson_06_mouth_openings_and_movements_are_the_codes():
    from emoface.engines.warp.action_units import ACTION_UNITS, MOUTH_OPENING

    text = prose("06_real_photos.ipynb")
    said = {e: float(d) for d, e in re.findall(r"open (\d\.\d+) D for (\w+)", text)}
    said |= {e: float(d) for d, e in re.findall(r", (\d\.\d+) D for (\w+)", text)}
    said["happiness"] = float(re.search(r"a little \((\d\.\d+) D\) for a smile", text).group(1))
    assert said == {e: MOUTH_OPENING[e] for e in ("surprise", "fear", "happiness")}
    inner_up = float(re.search(r"an inner brow (\d\.\d+) D up", text).group(1))
    corner_up = float(re.search(r"a smiling lip corner moves (\d\.\d+) D up", text).group(1))
    inner_down = float(re.search(r"(\d\.\d+) D down for anger", text).group(1))
    assert inner_up == -ACTION_UNITS["AU1"][21][1] and corner_up == -ACTION_UNITS["AU12"][48][1]
    assert inner_down == ACTION_UNITS["AU4"][21][1]


def test_lesson_06_auto_engine_thresholds_are_the_codes():
    from emoface.engines.stargan import MAX_ROLL
    from emoface.judges.identity import SYNTHFACES_RADIUS

    text = prose("06_real_photos.ipynb")
    assert float(re.search(r"further than (\d\.\d+) from their mean", text).group(1)) == SYNTHFACES_RADIUS
    assert float(re.search(r"rolled more than (\d+)°", text).group(1)) == MAX_ROLL


def test_lesson_02_says_what_lesson_04s_ablation_compares():
    from emoface.stargan.ablation import VARIANTS

    text = prose("02_tunedmug.ipynb")
    assert "it does not train on per-channel crops" in text
    assert {v.equalize for v in VARIANTS.values()} == {"none", "luminance"}
    assert {v.crop for v in VARIANTS.values()} == {True, False}


@pytest.mark.parametrize("name", ["01_datasets.ipynb", "02_tunedmug.ipynb", "03_text_lstm.ipynb",
                                  "04_stargan.ipynb", "05_pipeline_app.ipynb", "06_real_photos.ipynb"])
def test_a_lesson_ends_with_a_summary_and_two_or_three_exercises(name):
    cells = json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))["cells"]
    closing = next("".join(c["source"]) for c in cells if "## Summary" in "".join(c["source"]))
    exercises = closing.split("## Exercises", 1)[1]
    assert 2 <= len(re.findall(r"^\d\. ", exercises, re.M)) <= 3


def test_lessons_01_and_02_count_the_demo_stand_in_as_the_profile_draws_it():
    from emoface.datasets.synth.mug_folder import FRAMES_PER_TAKE
    from emoface.labels import FACE_EXPRESSIONS
    from emoface.settings import PROFILES

    demo = PROFILES["demo"]
    people, frames, jpegs = re.search(r"in `demo`, (\d+) people × 7 expressions × (\d+) frames, ([\d,]+) JPEGs",
                                      prose("01_datasets.ipynb")).groups()
    assert (int(people), int(frames)) == (demo.synth_identities, FRAMES_PER_TAKE) and len(FACE_EXPRESSIONS) == 7
    assert int(jpegs.replace(",", "")) == demo.synth_identities * 7 * FRAMES_PER_TAKE
    apex, takes = re.search(r"crops and equalises (\w+) apex frames of each of ([\d,]+) takes",
                            prose("02_tunedmug.ipynb")).groups()
    assert ["one", "two", "three"].index(apex) + 1 == demo.mug_frames_per_take
    assert int(takes.replace(",", "")) == demo.synth_identities * 7


def test_lesson_04_states_the_demo_recipe_and_the_shipped_files_evaluation():
    import inspect

    from emoface.stargan.generator_file import load_generator
    from emoface.stargan.recipes import recipe
    from emoface.stargan.trainer import StarGANTrainer

    demo, text = recipe("demo"), prose("04_stargan.ipynb")
    assert re.search(r"\*\*fine-tunes\*\* the shipped generator \(it stores its discriminator too\) for (\d+) steps",
                     text).group(1) == str(demo.fine_tune_steps)
    assert f"{demo.fine_tune_steps} steps at half the learning rate" in text
    assert inspect.signature(StarGANTrainer.from_pretrained).parameters["lr_scale"].default == 0.5
    people = int(re.search(r"In `demo` they are on (\d+) held-out people", text).group(1))
    edits = int(re.search(r"(\d+) people are a noisy sample \((\d+) edits a target", text).group(2))
    assert people == demo.test_identities and edits == people * 6  # each person edited from the other six
    stored = int(re.search(r"the shipped generator's own evaluation on (\d+) people", text).group(1))
    info = load_generator().info
    assert {row["edits"] for row in info["evaluation"]} == {stored * 6}
    assert re.search(r"made for `demo`'s (\d+) steps per variant", text).group(1) == str(demo.ablation_steps)
    assert re.search(r"At `demo`'s (\d+) steps no generator", text).group(1) == str(demo.ablation_steps)
    error = int(re.search(r"edits a target: a standard error of (\d+) points at 90 %", text).group(1))
    assert error == round(100 * (0.9 * 0.1 / edits) ** 0.5)  # a binomial share's standard error


def test_lesson_04_states_the_shipped_files_recorded_training_minutes():
    from emoface.stargan.generator_file import load_generator

    info = load_generator().info
    minutes, stage = info["reader"]["train_minutes"] + info.get("refiner", {}).get("train_minutes", 0), info
    while stage:  # the shipped file, then each file it was fine-tuned from
        minutes += stage["train_minutes"]
        stage = stage.get("fine_tuned_from")
    stated = int(re.search(r"on this\s+2-core CPU \((\d+) min(?:, the reader and the refiner included)?; docs/stargan.md",
                           prose("04_stargan.ipynb")).group(1))
    assert stated == round(minutes)


def test_lesson_04s_changes_examples_build_a_full_run():
    """Each `CHANGES` a student may copy from lesson 04 (its prose and its parameters cell) makes a
    `full` config whose networks build: 32×32 needs five down-sampling convs in D, not six."""
    import ast
    from dataclasses import replace

    from emoface.stargan.model import Discriminator, Generator
    from emoface.stargan.recipes import recipe

    cells = json.loads((NOTEBOOKS / "04_stargan.ipynb").read_text(encoding="utf-8"))["cells"]
    text = " ".join(" ".join("".join(c["source"]).split()) for c in cells)
    examples = [ast.literal_eval(found) for found in re.findall(r"\{\"image_size\"[^{}]*\}", text)]
    assert len(examples) >= 2
    for changes in examples:
        config = replace(recipe("full").config, **changes)
        Generator(config.g_conv_dim, config.c_dim, config.g_repeat_num, config.g_attention)
        Discriminator(config.image_size, config.d_conv_dim, config.c_dim, config.d_repeat_num)
