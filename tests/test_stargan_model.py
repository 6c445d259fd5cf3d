import pytest
import torch

from emoface.stargan.model import Discriminator, Generator, count_parameters


def test_paper_size_parameter_counts():
    # The official StarGAN at 128×128 (conv_dim 64, 6 blocks): G 8.43 M, D 44.8 M parameters.
    assert round(count_parameters(Generator(64, c_dim=5, repeat_num=6)) / 1e6, 2) == 8.43
    assert round(count_parameters(Discriminator(128, 64, c_dim=5, repeat_num=6)) / 1e6, 1) == 44.8


def test_official_state_dict_names_and_shapes():
    g = Generator(64, c_dim=5).state_dict()
    assert tuple(g["main.0.weight"].shape) == (64, 8, 7, 7)
    assert tuple(g["main.9.main.0.weight"].shape) == (256, 256, 3, 3)  # first residual block
    assert "main.1.running_mean" in g and tuple(g["main.21.weight"].shape) == (3, 64, 7, 7)
    d = Discriminator(128, 64, c_dim=5).state_dict()
    assert tuple(d["main.0.weight"].shape) == (64, 3, 4, 4) and "main.0.bias" in d
    assert tuple(d["conv1.weight"].shape) == (1, 2048, 3, 3) and tuple(d["conv2.weight"].shape) == (5, 2048, 2, 2)


def test_shapes_at_a_small_size():
    g, d = Generator(8, c_dim=7, repeat_num=2), Discriminator(32, 8, c_dim=7, repeat_num=3)
    x, c = torch.rand(2, 3, 32, 32) * 2 - 1, torch.eye(7)[[1, 4]]
    y = g(x, c)
    assert y.shape == x.shape and y.abs().max() <= 1
    src, cls = d(y)
    assert src.shape == (2, 1, 4, 4) and cls.shape == (2, 7)


def test_the_label_changes_the_output():
    g = Generator(8, c_dim=7, repeat_num=1).eval()
    x = torch.rand(1, 3, 16, 16)
    assert not torch.allclose(g(x, torch.eye(7)[[0]]), g(x, torch.eye(7)[[3]]))


def test_image_size_must_fit_the_discriminator():
    with pytest.raises(ValueError, match="divisible"):
        Discriminator(100, 8, c_dim=7, repeat_num=6)


def test_a_new_open_mouth_keeps_its_red_where_the_person_had_a_brown_one():
    """A mouth wider than a lip (10×8 at 64²): its offset from the person's colour is an outlier among the
    skin's, so the skin's cast goes and the mouth's red stays (a plain 7-pixel mean turned it brown)."""
    from emoface.stargan.compositing import match_local_colour

    person = torch.full((1, 3, 64, 64), -0.2)
    painting = person + torch.tensor([0.3, 0.05, -0.25]).view(1, 3, 1, 1)  # G's orange cast
    person[0, :, 39:42, 27:37] += torch.tensor([0.15, -0.05, -0.2]).view(3, 1, 1)  # the closed brown mouth
    painting[0, :, 36:44, 27:37] += torch.tensor([0.4, -0.2, -0.2]).view(3, 1, 1)  # the new open red one
    matched = match_local_colour(painting, person)
    assert float(matched[0, 0, 40, 31] - matched[0, 1, 40, 31]) > 0.45  # red: 0.6 redder than the skin
    assert (matched[0, :, 20, 10] - matched[0, :, 20, 10].mean()).abs().max() < 1e-3  # the skin grey again


def test_at_inference_the_painting_takes_the_persons_local_colour():
    """An orange cast painted over a grey face is gone in eval(), kept in train(); brightness is G's."""
    from emoface.stargan.compositing import composite, match_local_colour

    torch.manual_seed(0)
    grey = torch.full((1, 3, 16, 16), -0.2)
    orange = grey + torch.tensor([0.3, 0.05, -0.25]).view(1, 3, 1, 1)
    matched = match_local_colour(orange, grey)
    luma = lambda t: 0.299 * t[:, 0] + 0.587 * t[:, 1] + 0.114 * t[:, 2]
    assert torch.allclose(luma(matched), luma(orange), atol=1e-5)  # brightness is the painting's
    assert (matched - matched.mean(1, keepdim=True)).abs().max() < 1e-5  # grey again: no cast
    # at 64×64 (the windows scale with the face), colour detail the size of lips (3 pixels high) survives;
    # a one-pixel speckle of G's is mostly dropped
    grey, orange = (image[..., :1, :1].expand(1, 3, 64, 64).clone() for image in (grey, orange))
    red = torch.tensor([0.4, -0.2, -0.2]).view(3, 1, 1)
    lips, spotted = orange.clone(), orange.clone()
    lips[0, :, 39:42, 28:36] += red
    spotted[0, :, 40, 31] += red[:, 0, 0]
    redness = lambda image: float(image[0, 0, 40, 31] - image[0, 1, 40, 31])
    assert redness(match_local_colour(lips, grey)) > 0.3
    assert redness(match_local_colour(spotted, grey)) < 0.1

    generator = Generator(conv_dim=8, c_dim=3, repeat_num=1, attention=True)
    x, c = torch.rand(2, 3, 16, 16) * 2 - 1, torch.eye(3)[:2]
    painting, keep = generator.paint(x, c)
    generator.train()
    assert torch.equal(generator(x, c), Generator.blend(x, painting, keep))
    generator.eval()
    with torch.no_grad():
        assert torch.allclose(generator(x, c), composite(x, painting, keep), atol=1e-6)
        assert not torch.allclose(generator(x, c), Generator.blend(x, painting, keep), atol=1e-4)


def skin_with_painted_mouth(size=64):
    """A flat skin-toned face, and a mask that paints a 10×6 'mouth' in its lower half (keeps the rest)."""
    skin = torch.tensor([0.55, 0.2, 0.0]).view(1, 3, 1, 1).expand(1, 3, size, size).clone()
    keep = torch.ones(1, 1, size, size)
    keep[:, :, 40:46, 27:37] = 0.0
    return skin, keep


def test_at_inference_a_smile_crease_just_outside_the_mask_is_painted_over():
    """The ghost seen in the grids: the mask opens over the old mouth but not over the thin crease a
    smile draws beside it, which the plain blend keeps; the composite paints skin over it."""
    from emoface.stargan.compositing import composite

    skin, keep = skin_with_painted_mouth()
    smiling = skin.clone()
    smiling[:, :, 37:48, 26] = -0.6  # a dark crease beside the painted mouth, where the mask keeps
    painting = skin.clone()  # G paints plain skin (the new closed mouth does not matter here)
    blended, laid = Generator.blend(smiling, painting, keep), composite(smiling, painting, keep)
    crease = (slice(None), slice(None), slice(39, 46), 26)
    assert (blended[crease] - skin[crease]).abs().max() > 0.5  # the ghost
    assert (laid[crease] - skin[crease]).abs().max() < 0.05  # gone
    far = (slice(None), slice(None), slice(0, 30), slice(None))
    assert torch.equal(laid[far], smiling[far])  # far from the mouth the person's pixels, untouched
    # a thin line G paints too (a glasses frame) is the new face's: it stays, sharp
    framed, painted_frame = smiling.clone(), painting.clone()
    painted_frame[:, :, 37:48, 26] = -0.5
    laid = composite(framed, painted_frame, keep)
    assert (laid[crease] - framed[crease]).abs().max() < 1e-6


def test_at_inference_the_widened_ring_keeps_the_persons_shading_and_the_mask_never_keeps_more():
    """The ring the composite adds is the person's own face with thin lines dropped, not G's rougher
    painting; inside G's own mask the painting's detail stays."""
    from emoface.stargan.compositing import composite, widen_painted_region

    skin, keep = skin_with_painted_mouth()
    wide = widen_painted_region(keep, 2)
    assert (wide <= keep).all() and wide[:, :, 40:46, 27:37].max() == 0
    assert wide[:, :, 38:48, 25:39].max() < 1 and wide[:, :, 10, 10] == 1  # 2 pixels further, no more
    shaded = skin + torch.linspace(-0.3, 0.3, 64).view(1, 1, 1, 64)  # light from the right
    speckle = skin + 0.3 * (torch.arange(64).view(1, 1, 1, 64) % 2 * 2 - 1)  # columns alternating ±0.3
    laid = composite(shaded, speckle, keep)
    ring = (slice(None), slice(None), slice(40, 46), slice(25, 27))
    assert (laid[ring] - shaded[ring]).abs().max() < 0.02  # the person's shading, none of the speckle
    inside = laid[:, :, 42, 30] - laid[:, :, 42, 31]
    assert inside.abs().min() > 0.3


def test_at_inference_the_paintings_faint_grain_goes_and_its_lines_stay():
    """Coring: G's faint grain over painted skin is dropped, a drawn line loses little, and shading is
    untouched; the composite cores the painting before laying it in."""
    from emoface.stargan.compositing import GRAIN, composite, core_grain

    skin, keep = skin_with_painted_mouth()
    shading = torch.linspace(-0.3, 0.3, 64).view(1, 1, 1, 64)
    grain = 0.02 * (torch.arange(64).view(1, 1, 1, 64) % 2 * 2 - 1)  # columns alternating ±0.02
    lined = skin + shading
    lined[:, :, 42, :] -= 0.5  # a dark line one pixel high: a new mouth
    cored = core_grain(skin + shading + grain, GRAIN)
    inner = (slice(None), slice(None), slice(1, -1), slice(1, -1))
    assert (cored - (skin + shading))[inner].abs().max() < 0.01  # the grain down to a third (its coarse part), the shading kept
    cored_line = core_grain(lined, GRAIN)
    assert (cored_line[:, :, 41, 30] - cored_line[:, :, 42, 30]).min() > 0.4  # the line keeps most of its 0.5
    painting = skin + grain
    laid, blended = composite(skin, painting, keep), Generator.blend(skin, painting, keep)
    mouth = (slice(None), slice(None), slice(41, 45), slice(28, 36))
    assert (laid[mouth] - skin[mouth]).abs().max() < 0.01 < (blended[mouth] - skin[mouth]).abs().max()


def test_the_rings_3x3_median_is_the_median():
    """The compositing's fast 3×3 median (a sorting network) against torch's own, ties and edges included."""
    import torch.nn.functional as F

    from emoface.stargan.compositing import _median

    torch.manual_seed(0)
    for image in (torch.rand(2, 3, 9, 7), torch.randint(0, 3, (1, 1, 8, 8)).float()):
        padded = F.pad(image, (1, 1, 1, 1), mode="replicate")
        expected = padded.unfold(2, 3, 1).unfold(3, 3, 1).flatten(-2).median(-1).values
        assert torch.equal(_median(image, 3), expected)
    assert torch.equal(_median(image, 5), F.pad(image, (2,) * 4, mode="replicate").unfold(2, 5, 1).unfold(3, 5, 1)
                       .flatten(-2).median(-1).values)
