"""Pasting an edited face back: nothing changes outside the crop, no seam, no new skin tone."""

import cv2
import numpy as np
import pytest

from emoface.faces.detect import Box, cut
from emoface.faces.equalize import equalize
from emoface.faces.paste import feather_mask, paste_face, transfer_curves

SIZE = 64  # the shipped generator's size


@pytest.fixture(scope="module")
def photo(grace_hopper):
    """Grace Hopper at half size (256×300): small enough to be quick, real enough to have texture."""
    return cv2.resize(grace_hopper, (256, 300), interpolation=cv2.INTER_AREA)


def model_face(photo: np.ndarray, box: Box) -> np.ndarray:
    """What the pipeline gives the generator: the crop at model size, luminance-equalised."""
    return equalize(cv2.resize(cut(photo, box), (SIZE, SIZE), interpolation=cv2.INTER_AREA))


def outside(box: Box, shape) -> np.ndarray:
    keep = np.ones(shape[:2], bool)
    keep[max(0, box.y) : box.y + box.h, max(0, box.x) : box.x + box.w] = False
    return keep


def an_edit(face: np.ndarray) -> np.ndarray:
    """A stand-in for the generator: a bright 'mouth' in the lower middle of the face."""
    edited = face.copy()
    edited[40:50, 20:44] = np.clip(edited[40:50, 20:44].astype(int) + 60, 0, 255)
    return edited


BOX = Box(60, 50, 140, 140)


def test_pasting_the_unedited_face_back_changes_nothing(photo):
    before = model_face(photo, BOX)
    assert np.array_equal(paste_face(photo, before, BOX, original_face=before), photo)
    # Without the original, the face is the photo's own crop at full size: colour matching is an identity.
    same = paste_face(photo, cut(photo, BOX), BOX)
    assert np.abs(same.astype(int) - photo).max() <= 2


@pytest.mark.parametrize("with_original", [True, False])
def test_pixels_outside_the_crop_and_on_its_border_never_change(photo, with_original):
    before = model_face(photo, BOX)
    rng = np.random.default_rng(0)
    edited = rng.integers(0, 256, before.shape, dtype=np.uint8)  # the worst possible edit
    out = paste_face(photo, edited, BOX, original_face=before if with_original else None)
    assert out.shape == photo.shape and out.dtype == np.uint8
    assert np.array_equal(out[outside(BOX, photo.shape)], photo[outside(BOX, photo.shape)])
    # The seam: along the crop square's border the mask is 0, so the photo is untouched there too.
    x0, y0, x1, y1 = BOX.x, BOX.y, BOX.x + BOX.w - 1, BOX.y + BOX.h - 1
    for edge in (np.s_[y0, x0 : x1 + 1], np.s_[y1, x0 : x1 + 1], np.s_[y0 : y1 + 1, x0], np.s_[y0 : y1 + 1, x1]):
        assert np.array_equal(out[edge], photo[edge])
    assert np.abs(out.astype(int) - photo).max() > 50  # ... while the face itself did change


def test_the_photo_itself_is_not_modified(photo):
    copy = photo.copy()
    paste_face(photo, an_edit(model_face(photo, BOX)), BOX, original_face=model_face(photo, BOX))
    assert np.array_equal(photo, copy)


@pytest.mark.parametrize("box", [Box(-40, -30, 120, 120), Box(180, 220, 100, 100), Box(-10, 100, 300, 300)])
def test_a_crop_box_that_leaves_the_photo_is_clipped(photo, box):
    before = model_face(photo, box)  # cut() edge-replicates the missing part, as the detector does
    out = paste_face(photo, an_edit(before), box, original_face=before)
    assert out.shape == photo.shape and out.dtype == np.uint8
    assert np.array_equal(out[outside(box, photo.shape)], photo[outside(box, photo.shape)])
    assert not np.array_equal(out, photo)
    assert np.array_equal(paste_face(photo, before, box, original_face=before), photo)


def test_a_box_wholly_outside_the_photo_changes_nothing(photo):
    face = np.zeros((SIZE, SIZE, 3), np.uint8)
    assert np.array_equal(paste_face(photo, face, Box(1000, 1000, 50, 50)), photo)


def test_the_equalised_domain_does_not_show_in_the_paste(photo):
    dark = (photo * 0.45).astype(np.uint8)  # an underexposed photo: equalisation brightens it a lot
    before = model_face(dark, BOX)
    inside = ~outside(BOX, dark.shape)
    # Pasting the equalised face as it is would brighten the face; matching brings the photo's tone back.
    raw = paste_face(dark, before, BOX, match_colour=False)
    matched = paste_face(dark, before, BOX)
    assert raw[inside].mean() - dark[inside].mean() > 15
    assert abs(matched[inside].mean() - dark[inside].mean()) < 3
    # In the difference paste, a change of +60 equalised levels is a smaller one in the dark photo's levels.
    edited = an_edit(before)
    raw_change = paste_face(dark, edited, BOX, before, match_colour=False).astype(int) - dark
    change = paste_face(dark, edited, BOX, before).astype(int) - dark
    assert 0 < change.max() < raw_change.max()


def test_the_mask_is_one_in_the_middle_and_zero_on_the_border():
    mask = feather_mask(101, 81, feather=0.2)
    assert mask.shape == (101, 81) and mask.dtype == np.float32
    assert mask[50, 40] == 1.0 and mask.min() == 0.0 and mask.max() == 1.0
    assert not mask[0].any() and not mask[-1].any() and not mask[:, 0].any() and not mask[:, -1].any()
    row = mask[50, :41]
    assert np.all(np.diff(row) >= 0)  # a smooth, monotone falloff toward the edge
    with pytest.raises(ValueError, match="feather"):
        feather_mask(10, 10, feather=0.0)


def test_transfer_curves_undo_a_tone_curve():
    rng = np.random.default_rng(1)
    source = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
    target = (0.5 * source + 20).astype(np.float32)  # a known mapping to recover
    curves = transfer_curves(source, target)
    assert curves.shape == (3, 256) and np.all(np.diff(curves, axis=1) >= 0)
    assert np.abs(curves[:, 30:226] - (0.5 * np.arange(30, 226) + 20)).max() < 1.5


def test_the_colour_lookup_gives_back_what_clipping_took_and_keeps_colours_the_face_had_not():
    """Brightened and clipped (as equalising clips bright skin's red), two skin tones no longer differ in red;
    a curve on each channel alone cannot part them, the joint lookup can. A colour the face did not have
    gets its fallback."""
    from emoface.faces.paste import colour_lookup

    photo = np.zeros((32, 32, 3), np.float32)
    photo[:16] = (200, 150, 120)  # two skins: the second redder and darker
    photo[16:] = (230, 115, 85)
    equalised = np.clip(photo * 1.3, 0, 255).astype(np.uint8)  # both reds clip to 255
    assert (equalised[:, :, 0] == 255).all()
    by_channel = equalised / 1.3  # what undoing each channel alone gives: one red (196) for both skins
    mapped = colour_lookup(equalised, photo, equalised, by_channel)
    assert np.abs(by_channel - photo).max() > 30
    assert np.abs(mapped - photo).max() < 3  # each skin back to its own red
    unseen = np.zeros_like(equalised)
    unseen[:] = (20, 200, 20)  # a green no pixel of the face has
    assert np.abs(colour_lookup(equalised, photo, unseen, np.full_like(photo, 77.0)) - 77.0).max() < 1


def test_bad_inputs_say_what_to_pass(photo):
    face = np.zeros((SIZE, SIZE, 3), np.uint8)
    with pytest.raises(ValueError, match="square"):
        paste_face(photo, np.zeros((64, 32, 3), np.uint8), BOX)
    with pytest.raises(ValueError, match="same shape"):
        paste_face(photo, face, BOX, original_face=np.zeros((32, 32, 3), np.uint8))
    with pytest.raises(ValueError, match="uint8"):
        paste_face(photo.astype(np.float32), face, BOX)
    with pytest.raises(ValueError, match="empty"):
        paste_face(photo, face, Box(0, 0, 0, 0))


def test_a_moved_feature_leaves_no_ghost_of_the_photo_s_sharper_old_one():
    """A brow moved up: the photo's sharp old brow must go, though the 64-pixel face it was taken from
    holds only a soft version of it; the photo's pixels where nothing moved stay as they were."""
    from emoface.faces.paste import MOVED, moved_weight

    photo = np.full((256, 256, 3), 170, np.uint8)
    photo[100:104, 80:176] = 40  # the old brow: 4 pixels high in the photo, one at 64×64
    photo[200:256:2, :] = 160  # fine texture far from the brow
    box = Box(0, 0, 256, 256)
    before = cv2.resize(photo, (SIZE, SIZE), interpolation=cv2.INTER_AREA)
    after = cv2.resize(np.full_like(photo, 170), (SIZE, SIZE), interpolation=cv2.INTER_AREA)
    after[16:24] = before[16:24]  # the far texture, unchanged by the edit
    after[18:20, 20:44] = 40  # the brow, higher up
    after[48:] = before[48:]
    pasted = paste_face(photo, after, box, original_face=before, match_colour=False)
    old_brow = pasted[100:104, 96:160].astype(int)
    assert np.abs(old_brow - 170).max() < 12  # skin where the brow was (the change alone left it darker)
    assert pasted[74:78, 96:160].mean() < 100  # the new brow is there
    assert np.array_equal(pasted[224:256], photo[224:256])  # nothing moved: the photo's own pixels
    assert moved_weight(np.zeros((8, 8, 3), np.float32)).max() == 0
    assert moved_weight(np.full((8, 8, 3), MOVED + 1, np.float32)).min() == 1


def test_an_old_line_the_edit_takes_away_leaves_no_ghost_though_it_barely_changed_the_small_face():
    """A crease one pixel wide in the photo is a quarter of a pixel at 64×64: taking it away changes the small
    face by less than MOVED, so the change alone would leave most of the photo's sharp line. Where the edit
    lowers the small face's fine detail, the edited face itself is pasted."""
    from emoface.faces.paste import LOST_DETAIL, MOVED, lost_detail_weight

    photo = np.full((256, 256, 3), 170, np.uint8)
    photo[101, 64:192] = 100  # the old crease
    box = Box(0, 0, 256, 256)
    before = cv2.resize(photo, (SIZE, SIZE), interpolation=cv2.INTER_AREA)
    after = np.full_like(before, 170)  # the crease gone, nothing else changed
    assert np.abs(after.astype(float) - before).max() < MOVED
    lost = lost_detail_weight(after.astype(np.float32), before.astype(np.float32))
    assert lost[25, 16:48].min() == 1 and lost[:20].max() == 0 and lost[31:].max() == 0
    assert lost_detail_weight(before.astype(np.float32), after.astype(np.float32)).max() == 0  # a line drawn: not lost
    pasted = paste_face(photo, after, box, original_face=before, match_colour=False)
    assert np.abs(pasted[101, 80:176].astype(int) - 170).max() < 8  # skin where the crease was
    ghost = paste_face(photo, after, box, original_face=before, match_colour=False, lost_detail=float("inf"))
    assert np.abs(ghost[101, 80:176].astype(int) - 170).max() > 30  # without it, the crease stays half there
    assert LOST_DETAIL < MOVED


def test_a_faint_line_the_erase_fills_and_the_generator_also_takes_away_is_not_taken_away_twice():
    """A forehead's line: the wrinkle erase fills it at the photo's size, and the generator, which saw it faintly at
    64², brightens it away too. Added to the filled photo, that brightening left a pale streak; it counts once."""
    photo = np.full((256, 256, 3), 170, np.uint8)
    photo[101:103, 64:192] = 155  # a faint line, 2 pixels: half a pixel of the 64² face
    box = Box(0, 0, 256, 256)
    before = cv2.resize(photo, (SIZE, SIZE), interpolation=cv2.INTER_AREA)
    after = np.full_like(before, 170)  # the generator took it away
    everywhere = np.ones((SIZE, SIZE), np.float32)
    once = paste_face(photo, after, box, original_face=before, match_colour=False, erase=everywhere)
    # with ``deep`` (here empty: the same erase) the engine has G redraw the erased crop, so the change is added whole
    twice = paste_face(photo, after, box, original_face=before, match_colour=False, erase=everywhere,
                       deep=np.zeros((SIZE, SIZE), np.float32))
    assert twice[96:108, 80:176].astype(int).max() - 170 > 2  # filled and brightened: a pale streak
    assert np.abs(once[96:108, 80:176].astype(int) - 170).max() <= 1  # counted once: the skin
    # where the generator left the line alone, nothing is taken off its change: the filled skin, no dark remnant
    left_alone = paste_face(photo, before, box, original_face=before, match_colour=False, erase=everywhere)
    assert np.abs(left_alone[96:108, 80:176].astype(int) - 170).max() <= 1


def test_a_face_equalised_on_brightness_is_undone_on_brightness_and_keeps_its_colours(photo):
    """The engine equalises Y alone; undone with one brightness curve, a colour the face did not have
    (a red lip the generator painted) keeps the colour it was painted in, and the unedited face maps
    back nearer the photo than with per-channel curves, which are shaped by the face's own colours."""
    from emoface.faces.paste import _levels

    box = Box(60, 50, 140, 140)
    before = model_face(photo, box)  # luminance-equalised, as the engine does
    lips = before.copy()
    lips[44:48, 24:40] = (170, 40, 40)
    region = cut(photo, box).astype(np.float32)
    small = cv2.resize(cut(photo, box), (SIZE, SIZE), interpolation=cv2.INTER_AREA).astype(np.float32)
    by_brightness, unedited = _levels(lips, before, region, "luminance")
    _, unedited_by_channel = _levels(lips, before, region, "per_channel")
    chroma = lambda image: cv2.cvtColor(np.clip(np.round(image), 0, 255).astype(np.uint8), cv2.COLOR_RGB2YCrCb)[..., 1:]
    painted = chroma(lips)[44:48, 24:40].astype(int)
    assert np.abs(chroma(by_brightness)[44:48, 24:40].astype(int) - painted).max() <= 2  # the red kept
    assert np.abs(unedited - small).mean() < np.abs(unedited_by_channel - small).mean()
    pasted = paste_face(photo, before, box, original_face=before, equalization="luminance")
    assert np.array_equal(pasted, photo)  # nothing edited, nothing changed
