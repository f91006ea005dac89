"""Tests of inal_tutorial.training: exact gradients, the update rule, seeding, learning, errors."""

import copy

import numpy as np
import pytest
import torch
from torch import nn

import inal_tutorial as it
from inal_tutorial.training import LOSSES, clip_coordinates, ensemble_parameters, flat_gradient


def _net(n=6, width=8, m=3, seed=0, **kw):
    return it.MLPEnsemble(n, (width,), n_models=m, seed=seed, dtype=torch.float64, **kw)


def _flat(model):
    return flat_gradient([p.detach() for p in ensemble_parameters(model)[0]])


# ---------------------------------------------------------------------------
# Gradients
# ---------------------------------------------------------------------------


def test_population_gradient_equals_autograd_of_each_model_alone():
    n, target = 6, it.Majority(5)
    target = it.Embedded(target, 6)
    net = _net(n, m=3)
    x = it.all_inputs(n, dtype=torch.float64)
    grads, losses = it.loss_gradient(net, x, target(x), "square")
    for m in range(3):
        alone = net.member(m)
        out = alone(x)[0]
        loss = (out - target(x)).square().mean()
        expected = torch.autograd.grad(loss, list(alone.parameters()))
        for g, e in zip(grads, expected, strict=True):
            torch.testing.assert_close(g[m:m + 1], e, rtol=1e-12, atol=1e-12)
        assert float(losses[m]) == pytest.approx(float(loss.detach()), rel=1e-12)


def test_square_loss_gradient_matches_closed_form_for_two_layer_relu():
    # NN(x) = sum_j a_j relu(w_j.x + b_j); dL/da_j = E_x[2 (NN - f) relu(w_j.x + b_j)].
    n = 5
    net = _net(n, width=4, m=2)
    target = it.Parity(n, k=2)
    x = it.all_inputs(n, dtype=torch.float64)
    grads, _ = it.loss_gradient(net, x, target(x), "square")
    w, b, a = net.weights[0].detach(), net.biases[0].detach(), net.weights[1].detach()
    hidden = torch.relu(torch.einsum("mun,xn->mxu", w, x) + b[:, None, :])
    residual = hidden @ a[:, 0, :, None]
    residual = residual[..., 0] - target(x)
    da = 2 * (residual[..., None] * hidden).mean(dim=1)
    names = [name for name, _ in net.named_parameters()]
    assert names[1] == "weights.1"
    torch.testing.assert_close(grads[1][:, 0, :], da, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("loss, value, slope", [
    ("square", (0.5 - 1) ** 2, 2 * (0.5 - 1)),
    ("hinge", 0.5, -1.0),
    ("logistic", float(np.log1p(np.exp(-0.5))), -1 / (1 + np.exp(0.5))),
])
def test_losses_values_and_derivatives(loss, value, slope):
    out = torch.tensor([[0.5]], dtype=torch.float64, requires_grad=True)
    y = torch.tensor([[1.0]], dtype=torch.float64)
    v = LOSSES[loss](out, y)
    assert float(v.detach()) == pytest.approx(value, rel=1e-12)
    (g,) = torch.autograd.grad(v.sum(), out)
    assert float(g) == pytest.approx(slope, rel=1e-12)


# ---------------------------------------------------------------------------
# The update rule: GD, clipping, noise, weight decay
# ---------------------------------------------------------------------------


def _manual_gd(net, target, steps, lr, clip=None, weight_decay=0.0):
    x = it.all_inputs(target.n, dtype=torch.float64)
    params, _ = ensemble_parameters(net)
    for _ in range(steps):
        grads, _ = it.loss_gradient(net, x, target(x), "square")
        with torch.no_grad():
            for p, g in zip(params, grads, strict=True):
                g = g + weight_decay * p
                if clip is not None:
                    g = g.clamp(-clip, clip)
                p -= lr * g


def test_zero_noise_reduces_to_gradient_descent():
    target = it.Parity(6, k=2)
    net = _net()
    reference = copy.deepcopy(net)
    it.train(net, target, steps=5, lr=0.1, noise_std=0.0, progress=False)
    _manual_gd(reference, target, 5, 0.1)
    torch.testing.assert_close(_flat(net), _flat(reference), rtol=1e-12, atol=1e-12)


def test_clipping_and_weight_decay_enter_the_update_as_specified():
    target = it.Majority(5)
    target = it.Embedded(target, 6)
    net = _net()
    reference = copy.deepcopy(net)
    it.train(net, target, steps=3, lr=0.2, clip=0.01, weight_decay=0.1, progress=False)
    _manual_gd(reference, target, 3, 0.2, clip=0.01, weight_decay=0.1)
    torch.testing.assert_close(_flat(net), _flat(reference), rtol=1e-12, atol=1e-12)


def test_clipped_step_moves_each_coordinate_by_at_most_lr_times_clip():
    net = _net(width=32)
    before = _flat(net)
    it.train(net, it.Parity(6, k=1), steps=1, lr=0.5, clip=1e-3, progress=False)
    assert float((_flat(net) - before).abs().max()) <= 0.5 * 1e-3 * (1 + 1e-12)
    # With this tiny A most coordinates are clipped, so the bound is attained.
    assert float((_flat(net) - before).abs().max()) == pytest.approx(0.5e-3, rel=1e-9)


def test_clip_coordinates_is_coordinatewise_and_one_lipschitz():
    v = torch.tensor([-3.0, -0.5, 0.0, 0.2, 7.0])
    torch.testing.assert_close(clip_coordinates(v, 1.0), torch.tensor([-1.0, -0.5, 0.0, 0.2, 1.0]))
    assert clip_coordinates(v, None) is v
    gen = torch.Generator().manual_seed(1)
    a, b = 3 * torch.randn(1000, generator=gen), 3 * torch.randn(1000, generator=gen)
    assert bool(((clip_coordinates(a, 0.7) - clip_coordinates(b, 0.7)).abs()
                 <= (a - b).abs()).all())


def test_noise_is_gaussian_with_the_given_std_and_independent_per_model():
    # A clip so small that the gradient part is negligible: the step is -lr * Z.
    sigma, lr = 0.3, 1.0
    net = _net(n=10, width=64, m=2)
    before = _flat(net)
    it.train(net, it.Parity(10, k=3), steps=1, lr=lr, clip=1e-12, noise_std=sigma,
             progress=False)
    z = -(_flat(net) - before) / lr  # (M, P), P = 10*64 + 64 + 64 = 768
    assert z.shape == (2, 768)
    assert abs(float(z.mean())) < 4 * sigma / np.sqrt(z.numel())
    assert float(z.std()) == pytest.approx(sigma, rel=0.05)
    corr = float(torch.corrcoef(z)[0, 1])
    assert abs(corr) < 4 / np.sqrt(768)


def test_changing_noise_keeps_the_minibatches():
    # Data and noise come from separate generators: with a vanishing noise the SGD path
    # is recovered, which fails if noise draws shifted the batch stream.
    target = it.Parity(8, k=2)
    a, b = _net(8), _net(8)
    it.train(a, target, steps=5, lr=0.1, batch_size=16, seed=3, progress=False)
    it.train(b, target, steps=5, lr=0.1, batch_size=16, seed=3, noise_std=1e-12, progress=False)
    torch.testing.assert_close(_flat(a), _flat(b), rtol=0, atol=1e-9)


# ---------------------------------------------------------------------------
# Batched seeds equal separate runs
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("options", [
    {"batch_size": 8, "noise_std": 0.05, "clip": 0.5},            # fresh samples, noisy
    {"batch_size": 8, "train_size": 40, "loss": "hinge"},         # shuffled fixed set
    {"noise_std": 0.1, "clip": 1.0},                               # population noisy GD
])
def test_ensemble_of_m_equals_m_separate_runs(options):
    target = it.Parity(7, k=2)
    ensemble = _net(7, width=16, m=3, seed=5)
    members = [ensemble.member(m) for m in range(3)]
    history = it.train(ensemble, target, steps=12, lr=0.1, seed=11, eval_every=4,
                       progress=False, **options)
    seeds = it.training_seeds(11, 3)
    assert history.seeds == seeds
    for m, member in enumerate(members):
        alone = it.train(member, target, steps=12, lr=0.1, seed=[seeds[m]], data_seed=11,
                         eval_every=4, progress=False, **options)
        torch.testing.assert_close(_flat(member)[0], _flat(ensemble)[m], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(alone["loss"][:, 0], history["loss"][:, m], rtol=1e-9)


def test_ensemble_equals_separate_runs_on_an_array_dataset():
    gen = torch.Generator().manual_seed(0)
    X = torch.randn(50, 4, generator=gen, dtype=torch.float64)
    y = torch.where(X[:, 0] > 0, 1.0, -1.0).double()
    data = it.ArrayDataset(X, y)
    ensemble = it.MLPEnsemble(4, (8,), n_models=2, seed=1, dtype=torch.float64)
    members = [ensemble.member(m) for m in range(2)]
    it.train(ensemble, data, steps=20, lr=0.1, batch_size=7, seed=2, progress=False)
    seeds = it.training_seeds(2, 2)
    for m, member in enumerate(members):
        it.train(member, data, steps=20, lr=0.1, batch_size=7, seed=[seeds[m]], progress=False)
        torch.testing.assert_close(_flat(member)[0], _flat(ensemble)[m], rtol=1e-10, atol=1e-12)


def test_same_seed_same_run_and_models_get_different_batches():
    target = it.Parity(8, k=2)
    a, b = _net(8, m=2), _net(8, m=2)
    it.train(a, target, steps=4, lr=0.1, batch_size=4, seed=0, progress=False)
    it.train(b, target, steps=4, lr=0.1, batch_size=4, seed=0, progress=False)
    torch.testing.assert_close(_flat(a), _flat(b), rtol=0, atol=0)
    # Two identical initializations trained side by side diverge: their batches differ.
    twin = _net(8, m=1)
    pair = it.MLPEnsemble(8, (8,), n_models=2, seed=0, dtype=torch.float64)
    with torch.no_grad():
        for p, q in zip(pair.parameters(), twin.parameters(), strict=True):
            p.copy_(q.expand_as(p))
    it.train(pair, target, steps=3, lr=0.1, batch_size=4, seed=0, progress=False)
    assert float((_flat(pair)[0] - _flat(pair)[1]).abs().max()) > 1e-6


# ---------------------------------------------------------------------------
# Learning: majority is learned, a high-degree parity is not
# ---------------------------------------------------------------------------


def test_majority_is_learned_and_a_high_degree_parity_is_not():
    # n = 12 and width 32: 448 parameters cannot memorize the 4096-point truth table.
    n = 12
    kwargs = dict(steps=200, lr=0.1, noise_std=0.01, clip=1.0, seed=0, progress=False)
    maj = it.train(it.MLPEnsemble(n, (32,), n_models=4, seed=0), it.Majority(n), **kwargs)
    par = it.train(it.MLPEnsemble(n, (32,), n_models=4, seed=0), it.Parity(n, k=8), **kwargs)
    assert maj.final("accuracy").min() >= 0.95
    assert par.final("accuracy").max() <= 0.62
    assert maj.final("correlation").mean() > 0.7
    assert abs(par.final("correlation")).max() < 0.2


def test_sgd_learns_a_sparse_parity_and_support_mass_grows():
    target = it.Parity(20, k=2)
    net = it.MLPEnsemble(20, (128,), n_models=2, seed=0)
    history = it.sgd(net, target, steps=1500, lr=0.1, batch_size=32, loss="hinge",
                     eval_every=100, test_size=2000, progress=False)
    assert history.final("accuracy").min() >= 0.95
    mass = history["support_mass"]
    assert mass[0].max() < 0.2  # about k/n = 0.1 at initialization
    assert (mass[-1] > 1.5 * mass[0]).all()
    assert np.isfinite(history.steps_to("accuracy", 0.95)).all()


def test_generic_dataset_and_a_custom_ensemble_module():
    class LinearEnsemble(nn.Module):
        """M linear models x -> v.x on real inputs; accepts (N, d) and (M, N, d)."""

        def __init__(self, m, d):
            super().__init__()
            self.v = nn.Parameter(torch.zeros(m, d, dtype=torch.float64))

        def forward(self, x):
            if x.ndim == 2:
                return self.v @ x.T
            return torch.einsum("mnd,md->mn", x, self.v)

    gen = torch.Generator().manual_seed(0)
    X = torch.randn(400, 5, generator=gen, dtype=torch.float64)
    w = torch.tensor([1.0, -2.0, 0.5, 0.0, 0.0], dtype=torch.float64)
    data = it.ArrayDataset(X[:300], X[:300] @ w, X[300:], X[300:] @ w)
    model = LinearEnsemble(3, 5)
    history = it.train(model, data, steps=300, lr=0.1, batch_size=20, progress=False)
    assert "accuracy" not in history  # real-valued labels
    assert history.final("loss").max() < 1e-6
    torch.testing.assert_close(model.v.detach(), w.expand(3, 5), rtol=0, atol=1e-3)


# ---------------------------------------------------------------------------
# History and options
# ---------------------------------------------------------------------------


def test_history_schedule_and_helpers():
    h = it.train(_net(), it.Parity(6, k=1), steps=10, lr=0.05, eval_every=4, progress=False)
    assert list(h.steps) == [0, 4, 8, 10]
    assert h["accuracy"].shape == (4, 3)
    assert h.mean("loss").shape == (4,)
    assert h.final("loss").shape == (3,)
    assert len(h.records()) == 12
    assert set(h.records()[0]) >= {"step", "model", "loss", "accuracy", "correlation"}
    assert h.config["algorithm"] == "sgd" and h.config["batch_size"] is None
    assert (h.steps_to("accuracy", 2.0) == np.inf).all()
    assert (h.steps_to("loss", 1e9, above=False) == 0).all()


def test_exact_evaluation_matches_evaluate_and_the_correlation_definition():
    net, target = _net(), it.Majority(5)
    target = it.Embedded(target, 6)
    h = it.train(net, target, steps=0, lr=0.1, progress=False)
    x = it.all_inputs(6, dtype=torch.float64)
    with torch.no_grad():
        out = net(x)
    np.testing.assert_allclose(h.final("correlation"), (out * target(x)).mean(1).numpy(),
                               rtol=1e-12)
    np.testing.assert_allclose(h.final("loss"), (out - target(x)).square().mean(1).numpy(),
                               rtol=1e-12)
    values = it.evaluate(net, target)
    np.testing.assert_allclose(values["accuracy"], h.final("accuracy"))


def test_stop_accuracy_and_callback():
    seen = []
    h = it.train(it.MLPEnsemble(7, (64,), n_models=2, seed=0), it.Majority(7), steps=500,
                 lr=0.1, eval_every=10, stop_accuracy=0.9, callback=lambda s, m: seen.append(s),
                 progress=False)
    assert h.steps[-1] < 500 and h.final("accuracy").min() >= 0.9
    assert seen == list(range(1, h.steps[-1] + 1))


def test_fixed_training_set_records_train_metrics_and_device_argument():
    h = it.train(_net(), it.Parity(6, k=1), steps=5, lr=0.1, batch_size=10, train_size=20,
                 device="cpu", progress=False)
    assert {"train_loss", "train_accuracy", "loss", "accuracy"} <= set(h.names)


# ---------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("kwargs, match", [
    ({"lr": 0.0}, "lr"),
    ({"lr": -0.1}, "lr"),
    ({"noise_std": -1.0}, "noise_std"),
    ({"clip": 0.0}, "clip"),
    ({"weight_decay": -1.0}, "weight_decay"),
    ({"loss": "cross_entropy"}, "loss"),
    ({"batch_size": 30, "train_size": 20}, "batch_size"),
    ({"batch_size": 0}, "batch_size"),
    ({"steps": -1}, "steps"),
    ({"eval_every": 0}, "eval_every"),
    ({"stop_accuracy": 1.5}, "stop_accuracy"),
    ({"seed": [1, 2]}, "seed"),
])
def test_bad_arguments_raise_value_errors_naming_them(kwargs, match):
    options = {"steps": 2, "lr": 0.1, "progress": False}
    options.update(kwargs)
    with pytest.raises(ValueError, match=match):
        it.train(_net(), it.Parity(6, k=1), **options)


def test_bad_data_and_models():
    X, y = torch.randn(10, 3), torch.ones(10)
    with pytest.raises(ValueError, match="batch_size"):
        it.train(it.MLPEnsemble(3, (4,)), it.ArrayDataset(X, y), steps=1, lr=0.1, batch_size=11,
                 progress=False)
    with pytest.raises(ValueError, match="hinge"):
        it.train(it.MLPEnsemble(3, (4,)), it.ArrayDataset(X, 0.5 * y), steps=1, lr=0.1,
                 loss="hinge", progress=False)
    with pytest.raises(ValueError, match="y_train"):
        it.ArrayDataset(X, torch.ones(9))
    with pytest.raises(ValueError, match="X_test"):
        it.ArrayDataset(X, y, X_test=X)
    with pytest.raises(TypeError, match="task"):
        it.train(_net(), "parity", steps=1, lr=0.1)
    with pytest.raises(ValueError, match="population gradient"):
        it.train(it.MLPEnsemble(21, (4,)), it.Parity(21, k=1), steps=1, lr=0.1, progress=False)
    with pytest.raises(ValueError, match="leading dimension"):
        it.train(nn.Sequential(nn.Linear(6, 4), nn.Linear(4, 1)), it.Parity(6, k=1), steps=1,
                 lr=0.1, progress=False)
    with pytest.raises(ValueError, match=r"shape \(M, N\)"):
        it.train(nn.Linear(6, 1), it.Parity(6, k=1), steps=1, lr=0.1, progress=False)
    with pytest.raises(TypeError, match="noise_std"):
        it.sgd(_net(), it.Parity(6, k=1), steps=1, lr=0.1, batch_size=4, noise_std=1.0)


def test_progress_bar_respects_tqdm_disable_even_in_notebooks(monkeypatch):
    # tqdm.notebook passes ``disable`` explicitly, so the variable is read by the package.
    from inal_tutorial._progress import progress_bar, progress_disabled_by_environment

    monkeypatch.setenv("TQDM_DISABLE", "1")
    assert progress_disabled_by_environment()
    assert progress_bar(range(3), enabled=True).disable
    monkeypatch.setenv("TQDM_DISABLE", "0")
    assert not progress_disabled_by_environment()
    assert progress_bar(range(3), enabled=False).disable
    monkeypatch.delenv("TQDM_DISABLE")
    assert not progress_disabled_by_environment()


@pytest.mark.parametrize("eval_every", [1, 50, 400])
def test_divergence_names_the_first_step_with_a_non_finite_loss(eval_every):
    # The losses are checked once per evaluation (or every 256 steps), yet the error names
    # the first step whose loss was not finite, as a check at every step would: NaN put
    # into the weights after update 7 makes the loss after 7 updates non-finite.
    def poison(step, model):
        if step == 7:
            with torch.no_grad():
                model.weights[1][0, 0, 0] = float("nan")

    with pytest.raises(it.DivergenceError, match=r"non-finite loss at step 7\) with lr=0\.1"):
        it.sgd(_net(), it.Parity(6, k=2), steps=500, lr=0.1, batch_size=8, seed=1,
               eval_every=eval_every, callback=poison, progress=False)


def test_epoch_gather_gives_the_same_batches_as_a_gather_per_step(monkeypatch):
    from inal_tutorial import _training_data

    def run():
        net = _net(m=2)
        h = it.sgd(net, it.Parity(6, k=2), steps=120, lr=0.1, batch_size=8, train_size=50,
                   weight_decay=0.01, seed=4, eval_every=30, progress=False)
        return h, [p.detach().clone() for p in net.parameters()]

    h1, p1 = run()
    monkeypatch.setattr(_training_data, "_EPOCH_GATHER_ENTRIES", 0)   # per-step gather
    h2, p2 = run()
    assert all(torch.equal(a, b) for a, b in zip(p1, p2, strict=True))
    assert np.array_equal(h1["train_loss"], h2["train_loss"])
    assert not np.array_equal(h1["train_loss"][0], h1["train_loss"][-1])   # it trained
