"""The speed targets of issues 16 and 17 against PyTorch CPU, one thread each side.

    python tools/bench_targets.py [--budget SECONDS] [--only NAME ...]

Workloads (float32; "step" = zero_grad, forward, loss, backward, optimiser step):

- interpolate: ``F.interpolate`` bilinear, (32, 16, 64, 64) x2, forward + backward (target 1.5x);
- conv_transpose2d: 32 -> 16 channels, 4x4, stride 2, padding 1 on (32, 32, 16, 16), fwd + bwd (1.5x);
- lstm_lm: Embedding(10000, 200) -> LSTM(200, 200, 2 layers) -> Linear(200, 10000), seq 35, batch 20,
  cross-entropy, ``clip_grad_norm_(0.25)``, ``SGD(lr=1)`` (2.0x);
- transformer: 4 x TransformerEncoderLayer(64, 4, dim_feedforward=256, dropout 0.1, batch_first), seq 32,
  batch 32, causal mask, MSE, ``Adam`` (2.0x; the feed-forward width is tools/bench_transformer.py's);
- dcgan: DCGAN generator (nz 100, ngf 64, ConvTranspose2d + BatchNorm2d + ReLU, Tanh, 3x64x64 out),
  batch 16, forward + backward (2.0x).

Both sides run one thread: ``torch.set_num_threads(1)``, ``ag.set_num_threads(1)`` (kernel pool and BLAS
through threadpoolctl), ``OPENBLAS_NUM_THREADS=1`` set before numpy loads. After a warm-up the two sides
alternate one call at a time (the order swapped every round) for about ``--budget`` seconds per workload.
Each call's CPU time (``time.process_time``) and wall time are recorded; the table gives medians, the CPU
inter-quartile range and the ratio of the CPU medians (the machine is shared: CPU time is less disturbed).
PyTorch's columns are left empty when it is not installed.
"""
import argparse
import os
import sys
import time

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[_var] = "1"

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import autograd_core as ag  # noqa: E402
import nn  # noqa: E402
import optim  # noqa: E402

try:
    import torch

    torch.set_num_threads(1)
except ImportError:  # the benchmark runs without PyTorch
    torch = None

ag.set_num_threads(1)


def _lib(side):
    """(tensor factory, functional namespace, nn, optim) of a side."""
    if side == "ours":
        return ag.tensor, ag, nn, optim
    return torch.tensor, torch.nn.functional, torch.nn, torch.optim


def interpolate(side, rng):
    tensor, F, _, _ = _lib(side)
    x = tensor(rng.standard_normal((32, 16, 64, 64)).astype(np.float32), requires_grad=True)
    g = tensor(np.ones((32, 16, 128, 128), np.float32))

    def run():
        F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False).backward(g)
        x.grad = None
    return run


def conv_transpose2d(side, rng):
    tensor, F, _, _ = _lib(side)
    x = tensor(rng.standard_normal((32, 32, 16, 16)).astype(np.float32), requires_grad=True)
    w = tensor(rng.standard_normal((32, 16, 4, 4)).astype(np.float32) * 0.1, requires_grad=True)
    b = tensor(np.zeros(16, np.float32), requires_grad=True)
    g = tensor(np.ones((32, 16, 32, 32), np.float32))

    def run():
        F.conv_transpose2d(x, w, b, stride=2, padding=1).backward(g)
        x.grad = w.grad = b.grad = None
    return run


def lstm_lm(side, rng):
    tensor, _, n, o = _lib(side)
    vocab, hidden, seq, batch = 10000, 200, 35, 20
    emb, lstm, head = n.Embedding(vocab, hidden), n.LSTM(hidden, hidden, num_layers=2), n.Linear(hidden, vocab)
    params = [*emb.parameters(), *lstm.parameters(), *head.parameters()]
    opt, loss_fn = o.SGD(params, lr=1.0), n.CrossEntropyLoss()
    clip = n.utils.clip_grad_norm_
    tokens = tensor(rng.integers(0, vocab, (seq, batch)))
    target = tensor(rng.integers(0, vocab, seq * batch))

    def run():
        opt.zero_grad()
        out, _ = lstm(emb(tokens))
        loss_fn(head(out).reshape(-1, vocab), target).backward()
        clip(params, 0.25)
        opt.step()
    return run


def transformer(side, rng):
    tensor, _, n, o = _lib(side)
    layers, d, heads, ff, seq, batch = 4, 64, 4, 256, 32, 32
    layer = n.TransformerEncoderLayer(d, heads, ff, dropout=0.1, batch_first=True)
    extra = {} if side == "ours" else {"enable_nested_tensor": False}
    model = n.TransformerEncoder(layer, layers, **extra)
    opt, loss_fn = o.Adam(model.parameters(), lr=1e-3), n.MSELoss()
    mask = n.Transformer.generate_square_subsequent_mask(seq)
    x = tensor(rng.standard_normal((batch, seq, d)).astype(np.float32))
    y = tensor(rng.standard_normal((batch, seq, d)).astype(np.float32))

    def run():
        opt.zero_grad()
        loss_fn(model(x, mask=mask, is_causal=True), y).backward()
        opt.step()
    return run


def dcgan(side, rng):
    tensor, _, n, _ = _lib(side)
    nz, ngf, batch = 100, 64, 16
    blocks, chans = [], [nz, ngf * 8, ngf * 4, ngf * 2, ngf]
    for i, (cin, cout) in enumerate(zip(chans, chans[1:])):
        blocks += [n.ConvTranspose2d(cin, cout, 4, 1 if i == 0 else 2, 0 if i == 0 else 1, bias=False),
                   n.BatchNorm2d(cout), n.ReLU()]
    gen = n.Sequential(*blocks, n.ConvTranspose2d(ngf, 3, 4, 2, 1, bias=False), n.Tanh())
    z = tensor(rng.standard_normal((batch, nz, 1, 1)).astype(np.float32))
    g = tensor(np.ones((batch, 3, 64, 64), np.float32))

    def run():
        gen.zero_grad()
        gen(z).backward(g)
    return run


WORKLOADS = {
    "interpolate bilinear (32,16,64,64) x2, fwd+bwd": (interpolate, 1.5),
    "conv_transpose2d 32->16 4x4 s2 p1 (32,32,16,16), fwd+bwd": (conv_transpose2d, 1.5),
    "LSTM LM emb 10000x200, 2x LSTM 200, seq 35, batch 20, step": (lstm_lm, 2.0),
    "Transformer enc 4 layers, d 64, 4 heads, ff 256, seq 32, batch 32, step": (transformer, 2.0),
    "DCGAN generator nz 100, ngf 64, 64x64, batch 16, fwd+bwd": (dcgan, 2.0),
}


def _timed(f):
    c0, w0 = time.process_time(), time.perf_counter()
    f()
    return time.process_time() - c0, time.perf_counter() - w0


def measure(make, budget):
    """Interleaved per-call (cpu, wall) samples of each side, about ``budget`` seconds in all."""
    runs = {"ours": make("ours", np.random.default_rng(0))}
    if torch is not None:
        runs["torch"] = make("torch", np.random.default_rng(0))
    for f in runs.values():  # warm-up: caches, JIT, allocator
        for _ in range(2):
            f()
    per_round = sum(_timed(f)[1] for f in runs.values())
    rounds = int(min(400, max(15, budget / per_round)))
    samples = {k: [] for k in runs}
    order = list(runs)
    for r in range(rounds):
        for k in (order if r % 2 == 0 else order[::-1]):
            samples[k].append(_timed(runs[k]))
    return {k: np.array(v) * 1e3 for k, v in samples.items()}, rounds


def _ms(v):
    return f"{v:.0f}" if v >= 100 else f"{v:.3g}"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--budget", type=float, default=20.0, help="seconds per workload (default 20)")
    p.add_argument("--only", nargs="*", default=None, help="substrings of workload names to run")
    args = p.parse_args()
    th = f"torch {torch.__version__}" if torch else "torch: not installed"
    print(f"numpy {np.__version__}, {th}, 1 thread each; per-call ms: CPU median [IQR], wall median; "
          "ratio of CPU medians\n")
    print(f"{'workload':<73}{'n':>4}{'ours cpu [IQR]':>22}{'wall':>8}{'torch cpu [IQR]':>22}{'wall':>8}"
          f"{'ratio':>7}{'target':>7}  met")
    for name, (make, target) in WORKLOADS.items():
        if args.only and not any(s.lower() in name.lower() for s in args.only):
            continue
        s, rounds = measure(make, args.budget)
        cols = []
        for k in ("ours", "torch"):
            if k not in s:
                cols.append(f"{'-':>22}{'-':>8}")
                continue
            q1, med, q3 = np.percentile(s[k][:, 0], [25, 50, 75])
            cols.append(f"{f'{_ms(med)} [{_ms(q1)}-{_ms(q3)}]':>22}{_ms(np.median(s[k][:, 1])):>8}")
        if "torch" in s:
            ratio = np.median(s["ours"][:, 0]) / np.median(s["torch"][:, 0])
            tail = f"{ratio:>7.2f}{target:>6}x  {'yes' if ratio <= target else 'NO'}"
        else:
            tail = f"{'-':>7}{target:>6}x  n/a"
        print(f"{name:<73}{rounds:>4}{cols[0]}{cols[1]}{tail}", flush=True)


if __name__ == "__main__":
    main()
