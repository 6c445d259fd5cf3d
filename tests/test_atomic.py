import pytest

from emoface.atomic import atomic_write, atomic_write_text


def test_write_then_replace(tmp_path):
    target = tmp_path / "sub" / "file.txt"
    atomic_write_text(target, "one")
    atomic_write_text(target, "two")
    assert target.read_text() == "two"
    assert [p.name for p in target.parent.iterdir()] == ["file.txt"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "ckpt.pt"
    atomic_write_text(target, "good")

    def half_then_crash(handle):
        handle.write(b"half")
        raise KeyboardInterrupt  # a Colab disconnect, say

    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, half_then_crash)
    assert target.read_text() == "good"
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.pt"]


def test_written_files_get_the_usual_permissions(tmp_path):
    import os
    import stat

    from emoface.atomic import atomic_write_text

    old = os.umask(0o022)
    try:
        path = atomic_write_text(tmp_path / "a.txt", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
