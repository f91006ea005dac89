"""Checkers of the Fourier and alignment chapters: right answers pass, typical mistakes are named."""

import math

import numpy as np
import pytest
import torch

import inal_tutorial as it
from inal_tutorial.exercises import alignment as ea
from inal_tutorial.exercises import fourier as ef


def selection_table() -> torch.Tensor:
    x = it.all_inputs(3, dtype=torch.float64)
    return torch.where(x[:, 2] == 1, x[:, 0], x[:, 1])


# ---------------------------------------------------------------------------
# Fourier chapter
# ---------------------------------------------------------------------------


def test_selection_reference_is_the_transform():
    np.testing.assert_allclose(it.walsh_coefficients(selection_table()).numpy(),
                               ef.SELECTION_COEFFICIENTS, atol=1e-15)


@pytest.mark.parametrize("right", [
    ef.SELECTION_COEFFICIENTS,
    list(ef.SELECTION_COEFFICIENTS),
    torch.tensor(ef.SELECTION_COEFFICIENTS),
])
def test_selection_right(right):
    result = ef.check_selection_coefficients(right)
    assert result and "correct" in result.message


@pytest.mark.parametrize("wrong, words", [
    (8 * ef.SELECTION_COEFFICIENTS, "2^3 = 8 too large"),
    (selection_table().numpy(), "truth table"),
    ((np.eye(8)[0] - ef.SELECTION_COEFFICIENTS) / 2, "0/1 version"),
    (ef.SELECTION_COEFFICIENTS[[0, 4, 2, 6, 1, 5, 3, 7]], "bit-reversed"),
    (np.array([0, 0.5, 0.5, 0, 0, -0.5, 0.5, 0]), "exchanged"),
    (ef.SELECTION_COEFFICIENTS[:7], "shape"),
    (None, "return"),
    (-ef.SELECTION_COEFFICIENTS, "opposite sign"),
])
def test_selection_wrong(wrong, words):
    result = ef.check_selection_coefficients(wrong)
    assert not result
    assert words in result.message


def test_square_sum_reference_is_the_transform():
    x = it.all_inputs(3, dtype=torch.float64)
    table = x.sum(-1) ** 2
    np.testing.assert_allclose(it.degree_profile(table).numpy(), ef.SQUARE_SUM_PROFILE, atol=1e-12)
    assert float((table**2).mean()) == pytest.approx(21.0)


@pytest.mark.parametrize("wrong, words", [
    ([9, 0, 6, 0], "*squared*"),
    ([3, 0, 6, 0], "including W^0"),
    ([0, 0, 12, 0], "x_i^2 = 1"),
    ([9, 0, 3, 0], "appear twice"),
    ([9, 0, 12], "One entry too few"),
])
def test_square_sum_profile(wrong, words):
    assert ef.check_square_sum_profile([9.0, 0.0, 12.0, 0.0])
    result = ef.check_square_sum_profile(wrong)
    assert not result and words in result.message


@pytest.mark.parametrize("wrong, words", [
    (9, "(E f)^2"), (3, "E f, not"), (15, "square the coefficients"), (33, "twice"),
    ("21", "string"),
])
def test_square_sum_norm(wrong, words):
    assert ef.check_square_sum_norm(21)
    result = ef.check_square_sum_norm(wrong)
    assert not result and words in result.message


@pytest.mark.parametrize("n", [3, 5, 7, 11])
def test_majority_w1(n):
    table = it.truth_table(it.Majority(n))
    w1 = float(it.degree_profile(table)[1])
    assert ef.check_majority_w1(w1, n)
    coefficient = it.majority_coefficient(n, 1)
    assert "multiply one squared coefficient by n" in ef.check_majority_w1(coefficient**2, n).message
    assert "*squared*" in ef.check_majority_w1(n * coefficient, n).message
    assert "limit 2/π" in ef.check_majority_w1(2 / math.pi, n).message


def test_majority_w1_limit():
    assert ef.check_majority_w1(0.63662)
    assert "square it" in ef.check_majority_w1(math.sqrt(2 / math.pi)).message
    assert "reciprocal" in ef.check_majority_w1(math.pi / 2).message
    assert "3/4" in ef.check_majority_w1(0.75).message
    with pytest.raises(ValueError, match="odd"):
        ef.check_majority_w1(0.7, 4)


def test_no_low_degree():
    x = it.all_inputs(6, dtype=torch.float64)
    good = x[:, 0] * x[:, 1] * x[:, 2] * torch.sign(x[:, 3] + x[:, 4] + x[:, 5])
    result = ef.check_no_low_degree(good)
    assert result and "degrees 4, 6" in result.message
    parity = it.truth_table(it.Parity(6, k=4))
    assert "parity" in ef.check_no_low_degree(parity).message
    majority = it.truth_table(it.Majority(5))
    assert "degree 1" in ef.check_no_low_degree(majority).message
    degree_two = (x[:, 0] * x[:, 1]).numpy()
    assert "degree 2" in ef.check_no_low_degree(degree_two).message
    assert "0/1" in ef.check_no_low_degree((1 - good) / 2).message
    assert "length 2^n" in ef.check_no_low_degree(np.ones(10)).message
    assert "+1 and -1" in ef.check_no_low_degree(0.5 * good).message
    # with max_degree = 3 the degree-4 example still passes, with 4 it does not
    assert ef.check_no_low_degree(good, max_degree=3)
    assert not ef.check_no_low_degree(good, max_degree=4)


# ---------------------------------------------------------------------------
# Alignment chapter
# ---------------------------------------------------------------------------


def test_linear_neuron_reference_matches_exact_profile():
    profile = it.gaussian_first_layer_profile(3, "linear", "gaussian", 1.0)
    assert profile.inal(it.Majority(3)) == pytest.approx(0.25, rel=1e-12)


@pytest.mark.parametrize("wrong, words", [
    (0.75, "variance 1/n"), (1 / 12, "three degree-1"), (0.25 + 0.25 / 27, "degree-3"),
    (1.25, "mean 0"), (float("nan"), "NaN"),
])
def test_linear_neuron(wrong, words):
    assert ea.check_linear_neuron_inal(0.25)
    result = ea.check_linear_neuron_inal(wrong)
    assert not result and words in result.message


@pytest.mark.parametrize("n, s", [(4, 1.0), (9, 0.5), (16, 2.0)])
def test_quadratic_reference_matches_exact_profile(n, s):
    exact = it.gaussian_first_layer_profile(n, "quadratic", "gaussian", s).values
    np.testing.assert_allclose(ea.quadratic_profile(n, s), exact, rtol=1e-10, atol=1e-13)


def test_quadratic_profile_messages():
    n = 8
    right = ea.quadratic_profile(n)
    assert ea.check_quadratic_profile(right, n)
    wrong = right.copy()
    wrong[2] = 1 / n**2
    assert "appears twice" in ea.check_quadratic_profile(wrong, n).message
    wrong = right.copy()
    wrong[3] = 1 / n**3
    assert "A_k = 0 for k >= 3" in ea.check_quadratic_profile(wrong, n).message
    wrong = right.copy()
    wrong[0] = 4.0
    assert "|w|^2 is random" in ea.check_quadratic_profile(wrong, n).message
    wrong = right.copy()
    wrong[1] = 0.0
    assert "2b(w·x)" in ea.check_quadratic_profile(wrong, n).message
    assert "shape" in ea.check_quadratic_profile(right[:-1], n).message
    with pytest.raises(ValueError, match="n must be"):
        ea.check_quadratic_profile(right, 1)


def test_plugin_and_unbiased_means():
    c, v, n = 0.01, 0.9, 500
    assert ea.check_plugin_mean(c**2 + v / n)
    assert "true value" in ea.check_plugin_mean(c**2).message
    assert "add the true value" in ea.check_plugin_mean(v / n).message
    assert "not Var(a)/(N-1)" in ea.check_plugin_mean(c**2 + v / (n - 1)).message
    assert ea.check_unbiased_mean(c**2)
    assert "drops the diagonal" in ea.check_unbiased_mean(c**2 + v / n).message
    assert "*square*" in ea.check_unbiased_mean(c).message


def test_plugin_reference_by_simulation():
    # E[(mean a)^2] = (E a)^2 + Var(a)/N for i.i.d. a with mean 0.01 and variance 0.9
    gen = np.random.default_rng(0)
    c, v, n, reps = 0.01, 0.9, 500, 20000
    a = c + math.sqrt(v) * gen.choice([-1.0, 1.0], size=(reps, n))
    plugin = a.mean(1) ** 2
    unbiased = (a.sum(1) ** 2 - (a**2).sum(1)) / (n * (n - 1))
    se = plugin.std() / math.sqrt(reps)
    assert abs(plugin.mean() - (c**2 + v / n)) < 4 * se
    assert abs(unbiased.mean() - c**2) < 4 * unbiased.std() / math.sqrt(reps)


@pytest.mark.parametrize("n", [3, 9, 21])
def test_rademacher_sign_full_parity(n):
    exact = it.rademacher_first_layer_profile(n, "sign", "zero").values[n]
    assert ea.check_rademacher_sign_full_parity(exact, n)
    assert "large-n approximation" in ea.check_rademacher_sign_full_parity(
        2 / (math.pi * n), n).message
    assert "square the coefficient" in ea.check_rademacher_sign_full_parity(
        math.sqrt(exact), n).message
    with pytest.raises(ValueError, match="odd"):
        ea.check_rademacher_sign_full_parity(exact, n + 1)
