"""Reverse mode: ``backward`` and ``grad``.

Given roots y_k with seeds ȳ_k, the engine visits every node of the graph
once, in a topological order (each node after all nodes that use its
outputs), and applies the chain rule

    x̄_i += Σ_outputs  ȳ · ∂y/∂x_i        (the node's ``backward``)

It is iterative (a chain of a million ops needs no recursion): a first pass
counts, for every node, the edges that lead into it; a node is ready when all
of them have delivered their gradient. After ``backward`` returns, the engine
sums each gradient back to its input's shape (undoing broadcasting in one
place), casts it to the input's dtype, runs tensor hooks, keeps gradients of
``retain_grad()`` tensors, and frees the node's saved tensors unless
``retain_graph``. The edges and the dependency count are ``graph.py``'s;
a tool that watches the pass (``observers.observe_backward``) sees every
node's rule run.
"""
import sys

import numpy as np

from . import observers as _observers
from .grad_mode import _state, set_grad_enabled
from .graph import LEAF, dependencies, leaf_uses
from .tensor import Tensor


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate gradients of ``tensors`` into the ``.grad`` of the leaves
    (only of ``inputs`` when given)."""
    tensors, grad_tensors = _seeds(tensors, grad_tensors)
    only = None
    if inputs is not None:
        inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
        if not inputs:
            raise RuntimeError("backward: 'inputs' argument must not be empty")
        only = {id(t): t for t in inputs}
    _run(tensors, grad_tensors, retain_graph, create_graph, only, capture=False)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=False):
    """Return d(outputs)/d(inputs) · grad_outputs without touching ``.grad``."""
    single = isinstance(inputs, Tensor)
    inputs = [inputs] if single else list(inputs)
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise RuntimeError(f"grad: input {i} does not require grad")
    outputs, grad_outputs = _seeds(outputs, grad_outputs)
    found = _run(outputs, grad_outputs, retain_graph, create_graph,
                 {id(t): t for t in inputs}, capture=True)
    result = []
    for i, t in enumerate(inputs):
        g = found.get(id(t))
        if g is None and not allow_unused:
            raise RuntimeError(f"grad: input {i} (shape {tuple(t.shape)}) was not used in the graph; "
                               "pass allow_unused=True to get None for it")
        result.append(g)
    return tuple(result)


def _seeds(tensors, grads):
    """Check the roots and make their seed gradients (ones for scalars)."""
    tensors = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    if grads is None or isinstance(grads, (Tensor, np.ndarray, int, float)):
        grads = [grads] * len(tensors) if grads is None else [grads]
    grads = list(grads)
    if len(grads) != len(tensors):
        raise RuntimeError(f"got {len(tensors)} outputs but {len(grads)} gradients")
    seeds = []
    for i, (t, g) in enumerate(zip(tensors, grads)):
        if not t.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
        if g is None:
            if t._data.size != 1:
                raise RuntimeError(f"grad can be implicitly created only for scalar outputs; "
                                   f"got an output of shape {tuple(t.shape)}: pass `gradient`")
            g = Tensor(np.ones(t._data.shape, t._data.dtype))
        elif not isinstance(g, Tensor):
            g = Tensor(np.asarray(g, dtype=t._data.dtype))
        if g._data.shape != t._data.shape:
            raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {tuple(g.shape)} "
                               f"and output[{i}] has a shape of {tuple(t.shape)}")
        seeds.append(g)
    return tensors, seeds


def _run(roots, seeds, retain_graph, create_graph, only, capture):
    if retain_graph is None:
        retain_graph = create_graph
    leaves = {}  # id(leaf) -> [leaf, summed gradient]
    buffers = {}  # node -> list of gradients, one per output
    for t, g in zip(roots, seeds):
        if t.grad_fn is None:
            _add_leaf(leaves, t, g)
        else:
            _add(buffers, t.grad_fn, t._out_nr, g)
    deps = dependencies(list(buffers))
    ready = [n for n in buffers if deps.get(n, 0) == 0]
    wanted = {}  # id(node) -> [(output_nr, key)] of the non-leaf tensors whose gradient is asked for
    for k, t in (only or {}).items():
        if t.grad_fn is not None:
            wanted.setdefault(id(t.grad_fn), []).append((t._out_nr, k))
    found = {}
    anomaly = _state.anomaly
    watch, hooks = None, True
    leaf_nr = LEAF  # a local: compared on every edge
    if _observers.backward_observers:
        watched = _observers.backward_watch()
        if watched is not None:
            watch, quiet = watched
            hooks = not quiet
    pending = None  # id(leaf) -> uses not yet delivered, for leaves with post-accumulate hooks
    if Tensor._post_hook_count and hooks and not capture:
        pending = leaf_uses(deps, lambda t: getattr(t, "_post_hooks", None) and (only is None or id(t) in only))
    with set_grad_enabled(create_graph):
        while ready:
            node = ready.pop()
            grads = buffers.pop(node, None)
            results = None  # stays None when nothing flows: the node just releases its children
            if grads is not None and (grads[0] is not None if len(grads) == 1
                                      else any(g is not None for g in grads)):
                if node._hooks or node._retained or node._out_meta:
                    grads = _before_backward(node, grads, create_graph, hooks)
                if wanted and id(node) in wanted:
                    for nr, key in wanted[id(node)]:
                        if grads[nr] is not None:
                            found[key] = grads[nr]
                results = node.backward(node, *grads) if watch is None else watch(node, grads)
                if type(results) is not tuple:
                    results = (results,)
                if len(results) != len(node._edges):
                    raise RuntimeError(f"function {node.name()} returned {len(results)} gradients; "
                                       f"expected {len(node._edges)} (one per input of forward)")
                if not retain_graph:
                    node._saved = None
                    node._freed = True
                if anomaly:
                    _check_finite(node, results)
            for i, edge in enumerate(node._edges):
                if edge is None:
                    continue
                child, nr, shape, dtype = edge
                g = None if results is None else results[i]
                if g is not None:
                    if type(g) is not Tensor or g._data.shape != shape or g._data.dtype != dtype:
                        g = _fit(node, g, shape, dtype)
                    if nr == leaf_nr:
                        _add_leaf(leaves, child, g)
                        if pending and id(child) in pending:
                            _leaf_used(pending, leaves, child, create_graph)
                        continue
                    if child not in buffers and child._out_meta is None:
                        buffers[child] = [g]
                    else:
                        _add(buffers, child, nr, g)
                elif nr == leaf_nr:
                    if pending and id(child) in pending:
                        _leaf_used(pending, leaves, child, create_graph)
                    continue
                d = deps[child] - 1
                deps[child] = d
                if d == 0:
                    ready.append(child)
        grads = results = g = None  # the last node's gradients: leaves may keep them (see _sole)
    for key, entry in leaves.items():
        leaf = entry[0]
        if leaf._hooks and hooks:
            for hook in list(leaf._hooks):
                entry[1] = _run_hook(hook, entry[1])
        if only is not None and key not in only:
            continue
        if capture:
            found[key] = entry[1]
        else:
            owned = not create_graph and _sole(entry)  # before entry[1] is loaded (a reference)
            _accumulate(leaf, entry[1], create_graph, owned)
            if hooks and getattr(leaf, "_post_hooks", None):
                for hook in list(leaf._post_hooks):
                    hook(leaf)
    if not capture:  # backward(inputs=[non-leaf, ...]) accumulates into those too
        for key, g in found.items():
            _accumulate(only[key], g, create_graph)
    return found


def _leaf_used(pending, leaves, leaf, create_graph):
    """One use of a leaf with post-accumulate hooks has delivered; after the
    last one, finish the leaf now (tensor hooks, accumulate, post hooks)
    instead of after the whole pass."""
    k = id(leaf)
    pending[k] -= 1
    if pending[k] or k not in leaves:
        return
    g = leaves.pop(k)[1]
    for hook in list(leaf._hooks or ()):
        g = _run_hook(hook, g)
    _accumulate(leaf, g, create_graph)
    for hook in list(leaf._post_hooks):
        hook(leaf)


def _add(buffers, node, nr, g):
    grads = buffers.get(node)
    if grads is None:
        n = len(node._out_meta) if node._out_meta else 1
        grads = buffers[node] = [None] * n
    grads[nr] = g if grads[nr] is None else grads[nr] + g


def _add_leaf(leaves, t, g):
    entry = leaves.get(id(t))
    if entry is None:
        leaves[id(t)] = [t, g]
    else:
        entry[1] = entry[1] + g


def _run_hook(hook, g):
    """``hook(g)``'s replacement for the gradient ``g`` (``g`` itself when it
    returns None): a Tensor of ``g``'s shape and dtype, as PyTorch checks."""
    r = hook(g)
    if r is None:
        return g
    name = getattr(hook, "__name__", type(hook).__name__)
    if not isinstance(r, Tensor):
        raise TypeError(f"expected Variable, but hook returned '{type(r).__name__}'")
    if r._data.shape != g._data.shape:
        raise RuntimeError(f"hook '{name}' has changed the size of value (was {list(g._data.shape)}, got "
                           f"{list(r._data.shape)})")
    if r._data.dtype != g._data.dtype:
        raise RuntimeError(f"hook '{name}' has changed the type of value (was {g.type()} got {r.type()})")
    return r


def _before_backward(node, grads, create_graph, hooks=True):
    """Run the hooks of this node's output tensors and keep retained grads
    (unless ``hooks`` is off: a quiet observer runs the pass); give missing
    gradients of multi-output nodes as zeros."""
    if node._hooks and hooks:
        for nr, hooks in node._hooks.items():
            if grads[nr] is not None:
                for hook in list(hooks):
                    grads[nr] = _run_hook(hook, grads[nr])
    if node._retained and hooks:
        for nr, ref in node._retained.items():
            t = ref()
            if t is not None and grads[nr] is not None:
                _accumulate(t, grads[nr], create_graph)
    if node._out_meta and node.materialize_grads:
        grads = [Tensor(np.zeros(s, d)) if g is None else g for g, (s, d) in zip(grads, node._out_meta)]
    return grads


def _check_finite(node, results):
    """Anomaly mode: a NaN or Inf gradient names the op and where it was made."""
    for i, g in enumerate(results):
        if g is not None and not np.all(np.isfinite(_data(g))):
            raise RuntimeError(f"Function '{node.name()}' returned nan or inf values in its "
                               f"{i}th output.\nThe forward op was created at:\n{node._trace or ''}")


def _data(g):
    return g._data if isinstance(g, Tensor) else np.asarray(g)


def _fit(node, g, shape, dtype):
    """Sum a gradient back to its input's shape and cast it to its dtype."""
    if not isinstance(g, Tensor):
        g = Tensor(np.asarray(g))
    if g._data.shape != shape:
        from .ops.broadcast import sum_to_shape

        try:
            g = sum_to_shape(g, shape)
        except ValueError:
            raise wrong_shape(node, g.shape, shape) from None
    if g._data.dtype != dtype:
        g = g.to(dtype)
    return g


def wrong_shape(node, got, shape):
    """The error of a rule that returned a gradient which does not sum to its input's shape."""
    return RuntimeError(f"function {node.name()} returned a gradient of shape {tuple(got)} for an input of "
                        f"shape {tuple(shape)}")


def _accumulate(t, g, create_graph, owned=False):
    """``t.grad += g``. A fresh gradient becomes ``t.grad`` as it is when the
    engine holds it alone (``owned``), it is writeable and it has ``t``'s
    memory layout; otherwise it is copied in ``t``'s layout (so optimizers see matching
    arrays), so that no two tensors' ``.grad`` share memory."""
    if create_graph:
        t._grad = g if t._grad is None else t._grad + g
    elif t._grad is None:
        order = "F" if t._data.flags.f_contiguous and not t._data.flags.c_contiguous else "C"
        flags = g._data.flags
        if owned and flags.writeable and flags[order + "_CONTIGUOUS"]:  # not a read-only broadcast
            t._grad = g
        else:
            t._grad = Tensor(np.array(g._data, copy=True, order=order))
    else:
        np.add(t._grad._data, g._data, out=t._grad._data)


def _refcounts(entry):
    g = entry[1]
    a = g._data
    b = a.base
    return sys.getrefcount(g), sys.getrefcount(a), 0 if b is None else sys.getrefcount(b)


# The counts when entry[1] and its array (and the array's base) are held by nothing else,
# measured here so that they hold for the running interpreter.
_SOLE = {False: _refcounts([None, Tensor(np.empty(2))]), True: _refcounts([None, Tensor(np.empty((2, 2)).T)])}


def _sole(entry):
    """Whether the gradient ``entry[1]`` is referenced by ``entry`` alone, and
    its array (and that array's base, for a view) by that tensor alone: then
    nothing else can see it, and the leaf may keep it without a copy (as
    PyTorch's AccumulateGrad steals a gradient nobody else holds). Any other
    holder (a user's variable, a hook, a second leaf, a view) adds a
    reference, and the gradient is copied."""
    counts = _refcounts(entry)
    return counts == _SOLE[counts[2] != 0]
