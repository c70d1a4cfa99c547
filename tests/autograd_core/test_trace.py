"""Evaluation traces (ag.trace): the Griewank example of lecture notes 004 with
its exact tables, vector and multi-output functions, constants, in-place ops,
the three output formats and the errors."""
import importlib

import numpy as np
import pytest

import autograd_core as ag
from autograd_core.function import Function
from tests.helpers import run_threads


def griewank(x1, x2):
    return ag.log(x1) + x1 * x2 - ag.sin(x2)


@pytest.fixture
def tr():
    return ag.trace(griewank, 2.0, 5.0)


def values(vs, attr):
    return [float(getattr(v, attr)) for v in vs]


# -- the lecture's example: f(x1, x2) = ln(x1) + x1·x2 − sin(x2) at (2, 5) --------------
def test_griewank_primal_trace(tr):
    assert [v.index for v in tr] == [-1, 0, 1, 2, 3, 4, 5]
    np.testing.assert_allclose(values(tr, "value"), [2, 5, 0.693, 10, -0.959, 10.693, 11.652], atol=5e-4)
    assert [v.op for v in tr] == [None, None, "Log", "Mul", "Sin", "Add", "Sub"]
    assert [v.operands for v in tr] == [(), (), (-1,), (-1, 0), (0,), (1, 2), (4, 3)]
    assert [v.expr for v in tr][2:] == ["ln v₋₁", "v₋₁ · v₀", "sin v₀", "v₁ + v₂", "v₄ − v₃"]
    assert [v.name for v in tr.inputs] == ["x1", "x2"]
    assert tr.outputs == [5]
    assert tr[5].value == pytest.approx(np.log(2) + 10 - np.sin(5), abs=1e-12)


def test_griewank_tangent_trace(tr):
    np.testing.assert_allclose(values(tr, "tangent"), [1, 0, 0.5, 5, 0, 5.5, 5.5], atol=1e-12)
    assert tr[1].tangent_expr == "v̇₋₁ / v₋₁"
    assert tr[2].tangent_expr == "v̇₋₁ · v₀ + v̇₀ · v₋₁"
    assert tr[3].tangent_expr == "v̇₀ · cos v₀"
    assert tr[5].tangent_expr == "v̇₄ − v̇₃"
    other = ag.trace(griewank, 2.0, 5.0, seed=(0, 1))  # the other direction gives ∂y/∂x2
    assert float(other[5].tangent) == pytest.approx(2 - np.cos(5), abs=1e-12)


def test_griewank_adjoint_trace(tr):
    assert float(tr[-1].adjoint) == pytest.approx(5.5, abs=1e-12)
    assert float(tr[0].adjoint) == pytest.approx(2 - np.cos(5), abs=1e-12)  # 1.716
    assert float(tr[0].adjoint) == pytest.approx(1.716, abs=5e-4)
    steps = [(s.target, s.source, s.accumulate, s.text) for s in tr.steps]
    assert steps == [
        (5, None, False, "v̄₅ = ȳ"),
        (4, 5, False, "v̄₄ = v̄₅"),
        (3, 5, False, "v̄₃ = −v̄₅"),
        (1, 4, False, "v̄₁ = v̄₄"),
        (2, 4, False, "v̄₂ = v̄₄"),
        (0, 3, False, "v̄₀ = v̄₃ · cos v₀"),
        (-1, 2, False, "v̄₋₁ = v̄₂ · v₀"),
        (0, 2, True, "v̄₀ += v̄₂ · v₋₁"),
        (-1, 1, True, "v̄₋₁ += v̄₁ / v₋₁"),
    ]
    np.testing.assert_allclose([float(s.value) for s in tr.steps],
                               [1, 1, -1, 1, 1, -0.284, 5, 1.716, 5.5], atol=5e-4)
    np.testing.assert_allclose([float(s.term) for s in tr.steps][-2:], [2, 0.5], atol=1e-12)


def test_step_sums_equal_the_adjoints_of_one_backward(tr):
    for v in tr:
        total = sum(s.term for s in tr.steps if s.target == v.index)
        np.testing.assert_allclose(total, v.adjoint, atol=1e-12)


def test_text_markdown_and_html(tr):
    text = str(tr)
    for line in ["Forward primal trace", "v₁   = ln v₋₁    = 0.693", "y    = v₅        = 11.652",
                 "Forward tangent trace (ẋ₁ = 1, ẋ₂ = 0)", "v̇₂   = v̇₋₁ · v₀ + v̇₀ · v₋₁  = 5",
                 "Reverse adjoint trace (ȳ = 1)", "v̄₀  += v̄₂ · v₋₁     = 1.716",
                 "x̄₂   = v̄₀           = 1.716"]:
        assert line in text, line
    assert repr(tr) == text
    md = tr.to_markdown()
    for row in ["| v₋₁ = x₁ | 2 |", "| v₃ = sin v₀ | -0.959 |", "| v̇₁ = v̇₋₁ / v₋₁ | 0.5 |",
                "| v̄₀ += v̄₂ · v₋₁ | 2 | 1.716 |", "| x̄₁ = v̄₋₁ |  | 5.5 |"]:
        assert row in md, row
    assert md.count("|---|") == 3
    page = tr._repr_html_()
    assert page.count("<table>") == 3 and page.count("</table>") == 3
    for cell in ["<td>11.652</td>", "v̄₋₁ += v̄₁ / v₋₁</td>", "<td>-0.284</td>"]:
        assert cell in page, cell


# -- other functions -------------------------------------------------------------------
def test_vector_function_rows_and_columns_of_the_jacobian():
    w = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]])
    W = ag.Tensor(w, name="W")
    x = np.array([0.3, -0.2, 0.1])
    jac = (1 - np.tanh(w @ x) ** 2)[:, None] * w
    tr = ag.trace(lambda x: ag.tanh(W @ x), x)
    assert [v.expr for v in tr.intermediates] == ["W @ v₀", "tanh v₁"]
    assert tr.constants[0][0] == "W"
    np.testing.assert_allclose(tr[2].value, np.tanh(w @ x), atol=1e-12)
    np.testing.assert_allclose(tr[2].tangent, jac[:, 0], atol=1e-12)  # default seed e_1
    np.testing.assert_allclose(tr[0].adjoint, jac[0], atol=1e-12)  # default ȳ = e_1
    tr2 = ag.trace(lambda x: ag.tanh(W @ x), x, seed=[0, 0, 1], adjoint_seed=[0, 1])
    np.testing.assert_allclose(tr2[2].tangent, jac[:, 2], atol=1e-12)
    np.testing.assert_allclose(tr2[0].adjoint, jac[1], atol=1e-12)
    assert "ȳ = [0, 1]" in str(tr2)


def test_multi_output_function():
    tr = ag.trace(lambda x, y: (x * y, ag.exp(x - 1.5)), 1.0, 2.0, adjoint_seed=(0, 1))
    assert tr.outputs == [1, 3]
    np.testing.assert_allclose(values(tr.inputs, "adjoint"), [np.exp(-0.5), 0], atol=1e-12)
    text = str(tr)
    assert "y₂   = v₃" in text and "ẏ₁   = v̇₁" in text and "ȳ₁ = 0, ȳ₂ = 1" in text


def test_constants_are_shown_as_numbers():
    tr = ag.trace(lambda x: (2 * x ** 2 + 1 - x / 3).sum() + (1 - x).sum(), ag.tensor([1.0, 2.0]))
    exprs = [v.expr for v in tr.intermediates]
    for e in ["v₀^2", "v₁ · 2", "v₄ + 1", "v₀ / 3", "1 − v₀", "sum(v₃)"]:
        assert e in exprs, e
    pow_step = tr[exprs.index("v₀^2") + 1]
    assert pow_step.constants == ((1, 2),) and pow_step.tangent_expr == "v̇₀ · 2 · v₀"
    assert tr[0].value.dtype == np.float32  # a float32 input keeps its dtype
    np.testing.assert_allclose(tr[0].adjoint, 4 * np.array([1, 2]) - 1 / 3 - 1, rtol=1e-6)


def test_in_place_op_is_a_step_of_its_own():
    def f(x):
        y = x * 2
        y.add_(1)
        return y * y

    tr = ag.trace(f, 3.0)
    assert [v.expr for v in tr.intermediates] == ["v₀ · 2", "v₁ + 1", "v₂ · v₂"]
    assert values(tr, "value") == [3, 6, 7, 49]
    assert values(tr, "adjoint") == [28, 14, 14, 1]
    assert values(tr, "tangent") == [1, 2, 2, 28]


def test_multi_output_op_adjoints_per_output():
    x = ag.tensor([1.0, 2.0, 3.0, 4.0], dtype=ag.float64)
    tr = ag.trace(lambda x: (lambda a, b: (a * b).sum())(*x.split(2)), x)
    assert [v.expr for v in tr.intermediates][:2] == ["split(v₀, (2, 2), 0)[0]", "split(v₀, (2, 2), 0)[1]"]
    np.testing.assert_allclose(tr[1].adjoint, [3, 4])
    np.testing.assert_allclose(tr[2].adjoint, [1, 2])
    np.testing.assert_allclose(tr[0].adjoint, [3, 4, 1, 2])


def test_dead_code_and_closed_over_parameters_are_left_out():
    W = ag.tensor([1.0, 2.0], requires_grad=True)

    def f(x):
        ag.exp(x)  # not used by the output
        return (W * x).sum()

    tr = ag.trace(f, np.array([3.0, 4.0]))
    assert [v.op for v in tr.intermediates] == ["Mul", "Sum"]
    assert W.grad is None  # the trace's backward does not touch the tensors f closes over
    np.testing.assert_allclose(tr[0].adjoint, [1, 2])


def test_output_may_be_an_input():
    tr = ag.trace(lambda x: x, 3.0)
    assert len(tr) == 1 and tr.outputs == [0]
    assert (float(tr[0].tangent), float(tr[0].adjoint)) == (1, 1)


def test_trace_under_no_grad_and_more_digits():
    with ag.no_grad():
        tr = ag.trace(griewank, 2.0, 5.0)
    assert float(tr[0].adjoint) == pytest.approx(2 - np.cos(5), abs=1e-12)
    tr.precision = 6
    assert "v₁   = ln v₋₁    = 0.693147" in str(tr)


def test_recording_is_undone_even_when_f_raises():
    apply = Function.__dict__["apply"]

    def boom(x):
        x * 2
        raise KeyError("boom")

    with pytest.raises(KeyError):
        ag.trace(boom, 1.0)
    assert Function.__dict__["apply"] is apply
    ag.trace(griewank, 2.0, 5.0)
    assert Function.__dict__["apply"] is apply


def test_nested_recordings_each_see_their_calls():
    """A trace taken inside the function of another trace: the inner one sees
    its own steps; the outer one sees every top-level call of its function
    (the inner function's calls included) and is still right."""
    inner = {}

    def outer_f(x1, x2):
        inner["tr"] = ag.trace(griewank, 2.0, 5.0)
        return griewank(x1, x2)

    outer = ag.trace(outer_f, 2.0, 5.0)
    for tr in (inner["tr"], outer):
        assert [v.op for v in tr] == [None, None, "Log", "Mul", "Sin", "Add", "Sub"]
        np.testing.assert_allclose(values(tr, "value"), [2, 5, 0.693, 10, -0.959, 10.693, 11.652], atol=5e-4)
        np.testing.assert_allclose(values(tr, "tangent"), [1, 0, 0.5, 5, 0, 5.5, 5.5], atol=1e-12)
    assert Function.__dict__["apply"] is outer_apply


outer_apply = Function.__dict__["apply"]


def test_concurrent_recordings_in_threads():
    """Traces taken at once in several threads each see their own thread's calls only."""
    import threading

    barrier = threading.Barrier(4)
    results, errors = {}, []

    def work(k):
        def f(x1, x2):
            barrier.wait(timeout=30)  # every thread records at the same time
            y = griewank(x1, x2)
            for _ in range(k):  # a different number of steps per thread
                y = y * 1.0
            return y

        try:
            results[k] = ag.trace(f, 2.0, 5.0)
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    run_threads(work, 4)
    assert not errors
    for k, tr in results.items():
        assert [v.op for v in tr][2:] == ["Log", "Mul", "Sin", "Add", "Sub"] + ["Mul"] * k
        assert float(tr[tr.outputs[0]].value) == pytest.approx(np.log(2) + 10 - np.sin(5))
        np.testing.assert_allclose(float(tr[-1].adjoint), 5.5)


def test_module_import():
    mod = importlib.import_module("autograd_core.tracing")
    assert ag.trace is mod.trace and isinstance(ag.trace(griewank, 2.0, 5.0), mod.Trace)


# -- errors ------------------------------------------------------------------------------
class NoJvp(Function):
    @staticmethod
    def forward(ctx, x):
        return x * 3

    @staticmethod
    def backward(ctx, g):
        return g * 3


def test_errors(tr):
    with pytest.raises(ValueError, match="output 0 of f does not depend on its inputs"):
        ag.trace(lambda x: ag.tensor(1.0), 2.0)
    with pytest.raises(TypeError, match="floating point Tensor"):
        ag.trace(lambda x: 3, 2.0)
    with pytest.raises(ValueError, match=r"seed needs one entry per input \(2\)"):
        ag.trace(griewank, 2.0, 5.0, seed=(1, 0, 0))
    with pytest.raises(ValueError, match=r"seed entry 0 has shape \(3,\); the input has shape \(2,\)"):
        ag.trace(lambda x: x * 2, [1.0, 2.0], seed=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"adjoint_seed needs one entry per output \(2\)"):
        ag.trace(lambda x: (x * 2, x * 3), 1.0, adjoint_seed=(1, 0, 0))
    with pytest.raises(TypeError, match="input 0 must be a floating point tensor, got int64"):
        ag.trace(lambda x: x * 2, ag.tensor([1, 2]))
    with pytest.raises(ValueError, match="at least one input"):
        ag.trace(lambda: ag.tensor(1.0))
    with pytest.raises(NotImplementedError, match="NoJvp has no jvp rule"):
        ag.trace(lambda x: NoJvp.apply(x), 1.0)
    with pytest.raises(IndexError, match="no variable v_6; indices run from -1 to 5"):
        tr[6]


def test_f_must_make_the_same_calls_in_forward_mode():
    def f(x):
        return x * 2 if x.requires_grad else ag.exp(x * 2)

    with pytest.raises(RuntimeError, match="must be deterministic"):
        ag.trace(f, 1.0)
