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
