"""Random numbers: ``Generator``, the default generator, the random factories
(``rand``, ``randn``, ``randint``, ``randperm``, ``normal``, ``bernoulli``,
``multinomial`` and the ``*_like`` ones) and the Tensor methods that fill a
tensor in place (``uniform_``, ``normal_``, ``random_``, ``bernoulli_``,
``exponential_``, ...).

A ``Generator`` wraps one ``numpy.random.Generator`` (PCG64): seeded with
``s``, it draws the stream of ``numpy.random.default_rng(s)``. Every random
function takes ``generator=``: a ``Generator``, a plain
``numpy.random.Generator``, or None for ``default_generator``, which
``manual_seed(s)`` re-seeds. As in PyTorch, a new generator (and the default
one at start-up) has the seed 67280421310721, so an unseeded program draws the
same numbers at every run; ``seed()`` picks a non-deterministic seed.

``get_state()`` is a uint8 tensor of 48 bytes (little-endian): the initial
seed (8), PCG64's state (16) and increment (16), and its buffered 32-bit
half-word flag (4) and value (4); ``set_state`` restores all of it exactly.
"""
import contextlib

import numpy as np

from .creation import size_arg
from .device import check_device
from .dtypes import get_default_dtype
from .tensor import Tensor

_DEFAULT_SEED = 67280421310721  # PyTorch's initial seed of a new generator
_SEED_MIN, _SEED_MAX = -0x8000_0000_0000_0000, 0xFFFF_FFFF_FFFF_FFFF
_STATE_BYTES = 48


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
        """Re-seed with ``seed`` (an integer in [-2**63, 2**64)); returns the generator."""
        self._seed = _check_seed(seed)
        self._rng = np.random.default_rng(self._seed)
        return self

    def seed(self):
        """Re-seed with a non-deterministic 64-bit seed, and return it."""
        seed = int(np.random.SeedSequence().generate_state(1, np.uint64)[0])
        self.manual_seed(seed)
        return seed

    def initial_seed(self):
        """The seed of the last ``manual_seed``/``seed`` (or of the state set)."""
        return self._seed

    def get_state(self):
        """The whole state as a uint8 tensor (see the module's docstring)."""
        st = self._rng.bit_generator.state
        if st["bit_generator"] != "PCG64":
            raise RuntimeError(f"get_state: unsupported bit generator {st['bit_generator']}")
        raw = (self._seed.to_bytes(8, "little") + st["state"]["state"].to_bytes(16, "little")
               + st["state"]["inc"].to_bytes(16, "little") + int(st["has_uint32"]).to_bytes(4, "little")
               + int(st["uinteger"]).to_bytes(4, "little"))
        return Tensor(np.frombuffer(raw, np.uint8).copy())

    def set_state(self, new_state):
        """Restore a state from ``get_state()``; returns the generator."""
        arr = new_state._data if isinstance(new_state, Tensor) else new_state
        if not isinstance(arr, np.ndarray) or arr.dtype != np.uint8:
            got = type(new_state).__name__ if not isinstance(arr, np.ndarray) else f"a {arr.dtype} tensor"
            raise TypeError(f"expected a torch.ByteTensor (uint8 tensor), but got {got}")
        if arr.size != _STATE_BYTES:
            raise RuntimeError(f"Expected a generator state of {_STATE_BYTES} bytes, got {arr.size}")
        raw = arr.reshape(-1).tobytes()
        rng = np.random.default_rng()
        rng.bit_generator.state = {
            "bit_generator": "PCG64",
            "state": {"state": int.from_bytes(raw[8:24], "little"), "inc": int.from_bytes(raw[24:40], "little")},
            "has_uint32": int.from_bytes(raw[40:44], "little"),
            "uinteger": int.from_bytes(raw[44:48], "little"),
        }
        self._seed, self._rng = int.from_bytes(raw[:8], "little"), rng
        return self

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


def seed():
    """Seed the default generator non-deterministically; returns the seed."""
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    """The default generator's state (a uint8 tensor)."""
    return default_generator.get_state()


def set_rng_state(new_state):
    default_generator.set_state(new_state)


@contextlib.contextmanager
def fork_rng(devices=None, enabled=True, _caller="fork_rng", _devices_kw="devices", device_type="cuda"):
    """Within the block, draw from the default generator freely: its state is
    restored on exit (``torch.random.fork_rng``; there are no other devices)."""
    if not enabled:
        yield
        return
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)


# -- factories -----------------------------------------------------------------

def _float_dtype(dtype, name):
    dtype = np.dtype(get_default_dtype() if dtype is None else dtype)
    if dtype.kind != "f":
        raise RuntimeError(f"\"{name}\" not implemented for '{dtype}': a floating-point dtype is needed")
    return dtype


def _check_requires_grad(dtype, requires_grad):
    if requires_grad and np.dtype(dtype).kind not in "fc":
        raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")


def _new(arr, requires_grad=False):
    return Tensor(arr, requires_grad=requires_grad)


def _float_draw(name, draw, size, kw, generator, dtype, device, requires_grad):
    """The float tensor ``draw(rng, shape)`` of ``rand``/``randn``'s arguments, checked in their order."""
    shape = size_arg(size, name, kw.pop("size", None))
    _no_more(kw, name)
    check_device(device, name)
    dtype = _float_dtype(dtype, name)
    return _new(draw(numpy_generator(generator), shape).astype(dtype), requires_grad)


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False, **kw):
    """Uniform on [0, 1): ``rand(2, 3)``, ``rand((2, 3))``, ``rand(size=(2, 3))``."""
    return _float_draw("rand", np.random.Generator.random, size, kw, generator, dtype, device, requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False, **kw):
    """Standard normal: ``randn(2, 3)``, ``randn((2, 3))``, ``randn(size=(2, 3))``."""
    return _float_draw("randn", np.random.Generator.standard_normal, size, kw, generator, dtype, device,
                       requires_grad)


def _no_more(kw, name):
    kw.pop("layout", None), kw.pop("pin_memory", None), kw.pop("memory_format", None)
    if kw:
        raise TypeError(f"{name}() got an unexpected keyword argument '{next(iter(kw))}'")


def _int_bounds(low, high, dtype, name="random_"):
    """Check [low, high) is non-empty and representable in ``dtype``."""
    low, high = int(low), int(high)
    if low >= high:
        raise RuntimeError(f"{name} expects 'from' to be less than 'to', but got from={low} >= to={high}")
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        if low < info.min or high - 1 > info.max:
            raise RuntimeError(f"{name} expects 'from' and 'to - 1' to be within [{info.min}, {info.max}] "
                               f"for dtype {dtype}, got from={low}, to={high}")
    elif dtype.kind == "b" and (low < 0 or high > 2):
        raise RuntimeError(f"{name} expects 'from' and 'to - 1' to be 0 or 1 for bool, got from={low}, to={high}")
    return low, high


def _draw_ints(rng, low, high, shape, dtype):
    if high - 1 > np.iinfo(np.int64).max:  # only uint64-sized ranges
        return rng.integers(low, high, size=shape, dtype=np.uint64).astype(dtype)
    return rng.integers(low, high, size=shape, dtype=np.int64).astype(dtype)


def randint(*args, size=None, generator=None, dtype=None, device=None, requires_grad=False, low=None,
            high=None, **kw):
    """Integers uniform on [low, high), in every PyTorch form: ``randint(high, size)``,
    ``randint(low, high, size)``, ``size`` given by keyword, ``dtype`` (int64 by default)."""
    _no_more(kw, "randint")
    args = list(args)
    if size is None and args and isinstance(args[-1], (tuple, list)):
        size = args.pop()
    if len(args) == 2:
        low, high = args
    elif len(args) == 1:
        if high is None:
            high = args[0]
        else:
            low = args[0]
    elif args:
        raise TypeError(f"randint() takes (high, size) or (low, high, size), got {len(args)} numbers")
    if high is None or size is None or isinstance(size, (int, np.integer)):
        raise TypeError("randint() received an invalid combination of arguments: expected "
                        "(high, size) or (low, high, size) with size a tuple of ints")
    low = 0 if low is None else low
    shape = size_arg((size,), "randint")
    check_device(device, "randint")
    dtype = np.dtype(np.int64 if dtype is None else dtype)
    _check_requires_grad(dtype, requires_grad)
    low, high = _int_bounds(low, high, dtype, "random_")
    return _new(_draw_ints(numpy_generator(generator), low, high, shape, dtype), requires_grad)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False, **kw):
    """A random permutation of 0 .. n-1 (int64 by default)."""
    _no_more(kw, "randperm")
    n = int(n)
    if n < 0:
        raise RuntimeError(f"n must be non-negative, got{n}")
    check_device(device, "randperm")
    dtype = np.dtype(np.int64 if dtype is None else dtype)
    _check_requires_grad(dtype, requires_grad)
    return _new(numpy_generator(generator).permutation(n).astype(dtype), requires_grad)


def rand_like(input, *, dtype=None, device=None, requires_grad=False, generator=None, **kw):
    return rand(input.shape, dtype=input.dtype if dtype is None else dtype, device=device, requires_grad=requires_grad,
                generator=generator, **kw)


def randn_like(input, *, dtype=None, device=None, requires_grad=False, generator=None, **kw):
    return randn(input.shape, dtype=input.dtype if dtype is None else dtype, device=device, requires_grad=requires_grad,
                 generator=generator, **kw)


def randint_like(input, low=0, high=None, *, dtype=None, device=None, requires_grad=False, generator=None,
                 **kw):
    """``randint_like(input, high)`` or ``randint_like(input, low, high)``."""
    if high is None:
        low, high = 0, low
    return randint(low, high, tuple(input.shape), dtype=input.dtype if dtype is None else dtype, device=device,
                   requires_grad=requires_grad, generator=generator, **kw)


def _array(x):
    return x._data if isinstance(x, Tensor) else np.asarray(x)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None, requires_grad=False,
           **kw):
    """Samples of N(mean, std²) in PyTorch's forms: ``normal(mean_tensor, std_tensor)``
    (broadcast), ``normal(mean_tensor, std=1.0)``, ``normal(mean, std_tensor)`` and
    ``normal(mean, std, size)`` with floats."""
    _no_more(kw, "normal")
    check_device(device, "normal")
    tensors = [t for t in (mean, std) if isinstance(t, Tensor)]
    if tensors:
        if size is not None:
            raise TypeError("normal() received an invalid combination of arguments: size is only "
                            "accepted with float mean and std")
        m, s = _array(mean), _array(std)
        if np.any(s < 0):
            raise RuntimeError("normal expects all elements of std >= 0.0")
        shape = np.broadcast_shapes(np.shape(m), np.shape(s))
        out_dtype = np.dtype(dtype) if dtype is not None else np.result_type(*[t.dtype for t in tensors])
        if out_dtype.kind != "f":
            raise RuntimeError(f"\"normal\" not implemented for '{out_dtype}'")
    else:
        if size is None:
            raise TypeError("normal() received an invalid combination of arguments: with float mean "
                            "and std, size is required")
        m, s = float(mean), float(std)
        if s < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {s}")
        shape = size_arg((size,), "normal")
        out_dtype = _float_dtype(dtype, "normal")
    draw = numpy_generator(generator).standard_normal(shape)
    return _new((m + s * draw).astype(out_dtype), requires_grad)


def _probabilities(p, name):
    if np.any(p < 0) or np.any(p > 1) or np.any(np.isnan(p)):
        raise RuntimeError(f"{name}: Expected p_in >= 0 && p_in <= 1 to be true, but got false.")
    return p


def bernoulli(input, p=None, *, generator=None, **kw):
    """0/1 draws, 1 with probability ``input`` (elementwise), or with probability
    ``p`` (a number) in the shape of ``input``; the dtype is ``input``'s."""
    _no_more(kw, "bernoulli")
    probs = _array(input) if p is None else np.broadcast_to(_array(p), input.shape)
    probs = _probabilities(probs, "bernoulli")
    draw = numpy_generator(generator).random(input.shape) < probs
    return _new(draw.astype(input.dtype))


def multinomial(input, num_samples, replacement=False, *, generator=None, **kw):
    """Indices of categories drawn with probability proportional to the rows of
    ``input`` (1-D: one distribution, 2-D: one per row), int64. Without
    replacement each index appears at most once per row (successive sampling:
    the smallest ``num_samples`` of E_i / w_i with E_i ~ Exp(1))."""
    _no_more(kw, "multinomial")
    w = _array(input)
    if w.ndim not in (1, 2):
        raise RuntimeError(f"prob_dist must be 1 or 2 dim, got {w.ndim}")
    if w.dtype.kind != "f":
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: {w.dtype}")
    num_samples = int(num_samples)
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    n_cat = w.shape[-1]
    if not replacement and num_samples > n_cat:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    rows = w.reshape(-1, n_cat).astype(np.float64)
    if not np.all(np.isfinite(rows)) or np.any(rows < 0):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    total = rows.sum(axis=1)
    if np.any(total <= 0):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    rng = numpy_generator(generator)
    if replacement:
        cdf = np.cumsum(rows / total[:, None], axis=1)
        cdf[:, -1] = 1.0
        u = rng.random((rows.shape[0], num_samples))
        idx = np.stack([np.searchsorted(c, r, side="right") for c, r in zip(cdf, u)])
        idx = np.minimum(idx, n_cat - 1)
    else:
        if np.any(np.count_nonzero(rows, axis=1) < num_samples):
            raise RuntimeError("invalid multinomial distribution (with replacement=False, not enough "
                               "non-negative category to sample)")
        with np.errstate(divide="ignore"):
            keys = rng.standard_exponential(rows.shape) / rows
        idx = np.argsort(keys, axis=1, kind="stable")[:, :num_samples]
    return _new(idx.reshape(w.shape[:-1] + (num_samples,)).astype(np.int64))


# -- Tensor methods that fill in place ------------------------------------------

def _fill(self, values):
    """Write ``values`` into ``self`` as an in-place op (a leaf that requires grad
    raises outside ``no_grad``, as in PyTorch; ``nn.init`` wraps these in it)."""
    from .ops.inplace import fill_

    return fill_(self, np.asarray(values).astype(self.dtype, copy=False))


def uniform_(self, a=0.0, b=1.0, *, generator=None, **kw):
    """Fill with samples of U(a, b) (``from``/``to`` accepted as keywords)."""
    a, b = kw.pop("from", a), kw.pop("to", b)
    _no_more(kw, "uniform_")
    if a > b:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={a} > to={b}")
    return _fill(self, a + (b - a) * numpy_generator(generator).random(self.shape))


def normal_(self, mean=0.0, std=1.0, *, generator=None):
    """Fill with samples of N(mean, std²)."""
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    return _fill(self, mean + std * numpy_generator(generator).standard_normal(self.shape))


def _dtype_top(dtype):
    """The exclusive upper bound of ``random_()`` without ``to``: 2**digits + 1 for floats."""
    if dtype.kind == "f":
        return 2 ** (np.finfo(dtype).nmant + 1) + 1
    if dtype.kind == "b":
        return 2
    return int(np.iinfo(dtype).max) + 1


def random_(self, *args, generator=None, **kw):
    """Fill with integers uniform on [from, to): ``random_()`` (0 up to the
    largest integer of the dtype), ``random_(to)``, ``random_(from, to)``."""
    low, high = 0, None
    if len(args) == 1:
        high = args[0]
    elif len(args) == 2:
        low, high = args
    elif args:
        raise TypeError(f"random_() takes at most 2 positional arguments ({len(args)} given)")
    low, high = kw.pop("from", low), kw.pop("to", high)
    _no_more(kw, "random_")
    dtype = self.dtype
    if high is None:
        high = _dtype_top(dtype)
    low, high = _int_bounds(low, high, dtype)
    return _fill(self, _draw_ints(numpy_generator(generator), low, high, self.shape, dtype))


def bernoulli_(self, p=0.5, *, generator=None):
    """Fill with 0/1, 1 with probability ``p`` (a number or a tensor broadcast to self)."""
    probs = _probabilities(np.broadcast_to(_array(p), self.shape), "bernoulli_")
    return _fill(self, numpy_generator(generator).random(self.shape) < probs)


def exponential_(self, lambd=1.0, *, generator=None):
    """Fill with samples of Exp(lambd) (density lambd · exp(-lambd x))."""
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    return _fill(self, numpy_generator(generator).standard_exponential(self.shape) / lambd)


def geometric_(self, p, *, generator=None):
    """Fill with the number of Bernoulli(p) trials up to the first success (1, 2, ...)."""
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
    return _fill(self, numpy_generator(generator).geometric(p, self.shape))


def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    """Fill with exp of N(mean, std²) samples."""
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")
    return _fill(self, np.exp(mean + std * numpy_generator(generator).standard_normal(self.shape)))


def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    """Fill with samples of the Cauchy distribution."""
    return _fill(self, median + sigma * numpy_generator(generator).standard_cauchy(self.shape))


def _bernoulli_method(self, p=None, *, generator=None):
    return bernoulli(self, p, generator=generator)


def _multinomial_method(self, num_samples, replacement=False, *, generator=None):
    return multinomial(self, num_samples, replacement, generator=generator)


METHODS = {
    "uniform_": uniform_, "normal_": normal_, "random_": random_, "bernoulli_": bernoulli_,
    "exponential_": exponential_, "geometric_": geometric_, "log_normal_": log_normal_, "cauchy_": cauchy_,
    "bernoulli": _bernoulli_method, "multinomial": _multinomial_method,
}


def install_methods(cls):
    for name, fn in METHODS.items():
        setattr(cls, name, fn)


__all__ = ["Generator", "default_generator", "manual_seed", "seed", "initial_seed", "get_rng_state",
           "set_rng_state", "fork_rng", "rand", "randn", "randint", "randperm", "rand_like", "randn_like",
           "randint_like", "normal", "bernoulli", "multinomial"]
