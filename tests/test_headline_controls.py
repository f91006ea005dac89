"""Controls of the held-out sweep and the clustered rank correlation (referee of issue 12)."""

import numpy as np
import pytest
import torch

import inal_tutorial as it


def test_sweep_has_fixed_degree_five_control():
    specs = {s.label: s for s in it.sweep_targets(12)}
    assert len(specs) == 12
    w = it.degree_profile(it.truth_table(specs["parity k=5"].target))
    assert w[5].item() == pytest.approx(1.0)
    # at n = 15 the control and the degree-growing parity are the same function
    at15 = {s.label: s for s in it.sweep_targets(15)}
    assert torch.equal(it.truth_table(at15["parity k=5"].target),
                       it.truth_table(at15["parity k=n/3"].target))


def test_random_balanced_expected_inal_is_one_minus_a0_over_2n_minus_1():
    # exact over all balanced functions is infeasible; average 200 draws at n = 9
    n = 9
    profile = it.gaussian_first_layer_profile(n).values
    gen = torch.Generator().manual_seed(0)
    values = []
    for _ in range(200):
        table = torch.ones(2**n, dtype=torch.float64)
        table[torch.randperm(2**n, generator=gen)[: 2 ** (n - 1)]] = -1
        values.append(float(it.degree_profile(table).numpy() @ profile))
    expected = (1 - profile[0]) / (2**n - 1)
    se = np.std(values, ddof=1) / np.sqrt(len(values))
    assert abs(np.mean(values) - expected) < 4 * se
    assert abs(np.mean(values) - 2.0**-n) > 4 * se  # the unbalanced value is wrong


def test_rank_correlation_groups_resample_clusters():
    # 4 clusters of 5 identical pairs: the pair bootstrap believes in 20 points,
    # the cluster bootstrap sees only 4, so its interval must be wider
    base_x, base_y = [1.0, 2.0, 3.0, 4.0], [1.0, 3.0, 2.0, 4.0]
    x = [v + 0.01 * j for v in base_x for j in range(5)]
    y = [v + 0.01 * j for v in base_y for j in range(5)]
    groups = [g for g in "abcd" for _ in range(5)]
    plain = it.rank_correlation(x, y, seed=0)
    clustered = it.rank_correlation(x, y, groups=groups, seed=0)
    assert clustered.rho == plain.rho
    assert clustered.high - clustered.low > plain.high - plain.low
    assert clustered.low <= clustered.rho <= clustered.high
    assert clustered.n_used <= clustered.n_boot


def test_rank_correlation_groups_bad_input():
    x, y = [1, 2, 3, 4], [1, 2, 4, 3]
    with pytest.raises(ValueError):
        it.rank_correlation(x, y, groups=["a", "a", "b", "b"])  # only 2 groups
    with pytest.raises(ValueError):
        it.rank_correlation(x, y, groups=["a", "b", "c"])  # wrong length
    with pytest.raises(TypeError):
        it.rank_correlation(x, y, groups="abcd")
    with pytest.raises(TypeError):
        it.rank_correlation(x, y, groups=[[1], [2], [3], [4]])


def test_digits_residual_uses_unbiased_estimator():
    cells = it.digits_grid(architectures=["linear"], blocks=(8,), n_seeds=2, n_init=4,
                           steps=2, batch_size=8, seed=0, progress=False)
    # the plug-in is exactly 0 for a linear architecture; the U-statistic subtracts its
    # bias sum a_i^2 / (N (N - 1)) > 0, so it is strictly negative
    assert cells[0].residual_inal < 0
