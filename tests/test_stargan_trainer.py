"""The training loop at a tiny size: the schedule, exact resume, the time budget, bad data."""

import pytest
import torch

from emoface.stargan.trainer import CsvLog, StarGANConfig, StarGANTrainer, load_checkpoint

TINY = StarGANConfig(image_size=16, c_dim=3, g_conv_dim=4, d_conv_dim=4, g_repeat_num=1, d_repeat_num=2,
                     batch_size=4, n_critic=2, num_iters=8, num_iters_decay=4)


@pytest.fixture
def data():
    generator = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (12, 3, 16, 16), dtype=torch.uint8, generator=generator)
    return images, torch.arange(12) % 3


def weights(trainer):
    return {**{f"G.{k}": v for k, v in trainer.G.state_dict().items()},
            **{f"D.{k}": v for k, v in trainer.D.state_dict().items()}}


def test_learning_rate_schedule():
    config = StarGANConfig(num_iters=200_000, num_iters_decay=100_000)
    assert config.learning_rates(0) == (1e-4, 1e-4) and config.learning_rates(100_000) == (1e-4, 1e-4)
    assert config.learning_rates(150_000)[0] == pytest.approx(5e-5) and config.learning_rates(200_000) == (0.0, 0.0)


def test_a_resumed_run_ends_with_the_same_weights(data, tmp_path):
    straight = StarGANTrainer(TINY, *data, tmp_path / "a")
    straight.train(progress=False)
    first = StarGANTrainer(TINY, *data, tmp_path / "b")
    first.train(steps=3, progress=False)  # stopped at step 3: not a multiple of n_critic, mid-schedule
    del first
    resumed = StarGANTrainer.resume_or_start(TINY, *data, tmp_path / "b")
    assert resumed.step == 3
    resumed.train(progress=False)
    assert resumed.step == straight.step == TINY.num_iters
    a, b = weights(straight), weights(resumed)
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_generator_updates_every_n_critic_and_losses_are_logged(data, tmp_path):
    trainer = StarGANTrainer(TINY, *data, tmp_path, callbacks=(CsvLog(every=1),))
    logs = [trainer.train_step() for _ in range(4)]
    assert ["G/rec" in log for log in logs] == [False, True, False, True]
    CsvLog(every=1)(trainer, logs[1])
    assert (tmp_path / "losses.csv").read_text().splitlines()[0].startswith("step,lr_g")


def test_time_budget_checkpoints_and_returns(data, tmp_path):
    trainer = StarGANTrainer(TINY, *data, tmp_path)
    step = trainer.train(minutes=0, progress=False)  # the budget is spent after the first step
    assert step == 1 and load_checkpoint(tmp_path / "checkpoint.pt")["step"] == 1


def test_checkpoints_are_plain_and_checked(data, tmp_path):
    trainer = StarGANTrainer(TINY, *data, tmp_path)
    trainer.train(steps=2, progress=False)
    state = torch.load(tmp_path / "checkpoint.pt", weights_only=True)
    assert state["step"] == 2 and "g_optimizer" in state and "rng" in state
    other = StarGANConfig(**{**TINY.__dict__, "lambda_rec": 5.0})
    with pytest.raises(ValueError, match="another configuration"):
        StarGANTrainer.resume_or_start(other, *data, tmp_path)
    (tmp_path / "bad.pt").write_bytes(b"nope")
    with pytest.raises(ValueError, match="not a readable"):
        load_checkpoint(tmp_path / "bad.pt")
    torch.save({"G": {}}, tmp_path / "official.pt")
    with pytest.raises(ValueError, match="not an emoface StarGAN"):
        load_checkpoint(tmp_path / "official.pt")


def test_bad_data_fails_at_once(data, tmp_path):
    images, labels = data
    with pytest.raises(ValueError, match="two domains"):
        StarGANTrainer(TINY, images, torch.zeros(12, dtype=torch.long), tmp_path)
    with pytest.raises(ValueError, match="uint8"):
        StarGANTrainer(TINY, images.float(), labels, tmp_path)
    with pytest.raises(ValueError, match="config says"):
        StarGANTrainer(TINY, images[:, :, :8, :8], labels, tmp_path)
    with pytest.raises(ValueError, match=r"labels must be in \[0, 3\)"):
        StarGANTrainer(TINY, images, labels + 5, tmp_path)
