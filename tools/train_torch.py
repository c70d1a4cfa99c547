"""``autograd train``'s recipe in PyTorch, to compare test accuracies.

    pip install torch==2.13.0
    python tools/train_torch.py --model lenet --seeds 0 1 2 [--epochs 5]

Same data (the bundled split, the same validation hold-out and
standardisation, from ``ag_cli.train_data``), same augmentation (the numpy
``data.affine.warp_affine`` on each batch, with the parameters drawn the same
way), same models, Adam with the same one-cycle schedule stepped per batch,
the same label smoothing and batch sizes. Only the random streams differ
(PyTorch's initialisation and shuffling), so single runs differ; means over
seeds compare. Prints one line per seed and the mean.
"""
import argparse
import pathlib
import sys

import numpy as np
import torch

sys.path[:0] = [str(pathlib.Path(__file__).resolve().parents[1]), str(pathlib.Path(__file__).parent)]
from bench_train import lenet_torch  # noqa: E402

from ag_cli import train_cmd  # noqa: E402
from ag_cli.train_data import _stratified_split, load_data  # noqa: E402
from data.affine import warp_affine  # noqa: E402
from data.transforms import RandomAffine  # noqa: E402


def model(name):
    t = torch.nn
    if name == "mlp":
        return t.Sequential(t.Flatten(), t.Linear(784, 512), t.ReLU(), t.Linear(512, 256), t.ReLU(),
                            t.Linear(256, 10))
    return lenet_torch()


def run(name, seed, epochs, d, rotate=10.0, scale=0.1, shift=2, smoothing=0.2, val_split=0.0625):
    _, lr, bs = train_cmd.DEFAULTS[name]
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    images, labels = d["train"]
    tr, _ = _stratified_split(labels, val_split, seed)
    x = images[tr].astype(np.float32) / 255
    mean, std = x.mean(), x.std()
    x = ((x - mean) / std)[:, None]
    y = torch.tensor(labels[tr].astype(np.int64))
    xt = torch.tensor(((d["test"][0].astype(np.float32) / 255 - mean) / std)[:, None])
    yt = torch.tensor(d["test"][1].astype(np.int64))
    net = model(name)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    steps = (len(tr) + bs - 1) // bs
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, epochs=epochs, steps_per_epoch=steps,
                                                cycle_momentum=False)
    loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=smoothing)
    for _ in range(epochs):
        net.train()
        for idx in torch.randperm(len(tr)).split(bs):
            batch = x[idx.numpy()]
            angle, offset, factor = RandomAffine.get_params((-rotate, rotate), (shift / 28, shift / 28),
                                                            (1 - scale, 1 + scale), (28, 28), len(batch), rng)
            batch = warp_affine(batch, angle, factor, offset, -mean / std, "bilinear")
            opt.zero_grad()
            loss_fn(net(torch.tensor(batch)), y[idx]).backward()
            opt.step()
            sched.step()
    net.eval()
    with torch.no_grad():
        return (net(xt).argmax(1) == yt).float().mean().item()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", choices=("mlp", "lenet"), default="lenet")
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    a = p.parse_args()
    torch.set_num_threads(1)
    d = load_data("bundled")
    accs = []
    for seed in a.seeds:
        accs.append(run(a.model, seed, a.epochs, d))
        print(f"PyTorch {torch.__version__} {a.model}, {a.epochs} epochs, seed {seed}: {100 * accs[-1]:.2f}%",
              flush=True)
    print(f"mean {100 * np.mean(accs):.2f}%")


if __name__ == "__main__":
    main()
