"""The exact first-layer profiles as they were before issue 18 (big-integer Krawtchouk
tables, O(n^3)): the reference that ``tests/test_profiles_scaling.py`` checks the current
implementation against and that ``bench_profiles.py`` times it against. A verbatim copy of
the algorithm, validation left out.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from numpy.polynomial import hermite_e

from inal_tutorial.networks import ACTIVATIONS

_SQRT2PI = math.sqrt(2 * math.pi)


def old_dual_kernel(activation, rho, variance, quadrature_nodes):
    rho = np.clip(rho, -1.0, 1.0)
    if activation == "relu":
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
        y = scale * (r * z1[:, None] + math.sqrt(max(1 - r * r, 0.0)) * z1[None, :])
        values = act(scale * z1)[:, None] * act(y)
        out[i] = float(weights @ values.numpy() @ weights)
    return out


def old_krawtchouk_table(n, max_degree):
    table = [[1] * (n + 1)]
    if max_degree >= 1:
        table.append([n - 2 * d for d in range(n + 1)])
    for k in range(1, max_degree):
        table.append([((n - 2 * d) * table[k][d] - (n - k + 1) * table[k - 1][d]) // (k + 1)
                      for d in range(n + 1)])
    return table


def old_degree_weights(n, max_degree):
    binom_d = [math.comb(n, d) for d in range(n + 1)]
    table = old_krawtchouk_table(n, max_degree)
    return np.array([[binom_d[d] * row[d] / (2**n * math.comb(n, k)) for d in range(n + 1)]
                     for k, row in enumerate(table)])


def old_bias_quadrature(bias, bias_std, breakpoints, nodes_per_piece):
    if bias in ("zero", "none") or bias_std == 0.0:
        return np.zeros(1), np.ones(1)
    if bias == "rademacher":
        return np.array([-bias_std, bias_std]), np.array([0.5, 0.5])
    if bias == "uniform":
        low, high = -math.sqrt(3) * bias_std, math.sqrt(3) * bias_std
    else:
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


def old_gaussian_profile(n, activation="relu", bias="gaussian", bias_std=1.0, max_degree=None,
                         quadrature_nodes=96):
    max_degree = n if max_degree is None else max_degree
    s2 = bias_std**2 if bias == "gaussian" else 0.0
    variance = 1.0 + s2
    d = np.arange(n + 1)
    kappa = old_dual_kernel(activation, (1.0 - 2.0 * d / n + s2) / variance, variance,
                            quadrature_nodes)
    weights = old_degree_weights(n, max_degree)
    return np.array([math.fsum(row * kappa) for row in weights])


def old_rademacher_profile(n, activation="relu", bias="gaussian", bias_std=1.0, max_degree=None,
                           nodes_per_piece=24):
    max_degree = n if max_degree is None else max_degree
    lattice = (n - 2.0 * np.arange(n + 1)) / math.sqrt(n)
    points, probs = old_bias_quadrature(bias, bias_std, -lattice, nodes_per_piece)
    act = ACTIVATIONS[activation]
    neuron = act(torch.as_tensor(lattice[:, None] + points[None, :], dtype=torch.float64)).numpy()
    coefficients = old_degree_weights(n, max_degree) @ neuron
    return coefficients**2 @ probs
