r"""Checkers for the exercises of the chapter *Where the lower bound stops*.

Each returns a :class:`~inal_tutorial.exercises.Feedback` that names the typical mistake
(steps multiplied instead of divided by the batch size, tau where tau squared belongs, a
slope fitted on n instead of log n) without revealing the right value.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ._feedback import Feedback, as_numeric, check_close, guard_unfilled

__all__ = ["matched_steps", "check_matched_steps", "sq_query_bound", "check_sq_query_bound",
           "loglog_slope", "check_loglog_slope"]


def matched_steps(budget: int, batch_sizes: Sequence[int]) -> np.ndarray:
    r"""Steps :math:`T_B=\lfloor C/B\rfloor` that spend the budget C of sample gradients."""
    budget = int(budget)
    sizes = [int(b) for b in batch_sizes]
    if budget < 1 or not sizes or min(sizes) < 1:
        raise ValueError("budget and every batch size must be positive integers")
    return np.array([budget // b for b in sizes], dtype=np.float64)


@guard_unfilled
def check_matched_steps(budget: int, batch_sizes: Sequence[int], answer) -> Feedback:
    """The number of steps of each batch size at a matched number of sample gradients."""
    expected = matched_steps(budget, batch_sizes)
    sizes = np.asarray([int(b) for b in batch_sizes], dtype=np.float64)
    hints = {
        "you multiplied the budget by the batch size: a step of batch B costs B sample "
        "gradients, so the budget buys budget / B steps.": budget * sizes,
        "you divided the batch size by the budget: it is budget / B steps, not B / budget.":
            sizes / budget,
        "you gave every batch size the same number of steps: that matches the steps, not "
        "the compute.": np.full_like(sizes, float(budget)),
    }
    return check_close(answer, expected, "the steps T_B", rtol=0, atol=0.5, hints=hints)


def sq_query_bound(n: int, k: int, tau: float) -> float:
    r"""The counting bound :math:`\binom nk\tau^2-1` on the SQ queries for the k-parities."""
    n, k = int(n), int(k)
    if not 1 <= k <= n or not 0 < tau <= 1:
        raise ValueError(f"need 1 <= k <= n and 0 < tau <= 1, got n={n}, k={k}, tau={tau}")
    return math.comb(n, k) * tau**2 - 1


@guard_unfilled
def check_sq_query_bound(n: int, k: int, tau: float, answer) -> Feedback:
    r"""The SQ lower bound :math:`\binom nk\tau^2-1` for the k-parities of n bits."""
    expected = sq_query_bound(n, k, tau)
    c = math.comb(n, k)
    hints = {
        "you used tau where tau squared belongs: one query is tau-informative about at most "
        "1/tau^2 targets (Bessel's inequality).": c * tau - 1,
        "you forgot the -1 of the counting bound.": c * tau**2,
        "you used n^k instead of the binomial coefficient C(n, k), the number of "
        "k-parities.": n**k * tau**2 - 1,
        "you counted all 2^n parities instead of the k-parities.": 2.0**n * tau**2 - 1,
    }
    return check_close(answer, expected, "the number of queries", rtol=1e-6, hints=hints)


def loglog_slope(ns: Sequence[float], steps: Sequence[float]) -> float:
    r"""Least-squares slope :math:`\alpha` of :math:`\log T` on :math:`\log n`."""
    ns_arr, t_arr = np.asarray(ns, dtype=np.float64), np.asarray(steps, dtype=np.float64)
    if ns_arr.shape != t_arr.shape or ns_arr.size < 2 or (ns_arr <= 0).any() or \
            (t_arr <= 0).any():
        raise ValueError("ns and steps must be positive, of the same length >= 2")
    return float(np.polyfit(np.log(ns_arr), np.log(t_arr), 1)[0])


@guard_unfilled
def check_loglog_slope(ns: Sequence[float], steps: Sequence[float], answer) -> Feedback:
    r"""The exponent :math:`\alpha` of :math:`T\approx c\,n^\alpha` fitted on a log-log scale."""
    expected = loglog_slope(ns, steps)
    value = as_numeric(answer, "the exponent")
    if isinstance(value, Feedback):
        return value
    ns_arr, t_arr = np.asarray(ns, dtype=np.float64), np.asarray(steps, dtype=np.float64)
    hints = {
        "you fitted log n on log T: the exponent is the slope of log T against log n, the "
        "inverse regression gives roughly 1/alpha.":
            float(np.polyfit(np.log(t_arr), np.log(ns_arr), 1)[0]),
        "you fitted T against log n without taking the log of T: a power law is a straight "
        "line only when both axes are logarithmic.":
            float(np.polyfit(np.log(ns_arr), t_arr, 1)[0]),
        "you fitted log T against n instead of log n: that is the slope of an exponential "
        "law, not of a power law.": float(np.polyfit(ns_arr, np.log(t_arr), 1)[0]),
    }
    # 0.01: the value printed to two decimals passes, the hinted mistakes do not
    return check_close(value, expected, "the exponent", rtol=0, atol=0.01, hints=hints)

