"""Type promotion: ``dtypes.result_type`` and the ops that use it, against
PyTorch's rule written out below as tables (not computed by numpy, whose
answers differ: int64 with float16 is float64 there, and numpy 1.x and 2.x
treat Python numbers differently).

The rule. Categories are bool < integer < floating. Two dtypes promote by
``PROMOTE`` (a higher category wins whatever its size). Operands come in three
tiers: dimensioned tensors, zero-dim tensors, numbers (Python or numpy
scalars, which count as bool, int64 or the default float32). Within a tier
everything promotes; a lower tier changes the result only when it is of a
strictly higher category than the tiers above it (``TIERS``)."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag
from autograd_core.dtypes import promote_types, result_type

NAMES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
SHORT = dict(zip(NAMES, ["b", "u1", "i1", "i2", "i4", "i8", "f2", "f4", "f8"]))
# PROMOTE[row][column]: the promoted dtype of a row and a column dtype (PyTorch's table).
_TABLE = """
      b   u1  i1  i2  i4  i8  f2  f4  f8
b     b   u1  i1  i2  i4  i8  f2  f4  f8
u1    u1  u1  i2  i2  i4  i8  f2  f4  f8
i1    i1  i2  i1  i2  i4  i8  f2  f4  f8
i2    i2  i2  i2  i2  i4  i8  f2  f4  f8
i4    i4  i4  i4  i4  i4  i8  f2  f4  f8
i8    i8  i8  i8  i8  i8  i8  f2  f4  f8
f2    f2  f2  f2  f2  f2  f2  f2  f4  f8
f4    f4  f4  f4  f4  f4  f4  f4  f4  f8
f8    f8  f8  f8  f8  f8  f8  f8  f8  f8
"""
_rows = [line.split() for line in _TABLE.strip().splitlines()]
_LONG = {s: n for n, s in SHORT.items()}
PROMOTE = {_LONG[r[0]]: dict(zip((_LONG[c] for c in _rows[0]), (_LONG[v] for v in r[1:]))) for r in _rows[1:]}
CATEGORY = {n: 0 if n == "bool" else 2 if n.startswith("float") else 1 for n in NAMES}
NUMBER_DTYPE = {bool: "bool", int: "int64", float: "float32"}  # a number's dtype within its tier
NUMBERS = {"bool": True, "int64": 2, "float32": 1.5}

# TIERS: the kinds of operand, highest priority first.
TIERS = ("tensor", "zero-dim", "number")


def expected(operands):
    """The rule above, from the tables: ``operands`` are (kind, dtype name) pairs."""
    per_tier = {}
    for kind, name in operands:
        per_tier[kind] = name if kind not in per_tier else PROMOTE[per_tier[kind]][name]
    result = None
    for kind in TIERS:
        if kind not in per_tier:
            continue
        d = per_tier[kind]
        if result is None:
            result = d
        elif CATEGORY[d] > CATEGORY[result]:
            result = PROMOTE[result][d]
    return result


def make(kind, name):
    """An operand of that kind and dtype (for numbers, the dtype picks the Python type)."""
    if kind == "number":
        return NUMBERS[name]
    value = np.array([1, 2, 3]) if kind == "tensor" else np.array(2)
    return ag.tensor(value.astype(name))


kinds = st.sampled_from(TIERS)
tensor_dtypes = st.sampled_from(NAMES)
number_dtypes = st.sampled_from(list(NUMBERS))


@st.composite
def operand(draw):
    kind = draw(kinds)
    return kind, draw(number_dtypes if kind == "number" else tensor_dtypes)


def test_table_is_symmetric_and_spot_checks():
    for a in NAMES:
        for b in NAMES:
            assert PROMOTE[a][b] == PROMOTE[b][a]
            assert promote_types(a, b) == np.dtype(PROMOTE[a][b])
    assert expected([("tensor", "float32"), ("number", "float32")]) == "float32"
    assert expected([("tensor", "int64"), ("number", "float32")]) == "float32"
    assert expected([("tensor", "int32"), ("number", "int64")]) == "int32"
    assert expected([("tensor", "uint8"), ("zero-dim", "int64")]) == "uint8"
    assert expected([("tensor", "int32"), ("zero-dim", "float64")]) == "float64"
    assert expected([("tensor", "float32"), ("zero-dim", "float64")]) == "float32"


@settings(max_examples=300, deadline=None)
@given(st.lists(operand(), min_size=1, max_size=4))
def test_result_type_follows_the_table(ops):
    assert result_type(*(make(k, n) for k, n in ops)) == np.dtype(expected(ops))


@settings(max_examples=50, deadline=None)
@given(tensor_dtypes, number_dtypes)
def test_numpy_scalars_and_arrays(tname, nname):
    """numpy scalars are numbers (weak); arrays count as tensors."""
    number = np.dtype(np.float64 if nname == "float32" else nname).type(NUMBERS[nname])
    t = make("tensor", tname)
    assert result_type(t, number) == np.dtype(expected([("tensor", tname), ("number", nname)]))
    assert result_type(t._data, np.zeros((), nname)) == np.dtype(expected([("tensor", tname), ("zero-dim", nname)]))


def test_promote_types_refuses_what_pytorch_does_not_promote():
    with pytest.raises(TypeError):
        promote_types(np.uint64, np.int64)
    with pytest.raises(TypeError):
        result_type(ag.tensor([1.0]), "x")


BINARY = {
    "add": ag.add, "sub": ag.sub, "mul": ag.mul, "maximum": ag.maximum, "minimum": ag.minimum,
    "+": lambda a, b: a + b, "*": lambda a, b: a * b, "-": lambda a, b: a - b,
    "where": lambda a, b: ag.where(ag.tensor([True, False, True]), a, b),
}
FLOATING = {"div": ag.div, "/": lambda a, b: a / b}  # true division: integer results become float32
COMPARE = {"eq": ag.eq, "lt": ag.lt, "ge": ag.ge, "<": lambda a, b: a < b}


def _pairs(draw):
    """A tensor operand (dimensioned or zero-dim) and another operand of any kind, in either order."""
    first = (draw(st.sampled_from(TIERS[:2])), draw(tensor_dtypes))
    second = draw(operand())
    return (first, second) if draw(st.booleans()) else (second, first)


@st.composite
def pairs(draw):
    return _pairs(draw)


def _values(a, b, dtype):
    """The reference: the operands' values cast to ``dtype`` by numpy."""
    def arr(x):
        return np.asarray(x._data if isinstance(x, ag.Tensor) else x).astype(dtype)
    return arr(a), arr(b)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(sorted(BINARY)), pairs())
def test_binary_ops_follow_the_rule(name, pair):
    if name in ("maximum", "minimum") and any(k == "number" for k, _ in pair):
        pair = tuple(("zero-dim", n) if k == "number" else (k, n) for k, n in pair)  # tensors only
    if name in ("sub", "-") and all(n == "bool" for _, n in pair):
        return  # PyTorch refuses bool - bool
    a, b = (make(k, n) for k, n in pair)
    want = np.dtype(expected(pair))
    out = BINARY[name](a, b)
    assert out.dtype == want, (name, pair, out.dtype)
    x, y = _values(a, b, want)
    ref = {"add": np.add, "+": np.add, "sub": np.subtract, "-": np.subtract, "mul": np.multiply,
           "*": np.multiply, "maximum": np.maximum, "minimum": np.minimum,
           "where": lambda u, v: np.where([True, False, True], u, v)}[name](x, y)
    np.testing.assert_array_equal(out.numpy(), ref)


@settings(max_examples=80, deadline=None)
@given(st.sampled_from(sorted(FLOATING)), pairs())
def test_true_division_gives_floats(name, pair):
    a, b = (make(k, n) for k, n in pair)
    want = np.dtype(expected(pair))
    if want.kind != "f":
        want = np.dtype(np.float32)
    out = FLOATING[name](a, b)
    assert out.dtype == want, (name, pair, out.dtype)
    x, y = _values(a, b, want)
    np.testing.assert_array_equal(out.numpy(), x / y)


@settings(max_examples=80, deadline=None)
@given(st.sampled_from(sorted(COMPARE)), pairs())
def test_comparisons_compare_in_the_promoted_dtype(name, pair):
    a, b = (make(k, n) for k, n in pair)
    out = COMPARE[name](a, b)
    assert out.dtype == np.bool_
    x, y = _values(a, b, np.dtype(expected(pair)))
    ref = {"eq": np.equal, "lt": np.less, "ge": np.greater_equal, "<": np.less}[name](x, y)
    np.testing.assert_array_equal(out.numpy(), ref)


def test_weak_numbers_in_the_examples_of_the_rule():
    f32 = ag.tensor([1.0, 2.0])
    assert (f32 + 1.5).dtype == np.float32 and (1.5 * f32).dtype == np.float32
    assert (ag.tensor([1, 2]) + 1.5).dtype == np.float32
    assert (ag.tensor(np.array([1, 2], np.int32)) + 2).dtype == np.int32
    assert (ag.tensor(np.array([1.0], np.float16)) + ag.tensor([1, 2])).dtype == np.float16
    assert (ag.tensor(np.array([1], np.uint8)) + ag.tensor(np.array([1], np.int8))).dtype == np.int16
    assert (ag.tensor([True]) + ag.tensor([False])).dtype == np.bool_
    assert (ag.tensor([1, 2]) / 2).dtype == np.float32
    assert (ag.tensor([4, 9]) ** 0.5).dtype == np.float32
    assert (2 ** ag.tensor(np.array([1, 2], np.int32))).dtype == np.int32
    assert ag.clamp(ag.tensor([1, 5]), 0.5, 2.5).dtype == np.float32
    assert ag.clamp(ag.tensor(np.array([1, 5], np.int16)), max=3).dtype == np.int16
    assert ag.cat([ag.tensor([1, 2]), ag.tensor(np.array([1.0], np.float16))]).dtype == np.float16


def test_gradients_keep_their_tensors_dtypes():
    a = ag.tensor([1.0, 2.0], requires_grad=True)  # float32, dimensioned
    s = ag.tensor(np.array(3.0), requires_grad=True)  # float64, zero-dim: does not promote a
    y = a * s
    assert y.dtype == np.float32
    y.sum().backward()
    assert a.grad.dtype == np.float32 and s.grad.dtype == np.float64
    np.testing.assert_allclose(a.grad.numpy(), [3.0, 3.0])
    np.testing.assert_allclose(s.grad.numpy(), 3.0)
    b = ag.tensor(np.array([1.0, 2.0]), requires_grad=True)  # float64, dimensioned: wins
    z = a * b
    assert z.dtype == np.float64
    z.sum().backward()
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float64
