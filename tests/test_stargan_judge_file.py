"""The stored judge: every generator graded by the same classifier, whatever the thread count."""

import pytest
import torch

from emoface.labels import FACE_EXPRESSIONS
from emoface.stargan.evaluate import Judge, judge_accuracy, to_float
from emoface.stargan.judge_file import judge_for, load_judge, save_judge
from emoface.stargan.synth_pairs import synth_pairs


def test_a_saved_judge_reads_the_same_after_loading(tmp_path):
    torch.manual_seed(0)
    judge = Judge(3).eval()
    path = save_judge(tmp_path / "judge.pt", judge, ("a", "b", "c"), 16, {"trained_on": "noise"})
    loaded, classes, size, info = load_judge(path)
    x = torch.rand(4, 3, 16, 16) * 2 - 1
    assert classes == ("a", "b", "c") and size == 16 and info == {"trained_on": "noise"}
    assert torch.equal(loaded(x), judge(x)) and not loaded.training
    assert judge_for(("a", "b", "c"), 16, path)[1] == {"trained_on": "noise"}
    assert judge_for(("a", "b", "c"), 32, path) is None and judge_for(("a", "b"), 16, path) is None


def test_a_file_that_is_not_a_judge_says_so(tmp_path):
    torch.save({"format": "emoface-stargan-generator/1"}, tmp_path / "g.pt")
    with pytest.raises(ValueError, match="not an emoface judge checkpoint"):
        load_judge(tmp_path / "g.pt")
    with pytest.raises(FileNotFoundError, match="no judge checkpoint"):
        load_judge(tmp_path / "missing.pt")


def test_the_shipped_judge_reads_held_out_synthfaces_expressions():
    judge, classes, size, info = load_judge()
    assert classes == FACE_EXPRESSIONS and size == 64 and "0-999" in info["trained_on"]
    people = synth_pairs(range(3_000_000, 3_000_004), size=size, progress=False, workers=1)
    images, labels = people.flat()
    assert judge_accuracy(judge, to_float(images), labels) >= 0.9
