"""Issue 19's workloads in the numpy-based peer engines MyGrad and HIPS autograd, written as a user of each
would write them (for ``tools/bench_compile.py --peers``; install them with ``pip install -e .[peers]``).

Every public function takes the arrays of our side (the same initial weights, inputs and labels, float32)
and returns a step: a function of no arguments that runs the workload once and returns a numpy value to
compare with ours (the loss, the logits, dy/dx or the weight gradient).

- MyGrad 2.5: ``mygrad.Tensor`` with ``conv_nd``, ``max_pool``, ``relu`` and ``softmax_crossentropy`` of
  ``mygrad.nnet``. MyGrad has no optimizers: the update writes into ``param.data``. A Python scalar in an op
  turns a float32 tensor into float64 (MyGrad makes it a 0-d float64 array, which numpy 2 does not treat as
  weak), so the scalar chain runs in float64 there; the other workloads stay float32.
- HIPS autograd 1.9: a loss function of a list of numpy arrays, differentiated by ``autograd.value_and_grad``.
  The convolution is ``autograd.scipy.signal.convolve`` (needs scipy) as in autograd's own convnet example:
  a true convolution, so the kernel is stored flipped, channels (in, out); max pooling is a reshape and a max.
- Both run PyTorch's SGD and Adam updates written in numpy (``SGD`` and ``Adam`` below), in place: MyGrad has
  no optimizers, and HIPS's ``autograd.misc.optimizers`` run a whole loop over a flattened parameter vector,
  not one step.
"""
import numpy as np

try:
    import mygrad as mg
    from mygrad.nnet.activations import relu
    from mygrad.nnet.layers import conv_nd, max_pool
    from mygrad.nnet.losses import softmax_crossentropy
except ImportError:  # the peer is optional
    mg = None
try:
    import autograd
    import autograd.numpy as anp
    from autograd.scipy.signal import convolve
    from autograd.scipy.special import logsumexp
except ImportError:  # the peer is optional (autograd.scipy also needs scipy)
    autograd = None


def installed():
    """The peers that can be imported: {name: version}."""
    found = {}
    if mg is not None:
        found["mygrad"] = mg.__version__
    if autograd is not None:
        from importlib.metadata import version

        found["hips-autograd"] = version("autograd")
    return found


# -- the optimizer updates, PyTorch's formulas on numpy arrays ----------------------------------------------
class SGD:
    """p <- p - lr g."""

    def __init__(self, lr):
        self.lr = lr

    def __call__(self, params, grads):
        for p, g in zip(params, grads):
            p -= self.lr * g


class Adam:
    """m <- b1 m + (1 - b1) g,  v <- b2 v + (1 - b2) g²,  p <- p - lr/(1 - b1^t) m / (sqrt(v/(1 - b2^t)) + eps)."""

    def __init__(self, params, lr, betas=(0.9, 0.999), eps=1e-8):
        self.lr, self.betas, self.eps, self.t = lr, betas, eps, 0
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]

    def __call__(self, params, grads):
        (b1, b2), self.t = self.betas, self.t + 1
        for p, g, m, v in zip(params, grads, self.m, self.v):
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * g * g
            p -= self.lr / (1 - b1 ** self.t) * m / (np.sqrt(v / (1 - b2 ** self.t)) + self.eps)


def optimizer(params, adam, lr):
    return Adam(params, lr) if adam else SGD(lr)


# -- MyGrad -------------------------------------------------------------------------------------------------
def _mygrad_mlp(p, x):
    """Linear layers p = [w1, b1, w2, b2, ...] (w: (out, in)) with ReLU between."""
    for i in range(0, len(p) - 2, 2):
        x = relu(x @ p[i].T + p[i + 1])
    return x @ p[-2].T + p[-1]


def _mygrad_lenet(p, x):
    """conv 5x5 (padding 2), ReLU, max-pool 2, conv 5x5, ReLU, max-pool 2, then the MLP 400-120-84-10."""
    for i, pad in ((0, 2), (2, 0)):
        x = max_pool(relu(conv_nd(x, p[i], stride=1, padding=pad) + p[i + 1][:, None, None]), (2, 2), 2)
    return _mygrad_mlp(p[4:], x.reshape(len(x), -1))


def mygrad_train(net, params, x, y, adam, lr):
    """One training step of ``net`` ('mlp' or 'lenet'): cross-entropy, backward, SGD or Adam; returns the loss."""
    forward = {"mlp": _mygrad_mlp, "lenet": _mygrad_lenet}[net]
    ps, x = [mg.tensor(a) for a in params], mg.tensor(x, constant=True)
    update = optimizer(params, adam, lr)

    def step():
        loss = softmax_crossentropy(forward(ps, x), y)
        loss.backward()
        update([p.data for p in ps], [p.grad for p in ps])
        return loss.data
    return step


def mygrad_infer(params, x):
    """The MLP's forward without recording (``mygrad.no_autodiff``); returns the logits."""
    ps, x = [mg.tensor(a) for a in params], mg.tensor(x, constant=True)

    def step():
        with mg.no_autodiff:
            return _mygrad_mlp(ps, x).data
    return step


def mygrad_chain(chain):
    """``chain(x)`` from x = 1 (float32) and its backward; returns dy/dx."""
    def step():
        x = mg.tensor(np.float32(1.0))
        chain(x).backward()
        return x.grad
    return step


def mygrad_conv(x, w, b, g):
    """conv2d (padding 1) plus bias, backward with the output gradient ``g``; returns the weight gradient."""
    x, w, b = (mg.tensor(a) for a in (x, w, b))

    def step():
        (conv_nd(x, w, stride=1, padding=1) + b[:, None, None]).backward(g)
        return w.grad
    return step


# -- HIPS autograd ------------------------------------------------------------------------------------------
def hips_kernel(w):
    """Our (out, in, kh, kw) cross-correlation kernel as convolve's (in, out, kh, kw) flipped kernel (a view;
    the map is its own inverse)."""
    return w.transpose(1, 0, 2, 3)[:, :, ::-1, ::-1]


def _hips_conv(x, w, b, pad):
    if pad:
        x = anp.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="constant")
    return convolve(x, w, axes=([2, 3], [2, 3]), dot_axes=([1], [0]), mode="valid") + b[:, None, None]


def _hips_pool(x):
    n, c, h, w = x.shape
    return anp.max(x.reshape(n, c, h // 2, 2, w // 2, 2), axis=(3, 5))


def _hips_mlp(p, x):
    for i in range(0, len(p) - 2, 2):
        x = anp.maximum(x @ p[i].T + p[i + 1], 0.0)
    return x @ p[-2].T + p[-1]


def _hips_lenet(p, x):
    for i, pad in ((0, 2), (2, 0)):
        x = _hips_pool(anp.maximum(_hips_conv(x, p[i], p[i + 1], pad), 0.0))
    return _hips_mlp(p[4:], x.reshape(len(x), -1))


def _hips_cross_entropy(logits, y):
    return -anp.mean((logits - logsumexp(logits, axis=1, keepdims=True))[anp.arange(len(y)), y])


def hips_train(net, params, x, y, adam, lr):
    """As ``mygrad_train``; the LeNet's conv kernels are kept in convolve's layout (``hips_kernel``)."""
    forward = {"mlp": _hips_mlp, "lenet": _hips_lenet}[net]
    ps = [np.ascontiguousarray(hips_kernel(a)) if a.ndim == 4 else a.copy() for a in params]
    loss_and_grads = autograd.value_and_grad(lambda ps: _hips_cross_entropy(forward(ps, x), y))
    update = optimizer(ps, adam, lr)

    def step():
        loss, grads = loss_and_grads(ps)
        update(ps, grads)
        return loss
    return step


def hips_infer(params, x):
    """The MLP's forward: plain calls of autograd.numpy (nothing is traced outside ``grad``)."""
    ps = [a.copy() for a in params]
    return lambda: _hips_mlp(ps, x)


def hips_chain(chain):
    dydx = autograd.grad(chain)
    return lambda: dydx(np.float32(1.0))


def hips_conv(x, w, b, g):
    """As ``mygrad_conv``, through ``autograd.make_vjp``; returns the weight gradient in our layout."""
    out = autograd.make_vjp(lambda args: _hips_conv(*args, 1))
    args = (x, np.ascontiguousarray(hips_kernel(w)), b)

    def step():
        vjp, _ = out(args)
        return hips_kernel(vjp(g)[1])
    return step


STEPS = {"mygrad": {"train": mygrad_train, "infer": mygrad_infer, "chain": mygrad_chain, "conv": mygrad_conv},
         "hips-autograd": {"train": hips_train, "infer": hips_infer, "chain": hips_chain, "conv": hips_conv}}
"""The step builders of each peer by workload kind."""
