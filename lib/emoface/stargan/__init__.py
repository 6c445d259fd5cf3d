"""The expression-synthesis half of the paper: StarGAN (Choi et al., 2018), its losses and training."""
