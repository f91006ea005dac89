"""The claims of the chapter *Boolean functions and their Fourier expansion*, checked
beyond the sizes the notebook uses: tie rules and balance, the staircase and its sign,
majority's limits, and the constants of the first-layer profile."""

import math

import numpy as np
import pytest
import torch

import inal_tutorial as it
from inal_tutorial.figures import fourier as figs


@pytest.mark.parametrize("m", [2, 4, 6, 8, 10, 12])
def test_even_majority_tie_rules(m):
    """ties -> +1: E f = C(m, m/2) 2^-m; ties -> x_0: odd, balanced, weighted majority."""
    assert it.target_mean(it.Majority(m, tie_break="+1")) == math.comb(m, m // 2) / 2**m
    x = it.all_inputs(m, dtype=torch.float64)
    fair = it.truth_table(it.Majority(m))
    assert it.target_mean(it.Majority(m)) == 0.0
    assert torch.equal(fair.flip(0), -fair)  # row 2^m - 1 - i is -x(i)
    assert torch.equal(fair, torch.sign(2 * x[:, 0] + x[:, 1:].sum(-1)))
    assert torch.all(it.degree_profile(fair)[0::2] < 1e-15)


@pytest.mark.parametrize("m", [2, 4, 6, 8])
def test_no_symmetric_balanced_majority(m):
    """Every symmetric function equal to sign(sum) off the ties has E f = ±C(m, m/2)/2^m."""
    x = it.all_inputs(m, dtype=torch.float64)
    total = x.sum(-1)
    for c in (-1.0, 1.0):  # a symmetric f is constant on the tie layer
        f = torch.where(total == 0, c, torch.sign(total))
        assert f.mean().item() == c * math.comb(m, m // 2) / 2**m
    # the fair rule is not symmetric: swapping x_0 and x_1 changes it
    fair = it.Majority(m)
    assert not torch.equal(fair(x[:, [1, 0] + list(range(2, m))]), fair(x))


@pytest.mark.parametrize("k", [2, 4, 6, 8])
def test_staircase_sign_is_x0_times_a_function_of_the_rest(k):
    n = k + 1
    f = it.truth_table(it.Staircase(n, k))
    x = it.all_inputs(n, dtype=torch.float64)
    g = f * x[:, 0]
    assert torch.equal(g, g[torch.arange(2**n) ^ 1])  # does not depend on x_0
    assert it.target_mean(it.Staircase(n, k)) == 0.0
    assert it.target_mean(it.Staircase(n, k, tie_break="+1")) > 0.2
    real = it.degree_profile(it.truth_table(it.Staircase(n, k, boolean=False))).numpy()
    assert np.allclose(real, [0.0] + [1 / k] * k + [0.0], atol=1e-15)
    sign = it.degree_profile(f).numpy()
    assert np.abs(sign - real).max() > 0.05


def test_staircase_six_terms_plus_rule_mean():
    assert it.target_mean(it.Staircase(11, 6, tie_break="+1")) == 0.3125


def test_majority_degree_one_weight_formula_and_monotonicity():
    ns = np.arange(3, 2002, 2)
    w1 = np.array([it.majority_degree_profile(int(n))[1] for n in ns])
    closed = np.array([int(n) * (math.comb(n - 1, (n - 1) // 2) / 2 ** (n - 1)) ** 2
                       for n in ns.tolist()])
    np.testing.assert_allclose(w1, closed, rtol=1e-12)
    assert np.all(np.diff(w1) < 0) and np.all(w1 > 2 / math.pi)
    assert abs(ns[-1] * (w1[-1] - 2 / math.pi) - 1 / math.pi) < 5e-4


def test_majority_profile_limit():
    """W^k(Maj_n) -> w_k = 2/(pi k) C(k-1, (k-1)/2) 2^(1-k), with error shrinking in n."""
    limit = {k: 2 / (math.pi * k) * (math.comb(k - 1, (k - 1) // 2) / 2 ** (k - 1))
             for k in (1, 3, 5, 7)}
    errors = []
    for n in (101, 1001, 5001):
        profile = it.majority_degree_profile(n)
        errors.append(max(abs(profile[k] / w - 1) for k, w in limit.items()))
    assert errors[0] > errors[1] > errors[2] and errors[2] < 1e-3


def test_first_layer_constants():
    """n^k A_k(n) -> E_b[c_k(b)^2] = 0.609, 1/3, 1/(2 pi sqrt 3), 0.0306 (ReLU, N(0,1) bias)."""
    nodes, weights = np.polynomial.hermite_e.hermegauss(100)
    weights = weights / math.sqrt(2 * math.pi)
    limits = [float(weights @ it.hermite_coefficient("relu", k, nodes) ** 2)
              for k in range(4)]
    assert math.isclose(limits[1], 1 / 3, rel_tol=1e-9)
    assert math.isclose(limits[2], 1 / (2 * math.pi * math.sqrt(3)), rel_tol=1e-9)
    assert 0.030 < limits[3] < 0.031 and 0.608 < limits[0] < 0.61
    np.testing.assert_allclose(it.hermite_profile(1000, max_degree=3) * 1000.0 ** np.arange(4),
                               limits, rtol=1e-6)
    previous = None
    for n in (20, 80, 320):
        values = it.gaussian_first_layer_profile(n, max_degree=3).values
        errors = np.abs(values * float(n) ** np.arange(4) - limits)
        if previous is not None:
            assert np.all(errors < previous)
        previous = errors
    assert np.all(previous < 0.02 * np.array(limits))


def test_constant_part_of_biased_targets():
    profile = it.gaussian_first_layer_profile(10)
    for f, share in ((it.Majority(10, tie_break="+1"), 0.6),
                     (it.Staircase(10, 6, tie_break="+1"), 0.9)):
        assert profile.constant_part(f) > share * profile.inal(f)
        assert math.isclose(profile.constant_part(f),
                            it.target_mean(f) ** 2 * profile.values[0], rel_tol=1e-12)
    for f in (it.Majority(10), it.Staircase(10, 6)):
        assert profile.constant_part(f) == 0.0


def test_example_targets_are_balanced_and_named():
    targets = figs.example_targets(11, seed=0)
    assert "staircase sign (k = 5)" in targets
    for name, f in targets.items():
        if not name.startswith("random"):
            assert it.target_mean(f) == 0.0, name
    for seed in range(5):
        junta = figs.example_targets(11, seed=seed)["balanced 4-junta"]
        table = it.truth_table(junta)
        assert int((table > 0).sum()) == 2**10
        assert it.degree_profile(table)[0] == 0.0
    first = it.truth_table(figs.example_targets(11, seed=0)["balanced 4-junta"])
    again = it.truth_table(figs.example_targets(11, seed=0)["balanced 4-junta"])
    other = it.truth_table(figs.example_targets(11, seed=1)["balanced 4-junta"])
    assert torch.equal(first, again) and not torch.equal(first, other)
    with pytest.raises(ValueError, match="n must be odd"):
        figs.example_targets(10)


def test_degree_profile_figure_has_integer_ticks_and_flags_its_zoomed_panel():
    import matplotlib.pyplot as plt

    fig = figs.plot_degree_profiles(figs.degree_profiles(11, seed=0))
    axes = fig.axes
    assert len(axes) == 6
    for ax in axes:
        ticks = ax.get_xticks()
        assert np.array_equal(ticks, np.round(ticks)), ticks
    random_panel = next(ax for ax in axes if ax.get_title().startswith("random"))
    top = random_panel.get_ylim()[1]
    assert top < 0.5 and f"{top:.2f}" in random_panel.get_title()
    others = [ax for ax in axes if ax is not random_panel]
    assert all(ax.get_ylim()[1] == 1.05 for ax in others)
    plt.close(fig)


def test_zero_bias_relu_profile_vanishes_at_odd_degrees_above_one():
    for n in (7, 12):
        zero = it.gaussian_first_layer_profile(n, bias="zero").values
        assert np.all(np.abs(zero[3::2]) < 1e-15)
        assert zero[1] > 1e-3 and np.all(zero[0:8:2] > 1e-12)
        gauss = it.gaussian_first_layer_profile(n).values
        assert np.all(gauss[3::2] > 1e-8)
