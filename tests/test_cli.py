import json
from pathlib import Path

import pytest

from emoface.cli import main
from emoface.images import load_rgb, sample_photo_path


def test_demo_edits_the_bundled_photos_for_the_bundled_posts(isolated_dirs, capsys):
    from emoface.demo import DEMO_POST_IDS

    assert main(["demo"]) == 0
    printed = capsys.readouterr().out
    assert printed.count("post ") >= len(DEMO_POST_IDS) and "grid:" in printed
    out = isolated_dirs / "runs" / "demo"
    summary = json.loads((out / "demo.json").read_text())
    assert [p["id"] for p in summary["posts"]] == list(DEMO_POST_IDS)
    from emoface.datasets.real_photos import available_real_photos
    from emoface.faces.landmarks import landmarks_available

    assert len(summary["photos"]) == 1 + len(available_real_photos())  # SynthFaces + every real photo installed
    for photo in summary["photos"].values():
        assert len(photo["edits"]) == len(DEMO_POST_IDS)
        assert all(Path(e["output"]).is_file() for e in photo["edits"])
    # The real photograph is outside the SynthFaces generator's domain, and the demo says so; with
    # dlib installed, the warp engine edits it, and StarGAN the SynthFaces person.
    grace, synth = summary["photos"]["photo: grace_hopper"], summary["photos"]["SynthFaces profile"]
    assert grace["out_of_domain"] is True and synth["out_of_domain"] is False
    assert synth["engines"] == ["stargan"]
    assert grace["engines"] == (["warp"] if landmarks_available() else ["stargan"])
    grid = load_rgb(out / "before_after.png")
    assert grid.shape[0] > 200 and grid.shape[1] > 600


def test_edit_writes_the_photo_and_prints_one_json_object(tmp_path, capsys):
    from emoface.demo import demo_profile_photo
    from emoface.images import save_rgb

    photo = save_rgb(tmp_path / "me.png", demo_profile_photo())
    argv = ["edit", "--json", "--text", "My dog died this morning and I cannot stop crying.",
            "--photo", str(photo), "--out", str(tmp_path / "sad.png")]
    assert main(argv) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["emotion"] == "sadness" and result["expression"] == "sadness"
    assert len(result["face_box"]) == 4 and result["output"] == str(tmp_path / "sad.png")
    edited, before = load_rgb(tmp_path / "sad.png"), load_rgb(photo)
    assert edited.shape == before.shape and (edited != before).any()


def test_edit_takes_an_engine_and_an_intensity(tmp_path, capsys):
    pytest.importorskip("dlib")
    argv = ["edit", "--json", "--engine", "warp", "--intensity", "0.5", "--text", "We won the cup, best day ever!",
            "--photo", str(sample_photo_path()), "--out", str(tmp_path / "happy.jpg")]
    assert main(argv) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["engine"] == "warp" and result["intensity"] == 0.5 and (tmp_path / "happy.jpg").is_file()
    assert main(argv[:2] + ["--intensity", "3"] + argv[6:]) == 2
    assert "intensity must be between 0" in capsys.readouterr().err


def test_edit_help_names_every_option(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["edit", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert all(option in out for option in ("--text", "--photo", "--out", "--generator", "--json", "--engine", "--intensity"))


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
        (["edit", "--text", "hi", "--photo", "/no/such.jpg", "--out", "x.png"], "no image file"),
        (["edit", "--text", " ", "--photo", str(sample_photo_path()), "--out", "x.png"], "empty"),
        (["demo", "--generator", "/no/such.pt"], "/no/such.pt"),
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

    Image.fromarray(np.full((300, 400, 3), 120, np.uint8)).save(tmp_path / "wall.png")
    assert main(["crop", str(tmp_path / "wall.png"), str(tmp_path / "o.png")]) == 2
    assert "no face found" in capsys.readouterr().err
    assert main(["edit", "--text", "So happy today!", "--photo", str(tmp_path / "wall.png"),
                 "--out", str(tmp_path / "o.png")]) == 2
    assert "no face found" in capsys.readouterr().err
    assert not (tmp_path / "o.png").exists()


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


def test_edit_takes_an_expression_instead_of_a_text(tmp_path, capsys):
    pytest.importorskip("dlib")
    argv = ["edit", "--json", "--expression", "sadness", "--photo", str(sample_photo_path()),
            "--out", str(tmp_path / "sad.png")]
    assert main(argv) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["emotion"] is None and result["expression"] == "sadness" and result["edited"] is True
    assert result["engine"] == "warp" and result["faces_found"] == 1 and result["faces_edited"] == [0]
    assert result["faces"][0]["engine"] == "warp" and result["faces"][0]["mouth"] in ("closed", "kept")
    assert main(argv[:1] + ["--expression", "sadness", "--face", "3", "--photo", str(sample_photo_path()),
                            "--out", str(tmp_path / "x.png")]) == 2
    assert "there is no face 3" in capsys.readouterr().err and not (tmp_path / "x.png").exists()
    with pytest.raises(SystemExit):  # a text and an expression: argparse refuses the pair
        main(["edit", "--text", "hi", "--expression", "sadness", "--photo", "p.jpg", "--out", "o.png"])


def test_classify_reads_many_posts_as_json_lines(tmp_path, capsys, monkeypatch):
    import io

    posts = "We won the final, best day ever!\n\nMy grandfather died last night.\n"
    monkeypatch.setattr("sys.stdin", io.StringIO(posts))
    assert main(["classify", "--json", "-"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["line"] for line in lines] == [1, 2, 3] and "empty" in lines[1]["error"]
    assert lines[0]["expression"] == "happiness" and lines[2]["expression"] == "sadness"
    long_post = tmp_path / "posts.txt"
    long_post.write_text("I am so happy today " * 5000 + "\n", encoding="utf-8")  # too long for an argument list
    assert main(["classify", "--file", str(long_post)]) == 0
    assert capsys.readouterr().out.startswith("1: ")
    assert main(["classify", "--file", str(tmp_path / "missing.txt")]) == 2
    assert "missing.txt" in capsys.readouterr().err


def test_an_empty_post_is_refused_before_the_model_loads(capsys, monkeypatch):
    from emoface.text import classify

    def never(*args, **kwargs):
        raise AssertionError("the model was loaded for an empty post")

    monkeypatch.setattr(classify.EmotionClassifier, "load", never)
    assert main(["classify", "  "]) == 2
    assert "empty" in capsys.readouterr().err


def test_a_checkpoint_with_pickled_code_is_refused_without_advice_to_unpickle_it(tmp_path, capsys):
    import subprocess
    import sys

    path = tmp_path / "model.pt"
    script = ("import torch\nclass Payload:\n    pass\n"
              f"torch.save({{'format': 'emoface-text/1', 'x': Payload()}}, {str(path)!r})\n")
    subprocess.run([sys.executable, "-c", script], check=True)
    assert main(["classify", "--model", str(path), "hello"]) == 2
    err = capsys.readouterr().err
    assert "not a readable PyTorch checkpoint" in err and "weights_only" not in err and err.count("\n") == 1


def test_an_interrupt_says_what_resumes_only_for_the_command_that_resumes(monkeypatch, capsys):
    import argparse

    from emoface import cli

    def interrupted(_args):
        raise KeyboardInterrupt

    for command, resumes in (("tunedmug", True), ("serve", False)):
        parser = argparse.ArgumentParser()
        parser.set_defaults(command=command, run=interrupted)
        monkeypatch.setattr(cli, "_parser", lambda parser=parser: parser)
        assert cli.main([]) == 130
        message = capsys.readouterr().err
        assert message.startswith("emoface: interrupted") and ("tunedmug resumes" in message) == resumes
