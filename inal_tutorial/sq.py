r"""Cross-predictability and orbits of targets.

**Cross-predictability.** For a distribution of targets F on :math:`\{-1,+1\}^n`,

.. math:: \mathrm{CP} = \mathbb{E}_{F,F'}\big[\langle F,F'\rangle^2\big],
          \qquad F, F' \text{ i.i.d.}

(the pair may coincide, so the diagonal counts: a class of m orthonormal
functions has CP = 1/m). All :math:`2^n` parities have CP :math:`2^{-n}`, the
:math:`\binom nk` parities of degree k have CP :math:`1/\binom nk`.

**Orbits.** For a group G acting on inputs (:mod:`inal_tutorial.symmetry`) the
orbit of f is :math:`\{f\circ g: g\in G\}`. Drawing :math:`g` uniformly from G and
taking :math:`F=f\circ g` gives the *uniform distribution on the orbit*: the
elements g with :math:`f\circ g = f\circ g_0` form the coset
:math:`\mathrm{Stab}(f)\,g_0`, so every function of the orbit is hit by exactly
:math:`|\mathrm{Stab}(f)|` group elements. Since :math:`\langle f\circ g,f\circ g'\rangle
= \langle f, f\circ(g'g^{-1})\rangle` and :math:`g'g^{-1}` is uniform on G,

.. math:: \mathrm{CP}(\text{orbit of } f) = \mathbb{E}_{h\sim G}\,\langle f, f\circ h\rangle^2 .

For signed permutations :math:`h=(\pi,s)`, averaging over s kills every cross term
and averaging over :math:`\pi` spreads :math:`\hat f(S)^2` evenly over the sets of
size :math:`|S|`, which gives the exact closed form

.. math:: \mathrm{CP}_{\pm\mathrm{perm}}(f) = \sum_{k=0}^n \frac{W^k(f)^2}{\binom nk}.

For sign flips alone the closed form is :math:`\sum_S\hat f(S)^4`; for permutations
alone there is none in general (a symmetric function has CP 1).

The statistical-query oracle, the learners and the counting bound are in
:mod:`inal_tutorial.statistical_queries`.
"""

from __future__ import annotations

import copy
import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import torch

from ._progress import progress_bar
from ._validation import (
    MAX_ENUMERATION_N,
    MAX_N,
    as_tensor,
    check_bool,
    check_choice,
    check_float,
    check_int,
    check_n,
    check_size,
    log2_length,
)
from .boolean import BooleanTarget, all_inputs, truth_table
from .fourier import degree_profile, subset_sizes, walsh_coefficients
from .networks import MLPEnsemble
from .profiles import FirstLayerProfile, first_layer_inal
from .random import SeedLike, make_generator
from .symmetry import (
    GROUPS,
    SignedPermutation,
    _index_maps,
    act_on_first_layer,
    group_elements,
    group_order,
    sample_group,
)

__all__ = [
    "cross_predictability",
    "max_mean_squared_correlation",
    "parity_class_tables",
    "parity_class_cp",
    "CPEstimate",
    "ORBIT_CP_METHODS",
    "orbit_tables",
    "orbit_cross_predictability",
    "signed_orbit_cp_formula",
    "sign_flip_orbit_cp_formula",
    "orbit_cp_from_profile",
    "orbit_cp_upper_bound",
    "orbit_cp_versus_n",
    "inal_cp_records",
    "cp_bound_from_inal",
    "NoisyEquivarianceCheck",
    "noisy_equivariance_check",
]

_Z95 = 1.959963984540054
#: Largest number of table entries (rows x 2^n) built at once by the enumerations here.
_MAX_ENTRIES = 1 << 27


# ---------------------------------------------------------------------------
# Cross-predictability of a finite class
# ---------------------------------------------------------------------------


def _as_tables(tables, name: str = "tables") -> torch.Tensor:
    """Validate a class of truth tables: a (m, 2^n) array, or a list of tables or targets."""
    if isinstance(tables, (list, tuple)):
        if len(tables) == 0:
            raise ValueError(f"{name} must not be empty: a class needs at least one function")
        for i, t in enumerate(tables):
            if isinstance(t, BooleanTarget) and t.n > MAX_ENUMERATION_N:
                raise ValueError(f"{name}[{i}] has n={t.n}: truth tables need n <= "
                                 f"{MAX_ENUMERATION_N}")
        widest = max((t.n for t in tables if isinstance(t, BooleanTarget)), default=0)
        if widest:
            check_size({f"len({name})": len(tables), "2^n": 2**widest},
                       what="the class's truth tables")
        rows = []
        for i, t in enumerate(tables):
            row = truth_table(t) if isinstance(t, BooleanTarget) else as_tensor(
                t, f"{name}[{i}]", dtype=torch.float64)
            if row.ndim != 1:
                raise ValueError(f"{name}[{i}] must be one truth table (1-D), got shape "
                                 f"{tuple(row.shape)}")
            rows.append(row)
        lengths = sorted({r.shape[0] for r in rows})
        if len(lengths) > 1:
            raise ValueError(f"{name} have unequal lengths {lengths}: every truth table of a "
                             "class must have the same length 2^n")
        out = torch.stack(rows)
    else:
        out = as_tensor(tables, name, dtype=torch.float64)
    if out.ndim != 2:
        raise ValueError(f"{name} must have shape (m, 2^n): one truth table per row, got shape "
                         f"{tuple(out.shape)}")
    if out.shape[0] == 0:
        raise ValueError(f"{name} must not be empty: a class needs at least one function")
    log2_length(out.shape[1], f"each row of {name}")
    return out


def cross_predictability(tables, *, chunk_size: int | None = None) -> float:
    r"""Cross-predictability of the uniform distribution on the rows of ``tables``.

    .. math:: \mathrm{CP} = \frac1{m^2}\sum_{i,j=1}^m\langle F_i,F_j\rangle^2
              = \frac{\|TT^\top\|_F^2}{m^2N^2} = \frac{\|T^\top T\|_F^2}{m^2N^2},

    with T the :math:`m\times N` matrix of truth tables (:math:`N=2^n`) and
    :math:`\langle F,G\rangle = \frac1N\sum_x F(x)G(x)`. The pair (i, j) runs over all
    :math:`m^2` ordered pairs, diagonal included. The smaller of the two Gram
    matrices is formed, in chunks of rows, so neither an :math:`m\times m` matrix nor a
    copy of T is held when m is large. Repeated rows count with their multiplicity.

    Parameters
    ----------
    tables : array-like of shape ``(m, 2**n)``, or a list of truth tables or targets
        Real values (usually :math:`\pm1`).
    chunk_size : int, optional
        Rows per chunk (default: keep each chunk below about 4 million entries).

    Returns
    -------
    float
    """
    t = _as_tables(tables)
    m, size = t.shape
    dual = m > size          # accumulate the N x N matrix T^T T instead of the m x m one
    inner = size if dual else m
    rows = max(1, (1 << 22) // inner) if chunk_size is None else check_int(
        chunk_size, "chunk_size", low=1)
    total = 0.0
    if dual:
        gram = torch.zeros(size, size, dtype=torch.float64)
        for start in range(0, m, rows):
            block = t[start:start + rows]
            gram += block.T @ block
        total = float(gram.square().sum())
    else:
        for start in range(0, m, rows):
            block = t[start:start + rows] @ t.T
            total += float(block.square().sum())
    return total / (m * size) ** 2


def max_mean_squared_correlation(tables) -> float:
    r""":math:`\sup_{h\ne0}\mathbb{E}_F\langle F,h\rangle^2/\|h\|^2` over the uniform distribution on the rows.

    It equals :math:`\lambda_{\max}(T^\top T/m)/N`: the best any fixed predictor h can
    correlate, on average, with a random member of the class. Since the largest
    eigenvalue is at most the Frobenius norm, it is at most :math:`\sqrt{\mathrm{CP}}`.
    """
    t = _as_tables(tables)
    m, size = t.shape
    small = t @ t.T if m <= size else t.T @ t
    return float(torch.linalg.eigvalsh(small / m)[-1]) / size


@functools.lru_cache(maxsize=8)
def _parity_lookup(n: int) -> torch.Tensor:
    """(popcount of v) mod 2 for every v in [0, 2^n), as int64."""
    values = torch.arange(2**n)
    out = torch.zeros_like(values)
    for j in range(n):
        out ^= (values >> j) & 1
    return out


def _parity_rows(masks: torch.Tensor, n: int) -> torch.Tensor:
    r"""Truth tables of :math:`\chi_S` for the bitmasks S in ``masks``: shape ``(len(masks), 2**n)``."""
    return 1.0 - 2.0 * _parity_lookup(n)[masks.unsqueeze(1) & torch.arange(2**n)].double()


def _over_comb(value: float, n: int, k: int) -> float:
    """``value / C(n, k)``, as before where C(n, k) is a float, else exactly (no OverflowError)."""
    count = math.comb(n, k)
    try:
        return value / count
    except OverflowError:  # C(n, k) > 1.8e308: exact rational, correctly rounded (maybe 0.0)
        return float(Fraction(float(value)) / count)


def _subset_masks(n: int, k: int | None) -> torch.Tensor:
    masks = torch.arange(2**n)
    return masks if k is None else masks[subset_sizes(n) == k]


def parity_class_tables(n: int, k: int | None = None) -> torch.Tensor:
    r"""Truth tables of all parities :math:`\chi_S` (k None) or of those with :math:`|S|=k`.

    Row r is :math:`\chi_{S_r}(x(i)) = (-1)^{|i\wedge S_r|}`, the masks :math:`S_r` in
    increasing order. Shape ``(2**n, 2**n)`` or ``(comb(n, k), 2**n)``, float64, at most
    :math:`2^{27}` entries (refused, before anything is built, above that).

    Parameters
    ----------
    n : int
        1 <= n <= 24 (in practice n <= 13 for all parities).
    k : int, optional
        0 <= k <= n.
    """
    n = check_n(n, enumerate_all=True)
    if k is not None:
        k = check_int(k, "k", low=0, high=n)
    size = 2**n if k is None else math.comb(n, k)
    if size * 2**n > _MAX_ENTRIES:
        raise ValueError(f"n, k too large: the class has {size} parities on n={n} bits: "
                         f"{size} x 2^{n} entries is too large to build (at most 2^27)")
    return _parity_rows(_subset_masks(n, k), n)


def parity_class_cp(n: int, k: int | None = None) -> float:
    r"""Closed form: :math:`2^{-n}` for all parities, :math:`1/\binom nk` for degree-k parities.

    Parities are orthonormal, so only the diagonal pairs (F = F') contribute:
    CP = 1/(size of the class). For 1 <= n <= 4096 and 0 <= k <= n; values below about
    1e-308 round to 0.0 (the binomial is divided exactly, so no OverflowError).
    """
    n = check_n(n)
    if k is None:
        return 2.0**-n
    k = check_int(k, "k", low=0, high=n)
    return _over_comb(1.0, n, k)


# ---------------------------------------------------------------------------
# Orbits and their cross-predictability
# ---------------------------------------------------------------------------


@dataclass
class CPEstimate:
    """A cross-predictability value with its uncertainty.

    Attributes
    ----------
    value : float
    stderr : float
        Standard error (0 for the exact methods).
    method : str
        One of :data:`ORBIT_CP_METHODS`.
    group : str
    n_samples : int or None
        Monte Carlo sample size (None when exact).
    orbit_size : int or None
        Number of distinct functions in the orbit (``"enumerate_orbit"`` only).
    """

    value: float
    stderr: float
    method: str
    group: str
    n_samples: int | None = None
    orbit_size: int | None = None

    @property
    def ci(self) -> tuple[float, float]:
        """Normal 95 % confidence interval (a single point for the exact methods)."""
        return (self.value - _Z95 * self.stderr, self.value + _Z95 * self.stderr)

    def __str__(self) -> str:
        if self.n_samples is None:
            return f"CP = {self.value:.4g} ({self.method}, {self.group})"
        lo, hi = self.ci
        return (f"CP = {self.value:.4g} ± {self.stderr:.2g} (95% CI [{lo:.3g}, {hi:.3g}], "
                f"{self.n_samples} samples, {self.group})")


#: How :func:`orbit_cross_predictability` can compute an orbit's CP.
ORBIT_CP_METHODS = ("formula", "enumerate_group", "enumerate_orbit", "monte_carlo")


def _as_table(target_or_table, name: str = "target") -> torch.Tensor:
    if isinstance(target_or_table, BooleanTarget):
        return truth_table(target_or_table)
    table = as_tensor(target_or_table, name, dtype=torch.float64)
    if table.ndim != 1:
        raise ValueError(f"{name} must be a BooleanTarget or one truth table (1-D), got shape "
                         f"{tuple(table.shape)}")
    log2_length(table.shape[0], name)
    return table


def _batch_rows(size: int) -> int:
    return max(1, (1 << 21) // size)


def orbit_tables(target, group: str = "signed_permutations", *, unique: bool = True
                 ) -> torch.Tensor:
    r"""Truth tables of the orbit :math:`\{f\circ g: g\in G\}`, shape ``(m, 2**n)``.

    With ``unique=True`` every distinct function appears once (rows sorted); with
    ``unique=False`` there is one row per group element, in the order of
    :func:`~inal_tutorial.symmetry.group_elements`, so each function appears
    :math:`|\mathrm{Stab}(f)|` times. Both give the same :func:`cross_predictability`
    (see the module docstring). For small groups only: at most :math:`2^{27}` entries.
    """
    unique = check_bool(unique, "unique")
    table = _as_table(target)
    n = log2_length(table.shape[0], "target")
    group = check_choice(group, "group", GROUPS)
    order = group_order(n, group)
    if order * 2**n > _MAX_ENTRIES:
        raise ValueError(f"the {group} orbit on n={n} bits needs {order} x 2^{n} entries: too "
                         "many; use orbit_cross_predictability(method='monte_carlo')")
    blocks = []
    for perms, signs in group_elements(n, group, batch_size=_batch_rows(2**n)):
        rows = table[_index_maps(perms, signs)]
        blocks.append(torch.unique(rows, dim=0) if unique else rows)
    out = torch.cat(blocks)
    return torch.unique(out, dim=0) if unique else out


def signed_orbit_cp_formula(target) -> float:
    r"""Exact CP of the orbit of f under signed permutations: :math:`\sum_k W^k(f)^2/\binom nk`.

    Derivation: with :math:`h=(\pi,s)` uniform, :math:`\widehat{f\circ h}(T)=
    \chi_{\pi^{-1}(T)}(s)\,\hat f(\pi^{-1}(T))`. Averaging :math:`\langle f,f\circ h\rangle^2`
    over s leaves :math:`\sum_T\hat f(T)^2\hat f(\pi^{-1}T)^2`, and averaging over
    :math:`\pi` replaces :math:`\hat f(\pi^{-1}T)^2` by :math:`W^{|T|}(f)/\binom n{|T|}`.
    It is the CP of the uniform distribution on the group, which is also the uniform
    distribution on the distinct functions of the orbit.

    Parameters
    ----------
    target : BooleanTarget or truth table of length 2^n
    """
    return orbit_cp_from_profile(degree_profile(_as_table(target)).numpy())


def orbit_cp_from_profile(profile, n: int | None = None) -> float:
    r""":math:`\sum_k W^k(f)^2/\binom nk` from a degree profile :math:`(W^0,\dots,W^d)`.

    With ``n`` larger than d the profile is that of f embedded on n input bits (read
    from d of them; its Fourier coefficients, hence its profile, do not change), so
    this is the signed-permutation orbit CP of f on n bits (e.g. n = 2d for the
    embedding of :class:`~inal_tutorial.boolean.Embedded`). ``n`` must be in [max(d, 1), 4096].
    """
    weights = np.asarray(as_tensor(profile, "profile", dtype=torch.float64))
    if weights.ndim != 1 or weights.shape[0] < 1:
        raise ValueError(f"profile must be a 1-D array (W^0, ..., W^d), got shape {weights.shape}")
    if np.any(weights < -1e-12):
        raise ValueError("profile entries are Fourier weights and must be >= 0")
    d = weights.shape[0] - 1
    n = max(d, 1) if n is None else check_int(n, "n", low=max(d, 1), high=max(d, MAX_N))
    return float(sum(_over_comb(weights[k] ** 2, n, k) for k in range(d + 1)))


def sign_flip_orbit_cp_formula(target) -> float:
    r"""Exact CP of the orbit of f under sign flips: :math:`\sum_S\hat f(S)^4`.

    :math:`\langle f, f(s\odot\cdot)\rangle=\sum_S\hat f(S)^2\chi_S(s)`; its square averaged over
    uniform s is :math:`\sum_S\hat f(S)^4` by orthonormality of the :math:`\chi_S`.
    """
    return float(walsh_coefficients(_as_table(target)).pow(4).sum())


def orbit_cp_upper_bound(profile, cutoff: int, n: int | None = None) -> float:
    r"""Upper bound on the signed-permutation orbit CP that uses only low and high degrees.

    For :math:`0\le K<n/2` (``cutoff``) and :math:`\|f\|^2=\sum_kW^k(f)`,

    .. math:: \sum_k\frac{W^k(f)^2}{\binom nk}\ \le\ \sum_{k\le K}\frac{W^k(f)^2}{\binom nk}
              + \frac{\|f\|^4}{\binom n{K+1}} + \sum_{k\ge n-K}W^k(f)^2,

    because :math:`\binom nk\ge\binom n{K+1}` for :math:`K<k<n-K` and
    :math:`\sum_k (W^k)^2\le(\sum_kW^k)^2`. Small low-degree weight makes the first term
    small, the second is small for any bounded f, and the third is the *exception*:
    weight near degree n. For f embedded on n bits out of 2n the last term vanishes.
    ``n`` defaults to ``len(profile) - 1`` (pass a larger n for an embedded f, at most 4096).
    """
    weights = np.asarray(as_tensor(profile, "profile", dtype=torch.float64))
    if weights.ndim != 1 or weights.shape[0] < 1:
        raise ValueError(f"profile must be a 1-D array (W^0, ..., W^d), got shape {weights.shape}")
    d = weights.shape[0] - 1
    n = max(d, 1) if n is None else check_int(n, "n", low=max(d, 1), high=max(d, MAX_N))
    cutoff = check_int(cutoff, "cutoff", low=0, high=(n - 1) // 2)
    padded = np.zeros(n + 1)
    padded[: d + 1] = weights
    low = sum(_over_comb(padded[k] ** 2, n, k) for k in range(cutoff + 1))
    high = float(np.sum(padded[n - cutoff:] ** 2))
    return float(low + _over_comb(padded.sum() ** 2, n, cutoff + 1) + high)


def _inner_with_moved(table: torch.Tensor, perms: torch.Tensor, signs: torch.Tensor
                      ) -> torch.Tensor:
    r""":math:`\langle f, f\circ h_b\rangle` for each :math:`h_b` of the batch (f given by its table)."""
    moved = table[_index_maps(perms, signs)]                        # (B, N)
    return moved @ table / table.shape[0]


def orbit_cross_predictability(target, group: str = "signed_permutations",
                               method: str = "enumerate_group", *, n_samples: int = 2000,
                               seed: SeedLike = 0, progress: bool = False) -> CPEstimate:
    r"""Cross-predictability of the uniform distribution on the orbit of f under ``group``.

    Methods (:data:`ORBIT_CP_METHODS`), which must agree:

    * ``"formula"``: :func:`signed_orbit_cp_formula` (signed permutations) or
      :func:`sign_flip_orbit_cp_formula` (sign flips); there is no closed form for
      permutations alone.
    * ``"enumerate_group"``: :math:`\frac1{|G|}\sum_{h\in G}\langle f,f\circ h\rangle^2`,
      exact (cost :math:`|G|\,2^n`; small n only).
    * ``"enumerate_orbit"``: the definition itself, :func:`cross_predictability` of the
      distinct functions of the orbit (:func:`orbit_tables`).
    * ``"monte_carlo"``: the mean of :math:`\langle f,f\circ h\rangle^2` over ``n_samples``
      i.i.d. uniform :math:`h\in G`, with its standard error; the summand has the law of
      :math:`\langle f\circ g,f\circ g'\rangle^2` for independent uniform g, g' (module
      docstring). Cost :math:`O(n_{\text{samples}}2^n)`, for any n up to about 20.

    Parameters
    ----------
    target : BooleanTarget or truth table of length 2^n
    group : {"permutations", "sign_flips", "signed_permutations"}
    method : str
    n_samples : int
        Number of group elements drawn for ``"monte_carlo"`` (>= 2).
    seed : int or torch.Generator
        Seed of the Monte Carlo sample.

    Returns
    -------
    CPEstimate
    """
    group = check_choice(group, "group", GROUPS)
    method = check_choice(method, "method", ORBIT_CP_METHODS)
    n_samples = check_int(n_samples, "n_samples", low=2, high=10**8)
    gen = make_generator(seed)
    progress = check_bool(progress, "progress")
    table = _as_table(target)
    n = log2_length(table.shape[0], "target")
    if method == "formula":
        if group == "permutations":
            raise ValueError("there is no closed form for the orbit under permutations alone; "
                             "use method='enumerate_group' or 'monte_carlo'")
        value = (signed_orbit_cp_formula(table) if group == "signed_permutations"
                 else sign_flip_orbit_cp_formula(table))
        return CPEstimate(value, 0.0, method, group)
    if method == "enumerate_orbit":
        orbit = orbit_tables(table, group, unique=True)
        return CPEstimate(cross_predictability(orbit), 0.0, method, group,
                          orbit_size=orbit.shape[0])
    if method == "enumerate_group":
        order = group_order(n, group)
        if order * 2**n > _MAX_ENTRIES:
            raise ValueError(f"enumerating the {group} group on n={n} bits means {order} x 2^{n}"
                             " table entries: too many; use method='monte_carlo'")
        total = 0.0
        batches = group_elements(n, group, batch_size=_batch_rows(2**n))
        for perms, signs in progress_bar(batches, desc="group", enabled=progress):
            total += float(_inner_with_moved(table, perms, signs).square().sum())
        return CPEstimate(total / order, 0.0, method, group)
    if n > 22:
        raise ValueError(f"Monte Carlo over the orbit enumerates 2^n inputs per sample: n must "
                         f"be at most 22, got {n}")
    rows = _batch_rows(2**n)
    values = []
    for start in progress_bar(range(0, n_samples, rows), desc="samples", enabled=progress):
        perms, signs = sample_group(n, min(rows, n_samples - start), group, gen)
        values.append(_inner_with_moved(table, perms, signs).square())
    values = torch.cat(values)
    return CPEstimate(float(values.mean()), float(values.std() / math.sqrt(n_samples)), method,
                      group, n_samples=n_samples)


# ---------------------------------------------------------------------------
# Sweeps behind the chapter's figures
# ---------------------------------------------------------------------------


def orbit_cp_versus_n(family: Callable[[int], BooleanTarget], ns: Sequence[int], *,
                      n_samples: int = 2000, seed: SeedLike = 0,
                      theory: Callable[[int], float] | None = None) -> list[dict]:
    r"""Signed-permutation orbit CP of ``family(n)`` for each n: Monte Carlo and formula.

    Returns one record per n with keys ``n``, ``target`` (name), ``cp`` and ``stderr``
    (Monte Carlo over ``n_samples`` group elements), ``formula``
    (:func:`signed_orbit_cp_formula` of the truth table) and ``theory`` (``theory(n)``
    when given, e.g. a closed form that does not use the truth table).
    """
    if not callable(family):
        raise TypeError("family must be a callable n -> BooleanTarget")
    if theory is not None and not callable(theory):
        raise TypeError(f"theory must be None or a callable n -> float, got "
                        f"{type(theory).__name__}")
    ns = [check_n(n, "ns entry") for n in _check_sequence(ns, "ns")]
    if not ns:
        raise ValueError("ns must not be empty")
    n_samples = check_int(n_samples, "n_samples", low=2, high=10**8)
    gen = make_generator(seed)
    records = []
    for n in ns:
        target = family(n)
        if not isinstance(target, BooleanTarget):
            raise TypeError(f"family({n}) must return a BooleanTarget, got "
                            f"{type(target).__name__}")
        table = truth_table(target)
        estimate = orbit_cross_predictability(table, method="monte_carlo", n_samples=n_samples,
                                              seed=gen)
        records.append({"n": n, "input_bits": target.n, "target": target.name,
                        "cp": estimate.value, "stderr": estimate.stderr,
                        "formula": signed_orbit_cp_formula(table),
                        "theory": None if theory is None else _theory_value(theory, n)})
    return records


def _check_sequence(values, name: str) -> list:
    if isinstance(values, (str, bytes, dict)) or not hasattr(values, "__iter__"):
        raise TypeError(f"{name} must be a sequence, got {type(values).__name__}")
    return list(values)


def _theory_value(theory: Callable[[int], float], n: int) -> float:
    value = theory(n)
    if isinstance(value, torch.Tensor) and value.numel() == 1 and not value.is_complex():
        value = value.item()
    return check_float(value, f"theory({n})")


def inal_cp_records(targets: Sequence[BooleanTarget], profile: FirstLayerProfile, *,
                    cutoff: int = 2) -> list[dict]:
    r"""The chain *low INAL, small low-degree weight, small orbit CP*, target by target.

    For each f on n bits (n = ``profile.n``), with :math:`A_k(n)` the first-layer profile
    of the architecture (:func:`~inal_tutorial.profiles.first_layer_profile`):

    * ``inal``: the first-layer INAL :math:`\sum_kW^k(f)A_k(n)`, a lower bound on the
      network's INAL (the max over neurons includes the first layer);
    * ``constant_part``: its degree-0 term :math:`W^0(f)A_0(n)=\hat f(\emptyset)^2A_0(n)`,
      what the target's mean alone contributes (0 for a balanced target), and
      ``target_mean``: :math:`\hat f(\emptyset)=\mathbb{E}f`;
    * ``low_weight``: :math:`\sum_{1\le k\le K}W^k(f)` and ``high_weight``:
      :math:`\sum_{k\ge n-K}W^k(f)`, with K = ``cutoff``;
    * ``cp`` and ``cp_embedded``: the signed-permutation orbit CP of f on n bits and of f
      embedded on 2n bits (:func:`orbit_cp_from_profile`);
    * ``bound`` and ``bound_embedded``: :func:`orbit_cp_upper_bound` on n and 2n bits;
    * ``bound_from_inal_embedded``: the same bound on 2n bits with every low-degree
      weight replaced by what the INAL allows, :math:`W^k(f)\le\mathrm{INAL}/A_k(n)`:
      :math:`\sum_{k\le K}\min(\|f\|^2,\mathrm{INAL}/A_k(n))^2/\binom{2n}k+\|f\|^4/\binom{2n}{K+1}`.
    """
    if not isinstance(profile, FirstLayerProfile):
        raise TypeError(f"profile must be a FirstLayerProfile, got {type(profile).__name__}")
    n = profile.n
    cutoff = check_int(cutoff, "cutoff", low=0, high=(n - 1) // 2)
    targets = _check_sequence(targets, "targets")
    if not targets:
        raise ValueError("targets must not be empty: give at least one BooleanTarget")
    records = []
    for target in targets:
        if not isinstance(target, BooleanTarget):
            raise TypeError(f"targets must be BooleanTarget instances, got "
                            f"{type(target).__name__}")
        if target.n != n:
            raise ValueError(f"target {target.name} has n={target.n} but the profile is for n={n}")
        table = truth_table(target)
        weights = degree_profile(table).numpy()
        inal = first_layer_inal(table, profile)
        norm2 = float(weights.sum())
        from_inal = cp_bound_from_inal(inal, profile, cutoff=cutoff, norm2=norm2)
        records.append({
            "target": target.name, "n": n, "inal": inal,
            "constant_part": float(weights[0] * profile.values[0]),
            "target_mean": float(table.mean()),
            "low_weight": float(weights[1: cutoff + 1].sum()),
            "high_weight": float(weights[n - cutoff:].sum()),
            "cp": orbit_cp_from_profile(weights), "cp_embedded": orbit_cp_from_profile(weights,
                                                                                     2 * n),
            "bound": orbit_cp_upper_bound(weights, cutoff),
            "bound_embedded": orbit_cp_upper_bound(weights, cutoff, 2 * n),
            "bound_from_inal_embedded": float(from_inal),
        })
    return records


def cp_bound_from_inal(inal: float, profile: FirstLayerProfile, *, cutoff: int = 2,
                       norm2: float = 1.0) -> float:
    r"""The bound on the orbit CP of f embedded on 2n bits that uses only the INAL of f.

    With :math:`A_k(n)` the first-layer profile (``profile.values``), K = ``cutoff`` and
    :math:`\|f\|^2` = ``norm2`` (1 for a :math:`\pm1` target),

    .. math:: \mathrm{CP}(\text{orbit of }\bar f\text{ on }2n\text{ bits}) \le
              \sum_{k\le K}\frac{\min\{\|f\|^2,\mathrm{INAL}/A_k(n)\}^2}{\binom{2n}k}
              + \frac{\|f\|^4}{\binom{2n}{K+1}},

    since :math:`W^k(f)\le\mathrm{INAL}/A_k(n)` and :math:`W^k(f)\le\|f\|^2`. It is a
    nondecreasing function of ``inal`` (a term with :math:`A_k(n)=0` counts as
    :math:`\|f\|^4/\binom{2n}k`).

    Parameters
    ----------
    inal : float
        A first-layer INAL, :math:`\ge 0`.
    profile : FirstLayerProfile
        The first-layer profile on n = ``profile.n`` bits.
    cutoff : int
        K, from 0 to n - 1.
    norm2 : float
        :math:`\|f\|^2>0`.

    Returns
    -------
    float
    """
    if not isinstance(profile, FirstLayerProfile):
        raise TypeError(f"profile must be a FirstLayerProfile, got {type(profile).__name__}")
    n = profile.n
    inal = check_float(inal, "inal", low=0.0)
    norm2 = check_float(norm2, "norm2", low=0.0, low_open=True)
    cutoff = check_int(cutoff, "cutoff", low=0, high=n - 1)
    allowed = np.minimum(norm2, inal / np.maximum(profile.values[: cutoff + 1], 1e-300))
    return float(sum(_over_comb(allowed[k] ** 2, 2 * n, k) for k in range(cutoff + 1))
                 + _over_comb(norm2**2, 2 * n, cutoff + 1))


# ---------------------------------------------------------------------------
# Equivariance of noisy, clipped gradient descent (part 3 of the chapter's lemma)
# ---------------------------------------------------------------------------


@dataclass
class NoisyEquivarianceCheck:
    r"""Result of :func:`noisy_equivariance_check`.

    Attributes
    ----------
    parameter_gap : float
        :math:`\max_t\max_p|(T_g\theta_t^{f\circ g})_p-(\theta_t^{f})_p|`, the run on f
        started at :math:`T_g\theta^0` and driven by the noise :math:`T_gZ_t`: zero in
        exact arithmetic.
    baseline_gap : float
        The same distance between the run on :math:`f\circ g` and the run on f from the
        same :math:`\theta^0` with the same noise :math:`Z_t` (no group action).
    clipped_fraction : float
        Fraction of gradient coordinates, over all steps of the run on
        :math:`f\circ g`, that the clipping changed: the check exercises the clipping
        when it is positive.
    loss_drop : float
        Mean over models of :math:`L(\theta_0)-L(\theta_T)` on :math:`f\circ g`.
    steps : int
    """

    parameter_gap: float
    baseline_gap: float
    clipped_fraction: float
    loss_drop: float
    steps: int


def _act_on_params(tensors: list[torch.Tensor], g: SignedPermutation) -> list[torch.Tensor]:
    """:math:`T_g` on a list shaped like the parameters: moves the first-layer columns."""
    signs = torch.tensor(g.signs, dtype=tensors[0].dtype, device=tensors[0].device)
    return [tensors[0][..., list(g.permutation)] * signs] + list(tensors[1:])


def noisy_equivariance_check(network: MLPEnsemble, target: BooleanTarget,
                             g: SignedPermutation, *, steps: int = 20, lr: float = 0.05,
                             noise_std: float = 0.01, clip: float = 0.05,
                             seed: SeedLike = 0) -> NoisyEquivarianceCheck:
    r"""Noisy gradient descent with coordinate-wise clipping, on :math:`f\circ g` and on f.

    Runs :math:`\theta_{t+1}=\theta_t-\gamma(\mathrm{clip}_A(\nabla L(\theta_t))+Z_t)`,
    :math:`Z_t\sim\mathcal N(0,\sigma^2I)`, with the square loss over all :math:`2^n`
    inputs, three times: on :math:`f\circ g` from :math:`\theta^0` with noise
    :math:`Z_t`; on f from :math:`T_g\theta^0` with noise :math:`T_gZ_t` (the coupling
    of the lemma's proof, under which the two runs are equal path by path, not only in
    law); and on f from :math:`\theta^0` with noise :math:`Z_t` (the baseline). Here
    :math:`\mathrm{clip}_A(v)_p=\max(-A,\min(A,v_p))` and :math:`T_g` moves the
    first-layer columns as :func:`~inal_tutorial.symmetry.act_on_first_layer` does.

    Parameters
    ----------
    network : MLPEnsemble
        The initialization :math:`\theta^0` (not modified; float64 for exact checks),
        without a first-layer mask.
    target : BooleanTarget
        With ``target.n == network.n_inputs <= 16``.
    g : SignedPermutation
    steps : int
        Number of steps T (1..10000).
    lr : float
        :math:`\gamma>0`.
    noise_std : float
        :math:`\sigma\ge0`.
    clip : float
        :math:`A>0`.
    seed : int or torch.Generator
        Seed of the noise.

    Returns
    -------
    NoisyEquivarianceCheck
    """
    if not isinstance(network, MLPEnsemble):
        raise TypeError(f"network must be an MLPEnsemble, got {type(network).__name__}")
    if not isinstance(target, BooleanTarget):
        raise TypeError(f"target must be a BooleanTarget, got {type(target).__name__}")
    if not isinstance(g, SignedPermutation):
        raise TypeError(f"g must be a SignedPermutation, got {type(g).__name__}")
    if target.n != network.n_inputs or g.n != network.n_inputs:
        raise ValueError(f"target (n={target.n}), g (n={g.n}) and the network "
                         f"(n_inputs={network.n_inputs}) must act on the same number of bits")
    if target.n > 16:
        raise ValueError(f"full-batch descent enumerates all 2^n inputs: n must be at most 16, "
                         f"got {target.n}")
    if network.has_mask:
        raise ValueError("noisy_equivariance_check needs a network without first_layer_mask")
    steps = check_int(steps, "steps", low=1, high=10_000)
    lr = check_float(lr, "lr", low=0.0, low_open=True)
    noise_std = check_float(noise_std, "noise_std", low=0.0)
    clip = check_float(clip, "clip", low=0.0, low_open=True)
    gen = make_generator(seed)

    models = {"moved": copy.deepcopy(network), "target": act_on_first_layer(network, g),
              "same": copy.deepcopy(network)}
    labels = {"moved": g.on_target(target), "target": target, "same": target}
    dtype = network.weights[0].dtype
    x = all_inputs(target.n, dtype=dtype)
    y = {key: labels[key](x).to(dtype) for key in models}
    params = {key: [p for p in model.parameters() if p.requires_grad]
              for key, model in models.items()}
    first_loss = last_loss = None
    clipped = total = 0
    parameter_gap = baseline_gap = 0.0
    for step in range(steps + 1):
        losses = {key: (models[key](x) - y[key]).square().mean(dim=1) for key in models}
        if step == 0:
            first_loss = losses["moved"].detach()
        mapped = _act_on_params([p.detach() for p in params["moved"]], g)
        parameter_gap = max(parameter_gap, max(
            float((a - b.detach()).abs().max()) for a, b in zip(mapped, params["target"],
                                                                 strict=True)))
        baseline_gap = max(baseline_gap, max(
            float((a.detach() - b.detach()).abs().max())
            for a, b in zip(params["moved"], params["same"], strict=True)))
        if step == steps:
            last_loss = losses["moved"].detach()
            break
        noise = [noise_std * torch.randn(p.shape, generator=gen, dtype=torch.float64).to(dtype)
                 for p in params["moved"]]
        noises = {"moved": noise, "target": _act_on_params(noise, g), "same": noise}
        for key in models:
            grads = torch.autograd.grad(losses[key].sum(), params[key])
            if key == "moved":
                clipped += sum(int((grad.abs() > clip).sum()) for grad in grads)
                total += sum(grad.numel() for grad in grads)
            with torch.no_grad():
                for p, grad, z in zip(params[key], grads, noises[key], strict=True):
                    p.sub_(lr * (grad.clamp(-clip, clip) + z))
    return NoisyEquivarianceCheck(parameter_gap=parameter_gap, baseline_gap=baseline_gap,
                                  clipped_fraction=clipped / total,
                                  loss_drop=float((first_loss - last_loss).mean()),
                                  steps=steps)
