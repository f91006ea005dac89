r"""Checkers for the exercises of the chapter *Cross-predictability and statistical queries*.

Each returns a :class:`~inal_tutorial.exercises.Feedback` that names the typical
mistake (a forgotten diagonal, the wrong group, a missing binomial) without
revealing the right value.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from ..boolean import Embedded, Majority, Parity, RandomFunction, Staircase, truth_table
from ..sq import orbit_cross_predictability
from ..statistical_queries import counting_bound
from ._feedback import Feedback, all_of, as_numeric, check_close, check_integer, guard_unfilled

__all__ = [
    "check_k_parity_cp",
    "check_majority3_orbit_cps",
    "check_embedded_full_parity_cp",
    "check_orbit_cp_function",
    "check_scan_queries",
]


@guard_unfilled
def check_k_parity_cp(n: int, k: int, answer) -> Feedback:
    r"""CP of the uniform distribution on the :math:`\binom nk` parities of degree k."""
    n, k = int(n), int(k)
    if not 0 <= k <= n:
        raise ValueError(f"k must be in [0, n], got n={n}, k={k}")
    size = math.comb(n, k)
    hints = {}
    if size > 1:
        hints["that is 0, the CP without the diagonal pairs F = F'; the definition draws F "
              "and F' independently, so they coincide with probability 1/(class size)."] = 0.0
        hints["that is the CP of all 2^n parities, not of those of degree k."] = 2.0**-n
    if size != 2**n:
        hints["that is the class size, not one over it."] = float(size)
    return check_close(answer, 1 / size, f"CP of the degree-{k} parities on {n} bits",
                       hints=hints)


@guard_unfilled
def check_majority3_orbit_cps(signed, flips, perms) -> Feedback:
    r"""CP of the orbit of :math:`\mathrm{Maj}_3` under signed permutations, sign flips and permutations."""
    maj = truth_table(Majority(3))
    exact = {group: orbit_cross_predictability(maj, group, "enumerate_orbit").value
             for group in ("signed_permutations", "sign_flips", "permutations")}
    return all_of(
        check_close(signed, exact["signed_permutations"], "the signed-permutation orbit CP",
                    hints={"you kept only the degree-1 term: W^3(Maj_3) = 1/4 contributes "
                           "(1/4)^2 / C(3,3).": 0.75**2 / 3,
                           "you forgot to divide W^k(f)^2 by C(n,k).": 0.75**2 + 0.25**2,
                           "that is the CP of the permutation orbit: majority is symmetric, "
                           "but sign flips move it.": 1.0}),
        check_close(flips, exact["sign_flips"], "the sign-flip orbit CP",
                    hints={"the sign-flip orbit CP is the sum of the fourth powers of the "
                           "Fourier coefficients, not of their squares.": 1.0,
                           "you summed W^k(f)^2 instead of the fourth powers of single "
                           "coefficients.": 0.75**2 + 0.25**2}),
        check_close(perms, exact["permutations"], "the permutation orbit CP"),
    )


@guard_unfilled
def check_embedded_full_parity_cp(n: int, answer) -> Feedback:
    r"""Orbit CP of :math:`\chi_{[n]}` read from n of 2n bits: :math:`1/\binom{2n}n`."""
    n = int(n)
    if not 1 <= n <= 30:
        raise ValueError(f"n must be in [1, 30], got {n}")
    return check_close(answer, 1 / math.comb(2 * n, n),
                       f"the orbit CP of the full parity on {n} of {2 * n} bits",
                       hints={"that is the CP on n bits: the full parity is alone in its "
                              "orbit there (up to sign), but on 2n bits the group moves it to "
                              "every parity of degree n.": 1.0,
                              "that is 2^(-2n), the CP of all parities on 2n bits.":
                              4.0**-n})


@guard_unfilled
def check_orbit_cp_function(fn: Callable) -> Feedback:
    r"""A student's ``fn(table) -> float`` for the signed-permutation orbit CP, tested on several targets.

    The reference is exhaustive enumeration of the orbit (n <= 5), not the formula.
    """
    if not callable(fn):
        return Feedback(False, f"pass your function itself (fn(table) -> float), got "
                               f"{type(fn).__name__}.")
    targets = [Majority(5), Staircase(5, 3), Parity(4, k=2), Parity(5, k=5),
               RandomFunction(5, seed=1), Embedded(Parity(2, k=2), 4)]
    for target in targets:
        table = truth_table(target)
        expected = orbit_cross_predictability(table, method="enumerate_orbit").value
        try:
            got = fn(table.clone())
        except Exception as err:  # noqa: BLE001 - the student's code may raise anything
            return Feedback(False, f"your function raised {type(err).__name__}: {err} (on the "
                                   f"truth table of {target.name}, a tensor of length "
                                   f"{table.shape[0]}).")
        value = as_numeric(got, f"your value for {target.name}")
        if isinstance(value, Feedback):
            return value
        without_constant = expected - float(table.mean()) ** 4     # W^0 = f-hat(empty)^2
        hints = {} if without_constant == expected else {
            "the k = 0 term (the constant part, f-hat(empty)^2) is missing.": without_constant}
        verdict = check_close(value, expected, f"the orbit CP of {target.name}", hints=hints)
        if not verdict:
            return verdict
    return Feedback(True, f"your function agrees with exhaustive enumeration on {len(targets)} "
                          "targets.")


@guard_unfilled
def check_scan_queries(d: int, tau: float, worst_case, bound) -> Feedback:
    r"""The scan learner's worst-case query count on d parities and the counting bound :math:`(d-1)\tau^2`."""
    d = int(d)
    return all_of(
        check_integer(worst_case, d - 1, "the worst-case number of queries of the scan",
                      hints={"the last candidate needs no query: once the others have "
                             "answered about 0, it must be the target.": d}),
        check_close(bound, counting_bound(d, float(tau)), "the counting bound",
                    hints={"that is d * tau^2 - 1, a weaker form; the argument gives "
                           "(d - 1) tau^2.": d * float(tau) ** 2 - 1,
                           "one query rules out at most 1/tau^2 candidates, not 1/tau.":
                           (d - 1) * float(tau)}),
    )
