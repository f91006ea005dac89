r"""Confidence intervals and rank correlation for a handful of seeds.

The small statistics the experiments report: :func:`t_interval` (Student-t interval of
a mean), :func:`bootstrap_interval` (percentile bootstrap interval of a mean, for
bounded, bimodal outcomes such as the accuracies of seeds that learn or not) and
:func:`rank_correlation` (Spearman's :math:`\rho` with a bootstrap interval over the
pairs, returned as a :class:`RankCorrelation`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from ._validation import check_float, check_int, check_seed

__all__ = [
    "t_interval",
    "bootstrap_interval",
    "RankCorrelation",
    "rank_correlation",
]


def t_interval(values: Sequence[float], level: float = 0.95) -> tuple[float, float, float]:
    r"""Mean, standard error and half-width of the Student-t confidence interval.

    For m values with sample standard deviation s: standard error :math:`s/\sqrt m` and
    half-width :math:`t_{m-1,(1+\text{level})/2}\cdot s/\sqrt m` (0 when m = 1).

    Parameters
    ----------
    values : array-like of real numbers
        Non-empty, finite (NaN or infinity is a ``ValueError``).
    level : float in (0, 1)
    """
    if isinstance(values, (str, bytes)):
        raise TypeError(f"values must be a sequence of real numbers, got {values!r}")
    try:
        raw = np.asarray(values)
        if np.iscomplexobj(raw):
            raise TypeError("values must be real, got complex values")
        values = np.asarray(raw, dtype=np.float64).ravel()
    except (ValueError, TypeError) as err:
        if "complex" in str(err):
            raise
        raise TypeError(f"values must be a sequence of real numbers, got "
                        f"{type(values).__name__}") from err
    if values.size == 0:
        raise ValueError("values must not be empty")
    if not np.isfinite(values).all():
        raise ValueError("values contains NaN or infinite entries")
    level = check_float(level, "level", low=0.0, high=1.0, low_open=True, high_open=True)
    mean = float(values.mean())
    if values.size == 1:
        return mean, 0.0, 0.0
    se = float(values.std(ddof=1) / math.sqrt(values.size))
    return mean, se, float(stats.t.ppf((1 + level) / 2, values.size - 1) * se)


# ---------------------------------------------------------------------------
# Statistics for bimodal seed outcomes
# ---------------------------------------------------------------------------


def bootstrap_interval(values: Sequence[float], *, level: float = 0.95, n_boot: int = 2000,
                       seed: int = 0) -> tuple[float, float]:
    r"""Percentile bootstrap interval for the mean of ``values``.

    Resamples the m values with replacement ``n_boot`` times and returns the
    :math:`(1-\text{level})/2` and :math:`(1+\text{level})/2` quantiles of the resampled
    means. Suited to bounded, bimodal outcomes (accuracies of seeds that learn or not),
    where a Student-t interval can leave [0, 1].

    Parameters
    ----------
    values : non-empty sequence of finite reals
    level : float in (0, 1)
    n_boot : int in [10, 10**6]
    seed : int in [0, 2**62]
        Seed of the resampling (numpy's PCG64).
    """
    mean, _, _ = t_interval(values)  # validates
    values = np.asarray(values, dtype=np.float64).ravel()
    level = check_float(level, "level", low=0.0, high=1.0, low_open=True, high_open=True)
    n_boot = check_int(n_boot, "n_boot", low=10, high=10**6)
    seed = check_seed(seed, allow_generator=False)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, values.size, size=(n_boot, values.size))
    means = values[idx].mean(axis=1)
    lo, hi = np.quantile(means, [(1 - level) / 2, (1 + level) / 2])
    return float(lo), float(hi)


@dataclass(frozen=True)
class RankCorrelation:
    r"""Spearman's :math:`\rho` of two sequences and its bootstrap interval.

    Attributes
    ----------
    rho : float
        Spearman's rank correlation (ties get average ranks).
    low, high : float
        Percentile bootstrap interval (pairs resampled with replacement; resamples in
        which one coordinate is constant, where :math:`\rho` is undefined, are skipped).
    n_pairs, n_boot, n_used : int
        Pairs, resamples drawn, resamples with a defined :math:`\rho`.
    """

    rho: float
    low: float
    high: float
    n_pairs: int
    n_boot: int
    n_used: int


def _ranks(a: np.ndarray) -> np.ndarray:
    """Average ranks along the last axis (as scipy.stats.rankdata, vectorised)."""
    return np.apply_along_axis(stats.rankdata, -1, a)


def _boot_rho(xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Spearman's rho of each row pair (rows with a constant coordinate are dropped)."""
    rx, ry = _ranks(xs), _ranks(ys)
    rx -= rx.mean(axis=1, keepdims=True)
    ry -= ry.mean(axis=1, keepdims=True)
    den = np.sqrt((rx**2).sum(axis=1) * (ry**2).sum(axis=1))
    ok = den > 0
    return (rx * ry).sum(axis=1)[ok] / den[ok], ok


def _group_members(groups, size: int) -> list[np.ndarray]:
    """Indices of the pairs of each distinct label, in order of first appearance."""
    if isinstance(groups, (str, bytes)) or not isinstance(groups, Sequence):
        raise TypeError(f"groups must be a sequence of labels, got {type(groups).__name__}")
    if len(groups) != size:
        raise ValueError(f"groups must have one label per pair ({size}), got {len(groups)}")
    try:
        labels = list(dict.fromkeys(groups))
    except TypeError as err:
        raise TypeError("groups must hold hashable labels") from err
    if len(labels) < 3:
        raise ValueError(f"groups must hold at least 3 distinct labels, got {len(labels)}")
    return [np.array([i for i, g in enumerate(groups) if g == lab]) for lab in labels]


def rank_correlation(x: Sequence[float], y: Sequence[float], *, level: float = 0.95,
                     n_boot: int = 2000, seed: int = 0,
                     groups: Sequence | None = None) -> RankCorrelation:
    r"""Spearman's :math:`\rho(x, y)` with a percentile bootstrap interval over the pairs.

    :math:`\rho` is Pearson's correlation of the average ranks. The interval resamples the
    pairs :math:`(x_i, y_i)` with replacement ``n_boot`` times; a wide interval says the
    list of pairs is too short (or too tied) for the number to mean much.

    With ``groups`` (one label per pair) the pairs are *not* treated as independent:
    the bootstrap resamples whole groups with replacement (a cluster bootstrap), each
    drawn group contributing all its pairs. Use it when pairs of one group share a
    cause, e.g. the cells of one architecture under several transforms.

    Parameters
    ----------
    x, y : sequences of finite reals of the same length >= 3, neither constant
    level : float in (0, 1)
    n_boot : int in [10, 10**6]
    seed : int in [0, 2**62]
    groups : sequence of hashable labels of the same length, optional
        At least 3 distinct labels.
    """
    t_interval(x)
    t_interval(y)
    x = np.asarray(x, dtype=np.float64).ravel()
    y = np.asarray(y, dtype=np.float64).ravel()
    if x.size != y.size or x.size < 3:
        raise ValueError(f"x and y must have the same length >= 3, got {x.size} and {y.size}")
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        raise ValueError("x and y must not be constant (the rank correlation is undefined)")
    level = check_float(level, "level", low=0.0, high=1.0, low_open=True, high_open=True)
    n_boot = check_int(n_boot, "n_boot", low=10, high=10**6)
    seed = check_seed(seed, allow_generator=False)
    rho = float(stats.spearmanr(x, y)[0])
    rng = np.random.default_rng(seed)
    if groups is None:
        idx = rng.integers(0, x.size, size=(n_boot, x.size))
        boots, ok = _boot_rho(x[idx], y[idx])
    else:
        members = _group_members(groups, x.size)
        picks = rng.integers(0, len(members), size=(n_boot, len(members)))
        boots, ok = [], np.zeros(n_boot, dtype=bool)
        for b, pick in enumerate(picks):
            idx = np.concatenate([members[g] for g in pick])[None, :]
            value, good = _boot_rho(x[idx], y[idx])
            boots.extend(value)
            ok[b] = bool(good[0])
        boots = np.asarray(boots)
    lo, hi = np.quantile(boots, [(1 - level) / 2, (1 + level) / 2])
    return RankCorrelation(rho=rho, low=float(lo), high=float(hi), n_pairs=int(x.size),
                           n_boot=n_boot, n_used=int(ok.sum()))
