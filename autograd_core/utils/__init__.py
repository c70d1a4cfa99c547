"""``autograd_core.utils``, as ``torch.utils``: ``autograd_core.utils.data`` is
the project's ``data`` package (Dataset, DataLoader, samplers ...), reached
through the facade (``autograd_core/_facade.py``) on first use;
``autograd_core.utils.tensorboard`` (``SummaryWriter``) is a subpackage of
the engine, also imported on first use."""
import importlib

from .._facade import attribute


def __getattr__(name):
    if name == "tensorboard":
        return importlib.import_module(f"{__name__}.{name}")
    return attribute(__name__, name)
