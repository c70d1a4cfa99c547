"""``einsum``: Einstein summation over labelled dims, with ``...`` for
broadcast dims and size-1 dims broadcasting against other operands.

    y[out] = Σ_{labels not in out}  Π_k  x_k[spec_k]

The gradient of operand k is another einsum: every other operand and ȳ are
multiplied and summed over all labels not in spec_k,

    x̄_k[spec_k] = Σ  ȳ[out] · Π_{j≠k} x_j[spec_j]

with two adjustments so that it is a valid einsum:

- a label repeated in spec_k (a diagonal, as in 'ii->i') gets a fresh label
  for each repeat, tied to the first by an identity-matrix operand δ_ij, so
  the gradient is zero off the diagonal;
- a label that appears in no other operand nor in the output (summed out
  within operand k, as in 'ij->') is given by a constant operand of ones, so
  ȳ is broadcast back along it.

Forward mode: the product is multilinear, so its tangent is the sum over
the operands of the same einsum with that operand replaced by its tangent,

    ẏ[out] = Σ_k  Σ_{labels not in out}  ẋ_k[spec_k] · Π_{j≠k} x_j[spec_j]

(an operand whose tangent is all zeros, or a constant, is skipped).

Labels are parsed once: ``...`` becomes explicit letters (right-aligned, as
numpy broadcasts), so the backward einsum needs no ellipsis. A bad equation
or operand shapes that do not fit it raise RuntimeError, as in PyTorch
(no operand at all is a ValueError there and here).

The module is named ``einsum_op`` so that the package name ``ops.einsum``
stays the function.
"""
import functools
import string

import numpy as np

from ..function import Op
from ..tensor import Tensor

_LETTERS = string.ascii_letters


class Einsum(Op):
    @staticmethod
    def forward(ctx, *args):
        *ops, (specs, out) = args
        ctx.specs, ctx.out = specs, out
        ctx.shapes = [o.shape for o in ops]
        ctx.save_for_backward(*ops)
        return np.einsum(",".join(specs) + "->" + out, *ops, optimize=_optimize(ops))

    @staticmethod
    def backward(ctx, g):
        ops = ctx.saved_tensors
        specs, out = ctx.specs, ctx.out
        grads = []
        for k, spec in enumerate(specs):
            if not ctx.needs_input_grad[k]:
                grads.append(None)
                continue
            fresh = iter(c for c in _LETTERS if c not in "".join(specs) + out)
            in_specs = [out] + [s for j, s in enumerate(specs) if j != k]
            in_ops = [g] + [o for j, o in enumerate(ops) if j != k]
            sizes, out_letters = {}, []
            for c, n in zip(spec, ctx.shapes[k]):
                if c in sizes:  # a repeat: fresh label f, tied to c by δ_cf
                    f = next(fresh)
                    in_specs.append(c + f)
                    in_ops.append(np.eye(n, dtype=g.dtype))
                    out_letters.append(f)
                else:
                    sizes[c] = n
                    out_letters.append(c)
            present = set("".join(in_specs))
            missing = "".join(c for c in sizes if c not in present)
            if missing:  # summed out only within operand k: broadcast ȳ back along it
                ones = np.broadcast_to(np.ones((), g.dtype), tuple(sizes[c] for c in missing))
                in_specs.append(missing)
                in_ops.append(ones)
            grads.append(_apply(in_specs, "".join(out_letters), in_ops))
        return (*grads, None)

    @staticmethod
    def jvp(ctx, *tangents):
        ops = ctx.saved_tensors
        terms = [_apply(ctx.specs, ctx.out, ops[:k] + (t,) + ops[k + 1:])
                 for k, t in enumerate(tangents[:-1]) if t is not None and t._data.any()]
        if not terms:
            k = next(k for k, t in enumerate(tangents[:-1]) if t is not None)
            return _apply(ctx.specs, ctx.out, ops[:k] + (tangents[k],) + ops[k + 1:])
        out = terms[0]
        for term in terms[1:]:
            out = out + term
        return out


class EinsumView(Einsum):
    """A single operand without summation (permutation, diagonal): numpy
    returns a view of the input."""

    _is_view = True


def _optimize(ops):
    """Let numpy plan (and call BLAS) only when the operands are large enough to pay for it."""
    return "greedy" if len(ops) > 1 and max(o.size for o in ops) >= 4096 else False


def _apply(specs, out, ops):
    cls = EinsumView if len(ops) == 1 and len(out) == len(set(specs[0])) else Einsum
    return cls.apply(*ops, (tuple(specs), out))


@functools.lru_cache(maxsize=256)
def _parse(equation, shapes):
    """The subscripts of each operand and of the output, '...' made explicit
    (cached: a training loop repeats the same equation and shapes)."""
    eq = equation.replace(" ", "")
    if eq.count("->") > 1 or any(c not in _LETTERS and c not in ".,->" for c in eq):
        raise RuntimeError(f"einsum: invalid equation {equation!r}")
    lhs, arrow, rhs = eq.partition("->")
    specs = lhs.split(",")
    if len(specs) != len(shapes):
        raise RuntimeError(f"einsum: the equation {equation!r} has {len(specs)} operand(s) but "
                         f"{len(shapes)} were given")
    ell = [0] * len(specs)  # number of dims covered by '...' in each operand
    for i, (s, shape) in enumerate(zip(specs, shapes)):
        named = len(s.replace("...", "", 1))
        if "." in s.replace("...", "", 1) or "-" in s or ">" in s:
            raise RuntimeError(f"einsum: invalid subscripts {s!r} for operand {i} in {equation!r}")
        if "..." in s and named <= len(shape):
            ell[i] = len(shape) - named
        elif named != len(shape):
            raise RuntimeError(f"einsum: the subscripts {s!r} of operand {i} name {named} dims but the "
                             f"operand has shape {tuple(shape)}")
    used = set(c for c in eq if c in _LETTERS)
    n_ell = max(ell)
    ell_letters = "".join([c for c in _LETTERS if c not in used][:n_ell])
    specs = tuple(s.replace("...", ell_letters[n_ell - e:]) for s, e in zip(specs, ell))
    if arrow:
        if "." in rhs.replace("...", "", 1):
            raise RuntimeError(f"einsum: invalid output subscripts {rhs!r} in {equation!r}")
        out = rhs.replace("...", ell_letters)
        for c in out:
            if out.count(c) > 1:
                raise RuntimeError(f"einsum: output subscript {c!r} appears more than once in {equation!r}")
            if not any(c in s for s in specs):
                raise RuntimeError(f"einsum: output subscript {c!r} does not appear in the operands of "
                                 f"{equation!r}")
    else:  # implicit output: '...' then the labels seen once, in alphabetical order
        named = lhs.replace(",", "").replace(".", "")
        out = ell_letters + "".join(sorted(c for c in set(named) if named.count(c) == 1))
    _check_sizes(equation, specs, shapes)
    return specs, out


def _check_sizes(equation, specs, shapes):
    sizes = {}
    for i, (s, shape) in enumerate(zip(specs, shapes)):
        own = {}
        for c, n in zip(s, shape):
            if own.setdefault(c, n) != n:
                raise RuntimeError(f"einsum: subscript {c!r} is repeated in operand {i} of {equation!r} "
                                 f"with different sizes ({own[c]} and {n}; shape {tuple(shape)})")
            m = sizes.get(c)
            if m is None or m == 1:
                sizes[c] = n
            elif n != m and n != 1:
                raise RuntimeError(f"einsum: subscript {c!r} has size {n} in operand {i} (shape "
                                 f"{tuple(shape)}) but size {m} in an earlier operand of {equation!r}")


def einsum(equation, *operands):
    """Einstein summation, e.g. ``einsum('bij,bjk->bik', a, b)``; the operands may
    also be given as one list."""
    if not isinstance(equation, str):
        raise TypeError(f"einsum: the equation must be a string, got {type(equation).__name__}")
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not operands:
        raise ValueError("einsum: at least one operand is required")
    ops = []
    for i, o in enumerate(operands):
        if isinstance(o, np.ndarray):
            o = Tensor(o)
        elif not isinstance(o, Tensor):
            raise TypeError(f"einsum: operand {i} must be a Tensor, got {type(o).__name__}")
        if ops and o._data.dtype != ops[0]._data.dtype:
            raise RuntimeError(f"einsum: expected all operands to have the same dtype, got "
                               f"{ops[0]._data.dtype} (operand 0) and {o._data.dtype} (operand {i})")
        ops.append(o)
    specs, out = _parse(equation, tuple(o._data.shape for o in ops))
    return _apply(specs, out, ops)


__all__ = ["einsum"]
METHODS = {}
