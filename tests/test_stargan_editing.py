"""Plain and residual edits, and the generator files (ours and the authors' release)."""

import zipfile

import pytest
import torch

from emoface.labels import FACE_EXPRESSIONS
from emoface.stargan.editing import edit, infer_source
from emoface.stargan.generator_file import load_generator, load_official_celeba_generator, save_generator
from emoface.stargan.model import Generator
from emoface.stargan.trainer import StarGANConfig


class ShiftBy(torch.nn.Module):
    """A stand-in generator: adds 0.1 × (domain index) everywhere, and a fixed blur-like offset."""

    c_dim = 3

    def __init__(self) -> None:
        super().__init__()
        self.anchor = torch.nn.Parameter(torch.zeros(1))

    def forward(self, x, c):
        return x + 0.3 + 0.1 * c.argmax(1).view(-1, 1, 1, 1).to(x.dtype)


def test_residual_edit_keeps_what_the_generator_gets_wrong_everywhere():
    g, x = ShiftBy(), torch.zeros(2, 3, 8, 8)
    plain = edit(g, x, target=2, mode="plain")
    residual = edit(g, x, target=2, mode="residual", source=torch.tensor([0, 1]))
    assert torch.allclose(plain, torch.full_like(x, 0.5))  # 0.3 offset + 0.2 domain shift
    assert torch.allclose(residual[0], torch.full_like(x[0], 0.2)) and torch.allclose(residual[1], torch.full_like(x[1], 0.1))


def test_residual_edit_of_a_large_face_keeps_its_size_and_detail():
    g = ShiftBy()
    x = torch.rand(1, 3, 32, 32) * 2 - 1
    out = edit(g, x, target=1, mode="residual", source=torch.tensor([1]), size=8)
    assert out.shape == x.shape and torch.allclose(out, x, atol=1e-6)  # no change of domain: the input itself
    with pytest.raises(ValueError, match="mode"):
        edit(g, x, 1, mode="sharp")


def test_the_source_is_the_domain_the_generator_reproduces_best():
    class Identity(ShiftBy):
        def forward(self, x, c):
            return x + 0.1 * (c.argmax(1).view(-1, 1, 1, 1).to(x.dtype) - 1)  # domain 1 is the identity

    assert infer_source(Identity(), torch.zeros(3, 3, 8, 8)).tolist() == [1, 1, 1]


def test_a_saved_generator_loads_back_in_half_precision(tmp_path):
    config = StarGANConfig(image_size=16, g_conv_dim=4, g_repeat_num=1)
    g = Generator(4, 7, 1)
    path = save_generator(tmp_path / "g.pt", g, config, FACE_EXPRESSIONS, {"step": 3})
    loaded = load_generator(path)
    assert loaded.config == config and loaded.classes == FACE_EXPRESSIONS
    assert loaded.info == {"step": 3, "dataset": "unknown", "labels": "expressions"}
    x, c = torch.rand(1, 3, 16, 16) * 2 - 1, torch.eye(7)[:1]
    assert (loaded.generator(x, c) - g.eval()(x, c)).abs().max() < 0.02
    (tmp_path / "text.pt").write_bytes(b"")
    with pytest.raises(ValueError):
        load_generator(tmp_path / "text.pt")
    with pytest.raises(FileNotFoundError):
        load_generator(tmp_path / "missing.pt")


def test_a_generator_file_records_its_data_set_and_label_set(tmp_path):
    from emoface.datasets.celeba import STARGAN_ATTRIBUTES
    from emoface.stargan.generator_file import training_set

    config = StarGANConfig(image_size=16, g_conv_dim=4, g_repeat_num=1)
    path = save_generator(tmp_path / "g.pt", Generator(4, 7, 1), config, FACE_EXPRESSIONS, {"step": 3},
                          dataset="fer2013")
    loaded = load_generator(path)
    assert loaded.info["dataset"] == "fer2013" and loaded.info["labels"] == "expressions"
    assert training_set(loaded).title == "FER2013" and training_set(loaded).real_photos is False
    five = StarGANConfig(image_size=16, c_dim=5, g_conv_dim=4, g_repeat_num=1)
    celeba = load_generator(save_generator(tmp_path / "c.pt", Generator(4, 5, 1), five, STARGAN_ATTRIBUTES,
                                           dataset="celeba"))
    assert celeba.info["dataset"] == "celeba" and celeba.info["labels"] == "celeba-attributes"
    with pytest.raises(ValueError, match="CelebA draws its celeba-attributes"):  # CelebA has no expression labels
        save_generator(tmp_path / "x.pt", Generator(4, 7, 1), config, FACE_EXPRESSIONS, dataset="celeba")
    with pytest.raises(ValueError, match="dataset must be one of"):
        save_generator(tmp_path / "x.pt", Generator(4, 7, 1), config, FACE_EXPRESSIONS, dataset="affectnet")
    assert not (tmp_path / "x.pt").exists()


def test_a_file_written_before_the_record_loads_with_a_sensible_data_set(tmp_path):
    from dataclasses import asdict

    from emoface.stargan.generator_file import GENERATOR_FORMAT, shipped_generator_path

    config = StarGANConfig(image_size=16, g_conv_dim=4, g_repeat_num=1)
    state = Generator(4, 7, 1).state_dict()

    def old_file(name: str, info: dict):  # the format as it was: a free-text "data", no "dataset"
        payload = {"format": GENERATOR_FORMAT, "config": asdict(config), "classes": list(FACE_EXPRESSIONS),
                   "G": state, "info": info}
        torch.save(payload, tmp_path / name)
        return load_generator(tmp_path / name).info

    assert old_file("s.pt", {"data": "SynthFaces seed 0, identities 0-999"})["dataset"] == "synthfaces"
    assert old_file("t.pt", {"data": "tunedMUG train split"})["dataset"] == "tunedmug"
    assert old_file("m.pt", {"data": "MUG frames"})["dataset"] == "mug"
    assert old_file("u.pt", {"data": "random weights"}) == {"data": "random weights", "dataset": "unknown",
                                                           "labels": "expressions"}
    shipped = torch.load(shipped_generator_path(), weights_only=True)["info"]
    assert load_generator().info["dataset"] == shipped.get("dataset", "synthfaces")  # the shipped one: SynthFaces


def test_the_authors_celeba_generator_format_loads_strictly(tmp_path):
    # The official 200000-G.ckpt is a bare state dict of this architecture with c_dim 5 (CelebA attributes).
    official = Generator(8, c_dim=5, repeat_num=2).state_dict()
    torch.save(official, tmp_path / "200000-G.ckpt")
    with zipfile.ZipFile(tmp_path / "celeba-128x128-5attrs.zip", "w") as zipped:
        zipped.write(tmp_path / "200000-G.ckpt", "stargan_celeba_128/models/200000-G.ckpt")
    (tmp_path / "200000-G.ckpt").unlink()
    loaded = load_official_celeba_generator(tmp_path / "celeba-128x128-5attrs.zip")
    assert loaded.config.c_dim == 5 and loaded.config.g_conv_dim == 8 and loaded.config.g_repeat_num == 2
    assert loaded.classes[0] == "Black_Hair" and loaded.info["dataset"] == "celeba"
    broken = {k: v for k, v in official.items() if k != "main.1.weight"}  # must not load half-way
    torch.save(broken, tmp_path / "bad-G.ckpt")
    with pytest.raises(RuntimeError, match="Missing key"):
        load_official_celeba_generator(tmp_path / "bad-G.ckpt")
    torch.save({"conv1.weight": torch.zeros(1)}, tmp_path / "200000-D.ckpt")
    with pytest.raises(ValueError, match="G.ckpt"):
        load_official_celeba_generator(tmp_path / "200000-D.ckpt")


def test_a_stored_pair_fine_tunes_and_a_g_only_file_says_why_it_cannot(tmp_path):
    from emoface.stargan.model import Discriminator
    from emoface.stargan.trainer import StarGANTrainer

    config = StarGANConfig(image_size=16, g_conv_dim=4, d_conv_dim=4, g_repeat_num=1, d_repeat_num=2, batch_size=4,
                           d_warmup=5)  # the run from scratch warmed its D up; the fine-tune must not again
    g, d = Generator(4, 7, 1), Discriminator(16, 4, 7, 2)
    images, labels = torch.randint(0, 256, (14, 3, 16, 16), dtype=torch.uint8), torch.arange(14) % 7
    save_generator(tmp_path / "gd.pt", g, config, FACE_EXPRESSIONS, discriminator=d, half=False)
    trainer = StarGANTrainer.from_pretrained(load_generator(tmp_path / "gd.pt"), images, labels, tmp_path / "ft", steps=3)
    assert torch.equal(trainer.D.main[0].weight, d.main[0].weight) and trainer.config.num_iters == 3
    assert trainer.config.g_lr == config.g_lr / 2
    assert trainer.config.d_warmup == 0
    trainer.train(progress=False)
    again = StarGANTrainer.from_pretrained(load_generator(tmp_path / "gd.pt"), images, labels, tmp_path / "ft", steps=3)
    assert again.step == 3  # resumes its own checkpoint, not the pretrained weights
    save_generator(tmp_path / "g.pt", g, config, FACE_EXPRESSIONS)
    with pytest.raises(ValueError, match="no discriminator"):
        StarGANTrainer.from_pretrained(load_generator(tmp_path / "g.pt"), images, labels, tmp_path / "x", steps=3)


def test_a_label_smoothed_fine_tune_keeps_the_last_sharp_d_to_read_photos_with(tmp_path):
    from dataclasses import replace

    from emoface.engines.stargan import expression_reader
    from emoface.stargan.generator_file import carried_reader
    from emoface.stargan.model import Discriminator

    torch.manual_seed(0)
    sharp = StarGANConfig(image_size=16, g_conv_dim=4, d_conv_dim=4, g_repeat_num=1, d_repeat_num=2)
    smoothed = replace(sharp, cls_smoothing=0.2)
    g, d_sharp, d_smoothed = Generator(4, 7, 1), Discriminator(16, 4, 7, 2), Discriminator(16, 4, 7, 2)
    source = load_generator(save_generator(tmp_path / "sharp.pt", g, sharp, FACE_EXPRESSIONS, discriminator=d_sharp,
                                           half=False))
    assert source.reader is None and carried_reader(source, sharp) is None  # a sharp D reads for itself
    kept = carried_reader(source, smoothed)
    assert torch.equal(kept["main.0.weight"], d_sharp.main[0].weight)
    fine_tuned = load_generator(save_generator(tmp_path / "smooth.pt", g, smoothed, FACE_EXPRESSIONS,
                                               discriminator=d_smoothed, reader=kept, half=False))
    assert torch.equal(fine_tuned.reader["main.0.weight"], d_sharp.main[0].weight)
    assert torch.equal(fine_tuned.discriminator["main.0.weight"], d_smoothed.main[0].weight)  # D still fine-tunes
    engine_reader = expression_reader(fine_tuned, torch.device("cpu"))
    assert torch.equal(engine_reader.main[0].weight, d_sharp.main[0].weight)  # photos are read by the sharp one
    assert carried_reader(fine_tuned, smoothed) is fine_tuned.reader  # passed on to the next fine-tune
    no_sharp = fine_tuned._replace(reader=None)
    assert carried_reader(no_sharp, smoothed) is None  # a smoothed D is never kept as the reader


def test_a_plain_generator_gains_a_mask_that_starts_by_keeping_the_input(tmp_path):
    from emoface.stargan.editing import default_mode
    from emoface.stargan.model import KEEP_LOGIT, Discriminator, with_attention_channel
    from emoface.stargan.trainer import StarGANTrainer

    torch.manual_seed(0)
    plain = Generator(4, 7, 1)
    attentive = Generator(4, 7, 1, attention=True)
    attentive.load_state_dict(with_attention_channel(plain.state_dict()))
    x, c = torch.rand(2, 3, 16, 16) * 2 - 1, torch.eye(7)[:2]
    painted, keep = attentive.forward_with_mask(x, c)
    keep_share = torch.sigmoid(torch.tensor(KEEP_LOGIT))
    assert torch.allclose(keep, keep_share.expand_as(keep))  # every pixel 95 % the input's at first
    assert torch.allclose(painted, keep_share * x + (1 - keep_share) * plain(x, c), atol=1e-6)
    with pytest.raises(ValueError, match="plain generator"):
        with_attention_channel(attentive.state_dict())

    config = StarGANConfig(image_size=16, g_conv_dim=4, d_conv_dim=4, g_repeat_num=1, d_repeat_num=2, batch_size=4)
    save_generator(tmp_path / "gd.pt", plain, config, FACE_EXPRESSIONS, discriminator=Discriminator(16, 4, 7, 2),
                   half=False)
    images, labels = torch.randint(0, 256, (14, 3, 16, 16), dtype=torch.uint8), torch.arange(14) % 7
    trainer = StarGANTrainer.from_pretrained(load_generator(tmp_path / "gd.pt"), images, labels, tmp_path / "ft",
                                             steps=2, changes={"g_attention": True, "lambda_mask": 0.2})
    assert trainer.config.g_attention and trainer.config.lambda_mask == 0.2 and default_mode(trainer.config) == "plain"
    assert torch.equal(trainer.G.main[0].weight, plain.main[0].weight)
    trainer.train(progress=False)
    save_generator(tmp_path / "att.pt", trainer.G, trainer.config, FACE_EXPRESSIONS, discriminator=trainer.D, half=False)
    assert default_mode(load_generator(tmp_path / "att.pt").config) == "plain"
    assert default_mode(config) == "residual"
    with pytest.raises(ValueError, match="plain one"):
        StarGANTrainer.from_pretrained(load_generator(tmp_path / "att.pt"), images, labels, tmp_path / "x", steps=2,
                                       changes={"g_attention": False})


def test_a_generator_gains_a_skip_that_starts_at_zero_and_then_learns(tmp_path):
    from emoface.stargan.model import Discriminator
    from emoface.stargan.trainer import SKIP_LR_SCALE, StarGANTrainer

    torch.manual_seed(0)
    config = StarGANConfig(image_size=16, g_conv_dim=4, d_conv_dim=4, g_repeat_num=1, d_repeat_num=2, batch_size=4,
                           g_attention=True)
    before = Generator(4, 7, 1, attention=True)
    save_generator(tmp_path / "gd.pt", before, config, FACE_EXPRESSIONS, discriminator=Discriminator(16, 4, 7, 2),
                   half=False)
    images, labels = torch.randint(0, 256, (14, 3, 16, 16), dtype=torch.uint8), torch.arange(14) % 7
    trainer = StarGANTrainer.from_pretrained(load_generator(tmp_path / "gd.pt"), images, labels, tmp_path / "ft",
                                             steps=3, changes={"g_skip": True, "n_critic": 1})
    x, c = torch.rand(2, 3, 16, 16) * 2 - 1, torch.eye(7)[:2]
    trainer.G.eval()
    with torch.no_grad():
        assert torch.equal(trainer.G(x, c), before.eval()(x, c))  # the new skip adds nothing at first
    trainer.train(progress=False)
    assert trainer.G.skip.weight.abs().sum() > 0  # ... and is trained, faster than the weights already in place
    assert [group["lr_scale"] for group in trainer.g_optimizer.param_groups] == [1.0, SKIP_LR_SCALE]
    save_generator(tmp_path / "skip.pt", trainer.G, trainer.config, FACE_EXPRESSIONS, discriminator=trainer.D,
                   half=False)
    loaded = load_generator(tmp_path / "skip.pt")
    assert loaded.config.g_skip and torch.equal(loaded.generator.skip.weight, trainer.G.skip.weight)
    assert load_generator(tmp_path / "gd.pt").generator.skip is None  # files from before load as they were
    with pytest.raises(ValueError, match="skip"):
        StarGANTrainer.from_pretrained(loaded, images, labels, tmp_path / "x", steps=2, changes={"g_skip": False})
