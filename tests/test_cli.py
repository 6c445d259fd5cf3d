import json

import pytest

from emoface.cli import main
from emoface.images import load_rgb, sample_photo_path


def test_demo_builds_tunedmug_and_writes_a_grid(isolated_dirs, capsys):
    assert main(["demo", "--profile", "smoke"]) == 0
    printed = capsys.readouterr().out
    assert "SynthFaces" in printed and "grid:" in printed
    grid = isolated_dirs / "runs" / "demo" / "tunedmug_grid.png"
    assert load_rgb(grid).shape[0] > 200
    report = json.loads(next((isolated_dirs / "data").glob("tunedmug-synth-smoke-*/report.json")).read_text())
    assert report["written"] > 0 and report["images"]["test"]


def test_crop_writes_the_face(tmp_path, capsys):
    assert main(["crop", str(sample_photo_path()), str(tmp_path / "face.png")]) == 0
    assert load_rgb(tmp_path / "face.png").shape == (128, 128, 3)
    assert "face at" in capsys.readouterr().out


def test_tunedmug_command(fake_mug, tmp_path, capsys):
    assert main(["tunedmug", str(fake_mug), str(tmp_path / "out"), "--frames", "1"]) == 0
    assert "images written" in capsys.readouterr().out
    assert (tmp_path / "out" / "manifest.csv").is_file()


@pytest.mark.parametrize(
    "argv, message",
    [
        (["crop", "/no/such.jpg", "x.png"], "no image file"),
        (["demo", "--profile", "huge"], "unknown profile"),
        (["tunedmug", "/no/mug", "out"], "mug.ee.auth.gr"),
    ],
)
def test_user_mistakes_are_one_line_and_exit_2(argv, message, capsys, isolated_dirs):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("emoface: error:") and message in err and err.count("\n") == 1


def test_no_face_in_photo(tmp_path, capsys):
    import numpy as np
    from PIL import Image

    Image.fromarray(np.full((300, 300, 3), 120, np.uint8)).save(tmp_path / "wall.png")
    assert main(["crop", str(tmp_path / "wall.png"), str(tmp_path / "o.png")]) == 2
    assert "no face found" in capsys.readouterr().err


def test_classify_prints_emotion_and_face(capsys):
    assert main(["classify", "My best friend surprised me with tickets to the concert, best day ever!"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("emotion: ") and "face expression: " in out


def test_classify_json_is_one_object(capsys):
    from emoface.labels import TEXT_EMOTIONS, TEXT_TO_FACE

    assert main(["classify", "--json", "Someone keyed my car in the parking lot and just walked off."]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result["probabilities"]) == set(TEXT_EMOTIONS)
    assert result["expression"] == TEXT_TO_FACE[result["emotion"]]


@pytest.mark.parametrize("text", ["", "   "])
def test_classify_refuses_empty_text(text, capsys):
    assert main(["classify", text]) == 2
    assert "empty" in capsys.readouterr().err


def test_classify_with_a_wrong_checkpoint(tmp_path, capsys):
    (tmp_path / "x.pt").write_bytes(b"nope")
    assert main(["classify", "--model", str(tmp_path / "x.pt"), "hello"]) == 2
    assert "not a readable PyTorch checkpoint" in capsys.readouterr().err
