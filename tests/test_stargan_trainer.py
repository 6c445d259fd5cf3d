"""The training loop at a tiny size: the schedule, exact resume, the time budget, bad data."""

from dataclasses import asdict

import pytest
import torch

from emoface.stargan.trainer import CsvLog, StarGANConfig, StarGANTrainer, config_from_dict, load_checkpoint

TINY = StarGANConfig(image_size=16, c_dim=3, g_conv_dim=4, d_conv_dim=4, g_repeat_num=1, d_repeat_num=2,
                     batch_size=4, n_critic=2, num_iters=8, num_iters_decay=4)


@pytest.fixture
def data():
    generator = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (12, 3, 16, 16), dtype=torch.uint8, generator=generator)
    return images, torch.arange(12) % 3


def every_person_in_every_domain(people: int = 4, domains: int = 3) -> torch.Tensor:
    """Partners for 12 images labelled ``arange(12) % 3``: rows 3p..3p+2 are person p in domains 0, 1, 2."""
    return (torch.arange(people * domains) // domains * domains)[:, None] + torch.arange(domains)[None, :]


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


def test_mixed_precision_on_the_cpu_trains_and_resumes(data, tmp_path):
    from emoface.stargan.trainer import amp_dtype

    if amp_dtype("cpu") is None:
        with pytest.raises(ValueError, match="no fast half precision"):
            StarGANTrainer(TINY, *data, tmp_path, amp=True)
        return
    trainer = StarGANTrainer(TINY, *data, tmp_path / "a", amp=True)
    trainer.train(steps=4, progress=False)
    fp32 = StarGANTrainer(TINY, *data, tmp_path / "b", amp=False)
    fp32.train(steps=4, progress=False)
    assert trainer.amp_dtype == torch.bfloat16 and fp32.amp_dtype is None
    # Same schedule, other rounding: close, not equal.
    w16, w32 = weights(trainer), weights(fp32)
    assert any(not torch.equal(w16[k], w32[k]) for k in w16)
    resumed = StarGANTrainer.resume_or_start(TINY, *data, tmp_path / "a", amp=False)
    assert resumed.step == 4


def test_the_cpu_trains_in_float32_by_default_unless_it_has_amx(data, tmp_path, monkeypatch):
    from emoface.stargan import trainer as module

    # A CPU with bfloat16 instructions (AVX-512 BF16) but no AMX: measured slower in bfloat16.
    monkeypatch.setattr(module, "amp_dtype", lambda device: torch.bfloat16)
    monkeypatch.setattr(torch.cpu, "get_capabilities", lambda: {"avx512_bf16": True, "amx_bf16": False, "amx_tile": False})
    assert module.default_amp_dtype("cpu") is None
    assert StarGANTrainer(TINY, *data, tmp_path).amp_dtype is None
    assert StarGANTrainer(TINY, *data, tmp_path, amp=True).amp_dtype == torch.bfloat16  # still there when asked
    monkeypatch.setattr(torch.cpu, "get_capabilities", lambda: {"avx512_bf16": True, "amx_bf16": True, "amx_tile": True})
    assert module.default_amp_dtype("cpu") == torch.bfloat16
    assert StarGANTrainer(TINY, *data, tmp_path).amp_dtype == torch.bfloat16


def test_a_checkpoint_from_before_a_config_field_was_added_still_resumes(data, tmp_path):
    trainer = StarGANTrainer(TINY, *data, tmp_path)
    trainer.train(steps=2, progress=False)
    state = load_checkpoint(tmp_path / "checkpoint.pt")
    del state["config"]["lambda_mask"], state["config"]["g_attention"]
    torch.save(state, tmp_path / "checkpoint.pt")
    assert StarGANTrainer.resume_or_start(TINY, *data, tmp_path).step == 2
    state["config"]["from_the_future"] = 1
    torch.save(state, tmp_path / "checkpoint.pt")
    with pytest.raises(ValueError, match="update emoface"):
        StarGANTrainer.resume_or_start(TINY, *data, tmp_path)


def test_attention_generator_trains_and_logs_its_mask(data, tmp_path):
    config = StarGANConfig(**{**TINY.__dict__, "g_attention": True})
    trainer = StarGANTrainer(config, *data, tmp_path)
    logs = [trainer.train_step() for _ in range(2)]
    assert 0 <= logs[1]["G/mask"] <= 1


def test_the_warmup_trains_only_the_classifier_then_the_game_starts(data, tmp_path):
    config = StarGANConfig(**{**TINY.__dict__, "g_attention": True, "d_warmup": 3, "n_critic": 1})
    trainer = StarGANTrainer(config, *data, tmp_path)
    g_before = {k: v.clone() for k, v in trainer.G.state_dict().items()}
    d_before = {k: v.clone() for k, v in trainer.D.state_dict().items()}
    warmup = [trainer.train_step() for _ in range(3)]
    assert [log["step"] for log in warmup] == [1, 2, 3] and all(set(log) == {"step", "D/cls", "lr_g"} for log in warmup)
    assert all(torch.equal(v, g_before[k]) for k, v in trainer.G.state_dict().items())
    assert any(not torch.equal(v, d_before[k]) for k, v in trainer.D.state_dict().items())
    game = trainer.train_step()
    assert {"D/adv", "G/adv", "G/mask"} <= set(game)
    assert any(not torch.equal(v, g_before[k]) for k, v in trainer.G.state_dict().items())


def test_the_warmup_resumes_exactly(data, tmp_path):
    config = StarGANConfig(**{**TINY.__dict__, "d_warmup": 3})
    whole = StarGANTrainer(config, *data, tmp_path / "whole")
    whole.train(steps=6, progress=False)
    half = StarGANTrainer.resume_or_start(config, *data, tmp_path / "halves")
    half.train(steps=2, progress=False)
    half.save()
    rest = StarGANTrainer.resume_or_start(config, *data, tmp_path / "halves")
    rest.train(steps=4, progress=False)
    assert all(torch.equal(v, weights(whole)[k]) for k, v in weights(rest).items())


def test_sample_grid_shows_every_domain(data, tmp_path):
    from emoface.images import load_rgb
    from emoface.stargan.trainer import SampleGrid

    images, _ = data
    trainer = StarGANTrainer(TINY, *data, tmp_path, callbacks=(SampleGrid(images[:2], every=2),))
    trainer.train(steps=2, progress=False)
    grid = load_rgb(tmp_path / "samples" / "step_000002.png")
    # 2 rows of (input + 3 domains), 16 px cells with 2 px padding.
    assert grid.shape == (2 * 18 + 2, 4 * 18 + 2, 3)


def test_tensorboard_log_says_what_to_install(monkeypatch):
    import builtins

    from emoface.stargan.trainer import TensorBoardLog

    real_import = builtins.__import__

    def no_tensorboard(name, *args, **kwargs):
        if name.startswith("torch.utils.tensorboard"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_tensorboard)
    with pytest.raises(ImportError, match="pip install tensorboard"):
        TensorBoardLog()


def test_attribute_labels_train_with_shuffled_targets(data, tmp_path):
    images, _ = data
    attributes = torch.tensor([[1, 0, 1], [0, 1, 0], [1, 1, 0]] * 4)
    trainer = StarGANTrainer(TINY, images, attributes, tmp_path)
    x, source, target = trainer.sample_batch()
    assert source.shape == target.shape == (4, 3) and source.dtype == torch.float32
    assert sorted(map(tuple, source.tolist())) == sorted(map(tuple, target.tolist()))  # a permutation
    logs = [trainer.train_step() for _ in range(2)]
    assert "G/cls" in logs[1]
    with pytest.raises(ValueError, match="0 or 1"):
        StarGANTrainer(TINY, images, attributes * 2, tmp_path)
    with pytest.raises(ValueError, match="same attributes"):
        StarGANTrainer(TINY, images, torch.ones(12, 3), tmp_path)


def test_an_interrupt_inside_a_step_saves_nothing_half_done(data, tmp_path, monkeypatch):
    straight = StarGANTrainer(TINY, *data, tmp_path / "a")
    straight.train(progress=False)
    cut = StarGANTrainer(TINY, *data, tmp_path / "b")
    calls = {"n": 0}
    real_step = cut.d_optimizer.step

    def step_then_interrupt(*args, **kwargs):
        calls["n"] += 1
        real_step(*args, **kwargs)
        if calls["n"] == 5:  # D of step 5 has moved; the step counter has not
            raise KeyboardInterrupt

    monkeypatch.setattr(cut.d_optimizer, "step", step_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        cut.train(checkpoint_every=1, progress=False)
    assert load_checkpoint(tmp_path / "b" / "checkpoint.pt")["step"] == 4  # the last whole step
    resumed = StarGANTrainer.resume_or_start(TINY, *data, tmp_path / "b")
    resumed.train(progress=False)
    a, b = weights(straight), weights(resumed)
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_ctrl_c_or_sigterm_finishes_the_step_saves_and_resumes_exactly(data, tmp_path):
    import os
    import signal

    straight = StarGANTrainer(TINY, *data, tmp_path / "a")
    straight.train(progress=False)

    def signal_at_step_3(trainer, log):
        if log["step"] == 3:
            os.kill(os.getpid(), signal.SIGTERM)

    stopped = StarGANTrainer(TINY, *data, tmp_path / "b", callbacks=(signal_at_step_3, CsvLog(every=1)))
    with pytest.raises(KeyboardInterrupt, match="stopped at step 3"):
        stopped.train(progress=False)
    assert load_checkpoint(tmp_path / "b" / "checkpoint.pt")["step"] == 3
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # the handler is gone again
    (tmp_path / "b" / ".checkpoint.pt.dead.tmp").write_bytes(b"a save killed mid-write")
    with open(tmp_path / "b" / "losses.csv", "a") as log:  # a step logged before a hard kill, then redone
        log.write("4,0,0,0,0,0,0,0,0\r\n")
    resumed = StarGANTrainer.resume_or_start(TINY, *data, tmp_path / "b", callbacks=(CsvLog(every=1),))
    resumed.train(progress=False)
    a, b = weights(straight), weights(resumed)
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not list((tmp_path / "b").glob(".checkpoint.pt.*.tmp"))
    steps = [line.split(",")[0] for line in (tmp_path / "b" / "losses.csv").read_text().splitlines()[1:]]
    assert steps == [str(k) for k in range(1, TINY.num_iters + 1)]  # every step once


def test_resuming_on_another_thread_count_says_it_is_not_bit_for_bit(data, tmp_path):
    trainer = StarGANTrainer(TINY, *data, tmp_path)
    trainer.train(steps=2, progress=False)
    state = load_checkpoint(tmp_path / "checkpoint.pt")
    state["torch_threads"] = torch.get_num_threads() + 1
    with pytest.warns(UserWarning, match="not bit for bit"):
        StarGANTrainer(TINY, *data, tmp_path / "c").load_state(state)


def test_the_paired_loss_pulls_each_edit_to_the_same_persons_true_image(tmp_path):
    # 4 people × 3 expressions; person p in expression e is image 3p + e (SynthPairs' order). Channel 0
    # holds the image's index, channel 1 a left-to-right ramp that shows whether it was flipped.
    images = torch.zeros(12, 3, 16, 16, dtype=torch.uint8)
    images[:, 0] = torch.arange(12, dtype=torch.uint8)[:, None, None] * 10
    images[:, 1] = torch.arange(16, dtype=torch.uint8) * 10
    labels = torch.arange(12) % 3
    partners = every_person_in_every_domain()
    config = StarGANConfig(**{**TINY.__dict__, "lambda_pair": 10.0, "batch_size": 8})
    trainer = StarGANTrainer(config, images, labels, tmp_path / "p", partners=partners)

    def index_and_flip(x):
        pixels = x.add(1).mul(127.5).round()
        return int(pixels[0, 0, 0]) // 10, bool(pixels[1, 0, 0] > pixels[1, 0, -1])

    x, source, target, (truth, present), lines = trainer._sample()
    assert lines is None  # no line masks asked for
    assert present.all()
    for row in range(8):
        index, flipped = index_and_flip(x[row])
        assert index % 3 == source[row]
        assert index_and_flip(truth[row]) == (index // 3 * 3 + int(target[row]), flipped)
    logs = [trainer.train_step() for _ in range(2)]
    assert "G/pair" in logs[1] and "G/pair" not in logs[0] and logs[1]["G/pair"] > 0
    trainer.callbacks = (CsvLog(every=2),)
    trainer.train(steps=4, progress=False)
    header, row = (trainer.run_dir / "losses.csv").read_text().splitlines()[:2]
    column = header.split(",").index("G/pair")
    assert float(row.split(",")[column]) > 0 and row.split(",")[header.split(",").index("G/paint")] == ""
    unpaired = StarGANTrainer(TINY, images, labels, tmp_path / "u", partners=partners)  # λ_pair 0: no term
    assert unpaired.partners is None and "G/pair" not in [unpaired.train_step() for _ in range(2)][1]


def test_a_loss_log_begun_before_a_column_was_added_keeps_its_columns(data, tmp_path):
    old = "step,lr_g,D/adv,D/cls,D/gp,G/adv,G/cls,G/rec,G/mask"
    (tmp_path / "losses.csv").write_text(old + "\n")
    trainer = StarGANTrainer(TINY, *data, tmp_path, callbacks=(CsvLog(every=2),))
    trainer.train(steps=4, progress=False)
    lines = (tmp_path / "losses.csv").read_text().splitlines()
    assert lines[0] == old and len(lines) == 3 and all(len(line.split(",")) == 9 for line in lines)


def test_partners_that_point_at_another_expression_are_refused(data, tmp_path):
    images, labels = data
    config = StarGANConfig(**{**TINY.__dict__, "lambda_pair": 1.0})
    wrong = torch.zeros(12, 3, dtype=torch.long)  # every partner is image 0, an expression-0 face
    with pytest.raises(ValueError, match="differs from the domain"):
        StarGANTrainer(config, images, labels, tmp_path, partners=wrong)
    with pytest.raises(ValueError, match="long tensor"):
        StarGANTrainer(config, images, labels, tmp_path, partners=wrong[:, :2])
    missing = torch.full((12, 3), -1, dtype=torch.long)
    assert StarGANTrainer(config, images, labels, tmp_path, partners=missing)._sample()[3][1].sum() == 0


def test_the_paired_loss_can_weigh_the_pixels_the_expression_changes():
    from emoface.stargan.losses import paired_loss

    source = torch.zeros(1, 3, 4, 4)
    truth = source.clone()
    truth[..., 0, :] = 1.0  # the new expression changes the top row only (4 of 16 pixels)
    present = torch.ones(1, dtype=torch.bool)
    ghost = source.clone()  # an edit that kept the old row: wrong exactly where the expression changes
    smear = truth.clone()
    smear[..., 1:, :] = 1 / 3  # wrong by the same total, where the expression changes nothing
    assert paired_loss(ghost, truth, present) == pytest.approx(paired_loss(smear, truth, present))
    focused = [paired_loss(edit, truth, present, source, focus=9.0) for edit in (ghost, smear)]
    assert focused[0] == pytest.approx(10 * focused[1])  # the changed pixels weigh 1 + 9
    assert paired_loss(truth, truth, present, source, focus=9.0) == 0
    assert paired_loss(ghost, truth, present, source, focus=0.0) == paired_loss(ghost, truth, present)


def test_the_painting_term_grades_the_painting_where_the_expression_changes_only():
    from emoface.stargan.losses import painting_loss

    source = torch.zeros(2, 3, 4, 4)
    truth = source.clone()
    truth[..., 0, :] = 1.0  # the new expression changes the top row only
    present = torch.tensor([True, False])
    right_there = truth.clone()
    right_there[..., 1:, :] = -1.0  # wrong everywhere else: the mask keeps the input there
    assert painting_loss(right_there, truth, present, source) == 0
    wrong_there = truth.clone()
    wrong_there[..., 0, :] = 0.0  # the old row painted again: a ghost
    assert painting_loss(wrong_there, truth, present, source) == pytest.approx(1.0)
    assert painting_loss(wrong_there, truth, torch.zeros(2, dtype=torch.bool), source) == 0


def test_the_painting_term_teaches_the_painting_behind_a_closed_mask(tmp_path):
    images = torch.zeros(12, 3, 16, 16, dtype=torch.uint8)
    images[:, 0] = (torch.arange(12, dtype=torch.uint8) % 3)[:, None, None] * 100  # the expression changes channel 0
    labels = torch.arange(12) % 3
    partners = every_person_in_every_domain()
    base = {**TINY.__dict__, "g_attention": True, "lambda_pair": 10.0, "batch_size": 8, "n_critic": 1}
    grads = {}
    for paint in (0.0, 5.0):
        trainer = StarGANTrainer(StarGANConfig(**{**base, "lambda_paint": paint}), images, labels,
                                 tmp_path / str(paint), partners=partners)
        log = trainer.train_step()
        assert ("G/paint" in log) == (paint > 0) and log.get("G/paint", 1.0) > 0
        grads[paint] = sum(float(p.grad.abs().sum()) for p in trainer.G.parameters() if p.grad is not None)
    assert grads[5.0] > 2 * grads[0.0]  # the mask keeps ~95 %: without the term the painting hears little


def test_the_open_painting_term_grades_the_painting_where_the_mask_paints_and_cannot_close_it():
    from emoface.stargan.losses import open_painting_loss

    truth = torch.zeros(2, 3, 4, 4)
    keep = torch.ones(2, 1, 4, 4)
    keep[..., 2:, :] = 0.0  # the mask paints the bottom half
    present = torch.tensor([True, False])
    painting = truth.clone()
    painting[..., :2, :] = 1.0  # wrong where the mask keeps the input: not graded
    assert open_painting_loss(painting, keep, truth, present) == 0
    painting[..., 2:, :] = 0.5  # mottled where the mask paints
    assert open_painting_loss(painting, keep, truth, present) == pytest.approx(0.5)
    assert open_painting_loss(painting, keep, truth, torch.zeros(2, dtype=torch.bool)) == 0
    keep.requires_grad_(True)
    painting.requires_grad_(True)
    open_painting_loss(painting, keep, truth, present).backward()
    assert keep.grad is None and painting.grad.abs().sum() > 0  # closing the mask cannot lower it


@pytest.mark.parametrize("weight_name, logged", [("lambda_paint_open", "G/paint_open"),
                                                  ("lambda_texture", "G/texture"), ("lambda_local", "G/local"),
                                                  ("lambda_kept_lines", "G/kept_lines"),
                                                  ("lambda_still_mask", "G/still_mask")])
def test_a_paired_extra_term_is_added_and_logged_only_when_weighted(tmp_path, weight_name, logged):
    images = torch.zeros(12, 3, 16, 16, dtype=torch.uint8)
    images[:, 0, :8] = (torch.arange(12, dtype=torch.uint8) % 3)[:, None, None] * 100  # the expression: the top half
    images[:, 1, 9] = 200  # a line every expression keeps, beside the change
    labels = torch.arange(12) % 3
    base = {**TINY.__dict__, "g_attention": True, "lambda_pair": 10.0, "batch_size": 8, "n_critic": 1}
    for weight in (0.0, 2.0):
        trainer = StarGANTrainer(StarGANConfig(**{**base, weight_name: weight}), images, labels,
                                 tmp_path / str(weight), partners=every_person_in_every_domain())
        log = trainer.train_step()
        assert (logged in log) == (weight > 0) and log.get(logged, 1.0) > 0


def test_the_texture_term_grades_grain_near_the_change_and_not_a_flat_offset():
    from emoface.stargan.losses import texture_loss
    source = torch.zeros(2, 3, 24, 24)
    truth = source.clone()
    truth[..., 10:12, 8:16] = 0.8  # a new mouth line
    present = torch.tensor([True, True])
    assert texture_loss(truth, truth, present, source) == 0
    assert texture_loss(truth + 0.3, truth, present, source) == pytest.approx(0, abs=1e-6)  # no grain
    speckled = truth.clone()
    speckled[..., 14, 9:15:2] += 0.2  # mottled skin 2 px below the line
    assert texture_loss(speckled, truth, present, source) > 0.005
    far = truth.clone()
    far[..., 22, 1:7:2] += 0.2  # the same grain far from any change
    assert texture_loss(far, truth, present, source) == 0
    assert texture_loss(speckled, truth, torch.zeros(2, dtype=torch.bool), source) == 0
    speckled.requires_grad_(True)
    texture_loss(speckled, truth, present, source).backward()
    assert speckled.grad.abs().sum() > 0


def test_the_kept_lines_term_grades_lines_that_stay_near_the_change_only():
    from emoface.stargan.losses import kept_lines_loss
    source = torch.zeros(2, 3, 24, 24)
    source[..., 6, 4:20] = 0.8  # a glasses frame, the same in both faces
    source[..., 20, 4:20] = 0.8  # a line far from any change
    truth = source.clone()
    truth[..., 8:10, 8:16] = -0.8  # the eyes widen just under the frame
    present = torch.tensor([True, True])
    assert kept_lines_loss(truth, truth, present, source) == 0
    dashed = truth.clone()
    dashed[..., 6, 8:16:2] = 0.0  # the frame broken into dashes over the widened eyes
    assert kept_lines_loss(dashed, truth, present, source) > 0.05
    far = truth.clone()
    far[..., 20, 8:16:2] = 0.0  # the far line broken: not this term's business
    assert kept_lines_loss(far, truth, present, source) == 0
    changed = truth.clone()
    changed[..., 8:10, 8:16] = 0.0  # the new eyes wrong: the paired and painting terms grade that
    assert kept_lines_loss(changed, truth, present, source) == 0
    assert kept_lines_loss(dashed, truth, torch.zeros(2, dtype=torch.bool), source) == 0
    dashed.requires_grad_(True)
    kept_lines_loss(dashed, truth, present, source).backward()
    assert dashed.grad.abs().sum() > 0


def test_the_still_mask_term_grades_the_mask_away_from_the_change_only():
    from emoface.stargan.losses import still_mask_loss
    source = torch.zeros(2, 3, 24, 24)
    truth = source.clone()
    truth[..., 16:18, 8:16] = 0.8  # a new mouth; the eyes above stay
    present = torch.tensor([True, True])
    keep = torch.ones(2, 1, 24, 24)
    assert still_mask_loss(keep, truth, present, source) == 0
    at_mouth = keep.clone()
    at_mouth[..., 15:19, 7:17] = 0.0  # painting the mouth and a pixel round it: free
    assert still_mask_loss(at_mouth, truth, present, source) == 0
    over_eyes = keep.clone()
    over_eyes[..., 6:9, 6:18] = 0.0  # painting the eyes the target leaves alone
    assert still_mask_loss(over_eyes, truth, present, source) > 0.05
    assert still_mask_loss(over_eyes, truth, torch.zeros(2, dtype=torch.bool), source) == 0
    over_eyes.requires_grad_(True)
    still_mask_loss(over_eyes, truth, present, source).backward()
    assert over_eyes.grad.abs().sum() > 0


def test_target_weights_draw_targets_that_often_and_survive_a_checkpoint(data, tmp_path):
    config = StarGANConfig(**{**TINY.__dict__, "batch_size": 400, "target_weights": (0.0, 1.0, 3.0)})
    trainer = StarGANTrainer(config, *data, tmp_path)
    counts = torch.bincount(trainer.sample_batch()[2], minlength=3)
    assert counts[0] == 0 and 2.2 < counts[2] / counts[1] < 4.0  # 3 : 1, give or take sampling
    uniform = StarGANTrainer(StarGANConfig(**{**TINY.__dict__, "batch_size": 400}), *data, tmp_path / "u")
    assert torch.bincount(uniform.sample_batch()[2], minlength=3).min() > 100  # None: the paper's uniform draw
    trainer.save()
    stored = load_checkpoint(tmp_path / "checkpoint.pt")["config"]
    assert config_from_dict({**stored, "target_weights": [0, 1, 3]}) == config  # a JSON copy reads back
    StarGANTrainer(config, *data, tmp_path).load_state(load_checkpoint(tmp_path / "checkpoint.pt"))


@pytest.mark.parametrize("weights", [(1.0, 1.0), (1.0, -1.0, 1.0), (0.0, 0.0, 0.0)])
def test_bad_target_weights_are_refused(data, tmp_path, weights):
    with pytest.raises(ValueError, match="target_weights must be 3 non-negative numbers"):
        StarGANTrainer(StarGANConfig(**{**TINY.__dict__, "target_weights": weights}), *data, tmp_path)


def test_target_weights_are_refused_for_attribute_labels(data, tmp_path):
    images, labels = data
    attributes = torch.nn.functional.one_hot(labels, 3)
    with pytest.raises(ValueError, match="attribute labels draw their targets from the batch"):
        StarGANTrainer(StarGANConfig(**{**TINY.__dict__, "target_weights": (1.0, 2.0, 1.0)}), images, attributes,
                       tmp_path)


def test_feature_matching_compares_what_d_sees_and_trains_g(data, tmp_path):
    from emoface.stargan.losses import feature_matching_loss
    from emoface.stargan.model import Discriminator

    D = Discriminator(16, 4, 3, 2)
    x = torch.rand(2, 3, 16, 16) * 2 - 1
    features = D.features(x)
    assert len(features) == 2 and torch.equal(features[-1], D.main(x))
    present = torch.tensor([True, True])
    assert feature_matching_loss(features, D.features(x.clone()), present) == 0
    assert feature_matching_loss(features, D.features(-x), present) > 0
    assert feature_matching_loss(features, D.features(-x), torch.zeros(2, dtype=torch.bool)) == 0

    base = {**TINY.__dict__, "lambda_pair": 1.0, "n_critic": 1}
    grads = {}
    for feat in (0.0, 10.0):
        trainer = StarGANTrainer(StarGANConfig(**{**base, "lambda_feat": feat}), *data,
                                 tmp_path / str(feat), partners=every_person_in_every_domain())
        log = trainer.train_step()
        assert ("G/feat" in log) == (feat > 0) and log.get("G/feat", 1.0) > 0
        grads[feat] = torch.cat([p.grad.flatten() for p in trainer.G.parameters() if p.grad is not None])
    assert not torch.allclose(grads[0.0], grads[10.0])  # the same first batch: only the term differs


def test_cls_smoothing_softens_only_ds_reading_of_real_faces(data, tmp_path, monkeypatch):
    from emoface.stargan import losses

    calls = []
    real_loss = losses.classification_loss

    def recording(logits, target, smoothing=0.0):
        calls.append(smoothing)
        return real_loss(logits, target, smoothing)

    monkeypatch.setattr(losses, "classification_loss", recording)
    config = StarGANConfig(**{**TINY.__dict__, "n_critic": 1, "d_warmup": 1, "cls_smoothing": 0.3})
    trainer = StarGANTrainer(config, *data, tmp_path)
    trainer.train_step()  # the classifier warm-up: D on real faces
    trainer.train_step()  # D on real faces, then G's term on its edits
    assert calls == [0.3, 0.3, 0.0]
    assert config_from_dict(asdict(config)).cls_smoothing == 0.3  # the setting survives a checkpoint
    with pytest.raises(ValueError, match="cls_smoothing is a share of each label"):
        StarGANTrainer(StarGANConfig(**{**TINY.__dict__, "cls_smoothing": 1.0}), *data, tmp_path / "bad")


@pytest.mark.parametrize("spectral, critic_steps, width", [(False, 1, 32), (True, 2, 8)])
def test_the_local_critic_trains_and_resumes_exactly(tmp_path, spectral, critic_steps, width):
    images = torch.randint(0, 256, (12, 3, 16, 16), dtype=torch.uint8, generator=torch.Generator().manual_seed(1))
    labels, partners = torch.arange(12) % 3, every_person_in_every_domain()
    config = StarGANConfig(**{**TINY.__dict__, "g_attention": True, "lambda_pair": 10.0, "lambda_local": 1.0,
                              "n_critic": 1, "local_spectral": spectral, "local_critic_steps": critic_steps,
                              "local_width": width})
    straight = StarGANTrainer(config, images, labels, tmp_path / "a", partners=partners)
    assert straight.D_local.main[0].out_channels == width
    before = {k: v.clone() for k, v in straight.D_local.state_dict().items()}
    log = straight.train_step()
    assert log["D/local"] > 0 and log["G/local"] > 0
    assert any(not torch.equal(before[k], v) for k, v in straight.D_local.state_dict().items())
    straight.callbacks = (CsvLog(every=2),)
    straight.train(progress=False)
    header, row = (straight.run_dir / "losses.csv").read_text().splitlines()[:2]
    assert float(row.split(",")[header.split(",").index("G/local")]) > 0
    first = StarGANTrainer(config, images, labels, tmp_path / "b", partners=partners)
    first.train(steps=3, progress=False)
    del first
    resumed = StarGANTrainer.resume_or_start(config, images, labels, tmp_path / "b", partners=partners)
    resumed.train(progress=False)
    for a, b in ((straight.G, resumed.G), (straight.D_local, resumed.D_local)):
        assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))
    assert StarGANTrainer(TINY, images, labels, tmp_path / "c").D_local is None
    assert any("parametrizations" in key for key in straight.D_local.state_dict()) == spectral


def test_the_local_critic_counts_only_cells_near_the_change():
    from emoface.stargan.local_critic import changed_cells, critic_loss, generator_loss
    source = torch.zeros(1, 3, 32, 32)
    truth = source.clone()
    truth[..., 20:22, 10:18] = 0.8  # a new mouth line
    cells = changed_cells(source, truth)
    assert cells.shape == (1, 1, 8, 8) and cells[0, 0, 5, 3] == 1 and cells[0, 0, 0, 0] == 0
    scores = torch.zeros(1, 1, 8, 8)
    scores[0, 0, 0, 0] = 5.0  # a wild verdict far from the change counts for nothing
    assert generator_loss(scores, cells) == pytest.approx(1.0)
    assert critic_loss(scores + 1, scores, cells) == pytest.approx(0.0)
    assert generator_loss(scores, changed_cells(source, source)) == 0
    assert changed_cells(source, truth, torch.tensor([False])).sum() == 0  # a row without a true face
    truth[..., 4:6, 10:18] = 0.8  # the brows move too
    assert changed_cells(source, truth)[0, 0, 1].sum() > 0
    lower = changed_cells(source, truth, from_row=0.5)  # only the cells from row 16 down count
    assert lower[0, 0, :4].sum() == 0 and torch.equal(lower[0, 0, 4:], cells[0, 0, 4:])
    lines = torch.zeros(1, 1, 32, 32, dtype=torch.bool)
    lines[..., 4:6, 10:18] = True  # only the brows are an expression line here
    on_lines = changed_cells(source, truth, lines=lines)
    assert on_lines[0, 0, 1].sum() > 0 and on_lines[0, 0, 4:].sum() == 0


def test_the_local_critic_on_lines_sees_the_lines_of_the_source_and_the_true_face(tmp_path):
    # 4 people × 3 expressions (image 3p + e). Channel 0 holds the image's index, channel 1 a ramp that
    # shows a flip; image k's line mask is the one pixel in row 5, column k.
    images = torch.zeros(12, 3, 16, 16, dtype=torch.uint8)
    images[:, 0] = torch.arange(12, dtype=torch.uint8)[:, None, None] * 10
    images[:, 1] = torch.arange(16, dtype=torch.uint8) * 10
    masks = torch.zeros(12, 1, 16, 16, dtype=torch.bool)
    masks[torch.arange(12), 0, 5, torch.arange(12)] = True
    labels, partners = torch.arange(12) % 3, every_person_in_every_domain()
    config = StarGANConfig(**{**TINY.__dict__, "g_attention": True, "lambda_pair": 10.0, "lambda_local": 1.0,
                              "local_on_lines": True, "n_critic": 1, "batch_size": 8})
    with pytest.raises(ValueError, match="local_on_lines needs line_masks"):
        StarGANTrainer(config, images, labels, tmp_path, partners=partners)
    with pytest.raises(ValueError, match="bool tensor"):
        StarGANTrainer(config, images, labels, tmp_path, partners=partners, line_masks=masks.float())
    trainer = StarGANTrainer(config, images, labels, tmp_path, partners=partners, line_masks=masks)
    x, source, target, _, lines = trainer._sample()
    for row in range(8):
        pixels = x[row].add(1).mul(127.5).round()
        index, flipped = int(pixels[0, 0, 0]) // 10, bool(pixels[1, 0, 0] > pixels[1, 0, -1])
        for mask, column in zip(lines, (index, index // 3 * 3 + int(target[row]))):  # the source's, its true edit's
            wanted = torch.zeros(16, 16, dtype=torch.bool)
            wanted[5, 15 - column if flipped else column] = True
            assert torch.equal(mask[row, 0], wanted)
    assert "G/local" in trainer.train_step()


def test_the_gone_lines_term_grades_only_the_old_lines_the_target_drops():
    from emoface.stargan.losses import gone_lines_loss
    truth = torch.zeros(2, 3, 24, 24)
    gone = torch.zeros(2, 1, 24, 24, dtype=torch.bool)
    gone[..., 14, 6:18] = True  # where the source's smile crease was
    present = torch.tensor([True, True])
    assert gone_lines_loss(truth, truth, present, gone) == 0
    ghost = truth.clone()
    ghost[..., 14, 6:18] = 0.2  # the old crease left faint
    assert gone_lines_loss(ghost, truth, present, gone) > 0.2  # its level and its grain
    elsewhere = truth.clone()
    elsewhere[..., 4, 6:18] = 0.8  # a wrong pixel off the old lines: the other terms' business
    assert gone_lines_loss(elsewhere, truth, present, gone) == 0
    assert gone_lines_loss(ghost, truth, torch.zeros(2, dtype=torch.bool), gone) == 0
    assert gone_lines_loss(ghost, truth, present, torch.zeros_like(gone)) == 0
    ghost.requires_grad_(True)
    gone_lines_loss(ghost, truth, present, gone).backward()
    assert ghost.grad.abs().sum() > 0


def test_the_gone_painting_term_grades_the_painting_on_the_old_lines_only():
    """Where the mask keeps the input the painting had copied a faint old line: this term alone pulls it to the
    true face there, so that opening the mask over the line can lower the edit's terms."""
    from emoface.stargan.losses import gone_painting_loss
    truth = torch.zeros(2, 3, 24, 24)
    gone = torch.zeros(2, 1, 24, 24, dtype=torch.bool)
    gone[..., 6, 4:20] = True  # a forehead line of the source
    present = torch.tensor([True, False])
    copied = truth.clone()
    copied[..., 6, 4:20] = -0.15  # the painting copied the input's faint line
    assert gone_painting_loss(copied, truth, present, gone) == pytest.approx(0.15)
    assert gone_painting_loss(truth, truth, present, gone) == 0
    off_line = truth.clone()
    off_line[..., 16, 4:20] = 0.9  # elsewhere the painting is the other terms' business
    assert gone_painting_loss(off_line, truth, present, gone) == 0
    assert gone_painting_loss(copied, truth, torch.zeros(2, dtype=torch.bool), gone) == 0


def test_the_open_gone_term_opens_a_saturated_mask_on_the_old_lines_only():
    """A mask kept at keep = 1.0 in bfloat16 over an old line passes no gradient back through its sigmoid; this
    term, on the logit, passes ≈ keep per pixel, whole. It is ≈ 0 where the mask paints already and does not see
    pixels off the old lines."""
    from emoface.stargan.losses import open_gone_loss
    gone = torch.zeros(2, 1, 8, 8, dtype=torch.bool)
    gone[..., 2, 1:7] = True
    present = torch.tensor([True, True])
    logit = torch.full((2, 1, 8, 8), 12.0, requires_grad=True)
    kept = torch.sigmoid(logit.to(torch.bfloat16))
    assert (kept == 1).all()  # what the other terms see: no gradient through it
    kept.float().sum().backward()
    assert logit.grad.abs().max() == 0
    logit.grad = None
    open_gone_loss(logit, present, gone).backward()
    assert torch.allclose(logit.grad[gone], torch.full((12,), 1 / 12), rtol=1e-3)
    assert logit.grad[~gone].abs().max() == 0
    painting = torch.full((2, 1, 8, 8), -12.0)  # keep ≈ 0: the mask paints the old lines already
    assert open_gone_loss(painting, present, gone) == pytest.approx(0.0, abs=1e-4)
    assert open_gone_loss(logit, torch.zeros(2, dtype=torch.bool), gone) == 0


def test_a_float32_mask_lets_the_edit_terms_reach_pixels_a_bfloat16_mask_keeps_at_exactly_one(tmp_path):
    """Under bfloat16 autocast the mask rounds to 1.0 wherever its logit passes ~6, and no term reaches those
    pixels' logit; ``mask_float32`` computes it in float32. A logit bias of 8 keeps every pixel so."""
    images = torch.randint(0, 256, (12, 3, 16, 16), dtype=torch.uint8, generator=torch.Generator().manual_seed(3))
    grads = {}
    for float32 in (False, True):
        config = StarGANConfig(**{**TINY.__dict__, "g_attention": True, "lambda_pair": 10.0, "n_critic": 1,
                                  "mask_float32": float32})
        trainer = StarGANTrainer(config, images, torch.arange(12) % 3, tmp_path / str(float32), amp=True,
                                 partners=every_person_in_every_domain())
        offset = torch.zeros(1, 4, 1, 1)
        offset[0, 3] = 8.0  # the mask's channel: keep = sigmoid(8 + KEEP_LOGIT) = 1.0 in bfloat16

        def saturate(module, inputs, output, float32=float32):
            output = output + offset.to(output.dtype)
            if output.requires_grad and float32 not in grads:  # the generator's update, on the edit
                output.register_hook(lambda grad: grads.__setitem__(float32, grad[:, 3].abs().sum().item()))
            return output

        trainer.G.main[-1].register_forward_hook(saturate)
        trainer.train_step()
    assert grads[False] == 0 and grads[True] > 0


def test_the_gone_lines_term_needs_line_masks_and_is_logged_with_them(tmp_path):
    images = torch.zeros(12, 3, 16, 16, dtype=torch.uint8)
    images[:, 0, :8] = (torch.arange(12, dtype=torch.uint8) % 3)[:, None, None] * 100  # the expression: the top half
    masks = torch.zeros(12, 1, 16, 16, dtype=torch.bool)
    masks[:, 0, :8] = (torch.arange(12) % 3 > 0)[:, None, None]  # expressions 1 and 2 draw lines there, 0 none
    labels, partners = torch.arange(12) % 3, every_person_in_every_domain()
    config = StarGANConfig(**{**TINY.__dict__, "g_attention": True, "lambda_pair": 10.0, "lambda_gone_lines": 2.0,
                              "n_critic": 1, "batch_size": 8})
    with pytest.raises(ValueError, match="lambda_gone_lines needs line_masks"):
        StarGANTrainer(config, images, labels, tmp_path, partners=partners)
    trainer = StarGANTrainer(config, images, labels, tmp_path, partners=partners, line_masks=masks)
    assert trainer.D_local is None  # the masks alone set up no local critic
    _, source, target, _, lines = trainer._sample()
    dropped = (source > 0) & (target == 0)
    assert torch.equal((lines.source & ~lines.true).flatten(1).any(1), dropped)
    assert torch.equal(lines.gone, lines.source & ~lines.true)  # without gone_masks: the same lines
    log = trainer.train_step()
    assert "G/gone_lines" in log and "G/local" not in log and "G/paint_gone" not in log
    painting = StarGANConfig(**{**config.__dict__, "lambda_gone_lines": 0.0, "lambda_paint_gone": 3.0})
    with pytest.raises(ValueError, match="lambda_paint_gone needs line_masks"):
        StarGANTrainer(painting, images, labels, tmp_path / "painting", partners=partners)
    trainer = StarGANTrainer(painting, images, labels, tmp_path / "painting", partners=partners, line_masks=masks)
    log = trainer.train_step()
    assert "G/paint_gone" in log and "G/gone_lines" not in log
    opening = StarGANConfig(**{**painting.__dict__, "lambda_paint_gone": 0.0, "lambda_open_gone": 1.0})
    with pytest.raises(ValueError, match="lambda_open_gone needs line_masks"):
        StarGANTrainer(opening, images, labels, tmp_path / "opening", partners=partners)
    log = StarGANTrainer(opening, images, labels, tmp_path / "opening", partners=partners,
                         line_masks=masks).train_step()
    assert "G/open_gone" in log and "G/paint_gone" not in log


def test_the_gone_painting_term_reaches_round_the_old_lines(tmp_path):
    images = torch.randint(0, 256, (12, 3, 16, 16), dtype=torch.uint8, generator=torch.Generator().manual_seed(5))
    masks = torch.zeros(12, 1, 16, 16, dtype=torch.bool)
    masks[:, 0, 4, 4:12] = (torch.arange(12) % 3 > 0)[:, None]  # a one-pixel line for expressions 1 and 2
    labels, partners = torch.arange(12) % 3, every_person_in_every_domain()
    config = StarGANConfig(**{**TINY.__dict__, "g_attention": True, "lambda_pair": 10.0, "lambda_paint_gone": 1.0,
                              "n_critic": 1, "batch_size": 8})
    graded = {}
    for reach in (0, 2):
        reaching = StarGANConfig(**{**config.__dict__, "paint_gone_reach": reach})
        trainer = StarGANTrainer(reaching, images, labels, tmp_path / str(reach), partners=partners, line_masks=masks)
        graded[reach] = trainer.train_step()["G/paint_gone"]
    assert graded[0] != graded[2]  # the same batch and weights, graded over the line alone or round it too


def test_gone_masks_set_what_the_gone_terms_grade_and_leave_the_line_critic_its_lines(tmp_path):
    images = torch.zeros(12, 3, 16, 16, dtype=torch.uint8)
    masks = torch.zeros(12, 1, 16, 16, dtype=torch.bool)
    masks[:, 0, :8] = (torch.arange(12) % 3 > 0)[:, None, None]  # the critic's lines: the top half
    wrinkles = torch.zeros_like(masks)
    wrinkles[:, 0, 12:] = (torch.arange(12) % 3 == 2)[:, None, None]  # expression 2's wrinkles: the bottom rows
    labels, partners = torch.arange(12) % 3, every_person_in_every_domain()
    config = StarGANConfig(**{**TINY.__dict__, "g_attention": True, "lambda_pair": 10.0, "lambda_open_gone": 1.0,
                              "n_critic": 1, "batch_size": 8})
    trainer = StarGANTrainer(config, images, labels, tmp_path, partners=partners, line_masks=masks,
                             gone_masks=wrinkles)
    _, source, target, _, lines = trainer._sample()
    assert torch.equal(lines.source.flatten(1).any(1), source > 0)  # the critic's lines unchanged
    assert not lines.gone[..., :12, :].any()
    assert torch.equal(lines.gone.flatten(1).any(1), (source == 2) & (target != 2))
    assert "G/open_gone" in trainer.train_step()
    with pytest.raises(ValueError, match="gone_masks must be a bool tensor"):
        StarGANTrainer(config, images, labels, tmp_path / "shape", partners=partners, line_masks=masks,
                       gone_masks=wrinkles[:, :, :8])
    critic_only = StarGANConfig(**{**config.__dict__, "lambda_open_gone": 0.0, "lambda_local": 1.0,
                                   "local_on_lines": True})
    with pytest.raises(ValueError, match="gone_masks are for the gone terms"):
        StarGANTrainer(critic_only, images, labels, tmp_path / "critic", partners=partners, line_masks=masks,
                       gone_masks=wrinkles)


def test_the_local_critic_warms_up_alone_then_g_feels_it(tmp_path):
    images = torch.randint(0, 256, (12, 3, 16, 16), dtype=torch.uint8, generator=torch.Generator().manual_seed(2))
    config = StarGANConfig(**{**TINY.__dict__, "g_attention": True, "lambda_pair": 10.0, "lambda_local": 1.0,
                              "local_warmup": 2, "n_critic": 1})
    trainer = StarGANTrainer(config, images, torch.arange(12) % 3, tmp_path, partners=every_person_in_every_domain())
    before = {k: v.clone() for k, v in weights(trainer).items()}
    logs = [trainer.train_step() for _ in range(2)]
    assert all(set(log) == {"step", "D/local", "lr_g"} for log in logs)
    assert all(torch.equal(before[k], v) for k, v in weights(trainer).items())  # G and D waited
    assert "G/local" in trainer.train_step()
    assert any(not torch.equal(before[k], v) for k, v in weights(trainer).items() if k.startswith("G."))


@pytest.mark.parametrize("flags, said", [(["--lambda-local", "1"], "give --lambda-pair"),
                                         (["--local-spectral"], "give --lambda-local"),
                                         (["--local-on-lines"], "give --lambda-local"),
                                         (["--lambda-kept-lines", "10"], "give --lambda-pair"),
                                         (["--lambda-gone-lines", "10"], "give --lambda-pair"),
                                         (["--wrinkle-lines"], "give one"),
                                         (["--gone-on-wrinkles"], "give one"),
                                         (["--paint-gone-reach", "2"], "give --lambda-paint-gone"),
                                         (["--lambda-paint-gone", "5"], "give --lambda-pair"),
                                         (["--lambda-pair", "10", "--lambda-paint-gone", "5"], "give --attention"),
                                         (["--lambda-pair", "10", "--lambda-open-gone", "1"], "give --attention"),
                                         (["--mask-float32"], "give --attention"),
                                         (["--lambda-pair", "10", "--lambda-still-mask", "5"], "give --attention"),
                                         (["--no-final-grading", "--export", "g.pt"], "drop --no-final-grading")])
def test_the_training_script_refuses_options_set_up_by_halves(tmp_path, flags, said):
    done = _run_training_script(tmp_path / "run", *flags, timeout=120)
    assert done.returncode == 2 and said in done.stderr and not (tmp_path / "run").exists()


def test_the_training_script_can_stop_after_training_without_the_final_grading(tmp_path):
    done = _run_training_script(tmp_path / "run", "--train-identities", "3", "--test-identities", "1", "--iters", "2",
                                "--no-final-grading", "--threads", "1", timeout=300)
    assert done.returncode == 0, done.stderr
    assert "final grading skipped" in done.stdout and "plain StarGAN edits" not in done.stdout
    assert (tmp_path / "run" / "checkpoint.pt").exists() and (tmp_path / "run" / "train_seconds.txt").exists()


def _run_training_script(run_dir, *flags: str, timeout: int):
    """``scripts/train_demo_generator.py --run-dir run_dir *flags`` in a subprocess, its output captured."""
    import subprocess
    import sys
    from pathlib import Path
    script = Path(__file__).resolve().parents[1] / "scripts" / "train_demo_generator.py"
    return subprocess.run([sys.executable, str(script), "--run-dir", str(run_dir), *flags],
                          capture_output=True, text=True, timeout=timeout)
