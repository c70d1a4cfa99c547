"""Devices as in a CPU-only PyTorch build: device='cpu' everywhere, CUDA
reported unavailable and refused with a clear error."""
import numpy as np
import pytest

import autograd_core as ag

FACTORIES = [
    lambda d: ag.zeros(2, 3, device=d),
    lambda d: ag.ones((2,), device=d),
    lambda d: ag.empty(2, device=d),
    lambda d: ag.full((2, 2), 1.5, device=d),
    lambda d: ag.arange(4, device=d),
    lambda d: ag.linspace(0, 1, 5, device=d),
    lambda d: ag.eye(3, device=d),
    lambda d: ag.tensor([1.0, 2.0], device=d),
    lambda d: ag.as_tensor([1.0, 2.0], device=d),
    lambda d: ag.zeros_like(ag.ones(2), device=d),
    lambda d: ag.ones_like(ag.ones(2), device=d),
    lambda d: ag.empty_like(ag.ones(2), device=d),
    lambda d: ag.full_like(ag.ones(2), 7.0, device=d),
    lambda d: ag.ones(2).new_zeros(3, device=d),
    lambda d: ag.ones(2).new_ones((3,), device=d),
    lambda d: ag.ones(2).new_full((3,), 2.0, device=d),
    lambda d: ag.ones(2).new_empty(3, device=d),
    lambda d: ag.ones(2).new_tensor([1, 2], device=d),
]


@pytest.mark.parametrize("make", FACTORIES)
@pytest.mark.parametrize("dev", [None, "cpu", "cpu:0", ag.device("cpu")])
def test_factories_take_the_cpu_device(make, dev):
    t = make(dev)
    assert t.device == ag.device("cpu") and t.device.type == "cpu"
    assert t.is_cpu and not t.is_cuda


@pytest.mark.parametrize("make", FACTORIES)
@pytest.mark.parametrize("dev", ["cuda", "cuda:0", "mps", ag.device("cuda", 1)])
def test_factories_refuse_other_devices_with_a_clear_error(make, dev):
    with pytest.raises(RuntimeError, match="CPU-only"):
        make(dev)


def test_device_object():
    d = ag.device("cpu")
    assert str(d) == "cpu" and repr(d) == "device(type='cpu')" and d == "cpu"
    assert ag.device("cuda:1").index == 1 and ag.device("cuda", 0).type == "cuda"
    assert ag.ones(1).device == ag.device("cpu") and str(ag.ones(1).device) == "cpu"
    with pytest.raises(RuntimeError):
        ag.device("gpu")


def test_to_device_dtype_and_other():
    x = ag.tensor([1.5, 2.5])
    assert x.to("cpu") is x and x.to(ag.device("cpu")) is x and x.cpu() is x
    assert x.to(ag.float64).dtype == np.float64
    assert x.to("cpu", ag.float64).dtype == np.float64
    assert x.to(device="cpu", dtype=ag.int64).tolist() == [1, 2]
    assert x.to(ag.float64, non_blocking=True).dtype == np.float64
    assert x.to("cpu", non_blocking=True) is x
    assert x.to(ag.zeros(1, dtype=ag.float64)).dtype == np.float64
    c = x.to("cpu", copy=True)
    assert c is not x and c.tolist() == x.tolist()
    c.add_(1)
    assert x.tolist() == [1.5, 2.5]


def test_to_keeps_the_graph():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x.to(ag.float64)
    y.sum().backward()
    assert x.grad.dtype == np.float32 and x.grad.tolist() == [1.0, 1.0]


@pytest.mark.parametrize("call", [
    lambda x: x.cuda(), lambda x: x.cuda(0), lambda x: x.to("cuda"), lambda x: x.to("cuda:0", ag.float64),
    lambda x: x.to(device="cuda"), lambda x: x.to(ag.device("cuda")), lambda x: x.to("mps"),
])
def test_cuda_raises_a_clear_error(call):
    with pytest.raises(RuntimeError, match="CPU-only"):
        call(ag.ones(2))


def test_cuda_module_reports_nothing_available():
    assert ag.cuda.is_available() is False and ag.cuda.device_count() == 0
    ag.cuda.manual_seed(0)
    ag.cuda.manual_seed_all(1)
    ag.cuda.synchronize()
    with pytest.raises(RuntimeError, match="CPU-only"):
        ag.cuda.current_device()


def test_the_usual_device_line_picks_the_cpu():
    device = ag.device("cuda" if ag.cuda.is_available() else "cpu")
    assert ag.zeros(2, device=device).device == device


def test_accelerator_and_backends():
    assert ag.accelerator.is_available() is False
    assert ag.accelerator.current_accelerator() is None
    cudnn = ag.backends.cudnn
    assert cudnn.is_available() is False
    assert (cudnn.enabled, cudnn.benchmark, cudnn.deterministic) == (True, False, False)
    cudnn.benchmark = True
    cudnn.deterministic = True
    cudnn.benchmark, cudnn.deterministic = False, False
    assert ag.backends.mps.is_available() is False


def test_default_device_pinning_and_get_device():
    assert ag.get_default_device() == ag.device("cpu")
    ag.set_default_device("cpu")
    ag.set_default_device(None)
    with pytest.raises(RuntimeError, match="CPU-only"):
        ag.set_default_device("cuda")
    x = ag.ones(2)
    assert x.get_device() == -1 and x.pin_memory() is x and not x.is_pinned()
