"""The CelebA wrapper on a tiny folder in CelebA's own layout (the real set is 1.4 GB, full profile only)."""

import numpy as np
import pytest
import torch
from PIL import Image
from torchvision import datasets

from emoface.datasets.celeba import STARGAN_ATTRIBUTES, CelebAFaces

ATTRS = ["5_o_Clock_Shadow", "Black_Hair", "Blond_Hair", "Brown_Hair", "Male", "Smiling", "Young"]


@pytest.fixture
def fake_celeba(tmp_path, monkeypatch):
    base = tmp_path / "celeba"
    (base / "img_align_celeba").mkdir(parents=True)
    names = [f"{i:06d}.jpg" for i in range(1, 5)]
    rng = np.random.default_rng(0)
    for name in names:
        Image.fromarray(rng.integers(0, 255, (218, 178, 3), dtype=np.uint8)).save(base / "img_align_celeba" / name)
    signs = [[1 if (i + j) % 2 else -1 for j in range(len(ATTRS))] for i in range(4)]
    (base / "list_attr_celeba.txt").write_text(
        "4\n" + " ".join(ATTRS) + "\n" + "".join(f"{n} " + " ".join(map(str, s)) + "\n" for n, s in zip(names, signs))
    )
    (base / "list_eval_partition.txt").write_text("".join(f"{n} {0 if i < 2 else 2}\n" for i, n in enumerate(names)))
    (base / "identity_CelebA.txt").write_text("".join(f"{n} {i}\n" for i, n in enumerate(names)))
    (base / "list_bbox_celeba.txt").write_text("4\nimage_id x_1 y_1 width height\n" + "".join(f"{n} 0 0 10 10\n" for n in names))
    (base / "list_landmarks_align_celeba.txt").write_text(
        "4\nlefteye_x lefteye_y\n" + "".join(f"{n} 1 2\n" for n in names))
    # torchvision checks the real files' MD5s; the fixture has the format, not the hashes.
    monkeypatch.setattr(datasets.CelebA, "_check_integrity", lambda self: True)
    return tmp_path


def test_images_and_the_chosen_attributes(fake_celeba):
    data = CelebAFaces(fake_celeba, split="train")
    assert len(data) == 2 and data.attributes == STARGAN_ATTRIBUTES
    image, target = data[0]
    assert image.shape == (3, 128, 128) and -1 <= image.min() and image.max() <= 1
    assert target.dtype == torch.float32 and target.shape == (5,)
    # Row 0 has +1 at odd columns of ATTRS; the target follows the names, not the positions.
    expected = [1.0 if ATTRS.index(a) % 2 else 0.0 for a in STARGAN_ATTRIBUTES]
    assert target.tolist() == expected
    assert len(CelebAFaces(fake_celeba, split="test")) == 2


def test_unknown_attribute(fake_celeba):
    with pytest.raises(ValueError, match="no attribute Happy"):
        CelebAFaces(fake_celeba, attributes=("Happy",))


def test_missing_dataset_says_how_to_get_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="img_align_celeba.zip.*mmlab"):
        CelebAFaces(tmp_path)
