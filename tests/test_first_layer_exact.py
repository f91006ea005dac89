"""Exact first-layer profiles A_k(n) (Gaussian and Rademacher weights) and independent inputs.

The exact formulas are checked against Monte Carlo over neurons (each neuron enumerated
over all 2^n inputs), against the package's exact Rademacher profile, against closed forms
(linear and quadratic activations, majority's top coefficient), Parseval, the zero-bias
parity of ReLU and sign, and the Hermite limit for large n.
"""

import math

import numpy as np
import pytest
import torch

import inal_tutorial as it


def parseval_total(profile) -> float:
    """sum_k C(n,k) A_k(n) = E_w sum_S sigma_hat_w(S)^2 = E[sigma(w.x + b)^2]."""
    n = profile.n
    return sum(math.comb(n, k) * profile.values[k] for k in range(n + 1))


@pytest.mark.parametrize("activation", ["relu", "sign", "tanh", "abs"])
@pytest.mark.parametrize("bias", ["gaussian", "zero"])
def test_gaussian_profile_matches_monte_carlo(activation, bias):
    exact = it.gaussian_first_layer_profile(8, activation, bias, 1.0)
    mc = it.first_layer_profile(8, activation, "gaussian", bias, 1.0, n_neurons=6000, seed=11,
                                batch=1000)
    z = np.abs(exact.values - mc.values) / (mc.stderr + 1e-13)
    assert z.max() < 4.5, (activation, bias, z.round(2))


@pytest.mark.parametrize("activation, bias_std, second_moment", [
    ("relu", 1.0, 1.0),             # E relu(N(0, 2))^2 = 2 / 2
    ("relu", 0.0, 0.5),
    ("sign", 0.7, 1.0),
    ("abs", 0.5, 1.25),             # E |N(0, 1.25)|^2
    ("linear", 1.0, 2.0),
    ("quadratic", 1.0, 12.0),       # E N(0, 2)^4 = 3 * 4
])
def test_gaussian_profile_parseval(activation, bias_std, second_moment):
    bias = "gaussian" if bias_std > 0 else "zero"
    profile = it.gaussian_first_layer_profile(11, activation, bias, bias_std)
    assert parseval_total(profile) == pytest.approx(second_moment, rel=1e-12)


@pytest.mark.parametrize("n", [4, 9, 16])
def test_gaussian_profile_closed_forms(n):
    s = 0.8
    linear = it.gaussian_first_layer_profile(n, "linear", "gaussian", s).values
    expected = np.zeros(n + 1)
    expected[:2] = [s**2, 1 / n]
    np.testing.assert_allclose(linear, expected, atol=1e-14)
    # (w.x + b)^2 = |w|^2 + b^2 + 2 b w.x + 2 sum_{i<j} w_i w_j x_i x_j
    quadratic = it.gaussian_first_layer_profile(n, "quadratic", "gaussian", s).values
    expected = np.zeros(n + 1)
    expected[:3] = [1 + 2 / n + 2 * s**2 + 3 * s**4, 4 * s**2 / n, 4 / n**2]
    np.testing.assert_allclose(quadratic, expected, atol=1e-13)


def test_zero_bias_parities():
    relu = it.gaussian_first_layer_profile(13, "relu", "zero").values
    sign = it.gaussian_first_layer_profile(13, "sign", "zero").values
    assert np.all(np.abs(relu[3::2]) < 1e-15)   # relu(z) = z/2 + |z|/2
    assert relu[1] == pytest.approx(1 / (4 * 13), rel=1e-12)  # the linear part z/2
    assert np.all(relu[:3] > 1e-4) and np.all(relu[4::2] > 1e-12)
    assert np.all(np.abs(sign[0::2]) < 1e-15)   # sign is odd
    assert np.all(sign[1::2] > 1e-9)


def test_gaussian_profile_tends_to_hermite():
    n = 400
    exact = it.gaussian_first_layer_profile(n, max_degree=3).values
    hermite = it.hermite_profile(n, 3)
    np.testing.assert_allclose(exact[1:3], hermite[1:3], rtol=5e-3)
    assert exact[3] / hermite[3] == pytest.approx(1.0, abs=0.03)


@pytest.mark.parametrize("n", range(1, 11))
@pytest.mark.parametrize("activation", ["relu", "sign", "tanh"])
@pytest.mark.parametrize("bias, bias_std", [("zero", 1.0), ("rademacher", 0.6)])
def test_rademacher_profile_matches_enumeration(n, activation, bias, bias_std):
    exact = it.rademacher_first_layer_profile(n, activation, bias, bias_std).values
    enumerated = it.first_layer_profile(n, activation, "rademacher", bias, bias_std)
    assert enumerated.exact
    np.testing.assert_allclose(exact, enumerated.values, atol=1e-13)


@pytest.mark.parametrize("activation", ["relu", "sign"])
@pytest.mark.parametrize("bias", ["gaussian", "uniform"])
def test_rademacher_profile_continuous_bias(activation, bias):
    exact = it.rademacher_first_layer_profile(9, activation, bias, 1.0)
    mc = it.first_layer_profile(9, activation, "rademacher", bias, 1.0, n_neurons=6000, seed=5,
                                batch=1000)
    z = np.abs(exact.values - mc.values) / (mc.stderr + 1e-13)
    assert z.max() < 4.5, z.round(2)
    assert parseval_total(exact) == pytest.approx(
        1.0 if activation == "sign" else float(np.mean(
            np.maximum(exact_lattice_and_bias_samples(9, bias), 0) ** 2)), rel=2e-3)


def exact_lattice_and_bias_samples(n: int, bias: str) -> np.ndarray:
    """Samples of w.x + b for Rademacher w (binomial lattice) and the bias law (for Parseval)."""
    gen = np.random.default_rng(0)
    d = gen.binomial(n, 0.5, size=2_000_000)
    b = gen.standard_normal(d.size) if bias == "gaussian" else gen.uniform(-3**0.5, 3**0.5, d.size)
    return (n - 2 * d) / math.sqrt(n) + b


@pytest.mark.parametrize("n", [1, 3, 5, 9, 15, 21, 41])
def test_rademacher_sign_full_parity_is_majority_top_coefficient(n):
    # sign(s.x / sqrt(n)) = Maj(s * x): its coefficient on [n] is majority's, times chi(s).
    value = it.rademacher_first_layer_profile(n, "sign", "zero").values[n]
    assert value == pytest.approx(it.majority_coefficient(n, n) ** 2, rel=1e-12)


def test_full_parity_gaussian_vs_rademacher():
    gaussian = [it.gaussian_first_layer_profile(n).values[n] for n in (8, 12, 16, 20)]
    rademacher = [it.rademacher_first_layer_profile(n).values[n] for n in (8, 12, 16, 20)]
    # exponential: each +4 bits costs more than a factor 10; polynomial: n^2 A stays in a band
    assert all(b / a < 0.1 for a, b in zip(gaussian, gaussian[1:], strict=False))
    scaled = np.array(rademacher) * np.array([8, 12, 16, 20]) ** 2
    assert np.all((scaled > 0.02) & (scaled < 0.06)), scaled


def test_first_layer_profile_inal_uses_exact_profile():
    n = 9
    profile = it.gaussian_first_layer_profile(n)
    f = it.Majority(n)
    expected = float(it.majority_degree_profile(n) @ profile.values)
    assert profile.inal(f) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("kwargs, error, words", [
    (dict(n=0), ValueError, "n must be"),
    (dict(n=5, activation="softplus"), ValueError, "activation"),
    (dict(n=5, bias="uniform"), ValueError, "bias must be"),
    (dict(n=5, bias_std=-1.0), ValueError, "bias_std"),
    (dict(n=5, max_degree=6), ValueError, "max_degree"),
    (dict(n=5.0), TypeError, "n must be an integer"),
])
def test_gaussian_profile_bad_input(kwargs, error, words):
    with pytest.raises(error, match=words):
        it.gaussian_first_layer_profile(**kwargs)


@pytest.mark.parametrize("kwargs, error, words", [
    (dict(n=-3), ValueError, "n must be"),
    (dict(n=5, bias="cauchy"), ValueError, "bias"),
    (dict(n=5, nodes_per_piece=1), ValueError, "nodes_per_piece"),
    (dict(n=5, bias_std=float("nan")), ValueError, "bias_std"),
])
def test_rademacher_profile_bad_input(kwargs, error, words):
    with pytest.raises(error, match=words):
        it.rademacher_first_layer_profile(**kwargs)


def identical_copies(n: int, n_models: int) -> it.MLPEnsemble:
    """An ensemble whose models all equal model 0 (so only the inputs can differ)."""
    net = it.MLPEnsemble(n, (16,), n_models=n_models, seed=3)
    with torch.no_grad():
        for p in list(net.weights) + [b for b in net.biases if b is not None]:
            p.copy_(p[:1].expand_as(p))
    return net


def test_independent_inputs_cover_input_noise():
    n, m = 8, 40
    f = it.Majority(n, support=range(7))
    net = identical_copies(n, m)
    exact = it.estimate_inal(f, net).per_layer[0]
    shared = it.estimate_inal(f, net, n_samples=200, seed=1, independent_inputs=False)
    independent = it.estimate_inal(f, net, n_samples=200, seed=1)  # the default
    assert shared.per_layer_stderr[0] == pytest.approx(0.0, abs=1e-12)  # blind to input noise
    assert independent.per_layer_stderr[0] > 1e-4
    assert abs(independent.per_layer[0] - exact) < 4 * independent.per_layer_stderr[0]


def test_independent_inputs_ignored_when_exact():
    net = it.MLPEnsemble(6, (8,), n_models=4, seed=0)
    f = it.Parity(6, k=2)
    a = it.estimate_inal(f, net)
    b = it.estimate_inal(f, net, independent_inputs=True)
    np.testing.assert_array_equal(a.per_init, b.per_init)


# --- Beyond the former size limit (issue 18: O(n^2) recurrences instead of big integers) ---

@pytest.mark.parametrize("activation, bias, second_moment", [
    ("sign", "zero", 1.0),
    ("sign", "rademacher", 1.0),
    ("relu", "gaussian", 1.0),      # E relu(l + b)^2 = E (l + b)^2 / 2, l and b symmetric
    ("abs", "uniform", 2.0),
])
def test_rademacher_profile_parseval_at_large_n(activation, bias, second_moment):
    """sum_k C(n,k) A_k = E sigma^2 at n = 1000: C(1000, 500) ~ 1e299 multiplies A_500, so
    this checks every degree to full relative precision, not only the large values."""
    n = 1000
    values = it.rademacher_first_layer_profile(n, activation, bias, 1.0).values
    total = math.fsum(math.comb(n, k) * float(values[k]) for k in range(n + 1))
    assert total == pytest.approx(second_moment, rel=1e-12)


def test_gaussian_profile_constants_at_large_n():
    """n^k A_k(n) -> E_b[c_k(b)^2] = 0.333, 0.092, 0.031 (relu, N(0, 1) bias), at n = 4096."""
    n = 4096
    values = it.gaussian_first_layer_profile(n).values
    scaled = [n**k * values[k] for k in (1, 2, 3)]
    np.testing.assert_allclose(scaled, [1 / 3, 0.0919, 0.0306], rtol=2e-3)
    assert np.all(np.isfinite(values)) and abs(values[n]) < 1e-15
