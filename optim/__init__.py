"""optim: optimizers and learning-rate schedulers (built on autograd_core)."""
