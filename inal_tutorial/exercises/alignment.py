r"""Checkers for the exercises of the chapter *Initial alignment*.

Networks are the book's: a first-layer neuron :math:`\sigma(w\cdot x+b)` with
:math:`w_i\sim N(0,1/n)` i.i.d. and :math:`b\sim N(0,s^2)`;
:math:`A_k(n)=\mathbb{E}_{w,b}[\hat\sigma_{w,b}(S)^2]` for :math:`|S|=k`.
"""

from __future__ import annotations

import math

import numpy as np

from ..fourier import majority_coefficient
from ._feedback import Feedback, as_numeric, check_close, check_shape, guard_unfilled

__all__ = [
    "PLUGIN_EXERCISE",
    "check_linear_neuron_inal",
    "check_quadratic_profile",
    "check_plugin_mean",
    "check_unbiased_mean",
    "check_rademacher_sign_full_parity",
]


@guard_unfilled
def check_linear_neuron_inal(answer) -> Feedback:
    r""":math:`\mathbb{E}_{w,b}\langle\mathrm{Maj}_3,\,w\cdot x+b\rangle^2` on n = 3 bits, s = 1.

    Linear neurons have :math:`A_0=s^2`, :math:`A_1=1/n` and nothing else, and
    :math:`W^1(\mathrm{Maj}_3)=3/4`, so the answer is :math:`(3/4)/3=1/4`.
    """
    hints = {
        "the weights have variance 1/n, so A_1(n) = E[w_i^2] = 1/3, not 1.": 0.75,
        "W^1(Maj_3) adds the squares of three degree-1 coefficients (1/2 each): 3/4, not 1/4.":
            1 / 12,
        "the degree-3 coefficient of Maj_3 does not count: a linear neuron has no degree-3 part "
        "(A_3 = 0).": 0.25 + 0.25 / 27,
        "the bias only meets the constant part of the target, and Maj_3 has mean 0 (W^0 = 0).":
            1.25,
    }
    return check_close(answer, 0.25, "E⟨Maj_3, w·x + b⟩^2", hints=hints)


def quadratic_profile(n: int, bias_std: float = 1.0) -> np.ndarray:
    r""":math:`A_k(n)` of :math:`\sigma(z)=z^2`: :math:`A_0=1+2/n+2s^2+3s^4`,
    :math:`A_1=4s^2/n`, :math:`A_2=4/n^2`, and 0 for k >= 3."""
    s2 = bias_std**2
    out = np.zeros(n + 1)
    out[0] = 1 + 2 / n + 2 * s2 + 3 * s2**2
    out[1] = 4 * s2 / n
    if n >= 2:
        out[2] = 4 / n**2
    return out


@guard_unfilled
def check_quadratic_profile(answer, n: int, bias_std: float = 1.0) -> Feedback:
    r"""The profile :math:`(A_0(n),\dots,A_n(n))` of the quadratic activation :math:`z^2`."""
    if isinstance(n, bool) or not isinstance(n, int) or not 2 <= n <= 64:
        raise ValueError(f"n must be an integer in [2, 64], got {n!r}")
    expected = quadratic_profile(n, bias_std)
    values = as_numeric(answer, "your profile")
    if isinstance(values, Feedback):
        return values
    bad = check_shape(values, expected.shape, "your profile (A_0, ..., A_n)")
    if bad is not None:
        return bad
    if not np.all(np.isfinite(values)):
        return Feedback(False, "your profile contains NaN or infinity.")
    if np.allclose(values, expected, rtol=1e-9, atol=1e-12):
        return Feedback(True, "the quadratic profile is correct: only degrees 0, 1, 2 are seen.")
    problems = []
    if np.any(np.abs(values[3:]) > 1e-12):
        problems.append("(w·x + b)^2 is a polynomial of degree 2 in x, so A_k = 0 for k >= 3")
    if not math.isclose(values[2], expected[2], rel_tol=1e-9):
        if math.isclose(values[2], 1 / n**2, rel_tol=1e-9):
            problems.append("the coefficient of x_ix_j is 2w_iw_j (the cross term appears twice), "
                            "so A_2 = E[4w_i^2w_j^2] = 4/n^2")
        else:
            problems.append("A_2 is not right: which terms of (w·x + b)^2 contain x_ix_j?")
    if not math.isclose(values[1], expected[1], rel_tol=1e-9):
        problems.append("A_1 is not right: the degree-1 part of (w·x + b)^2 is 2b(w·x)")
    if not math.isclose(values[0], expected[0], rel_tol=1e-9):
        s2 = bias_std**2
        if math.isclose(values[0], (1 + s2) ** 2, rel_tol=1e-9):
            problems.append("A_0 = E[(|w|^2 + b^2)^2] and |w|^2 is random: E|w|^4 = 1 + 2/n")
        else:
            problems.append("A_0 is not right: the constant part is |w|^2 + b^2; square it and "
                            "average (E b^4 = 3s^4, E|w|^4 = 1 + 2/n)")
    return Feedback(False, "your profile is not right: " + "; ".join(problems) + ".")


#: The numbers of the estimator exercise: a neuron g with <f, g> = 0.01 and Var_x(f g) = 0.9,
#: estimated from N = 500 sampled inputs.
PLUGIN_EXERCISE = {"correlation": 0.01, "variance": 0.9, "n_samples": 500}


@guard_unfilled
def check_plugin_mean(answer) -> Feedback:
    r"""Expected plug-in estimate :math:`\langle f,g\rangle^2+\mathrm{Var}(fg)/N` (= 0.0019)."""
    c, v, n = (PLUGIN_EXERCISE[key] for key in ("correlation", "variance", "n_samples"))
    hints = {
        "that is the true value <f,g>^2: the plug-in squares a noisy mean, and the noise adds "
        "Var(fg)/N on average.": c**2,
        "the bias is only part of it: add the true value <f,g>^2.": v / n,
        "E[(mean a)^2] = (E a)^2 + Var(mean a), and Var(mean a) = Var(a)/N, not Var(a)/(N-1).":
            c**2 + v / (n - 1),
        "that is E[mean a] = <f,g>, not the expectation of its square.": c,
    }
    return check_close(answer, c**2 + v / n, "the expected plug-in estimate", hints=hints)


@guard_unfilled
def check_unbiased_mean(answer) -> Feedback:
    r"""Expected U-statistic :math:`((\sum a_i)^2-\sum a_i^2)/(N(N-1))`: exactly
    :math:`\langle f,g\rangle^2` (= 0.0001)."""
    c, v, n = (PLUGIN_EXERCISE[key] for key in ("correlation", "variance", "n_samples"))
    hints = {
        "that is the plug-in's expectation; the U-statistic drops the diagonal terms a_i^2, "
        "whose expectation is exactly what biases the plug-in.": c**2 + v / n,
        "the U-statistic is unbiased for the *square* <f,g>^2.": c,
    }
    return check_close(answer, c**2, "the expected U-statistic", hints=hints)


@guard_unfilled
def check_rademacher_sign_full_parity(answer, n: int) -> Feedback:
    r""":math:`A_n(n)` for sign neurons, Rademacher weights, no bias, odd n: majority's top
    coefficient squared, :math:`\big(2\binom{n-1}{(n-1)/2}/2^n\big)^2`."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1 or n % 2 == 0 or n > 999:
        raise ValueError(f"n must be an odd integer in [1, 999], got {n!r}")
    top = majority_coefficient(n, n)
    hints = {
        "that is 2/(πn), the large-n approximation; an exact value is asked for.":
            2 / (math.pi * n),
        "square the coefficient: A_n(n) = E[σ̂_w([n])^2].": abs(top),
    }
    return check_close(answer, top**2, f"A_{n}({n}) for Rademacher sign neurons", hints=hints)
