"""F.pad with negative widths (cropping) in every mode, as PyTorch: values
against a numpy reference written from the index maps, gradients both ways
(gradcheck, gradgradcheck, check_jvp) and the limits of each mode."""
import itertools

import numpy as np
import pytest

import autograd_core as ag
from tests.helpers import check, check_jvp, leaf


def _source(n, lo, hi, mode):
    """The input index each output position copies, along one dim of size n
    padded by (lo, hi); a negative width crops."""
    out = np.arange(n + lo + hi)
    if mode == "circular":  # crop, then wrap around the m elements left
        start = max(-lo, 0)
        m = n - start - max(-hi, 0)
        return start + (out - max(lo, 0)) % m
    q = out - lo  # position in the input's coordinates, outside [0, n) in the padding
    if mode == "replicate":
        return np.clip(q, 0, n - 1)
    return np.where(q < 0, -q, np.where(q >= n, 2 * (n - 1) - q, q))  # reflect without the edge


def reference(x, pad, mode):
    widths = [(0, 0)] * x.ndim
    for i in range(len(pad) // 2):
        widths[x.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    return x[np.ix_(*(_source(n, lo, hi, mode) for n, (lo, hi) in zip(x.shape, widths)))]


MODES = ["reflect", "replicate", "circular"]


@pytest.mark.parametrize("mode", MODES)
def test_values_of_every_valid_pair_on_one_dim(mode):
    x = np.arange(5.0).reshape(1, 1, 5) + 10
    checked = 0
    for lo, hi in itertools.product(range(-4, 5), repeat=2):
        try:
            y = ag.pad(ag.tensor(x), (lo, hi), mode=mode)
        except RuntimeError:
            continue
        np.testing.assert_array_equal(y.numpy(), reference(x, (lo, hi), mode), err_msg=f"{mode} {lo} {hi}")
        checked += 1
    assert checked >= 40


@pytest.mark.parametrize("mode", MODES)
def test_worked_examples(mode):
    x = ag.tensor([[[0.0, 1, 2, 3]]])
    got = ag.pad(x, (3, -1), mode=mode).numpy()[0, 0].tolist() if mode != "circular" else None
    if mode == "reflect":  # the reflection reaches x₃, which the crop then removes
        assert got == [3, 2, 1, 0, 1, 2]
    elif mode == "replicate":
        assert got == [0, 0, 0, 0, 1, 2]
    else:  # circular wraps around what is left after the crop: (x₁ x₂ x₃), then 2 on the left
        assert ag.pad(x, (2, -1), mode=mode).numpy()[0, 0].tolist() == [1, 2, 0, 1, 2]
        assert ag.pad(x, (-1, 2), mode=mode).numpy()[0, 0].tolist() == [1, 2, 3, 1, 2]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("pad", [(-1, 2), (2, -1, -1, 1), (-1, -1, 1, 0), (0, 0, -2, 1), (1, -2, -1, 2)])
def test_two_dims_values_and_gradients(mode, pad):
    x = leaf(2, 4, 5)
    y = ag.pad(x, pad, mode=mode)
    np.testing.assert_array_equal(y.detach().numpy(), reference(x.detach().numpy(), pad, mode))
    check(lambda t: ag.pad(t, pad, mode=mode), x)
    check_jvp(lambda t: ag.pad(t, pad, mode=mode), x)


@pytest.mark.parametrize("mode", MODES)
def test_gradient_is_the_adjoint_scatter(mode):
    """x̄[i] = Σ ȳ[o] over the output positions o that copy input position i."""
    x = leaf(3, 6)
    pad = (2, -3, -1, 1)
    g = np.random.default_rng(1).standard_normal(ag.pad(x, pad, mode=mode).shape)
    ag.pad(x, pad, mode=mode).backward(ag.tensor(g))
    rows = _source(3, -1, 1, mode)
    cols = _source(6, 2, -3, mode)
    want = np.zeros((3, 6))
    np.add.at(want, (rows[:, None], cols[None, :]), g)
    np.testing.assert_allclose(x.grad.numpy(), want)


def test_three_dims_and_the_module_spelling():
    x = leaf(1, 2, 4, 5, 6)
    pad = (-1, 2, 1, -2, -1, 1)
    for mode in MODES:
        y = ag.nn.functional.pad(x, pad, mode=mode)
        np.testing.assert_array_equal(y.detach().numpy(), reference(x.detach().numpy(), pad, mode))
    check(lambda t: ag.pad(t, pad, mode="reflect"), leaf(1, 1, 3, 4, 3))


@pytest.mark.parametrize("dtype", [np.float32, np.int64])
def test_dtype_kept(dtype):
    x = ag.tensor(np.arange(12).reshape(3, 4).astype(dtype))
    for mode in MODES:
        y = ag.pad(x, (-1, 1), mode=mode)
        assert y.dtype == dtype
        np.testing.assert_array_equal(y.numpy(), reference(x.numpy(), (-1, 1), mode))


@pytest.mark.parametrize("mode, pad, match", [
    ("reflect", (-7, 1), "too small, calculated output size -1"),
    ("replicate", (-3, -3), "too small"),
    ("reflect", (5, -2), "less than the dim size 5"),
    ("circular", (2, -4), "wrapping around more than once.*1 left after cropping"),
    ("circular", (-6, 0), "empty dimension"),
    ("circular", (-5, 1), "empty dimension"),
    ("circular", (6, 0), "wrapping around more than once"),
])
def test_limits(mode, pad, match):
    with pytest.raises(RuntimeError, match=match):
        ag.pad(ag.tensor(np.zeros((1, 2, 5))), pad, mode=mode)


@pytest.mark.parametrize("mode", MODES)
def test_empty_output_and_its_gradient(mode):
    x = leaf(2, 5)
    y = ag.pad(x, (-3, -2), mode=mode)
    assert y.shape == (2, 0)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros((2, 5)))


def test_pure_crop_is_the_same_in_every_mode():
    x = leaf(3, 7)
    want = x.detach().numpy()[1:2, 2:5]
    for mode in ["constant", *MODES]:
        y = ag.pad(x, (-2, -2, -1, -1), mode=mode)
        np.testing.assert_array_equal(y.detach().numpy(), want)
