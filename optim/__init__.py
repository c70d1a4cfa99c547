"""optim: optimizers and learning-rate schedulers (built on autograd_core).

    import optim
    opt = optim.Adam(model.parameters(), lr=1e-3)
    sched = optim.lr_scheduler.StepLR(opt, step_size=30, gamma=0.1)
    for epoch in range(90):
        for x, y in loader:
            opt.zero_grad()
            loss_fn(model(x), y).backward()
            opt.step()
        sched.step()

Every optimizer follows the algorithm PyTorch documents for it, with PyTorch's
defaults; each module's docstring gives the update and maps the lecture
notes' form (002 §5.2) onto it. SGD and Adam/AdamW run fused numba kernels
(``autograd_core/kernels/optim.py``, under the engine's kernel switch); docs/optim.md has the details.
"""
from . import lr_scheduler, swa_utils
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam
from .adamax import Adamax
from .adamw import AdamW
from .asgd import ASGD
from .lbfgs import LBFGS
from .nadam import NAdam
from .optimizer import Optimizer, required
from .radam import RAdam
from .rmsprop import RMSprop
from .rprop import Rprop
from .sgd import SGD

__all__ = ["Optimizer", "required", "SGD", "Adagrad", "RMSprop", "Adadelta", "Adam", "AdamW", "NAdam",
           "RAdam", "Adamax", "ASGD", "Rprop", "LBFGS", "lr_scheduler",
           "swa_utils"]
