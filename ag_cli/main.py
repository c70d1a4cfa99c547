"""The ``autograd`` console script: one entry point with subcommands.

    autograd graph lenet -o lenet.svg --collapse
    autograd graph "log(x1) + x1*x2 - sin(x2)" --at x1=2 x2=5 --values -o f.svg
    autograd trace "log(x1) + x1*x2 - sin(x2)" --at x1=2 x2=5 --seed x1
    autograd train --model lenet --epochs 5 --out runs/lenet

``main(argv)`` returns the exit status: 0 on success, 1 for an error in the
input (a rejected expression, a missing value, Graphviz not installed),
printed as one message on stderr; 2 for a usage error (argparse).
"""
import argparse
import sys

from . import graph_cmd, trace_cmd, train_cmd
from .expr import ExprError


def build_parser():
    parser = argparse.ArgumentParser(
        prog="autograd", description="See computations of autograd_core: graphs and evaluation traces.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    graph_cmd.add_parser(sub)
    trace_cmd.add_parser(sub)
    train_cmd.add_parser(sub)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except ExprError as e:
        print(f"autograd {args.command}: invalid input: {e}", file=sys.stderr)
    except (ValueError, TypeError, RuntimeError) as e:
        print(f"autograd {args.command}: {e}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
