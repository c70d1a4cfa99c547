"""Benchmark of training steps of the models of issue 17 against PyTorch CPU.

    python tools/bench_models.py [--quick] [--profile]   (also run at the end of tools/bench.py)

(j) One training step of a 2-layer LSTM language model: ``nn.LSTM(200, 200,
    num_layers=2)`` on a sequence of 35 steps, batch 20 (time-major input,
    embeddings given as a (35, 20, 200) float32 tensor), a linear head to
    a 1,000-word vocabulary, cross-entropy, backward, ``SGD(lr=1.0)``
    with gradient clipping at 0.25 (the word-language-model recipe).
    Target: within 2.0x of PyTorch. The numpy column is the same step by
    hand on arrays (the fused op's array formulas, BPTT, head, loss,
    clipping, SGD): what the engine's bookkeeping costs on top.

Timing as in tools/bench_train.py: a warm-up, then the runners alternate
and each keeps the best of several consecutive steps. PyTorch runs with
``torch.set_num_threads(2)``. ``--profile`` prints a cProfile listing of
our step.
"""
import cProfile
import os
import pstats
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from _timing import best, fastest_of, show_table  # noqa: E402

import autograd_core as ag  # noqa: E402
import nn  # noqa: E402
import optim  # noqa: E402

try:
    import torch

    torch.set_num_threads(2)
except ImportError:  # the benchmark runs without PyTorch
    torch = None

ROWS = []
W = 52
STEPS = 5
SEQ, BATCH, HIDDEN, VOCAB = 35, 20, 200, 1000


def lstm_inputs(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((SEQ, BATCH, HIDDEN)).astype(np.float32)
    y = rng.integers(0, VOCAB, SEQ * BATCH)
    return x, y


def lstm_runner(lib, x, y):
    """A runner timing STEPS training steps of the LSTM model; returns the fastest (s)."""
    n = nn if lib is ag else torch.nn
    o = optim if lib is ag else torch.optim
    clip = (nn.utils if lib is ag else torch.nn.utils).clip_grad_norm_
    lstm, head = n.LSTM(HIDDEN, HIDDEN, num_layers=2), n.Linear(HIDDEN, VOCAB)
    params = list(lstm.parameters()) + list(head.parameters())
    opt, loss_fn = o.SGD(params, lr=1.0), n.CrossEntropyLoss()
    x, y = (ag.tensor(x), ag.tensor(y)) if lib is ag else (torch.tensor(x), torch.tensor(y))

    def step():
        opt.zero_grad()
        out, _ = lstm(x)
        loss = loss_fn(head(out).reshape(-1, VOCAB), y)
        loss.backward()
        clip(params, 0.25)
        opt.step()

    run = fastest_of(step, STEPS)
    run.step = step
    return run


def numpy_lstm_runner(x, y):
    """The same step by hand on numpy arrays (the LSTM step's array formulas of
    autograd_core/ops/rnn_cell.py, backpropagation through time, the head,
    softmax cross-entropy, clipping, SGD): what the engine costs on top of
    the arithmetic."""
    from autograd_core.ops.rnn_cell import _step_arrays, _step_back

    rng = np.random.default_rng(0)
    k = 1 / np.sqrt(HIDDEN)
    layers = [[rng.uniform(-k, k, s).astype(np.float32) for s in
               ((4 * HIDDEN, HIDDEN), (4 * HIDDEN, HIDDEN), (4 * HIDDEN,), (4 * HIDDEN,))] for _ in range(2)]
    head_w = rng.uniform(-k, k, (VOCAB, HIDDEN)).astype(np.float32)
    head_b = np.zeros(VOCAB, np.float32)
    rows = np.arange(SEQ * BATCH)

    def step():
        inp, caches = x, []
        for w_ih, w_hh, b_ih, b_hh in layers:
            xg = (inp.reshape(-1, HIDDEN) @ w_ih.T + (b_ih + b_hh)).reshape(SEQ, BATCH, -1)
            h = c = np.zeros((BATCH, HIDDEN), np.float32)
            w_hh_t = np.ascontiguousarray(w_hh.T)
            hs, cs, gates, tcs = [], [], [], []
            for t in range(SEQ):
                h, c, g, tc = _step_arrays(xg[t], h, c, w_hh_t)
                hs.append(h)
                cs.append(c)
                gates.append(g)
                tcs.append(tc)
            caches.append((inp, np.stack(hs), cs, gates, tcs))
            inp = caches[-1][1]
        z = inp.reshape(-1, HIDDEN) @ head_w.T + head_b
        z -= z.max(1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(1, keepdims=True)
        p[rows, y] -= 1
        p /= len(rows)
        grads = [p.T @ inp.reshape(-1, HIDDEN), p.sum(0)]
        gout = (p @ head_w).reshape(SEQ, BATCH, HIDDEN)
        for (w_ih, w_hh, _, _), (inp, hs, cs, gates, tcs) in zip(reversed(layers), reversed(caches)):
            dh = np.zeros((BATCH, HIDDEN), np.float32)
            dc = np.zeros_like(dh)
            da = np.empty((SEQ, BATCH, 4 * HIDDEN), np.float32)
            for t in range(SEQ - 1, -1, -1):
                dh += gout[t]
                da[t], dc = _step_back(dh, dc, cs[t - 1] if t else np.zeros_like(dh), gates[t], tcs[t])
                dh = da[t] @ w_hh
            prev = np.concatenate([np.zeros((1, BATCH, HIDDEN), np.float32), hs[:-1]])
            da2 = da.reshape(-1, 4 * HIDDEN)
            db = da2.sum(0)
            grads += [da2.T @ inp.reshape(-1, HIDDEN), da2.T @ prev.reshape(-1, HIDDEN), db, db]
            gout = (da2 @ w_ih).reshape(SEQ, BATCH, HIDDEN)
        total = np.sqrt(sum(float((g.astype(np.float64) ** 2).sum()) for g in grads))
        coef = min(1.0, 0.25 / (total + 1e-6))
        for prm, g in zip([head_w, head_b] + [q for lay in reversed(layers) for q in lay], grads):
            prm -= np.float32(coef) * g

    return fastest_of(step, STEPS)


def row(name, unit, ours, th, target=None, ref=None):
    ROWS.append((name, unit, ours, ref, th, target))


def main(argv=None, quick=None):
    argv = sys.argv[1:] if argv is None else argv
    if quick is None:
        quick = "--quick" in argv
    repeats = 2 if quick else 5
    ROWS.clear()
    x, y = lstm_inputs()
    ours = lstm_runner(ag, x, y)
    t = best({"ours": ours, "numpy": numpy_lstm_runner(x, y),
              "torch": lstm_runner(torch, x, y) if torch else None}, repeats)
    row(f"(j) 2-layer LSTM {HIDDEN}, seq {SEQ}, batch {BATCH}, step", "ms", t["ours"] * 1e3,
        t["torch"] * 1e3 if torch else None, 2.0, t["numpy"] * 1e3)
    th = f"torch {torch.__version__} ({torch.get_num_threads()} threads)" if torch else "torch: not installed"
    print(f"\nmodel training steps: numpy {np.__version__}, {th}, best of {repeats} runs of {STEPS} steps\n")
    show_table(ROWS, W)
    if "--profile" in argv:
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(3):
            ours.step()
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(20)


if __name__ == "__main__":
    main()
