"""``autograd_core.utils``, as ``torch.utils``: ``autograd_core.utils.data`` is
the project's ``data`` package (Dataset, DataLoader, samplers ...), reached
through the facade (``autograd_core/_facade.py``) on first use."""
from .._facade import attribute


def __getattr__(name):
    return attribute(__name__, name)
