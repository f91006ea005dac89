r"""First-layer profiles :math:`A_k(n)` and the formula :math:`\mathrm{INAL}=\sum_k W^k(f)A_k(n)`.

For a first-layer neuron :math:`\sigma(w\cdot x+b)` with sign-symmetric i.i.d.
:math:`w_i`, flipping input i is flipping :math:`w_i`, whose law is invariant, and
permuting inputs permutes the :math:`w_i`; so the cross terms of
:math:`\mathbb E_w\langle f,\sigma_w\rangle^2` vanish and

.. math:: \mathbb{E}_w\langle f,\sigma_w\rangle^2=\sum_k W^k(f)\,A_k(n),\qquad
          A_k(n)=\mathbb{E}_w\big[\hat\sigma_w(S)^2\big]\ \text{for any } |S|=k.

This module computes the profile :math:`A_k(n)`: exactly by enumeration
(:func:`first_layer_profile`), by one-dimensional quadrature for Gaussian weights
(:func:`gaussian_first_layer_profile`, through the activation's dual kernel and
Krawtchouk polynomials) and Rademacher weights (:func:`rademacher_first_layer_profile`),
and the Hermite heuristic :math:`A_k(n)\approx n^{-k}\,\mathbb E_b[c_k(b)^2]`
(:func:`hermite_profile`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from numpy.polynomial import hermite_e

from ._validation import (
    as_real_array,
    check_choice,
    check_device,
    check_float,
    check_int,
    check_n,
    check_seed,
    check_size,
)
from .boolean import (
    BooleanTarget,
    input_chunks,
    truth_table,
)
from .fourier import degree_profile, walsh_coefficients
from .networks import ACTIVATIONS, BIAS_LAWS, INITIALIZATIONS, sample_law
from .random import SeedLike, make_generator

__all__ = [
    "FirstLayerProfile",
    "first_layer_profile",
    "first_layer_inal",
    "first_layer_contributions",
    "gaussian_first_layer_profile",
    "rademacher_first_layer_profile",
    "hermite_coefficient",
    "hermite_profile",
]

# ---------------------------------------------------------------------------
# First-layer profile A_k(n) and the formula INAL = sum_k W^k(f) A_k(n)
# ---------------------------------------------------------------------------


@dataclass
class FirstLayerProfile:
    r""":math:`A_k(n)=\mathbb{E}_w[\hat\sigma_w(S)^2]` for :math:`|S|=k`, k = 0..n.

    ``values[k]`` is the estimate and ``stderr[k]`` its standard error (0 when exact).
    """

    n: int
    values: np.ndarray
    stderr: np.ndarray
    exact: bool
    activation: str
    init: str
    bias: str
    bias_std: float

    def inal(self, target_or_table) -> float:
        r""":math:`\sum_k W^k(f)A_k(n)` for a target or a truth table of length :math:`2^n`."""
        return first_layer_inal(target_or_table, self)

    def contributions(self, target_or_table) -> np.ndarray:
        r"""The terms :math:`W^k(f)A_k(n)`, k = 0..n, whose sum is :meth:`inal`."""
        return first_layer_contributions(target_or_table, self)

    def constant_part(self, target_or_table) -> float:
        r"""The degree-0 term :math:`W^0(f)A_0(n)=\hat f(\emptyset)^2A_0(n)` of :meth:`inal`:
        what a biased target gets for free, whatever its structure."""
        return float(first_layer_contributions(target_or_table, self)[..., 0])


def _neuron_tables(weights: torch.Tensor, biases: torch.Tensor, activation: str, n: int,
                   chunk: int = 1 << 14) -> torch.Tensor:
    """Truth tables sigma(w.x + b) of many neurons, shape (neurons, 2^n), float64, on the
    weights' device."""
    act = ACTIVATIONS[activation]
    out = torch.empty(weights.shape[0], 2**n, dtype=torch.float64, device=weights.device)
    for start, x in input_chunks(n, chunk, dtype=torch.float64, device=weights.device):
        out[:, start:start + x.shape[0]] = act(weights @ x.T + biases[:, None])
    return out


#: Entries (neurons x 2^n) of the truth tables :func:`first_layer_profile` transforms at once
#: (2^24 float64 entries: 128 MB per table, about 0.5 GB with the transform's temporaries).
_PROFILE_TABLE_ENTRIES = 1 << 24


def first_layer_profile(n: int, activation: str = "relu", init: str = "gaussian",
                        bias: str = "gaussian", bias_std: float = 1.0, *, n_neurons: int = 2000,
                        seed: SeedLike = 0, batch: int = 256,
                        device: str | torch.device | None = None) -> FirstLayerProfile:
    r"""The architecture's first-layer profile :math:`A_k(n)=\mathbb{E}_{w,b}[\hat\sigma_{w,b}(S)^2]`, :math:`|S|=k`.

    Each neuron's truth table is Walsh-transformed; :math:`\hat\sigma_w(S)^2` is averaged
    over all S of size k (they share the expectation by permutation symmetry) and over
    ``n_neurons`` random neurons. For Rademacher weights with zero or Rademacher bias the
    expectation is computed exactly: :math:`\hat\sigma_{s/\sqrt n}(S)=\chi_S(s)\,\hat\sigma_{1/\sqrt n}(S)`,
    so :math:`\hat\sigma_w(S)^2` does not depend on the signs s.

    Parameters
    ----------
    n : int
        Input dimension (1 <= n <= 20: every neuron is enumerated over all inputs).
    activation, init, bias, bias_std
        As in :class:`~inal_tutorial.networks.MLPEnsemble`.
    n_neurons : int
        Monte Carlo sample size over (w, b) when not exact, in [2, 10**7].
    seed : int or torch.Generator
        An int in [0, 2**62] or a generator.
    batch : int
        Neurons drawn at a time, >= 1. The truth tables are built and transformed
        ``_PROFILE_TABLE_ENTRIES`` entries (``rows x 2^n``) at a time whatever ``batch``
        is, so memory stays bounded (about 0.5 GB) up to n = 20. The draws do not depend on
        this; for n <= 16 and ``batch`` <= 256 (and wherever ``batch x 2^n`` <= 2^24) the
        result is exactly that of one block, otherwise it may differ by rounding (~1e-16
        relative, from the matrix products' blocking).
    device : str or torch.device, optional
        Where the neurons' truth tables are computed and transformed (default: the CPU);
        the weights are drawn on the CPU, so a seed gives the same profile on every device.
    """
    n = check_n(n)
    if n > 20:
        raise ValueError(f"n must be at most 20 for the first-layer profile (2^n inputs per "
                         f"neuron), got {n}")
    activation = check_choice(activation, "activation", tuple(ACTIVATIONS))
    init = check_choice(init, "init", INITIALIZATIONS)
    bias = check_choice(bias, "bias", BIAS_LAWS)
    bias_std = check_float(bias_std, "bias_std", low=0.0)
    n_neurons = check_int(n_neurons, "n_neurons", low=2, high=10**7)
    batch = check_int(batch, "batch", low=1, high=10**7)
    seed = check_seed(seed)
    device = check_device(device)
    rows_per_table = max(1, _PROFILE_TABLE_ENTRIES >> n)
    sizes = torch.tensor([bin(s).count("1") for s in range(2**n)], device=device)
    counts = torch.tensor([math.comb(n, k) for k in range(n + 1)], dtype=torch.float64,
                          device=device)
    no_bias = bias in ("zero", "none") or bias_std == 0.0

    def profile_rows(w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        w, b = w.to(device), b.to(device)
        coeffs = walsh_coefficients(_neuron_tables(w, b, activation, n))
        sums = torch.zeros(w.shape[0], n + 1, dtype=torch.float64, device=w.device)
        per_degree = sums.index_add_(1, sizes, coeffs.square()) / counts  # mean over |S| = k
        return per_degree.cpu()

    def profile_of(w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        # Each neuron's row is computed independently, so splitting the batch into blocks of
        # rows_per_table neurons gives the same rows in bounded memory.
        if w.shape[0] <= rows_per_table:
            return profile_rows(w, b)
        return torch.cat([profile_rows(w[i:i + rows_per_table], b[i:i + rows_per_table])
                          for i in range(0, w.shape[0], rows_per_table)])

    if init == "rademacher" and (no_bias or bias == "rademacher"):
        w = torch.full((1, n), n**-0.5, dtype=torch.float64)
        biases = [0.0] if no_bias else [bias_std, -bias_std]
        per = torch.cat([profile_of(w, torch.tensor([b], dtype=torch.float64)) for b in biases])
        values = per.mean(0).numpy()
        return FirstLayerProfile(n, values, np.zeros(n + 1), True, activation, init, bias, bias_std)

    gen = make_generator(seed)
    totals = torch.zeros(n + 1, dtype=torch.float64)
    totals_sq = torch.zeros(n + 1, dtype=torch.float64)
    for start in range(0, n_neurons, batch):
        size = min(batch, n_neurons - start)
        w = sample_law(init, (size, n), n**-0.5, gen)
        b = (torch.zeros(size, dtype=torch.float64) if no_bias
             else sample_law(bias, (size,), bias_std, gen))
        per = profile_of(w, b)
        totals += per.sum(0)
        totals_sq += per.square().sum(0)
    mean = totals / n_neurons
    var = (totals_sq / n_neurons - mean.square()).clamp_min(0) * n_neurons / (n_neurons - 1)
    return FirstLayerProfile(n, mean.numpy(), (var / n_neurons).sqrt().numpy(), False, activation,
                             init, bias, bias_std)


def first_layer_contributions(target_or_table, profile: FirstLayerProfile) -> np.ndarray:
    r"""The terms :math:`W^k(f)A_k(n)`, k = 0..n, of the first-layer formula.

    Entry 0 is the constant term :math:`\hat f(\emptyset)^2A_0(n)`; the sum is
    :func:`first_layer_inal`. A batch of truth tables ``(..., 2^n)`` gives ``(..., n + 1)``.
    """
    if not isinstance(profile, FirstLayerProfile):
        raise TypeError(f"profile must be a FirstLayerProfile, got {type(profile).__name__}")
    table = truth_table(target_or_table) if isinstance(target_or_table, BooleanTarget) \
        else target_or_table
    weights = degree_profile(table)
    if weights.shape[-1] != profile.n + 1:
        raise ValueError(f"target has n={weights.shape[-1] - 1} but the profile is for "
                         f"n={profile.n}")
    return weights.numpy() * profile.values


def first_layer_inal(target_or_table, profile: FirstLayerProfile) -> float:
    r"""The first-layer formula :math:`\mathbb{E}_w\langle f,\sigma_w\rangle^2=\sum_k W^k(f)A_k(n)`."""
    return float(first_layer_contributions(target_or_table, profile).sum(-1))


def _dual_kernel(activation: str, rho: np.ndarray, variance: float,
                 quadrature_nodes: int) -> np.ndarray:
    r""":math:`\mathbb{E}[\sigma(X)\sigma(Y)]` for centred jointly Gaussian X, Y with variance
    ``variance`` and correlation ``rho`` (closed forms where they exist, else Gauss–Hermite)."""
    rho = np.clip(rho, -1.0, 1.0)
    if activation == "relu":  # the arc-cosine kernel of degree 1
        return variance / (2 * math.pi) * (np.sqrt(1 - rho**2) + (math.pi - np.arccos(rho)) * rho)
    if activation == "abs":
        return 2 * variance / math.pi * (np.sqrt(1 - rho**2) + rho * np.arcsin(rho))
    if activation == "sign":
        return 2 / math.pi * np.arcsin(rho)
    if activation == "linear":
        return variance * rho
    if activation == "quadratic":
        return variance**2 * (1 + 2 * rho**2)
    nodes, weights = hermite_e.hermegauss(quadrature_nodes)
    weights = weights / _SQRT2PI
    act = ACTIVATIONS[activation]
    scale = math.sqrt(variance)
    z1 = torch.as_tensor(nodes, dtype=torch.float64)
    out = np.empty_like(rho)
    for i, r in enumerate(rho):
        # X = s Z1, Y = s (r Z1 + sqrt(1 - r^2) Z2), Z1 and Z2 independent standard normal.
        y = scale * (r * z1[:, None] + math.sqrt(max(1 - r * r, 0.0)) * z1[None, :])
        values = act(scale * z1)[:, None] * act(y)
        out[i] = float(weights @ values.numpy() @ weights)
    return out


def _krawtchouk_table(n: int, max_degree: int) -> list[list[int]]:
    r"""Exact integers :math:`K_k(d;n)=\sum_j(-1)^j\binom{d}{j}\binom{n-d}{k-j}`, k <= max_degree.

    :math:`K_k(d;n)=\sum_{|S|=k}\chi_S(z)` for any z with d coordinates equal to -1. Built
    with the three-term recurrence :math:`(k+1)K_{k+1}=(n-2d)K_k-(n-k+1)K_{k-1}`.
    """
    table = [[1] * (n + 1)]
    if max_degree >= 1:
        table.append([n - 2 * d for d in range(n + 1)])
    for k in range(1, max_degree):
        table.append([((n - 2 * d) * table[k][d] - (n - k + 1) * table[k - 1][d]) // (k + 1)
                      for d in range(n + 1)])
    return table


def gaussian_first_layer_profile(n: int, activation: str = "relu", bias: str = "gaussian",
                                 bias_std: float = 1.0, *, max_degree: int | None = None,
                                 quadrature_nodes: int = 96) -> FirstLayerProfile:
    r"""Exact :math:`A_k(n)` for Gaussian weights :math:`N(0,1/n)` and a Gaussian (or zero) bias.

    Write :math:`K(x,x')=\mathbb{E}_{w,b}[\sigma(w\cdot x+b)\,\sigma(w\cdot x'+b)]` for the
    kernel of one random neuron. Expanding the square,

    .. math:: A_k(n)=\mathbb{E}_{w,b}\big[\hat\sigma_{w,b}(S)^2\big]
              =\mathbb{E}_{x,x'}\big[K(x,x')\,\chi_S(x)\chi_S(x')\big],\qquad |S|=k.

    With Gaussian weights, :math:`(w\cdot x+b,\,w\cdot x'+b)` is *exactly* a centred
    Gaussian pair with variance :math:`v=1+s^2` (s = ``bias_std``) and covariance
    :math:`1-2d/n+s^2`, where d is the Hamming distance of x and x'. So K depends on d
    only, through the dual activation :math:`\kappa(\rho)=\mathbb{E}\sigma(X)\sigma(Y)`
    at correlation :math:`\rho_d=(1-2d/n+s^2)/v`, and averaging over the
    :math:`\binom nk` sets S of size k gives

    .. math:: A_k(n)=\sum_{d=0}^{n}\frac{\binom nd}{2^n}\,
              \frac{K_k(d;n)}{\binom nk}\,\kappa(\rho_d),

    with the Krawtchouk polynomial :math:`K_k(d;n)=\sum_j(-1)^j\binom dj\binom{n-d}{k-j}`.
    No sampling and no enumeration of :math:`2^n` inputs: the cost is
    :math:`O(n\cdot\text{max\_degree})` exact integer operations, so n in the hundreds
    is cheap.

    Parameters
    ----------
    n : int
        Input dimension, 1 <= n <= 4096, with
        :math:`n(n+1)(\text{max\_degree}+1)\le` ``EXACT_PROFILE_COST`` (the exact
        integer table costs about that many bit operations / 64: n <= 512 with the default
        ``max_degree = n``, about 1.5 s; larger n with a smaller ``max_degree``).
    activation : str
        Closed-form dual kernels for ``"relu"`` (arc-cosine kernel), ``"abs"``, ``"sign"``,
        ``"linear"``, ``"quadratic"``; the smooth ones (``"tanh"``, ``"sigmoid"``,
        ``"gelu"``) by two-dimensional Gauss–Hermite quadrature with ``quadrature_nodes``
        nodes per axis.
    bias : {"gaussian", "zero", "none"}
        The formula needs jointly Gaussian pre-activations; other bias laws raise
        ``ValueError`` (use :func:`first_layer_profile` for them).
    bias_std : float
        Standard deviation s of the Gaussian bias (ignored for "zero"/"none").
    max_degree : int, optional
        Compute :math:`A_k` for k = 0..max_degree only (default n, which
        :meth:`FirstLayerProfile.inal` needs); ``values`` then has length ``max_degree + 1``.

    Returns
    -------
    FirstLayerProfile
        With ``exact=True`` and ``stderr`` zero. Values are exact up to floating-point
        rounding of the alternating sum, an absolute error of about
        :math:`10^{-16}(n+1)\,\mathbb{E}[\sigma(Z)^2]`: values below about
        :math:`10^{-13}` (e.g. the full parity for n >= 30) are not resolved.
    """
    n = check_n(n)
    activation = check_choice(activation, "activation", tuple(ACTIVATIONS))
    bias = check_choice(bias, "bias", BIAS_LAWS)
    if bias not in ("gaussian", "zero", "none"):
        raise ValueError(f"bias must be 'gaussian', 'zero' or 'none' for the exact Gaussian "
                         f"formula, got {bias!r}: use first_layer_profile for other laws")
    bias_std = check_float(bias_std, "bias_std", low=0.0)
    max_degree = n if max_degree is None else check_int(max_degree, "max_degree", low=0, high=n)
    _check_profile_cost(n, max_degree)
    quadrature_nodes = check_int(quadrature_nodes, "quadrature_nodes", low=8, high=1000)
    s2 = bias_std**2 if bias == "gaussian" else 0.0
    variance = 1.0 + s2
    d = np.arange(n + 1)
    kappa = _dual_kernel(activation, (1.0 - 2.0 * d / n + s2) / variance, variance,
                         quadrature_nodes)
    weights = _degree_weights(n, max_degree)
    values = np.array([math.fsum(row * kappa) for row in weights])
    return FirstLayerProfile(n, values, np.zeros(max_degree + 1), True, activation, "gaussian",
                             bias, bias_std)


#: Largest :math:`n(n+1)(\text{max\_degree}+1)` for the exact profiles
#: (:func:`gaussian_first_layer_profile`, :func:`rademacher_first_layer_profile`): their
#: table of exact big integers costs time about proportional to it (measured: 1.3-1.7 s at
#: n = max_degree = 500, growing like n^3), so the default max_degree = n allows n <= 512.
EXACT_PROFILE_COST = 512 * 513 * 513


def _check_profile_cost(n: int, max_degree: int) -> None:
    cost = n * (n + 1) * (max_degree + 1)
    if cost > EXACT_PROFILE_COST:
        largest = int((EXACT_PROFILE_COST // (n * (n + 1))) - 1)
        hint = (f"max_degree must be at most {largest} for n = {n}" if largest >= 0
                else "n is too large")
        raise ValueError(f"n, max_degree too large for the exact profile: n * (n + 1) * "
                         f"(max_degree + 1) must be at most {EXACT_PROFILE_COST} (a few "
                         f"seconds; n <= 512 with the default max_degree = n), got n = {n}, "
                         f"max_degree = {max_degree}: {hint}")


def _degree_weights(n: int, max_degree: int) -> np.ndarray:
    r"""Matrix :math:`\binom nd K_k(d;n)/(2^n\binom nk)`, k = 0..max_degree, d = 0..n.

    Row k turns a function G(d) of the number d of -1 coordinates into the Fourier
    coefficient at any |S| = k of the symmetric function :math:`x\mapsto G(d(x))`.
    Exact integers, each entry correctly rounded by the int / int division.
    """
    binom_d = [math.comb(n, d) for d in range(n + 1)]
    table = _krawtchouk_table(n, max_degree)
    return np.array([[binom_d[d] * row[d] / (2**n * math.comb(n, k)) for d in range(n + 1)]
                     for k, row in enumerate(table)])


def _bias_quadrature(bias: str, bias_std: float, breakpoints: np.ndarray,
                     nodes_per_piece: int) -> tuple[np.ndarray, np.ndarray]:
    """Points and probabilities integrating a function of the bias that is smooth between
    ``breakpoints`` (Gauss–Legendre on every piece)."""
    if bias in ("zero", "none") or bias_std == 0.0:
        return np.zeros(1), np.ones(1)
    if bias == "rademacher":
        return np.array([-bias_std, bias_std]), np.array([0.5, 0.5])
    if bias == "uniform":
        low, high = -math.sqrt(3) * bias_std, math.sqrt(3) * bias_std
    else:  # gaussian, truncated where the density is below 1e-30
        low, high = -12 * bias_std, 12 * bias_std
    edges = np.unique(np.concatenate([[low, high], breakpoints[(breakpoints > low) &
                                                               (breakpoints < high)]]))
    nodes, node_weights = np.polynomial.legendre.leggauss(nodes_per_piece)
    mid, half = (edges[1:] + edges[:-1]) / 2, (edges[1:] - edges[:-1]) / 2
    points = (mid[:, None] + half[:, None] * nodes[None, :]).ravel()
    lengths = (half[:, None] * node_weights[None, :]).ravel()
    if bias == "uniform":
        density = np.full_like(points, 1 / (high - low))
    else:
        density = np.exp(-(points / bias_std) ** 2 / 2) / (bias_std * _SQRT2PI)
    return points, lengths * density


def rademacher_first_layer_profile(n: int, activation: str = "relu", bias: str = "gaussian",
                                   bias_std: float = 1.0, *, max_degree: int | None = None,
                                   nodes_per_piece: int = 24) -> FirstLayerProfile:
    r"""Exact :math:`A_k(n)` for Rademacher weights :math:`\pm1/\sqrt n`, with any bias law.

    With :math:`w=s/\sqrt n`, :math:`s\in\{\pm1\}^n`, the neuron
    :math:`\sigma(w\cdot x+b)` depends on x only through the number d of coordinates where
    :math:`s_ix_i=-1`, since :math:`w\cdot x=(n-2d)/\sqrt n`. Its Fourier coefficients are
    those of a symmetric function, up to the sign :math:`\chi_S(s)`:

    .. math:: \hat\sigma_{w,b}(S)=\chi_S(s)\sum_{d=0}^n\frac{\binom nd}{2^n}
              \frac{K_k(d;n)}{\binom nk}\,\sigma\Big(\frac{n-2d}{\sqrt n}+b\Big),
              \qquad A_k(n)=\mathbb{E}_b\big[\hat\sigma_{w,b}(S)^2\big],

    with the Krawtchouk polynomial :math:`K_k(d;n)` (see
    :func:`gaussian_first_layer_profile`). For k = n this is the n-th finite difference of
    :math:`\sigma` on the lattice of step :math:`2/\sqrt n`. The signs s drop out, so only
    the bias is random; its expectation is a quadrature: exact for zero and Rademacher
    biases, Gauss–Legendre with ``nodes_per_piece`` nodes between consecutive kinks
    :math:`b=-(n-2d)/\sqrt n` for Gaussian (truncated at :math:`\pm12` standard deviations)
    and uniform biases, which is exact to rounding for the piecewise linear activations
    (relu, abs, sign) and very accurate for smooth ones.

    Parameters
    ----------
    n : int
        Input dimension, 1 <= n <= 4096 (cost :math:`O(n^2\cdot\text{nodes})` per degree),
        with :math:`n(n+1)(\text{max\_degree}+1)\le` ``EXACT_PROFILE_COST`` as in
        :func:`gaussian_first_layer_profile` (n <= 512 with the default ``max_degree = n``)
        and the neuron table ``(n + 1) x bias points`` within the tensor-size cap.
    activation : str
        One of :data:`~inal_tutorial.networks.ACTIVATIONS`.
    bias, bias_std
        Law and standard deviation of the bias, as in
        :class:`~inal_tutorial.networks.MLPEnsemble`.
    max_degree : int, optional
        Compute k = 0..max_degree only (default n).

    Returns
    -------
    FirstLayerProfile
        With ``exact=True`` and ``stderr`` zero (absolute rounding error about
        :math:`10^{-16}(n+1)\max|\sigma|` on the lattice).
    """
    n = check_n(n)
    activation = check_choice(activation, "activation", tuple(ACTIVATIONS))
    bias = check_choice(bias, "bias", BIAS_LAWS)
    bias_std = check_float(bias_std, "bias_std", low=0.0)
    max_degree = n if max_degree is None else check_int(max_degree, "max_degree", low=0, high=n)
    nodes_per_piece = check_int(nodes_per_piece, "nodes_per_piece", low=2, high=200)
    _check_profile_cost(n, max_degree)
    if bias in ("gaussian", "uniform") and bias_std > 0.0:
        # At most n + 2 pieces between the kinks, nodes_per_piece points each.
        check_size({"n + 1": n + 1, "nodes_per_piece x (n + 2)": nodes_per_piece * (n + 2)},
                   what="the table of neuron values")
    lattice = (n - 2.0 * np.arange(n + 1)) / math.sqrt(n)  # w.x for d = 0..n
    points, probs = _bias_quadrature(bias, bias_std, -lattice, nodes_per_piece)
    act = ACTIVATIONS[activation]
    neuron = act(torch.as_tensor(lattice[:, None] + points[None, :], dtype=torch.float64)).numpy()
    coefficients = _degree_weights(n, max_degree) @ neuron  # (max_degree + 1, bias points)
    values = coefficients**2 @ probs
    return FirstLayerProfile(n, values, np.zeros(max_degree + 1), True, activation, "rademacher",
                             bias, bias_std)


# ---------------------------------------------------------------------------
# Hermite prediction
# ---------------------------------------------------------------------------

_SQRT2PI = math.sqrt(2 * math.pi)
#: Largest degree k of :func:`hermite_coefficient` (and so of :func:`hermite_profile`).
_MAX_HERMITE_DEGREE = 200


def _phi(b: np.ndarray) -> np.ndarray:
    return np.exp(-b**2 / 2) / _SQRT2PI


def _Phi(b: np.ndarray) -> np.ndarray:
    from scipy.special import ndtr

    return ndtr(b)


def _he(k: int, x: np.ndarray) -> np.ndarray:
    """Probabilists' Hermite polynomial He_k(x) (He_{-1} := 0 is never needed)."""
    return hermite_e.hermeval(x, [0] * k + [1])


def _log_abs_he(k: int, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sign and log-magnitude of He_k(x), by the three-term recurrence with rescaling (no
    overflow for any finite x)."""
    x = np.asarray(x, dtype=np.float64)
    h_prev, h = np.ones_like(x), x.copy()
    log_scale = np.zeros_like(x)
    if k == 0:
        return np.ones_like(x), log_scale
    for j in range(1, k):
        h_prev, h = h, x * h - j * h_prev
        big = np.maximum(np.abs(h), np.abs(h_prev))
        rescale = big > 1e100
        if rescale.any():
            factor = np.where(rescale, big, 1.0)
            h, h_prev = h / factor, h_prev / factor
            log_scale += np.log(factor)
    with np.errstate(divide="ignore"):
        return np.sign(h), np.log(np.abs(h)) + log_scale


def _phi_he(k: int, b: np.ndarray) -> np.ndarray:
    r""":math:`\varphi(b)\,\mathrm{He}_k(-b)`. Where the direct product is not resolved
    (:math:`\varphi(b)` underflows, or :math:`\mathrm{He}_k` overflows for large k and
    :math:`|b|`), it is computed in log space instead; elsewhere the direct product is kept."""
    with np.errstate(over="ignore", invalid="ignore"):
        phi = _phi(b)
        direct = phi * _he(k, -b)
    bad = ~np.isfinite(direct) | (phi == 0)
    if not np.any(bad):
        return direct
    sign, log_he = _log_abs_he(k, -b[bad])
    stable = sign * np.exp(-b[bad] ** 2 / 2 - math.log(_SQRT2PI) + log_he)
    out = np.array(direct, dtype=np.float64)
    out[bad] = stable
    return out


def hermite_coefficient(activation: str, k: int, b=0.0, *, quadrature_nodes: int = 200):
    r""":math:`c_k(b)=\mathbb{E}_{Z\sim N(0,1)}[\sigma(Z+b)\,\mathrm{He}_k(Z)]=\mathbb{E}[\sigma^{(k)}(Z+b)]`.

    Closed forms (Gaussian integration by parts) for the non-smooth activations:

    * relu: :math:`c_0=b\Phi(b)+\varphi(b)`, :math:`c_1=\Phi(b)`,
      :math:`c_k=\varphi(b)\mathrm{He}_{k-2}(-b)` for k >= 2;
    * sign: :math:`c_0=2\Phi(b)-1`, :math:`c_k=2\varphi(b)\mathrm{He}_{k-1}(-b)` for k >= 1;
    * abs: :math:`c_0=b(2\Phi(b)-1)+2\varphi(b)`, :math:`c_1=2\Phi(b)-1`,
      :math:`c_k=2\varphi(b)\mathrm{He}_{k-2}(-b)` for k >= 2;

    and Gauss–Hermite quadrature for the smooth ones. ``b`` may be an array.

    Parameters
    ----------
    activation : str
        One of :data:`~inal_tutorial.networks.ACTIVATIONS`.
    k : int
        Degree, 0 <= k <= 200.
    b : float or array of float
        Finite biases (any magnitude: the closed forms switch to log space where
        :math:`\varphi(b)\mathrm{He}_k(-b)` would under- or overflow).
    quadrature_nodes : int
        Gauss–Hermite nodes for the smooth activations, in [2, 1000].
    """
    activation = check_choice(activation, "activation", tuple(ACTIVATIONS))
    k = check_int(k, "k", low=0, high=200)
    quadrature_nodes = check_int(quadrature_nodes, "quadrature_nodes", low=2, high=1000)
    b = as_real_array(b, "b")
    if activation == "relu":
        if k == 0:
            return b * _Phi(b) + _phi(b)
        if k == 1:
            return _Phi(b)
        return _phi_he(k - 2, b)
    if activation == "sign":
        return 2 * _Phi(b) - 1 if k == 0 else 2 * _phi_he(k - 1, b)
    if activation == "abs":
        if k == 0:
            return b * (2 * _Phi(b) - 1) + 2 * _phi(b)
        if k == 1:
            return 2 * _Phi(b) - 1
        return 2 * _phi_he(k - 2, b)
    if activation == "linear":
        return {0: b, 1: np.ones_like(b)}.get(k, np.zeros_like(b))
    if activation == "quadratic":
        return {0: 1 + b**2, 1: 2 * b, 2: 2 * np.ones_like(b)}.get(k, np.zeros_like(b))
    nodes, weights = hermite_e.hermegauss(quadrature_nodes)
    weights = weights / _SQRT2PI
    act = ACTIVATIONS[activation]
    z = torch.as_tensor(nodes[:, None] + b.reshape(1, -1), dtype=torch.float64)
    values = act(z).numpy() * _he(k, nodes)[:, None]
    return (weights @ values).reshape(b.shape)


def hermite_profile(n: int, max_degree: int | None = None, activation: str = "relu",
                    bias: str = "gaussian", bias_std: float = 1.0, *,
                    quadrature_nodes: int = 80) -> np.ndarray:
    r"""Gaussian heuristic :math:`A_k(n)\approx n^{-k}\,\mathbb{E}_b\big[c_k(b)^2\big]` for k = 0..max_degree.

    From :math:`\hat\sigma_w(S)\approx\prod_{i\in S}w_i\;\mathbb{E}[\sigma^{(k)}(w\cdot x+b)]`
    with :math:`w\cdot x\approx N(0,1)` and :math:`\mathbb{E}\prod_{i\in S}w_i^2=n^{-k}`.
    Accurate for fixed k as n grows; it ignores that :math:`w\cdot x` is discrete.

    Parameters
    ----------
    n : int
        Input dimension, 1 <= n <= 10**9.
    max_degree : int, optional
        Largest k, 0 <= max_degree <= min(n, 200) (:func:`hermite_coefficient` stops at
        k = 200); default n, so give it when n > 200.
    activation, bias, bias_std
        As in :class:`~inal_tutorial.networks.MLPEnsemble` (bias_std finite, >= 0).
    quadrature_nodes : int
        Nodes of the quadrature over the bias, in [2, 1000].
    """
    n = check_int(n, "n", low=1, high=10**9)
    if max_degree is None:
        if n > _MAX_HERMITE_DEGREE:
            raise ValueError(f"max_degree must be given when n > {_MAX_HERMITE_DEGREE} (its "
                             f"default n exceeds the largest degree {_MAX_HERMITE_DEGREE}), "
                             f"got n = {n}")
        max_degree = n
    else:
        max_degree = check_int(max_degree, "max_degree", low=0, high=min(n, _MAX_HERMITE_DEGREE))
    activation = check_choice(activation, "activation", tuple(ACTIVATIONS))
    bias = check_choice(bias, "bias", BIAS_LAWS)
    bias_std = check_float(bias_std, "bias_std", low=0.0)
    quadrature_nodes = check_int(quadrature_nodes, "quadrature_nodes", low=2, high=1000)
    if bias in ("zero", "none") or bias_std == 0.0:
        points, probs = np.zeros(1), np.ones(1)
    elif bias == "gaussian":
        points, probs = hermite_e.hermegauss(quadrature_nodes)
        points, probs = bias_std * points, probs / _SQRT2PI
    elif bias == "rademacher":
        points, probs = np.array([-bias_std, bias_std]), np.array([0.5, 0.5])
    else:  # uniform on [-sqrt(3) s, sqrt(3) s]
        points, probs = np.polynomial.legendre.leggauss(quadrature_nodes)
        points, probs = bias_std * math.sqrt(3) * points, probs / 2
    out = np.empty(max_degree + 1)
    for k in range(max_degree + 1):
        ck = hermite_coefficient(activation, k, points)
        with np.errstate(over="ignore", under="ignore", invalid="ignore"):
            out[k] = float(n) ** (-k) * float(probs @ ck**2)
        if not math.isfinite(out[k]):
            # c_k^2 overflows where n^-k is tiny: take the product in log space.
            scale = float(np.abs(ck).max())
            mean_sq = float(probs @ (ck / scale) ** 2)
            out[k] = math.exp(-k * math.log(n) + 2 * math.log(scale) + math.log(mean_sq))
    return out
