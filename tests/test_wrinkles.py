"""Erasing the old expression's wrinkles: where (the map), what (faint thin dark lines only), and in the engine."""

import cv2
import numpy as np
import pytest

from emoface.faces.wrinkles import (DARK, DEEP_FAINT, FAINT, GRAIN, WrinkleMap, deep_region, draw_wrinkle_map,
                                    erase_region, erase_sharp_part, erase_thin_lines, fold_region, load_wrinkle_map,
                                    save_wrinkle_map)

SKIN = 180


def skin(side: int = 256) -> np.ndarray:
    """A plain face crop, with a broad darker band (shading) that must survive."""
    region = np.full((side, side, 3), SKIN, np.float32)
    region[200:240] -= 60  # 40 pixels high: shading, far wider than the closing's disc
    return region


def test_a_faint_thin_line_is_filled_and_a_dark_one_a_broad_band_the_grain_and_everything_outside_stay():
    region = skin()
    region[150:190:2, ::2] -= GRAIN  # the skin's grain: shallower than a line
    region[60:62, 40:216] -= FAINT - 5  # a wrinkle: 2 pixels, faint
    region[64:66, 40:216] += 20  # its highlight: 2 pixels, pale
    region[120:122, 40:216] -= DARK + 20  # a lash line or a frame: 2 pixels, dark
    where = np.zeros((64, 64), np.float32)
    where[5:60, 5:60] = 1.0
    erased = erase_thin_lines(region, where, np.full((64, 64, 3), SKIN, np.uint8))
    assert np.abs(erased[60:66, 60:200] - SKIN).max() < 1  # the wrinkle and its highlight are gone
    assert np.array_equal(erased[120:122, 60:200], region[120:122, 60:200])  # the dark line stays
    assert np.allclose(erased[210:230, 60:200], region[210:230, 60:200])  # the shading stays
    assert np.array_equal(erased[150:190, 60:200], region[150:190, 60:200])  # so does the grain
    nowhere = erase_thin_lines(region, np.zeros((64, 64), np.float32), np.full((64, 64, 3), SKIN, np.uint8))
    assert np.array_equal(nowhere, region)


def test_a_line_the_generator_draws_itself_is_kept():
    """A glasses frame is thick enough for the 64-pixel generator to draw; a wrinkle is not. Where the edited
    small face has a dark line, the photo's line stays, however faint."""
    region = skin()
    region[60:62, 40:216] -= FAINT - 5
    edited = np.full((64, 64, 3), SKIN, np.uint8)
    edited[15, 10:54] = SKIN - 40  # the generator drew a line there
    where = np.ones((64, 64), np.float32)
    erased = erase_thin_lines(region, where, edited)
    assert np.array_equal(erased[60:62, 60:200], region[60:62, 60:200])


def test_a_short_line_the_generator_only_copied_goes_a_long_one_or_one_it_draws_deep_stays():
    """A smile's crow's foot that the generator copied faintly where its mask kept the photo is erased; a faint
    glasses frame's arm, as faint in both, stays because it is long in the photo; a short line the small face
    draws deep (an eye's lid) stays; the fold softening keeps the plain gate."""
    region = skin()
    region[60:62, 40:216] -= FAINT - 5  # a frame's arm: 44 pixels of the small face
    region[100:102, 40:72] -= FAINT - 5  # a crow's foot: 8 pixels of the small face
    region[140:142, 40:72] -= FAINT - 5  # a lid's crease, as short
    edited = np.full((64, 64, 3), SKIN, np.uint8)
    edited[15, 10:54] = SKIN - 20  # the generator shows the arm and the crow's foot faintly (10-30 levels)
    edited[25, 10:18] = SKIN - 20
    edited[35, 10:18] = SKIN - 40  # and draws the lid deep
    where = np.ones((64, 64), np.float32)
    erased = erase_thin_lines(region, where, edited)
    assert np.abs(erased[100:102, 44:68] - SKIN).max() < 1  # the crow's foot is gone
    assert np.array_equal(erased[60:62, 60:200], region[60:62, 60:200])  # the arm stays
    assert np.array_equal(erased[140:142, 44:68], region[140:142, 44:68])  # the lid stays
    plain_gate = erase_thin_lines(region, where, edited, short_copies=False)
    assert np.array_equal(plain_gate[100:102, 44:68], region[100:102, 44:68])  # the old gate kept the crow's foot
    softened = erase_sharp_part(region, where, edited)
    assert np.array_equal(softened[100:102, 44:68], region[100:102, 44:68])


def test_near_a_line_the_generator_draws_deep_only_the_photo_s_line_that_reaches_into_it_stays():
    """The gate round a line G draws 30 levels deep (an eye's lid) reaches a pixel of the small face beyond it, for
    the photo's own eye a pixel off G's. Only a photo line that reaches into G's line keeps that reprieve: a crow's
    foot or a lower-lid line that only comes near is erased."""
    region = skin()
    edited = np.full((64, 64, 3), SKIN, np.uint8)
    edited[30, 10:30] = SKIN - 40  # G's lid: photo rows 120-123, columns 40-119
    region[126:128, 60:100] -= FAINT - 5  # the photo's lid, a pixel of the small face lower ...
    region[121:128, 98:100] -= FAINT - 5  # ... and reaching up into G's line at one end
    region[126:128, 104:118] -= FAINT - 5  # a crow's foot as near, apart from it
    erased = erase_thin_lines(region, np.ones((64, 64), np.float32), edited)
    # the lid stays, but for the gate's soft edge
    assert np.abs(erased[126:128, 62:96] - region[126:128, 62:96]).max() < (FAINT - 5) / 2
    assert np.abs(erased[126:128, 106:116] - SKIN).max() < 1  # the crow's foot goes


def test_a_deep_short_line_goes_where_the_deep_wrinkles_are_a_wide_one_the_small_face_shows_stays():
    """A sneer's bridge line is as deep as a lash: outside the deep region it stays, inside it goes, even where the
    small face shows it deep (it copies the line, and on a dark skin its equalised copy is deep); a frame there, wide
    in the photo and shown by the small face, stays, but a line only long (a bridge line joined to the nose's side
    line) goes; a line deeper than any wrinkle stays."""
    region = skin()
    region[60:62, 40:216] -= DEEP_FAINT - 10  # a frame's bridge: long
    region[100:102, 40:72] -= DEEP_FAINT - 10  # a bridge line: 8 pixels of the small face
    region[100:102, 140:172] -= DEEP_FAINT - 10  # the same line outside the deep region
    region[140:142, 40:72] -= 170  # a lash on a light skin
    region[146:200, 100:102] -= FAINT - 5  # a bridge line joined to the nose's side line: long, not wide
    region[146:200, 200:202] -= FAINT - 5  # the same outside the deep region
    edited = np.full((64, 64, 3), SKIN, np.uint8)
    edited[15, 10:54] = SKIN - 40  # the small face shows the frame and the bridge line deep
    edited[25, 10:18] = SKIN - 40
    edited[37:50, 25] = edited[37:50, 50] = SKIN - 20  # and the long lines faintly
    where = np.ones((64, 64), np.float32)
    deep = np.zeros((64, 64), np.float32)
    deep[:, :30] = 1.0
    erased = erase_thin_lines(region, where, edited, deep=deep)
    assert np.abs(erased[100:102, 44:68] - SKIN).max() < 1  # the bridge line is gone
    assert np.array_equal(erased[100:102, 144:168], region[100:102, 144:168])  # outside the deep region it stays
    assert np.array_equal(erased[60:62, 44:100], region[60:62, 44:100])  # the frame stays
    assert np.array_equal(erased[140:142, 44:68], region[140:142, 44:68])  # the lash stays
    assert np.abs(erased[150:195, 100:102] - SKIN).max() < 1  # the long narrow line goes in the deep region
    assert np.array_equal(erased[150:195, 200:202], region[150:195, 200:202])  # and stays outside it
    nowhere_deep = erase_thin_lines(region, where, edited, deep=np.zeros((64, 64), np.float32))
    assert np.array_equal(erase_thin_lines(region, where, edited), nowhere_deep)  # an empty region: the plain erase


def test_a_fold_loses_only_what_the_small_face_cannot_show():
    """The generator sees a fold and its change takes the fold's 64-pixel version away: the photo keeps that
    version (filled as well, the change's brightening would leave a pale line) and loses the sharp rest."""
    region = skin()
    region[60:62, 40:216] -= FAINT - 5  # a faint fold, 2 pixels at 256: half a pixel of the small face
    where = np.ones((64, 64), np.float32)
    softened = erase_sharp_part(region, where, np.full((64, 64, 3), SKIN, np.uint8))
    small = lambda image: cv2.resize(image, (64, 64), interpolation=cv2.INTER_AREA)
    assert np.abs(small(softened) - small(region))[10:20, 12:52].max() < 3  # what the small face holds stays
    sharp = lambda image: np.abs(image - cv2.blur(image, (3, 3)))[56:68, 60:200].mean()  # the fine detail
    assert sharp(softened) < 0.3 * sharp(region)  # the sharp line does not
    assert np.allclose(softened[200:240], region[200:240], atol=1)  # the shading stays
    edited = np.full((64, 64, 3), SKIN, np.uint8)
    edited[15, 10:54] = SKIN - 40  # the generator drew a line there: it is kept, sharp
    assert np.array_equal(erase_sharp_part(region, where, edited)[60:62, 60:200], region[60:62, 60:200])


@pytest.fixture(scope="module")
def shipped():
    return load_wrinkle_map()


def test_the_region_is_the_source_s_wrinkles_less_the_target_s_own(shipped):
    forehead = erase_region(shipped, "surprise", "neutral")
    assert forehead.shape == (64, 64) and 0 <= forehead.min() and forehead.max() <= 1
    assert forehead[:16].max() > 0.9 and forehead[40:].max() == 0  # the forehead, not the mouth
    assert erase_region(shipped, "neutral", "surprise").max() == 0  # a neutral face has no wrinkles to lose
    assert erase_region(shipped, "surprise", "surprise").max() == 0
    # fear draws shorter forehead lines: the surprised lines' ends go, the middle stays
    assert 0 < erase_region(shipped, "surprise", "fear").sum() < 0.7 * forehead.sum()
    crow_s_feet = erase_region(shipped, "happiness", "sadness")
    assert crow_s_feet[14:34].max() > 0.9 and crow_s_feet[:10].max() == 0
    # an angry face has lines under its eyes: those stay, the crow's feet beside them go
    assert 0 < erase_region(shipped, "happiness", "anger").sum() < crow_s_feet.sum()
    with pytest.raises(ValueError, match="unknown expression 'smug'"):
        erase_region(shipped, "smug", "neutral")


def test_the_folds_region_is_the_source_s_folds_less_the_target_s(shipped):
    folds = fold_region(shipped, "happiness", "neutral")
    assert folds.shape == (64, 64) and folds[36:56].max() > 0.9 and folds[:26].max() < 0.01  # beside the mouth
    assert fold_region(shipped, "neutral", "happiness").max() == 0  # a neutral face has none
    assert fold_region(shipped, "surprise", "neutral").max() == 0  # nor a surprised one
    assert fold_region(shipped, "happiness", "happiness").max() == 0
    # a disgusted face has folds of its own (one side deeper): a smile's folds there stay
    assert 0 < fold_region(shipped, "happiness", "disgust").sum() < 0.6 * folds.sum()


def test_the_deep_region_is_a_sneer_s_bridge_inside_its_wrinkles(shipped):
    deep = deep_region(shipped, "disgust", "neutral")
    assert deep.shape == (64, 64) and deep.max() > 0.9
    assert (deep <= erase_region(shipped, "disgust", "neutral") + 1e-6).all()  # inside the erased wrinkles
    rows, cols = np.nonzero(deep > 0.5)
    assert 26 <= cols.mean() <= 38 and cols.max() - cols.min() < 20  # across the nose, not the cheeks
    for source in ("happiness", "surprise", "fear", "neutral"):
        assert deep_region(shipped, source, "neutral").max() == 0  # no other expression draws them


def test_the_shipped_map_comes_from_training_people_and_is_drawn_again_the_same_way(shipped, tmp_path):
    assert shipped.record["people"] == "0-199" and shipped.record["data"] == "SynthFaces"  # never held-out people
    drawn = draw_wrinkle_map(range(2), workers=1, progress=False)
    assert drawn.classes == shipped.classes and drawn.wrinkles.shape == shipped.wrinkles.shape
    neutral, surprise = drawn.classes.index("neutral"), drawn.classes.index("surprise")
    assert drawn.wrinkles[neutral].max() == 0 and drawn.wrinkles[surprise][:16].max() > 0
    path = save_wrinkle_map(tmp_path / "map.npz", drawn)
    again = load_wrinkle_map(path)
    assert drawn.folds[neutral].max() == 0 and drawn.folds[drawn.classes.index("happiness")][36:56].max() > 0
    assert again.record == drawn.record and np.array_equal(again.wrinkles, drawn.wrinkles)
    assert np.array_equal(again.folds, drawn.folds)
    (tmp_path / "bad.npz").write_bytes(b"not a map")
    with pytest.raises(ValueError, match="not a wrinkle map.*make_wrinkle_map.py"):
        load_wrinkle_map(tmp_path / "bad.npz")
    assert np.array_equal(again.deep, drawn.deep) and drawn.deep[drawn.classes.index("disgust")].max() > 0
    with pytest.raises(ValueError, match="classes"):
        WrinkleMap(("a",), np.zeros((2, 4, 4), np.float32), {}, folds=np.zeros((2, 4, 4), np.float32),
                   deep=np.zeros((2, 4, 4), np.float32))
    with pytest.raises(ValueError, match="folds"):
        WrinkleMap(("a",), np.zeros((1, 4, 4), np.float32), {}, folds=np.zeros((1, 8, 8), np.float32),
                   deep=np.zeros((1, 4, 4), np.float32))
    with pytest.raises(ValueError, match="deep"):
        WrinkleMap(("a",), np.zeros((1, 4, 4), np.float32), {}, folds=np.zeros((1, 4, 4), np.float32),
                   deep=np.zeros((1, 8, 8), np.float32))
    old_file = tmp_path / "wrinkles_only.npz"  # a map from before the folds were drawn
    np.savez(old_file, classes=np.array(drawn.classes), wrinkles=drawn.wrinkles, record=np.array("{}"))
    with pytest.raises(ValueError, match="not a wrinkle map.*make_wrinkle_map.py"):
        load_wrinkle_map(old_file)
    no_deep = tmp_path / "no_deep.npz"  # ... and from before the deep wrinkles were
    np.savez(no_deep, classes=np.array(drawn.classes), wrinkles=drawn.wrinkles, folds=drawn.folds,
             record=np.array("{}"))
    with pytest.raises(ValueError, match="not a wrinkle map.*make_wrinkle_map.py"):
        load_wrinkle_map(no_deep)


def edits_with_and_without(pipeline, photo: np.ndarray, target: str, attribute: str, off):
    """The pipeline's StarGAN edit of ``photo`` as it is, and again with the engine's ``attribute`` set to ``off``
    (put back after)."""
    engine = pipeline.stargan
    edited = pipeline.edit_expression(photo, target, engine="stargan")
    kept_value = getattr(engine, attribute)
    setattr(engine, attribute, off)
    try:
        return edited, pipeline.edit_expression(photo, target, engine="stargan")
    finally:
        setattr(engine, attribute, kept_value)


def error_on_old_lines(scenes: dict, source: str, target: str, box, region: np.ndarray, depth: float,
                       **edits) -> tuple[int, dict[str, float]]:
    """(how many pixels, each edit's mean |photo − truth| there) on the source's old lines inside ``region`` (bool at
    ``box``'s size): thin lines at least ``depth`` levels dark under a 7-pixel closing in the source scene, none in
    the target's."""
    inside = (slice(box.y, box.y + box.h), slice(box.x, box.x + box.w))
    before, truth = (scenes[e][inside].astype(np.float32) for e in (source, target))
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (7, 7))
    thin = lambda image: (cv2.morphologyEx(image, cv2.MORPH_CLOSE, disc) - image).mean(2)
    lines = region & (thin(before) > depth) & (thin(truth) < 3)
    return int(lines.sum()), {name: float(np.abs(result.photo[inside].astype(np.float32) - truth).mean(2)[lines].mean())
                              for name, result in edits.items()}


def test_the_engine_erases_a_surprised_forehead_s_lines_under_a_new_expression_and_says_so():
    """A held-out person's surprised scene redrawn as neutral (one whose forehead shows its lines: no fringe, light
    skin): on the lines (thin and dark in the surprised scene, not in the true neutral one, in the crop's top third)
    the edit is nearer the truth with the map than without it."""
    from emoface.pipeline import Pipeline
    from emoface.stargan.reader import person_scenes

    pipeline = Pipeline(cache_size=0)
    engine = pipeline.stargan
    assert engine.wrinkles is not None  # the shipped generator was trained on SynthFaces
    scenes = person_scenes(1_000_002)
    box = engine.crop(scenes["surprise"]).crop_box
    edited, kept = edits_with_and_without(pipeline, scenes["surprise"], "neutral", "wrinkles", None)
    assert edited.edited and kept.edited and edited.records[0]["wrinkles_erased"]
    top = (slice(box.y, box.y + box.h // 3), slice(box.x, box.x + box.w))
    source, truth = (scenes[e][top].astype(np.float32) for e in ("surprise", "neutral"))
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (7, 7))
    thin = lambda image: (cv2.morphologyEx(image, cv2.MORPH_CLOSE, disc) - image).mean(2)  # thin dark lines' depth
    lines = (thin(source) > 10) & (thin(truth) < 3) & (np.abs(source - truth).mean(2) > 8)
    assert lines.sum() > 200
    error = {name: np.abs(result.photo[top].astype(np.float32) - truth).mean(2)[lines].mean()
             for name, result in (("erased", edited), ("kept", kept))}
    assert error["erased"] < 0.7 * error["kept"], error
    untouched = pipeline.edit_expression(scenes["surprise"], "neutral", engine="stargan", intensity=0.0)
    assert all(not record.get("wrinkles_erased") for record in untouched.records)  # intensity 0 erases nothing
    surprised = pipeline.edit_expression(scenes["neutral"], "surprise", engine="stargan")
    assert surprised.edited and not surprised.records[0]["wrinkles_erased"]  # a neutral face has none to lose


def test_the_engine_softens_a_smile_s_folds_on_a_dark_skin_and_says_so():
    """A held-out dark-skinned person's smiling scene redrawn as neutral: a fold there is faint, G's change on it
    stays under the paste's thresholds, and the photo's sharp fold stayed. On the folds' lines (the map's fold
    region, thin and dark in the smile, not in the truth) the edit is nearer the truth with the softening than
    without it."""
    from emoface.pipeline import Pipeline
    from emoface.stargan.reader import person_scenes

    pipeline = Pipeline(cache_size=0)
    engine = pipeline.stargan
    assert engine.soften_folds  # on in the pipeline
    scenes = person_scenes(1_000_078)
    box = engine.crop(scenes["happiness"]).crop_box
    softened, kept = edits_with_and_without(pipeline, scenes["happiness"], "neutral", "soften_folds", False)
    assert softened.records[0]["folds_softened"] and softened.records[0]["wrinkles_erased"]
    assert kept.records[0]["wrinkles_erased"] and not kept.records[0]["folds_softened"]
    folds = cv2.resize(fold_region(engine.wrinkles, "happiness", "neutral"), (box.w, box.h)) > 0.5
    lines, error = error_on_old_lines(scenes, "happiness", "neutral", box, folds, 6, softened=softened, kept=kept)
    assert lines > 100
    assert error["softened"] < 0.8 * error["kept"], error
    surprised = pipeline.edit_expression(scenes["surprise"], "neutral", engine="stargan")
    assert surprised.edited and not surprised.records[0]["folds_softened"]  # a surprised face has no folds


def test_the_map_is_used_only_for_generators_framed_as_it_was_drawn():
    from emoface.engines.stargan import wrinkle_map_for
    from emoface.labels import FACE_EXPRESSIONS

    assert wrinkle_map_for({"dataset": "synthfaces"}, FACE_EXPRESSIONS) is not None
    assert wrinkle_map_for({"dataset": "tunedmug"}, FACE_EXPRESSIONS) is None  # other faces, other framing
    assert wrinkle_map_for({"dataset": "synthfaces", "haar_margin": 0.15}, FACE_EXPRESSIONS) is None
    assert wrinkle_map_for({"dataset": "synthfaces"}, ("black_hair", "blond_hair")) is None


def test_the_scene_grading_can_leave_the_wrinkles_or_the_folds_and_start_from_other_faces():
    import json
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "scripts" / "evaluate_pipeline_scenes.py"
    run = subprocess.run([sys.executable, str(script), "--people", "1", "--sources", "surprise", "--keep-wrinkles",
                          "--threads", "1", "--json"], capture_output=True, text=True, check=True)
    graded = json.loads(run.stdout)
    assert graded["sources"] == ["surprise"] and not graded["wrinkles_erased"] and graded["edits"] == 6
    assert not graded["folds_softened"]
    run = subprocess.run([sys.executable, str(script), "--people", "1", "--sources", "happiness", "--keep-folds",
                          "--threads", "1", "--json"], capture_output=True, text=True, check=True)
    graded = json.loads(run.stdout)
    assert graded["wrinkles_erased"] and not graded["folds_softened"] and graded["edits"] == 6
    assert 0 < graded["map_lines_left"] < 1 and 0 < graded["thin_lines_left"] < 1
    refused = subprocess.run([sys.executable, str(script), "--sources", "smug"], capture_output=True, text=True)
    assert refused.returncode == 2 and "unknown source expressions ['smug']" in refused.stderr


def test_the_engine_erases_a_sneer_s_bridge_lines_and_redraws_the_face_without_them():
    """A sneer redrawn as neutral: G sees the bridge lines (deep as a lash) and copies them (on this dark skin its
    equalised copy passed the erase's strong gate, and the lines stayed in full); with the deep wrinkles in the map
    they are filled and G draws the face again without them. On the lines (thin and dark in the sneer, not in the
    true neutral face, inside the deep region) the edit is nearer the truth than with a map without deep wrinkles,
    and G's input is the crop with them filled."""
    import dataclasses

    import torch

    from emoface.pipeline import Pipeline
    from emoface.stargan.figures import to_tensor
    from emoface.stargan.reader import person_scenes

    pipeline = Pipeline(cache_size=0)
    engine = pipeline.stargan
    scenes = person_scenes(2_000_003)  # a tuning person, dark-skinned
    box = engine.crop(scenes["disgust"]).crop_box
    shallow = dataclasses.replace(engine.wrinkles, deep=np.zeros_like(engine.wrinkles.deep))
    deep, kept = edits_with_and_without(pipeline, scenes["disgust"], "neutral", "wrinkles", shallow)
    assert deep.records[0]["deep_wrinkles_erased"] and not kept.records[0]["deep_wrinkles_erased"]
    assert kept.records[0]["wrinkles_erased"]  # the faint wrinkles are erased either way
    region = cv2.resize(deep_region(engine.wrinkles, "disgust", "neutral"), (box.w, box.h)) > 0.5
    lines, error = error_on_old_lines(scenes, "disgust", "neutral", box, region, 10, deep=deep, kept=kept)
    assert lines > 50
    assert error["deep"] < 0.5 * error["kept"], error
    assert not np.array_equal(deep.face_before, kept.face_before)  # G was shown the crop without them
    x = to_tensor(np.array(deep.face_before))  # the second look asks G for the target's domain alone: the same faces
    assert torch.allclose(engine.all_domains(x, [4, 1])[0][0], engine.all_domains(x)[0][0][[4, 1]], atol=1e-5)
    happy = pipeline.edit_expression(scenes["happiness"], "neutral", engine="stargan")
    assert happy.records[0]["wrinkles_erased"] and not happy.records[0]["deep_wrinkles_erased"]
