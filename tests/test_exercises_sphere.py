"""Checkers of the sphere chapter: right answers pass, typical mistakes get their hint."""

import math

from inal_tutorial.exercises import sphere as checks


def test_harmonic_dimension_checker():
    assert checks.check_harmonic_dimension(5, 3, 30)
    wrong = checks.check_harmonic_dimension(5, 3, math.comb(7, 3))
    assert not wrong and "homogeneous" in wrong.message
    wrong = checks.check_harmonic_dimension(5, 3, math.comb(5, 3))
    assert not wrong and "distinct" in wrong.message
    assert not checks.check_harmonic_dimension(5, 3, 30.5)


def test_product_normalization_checker():
    assert checks.check_product_normalization(10, math.sqrt(120))
    wrong = checks.check_product_normalization(10, 120)
    assert not wrong and "square root" in wrong.message
    wrong = checks.check_product_normalization(10, 10)
    assert not wrong and "independent" in wrong.message
    wrong = checks.check_product_normalization(10, 1 / math.sqrt(120))
    assert not wrong and "inverse" in wrong.message


def test_relu_a1_checker():
    assert checks.check_relu_a1(10, 0.025)
    wrong = checks.check_relu_a1(10, 1 / (2 * math.sqrt(10)))
    assert not wrong and "square" in wrong.message
    wrong = checks.check_relu_a1(10, 0.1)
    assert not wrong and "t > 0" in wrong.message
    assert not checks.check_relu_a1(10, "1/(4n)")


def test_restricted_polynomial_dimension_checker():
    assert checks.check_restricted_polynomial_dimension(5, 3, 50)
    wrong = checks.check_restricted_polynomial_dimension(5, 3, math.comb(8, 3))
    assert not wrong and "vanish" in wrong.message
    wrong = checks.check_restricted_polynomial_dimension(5, 3, 30)
    assert not wrong and "exactly k" in wrong.message
    wrong = checks.check_restricted_polynomial_dimension(5, 3, 56 - 21)
    assert not wrong and "k - 2" in wrong.message
    assert not checks.check_restricted_polynomial_dimension(5, 3, 49)


def test_relu_a2_checker():
    m = math.gamma(5) / (math.sqrt(math.pi) * math.gamma(5.5))
    right = 10 * m**2 / (4 * 121)
    assert checks.check_relu_a2(10, right)
    assert checks.check_relu_a2(5, 5 / 1024)
    wrong = checks.check_relu_a2(10, math.sqrt(right))
    assert not wrong and "square" in wrong.message
    wrong = checks.check_relu_a2(10, 1 / (2 * math.pi * 100))
    assert not wrong and "large-n limit" in wrong.message
    wrong = checks.check_relu_a2(10, 2 * right)
    assert not wrong and "factor 2" in wrong.message
    wrong = checks.check_relu_a2(10, -right)
    assert not wrong and "positive" in wrong.message and "bit" not in wrong.message


def test_sphere_hints_are_not_cube_specific():
    for wrong in (checks.check_product_normalization(10, -math.sqrt(120)),
                  checks.check_product_normalization(10, 2 * math.sqrt(120)),
                  checks.check_relu_a1(10, -0.025), checks.check_relu_a1(10, 0.05)):
        assert not wrong and "bit" not in wrong.message and "Fourier" not in wrong.message
