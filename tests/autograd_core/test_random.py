"""Randomness: Generator (seeding, state round-trip, independence from the
default generator), the default generator's module functions, the random
factories in every call form, multinomial/bernoulli/normal, the in-place
fills, and their error cases."""
import numpy as np
import pytest

import autograd_core as ag


def gen(seed=0):
    return ag.Generator().manual_seed(seed)


# -- Generator ---------------------------------------------------------------------

def test_generator_seeding_and_reproducibility():
    g = ag.Generator()
    assert g.initial_seed() == 67280421310721 and g.device == ag.device("cpu")
    assert g.manual_seed(5) is g and g.initial_seed() == 5
    a = ag.rand(4, generator=g).numpy()
    g.manual_seed(5)
    assert np.array_equal(ag.rand(4, generator=g).numpy(), a)
    assert np.array_equal(ag.rand(4, generator=gen(5)).numpy(), a)
    assert not np.array_equal(ag.rand(4, generator=gen(6)).numpy(), a)
    # a fresh generator starts from PyTorch's default seed, like every other fresh one
    assert np.array_equal(ag.randn(3, generator=ag.Generator()).numpy(), ag.randn(3, generator=ag.Generator()).numpy())


def test_seed_with_numpy_stream():
    """A generator seeded with s draws numpy.random.default_rng(s)'s stream."""
    want = np.random.default_rng(11).random(5).astype(np.float32)
    assert np.array_equal(ag.rand(5, generator=gen(11)).numpy(), want)


def test_negative_and_out_of_range_seeds():
    g = ag.Generator().manual_seed(-1)
    assert g.initial_seed() == 2**64 - 1
    with pytest.raises(RuntimeError, match="Overflow"):
        ag.Generator().manual_seed(2**64)
    with pytest.raises(RuntimeError, match="Overflow"):
        ag.manual_seed(-2**63 - 1)


def test_nondeterministic_seed():
    g = ag.Generator()
    s = g.seed()
    assert isinstance(s, int) and 0 <= s < 2**64 and g.initial_seed() == s
    assert ag.Generator().seed() != s  # 1 in 2**64 to fail
    a = ag.rand(3, generator=g).numpy()
    assert np.array_equal(ag.rand(3, generator=gen(s)).numpy(), a)


def test_state_round_trip_exact():
    g = gen(3)
    ag.rand(7, generator=g)
    ag.randint(0, 10**12, (3,), generator=g)
    g._rng.integers(0, 5, dtype=np.int32)  # leaves a buffered 32-bit half in the state
    state = g.get_state()
    assert state.dtype == ag.uint8 and state.shape == (48,)
    after = [ag.rand(5, generator=g).numpy(), ag.randint(0, 7, (9,), generator=g).numpy(),
             g._rng.integers(0, 5, size=3, dtype=np.int32)]
    g2 = ag.Generator().set_state(state)
    assert g2.initial_seed() == 3
    again = [ag.rand(5, generator=g2).numpy(), ag.randint(0, 7, (9,), generator=g2).numpy(),
             g2._rng.integers(0, 5, size=3, dtype=np.int32)]
    for x, y in zip(after, again):
        assert np.array_equal(x, y)
    assert np.array_equal(g2.get_state().numpy(), g.get_state().numpy())
    g.set_state(state)  # back in time on the same generator
    assert np.array_equal(ag.rand(5, generator=g).numpy(), after[0])


def test_set_state_errors():
    g = ag.Generator()
    with pytest.raises(TypeError, match="ByteTensor"):
        g.set_state(ag.zeros(48))
    with pytest.raises(RuntimeError, match="48"):
        g.set_state(ag.zeros(10, dtype=ag.uint8))


def test_generator_is_independent_of_the_global_seed():
    ag.manual_seed(0)
    a = ag.rand(4, generator=gen(9)).numpy()
    ag.manual_seed(1)
    ag.rand(100)
    b = ag.rand(4, generator=gen(9)).numpy()
    assert np.array_equal(a, b)
    # drawing from a generator leaves the default stream where it was
    ag.manual_seed(2)
    x = ag.rand(3).numpy()
    ag.manual_seed(2)
    g = gen(0)
    ag.randn(50, generator=g)
    assert np.array_equal(ag.rand(3).numpy(), x)


def test_generator_device():
    assert ag.Generator(device="cpu").device.type == "cpu"
    with pytest.raises(RuntimeError, match="CPU-only"):
        ag.Generator(device="cuda")


# -- the default generator -----------------------------------------------------------

def test_module_functions_use_the_default_generator():
    g = ag.manual_seed(4)
    assert g is ag.default_generator and isinstance(g, ag.Generator)
    assert ag.initial_seed() == 4
    a = ag.randn(3).numpy()
    ag.manual_seed(4)
    assert np.array_equal(ag.randn(3).numpy(), a)
    state = ag.get_rng_state()
    x = ag.rand(6).numpy()
    ag.set_rng_state(state)
    assert np.array_equal(ag.rand(6).numpy(), x)
    s = ag.seed()
    assert ag.initial_seed() == s
    ag.manual_seed(0)


def test_fork_rng_restores_the_default_state():
    ag.manual_seed(3)
    want = ag.rand(4).numpy()
    ag.manual_seed(3)
    with ag.random.fork_rng():
        ag.randn(100)
    assert np.array_equal(ag.rand(4).numpy(), want)
    assert ag.random.manual_seed is ag.manual_seed  # torch.random is the module


def test_generator_argument_type():
    with pytest.raises(TypeError, match="Generator"):
        ag.rand(2, generator=3)
    # a numpy Generator is accepted too
    assert np.array_equal(ag.rand(3, generator=np.random.default_rng(1)).numpy(),
                          ag.rand(3, generator=gen(1)).numpy())


# -- factories --------------------------------------------------------------------------

@pytest.mark.parametrize("fn", [ag.rand, ag.randn])
def test_rand_randn_forms(fn):
    g = gen(0)
    assert fn(2, 3).shape == fn((2, 3)).shape == fn([2, 3]).shape == fn(size=(2, 3)).shape == (2, 3)
    assert fn().shape == ()
    assert fn(2, dtype=ag.float64).dtype == ag.float64 and fn(2).dtype == ag.float32
    x = fn(3, generator=g, device="cpu", requires_grad=True)
    assert x.requires_grad and x.is_leaf
    assert fn(2, device=ag.device("cpu")).shape == (2,)
    with pytest.raises(RuntimeError, match="CPU-only"):
        fn(2, device="cuda")
    with pytest.raises(RuntimeError):
        fn(2, dtype=ag.int64)
    with pytest.raises(RuntimeError, match="negative dimension"):
        fn(2, -1)


def test_randint_every_form():
    g = gen(0)
    a = ag.randint(10, (3, 4), generator=g)
    assert a.shape == (3, 4) and a.dtype == ag.int64 and 0 <= a.numpy().min() and a.numpy().max() < 10
    b = ag.randint(-5, 5, (1000,), generator=g).numpy()
    assert b.min() == -5 and b.max() == 4
    assert ag.randint(3, 6, [2]).shape == (2,)
    assert ag.randint(0, 2, size=(5,)).shape == (5,)
    assert ag.randint(5, size=(2,)).shape == (2,)
    assert ag.randint(low=2, high=4, size=(50,)).numpy().min() >= 2
    assert ag.randint(high=4, size=(3,)).shape == (3,)
    assert ag.randint(3, ag.zeros(2, 2).shape).shape == (2, 2)  # a tensor's shape as size
    assert ag.randint(0, 3, ()).shape == ()
    assert ag.randint(0, 3, (2,), dtype=ag.int32).dtype == ag.int32
    f = ag.randint(0, 3, (4,), dtype=ag.float32, requires_grad=True)
    assert f.dtype == ag.float32 and f.requires_grad
    assert ag.randint(0, 3, (2,), device="cpu").shape == (2,)
    # same generator seed, same numbers, in both forms
    assert np.array_equal(ag.randint(10, (6,), generator=gen(2)).numpy(),
                          ag.randint(0, 10, (6,), generator=gen(2)).numpy())


def test_randint_errors():
    with pytest.raises(RuntimeError, match="floating point"):
        ag.randint(0, 3, (2,), requires_grad=True)
    with pytest.raises(RuntimeError, match="from"):
        ag.randint(5, 5, (2,))
    with pytest.raises(RuntimeError, match="from"):
        ag.randint(0, (2,))
    with pytest.raises(TypeError):
        ag.randint(10)
    with pytest.raises(TypeError):
        ag.randint(0, 10)  # size must be a tuple
    with pytest.raises(RuntimeError, match="within"):
        ag.randint(0, 300, (2,), dtype=ag.uint8)
    with pytest.raises(RuntimeError, match="CPU-only"):
        ag.randint(0, 3, (2,), device="cuda:0")


def test_randint_like_and_other_likes():
    x = ag.zeros(2, 3, dtype=ag.int32)
    a = ag.randint_like(x, 5)
    assert a.shape == (2, 3) and a.dtype == ag.int32 and a.numpy().max() < 5
    b = ag.randint_like(x, 5, 7, generator=gen(0)).numpy()
    assert set(np.unique(b)) <= {5, 6}
    assert ag.randint_like(ag.zeros(4), 3).dtype == ag.float32
    f = ag.zeros(3, dtype=ag.float64)
    assert ag.rand_like(f).dtype == ag.float64 and ag.randn_like(f, dtype=ag.float32).dtype == ag.float32
    assert ag.randn_like(f, requires_grad=True).requires_grad
    assert np.array_equal(ag.rand_like(f, generator=gen(1)).numpy(), ag.rand(3, dtype=ag.float64,
                                                                              generator=gen(1)).numpy())
    with pytest.raises(RuntimeError):
        ag.rand_like(x)  # an integer tensor has no uniform floats


def test_randperm():
    p = ag.randperm(10, generator=gen(0))
    assert p.dtype == ag.int64 and sorted(p.numpy().tolist()) == list(range(10))
    assert np.array_equal(p.numpy(), ag.randperm(10, generator=gen(0)).numpy())
    assert ag.randperm(0).shape == (0,)
    assert ag.randperm(4, dtype=ag.float32, requires_grad=True).requires_grad
    with pytest.raises(RuntimeError, match="non-negative"):
        ag.randperm(-1)
    with pytest.raises(RuntimeError, match="floating point"):
        ag.randperm(3, requires_grad=True)


# -- distributions ------------------------------------------------------------------------

def test_rand_randn_moments():
    u = ag.rand(200_000, generator=gen(0)).numpy()
    assert 0 <= u.min() and u.max() < 1 and abs(u.mean() - 0.5) < 0.005 and abs(u.var() - 1 / 12) < 0.002
    z = ag.randn(200_000, generator=gen(1)).numpy()
    assert abs(z.mean()) < 0.01 and abs(z.std() - 1) < 0.01


def test_normal_forms():
    g = gen(0)
    a = ag.normal(ag.full((100_000,), 3.0), ag.full((100_000,), 2.0), generator=g).numpy()
    assert abs(a.mean() - 3) < 0.03 and abs(a.std() - 2) < 0.03
    b = ag.normal(ag.zeros(2, 1), ag.ones(3), generator=g)  # broadcast
    assert b.shape == (2, 3)
    c = ag.normal(ag.full((50_000,), -1.0), generator=g).numpy()  # std=1.0
    assert abs(c.mean() + 1) < 0.03 and abs(c.std() - 1) < 0.03
    d = ag.normal(5.0, ag.full((50_000,), 0.5), generator=g).numpy()
    assert abs(d.mean() - 5) < 0.02 and abs(d.std() - 0.5) < 0.02
    e = ag.normal(2, 3, size=(2, 5), generator=g)
    assert e.shape == (2, 5) and e.dtype == ag.float32
    assert ag.normal(2.0, 3.0, (4,), dtype=ag.float64, requires_grad=True).requires_grad
    assert ag.normal(0.0, 1.0, (3,), generator=gen(4)).numpy().tolist() == \
        ag.normal(0.0, 1.0, (3,), generator=gen(4)).numpy().tolist()
    assert ag.normal(ag.zeros(3, dtype=ag.float64), 1.0).dtype == ag.float64


def test_normal_errors():
    with pytest.raises(RuntimeError, match="std"):
        ag.normal(ag.zeros(3), ag.tensor([1.0, -1.0, 1.0]))
    with pytest.raises(RuntimeError, match="std"):
        ag.normal(0.0, -1.0, (2,))
    with pytest.raises(TypeError):
        ag.normal(0.0, 1.0)  # floats need a size
    with pytest.raises(TypeError):
        ag.normal(ag.zeros(2), 1.0, (2,))


def test_bernoulli():
    p = ag.tensor([0.0, 1.0, 0.25])
    assert ag.bernoulli(p, generator=gen(0)).dtype == ag.float32
    g = gen(1)
    many = ag.bernoulli(ag.full((100_000,), 0.3), generator=g).numpy()
    assert set(np.unique(many)) == {0.0, 1.0} and abs(many.mean() - 0.3) < 0.01
    fixed = ag.bernoulli(ag.zeros(100_000), 0.7, generator=g).numpy()
    assert abs(fixed.mean() - 0.7) < 0.01
    x = ag.bernoulli(p, generator=gen(0)).numpy()
    assert x[0] == 0 and x[1] == 1
    assert np.array_equal(ag.bernoulli(p, generator=gen(5)).numpy(), p.bernoulli(generator=gen(5)).numpy())
    assert ag.zeros(4, dtype=ag.float64).bernoulli(0.5).dtype == ag.float64
    with pytest.raises(RuntimeError, match="p_in"):
        ag.bernoulli(ag.tensor([1.5]))


def test_multinomial_with_replacement_frequencies():
    probs = ag.tensor([0.1, 0.0, 0.6, 0.3])
    s = ag.multinomial(probs, 100_000, replacement=True, generator=gen(0)).numpy()
    assert s.dtype == np.int64 and s.shape == (100_000,)
    freq = np.bincount(s, minlength=4) / s.size
    assert freq[1] == 0 and np.allclose(freq, [0.1, 0.0, 0.6, 0.3], atol=0.01)
    # unnormalised weights, 2-D: one distribution per row
    w = ag.tensor([[1.0, 3.0], [5.0, 0.0]])
    s2 = ag.multinomial(w, 20_000, True, generator=gen(1)).numpy()
    assert s2.shape == (2, 20_000) and abs(s2[0].mean() - 0.75) < 0.015 and (s2[1] == 0).all()


def test_multinomial_without_replacement():
    w = ag.tensor([1.0, 0.0, 2.0, 3.0, 4.0])
    for seed in range(20):
        s = ag.multinomial(w, 4, generator=gen(seed)).numpy()
        assert sorted(s.tolist()) == [0, 2, 3, 4]  # every non-zero category once
    # the first draw follows the weights
    first = np.array([ag.multinomial(w, 1, generator=gen(s)).item() for s in range(4000)])
    freq = np.bincount(first, minlength=5) / first.size
    assert np.allclose(freq, np.array([1, 0, 2, 3, 4]) / 10, atol=0.03)
    rows = ag.multinomial(ag.ones(3, 6), 6, generator=gen(0)).numpy()
    assert rows.shape == (3, 6) and all(sorted(r) == list(range(6)) for r in rows.tolist())
    assert np.array_equal(ag.multinomial(w, 3, generator=gen(7)).numpy(),
                          w.multinomial(3, generator=gen(7)).numpy())


def test_multinomial_errors():
    with pytest.raises(RuntimeError, match="not enough non-negative category"):
        ag.multinomial(ag.tensor([1.0, 0.0, 1.0]), 3)
    with pytest.raises(RuntimeError, match="without replacement"):
        ag.multinomial(ag.tensor([1.0, 1.0]), 3)
    with pytest.raises(RuntimeError, match="1 or 2 dim"):
        ag.multinomial(ag.ones(2, 2, 2), 1)
    with pytest.raises(RuntimeError, match="n_sample <= 0"):
        ag.multinomial(ag.ones(3), 0)
    with pytest.raises(RuntimeError, match="element < 0"):
        ag.multinomial(ag.tensor([1.0, -1.0]), 1)
    with pytest.raises(RuntimeError, match="sum of probabilities"):
        ag.multinomial(ag.zeros(3), 1, True)
    with pytest.raises(RuntimeError, match="floating-point"):
        ag.multinomial(ag.tensor([1, 2]), 1)


# -- in-place fills -----------------------------------------------------------------------

def test_uniform_normal_in_place():
    x = ag.empty(100_000)
    assert x.uniform_(-2, 4, generator=gen(0)) is x
    v = x.numpy()
    assert v.min() >= -2 and v.max() < 4 and abs(v.mean() - 1) < 0.03
    x.normal_(1.0, 3.0, generator=gen(0))
    assert abs(x.numpy().mean() - 1) < 0.05 and abs(x.numpy().std() - 3) < 0.05
    y = ag.empty(5)
    assert np.array_equal(y.uniform_(generator=gen(3)).numpy(), ag.rand(5, generator=gen(3)).numpy())
    assert np.array_equal(y.normal_(generator=gen(3)).numpy(), ag.randn(5, generator=gen(3)).numpy())
    with pytest.raises(RuntimeError, match="from"):
        y.uniform_(2, 1)


def test_fills_bump_version_and_respect_autograd():
    x = ag.zeros(3)
    v = x._version
    x.exponential_()
    assert x._version > v
    w = ag.zeros(3, requires_grad=True)
    for fill in (w.uniform_, w.normal_, w.random_, w.bernoulli_, w.exponential_):
        with pytest.raises(RuntimeError, match="leaf"):
            fill()
    with ag.no_grad():
        w.uniform_()
    assert w.requires_grad and (w.detach().numpy() != 0).any()
    # on a non-leaf: the fill replaces the values, the gradient to the old ones is 0
    a = ag.ones(3, requires_grad=True)
    b = a * 2
    b.normal_()
    (b * 1).sum().backward()
    assert np.array_equal(a.grad.numpy(), np.zeros(3))


def test_random_in_place():
    x = ag.empty(1000)
    x.random_(generator=gen(0))
    v = x.numpy()
    assert (v == np.round(v)).all() and v.min() >= 0 and v.max() <= 2**24
    x.random_(5, generator=gen(0))
    assert set(np.unique(x.numpy())) == {0, 1, 2, 3, 4}
    x.random_(-3, 0)
    assert set(np.unique(x.numpy())) == {-3, -2, -1}
    i = ag.zeros(1000, dtype=ag.uint8).random_()
    assert i.dtype == ag.uint8 and i.numpy().max() > 200
    b = ag.zeros(100, dtype=ag.bool).random_()
    assert set(np.unique(b.numpy())) == {False, True}
    assert ag.zeros(2, dtype=ag.int64).random_(to=10).numpy().max() < 10
    with pytest.raises(RuntimeError, match="from"):
        x.random_(3, 3)
    with pytest.raises(RuntimeError, match="within"):
        ag.zeros(2, dtype=ag.uint8).random_(0, 1000)


def test_bernoulli_exponential_and_others_in_place():
    x = ag.empty(100_000)
    x.bernoulli_(0.2, generator=gen(0))
    assert set(np.unique(x.numpy())) == {0.0, 1.0} and abs(x.numpy().mean() - 0.2) < 0.01
    x.bernoulli_(generator=gen(1))
    assert abs(x.numpy().mean() - 0.5) < 0.01
    p = ag.tensor([0.0, 1.0])
    assert ag.empty(4, 2).bernoulli_(p).numpy().tolist() == [[0, 1]] * 4
    x.exponential_(2.0, generator=gen(0))
    assert x.numpy().min() >= 0 and abs(x.numpy().mean() - 0.5) < 0.01
    x.geometric_(0.25, generator=gen(0))
    assert x.numpy().min() >= 1 and abs(x.numpy().mean() - 4) < 0.1
    x.log_normal_(0.0, 0.5, generator=gen(0))
    assert abs(np.log(x.numpy()).std() - 0.5) < 0.01
    x.cauchy_(generator=gen(0))
    assert abs(np.median(x.numpy())) < 0.02
    with pytest.raises(RuntimeError, match="lambda"):
        x.exponential_(0)
    with pytest.raises(RuntimeError, match="p_in"):
        x.bernoulli_(2.0)


def test_init_draws_through_the_tensor_methods():
    import nn.init as init

    w = ag.zeros(3, 4, requires_grad=True)
    init.uniform_(w, -1, 1, generator=gen(0))
    want = ag.empty(3, 4).uniform_(-1, 1, generator=gen(0)).numpy()
    assert np.array_equal(w.detach().numpy(), want) and w.requires_grad
    init.kaiming_uniform_(w, generator=gen(1))
    w2 = ag.zeros(3, 4)
    init.kaiming_uniform_(w2, generator=gen(1))
    assert np.array_equal(w.detach().numpy(), w2.numpy())
    init.orthogonal_(w2, generator=gen(2))
    init.trunc_normal_(w2, generator=gen(2))
