"""affine_grid and grid_sample: the identity and a 90-degree rotation
reproduce the image, values against a per-point loop written from the
equations (bilinear/nearest, zeros/border/reflection, align_corners),
gradients in the input, the grid and theta (first and second), jvp, errors."""
import numpy as np
import pytest

import autograd_core as ag
from tests.helpers import check, check_jvp, leaf


def unnorm(c, n, align):
    return (c + 1) / 2 * (n - 1) if align else ((c + 1) * n - 1) / 2


def reflect(c, lo, hi):  # reflect into [lo, hi]
    if lo == hi:
        return 0.0
    span = hi - lo
    d = abs(c - lo)
    k, r = divmod(d, span)
    return lo + r if k % 2 == 0 else hi - r


def coord(c, n, pad, align):
    c = unnorm(c, n, align)
    if pad == "border":
        c = min(max(c, 0), n - 1)
    elif pad == "reflection":
        c = reflect(c, 0, n - 1) if align else reflect(c, -0.5, n - 0.5)
        c = min(max(c, 0), n - 1)
    return c


def sample_ref(x, grid, mode, pad, align):
    N, C, H, W = x.shape
    Ho, Wo = grid.shape[1:3]
    y = np.zeros((N, C, Ho, Wo))

    def px(n, j, i):
        return x[n, :, j, i] if 0 <= j < H and 0 <= i < W else np.zeros(C)

    for n in range(N):
        for a in range(Ho):
            for b in range(Wo):
                ix, iy = coord(grid[n, a, b, 0], W, pad, align), coord(grid[n, a, b, 1], H, pad, align)
                if mode == "nearest":
                    y[n, :, a, b] = px(n, int(np.rint(iy)), int(np.rint(ix)))
                    continue
                i0, j0 = int(np.floor(ix)), int(np.floor(iy))
                t, s = ix - i0, iy - j0
                y[n, :, a, b] = ((1 - t) * (1 - s) * px(n, j0, i0) + t * (1 - s) * px(n, j0, i0 + 1)
                                 + (1 - t) * s * px(n, j0 + 1, i0) + t * s * px(n, j0 + 1, i0 + 1))
    return y


def test_affine_grid_values():
    th = np.array([[[1.0, 0.5, 0.2], [-0.3, 2.0, 0.1]]])
    for align in (False, True):
        g = ag.affine_grid(ag.tensor(th), (1, 3, 2, 3), align_corners=align).numpy()
        xs = np.linspace(-1, 1, 3) if align else (2 * np.arange(3) + 1) / 3 - 1
        ys = np.linspace(-1, 1, 2) if align else (2 * np.arange(2) + 1) / 2 - 1
        for h in range(2):
            for w in range(3):
                np.testing.assert_allclose(g[0, h, w], th[0] @ [xs[w], ys[h], 1])
    g3 = ag.affine_grid(ag.tensor(np.eye(3, 4)[None]), (1, 1, 2, 3, 4), align_corners=True).numpy()
    assert g3.shape == (1, 2, 3, 4, 3)
    np.testing.assert_allclose(g3[0, 1, 2, 3], [1, 1, 1])


def test_identity_and_rotation_reproduce_the_image():
    x = ag.tensor(np.random.default_rng(0).standard_normal((2, 3, 4, 4)))
    ident = ag.tensor(np.tile(np.eye(2, 3), (2, 1, 1)))
    for align in (False, True):
        g = ag.affine_grid(ident, x.shape, align_corners=align)
        np.testing.assert_allclose(ag.grid_sample(x, g, align_corners=align).numpy(), x.numpy(), atol=1e-12)
    rot = ag.tensor(np.tile(np.array([[0.0, -1, 0], [1, 0, 0]]), (2, 1, 1)))  # (u, v) <- (-y, x)
    y = ag.grid_sample(x, ag.affine_grid(rot, x.shape, align_corners=True), align_corners=True).numpy()
    # out[h, w] = x at (u, v) = (-y_h, x_w): row w, column W-1-h, i.e. out = (xᵀ) flipped upside down
    np.testing.assert_allclose(y[0, 0, 1, 2], x.numpy()[0, 0, 2, 2], atol=1e-12)
    np.testing.assert_allclose(y, np.swapaxes(x.numpy(), 2, 3)[:, :, ::-1, :], atol=1e-12)


@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
@pytest.mark.parametrize("pad", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align", [False, True])
def test_values_against_loop(mode, pad, align):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 2, 3, 4))
    grid = rng.uniform(-1.6, 1.6, (2, 3, 5, 2))
    y = ag.grid_sample(ag.tensor(x), ag.tensor(grid), mode=mode, padding_mode=pad, align_corners=align).numpy()
    np.testing.assert_allclose(y, sample_ref(x, grid, mode, pad, align), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("pad", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align", [False, True])
def test_gradients_in_input_and_grid(pad, align):
    x = leaf(1, 2, 3, 4)
    grid = leaf(1, 2, 3, 2, seed=3, low=-1.3, high=1.3)

    def f(x, grid):
        return ag.grid_sample(x, grid, padding_mode=pad, align_corners=align)

    check(f, x, grid)
    check_jvp(f, x, grid)


def test_gradient_through_affine_grid_and_nearest():
    x = leaf(1, 1, 4, 5)
    th = ag.tensor([[[0.9, 0.1, 0.05], [-0.2, 1.1, 0.1]]], dtype=ag.float64, requires_grad=True)
    check(lambda x, th: ag.grid_sample(x, ag.affine_grid(th, (1, 1, 3, 3))), x, th)
    grid = leaf(1, 2, 2, 2, seed=5, low=-0.9, high=0.9)
    y = ag.grid_sample(x, grid, mode="nearest")
    y.sum().backward()
    # no gradient flows to the grid through nearest sampling (PyTorch reports zeros)
    assert (grid.grad is None or np.all(grid.grad.numpy() == 0)) and x.grad.numpy().sum() == 4


def test_errors():
    x = ag.randn(1, 1, 3, 3)
    g = ag.zeros(1, 2, 2, 2)
    with pytest.raises(ValueError, match="mode"):
        ag.grid_sample(x, g, mode="area")
    with pytest.raises(ValueError, match="padding_mode"):
        ag.grid_sample(x, g, padding_mode="circular")
    with pytest.raises(NotImplementedError):
        ag.grid_sample(x, g, mode="bicubic")
    with pytest.raises(RuntimeError, match="grid"):
        ag.grid_sample(x, ag.zeros(1, 2, 2, 3))
    with pytest.raises(ValueError, match="Nx2x3"):
        ag.affine_grid(ag.zeros(1, 3, 4), (1, 1, 2, 2))
