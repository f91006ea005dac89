"""Exact first-layer profiles before and after issue 18, on one thread.

"Before" is the former algorithm, copied below: a table of exact big-integer Krawtchouk
values K_k(d; n) for every k <= max_degree, each weight C(n,d) K_k(d) / (2^n C(n,k))
correctly rounded, then a dot product (Gaussian weights) or a matmul with the neuron table
(Rademacher weights): about n^3 big-integer operations. "After" is the package's
``gaussian_first_layer_profile`` / ``rademacher_first_layer_profile``: the normalized
three-term recurrence in floating point (k <= n/2, reflected above), O(n max_degree), and for
piecewise polynomial activations with a continuous bias prefix sums instead of the
neuron table. Both run side by side (interleaved rounds) for n = 100, 200, 500, where the
table also gives their largest disagreement; the new code alone for n = 1000, 2000, 4096.

Run (from the repository root)::

    .venv/bin/python benchmarks/bench_profiles.py [--repeats 3] [--quick]
"""

from __future__ import annotations

import argparse
import math

import common
import numpy as np
import torch
from numpy.polynomial import hermite_e

import inal_tutorial as it
from inal_tutorial.networks import ACTIVATIONS

# --- The former implementation (verbatim algorithm, validation left out) ---------------------

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


CASES = {  # label: (old function, new function, keyword arguments)
    "gaussian, relu, N(0,1) bias": (old_gaussian_profile, it.gaussian_first_layer_profile, {}),
    "rademacher, relu, N(0,1) bias": (old_rademacher_profile, it.rademacher_first_layer_profile,
                                      {}),
    "rademacher, tanh, N(0,1) bias": (old_rademacher_profile, it.rademacher_first_layer_profile,
                                      {"activation": "tanh"}),
}


def fmt(seconds: float) -> str:
    return f"{seconds * 1e3:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def disagreement(new: np.ndarray, old: np.ndarray) -> str:
    """Largest relative difference where |old| > 1e-5, and largest absolute one elsewhere."""
    big = np.abs(old) > 1e-5
    rel = float((np.abs(new - old)[big] / np.abs(old[big])).max()) if big.any() else 0.0
    small = float(np.abs(new - old)[~big].max()) if (~big).any() else 0.0
    return f"{rel:.0e} / {small:.0e}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="n = 100, 200 and 1000 only")
    args = parser.parse_args()
    both = (100, 200) if args.quick else (100, 200, 500)
    alone = (1000,) if args.quick else (1000, 2000, 4096)
    common.header("Exact first-layer profiles: big-integer tables vs recurrences")
    rows = []
    for label, (old, new, kwargs) in CASES.items():
        for n in both:
            timings = common.interleaved({
                "old": (lambda old=old, n=n, kwargs=kwargs: old(n, **kwargs), None),
                "new": (lambda new=new, n=n, kwargs=kwargs: new(n, **kwargs), None),
            }, args.repeats, warmup=0)
            agree = disagreement(new(n, **kwargs).values, old(n, **kwargs))
            t_old, t_new = timings["old"], timings["new"]
            rows.append([label, n, fmt(t_old.median), fmt(t_new.median),
                         f"{t_old.median / t_new.median:.0f}",
                         f"{t_old.cpu_median / t_new.cpu_median:.0f}",
                         f"{max(t_old.noise, t_new.noise):.0%}", agree])
        for n in alone:
            timing = common.interleaved({"new": (lambda new=new, n=n, kwargs=kwargs:
                                                 new(n, **kwargs), None)},
                                        args.repeats, warmup=0)["new"]
            rows.append([label, n, "-", fmt(timing.median), "-", "-", f"{timing.noise:.0%}",
                         "-"])
    common.print_table(["profile (max_degree = n)", "n", "old", "new", "speed-up (wall)",
                        "speed-up (CPU)", "noise", "max rel / abs diff"], rows)
    print("\nold and new interleaved in each round; median wall time of the rounds; noise = "
          "max/min - 1 of the wall times; max rel diff where |A_k| > 1e-5, abs diff elsewhere.")


if __name__ == "__main__":
    torch.set_num_threads(1)
    main()
