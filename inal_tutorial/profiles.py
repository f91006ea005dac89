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
    first = act(scale * z1)[None, :, None]
    rho = np.asarray(rho, dtype=np.float64)
    out = np.empty_like(rho)
    step = max(1, (1 << 20) // quadrature_nodes**2)  # correlations per block of the grid
    for start in range(0, rho.size, step):
        r = torch.as_tensor(rho[start:start + step], dtype=torch.float64)[:, None, None]
        # X = s Z1, Y = s (r Z1 + sqrt(1 - r^2) Z2), Z1 and Z2 independent standard normal.
        y = scale * (r * z1[None, :, None] + (1 - r * r).clamp_min(0).sqrt() * z1[None, None, :])
        values = (first * act(y)).numpy()
        out[start:start + step] = (weights @ values) @ weights
    return out


def _binomial_weights(n: int) -> np.ndarray:
    r"""The binomial probabilities :math:`\binom nd/2^n`, d = 0..n, each correctly rounded.

    Exact integers, one correctly rounded int / int division each (subnormal or 0 where they
    underflow, n > 1021): :math:`O(n^2)` bit operations, a few milliseconds at n = 4096.
    """
    out = np.empty(n + 1)
    total, count = 1 << n, 1
    for d in range(n + 1):
        out[d] = count / total
        count = count * (n - d) // (d + 1)
    return out


#: Rows of normalized Krawtchouk values produced (and consumed) at a time.
_KRAWTCHOUK_BLOCK = 64


def _krawtchouk_blocks(n: int, max_degree: int, d: np.ndarray):
    r"""Yield ``(ks, rows)`` with ``rows[i, j]`` :math:`=K_k(d_j;n)/\binom nk`, k = ``ks[i]``.

    Every k in 0..max_degree is yielded once, in blocks of at most ``_KRAWTCHOUK_BLOCK``
    rows. The normalized values :math:`y_k=K_k/\binom nk` lie in [-1, 1] and obey
    :math:`(n-k)\,y_{k+1}=(n-2d)\,y_k-k\,y_{k-1}` (from
    :math:`(k+1)K_{k+1}=(n-2d)K_k-(n-k+1)K_{k-1}`), which is run forward for k <= n/2 only,
    where it is stable: from k = 0 it follows the dominant solution, and once d is inside the
    oscillatory band :math:`|n-2d|<2\sqrt{k(n-k)}` it stays there. Degrees k > n/2 come from
    the reflection :math:`y_{n-k}(d)=(-1)^d y_k(d)` (forward, the recurrence would follow the
    recessive solution there and lose all accuracy). Cost :math:`O(\text{len}(d))` per degree;
    :math:`y_k(n-d)=(-1)^k y_k(d)` holds exactly in floating point (the recurrence commutes
    with negating :math:`n-2d`).
    """
    x = n - 2.0 * d
    reflect = np.where(d % 2 == 0, 1.0, -1.0)
    top = min(max_degree, n // 2)
    prev = cur = None
    for start in range(0, top + 1, _KRAWTCHOUK_BLOCK):
        ks = np.arange(start, min(start + _KRAWTCHOUK_BLOCK, top + 1))
        rows = np.empty((ks.size, d.size))
        for i, k in enumerate(ks):
            if k == 0:
                new = np.ones(d.size)
            elif k == 1:
                new = x / n
            else:
                new = (x * cur - (k - 1) * prev) / (n - k + 1)
            prev, cur = cur, new
            rows[i] = new
        yield ks, rows
        mirrored = n - ks
        keep = (mirrored <= max_degree) & (mirrored != ks)
        if keep.any():
            yield mirrored[keep], rows[keep] * reflect


def _forced_zeros(activation: str, zero_bias: bool, size: int, *, zero_in_lattice: bool = False
                  ) -> np.ndarray:
    r"""Degrees k < ``size`` at which :math:`A_k(n)` vanishes identically.

    Polynomials: k >= 2 for linear, k >= 3 for quadratic. With a zero bias, the symmetry
    :math:`x\mapsto -x` (d -> n - d) leaves only the even part of the activation at even k and
    its odd part at odd k: relu and gelu have odd part z/2 (zero at odd k >= 3), abs and
    quadratic are even (odd k), sign, tanh and linear are odd (even k), sigmoid - 1/2 is odd
    (even k >= 2). The sign activation is odd only off 0 (sign(0) = +1), so its zeros need
    ``zero_in_lattice`` false.
    """
    k = np.arange(size)
    mask = np.zeros(size, dtype=bool)
    if activation == "linear":
        mask |= k >= 2
    if activation == "quadratic":
        mask |= k >= 3
    if zero_bias:
        odd = k % 2 == 1
        if activation in ("relu", "gelu"):
            mask |= odd & (k >= 3)
        elif activation in ("abs", "quadratic"):
            mask |= odd
        elif activation in ("tanh", "linear") or (activation == "sign" and not zero_in_lattice):
            mask |= ~odd
        elif activation == "sigmoid":
            mask |= ~odd & (k >= 2)
    return mask


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
    The normalized values :math:`y_k(d)=K_k(d;n)/\binom nk\in[-1,1]` are computed in
    floating point by the three-term recurrence

    .. math:: (n-k)\,y_{k+1}(d)=(n-2d)\,y_k(d)-k\,y_{k-1}(d),\qquad y_0=1,\ y_1=1-2d/n,

    run forward for k <= n/2 (where it is stable) and reflected,
    :math:`y_{n-k}(d)=(-1)^d\,y_k(d)`, above; the binomial weights :math:`\binom nd/2^n` are
    correctly rounded from exact integers. No sampling, no enumeration of :math:`2^n` inputs
    and no big-integer tables: the cost is :math:`O(n\cdot\text{max\_degree})` floating-point
    operations (a few milliseconds at n = 1000) plus the n + 1 values of the dual kernel.

    Parameters
    ----------
    n : int
        Input dimension, 1 <= n <= 4096.
    activation : str
        Closed-form dual kernels for ``"relu"`` (arc-cosine kernel), ``"abs"``, ``"sign"``,
        ``"linear"``, ``"quadratic"``; the smooth ones (``"tanh"``, ``"sigmoid"``,
        ``"gelu"``) by two-dimensional Gauss–Hermite quadrature with ``quadrature_nodes``
        nodes per axis (cost :math:`O(n\cdot\text{quadrature\_nodes}^2)`).
    bias : {"gaussian", "zero", "none"}
        The formula needs jointly Gaussian pre-activations; other bias laws raise
        ``ValueError`` (use :func:`first_layer_profile` for them).
    bias_std : float
        Standard deviation s of the Gaussian bias (ignored for "zero"/"none").
    max_degree : int, optional
        Compute :math:`A_k` for k = 0..max_degree only (default n, which
        :meth:`FirstLayerProfile.inal` needs); ``values`` then has length ``max_degree + 1``.
    quadrature_nodes : int
        Gauss–Hermite nodes per axis for the smooth activations, in [8, 1000].

    Returns
    -------
    FirstLayerProfile
        With ``exact=True`` and ``stderr`` zero. Values are exact up to floating-point
        rounding of the alternating sum, an absolute error of about
        :math:`10^{-16}(n+1)\,\mathbb{E}[\sigma(Z)^2]`: values below about
        :math:`10^{-13}` (e.g. the full parity for n >= 30) are not resolved. Degrees where
        :math:`A_k` vanishes identically are exactly 0: k >= 2 for linear, k >= 3 for
        quadratic, and with zero bias the parity zeros (odd k >= 3 for relu and gelu, whose
        odd part is z/2; odd k for abs and quadratic; even k for sign, tanh and linear; even
        k >= 2 for sigmoid).
    """
    n = check_n(n)
    activation = check_choice(activation, "activation", tuple(ACTIVATIONS))
    bias = check_choice(bias, "bias", BIAS_LAWS)
    if bias not in ("gaussian", "zero", "none"):
        raise ValueError(f"bias must be 'gaussian', 'zero' or 'none' for the exact Gaussian "
                         f"formula, got {bias!r}: use first_layer_profile for other laws")
    bias_std = check_float(bias_std, "bias_std", low=0.0)
    max_degree = n if max_degree is None else check_int(max_degree, "max_degree", low=0, high=n)
    quadrature_nodes = check_int(quadrature_nodes, "quadrature_nodes", low=8, high=1000)
    s2 = bias_std**2 if bias == "gaussian" else 0.0
    variance = 1.0 + s2
    d = np.arange(n + 1)
    kappa = _dual_kernel(activation, (1.0 - 2.0 * d / n + s2) / variance, variance,
                         quadrature_nodes)
    weighted = _binomial_weights(n) * kappa
    values = np.empty(max_degree + 1)
    for ks, rows in _krawtchouk_blocks(n, max_degree, d):
        values[ks] = rows @ weighted
    values[_forced_zeros(activation, s2 == 0.0, max_degree + 1)] = 0.0
    return FirstLayerProfile(n, values, np.zeros(max_degree + 1), True, activation, "gaussian",
                             bias, bias_std)


#: Largest :math:`(\text{max\_degree}+1)\cdot R\cdot P` for
#: :func:`rademacher_first_layer_profile` with a smooth activation (tanh, sigmoid, gelu) and a
#: Gaussian or uniform bias, where R is the number of binomial weights kept (about
#: :math:`12\sqrt n`) and P the number of bias quadrature points (``nodes_per_piece`` per
#: piece between consecutive kinks, about :math:`12\,\text{bias\_std}\sqrt n` pieces for a
#: Gaussian bias): the time of that path is about proportional to it. Every other case costs
#: :math:`O(n\cdot\text{max\_degree})` and has no limit beyond n <= 4096.
EXACT_PROFILE_COST = 2**38


def _check_profile_cost(n: int, max_degree: int, kept: int, points: int) -> None:
    cost = (max_degree + 1) * kept * points
    if cost > EXACT_PROFILE_COST:
        largest = EXACT_PROFILE_COST // (kept * points) - 1
        hint = (f"max_degree must be at most {largest} for n = {n}" if largest >= 0
                else "lower n, bias_std or nodes_per_piece")
        raise ValueError(
            f"n, max_degree, nodes_per_piece, bias_std too large for the exact profile with a "
            f"smooth activation and a continuous bias: (max_degree + 1) x binomial weights kept "
            f"x bias points = {max_degree + 1} x {kept} x {points} = {cost} must be at most "
            f"EXACT_PROFILE_COST = {EXACT_PROFILE_COST} (about a minute), got n = {n}, "
            f"max_degree = {max_degree}: {hint}")


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


#: The activations that are polynomials of degree <= 2 on each side of 0: coefficients of
#: z^0, z^1, z^2 for z >= 0 and for z < 0.
_PIECEWISE_POLYNOMIAL = {
    "relu": ((0.0, 1.0, 0.0), (0.0, 0.0, 0.0)),
    "abs": ((0.0, 1.0, 0.0), (0.0, -1.0, 0.0)),
    "sign": ((1.0, 0.0, 0.0), (-1.0, 0.0, 0.0)),
    "linear": ((0.0, 1.0, 0.0), (0.0, 1.0, 0.0)),
    "quadratic": ((0.0, 0.0, 1.0), (0.0, 0.0, 1.0)),
}

#: Binomial weights below this fraction of the largest are dropped where the Rademacher
#: profile multiplies them by a dense table of neuron values (their total effect on a
#: coefficient is below 1e-26 max|sigma|, far below rounding).
_BINOMIAL_CUTOFF = 1e-30


def _piecewise_profile(n: int, max_degree: int, activation: str, lattice: np.ndarray,
                       binomial: np.ndarray, points: np.ndarray, probs: np.ndarray) -> np.ndarray:
    r""":math:`\sum_p \pi_p\,c_k(b_p)^2` for a piecewise polynomial activation, in
    :math:`O(n\cdot\text{max\_degree})`.

    For a bias b, the pre-activation :math:`z_d=\ell_d+b` is >= 0 exactly for the first
    D(b) lattice points, so :math:`c_k(b)=\sum_d W_{kd}\,\sigma(\ell_d+b)` is a polynomial
    in b whose coefficients are prefix sums of :math:`W_{kd}\ell_d^i` up to D(b). Points are
    grouped by D; each group contributes its quadratic form in the moments of
    :math:`b-m_D` (m_D the group's mean), so no cancellation comes from the expansion.
    """
    positive, negative = (np.array(c) for c in _PIECEWISE_POLYNOMIAL[activation])
    # D(b) = #{d: l_d + b >= 0}; the lattice l_d decreases in d.
    groups = np.searchsorted(-lattice, points, side="right")
    used, inverse = np.unique(groups, return_inverse=True)
    mass = np.bincount(inverse, weights=probs)
    centre = np.bincount(inverse, weights=probs * points) / np.where(mass > 0, mass, 1.0)
    offset = points - centre[inverse]
    moments = np.stack([np.bincount(inverse, weights=probs * offset**r, minlength=used.size)
                        for r in range(5)])  # (5, groups): sum of pi (b - m_D)^r
    powers = np.stack([binomial * lattice**i for i in range(3)])  # (3, n + 1)
    values = np.empty(max_degree + 1)
    d = np.arange(n + 1)
    for ks, rows in _krawtchouk_blocks(n, max_degree, d):
        # prefix[i][:, D] = sum_{d < D} W_kd l_d^i,  total[i] = prefix[i][:, n + 1]
        prefix = [np.concatenate([np.zeros((ks.size, 1)), np.cumsum(rows * p, axis=1)], axis=1)
                  for p in powers]
        below = [s[:, used] for s in prefix]
        above = [s[:, -1:] - b for s, b in zip(prefix, below, strict=True)]
        # sigma(l + b) = sum_j a_j (l + b)^j = sum_j a_j sum_i C(j, i) l^i b^(j-i),
        # then b = m + t: coefficients of t^q, q = 0..2.
        by_b = [np.zeros((ks.size, used.size)) for _ in range(3)]  # coefficient of b^q
        for j in range(3):
            for i in range(j + 1):
                if positive[j] or negative[j]:
                    by_b[j - i] += math.comb(j, i) * (positive[j] * below[i] +
                                                      negative[j] * above[i])
        by_t = [by_b[0] + centre * by_b[1] + centre**2 * by_b[2],
                by_b[1] + 2 * centre * by_b[2], by_b[2]]
        total = np.zeros((ks.size, used.size))
        for q in range(3):
            for r in range(3):
                total += by_t[q] * by_t[r] * moments[q + r]
        values[ks] = total.sum(1)
    return values


def _tabulated_profile(n: int, max_degree: int, activation: str, lattice: np.ndarray,
                       binomial: np.ndarray, points: np.ndarray, probs: np.ndarray,
                       keep: np.ndarray) -> np.ndarray:
    r""":math:`\sum_p \pi_p\,c_k(b_p)^2` from a table of neuron values
    :math:`\sigma(\ell_d+b_p)`, for the lattice points ``keep``."""
    act = ACTIVATIONS[activation]
    d = np.arange(n + 1)[keep]
    table = act(torch.as_tensor(lattice[keep, None] + points[None, :], dtype=torch.float64))
    table = binomial[keep, None] * table.numpy()  # (kept, points)
    values = np.empty(max_degree + 1)
    for ks, rows in _krawtchouk_blocks(n, max_degree, d):
        values[ks] = (rows @ table) ** 2 @ probs
    return values


def rademacher_first_layer_profile(n: int, activation: str = "relu", bias: str = "gaussian",
                                   bias_std: float = 1.0, *, max_degree: int | None = None,
                                   nodes_per_piece: int = 24) -> FirstLayerProfile:
    r"""Exact :math:`A_k(n)` for Rademacher weights :math:`\pm1/\sqrt n`, with any bias law.

    With :math:`w=s/\sqrt n`, :math:`s\in\{\pm1\}^n`, the neuron
    :math:`\sigma(w\cdot x+b)` depends on x only through the number d of coordinates where
    :math:`s_ix_i=-1`, since :math:`w\cdot x=\ell_d=(n-2d)/\sqrt n`. Its Fourier
    coefficients are those of a symmetric function, up to the sign :math:`\chi_S(s)`:

    .. math:: \hat\sigma_{w,b}(S)=\chi_S(s)\,c_k(b),\qquad
              c_k(b)=\sum_{d=0}^n\frac{\binom nd}{2^n}
              \frac{K_k(d;n)}{\binom nk}\,\sigma(\ell_d+b),
              \qquad A_k(n)=\mathbb{E}_b\big[c_k(b)^2\big],

    with the Krawtchouk polynomial :math:`K_k(d;n)`, computed as in
    :func:`gaussian_first_layer_profile` (normalized three-term recurrence for k <= n/2,
    reflection above, correctly rounded binomial weights). For k = n this is the n-th
    finite difference of :math:`\sigma` on the lattice of step :math:`2/\sqrt n`. The signs
    s drop out, so only the bias is random; its expectation is a quadrature: exact for zero
    and Rademacher biases, Gauss–Legendre with ``nodes_per_piece`` nodes between
    consecutive kinks :math:`b=-\ell_d` for Gaussian (truncated at :math:`\pm12` standard
    deviations) and uniform biases, which is exact to rounding for the piecewise linear
    activations (relu, abs, sign) and very accurate for smooth ones.

    Cost: :math:`O(n\cdot\text{max\_degree})` for a zero or Rademacher bias, and for the
    activations that are polynomial on each side of 0 (relu, abs, sign, linear, quadratic)
    whatever the bias: there :math:`c_k(b)` is, between consecutive kinks, a polynomial in
    b whose coefficients are prefix sums over d, so each degree costs O(n) plus the number
    of quadrature points (a few milliseconds per hundred degrees at n = 4096). For a smooth
    activation (tanh, sigmoid, gelu) with a Gaussian or uniform bias, the neuron is
    tabulated at every lattice point whose binomial weight is at least ``1e-30`` times the
    largest (about :math:`12\sqrt n` of them) and every quadrature point (about
    :math:`12\,\text{bias\_std}\sqrt n` pieces of ``nodes_per_piece`` points for a Gaussian
    bias): :math:`O(\text{max\_degree}\cdot n\cdot\text{bias\_std}\cdot\text{nodes\_per\_piece})`.

    Parameters
    ----------
    n : int
        Input dimension, 1 <= n <= 4096. For a smooth activation with a Gaussian or uniform
        bias, (max_degree + 1) x kept binomial weights x bias points must be at most
        ``EXACT_PROFILE_COST`` (about a minute; n = 4096 with a N(0, 1) bias fits) and the
        table of neuron values within the tensor-size cap.
    activation : str
        One of :data:`~inal_tutorial.networks.ACTIVATIONS`.
    bias, bias_std
        Law and standard deviation of the bias, as in
        :class:`~inal_tutorial.networks.MLPEnsemble`.
    max_degree : int, optional
        Compute k = 0..max_degree only (default n).
    nodes_per_piece : int
        Gauss–Legendre nodes per piece for Gaussian and uniform biases, in [2, 200].

    Returns
    -------
    FirstLayerProfile
        With ``exact=True`` and ``stderr`` zero (absolute rounding error about
        :math:`10^{-16}(n+1)\max|\sigma|` on the lattice). Degrees where :math:`A_k`
        vanishes identically are exactly 0: k >= 2 for linear, k >= 3 for quadratic, and with
        zero bias the parity zeros as in :func:`gaussian_first_layer_profile` (for sign only
        when n is odd: sign(0) = +1 breaks its oddness on the lattice of even n).
    """
    n = check_n(n)
    activation = check_choice(activation, "activation", tuple(ACTIVATIONS))
    bias = check_choice(bias, "bias", BIAS_LAWS)
    bias_std = check_float(bias_std, "bias_std", low=0.0)
    max_degree = n if max_degree is None else check_int(max_degree, "max_degree", low=0, high=n)
    nodes_per_piece = check_int(nodes_per_piece, "nodes_per_piece", low=2, high=200)
    lattice = (n - 2.0 * np.arange(n + 1)) / math.sqrt(n)  # w.x for d = 0..n
    binomial = _binomial_weights(n)
    # At most n + 2 pieces between the kinks, nodes_per_piece points each.
    points, probs = _bias_quadrature(bias, bias_std, -lattice, nodes_per_piece)
    continuous = bias in ("gaussian", "uniform") and bias_std > 0.0
    if continuous and activation in _PIECEWISE_POLYNOMIAL:
        values = _piecewise_profile(n, max_degree, activation, lattice, binomial, points, probs)
    else:
        keep = (binomial >= _BINOMIAL_CUTOFF * binomial.max() if continuous
                else np.ones(n + 1, dtype=bool))
        kept = int(keep.sum())
        _check_profile_cost(n, max_degree, kept, points.size)
        check_size({"binomial weights kept": kept, "bias points": points.size},
                   what="the table of neuron values")
        values = _tabulated_profile(n, max_degree, activation, lattice, binomial, points, probs,
                                    keep)
    zero_bias = bias in ("zero", "none") or bias_std == 0.0
    values[_forced_zeros(activation, zero_bias, max_degree + 1,
                         zero_in_lattice=n % 2 == 0)] = 0.0
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
