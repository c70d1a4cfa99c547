"""Shared test helpers."""
import os
import subprocess
import sys
import textwrap
import threading

import numpy as np
from safetensors import safe_open
from safetensors.numpy import save_file

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


def check_jvp(fn, *inputs, seed=0, tol=1e-10):
    """Forward mode against reverse mode: for random tangents v of the float
    inputs, the output tangent of ``fn`` on dual inputs equals J·v with J built
    row by row with ``ag.grad``. ``fn`` may return a tensor or a tuple."""
    rng = np.random.default_rng(seed)
    floats = [i for i, x in enumerate(inputs) if isinstance(x, ag.Tensor) and x.dtype.kind == "f"]
    tangents = {i: rng.standard_normal(inputs[i].shape) for i in floats}
    duals = [ag.forward.dual(x.detach(), tangents[i]) if i in tangents else x
             for i, x in enumerate(inputs)]
    outs = fn(*duals)
    outs = outs if isinstance(outs, (tuple, list)) else (outs,)
    leaves = [x.detach().requires_grad_() if i in tangents else x for i, x in enumerate(inputs)]
    ref = fn(*leaves)
    ref = ref if isinstance(ref, (tuple, list)) else (ref,)
    wrt = [leaves[i] for i in floats]
    for out, r in zip(outs, ref):
        if not isinstance(out, ag.Tensor) or out.dtype.kind != "f":
            continue
        _, tangent = ag.forward.unpack_dual(out)
        jv = np.zeros(r.shape)
        if r.requires_grad:
            flat = jv.reshape(-1)
            for k in range(r.numel()):
                seed_k = np.zeros(r.numel())
                seed_k[k] = 1
                grads = ag.grad(r, wrt, ag.tensor(seed_k.reshape(r.shape), dtype=r.dtype),
                                retain_graph=True, allow_unused=True)
                flat[k] = sum(float((g.detach().numpy() * tangents[i]).sum())
                              for g, i in zip(grads, floats) if g is not None)
        got = np.zeros(r.shape) if tangent is None else tangent.numpy()
        np.testing.assert_allclose(got, jv, rtol=tol, atol=tol)



def check_float32_kept(fn, ref, x64):
    """An elementwise ``fn`` on float32 input: a float32 output close to the
    float64 reference ``ref`` (numpy) and float32 gradients (``ag.grad`` and
    ``backward``) close to those of the float64 leaf ``x64``."""
    x = ag.tensor(x64._data.astype(np.float32), requires_grad=True)
    y = fn(x)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y._data, ref(x64._data), rtol=2e-6, atol=1e-6)
    (g,) = ag.grad(y, x, ag.ones_like(y))
    assert g.dtype == np.float32
    (g64,) = ag.grad(fn(x64), x64, ag.ones(x64.shape, dtype=np.float64))
    np.testing.assert_allclose(g._data, g64._data, rtol=1e-5, atol=1e-6)
    fn(x).backward(ag.ones_like(y))
    assert x.grad.dtype == np.float32



def check_float32_backward(fn, x):
    """``fn`` of the float32 leaf ``x`` is float32, and so is the gradient
    ``backward`` leaves in ``x.grad``."""
    y = fn(x)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32

def run_threads(work, n):
    """Run ``work(k)`` for k = 0 .. n-1 in n threads at once; return when all are done."""
    threads = [threading.Thread(target=work, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

def forge_checkpoint(src, dest, **changes):
    """Write to ``dest`` a copy of the safetensors checkpoint ``src`` with
    metadata entries replaced (``a__b`` names the entry ``a.b``; a value of
    None deletes the entry)."""
    with safe_open(str(src), "np") as f:
        meta, tensors = f.metadata(), {k: f.get_tensor(k) for k in f.keys()}
    for key, value in changes.items():
        key = key.replace("__", ".")
        if value is None:
            meta.pop(key)
        else:
            meta[key] = value
    save_file(tensors, str(dest), meta)
    return dest


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the project


def run_script(path, source, cwd, timeout):
    """Write the dedented ``source`` to ``path`` and run it with this Python in
    ``cwd``, the project first on PYTHONPATH; assert that it exits with 0 and
    return its standard output."""
    path.write_text(textwrap.dedent(source))
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    res = subprocess.run([sys.executable, str(path)], cwd=cwd, env=env, capture_output=True, text=True,
                         timeout=timeout)
    assert res.returncode == 0, res.stdout + res.stderr
    return res.stdout
