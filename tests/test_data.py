"""The digits task, the pixel-permutation control and INAL on a data set."""

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits

import inal_tutorial as it


@pytest.fixture(scope="module")
def task():
    return it.load_digits_task(dtype=torch.float64)


def test_shapes_labels_and_balance(task):
    counts = np.bincount(load_digits().target, minlength=10)
    per_label = min(counts[list(task.positive)].sum(), counts[list(task.negative)].sum())
    n_test = round(0.25 * per_label)
    assert task.x_train.shape == (2 * (per_label - n_test), 64)
    assert task.x_test.shape == (2 * n_test, 64)
    assert task.x_train.dtype == torch.float64
    for y, digits in ((task.y_train, task.digits_train), (task.y_test, task.digits_test)):
        assert set(y.tolist()) == {-1.0, 1.0}
        assert y.sum().item() == 0  # exactly balanced
        is_positive = torch.isin(digits, torch.tensor(task.positive))
        assert torch.equal(y, torch.where(is_positive, 1.0, -1.0).double())
    assert task.positive == (0, 2, 4, 6, 8) and task.negative == (1, 3, 5, 7, 9)
    assert task.n_features == 64 and task.image_shape == (8, 8)


def test_standardization_and_raw_images(task):
    mean = task.x_train.mean(0)
    std = task.x_train.std(0, correction=0)
    constant = task.pixel_std == 0
    assert constant.any()  # some corner pixels are blank in every training image
    assert torch.allclose(mean, torch.zeros(64, dtype=torch.float64), atol=1e-12)
    assert torch.allclose(std[~constant], torch.ones(int((~constant).sum()), dtype=torch.float64))
    assert (task.x_train[:, constant] == 0).all() and (task.x_test[:, constant] == 0).all()
    # Undoing the standardization gives back rows of the original data set.
    raw = task.images("train", raw=True).reshape(-1, 64).numpy()
    originals = {tuple(row) for row in load_digits().data}
    assert all(tuple(np.round(row, 9)) in originals for row in raw[:50])
    # Train and test share no image (the 1797 images of the data set are all distinct).
    assert len(originals) == 1797
    test_raw = {tuple(np.round(r, 9)) for r in task.images("test", raw=True).reshape(-1, 64).numpy()}
    train_raw = {tuple(np.round(r, 9)) for r in raw}
    assert len(train_raw) == len(raw) and not train_raw & test_raw


def test_split_is_reproducible_and_seeded():
    a = it.load_digits_task(seed=3)
    b = it.load_digits_task(seed=3)
    c = it.load_digits_task(seed=4)
    assert torch.equal(a.x_train, b.x_train) and torch.equal(a.y_test, b.y_test)
    assert not torch.equal(a.x_train, c.x_train)


def test_other_digit_groups():
    t = it.load_digits_task([3], [8], test_fraction=0.5)
    assert set(t.digits_train.tolist()) == {3, 8}
    assert t.y_train.sum().item() == 0 and t.y_test.sum().item() == 0
    assert t.name == "{3} vs {8}"


def test_permutation_control_is_a_permutation(task):
    permuted = task.permuted(seed=1)
    perm = permuted.permutation
    assert perm.dtype == torch.long
    assert torch.equal(torch.sort(perm).values, torch.arange(64))
    assert not torch.equal(perm, torch.arange(64))
    assert torch.equal(permuted.x_train, task.x_train[:, perm])
    assert torch.equal(permuted.x_test, task.x_test[:, perm])
    assert torch.equal(permuted.y_train, task.y_train)
    assert torch.equal(permuted.images("test", raw=True).reshape(-1, 64),
                       task.images("test", raw=True).reshape(-1, 64)[:, perm])
    assert "permuted" in permuted.name
    # The same seed gives the same permutation; a second permutation composes.
    assert torch.equal(task.permuted(seed=1).permutation, perm)
    twice = permuted.permuted(seed=2)
    assert torch.equal(twice.x_train, task.x_train[:, twice.permutation])
    explicit = task.permuted(torch.arange(63, -1, -1))
    assert torch.equal(explicit.x_train, task.x_train.flip(1))


def test_permute_first_layer_computes_the_same_function():
    net = it.MLPEnsemble(10, (7, 5), n_models=3, seed=2, dtype=torch.float64)
    perm = it.random_pixel_permutation(10, seed=5)
    twin = it.permute_first_layer(net, perm)
    x = torch.randn(20, 10, dtype=torch.float64)
    torch.testing.assert_close(twin(x[:, perm]), net(x), rtol=1e-12, atol=1e-12)
    assert not torch.equal(twin.weights[0], net.weights[0])  # a copy, moved
    assert torch.equal(twin.weights[1], net.weights[1])
    assert twin.weights[0].data_ptr() != net.weights[0].data_ptr()


def brute_force_inal(x, y, net, unbiased=False):
    """Layer averages of the mean over initializations of <y, NN_v>^2, with explicit loops."""
    n = len(y)
    per_layer = []
    with torch.no_grad():
        outputs = net.neuron_outputs(x)
    for out in outputs:  # (M, N, units)
        m_models, _, units = out.shape
        total = 0.0
        for m in range(m_models):
            for v in range(units):
                a = [float(y[i] * out[m, i, v]) for i in range(n)]
                if unbiased:
                    value = sum(a[i] * a[j] for i in range(n) for j in range(n) if i != j)
                    total += value / (n * (n - 1))
                else:
                    total += (sum(a) / n) ** 2
        per_layer.append(total / (m_models * units))
    return np.array(per_layer)


@pytest.mark.parametrize("estimator", ["empirical", "unbiased"])
@pytest.mark.parametrize("kind", ["mlp", "cnn"])
def test_inal_on_data_matches_brute_force(estimator, kind):
    gen = torch.Generator().manual_seed(0)
    if kind == "mlp":
        x = torch.randn(7, 3, generator=gen, dtype=torch.float64)
        net = it.MLPEnsemble(3, (4, 2), n_models=3, seed=1, dtype=torch.float64)
    else:
        x = torch.randn(6, 16, generator=gen, dtype=torch.float64)
        net = it.CNNEnsemble((4, 4), (2,), (3,), n_models=3, seed=1, dtype=torch.float64)
    y = torch.tensor([1.0, -1, -1, 1, 1, -1, 1][: x.shape[0]], dtype=torch.float64)
    result = it.estimate_inal_on_data(x, y, net, estimator=estimator, chunk_size=4)
    expected = brute_force_inal(x, y, net, unbiased=estimator == "unbiased")
    np.testing.assert_allclose(result.per_layer, expected, rtol=1e-10, atol=1e-14)
    assert result.value == pytest.approx(expected.max(), rel=1e-10)
    assert result.layer == int(np.argmax(expected))
    assert result.n_samples == x.shape[0] and result.n_init == 3
    assert result.per_init.shape == (3, len(expected))


def test_inal_on_the_whole_cube_is_the_exact_inal():
    target = it.Majority(7)
    net = it.MLPEnsemble(7, (16, 8), n_models=5, seed=0, dtype=torch.float64)
    x = it.all_inputs(7, dtype=torch.float64)
    on_data = it.estimate_inal_on_data(x, it.truth_table(target), net)
    exact = it.estimate_inal(target, net)
    np.testing.assert_allclose(on_data.per_layer, exact.per_layer, rtol=1e-12)
    np.testing.assert_allclose(on_data.per_layer_stderr, exact.per_layer_stderr, rtol=1e-9)
    assert on_data.max_neuron == pytest.approx(exact.max_neuron, rel=1e-12)


def test_many_label_vectors_at_once():
    x = it.all_inputs(6, dtype=torch.float64)
    targets = [it.Parity(6, k=2), it.Majority(6), it.Staircase(6, 3)]
    tables = torch.stack([it.truth_table(t) for t in targets], dim=1)
    net = it.MLPEnsemble(6, (12,), n_models=4, seed=3, dtype=torch.float64)
    many = it.estimate_inal_many(x, tables, net, chunk_size=10)
    assert len(many) == 3
    for t, result in zip(targets, many, strict=True):
        single = it.estimate_inal(t, net)
        np.testing.assert_allclose(result.per_layer, single.per_layer, rtol=1e-12)
    unbiased = it.estimate_inal_many(x, tables, net, estimator="unbiased")
    for j, result in enumerate(unbiased):
        one = it.estimate_inal_on_data(x, tables[:, j], net, estimator="unbiased")
        np.testing.assert_allclose(result.per_layer, one.per_layer, rtol=1e-12)
    # The unbiased value is below the empirical one by Var(yg)/N on average: here smaller.
    assert all(u.value < e.value for u, e in zip(unbiased, many, strict=True))


def test_data_correlations_shapes():
    x = torch.randn(9, 16)
    labels = torch.randn(9, 2)
    net = it.CNNEnsemble((4, 4), (2,), (3,), n_models=3, seed=0)
    sums, sums_sq = it.data_correlations(x, labels, net, chunk_size=4)
    assert [tuple(s.shape) for s in sums] == [(2, 3, 32), (2, 3, 3), (2, 3, 1)]
    assert all((q >= 0).all() for q in sums_sq)


@pytest.mark.parametrize("call, error, word", [
    (lambda: it.load_digits_task((0, 1), (1, 2)), ValueError, "disjoint"),
    (lambda: it.load_digits_task((0, 10), (1,)), ValueError, "positive"),
    (lambda: it.load_digits_task((), (1,)), ValueError, "positive"),
    (lambda: it.load_digits_task((0, 0), (1,)), ValueError, "repeated"),
    (lambda: it.load_digits_task("02", (1,)), TypeError, "positive"),
    (lambda: it.load_digits_task((0,), (1.5,)), TypeError, "negative"),
    (lambda: it.load_digits_task(test_fraction=0.0), ValueError, "test_fraction"),
    (lambda: it.load_digits_task(test_fraction=1.0), ValueError, "test_fraction"),
    (lambda: it.load_digits_task(test_fraction=1e-4), ValueError, "test_fraction"),
    (lambda: it.load_digits_task(dtype=torch.int64), ValueError, "dtype"),
    (lambda: it.random_pixel_permutation(0), ValueError, "size"),
])
def test_loader_bad_arguments(call, error, word):
    with pytest.raises(error, match=word):
        call()


def test_bad_arguments(task):
    net = it.MLPEnsemble(64, (8,), n_models=2)
    with pytest.raises(ValueError, match="permutation"):
        task.permuted([0, 1, 2])
    with pytest.raises(ValueError, match="permutation"):
        task.permuted(torch.zeros(64, dtype=torch.long))
    with pytest.raises(ValueError, match="permutation"):
        task.permuted(torch.arange(64.0))
    with pytest.raises(ValueError, match="split"):
        task.images("validation")
    with pytest.raises(ValueError, match="y must have shape"):
        it.estimate_inal_on_data(task.x_train, task.y_test, net)
    with pytest.raises(ValueError, match="x must have shape"):
        it.estimate_inal_on_data(task.x_train[0], task.y_train[:1], net)
    with pytest.raises(ValueError, match="n_inputs"):
        it.estimate_inal_on_data(task.x_train[:, :10], task.y_train, net)
    with pytest.raises(TypeError, match="network"):
        it.estimate_inal_on_data(task.x_train, task.y_train, torch.nn.Linear(64, 1))
    with pytest.raises(ValueError, match="n_models"):
        it.estimate_inal_on_data(task.x_train, task.y_train, it.MLPEnsemble(64, (8,)))
    with pytest.raises(ValueError, match="estimator"):
        it.estimate_inal_on_data(task.x_train, task.y_train, net, estimator="plugin")
    with pytest.raises(ValueError, match="chunk_size"):
        it.estimate_inal_on_data(task.x_train, task.y_train, net, chunk_size=0)
    with pytest.raises(ValueError, match="NaN"):
        it.estimate_inal_on_data(task.x_train, task.y_train * float("nan"), net)
    with pytest.raises(ValueError, match="labels must have shape"):
        it.estimate_inal_many(task.x_train, task.y_train, net)
    with pytest.raises(TypeError, match="network"):
        it.permute_first_layer(it.CNNEnsemble(), torch.arange(64))
    with pytest.raises(ValueError, match="permutation"):
        it.permute_first_layer(net, torch.arange(63))


def test_data_correlations_without_squares():
    x = torch.randn(9, 5, dtype=torch.float64)
    labels = torch.randn(9, 3, dtype=torch.float64)
    net = it.MLPEnsemble(5, (4,), n_models=2, seed=0, dtype=torch.float64)
    sums, sums_sq = it.data_correlations(x, labels, net, squares=False)
    full, _ = it.data_correlations(x, labels, net)
    assert sums_sq is None
    assert all(torch.equal(a, b) for a, b in zip(sums, full, strict=True))
