"""``bench/gpu_check.py`` runs on a CPU with tiny settings, prints its table, and fails on a NaN loss."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "bench" / "gpu_check.py"
TINY = ["--device", "cpu", "--steps", "3", "--size", "64", "--conv-dim", "8", "--blocks", "1", "--batch", "4",
        "--identities", "1", "--settings", "fp32,fp32-cl"]


@pytest.fixture(scope="module")
def gpu_check():
    spec = importlib.util.spec_from_file_location("gpu_check", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules[spec.name]


def test_runs_on_cpu_and_prints_the_table(gpu_check, capsys):
    status = gpu_check.main(TINY)
    out = capsys.readouterr().out
    assert status == 0, out
    rows = [line for line in out.splitlines() if line.startswith("| fp32")]
    assert [row.split("|")[1].strip() for row in rows] == ["fp32", "fp32-cl"]
    for row in rows:
        cells = [cell.strip() for cell in row.split("|")[1:-1]]
        assert cells[-1] == "ok, 3 steps"
        assert float(cells[4]) > 0  # it/s after the warm-up
        assert len(cells[7].split(", ")) == 3  # D/adv at steps 1–3, all finite
        assert cells[6] == "—"  # no GPU memory on a CPU
    assert "all losses finite" in out


def test_a_nan_loss_fails_loudly(gpu_check, capsys):
    status = gpu_check.main(TINY + ["--settings", "fp32", "--inject-nan", "2"])
    captured = capsys.readouterr()
    assert status == 1
    assert "FAIL: fp32: non-finite loss D/adv = nan at step 2" in captured.err
    assert "FAIL: non-finite loss" in captured.out  # and in the table's status column
    assert "all losses finite" not in captured.out


def test_first_non_finite_names_the_loss(gpu_check):
    assert gpu_check.first_non_finite({"step": 1, "D/adv": 0.5, "G/rec": 0.1}) is None
    assert gpu_check.first_non_finite({"step": 1, "D/adv": 0.5, "D/gp": float("inf")}) == "D/gp = inf"


def test_without_a_gpu_and_no_device_it_says_so(gpu_check, capsys, monkeypatch):
    monkeypatch.setattr(gpu_check.torch.cuda, "is_available", lambda: False)
    assert gpu_check.main(["--steps", "1"]) == 0
    assert "no CUDA GPU here" in capsys.readouterr().out
