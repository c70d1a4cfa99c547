"""``ag.functional``: Jacobians by reverse and forward mode, the choice
between them, Hessians and Hessian-vector products against closed forms,
vjp/jvp against explicit Jacobians, and the grad transforms."""
import numpy as np
import pytest

import autograd_core as ag
from autograd_core import functional as F


def t(*shape, seed=0, dtype=np.float64):
    return ag.tensor(np.random.default_rng(seed).standard_normal(shape), dtype=dtype)


def random_function(n, m, seed):
    """A smooth f: Rⁿ → Rᵐ mixing matmul, elementwise functions and a reduction."""
    W, U, b = t(m, n, seed=seed), t(m, n, seed=seed + 1), t(m, seed=seed + 2)

    def f(x):
        z = W @ ag.tanh(x) + b
        return ag.sin(z) * ag.exp(U @ x / 4) + z * z / (1 + (x * x).sum())

    return f


@pytest.mark.parametrize("n,m", [(3, 5), (5, 2), (1, 4), (4, 1), (6, 6)])
def test_jacrev_equals_jacfwd(n, m):
    for seed in (0, 10):
        f, x = random_function(n, m, seed), t(n, seed=seed + 3)
        jr, jf = F.jacrev(f)(x), F.jacfwd(f)(x)
        assert jr.shape == jf.shape == (m, n)
        np.testing.assert_allclose(jr.numpy(), jf.numpy(), rtol=1e-12, atol=1e-12)


def test_jacobian_against_finite_differences():
    f, x = random_function(3, 4, 5), t(3, seed=6)
    eps, x0 = 1e-6, x.numpy()
    num = np.stack([(f(ag.tensor(x0 + eps * e)).numpy() - f(ag.tensor(x0 - eps * e)).numpy()) / (2 * eps)
                    for e in np.eye(3)], axis=1)
    np.testing.assert_allclose(F.jacobian(f, x).numpy(), num, rtol=1e-6, atol=1e-8)


def test_jacobian_shape_is_out_shape_plus_in_shape():
    W = t(3, 4, seed=1)

    def f(X):  # (2, 3) -> (2, 4)
        return ag.tanh(X @ W)

    X = t(2, 3, seed=2)
    for mode in ("rev", "fwd", "auto"):
        J = F.jacobian(f, X, mode=mode)
        assert J.shape == (2, 4, 2, 3)
        # row i of the output depends on row i of X only
        assert np.all(J.numpy()[0, :, 1] == 0) and np.all(J.numpy()[1, :, 0] == 0)
    np.testing.assert_allclose(F.jacobian(f, X, mode="rev").numpy(), F.jacobian(f, X, mode="fwd").numpy(),
                               rtol=1e-12, atol=1e-14)


def test_jacobian_mode_choice():
    assert F.jacobian_mode(2, 5) == "fwd"
    assert F.jacobian_mode(5, 2) == "rev"
    assert F.jacobian_mode(3, 3) == "rev"


@pytest.mark.parametrize("n,m,mode,calls", [(2, 5, "fwd", 1 + 2), (5, 2, "rev", 1 + 1)])
def test_jacobian_auto_runs_the_cheaper_mode(n, m, mode, calls):
    """auto evaluates f once to learn the output size, then runs n forward passes or one
    recorded forward (followed by m backward passes)."""
    f, x = random_function(n, m, 0), t(n, seed=1)
    count = [0]

    def counted(x):
        count[0] += 1
        return f(x)

    J = F.jacobian(counted, x)
    assert count[0] == calls
    np.testing.assert_allclose(J.numpy(), F.jacobian(f, x, mode=mode).numpy(), rtol=1e-12, atol=1e-14)


def test_jacobian_tuple_inputs_give_a_tuple():
    A, B = t(4, 3, seed=0), t(4, 2, seed=1)

    def f(x, y):
        return A @ x + ag.sin(B @ y)

    x, y = t(3, seed=2), t(2, seed=3)
    for mode in ("rev", "fwd", "auto"):
        jx, jy = F.jacobian(f, (x, y), mode=mode)
        np.testing.assert_allclose(jx.numpy(), A.numpy(), rtol=1e-14)
        cos = np.cos(B.numpy() @ y.numpy())
        np.testing.assert_allclose(jy.numpy(), cos[:, None] * B.numpy(), rtol=1e-12)


def test_jacobian_keeps_float32_and_detaches():
    W = t(3, 2, dtype=np.float32)
    x = t(2, seed=1, dtype=np.float32).requires_grad_()
    for mode in ("rev", "fwd"):
        J = F.jacobian(lambda x: ag.tanh(W @ x), x, mode=mode)
        assert J.dtype == np.float32 and not J.requires_grad


def test_jacobian_of_a_constant_is_zero():
    x = t(3)
    for mode in ("rev", "fwd"):
        J = F.jacobian(lambda x: ag.ones(2, dtype=ag.float64), x, mode=mode)
        assert J.shape == (2, 3) and not J.numpy().any()


def test_jacobian_errors():
    x = t(3)
    with pytest.raises(ValueError, match="mode must be"):
        F.jacobian(ag.sin, x, mode="backward")
    with pytest.raises(TypeError, match="floating point"):
        F.jacobian(ag.sin, ag.tensor([1, 2]))
    with pytest.raises(ValueError, match="argnums"):
        F.jacrev(ag.sin, argnums=1)(x)


def test_hessian_of_quadratic_form():
    A = t(4, 4, seed=7)
    H = F.hessian(lambda x: x @ (A @ x))(t(4, seed=8))
    np.testing.assert_allclose(H.numpy(), A.numpy() + A.numpy().T, rtol=1e-12, atol=1e-14)


def test_hessian_of_sum_tanh_Ax():
    A, x = t(3, 5, seed=1), t(5, seed=2)
    H = F.hessian(lambda x: ag.tanh(A @ x).sum())(x)
    a = A.numpy()
    th = np.tanh(a @ x.numpy())
    expected = a.T @ np.diag(-2 * th * (1 - th ** 2)) @ a
    np.testing.assert_allclose(H.numpy(), expected, rtol=1e-10, atol=1e-12)


def test_hessian_forward_over_reverse_equals_reverse_over_reverse():
    f = random_function(4, 1, 3)
    g = lambda x: f(x).sum()  # noqa: E731
    x = t(4, seed=4)
    np.testing.assert_allclose(F.hessian(g)(x).numpy(), F.jacrev(F.jacrev(g))(x).numpy(),
                               rtol=1e-10, atol=1e-12)


def test_hessian_with_respect_to_two_arguments():
    """f(x, y) = xᵀBy + |x|²: H_xx = 2I, H_xy = B, H_yx = Bᵀ, H_yy = 0."""
    B = t(3, 2, seed=5)
    (hxx, hxy), (hyx, hyy) = F.hessian(lambda x, y: x @ (B @ y) + (x * x).sum(), argnums=(0, 1))(
        t(3, seed=1), t(2, seed=2))
    np.testing.assert_allclose(hxx.numpy(), 2 * np.eye(3), atol=1e-14)
    np.testing.assert_allclose(hxy.numpy(), B.numpy(), atol=1e-14)
    np.testing.assert_allclose(hyx.numpy(), B.numpy().T, atol=1e-14)
    assert hyy.shape == (2, 2) and not hyy.numpy().any()


def test_forward_over_reverse_through_an_op_that_saves_its_output():
    """exp's backward multiplies by its saved output y = eˣ: H·v = eˣ v needs ẏ there."""
    x, v = t(4, seed=1), t(4, seed=2)
    value, hv = F.hvp(lambda x: ag.exp(x).sum(), x, v)
    assert value.item() == pytest.approx(np.exp(x.numpy()).sum())
    np.testing.assert_allclose(hv.numpy(), np.exp(x.numpy()) * v.numpy(), rtol=1e-14)


@pytest.mark.parametrize("seed", [0, 1])
def test_hvp_equals_hessian_times_v(seed):
    f = random_function(5, 3, seed)
    g = lambda x: (f(x) ** 2).sum() + ag.tanh(x).sum()  # noqa: E731
    x, v = t(5, seed=seed + 1), t(5, seed=seed + 2)
    value, hv = F.hvp(g, x, v)
    assert value.item() == pytest.approx(g(x).item(), rel=1e-14)
    np.testing.assert_allclose(hv.numpy(), F.hessian(g)(x).numpy() @ v.numpy(), rtol=1e-10, atol=1e-12)


def test_hvp_tuple_primals():
    B = t(3, 2, seed=5)
    x, y, vx, vy = t(3, seed=1), t(2, seed=2), t(3, seed=3), t(2, seed=4)
    _, (hx, hy) = F.hvp(lambda x, y: x @ (B @ y) + (x * x).sum(), (x, y), (vx, vy))
    np.testing.assert_allclose(hx.numpy(), 2 * vx.numpy() + B.numpy() @ vy.numpy(), rtol=1e-13)
    np.testing.assert_allclose(hy.numpy(), B.numpy().T @ vx.numpy(), rtol=1e-13)


def test_vjp_and_jvp_against_the_jacobian():
    f, x = random_function(4, 3, 2), t(4, seed=3)
    J = F.jacrev(f)(x).numpy()
    u, v = t(3, seed=4), t(4, seed=5)
    out, vjp_fn = F.vjp(f, x)
    np.testing.assert_allclose(out.numpy(), f(x).numpy(), rtol=1e-15)
    assert not out.requires_grad
    (g,) = vjp_fn(u)
    np.testing.assert_allclose(g.numpy(), u.numpy() @ J, rtol=1e-12)
    (g2,) = vjp_fn(2 * u)  # vjp_fn can be called again
    np.testing.assert_allclose(g2.numpy(), 2 * u.numpy() @ J, rtol=1e-12)
    out, jv = F.jvp(f, (x,), (v,))
    np.testing.assert_allclose(out.numpy(), f(x).numpy(), rtol=1e-15)
    np.testing.assert_allclose(jv.numpy(), J @ v.numpy(), rtol=1e-12)
    _, jv1 = F.jvp(f, x, v)  # a single tensor works too
    np.testing.assert_allclose(jv1.numpy(), jv.numpy(), rtol=0)


def test_vjp_and_jvp_with_several_inputs_and_outputs():
    A = t(2, 3, seed=1)

    def f(x, y):
        return A @ x * y, (x * x).sum()

    x, y, vx, vy = t(3, seed=2), t(2, seed=3), t(3, seed=4), t(2, seed=5)
    (o1, o2), vjp_fn = F.vjp(f, x, y)
    gx, gy = vjp_fn((ag.ones(2, dtype=ag.float64), ag.tensor(1.0, dtype=ag.float64)))
    Ax = A.numpy() @ x.numpy()
    np.testing.assert_allclose(gx.numpy(), A.numpy().T @ y.numpy() + 2 * x.numpy(), rtol=1e-13)
    np.testing.assert_allclose(gy.numpy(), Ax, rtol=1e-13)
    (p1, p2), (t1, t2) = F.jvp(f, (x, y), (vx, vy))
    np.testing.assert_allclose(p1.numpy(), o1.numpy())
    np.testing.assert_allclose(t1.numpy(), (A.numpy() @ vx.numpy()) * y.numpy() + Ax * vy.numpy(), rtol=1e-13)
    assert t2.item() == pytest.approx(2 * x.numpy() @ vx.numpy(), rel=1e-13)


def test_grad_and_value_and_grad_with_argnums():
    """The notes' f(x1, x2) = ln x1 + x1 x2 − sin x2 at (2, 5): ∇f = (5.5, 1.716)."""
    def f(x1, x2):
        return ag.log(x1) + x1 * x2 - ag.sin(x2)

    x1, x2 = ag.tensor(2.0, dtype=ag.float64), ag.tensor(5.0, dtype=ag.float64)
    assert F.grad(f)(x1, x2).item() == pytest.approx(5.5, abs=1e-14)
    assert F.grad(f, argnums=1)(x1, x2).item() == pytest.approx(2 - np.cos(5.0), abs=1e-14)
    g1, g2 = F.grad(f, argnums=(0, 1))(x1, x2)
    assert (g1.item(), g2.item()) == pytest.approx((5.5, 2 - np.cos(5.0)), abs=1e-14)
    value, (g1, g2) = F.value_and_grad(f, argnums=(0, -1))(x1, x2)
    assert value.item() == pytest.approx(11.652071, abs=1e-6) and not value.requires_grad
    assert g2.item() == pytest.approx(2 - np.cos(5.0), abs=1e-14)
    assert x1.grad is None and not x1.requires_grad  # the inputs are left untouched


def test_grad_has_aux_and_unused_argument():
    def f(x, y):
        return (x * x).sum(), x * 3

    x, y = t(3), t(2)
    g, aux = F.grad(f, has_aux=True)(x, y)
    np.testing.assert_allclose(g.numpy(), 2 * x.numpy())
    np.testing.assert_allclose(aux.numpy(), 3 * x.numpy())
    (value, aux), gy = F.value_and_grad(f, argnums=1, has_aux=True)(x, y)
    assert gy.shape == (2,) and not gy.numpy().any()


def test_grad_composes_reverse_over_reverse():
    """grad(grad(f)) of x³ is 6x; jacrev(grad(f)) is the Hessian."""
    x = ag.tensor(1.5, dtype=ag.float64)
    assert F.grad(F.grad(lambda x: x ** 3))(x).item() == pytest.approx(9.0)
    A = t(3, 3, seed=3)
    H = F.jacrev(F.grad(lambda x: x @ (A @ x)))(t(3, seed=4))
    np.testing.assert_allclose(H.numpy(), A.numpy() + A.numpy().T, rtol=1e-13)


def test_grad_works_under_no_grad():
    with ag.no_grad():
        g = F.grad(lambda x: (x * x).sum())(t(3))
    np.testing.assert_allclose(g.numpy(), 2 * t(3).numpy())


def test_grad_errors():
    with pytest.raises(RuntimeError, match="scalar tensor"):
        F.grad(lambda x: x * 2)(t(3))
    with pytest.raises(ValueError, match="out of range"):
        F.grad(lambda x: x.sum(), argnums=(0, 2))(t(3))
    with pytest.raises(TypeError, match="floating point"):
        F.grad(lambda x: x.sum())(ag.tensor([1, 2]))


def test_forward_mode_nesting_errors():
    x = t(3)
    with pytest.raises(RuntimeError, match="forward-over-forward"):
        F.jacfwd(F.jacfwd(ag.sin))(x)
    with pytest.raises(RuntimeError, match="reverse-over-forward"):
        F.jacrev(F.jacfwd(ag.sin))(x)
    with pytest.raises(ValueError, match="2 primals and 1 tangents"):
        F.jvp(lambda a, b: a * b, (x, x), (x,))


FAMILY_OPS = {  # ops of each family whose backward pass a tangent must flow through
    "exp": ag.exp,
    "log": ag.log,
    "sqrt": ag.sqrt,
    "rsqrt": ag.rsqrt,
    "reciprocal": ag.reciprocal,
    "tanh": ag.tanh,
    "sigmoid": ag.sigmoid,
    "tan": ag.tan,
    "sin_cos": lambda x: ag.sin(x) * ag.cos(x),
    "pow": lambda x: x ** 3 + x ** x + 2.0 ** x,
    "div": lambda x: x / (x * x + 1),
    "softmax": lambda x: ag.softmax(x, dim=1),
    "log_softmax": lambda x: ag.log_softmax(x, dim=0),
    "logsumexp": lambda x: ag.logsumexp(x, dim=1),
    "var_std": lambda x: x.var(dim=1) * x.std(dim=0)[:3],
    "prod": lambda x: x.prod(dim=1),
    "norm": lambda x: ag.norm(x),
    "matmul": lambda x: x @ x.T,
    "einsum": lambda x: ag.einsum("ij,kj->ik", x, x * x),
    "cumsum_mean": lambda x: ag.cumsum(x * x, dim=1).mean(0),
    "cat_getitem": lambda x: ag.cat([x * x, x ** 3])[1:, ::2] ** 2,
    "where_maximum": lambda x: ag.where(x > 1, x * x, ag.maximum(x ** 3, x)),
    "clamp_amax": lambda x: (ag.clamp(x, 0.5, 1.2) * x).amax(dim=1),
}


@pytest.mark.parametrize("name", list(FAMILY_OPS))
def test_forward_over_reverse_agrees_with_reverse_over_reverse(name):
    """hvp (tangents through the backward pass) against the Hessian built by
    differentiating the backward pass again (create_graph), times v."""
    op = FAMILY_OPS[name]
    x = ag.tensor(np.random.default_rng(0).uniform(0.3, 1.5, (3, 4)))
    v = t(3, 4, seed=1)
    w = t(*op(x).shape, seed=2)

    def g(x):
        return (op(x) * w).sum()

    H = F.jacrev(F.jacrev(g))(x).numpy().reshape(12, 12)
    np.testing.assert_allclose(F.hvp(g, x, v)[1].numpy(), (H @ v.numpy().reshape(12)).reshape(3, 4),
                               rtol=1e-9, atol=1e-11)
