r"""Checkers for the chapter *Exercises and projects* (``book/projects``).

Each returns a :class:`~inal_tutorial.exercises.Feedback` that names the typical mistake
(unnormalized coefficients, a forgotten square, the wrong ordering of subsets, the weaker
form of a bound, ...). They cover the warm-up exercises and the milestones of the
projects whose answer is a number or a set.
"""

from __future__ import annotations

import math

import numpy as np

from ..boolean import BooleanTarget, Majority, truth_table
from ..fourier import degree_profile, walsh_coefficients
from ..sq import orbit_cp_from_profile
from ._feedback import Feedback, as_numeric, check_close, check_subset, guard_unfilled

__all__ = [
    "MAJ3_COEFFICIENTS",
    "check_maj3_coefficients",
    "check_maj3_degree_profile",
    "check_orbit_cp",
    "check_counting_bound",
    "check_embedded_parity_cp",
    "check_quadratic_degrees",
]

#: :math:`\widehat{\mathrm{Maj}_3}(S)` indexed by bitmask S (the package's convention).
MAJ3_COEFFICIENTS = walsh_coefficients(truth_table(Majority(3))).numpy()


def _by_degree(coefficients: np.ndarray, n: int) -> np.ndarray:
    """Coefficients reordered by (degree, bitmask): the order a student might list them in."""
    masks = sorted(range(2**n), key=lambda s: (bin(s).count("1"), s))
    return coefficients[masks]


@guard_unfilled
def check_maj3_coefficients(coefficients) -> Feedback:
    r"""The 8 Fourier coefficients of :math:`\mathrm{Maj}_3`, indexed by bitmask S.

    Right answer: :math:`\mathrm{Maj}_3(x)=\tfrac12(x_0+x_1+x_2)-\tfrac12x_0x_1x_2`.
    """
    expected = MAJ3_COEFFICIENTS
    flipped_top = expected.copy()
    flipped_top[0b111] *= -1
    return check_close(coefficients, expected, "your coefficient vector of Maj_3", hints={
        "these are the sums over the 8 inputs; a coefficient is the *mean* "
        "2^(-n) sum_x f(x) chi_S(x).": 8 * expected,
        "the coefficient of x0*x1*x2 has the wrong sign: evaluate both sides at x = (1, 1, 1).":
            flipped_top,
        "the values are right but listed by degree; the package indexes subsets by bitmask "
        "(entry S = sum of 2^i over i in S, so entry 3 is {0, 1} and entry 4 is {2}).":
            _by_degree(expected, 3),
    })


@guard_unfilled
def check_maj3_degree_profile(weights) -> Feedback:
    r""":math:`(W^0,\dots,W^3)(\mathrm{Maj}_3)=(0,\tfrac34,0,\tfrac14)`."""
    expected = np.array([0.0, 0.75, 0.0, 0.25])
    return check_close(weights, expected, "W^k(Maj_3), k = 0..3", hints={
        "these are sums of coefficients, not of their squares: W^k = sum_{|S|=k} f^(S)^2.":
            np.array([0.0, 1.5, 0.0, -0.5]),
        "these are single coefficients f^(S); W^k adds the squares of all C(3, k) of them.":
            np.array([0.0, 0.5, 0.0, -0.5]),
    })


@guard_unfilled
def check_orbit_cp(value, n: int, target: BooleanTarget | None = None) -> Feedback:
    r"""The cross-predictability of the signed-permutation orbit of a target on n bits.

    :math:`\mathrm{CP}=\sum_kW^k(f)^2/\binom nk`, where f is ``target`` (default
    :math:`\mathrm{Maj}_3`) read from the first of the n bits. The degree profile
    :math:`W^k(f)` is computed here from the target's truth table, never taken from the
    student, so a wrong profile cannot make a wrong CP pass.

    Parameters
    ----------
    value : float
        The student's CP.
    n : int
        The number of input bits, at least the number of bits of ``target``.
    target : BooleanTarget, optional
        The function whose orbit is meant; default ``Majority(3)``.
    """
    target = Majority(3) if target is None else target
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"n must be an int, got {type(n).__name__}")
    n = int(n)
    if n < target.n:
        raise ValueError(f"n = {n} is smaller than the target's {target.n} bits")
    weights = degree_profile(truth_table(target)).double().numpy()
    ks = np.arange(weights.size)
    binomials = np.array([math.comb(n, int(k)) for k in ks], dtype=np.float64)
    expected = orbit_cp_from_profile(weights, n)
    return check_close(value, expected, f"the orbit CP on n = {n} bits", hints={
        "the weights W^k must be squared: CP = sum_k W^k(f)^2 / C(n, k).":
            float((weights / binomials).sum()),
        "each W^k(f)^2 is divided by C(n, k), the number of subsets of size k.":
            float((weights**2).sum()),
        "divide by C(n, k), not by its square.": float((weights**2 / binomials**2).sum()),
    })


@guard_unfilled
def check_counting_bound(value, n: int, k: int, tau: float) -> Feedback:
    r"""The counting bound :math:`(d-1)\tau^2` with :math:`d=\binom nk` for the k-parities."""
    d = math.comb(int(n), int(k))
    expected = (d - 1) * tau**2
    return check_close(value, expected, "the counting bound", rtol=1e-9, hints={
        f"d is the number of k-parities, C({n}, {k}) = {d}, not the 2^n parities of all degrees.":
            (2**int(n) - 1) * tau**2,
        "one query can be informative about fewer than 1/tau^2 candidates (Bessel), so the "
        "bound has tau^2, not tau.": (d - 1) * tau,
        "d*tau^2 - 1 is the weaker form of the same bound; the counting argument gives "
        "(d - 1)*tau^2.": d * tau**2 - 1,
    })


@guard_unfilled
def check_embedded_parity_cp(value, n: int) -> Feedback:
    r"""Orbit CP of the full parity of n bits read from n of 2n bits: :math:`1/\binom{2n}{n}`."""
    n = int(n)
    expected = 1 / math.comb(2 * n, n)
    return check_close(value, expected, f"the orbit CP of the embedded parity (n = {n})",
                       rtol=1e-9, atol=0.0, hints={
        "1 is the CP before embedding (the full parity is its own orbit); on 2n bits the "
        "orbit is every parity of n of the 2n bits.": 1.0,
        "2^(-2n) is the CP of all parities on 2n bits; the orbit only holds those of degree "
        "n.": 2.0 ** (-2 * n),
        "divide W^n(f)^2 = 1 by C(2n, n), not by its square.": expected**2,
    })


@guard_unfilled
def check_quadratic_degrees(degrees, n: int, bias: bool = True) -> Feedback:
    r"""The degrees k with :math:`A_k(n)>0` for the quadratic activation.

    :math:`(w\cdot x+b)^2=\sum_{i\ne j}w_iw_jx_ix_j+2b\,w\cdot x+b^2+\|w\|^2`: degrees 0,
    1, 2 with a (Gaussian) bias; without bias (:math:`b=0`) the linear term vanishes and the
    degrees are 0 and 2.

    Parameters
    ----------
    degrees : collection of int
        The student's set of degrees.
    n : int
        The number of input bits (at least 2).
    bias : bool
        Whether the neuron has a nondegenerate bias b (``bias="gaussian"``) or none
        (``bias="zero"``).
    """
    if not isinstance(bias, (bool, np.bool_)):
        raise TypeError(f"bias must be True or False, got {bias!r}")
    n = int(n)
    if n < 2:
        raise ValueError(f"n must be at least 2, got {n}")
    got = as_numeric(list(degrees) if not isinstance(degrees, (str, bytes)) and
                     hasattr(degrees, "__iter__") else degrees, "the degrees")
    expected = [0, 1, 2] if bias else [0, 2]
    setting = "with a bias" if bias else "without bias"
    result = check_subset(degrees, expected,
                          f"the set of degrees with A_k({n}) > 0 ({setting})", n=n + 1,
                          item="degree")
    if result.ok or isinstance(got, Feedback):
        return result
    found = {int(k) for k in np.ravel(got)}
    if bias and found == {0, 2}:
        return Feedback(False, f"{result.message} Hint: with a bias b the cross term 2b(w.x) "
                               "is linear in x.")
    if not bias and found == {0, 1, 2}:
        return Feedback(False, f"{result.message} Hint: without bias the only term linear in "
                               "x is 2b(w.x), and b = 0.")
    if found in ({2}, {1, 2}):
        return Feedback(False, f"{result.message} Hint: expand (w.x + b)^2 and use x_i^2 = 1: "
                               "which terms are constant?")
    return result
