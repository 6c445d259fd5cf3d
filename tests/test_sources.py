import shutil

from emoface.datasets.sources import face_source, mug_folder, prepare_tunedmug


def test_synthfaces_is_the_fallback_and_mug_wins_when_present(isolated_dirs, fake_mug):
    assert face_source("smoke", progress=False).name == "synth"
    shutil.copytree(fake_mug, mug_folder())
    source = face_source("smoke", progress=False)
    assert source.name == "mug" and any(r.subject == "090" for r in source.records)


def test_variants_get_their_own_folders(isolated_dirs):
    plain, report, source = prepare_tunedmug("smoke", progress=False)
    frames = prepare_tunedmug("smoke", equalize="none", crop=False, progress=False).folder
    assert source == "synth"
    assert plain != frames and plain.name == "tunedmug-synth-smoke-crop-luminance"
    assert report["written"] > 0.9 * report["sources"]  # the Haar cascade finds the drawn faces
