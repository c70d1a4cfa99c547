"""``gradcheck`` and ``gradgradcheck``: analytic Jacobians against central
finite differences, in float64.

For every input x that requires grad and every element j of it,

    ∂f_i/∂x_j ≈ (f_i(x + ε e_j) − f_i(x − ε e_j)) / 2ε

is compared with row i of the analytic Jacobian, obtained by reverse mode
(one backward pass per output element, seeded with the unit vector e_i).
They agree when |analytic − numerical| <= atol + rtol·|numerical|.
"""
import numpy as np

from .engine import grad
from .tensor import Tensor


class GradcheckError(RuntimeError):
    """Raised by ``gradcheck`` when the Jacobians differ."""


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _outputs(fn, inputs):
    return [o for o in _as_tuple(fn(*inputs)) if isinstance(o, Tensor)]


def _numerical(fn, inputs, x, eps, out_index):
    """Jacobian of output ``out_index`` w.r.t. ``x`` by central differences:
    (out.size, x.size). Grad mode stays on: gradgradcheck's ``fn`` differentiates."""
    data = x._data  # perturbed in place, element by element (any memory layout)
    size = _outputs(fn, inputs)[out_index]._data.size
    jac = np.zeros((size, data.size))
    for j, idx in enumerate(np.ndindex(data.shape)):
        old = data[idx]
        data[idx] = old + eps
        plus = _outputs(fn, inputs)[out_index]._data.astype(np.float64).reshape(-1)
        data[idx] = old - eps
        minus = _outputs(fn, inputs)[out_index]._data.astype(np.float64).reshape(-1)
        data[idx] = old
        jac[:, j] = (plus - minus) / (2 * eps)
    return jac


def _analytic(out, wrt):
    """Jacobians of ``out`` w.r.t. each tensor of ``wrt`` by reverse mode."""
    jacs = [np.zeros((out._data.size, x._data.size)) for x in wrt]
    if not out.requires_grad:
        return jacs
    for i in range(out._data.size):
        seed = np.zeros(out._data.size, out._data.dtype)
        seed[i] = 1
        grads = grad(out, wrt, Tensor(seed.reshape(out.shape)), retain_graph=True, allow_unused=True)
        for k, (x, g) in enumerate(zip(wrt, grads)):
            if g is None:
                continue
            if g.shape != x.shape:
                raise GradcheckError(f"gradient of input {k} has shape {tuple(g.shape)}, "
                                     f"expected {tuple(x.shape)}")
            if g.dtype != x.dtype:
                raise GradcheckError(f"gradient of input {k} has dtype {g.dtype}, expected {x.dtype}")
            jacs[k][i] = g._data.reshape(-1)
    return jacs


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True):
    """True when the analytic gradients of ``fn`` at ``inputs`` match central
    differences; otherwise raise ``GradcheckError`` naming the input, the
    output and input elements and both values (or return False when
    ``raise_exception=False``). Inputs should be float64."""
    inputs = _as_tuple(inputs)
    wrt = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]
    if not wrt:
        raise ValueError("gradcheck: no input requires grad")
    positions = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    for x, pos in zip(wrt, positions):
        if x.dtype != np.float64:
            raise TypeError(f"gradcheck: input {pos} is {x.dtype}; use float64 for finite differences")
    outs = _outputs(fn, inputs)
    for o_idx, out in enumerate(outs):
        if out._data.dtype.kind != "f":
            continue
        analytic = _analytic(out, wrt)
        for x, pos, a_jac in zip(wrt, positions, analytic):
            n_jac = _numerical(fn, inputs, x, eps, o_idx)
            bad = np.abs(a_jac - n_jac) > atol + rtol * np.abs(n_jac)
            if bad.any():
                i, j = np.argwhere(bad)[0]
                elem = np.unravel_index(j, x.shape) if x.ndim else ()
                out_elem = np.unravel_index(i, out.shape) if out.ndim else ()
                msg = (f"Jacobian mismatch for output {o_idx} with respect to input {pos}, "
                       f"output element {tuple(map(int, out_elem))}, input element "
                       f"{tuple(map(int, elem))}:\nnumerical: {float(n_jac[i, j])!r}\nanalytic:  "
                       f"{float(a_jac[i, j])!r}\n({int(bad.sum())} of {bad.size} entries differ)")
                if raise_exception:
                    raise GradcheckError(msg)
                return False
    return True


def gradgradcheck(fn, inputs, grad_outputs=None, eps=1e-6, atol=1e-5, rtol=1e-3,
                  raise_exception=True, seed=0):
    """``gradcheck`` of the gradient: checks the second derivatives of ``fn``
    by differentiating ``v ↦ J(x)ᵀ v`` (built with ``create_graph=True``)
    with respect to ``x`` and to ``v``. ``grad_outputs`` default to random
    float64 tensors."""
    inputs = _as_tuple(inputs)
    outs = _outputs(fn, inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(seed)
        grad_outputs = [Tensor(rng.standard_normal(o.shape), requires_grad=True) for o in outs]
    grad_outputs = list(_as_tuple(grad_outputs))
    n = len(inputs)

    def first_derivatives(*args):
        xs, vs = args[:n], args[n:]
        ys = [o for o in _outputs(fn, xs) if o.requires_grad]
        wrt = [x for x in xs if isinstance(x, Tensor) and x.requires_grad]
        gs = grad(ys, wrt, [v for v, o in zip(vs, _outputs(fn, xs)) if o.requires_grad],
                  create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None)

    return gradcheck(first_derivatives, (*inputs, *grad_outputs), eps, atol, rtol, raise_exception)
