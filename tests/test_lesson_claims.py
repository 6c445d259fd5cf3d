"""Numbers that lessons 01, 02 and 06 state in prose, checked against the code they describe (issue 17)."""

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
                                  "06_real_photos.ipynb"])
def test_a_lesson_ends_with_a_summary_and_two_or_three_exercises(name):
    cells = json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))["cells"]
    closing = next("".join(c["source"]) for c in cells if "## Summary" in "".join(c["source"]))
    exercises = closing.split("## Exercises", 1)[1]
    assert 2 <= len(re.findall(r"^\d\. ", exercises, re.M)) <= 3
