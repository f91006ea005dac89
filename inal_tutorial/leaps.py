r"""Staircases and leaps: targets given by their monomial supports, leap complexity,
and the experiments of the chapter *Staircases and leaps*.

A target on the cube is a sparse polynomial :math:`f=\sum_{S\in\mathcal S}c_S\chi_S`
with :math:`\chi_S(x)=\prod_{i\in S}x_i`. Its **leap** (Abbe, Boix-Adserà and
Misiakiewicz 2023) is

.. math:: \mathrm{Leap}(f)=\min_{\pi}\max_{i}\Big|S_{\pi(i)}\setminus
          \bigcup_{j<i}S_{\pi(j)}\Big|,

the minimum over orderings :math:`\pi` of the supports with :math:`c_S\ne0` of the largest
number of new coordinates that one support brings. Leap 1 is the *merged-staircase
property* (Abbe, Boix-Adserà and Misiakiewicz 2022).

The minimum is found exactly by a greedy rule: always take a support with the fewest new
coordinates. Proof: let :math:`\pi^*` be an optimal ordering with value L and U the union
of the supports greedy has taken so far (each with at most L new coordinates). The first
support of :math:`\pi^*` that greedy has not taken has all its :math:`\pi^*`-predecessors
inside U, so it has at most L coordinates outside U; greedy's choice has at most as many.
So greedy never exceeds L, and its value is the leap.

The module holds:

* ``SparsePolynomial(n, terms, normalize=True)``: a target given by its supports and
  coefficients;
* ``supports_of(target)``, ``leap(target_or_supports)``, ``leap_order(supports)`` and
  ``has_merged_staircase(target_or_supports)``: Fourier supports and the leap;
* ``LEAP_TARGETS`` and ``leap_target(name, n)``: the chapter's three targets on the
  coordinates {0, 1, 2}, of leap 1, 2 and 3;
* ``fit_exponent(ns, steps)`` and ``conjectured_step_exponent(leap)``: a log-log fit
  with a bootstrap interval, and the exponent the leap conjecture gives;
* ``LearningTimes`` and ``SequentialRun``: the results of the training experiments,
  which are in the module ``inal_tutorial.leaps_experiments``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from ._validation import (
    MAX_ENUMERATION_N,
    check_choice,
    check_float,
    check_int,
    check_seed,
    check_support,
)
from .boolean import BooleanTarget, Parity, Staircase, truth_table
from .fourier import walsh_coefficients

__all__ = [
    "SparsePolynomial",
    "supports_of",
    "leap",
    "leap_order",
    "has_merged_staircase",
    "LEAP_TARGETS",
    "leap_target",
    "ExponentFit",
    "fit_exponent",
    "fit_exponent_difference",
    "conjectured_step_exponent",
    "LearningTimes",
    "SequentialRun",
]

Support = tuple[int, ...]


class SparsePolynomial(BooleanTarget):
    r"""The target :math:`f=\sum_S c_S\chi_S` given by its monomial supports.

    Parameters
    ----------
    n : int
        Number of input bits.
    terms : mapping or sequence of (support, coefficient) pairs
        Supports are sequences of distinct coordinates in ``[0, n)`` (0-based); a support
        given twice is refused. Coefficients are finite reals; zero coefficients are dropped.
    normalize : bool
        Divide by :math:`(\sum_S c_S^2)^{1/2}` so that :math:`\langle f,f\rangle=1`.
    """

    def __init__(self, n: int, terms, *, normalize: bool = True):
        super().__init__(n)
        items = list(terms.items()) if isinstance(terms, Mapping) else list(terms)
        clean: dict[Support, float] = {}
        for item in items:
            if not isinstance(item, (tuple, list)) or len(item) != 2:
                raise TypeError(f"terms must be (support, coefficient) pairs, got {item!r}")
            support = tuple(sorted(check_support(item[0], self.n, "support")))
            coef = check_float(item[1], "coefficient")
            if support in clean:
                raise ValueError(f"support {support} is given twice in terms")
            if coef != 0.0:
                clean[support] = coef
        if not clean:
            raise ValueError("terms must contain at least one nonzero coefficient")
        norm = math.sqrt(sum(c * c for c in clean.values())) if normalize else 1.0
        self.terms = {s: c / norm for s, c in clean.items()}
        self.name = " + ".join("x_" + "x_".join(map(str, s)) if s else "1" for s in self.terms)

    @property
    def supports(self) -> list[Support]:
        """The supports with a nonzero coefficient, in the order given."""
        return list(self.terms)

    @property
    def is_boolean(self) -> bool:
        return len(self.terms) == 1 and abs(abs(next(iter(self.terms.values()))) - 1) < 1e-12

    def _evaluate(self, x):
        out = torch.zeros(x.shape[:-1], dtype=x.dtype, device=x.device)
        for support, coef in self.terms.items():
            out = out + coef * (x[..., list(support)].prod(dim=-1) if support else 1.0)
        return out


def supports_of(target: BooleanTarget, *, tol: float = 1e-9) -> list[Support]:
    r"""The supports S with :math:`\hat f(S)\ne0` (in absolute value above ``tol``).

    Read off for :class:`SparsePolynomial`, :class:`~inal_tutorial.boolean.Parity` and the
    real-valued :class:`~inal_tutorial.boolean.Staircase`; any other target is enumerated
    (all :math:`2^n` inputs, n at most 20) and its Walsh coefficients are computed.
    """
    if isinstance(target, SparsePolynomial):
        return target.supports
    if isinstance(target, Parity):
        return [tuple(sorted(target.support))]
    if isinstance(target, Staircase) and not target.boolean:
        return [tuple(range(j + 1)) for j in range(target.k)]
    if not isinstance(target, BooleanTarget):
        raise TypeError(f"target must be a BooleanTarget, got {type(target).__name__}")
    tol = check_float(tol, "tol", low=0.0, low_open=True)
    check_int(target.n, "target.n", high=min(20, MAX_ENUMERATION_N))
    coefficients = walsh_coefficients(truth_table(target)).numpy()
    masks = np.flatnonzero(np.abs(coefficients) > tol)
    return [tuple(j for j in range(target.n) if (int(m) >> j) & 1) for m in masks]


def _as_supports(target_or_supports) -> list[Support]:
    if isinstance(target_or_supports, BooleanTarget):
        return supports_of(target_or_supports)
    if isinstance(target_or_supports, (str, bytes)):
        raise TypeError("supports must be a sequence of coordinate sequences")
    supports = []
    for s in target_or_supports:
        if isinstance(s, (str, bytes)) or not isinstance(s, (Sequence, set, frozenset)):
            raise TypeError(f"each support must be a sequence of coordinates, got {s!r}")
        items = sorted(s)
        for i in items:
            check_int(i, "coordinate", low=0)
        if len(set(items)) != len(items):
            raise ValueError(f"support {tuple(s)} repeats a coordinate")
        supports.append(tuple(items))
    return supports


def leap_order(supports) -> tuple[int, list[Support]]:
    r"""The leap and an ordering that attains it.

    Greedy (exact, see the module docstring): repeatedly take the support with the fewest
    coordinates outside the union of those taken (ties: the earliest given). Returns
    ``(leap, ordering)``; the empty collection has leap 0.
    """
    remaining = _as_supports(supports)
    union: set[int] = set()
    order, value = [], 0
    while remaining:
        new = [len(set(s) - union) for s in remaining]
        i = int(np.argmin(new))
        value = max(value, new[i])
        union |= set(remaining[i])
        order.append(remaining.pop(i))
    return value, order


def leap(target_or_supports) -> int:
    r""":math:`\mathrm{Leap}(f)=\min_\pi\max_i|S_{\pi(i)}\setminus\cup_{j<i}S_{\pi(j)}|`.

    Takes a :class:`~inal_tutorial.boolean.BooleanTarget` (its supports by
    :func:`supports_of`) or a sequence of supports.
    """
    return leap_order(target_or_supports)[0]


def has_merged_staircase(target_or_supports) -> bool:
    """Whether the supports can be ordered so that each adds at most one new coordinate
    (the merged-staircase property, i.e. leap at most 1)."""
    return leap(target_or_supports) <= 1


#: The chapter's targets: all on the coordinates {0, 1, 2}, degree 3, norm 1, mean 0;
#: only the leap differs.
LEAP_TARGETS: dict[str, tuple[Support, ...]] = {
    "leap 1": ((0,), (0, 1), (0, 1, 2)),
    "leap 2": ((0,), (0, 1, 2)),
    "leap 3": ((0, 1, 2),),
}


def leap_target(name: str, n: int) -> BooleanTarget:
    r"""One of :data:`LEAP_TARGETS` on n bits, normalized: ``"leap 1"`` is the staircase
    :math:`(x_0+x_0x_1+x_0x_1x_2)/\sqrt3` (:class:`~inal_tutorial.boolean.Staircase`),
    ``"leap 2"`` is :math:`(x_0+x_0x_1x_2)/\sqrt2`, ``"leap 3"`` is :math:`x_0x_1x_2`."""
    name = check_choice(name, "name", tuple(LEAP_TARGETS))
    n = check_int(n, "n", low=3, high=100_000)
    if name == "leap 1":
        return Staircase(n, 3, boolean=False)
    return SparsePolynomial(n, [(s, 1.0) for s in LEAP_TARGETS[name]])


@dataclass(frozen=True)
class ExponentFit:
    r"""Least-squares fit :math:`\log T = \log C + \alpha\log n` with a bootstrap interval.

    ``exponent`` is :math:`\alpha`; ``low``, ``high`` the percentile bootstrap interval
    (seeds resampled with replacement within each n); ``prefactor`` is C.
    """

    exponent: float
    low: float
    high: float
    prefactor: float
    level: float


def fit_exponent(ns: Sequence[int], steps, *, level: float = 0.95, n_boot: int = 2000,
                 seed: int = 0) -> ExponentFit:
    r"""Fit :math:`T\approx Cn^\alpha` to steps per seed (one row of seeds per n).

    The fit is ordinary least squares of the mean over seeds of :math:`\log T` against
    :math:`\log n`; the interval resamples the seeds of each n with replacement ``n_boot``
    times and refits. Every entry of ``steps`` must be finite and positive (a seed that did
    not learn would make the fit a guess: raise ``max_steps`` instead).
    """
    ns_arr = np.asarray(ns, dtype=np.float64)
    rows = [np.asarray(s, dtype=np.float64).ravel() for s in steps]
    if ns_arr.ndim != 1 or len(rows) != ns_arr.size or ns_arr.size < 2:
        raise ValueError("ns must be a sequence of at least 2 sizes, with one row of steps each")
    if len(set(ns_arr.tolist())) != ns_arr.size or (ns_arr <= 0).any():
        raise ValueError("ns must be distinct and positive")
    for row in rows:
        if row.size == 0 or not np.isfinite(row).all() or (row <= 0).any():
            raise ValueError("steps must be finite and positive for every seed (a seed that "
                             "did not learn gives inf: raise max_steps)")
    level = check_float(level, "level", low=0.0, high=1.0, low_open=True, high_open=True)
    n_boot = check_int(n_boot, "n_boot", low=10, high=10**6)
    rng = np.random.default_rng(check_seed(seed, allow_generator=False))
    logn = np.log(ns_arr)
    logs = [np.log(r) for r in rows]
    slope, intercept = np.polyfit(logn, [v.mean() for v in logs], 1)
    boot = np.empty(n_boot)
    for b in range(n_boot):
        means = [v[rng.integers(0, v.size, v.size)].mean() for v in logs]
        boot[b] = np.polyfit(logn, means, 1)[0]
    lo, hi = np.quantile(boot, [(1 - level) / 2, (1 + level) / 2])
    return ExponentFit(float(slope), float(lo), float(hi), float(np.exp(intercept)), level)


def fit_exponent_difference(ns: Sequence[int], steps_a, steps_b, *, level: float = 0.95,
                            n_boot: int = 2000, seed: int = 0) -> ExponentFit:
    r"""The difference :math:`\alpha_b-\alpha_a` of two fitted exponents, with a paired interval.

    Both fits are those of :func:`fit_exponent`. When the two targets share their seeds
    (the same initializations and inputs at each n), seed m of target a and seed m of
    target b are a pair: the bootstrap resamples the seed *indices* of each n once and
    uses them for both targets, so the interval accounts for the pairing. ``steps_a`` and
    ``steps_b`` must have the same number of seeds at each n. The returned
    ``prefactor`` is the ratio :math:`C_b/C_a` of the two fitted prefactors.
    """
    rows_a = [np.asarray(s, dtype=np.float64).ravel() for s in steps_a]
    rows_b = [np.asarray(s, dtype=np.float64).ravel() for s in steps_b]
    if len(rows_a) != len(rows_b) or any(a.size != b.size for a, b in zip(rows_a, rows_b, strict=True)):
        raise ValueError("steps_a and steps_b must have the same number of seeds at each n")
    fit_a = fit_exponent(ns, rows_a, level=level, n_boot=n_boot, seed=seed)
    fit_b = fit_exponent(ns, rows_b, level=level, n_boot=n_boot, seed=seed)
    rng = np.random.default_rng(check_seed(seed, allow_generator=False))
    logn = np.log(np.asarray(ns, dtype=np.float64))
    boot = np.empty(n_boot)
    for b in range(n_boot):
        picks = [rng.integers(0, a.size, a.size) for a in rows_a]
        mean_a = [np.log(a[i]).mean() for a, i in zip(rows_a, picks, strict=True)]
        mean_b = [np.log(r[i]).mean() for r, i in zip(rows_b, picks, strict=True)]
        boot[b] = np.polyfit(logn, mean_b, 1)[0] - np.polyfit(logn, mean_a, 1)[0]
    lo, hi = np.quantile(boot, [(1 - level) / 2, (1 + level) / 2])
    return ExponentFit(fit_b.exponent - fit_a.exponent, float(lo), float(hi),
                       fit_b.prefactor / fit_a.prefactor, level)


def conjectured_step_exponent(leap: int) -> int:
    r"""The exponent :math:`\max(L-1, 1)` of n in the conjectured number of online-SGD steps.

    Abbe, Boix-Adserà and Misiakiewicz (2023) conjecture a *time*
    :math:`\tilde\Theta(d^{\max(L,2)})` for a target of leap L on d inputs, for online SGD
    (batch O(1), so steps = samples); one step on one sample costs of order d operations
    per neuron, so in steps (or samples) it reads :math:`\tilde\Theta(d^{\max(L-1,1)})`.
    The tilde hides log factors, and they matter at leap 2: the power of d is that of
    leap 1, but a leap-2 target needs about :math:`d\log d` steps, not O(d) (Abbe,
    Boix-Adserà and Misiakiewicz 2022 rule out O(d) samples without the merged-staircase
    property in the mean-field regime). ``leap`` is an integer >= 1.
    """
    return max(check_int(leap, "leap", low=1) - 1, 1)


# Results of the experiments of inal_tutorial.leaps_experiments


@dataclass
class LearningTimes:
    """Steps to learn, per seed, for one target at one n.

    Attributes
    ----------
    n, leap : int
    steps : numpy array ``(M,)``
        First evaluation step at which the held-out loss was at most ``threshold``
        (``inf`` for a seed that did not get there within ``max_steps``).
    eval_steps, test_loss : numpy arrays ``(n_evals,)`` and ``(n_evals, M)``
    exact : bool
        Whether the loss is the exact population loss (all 2^n inputs).
    config : dict
    """

    n: int
    leap: int
    steps: np.ndarray
    eval_steps: np.ndarray
    test_loss: np.ndarray
    exact: bool
    config: dict = field(default_factory=dict)

    @property
    def n_learned(self) -> int:
        """Number of seeds that reached the threshold."""
        return int(np.isfinite(self.steps).sum())


@dataclass
class SequentialRun:
    r"""Fourier coefficients :math:`\widehat{\mathrm{NN}}(S)` of the network during training.

    ``coefficients[t, m, j]`` is the coefficient of seed m at ``steps[t]`` on
    ``supports[j]`` (exact: all :math:`2^n` inputs); ``target[j]`` is :math:`\hat f(S_j)`;
    ``loss[t, m]`` the exact population loss.
    """

    n: int
    supports: list[tuple[int, ...]]
    steps: np.ndarray
    coefficients: np.ndarray
    target: np.ndarray
    loss: np.ndarray

    def times_to(self, fraction: float = 0.5) -> np.ndarray:
        """``(M, k)``: first recorded step at which each coefficient reached ``fraction`` of
        its target value (``inf`` if never)."""
        fraction = check_float(fraction, "fraction", low=0.0, high=1.0, low_open=True)
        hit = self.coefficients >= fraction * self.target
        first = np.where(hit.any(axis=0), hit.argmax(axis=0), -1)
        return np.where(first >= 0, self.steps[np.maximum(first, 0)].astype(float), np.inf)


def _brute_force_leap(supports) -> int:
    """The leap by trying every ordering (for tests; factorial time)."""
    from itertools import permutations

    supports = _as_supports(supports)
    best = math.inf
    for order in permutations(supports):
        union: set[int] = set()
        worst = 0
        for s in order:
            worst = max(worst, len(set(s) - union))
            union |= set(s)
        best = min(best, worst)
    return int(best) if supports else 0

