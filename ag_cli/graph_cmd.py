"""``autograd graph TARGET -o FILE``: draw a computation graph to SVG, PNG or PDF.

TARGET is a built-in model (``mlp``, ``lenet``: the forward graph of the
model on a random batch, its ops grouped by module; ``--loss`` adds the
cross-entropy loss of a training step, ``--collapse`` draws one box per
layer) or an expression such as ``"log(x1) + x1*x2 - sin(x2)"`` (values from
``--at``, 1 for variables without one; ``--values``/``--grads`` print the
values and gradients on the graph). ``--backward`` draws the reverse pass
instead, its nodes numbered in the order the engine visits them. An
expression may start with ``-`` (``autograd graph "-x**2"``) when it comes
right after ``graph``; a bare name close to a model's (``lenett``) is refused
with a suggestion rather than drawn as a variable.
"""
import difflib
import os
import warnings

import autograd_core as ag
import nn
from autograd_core import viz

from . import models
from .expr import NAME, bind, parse, parse_values

MAX_BATCH = 1024  # a drawing shows shapes; a larger batch only costs memory


def add_parser(sub):
    p = sub.add_parser("graph", help="draw the graph of a built-in model or of an expression",
                       description=__doc__.split("\n\n")[0].replace("``", ""))
    p.add_argument("target", help=f"a model ({', '.join(models.MODELS)}) or an expression in quotes")
    p.add_argument("-o", "--output", help="output file (.svg, .png, .pdf or .gv; default TARGET.svg, "
                                          "graph.svg for an expression)")
    p.add_argument("--format", choices=("svg", "png", "pdf", "gv"), help="default: from the file's suffix")
    p.add_argument("--at", nargs="+", metavar="NAME=VALUE", help="expression: values of the variables")
    p.add_argument("--backward", action="store_true", help="draw the backward pass, numbered")
    p.add_argument("--values", action="store_true", help="show values of small tensors")
    p.add_argument("--grads", action="store_true", help="show gradients of small tensors")
    p.add_argument("--batch", type=int, default=1, help=f"model: batch size (default 1, at most {MAX_BATCH})")
    p.add_argument("--loss", action="store_true", help="model: include the cross-entropy loss")
    p.add_argument("--no-group", action="store_true", help="model: do not cluster ops by module")
    p.add_argument("--collapse", nargs="?", type=int, const=1, default=0, metavar="DEPTH",
                   help="model: draw each module (at DEPTH, default 1) as one box")
    p.add_argument("--rankdir", choices=("TB", "LR"), default="TB", help="layout direction (default TB)")
    p.add_argument("--keep-source", action="store_true", help="also write the DOT source (.gv)")
    p.set_defaults(run=run)
    return p


def model_graph(args):
    model = models.build(args.target)
    images, labels = models.example_batch(args.batch)
    images.name = "images"
    with viz.watch(model) as w:
        out = model(images)
    root = nn.CrossEntropyLoss()(out, labels) if args.loss else out
    root.name = "loss" if args.loss else "logits"
    if args.backward:
        return viz.draw_backward(root, params=model, show_grads=True, rankdir=args.rankdir)
    return viz.draw_graph(root, params=model, group_modules=None if args.no_group else w,
                          collapse=args.collapse if not args.no_group else False,
                          show_values=args.values, show_grads=args.grads, rankdir=args.rankdir)


def expression_graph(args):
    expr = parse(args.target)
    names, tensors = bind(expr, parse_values(args.at), default=1.0)
    with ag.enable_grad(), viz.capture() as cap:
        y = expr.evaluate(dict(zip(names, tensors)))
    if all(y is not t for t in tensors):  # the expression "x" is the input itself: keep its name
        y.name = "y"
    if args.backward:
        return viz.draw_backward(y, rankdir=args.rankdir)
    return viz.draw_graph(y, show_values=args.values, show_grads=args.grads, capture=cap,
                          rankdir=args.rankdir)


def check(args):
    """Refuse options out of range, model options on expressions, and a bare
    name that is a near miss of a built-in model's name (not drawn as a variable)."""
    is_model = args.target in models.MODELS
    if not is_model:
        for flag in ("loss", "no_group"):
            if getattr(args, flag):
                raise ValueError(f"--{flag.replace('_', '-')} applies to the built-in models only")
        if args.collapse:
            raise ValueError("--collapse applies to the built-in models only")
        name = args.target.strip()
        close = difflib.get_close_matches(name.lower(), models.MODELS, n=1, cutoff=0.6)
        if NAME.fullmatch(name) and close:
            raise ValueError(f"unknown model {name!r}; did you mean {close[0]!r}? (built-in models: "
                             f"{', '.join(models.MODELS)}; to draw a variable named {name}, write '+{name}')")
    if not 1 <= args.batch <= MAX_BATCH:
        raise ValueError(f"--batch must be between 1 and {MAX_BATCH}, got {args.batch}")
    if args.collapse < 0:
        raise ValueError(f"--collapse DEPTH must be at least 1 (or 0: no collapsing), got {args.collapse}")
    return is_model


def run(args):
    is_model = check(args)
    output = args.output or (f"{args.target}.svg" if is_model else "graph.svg")
    if os.path.isdir(output):
        raise ValueError(f"-o {output} is a folder; give a file name such as {os.path.join(output, 'graph.svg')}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        graph = model_graph(args) if is_model else expression_graph(args)
    path = viz.render(graph, output, format=args.format, keep_source=args.keep_source)
    print(f"wrote {path}")
    return 0
