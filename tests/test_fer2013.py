"""FER2013 loader, on tiny files of the real format written here (never the network)."""

import csv
import hashlib
import io
import tarfile
import zipfile

import numpy as np
import pytest

from emoface import download
from emoface.datasets import fer2013 as fer
from emoface.datasets.face_folder import FaceFolder
from emoface.datasets.fer2013 import (
    FER2013,
    FER2013_CLASSES,
    Fer2013FormatError,
    export_expression_folder,
    fer_to_expression,
    prepare_fer2013,
    read_fer2013,
)
from emoface.datasets.mug import DatasetNotFoundError
from emoface.download import DownloadError
from emoface.labels import FACE_EXPRESSIONS

# (FER emotion id, Usage): every id at least once in Training, so the mapping is tested on export too.
ROWS = [(0, "Training"), (1, "Training"), (2, "Training"), (3, "Training"), (4, "Training"), (5, "Training"),
        (6, "Training"), (4, "Training"), (3, "PublicTest"), (6, "PublicTest"), (5, "PrivateTest"), (0, "PrivateTest")]


def face(row: int) -> np.ndarray:
    """A flat face whose value says which row it came from (resizing keeps a flat image flat)."""
    return np.full((48, 48), 10 + 20 * row, dtype=np.uint8)


def csv_text(rows=ROWS, header=("emotion", "pixels", "Usage")) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for i, (emotion, usage) in enumerate(rows):
        values = {"emotion": str(emotion), "pixels": " ".join(map(str, face(i).ravel())), "usage": usage}
        writer.writerow([values[h.strip().lower()] for h in header])
    return out.getvalue()


def write_tar(path, text: str, member: str = "fer2013/fer2013.csv"):
    with tarfile.open(path, "w:gz") as archive:
        for name, data in (("fer2013/README", b"please cite\n"), (member, text.encode())):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the FER2013 tests must not touch the network")

    monkeypatch.setattr(download.urllib.request, "urlopen", refuse)


def test_fer_ids_map_onto_our_seven_expressions():
    # FER's order is not ours: 4 is Sad and 6 is Neutral, while our id 4 is neutral.
    assert [fer_to_expression(i) for i in range(7)] == [
        "anger", "disgust", "fear", "happiness", "sadness", "surprise", "neutral"]
    assert sorted(FER2013_CLASSES) == list(FACE_EXPRESSIONS)
    with pytest.raises(ValueError, match="0..6"):
        fer_to_expression(7)


def test_the_resource_is_a_pinned_public_https_file():
    assert FER2013.url.startswith("https://huggingface.co/datasets/") and "/resolve/" in FER2013.url
    assert FER2013.filename == "fer2013.tar.gz" and FER2013.gdrive_id is None
    assert len(fer.FER2013_MD5) == 32 and int(fer.FER2013_MD5, 16) >= 0


@pytest.mark.parametrize("form", ["csv", "tar.gz", "icml", "zip"])
def test_read_parses_images_labels_and_splits(tmp_path, form):
    if form == "csv":
        source = tmp_path / "fer2013.csv"
        source.write_text(csv_text())
    elif form == "tar.gz":
        source = write_tar(tmp_path / "fer2013.tar.gz", csv_text())
    elif form == "icml":  # Kaggle's newer file: other column order, spaces in the header
        source = tmp_path / "icml_face_data.csv"
        source.write_text(csv_text(header=("emotion", " Usage", " pixels")))
    else:
        source = tmp_path / "kaggle.zip"
        with zipfile.ZipFile(source, "w") as archive:
            archive.writestr("icml_face_data.csv", csv_text())
    data = read_fer2013(source)
    assert data.images.shape == (len(ROWS), 48, 48) and data.images.dtype == np.uint8
    for i in range(len(ROWS)):
        np.testing.assert_array_equal(data.images[i], face(i))
    assert [FACE_EXPRESSIONS[i] for i in data.labels] == [fer_to_expression(e) for e, _ in ROWS]
    assert list(data.labels[:7]) == [0, 1, 2, 3, 5, 6, 4]  # FER ids 0..6 as our ids
    assert list(data.splits) == ["train"] * 8 + ["val", "val", "test", "test"]


def test_a_csv_without_usage_is_all_train(tmp_path):
    source = tmp_path / "train.csv"
    source.write_text(csv_text(header=("emotion", "pixels")))
    assert set(read_fer2013(source).splits) == {"train"}


def test_export_writes_a_folder_that_facefolder_reads(tmp_path):
    source = write_tar(tmp_path / "fer2013.tar.gz", csv_text())
    counts = export_expression_folder(source, tmp_path / "out", "train", size=64, progress=False)
    assert counts == {"anger": 1, "disgust": 1, "fear": 1, "happiness": 1, "neutral": 1, "sadness": 2, "surprise": 1}
    files = sorted(p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*.png"))
    assert files == ["train/anger/00000.png", "train/disgust/00001.png", "train/fear/00002.png",
                     "train/happiness/00003.png", "train/neutral/00006.png", "train/sadness/00004.png",
                     "train/sadness/00007.png", "train/surprise/00005.png"]

    faces = FaceFolder(tmp_path / "out" / "train", flip=False, progress=False)
    assert len(faces) == 8 and faces.images.shape == (8, 3, 64, 64)
    assert faces.class_counts() == counts
    for path, label, image in zip(faces.files, faces.labels.tolist(), faces.images):
        row = int(path.stem)
        assert FACE_EXPRESSIONS[label] == fer_to_expression(ROWS[row][0]) == path.parent.name
        # Gray repeated into RGB, the right face in the right file, resized without drift.
        assert (image[0] == image[1]).all() and (image[1] == image[2]).all()
        assert int(image.float().mean().round()) == 10 + 20 * row

    export_expression_folder(source, tmp_path / "out", "val", size=64, progress=False)
    assert sorted(p.name for p in (tmp_path / "out" / "val").rglob("*.png")) == ["00008.png", "00009.png"]
    with pytest.raises(ValueError, match="unknown split"):
        export_expression_folder(source, tmp_path / "out", "Training", progress=False)


def test_export_is_idempotent_and_refuses_to_mix_sizes(tmp_path):
    source = tmp_path / "fer2013.csv"
    source.write_text(csv_text())
    first = export_expression_folder(source, tmp_path / "out", "test", size=32, progress=False)
    written = {p: p.stat().st_mtime_ns for p in (tmp_path / "out").rglob("*.png")}
    assert first == export_expression_folder(source, tmp_path / "out", "test", size=32, progress=False)
    assert written == {p: p.stat().st_mtime_ns for p in (tmp_path / "out").rglob("*.png")}
    with pytest.raises(ValueError, match="32 px, not 64 px"):
        export_expression_folder(source, tmp_path / "out", "test", size=64, progress=False)


@pytest.mark.parametrize(
    "text, message",
    [
        (csv_text().replace(" 30 ", " ", 1), "line 3 has 2303 pixels"),  # row 1's faces are all 30
        (csv_text().replace("\n4,", "\n9,", 1), "emotion 9 is not one of"),
        (csv_text().replace("PublicTest", "Validation", 1), "Usage 'Validation'"),
        (csv_text().replace(" 30 ", " 300 ", 1), "line 3 has pixel values outside 0..255"),
        (csv_text().replace("\n2,", "\nfear,", 1), "line 4: the emotion is missing or not a number"),
        ("label,image\n1,2\n", "not FER2013's emotion, pixels, Usage"),
        ("", "not FER2013's emotion, pixels, Usage"),
        ("emotion,pixels,Usage\n", "no faces"),
    ],
)
def test_malformed_csv_says_what_is_wrong_and_what_to_do(tmp_path, text, message):
    source = tmp_path / "fer2013.csv"
    source.write_text(text)
    with pytest.raises(Fer2013FormatError, match=message) as err:
        read_fer2013(source)
    assert "prepare_fer2013()" in str(err.value) and "huggingface.co" in str(err.value)


def test_damaged_or_wrong_archives_and_missing_files(tmp_path):
    whole = write_tar(tmp_path / "whole.tar.gz", csv_text()).read_bytes()
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(Fer2013FormatError, match="cut.tar.gz"):
        read_fer2013(cut)
    page = tmp_path / "fer2013.tar.gz"
    page.write_text("<html>Too many requests</html>")
    with pytest.raises(Fer2013FormatError, match="not a readable tar or zip"):
        read_fer2013(page)
    other = write_tar(tmp_path / "other.tar.gz", csv_text(), member="data/train.csv")
    with pytest.raises(Fer2013FormatError, match="holds no fer2013.csv"):
        read_fer2013(other)
    with pytest.raises(DatasetNotFoundError, match="prepare_fer2013"):
        read_fer2013(tmp_path / "absent.tar.gz")


def test_prepare_uses_the_archive_checks_its_md5_and_runs_once(tmp_path, monkeypatch, no_network):
    archive = write_tar(tmp_path / "fer2013.tar.gz", csv_text())
    monkeypatch.setattr(fer, "FER2013_MD5", hashlib.md5(archive.read_bytes()).hexdigest())
    root = prepare_fer2013(tmp_path, progress=False, size=48)
    assert root == tmp_path / "fer2013-48"
    assert {p.name for p in root.iterdir()} == {"train", "val", "test"}
    assert len(FaceFolder(root / "train", progress=False)) == 8
    assert sorted(p.parent.name for p in (root / "test").rglob("*.png")) == ["anger", "surprise"]
    archive.unlink()  # a finished export needs neither the archive nor the network
    assert prepare_fer2013(tmp_path, progress=False, size=48) == root


def test_prepare_rejects_an_archive_with_the_wrong_md5(tmp_path, no_network):
    archive = write_tar(tmp_path / "fer2013.tar.gz", csv_text())
    with pytest.raises(DownloadError, match="not FER2013's ca95d94f"):
        prepare_fer2013(tmp_path, progress=False)
    # Moved aside, so the next run downloads afresh instead of trusting it again.
    assert not archive.exists() and (tmp_path / "fer2013.tar.gz.rejected").is_file()
    assert not (tmp_path / "fer2013-128").exists()


def test_prepare_prefers_a_csv_put_there_by_hand(isolated_dirs, no_network):
    data = isolated_dirs / "data"
    data.mkdir()
    (data / "icml_face_data.csv").write_text(csv_text(header=("emotion", " Usage", " pixels")))
    root = prepare_fer2013(progress=False, size=40)  # folder=None: the data folder, $EMOFACE_DATA
    assert root == data / "fer2013-40"
    faces = FaceFolder(root / "val", progress=False)
    assert faces.images.shape == (2, 3, 40, 40) and faces.classes == ["happiness", "neutral"]
