"""nn: modules, layers, losses (built on autograd_core)."""
