import random
import sys
import types

import numpy as np
import pytest
import torch

from emoface import settings


def test_profile_from_argument_env_and_default(monkeypatch):
    monkeypatch.delenv("EMOFACE_PROFILE", raising=False)
    assert settings.get_profile().name == "demo"
    monkeypatch.setenv("EMOFACE_PROFILE", "full")
    assert settings.get_profile().name == "full"
    assert settings.get_profile("Smoke").name == "smoke"  # the argument wins, case-insensitive


def test_profiles_grow_from_smoke_to_full():
    smoke, demo, full = (settings.PROFILES[n] for n in ("smoke", "demo", "full"))
    assert smoke.synth_identities < demo.synth_identities < full.synth_identities
    assert smoke.mug_frames_per_take <= demo.mug_frames_per_take <= full.mug_frames_per_take


def test_unknown_profile_names_the_choices(monkeypatch):
    monkeypatch.setenv("EMOFACE_PROFILE", "fast")
    with pytest.raises(ValueError, match="smoke, demo, full"):
        settings.get_profile()


def test_folders_follow_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("EMOFACE_DATA", str(tmp_path / "d"))
    monkeypatch.setenv("EMOFACE_RUNS", str(tmp_path / "r"))
    assert settings.data_dir() == (tmp_path / "d").resolve() and settings.data_dir().is_dir()
    assert settings.runs_dir() == (tmp_path / "r").resolve() and settings.runs_dir().is_dir()


def test_device_choice():
    assert settings.pick_device("cpu").type == "cpu"
    assert settings.pick_device().type in {"cpu", "cuda", "mps"}
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="no CUDA GPU"):
            settings.pick_device("cuda")


def test_seeding_repeats_every_generator():
    def draw():
        return random.random(), float(np.random.rand()), float(torch.rand(()))

    settings.seed_everything(7)
    first = draw()
    settings.seed_everything(7)
    assert draw() == first
    settings.seed_everything(8)
    assert draw() != first


def test_every_badge_and_colab_install_points_at_the_one_repository():
    import json
    import re
    from pathlib import Path

    from emoface.settings import REPOSITORY

    root = Path(__file__).resolve().parents[1]
    notebooks = sorted((root / "notebooks").glob("*.ipynb"))
    assert len(notebooks) == 6
    readme = (root / "README.md").read_text(encoding="utf-8")
    for notebook in notebooks:
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        badge = f"https://colab.research.google.com/github/{REPOSITORY}/blob/main/notebooks/{notebook.name}"
        assert badge in "".join(cells[0]["source"]), f"{notebook.name}: its first cell lacks the badge {badge}"
        assert badge in readme, f"README: no badge for {notebook.name}"
        setup = "".join(cells[1]["source"])
        installs = re.findall(r"git\+https://github\.com/([\w.-]+/[\w.-]+)", setup)
        assert installs == [REPOSITORY], f"{notebook.name}: the setup cell installs from {installs}"
    linked = re.findall(r"colab\.research\.google\.com/github/([\w.-]+/[\w.-]+)/blob/", readme)
    assert len(linked) >= len(notebooks) and set(linked) == {REPOSITORY}, linked


def test_a_lessons_data_dir_becomes_the_data_folder_and_drive_is_mounted_only_on_colab(tmp_path, monkeypatch):
    monkeypatch.setenv(settings.DATA_ENV, str(tmp_path / "before"))
    assert settings.use_data_dir(None) == tmp_path / "before"  # None keeps the current folder
    assert settings.use_data_dir(tmp_path / "mine") == tmp_path / "mine" == settings.data_dir()
    mounted = []
    monkeypatch.setitem(sys.modules, "google.colab", types.SimpleNamespace(drive=types.SimpleNamespace(mount=mounted.append)))
    monkeypatch.setitem(sys.modules, "google", types.SimpleNamespace(colab=sys.modules["google.colab"]))
    settings.mount_drive_for(tmp_path / "local")  # not on Drive: nothing mounted
    settings.mount_drive_for("/content/drive/MyDrive/emoface/data")
    assert mounted == ["/content/drive"]
    monkeypatch.setitem(sys.modules, "google.colab", None)  # not Colab: one clear line
    with pytest.raises(RuntimeError, match="only Colab can mount"):
        settings.mount_drive_for("/content/drive/MyDrive/emoface/data")
