"""Tests of the exercise checkers of the chapter *Where the lower bound stops*: right
answers pass, typical mistakes are named."""

import math

import numpy as np
import pytest

from inal_tutorial.exercises import beyond_the_bound as ex

SIZES = [8, 32, 128, 512, 2048]


def test_matched_steps():
    assert ex.matched_steps(2**15, SIZES).tolist() == [4096, 1024, 256, 64, 16]
    assert ex.matched_steps(100, [3]).tolist() == [33]
    with pytest.raises(ValueError):
        ex.matched_steps(0, [1])
    with pytest.raises(ValueError):
        ex.matched_steps(10, [])


def test_check_matched_steps():
    assert ex.check_matched_steps(2**15, SIZES, [4096, 1024, 256, 64, 16])
    sizes = np.array(SIZES, dtype=float)
    wrong = ex.check_matched_steps(2**15, SIZES, 2**15 * sizes)
    assert not wrong and "multiplied" in wrong.message
    wrong = ex.check_matched_steps(2**15, SIZES, sizes / 2**15)
    assert not wrong and "B / budget" in wrong.message
    wrong = ex.check_matched_steps(2**15, SIZES, [2**15] * 5)
    assert not wrong and "same number of steps" in wrong.message
    assert not ex.check_matched_steps(2**15, SIZES, [4096, 1024])
    assert not ex.check_matched_steps(2**15, SIZES, None)


def test_sq_query_bound():
    assert ex.sq_query_bound(64, 3, 32**-0.5) == pytest.approx(41664 / 32 - 1)
    with pytest.raises(ValueError):
        ex.sq_query_bound(3, 4, 0.1)
    with pytest.raises(ValueError):
        ex.sq_query_bound(10, 2, 0.0)


def test_check_sq_query_bound():
    tau = 32**-0.5
    assert ex.check_sq_query_bound(64, 3, tau, math.comb(64, 3) / 32 - 1)
    wrong = ex.check_sq_query_bound(64, 3, tau, math.comb(64, 3) * tau - 1)
    assert not wrong and "tau squared" in wrong.message
    wrong = ex.check_sq_query_bound(64, 3, tau, math.comb(64, 3) / 32)
    assert not wrong and "-1" in wrong.message
    wrong = ex.check_sq_query_bound(64, 3, tau, 64**3 / 32 - 1)
    assert not wrong and "C(n, k)" in wrong.message
    wrong = ex.check_sq_query_bound(64, 3, tau, 2.0**64 / 32 - 1)
    assert not wrong and "2^n" in wrong.message


def test_loglog_slope_recovers_a_power_law():
    ns = [16, 32, 64]
    assert ex.loglog_slope(ns, [3 * n**1.5 for n in ns]) == pytest.approx(1.5)
    with pytest.raises(ValueError):
        ex.loglog_slope([16], [10])
    with pytest.raises(ValueError):
        ex.loglog_slope([16, 32], [10, -1])


def test_check_loglog_slope():
    ns, steps = [16, 32, 64], [410.0, 1070.0, 1520.0]
    right = np.polyfit(np.log(ns), np.log(steps), 1)[0]
    assert ex.check_loglog_slope(ns, steps, right)
    inverse = np.polyfit(np.log(steps), np.log(ns), 1)[0]
    wrong = ex.check_loglog_slope(ns, steps, inverse)
    assert not wrong and "log n on log T" in wrong.message
    no_log = np.polyfit(np.log(ns), steps, 1)[0]
    wrong = ex.check_loglog_slope(ns, steps, no_log)
    assert not wrong and "without taking the log of T" in wrong.message
    exponential = np.polyfit(ns, np.log(steps), 1)[0]
    wrong = ex.check_loglog_slope(ns, steps, exponential)
    assert not wrong and "exponential" in wrong.message
    assert not ex.check_loglog_slope(ns, steps, "1.0")


def test_check_loglog_slope_accepts_the_printed_two_decimals():
    ns, steps = [16, 32, 64, 128], [410.0, 1070.0, 1520.0, 2905.0]
    right = ex.loglog_slope(ns, steps)
    assert ex.check_loglog_slope(ns, steps, round(right, 2))
    assert not ex.check_loglog_slope(ns, steps, right + 0.05)
