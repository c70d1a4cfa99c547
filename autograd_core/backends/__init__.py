"""``torch.backends`` as in a CPU-only PyTorch build: ``cudnn`` (its flags
can be set, and are ignored) and ``mps`` are not available."""
from . import cudnn, mps

__all__ = ["cudnn", "mps"]
