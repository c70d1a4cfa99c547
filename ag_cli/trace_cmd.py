"""``autograd trace EXPR --at x1=2 x2=5 [--seed x1]``: the evaluation trace of
an expression as forward primal, forward tangent and reverse adjoint tables
(``autograd_core.tracing``), in text, Markdown or HTML.

``--seed`` is the tangent direction ẋ: variable names (1 for each, 0 for the
others) or NAME=VALUE pairs; by default 1 on the first variable.
``--adjoint-seed`` is ȳ (default 1).
"""
import warnings

import numpy as np

import autograd_core as ag

from .expr import ExprError, bind, parse, parse_values

FORMATS = ("text", "markdown", "html")


def add_parser(sub):
    p = sub.add_parser("trace", help="print the forward and reverse evaluation traces of an expression",
                       description=__doc__.split("\n\n")[0].replace("``", ""))
    p.add_argument("expression", help="e.g. \"log(x1) + x1*x2 - sin(x2)\"")
    p.add_argument("--at", nargs="+", metavar="NAME=VALUE", required=True,
                   help="the point: a value (or comma-separated vector) for every variable")
    p.add_argument("--seed", nargs="+", metavar="NAME[=VALUE]",
                   help="tangent direction: variable names (1 on them) or NAME=VALUE pairs")
    p.add_argument("--adjoint-seed", metavar="VALUE", help="ȳ, the output's adjoint seed (default 1)")
    p.add_argument("--format", choices=FORMATS, default="text")
    p.add_argument("--precision", type=int, default=3, help="decimals shown (default 3)")
    p.set_defaults(run=run)
    return p


def tangent_seed(items, names, tensors):
    """The seed ẋ, one array per input, from ``--seed`` items."""
    seed = [np.zeros(t.shape) for t in tensors]
    for item in items:
        name = item.partition("=")[0].strip()
        if name not in names:
            raise ExprError(f"--seed: {name!r} is not a variable of the expression ({', '.join(names)})")
        k = names.index(name)
        if "=" in item:
            value = parse_values([item], "--seed")[name]
            try:
                seed[k] = np.array(np.broadcast_to(value, tensors[k].shape))
            except ValueError:
                raise ExprError(f"--seed: {name} has shape {tuple(tensors[k].shape)}; the seed has "
                                f"shape {value.shape}") from None
        else:
            seed[k] = np.ones(tensors[k].shape)
    return seed


def run(args):
    expr = parse(args.expression)
    names, tensors = bind(expr, parse_values(args.at))
    seed = None if args.seed is None else tangent_seed(args.seed, names, tensors)
    adjoint = None
    if args.adjoint_seed is not None:
        adjoint = parse_values([f"y={args.adjoint_seed}"], "--adjoint-seed")["y"]
    if not 0 <= args.precision <= 12:
        raise ExprError(f"--precision must be between 0 and 12, got {args.precision}")
    text = {"text": str, "markdown": lambda t: t.to_markdown(), "html": lambda t: t._repr_html_()}
    with warnings.catch_warnings():  # log(0) and the like: the tables show the inf and nan
        warnings.simplefilter("ignore")
        tr = ag.trace(expr.function(names), *tensors, seed=seed, adjoint_seed=adjoint)
        tr.precision = args.precision
        out = text[args.format](tr)
    print(out)
    return 0
