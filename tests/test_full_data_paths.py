"""The `full` profile's three real-data paths, end to end, on small files in each set's real format.

Lesson 04 (`full`) trains on `DATA = "tunedmug" | "fer2013" | "celeba"`; each path is a data folder
as the user fills it → the loader the lesson calls → ``training_tensors`` → one StarGAN step and its
checkpoint. The formats themselves are tested beside their loaders (``test_fer2013.py``,
``test_celeba.py``, ``test_mug.py``, ``test_tunedmug.py``); the fake files come from there.
"""

from __future__ import annotations

import csv
import shutil

import torch

from emoface.datasets.face_folder import FaceFolder
from emoface.labels import FACE_EXPRESSIONS
from emoface.stargan.data import training_tensors
from emoface.stargan.trainer import StarGANConfig, StarGANTrainer

from test_celeba import fake_celeba  # noqa: F401  (a fixture: img_align_celeba + list_attr_celeba.txt)
from test_fer2013 import ROWS, csv_text


def one_step(images: torch.Tensor, labels: torch.Tensor, run_dir, c_dim: int = 7) -> StarGANTrainer:
    """The lesson's `full` training call on a tiny network: one step, then the checkpoint."""
    config = StarGANConfig(image_size=images.shape[-1], c_dim=c_dim, g_conv_dim=8, d_conv_dim=8, g_repeat_num=1,
                           d_repeat_num=6, n_critic=1, batch_size=2, num_iters=1, num_iters_decay=0)
    trainer = StarGANTrainer.resume_or_start(config, images, labels, run_dir)
    assert trainer.train(steps=1, progress=False) == 1
    assert trainer.checkpoint_path.is_file()
    return trainer


def test_fer2013_csv_in_the_data_folder_trains(isolated_dirs):
    data = isolated_dirs / "data"
    data.mkdir()
    (data / "fer2013.csv").write_text(csv_text())  # Kaggle's file: emotion, pixels (48×48), Usage
    from emoface.datasets.fer2013 import prepare_fer2013

    root = prepare_fer2013(progress=False)  # what lesson 04 calls: the data folder, 128 px
    train = FaceFolder(root / "train", progress=False)
    images, labels = training_tensors(train)
    assert images.shape == (8, 3, 128, 128) and images.dtype == torch.uint8
    assert sorted(labels.tolist()) == sorted(FACE_EXPRESSIONS.index(c) for c in train.class_counts()
                                             for _ in range(train.class_counts()[c]))
    assert sum(1 for _, usage in ROWS if usage == "Training") == len(labels)
    # A training batch as the trainer draws it: in [-1, 1], grey faces repeated into RGB.
    image, label = train[0]
    assert image.shape == (3, 128, 128) and -1 <= image.min() and image.max() <= 1 and 0 <= label < 7
    assert torch.equal(image[0], image[1])
    one_step(images, labels, isolated_dirs / "runs" / "fer")


def test_a_mug_folder_becomes_tunedmug_and_trains(isolated_dirs, fake_mug):
    from emoface.datasets.sources import mug_folder, prepare_tunedmug

    shutil.copytree(fake_mug, mug_folder())
    folder, report, source = prepare_tunedmug("full", progress=False)
    assert source == "mug" and folder.name == "tunedmug-mug-full-crop-luminance"
    # The real-photo subject (Grace Hopper) is cropped; the landscape has no face; the broken JPEG is unreadable.
    assert "090" in {s for split in ("train", "test") for s in report["subjects"][split]}
    assert report["no_face"] >= 1 and report["unreadable"] >= 1
    reasons = {row["subject"] for row in csv.DictReader((folder / "no_face.csv").open(newline=""))}
    assert {"091", "092"} <= reasons
    assert report["written"] == sum(sum(report["images"][s].values()) for s in ("train", "test"))
    assert not set(report["subjects"]["train"]) & set(report["subjects"]["test"])
    train = FaceFolder(folder / "train", progress=False)
    assert train.images.shape[1:] == (3, 128, 128)
    images, labels = training_tensors(train)
    one_step(images, labels, isolated_dirs / "runs" / "mug")
    # Run again (a new Colab session): nothing is redone.
    again = prepare_tunedmug("full", progress=False).report
    assert again["skipped_already_done"] == report["sources"] and again["images"] == report["images"]


def test_celeba_img_align_and_list_attr_train_five_attributes(fake_celeba, isolated_dirs):  # noqa: F811
    from emoface.datasets.celeba import STARGAN_ATTRIBUTES, CelebAFaces

    celeba = CelebAFaces(fake_celeba, download=True)  # download=True as in the lesson: files present, no fetch
    images, labels = training_tensors(celeba, limit=50_000, progress=False)
    assert images.shape == (2, 3, 128, 128) and images.dtype == torch.uint8
    assert labels.shape == (2, len(STARGAN_ATTRIBUTES)) and set(labels.unique().tolist()) <= {0.0, 1.0}
    one_step(images, labels, isolated_dirs / "runs" / "celeba", c_dim=labels.shape[1])
