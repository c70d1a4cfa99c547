"""Tests of Bilinear, EmbeddingBag, CosineSimilarity, PairwiseDistance,
Unflatten, Identity and the dict/list containers' PyTorch methods against
numpy references written from the equations (float64), with gradcheck,
gradgradcheck, PyTorch's parameter names, shapes, initialisation bounds,
reprs and errors."""
import math

import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F
from tests.helpers import check, check_jvp, leaf


def test_bilinear_matches_the_equation_and_pytorchs_parameters():
    m = nn.Bilinear(4, 3, 5, dtype=ag.float64)
    assert list(m.state_dict()) == ["weight", "bias"]
    assert m.weight.shape == (5, 4, 3) and m.bias.shape == (5,)
    bound = 1 / math.sqrt(4)  # U(-1/sqrt(in1), 1/sqrt(in1)) for weight and bias
    assert np.abs(m.weight._data).max() <= bound and np.abs(m.bias._data).max() <= bound
    assert np.abs(m.weight._data).max() > 0.8 * bound
    rng = np.random.default_rng(0)
    x1, x2 = rng.standard_normal((2, 6, 4)), rng.standard_normal((2, 6, 3))
    expected = np.einsum("...i,kij,...j->...k", x1, m.weight._data, x2) + m.bias._data
    np.testing.assert_allclose(m(ag.tensor(x1), ag.tensor(x2))._data, expected, rtol=1e-12)
    assert m(ag.tensor(x1[0, 0]), ag.tensor(x2[0, 0])).shape == (5,)  # unbatched
    assert repr(m) == "Bilinear(in1_features=4, in2_features=3, out_features=5, bias=True)"
    assert list(nn.Bilinear(2, 2, 2, bias=False).state_dict()) == ["weight"]
    with pytest.raises(RuntimeError, match="bilinear"):
        m(ag.zeros(6, 3, dtype=ag.float64), ag.zeros(6, 3, dtype=ag.float64))


def test_bilinear_gradients():
    check(F.bilinear, leaf(2, 3), leaf(2, 2, seed=1), leaf(4, 3, 2, seed=2), leaf(4, seed=3))
    check_jvp(F.bilinear, leaf(2, 3), leaf(2, 2, seed=1), leaf(4, 3, 2, seed=2), leaf(4, seed=3))


def _bag_ref(w, bags, mode, psw=None):
    out = np.zeros((len(bags), w.shape[1]))
    for b, items in enumerate(bags):
        if not items:
            continue
        rows = np.array([w[i] * (1.0 if psw is None else psw[j]) for j, i in items])
        out[b] = rows.sum(0) if mode == "sum" else rows.mean(0) if mode == "mean" else rows.max(0)
    return out


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("padding_idx", [None, 0])
def test_embedding_bag_with_offsets(mode, padding_idx):
    rng = np.random.default_rng(0)
    w = rng.standard_normal((10, 3))
    idx = np.array([1, 2, 0, 4, 5, 0, 7, 7])
    offsets = np.array([0, 2, 2, 5])  # the second bag is empty
    bags = [[(j, idx[j]) for j in range(s, e) if idx[j] != padding_idx]
            for s, e in zip(offsets, list(offsets[1:]) + [len(idx)])]
    got = F.embedding_bag(ag.tensor(idx), ag.tensor(w), ag.tensor(offsets), mode=mode, padding_idx=padding_idx)
    np.testing.assert_allclose(got._data, _bag_ref(w, bags, mode), rtol=1e-12)
    csr = F.embedding_bag(ag.tensor(idx), ag.tensor(w), ag.tensor(np.append(offsets, len(idx))), mode=mode,
                          padding_idx=padding_idx, include_last_offset=True)
    np.testing.assert_allclose(csr._data, got._data, rtol=1e-12)
    check(lambda wt: F.embedding_bag(ag.tensor(idx), wt, ag.tensor(offsets), mode=mode, padding_idx=padding_idx),
          ag.tensor(w, requires_grad=True), second=mode != "max")


def test_embedding_bag_2d_input_and_per_sample_weights():
    rng = np.random.default_rng(1)
    w = rng.standard_normal((6, 4))
    idx = rng.integers(0, 6, (3, 5))
    bags = [[(j, i) for j, i in enumerate(row)] for row in idx]
    for mode in ("sum", "mean", "max"):
        got = F.embedding_bag(ag.tensor(idx), ag.tensor(w), mode=mode)
        np.testing.assert_allclose(got._data, _bag_ref(w, bags, mode), rtol=1e-12)
    psw = rng.standard_normal(idx.size)
    flat_bags = [[(b * 5 + j, i) for j, i in enumerate(row)] for b, row in enumerate(idx)]
    got = F.embedding_bag(ag.tensor(idx.reshape(-1)), ag.tensor(w), ag.tensor(np.array([0, 5, 10])), mode="sum",
                          per_sample_weights=ag.tensor(psw))
    np.testing.assert_allclose(got._data, _bag_ref(w, flat_bags, "sum", psw), rtol=1e-12)
    check(lambda wt, s: F.embedding_bag(ag.tensor(idx), wt, mode="sum", per_sample_weights=s),
          ag.tensor(w, requires_grad=True), leaf(3, 5))


def test_embedding_bag_module_and_errors():
    m = nn.EmbeddingBag(10, 3, mode="max", padding_idx=2)
    assert list(m.state_dict()) == ["weight"] and m.weight.shape == (10, 3)
    np.testing.assert_array_equal(m.weight._data[2], 0)
    assert repr(m) == "EmbeddingBag(10, 3, mode='max', padding_idx=2)"
    assert repr(nn.EmbeddingBag(5, 2)) == "EmbeddingBag(5, 2, mode='mean')"
    assert m(ag.tensor([1, 3, 4]), ag.tensor([0, 1])).shape == (2, 3)
    big = nn.EmbeddingBag(4, 3, max_norm=1.0, mode="sum")
    big.weight._data[...] = 3.0
    big(ag.tensor([0, 2]), ag.tensor([0]))  # rows looked up are renormalised in place to norm <= 1
    np.testing.assert_allclose(np.linalg.norm(big.weight._data[[0, 2]], axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(big.weight._data[[1, 3]], 3.0)
    pre = nn.EmbeddingBag.from_pretrained(ag.ones(4, 2), mode="sum")
    assert not pre.weight.requires_grad
    np.testing.assert_array_equal(pre(ag.tensor([[0, 1, 2]]))._data, [[3, 3]])
    idx, w = ag.tensor([1, 2, 3]), ag.randn(5, 2)
    with pytest.raises(ValueError, match="offsets has to be a 1D Tensor but got None"):
        F.embedding_bag(idx, w)
    with pytest.raises(RuntimeError, match="offsets\\[0\\] has to be 0"):
        F.embedding_bag(idx, w, ag.tensor([1, 2]))
    with pytest.raises(NotImplementedError, match="only supported for mode='sum'"):
        F.embedding_bag(idx, w, ag.tensor([0]), per_sample_weights=ag.ones(3))
    with pytest.raises(ValueError, match="offsets has to be None"):
        F.embedding_bag(ag.tensor([[1, 2]]), w, ag.tensor([0]))
    with pytest.raises(IndexError, match="found idx to be 7"):
        F.embedding_bag(ag.tensor([1, 7]), w, ag.tensor([0]))
    with pytest.raises(ValueError, match="mode has to be one of sum, mean or max"):
        nn.EmbeddingBag(3, 2, mode="min")


def test_cosine_similarity():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    expected = (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    np.testing.assert_allclose(nn.CosineSimilarity()(ag.tensor(a), ag.tensor(b))._data, expected, rtol=1e-12)
    got = F.cosine_similarity(ag.tensor(a[:, None, :]), ag.tensor(b[None]), dim=-1)  # broadcast: all pairs
    assert got.shape == (3, 3)
    np.testing.assert_allclose(np.diag(got._data), expected, rtol=1e-12)
    # each norm is clamped at eps on its own: (a / eps) · (b / ‖b‖)
    small = np.array([[1e-5, 0.0]])
    got = F.cosine_similarity(ag.tensor(small), ag.tensor([[1e-2, 0.0]], dtype=ag.float64), eps=1e-4)
    np.testing.assert_allclose(got._data, [0.1], rtol=1e-12)
    check(lambda x, y: F.cosine_similarity(x, y, dim=0), leaf(3, 2), leaf(3, 2, seed=1))
    check_jvp(lambda x, y: F.cosine_similarity(x, y), leaf(2, 3), leaf(2, 3, seed=1))
    assert repr(nn.CosineSimilarity()) == "CosineSimilarity()" and nn.CosineSimilarity().eps == 1e-8
    assert F.cosine_similarity is ag.cosine_similarity and F.pairwise_distance is ag.pairwise_distance


@pytest.mark.parametrize("p", [1.0, 2.0, 3.0, math.inf])
def test_pairwise_distance(p):
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    d = np.abs(a - b + 1e-6)
    expected = d.max(1) if p == math.inf else (d ** p).sum(1) ** (1 / p)
    m = nn.PairwiseDistance(p=p)
    np.testing.assert_allclose(m(ag.tensor(a), ag.tensor(b))._data, expected, rtol=1e-12)
    assert F.pairwise_distance(ag.tensor(a), ag.tensor(b[0]), p, keepdim=True).shape == (4, 1)
    assert F.pairwise_distance(ag.tensor(a[0]), ag.tensor(b[0]), p).shape == ()
    if p != math.inf:
        check(lambda x, y: F.pairwise_distance(x, y, p), leaf(3, 2), leaf(3, 2, seed=1))
    assert (m.norm, m.eps, m.keepdim) == (p, 1e-6, False)


def test_unflatten_and_identity():
    x = ag.randn(3, 6)
    assert nn.Unflatten(1, (2, -1))(x).shape == (3, 2, 3)
    assert repr(nn.Unflatten(1, (2, 3))) == "Unflatten(dim=1, unflattened_size=(2, 3))"
    with pytest.raises(TypeError, match="tuple of ints"):
        nn.Unflatten(1, 6)
    with pytest.raises(TypeError, match="element of type float at pos 0"):
        nn.Unflatten(1, (2.0, 3))
    ident = nn.Identity(54, unused_argument=0.1)
    assert ident(x) is x and repr(ident) == "Identity()" and list(ident.state_dict()) == []


def test_container_methods_as_in_pytorch():
    d = nn.ParameterDict({"a": ag.ones(2), "b": ag.zeros(3)})
    assert isinstance(d["a"], nn.Parameter) and list(d.state_dict()) == ["a", "b"]
    assert d.get("z") is None and d.get("a") is d["a"]
    assert d.setdefault("c", ag.ones(1)) is d["c"] and list(reversed(d)) == ["c", "b", "a"]
    key, p = d.popitem()
    assert key == "c" and p.shape == (1,) and "c" not in d
    assert d.pop("a").shape == (2,) and list(d) == ["b"]
    merged = d | {"q": ag.ones(1)}
    assert list(merged) == ["b", "q"] and list(d) == ["b"] and merged["b"] is d["b"]
    d |= {"r": ag.ones(2)}
    assert list(d) == ["b", "r"] and len(d.copy()) == 2
    assert list(nn.ParameterDict.fromkeys(["x", "y"], ag.ones(1))) == ["x", "y"]
    d.clear()
    assert len(d) == 0
    plist = nn.ParameterList([ag.ones(1)])
    plist += [ag.ones(2)]
    assert list(plist.state_dict()) == ["0", "1"]
    md = nn.ModuleDict({"fc": nn.Linear(2, 2)})
    md.update([("act", nn.ReLU())])
    assert list(md.keys()) == ["fc", "act"] and "act" in md and len(md) == 2
    assert list(md.state_dict()) == ["fc.weight", "fc.bias"]
    assert isinstance(md.pop("act"), nn.ReLU) and list(md) == ["fc"]
    seq = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
    twice = seq * 2
    assert len(twice) == 4 and twice[2] is seq[0]
    seq += nn.Sequential(nn.Tanh())
    assert len(seq) == 3 and isinstance(seq[2], nn.Tanh)
    with pytest.raises(ValueError, match="only objects of Sequential"):
        seq += nn.Tanh()


def test_pytorch_style_bag_of_words_classifier_and_triplet_embedding_train():
    """Written as in PyTorch (only the imports differ): an EmbeddingBag text
    classifier with LayerNorm and dropout, and a triplet-loss embedding."""
    import autograd_core as torch

    tnn, optim = torch.nn, torch.optim
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    vocab, n = 50, 64
    labels = rng.integers(0, 2, n)
    words = [rng.integers(0, 25, rng.integers(3, 9)) + 25 * y for y in labels]  # class y draws from its half
    text = torch.tensor(np.concatenate(words))
    offsets = torch.tensor(np.cumsum([0] + [len(w) for w in words[:-1]]))
    target = torch.tensor(labels)

    class TextClassifier(tnn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = tnn.EmbeddingBag(vocab, 16, mode="mean")
            self.norm = tnn.LayerNorm(16)
            self.drop = tnn.Dropout(0.1)
            self.fc = tnn.Linear(16, 2)

        def forward(self, text, offsets):
            return self.fc(self.drop(self.norm(self.embedding(text, offsets))))

    model = TextClassifier()
    opt = optim.Adam(model.parameters(), lr=0.05)
    loss_fn = tnn.CrossEntropyLoss()
    for _ in range(30):
        opt.zero_grad()
        loss = loss_fn(model(text, offsets), target)
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        accuracy = (model(text, offsets).argmax(1) == target).float().mean().item()
    assert accuracy > 0.95 and loss.item() < 0.3

    net = tnn.Sequential(tnn.Linear(4, 8), tnn.ReLU(), tnn.Linear(8, 2))
    centres = rng.standard_normal((3, 4)) * 3
    points = lambda c: torch.tensor(centres[c] + 0.3 * rng.standard_normal((len(c), 4)), dtype=torch.float32)  # noqa: E731
    criterion = tnn.TripletMarginLoss(margin=1.0)
    opt = optim.SGD(net.parameters(), lr=0.05)
    first = None
    for _ in range(60):
        c = rng.integers(0, 3, 32)
        loss = criterion(net(points(c)), net(points(c)), net(points((c + rng.integers(1, 3, 32)) % 3)))
        first = loss.item() if first is None else first
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 0.3 * first
