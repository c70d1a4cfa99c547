"""The fused numba kernels of SGD and Adam/AdamW (autograd_core/kernels/optim.py)
against their numpy twins:
the same float operations in the same order, so parameters and state agree
bit for bit, in float32 and float64, on a short array and on one long enough
for the vectorised loop and its remainder; arrays that are not C-contiguous take the numpy
path and give the same numbers. The kernels follow the engine's switch
(``set_backend``, ``AUTOGRAD_CORE_KERNELS``), and importing optim compiles nothing."""
import os
import subprocess
import sys

import numpy as np
import pytest

import autograd_core as ag
import optim
from autograd_core import kernels
from autograd_core.kernels import optim as K

OPTIONS = {
    optim.SGD: [dict(lr=0.1), dict(lr=0.1, momentum=0.9), dict(lr=0.1, momentum=0.9, dampening=0.3),
                dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1),
                dict(lr=0.1, momentum=0.5, weight_decay=0.2, maximize=True)],
    optim.Adam: [dict(lr=0.01), dict(lr=0.01, weight_decay=0.1), dict(lr=0.01, amsgrad=True),
                 dict(lr=0.01, amsgrad=True, maximize=True, weight_decay=0.1, betas=(0.8, 0.9), eps=1e-3)],
    optim.AdamW: [dict(lr=0.01), dict(lr=0.01, weight_decay=0.3, amsgrad=True, maximize=True)],
}
CASES = [pytest.param(cls, kw, id=f"{cls.__name__}-{kw}") for cls, kws in OPTIONS.items() for kw in kws]


def trajectory(cls, kw, fused, dtype, n, kernel_set, steps=3):
    kernel_set(fused)
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
def test_kernel_equals_numpy_twin(cls, kw, dtype, n, kernel_set):
    p1, s1 = trajectory(cls, kw, True, dtype, n, kernel_set)
    p0, s0 = trajectory(cls, kw, False, dtype, n, kernel_set)
    assert p1.dtype == dtype
    np.testing.assert_array_equal(p1, p0)
    assert s1.keys() == s0.keys()
    for k in s1:
        np.testing.assert_array_equal(s1[k], s0[k])


def test_kernels_are_used_for_contiguous_float_arrays():
    a = np.zeros(3, np.float32)
    assert K.usable(a, a) == (kernels.backend() == "numba")
    assert not K.usable(a, np.zeros((3, 2), np.float32)[:, 0])
    assert not K.usable(np.zeros(3, np.float16))


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


@pytest.mark.parametrize("fused", [True, False])
def test_switch_selects_the_kernel_set(fused, kernel_set, monkeypatch):
    calls = []
    for name in ("sgd_numba", "sgd_numpy", "adam_numba", "adam_numpy"):
        f = getattr(K, name)
        monkeypatch.setattr(K, name, lambda *a, _f=f, _n=name: (calls.append(_n), _f(*a)))
    kernel_set(fused)
    p = ag.tensor(np.ones(4, np.float32), requires_grad=True)
    for cls in (optim.SGD, optim.Adam):
        p.grad = ag.tensor(np.ones(4, np.float32))
        cls([p], lr=0.1).step()
    assert calls == (["sgd_numba", "adam_numba"] if fused else ["sgd_numpy", "adam_numpy"])


def _run(code, **env):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, **env})


def test_import_is_lazy_and_the_switch_is_validated():
    res = _run("import sys, optim; print('numba' in sys.modules)", AUTOGRAD_CORE_KERNELS="numba")
    assert res.stdout.split() == ["False"], res.stderr
    res = _run("import sys, optim, autograd_core as ag; ag.kernels.set_backend('fast')")
    assert res.returncode != 0 and "'numpy' or 'numba'" in res.stderr
    res = _run("import optim", AUTOGRAD_CORE_KERNELS="fused")
    assert res.returncode != 0 and "AUTOGRAD_CORE_KERNELS must be 'numpy' or 'numba'" in res.stderr
