"""Fixtures of the optimizer tests: ``kernel_set(fused)`` selects the fused
numba kernels (True) or their numpy twins (False) for one test, through the
engine's switch, and restores the previous set afterwards."""
import pytest

from autograd_core import kernels


@pytest.fixture
def kernel_set():
    old = kernels.backend()

    def select(fused):
        kernels.set_backend("numba" if fused else "numpy")

    yield select
    kernels.set_backend(old)
