"""Random numbers: ``Generator``, the default generator and the random factories.

A ``Generator`` wraps one ``numpy.random.Generator`` (PCG64). Every random
function takes ``generator=``: a ``Generator``, a plain
``numpy.random.Generator``, or None for the default generator
(``torch.default_generator``), which ``manual_seed(s)`` re-seeds. A generator
seeded with ``s`` draws the stream of ``numpy.random.default_rng(s)``.
"""
import numpy as np

from .device import check_device
from .tensor import DEFAULT_FLOAT, Tensor

_DEFAULT_SEED = 67280421310721  # PyTorch's initial seed of a new generator
_SEED_MIN, _SEED_MAX = -0x8000_0000_0000_0000, 0xFFFF_FFFF_FFFF_FFFF


def _check_seed(seed):
    seed = int(seed)
    if not _SEED_MIN <= seed <= _SEED_MAX:
        raise RuntimeError(f"Overflow when unpacking long: seed must be within the range "
                           f"[{_SEED_MIN}, {_SEED_MAX}], got {seed}")
    return seed + 2**64 if seed < 0 else seed


class Generator:
    """A source of random numbers with its own state (``torch.Generator``)."""

    def __init__(self, device="cpu"):
        self.device = check_device(device, "Generator")
        self.manual_seed(_DEFAULT_SEED)

    def manual_seed(self, seed):
        """Re-seed; returns the generator."""
        self._seed = _check_seed(seed)
        self._rng = np.random.default_rng(self._seed)
        return self

    def seed(self):
        """Re-seed with a non-deterministic 64-bit seed, and return it."""
        seed = int(np.random.SeedSequence().generate_state(1, np.uint64)[0])
        self.manual_seed(seed)
        return seed

    def initial_seed(self):
        return self._seed

    def __repr__(self):
        return f"<autograd_core.Generator object, seed={self._seed}>"


default_generator = Generator()


def numpy_generator(generator=None):
    """The ``numpy.random.Generator`` to draw from: the one inside ``generator``
    (a ``Generator``), ``generator`` itself (a ``numpy.random.Generator``), or
    the default generator's (looked up now: ``manual_seed`` replaces it)."""
    if generator is None:
        return default_generator._rng
    if isinstance(generator, Generator):
        return generator._rng
    if isinstance(generator, np.random.Generator):
        return generator
    raise TypeError(f"generator must be a Generator (or a numpy.random.Generator), "
                    f"got {type(generator).__name__}")


def manual_seed(seed):
    """Seed the default generator; returns it."""
    return default_generator.manual_seed(seed)


def _shape(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    return tuple(int(s) for s in size)


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Uniform on [0, 1)."""
    check_device(device, "rand")
    arr = numpy_generator(generator).random(_shape(size)).astype(dtype or DEFAULT_FLOAT)
    return Tensor(arr, requires_grad=requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Standard normal."""
    check_device(device, "randn")
    arr = numpy_generator(generator).standard_normal(_shape(size)).astype(dtype or DEFAULT_FLOAT)
    return Tensor(arr, requires_grad=requires_grad)


def randint(low, high=None, size=(), dtype=None, generator=None):
    """Integers uniform on [low, high) (``randint(high, size)`` as in PyTorch)."""
    if isinstance(high, (tuple, list)):  # randint(high, size)
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    rng = numpy_generator(generator)
    return Tensor(rng.integers(low, high, size=_shape((size,))).astype(dtype or np.int64))


def randperm(n, dtype=None, generator=None):
    return Tensor(numpy_generator(generator).permutation(n).astype(dtype or np.int64))


def rand_like(input, dtype=None, requires_grad=False):
    return rand(input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def randn_like(input, dtype=None, requires_grad=False):
    return randn(input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def randint_like(input, low, high=None, dtype=None):
    return randint(low, high, input.shape, dtype=dtype or input.dtype)
