"""``torch.cuda`` as in a PyTorch build without CUDA: nothing is available,
the seeding functions are accepted and do nothing (as PyTorch's are when
CUDA is absent), and whatever would touch a GPU raises a ``RuntimeError``."""

_MESSAGE = "this engine is CPU-only: CUDA is not available (torch.cuda.is_available() is False)"


def is_available():
    """False: this engine has no CUDA device."""
    return False


def device_count():
    return 0


def is_initialized():
    return False


def manual_seed(seed):
    """Accepted and ignored, as PyTorch does without CUDA (there is no CUDA generator)."""
    int(seed)


def manual_seed_all(seed):
    """Accepted and ignored, as PyTorch does without CUDA."""
    int(seed)


def seed():
    """Accepted and ignored: there is no CUDA generator to seed."""


def seed_all():
    """Accepted and ignored: there is no CUDA generator to seed."""


def synchronize(device=None):
    """Nothing to wait for on a CPU-only build."""


def empty_cache():
    """Nothing to free on a CPU-only build."""


def _unavailable(*args, **kwargs):
    raise RuntimeError(_MESSAGE)


init = current_device = set_device = get_device_name = get_device_properties = _unavailable
memory_allocated = max_memory_allocated = memory_reserved = _unavailable
