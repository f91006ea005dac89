r"""Checkers for the exercises of the chapter *The cost of symmetry*.

Each returns a :class:`~inal_tutorial.exercises.Feedback` that names the typical
mistake (counting only one sign, the CP of all parities, a law that is invariant
under permutations but not under sign flips) without revealing the right value.
"""

from __future__ import annotations

import math
import numbers

from ._feedback import Feedback, all_of, as_numeric, check_close, check_integer, guard_unfilled

__all__ = [
    "INITIALIZATION_LAWS",
    "check_parity_orbit",
    "check_invariant_initializations",
    "check_gradient_gap",
]


@guard_unfilled
def check_parity_orbit(n: int, k: int, orbit_size, cp) -> Feedback:
    r"""Size of the signed-permutation orbit of a k-parity on n bits, and its cross-predictability.

    The orbit is :math:`\{\pm\chi_T: |T| = k\}` (:math:`2\binom nk` functions for
    1 <= k <= n) and its CP is :math:`1/\binom nk`.
    """
    n, k = int(n), int(k)
    if not 1 <= k <= n:
        raise ValueError(f"need 1 <= k <= n, got n={n}, k={k}")
    size = 2 * math.comb(n, k)
    return all_of(
        check_integer(orbit_size, size, "the orbit size",
                      hints={"you counted the supports T but not the two signs: a sign flip "
                             "of one coordinate of T turns chi_T into -chi_T.": size // 2,
                             "that is the number of group elements, not of distinct functions: "
                             "many signed permutations give the same function.":
                             2**n * math.factorial(n)}),
        check_close(cp, 1 / math.comb(n, k), "the orbit CP",
                    hints={"that is one over the orbit size; but <chi_T, -chi_T>^2 = 1, so f "
                           "and -f predict each other perfectly.": 1 / size,
                           "that is the CP of all 2^n parities, not of the degree-k ones.":
                           2.0**-n}),
    )


#: The six first-layer laws of the exercise, by number.
INITIALIZATION_LAWS = {
    1: "i.i.d. N(0, 1/n)",
    2: "i.i.d. uniform on [-sqrt(3/n), sqrt(3/n)]",
    3: "i.i.d. Rademacher +-1/sqrt(n)",
    4: "i.i.d. N(1/n, 1/n)",
    5: "N(0, 1/3) on coordinates 0, 1, 2 and 0 elsewhere",
    6: "independent N(0, v_j) with a variance depending on the coordinate j",
}
_INVARIANT = {1, 2, 3}
_WHY_NOT = {
    4: "law 4 is invariant under permutations, but a sign flip of x_j turns the mean 1/n of "
       "column j into -1/n.",
    5: "law 5 (the mask) is moved by a permutation: the permuted network sees other "
       "coordinates.",
    6: "law 6 is moved by a permutation: the variances follow the coordinates.",
}


@guard_unfilled
def check_invariant_initializations(answer) -> Feedback:
    """The set of laws (numbers 1–6 of :data:`INITIALIZATION_LAWS`) invariant under all signed permutations."""
    if isinstance(answer, (str, bytes)) or not hasattr(answer, "__iter__"):
        return Feedback(False, "give the invariant laws as a set of numbers, e.g. {1, 4}; got "
                               f"{type(answer).__name__}.")
    chosen = set()
    for item in answer:
        if isinstance(item, bool) or not isinstance(item, numbers.Integral):
            return Feedback(False, f"the laws are numbered 1 to 6; {item!r} is not one of them.")
        if int(item) not in INITIALIZATION_LAWS:
            return Feedback(False, f"the laws are numbered 1 to 6; {item} is not one of them.")
        chosen.add(int(item))
    if chosen == _INVARIANT:
        return Feedback(True, "the invariant laws are right: i.i.d. weights with a law that is "
                              "symmetric about 0.")
    wrong_in = sorted(chosen - _INVARIANT)
    missing = sorted(_INVARIANT - chosen)
    parts = [_WHY_NOT[i] for i in wrong_in]
    if missing:
        parts.append(f"law(s) {missing} are invariant too: i.i.d. weights are exchangeable "
                     "(permutations) and a law symmetric about 0 is unchanged by sign flips.")
    return Feedback(False, "not quite: " + " ".join(parts))


@guard_unfilled
def check_gradient_gap(gap) -> Feedback:
    r"""The largest difference between :math:`\nabla L_{f\circ g}(\theta)` and :math:`(g\cdot)^{-1}\nabla L_f(g\cdot\theta)`.

    It should be at float64 rounding level (below :math:`10^{-12}`).
    """
    value = as_numeric(gap, "the gradient gap")
    if isinstance(value, Feedback):
        return value
    if value.shape != ():
        return Feedback(False, "pass one number: the largest absolute difference over all "
                               "parameters.")
    value = float(value)
    if not math.isfinite(value) or value < 0:
        return Feedback(False, f"a largest absolute difference is a finite number >= 0, got "
                               f"{value:.3g}.")
    if value < 1e-12:
        return Feedback(True, "the gradients agree to float64 precision: gradient descent is "
                              "equivariant.")
    if value < 1e-5:
        return Feedback(False, f"the gap {value:.2g} is small but far above float64 rounding: "
                               "did you build the network in float32 (dtype=torch.float64)?")
    return Feedback(False, f"the gap {value:.2g} is not small: check the direction of the "
                           "action. The first-layer gradient of the acted-on network must be "
                           "mapped back with the inverse of g (undo the signs, then put column "
                           "j back at position pi(j)), and the target must be f on one side and "
                           "f o g on the other.")
