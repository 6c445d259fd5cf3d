"""What each profile trains and evaluates in the StarGAN lesson: one table, no numbers in notebooks.

* ``smoke`` (CI, seconds): a tiny network for a few steps, to prove the code runs; figures and the
  evaluation use the shipped generator on a handful of held-out people;
* ``demo`` (a laptop CPU, minutes): the shipped generator, fine-tuned briefly, evaluated on 100 held-out
  people — the numbers the README quotes;
* ``full`` (a Colab GPU): the paper's settings (128×128, 200k iterations) on a real face set, resuming
  across disconnects.

The shipped generator itself was trained by ``scripts/train_demo_generator.py`` with :data:`DEMO_CONFIG`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..settings import Profile, get_profile
from .trainer import StarGANConfig

#: The shipped demo generator: 64×64 SynthFaces, half-width networks, G updated every 2nd step.
DEMO_CONFIG = StarGANConfig(image_size=64, g_conv_dim=32, d_conv_dim=32, g_repeat_num=3, d_repeat_num=5,
                            n_critic=2, num_iters=11_000, num_iters_decay=5_500)
#: Held-out people are drawn from here on; training uses identities 0, 1, 2, …
TEST_FIRST_IDENTITY = 1_000_000


@dataclass(frozen=True)
class StarGANRecipe:
    config: StarGANConfig  # for a run from scratch in this profile
    train_identities: int  # SynthFaces people for training (and for the judge)
    test_identities: int  # held-out people for the evaluation
    fine_tune_steps: int  # steps of fine-tuning the shipped generator (0: none)
    judge_epochs: int
    ablation_steps: int  # per variant of Fig. 6
    ablation_identities: tuple[int, int]  # (train, test)


RECIPES: dict[str, StarGANRecipe] = {
    "smoke": StarGANRecipe(StarGANConfig(image_size=64, g_conv_dim=8, d_conv_dim=8, g_repeat_num=1, d_repeat_num=5,
                                         batch_size=4, n_critic=2, num_iters=4, num_iters_decay=2),
                           train_identities=8, test_identities=3, fine_tune_steps=2, judge_epochs=1,
                           ablation_steps=2, ablation_identities=(3, 2)),
    "demo": StarGANRecipe(DEMO_CONFIG, train_identities=300, test_identities=100, fine_tune_steps=60, judge_epochs=5,
                          ablation_steps=150, ablation_identities=(60, 20)),
    "full": StarGANRecipe(StarGANConfig(), train_identities=2000, test_identities=200, fine_tune_steps=2000,
                          judge_epochs=5, ablation_steps=20_000, ablation_identities=(1000, 100)),
}


def recipe(profile: Profile | str | None = None) -> StarGANRecipe:
    """The recipe of ``profile`` (a :class:`Profile`, its name, or None for ``$EMOFACE_PROFILE``)."""
    name = profile.name if isinstance(profile, Profile) else get_profile(profile).name
    return RECIPES[name]
