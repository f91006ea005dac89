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

__all__ = ["check_harmonic_dimension", "check_product_normalization", "check_relu_a1"]


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
def check_product_normalization(n: int, answer) -> Feedback:
    r"""The constant c > 0 with :math:`\|c\,x_0x_1\|=1` on :math:`S^{n-1}`: :math:`\sqrt{n(n+2)}`."""
    expected = 1.0 / coordinate_product_norm(n, 2)
    hints = {
        "you gave c^2, the inverse of E[x_0^2 x_1^2]; take the square root.": expected**2,
        "that is sqrt(n^2) = n: x_0 and x_1 are not independent on the sphere, "
        "E[x_0^2 x_1^2] = 1/(n(n+2)), not 1/n^2.": float(n),
        "that is the norm of x_0 x_1 itself; c is its inverse.": 1.0 / expected,
    }
    result = check_close(answer, expected, f"the constant c for n = {n}", rtol=1e-6,
                         hints=hints)
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
    }
    result = check_close(answer, expected, f"A_1({n})", rtol=1e-6, hints=hints)
    if result.ok:
        return Feedback(True, f"A_1({n}) = 1/(4n) = {expected:.6g} is correct.")
    return result
