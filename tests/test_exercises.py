"""The shared exercise-checking helpers and the projects chapter's checkers.

Right answers pass; each typical wrong answer gets its specific message.
"""

import math

import numpy as np
import pytest
import torch

import inal_tutorial as it
from inal_tutorial.exercises import (
    Feedback,
    all_of,
    as_numeric,
    check_close,
    check_estimate,
    check_function,
    check_in_interval,
    check_integer,
    check_option,
    check_probability,
    check_shape,
    check_subset,
    check_truth_table,
    projects,
)
from inal_tutorial.exercises import explorers as explorers_checks

MAJ3 = np.array([0.0, 0.75, 0.0, 0.25])  # W^k(Maj_3), k = 0..3


# --- Feedback ------------------------------------------------------------------------------


def test_feedback_is_truthy_and_prints_a_mark():
    good, bad = Feedback(True, "fine."), Feedback(False, "wrong.")
    assert bool(good) and not bool(bad)
    assert str(good) == "✓ fine." and str(bad) == "✗ wrong."


def test_feedback_pretty_repr_is_the_text():
    from IPython.lib.pretty import pretty

    assert pretty(Feedback(False, "wrong.")) == "✗ wrong."


def test_all_of_lists_only_the_wrong_parts():
    both = all_of(Feedback(True, "a ok."), Feedback(False, "b wrong."), Feedback(False, "c wrong."))
    assert not both and both.message == "b wrong. c wrong."
    assert all_of(Feedback(True, "a ok."), Feedback(True, "b ok.")).ok


def test_all_of_rejects_bad_input():
    with pytest.raises(ValueError, match="at least one"):
        all_of()
    with pytest.raises(TypeError, match="Feedback"):
        all_of(True)


# --- reading answers -----------------------------------------------------------------------


@pytest.mark.parametrize("answer, phrase", [
    (None, "forget to `return`"),
    ("0.75", "string '0.75'"),
    ({1: 0.5}, "dict"),
    ({0.5, 0.25}, "set, which has no order"),
    (True, "boolean True"),
    ([True, False], "booleans"),
    ([[1, 2], [3]], "different lengths"),
    (np.array([1j, 0.5]), "complex entries"),
    (lambda x: x, "a function, not a value"),
])
def test_as_numeric_explains_non_numbers(answer, phrase):
    result = as_numeric(answer, "the answer")
    assert isinstance(result, Feedback) and not result
    assert phrase in result.message


def test_as_numeric_accepts_numbers_arrays_and_tensors():
    assert as_numeric(3, "a").dtype == np.float64
    np.testing.assert_array_equal(as_numeric([[1, 2], [3, 4]], "a"), [[1.0, 2.0], [3.0, 4.0]])
    tensor = torch.tensor([0.5, 0.25], requires_grad=True)
    np.testing.assert_array_equal(as_numeric(tensor, "a"), [0.5, 0.25])
    np.testing.assert_array_equal(as_numeric(np.array([1 + 0j, 2 + 0j]), "a"), [1.0, 2.0])


# --- shapes ----------------------------------------------------------------------------------


@pytest.mark.parametrize("answer, shape, phrase", [
    (np.zeros(1), (), "It holds one number"),
    (np.zeros(3), (), "A single number is asked for"),
    (np.float64(1.0), (4,), "Yours is a single number"),
    (np.zeros((3, 2)), (2, 3), "looks transposed"),
    (np.zeros((1, 4)), (4,), "right number of entries"),
    (np.zeros(3), (4,), "One entry too few"),
    (np.zeros(5), (4,), "One entry too many"),
])
def test_check_shape_names_the_cause(answer, shape, phrase):
    result = check_shape(answer, shape, "W")
    assert result is not None and not result
    assert result.message.startswith(f"W should have shape {shape}, but yours has shape")
    assert phrase in result.message


def test_check_shape_returns_none_when_right():
    assert check_shape(np.zeros((2, 3)), (2, 3), "W") is None


# --- check_close -----------------------------------------------------------------------------


def test_check_close_accepts_the_right_answer_in_any_container():
    for answer in (MAJ3, list(MAJ3), tuple(MAJ3), torch.tensor(MAJ3), MAJ3 + 1e-12):
        result = check_close(answer, MAJ3, "W^k(Maj_3)")
        assert result and result.message == "W^k(Maj_3) is correct."


def test_check_close_tolerance_is_the_documented_one():
    assert check_close(1.0 + 0.9e-3, 1.0, "x", rtol=1e-3, atol=0)
    assert not check_close(1.0 + 1.1e-3, 1.0, "x", rtol=1e-3, atol=0)
    assert check_close(1e-10, 0.0, "x", atol=1e-9)
    assert not check_close(1e-8, 0.0, "x", atol=1e-9)


@pytest.mark.parametrize("answer, phrase", [
    (-MAJ3, "opposite sign"),
    (8 * MAJ3, "a factor 2^3 = 8 too large"),
    (MAJ3 / 2, "a factor 2 too small"),
    (3 * MAJ3, "a factor 3 too large"),
    (-2 * MAJ3, "opposite sign and is a factor 2 too large"),
    (0.3 * MAJ3, "off by a constant factor 0.3"),
    (MAJ3**2, "square of the right value"),
    (np.sqrt(MAJ3), "did you forget to square"),
    (MAJ3[::-1], "reverse order"),
    (np.array([0.0, 0.25, 0.0, 0.75]), "wrong order"),
    (MAJ3 + 1e-4, "close (largest relative error 0.00013)"),
    (np.array([0.0, 0.7, 0.0, 0.2]), "2 of 4 entries are wrong; the largest error is at index 1"),
])
def test_check_close_diagnoses_typical_mistakes(answer, phrase):
    result = check_close(answer, MAJ3, "W^k(Maj_3)")
    assert not result
    assert result.message.startswith("W^k(Maj_3) is not right: ")
    assert phrase in result.message


def test_check_close_reports_nan_and_where():
    result = check_close([np.nan, 0.75, np.inf, 0.25], MAJ3, "W")
    assert not result
    assert "contains NaN at index 0, 2 (2 of 4 entries)" in result.message
    scalar = check_close(float("inf"), 1.0, "x")
    assert "contains infinity" in scalar.message
    matrix = check_close(np.array([[0.0, np.nan], [1.0, 1.0]]), np.ones((2, 2)), "M")
    assert "at index (0, 1)" in matrix.message


def test_check_close_user_hints_come_first():
    hints = {"this is the unnormalized transform (divide by 2^n).": 8 * MAJ3}
    result = check_close(8 * MAJ3, MAJ3, "W", hints=hints)
    assert result.message == "W is not right: this is the unnormalized transform (divide by 2^n)."


def test_check_close_generic_scalar_message_and_no_diagnosis_option():
    result = check_close(0.7, 0.25, "x")
    assert result.message == ("x is not right: got 0.7; check the formula and the "
                              "normalization.")
    plain = check_close(-0.25, 0.25, "x", diagnose=False)
    assert "opposite sign" not in plain.message and "got -0.25" in plain.message


def test_check_close_never_reveals_the_expected_value():
    expected = 0.123456
    for answer in (0.5, 2 * expected, -expected, expected + 1e-4):
        assert "0.123456" not in check_close(answer, expected, "x").message


def test_check_close_does_not_call_zero_a_factor():
    # A zero answer is not "a constant factor 0 off"; zeros where values are expected are wrong.
    result = check_close(np.zeros(4), MAJ3, "W")
    assert not result and "factor" not in result.message


# --- counts, probabilities, ranges, estimates -----------------------------------------------


def test_check_integer():
    assert check_integer(10, 10, "C(5,2)") and check_integer(10.0, 10, "C(5,2)")
    assert "off by one" in check_integer(11, 10, "C(5,2)").message
    assert "whole number" in check_integer(10.5, 10, "C(5,2)").message
    assert "a factor 2 too large" in check_integer(20, 10, "C(5,2)").message
    assert "opposite sign" in check_integer(-10, 10, "C(5,2)").message
    hinted = check_integer(32, 10, "C(5,2)", hints={"that is 2^5, all subsets.": 32})
    assert hinted.message == "C(5,2) is not right: that is 2^5, all subsets."
    assert "shape" in check_integer([10, 10], 10, "C").message


def test_check_probability():
    assert check_probability(0.5, "p") and check_probability(1, "p") and check_probability(0, "p")
    assert "percentage" in check_probability(50, "p").message
    assert "in [0, 1]" in check_probability(-0.1, "p").message
    assert "NaN" in check_probability(float("nan"), "p").message


def test_check_in_interval():
    assert check_in_interval(0.5, 0.0, 1.0, "x")
    small = check_in_interval(-1, 0.0, 1.0, "x", reason="A square is never negative.")
    assert small.message == "x is too small: got -1, expected at least 0. A square is never negative."
    assert "too large" in check_in_interval(2, 0.0, 1.0, "x").message
    with pytest.raises(ValueError, match="low must be <= high"):
        check_in_interval(0.5, 1.0, 0.0, "x")


def test_check_estimate():
    assert check_estimate(0.26, 0.25, 0.01, "INAL")
    far = check_estimate(0.35, 0.25, 0.01, "INAL")
    assert not far and "10.0 standard errors" in far.message and "too large" in far.message
    hinted = check_estimate(0.35, 0.25, 0.01, "INAL",
                            hints={"the plug-in estimator is biased upward.": 0.351})
    assert hinted.message == "INAL is not right: the plug-in estimator is biased upward."
    with pytest.raises(ValueError, match="stderr"):
        check_estimate(0.3, 0.25, 0.0, "INAL")
    with pytest.raises(ValueError, match="z"):
        check_estimate(0.3, 0.25, 0.1, "INAL", z=-1)


# --- sets, truth tables, functions, options ---------------------------------------------------


def test_check_subset():
    assert check_subset([2, 0, 1], [0, 1, 2], "S") and check_subset({0, 1, 2}, (0, 1, 2), "S")
    assert check_subset(np.array([0, 1]), [0, 1], "S") and check_subset(torch.tensor([1]), [1], "S")
    assert "1-based" in check_subset([1, 2, 3], [0, 1, 2], "S", n=3).message
    assert "1-based" in check_subset([1, 2, 3], [0, 1, 2], "S").message
    assert "must lie in [0, 4]" in check_subset([0, 7], [0, 1], "S", n=5).message
    mixed = check_subset([0, 5], [0, 1, 2], "S")
    assert mixed.message == ("S is not right: it contains [5], which do not belong and 2 "
                             "coordinates are missing.")
    assert "more than once" in check_subset([0, 0], [0], "S").message
    assert "integer coordinate" in check_subset([0.5], [0], "S").message
    assert "collection" in check_subset("01", [0, 1], "S").message
    assert "forget to `return`" in check_subset(None, [0], "S").message


def test_check_truth_table_mistakes():
    table = it.truth_table(it.Majority(3)).numpy()
    assert check_truth_table(table, table, "T") and check_truth_table(torch.tensor(table), table, "T")
    assert "0/1 values (0 for +1 and 1 for -1)" in check_truth_table((1 - table) / 2, table,
                                                                      "T").message
    assert "0/1 values (1 for +1 and 0 for -1)" in check_truth_table((1 + table) / 2, table,
                                                                      "T").message
    assert "negation" in check_truth_table(-table, table, "T").message
    dictator = it.truth_table(it.Parity(3, [0])).numpy()
    reversed_bits = dictator[[0, 4, 2, 6, 1, 5, 3, 7]]
    assert "bit-reversed" in check_truth_table(reversed_bits, dictator, "T").message
    junta = it.truth_table(it.Junta(3, [0, 1], [1, 1, 1, -1])).numpy()
    assert "opposite convention" in check_truth_table(junta[::-1], junta, "T").message
    flipped = table.copy()
    flipped[[1, 6]] *= -1
    assert "2 of 8 rows are wrong (rows 1, 6)" in check_truth_table(flipped, table, "T").message
    assert "flatten" in check_truth_table(table[:, None], table, "T").message
    with pytest.raises(ValueError, match="2\\^n"):
        check_truth_table([1, 1, 1], [1, 1, 1], "T")


def test_check_function():
    parity = it.Parity(4, [0, 2])
    assert check_function(lambda x: x[:, 0] * x[:, 2], parity, 4, "chi")
    assert check_function(lambda x: (x[:, 0] * x[:, 2]).numpy(), it.truth_table(parity), 4, "chi")
    keepdim = check_function(lambda x: x[:, [0, 2]].prod(1, keepdim=True), parity, 4, "chi")
    assert "shape (16, 1)" in keepdim.message
    raising = check_function(lambda x: x.no_such_thing, parity, 4, "chi")
    assert raising.message.startswith("chi raised AttributeError")
    assert "forget to `return`" in check_function(lambda x: None, parity, 4, "chi").message
    assert "negation" in check_function(lambda x: -x[:, 0] * x[:, 2], parity, 4, "chi").message
    assert "should be a function" in check_function(3, parity, 4, "chi").message
    with pytest.raises(ValueError, match="n must be"):
        check_function(lambda x: x[:, 0], parity, 17, "chi")


def test_check_option():
    explanations = {"majority": "Majority has W^1 about 2/pi.", "parity": "Degree k, not 1."}
    right = check_option(" Majority ", "majority", "q", explanations=explanations)
    assert right and right.message == "q is correct. Majority has W^1 about 2/pi."
    wrong = check_option("parity", "majority", "q", options=["parity", "majority"],
                         explanations=explanations)
    assert wrong.message == "q is not right. Degree k, not 1."
    outside = check_option("staircase", "majority", "q", options=["parity", "majority"])
    assert outside.message == "q: 'staircase' is not one of the options ('parity', 'majority')."
    assert check_option(3, 3, "q", options=[1, 2, 3])


def test_exercises_package_exports_every_helper():
    import inal_tutorial.exercises as ex
    from inal_tutorial.exercises import _feedback

    assert set(_feedback.__all__) <= set(ex.__all__)
    for name in ex.__all__:
        assert hasattr(ex, name)


def test_majority_reference_values_used_above():
    # The reference profile of Maj_3 in this file is the package's closed form.
    np.testing.assert_allclose(it.majority_degree_profile(3), MAJ3, atol=1e-15)
    assert math.isclose(MAJ3.sum(), 1.0)


# --- the projects chapter's checkers ---------------------------------------------------------



def test_maj3_coefficients_are_the_package_transform():
    expected = np.zeros(8)
    expected[[1, 2, 4]], expected[7] = 0.5, -0.5
    np.testing.assert_allclose(projects.MAJ3_COEFFICIENTS, expected, atol=1e-15)


def test_check_maj3_coefficients_messages():
    right = projects.MAJ3_COEFFICIENTS
    assert projects.check_maj3_coefficients(right)
    assert "*mean*" in projects.check_maj3_coefficients(8 * right).message
    flipped = right.copy()
    flipped[7] *= -1
    assert "x0*x1*x2 has the wrong sign" in projects.check_maj3_coefficients(flipped).message
    by_degree = right[[0, 1, 2, 4, 3, 5, 6, 7]]
    assert "listed by degree" in projects.check_maj3_coefficients(by_degree).message
    assert "shape (8,)" in projects.check_maj3_coefficients(right[:4]).message


def test_check_maj3_degree_profile_messages():
    assert projects.check_maj3_degree_profile([0, 0.75, 0, 0.25])
    assert "not of their squares" in projects.check_maj3_degree_profile([0, 1.5, 0, -0.5]).message
    assert "single coefficients" in projects.check_maj3_degree_profile([0, 0.5, 0, -0.5]).message
    assert "One entry too few" in projects.check_maj3_degree_profile([0.75, 0, 0.25]).message


def test_check_orbit_cp_against_the_package_and_monte_carlo():
    weights = [0.0, 0.75, 0.0, 0.25]
    cp6 = 0.75**2 / 6 + 0.25**2 / 20
    assert projects.check_orbit_cp(cp6, 6)
    assert projects.check_orbit_cp(0.25, 3)
    assert math.isclose(it.orbit_cp_from_profile(weights, 6), cp6)
    mc = it.orbit_cross_predictability(it.Embedded(it.Majority(3), 6), method="monte_carlo",
                                       n_samples=2000, seed=1)
    assert abs(mc.value - cp6) < 4 * mc.stderr
    assert "must be squared" in projects.check_orbit_cp(0.75 / 6 + 0.25 / 20, 6).message
    assert "divided by C(n, k)" in projects.check_orbit_cp(0.625, 6).message
    squared = 0.75**2 / 36 + 0.25**2 / 400
    assert "not by its square" in projects.check_orbit_cp(squared, 6).message


def test_check_orbit_cp_does_not_trust_the_students_profile():
    # The CP of a wrong profile (W^1 = 1: a dictator) must not pass for Maj_3.
    wrong = it.orbit_cp_from_profile([0.0, 1.0, 0.0, 0.0], 6)
    assert math.isclose(wrong, 1 / 6)
    assert not projects.check_orbit_cp(wrong, 6)
    # ... but it is right for the dictator itself.
    assert projects.check_orbit_cp(wrong, 6, it.Parity(1, [0]))
    parity2 = it.Parity(4, k=2)
    assert projects.check_orbit_cp(1 / math.comb(8, 2), 8, parity2)
    with pytest.raises(ValueError, match="smaller than"):
        projects.check_orbit_cp(0.1, 2)
    with pytest.raises(TypeError, match="int"):
        projects.check_orbit_cp(0.1, 6.0)


def test_check_counting_bound_matches_the_package():
    bound = it.counting_bound(it.parity_sq_dimension(30, 3), 0.05)
    assert math.isclose(bound, 4059 * 0.0025)
    assert projects.check_counting_bound(bound, 30, 3, 0.05)
    assert "not the 2^n parities" in projects.check_counting_bound((2**30 - 1) * 0.0025, 30, 3,
                                                                    0.05).message
    assert "tau^2, not tau" in projects.check_counting_bound(4059 * 0.05, 30, 3, 0.05).message
    assert "weaker form" in projects.check_counting_bound(4060 * 0.0025 - 1, 30, 3, 0.05).message


def test_check_embedded_parity_cp():
    assert projects.check_embedded_parity_cp(1 / 252, 5)
    assert math.isclose(it.orbit_cp_from_profile(np.eye(6)[5], 10), 1 / 252)
    assert "before embedding" in projects.check_embedded_parity_cp(1.0, 5).message
    assert "all parities on 2n bits" in projects.check_embedded_parity_cp(2.0**-10, 5).message
    assert "not by its square" in projects.check_embedded_parity_cp(1 / 252**2, 5).message


def test_check_quadratic_degrees_against_the_profile():
    profile = it.first_layer_profile(6, "quadratic", "gaussian", "gaussian", n_neurons=50)
    positive = [k for k, a in enumerate(profile.values) if a > 1e-12]
    assert positive == [0, 1, 2]
    assert projects.check_quadratic_degrees(positive, 6)
    assert not projects.check_quadratic_degrees(positive, 6, bias=False)
    assert "2b(w.x) is linear" in projects.check_quadratic_degrees([0, 2], 6).message
    assert "x_i^2 = 1" in projects.check_quadratic_degrees([2], 6).message
    assert "collection of degree" in projects.check_quadratic_degrees("012", 6).message


def test_check_quadratic_degrees_without_bias():
    profile = it.first_layer_profile(6, "quadratic", "gaussian", "zero", n_neurons=50)
    positive = [k for k, a in enumerate(profile.values) if a > 1e-12]
    assert positive == [0, 2]
    assert projects.check_quadratic_degrees(positive, 6, bias=False)
    assert not projects.check_quadratic_degrees(positive, 6)
    assert "b = 0" in projects.check_quadratic_degrees([0, 1, 2], 6, bias=False).message
    assert "x_i^2 = 1" in projects.check_quadratic_degrees([2], 6, bias=False).message
    with pytest.raises(TypeError, match="bias"):
        projects.check_quadratic_degrees([0, 2], 6, bias="zero")
    with pytest.raises(ValueError, match="at least 2"):
        projects.check_quadratic_degrees([0], 1)


# --- the explorers page's checkers ------------------------------------------------------------


def test_check_relu_vanishing_degrees():
    assert explorers_checks.check_relu_vanishing_degrees([3, 5, 7, 9], 10)
    assert explorers_checks.check_relu_vanishing_degrees([3], 4)
    assert "degree 1 does not vanish" in explorers_checks.check_relu_vanishing_degrees(
        [1, 3, 5, 7, 9], 10).message
    assert "|z| is even" in explorers_checks.check_relu_vanishing_degrees([2, 4], 10).message
    assert "forget to `return`" in explorers_checks.check_relu_vanishing_degrees(None, 10).message


def test_check_majority_level_one():
    ns = [1, 3, 5, 7]
    values = [it.majority_degree_profile(m)[1] for m in ns]
    assert explorers_checks.check_majority_level_one(values, ns)
    single = [it.majority_coefficient(m, 1) for m in ns]
    assert "single coefficients" in explorers_checks.check_majority_level_one(single,
                                                                               ns).message
    assert "limit 2/pi" in explorers_checks.check_majority_level_one([2 / math.pi] * 4,
                                                                      ns).message
    with pytest.raises(ValueError, match="odd"):
        explorers_checks.check_majority_level_one(values, [2, 4])


def test_check_parity_exponent():
    assert explorers_checks.check_parity_exponent(-2.0)
    assert "wrong sign" in explorers_checks.check_parity_exponent(2.0).message
    assert "too large" in explorers_checks.check_parity_exponent(-0.9).message
    assert "NaN" in explorers_checks.check_parity_exponent(float("nan")).message
