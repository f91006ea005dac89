r"""Checkers for the exercises of the chapter *The sphere*.

Inputs are uniform on the unit sphere :math:`S^{n-1}`; a first-layer neuron is
:math:`\sigma(w\cdot\sqrt n\,x+b)`; :math:`P_{k,n}` is the Legendre (Gegenbauer)
polynomial with :math:`P_{k,n}(1)=1` and :math:`N(n,k)` the dimension of the degree-k
spherical harmonics.
"""

from __future__ import annotations

import math

from ..sphere import coordinate_product_norm, harmonic_dimension
from ._feedback import Feedback, check_close, check_integer, guard_unfilled

__all__ = ["check_harmonic_dimension", "check_restricted_polynomial_dimension",
           "check_product_normalization", "check_relu_a1", "check_relu_a2"]


@guard_unfilled
def check_harmonic_dimension(n: int, k: int, answer) -> Feedback:
    r""":math:`N(n,k)=\binom{n+k-1}{k}-\binom{n+k-3}{k-2}` for the given n >= 2, k >= 2."""
    expected = harmonic_dimension(n, k)
    hints = {
        "that is the dimension of all homogeneous polynomials of degree k; the harmonic "
        "ones are what is left after removing |x|^2 times those of degree k - 2.":
            math.comb(n + k - 1, k),
        "that counts products of k distinct coordinates only (C(n, k)); x_0^2 - x_1^2 is "
        "also harmonic.": math.comb(n, k),
        "that is the dimension of the polynomials of degree at most k restricted to the "
        "sphere, i.e. N(n, 0) + ... + N(n, k).": sum(harmonic_dimension(n, j)
                                                         for j in range(k + 1)),
    }
    result = check_integer(answer, expected, f"N({n}, {k})", hints=hints)
    if result.ok:
        return Feedback(True, f"N({n}, {k}) = {expected} is correct.")
    return result


@guard_unfilled
def check_restricted_polynomial_dimension(n: int, k: int, answer) -> Feedback:
    r"""Polynomials of degree <= k on :math:`S^{n-1}`: :math:`\binom{n+k}{k}-\binom{n+k-2}{k-2}`.

    Equal to :math:`N(n,0)+\cdots+N(n,k)`; n >= 2, k >= 2.
    """
    expected = sum(harmonic_dimension(n, j) for j in range(k + 1))
    hints = {
        "that is the number of monomials of degree at most k in n variables; some "
        "polynomials vanish on the sphere, (|x|^2 - 1) q with deg q <= k - 2.":
            math.comb(n + k, k),
        "that is N(n, k), the harmonics of degree exactly k; degrees 0..k all count.":
            harmonic_dimension(n, k),
        "that counts the homogeneous polynomials of degree k only (it is also what is "
        "left after removing (|x|^2 - 1) q with deg q <= k - 1, one degree too many); "
        "lower degrees also count, and deg q <= k - 2.": math.comb(n + k - 1, k),
    }
    result = check_integer(answer, expected, f"the dimension for n = {n}, k = {k}",
                           hints=hints)
    if result.ok:
        return Feedback(True, f"dimension {expected} = N({n}, 0) + ... + N({n}, {k}) "
                              "is correct.")
    return result


@guard_unfilled
def check_product_normalization(n: int, answer) -> Feedback:
    r"""The constant c > 0 with :math:`\|c\,x_0x_1\|=1` on :math:`S^{n-1}`: :math:`\sqrt{n(n+2)}`."""
    expected = 1.0 / coordinate_product_norm(n, 2)
    hints = {
        "you gave c^2, the inverse of E[x_0^2 x_1^2]; take the square root.": expected**2,
        "that is sqrt(n^2) = n: x_0 and x_1 are not independent on the sphere, "
        "E[x_0^2 x_1^2] = 1/(n(n+2)), not 1/n^2.": float(n),
        "that is the norm of x_0 x_1 itself; c is its inverse.": 1.0 / expected,
        "c > 0 is asked for (the sign of c does not change the norm).": -expected,
        "that is twice c: E[g_0^2 g_1^2] = E[g_0^2] E[g_1^2] = 1, and "
        "E|g|^4 = n(n+2).": 2 * expected,
        "that is half of c: E[g_0^2 g_1^2] = 1, and E|g|^4 = n(n+2).": expected / 2,
    }
    result = check_close(answer, expected, f"the constant c for n = {n}", rtol=1e-6,
                         hints=hints, diagnose=False)
    if result.ok:
        return Feedback(True, f"c = sqrt(n(n+2)) = {expected:.6g} is correct.")
    return result


@guard_unfilled
def check_relu_a1(n: int, answer) -> Feedback:
    r""":math:`A_1(n)=1/(4n)` for ReLU without bias (w uniform on the unit sphere, or Gaussian)."""
    expected = 1.0 / (4 * n)
    hints = {
        "that is lambda_1 = E[relu(sqrt(n) t) t] = 1/(2 sqrt n); A_1 is its square.":
            1.0 / (2 * math.sqrt(n)),
        "E[t^2] = 1/n, but relu keeps only t > 0: E[t^2 1{t > 0}] = 1/(2n).": 1.0 / n,
        "close: check the factor 1/2 from relu (E[t^2 1{t>0}] = 1/(2n)) and that you "
        "squared sqrt(n) E[t^2 1{t>0}].": 1.0 / (2 * n),
        "A_1 is a mean of squares, so it is positive.": -expected,
        "a factor 2 too large: relu keeps half of E[t^2] = 1/n, so lambda_1 = "
        "1/(2 sqrt n).": 2 * expected,
        "a factor 2 too small: A_1 = lambda_1^2 with lambda_1 = 1/(2 sqrt n).":
            expected / 2,
    }
    result = check_close(answer, expected, f"A_1({n})", rtol=1e-6, hints=hints,
                         diagnose=False)
    if result.ok:
        return Feedback(True, f"A_1({n}) = 1/(4n) = {expected:.6g} is correct.")
    return result


def _mean_abs_coordinate(n: int) -> float:
    return math.exp(math.lgamma(n / 2) - math.lgamma((n + 1) / 2)) / math.sqrt(math.pi)


@guard_unfilled
def check_relu_a2(n: int, answer) -> Feedback:
    r""":math:`A_2(n)=n\,(\mathbb E|t|)^2/(4(n+1)^2)` for ReLU without bias, w uniform on the sphere.

    :math:`\mathbb E|t|=\Gamma(n/2)/(\sqrt\pi\,\Gamma((n+1)/2))`; n >= 3.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 3:
        raise ValueError(f"n must be an integer >= 3, got {n!r}")
    mean_abs = _mean_abs_coordinate(n)
    lam = math.sqrt(n) * mean_abs / (2 * (n + 1))
    expected = lam**2
    hints = {
        "that is lambda_2 = E[relu(sqrt(n) t) P_2(t)]; A_2 is its square.": lam,
        "that is the large-n limit 1/(2 pi n^2) (c_2(0)^2 = 1/(2 pi)); the exact value "
        "has E|t| = Gamma(n/2)/(sqrt(pi) Gamma((n+1)/2)) in it.":
            1 / (2 * math.pi * n * n),
        "P_2(t) = (n t^2 - 1)/(n - 1), with P_2(1) = 1: it looks as if you used "
        "t^2 - 1/n without the factor n/(n - 1).": expected * ((n - 1) / n) ** 2,
        "A_2 is a mean of squares, so it is positive.": -expected,
        "a factor 2 too large: E[t 1{t>0}] = E|t|/2.": 2 * expected,
        "a factor 4 too large: E[t^k 1{t>0}] = E|t|^k / 2 for odd k.": 4 * expected,
    }
    result = check_close(answer, expected, f"A_2({n})", rtol=1e-6, hints=hints,
                         diagnose=False)
    if result.ok:
        return Feedback(True, f"A_2({n}) = n (E|t|)^2 / (4 (n+1)^2) = {expected:.6g} "
                              "is correct.")
    return result
