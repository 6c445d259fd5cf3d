import pytest
import torch

from emoface.stargan.evaluate import (
    Judge,
    cycle_error,
    image_distances,
    judge_accuracy,
    psnr,
    ssim,
    to_float,
    train_judge,
    translate,
)
from emoface.stargan.model import Generator


def test_psnr_and_ssim_by_hand():
    a = torch.zeros(2, 3, 16, 16)
    assert torch.allclose(psnr(a, a + 0.2), torch.full((2,), 10 * torch.log10(torch.tensor(4.0 / 0.04))))
    assert torch.allclose(ssim(a + 0.3, a + 0.3), torch.ones(2))
    noisy = a + 0.5 * torch.randn_like(a)
    assert (ssim(a, noisy) < 0.5).all()
    d = image_distances(a, a)
    assert d["l1"] == 0 and d["ssim"] == pytest.approx(1.0)


def test_the_judge_learns_a_separable_task():
    # Class 0: dark images; class 1: bright ones — any judge must get this right.
    generator = torch.Generator().manual_seed(0)
    dark = torch.randint(0, 60, (40, 3, 32, 32), dtype=torch.uint8, generator=generator)
    bright = torch.randint(190, 256, (40, 3, 32, 32), dtype=torch.uint8, generator=generator)
    images, labels = torch.cat([dark, bright]), torch.tensor([0] * 40 + [1] * 40)
    judge = train_judge(images, labels, n_classes=2, epochs=3, batch_size=16)
    assert judge_accuracy(judge, to_float(images), labels) > 0.95


def test_translate_and_cycle_shapes():
    g = Generator(4, c_dim=3, repeat_num=1).eval()
    x = torch.rand(5, 3, 16, 16) * 2 - 1
    y = translate(g, x, target=2, c_dim=3, batch_size=2)
    assert y.shape == x.shape
    assert cycle_error(g, x, torch.tensor([0, 1, 2, 0, 1]), target=2, c_dim=3) > 0
    assert isinstance(Judge(7)(x).argmax(1), torch.Tensor)
