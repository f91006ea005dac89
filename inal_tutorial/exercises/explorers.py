r"""Checkers for the exercises of the page *Interactive explorers* (``book/explorers``).

Each returns a :class:`~inal_tutorial.exercises.Feedback`.
"""

from __future__ import annotations

import math

import numpy as np

from ..fourier import majority_coefficient
from ._feedback import (
    Feedback,
    as_numeric,
    check_close,
    check_in_interval,
    check_subset,
    guard_unfilled,
)

__all__ = ["check_relu_vanishing_degrees", "check_majority_level_one", "check_parity_exponent"]


@guard_unfilled
def check_relu_vanishing_degrees(degrees, n: int) -> Feedback:
    r"""The degrees k in 0..n at which :math:`A_k(n)=0` for ReLU without bias (any weight law).

    From :math:`\mathrm{ReLU}(z)=z/2+|z|/2`: the linear part has degree 1 only and
    :math:`|w\cdot x|` is even in x, so every odd degree :math:`k\ge3` vanishes.
    """
    n = int(n)
    expected = [k for k in range(3, n + 1, 2)]
    result = check_subset(degrees, expected, f"the set of vanishing degrees for n = {n}",
                          n=n + 1, item="degree")
    if result.ok:
        return result
    try:
        got = {int(k) for k in degrees}
    except (TypeError, ValueError):  # not a collection of integers: the message says so
        return result
    if 1 in got:
        return Feedback(False, f"{result.message} Hint: degree 1 does not vanish: the linear part "
                               "z/2 of ReLU has all its weight there.")
    if got and all(k % 2 == 0 for k in got):
        return Feedback(False, f"{result.message} Hint: |z| is even, so |w.x| only has even "
                               "degrees; which degrees can then have no weight at all?")
    return result


@guard_unfilled
def check_majority_level_one(values, ns) -> Feedback:
    r""":math:`W^1(\mathrm{Maj}_n)=n\,\widehat{\mathrm{Maj}_n}(\{1\})^2` for each odd n in ``ns``."""
    ns = [int(m) for m in ns]
    if any(m % 2 == 0 or m < 1 for m in ns):
        raise ValueError(f"ns must be odd positive integers, got {ns}")
    coefficient = np.array([majority_coefficient(m, 1) for m in ns])
    expected = np.array(ns) * coefficient**2
    return check_close(values, expected, "W^1(Maj_n)", rtol=1e-6, hints={
        "these are the single coefficients Maj^({i}); W^1 is the sum of the n squares.":
            coefficient,
        "these are the squares of one coefficient; W^1 sums n of them (one per coordinate).":
            coefficient**2,
        "this is the limit 2/pi for every n; compute the value at each n.":
            np.full(len(ns), 2 / math.pi),
    })


@guard_unfilled
def check_parity_exponent(slope) -> Feedback:
    r"""The slope of :math:`\log A_2(n)` against :math:`\log n` (ReLU, Gaussian weights and bias).

    The Hermite heuristic predicts :math:`A_2(n)\approx c\,n^{-2}`; a fit over n = 6..12
    of a Monte Carlo measurement lands within a few tenths of -2.
    """
    value = as_numeric(slope, "the fitted exponent")
    if isinstance(value, Feedback):
        return value
    if value.ndim == 0 and 1.5 <= float(value) <= 2.5:
        return Feedback(False, "the fitted exponent has the wrong sign: A_2(n) decreases with "
                               "n, so the slope of log A_2 against log n is negative.")
    return check_in_interval(slope, -2.6, -1.4, "the fitted exponent",
                             reason="A 2-parity is a degree-2 target: expect about n^-2. Did you "
                                    "fit log A against log n (not against n)?")
