"""Training on several processes: ``torchrun`` with 2 CPU processes under Gloo, at the smoke size.

Each launch starts three Python processes (torchrun's agent and two workers), so these tests are the
slowest of the trainer's; they run one thread per process.
"""

import os
import subprocess
import sys
import textwrap

import pytest
import torch

from emoface.stargan.trainer import StarGANConfig, StarGANTrainer, load_checkpoint

pytestmark = pytest.mark.skipif(not torch.distributed.is_available() or not torch.distributed.is_gloo_available(),
                                reason="this torch has no Gloo backend")


@pytest.fixture
def data():
    images = torch.randint(0, 256, (12, 3, 16, 16), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    return images, torch.arange(12) % 3


TINY = StarGANConfig(image_size=16, c_dim=3, g_conv_dim=4, d_conv_dim=4, g_repeat_num=1, d_repeat_num=2,
                     batch_size=4, n_critic=2, num_iters=8, num_iters_decay=4)


@pytest.mark.parametrize("multi_label", [False, True])
def test_the_ranks_shares_are_one_processs_batch_and_their_generators_stay_alike(data, tmp_path, multi_label):
    images, labels = data
    if multi_label:  # CelebA-like attributes: the targets are the batch's labels shuffled, across shares
        labels = torch.tensor([[1, 0, 1], [0, 1, 0], [1, 1, 0]] * 4)
    whole = StarGANTrainer(TINY, images, labels, tmp_path)
    batches = [whole.sample_batch() for _ in range(3)]
    for rank in range(2):
        share = StarGANTrainer(TINY, images, labels, tmp_path)
        share.rank, share.world_size = rank, 2  # as under torch.distributed, without the processes
        for batch in batches:
            mine = share.sample_batch()
            assert all(torch.equal(part, full[rank::2]) for part, full in zip(mine, batch))
        assert torch.equal(share.rng.get_state(), whole.rng.get_state())


def test_a_batch_that_does_not_split_over_the_processes_is_refused(data, tmp_path, monkeypatch):
    from emoface.stargan import trainer as module

    monkeypatch.setattr(module, "_rank_and_world_size", lambda: (0, 3))
    with pytest.raises(ValueError, match="multiple of 3"):
        StarGANTrainer(TINY, *data, tmp_path)


def torchrun(*args, cwd):
    """Run ``python -m torch.distributed.run --nproc_per_node=2 --standalone ARGS``; fail with its output."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "EMOFACE_PROFILE": "smoke"}
    env.pop("WORLD_SIZE", None)
    agent = subprocess.Popen([sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", "--standalone",
                              *args], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        stdout, stderr = agent.communicate(timeout=900)  # a deadlock fails; a busy machine is only slow
    except subprocess.TimeoutExpired:
        agent.terminate()  # SIGTERM: the agent passes it on to the workers (in sessions of their own)
        stdout, stderr = agent.communicate()
        pytest.fail(f"torchrun did not finish in 900 s: {stdout[-2000:]}{stderr[-2000:]}")
    assert agent.returncode == 0, stdout[-3000:] + stderr[-3000:]
    return stdout


def weights(state):
    return {**{f"G.{k}": v for k, v in state["G"].items()}, **{f"D.{k}": v for k, v in state["D"].items()}}


def test_a_run_stopped_and_resumed_under_torchrun_equals_an_unstopped_one(tmp_path):
    train = ["-m", "emoface.stargan.train", "--identities", "2", "--profile", "smoke"]
    out = torchrun(*train, "--run-dir", str(tmp_path / "straight"), cwd=tmp_path)
    assert "2 process(es) on cpu, batch 4 (2 per process)" in out
    torchrun(*train, "--run-dir", str(tmp_path / "cut"), "--steps", "3", cwd=tmp_path)  # not a multiple of n_critic
    assert load_checkpoint(tmp_path / "cut" / "checkpoint.pt")["step"] == 3
    torchrun(*train, "--run-dir", str(tmp_path / "cut"), cwd=tmp_path)
    straight = load_checkpoint(tmp_path / "straight" / "checkpoint.pt")
    resumed = load_checkpoint(tmp_path / "cut" / "checkpoint.pt")
    assert straight["step"] == resumed["step"] == 4 and resumed["world_size"] == 2
    a, b = weights(straight), weights(resumed)
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)  # bit for bit
    assert [p.name for p in (tmp_path / "cut").iterdir()] == ["checkpoint.pt"]  # no temporary file left over


# Two processes, each with half of a batch of 4, against one process with all of it. The penalty's
# interpolation points α are drawn per process, so they differ from one process's; with λ_gp = 0 the
# penalty still runs (its double backward goes through DDP) but adds nothing, and the rest must match.
# Three steps: D, D + G, D, so the gradients left at the end are D's of step 3 and G's of step 2.
EQUIVALENT = dict(image_size=16, c_dim=3, g_conv_dim=4, d_conv_dim=4, g_repeat_num=1, d_repeat_num=2,
                  batch_size=4, n_critic=2, num_iters=3, num_iters_decay=2, lambda_gp=0.0)

TRAIN_AND_KEEP_GRADIENTS = textwrap.dedent(f"""
    import sys, torch, torch.distributed as dist
    from emoface.stargan.trainer import StarGANConfig, StarGANTrainer
    distributed = "WORLD_SIZE" in __import__("os").environ
    if distributed:
        dist.init_process_group("gloo")
    torch.set_num_threads(1)
    images = torch.randint(0, 256, (12, 3, 16, 16), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    # float32 on every CPU: on one with AMX the trainer's default is bfloat16, whose rounding differs
    # between a batch of 4 and two of 2 by far more than the summation order does in float32
    trainer = StarGANTrainer(StarGANConfig(**{EQUIVALENT!r}), images, torch.arange(12) % 3, sys.argv[1], amp=False)
    assert trainer.world_size == (2 if distributed else 1)
    trainer.train(progress=False)
    if trainer.rank == 0:
        torch.save({{f"{{net}}.{{k}}": p.grad for net in "GD" for k, p in getattr(trainer, net).named_parameters()}},
                   sys.argv[1] + "/gradients.pt")
    if distributed:
        dist.barrier()  # rank 1 tearing Gloo down while rank 0 still saves aborted it (SIGABRT), now and then
        dist.destroy_process_group()
""")


def test_two_torchrun_processes_with_half_batches_average_gradients_like_one_process(tmp_path):
    (tmp_path / "train.py").write_text(TRAIN_AND_KEEP_GRADIENTS)
    torchrun("train.py", str(tmp_path / "two"), cwd=tmp_path)
    subprocess.run([sys.executable, "train.py", str(tmp_path / "one")], cwd=tmp_path, check=True,
                   env={**os.environ, "OMP_NUM_THREADS": "1"})
    one, two = (torch.load(tmp_path / run / "gradients.pt") for run in ("one", "two"))
    assert one.keys() == two.keys() and all(g is not None for g in one.values())
    # The same up to float32 rounding (a mean of two half-batch means sums in another order); a sum
    # instead of a mean would be off by 2×, a missing all-reduce by the other half's share.
    for name in one:
        scale = one[name].abs().max().item()
        assert (one[name] - two[name]).abs().max().item() <= 1e-4 * scale + 1e-7, name
    # (Not the weights: Adam's first steps move each weight by about ±lr whatever its gradient's size,
    # so a gradient that is rounding noise moves its weight either way; measured 1.8e-4 apart, 2·lr.)
