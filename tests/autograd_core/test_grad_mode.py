"""``no_grad``, ``enable_grad``, ``set_grad_enabled`` as context managers and decorators."""
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
