"""The exact first-layer profiles at scale (issue 18): the O(n^2) floating-point recurrences
agree with the former big-integer implementation, kept below as the reference.

For n <= 200 the new :func:`gaussian_first_layer_profile` and
:func:`rademacher_first_layer_profile` are compared with a verbatim copy of the former
algorithm (exact big-integer Krawtchouk tables, each weight correctly rounded, O(n^3)):
relative agreement 1e-10 where values are not tiny, absolute 1e-15 (times the scale
E[sigma^2]) near 0, and exact zeros wherever a symmetry forces them. No test is timed; the
timings are in benchmarks/bench_profiles.py.
"""

import math
import re
import sys
from pathlib import Path

import numpy as np
import pytest

import inal_tutorial as it
from inal_tutorial import profiles as pr

# --- The exact profiles before issue 18: benchmarks/former_profiles.py is the reference ---

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from former_profiles import (  # noqa: E402
    old_gaussian_profile,
    old_krawtchouk_table,
    old_rademacher_profile,
)

# --- Agreement with the former implementation ---------------------------------------------

ALL_ACTIVATIONS = ("relu", "sign", "abs", "tanh", "linear", "quadratic", "gelu", "sigmoid")
GAUSSIAN_BIASES = (("zero", 1.0), ("gaussian", 1.0), ("gaussian", 0.0), ("gaussian", 2.5))
RADEMACHER_BIASES = (("zero", 1.0), ("rademacher", 0.6), ("gaussian", 1.0), ("uniform", 1.0),
                     ("gaussian", 0.3), ("gaussian", 3.0))


def assert_matches_reference(new: np.ndarray, old: np.ndarray, what) -> None:
    """|new - old| <= 1e-10 |old| + 1e-15 max(1, |old|_max); exact zeros of the reference
    stay within the absolute tolerance."""
    assert new.shape == old.shape, what
    assert np.all(np.isfinite(new)), what
    scale = max(1.0, float(np.abs(old).max()))
    err = np.abs(new - old)
    bound = 1e-10 * np.abs(old) + 1e-15 * scale
    bad = np.nonzero(err > bound)[0]
    assert bad.size == 0, (what, bad[:10], new[bad[:10]], old[bad[:10]])


def cases(sizes, activations, biases):
    return [(n, a, b, s) for n in sizes for a in activations for b, s in biases]


GAUSSIAN_CASES = (cases((1, 2, 3, 8, 13, 64), ALL_ACTIVATIONS, GAUSSIAN_BIASES)
                  + cases((200,), ("relu", "sign", "abs", "tanh"), GAUSSIAN_BIASES))
RADEMACHER_CASES = (cases((1, 2, 3, 8, 13, 64), ALL_ACTIVATIONS, RADEMACHER_BIASES)
                    + cases((200,), ("relu", "sign", "tanh"), RADEMACHER_BIASES))


@pytest.mark.parametrize("n, activation, bias, bias_std", GAUSSIAN_CASES)
def test_gaussian_profile_matches_former_implementation(n, activation, bias, bias_std):
    new = it.gaussian_first_layer_profile(n, activation, bias, bias_std).values
    old = old_gaussian_profile(n, activation, bias, bias_std)
    assert_matches_reference(new, old, (n, activation, bias, bias_std))


@pytest.mark.parametrize("n, activation, bias, bias_std", RADEMACHER_CASES)
def test_rademacher_profile_matches_former_implementation(n, activation, bias, bias_std):
    new = it.rademacher_first_layer_profile(n, activation, bias, bias_std).values
    old = old_rademacher_profile(n, activation, bias, bias_std)
    assert_matches_reference(new, old, (n, activation, bias, bias_std))


@pytest.mark.parametrize("n, max_degree", [(1, 0), (9, 3), (9, 4), (9, 5), (10, 5), (10, 6),
                                           (120, 7), (120, 60), (121, 61), (120, 97)])
def test_max_degree_matches_former_implementation(n, max_degree):
    """Degrees above n/2 come from the reflection of lower ones; truncating must not lose them."""
    new = it.gaussian_first_layer_profile(n, "gelu", max_degree=max_degree).values
    assert_matches_reference(new, old_gaussian_profile(n, "gelu", max_degree=max_degree),
                             (n, max_degree))
    full = it.gaussian_first_layer_profile(n, "gelu").values
    np.testing.assert_allclose(new, full[:max_degree + 1], rtol=1e-12, atol=1e-17)
    for activation in ("relu", "tanh"):
        new = it.rademacher_first_layer_profile(n, activation, max_degree=max_degree).values
        old = old_rademacher_profile(n, activation, max_degree=max_degree)
        assert_matches_reference(new, old, (n, max_degree, activation))


def test_quadrature_options_match_former_implementation():
    new = it.gaussian_first_layer_profile(30, "sigmoid", quadrature_nodes=20).values
    assert_matches_reference(new, old_gaussian_profile(30, "sigmoid", quadrature_nodes=20), "gh")
    for activation in ("abs", "gelu"):
        new = it.rademacher_first_layer_profile(30, activation, "uniform", 0.7,
                                                nodes_per_piece=5).values
        old = old_rademacher_profile(30, activation, "uniform", 0.7, nodes_per_piece=5)
        assert_matches_reference(new, old, activation)


# --- Exact zeros forced by symmetry -------------------------------------------------------

ZERO_BIAS_PARITY = {  # degrees where A_k = 0 with a zero bias
    "relu": lambda k: k % 2 == 1 and k >= 3,
    "gelu": lambda k: k % 2 == 1 and k >= 3,
    "abs": lambda k: k % 2 == 1,
    "quadratic": lambda k: k % 2 == 1 or k >= 3,
    "sign": lambda k: k % 2 == 0,
    "tanh": lambda k: k % 2 == 0,
    "linear": lambda k: k % 2 == 0 or k >= 2,
    "sigmoid": lambda k: k % 2 == 0 and k >= 2,
}


@pytest.mark.parametrize("n", [1, 2, 5, 8, 13, 40, 64, 257])
@pytest.mark.parametrize("activation", ALL_ACTIVATIONS)
def test_zero_bias_symmetry_zeros_are_exact(n, activation):
    forced = np.array([ZERO_BIAS_PARITY[activation](k) for k in range(n + 1)])
    gaussian = it.gaussian_first_layer_profile(n, activation, "zero").values
    assert np.all(gaussian[forced] == 0.0)
    rademacher = it.rademacher_first_layer_profile(n, activation, "zero").values
    if activation == "sign" and n % 2 == 0:
        # sign(0) = +1: on the lattice of even n the activation is not odd, nothing vanishes
        assert np.all(rademacher[forced] > 0)
    else:
        assert np.all(rademacher[forced] == 0.0)
    # with a nonzero bias only the polynomial degrees vanish
    polynomial = {"linear": 2, "quadratic": 3}.get(activation, n + 1)
    for values in (it.gaussian_first_layer_profile(n, activation, bias_std=0.5).values,
                   it.rademacher_first_layer_profile(n, activation, "uniform", 0.5).values):
        assert np.all(values[polynomial:] == 0.0)


# --- Large n: no overflow, the known limits -----------------------------------------------

@pytest.mark.parametrize("n", [1000, 4096])
def test_large_n_profiles_are_finite_and_tend_to_hermite(n):
    gaussian = it.gaussian_first_layer_profile(n).values
    rademacher = it.rademacher_first_layer_profile(n).values
    for values in (gaussian, rademacher):
        assert values.shape == (n + 1,) and np.all(np.isfinite(values))
        assert np.all(values > -1e-15)  # squares, up to rounding
        assert values[0] == pytest.approx(0.609, abs=2e-3)  # E_b[c_0(b)^2], N(0, 1) bias
    hermite = it.hermite_profile(n, 3)
    # n^k A_k(n) -> E_b[c_k(b)^2] = 0.333, 0.092, 0.031 with corrections O(k^2 / n)
    for k in (1, 2, 3):
        for values in (gaussian, rademacher):
            assert values[k] / hermite[k] == pytest.approx(1.0, abs=3 * k * k / n)
    # the full parity: exponentially small (Gaussian), n^2 A_n ~ 0.0306 (Rademacher)
    assert abs(gaussian[n]) < 1e-15
    assert n**2 * rademacher[n] == pytest.approx(0.0306, rel=0.01)


def test_large_n_smooth_activation_with_continuous_bias():
    n = 1024
    values = it.rademacher_first_layer_profile(n, "tanh", "gaussian", 1.0).values
    assert np.all(np.isfinite(values))
    gaussian = it.gaussian_first_layer_profile(n, "tanh", "gaussian", 1.0).values
    np.testing.assert_allclose(values[:3], gaussian[:3], rtol=5e-3)  # both -> Hermite


def test_krawtchouk_rows_match_exact_integers():
    """The floating-point recurrence (with the reflection above n/2) against exact integers,
    weighted by the binomial probabilities as the profiles use them."""
    n = 300
    d = np.arange(n + 1)
    exact = old_krawtchouk_table(n, n)
    binomial = pr._binomial_weights(n)
    assert all(binomial[j] == math.comb(n, j) / 2**n for j in range(n + 1))
    seen = np.zeros(n + 1, dtype=int)
    for ks, rows in pr._krawtchouk_blocks(n, n, d):
        for k, row in zip(ks, rows, strict=True):
            seen[k] += 1
            reference = np.array([math.comb(n, j) * exact[k][j] / (2**n * math.comb(n, k))
                                  for j in range(n + 1)])
            assert np.abs(binomial * row - reference).sum() < 1e-14, k
    assert np.all(seen == 1)


# --- Bad input and the cost guard ---------------------------------------------------------

@pytest.mark.parametrize("call, error, words", [
    (lambda: it.gaussian_first_layer_profile(4097), ValueError, r"n must be an integer in"),
    (lambda: it.rademacher_first_layer_profile(4097), ValueError, r"n must be an integer in"),
    (lambda: it.gaussian_first_layer_profile(10, max_degree=11), ValueError, r"max_degree"),
    (lambda: it.rademacher_first_layer_profile(10, max_degree=-1), ValueError, r"max_degree"),
    (lambda: it.rademacher_first_layer_profile(10, max_degree=2.0), TypeError, r"max_degree"),
    (lambda: it.gaussian_first_layer_profile(10, "tanh", quadrature_nodes=7), ValueError,
     r"quadrature_nodes"),
    (lambda: it.rademacher_first_layer_profile(10, nodes_per_piece=201), ValueError,
     r"nodes_per_piece"),
    (lambda: it.rademacher_first_layer_profile(10, "softplus"), ValueError, r"activation"),
    (lambda: it.gaussian_first_layer_profile(10, bias_std="1"), TypeError, r"bias_std"),
    (lambda: it.rademacher_first_layer_profile(4096, "tanh", "gaussian", 10.0), ValueError,
     r"n, max_degree, nodes_per_piece, bias_std too large for the exact profile"),
])
def test_bad_input(call, error, words):
    with pytest.raises(error, match=words):
        call()


def test_cost_guard_names_a_max_degree_that_fits():
    with pytest.raises(ValueError, match=r"max_degree must be at most \d+") as info:
        it.rademacher_first_layer_profile(4096, "gelu", "gaussian", 10.0)
    largest = int(re.search(r"max_degree must be at most (\d+)", str(info.value)).group(1))
    assert 0 <= largest < 4096
    # one degree more than the hint is refused; the hint itself is the largest that fits
    with pytest.raises(ValueError, match="too large"):
        it.rademacher_first_layer_profile(4096, "gelu", "gaussian", 10.0, max_degree=largest + 1)
    kept, points = (int(v) for v in re.search(r"= \d+ x (\d+) x (\d+) =",
                                              str(info.value)).groups())
    assert (largest + 1) * kept * points <= pr.EXACT_PROFILE_COST < (largest + 2) * kept * points


def test_cheap_paths_have_no_cost_guard():
    """Every path but smooth activation x continuous bias is O(n max_degree): n = 4096 runs."""
    assert it.rademacher_first_layer_profile(4096, "tanh", "rademacher", 1.0,
                                             max_degree=5).values.shape == (6,)
    assert it.rademacher_first_layer_profile(4096, "relu", "gaussian", 30.0,
                                             max_degree=5).values.shape == (6,)
    assert it.gaussian_first_layer_profile(4096, "relu", max_degree=5).values.shape == (6,)
