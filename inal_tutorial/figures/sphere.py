r"""Figures of the chapter *The sphere* (``book/sphere``).

* :func:`plot_profile_scaling`: :math:`n^kA_k(n)` on the sphere (quadrature, Monte Carlo)
  and on the cube, with the Gaussian limit;
* :func:`plot_rotation_law`: empirical distribution functions of the first neuron's
  pre-activation at x and at Qx, Gaussian against Rademacher first layers;
* :func:`plot_sphere_steps`: median steps to learn against n, per target, log-log.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import NullLocator, ScalarFormatter

from ..plotting import PALETTE
from ..symmetry import bootstrap_median_interval

__all__ = ["plot_profile_scaling", "plot_rotation_law", "plot_sphere_steps"]


def plot_profile_scaling(ns: Sequence[int], sphere: dict[int, np.ndarray],
                         cube: dict[int, np.ndarray], limit: dict[int, float],
                         monte_carlo: list[dict]):
    """``n^k A_k(n)`` against n for each degree k (keys of ``limit``).

    ``sphere[k]`` and ``cube[k]`` are arrays over ``ns``; ``monte_carlo`` rows have keys
    ``n``, ``k``, ``value``, ``stderr`` (drawn with 2-standard-error bars).
    """
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    ns = np.asarray(ns, dtype=float)
    for i, k in enumerate(sorted(limit)):
        colour = PALETTE[i]
        ax.plot(ns, ns**k * sphere[k], color=colour, label=f"sphere, k={k} (Funk–Hecke)")
        ax.plot(ns, ns**k * cube[k], color=colour, ls="--", lw=1.2, label=f"cube, k={k}")
        ax.axhline(limit[k], color=colour, ls=":", lw=1)
        rows = [r for r in monte_carlo if r["k"] == k]
        if rows:
            m = np.array([r["n"] for r in rows], dtype=float)
            v = np.array([r["value"] for r in rows]) * m**k
            e = 2 * np.array([r["stderr"] for r in rows]) * m**k
            ax.errorbar(m, v, yerr=e, fmt="o", color=colour, ms=4, capsize=2)
    ax.set_xscale("log")
    ax.set_xlabel("input dimension n")
    ax.set_ylabel(r"$n^k A_k(n)$")
    ax.set_title("First-layer profile: sphere (solid, dots: Monte Carlo), cube (dashed)")
    ax.legend(fontsize=8, ncol=2)
    fig.tight_layout()
    return fig


def plot_rotation_law(checks: dict[str, dict]):
    """Empirical CDFs of the first neuron's pre-activation at x and at Qx, per first-layer law.

    ``checks`` maps a label to a result of
    :func:`~inal_tutorial.sphere_experiments.rotation_law_check`.
    """
    fig, axes = plt.subplots(1, len(checks), figsize=(6.4, 3.0), sharey=True)
    for ax, (name, result) in zip(np.atleast_1d(axes), checks.items(), strict=True):
        for values, label, colour in ((result["pre_at_x"], r"at $x=e_0$", PALETTE[0]),
                                      (result["pre_at_qx"], r"at $Qx$", PALETTE[1])):
            v = np.sort(values)
            ax.step(v, np.arange(1, v.size + 1) / v.size, where="post", color=colour,
                    label=label)
        ax.set_title(f"{name} weights: KS = {result['pre_ks']:.2f}", fontsize=10)
        ax.set_xlabel(r"pre-activation $w\cdot\sqrt{n}\,x$")
    np.atleast_1d(axes)[0].set_ylabel("empirical CDF")
    np.atleast_1d(axes)[0].legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_sphere_steps(records: list[dict]):
    """Median steps to learn (95% bootstrap interval) against n, one line per target."""
    degrees = sorted({r["degree"] for r in records})
    all_ns = sorted({r["n"] for r in records})
    fig, axes = plt.subplots(1, len(degrees), figsize=(7.2, 3.4), sharey=True)
    styles = {"zonal": ("o-", PALETTE[0]), "product": ("s-", PALETTE[1]),
              "parity": ("^--", PALETTE[3])}
    for ax, k in zip(np.atleast_1d(axes), degrees, strict=True):
        for kind, (fmt, colour) in styles.items():
            rows = sorted((r for r in records if r["degree"] == k and r["kind"] == kind),
                          key=lambda r: r["n"])
            ns = np.array([r["n"] for r in rows], dtype=float)
            med = np.array([bootstrap_median_interval(r["steps"]) for r in rows])
            label = "parity (cube)" if kind == "parity" else f"{kind} (sphere)"
            ax.errorbar(ns, med[:, 0], yerr=[med[:, 0] - med[:, 1], med[:, 2] - med[:, 0]],
                        fmt=fmt, color=colour, ms=4, capsize=2, label=label)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xticks(all_ns)
        ax.xaxis.set_major_formatter(ScalarFormatter())
        ax.xaxis.set_minor_locator(NullLocator())
        ax.set_title(f"degree k = {k}")
        ax.set_xlabel("n")
    np.atleast_1d(axes)[0].set_ylabel("median steps to test MSE ≤ 0.5")
    np.atleast_1d(axes)[0].legend(fontsize=8)
    fig.tight_layout()
    return fig
