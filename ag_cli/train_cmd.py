"""``autograd train``: train a built-in model on MNIST (bundled by default) in one command.

    autograd train --model lenet --out runs/lenet
    autograd train --model mlp --epochs 5 --optimizer sgd --lr 0.05 --out runs/mlp
    autograd train --model lenet --out runs/lenet --resume       # after Ctrl-C: on to --epochs
    autograd train --schedule constant --epochs 3 --out runs/c && \
        autograd train --schedule constant --epochs 5 --out runs/c --resume   # two more epochs

Data: ``bundled`` (the 10,000 digits shipped with the package: 8,000 for
training, minus ``--val-split`` for validation, and 2,000 for the test;
no network needed), ``mnist:DIR`` (the IDX files in DIR; ``--download``
fetches them), ``fashion`` or ``fashion:DIR`` (Fashion-MNIST). Images are
scaled to [0, 1] and standardised with the training set's mean and standard
deviation. Each training batch is augmented: every image is rotated by up to
``--rotate`` degrees, scaled by up to ``--scale`` and shifted by up to
``--shift`` pixels (random, about the centre; 0 0 0 turns it off). The loss
is cross-entropy with ``--label-smoothing``.

Writes to ``--out``: ``checkpoint.safetensors`` (model, optimizer, scheduler,
history and random state after the last complete epoch, replaced atomically;
``--resume`` continues from it up to ``--epochs``: the same run, so every
other option must be the one it was started with, and with the one-cycle
schedule ``--epochs`` too; see ag_cli/train_resume.py), ``model.safetensors``
(the final weights, ``model.load_state_dict(ag.load(...))``),
``history.csv``/``history.json``, ``results.json`` (test loss, accuracy,
confusion matrix, per-class precision/recall/F1), ``graph.svg`` (the model's
graph, drawn by Graphviz's ``dot`` or the pip-installed ``graphviz-pure``) and
``history.png`` / ``confusion_matrix.png`` (when matplotlib is installed;
the run says so when it is not). Ctrl-C stops after the current batch and
keeps the history and the last checkpoint; Ctrl-C after training (test
report, pictures) keeps the weights and exits with 130, as during training.
Numbers out of range (NaN and infinities included) are refused before
anything is loaded; docs/cli.md lists the checks. ``--tensorboard DIR``
logs the run for TensorBoard (``nn.TensorBoard``: DIR/train, DIR/validation).
"""
import json
import math
import os
import re
import sys

import numpy as np

import autograd_core as ag
import nn
from nn import metrics as M

from . import models, train_dist
from .train_data import load_data, loaders
from .train_resume import CHECKED, check_checkpoint, check_schedule, remove_stale_temporaries
from .train_resume import load as load_checkpoint

DEFAULTS = {  # model -> (optimizer, lr, batch size); measured in docs/training.md
    "mlp": ("adam", 2e-3, 16),
    "lenet": ("adam", 2e-3, 8),
}
LR = {"sgd": 0.05, "adam": 1e-3, "rmsprop": 1e-3}
CKPT, WEIGHTS = "checkpoint.safetensors", "model.safetensors"
MAX_ROTATE, MAX_SHIFT = 180, 28  # degrees; pixels (the images are 28 x 28)


def add_parser(sub):
    p = sub.add_parser("train", help="train a built-in model on MNIST (bundled: offline)",
                       description=__doc__.split("\n\n")[0].replace("``", ""))
    p.add_argument("--model", choices=sorted(models.MODELS), default="lenet", help="default lenet")
    p.add_argument("--epochs", type=int, default=5, help="total number of epochs (default 5)")
    p.add_argument("--batch-size", type=int, help="default 16 (mlp) or 8 (lenet)")
    p.add_argument("--optimizer", choices=("sgd", "adam", "rmsprop"),
                   help="default adam; sgd has Nesterov momentum 0.9")
    p.add_argument("--lr", type=float, help="(peak) learning rate; default 2e-3 with adam, 0.05 with sgd, "
                                            "1e-3 with rmsprop")
    p.add_argument("--schedule", choices=("onecycle", "constant"), default="onecycle",
                   help="learning-rate schedule, stepped per batch (default onecycle)")
    p.add_argument("--data", default="bundled", help="bundled (default), mnist:DIR, fashion or fashion:DIR")
    p.add_argument("--download", action="store_true", help="mnist:DIR: download missing files into DIR")
    p.add_argument("--val-split", type=float, default=0.0625,
                   help="fraction of the training set held out for validation, rounded per class "
                        "(default 0.0625: 501 of the 8,000 bundled; 0: no validation)")
    p.add_argument("--rotate", type=float, default=10.0, metavar="DEGREES",
                   help="rotate training images by a random angle in [-DEGREES, DEGREES] (default 10)")
    p.add_argument("--scale", type=float, default=0.1, metavar="S",
                   help="scale training images by a random factor in [1 - S, 1 + S] (default 0.1)")
    p.add_argument("--shift", type=int, default=2, metavar="PIXELS",
                   help="shift training images by up to PIXELS along each axis (default 2)")
    p.add_argument("--label-smoothing", type=float, default=0.2, metavar="EPS",
                   help="cross-entropy against (1 - EPS) one-hot + EPS / classes (default 0.2)")
    p.add_argument("--out", default="runs/train", help="output folder (default runs/train)")
    p.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.safetensors")
    p.add_argument("--limit-batches", type=int, metavar="K",
                   help="use only K training and K validation batches per epoch: a quick check")
    p.add_argument("--seed", type=int, default=0, help="seed of weights, split and shuffling (default 0)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars (epoch lines only)")
    p.add_argument("--nproc", type=int, default=1, metavar="N",
                   help="train as N MPI processes, data parallel (--batch-size per process; needs the "
                        "distributed extra; docs/distributed.md)")
    p.add_argument("--tensorboard", metavar="DIR", help="log the run for TensorBoard in DIR (nn.TensorBoard; "
                                                        "the tensorboard extra): tensorboard --logdir DIR")
    p.add_argument("--no-compile", action="store_true",
                   help="run the model eagerly (default: ag.compile replays its forward; the same numbers, "
                        "docs/compile.md)")
    p.set_defaults(run=run)
    return p


def settings(args):
    """The run's hyper-parameters: the arguments with the model's defaults filled in."""
    opt, lr, bs = DEFAULTS[args.model]
    optimizer = args.optimizer or opt
    if args.lr is not None:
        lr = args.lr
    elif optimizer != opt:
        lr = LR[optimizer]
    s = {"model": args.model, "optimizer": optimizer, "lr": lr,
         "batch_size": bs if args.batch_size is None else args.batch_size,
         "rotate": args.rotate, "scale": args.scale, "shift": args.shift,
         "label_smoothing": args.label_smoothing,
         "schedule": args.schedule, "data": args.data, "val_split": args.val_split, "seed": args.seed,
         "epochs": args.epochs, "limit_batches": args.limit_batches}
    check_settings(s)
    return s


def check_settings(s):
    """Every number in range (NaN and infinities fail every test here); the
    batch size is checked against the training set once it is loaded."""
    for name in ("epochs", "batch_size"):
        if s[name] < 1:
            raise ValueError(f"--{name.replace('_', '-')} must be at least 1, got {s[name]}")
    if s["limit_batches"] is not None and s["limit_batches"] < 1:
        raise ValueError(f"--limit-batches must be at least 1, got {s['limit_batches']}")
    if not 0 <= s["val_split"] < 1:
        raise ValueError(f"--val-split must be in [0, 1), got {s['val_split']}")
    if not (math.isfinite(s["lr"]) and s["lr"] > 0):
        raise ValueError(f"--lr must be a finite positive number, got {s['lr']}")
    if not 0 <= s["rotate"] <= MAX_ROTATE:
        raise ValueError(f"--rotate must be in [0, {MAX_ROTATE}] degrees, got {s['rotate']}")
    if not 0 <= s["scale"] < 1:
        raise ValueError(f"--scale must be in [0, 1), got {s['scale']}")
    if not 0 <= s["shift"] <= MAX_SHIFT:
        raise ValueError(f"--shift must be in [0, {MAX_SHIFT}] pixels, got {s['shift']}")
    if not 0 <= s["label_smoothing"] < 1:
        raise ValueError(f"--label-smoothing must be in [0, 1), got {s['label_smoothing']}")
    if not 0 <= s["seed"] < 2 ** 64:
        raise ValueError(f"--seed must be in [0, 2**64), got {s['seed']}")


def make_optimizer(model, s):
    import optim

    if s["optimizer"] == "sgd":
        return optim.SGD(model.parameters(), lr=s["lr"], momentum=0.9, nesterov=True)
    if s["optimizer"] == "adam":
        return optim.Adam(model.parameters(), lr=s["lr"])
    return optim.RMSprop(model.parameters(), lr=s["lr"])


def make_scheduler(opt, s, steps_per_epoch):
    import optim

    if s["schedule"] == "constant":
        return None
    sched = optim.lr_scheduler.OneCycleLR(opt, max_lr=s["lr"], epochs=s["epochs"],
                                          steps_per_epoch=steps_per_epoch, cycle_momentum=False)
    return nn.LRSchedulerCallback(sched, interval="batch")


class _PrintEpochs(nn.Callback):
    """Epoch lines when the progress bars are off (fit prints them otherwise)."""

    def on_epoch_end(self, state, logs):
        vals = "  ".join(f"{k} {v:.4f}" for k, v in logs.items() if k not in ("lr", "time") and v is not None)
        print(f"epoch {state.epoch + 1}/{state.epochs}: {vals}  ({logs['time']:.1f} s, "
              f"{state.samples / logs['time']:,.0f} samples/s)", flush=True)


def run(args):
    s = settings(args)
    if getattr(args, "nproc", 1) != 1:
        return train_dist.launch(args)
    try:  # before loading anything: a missing extra is one line
        board = args.tensorboard and nn.TensorBoard(args.tensorboard)
    except ImportError as e:
        raise ValueError(str(e)) from None
    if not args.out.strip():
        raise ValueError("--out must name a folder")
    if os.path.exists(args.out) and not os.path.isdir(args.out):
        raise ValueError(f"--out {args.out} is a file; give a folder (created when missing)")
    os.makedirs(args.out, exist_ok=True)
    for name in remove_stale_temporaries(args.out):
        print(f"removed {os.path.join(args.out, name)}, left by an interrupted write")
    ckpt = os.path.join(args.out, CKPT)
    resume = check_checkpoint(ckpt, s) if args.resume else None  # before any data or weight is loaded
    d = load_data(s["data"], download=args.download)
    model = models.build(s["model"], seed=s["seed"])
    ag.manual_seed(s["seed"])
    train_loader, val_loader, test_loader, split = loaders(d, s)
    fit_model, train_loader = train_dist.wrap(model, train_loader, s["seed"])  # DDP and a shard as ranks
    if fit_model is model and not args.no_compile:
        fit_model = ag.compile(model)  # bit-identical to eager (tests/autograd_core/test_compile_models.py)
    if s["batch_size"] > split["train"]:
        raise ValueError(f"--batch-size {s['batch_size']} is larger than the {split['train']} training images")
    opt = make_optimizer(model, s)
    sched = make_scheduler(opt, s, len(train_loader))
    initial_epoch, history = 0, None
    if resume is not None:
        check_schedule(resume, s, len(train_loader), ckpt)
        info = load_checkpoint(ckpt, model, opt, None if sched is None else sched.scheduler)
        initial_epoch, history = info["epoch"], info["history"]
        print(f"resuming after epoch {initial_epoch} from {ckpt}")
    meta = {k: s[k] for k in ("epochs", *CHECKED)}
    meta.update(mean=split["mean"], std=split["std"])
    print(f"{s['model']} on {d['name']}: {split['train']} training, {split['val']} validation, "
          f"{split['test']} test images; {s['optimizer']} lr {s['lr']:g} ({s['schedule']}), batch size "
          f"{s['batch_size']}, augment rotate {s['rotate']:g} scale {s['scale']:g} shift {s['shift']}, label "
          f"smoothing {s['label_smoothing']:g}, seed {s['seed']}", flush=True)
    smoothing = f"with label smoothing {s['label_smoothing']:g}" if s["label_smoothing"] else "(no label smoothing)"
    after = "; val_loss: the same loss after the epoch" if split["val"] else ""
    print(f"loss: training cross-entropy {smoothing}, the mean over the epoch's batches while the weights "
          f"change{after}; the test loss is plain cross-entropy", flush=True)
    callbacks = [_Checkpoint(ckpt, meta)] + ([board] if board else [])
    if args.no_progress:
        callbacks.append(_PrintEpochs())
    loss_fn = nn.CrossEntropyLoss(label_smoothing=s["label_smoothing"])
    history = nn.fit(fit_model, train_loader, loss_fn, opt, s["epochs"], val_loader=val_loader,
                     scheduler=sched, callbacks=callbacks, progress=not args.no_progress,
                     initial_epoch=initial_epoch, history=history)
    history.to_csv(os.path.join(args.out, "history.csv"))
    history.to_json(os.path.join(args.out, "history.json"))
    if history.interrupted:
        done = history.epoch[-1] if history.epoch else 0
        print(f"interrupted: {done} complete epochs kept in {ckpt}; continue with --resume", file=sys.stderr)
        return 130
    try:
        nn.checkpoint.atomic_save(model.state_dict(), os.path.join(args.out, WEIGHTS))
        test_report(model, test_loader, d["classes"], args.out, s)
        pictures(model, history, args.out, test_loader)
    except KeyboardInterrupt:
        print(f"autograd train: interrupted after training; the trained weights are kept in {ckpt}; the test "
              "report or the pictures are missing", file=sys.stderr)
        return 130
    files = sorted(f for f in os.listdir(args.out) if not f.startswith("."))
    print(f"wrote {', '.join(files)} to {args.out}")
    return 0


class _Checkpoint(nn.ModelCheckpoint):
    """ModelCheckpoint that also records the run's settings (checked by --resume)."""

    def __init__(self, path, meta):
        super().__init__(path)
        self.meta = meta

    def on_epoch_end(self, state, logs):
        nn.save_checkpoint(self.path, train_dist.unwrap(state.model), state.optimizer, state.scheduler,
                           epoch=state.epoch + 1, history=state.history, metadata=self.meta)


def test_report(model, loader, classes, out, s):
    """Test loss, accuracy and confusion matrix: printed and written to results.json."""
    logits = nn.predict(model, loader)
    y = np.concatenate([t.numpy() for _, t in loader])
    lse = logits.max(1) + np.log(np.exp(logits - logits.max(1, keepdims=True)).sum(1))
    loss = float(np.mean(lse - logits[np.arange(len(y)), y]))
    pred = logits.argmax(1)
    cm = M.confusion_matrix(y, pred, num_classes=len(classes))
    prf = M.precision_recall_f1(confusion=cm)
    acc = M.accuracy(y, pred)
    print(f"test: loss {loss:.4f} (plain cross-entropy)  accuracy {100 * acc:.2f}% ({int(np.trace(cm))}/{len(y)})")
    print("confusion matrix (rows actual, columns predicted):")
    width = max(4, len(str(cm.max())) + 1)
    print("     " + "".join(f"{c:>{width}}" for c in range(len(classes))))
    for i, row in enumerate(cm):
        print(f"{i:>4} " + "".join(f"{v:>{width}}" for v in row))
    results = {"settings": s, "test_loss": loss, "test_accuracy": acc, "test_samples": int(len(y)),
               "classes": list(classes), "confusion_matrix": cm.tolist(),
               "precision": prf.precision.tolist(), "recall": prf.recall.tolist(), "f1": prf.f1.tolist()}
    text = json.dumps(results, indent=1)  # one line per list of numbers (a matrix row per line):
    text = re.sub(r"\[\s+([-+\d.,\se]+?)\s+\]", lambda m: "[" + " ".join(m.group(1).split()) + "]", text)
    with open(os.path.join(out, "results.json"), "w") as f:
        f.write(text + "\n")
    return results


def pictures(model, history, out, loader):
    """graph.svg (with Graphviz's dot or graphviz-pure) and the PNG plots (with
    matplotlib); what cannot be drawn is named, with the reason."""
    from autograd_core import viz
    from autograd_core.viz.render import layout_program

    if layout_program() is None:
        print("skipped graph.svg: neither Graphviz's dot nor graphviz-pure is installed (pip install graphviz-pure)")
    else:
        x, _ = next(iter(loader))
        model.eval()
        with viz.watch(model) as w:
            logits = model(x[:1])
        logits.name = "logits"
        graph = viz.draw_graph(logits, params=model, group_modules=w, collapse=1)
        viz.render(graph, os.path.join(out, "graph.svg"))
    if not nn.plots.have_matplotlib():
        print("skipped history.png and confusion_matrix.png: matplotlib is not installed (pip install matplotlib)")
    elif len(history):
        nn.plots.savefig(history.plot(), os.path.join(out, "history.png"))
        with open(os.path.join(out, "results.json")) as f:
            res = json.load(f)
        fig = nn.plots.plot_confusion_matrix(np.array(res["confusion_matrix"]), title="test set")
        nn.plots.savefig(fig, os.path.join(out, "confusion_matrix.png"))
