r"""Figures of the chapter *Staircases and leaps* (``book/staircases_leaps``).

* :func:`plot_time_to_learn`: steps of online SGD to learn the leap-1, 2 and 3 targets
  against n (log-log, one point per seed, geometric means joined), with the fitted power
  law and, dashed, the shape of the leap conjecture; and the step size times the steps;
* :func:`plot_sequential`: the staircase's Fourier coefficients in the network's output
  during training;
* :func:`plot_inal_contributions`: the first-layer terms :math:`W^k(f)A_k(n)` by degree.

The registered builds run the experiments of ``inal_tutorial.leaps_experiments`` at a
scale (``"small"``: the chapter's settings; ``"large"``: the ``"large"`` entry of its
``SWEEP_PRESETS``, hours on one core).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

from .._validation import check_choice
from ..intervals import bootstrap_interval
from ..leaps import (
    ExponentFit,
    LearningTimes,
    SequentialRun,
    conjectured_step_exponent,
    fit_exponent,
)
from ..leaps_experiments import leap_sweep, sequential_learning
from ..plotting import PALETTE, SCALES, register_figure

__all__ = ["plot_time_to_learn", "plot_sequential",
           "plot_inal_contributions"]


def _geo_interval(steps: np.ndarray) -> tuple[float, float, float]:
    logs = np.log(np.asarray(steps, dtype=np.float64))
    low, high = bootstrap_interval(logs)
    return float(np.exp(logs.mean())), float(np.exp(low)), float(np.exp(high))


def plot_time_to_learn(results: Mapping[str, Sequence[LearningTimes]],
                       fits: Mapping[str, ExponentFit] | None = None):
    """Left: steps to learn against n, per target (each seed, and the geometric mean with
    its 95% bootstrap interval over seeds), the fitted power law and, dashed, the shape of
    the leap conjecture through the last mean (n, n log n, n^2 for leaps 1, 2, 3; n^(L-1)
    beyond). Right: the step size times the steps, gamma T, against n."""
    if fits is None:
        fits = {name: fit_exponent([r.n for r in runs], [r.steps for r in runs])
                for name, runs in results.items()}
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(9.6, 4.2),
                                  gridspec_kw={"width_ratios": [1.6, 1]})
    batch = None
    for i, (name, runs) in enumerate(results.items()):
        color = PALETTE[i % len(PALETTE)]
        ns = np.array([r.n for r in runs], dtype=float)
        batch = int(runs[0].config.get("batch_size", 1))
        lrs = np.array([float(r.config.get("lr", 1.0)) for r in runs])
        for r in runs:
            ax.scatter(np.full(r.steps.size, r.n), r.steps, s=10, color=color, alpha=0.35,
                       linewidths=0)
        geo = np.array([_geo_interval(r.steps) for r in runs])   # (n, 3): mean, low, high
        fit = fits[name]
        ax.errorbar(ns, geo[:, 0], yerr=[geo[:, 0] - geo[:, 1], geo[:, 2] - geo[:, 0]],
                    fmt="o", color=color, ms=5, capsize=2, lw=1)
        grid = np.geomspace(ns.min(), ns.max(), 50)
        ax.plot(grid, fit.prefactor * grid**fit.exponent, "-", color=color, lw=1.6,
                label=f"{name}: fit $n^{{{fit.exponent:.1f}}}$ "
                      f"[{fit.low:.1f}, {fit.high:.1f}]")
        slope = conjectured_step_exponent(runs[0].leap)
        shape = grid**slope * (np.log(grid) if runs[0].leap == 2 else 1.0)
        last = ns[-1]**slope * (np.log(ns[-1]) if runs[0].leap == 2 else 1.0)
        text = f"$n^{slope}$" if runs[0].leap != 2 else r"$n\log n$"
        ax.plot(grid, geo[-1, 0] * shape / last, "--", color=color, lw=1.0,
                label=f"{name}: conjecture {text}")
        ax2.errorbar(ns, lrs * geo[:, 0], yerr=[lrs * (geo[:, 0] - geo[:, 1]),
                                                lrs * (geo[:, 2] - geo[:, 0])],
                     fmt="o-", color=color, ms=4, capsize=2, lw=1, label=name)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("input dimension n")
    ax.set_ylabel(f"steps to loss ≤ 0.1 (batch {batch}; samples = {batch} × steps)")
    ax.legend(fontsize=8, loc="upper left")
    ax2.set_xscale("log")
    ax2.set_yscale("log")
    ax2.set_xlabel("input dimension n")
    ax2.set_ylabel(r"step size × steps, $\gamma T$")
    ax2.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    return fig


def plot_sequential(run: SequentialRun):
    """The coefficients on x_0, x_0x_1, ... of the network's output (mean over seeds, and
    each seed thin), with the target's value dotted."""
    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    for j, support in enumerate(run.supports):
        color = PALETTE[j % len(PALETTE)]
        label = "$" + "".join(f"x_{i}" for i in support) + "$"
        ax.plot(run.steps, run.coefficients[:, :, j], color=color, lw=0.6, alpha=0.4)
        ax.plot(run.steps, run.coefficients[:, :, j].mean(axis=1), color=color, lw=2,
                label=f"coefficient on {label}")
    ax.axhline(run.target[0], color="0.4", ls=":", lw=1, label=r"target $1/\sqrt{3}$")
    ax.set_xlabel("online SGD step")
    ax.set_ylabel(r"$\widehat{\mathrm{NN}}(S)$ (exact over $2^n$ inputs)")
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig


def plot_inal_contributions(contributions: Mapping[str, np.ndarray], max_degree: int = 4):
    r"""Bars of :math:`W^k(f)A_k(n)` for k = 1..max_degree, one group per target (log scale)."""
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    names = list(contributions)
    width = 0.8 / len(names)
    degrees = np.arange(1, max_degree + 1)
    for i, name in enumerate(names):
        values = np.asarray(contributions[name])[1:max_degree + 1]
        shown = np.where(values > 0, values, np.nan)
        ax.bar(degrees + (i - (len(names) - 1) / 2) * width, shown, width=width,
               color=PALETTE[i % len(PALETTE)], label=name)
    ax.set_yscale("log")
    ax.set_xticks(degrees)
    ax.set_xlabel("degree k")
    ax.set_ylabel(r"$W^k(f)\,A_k(n)$")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


@register_figure("leaps-time-to-learn", "staircases_leaps",
                 "Steps of online SGD to learn targets of leap 1, 2 and 3 against n, with "
                 "fitted and conjectured exponents.")
def build_time_to_learn(scale: str = "small", seed: int = 0):
    check_choice(scale, "scale", SCALES)
    return plot_time_to_learn(leap_sweep(scale, seed=seed))


@register_figure("leaps-sequential", "staircases_leaps",
                 "The staircase's monomials appear in the network's output one after another.")
def build_sequential(scale: str = "small", seed: int = 0):
    check_choice(scale, "scale", SCALES)
    n_seeds = 6 if scale == "small" else 32
    return plot_sequential(sequential_learning(10, 3, steps=1000, eval_every=10,
                                               n_seeds=n_seeds, seed=seed))
