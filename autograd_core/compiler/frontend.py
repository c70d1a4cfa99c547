"""``compile(fn_or_module)``: the callable that records, verifies and replays.

Per *guard key* (the arguments' shapes, dtypes, requires_grad and layout, the
non-tensor arguments' values, grad mode, and for a module every submodule's
training flag and its parameters' and buffers' identities) a cache entry goes
through: call 1 runs eagerly while recording; call 2 runs eagerly while
recording again and the two recordings are compared (``verify.py``); from
call 3 on the recording is replayed (``replay.py``) after checking the
tensors it reads from outside (same shapes, dtypes, requires_grad, no hooks).
A recording that cannot be replayed leaves its entry eager for good, with a
one-time warning that names the reason; ``explain()`` lists every entry and
its reason. New keys past ``cache_size_limit`` (PyTorch's recompile limit, 8)
run eagerly.
"""
import warnings
import weakref

import numpy as np

from ..grad_mode import _state
from ..tensor import Tensor
from .capture import capture
from .region import Plan
from .replay import MISS, build
from .verify import verify
from .watched import WatchedDict, _changes, changes

CACHE_SIZE_LIMIT = 8  # as torch._dynamo.config.recompile_limit
_all = weakref.WeakSet()


def _flatten(x, tensors):
    """The guard key of an argument; its tensors are appended to ``tensors``."""
    if isinstance(x, Tensor):
        tensors.append(x)
        d = x._data
        return ("T", d.shape, d.dtype.str, x._requires_grad, x._grad_fn is not None, d.strides, x._hooks is not None,
                x._tangent is not None)
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, tuple(_flatten(v, tensors) for v in x))
    if isinstance(x, dict):
        return ("dict", tuple((k, _flatten(v, tensors)) for k, v in x.items()))
    if isinstance(x, (int, float, bool, str, bytes, type(None), complex, np.generic)):
        return (type(x).__name__, x)
    return ("id", id(x))


def _is_module(x):
    return hasattr(x, "_modules") and hasattr(x, "_forward_hooks") and hasattr(x, "training")


def _modules_seen_by(fn):
    """The modules a function reaches directly: its ``__self__``, closure cells and the globals it
    names (their training flags and parameters become guards)."""
    found = []
    code = getattr(fn, "__code__", None)
    cands = [getattr(fn, "__self__", None)]
    cands += [c.cell_contents for c in getattr(fn, "__closure__", None) or () if c.cell_contents is not c]
    if code is not None:
        g = getattr(fn, "__globals__", {})
        cands += [g[n] for n in code.co_names if n in g]
    for c in cands:
        if _is_module(c) and all(c is not f for f in found):
            found.append(c)
    return found


def _module_key(root):
    """Every submodule's identity, training flag and its parameters' and buffers' identities, in one walk
    (None when a module has forward hooks: those run eagerly), and whether every registry walked
    is a ``WatchedDict`` (then the key stands until ``watched.changes()`` moves)."""
    key = []
    stack = [root]
    seen = set()
    watched = True
    while stack:
        m = stack.pop()
        if id(m) in seen:
            continue
        seen.add(id(m))
        regs = m._parameters, m._buffers, m._modules, m._forward_hooks, m._forward_pre_hooks
        if regs[3] or regs[4]:
            return None, False
        watched = watched and all(type(r) is WatchedDict for r in regs)
        key.append(id(m))  # a submodule swapped for another (even one without parameters) is a new key
        key.append(m.training)
        key.extend(map(id, regs[0].values()))
        key.extend(map(id, regs[1].values()))
        stack.extend(x for x in regs[2].values() if x is not None)
    return tuple(key), watched


def _rules(entry):
    plan = getattr(entry, "plan", None)
    if plan is None or entry.state != "replay":
        return {}
    name = {j: f"{j}:{entry.tape.steps[j][0].__name__}" for j in plan.nodes}
    return {name[j]: "array" if plan.rules.get(j) else plan.why.get(j, "pending") for j in plan.nodes}


class _Entry:
    """One guard key's recording and its state: 'record', 'verify', 'replay' or 'eager'."""

    def __init__(self, key):
        self.key = key
        self.state = "record"
        self.tape = None
        self.reason = None
        self.calls = {"eager": 0, "replay": 0}
        self.recaptures = 0


class CompiledFunction:
    """What ``compile(fn)`` returns: call it like ``fn``."""

    def __init__(self, fn, module=None, fullgraph=False, cache_size_limit=CACHE_SIZE_LIMIT):
        self._fn = fn
        self._module = module
        self._modules = [module] if module is not None else _modules_seen_by(fn)
        self.fullgraph = fullgraph
        self.cache_size_limit = cache_size_limit
        self._cache = {}
        self._warned = set()
        self._overflow = 0
        self._modules_at, self._modules_cached = -1, None  # see _modules_key
        _all.add(self)

    # -- explainability ------------------------------------------------------------------
    def explain(self):
        """One dict per guard key: the key, the state ('record', 'verify',
        'replay' or 'eager'), the number of recorded ops, the reason for eager
        fallback (None when replaying), the count of eager and replayed calls, and
        ``backward``: per recorded node, ``'array'`` (its rule replays as array code),
        ``'pending'`` (recorded once) or why its rule runs as Tensor code."""
        out = [{"guards": e.key, "state": e.state, "ops": len(e.tape.steps) if e.tape else 0,
                "reason": e.reason, "calls": dict(e.calls), "backward": _rules(e)} for e in self._cache.values()]
        if self._overflow:
            out.append({"guards": None, "state": "eager", "ops": 0, "calls": {"eager": self._overflow, "replay": 0},
                        "reason": f"cache_size_limit ({self.cache_size_limit}) reached: new guard keys run eagerly"})
        return out

    def reset(self):
        """Forget every recording."""
        self._cache.clear()
        self._overflow = 0

    def _fallback(self, entry, reason):
        if self.fullgraph:
            raise RuntimeError(f"ag.compile(fullgraph=True): {self._name()} cannot be replayed: {reason}")
        if reason not in self._warned:
            self._warned.add(reason)
            warnings.warn(f"ag.compile: {self._name()} runs eagerly: {reason}", RuntimeWarning, stacklevel=4)
        if entry is not None:
            entry.state, entry.reason, entry.tape = "eager", reason, None

    def _name(self):
        f = self._module if self._module is not None else self._fn
        return getattr(f, "__qualname__", type(f).__name__)

    # -- calling ---------------------------------------------------------------------------
    def _modules_key(self):
        """The guard key of the modules the function reaches (None if one has forward hooks),
        cached while no watched registry changed (``watched.py``)."""
        now = changes()
        if self._modules_at == now:
            return self._modules_cached
        keys = []
        cacheable = True
        for m in self._modules:
            mod, watched = _module_key(m)
            if mod is None:
                keys = None
                break
            keys.append(mod)
            cacheable = cacheable and watched
        keys = None if keys is None else tuple(keys)
        self._modules_at, self._modules_cached = (now if cacheable else -1), keys
        return keys

    def _key(self, args, kwargs):
        """``(guard key, the call's tensors)``; key None when a module has forward hooks. The common
        call, tensors only and no keyword, gets a flat key: grad mode, the modules' key and per tensor
        what ``_flatten`` reads, without its tuple per argument (that is the per-call cost here)."""
        mods = self._modules_cached if self._modules_at == _changes[0] else self._modules_key()
        if mods is None:
            return None, ()
        key = (_state.grad, mods)
        if not kwargs:
            flat = key
            for a in args:
                if type(a) is not Tensor:
                    break
                d = a._data
                flat += (d.shape, d.dtype, d.strides, a._requires_grad, a._grad_fn is None, a._hooks is None,
                         a._tangent is None)
            else:
                return flat, args
        inputs = []
        return key + (_flatten(args, inputs), _flatten(kwargs, inputs)), inputs

    def __call__(self, *args, **kwargs):
        key, inputs = self._key(args, kwargs)
        if _state.anomaly or key is None:
            self._fallback(None, "anomaly mode is on" if _state.anomaly else "the module has forward hooks")
            return self._fn(*args, **kwargs)
        entry = self._cache.get(key)
        if entry is None:
            if len(self._cache) >= self.cache_size_limit:
                self._overflow += 1
                self._fallback(None, f"cache_size_limit ({self.cache_size_limit}) reached")
                return self._fn(*args, **kwargs)
            entry = self._cache[key] = _Entry(key)
        if entry.state == "replay":
            out = entry.run(inputs, entry.externals)
            if out is not MISS:
                entry.calls["replay"] += 1
                return out
            self._changed(entry)
        entry.calls["eager"] += 1
        if entry.state == "eager":
            return self._fn(*args, **kwargs)
        watch = [t for m in self._modules for t in (*m.parameters(), *m.buffers())]
        result, tape = capture(self._fn, args, kwargs, inputs, watch)
        if tape.failure is not None:
            self._fallback(entry, tape.failure)
        elif entry.state == "record":
            entry.tape, entry.state = tape, "verify"
        else:
            why = verify(entry.tape, tape)
            if why is not None:
                self._fallback(entry, why)
            else:
                self._prepare(entry)
        return result

    def _prepare(self, entry):
        """Build the replay of a verified tape."""
        tape = entry.tape
        targets = sorted({e[1] for node in tape.nodes.values() for e in node[1] if e is not None and e[0] == "t"})
        entry.plan = Plan(tape, targets) if targets else None
        entry.externals = [Tensor(np.array(t._data, copy=True)) if const else t
                           for t, const in zip(tape.externals, tape.constant)]
        entry.run = build(tape, entry.externals, entry.plan if tape.entry_grad else None)  # the key guards grad mode
        entry.state = "replay"

    def _changed(self, entry):
        """A replay's guard on a tensor read from outside failed: record again, or run eagerly
        for good after ``cache_size_limit`` such changes."""
        entry.recaptures += 1
        if entry.recaptures > self.cache_size_limit:
            self._fallback(entry, "tensors read from outside keep changing shape, dtype or hooks")
        else:
            entry.state, entry.reason = "record", "re-recording: a tensor read from outside changed"
