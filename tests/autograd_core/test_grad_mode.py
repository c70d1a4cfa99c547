"""``no_grad``, ``enable_grad``, ``set_grad_enabled`` as context managers and decorators."""
import pytest

import autograd_core as ag


def test_context_managers_nest_and_restore():
    x = ag.ones(1, requires_grad=True)
    assert ag.is_grad_enabled()
    with ag.no_grad():
        assert not ag.is_grad_enabled()
        with ag.enable_grad():
            assert (x * 2).requires_grad
        assert not (x * 2).requires_grad
    assert ag.is_grad_enabled()
    with ag.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert ag.is_grad_enabled()


def test_restored_after_exception():
    try:
        with ag.no_grad():
            raise ValueError
    except ValueError:
        pass
    assert ag.is_grad_enabled()


def test_decorators():
    x = ag.ones(1, requires_grad=True)

    @ag.no_grad()
    def f():
        return x * 2

    @ag.set_grad_enabled(False)
    def g():
        return x * 2

    assert ag.is_grad_enabled()  # decorating does not switch anything
    assert not f().requires_grad and not g().requires_grad
    assert ag.is_grad_enabled()


def test_set_grad_enabled_as_a_call():
    ag.set_grad_enabled(False)
    try:
        assert not ag.is_grad_enabled()
    finally:
        ag.set_grad_enabled(True)
    assert ag.is_grad_enabled()


def test_anomaly_flag():
    assert not ag.is_anomaly_enabled()
    with ag.detect_anomaly():
        assert ag.is_anomaly_enabled()
    assert not ag.is_anomaly_enabled()


def _in_threads(*targets):
    import threading

    errors = []

    def run(fn):
        try:
            fn()
        except BaseException as e:  # reported to the main thread
            errors.append(e)

    threads = [threading.Thread(target=run, args=(fn,)) for fn in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def test_grad_mode_is_per_thread():
    """A no_grad region in one thread does not stop another thread's graph."""
    x = ag.ones(3, requires_grad=True)
    lost = []

    def record():
        for _ in range(2000):
            if (x * 2).grad_fn is None:
                lost.append(1)

    def no_record():
        for _ in range(2000):
            with ag.no_grad():
                assert (x * 2).grad_fn is None

    _in_threads(record, no_record)
    assert not lost


def test_a_new_thread_starts_with_grad_on_and_anomaly_off():
    seen = {}

    def look():
        seen["grad"], seen["anomaly"] = ag.is_grad_enabled(), ag.is_anomaly_enabled()

    with ag.no_grad(), ag.detect_anomaly():
        _in_threads(look)
    assert seen == {"grad": True, "anomaly": False}


def test_concurrent_backward_calls():
    import numpy as np

    w = ag.tensor(np.arange(4.0), requires_grad=True)
    results = {}

    def step(k):
        def run():
            for _ in range(200):
                (g,) = ag.grad(((w * k) ** 2).sum(), w)
            results[k] = g.numpy()
        return run

    _in_threads(*(step(k) for k in (1.0, 2.0, 3.0)))
    for k in (1.0, 2.0, 3.0):
        np.testing.assert_allclose(results[k], 2 * k * k * np.arange(4.0))


def test_inference_mode_context_and_decorator():
    x = ag.ones(2, requires_grad=True)
    with ag.inference_mode():
        assert ag.is_inference_mode_enabled() and not ag.is_grad_enabled()
        assert not (x * 2).requires_grad
        with ag.inference_mode(False):
            assert not ag.is_inference_mode_enabled() and not ag.is_grad_enabled()
    assert ag.is_grad_enabled() and not ag.is_inference_mode_enabled()

    @ag.inference_mode()
    def f():
        return x * 2

    @ag.inference_mode
    def g():
        return x * 3

    assert not f().requires_grad and not g().requires_grad
    assert (x * 2).requires_grad


def test_decorated_function_is_reentrant_across_threads():
    x = ag.ones(1, requires_grad=True)

    @ag.no_grad()
    def f(n):
        return f(n - 1) if n else (x * 2)

    def run():
        for _ in range(300):
            assert not f(3).requires_grad
            assert ag.is_grad_enabled()

    _in_threads(run, run)
    assert ag.is_grad_enabled()


def test_set_detect_anomaly_as_a_call():
    ag.set_detect_anomaly(True)
    try:
        assert ag.is_anomaly_enabled()
    finally:
        ag.set_detect_anomaly(False)
    assert not ag.is_anomaly_enabled()


def test_thread_counts_follow_the_flags():
    """``grad_off_threads`` / ``anomaly_threads`` (which let ``Function.apply`` skip reading its
    thread's flags while every thread has the default) count the threads whose flag differs,
    through nesting, calls, decorators and exceptions, and go back to 0."""
    from autograd_core import grad_mode as gm

    x = ag.ones(1, requires_grad=True)
    base = (gm.grad_off_threads, gm.anomaly_threads)  # (0, 0) unless a thread ended with a flag changed

    def counts():
        return gm.grad_off_threads - base[0], gm.anomaly_threads - base[1]

    with ag.no_grad():
        assert counts()[0] == 1
        with ag.no_grad(), ag.inference_mode():
            assert counts()[0] == 1
        with ag.enable_grad():
            assert counts()[0] == 0 and (x * 2).requires_grad
        assert counts()[0] == 1 and not (x * 2).requires_grad
    ag.set_grad_enabled(False)
    assert counts()[0] == 1 and not (x * 2).requires_grad
    ag.set_grad_enabled(True)
    with pytest.raises(KeyError), ag.detect_anomaly():  # leaving through an exception restores the count
        assert counts()[1] == 1 and (x * 2).grad_fn._trace
        raise KeyError
    assert ag.no_grad()(lambda: counts()[0])() == 1
    assert counts() == (0, 0)
    assert (x * 2).grad_fn is not None and (x * 2).grad_fn._trace is None

    def in_thread():
        with ag.no_grad():
            assert counts()[0] == 1 and not (x * 2).requires_grad
            assert ag.enable_grad()(lambda: (x * 2).requires_grad)()

    _in_threads(in_thread)
    assert counts() == (0, 0)
