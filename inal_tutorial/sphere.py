r"""The unit sphere: sampling, Gegenbauer polynomials, spherical-harmonic targets and the
sphere's first-layer profile (the chapter *The sphere*).

Inputs are uniform on :math:`S^{n-1}=\{x\in\mathbb R^n:|x|=1\}` and
:math:`\langle f,g\rangle=\mathbb E_x[f(x)g(x)]`. :math:`L^2(S^{n-1})` is the orthogonal
sum of the spaces :math:`\mathcal H_k` of spherical harmonics of degree k, of dimension
:func:`harmonic_dimension` :math:`N(n,k)`; :math:`W^k(f)=\|f_k\|^2` is the squared norm
of the component of f in :math:`\mathcal H_k`.

A first-layer neuron sees the input scaled to the sphere of radius :math:`\sqrt n` (the
norm of a point of the cube), :math:`\sigma(w\cdot\sqrt n\,x+b)`. With a rotation-invariant
law of w and an independent b, the Funk–Hecke formula gives

.. math:: \mathbb E_{w,b}\langle f,\sigma_{w,b}\rangle^2=\sum_k W^k(f)\,A_k(n),\qquad
          A_k(n)=\mathbb E_{R,b}\big[\lambda_k(R,b)^2\big],\quad
          \lambda_k(R,b)=\mathbb E_t\big[\sigma(Rt+b)\,P_{k,n}(t)\big],

with :math:`R=\sqrt n|w|`, t distributed as one coordinate of a uniform point,
density :math:`\propto(1-t^2)^{(n-3)/2}` on :math:`[-1,1]`, and :math:`P_{k,n}` the
Gegenbauer polynomial normalized by :math:`P_{k,n}(1)=1` (:func:`legendre_polynomial`).
:func:`sphere_profile` computes :math:`A_k(n)` by quadrature, and
:func:`sphere_orbit_cross_predictability` the cross-predictability
:math:`\sum_kW^k(f)^2/N(n,k)` of the orbit :math:`\{f\circ Q\}` under Haar-random
:math:`Q\in O(n)`.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from scipy import special

from ._validation import check_choice, check_dtype, check_float, check_int, check_size
from .networks import ACTIVATIONS
from .profiles import _dual_kernel
from .random import SeedLike, make_generator

__all__ = [
    "sample_sphere",
    "harmonic_dimension",
    "legendre_polynomial",
    "sphere_quadrature",
    "funk_hecke_coefficient",
    "sphere_profile",
    "SphereTarget",
    "ZonalHarmonic",
    "CoordinateProduct",
    "coordinate_product_norm",
    "sphere_orbit_cross_predictability",
]

_MAX_N = 100_000


def _check_dim(n, name: str = "n") -> int:
    return check_int(n, name, low=2, high=_MAX_N)


def sample_sphere(n: int, size: int, seed: SeedLike = 0,
                  dtype: torch.dtype = torch.float64) -> torch.Tensor:
    r"""``size`` i.i.d. uniform points of :math:`S^{n-1}`, shape ``(size, n)``.

    A standard Gaussian vector divided by its norm is uniform on the sphere (its law is
    rotation invariant). Drawn in float64 on the CPU from ``seed``, then cast.

    Parameters
    ----------
    n : int
        Dimension of the ambient space, 2 <= n <= 100000.
    size : int
        Number of points, >= 0 (size * n is checked against the tensor-size cap).
    seed : int or torch.Generator
    dtype : torch.float32 or torch.float64
    """
    n = _check_dim(n)
    size = check_int(size, "size", low=0)
    dtype = check_dtype(dtype)
    check_size({"size": size, "n": n}, what="the sample of the sphere")
    g = torch.randn(size, n, generator=make_generator(seed), dtype=torch.float64)
    return (g / g.norm(dim=1, keepdim=True)).to(dtype)


def harmonic_dimension(n: int, k: int) -> int:
    r"""Dimension :math:`N(n,k)` of the space of spherical harmonics of degree k on :math:`S^{n-1}`.

    .. math:: N(n,k)=\binom{n+k-1}{k}-\binom{n+k-3}{k-2}
              =\frac{2k+n-2}{k}\binom{k+n-3}{k-1}\quad(k\ge1),\qquad N(n,0)=1,

    the dimension of the homogeneous polynomials of degree k minus that of degree k - 2
    (the harmonic ones are the kernel of the Laplacian, which maps the first onto the
    second). Exact integer arithmetic.

    Parameters
    ----------
    n : int
        2 <= n <= 100000.
    k : int
        Degree, 0 <= k <= 10000.
    """
    n = _check_dim(n)
    k = check_int(k, "k", low=0, high=10_000)
    if k == 0:
        return 1
    return math.comb(n + k - 1, k) - (math.comb(n + k - 3, k - 2) if k >= 2 else 0)


def legendre_polynomial(k: int, n: int, t) -> np.ndarray:
    r"""The Legendre (Gegenbauer) polynomial :math:`P_{k,n}(t)` of degree k in dimension n.

    Normalized by :math:`P_{k,n}(1)=1`, orthogonal for the weight :math:`(1-t^2)^{(n-3)/2}`
    on :math:`[-1,1]`; computed by the three-term recurrence

    .. math:: P_{0}=1,\quad P_{1}=t,\quad
              P_{j+1}(t)=\frac{(2j+n-2)\,t\,P_{j}(t)-j\,P_{j-1}(t)}{j+n-2}.

    It is :math:`C_k^{(\lambda)}(t)/C_k^{(\lambda)}(1)` with :math:`\lambda=(n-2)/2` for
    n >= 3 (``scipy.special.eval_gegenbauer``), the Legendre polynomial for n = 3 and the
    Chebyshev polynomial :math:`T_k` for n = 2. Moments for the law of one coordinate t of
    a uniform point: :math:`\mathbb E_t[P_{k,n}(t)P_{l,n}(t)]=[k=l]/N(n,k)`.

    Parameters
    ----------
    k : int
        Degree, 0 <= k <= 10000.
    n : int
        Dimension, 2 <= n <= 100000.
    t : array_like
        Points, real and finite (values outside [-1, 1] are allowed).
    """
    k = check_int(k, "k", low=0, high=10_000)
    n = _check_dim(n)
    t = np.asarray(t, dtype=np.float64)
    if not np.isfinite(t).all():
        raise ValueError("t must be finite")
    previous, current = np.ones_like(t), t.copy()
    if k == 0:
        return previous
    for j in range(1, k):
        previous, current = current, ((2 * j + n - 2) * t * current - j * previous) / (j + n - 2)
    return current


def _log_sphere_constant(n: int) -> float:
    r""":math:`\log\int_0^\pi\sin^{n-2}\theta\,d\theta=\log(\sqrt\pi\,\Gamma(\tfrac{n-1}2)/\Gamma(\tfrac n2))`."""
    return 0.5 * math.log(math.pi) + math.lgamma((n - 1) / 2) - math.lgamma(n / 2)


def _theta_window(n: int) -> tuple[float, float]:
    """Where sin^(n-2) theta is not negligible: |theta - pi/2| <= 12/sqrt(n) (mass outside
    below exp(-70))."""
    half = min(math.pi / 2, 12.0 / math.sqrt(n))
    return math.pi / 2 - half, math.pi / 2 + half


def sphere_quadrature(n: int, nodes: int = 200, breakpoints=()) -> tuple[np.ndarray, np.ndarray]:
    r"""Nodes and weights for :math:`\mathbb E_t[g(t)]`, t one coordinate of a uniform point.

    The law of t has density :math:`c_n(1-t^2)^{(n-3)/2}` on :math:`[-1,1]`. With
    :math:`t=\cos\theta` it is :math:`\sin^{n-2}\theta\,d\theta/\int_0^\pi\sin^{n-2}`, smooth
    in θ; Gauss–Legendre in θ with ``nodes`` nodes on each piece between consecutive
    ``breakpoints`` (points of [-1, 1] where g has a kink or a jump), so that piecewise
    smooth g are integrated to near machine precision. For large n only the window
    :math:`|\theta-\pi/2|\le12/\sqrt n` is integrated (the mass outside is below
    :math:`e^{-70}`). Weights sum to 1 up to rounding.

    Parameters
    ----------
    n : int
        2 <= n <= 100000.
    nodes : int
        Nodes per piece, 2 <= nodes <= 5000.
    breakpoints : sequence of float
        Points strictly inside (-1, 1); others are ignored.
    """
    n = _check_dim(n)
    nodes = check_int(nodes, "nodes", low=2, high=5000)
    lo, hi = _theta_window(n)
    cuts = sorted({float(np.arccos(b)) for b in np.atleast_1d(np.asarray(breakpoints, float))
                   if -1 < b < 1 and lo < float(np.arccos(b)) < hi})
    edges = [lo, *cuts, hi]
    x, w = np.polynomial.legendre.leggauss(nodes)
    thetas, weights = [], []
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        half = (hi - lo) / 2
        theta = lo + half * (x + 1)
        thetas.append(theta)
        weights.append(half * w * np.exp((n - 2) * np.log(np.sin(theta)) - _log_sphere_constant(n))
                       if n > 2 else half * w / math.pi)
    return np.cos(np.concatenate(thetas)), np.concatenate(weights)


_KINKED = ("relu", "sign", "abs")


def funk_hecke_coefficient(k: int, n: int, activation: str = "relu", radius: float = 1.0,
                           bias: float = 0.0, *, nodes: int = 200) -> float:
    r"""The Funk–Hecke coefficient :math:`\lambda_k=\mathbb E_t[\sigma(Rt+b)P_{k,n}(t)]`.

    For a unit vector u and a spherical harmonic :math:`Y` of degree k,
    :math:`\mathbb E_x[\sigma(R\,u\cdot x+b)\,Y(x)]=\lambda_k\,Y(u)` (Funk–Hecke). Computed
    with :func:`sphere_quadrature`, split at the kink :math:`t=-b/R` of relu, sign and abs.

    Parameters
    ----------
    k : int
        Degree, 0 <= k <= 10000.
    n : int
        2 <= n <= 100000.
    activation : str
        One of the package's activations.
    radius : float
        R >= 0, finite.
    bias : float
        b, finite.
    nodes : int
        Quadrature nodes per piece, in [2, 5000].
    """
    k = check_int(k, "k", low=0, high=10_000)
    n = _check_dim(n)
    activation = check_choice(activation, "activation", tuple(ACTIVATIONS))
    radius = check_float(radius, "radius", low=0.0)
    bias = check_float(bias, "bias")
    values = _lambda_grid(k, n, activation, np.array([radius]), np.array([bias]), nodes)
    return float(values[k, 0, 0])


def _lambda_grid(max_degree: int, n: int, activation: str, radii: np.ndarray,
                 biases: np.ndarray, nodes: int) -> np.ndarray:
    """lambda_k(R, b) for k = 0..max_degree on the grid radii x biases: shape (K+1, R, B)."""
    r, b = np.meshgrid(radii, biases, indexing="ij")
    r, b = r.ravel(), b.ravel()
    # Two Gauss-Legendre pieces in theta, split at the kink t = -b/R (or anywhere when the
    # activation is smooth): weights of a piece of width 0 vanish.
    with np.errstate(divide="ignore", invalid="ignore"):
        kink = np.where(r > 0, -b / r, 0.0)
    if activation not in _KINKED:
        kink = np.zeros_like(kink)
    lo, hi = _theta_window(n)
    cut = np.clip(np.arccos(np.clip(kink, -1.0, 1.0)), lo, hi)[:, None]
    x, w = np.polynomial.legendre.leggauss(nodes)
    u, v = (x + 1) / 2, w / 2
    theta = np.concatenate([lo + (cut - lo) * u, cut + (hi - cut) * u], axis=1)
    weight = np.concatenate([(cut - lo) * v, (hi - cut) * v], axis=1)
    if n > 2:
        with np.errstate(divide="ignore"):
            log_sin = np.log(np.sin(theta))
        weight = weight * np.exp((n - 2) * log_sin - _log_sphere_constant(n))
    else:
        weight = weight / math.pi
    t = np.cos(theta)
    s = ACTIVATIONS[activation](torch.as_tensor(r[:, None] * t + b[:, None])).numpy() * weight
    out = np.empty((max_degree + 1, r.size))
    previous, current = np.ones_like(t), t
    out[0] = s.sum(axis=1)
    for deg in range(1, max_degree + 1):
        out[deg] = (s * current).sum(axis=1)
        previous, current = current, ((2 * deg + n - 2) * t * current
                                      - deg * previous) / (deg + n - 2)
    return out.reshape(max_degree + 1, radii.size, biases.size)


def sphere_profile(n: int, max_degree: int, activation: str = "relu", weights: str = "gaussian",
                   bias: str = "gaussian", bias_std: float = 1.0, *, nodes: int = 200,
                   bias_nodes: int = 120) -> np.ndarray:
    r"""The sphere's first-layer profile :math:`A_k(n)`, k = 0..max_degree, by quadrature.

    The neuron is :math:`\sigma(w\cdot\sqrt n\,x+b)` with x uniform on :math:`S^{n-1}`, and
    :math:`\mathbb E_{w,b}\langle f,\sigma_{w,b}\rangle^2=\sum_kW^k(f)A_k(n)`.

    * ``weights="gaussian"``: :math:`w\sim N(0,I_n/n)`, the networks' initialization. Then
      :math:`(w\cdot\sqrt n x+b,\,w\cdot\sqrt n x'+b)` is a centred Gaussian pair with
      variance :math:`v=1+s^2` and covariance :math:`x\cdot x'+s^2`, and

      .. math:: A_k(n)=\mathbb E_t\big[K(t)\,P_{k,n}(t)\big],\qquad
                K(t)=\mathbb E[\sigma(X)\sigma(Y)],\ \mathrm{corr}(X,Y)=\frac{t+s^2}{1+s^2},

      one integral against :math:`(1-t^2)^{(n-3)/2}` (:func:`sphere_quadrature`), with the
      closed-form arc-cosine kernel for relu. The random norm :math:`|w|` is included.
    * ``weights="sphere"``: w uniform on the unit sphere (:math:`R=\sqrt n|w|=\sqrt n`),
      :math:`A_k(n)=\mathbb E_b[\lambda_k(\sqrt n,b)^2]` (:func:`funk_hecke_coefficient`),
      the bias integrated by Gauss–Hermite with ``bias_nodes`` nodes.

    Parameters
    ----------
    n : int
        2 <= n <= 100000.
    max_degree : int
        0 <= max_degree <= 200.
    activation : str
        One of the package's activations.
    weights : {"gaussian", "sphere"}
    bias : {"gaussian", "zero"}
        Law of b: :math:`N(0,s^2)` or 0.
    bias_std : float
        s >= 0, finite.
    nodes : int
        Nodes per piece of the t quadrature, in [2, 5000].
    bias_nodes : int
        In [1, 400].
    """
    n = _check_dim(n)
    max_degree = check_int(max_degree, "max_degree", low=0, high=200)
    activation = check_choice(activation, "activation", tuple(ACTIVATIONS))
    weights = check_choice(weights, "weights", ("gaussian", "sphere"))
    bias = check_choice(bias, "bias", ("gaussian", "zero"))
    bias_std = check_float(bias_std, "bias_std", low=0.0)
    nodes = check_int(nodes, "nodes", low=2, high=5000)
    bias_nodes = check_int(bias_nodes, "bias_nodes", low=1, high=400)
    s2 = 0.0 if bias == "zero" else bias_std**2
    if weights == "gaussian":
        t, w = sphere_quadrature(n, nodes)
        kernel = _dual_kernel(activation, (t + s2) / (1 + s2), 1 + s2, 96)
        return np.array([w @ (kernel * legendre_polynomial(k, n, t))
                         for k in range(max_degree + 1)])
    if s2 == 0.0:
        biases, b_probs = np.zeros(1), np.ones(1)
    else:
        biases, b_probs = special.roots_hermitenorm(bias_nodes)
        biases, b_probs = bias_std * biases, b_probs / b_probs.sum()
    lam = _lambda_grid(max_degree, n, activation, np.array([math.sqrt(n)]), biases, nodes)
    return np.einsum("krb,b->k", lam**2, b_probs)


class SphereTarget:
    r"""A target :math:`f:S^{n-1}\to\mathbb R` with unit norm, all its weight in degree ``degree``.

    Calling it on a batch ``x`` of shape ``(N, n)`` (points of the unit sphere) returns
    ``(N,)`` values of the same dtype.
    """

    def __init__(self, n: int, degree: int):
        self.n = _check_dim(n)
        self.degree = check_int(degree, "degree", low=0, high=200)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        if not isinstance(x, torch.Tensor) or x.ndim != 2 or x.shape[1] != self.n:
            raise ValueError(f"x must be a tensor of shape (N, {self.n})")
        return self._evaluate(x)

    def _evaluate(self, x: torch.Tensor) -> torch.Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    def degree_profile(self) -> np.ndarray:
        r""":math:`(W^0,\dots,W^{k})`: 1 at the target's degree k, 0 elsewhere."""
        out = np.zeros(self.degree + 1)
        out[self.degree] = 1.0
        return out


class ZonalHarmonic(SphereTarget):
    r"""The zonal harmonic :math:`f(x)=\sqrt{N(n,k)}\,P_{k,n}(u\cdot x)` along a unit vector u.

    Unit norm because :math:`\mathbb E_t[P_{k,n}(t)^2]=1/N(n,k)`.

    Parameters
    ----------
    n : int
        2 <= n <= 100000.
    degree : int
        k, 0 <= k <= 200.
    direction : array_like, optional
        u (normalized here; nonzero, finite); default a uniform random direction from
        ``seed``.
    seed : int or torch.Generator
    """

    def __init__(self, n: int, degree: int, direction=None, seed: SeedLike = 0):
        super().__init__(n, degree)
        if direction is None:
            u = sample_sphere(self.n, 1, seed)[0]
        else:
            u = torch.as_tensor(np.asarray(direction, dtype=np.float64))
            if u.shape != (self.n,) or not torch.isfinite(u).all() or float(u.norm()) == 0:
                raise ValueError(f"direction must be a finite nonzero vector of length {self.n}")
            u = u / u.norm()
        self.direction = u
        self.scale = math.sqrt(harmonic_dimension(self.n, self.degree))
        self.name = f"zonal, k={self.degree}"

    def _evaluate(self, x: torch.Tensor) -> torch.Tensor:
        t = (x.double() @ self.direction).numpy()
        return torch.as_tensor(self.scale * legendre_polynomial(self.degree, self.n, t),
                               dtype=x.dtype)


def coordinate_product_norm(n: int, k: int) -> float:
    r""":math:`\|x_0x_1\cdots x_{k-1}\|=\big(n(n+2)\cdots(n+2k-2)\big)^{-1/2}` on :math:`S^{n-1}`.

    From :math:`\mathbb E\prod_{i<k}x_i^2=\Gamma(n/2)/(2^k\Gamma(n/2+k))`; 1 <= k <= n.
    """
    n = _check_dim(n)
    k = check_int(k, "k", low=0, high=n)
    return math.exp(-0.5 * sum(math.log(n + 2 * j) for j in range(k)))


class CoordinateProduct(SphereTarget):
    r"""The product :math:`f(x)=x_0x_1\cdots x_{k-1}/\|x_0\cdots x_{k-1}\|` of k coordinates.

    A harmonic polynomial (each variable appears to the power 1, so its Laplacian is 0),
    hence a spherical harmonic of degree k, normalized to unit norm with
    :func:`coordinate_product_norm`. 1 <= k <= n.
    """

    def __init__(self, n: int, degree: int):
        super().__init__(n, degree)
        if not 1 <= self.degree <= self.n:
            raise ValueError(f"degree must be in [1, n] = [1, {self.n}], got {self.degree}")
        self.scale = 1.0 / coordinate_product_norm(self.n, self.degree)
        self.name = f"product, k={self.degree}"

    def _evaluate(self, x: torch.Tensor) -> torch.Tensor:
        return self.scale * x[:, :self.degree].prod(dim=1)


def sphere_orbit_cross_predictability(n: int, weights) -> float:
    r"""The cross-predictability of the O(n)-orbit of f: :math:`\sum_kW^k(f)^2/N(n,k)`.

    :math:`\mathrm{CP}=\mathbb E_Q\langle f,f\circ Q\rangle^2` for Q Haar on
    :math:`O(n)`, where ``weights[k]`` is :math:`W^k(f)=\|f_k\|^2` (Schur orthogonality:
    each :math:`\mathcal H_k` is an irreducible representation of real type).

    Parameters
    ----------
    n : int
        2 <= n <= 100000.
    weights : array_like
        Non-negative finite degree weights :math:`(W^0,W^1,\dots)`, at most 201 of them.
    """
    n = _check_dim(n)
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim != 1 or not 1 <= w.size <= 201 or not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValueError("weights must be a 1-D array of 1 to 201 non-negative finite numbers")
    dims = np.array([harmonic_dimension(n, k) for k in range(w.size)], dtype=np.float64)
    return float(np.sum(w**2 / dims))
