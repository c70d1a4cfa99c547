"""Benchmark of a Transformer encoder training step against PyTorch CPU (issue 17).

    python tools/bench_transformer.py [--quick] [--profile]   (also run at the end of tools/bench.py)

(k) One training step of ``nn.TransformerEncoder(nn.TransformerEncoderLayer(64, 4,
    dim_feedforward=256, dropout=0.1, batch_first=True), 4)`` on a batch of 32
    sequences of 32 float32 vectors, with a causal float mask
    (``generate_square_subsequent_mask``): ``zero_grad``, forward, MSE against a
    fixed target, backward, ``Adam(lr=1e-3).step()``. Target: within 2.0x of
    PyTorch (``enable_nested_tensor=False``; its fast path is for inference).

Timing as in tools/bench_train.py: a warm-up, then the runners alternate and
each keeps the best of several consecutive steps. PyTorch runs with
``torch.set_num_threads(2)``. ``--profile`` prints a cProfile listing of our step.
"""
import cProfile
import os
import pstats
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from _timing import best, fastest_of  # noqa: E402

import autograd_core as ag  # noqa: E402
import nn  # noqa: E402
import optim  # noqa: E402

try:
    import torch

    torch.set_num_threads(2)
except ImportError:  # the benchmark runs without PyTorch
    torch = None

LAYERS, D, HEADS, FF, SEQ, BATCH = 4, 64, 4, 256, 32, 32
STEPS = 5
W = 86


def inputs(seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((BATCH, SEQ, D)).astype(np.float32),
            rng.standard_normal((BATCH, SEQ, D)).astype(np.float32))


def make_step(lib, x, y):
    """One training step of the encoder in ``lib`` (autograd_core or torch)."""
    if lib is ag:
        layer = nn.TransformerEncoderLayer(D, HEADS, FF, dropout=0.1, batch_first=True)
        model = nn.TransformerEncoder(layer, LAYERS)
        opt, loss_fn = optim.Adam(model.parameters(), lr=1e-3), nn.MSELoss()
        mask = nn.Transformer.generate_square_subsequent_mask(SEQ)
        x, y = ag.tensor(x), ag.tensor(y)
    else:
        t = torch.nn
        layer = t.TransformerEncoderLayer(D, HEADS, FF, dropout=0.1, batch_first=True)
        model = t.TransformerEncoder(layer, LAYERS, enable_nested_tensor=False)
        opt, loss_fn = torch.optim.Adam(model.parameters(), lr=1e-3), t.MSELoss()
        mask = t.Transformer.generate_square_subsequent_mask(SEQ)
        x, y = torch.tensor(x), torch.tensor(y)

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x, mask=mask, is_causal=True), y)
        loss.backward()
        opt.step()
    return step


def main(quick=False, show_profile=False):
    repeats = 3 if quick else 7
    x, y = inputs()
    ours = make_step(ag, x, y)
    t = best({"ours": fastest_of(ours, STEPS), "torch": fastest_of(make_step(torch, x, y), STEPS) if torch else None},
             repeats)
    th = f"torch {torch.__version__} ({torch.get_num_threads()} threads)" if torch else "torch: not installed"
    print(f"\nTransformer encoder training step: numpy {np.__version__}, {th}, best of {repeats} runs of "
          f"{STEPS} steps\n")
    name = f"(k) Transformer encoder, {LAYERS} layers, d_model {D}, {HEADS} heads, seq {SEQ}, batch {BATCH}, step"
    ours_ms = t["ours"] * 1e3
    th_ms = t["torch"] * 1e3 if torch else None
    ratio = f"{ours_ms / th_ms:.2f}" if th_ms else "-"
    status = "n/a (no torch)" if not th_ms else ("pass" if ours_ms / th_ms <= 2.0 else "FAIL")
    th_col = f"{th_ms:.3g}" if th_ms else "-"
    print(f"{'workload [unit]':<{W}}{'ours':>9}{'torch':>9}{'ours/torch':>11}  target")
    print(f"{name + ' [ms]':<{W}}{ours_ms:>9.3g}{th_col:>9}{ratio:>11}  <= 2.0x torch  {status}")
    if show_profile:
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(5):
            ours()
        prof.disable()
        pstats.Stats(prof, stream=sys.stdout).sort_stats("tottime").print_stats(15)


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:], show_profile="--profile" in sys.argv[1:])
