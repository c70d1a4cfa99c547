"""The kernels' machinery: the backend switch (``set_backend`` and
``AUTOGRAD_CORE_KERNELS``), numba kept out of ``import autograd_core``,
cached compilation, and kernels split over threads (also in a forked child)."""
import os
import subprocess
import sys

import numpy as np
import pytest

from autograd_core import kernels
from autograd_core.kernels import avgpool as AP
from autograd_core.kernels import batchnorm as BN
from autograd_core.kernels import im2col as IM
from autograd_core.kernels import pool as PL
from autograd_core.kernels import threads
from autograd_core.ops.pool_args import pool_out_size


def _data(shape, seed):
    return np.random.default_rng(seed).standard_normal(shape)


# -- threads --------------------------------------------------------------------------------------
def _split_kernels_agree():
    x = _data((3, 5, 8, 7), 1)
    for g in ((2, 2, 2, 2, 0, 0, 1, 1), (3, 2, 2, 1, 1, 1, 1, 2)):
        oh = pool_out_size(8, g[0], g[2], g[4], g[6], False)
        ow = pool_out_size(7, g[1], g[3], g[5], g[7], False)
        (v, i), (v2, i2) = PL.max_pool2d_numba(x, *g, oh, ow), PL.max_pool2d_numpy(x, *g, oh, ow)
        np.testing.assert_array_equal(v, v2)
        np.testing.assert_array_equal(i, i2)
        gy = _data(v.shape, 2)
        np.testing.assert_allclose(PL.max_unpool_add_numba(gy, i, 8, 7), PL.max_unpool_add_numpy(gy, i, 8, 7))
        a = g[:6] + (oh, ow, True, 0)
        np.testing.assert_allclose(AP.avg_pool2d_numba(x, *a), AP.avg_pool2d_numpy(x, *a))
        b = (8, 7) + g[:6] + (True, 0)
        np.testing.assert_allclose(AP.avg_pool2d_backward_numba(gy, *b), AP.avg_pool2d_backward_numpy(gy, *b))
    x3, w, b = x.reshape(3, 5, -1), _data((5,), 3), _data((5,), 4)
    for u, v in zip(BN.batch_norm_train_numba(x3, w, b, 1e-5), BN.batch_norm_train_numpy(x3, w, b, 1e-5)):
        np.testing.assert_allclose(u, v, rtol=1e-12, atol=1e-12)
    _, mu, var = BN.batch_norm_train_numpy(x3, w, b, 1e-5)
    args = (x3 * 0.5, x3, mu, 1 / np.sqrt(var + 1e-5), w, True)
    for u, v in zip(BN.batch_norm_backward_numba(*args), BN.batch_norm_backward_numpy(*args)):
        np.testing.assert_allclose(u, v, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(BN.channel_affine_numba(x3, w, b), BN.channel_affine_numpy(x3, w, b))


def test_kernels_split_over_threads(monkeypatch):
    monkeypatch.setattr(threads, "PARALLEL_MIN", 0)  # split even these small arrays
    old = threads.get_num_threads()
    try:
        for n in (3, 1):
            threads.set_num_threads(n)
            _split_kernels_agree()
    finally:
        threads.set_num_threads(old)
    with pytest.raises(ValueError, match="positive number of threads"):
        threads.set_num_threads(0)


def _child(queue):
    try:
        _split_kernels_agree()
        queue.put("ok")
    except Exception as e:  # reported to the parent
        queue.put(repr(e))


def test_split_in_a_forked_child(monkeypatch):
    import multiprocessing

    monkeypatch.setattr(threads, "PARALLEL_MIN", 0)
    old = threads.get_num_threads()
    threads.set_num_threads(2)
    try:
        _split_kernels_agree()  # the parent's pool exists before the fork
        ctx = multiprocessing.get_context("fork")
        queue = ctx.Queue()
        child = ctx.Process(target=_child, args=(queue,))
        child.start()
        child.join(60)
        assert child.exitcode == 0 and queue.get(timeout=5) == "ok"  # no deadlock on the parent's pool
    finally:
        if child.is_alive():
            child.kill()
        threads.set_num_threads(old)


# -- the switch -----------------------------------------------------------------------------------
def test_set_backend():
    old = kernels.set_backend("numpy")
    try:
        assert kernels.backend() == "numpy"
        assert not kernels.use_numba(np.zeros(2))
        kernels.set_backend("numba")
        assert kernels.use_numba(np.zeros(2, np.float32)) and not kernels.use_numba(np.zeros(2, np.int64))
        with pytest.raises(ValueError, match="'numpy' or 'numba'"):
            kernels.set_backend("cuda")
    finally:
        kernels.set_backend(old)


def _run(code, **env):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, **env})


def test_environment_switch_and_lazy_numba():
    res = _run("import sys, autograd_core.kernels as k; print(k.backend(), 'numba' in sys.modules)",
               AUTOGRAD_CORE_KERNELS="numpy")
    assert res.stdout.split() == ["numpy", "False"], res.stderr
    res = _run("import sys, autograd_core as ag; print(ag.kernels.backend(), 'numba' in sys.modules)",
               AUTOGRAD_CORE_KERNELS="")
    assert res.stdout.split() == ["numba", "False"], res.stderr
    res = _run("import autograd_core", AUTOGRAD_CORE_KERNELS="gpu")
    assert res.returncode != 0 and "AUTOGRAD_CORE_KERNELS must be 'numpy' or 'numba'" in res.stderr


def test_kernels_are_cached_numba_functions():
    IM.im2col_numba(np.zeros((1, 1, 2, 2)), 1, 1, 1, 1, 0, 0, 1, 1, 2, 2)
    compiled = IM._im2col_loops.compiled
    assert compiled._cache.__class__.__name__ == "FunctionCache"  # njit(cache=True)
    assert IM._im2col_loops.py_func is IM._im2col_loops.__wrapped__
