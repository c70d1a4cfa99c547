"""The ``autograd`` console script: one entry point with subcommands.

    autograd graph lenet -o lenet.svg --collapse
    autograd graph "log(x1) + x1*x2 - sin(x2)" --at x1=2 x2=5 --values -o f.svg
    autograd trace "log(x1) + x1*x2 - sin(x2)" --at x1=2 x2=5 --seed x1
    autograd train --model lenet --epochs 5 --out runs/lenet

``main(argv)`` returns the exit status: 0 on success, 1 for an error in the
input (a rejected expression or option, a missing value, a file that cannot
be read or written), printed as one message on stderr; 2 for a usage error
(argparse); 130 after Ctrl-C (one line, no traceback); 141 when the reader
of the output goes away (``autograd trace ... | head``), silently. What is
validated is listed in docs/cli.md.
"""
import argparse
import os
import sys

from . import graph_cmd, trace_cmd, train_cmd
from .expr import ExprError

EXPRESSION_COMMANDS = ("graph", "trace")  # their first argument is an expression


def build_parser():
    parser = argparse.ArgumentParser(
        prog="autograd", description="See computations of autograd_core: graphs and evaluation traces.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    parser.commands = {name: mod.add_parser(sub) for name, mod in
                       (("graph", graph_cmd), ("trace", trace_cmd), ("train", train_cmd))}
    return parser


def expression_first(argv, parser):
    """``argv`` with an expression that starts with ``-`` (``autograd graph
    "-x**2"``) right after the command marked as an argument, not an option
    (argparse takes a leading space as that mark; the parser strips it)."""
    argv = list(argv)
    if len(argv) > 1 and argv[0] in EXPRESSION_COMMANDS and argv[1][:1] == "-" and argv[1][:2] != "--":
        options = parser.commands[argv[0]]._option_string_actions  # '-o', '--output', ...
        if not any(argv[1] == o or (len(o) == 2 and argv[1].startswith(o)) for o in options):
            argv[1] = " " + argv[1]
    return argv


def say(command, message):
    """One line on stderr; characters the terminal cannot show are escaped."""
    text = f"autograd {command}: {message}"
    enc = getattr(sys.stderr, "encoding", None) or "utf-8"
    print(text.encode(enc, "backslashreplace").decode(enc), file=sys.stderr)


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(expression_first(sys.argv[1:] if argv is None else argv, parser))
    try:
        return args.run(args)
    except ExprError as e:
        say(args.command, f"invalid input: {e}")
    except BrokenPipeError:  # the reader left: say nothing, and stop Python's flush at exit from complaining
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except KeyboardInterrupt:
        say(args.command, "interrupted")
        return 130
    except OSError as e:
        where = f"{e.filename}: " if e.filename else ""
        say(args.command, f"{where}{e.strerror or e}")
    except (ValueError, TypeError, RuntimeError, MemoryError) as e:
        say(args.command, e if str(e) else type(e).__name__)
    return 1


if __name__ == "__main__":
    sys.exit(main())
