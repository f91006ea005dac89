r"""Checkers for the exercises of the chapter *Boolean functions and their Fourier expansion*.

Conventions are the book's: coordinates are numbered from 0, a subset S is the bitmask
:math:`\sum_{j\in S}2^j`, and a vector of Fourier coefficients has entry S equal to
:math:`\hat f(S)=2^{-n}\sum_x f(x)\chi_S(x)`.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from ..fourier import degree_profile, majority_coefficient, walsh_coefficients
from ._feedback import Feedback, as_numeric, check_close, guard_unfilled

__all__ = [
    "SELECTION_COEFFICIENTS",
    "SQUARE_SUM_PROFILE",
    "check_selection_coefficients",
    "check_square_sum_profile",
    "check_square_sum_norm",
    "check_majority_w1",
    "check_no_low_degree",
]

#: Fourier coefficients of Sel(x) = x_0 if x_2 = +1 else x_1, indexed by bitmask:
#: Sel = x_0/2 + x_1/2 + x_0 x_2/2 - x_1 x_2/2.
SELECTION_COEFFICIENTS = np.array([0.0, 0.5, 0.5, 0.0, 0.0, 0.5, -0.5, 0.0])


def _selection_table() -> np.ndarray:
    """Truth table of Sel in the package's indexing (row i: x_j = (-1)^(bit j of i))."""
    bits = (np.arange(8)[:, None] >> np.arange(3)) & 1
    x = 1 - 2 * bits
    return np.where(x[:, 2] == 1, x[:, 0], x[:, 1]).astype(float)


def _bit_reverse(values: np.ndarray, n: int) -> np.ndarray:
    index = np.arange(2**n)
    reversed_index = np.zeros_like(index)
    for j in range(n):
        reversed_index |= ((index >> j) & 1) << (n - 1 - j)
    return values[reversed_index]


@guard_unfilled
def check_selection_coefficients(answer) -> Feedback:
    r"""The eight Fourier coefficients of the selection function, indexed by bitmask S.

    :math:`\mathrm{Sel}(x)=x_0` if :math:`x_2=+1` and :math:`x_1` otherwise; the answer is
    the vector :math:`(\hat f(S))_{S=0..7}` with S a bitmask (S = 5 is {0, 2}).
    """
    expected = SELECTION_COEFFICIENTS
    table = _selection_table()
    swapped = np.array([0.0, 0.5, 0.5, 0.0, 0.0, -0.5, 0.5, 0.0])
    zero_one = (np.eye(8)[0] - expected) / 2  # coefficients of (1 - f) / 2
    hints = {
        "this is the truth table of Sel, not its Fourier coefficients: f̂(S) is the mean of "
        "f(x)·χ_S(x) over the 8 inputs.": table,
        "these look like the coefficients of the 0/1 version (1 - f)/2: use the ±1 values of "
        "Sel.": zero_one,
        "the subsets are bit-reversed: S is the bitmask Σ_{j∈S} 2^j, so {0} is entry 1 and "
        "{2} is entry 4.": _bit_reverse(expected, 3),
        "the roles of x_0 and x_1 are exchanged: Sel picks x_0 when x_2 = +1 (compare your "
        "signs on {0, 2} and {1, 2}).": swapped,
    }
    result = check_close(answer, expected, "the coefficient vector of Sel", hints=hints)
    if result.ok:
        return Feedback(True, "the coefficient vector of Sel is correct: Sel = x_0/2 + x_1/2 + "
                              "x_0x_2/2 - x_1x_2/2.")
    return result


#: The degree profile (k = 0..3) of f(x) = (x_0 + x_1 + x_2)^2 = 3 + 2(x_0x_1 + x_0x_2 + x_1x_2).
SQUARE_SUM_PROFILE = np.array([9.0, 0.0, 12.0, 0.0])


@guard_unfilled
def check_square_sum_profile(answer) -> Feedback:
    r"""Degree profile :math:`(W^0,\dots,W^3)` of :math:`f(x)=(x_0+x_1+x_2)^2` on n = 3 bits."""
    hints = {
        "W^k is a sum of *squared* coefficients: (2)^2 for each of the three pairs.":
            np.array([9.0, 0.0, 6.0, 0.0]),
        "W^k is a sum of squared coefficients, including W^0 = f̂(∅)^2 = 3^2.":
            np.array([3.0, 0.0, 6.0, 0.0]),
        "x_i^2 = 1 on the hypercube, so the square terms add up to the constant 3, not to "
        "degree-2 terms.": np.array([0.0, 0.0, 12.0, 0.0]),
        "the cross terms appear twice in the expansion: (x_0+x_1+x_2)^2 = 3 + 2(x_0x_1 + x_0x_2 "
        "+ x_1x_2), so each pair has coefficient 2.": np.array([9.0, 0.0, 3.0, 0.0]),
    }
    return check_close(answer, SQUARE_SUM_PROFILE, "the degree profile of (x_0+x_1+x_2)^2",
                       hints=hints)


@guard_unfilled
def check_square_sum_norm(answer) -> Feedback:
    r""":math:`\mathbb{E}[f^2]` for :math:`f(x)=(x_0+x_1+x_2)^2`, by Parseval (= 21)."""
    hints = {
        "that is (E f)^2 = f̂(∅)^2 only; Parseval sums the squares of *all* coefficients.": 9.0,
        "that is E f, not E f^2.": 3.0,
        "square the coefficients before adding them: 3^2 + 3·2^2.": 15.0,
        "that counts each pair twice: there are 3 pairs {i, j}, each with coefficient 2.": 33.0,
    }
    return check_close(answer, float(SQUARE_SUM_PROFILE.sum()), "E[f^2]", hints=hints)


@guard_unfilled
def check_majority_w1(answer, n: int | None = None) -> Feedback:
    r""":math:`W^1(\mathrm{Maj}_n)` for odd n, or its limit :math:`2/\pi` when ``n`` is None."""
    if n is None:
        hints = {
            "√(2/π) is the limit of √n·|f̂({i})|: W^1 adds n squares, so square it.":
                math.sqrt(2 / math.pi),
            "that is W^1(Maj_3) = 3/4; the limit n → ∞ is smaller (W^1(Maj_n) decreases with n).":
                0.75,
            "that is π/2, the reciprocal of the limit.": math.pi / 2,
        }
        return check_close(answer, 2 / math.pi, "lim W^1(Maj_n)", hints=hints, rtol=1e-4)
    if isinstance(n, bool) or not isinstance(n, int) or n < 1 or n % 2 == 0:
        raise ValueError(f"n must be an odd positive integer, got {n!r}")
    coefficient = majority_coefficient(n, 1)
    hints = {
        "W^1 sums f̂({i})^2 over the n coordinates i: multiply one squared coefficient by n.":
            coefficient**2,
        "W^1 is a sum of *squared* coefficients: square f̂({i}) before summing.":
            n * coefficient,
        "that is the limit 2/π; for finite n, W^1(Maj_n) is larger (3/4 for n = 3).": 2 / math.pi,
    }
    return check_close(answer, n * coefficient**2, f"W^1(Maj_{n})", hints=hints)


@guard_unfilled
def check_no_low_degree(table, max_degree: int = 2) -> Feedback:
    r"""A ±1 function (truth table of length :math:`2^n`, n <= 16) that is not a parity and has
    no Fourier weight on degrees 0..max_degree (:math:`W^{\le d}(f)=0`)."""
    values = as_numeric(table, "your truth table")
    if isinstance(values, Feedback):
        return values
    if values.ndim != 1 or values.size < 2 or values.size & (values.size - 1) or values.size > 2**16:
        return Feedback(False, f"your truth table should be a vector of length 2^n (n <= 16), "
                               f"got shape {values.shape}.")
    if not np.all(np.isin(values, (-1.0, 1.0))):
        if np.all(np.isin(values, (0.0, 1.0))):
            return Feedback(False, "your table has 0/1 values; the book's Boolean functions take "
                                   "the values ±1 (b in {0, 1} becomes (-1)^b).")
        return Feedback(False, "your table must contain only the values +1 and -1.")
    n = values.size.bit_length() - 1
    if not isinstance(max_degree, int) or not 0 <= max_degree < n:
        raise ValueError(f"max_degree must be an integer in [0, {n - 1}], got {max_degree!r}")
    profile = degree_profile(torch.as_tensor(values)).numpy()
    low = profile[:max_degree + 1]
    if low.sum() > 1e-12:
        worst = int(np.argmax(low))
        return Feedback(False, f"your function has Fourier weight {low.sum():.3g} on degrees "
                               f"<= {max_degree} (most at degree {worst}: W^{worst} = "
                               f"{low[worst]:.3g}).")
    nonzero = int((walsh_coefficients(torch.as_tensor(values)).abs() > 1e-12).sum())
    if nonzero == 1:
        return Feedback(False, "your function is a parity ±χ_S: find one that is not (at least "
                               "two nonzero Fourier coefficients).")
    support = np.flatnonzero(profile > 1e-12)
    degrees = ("degree " if support.size == 1 else "degrees ") + ", ".join(str(k) for k in support)
    return Feedback(True, f"correct: a non-parity on n = {n} bits with W^<={max_degree} = 0; its "
                          f"weight sits on {degrees}.")
