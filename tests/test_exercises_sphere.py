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
