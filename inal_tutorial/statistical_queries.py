r"""Statistical queries: a simulated SQ oracle, simple SQ learners and the counting bound.

**Statistical queries** (Kearns, 1998). An SQ oracle with tolerance :math:`\tau` answers
a query :math:`\varphi:\{\pm1\}^n\times\{\pm1\}\to[-1,1]` with any number within
:math:`\tau` of :math:`\mathbb{E}_x\varphi(x,f(x))`, x uniform. With :math:`\pm1`
labels, :math:`\varphi(x,y)=\varphi_0(x)+y\,\varphi_1(x)` with
:math:`\varphi_{0,1}=\frac12(\varphi(\cdot,1)\pm\varphi(\cdot,-1))`, so all the oracle
can reveal about f is the correlation :math:`\langle\varphi_1,f\rangle`,
:math:`|\varphi_1|\le1`.

**The counting bound.** For orthonormal :math:`f_1,\dots,f_d` and a query g with
:math:`\|g\|\le1`, Bessel's inequality :math:`\sum_i\langle g,f_i\rangle^2\le1` means
fewer than :math:`1/\tau^2` of the :math:`f_i` have :math:`|\langle g,f_i\rangle|>\tau`,
whence :func:`counting_bound`. The learners here (a scan, group testing, a low-degree
learner) show where actual SQ algorithms sit against it.

Cross-predictability and orbits, the other half of the chapter, are in
:mod:`inal_tutorial.sq`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from ._validation import (
    as_tensor,
    check_bool,
    check_choice,
    check_float,
    check_int,
    check_n,
    log2_length,
)
from .boolean import BooleanTarget, all_inputs, truth_table
from .fourier import inverse_walsh, subset_sizes, walsh_coefficients
from .random import SeedLike, make_generator
from .sq import _as_table, _check_sequence, _parity_rows, _subset_masks

__all__ = [
    "parity_sq_dimension",
    "ORACLE_MODES",
    "SQOracle",
    "counting_bound",
    "ParitySearchResult",
    "parity_scan_learner",
    "parity_group_test_learner",
    "LowDegreeResult",
    "low_degree_learner",
    "query_count_experiment",
]


def parity_sq_dimension(n: int, k: int | None = None) -> int:
    r"""SQ dimension of the parities on n bits: :math:`2^n`, or :math:`\binom nk` for degree k.

    The SQ dimension of a class is the largest d such that it contains
    :math:`f_1,\dots,f_d` with :math:`|\langle f_i,f_j\rangle|\le 1/d` for all
    :math:`i\ne j` (Blum et al., 1994). Parities are pairwise orthogonal, so the whole
    class qualifies, and no larger set exists.
    """
    n = check_n(n)
    if k is None:
        return 2**n
    k = check_int(k, "k", low=0, high=n)
    return math.comb(n, k)


# ---------------------------------------------------------------------------
# A simulated statistical-query oracle
# ---------------------------------------------------------------------------

#: How :class:`SQOracle` picks an answer within the tolerance.
ORACLE_MODES = ("adversarial", "random")


class SQOracle:
    r"""A statistical-query oracle for a target f under the uniform input distribution.

    A query :math:`\varphi(x,y)` with values in [-1, 1] is answered with a number within
    :math:`\tau` of :math:`\mathbb{E}_x\varphi(x,f(x))` (computed exactly over all
    :math:`2^n` inputs). Every answer increments the counter ``n_queries``.

    Parameters
    ----------
    target : BooleanTarget or truth table of length 2^n
    tau : float
        Tolerance, :math:`0<\tau<1`.
    mode : {"adversarial", "random"}
        ``"adversarial"``: the answer is the point of :math:`[v-\tau,v+\tau]` (v the true
        value) closest to the *uninformative* value :math:`v_0=\mathbb{E}_x\frac{\varphi(x,1)+
        \varphi(x,-1)}2`, what the query would return if the labels were fair coins
        independent of x (0 for a correlational query). It reveals about f only what
        the tolerance forces it to. ``"random"``: :math:`v+\tau U` with U uniform on
        [-1, 1], drawn from ``seed``.
    seed : int or torch.Generator
    """

    def __init__(self, target, tau: float, mode: str = "adversarial", seed: SeedLike = 0):
        self._table = _as_table(target)
        self.n = log2_length(self._table.shape[0], "target")
        self.tau = check_float(tau, "tau", low=0.0, high=1.0, low_open=True, high_open=True)
        self.mode = check_choice(mode, "mode", ORACLE_MODES)
        self._gen = make_generator(seed)
        self.n_queries = 0
        self._inputs: torch.Tensor | None = None
        self._coefficients: torch.Tensor | None = None

    def reset(self) -> None:
        """Set the query counter back to zero."""
        self.n_queries = 0

    def _answer(self, true: torch.Tensor, null: torch.Tensor) -> torch.Tensor:
        self.n_queries += int(true.numel())
        if self.mode == "adversarial":
            return torch.minimum(torch.maximum(null, true - self.tau), true + self.tau)
        noise = 2 * torch.rand(true.shape, generator=self._gen, dtype=torch.float64) - 1
        return true + self.tau * noise

    @staticmethod
    def _check_bounded(values: torch.Tensor, name: str) -> None:
        if not bool(torch.isfinite(values).all()):
            raise ValueError(f"{name} returned NaN or infinite values")
        if bool((values.abs() > 1 + 1e-12).any()):
            raise ValueError(f"{name} must take values in [-1, 1] (a statistical query is "
                             f"bounded), got values up to {float(values.abs().max()):.4g}")

    def query(self, phi: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> float:
        r"""Answer the statistical query :math:`\mathbb{E}_x\varphi(x,f(x))` within :math:`\tau`.

        ``phi(x, y)`` takes inputs ``x`` of shape ``(2**n, n)`` and labels ``y`` of shape
        ``(2**n,)`` (float64) and returns real values in [-1, 1] of shape ``(2**n,)``. The
        inputs are built with :func:`~inal_tutorial.boolean.all_inputs` in float64, so
        n <= 22 under the default tensor byte cap (1 GiB).
        """
        if not callable(phi):
            raise TypeError(f"phi must be callable phi(x, y), got {type(phi).__name__}")
        if self._inputs is None:
            self._inputs = all_inputs(self.n, dtype=torch.float64)
        x = self._inputs
        values = {}
        for label, y in (("f", self._table), ("+1", torch.ones_like(self._table)),
                         ("-1", -torch.ones_like(self._table))):
            out = phi(x, y)
            if isinstance(out, torch.Tensor) and (out.is_complex() or out.dtype == torch.bool):
                raise TypeError(f"phi(x, y) must return real values, got dtype {out.dtype}")
            out = as_tensor(out if isinstance(out, (torch.Tensor, np.ndarray, list, tuple))
                            else np.asarray(out), "phi(x, y)", dtype=torch.float64)
            if out.shape != y.shape:
                raise ValueError(f"phi(x, y) must return shape {tuple(y.shape)}, got "
                                 f"{tuple(out.shape)}")
            self._check_bounded(out, "phi")
            values[label] = out
        true = values["f"].mean()
        null = 0.5 * (values["+1"].mean() + values["-1"].mean())
        return float(self._answer(true, null))

    def correlational_query(self, g) -> float | torch.Tensor:
        r"""Answer :math:`\langle g,f\rangle=\mathbb{E}_x g(x)f(x)` within :math:`\tau` (uninformative value 0).

        ``g`` is a truth table of length :math:`2^n` with values in [-1, 1], a batch of them
        of shape ``(q, 2**n)`` (q queries, q answers), or a BooleanTarget. For
        :math:`\pm1` labels every query is correlational up to a target-independent part:
        :math:`\varphi(x,y) = \varphi_0(x) + y\,\varphi_1(x)`.
        """
        g = truth_table(g) if isinstance(g, BooleanTarget) else as_tensor(
            g, "g", dtype=torch.float64)
        if g.ndim not in (1, 2) or g.shape[-1] != self._table.shape[0]:
            raise ValueError(f"g must have shape (2^n,) = ({self._table.shape[0]},) or (q, 2^n), "
                             f"got {tuple(g.shape)}")
        self._check_bounded(g, "g")
        true = g @ self._table / self._table.shape[0]
        answer = self._answer(true, torch.zeros_like(true))
        return float(answer) if g.ndim == 1 else answer

    def parity_query(self, masks) -> float:
        r"""Answer the correlational query :math:`g_B=\frac1{|B|}\sum_{S\in B}\chi_S` within :math:`\tau`.

        ``masks`` is one bitmask S or a non-empty sequence B of distinct bitmasks. The
        query function is bounded by 1 and the true value is
        :math:`\frac1{|B|}\sum_{S\in B}\hat f(S)`, read from the target's Walsh transform
        (computed once), so the answer equals ``correlational_query`` of the averaged
        truth table without building it. Counts as one query.
        """
        masks = _check_masks(masks)
        if masks.numel() == 0:
            raise ValueError("masks must name at least one parity")
        if bool(((masks < 0) | (masks >= 2**self.n)).any()):
            raise ValueError(f"masks must be bitmasks in [0, 2^{self.n}), got "
                             f"{masks.min().item()}..{masks.max().item()}")
        if torch.unique(masks).numel() != masks.numel():
            raise ValueError("masks must be distinct")
        if self._coefficients is None:
            self._coefficients = walsh_coefficients(self._table)
        true = self._coefficients[masks].mean()
        return float(self._answer(true, torch.zeros_like(true)))

    def __repr__(self) -> str:
        return (f"SQOracle(n={self.n}, tau={self.tau:g}, mode={self.mode!r}, "
                f"n_queries={self.n_queries})")


def _check_masks(masks) -> torch.Tensor:
    """Bitmasks as a 1-D int64 tensor; floats and booleans are refused, not truncated."""
    if isinstance(masks, (torch.Tensor, np.ndarray)):
        t = torch.as_tensor(masks)
        if t.is_floating_point() or t.is_complex() or t.dtype == torch.bool:
            raise TypeError(f"masks must be integer bitmasks, got dtype {t.dtype}")
        return t.long().reshape(-1)
    if isinstance(masks, (list, tuple, range)):
        return torch.tensor([check_int(m, "masks entry", low=0) for m in masks],
                            dtype=torch.long)
    return torch.tensor([check_int(masks, "masks", low=0)], dtype=torch.long)


def counting_bound(d: int, tau: float) -> float:
    r"""Fewest queries that can identify a target among d orthonormal functions: :math:`(d-1)\tau^2`.

    Against the adversarial oracle, a query g with :math:`\|g\|\le1` is answered with 0
    unless :math:`|\langle g,f\rangle|>\tau`, and by Bessel's inequality
    :math:`\sum_i\langle g,f_i\rangle^2\le1` fewer than :math:`1/\tau^2` candidates have that
    property. After q queries more than :math:`d-q/\tau^2` candidates are consistent with
    every answer, so identification needs :math:`q>(d-1)\tau^2\ (\ge d\tau^2-1)`. The
    argument holds for any learner, adaptive or not.
    """
    d = check_int(d, "d", low=1)
    tau = check_float(tau, "tau", low=0.0, high=1.0, low_open=True, high_open=True)
    return (d - 1) * tau**2


# ---------------------------------------------------------------------------
# Simple SQ learners
# ---------------------------------------------------------------------------


@dataclass
class ParitySearchResult:
    """Outcome of a parity learner.

    Attributes
    ----------
    mask : int
        The bitmask of the support found.
    n_queries : int
        Queries spent by this run.
    candidates : int
        Size d of the class searched.
    """

    mask: int
    n_queries: int
    candidates: int


def _check_learner_oracle(oracle) -> SQOracle:
    if not isinstance(oracle, SQOracle):
        raise TypeError(f"oracle must be an SQOracle, got {type(oracle).__name__}")
    if oracle.tau >= 0.5:
        raise ValueError(f"this learner separates answers near 1 from answers near 0 and needs "
                         f"tau < 1/2, got tau={oracle.tau:g}")
    return oracle


def _candidate_masks(n: int, k: int | None) -> torch.Tensor:
    if k is not None:
        k = check_int(k, "k", low=0, high=n)
    return _subset_masks(n, k)


def parity_scan_learner(oracle: SQOracle, k: int | None = None) -> ParitySearchResult:
    r"""Find a parity by asking :math:`\langle\chi_S,f\rangle` for one candidate S after another.

    Candidates: all :math:`\chi_S` (k None) or those with :math:`|S|=k`, in increasing
    mask order. The answer is near 1 for the target and within :math:`\tau` of 0
    otherwise, so the first answer above 1/2 identifies it; if d - 1 candidates
    fail, the last one is the target without a query. Worst case d - 1 queries.
    """
    oracle = _check_learner_oracle(oracle)
    masks = _candidate_masks(oracle.n, k)
    start = oracle.n_queries
    for mask in masks[:-1].tolist():
        if oracle.parity_query(mask) > 0.5:
            return ParitySearchResult(mask, oracle.n_queries - start, masks.shape[0])
    return ParitySearchResult(int(masks[-1]), oracle.n_queries - start, masks.shape[0])


def parity_group_test_learner(oracle: SQOracle, k: int | None = None) -> ParitySearchResult:
    r"""Find a parity by testing groups of candidates at once, then bisecting.

    The query :math:`g_B=\frac1{|B|}\sum_{S\in B}\chi_S` is bounded by 1 and
    :math:`\langle g_B,\chi_{S^*}\rangle = 1/|B|` if :math:`S^*\in B`, 0 otherwise. With
    :math:`|B|<1/(2\tau)` the two cases stay apart by more than the tolerance, so the
    learner scans groups of the largest such size m and bisects the group that
    answers: about :math:`d/m+\log_2 m\approx 2\tau d` queries, between the
    one-at-a-time scan (d) and the counting bound (:math:`\tau^2 d`).
    """
    oracle = _check_learner_oracle(oracle)
    masks = _candidate_masks(oracle.n, k)
    start = oracle.n_queries
    group = max(1, math.ceil(1 / (2 * oracle.tau)) - 1)

    def contains(candidates: torch.Tensor) -> bool:
        return oracle.parity_query(candidates) > 0.5 / candidates.shape[0]

    blocks = list(torch.split(masks, group))
    found = blocks[-1]
    for block in blocks[:-1]:
        if contains(block):
            found = block
            break
    while found.shape[0] > 1:
        half = found[: found.shape[0] // 2]
        found = half if contains(half) else found[found.shape[0] // 2:]
    return ParitySearchResult(int(found[0]), oracle.n_queries - start, masks.shape[0])


@dataclass
class LowDegreeResult:
    r"""Outcome of :func:`low_degree_learner`.

    Attributes
    ----------
    coefficients : torch.Tensor
        Answers :math:`a_S\approx\hat f(S)` by bitmask S (0 above the degree and, with
        thresholding, where :math:`|a_S|\le\tau`), length :math:`2^n`.
    hypothesis : torch.Tensor
        Truth table of :math:`h=\mathrm{sign}(\sum_S a_S\chi_S)` (ties to +1).
    n_queries : int
    degree : int
    """

    coefficients: torch.Tensor
    hypothesis: torch.Tensor
    n_queries: int
    degree: int


def low_degree_learner(oracle: SQOracle, degree: int, *, threshold: bool = True
                       ) -> LowDegreeResult:
    r"""Estimate every :math:`\hat f(S)` with :math:`|S|\le` ``degree`` by one query each, then take the sign.

    :math:`\sum_{j\le\text{degree}}\binom nj` correlational queries :math:`a_S\approx\hat f(S)`.
    With ``threshold`` (default) an answer with :math:`|a_S|\le\tau` is set to 0, since it
    is consistent with :math:`\hat f(S)=0` (without it, many small errors add up in the
    sum). The hypothesis is :math:`h=\mathrm{sign}(\sum_Sa_S\chi_S)`; if f is close to the
    sign of its low-degree part (majority is, for degree 1) h agrees with f on most inputs.
    """
    if not isinstance(oracle, SQOracle):
        raise TypeError(f"oracle must be an SQOracle, got {type(oracle).__name__}")
    degree = check_int(degree, "degree", low=0, high=oracle.n)
    threshold = check_bool(threshold, "threshold")
    masks = _subset_masks(oracle.n, None)
    masks = masks[subset_sizes(oracle.n) <= degree]
    start = oracle.n_queries
    coefficients = torch.zeros(2**oracle.n, dtype=torch.float64)
    for mask in masks.tolist():
        coefficients[mask] = oracle.parity_query(mask)
    if threshold:
        coefficients[coefficients.abs() <= oracle.tau] = 0.0
    polynomial = inverse_walsh(coefficients)                  # sum_S a_S chi_S(x(i)) for every i
    hypothesis = torch.where(polynomial >= 0, 1.0, -1.0).double()
    return LowDegreeResult(coefficients, hypothesis, oracle.n_queries - start, degree)


# ---------------------------------------------------------------------------
# The sweep behind the chapter's query-count figure
# ---------------------------------------------------------------------------


def query_count_experiment(ns: Sequence[int], k: int, tau: float, *, targets: int = 8,
                           seed: SeedLike = 0, mode: str = "adversarial") -> list[dict]:
    r"""Queries spent by the parity learners on degree-k parities, for each n.

    For each n the targets are the last candidate in search order (the worst case of the
    scan) and ``targets - 1`` supports of size k drawn uniformly; for each, a fresh
    :class:`SQOracle` (tolerance ``tau``, ``mode``) is handed to
    :func:`parity_scan_learner` and to :func:`parity_group_test_learner`. Records: ``n``,
    ``d`` = :math:`\binom nk`, the mean and max query counts of both learners, whether
    every run found its target, and :func:`counting_bound`.
    """
    k = check_int(k, "k", low=1)
    ns = [check_int(n, "ns entry", low=k, high=16) for n in _check_sequence(ns, "ns")]
    if not ns:
        raise ValueError("ns must not be empty")
    tau = check_float(tau, "tau", low=0.0, high=0.5, low_open=True, high_open=True)
    mode = check_choice(mode, "mode", ORACLE_MODES)
    targets = check_int(targets, "targets", low=1, high=10_000)
    gen = make_generator(seed)
    records = []
    for n in ns:
        masks = _subset_masks(n, k)
        # The last candidate in search order (the scan's worst case) and random others.
        random_picks = masks[torch.randint(0, masks.shape[0], (targets - 1,), generator=gen)]
        picks = torch.cat([masks[-1:], random_picks])
        counts = {"scan": [], "group": []}
        correct = True
        for mask in picks.tolist():
            table = _parity_rows(torch.tensor([mask]), n)[0]
            for name, learner in (("scan", parity_scan_learner),
                                  ("group", parity_group_test_learner)):
                oracle = SQOracle(table, tau, mode, seed=gen)
                result = learner(oracle, k)
                counts[name].append(result.n_queries)
                correct &= result.mask == mask
        d = math.comb(n, k)
        records.append({"n": n, "k": k, "d": d, "tau": tau,
                        "scan_mean": float(np.mean(counts["scan"])),
                        "scan_max": int(np.max(counts["scan"])),
                        "group_mean": float(np.mean(counts["group"])),
                        "group_max": int(np.max(counts["group"])),
                        "all_correct": bool(correct), "bound": counting_bound(d, tau)})
    return records
