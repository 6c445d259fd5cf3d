"""The expression reader: trained on the engine's own crops of scenes, written into a generator file."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from emoface.faces.detect import NoFaceError
from emoface.labels import FACE_EXPRESSIONS
from emoface.stargan.generator_file import load_generator, save_generator, with_reader
from emoface.stargan.model import Discriminator, Generator
from emoface.stargan.reader import reading_accuracy, scene_crops, train_reader
from emoface.stargan.trainer import StarGANConfig

TINY = StarGANConfig(image_size=16, g_conv_dim=4, d_conv_dim=4, g_repeat_num=1, d_repeat_num=2)
SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "train_reader.py"


def centre(photo: np.ndarray) -> np.ndarray:
    """A stand-in for the engine's crop: the middle of the frame at 16×16."""
    h, w = photo.shape[:2]
    return np.ascontiguousarray(photo[h // 4:3 * h // 4:h // 32, w // 4:3 * w // 4:w // 32][:16, :16])


def test_scene_crops_are_every_expression_of_each_person_and_skip_what_the_crop_refuses():
    faces, labels = scene_crops(range(2), centre, progress=False)
    assert faces.shape == (14, 3, 16, 16) and faces.min() >= -1 and faces.max() <= 1
    assert labels.tolist() == list(range(7)) * 2
    calls = []

    def refuses_every_other(photo):
        calls.append(1)
        if len(calls) % 2 == 0:
            raise NoFaceError("no face")
        return centre(photo)

    faces, labels = scene_crops(range(2), refuses_every_other, progress=False)
    assert len(faces) == 7 and labels.tolist() == [0, 2, 4, 6, 1, 3, 5]

    def refuses(photo):
        raise NoFaceError("no face")

    with pytest.raises(ValueError, match="no face in any scene"):
        scene_crops(range(1), refuses, progress=False)


def test_training_teaches_the_reader_what_it_reads():
    torch.manual_seed(0)
    labels = torch.arange(70) % 7
    shades = torch.linspace(-0.9, 0.9, 7)[labels]  # each expression its own grey: learnable in a few steps
    faces = shades.view(-1, 1, 1, 1).expand(-1, 3, 16, 16) + 0.05 * torch.randn(70, 3, 16, 16)
    start = Discriminator.from_config(TINY).state_dict()
    before = reading_accuracy(start, TINY, faces, labels)
    reader = train_reader(start, TINY, faces, labels, steps=400, lr=3e-3, progress=False)
    assert before < 0.5 and reading_accuracy(reader, TINY, faces, labels) > 0.9
    assert not torch.equal(start["main.0.weight"], reader["main.0.weight"])  # the start is not changed in place


def test_a_file_takes_a_reader_of_its_ds_shape_only(tmp_path):
    g, d = Generator(4, 7, 1), Discriminator(16, 4, 7, 2)
    path = save_generator(tmp_path / "g.pt", g, TINY, FACE_EXPRESSIONS, {"reader_from": {"file": "old.pt"}},
                          discriminator=d, half=False)
    other = Discriminator.from_config(replace(TINY, d_conv_dim=8)).state_dict()
    with pytest.raises(ValueError, match="another shape"):
        with_reader(path, other, {"steps": 1})
    reader = Discriminator.from_config(TINY).state_dict()
    with_reader(path, reader, {"steps": 1})
    loaded = load_generator(path)
    assert torch.equal(loaded.reader["main.0.weight"], reader["main.0.weight"].half().float())
    assert loaded.info["reader"] == {"steps": 1} and "reader_from" not in loaded.info  # the old record goes


def test_the_script_trains_and_records_the_reader(tmp_path):
    path = save_generator(tmp_path / "g.pt", Generator(4, 7, 1), TINY, FACE_EXPRESSIONS,
                          discriminator=Discriminator(16, 4, 7, 2))
    done = subprocess.run([sys.executable, str(SCRIPT), str(path), "--people", "1", "--steps", "3", "--threads", "1"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    record = load_generator(path).info["reader"]
    assert record["steps"] == 3 and "people 0-0" in record["data"] and record["trained_from"] == "g.pt"
    smoothed = save_generator(tmp_path / "s.pt", Generator(4, 7, 1), replace(TINY, cls_smoothing=0.2),
                              FACE_EXPRESSIONS, discriminator=Discriminator(16, 4, 7, 2))
    refused = subprocess.run([sys.executable, str(SCRIPT), str(smoothed), "--people", "1"], capture_output=True,
                             text=True, timeout=300)
    assert refused.returncode != 0 and "no sharply trained D" in refused.stderr
    assert "reader" not in load_generator(smoothed).info  # nothing written
