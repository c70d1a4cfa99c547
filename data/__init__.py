"""data: datasets, loaders and transforms (built on autograd_core)."""
