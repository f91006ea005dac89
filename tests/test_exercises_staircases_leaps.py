"""Checkers of the chapter Staircases and leaps: right answers pass, typical mistakes
fail with the right hint."""

import numpy as np

from inal_tutorial.exercises import staircases_leaps as checks


def test_leap_checker():
    assert checks.check_leap(2)
    assert checks.check_leap(2.0)
    assert "minimum over all orders" in checks.check_leap(4).message
    assert "first monomial also counts" in checks.check_leap(1).message
    assert not checks.check_leap(3)
    assert not checks.check_leap(None)
    assert not checks.check_leap("2")


def test_merged_staircase_checker():
    assert checks.check_merged_staircase([True, False, True])
    wrong = checks.check_merged_staircase([True, True, True])
    assert not wrong and "two new coordinates" in wrong.message
    wrong = checks.check_merged_staircase([True, False, False])
    assert not wrong and "order is yours" in wrong.message
    assert not checks.check_merged_staircase([True, False])
    assert not checks.check_merged_staircase("yes")
    assert not checks.check_merged_staircase([1, 0, "x"])


def test_step_exponent_checker():
    assert checks.check_step_exponents([1, 1, 2, 3])
    assert checks.check_step_exponents(np.array([1.0, 1.0, 2.0, 3.0]))
    assert "log factor" in checks.check_step_exponents([1, 1, 2, 3]).message
    assert "time" in checks.check_step_exponents([2, 2, 3, 4]).message
    assert "not free" in checks.check_step_exponents([0, 1, 2, 3]).message
    assert "one less" in checks.check_step_exponents([1, 2, 3, 4]).message
    assert not checks.check_step_exponents([1, 1, 2])
    assert not checks.check_step_exponents(None)
