r"""Checkers for the exercises of the chapter *Natural weights*.

Each returns a :class:`~inal_tutorial.exercises.Feedback` naming the typical mistake
(a forgotten scale factor, the raw second moment instead of the variance, the
unseen fraction instead of the seen one) without revealing the right value.
"""

from __future__ import annotations

import math

from ._feedback import Feedback, all_of, check_close, check_integer, guard_unfilled

__all__ = [
    "check_sparse_moments",
    "check_relu_linear_fraction",
    "check_sparse_support_size",
    "check_sparse_coverage",
]


def _check_n_k(n: int, k: int) -> tuple[int, int]:
    n, k = int(n), int(k)
    if not 1 <= k <= n:
        raise ValueError(f"need 1 <= K <= n, got n={n}, K={k}")
    return n, k


@guard_unfilled
def check_sparse_moments(n: int, k: int, second, fourth) -> Feedback:
    r""":math:`\mathbb{E}[x_i^2]` and :math:`\mathbb{E}[x_i^4]` for the sparse law with K non-zero coordinates.

    A coordinate is non-zero with probability K/n and then equals :math:`\pm\sqrt{n/K}`,
    so :math:`\mathbb{E}[x_i^2]=1` and :math:`\mathbb{E}[x_i^4]=n/K`.
    """
    n, k = _check_n_k(n, k)
    return all_of(
        check_close(second, 1.0, "E[x_i^2]",
                    hints={"you forgot the scale sqrt(n/K): without it E[x_i^2] = K/n.": k / n,
                           "you forgot that x_i is zero with probability 1 - K/n.": n / k}),
        check_close(fourth, n / k, "E[x_i^4]",
                    hints={"that is the Gaussian value 3; the sparse law has heavier tails.": 3.0,
                           "that is the hypercube value 1: the sparse law is not bounded by 1.":
                           1.0,
                           "you forgot that x_i is zero with probability 1 - K/n.":
                           (n / k) ** 2}),
    )


@guard_unfilled
def check_relu_linear_fraction(answer) -> Feedback:
    r"""Fraction of :math:`\mathrm{Var}(\mathrm{ReLU}(Z))`, :math:`Z\sim N(0,1)`, explained by the best affine function of Z.

    The best affine fit is :math:`\mathbb{E}[\mathrm{ReLU}(Z)] + \mathrm{Cov}(\mathrm{ReLU}(Z),Z)Z`
    with :math:`\mathrm{Cov}=1/2`, explaining :math:`(1/4)/(1/2-1/(2\pi))`.
    """
    expected = 0.25 / (0.5 - 0.5 / math.pi)
    return check_close(answer, expected, "the explained fraction", rtol=1e-4,
                       hints={"you divided by E[ReLU(Z)^2] = 1/2 instead of the variance "
                              "1/2 - 1/(2 pi): subtract the squared mean.": 0.5,
                              "you used Cov(ReLU(Z), Z) = 1/2 without squaring it.":
                              0.5 / (0.5 - 0.5 / math.pi),
                              "that is the unexplained fraction.": 1 - expected})


@guard_unfilled
def check_sparse_support_size(n: int, k: int, answer) -> Feedback:
    r"""Number of distinct inputs of the sparse law: :math:`\binom nK 2^K`."""
    n, k = _check_n_k(n, k)
    size = math.comb(n, k) * 2**k
    return check_integer(answer, size, "the number of distinct sparse inputs",
                         hints={"you counted the supports but not the signs.": math.comb(n, k),
                                "you counted ordered choices of the K coordinates; the order "
                                "does not matter.": math.perm(n, k) * 2**k,
                                "that is the number of points of the whole hypercube.": 2**n})


@guard_unfilled
def check_sparse_coverage(n: int, k: int, samples: int, answer) -> Feedback:
    r"""Expected fraction of the :math:`M=\binom nK2^K` sparse inputs that appear among ``samples`` draws: :math:`1-(1-1/M)^N`."""
    n, k = _check_n_k(n, k)
    samples = int(samples)
    if samples < 0:
        raise ValueError(f"samples must be >= 0, got {samples}")
    size = math.comb(n, k) * 2**k
    expected = 1 - (1 - 1 / size) ** samples
    hints = {"that is the fraction never drawn; the question asks for the fraction drawn at "
             "least once.": 1 - expected}
    if samples < size:
        hints["N/M counts repeated draws more than once."] = samples / size
    return check_close(answer, expected, "the expected covered fraction", rtol=1e-6,
                       hints=hints)
