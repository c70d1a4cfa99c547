"""Shared test helpers."""
import numpy as np

import autograd_core as ag


def leaf(*shape, seed=0, low=None, high=None, dtype=np.float64):
    """A float64 leaf tensor that requires grad, with reproducible values
    (standard normal, or uniform on [low, high) when bounds are given)."""
    rng = np.random.default_rng(seed)
    if low is None:
        arr = rng.standard_normal(shape)
    else:
        arr = rng.uniform(low, high, shape)
    return ag.tensor(arr, dtype=dtype, requires_grad=True)


def check(fn, *inputs, second=True, **kw):
    """gradcheck (and gradgradcheck unless second=False) of fn at inputs."""
    assert ag.gradcheck(fn, inputs, **kw)
    if second:
        assert ag.gradgradcheck(fn, inputs, **kw)
