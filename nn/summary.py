"""``summary(model, input_shape)``: a Keras-style table of a model's layers.

The model runs once (in eval mode, without recording a graph, on random
input of shape (batch_size, *input_shape) drawn from a private generator, so
the global seed is untouched); forward hooks on every layer (every module
without children, and any module with parameters of its own) record the
output shape and the number of parameters the layer owns. Totals count each
parameter once: trainable ones require grad. Buffers (running statistics)
are state, not parameters, as in PyTorch, so they are not counted.
"""
from collections import namedtuple

import numpy as np

from autograd_core.grad_mode import no_grad
from autograd_core.tensor import Tensor

Row = namedtuple("Row", ["name", "kind", "output_shape", "params"])
Summary = namedtuple("Summary", ["rows", "total_params", "trainable_params", "non_trainable_params",
                                 "input_shapes"])


def _shapes(out):
    if isinstance(out, Tensor):
        return list(out.shape)
    if isinstance(out, (tuple, list)):
        return [_shapes(o) for o in out]
    return type(out).__name__


def _input_shapes(input_shape, batch_size):
    shapes = input_shape if input_shape and all(isinstance(s, (tuple, list)) for s in input_shape) \
        else [input_shape]
    return [(batch_size,) + tuple(int(d) for d in s) for s in shapes]


def summarize(model, input_shape, batch_size=1, dtype=np.float32):
    """Run ``model`` once and return a ``Summary`` (rows of name, type,
    output shape and own parameter count; total, trainable and
    non-trainable parameter counts). ``input_shape`` excludes the batch dim;
    a list of shapes gives several inputs."""
    shapes = _input_shapes(input_shape, batch_size)
    rows, handles = [], []
    for name, m in model.named_modules():
        own = sum(p.numel() for p in m.parameters(recurse=False))
        if own or not m._modules:
            def hook(mod, args, out, name=name, own=own):
                rows.append(Row(name or type(mod).__name__, type(mod).__name__, _shapes(out), own))

            handles.append(m.register_forward_hook(hook))
    rng = np.random.default_rng(0)
    inputs = [Tensor(rng.standard_normal(s).astype(dtype)) for s in shapes]
    was_training = model.training
    try:
        model.eval()
        with no_grad():
            model(*inputs)
    finally:
        model.train(was_training)
        for h in handles:
            h.remove()
    params = list(model.parameters())
    total = sum(p.numel() for p in params)
    trainable = sum(p.numel() for p in params if p.requires_grad)
    return Summary(rows, total, trainable, total - trainable, [list(s) for s in shapes])


def summary(model, input_shape, batch_size=1, dtype=np.float32, print_fn=print):
    """Print the table of ``summarize`` (layer, output shape, parameter count;
    total, trainable, non-trainable) with ``print_fn``."""
    s = summarize(model, input_shape, batch_size, dtype)
    cells = [(f"{r.name} ({r.kind})", str(r.output_shape), f"{r.params:,}") for r in s.rows]
    head = ("Layer (type)", "Output Shape", "Param #")
    w = [max(len(c[i]) for c in cells + [head]) + 4 for i in range(3)]
    width = sum(w)

    def line(c):
        return f" {c[0]:<{w[0] - 1}}{c[1]:<{w[1]}}{c[2]:>{w[2] - 4}}"

    inputs = ", ".join(str(x) for x in s.input_shapes)
    out = [f'Model: "{type(model).__name__}"   input: {inputs}', "_" * width, line(head), "=" * width]
    out += [line(c) for c in cells]
    out += ["=" * width, f"Total params: {s.total_params:,}", f"Trainable params: {s.trainable_params:,}",
            f"Non-trainable params: {s.non_trainable_params:,}", "_" * width]
    print_fn("\n".join(out))
