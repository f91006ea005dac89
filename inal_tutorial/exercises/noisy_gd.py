r"""Checkers for the exercises of the chapter *Noisy gradient descent and its lower bound*.

Each returns a :class:`~inal_tutorial.exercises.Feedback` that names the typical
mistake (a KL without the factor 2, clipping forgotten, CP where its square root
belongs) without revealing the right value.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from ..lower_bound import (
    class_cross_predictability,
    class_tables,
    correlation_operator_norm,
    correlation_second_moment,
)
from ._feedback import Feedback, all_of, as_numeric, check_close, guard_unfilled

__all__ = ["parity_bound", "check_parity_bound", "check_step_kl", "check_extremal_function"]


def parity_bound(n: int, k: int, steps: int, n_params: int, b: float, noise_std: float) -> float:
    r"""The Hilbert–Schmidt form of the bound for the k-parities on n bits, capped at 1.

    .. math:: \frac12+\frac{\mathrm{CP}^{1/4}}2+\frac{\mathrm{CP}^{1/4}\,b\sqrt{TP}}{\sigma},
              \qquad \mathrm{CP}=1/\tbinom nk.
    """
    n, k = int(n), int(k)
    if not 1 <= k <= n:
        raise ValueError(f"k must be in [1, n], got n={n}, k={k}")
    if steps < 0 or n_params < 1 or b < 0 or noise_std <= 0:
        raise ValueError("need steps >= 0, n_params >= 1, b >= 0 and noise_std > 0")
    quarter = math.comb(n, k) ** -0.25
    return min(1.0, 0.5 + 0.5 * quarter + quarter * b * math.sqrt(steps * n_params) / noise_std)


@guard_unfilled
def check_parity_bound(n: int, k: int, steps: int, n_params: int, b: float, noise_std: float,
                       answer) -> Feedback:
    r"""The value of :func:`parity_bound` computed by hand."""
    expected = parity_bound(n, k, steps, n_params, b, noise_std)
    cp = 1 / math.comb(n, k)
    root = math.sqrt(steps * n_params) * b / noise_std

    def value(power: float, extra: float = 1.0) -> float:
        return min(1.0, 0.5 + 0.5 * cp**power + extra * cp**power * root)

    hints = {
        "you used sqrt(CP) where CP^(1/4) belongs: the bound has the square root of "
        "E_F KL, and E_F KL is proportional to sqrt(CP).": value(0.5),
        "you used CP itself: the Hilbert-Schmidt step gives sqrt(CP) inside the KL, so "
        "CP^(1/4) outside the square root.": value(1.0),
        "you forgot the junk term CP^(1/4)/2 (the success of the junk run).":
            min(1.0, 0.5 + cp**0.25 * root),
        "you multiplied by T instead of sqrt(T): the KLs add up over steps, and Pinsker "
        "takes one square root at the end.": min(1.0, 0.5 + 0.5 * cp**0.25 + cp**0.25 * b
                                                  * steps * math.sqrt(n_params) / noise_std),
    }
    hints = {msg: v for msg, v in hints.items() if not math.isclose(v, expected, rel_tol=1e-9)}
    return check_close(answer, expected, f"the success bound for the {k}-parities on {n} bits",
                       rtol=1e-4, hints=hints)


@guard_unfilled
def check_step_kl(g_junk, g_target, clip: float, noise_std: float, kl_clipped,
                  kl_unclipped) -> Feedback:
    r"""The KL between one junk step and one step on F, with and without clipping.

    :math:`\|\mathrm{clip}_A(g_0)-\mathrm{clip}_A(g_F)\|^2/(2\sigma^2)` and
    :math:`\|g_0-g_F\|^2/(2\sigma^2)`; the learning rate cancels.
    """
    g0 = np.asarray(g_junk, dtype=np.float64)
    gf = np.asarray(g_target, dtype=np.float64)
    clipped = float(np.sum((np.clip(g0, -clip, clip) - np.clip(gf, -clip, clip)) ** 2)
                    / (2 * noise_std**2))
    unclipped = float(np.sum((g0 - gf) ** 2) / (2 * noise_std**2))
    common = {
        "you left out the factor 1/2: KL(N(a, s^2 I) || N(b, s^2 I)) = |a - b|^2 / (2 s^2).": None,
        "you divided by sigma instead of sigma^2.": None,
    }

    def hints_for(value: float, diff_sq: float) -> dict[str, float]:
        out = dict(zip(common, (2 * value, diff_sq / (2 * noise_std)), strict=True))
        return {msg: v for msg, v in out.items() if not math.isclose(v, value, rel_tol=1e-9)}

    clipped_sq = 2 * noise_std**2 * clipped
    hints_clipped = hints_for(clipped, clipped_sq)
    if not math.isclose(unclipped, clipped, rel_tol=1e-9):
        hints_clipped["that is the KL without clipping: clip both gradients coordinate-wise "
                      "to [-A, A] first."] = unclipped
    return all_of(
        check_close(kl_clipped, clipped, "the KL with clipping", rtol=1e-6,
                    hints=hints_clipped),
        check_close(kl_unclipped, unclipped, "the KL without clipping", rtol=1e-6,
                    hints=hints_for(unclipped, 2 * noise_std**2 * unclipped)),
    )


@guard_unfilled
def check_extremal_function(tables, g, *, rtol: float = 1e-6) -> Feedback:
    r"""Is g a function with :math:`\mathbb{E}_F\langle F,g\rangle^2=\lambda\|g\|^2` (it attains the operator norm)?"""
    tables = class_tables(tables)
    answer = as_numeric(g, "g")
    if isinstance(answer, Feedback):
        return answer
    if answer.shape != (tables.shape[1],):
        return Feedback(False, f"g should be a truth table of length {tables.shape[1]}, but yours "
                               f"has shape {answer.shape}.")
    if not np.all(np.isfinite(answer)):
        return Feedback(False, "g contains NaN or infinity.")
    g_t = torch.as_tensor(answer)
    norm_sq = float(g_t.square().mean())
    if norm_sq == 0:
        return Feedback(False, "g is the zero function: the ratio E_F<F,g>^2 / |g|^2 is 0/0.")
    lam = correlation_operator_norm(tables)
    ratio = float(correlation_second_moment(tables, g_t)) / norm_sq
    if ratio > lam * (1 + 1e-9):
        return Feedback(False, f"E_F<F,g>^2 / |g|^2 = {ratio:.6g} exceeds the operator norm; "
                               "check how you normalized <F,g> (a mean over inputs, not a sum).")
    if math.isclose(ratio, lam, rel_tol=rtol):
        return Feedback(True, f"g attains the operator norm: E_F<F,g>^2 / |g|^2 = {ratio:.6g}.")
    cp = class_cross_predictability(tables)
    return Feedback(False, f"E_F<F,g>^2 / |g|^2 = {ratio:.6g} is below the largest possible value "
                           f"(sqrt(CP) = {math.sqrt(cp):.4g} is only an upper bound on it): take g "
                           "in the span of the class, along the top eigenvector of the Gram "
                           "matrix G_ij = <F_i, F_j>.")
