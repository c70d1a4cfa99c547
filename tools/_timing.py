"""Timing helpers shared by the benchmark scripts of tools/ (bench.py, bench_train.py,
bench_models.py, bench_transformer.py): the interleaved best-of runs, a runner
that keeps the fastest of consecutive steps, and the results table of the
training benchmarks."""
import gc
import time


def _smaller(a, b):
    """The smaller timing; a tuple of timings is compared part by part."""
    return tuple(min(u, v) for u, v in zip(a, b)) if isinstance(a, tuple) else min(a, b)


def best(runs, repeats):
    """Warm each runner up, then run them in turn ``repeats`` times (so that a
    busy machine slows all of them alike) and keep, for each, the smallest of
    every timing it returns (a number, or a tuple compared part by part).
    ``runs`` maps a name to a runner or None (left out)."""
    runs = {k: f for k, f in runs.items() if f is not None}
    for f in runs.values():
        f()
    times = dict.fromkeys(runs)
    for _ in range(repeats):
        for k, f in runs.items():
            gc.collect()
            t = f()
            times[k] = t if times[k] is None else _smaller(times[k], t)
    return times


def fastest_of(step, steps):
    """A runner that calls ``step`` ``steps`` times in a row and returns the
    fastest call (s): one scheduler hiccup on a shared machine does not count."""
    def run():
        fastest = float("inf")
        for _ in range(steps):
            t0 = time.perf_counter()
            step()
            fastest = min(fastest, time.perf_counter() - t0)
        return fastest
    return run


def show_table(rows, width):
    """Print rows of (name, unit, ours, numpy, torch, target ratio against torch
    or None) with the ratios and the pass/FAIL of each target."""
    def num(v):
        return "-" if v is None else f"{v:.3g}"

    print(f"{'workload [unit]':<{width}}{'ours':>9}{'numpy':>9}{'torch':>9}{'ours/np':>9}{'ours/torch':>11}"
          "  target")
    for name, unit, ours, ref, th, target in rows:
        r_np = f"{ours / ref:.2f}" if ref else "-"
        r_th = f"{ours / th:.2f}" if th else "-"
        status = ""
        if target is not None:
            status = f"<= {target}x torch  " + ("n/a (no torch)" if not th else
                                                 ("pass" if ours / th <= target else "FAIL"))
        print(f"{name + ' [' + unit + ']':<{width}}{num(ours):>9}{num(ref):>9}{num(th):>9}{r_np:>9}{r_th:>11}"
              f"  {status}")
