import torch

from emoface.stargan import losses


def test_wasserstein_signs():
    real, fake = torch.tensor([2.0, 4.0]), torch.tensor([1.0, 1.0])
    assert losses.critic_loss(real, fake) == -2.0  # D is rewarded for scoring real above fake
    assert losses.generator_adversarial_loss(fake) == -1.0


def test_gradient_penalty_of_a_linear_critic_is_known():
    # D(x) = <w, x> has gradient w everywhere, so the penalty is (‖w‖ − 1)² wherever x̂ falls.
    w = torch.full((1, 3, 2, 2), 0.5)  # ‖w‖ = sqrt(12 · 0.25) = sqrt(3)

    def critic(x):
        return (x * w).flatten(1).sum(1)

    real, fake = torch.randn(4, 3, 2, 2), torch.randn(4, 3, 2, 2)
    penalty = losses.gradient_penalty(critic, real, fake)
    assert torch.isclose(penalty, torch.tensor((3 ** 0.5 - 1) ** 2), atol=1e-5)
    unit = losses.gradient_penalty(lambda x: (x * w / 3 ** 0.5).flatten(1).sum(1), real, fake)
    assert unit.abs() < 1e-6


def test_gradient_penalty_flows_back_to_the_critic():
    layer = torch.nn.Linear(4, 1)
    penalty = losses.gradient_penalty(lambda x: layer(x), torch.randn(8, 4), torch.randn(8, 4))
    penalty.backward()
    assert layer.weight.grad is not None and layer.weight.grad.abs().sum() > 0


def test_classification_single_and_multi_label():
    logits = torch.tensor([[5.0, -5.0], [-5.0, 5.0]])
    assert losses.classification_loss(logits, torch.tensor([0, 1])) < 0.01
    assert losses.classification_loss(logits, torch.tensor([1, 0])) > 5
    multi = losses.classification_loss(logits, torch.tensor([[1.0, 0.0], [0.0, 1.0]]))
    assert multi < 0.02


def test_reconstruction():
    x = torch.rand(2, 3, 4, 4)
    assert losses.reconstruction_loss(x, x) == 0
    assert torch.isclose(losses.reconstruction_loss(x, x + 0.5), torch.tensor(0.5))


def test_classification_smoothing_never_rewards_certainty():
    certain = torch.tensor([[20.0, -20.0, -20.0]])
    ids, vectors = torch.tensor([0]), torch.tensor([[1.0, 0.0, 0.0]])
    assert losses.classification_loss(certain, ids, 0.0) < 1e-6
    assert losses.classification_loss(certain, ids, 0.2) > 1.0  # the smoothed target penalises certainty
    # its best logits put 1 - 0.2 + 0.2/3 on the label, not all of it
    best = torch.log(torch.tensor([[1 - 0.2 + 0.2 / 3, 0.2 / 3, 0.2 / 3]]))
    assert losses.classification_loss(best, ids, 0.2) < losses.classification_loss(certain, ids, 0.2)
    assert losses.classification_loss(certain, vectors, 0.2) > losses.classification_loss(certain, vectors, 0.0) + 1.0
