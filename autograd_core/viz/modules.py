"""Which submodule of a model made which node of the graph (``group_modules``
of ``viz.draw_graph``).

``watch(model)`` puts a forward pre-hook and a forward hook on the model and
on every submodule (PyTorch's ``register_forward_pre_hook`` /
``register_forward_hook``, duck-typed: ``autograd_core`` does not import
``nn``). When a module's forward returns, the hook walks back from its
outputs through the graph, stopping at the nodes that made its inputs, and
gives every node met that no submodule claimed to this module. Submodules
finish first, so each node belongs to the innermost module that made it.
The map is weak (nodes are not kept alive) and survives ``remove()``, so

    with viz.watch(model):
        loss = criterion(model(x), y)
    viz.draw_graph(loss, group_modules=model)

groups the nodes of that forward pass. For a model that was not watched,
``module_paths`` falls back to the parameters: an op that uses a module's
own parameter belongs to it, and so does an op whose inputs include one of
the module's ops and whose users all belong to the module (the matmul
between a Linear's transposed weight and its bias add). Modules without
parameters (ReLU, pooling) cannot be found that way.
"""
import warnings
import weakref

from ..graph import leaf_inputs, op_inputs
from ..tensor import Tensor

_watches = weakref.WeakKeyDictionary()  # model -> its latest ModuleWatch


def _tensors(obj, out):
    if isinstance(obj, Tensor):
        out.append(obj)
    elif isinstance(obj, (tuple, list)):
        for o in obj:
            _tensors(o, out)
    elif isinstance(obj, dict):
        for o in obj.values():
            _tensors(o, out)
    return out


def within(scope, parent, parents):
    """Whether module scope ``scope`` is ``parent`` or inside it."""
    while scope is not None:
        if scope == parent:
            return True
        scope = parents.get(scope)
    return False


class ModuleWatch:
    """Hooks recording which module call made which node; ``remove()`` (or
    the end of a ``with`` block) takes the hooks off and keeps the record.

    A scope is a module's dotted path (``''`` for the model), with ``#k``
    added for its k-th call in one forward pass of the model (a pooling
    layer used twice gives ``pool`` and ``pool#2``). ``paths[node]`` is the
    innermost scope that made the node, ``parents[scope]`` the enclosing
    scope (None for the outermost), ``types[scope]`` the module's class."""

    def __init__(self, model):
        if not hasattr(model, "named_modules") or not hasattr(model, "register_forward_hook"):
            raise TypeError(f"watch: expected an nn.Module, got {type(model).__name__}")
        self._model = weakref.ref(model)  # the registry's key: a strong reference would keep it alive
        self.paths = weakref.WeakKeyDictionary()  # node -> scope
        self.types, self.parents = {}, {}
        self._calls = {}
        self._stack = []
        self._handles = []
        for path, m in model.named_modules():
            self._handles.append(m.register_forward_pre_hook(self._enter_hook(path, type(m).__name__)))
            self._handles.append(m.register_forward_hook(self._exit_hook(path), always_call=True))
        _watches[model] = self

    @property
    def model(self):
        return self._model()

    def _enter_hook(self, path, cls):
        def hook(module, args):
            if not self._stack:  # a new forward pass: number the calls afresh
                self._calls.clear()
            k = self._calls[path] = self._calls.get(path, 0) + 1
            scope = path if k == 1 else f"{path}#{k}"
            self.types[scope] = cls
            self.parents[scope] = self._stack[-1][1] if self._stack else None
            made = {t.grad_fn for t in _tensors(args, []) if t.grad_fn is not None}
            self._stack.append((path, scope, made))

        return hook

    def _exit_hook(self, path):
        def hook(module, args, output):
            while self._stack:  # a forward that raised in a submodule left its entry
                p, scope, made = self._stack.pop()
                if p == path:
                    break
            else:
                return
            if output is not None:
                self._claim(scope, output, made)

        return hook

    def _claim(self, scope, output, made):
        stack = [t.grad_fn for t in _tensors(output, []) if t.grad_fn is not None]
        seen = set()
        paths = self.paths
        while stack:
            node = stack.pop()
            if node in seen or node in made:
                continue
            seen.add(node)
            p = paths.get(node)
            if p is None:
                paths[node] = scope
            elif not within(p, scope, self.parents):  # made earlier, outside this module call
                continue
            stack.extend(e.node for e in op_inputs(node))

    def remove(self):
        for h in self._handles:
            h.remove()
        self._handles = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def watch(model):
    """Record which submodule of ``model`` makes which node in the forward
    passes that follow (until ``remove()`` or the end of the ``with`` block)."""
    return ModuleWatch(model)


def param_names(params, group=None):
    """``id(tensor) -> name`` from a dict, ``(name, tensor)`` pairs, a Module
    or a ModuleWatch (``params``, else the ``group_modules`` model)."""
    if params is None and group is not None:
        params = group
    if params is None:
        return {}
    if isinstance(params, ModuleWatch):
        params = params.model
    if hasattr(params, "named_parameters"):
        params = params.named_parameters()
    items = params.items() if isinstance(params, dict) else params
    names = {}
    try:
        for name, t in items:
            names.setdefault(id(t), str(name))
    except (TypeError, ValueError):
        raise TypeError(f"params must be a dict of tensors, (name, tensor) pairs or an nn.Module, "
                        f"got {type(params).__name__}") from None
    return names


def check_group(group):
    """``group_modules`` must be a Module (duck-typed) or a ModuleWatch."""
    if not isinstance(group, ModuleWatch) and not hasattr(group, "named_modules"):
        raise TypeError(f"draw_graph: group_modules must be an nn.Module or a viz.watch(...), "
                        f"got {type(group).__name__}")


def _static_scopes(model):
    """Types and parents of a model's module paths (one call each)."""
    types, parents = {}, {}
    for path, m in model.named_modules():
        types[path] = type(m).__name__
        parents[path] = None if path == "" else path.rpartition(".")[0]
    return types, parents


def module_paths(group, nodes, param_paths):
    """``(node -> scope, scope -> class name, scope -> parent scope)`` for
    ``group_modules`` (a model or a ModuleWatch). ``param_paths``:
    ``id(leaf) -> module path`` of the parameters."""
    w = group if isinstance(group, ModuleWatch) else _watches.get(group)
    if w is not None:
        return {n: w.paths[n] for n in nodes if n in w.paths}, dict(w.types), dict(w.parents)
    warnings.warn("draw_graph: the model was not watched while it ran, so its nodes are grouped by the "
                  "parameters they use (modules without parameters are not shown); run the forward "
                  "pass inside `with viz.watch(model):` to group every node", stacklevel=4)
    paths = {}
    for n in nodes:
        for leaf in leaf_inputs(n):
            if id(leaf) in param_paths:
                paths[n] = param_paths[id(leaf)]
                break
    users = {}
    for n in nodes:
        for e in op_inputs(n):
            users.setdefault(e.node, []).append(n)
    for n in reversed(nodes):
        if n in paths or not users.get(n):
            continue
        owners = {paths.get(u) for u in users[n]}
        if len(owners) == 1 and None not in owners:
            p = owners.pop()
            if any(paths.get(e.node) == p for e in op_inputs(n)):
                paths[n] = p
    return (paths, *_static_scopes(group))
