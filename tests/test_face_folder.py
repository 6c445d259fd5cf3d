import cv2
import numpy as np
import pytest
import torch

from emoface.datasets import face_folder as dataset_module
from emoface.datasets.face_folder import FaceFolder
from emoface.images import ImageReadError
from emoface.labels import FACE_EXPRESSIONS


def write_faces(root, per_class=3, classes=("anger", "happiness"), size=16):
    rng = np.random.default_rng(0)
    for name in classes:
        (root / name).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            image = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
            cv2.imwrite(str(root / name / f"s{i}_{name}.png"), image)
    return root


def test_items_are_tensors_in_minus_one_to_one_with_expression_ids(tmp_path):
    data = FaceFolder(write_faces(tmp_path), flip=False, progress=False)
    assert len(data) == 6 and data.images.dtype == torch.uint8 and data.images.shape == (6, 3, 16, 16)
    image, label = data[0]
    assert image.dtype == torch.float32 and image.shape == (3, 16, 16)
    assert image.min() >= -1 and image.max() <= 1
    assert label == FACE_EXPRESSIONS.index("anger")
    assert data.classes == ["anger", "happiness"] and data.class_counts() == {"anger": 3, "happiness": 3}
    # Pixel values survive the round trip: 0 → -1, 255 → 1, matching the PNG on disk.
    png = cv2.cvtColor(cv2.imread(str(data.files[0])), cv2.COLOR_BGR2RGB)
    assert torch.allclose(image, torch.from_numpy(png).permute(2, 0, 1).float() / 127.5 - 1)


def test_flip_is_a_horizontal_mirror_half_the_time(tmp_path):
    data = FaceFolder(write_faces(tmp_path), flip=True, progress=False)
    plain = data.images[0].float() / 127.5 - 1
    torch.manual_seed(0)
    seen = [data[0][0] for _ in range(40)]
    flips = sum(torch.equal(x, plain.flip(-1)) for x in seen)
    assert sum(torch.equal(x, plain) for x in seen) + flips == 40 and 8 < flips < 32


def test_the_uint8_cache_is_reused_and_refreshed(tmp_path, monkeypatch):
    root = write_faces(tmp_path)
    FaceFolder(root, progress=False)
    assert len(list(root.glob(".cache-*.pt"))) == 1

    def no_decoding(*args):
        raise AssertionError("decoded again although the cache is fresh")

    monkeypatch.setattr(dataset_module, "_decode", no_decoding)
    assert len(FaceFolder(root, progress=False)) == 6
    monkeypatch.undo()
    write_faces(root, per_class=4)  # one more image per class: the cache must be rebuilt
    assert len(FaceFolder(root, progress=False)) == 8
    assert len(list(root.glob(".cache-*.pt"))) == 1


def test_folders_that_would_fail_a_day_later_fail_now(tmp_path):
    with pytest.raises(ValueError, match="at least two domains"):
        FaceFolder(write_faces(tmp_path / "one", classes=("anger",)), progress=False)
    with pytest.raises(ValueError, match="Smile.*not expressions"):
        FaceFolder(write_faces(tmp_path / "odd", classes=("anger", "Smile")), progress=False)
    broken = write_faces(tmp_path / "broken")
    (broken / "anger" / "zz.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    with pytest.raises(ImageReadError, match="remove or replace"):
        FaceFolder(broken, progress=False)
    mixed = write_faces(tmp_path / "mixed")
    cv2.imwrite(str(mixed / "anger" / "big.png"), np.zeros((20, 20, 3), np.uint8))
    with pytest.raises(ValueError, match="share one size"):
        FaceFolder(mixed, progress=False)
    assert len(FaceFolder(mixed, size=16, progress=False)) == 7
    with pytest.raises(FileNotFoundError, match="build tunedMUG first"):
        FaceFolder(tmp_path / "absent")


def test_works_with_a_dataloader(tmp_path):
    data = FaceFolder(write_faces(tmp_path), progress=False)
    images, labels = next(iter(torch.utils.data.DataLoader(data, batch_size=4, shuffle=True)))
    assert images.shape == (4, 3, 16, 16) and labels.dtype == torch.long
