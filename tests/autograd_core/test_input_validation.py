"""Inputs the engine used to accept silently now raise as PyTorch does
(issue 18): factory sizes that are not ints, hooks that return a gradient of
another shape or dtype, ``.grad`` assignments of the wrong type, shape or
dtype, ``requires_grad`` changes on non-leaves, and ``grad_fn`` assignment.
Messages are PyTorch's (2.13), checked here by hand."""
import numpy as np
import pytest

import autograd_core as ag

FACTORIES = [ag.zeros, ag.ones, ag.empty, ag.rand, ag.randn]


@pytest.mark.parametrize("make", FACTORIES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("size, kind", [(2.5, "float"), ("3", "str"), (True, "bool"), (None, "NoneType"),
                                        (np.float64(2.0), "float64"), (ag.tensor([2, 3]), "Tensor")])
def test_a_size_that_is_not_an_int_raises(make, size, kind):
    with pytest.raises(TypeError, match=rf"{make.__name__}\(\): argument 'size' \(position 1\) must be tuple "
                                        rf"of ints, not {kind}$"):
        make(size)


@pytest.mark.parametrize("make", FACTORIES, ids=lambda f: f.__name__)
def test_sizes_inside_a_sequence_and_by_keyword(make):
    name = make.__name__
    with pytest.raises(TypeError, match=rf"{name}\(\): .* but found element of type float at pos 1"):
        make(2, 2.0)
    with pytest.raises(TypeError, match="found element of type bool at pos 0"):
        make((True, 2))
    with pytest.raises(TypeError, match="found element of type str at pos 1"):
        make([2, "3"])
    with pytest.raises(RuntimeError, match=r"negative dimension -1: \[2, -1\]"):
        make(2, -1)
    with pytest.raises(TypeError, match="does not fit in int64"):
        make(2**64)
    with pytest.raises(TypeError, match="got multiple values for argument 'size'"):
        make(2, size=(3,))
    with pytest.raises(TypeError, match="must be tuple of ints, not float"):
        make(size=2.5)
    for ok in ((2, 3), ([2, 3],), ((2, 3),), (np.int64(2), 3), (ag.tensor(2), 3), (ag.Size([2, 3]),)):
        assert make(*ok).shape == (2, 3)
    assert make(size=(2, 3)).shape == (2, 3) and make(()).shape == ()


def test_full_randint_and_normal_sizes():
    with pytest.raises(TypeError, match=r"full\(\): argument 'size' \(position 1\) must be tuple of ints, not int"):
        ag.full(3, 1.0)
    with pytest.raises(TypeError, match="found element of type float at pos 0"):
        ag.full((2.5,), 1.0)
    with pytest.raises(TypeError, match="found element of type float at pos 0"):
        ag.randint(5, (2.5,))
    with pytest.raises(TypeError, match="found element of type bool at pos 0"):
        ag.normal(0.0, 1.0, (True,))
    assert ag.full([2], 1.0).tolist() == [1.0, 1.0] and ag.randint(5, (2, 3)).shape == (2, 3)


def _hooked(where, returned):
    """Backward through a hook on a leaf or a non-leaf that returns ``returned(g)``."""
    x = ag.ones(3, requires_grad=True)

    def bad_hook(g):
        return returned(g)

    if where == "leaf":
        x.register_hook(bad_hook)
        (x * 2).sum().backward()
    else:
        y = x * 2
        y.register_hook(bad_hook)
        y.sum().backward()
    return x


@pytest.mark.parametrize("where", ["leaf", "non-leaf"])
def test_a_hook_that_changes_the_gradient_shape_or_dtype_raises_at_backward(where):
    with pytest.raises(RuntimeError, match=r"hook 'bad_hook' has changed the size of value \(was \[3\], got \[2\]\)"):
        _hooked(where, lambda g: ag.ones(2))
    with pytest.raises(RuntimeError, match=r"has changed the size of value \(was \[3\], got \[1, 3\]\)"):
        _hooked(where, lambda g: g.reshape(1, 3))
    with pytest.raises(RuntimeError, match=r"hook 'bad_hook' has changed the type of value \(was torch.FloatTensor "
                                           r"got torch.DoubleTensor\)"):
        _hooked(where, lambda g: g.double())
    with pytest.raises(TypeError, match="expected Variable, but hook returned 'str'"):
        _hooked(where, lambda g: "abc")
    x = _hooked(where, lambda g: g * 10)  # a gradient of the same shape and dtype replaces it
    assert x.grad.tolist() == [20.0, 20.0, 20.0]


def test_a_hook_with_post_accumulate_hooks_is_checked_too():
    x = ag.ones(3, requires_grad=True)
    x.register_hook(lambda g: ag.ones(4))
    x.register_post_accumulate_grad_hook(lambda t: None)
    with pytest.raises(RuntimeError, match=r"hook '<lambda>' has changed the size of value"):
        (x * 2).sum().backward()
    assert x.grad is None


def test_assigning_grad():
    x = ag.ones(3, requires_grad=True)
    with pytest.raises(TypeError, match="assigned grad expected to be a Tensor or None but got grad of type str"):
        x.grad = "abc"
    with pytest.raises(TypeError, match="got grad of type ndarray"):
        x.grad = np.ones(3, np.float32)
    with pytest.raises(RuntimeError, match=r"assigned grad has data of a different size: attempting to assign a "
                                           r"gradient of size '\[2\]' to a tensor of size '\[3\]'"):
        x.grad = ag.ones(2)
    with pytest.raises(RuntimeError, match=r"of size '\[1, 3\]' to a tensor of size '\[3\]'"):
        x.grad = ag.ones(1, 3)
    with pytest.raises(RuntimeError, match="assigned grad has data of a different type: attempting to assign a "
                                           "gradient with dtype float64 to a tensor of dtype float32"):
        x.grad = ag.ones(3, dtype=ag.float64)
    with pytest.raises(RuntimeError, match="can't assign Variable as its own grad"):
        x.grad = x
    assert x.grad is None
    x.grad = ag.full((3,), 2.0)
    assert x.grad.tolist() == [2.0, 2.0, 2.0]
    x.grad = None
    assert x.grad is None
    y = x * 2
    y.grad = ag.ones(3)  # a non-leaf may be given one too (PyTorch allows it)
    assert y.grad.tolist() == [1.0, 1.0, 1.0]


def test_requires_grad_on_non_leaves_and_non_floats():
    x = ag.ones(3, requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match=r"^you can only change requires_grad flags of leaf variables. If you want "
                                           r"to use a computed variable in a subgraph that doesn't require "
                                           r"differentiation use var_no_grad = var.detach\(\).$"):
        y.requires_grad = False
    with pytest.raises(RuntimeError, match=r"^you can only change requires_grad flags of leaf variables.$"):
        y.requires_grad = True
    assert y.requires_grad and not y.is_leaf
    with pytest.raises(RuntimeError, match="only Tensors of floating point and complex dtype can require gradients"):
        ag.arange(3).requires_grad = True
    for value in (1, "yes", None):
        with pytest.raises(RuntimeError, match="requires_grad must be a bool"):
            x.requires_grad = value
    x.requires_grad = False
    assert not x.requires_grad and x.is_leaf
    x.requires_grad = np.bool_(True)
    assert x.requires_grad is True
    ag.arange(3).requires_grad = False  # turning it off is always allowed on a leaf


def test_grad_fn_cannot_be_assigned():
    x = ag.ones(3, requires_grad=True)
    y = x * 2
    for t in (x, y):
        with pytest.raises(AttributeError, match="attribute 'grad_fn' of 'Tensor' objects is not writable"):
            t.grad_fn = None
    assert y.grad_fn is not None
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0, 2.0]
