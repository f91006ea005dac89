"""Checkers of the cross-predictability chapter: right answers pass, typical mistakes are named."""

import math

import pytest

import inal_tutorial as it
from inal_tutorial.exercises import cross_predictability as ex


def test_k_parity_cp():
    assert ex.check_k_parity_cp(6, 2, 1 / 15)
    assert "diagonal" in ex.check_k_parity_cp(6, 2, 0.0).message
    assert "all 2^n parities" in ex.check_k_parity_cp(6, 2, 2.0**-6).message
    assert "class size" in ex.check_k_parity_cp(6, 2, 15).message
    assert not ex.check_k_parity_cp(6, 2, 0.5)
    with pytest.raises(ValueError):
        ex.check_k_parity_cp(3, 4, 1.0)


def test_majority3_orbit_cps():
    assert ex.check_majority3_orbit_cps(0.25, 0.25, 1.0)
    wrong = ex.check_majority3_orbit_cps(0.75**2 / 3, 0.25, 1.0)
    assert not wrong and "degree-1 term" in wrong.message
    wrong = ex.check_majority3_orbit_cps(0.25, 1.0, 1.0)
    assert not wrong and "fourth powers" in wrong.message
    assert not ex.check_majority3_orbit_cps(0.25, 0.25, 0.25)
    assert "string" in ex.check_majority3_orbit_cps("1/4", 0.25, 1.0).message


def test_embedded_full_parity_cp():
    assert ex.check_embedded_full_parity_cp(5, 1 / math.comb(10, 5))
    assert "on n bits" in ex.check_embedded_full_parity_cp(5, 1.0).message
    assert "all parities" in ex.check_embedded_full_parity_cp(5, 4.0**-5).message


def test_orbit_cp_function():
    def right(table):
        weights = it.degree_profile(table).numpy()
        n = len(weights) - 1
        return sum(weights[k] ** 2 / math.comb(n, k) for k in range(n + 1))

    def no_constant(table):
        weights = it.degree_profile(table).numpy()
        n = len(weights) - 1
        return sum(weights[k] ** 2 / math.comb(n, k) for k in range(1, n + 1))

    def no_binomial(table):
        return float((it.degree_profile(table) ** 2).sum())

    def broken(table):
        raise RuntimeError("oops")

    assert ex.check_orbit_cp_function(right)
    assert "k = 0 term" in ex.check_orbit_cp_function(no_constant).message
    assert not ex.check_orbit_cp_function(no_binomial)
    assert "RuntimeError" in ex.check_orbit_cp_function(broken).message
    assert "return" in ex.check_orbit_cp_function(lambda t: None).message
    assert not ex.check_orbit_cp_function(3.0)


def test_scan_queries():
    d, tau = math.comb(20, 3), 0.01
    assert ex.check_scan_queries(d, tau, d - 1, (d - 1) * tau**2)
    assert "last candidate" in ex.check_scan_queries(d, tau, d, (d - 1) * tau**2).message
    assert "weaker form" in ex.check_scan_queries(d, tau, d - 1, d * tau**2 - 1).message
    assert "1/tau^2" in ex.check_scan_queries(d, tau, d - 1, (d - 1) * tau).message
