"""autograd_core: a reverse-mode automatic-differentiation engine with a
PyTorch-style tensor API, on numpy.

    import autograd_core as ag
    x = ag.tensor([2.0, 5.0], requires_grad=True)
    y = ag.log(x[0]) + x[0] * x[1] - ag.sin(x[1])
    y.backward()          # x.grad == [5.5, 1.716...]
"""

from . import (
    _facade,
    accelerator,
    arg_aliases,
    backends,
    compiler,  # torch.compiler; ag.compile is compiler.compile
    cuda,
    distributed,  # torch.distributed (mpi4py is imported only by init_process_group)
    forward,
    functional,
    linalg,
    ops,
    random,
    utils,
)
from .compiler import compile
from .creation import (
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    ones,
    ones_like,
    tensor,
    zeros,
    zeros_like,
)
from .device import device, get_default_device, set_default_device
from .dtypes import (
    bool,
    double,
    float,
    float16,
    float32,
    float64,
    get_default_dtype,
    half,
    int,
    int8,
    int16,
    int32,
    int64,
    is_floating_point,
    long,
    set_default_dtype,
    short,
    uint8,
)
from .engine import backward, grad
from .function import Function, once_differentiable
from .grad_mode import (
    detect_anomaly,
    enable_grad,
    inference_mode,
    is_anomaly_enabled,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_detect_anomaly,
    set_grad_enabled,
)
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .histogram import histc, histogram
from .legacy import (
    BoolTensor,
    ByteTensor,
    CharTensor,
    DoubleTensor,
    FloatTensor,
    HalfTensor,
    IntTensor,
    LongTensor,
    ShortTensor,
)
from .num_threads import get_num_threads, set_num_threads
from .ops import *  # noqa: F401,F403
from .printing import get_printoptions, set_printoptions
from .random import (
    Generator,
    bernoulli,
    default_generator,
    get_rng_state,
    initial_seed,
    manual_seed,
    multinomial,
    normal,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    seed,
    set_rng_state,
)
from .serialization import load, save
from .size import Size
from .tensor import Tensor, is_tensor, numel
from .tracing import trace

ops.install_methods(Tensor)
random.install_methods(Tensor)

arg_aliases.install(globals(), ops.__all__, Tensor)  # axis= and keepdims= for dim= and keepdim=

# torch.nn, torch.optim, torch.utils.data: the top-level packages, loaded lazily (see _facade.py)
_facade.install()


def __getattr__(name):
    return _facade.attribute(__name__, name)

