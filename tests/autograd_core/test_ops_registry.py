"""The op-family registry of ``autograd_core.ops``: built from the modules
(every module that defines ``METHODS`` is a family), its exports and Tensor
methods, and a name claimed by two families is an error."""
import importlib
import pkgutil
import sys

import pytest

import autograd_core as ag
from autograd_core import ops
from autograd_core.tensor import Tensor


def test_the_families_are_the_modules_that_define_methods():
    with_methods = set()
    for info in pkgutil.iter_modules(ops.__path__):
        if hasattr(importlib.import_module(f"{ops.__name__}.{info.name}"), "METHODS"):
            with_methods.add(info.name)
    names = [f.__name__.rsplit(".", 1)[1] for f in ops.FAMILIES]
    assert set(names) == with_methods and len(names) == len(with_methods)
    assert {"reduce", "shape", "join", "linalg", "einsum_op", "conv", "pool", "unary", "index"} <= with_methods
    assert not {"_util", "conv_args", "pool_args"} & set(names)  # helpers are not families


def _unwrapped(fn):
    """``fn`` without a wrapper installed over it later (e.g. the axis=/keepdims= aliases)."""
    return getattr(fn, "__wrapped__", fn)


def test_every_family_export_and_method_is_installed():
    assert len(ops.__all__) == len(set(ops.__all__))
    for family in ops.FAMILIES:
        for name in family.__all__:
            assert name in ops.__all__ and _unwrapped(getattr(ops, name)) is _unwrapped(getattr(family, name))
        for name, fn in family.METHODS.items():
            assert _unwrapped(vars(Tensor)[name]) is _unwrapped(fn)
    assert _unwrapped(ag.einsum) is ops.einsum_op.einsum and _unwrapped(ag.matmul) is ops.linalg.matmul
    assert _unwrapped(ag.sum) is ops.reduce.sum and _unwrapped(ag.conv2d) is ops.conv.conv2d


def test_family_modules_stay_importable_by_name():
    # a family module is ops.<name> unless it exports a function of its own name (then the function)
    for family in ops.FAMILIES:
        name = family.__name__.rsplit(".", 1)[1]
        assert sys.modules[family.__name__] is family
        assert getattr(ops, name) is (getattr(family, name) if name in family.__all__ else family)


def test_a_name_claimed_by_two_families_is_an_error():
    owners = {}
    ops._claim(owners, ["sum"], ops.reduce, "function")
    with pytest.raises(ImportError, match="autograd_core.ops.shape and autograd_core.ops.reduce both define"):
        ops._claim(owners, ["sum"], ops.shape, "function")

