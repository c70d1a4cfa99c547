"""Expressions from the command line, parsed with a whitelist, never ``eval``ed.

``parse("log(x1) + x1*x2 - sin(x2)")`` reads the text with Python's ``ast``
and accepts only

- numbers (int or float literals, magnitude at most ``MAX_CONSTANT``) and the
  constants ``pi`` and ``e``;
- variable names (letters, digits and ``_``, not starting with ``_``);
- ``+ - * / **`` and unary ``-``/``+``;
- calls of the functions in ``FUNCTIONS`` by name, with positional arguments.

Control characters (NUL included) and lone surrogates are refused with their
column before parsing.

Anything else (attributes, subscripts, other calls, keywords, lambdas,
comprehensions, strings, comparisons, ...) raises ``ExprError`` naming the
construct and its column. Sizes are bounded: at most ``MAX_LENGTH``
characters, ``MAX_NODES`` syntax nodes, nesting depth ``MAX_DEPTH``, and the
exponent of ``**`` when it is a constant at most ``MAX_EXPONENT`` in
magnitude. Constant subexpressions are folded at parse time in float64
(numpy: overflow gives inf, it never makes a huge integer), so evaluating an
expression is a bounded number of elementwise tensor ops on its inputs.
"""
import ast
import math
import re
import unicodedata

import numpy as np

import autograd_core as ag

MAX_LENGTH = 500
MAX_NODES = 200
MAX_DEPTH = 40
MAX_EXPONENT = 100
MAX_CONSTANT = 1e15
NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,31}")

FUNCTIONS = {  # name: (function, number of arguments)
    "exp": (ag.exp, 1), "log": (ag.log, 1), "log2": (ag.log2, 1), "log10": (ag.log10, 1),
    "log1p": (ag.log1p, 1), "expm1": (ag.expm1, 1), "sqrt": (ag.sqrt, 1), "square": (ag.square, 1),
    "abs": (ag.abs, 1), "sin": (ag.sin, 1), "cos": (ag.cos, 1), "tan": (ag.tan, 1),
    "tanh": (ag.tanh, 1), "sigmoid": (ag.sigmoid, 1), "relu": (ag.relu, 1), "softplus": (ag.softplus, 1),
    "sum": (ag.sum, 1), "mean": (ag.mean, 1), "maximum": (ag.maximum, 2), "minimum": (ag.minimum, 2),
}
CONSTANTS = {"pi": math.pi, "e": math.e}
BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
DESCRIBE = {
    ast.Attribute: "attribute access is", ast.Subscript: "subscripts are", ast.Lambda: "lambdas are",
    ast.Compare: "comparisons are", ast.BoolOp: "'and'/'or' are", ast.IfExp: "conditional expressions are",
    ast.NamedExpr: "assignments (:=) are", ast.Starred: "starred arguments are",
    ast.JoinedStr: "f-strings are", ast.ListComp: "comprehensions are", ast.SetComp: "comprehensions are",
    ast.DictComp: "comprehensions are", ast.GeneratorExp: "comprehensions are", ast.Tuple: "tuples are",
    ast.List: "lists are", ast.Dict: "dicts are", ast.Set: "sets are", ast.Slice: "slices are",
    ast.Await: "'await' is", ast.Yield: "'yield' is", ast.YieldFrom: "'yield' is",
}


class ExprError(ValueError):
    """An expression outside the whitelist, or too large."""


def _fail(node, what):
    col = getattr(node, "col_offset", None)
    where = f" (at column {col + 1})" if col is not None else ""
    raise ExprError(f"{what}{where}; allowed: numbers, variables, + - * / **, and the functions "
                    f"{', '.join(FUNCTIONS)}")


class Expr:
    """A parsed expression: ``variables`` (in order of first appearance),
    ``text``, and ``evaluate(env)`` / ``function(names)`` on tensors."""

    def __init__(self, text, tree, variables):
        self.text, self._tree, self.variables = text, tree, variables

    def evaluate(self, env):
        """The value with ``env`` mapping each variable to a Tensor."""
        missing = [v for v in self.variables if v not in env]
        if missing:
            raise ExprError(f"no value for {', '.join(missing)}")
        return _eval(self._tree, env)

    def function(self, names):
        """``f(*tensors)`` taking the variables in the order ``names``."""
        def f(*args):
            return self.evaluate(dict(zip(names, args)))

        f.__name__ = "f"
        return f

    def __repr__(self):
        return f"Expr({self.text!r})"


def parse(text):
    """Parse ``text`` (see the module docstring) into an ``Expr``."""
    if not isinstance(text, str):
        raise ExprError(f"an expression must be a string, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExprError(f"the expression is {len(text)} characters long; at most {MAX_LENGTH} are allowed")
    if not text.strip():
        raise ExprError("the expression is empty")
    _check_characters(text.strip())
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as e:
        raise ExprError(f"not a valid expression: {e.msg} (at column {e.offset})") from None
    except (RecursionError, MemoryError, ValueError):
        raise ExprError("the expression is too deeply nested or malformed") from None
    count = sum(1 for _ in ast.walk(tree))
    if count > MAX_NODES:
        raise ExprError(f"the expression has {count} syntax nodes; at most {MAX_NODES} are allowed")
    variables = []
    folded = _check(tree.body, variables, 0)
    if not variables:
        raise ExprError("the expression has no variables (write e.g. 'x**2 + 1')")
    return Expr(text.strip(), folded, variables)


def _check_characters(text):
    """Refuse control characters (NUL included) and lone surrogates (undecodable
    bytes of a command line), naming the code point and its column."""
    for i, ch in enumerate(text):
        if unicodedata.category(ch) in ("Cc", "Cs") and ch != "\t":
            kind = "a lone surrogate (not valid text)" if unicodedata.category(ch) == "Cs" else \
                "a control character"
            name = " (NUL)" if ch == "\0" else ""
            raise ExprError(f"the character U+{ord(ch):04X}{name} is {kind} (at column {i + 1})")


def _const(node, value):
    value = float(value)
    if not abs(value) <= MAX_CONSTANT:
        _fail(node, f"the constant {value!r} is not finite or too large (at most {MAX_CONSTANT:g} "
                    f"in magnitude)")
    return ("const", value)


def _check(node, variables, depth):
    """Validate ``node`` and return its evaluation tree (constants folded):
    ``('const', v)``, ``('var', name)``, ``('op', symbol, left, right)``,
    ``('neg', x)``, ``('call', name, args)``."""
    if depth > MAX_DEPTH:
        _fail(node, f"the expression is nested more than {MAX_DEPTH} levels deep")
    t = type(node)
    if t is ast.Constant:
        v = node.value
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            _fail(node, f"{type(v).__name__} literals are not allowed")
        if isinstance(v, int) and v.bit_length() > 64:
            _fail(node, "the integer constant is too large")
        return _const(node, v)
    if t is ast.Name:
        name = node.id
        if name in CONSTANTS:
            return ("const", CONSTANTS[name])
        if name in FUNCTIONS:
            _fail(node, f"{name} is a function; call it as {name}(...)")
        if not NAME.fullmatch(name):
            _fail(node, f"the name {name!r} is not allowed (variables are letters, digits and _, "
                        f"starting with a letter, at most 32 characters)")
        if name not in variables:
            variables.append(name)
        return ("var", name)
    if t is ast.UnaryOp:
        if type(node.op) not in (ast.USub, ast.UAdd):
            _fail(node, f"the operator {type(node.op).__name__} is not allowed")
        x = _check(node.operand, variables, depth + 1)
        if type(node.op) is ast.UAdd:
            return x
        return ("const", -x[1]) if x[0] == "const" else ("neg", x)
    if t is ast.BinOp:
        sym = BINARY.get(type(node.op))
        if sym is None:
            _fail(node, f"the operator {type(node.op).__name__} is not allowed")
        a = _check(node.left, variables, depth + 1)
        b = _check(node.right, variables, depth + 1)
        if sym == "**" and b[0] == "const" and not abs(b[1]) <= MAX_EXPONENT:
            _fail(node, f"the exponent {b[1]:g} is too large (at most {MAX_EXPONENT} in magnitude)")
        if a[0] == "const" and b[0] == "const":
            return _const(node, _fold(sym, a[1], b[1]))
        return ("op", sym, a, b)
    if t is ast.Call:
        return _check_call(node, variables, depth)
    _fail(node, f"{DESCRIBE[t]} not allowed" if t in DESCRIBE else f"'{type(node).__name__}' is not allowed")


def _check_call(node, variables, depth):
    if type(node.func) is not ast.Name:
        what = "method calls" if type(node.func) is ast.Attribute else "calls of computed functions"
        _fail(node, f"{what} are not allowed")
    name = node.func.id
    if name not in FUNCTIONS:
        _fail(node, f"the function {name!r} is not allowed")
    if node.keywords:
        _fail(node, f"keyword arguments are not allowed in {name}(...)")
    nargs = FUNCTIONS[name][1]
    if len(node.args) != nargs:
        _fail(node, f"{name} takes {nargs} argument{'s' if nargs > 1 else ''}, got {len(node.args)}")
    args = [_check(a, variables, depth + 1) for a in node.args]
    if all(a[0] == "const" for a in args):
        with ag.no_grad(), np.errstate(all="ignore"):
            out = FUNCTIONS[name][0](*[ag.tensor(a[1], dtype=ag.float64) for a in args])
        return _const(node, out.item())
    return ("call", name, args)


def _fold(sym, a, b):
    """``a <sym> b`` on two float64 constants (inf/nan on overflow, never an error)."""
    x, y = np.float64(a), np.float64(b)
    with np.errstate(all="ignore"):
        return {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide, "**": np.power}[sym](x, y)


def _eval(tree, env):
    kind = tree[0]
    if kind == "const":
        return tree[1]
    if kind == "var":
        return env[tree[1]]
    if kind == "neg":
        return -_eval(tree[1], env)
    if kind == "call":
        return FUNCTIONS[tree[1]][0](*[_wrap(_eval(a, env), env) for a in tree[2]])
    a, b = _eval(tree[2], env), _eval(tree[3], env)
    sym = tree[1]
    if sym == "+":
        return a + b
    if sym == "-":
        return a - b
    if sym == "*":
        return a * b
    if sym == "/":
        return a / b
    return a ** b


def _wrap(x, env):
    """A function argument that is a constant becomes a tensor of the inputs' dtype."""
    if isinstance(x, ag.Tensor):
        return x
    dtype = next(iter(env.values())).dtype if env else ag.float64
    return ag.tensor(x, dtype=dtype)


MAX_ELEMENTS = 10_000


def parse_values(items, what="--at"):
    """``['x1=2', 'x=1,2,3']`` → ``{'x1': array(2.), 'x': array([1., 2., 3.])}``
    (float64, finite; a comma list is a vector of at most ``MAX_ELEMENTS`` numbers)."""
    out = {}
    for item in items or ():
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not NAME.fullmatch(name):
            raise ExprError(f"{what}: expected NAME=VALUE (e.g. x1=2 or x=1,2,3), got {item!r}")
        if name in out:
            raise ExprError(f"{what}: {name} is given twice")
        parts = [p.strip() for p in text.split(",")]
        if len(parts) > MAX_ELEMENTS:
            raise ExprError(f"{what}: {name} has {len(parts)} numbers; at most {MAX_ELEMENTS} are allowed")
        try:
            nums = [float(p) for p in parts]
        except ValueError:
            raise ExprError(f"{what}: {name}={text!r} is not a number or a comma-separated list of "
                            f"numbers") from None
        if not all(math.isfinite(v) for v in nums):
            raise ExprError(f"{what}: {name}={text!r}: the values must be finite numbers")
        out[name] = np.array(nums[0] if len(nums) == 1 and "," not in text else nums, dtype=np.float64)
    return out


def bind(expr, values, default=None):
    """The input tensors of ``expr`` as ``(names, tensors)``: the variables in
    the order of ``values`` (then of first appearance), named after them.
    Variables without a value take ``default`` (an error when it is None)."""
    extra = [n for n in values if n not in expr.variables]
    if extra:
        raise ExprError(f"{', '.join(extra)} {'is' if len(extra) == 1 else 'are'} given a value but "
                        f"{'does' if len(extra) == 1 else 'do'} not appear in {expr.text!r}")
    missing = [v for v in expr.variables if v not in values]
    if missing and default is None:
        raise ExprError(f"no value for {', '.join(missing)}: give --at {missing[0]}=...")
    names = list(values) + missing
    tensors = []
    for n in names:
        arr = values[n] if n in values else np.array(float(default))
        tensors.append(ag.Tensor(arr, requires_grad=True, name=n))
    return names, tensors
