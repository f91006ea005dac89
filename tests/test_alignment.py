"""INAL estimators: exact values, unbiasedness, the first-layer formula, the Hermite heuristic."""

import math

import numpy as np
import pytest
import torch
from scipy import integrate

import inal_tutorial as it


def brute_force_layer_alignment(target, net):
    """E_θ⟨f, NN_v⟩² averaged over the neurons of each layer, by the definition (float64)."""
    x = it.all_inputs(target.n, dtype=torch.float64)
    f = target(x)
    per_layer = []
    for out in net.neuron_outputs(x):
        corr = (out * f[None, :, None]).mean(dim=1)  # (M, width)
        per_layer.append(corr.square().mean().item())
    return np.array(per_layer)


def test_exact_inal_matches_definition():
    target = it.Majority(7)
    net = it.MLPEnsemble(7, (10, 6), n_models=8, seed=3, dtype=torch.float64)
    result = it.estimate_inal(target, net, chunk_size=17)  # odd chunks exercise the tiling
    expected = brute_force_layer_alignment(target, net)
    assert np.allclose(result.per_layer, expected, rtol=1e-10, atol=1e-15)
    assert result.value == pytest.approx(expected.max(), rel=1e-10)
    assert result.layer == int(np.argmax(expected))
    assert result.method == "exact" and result.n_samples is None
    lo, hi = result.ci
    assert lo < result.value < hi


def test_sampled_estimator_is_unbiased_and_plugin_is_not():
    # Fixed initializations; only the inputs are random. Exact value by enumeration.
    target = it.Parity(10, k=5)
    net = it.MLPEnsemble(10, (32,), n_models=16, seed=0, dtype=torch.float64)
    exact = it.estimate_inal(target, net).per_layer[0]
    n_samples, seeds = 200, range(60)
    unbiased = np.array([it.estimate_inal(target, net, n_samples=n_samples, seed=s).per_layer[0]
                         for s in seeds])
    plugin = np.array([it.estimate_inal(target, net, n_samples=n_samples, seed=s,
                                        estimator="plugin").per_layer[0] for s in seeds])
    se = unbiased.std(ddof=1) / math.sqrt(len(unbiased))
    assert abs(unbiased.mean() - exact) < 4 * se
    # The plug-in sits near Var(f·g)/N above the exact value: far above it for a degree-5 parity.
    assert plugin.mean() > exact + 0.3 / n_samples
    assert plugin.mean() - exact == pytest.approx(
        (plugin.mean() - unbiased.mean()), rel=0.2)


def test_u_statistic_formula():
    a = torch.tensor([[0.5, -1.0, 2.0, 0.25]], dtype=torch.float64)
    s, q = a.sum(1), a.square().sum(1)
    pairs = [a[0, i] * a[0, j] for i in range(4) for j in range(4) if i != j]
    assert float(it.unbiased_squared_mean(s, q, 4)) == pytest.approx(float(sum(pairs) / 12))
    assert float(it.plugin_squared_mean(s, 4)) == pytest.approx(float((a.mean()) ** 2))


def enumerate_rademacher_first_layer(table, n, activation):
    """E_w⟨f, σ(w·x)⟩² over all 2^n sign vectors w = s/√n, by enumeration."""
    x = it.all_inputs(n, dtype=torch.float64)
    w = it.all_inputs(n, dtype=torch.float64) * n**-0.5  # every sign pattern once
    neurons = it.activation_function(activation)(x @ w.T)  # (2^n inputs, 2^n neurons)
    return float(((table @ neurons) / 2**n).square().mean())


@pytest.mark.parametrize("activation", ["relu", "tanh", "sign"])
def test_first_layer_formula_is_exact_for_rademacher_weights(activation):
    # n odd: w·x is never 0, so sign(0) (a floating-point tie) never arises.
    n = 7
    profile = it.first_layer_profile(n, activation, init="rademacher", bias="zero")
    assert profile.exact
    for target in (it.RandomFunction(n, seed=5), it.Majority(5), it.Staircase(n, 4, boolean=False)):
        if target.n != n:
            target = it.Embedded(target, n)
        table = it.truth_table(target)
        direct = enumerate_rademacher_first_layer(table, n, activation)
        assert profile.inal(table) == pytest.approx(direct, rel=1e-10, abs=1e-15)


def test_first_layer_formula_matches_monte_carlo_with_gaussian_weights_and_bias():
    n = 8
    profile = it.first_layer_profile(n, "relu", "gaussian", "gaussian", 1.0, n_neurons=20000,
                                     seed=1)
    for target in (it.Majority(7), it.Parity(n, k=2), it.Staircase(n, 3)):
        target = target if target.n == n else it.Embedded(target, n)
        measured = it.estimate_inal(target, n_init=400, hidden=(64,), seed=2,
                                    dtype=torch.float64)
        predicted = profile.inal(it.truth_table(target))
        se = math.hypot(measured.per_layer_stderr[0], float(
            (it.degree_profile(it.truth_table(target)).numpy() * profile.stderr).sum()))
        assert abs(measured.per_layer[0] - predicted) < 4 * se


def test_zero_bias_relu_has_no_odd_mass_above_one_and_sign_no_even_mass():
    relu = it.first_layer_profile(9, "relu", "rademacher", "zero")
    assert np.all(np.abs(relu.values[3::2]) < 1e-28)
    assert relu.values[1] > 0 and relu.values[2] > 0
    sign = it.first_layer_profile(9, "sign", "rademacher", "zero")
    assert np.all(np.abs(sign.values[0::2]) < 1e-28)
    assert np.all(sign.values[1::2] > 0)
    biased = it.first_layer_profile(9, "relu", "rademacher", "rademacher", 1.0)
    assert np.all(biased.values[1:] > 1e-12)


@pytest.mark.parametrize("activation", ["relu", "sign", "abs"])
@pytest.mark.parametrize("k", [0, 1, 2, 3, 4])
def test_hermite_closed_forms_against_numerical_integration(activation, k):
    act = {"relu": lambda z: max(z, 0.0), "sign": lambda z: 1.0 if z >= 0 else -1.0,
           "abs": abs}[activation]
    he = np.polynomial.hermite_e.HermiteE([0] * k + [1])
    for b in (-0.7, 0.0, 1.3):
        def integrand(z, b=b):
            return act(z + b) * he(z) * math.exp(-z * z / 2) / math.sqrt(2 * math.pi)

        value = sum(integrate.quad(integrand, lo, hi, limit=200)[0]
                    for lo, hi in ((-30, -b), (-b, 30)))
        assert float(it.hermite_coefficient(activation, k, b)) == pytest.approx(value, abs=1e-8)


def test_hermite_profile_predicts_low_degrees_at_moderate_n():
    n = 16
    exact = it.first_layer_profile(n, "relu", "gaussian", "gaussian", 1.0, n_neurons=600)
    heuristic = it.hermite_profile(n, 2, "relu", "gaussian", 1.0)
    for k in (1, 2):
        assert heuristic[k] == pytest.approx(exact.values[k], rel=0.15)


def test_bad_alignment_arguments():
    net = it.MLPEnsemble(5, (4,), n_models=3)
    with pytest.raises(ValueError, match="target has n=6 but the network has n_inputs=5"):
        it.estimate_inal(it.Parity(6, k=1), net)
    with pytest.raises(ValueError, match="n_models >= 2"):
        it.estimate_inal(it.Parity(5, k=1), it.MLPEnsemble(5, (4,), n_models=1))
    with pytest.raises(ValueError, match="n_samples must be an integer in \\[2, "):
        it.estimate_inal(it.Parity(5, k=1), net, n_samples=1)
    with pytest.raises(ValueError, match="unknown estimator 'mle'"):
        it.estimate_inal(it.Parity(5, k=1), net, estimator="mle")
    with pytest.raises(ValueError, match="exact INAL needs n <= 24"):
        it.estimate_inal(it.Parity(30, k=1), n_init=2, hidden=(2,))
    with pytest.raises(TypeError, match="target must be a BooleanTarget"):
        it.estimate_inal(np.ones(8), net)
    with pytest.raises(TypeError, match="only used when network is None"):
        it.estimate_inal(it.Parity(5, k=1), net, hidden=(3,))
    with pytest.raises(ValueError, match="width must be an integer in \\[1, "):
        it.estimate_inal(it.Parity(5, k=1), hidden=(0,))
    with pytest.raises(ValueError, match="n must be at most 20"):
        it.first_layer_profile(21)
    with pytest.raises(ValueError, match="unknown activation"):
        it.hermite_coefficient("softplus2", 1)
    with pytest.raises(ValueError, match="target has n=5 but the profile is for n=6"):
        it.first_layer_profile(6, init="rademacher", bias="zero").inal(it.Parity(5, k=1))


# ---------------------------------------------------------------------------
# The constant term W^0(f) A_0 of an INAL
# ---------------------------------------------------------------------------


def test_constant_part_separates_exactly_for_every_layer():
    """Each layer average is the constant part plus the INAL of the centred target."""
    biased = it.Majority(8, tie_break="+1")
    net = it.MLPEnsemble(8, hidden=(16, 16), n_models=8, seed=1, dtype=torch.float64)
    result = it.estimate_inal(biased, net)
    mean = it.target_mean(biased)
    assert result.target_mean == pytest.approx(mean)
    ones = it.estimate_inal(it.Parity(8, k=0), net)
    assert np.allclose(result.per_layer_constant, mean**2 * ones.per_layer)
    table = it.truth_table(biased) - mean
    centred = it.TruthTableTarget(table)
    rest = it.estimate_inal(centred, net)
    # Averages over the same 8 initializations: the cross term is zero only in expectation,
    # so compare within the Monte Carlo error of the cross term.
    gap = result.per_layer - result.per_layer_constant - rest.per_layer
    assert np.all(np.abs(gap) < 4 * result.per_layer_stderr + 1e-12)
    assert 0.5 < result.constant_share < 1.0
    assert result.without_constant == pytest.approx(
        float(np.max(result.per_layer - result.per_layer_constant)))
    assert "constant term" in str(result)


def test_balanced_target_has_zero_constant_part_and_no_extra_pass():
    result = it.estimate_inal(it.Majority(8), hidden=(8,), n_init=4, seed=0)
    assert result.target_mean == 0.0
    assert result.constant_part == 0.0 and result.constant_share == 0.0
    assert result.without_constant == result.value
    assert "constant term" not in str(result)


def test_sampled_constant_part_close_to_exact():
    biased = it.Staircase(10, 6, tie_break="+1")
    net = it.MLPEnsemble(10, hidden=(32,), n_models=16, seed=2, dtype=torch.float64)
    exact = it.estimate_inal(biased, net)
    sampled = it.estimate_inal(biased, net, n_samples=20_000, seed=5, constant_term=True)
    assert sampled.constant_part == pytest.approx(exact.constant_part, rel=0.15)
    assert it.estimate_inal(biased, net, n_samples=1000, seed=5).per_layer_constant is None
    with pytest.raises(ValueError, match="constant_term=True"):
        _ = it.estimate_inal(biased, net, n_samples=1000, seed=5).constant_part


def test_first_layer_contributions_and_constant_part():
    profile = it.gaussian_first_layer_profile(8)
    f = it.Staircase(8, 6, tie_break="+1")
    terms = profile.contributions(f)
    assert terms.shape == (9,)
    assert terms.sum() == pytest.approx(profile.inal(f))
    assert profile.constant_part(f) == pytest.approx(it.target_mean(f) ** 2 * profile.values[0])
    assert profile.constant_part(it.Staircase(8, 6)) == 0.0


def test_formula_table_reports_the_constant_term():
    from inal_tutorial.figures import alignment as figs

    net = it.MLPEnsemble(8, hidden=(16,), n_models=8, seed=0, dtype=torch.float64)
    rows = figs.formula_table({"biased": it.Staircase(8, 6, tie_break="+1"),
                               "balanced": it.Staircase(8, 6)}, net)
    biased, balanced = rows
    assert biased["mean"] == pytest.approx(
        it.target_mean(it.Staircase(8, 6, tie_break="+1")))
    assert 0.5 < biased["constant_share"] < 1 and balanced["constant_share"] == 0.0
    assert biased["constant"] == pytest.approx(
        it.gaussian_first_layer_profile(8).constant_part(it.Staircase(8, 6, tie_break="+1")))
