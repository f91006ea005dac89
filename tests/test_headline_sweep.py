"""The held-out sweep, the digits grid and their statistics (issue 12)."""

import numpy as np
import pytest
import torch

import inal_tutorial as it


def test_sweep_targets_are_balanced():
    for spec in it.sweep_targets(12):
        assert it.target_mean(spec.target) == 0


def test_heldout_sweep_never_evaluates_on_training_points():
    recs = it.heldout_sweep((9,), hidden=(8,), n_seeds=2, train_per_n2=2, steps_per_n2=0.2,
                            batch_size=8, holdout_size=100, seed=1, progress=False)
    assert {r.train_size for r in recs} == {162}
    assert {r.n_heldout for r in recs} == {100}
    parity1 = next(r for r in recs if r.label == "parity k=1")
    assert parity1.accuracy_low <= parity1.accuracy_mean <= parity1.accuracy_high
    with pytest.raises(ValueError):
        it.heldout_sweep((5,), progress=False)


def test_bootstrap_and_rank_correlation():
    lo, hi = it.bootstrap_interval([0.5, 0.5, 1.0, 1.0], seed=0)
    assert 0.5 <= lo < hi <= 1.0
    r = it.rank_correlation([1, 2, 3, 4, 5], [1, 2, 3, 5, 4])
    assert r.rho == pytest.approx(0.9) and r.low <= r.rho <= r.high
    with pytest.raises(ValueError):
        it.rank_correlation([1, 1, 1], [1, 2, 3])


def test_block_shuffle_and_residual():
    assert torch.equal(it.block_shuffle_permutation((8, 8), 8, 0), torch.arange(64))
    perm = it.block_shuffle_permutation((8, 8), 1, 3)
    assert torch.equal(torch.sort(perm).values, torch.arange(64))
    with pytest.raises(ValueError):
        it.block_shuffle_permutation((8, 8), 3)
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(200, 5, generator=gen, dtype=torch.float64)
    y = torch.sign(x[:, 0] + x[:, 1] ** 2 - 1)
    r = it.linear_residual(x, y)
    design = torch.cat([torch.ones(200, 1, dtype=torch.float64), x], 1)
    assert (design.T @ r).abs().max() < 1e-3
    assert r.square().mean().item() == pytest.approx(1.0)


def test_locally_connected_matches_shared_input_and_inal_by_definition():
    net = it.LocallyConnectedEnsemble(n_models=4, seed=0, dtype=torch.float64)
    x = torch.randn(6, 64, dtype=torch.float64)
    assert torch.allclose(net(x), net(x.expand(4, 6, 64)))
    task = it.load_digits_task(dtype=torch.float64)
    lin = it.build_digits_network("linear", 4, 0, torch.float64)
    res = it.linear_residual(task.x_train, task.y_train)
    value = it.inal_by_definition(task.x_train, res, lin, estimator="empirical").value
    assert abs(value) < 1e-8
    cnn = it.build_digits_network("CNN 3x3", 4, 0, torch.float64)
    result = it.inal_by_definition(task.x_train, task.y_train, cnn)
    assert result.layer == 0 and 0 <= result.position < 64


def test_digits_grid_tiny():
    cells = it.digits_grid(architectures=["MLP", "LC 3x3"], blocks=(8, 1), n_seeds=2,
                           n_init=4, steps=3, batch_size=8, seed=0, progress=False)
    assert [(c.architecture, c.block) for c in cells] == [("MLP", 8), ("MLP", 1),
                                                         ("LC 3x3", 8), ("LC 3x3", 1)]
    assert all(0 <= c.test_accuracy_mean <= 1 for c in cells)
    assert np.isfinite([c.inal for c in cells]).all()
