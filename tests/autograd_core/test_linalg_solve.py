"""autograd_core.linalg (inv, det, slogdet, solve, cholesky and the re-exports)
and the top-level inverse/det/logdet/slogdet/cholesky: values against numpy,
gradients of both orders, jvp, batches and broadcasting, errors."""
import numpy as np
import pytest

import autograd_core as ag
from tests.helpers import check, check_jvp, leaf


def well_conditioned(*shape, seed=0):
    """A leaf of square matrices near 3·I (far from singular)."""
    x = leaf(*shape, seed=seed)
    return (x.detach() + ag.tensor(3 * np.eye(shape[-1]))).requires_grad_()


def spd(x):
    """A symmetric positive-definite matrix made from x (differentiable)."""
    return x @ x.mT + ag.tensor(np.eye(x.shape[-1]))


@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4), (1, 1)])
def test_inv(shape):
    A = well_conditioned(*shape)
    np.testing.assert_allclose(ag.linalg.inv(A)._data, np.linalg.inv(A._data))
    np.testing.assert_allclose(A.inverse()._data, np.linalg.inv(A._data))
    check(ag.linalg.inv, A)
    check_jvp(ag.linalg.inv, A)


@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4), (1, 1)])
def test_det_and_slogdet(shape):
    A = leaf(*shape, seed=4)
    np.testing.assert_allclose(ag.linalg.det(A)._data, np.linalg.det(A._data))
    sign, logabs = ag.linalg.slogdet(A)
    ref_sign, ref_logabs = np.linalg.slogdet(A._data)
    np.testing.assert_array_equal(sign._data, ref_sign)
    np.testing.assert_allclose(logabs._data, ref_logabs)
    assert ag.slogdet(A).logabsdet is not None and not sign.requires_grad
    check(ag.det, A)
    check(lambda A: ag.linalg.slogdet(A)[1], A)
    check_jvp(ag.linalg.det, A)
    check_jvp(lambda A: A.slogdet()[1], A)


def test_logdet_and_det_at_a_singular_matrix():
    A = well_conditioned(3, 3)
    np.testing.assert_allclose(A.logdet()._data, np.log(np.linalg.det(A._data)))
    check(ag.logdet, A)
    assert np.isnan(ag.logdet(ag.tensor([[-1.0]])).item())
    # det's gradient at a singular matrix is the transposed adjugate
    S = ag.tensor([[1.0, 2.0], [2.0, 4.0]], dtype=ag.float64, requires_grad=True)
    (g,) = ag.grad(ag.linalg.det(S), S)
    np.testing.assert_allclose(g._data, [[4.0, -2.0], [-2.0, 1.0]], atol=1e-12)
    assert ag.gradcheck(ag.linalg.det, (S,))
    with pytest.raises(RuntimeError, match="singular"):
        ag.grad(ag.grad(ag.linalg.det(S), S, create_graph=True)[0].sum(), S)


def test_solve_matrix_vector_batched_and_left_false():
    A, B = well_conditioned(2, 3, 3), leaf(2, 3, 2, seed=1)
    np.testing.assert_allclose(ag.linalg.solve(A, B)._data, np.linalg.solve(A._data, B._data))
    check(ag.linalg.solve, A, B)
    check_jvp(ag.linalg.solve, A, B)
    b = leaf(3, seed=2)  # a vector, broadcast over A's batch
    np.testing.assert_allclose(ag.linalg.solve(A, b)._data, np.linalg.solve(A._data, b._data[:, None])[..., 0])
    check(ag.linalg.solve, A, b)
    bv = leaf(2, 3, seed=3)  # a batch of vectors: B has A's shape without its last dim
    assert ag.linalg.solve(A, bv).shape == (2, 3)
    A1 = well_conditioned(3, 3, seed=5)
    check(ag.linalg.solve, A1, B)  # A broadcast over B's batch
    C = leaf(4, 3, seed=6)
    X = ag.linalg.solve(A1, C, left=False)
    np.testing.assert_allclose((X @ A1)._data, C._data, atol=1e-12)
    check(lambda A, C: ag.linalg.solve(A, C, left=False), A1, C)


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky(upper):
    X = leaf(2, 3, 3, seed=7)
    A = spd(X)
    L = ag.linalg.cholesky(A, upper=upper)
    ref = np.linalg.cholesky(A._data)
    np.testing.assert_allclose(L._data, np.swapaxes(ref, -1, -2) if upper else ref)
    check(lambda X: ag.linalg.cholesky(spd(X), upper=upper), X)
    check_jvp(lambda X: ag.cholesky(spd(X), upper), X)
    # the gradient with respect to A itself is symmetric
    A = A.detach().requires_grad_()
    (g,) = ag.grad((ag.linalg.cholesky(A) * leaf(2, 3, 3, seed=8).detach()).sum(), A)
    np.testing.assert_allclose(g._data, np.swapaxes(g._data, -1, -2))


def test_linalg_errors():
    sing = ag.tensor([[1.0, 2.0], [2.0, 4.0]])
    with pytest.raises(ag.linalg.LinAlgError):
        ag.linalg.inv(sing)
    with pytest.raises(RuntimeError):
        ag.linalg.solve(sing, ag.ones(2))
    with pytest.raises(ag.linalg.LinAlgError, match="positive-definite"):
        ag.linalg.cholesky(ag.tensor([[1.0, 2.0], [2.0, 1.0]]))
    with pytest.raises(RuntimeError, match="square"):
        ag.linalg.inv(ag.ones(2, 3))
    with pytest.raises(RuntimeError, match="square"):
        ag.linalg.det(ag.ones(3))
    with pytest.raises(RuntimeError, match="floating"):
        ag.linalg.det(ag.tensor([[1, 2], [3, 4]]))
    with pytest.raises(RuntimeError, match="dtype"):
        ag.linalg.solve(ag.eye(2), ag.ones(2, dtype=ag.float64))
    with pytest.raises(RuntimeError, match="Incompatible"):
        ag.linalg.solve(ag.eye(2), ag.ones(3, 1))
    assert issubclass(ag.linalg.LinAlgError, RuntimeError)


def test_float32_and_namespace():
    A = ag.tensor(np.eye(3) * 2, dtype=ag.float32, requires_grad=True)
    assert ag.linalg.inv(A).dtype == np.float32 and ag.linalg.det(A).dtype == np.float32
    ag.linalg.det(A).backward()
    assert A.grad.dtype == np.float32
    x = ag.tensor([3.0, 4.0])
    assert ag.linalg.norm(x).item() == 5 and ag.linalg.vector_norm(x, 1).item() == 7
    assert ag.linalg.vecdot(x, x).item() == 25
    np.testing.assert_array_equal(ag.linalg.cross(ag.tensor([1.0, 0, 0]), ag.tensor([0.0, 1, 0]))._data, [0, 0, 1])
    assert ag.linalg.matmul is ag.matmul or ag.linalg.matmul(ag.eye(2), ag.eye(2)).shape == (2, 2)
    np.testing.assert_array_equal(ag.linalg.diagonal(ag.eye(3))._data, np.ones(3))


def test_empty_matrices():
    A = ag.zeros(2, 0, 0, dtype=ag.float64, requires_grad=True)
    assert ag.linalg.inv(A).shape == (2, 0, 0) and ag.linalg.cholesky(A).shape == (2, 0, 0)
    np.testing.assert_array_equal(ag.linalg.det(A)._data, [1, 1])  # the empty product
    np.testing.assert_array_equal(ag.linalg.slogdet(A).logabsdet._data, [0, 0])
    assert ag.linalg.solve(A, ag.zeros(2, 0, 3, dtype=ag.float64)).shape == (2, 0, 3)
    (g,) = ag.grad(ag.linalg.det(A).sum(), A)
    assert g.shape == (2, 0, 0)
