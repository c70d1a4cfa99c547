"""``add_graph``: one forward pass of a model, recorded by the engine, as the
``GraphDef`` that TensorBoard's graph dashboard reads.

The model runs once on the given input, in eval mode (each module's mode
is restored afterwards) and without recording gradients, while
``observers.observe_calls`` reports every top-level op call (one node per
op: ``MatMul``, ``Add``, ``Convolution`` ...) and forward pre-hooks and hooks on every submodule (duck-typed
``register_forward_pre_hook``/``register_forward_hook``: ``autograd_core``
does not import ``nn``) keep the stack of module calls. A node is named by
the scope of the innermost module running when the op was called and its
op class, as PyTorch's graphs are: ``Sequential/Linear[0]/MatMul`` (the
model's class, then ``Class[attribute]`` for each submodule on the path;
``_1``, ``_2`` ... tell repeated ops in one scope apart, which TensorBoard
shows as a series). TensorBoard draws each scope as a box that opens.

Nodes besides the ops: ``input/input.k`` and ``output/output.k`` (op ``IO
Node``), each parameter and buffer an op reads (op ``Parameter`` or
``Buffer``, in its module's scope: ``Sequential/Linear[0]/weight``; also
when an op receives a buffer's array, as batch norm its running
statistics), and
any other tensor an op reads that no op made (op ``Constant``). An edge is
an entry of a node's ``input`` (``name:k`` for output k of a multi-output
op); every node carries its outputs' shapes in the ``_output_shapes``
attribute (TensorBoard writes them on the edges), its dtype in ``dtype``
and an op's non-tensor arguments in ``attr`` (a string).
"""
import numpy as np
from tensorboard.compat.proto.attr_value_pb2 import AttrValue
from tensorboard.compat.proto.graph_pb2 import GraphDef
from tensorboard.compat.proto.node_def_pb2 import NodeDef
from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto
from tensorboard.compat.proto.versions_pb2 import VersionDef
from tensorboard.compat.tensorflow_stub import dtypes

from ...grad_mode import no_grad
from ...observers import observe_calls
from ...tensor import Tensor

DEVICE = "/device:CPU:0"


def _shape_attr(shapes):
    return AttrValue(list=AttrValue.ListValue(
        shape=[TensorShapeProto(dim=[TensorShapeProto.Dim(size=int(d)) for d in s]) for s in shapes]))


def _dtype_attr(dtype):
    try:
        return AttrValue(type=dtypes.as_dtype(dtype).as_datatype_enum)
    except TypeError:
        return None


def _describe(value):
    """A short text for a non-tensor argument (an array by its shape and dtype)."""
    if isinstance(value, np.ndarray):
        return f"array(shape={value.shape}, dtype={value.dtype})"
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def _owner(array, arrays):
    """The tensor whose array ``array`` is, or is a view of (its ``base`` chain), else None."""
    while array is not None:
        t = arrays.get(id(array))
        if t is not None:
            return t
        array = array.base if isinstance(array.base, np.ndarray) else None
    return None


def _flatten(obj, tensors, consts, arrays=None):
    """Tensors in ``obj`` (nested tuples/lists/dicts) into ``tensors``, the other values' descriptions into
    ``consts``. ``arrays``: ``id(array) -> tensor`` for arrays that stand for a tensor (a buffer an op
    receives as its array)."""
    if isinstance(obj, Tensor):
        tensors.append(obj)
    elif arrays and isinstance(obj, np.ndarray) and _owner(obj, arrays) is not None:
        tensors.append(_owner(obj, arrays))
    elif isinstance(obj, (tuple, list)) and any(isinstance(o, (Tensor, np.ndarray, tuple, list, dict)) for o in obj):
        for o in obj:
            _flatten(o, tensors, consts, arrays)
    elif isinstance(obj, dict):
        for o in obj.values():
            _flatten(o, tensors, consts, arrays)
    else:
        consts.append(_describe(obj))


class GraphRecorder:
    """The nodes of one recorded forward pass (see the module docstring)."""

    def __init__(self, model):
        self.nodes = []  # NodeDef, in the order made (every node after its inputs)
        self._used = set()
        self._made = {}  # id(tensor) -> node input name ('name' or 'name:k')
        self._keep = []  # the tensors named in _made stay alive, so their ids stay theirs
        root = getattr(model, "__name__", None) if not hasattr(model, "named_modules") else None
        root = root or type(model).__name__
        self._scopes = {"": root}
        self._params = {}  # id(tensor) -> (scope, attribute name, 'Parameter' or 'Buffer', tensor)
        self._stack = [root]
        if hasattr(model, "named_modules"):
            for path, m in model.named_modules():
                if path:
                    parent, _, attr = path.rpartition(".")
                    self._scopes[path] = f"{self._scopes[parent]}/{type(m).__name__}[{attr}]"
            for kind, items in (("Parameter", model.named_parameters()), ("Buffer", model.named_buffers())):
                for name, t in items:
                    path, _, attr = name.rpartition(".")
                    self._params.setdefault(id(t), (self._scopes[path], attr, kind, t))
        self._arrays = {id(entry[3]._data): entry[3] for entry in self._params.values()}

    def _unique(self, name):
        base, k = name, 0
        while name in self._used:
            k += 1
            name = f"{base}_{k}"
        self._used.add(name)
        return name

    def add_node(self, name, op, inputs, outputs, attr=None):
        """A node with outputs ``outputs`` (tensors, registered as made by it); returns its name."""
        name = self._unique(name)
        node = NodeDef(name=name, op=op, input=inputs, device=DEVICE)
        node.attr["_output_shapes"].CopyFrom(_shape_attr([tuple(o.shape) for o in outputs]))
        dt = _dtype_attr(outputs[0].dtype) if outputs else None
        if dt is not None:
            node.attr["dtype"].CopyFrom(dt)
        if attr:
            node.attr["attr"].CopyFrom(AttrValue(s=attr.encode("utf-8")))
        self.nodes.append(node)
        for k, o in enumerate(outputs):
            self._made[id(o)] = name if k == 0 else f"{name}:{k}"
            self._keep.append(o)
        return name

    def source(self, t):
        """The input name of tensor ``t``: the op that made it, else a parameter, buffer or constant node."""
        found = self._made.get(id(t))
        if found is not None:
            return found
        if id(t) in self._params:
            scope, attr, kind, _ = self._params[id(t)]
            return self.add_node(f"{scope}/{attr}", kind, [], [t])
        return self.add_node(f"{self._stack[-1]}/Constant", "Constant", [], [t])

    # the observers
    def call(self, cls, args):
        tensors, consts = [], []
        _flatten(args, tensors, consts, self._arrays)
        inputs = [self.source(t) for t in tensors]

        def done(out):
            outs = list(out) if isinstance(out, tuple) else [out]
            self.add_node(f"{self._stack[-1]}/{cls.__name__}", cls.__name__, inputs,
                          [o for o in outs if isinstance(o, Tensor)], ", ".join(consts) or None)

        return done

    def enter(self, path):
        def hook(module, args):
            self._stack.append(self._scopes.get(path, f"{self._stack[-1]}/{type(module).__name__}"))

        return hook

    def leave(self, module, args, output):
        if len(self._stack) > 1:
            self._stack.pop()

    def graph_def(self):
        return GraphDef(node=self.nodes, versions=VersionDef(producer=22))


def _as_inputs(input_to_model):
    if input_to_model is None:
        return ()
    items = input_to_model if isinstance(input_to_model, (tuple, list)) else (input_to_model,)
    from .records import to_numpy

    return tuple(x if isinstance(x, Tensor) else Tensor(to_numpy(x, "input_to_model")) for x in items)


def record_graph(model, input_to_model=None):
    """Run ``model(*input_to_model)`` once (module docstring) and return its ``GraphDef``."""
    if not callable(model):
        raise TypeError(f"add_graph: model must be an nn.Module (or a callable), got {type(model).__name__}")
    inputs = _as_inputs(input_to_model)
    rec = GraphRecorder(model)
    for k, x in enumerate(inputs):
        rec.add_node(f"input/input.{k}", "IO Node", [], [x])
    handles = []
    modules = list(model.named_modules()) if hasattr(model, "named_modules") else []
    modes = [(m, m.training) for _, m in modules if isinstance(getattr(m, "training", None), bool)]
    try:
        for path, m in modules:
            if path:  # the model's own scope is the bottom of the stack
                handles.append(m.register_forward_pre_hook(rec.enter(path)))
                handles.append(m.register_forward_hook(rec.leave, always_call=True))
        if modes:
            model.eval()
        with no_grad(), observe_calls(rec.call):
            out = model(*inputs)
    finally:
        for h in handles:
            h.remove()
        for m, mode in modes:  # each module's own mode back (a frozen batch norm stays in eval mode)
            m.training = mode
    outs = []
    _flatten(out, outs, [])
    if not outs:
        raise TypeError(f"add_graph: the model returned no tensor (got {type(out).__name__})")
    for k, o in enumerate(outs):
        rec.add_node(f"output/output.{k}", "IO Node", [rec.source(o)], [o])
    return rec.graph_def()
