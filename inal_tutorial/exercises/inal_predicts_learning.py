r"""Checkers for the exercises of the chapter *Initial alignment predicts learning*.

* :func:`check_mixture_weights`, :func:`check_partial_accuracy` — the Fourier weights of
  :math:`\mathrm{Maj}(\chi_A,\chi_B,x_c)` for disjoint supports, and the accuracy of
  the predictor that has learned only its degree-1 part.
* :func:`check_linear_alignment` — the alignment of a depth-2 *linear* network with
  majority, the same for a first-layer neuron and for the read-out.
* :func:`check_constant_baseline` — the best constant predictor of an unbalanced
  target (the staircase of even length with ties broken towards +1).
"""

from __future__ import annotations

from fractions import Fraction

from .._validation import check_int
from ..boolean import Staircase, truth_table
from ._feedback import Feedback, all_of, as_numeric, check_close, check_probability, guard_unfilled

__all__ = [
    "check_mixture_weights",
    "check_partial_accuracy",
    "check_linear_alignment",
    "linear_alignment",
    "check_constant_baseline",
]


@guard_unfilled
def check_mixture_weights(w1, w4, w9) -> Feedback:
    r"""Degree weights :math:`W^1, W^4, W^9` of :math:`\mathrm{Maj}(\chi_{0123},\chi_{4567},x_8)`.

    :math:`\mathrm{Maj}(a,b,c)=\tfrac12(a+b+c-abc)` for :math:`a,b,c\in\{\pm1\}`, and with
    disjoint supports the four products are distinct characters: :math:`x_8/2` (degree 1),
    :math:`\chi_{0123}/2,\ \chi_{4567}/2` (degree 4) and :math:`-\chi_{0\dots8}/2` (degree 9),
    so :math:`W^1=1/4`, :math:`W^4=1/2`, :math:`W^9=1/4`.
    """
    squares = "each coefficient is ±1/2, so each character contributes (1/2)^2 = 1/4, not 1/2."
    parts = []
    for name, answer, expected, wrong in (("W^1", w1, 0.25, 0.5), ("W^4", w4, 0.5, 1.0),
                                          ("W^9", w9, 0.25, 0.5)):
        hints = {squares: wrong}
        if name == "W^4":
            hints["two characters have degree 4 (χ_{0123} and χ_{4567}); each carries 1/4."] = 0.25
        parts.append(check_close(answer, expected, name, rtol=1e-9, atol=1e-12, hints=hints))
    result = all_of(*parts)
    if result:
        return Feedback(True, "W^1 = 1/4, W^4 = 1/2, W^9 = 1/4: all right (they sum to 1, as "
                              "Parseval demands for a ±1 function).")
    return result


@guard_unfilled
def check_partial_accuracy(answer) -> Feedback:
    r"""Accuracy of :math:`\mathrm{sign}(x_8)=x_8` as a predictor of :math:`\mathrm{Maj}(\chi_{0123},\chi_{4567},x_8)`.

    :math:`\Pr[f=g]=\tfrac12(1+\langle f,g\rangle)` for ±1 functions and
    :math:`\langle f,x_8\rangle=\hat f(\{8\})=1/2`, so the answer is 3/4.
    """
    is_probability = check_probability(answer, "The accuracy")
    if not is_probability:
        return is_probability
    hints = {"that is the correlation ⟨f, x_8⟩; the accuracy of a ±1 predictor g is "
             "(1 + ⟨f, g⟩)/2.": 0.5,
             "that is W^1 = ⟨f, x_8⟩², not the accuracy (1 + ⟨f, x_8⟩)/2.": 0.25}
    return check_close(answer, 0.75, "The accuracy of x_8", rtol=1e-9, atol=1e-12, hints=hints)


def linear_alignment(n: int, bias_std: float = 1.0) -> float:
    r""":math:`\mathbb{E}\langle \mathrm{Maj}_n, w\cdot x+b\rangle^2 = W^1(\mathrm{Maj}_n)/n` for odd n.

    The bias meets only the constant part, which is 0 for majority; the weights give
    :math:`A_1=\mathbb{E}w_i^2=1/n`; :math:`W^1(\mathrm{Maj}_n)=n\,\hat{\mathrm{Maj}}_n(\{1\})^2`
    with :math:`\hat{\mathrm{Maj}}_n(\{1\})=\binom{n-1}{(n-1)/2}2^{1-n}`.
    """
    n = check_int(n, "n", low=1, high=999)
    if n % 2 == 0:
        raise ValueError(f"n must be odd, got {n}")
    from math import comb

    coefficient = Fraction(comb(n - 1, (n - 1) // 2), 2 ** (n - 1))
    return float(n * coefficient**2 / n)


@guard_unfilled
def check_linear_alignment(answer, n: int = 5) -> Feedback:
    r""":math:`\mathbb{E}\langle\mathrm{Maj}_n,\mathrm{NN}_v\rangle^2` of a depth-2 linear network (n = 5: 9/64)."""
    expected = linear_alignment(n)
    value = as_numeric(answer, "E⟨Maj, NN_v⟩²")
    if isinstance(value, Feedback):
        return value
    w1 = expected * n
    hints = {"the weights have variance 1/n, so the degree-1 part is W^1/n, not W^1.": w1,
             "W^1 adds the squares of all n degree-1 coefficients, not just one.": expected / n,
             "the bias contributes nothing: it only meets the constant part of the target, and "
             "majority has mean 0.": expected + 1.0}
    return check_close(value, expected, f"E⟨Maj_{n}, NN_v⟩²", rtol=1e-6, atol=1e-12,
                       hints=hints)


@guard_unfilled
def check_constant_baseline(answer, k: int = 4) -> Feedback:
    r"""Accuracy of the best constant predictor of the staircase sign of length k (ties → +1).

    It is :math:`(1+|\mathbb{E}f|)/2`; for k = 4, :math:`\mathbb{E}f=3/8` and the answer is
    11/16.
    """
    k = check_int(k, "k", low=1, high=16)
    mean = float(truth_table(Staircase(k, k, tie_break="+1")).mean())
    is_probability = check_probability(answer, "The accuracy")
    if not is_probability:
        return is_probability
    hints = {"that is E f, the correlation of f with the constant 1; the accuracy of a ±1 "
             "predictor g is (1 + ⟨f, g⟩)/2.": abs(mean),
             "a balanced target would give 1/2, but this one is not balanced: compute "
             "E f.": 0.5}
    return check_close(answer, (1 + abs(mean)) / 2, "The best constant's accuracy", rtol=1e-9,
                       atol=1e-12, hints=hints)
