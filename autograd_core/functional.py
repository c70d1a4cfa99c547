"""Function transforms, named as in ``torch.func`` / ``torch.autograd.functional``:
``vjp``, ``jvp``, ``jacrev``, ``jacfwd``, ``jacobian``, ``hessian``, ``hvp``,
``grad`` and ``value_and_grad``. They work on any function written with
``autograd_core`` operations.

For f: Rⁿ → Rᵐ with Jacobian J = ∂f/∂x (m × n):

    vjp:  vᵀJ   one reverse pass (backward seeded with v)
    jvp:  J v   one forward pass (inputs carry the tangent v, see ``forward``)
    jacrev: J row by row, m reverse passes (seeds e₁ … eₘ)
    jacfwd: J column by column, n forward passes (tangents e₁ … eₙ)

so ``jacobian(mode='auto')`` picks forward mode when n < m, reverse otherwise
(``jacobian_mode``). A Jacobian has shape ``out.shape + in.shape``.

Second derivatives go forward-over-reverse: the inputs carry a tangent v
through f *and* through the backward pass of f (every op used by a backward
rule has a ``jvp`` rule), so the gradient comes out carrying

    d/dε ∇f(x + εv) |₀ = H v

``hvp`` is one such pass and ``hessian = jacfwd(jacrev(f))`` is n of them.
Reverse transforms nest too (``jacrev(jacrev(f))``, reverse-over-reverse):
an argument that already requires grad stays in its graph and the results
are built with ``create_graph``, so they can be differentiated. Forward
mode carries one tangent per tensor, so forward-over-forward and
reverse-over-forward are not supported (they raise).
"""
import numpy as np

from .engine import grad as _backprop
from .forward import dual, unpack_dual
from .grad_mode import enable_grad, is_grad_enabled, no_grad
from .tensor import Tensor

__all__ = ["vjp", "jvp", "jacrev", "jacfwd", "jacobian", "jacobian_mode", "hessian", "hvp",
           "grad", "value_and_grad"]


# -- helpers -------------------------------------------------------------------
def _tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _tensor(x, i, name):
    t = x if isinstance(x, Tensor) else Tensor(x)
    if t._data.dtype.kind != "f":
        raise TypeError(f"{name}: argument {i} must be a floating point tensor, got {t.dtype}")
    return t


def _argnums(argnums, n, name):
    nums = _tuple(argnums)
    if not nums:
        raise ValueError(f"{name}: argnums must not be empty")
    for a in nums:
        if type(a) is not int or not -n <= a < n:
            raise ValueError(f"{name}: argnums {argnums!r} out of range for a function called "
                             f"with {n} positional arguments")
    return tuple(a % n for a in nums)


def _zeros(x):
    return Tensor(np.zeros(x._data.shape, x._data.dtype))


def _strip(t):
    """``t`` out of the graph, keeping its tangent."""
    p, tangent = unpack_dual(t)
    return p.detach() if tangent is None else dual(p.detach(), tangent)


def _strip_all(x):
    """``_strip`` on the tensors of ``x`` (nested tuples, lists and dicts)."""
    if isinstance(x, Tensor):
        return _strip(x)
    if isinstance(x, (tuple, list)):
        return type(x)(_strip_all(v) for v in x)
    if isinstance(x, dict):
        return {k: _strip_all(v) for k, v in x.items()}
    return x


def _differentiable(args, nums, name):
    """The arguments with those in ``nums`` ready for a backward pass, and
    whether gradients must keep a graph. An argument already in a graph (an
    outer reverse transform) is used as is and the inner gradients are made
    with ``create_graph``; any other becomes a fresh leaf (keeping a tangent
    it carries, for forward-over-reverse)."""
    args = [_tensor(a, i, name) if i in nums else a for i, a in enumerate(args)]
    nested = any(args[i].requires_grad for i in nums)
    for i in nums:
        if not args[i].requires_grad:
            args[i] = _strip(args[i]).requires_grad_()
    return args, [args[i] for i in nums], nested


def _pullback(out, wrt, seed, nested, retain):
    """seedᵀ ∂out/∂wrt, zeros for inputs ``out`` does not depend on."""
    if not out.requires_grad:  # a constant of the inputs
        return [_zeros(x) for x in wrt]
    gs = _backprop(out, wrt, seed, retain_graph=retain or nested, create_graph=nested,
                   allow_unused=True)
    return [_zeros(x) if g is None else g for g, x in zip(gs, wrt)]


def _check_forward(args, nums, name):
    for i in nums:
        if unpack_dual(args[i])[1] is not None:
            raise RuntimeError(f"{name}: argument {i} already carries a tangent; nested forward "
                               "mode (forward-over-forward) is not supported")
        if args[i].requires_grad and is_grad_enabled():
            raise RuntimeError(f"{name}: argument {i} requires grad, but tangents are computed "
                               "without recording a graph (reverse-over-forward is not supported); "
                               "pass a detached tensor, or use jacfwd(jacrev(f)) for second derivatives")


def _tangent(t):
    """The tangent of ``t`` (zeros when it carries none: a constant)."""
    tangent = unpack_dual(t)[1]
    return _zeros(t) if tangent is None else tangent


def _float(o, name):
    if not isinstance(o, Tensor) or o._data.dtype.kind != "f":
        raise TypeError(f"{name}: the function must return floating point tensors, got "
                        f"{o.dtype if isinstance(o, Tensor) else type(o).__name__}")
    return o


def _float_outputs(out, name):
    return tuple(_float(o, name) for o in _tuple(out))


def _map(fn, out, name):
    """``fn`` applied to every tensor of ``out`` (a tensor or nested tuples)."""
    if isinstance(out, (tuple, list)):
        return tuple(_map(fn, o, name) for o in out)
    return fn(_float(out, name))


def _pack(jacs, out, argnums):
    """jacs[k][i] (output k, input i) in the structure of ``out`` and ``argnums``."""
    per_out = [j[0] if isinstance(argnums, int) else tuple(j) for j in jacs]
    return per_out[0] if isinstance(out, Tensor) else tuple(per_out)


# -- reverse mode ----------------------------------------------------------------
def vjp(f, *primals):
    """``(f(*primals), vjp_fn)``; ``vjp_fn(v)`` returns vᵀ ∂f/∂primalᵢ for every
    primal (a tuple), by one backward pass. ``v`` has the structure of the output."""
    with enable_grad():
        args, wrt, nested = _differentiable(list(primals), range(len(primals)), "vjp")
        out = f(*args)
    outs = _float_outputs(out, "vjp")

    def vjp_fn(cotangents):
        cots = _tuple(cotangents)
        if len(cots) != len(outs):
            raise ValueError(f"vjp_fn: expected {len(outs)} cotangents, got {len(cots)}")
        used = [(o, c) for o, c in zip(outs, cots) if o.requires_grad]
        if not used:
            return tuple(_zeros(x) for x in wrt)
        with enable_grad():
            gs = _backprop([o for o, _ in used], wrt, [c for _, c in used], retain_graph=True,
                           create_graph=nested, allow_unused=True)
        return tuple(_zeros(x) if g is None else g for g, x in zip(gs, wrt))

    if not nested:
        out = _strip(out) if isinstance(out, Tensor) else tuple(_strip(o) for o in outs)
    return out, vjp_fn


def value_and_grad(f, argnums=0, has_aux=False):
    """A function returning ``(f(*args), ∇f)``: the gradient of the scalar
    output with respect to the arguments ``argnums`` (a tuple of gradients when
    ``argnums`` is a tuple). With ``has_aux``, f returns ``(output, aux)`` and
    the value is ``(output, aux)``."""

    def wrapper(*args):
        nums = _argnums(argnums, len(args), "value_and_grad")
        with enable_grad():
            args, wrt, nested = _differentiable(list(args), nums, "value_and_grad")
            res = f(*args)
            out, aux = res if has_aux else (res, None)
            if not isinstance(out, Tensor) or out._data.size != 1 or out._data.dtype.kind != "f":
                got = (f"shape {tuple(out.shape)} and dtype {out.dtype}" if isinstance(out, Tensor)
                       else type(out).__name__)
                raise RuntimeError(f"grad(f)(*args): expected f(*args) to return a floating point "
                                   f"scalar tensor, got {got}")
            gs = _pullback(out, wrt, None, nested, retain=False)
        value, aux = (out, aux) if nested else (_strip(out), _strip_all(aux))
        g = gs[0] if isinstance(argnums, int) else tuple(gs)
        return ((value, aux) if has_aux else value), g

    return wrapper


def grad(f, argnums=0, has_aux=False):
    """The gradient of a scalar function as a function: ``grad(f)(x) = ∇f(x)``
    (``(∇f, aux)`` with ``has_aux``)."""
    vg = value_and_grad(f, argnums, has_aux)

    def wrapper(*args):
        value, g = vg(*args)
        return (g, value[1]) if has_aux else g

    return wrapper


def jacrev(f, argnums=0):
    """The Jacobian of f with respect to the arguments ``argnums``, as a
    function, by reverse mode: one backward pass per output element."""
    from .ops import reshape, stack

    def jac(*args):
        nums = _argnums(argnums, len(args), "jacrev")
        with enable_grad():
            args, wrt, nested = _differentiable(list(args), nums, "jacrev")
            out = f(*args)
            outs = _float_outputs(out, "jacrev")
            jacs = []
            for o in outs:
                m = o._data.size
                rows = []
                for r in range(m):  # seed e_r: row r of J
                    seed = np.zeros(m, o._data.dtype)
                    seed[r] = 1
                    rows.append(_pullback(o, wrt, Tensor(seed.reshape(o._data.shape)), nested,
                                          retain=r < m - 1))
                jacs.append([reshape(stack([row[i] for row in rows]), o.shape + x.shape) if m
                             else Tensor(np.zeros(o.shape + x.shape, x.dtype))
                             for i, x in enumerate(wrt)])
        return _pack(jacs, out, argnums)

    return jac


# -- forward mode ----------------------------------------------------------------
def jvp(f, primals, tangents):
    """``(f(*primals), J·tangents)`` by one forward pass on dual tensors.
    ``primals`` and ``tangents``: a tensor or tuples of tensors of equal shapes."""
    primals, tangents = _tuple(primals), _tuple(tangents)
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: got {len(primals)} primals and {len(tangents)} tangents")
    args = [_tensor(p, i, "jvp") for i, p in enumerate(primals)]
    _check_forward(args, range(len(args)), "jvp")
    out = f(*(dual(p, t) for p, t in zip(args, tangents)))
    return _map(lambda o: unpack_dual(o)[0], out, "jvp"), _map(_tangent, out, "jvp")


def jacfwd(f, argnums=0):
    """The Jacobian of f with respect to the arguments ``argnums``, as a
    function, by forward mode: one forward pass per input element."""
    from .ops import reshape, stack

    def jac(*args):
        nums = _argnums(argnums, len(args), "jacfwd")
        args = [_tensor(a, i, "jacfwd") if i in nums else a for i, a in enumerate(args)]
        _check_forward(args, nums, "jacfwd")
        out, columns = None, []
        for i in nums:  # the columns of J for argument i
            x = args[i]
            n = x._data.size
            cols = []
            for c in range(n):  # tangent e_c: column c of J
                e = np.zeros(n, x._data.dtype)
                e[c] = 1
                call = list(args)
                call[i] = dual(x, e.reshape(x._data.shape))
                out = f(*call)
                cols.append([_tangent(o) for o in _float_outputs(out, "jacfwd")])
            columns.append(cols)
        if out is None or any(not cols for cols in columns):  # an empty input: shapes from f
            out = f(*args)
        outs = _float_outputs(out, "jacfwd")
        jacs = [[reshape(stack([col[k] for col in cols], -1), o.shape + args[i].shape) if cols
                 else Tensor(np.zeros(o.shape + args[i].shape, o.dtype))
                 for i, cols in zip(nums, columns)] for k, o in enumerate(outs)]
        return _pack(jacs, out, argnums)

    return jac


def jacobian_mode(n_inputs, n_outputs):
    """The mode with fewer passes for a Jacobian of n_outputs × n_inputs:
    ``'fwd'`` (n_inputs passes) when n_inputs < n_outputs, else ``'rev'``."""
    return "fwd" if n_inputs < n_outputs else "rev"


def jacobian(f, inputs, mode="auto"):
    """The Jacobian of f at ``inputs`` (a tensor, or a tuple giving a tuple of
    Jacobians), shape ``out.shape + in.shape``, by ``mode`` ``'rev'``
    (``jacrev``), ``'fwd'`` (``jacfwd``) or ``'auto'`` (``jacobian_mode``
    of the total input and output sizes; it costs one extra forward pass)."""
    if mode not in ("auto", "rev", "fwd"):
        raise ValueError(f"jacobian: mode must be 'auto', 'rev' or 'fwd', got {mode!r}")
    single = not isinstance(inputs, (tuple, list))
    xs = [_tensor(x, i, "jacobian") for i, x in enumerate(_tuple(inputs))]
    xs = [x.detach() if x.requires_grad else x for x in xs]
    if mode == "auto":
        with no_grad():
            outs = _float_outputs(f(*xs), "jacobian")
        mode = jacobian_mode(sum(x._data.size for x in xs), sum(o._data.size for o in outs))
    transform = jacfwd if mode == "fwd" else jacrev
    return transform(f, 0 if single else tuple(range(len(xs))))(*xs)


# -- second order ----------------------------------------------------------------
def hessian(f, argnums=0):
    """The Hessian of f as a function, forward-over-reverse:
    ``jacfwd(jacrev(f))``, n forward passes through f and its backward pass.
    Shape ``out.shape + in.shape + in.shape``."""
    return jacfwd(jacrev(f, argnums), argnums)


def hvp(f, primals, v):
    """``(f(*primals), H·v)`` for a scalar f, forward-over-reverse: one
    backward pass on inputs carrying the tangent v, i.e. the ``jvp`` of
    ``value_and_grad(f)``; the gradient's tangent is H·v."""
    single = not isinstance(primals, (tuple, list))
    primals = [_tensor(p, i, "hvp").detach() for i, p in enumerate(_tuple(primals))]
    argnums = 0 if single else tuple(range(len(primals)))
    (value, _), (_, hv) = jvp(value_and_grad(f, argnums), primals, v)
    return value, hv
