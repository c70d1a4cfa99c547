"""The fused numba kernels of SGD and Adam/AdamW against their numpy twins:
the same float operations in the same order, so parameters and state agree
bit for bit, in float32 and float64, on a short array and on one long enough
for the vectorised loop and its remainder; arrays that are not C-contiguous take the numpy
path and give the same numbers."""
import numpy as np
import pytest

import autograd_core as ag
import optim
from optim import _kernels

OPTIONS = {
    optim.SGD: [dict(lr=0.1), dict(lr=0.1, momentum=0.9), dict(lr=0.1, momentum=0.9, dampening=0.3),
                dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1),
                dict(lr=0.1, momentum=0.5, weight_decay=0.2, maximize=True)],
    optim.Adam: [dict(lr=0.01), dict(lr=0.01, weight_decay=0.1), dict(lr=0.01, amsgrad=True),
                 dict(lr=0.01, amsgrad=True, maximize=True, weight_decay=0.1, betas=(0.8, 0.9), eps=1e-3)],
    optim.AdamW: [dict(lr=0.01), dict(lr=0.01, weight_decay=0.3, amsgrad=True, maximize=True)],
}
CASES = [pytest.param(cls, kw, id=f"{cls.__name__}-{kw}") for cls, kws in OPTIONS.items() for kw in kws]


def trajectory(cls, kw, fused, dtype, n, monkeypatch, steps=3):
    monkeypatch.setattr(_kernels, "ENABLED", fused)
    rng = np.random.default_rng(n)
    p = ag.tensor(rng.standard_normal(n).astype(dtype), requires_grad=True)
    opt = cls([p], **kw)
    for _ in range(steps):
        p.grad = ag.tensor(rng.standard_normal(n).astype(dtype))
        opt.step()
    return p._data, {k: v._data for k, v in opt.state[p].items()}


@pytest.mark.parametrize("cls, kw", CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n", [7, 100_003])
def test_kernel_equals_numpy_twin(cls, kw, dtype, n, monkeypatch):
    p1, s1 = trajectory(cls, kw, True, dtype, n, monkeypatch)
    p0, s0 = trajectory(cls, kw, False, dtype, n, monkeypatch)
    assert p1.dtype == dtype
    np.testing.assert_array_equal(p1, p0)
    assert s1.keys() == s0.keys()
    for k in s1:
        np.testing.assert_array_equal(s1[k], s0[k])


def test_kernels_are_used_for_contiguous_float_arrays():
    a = np.zeros(3, np.float32)
    assert _kernels.usable(a, a) == _kernels.ENABLED
    assert not _kernels.usable(a, np.zeros((3, 2), np.float32)[:, 0])
    assert not _kernels.usable(np.zeros(3, np.float16))


@pytest.mark.parametrize("cls, kw", CASES)
def test_non_contiguous_parameter_takes_the_numpy_path(cls, kw):
    rng = np.random.default_rng(0)
    base = rng.standard_normal((5, 4)).astype(np.float32)
    grads = [rng.standard_normal((4, 5)).astype(np.float32) for _ in range(3)]
    results = []
    for contiguous in (False, True):
        p = ag.tensor(np.ascontiguousarray(base.T) if contiguous else base.T, requires_grad=True)
        assert p._data.flags.c_contiguous == contiguous
        opt = cls([p], **kw)
        for g in grads:
            p.grad = ag.tensor(g)
            opt.step()
        results.append(p._data.copy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-6, atol=1e-7)
