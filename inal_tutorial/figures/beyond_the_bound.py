"""Figures of the chapter *Where the lower bound stops* (settings in
:mod:`inal_tutorial.sgd_regimes`: ``"small"`` for the chapter, ``"large"`` for the full
sweeps)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..plotting import PALETTE, register_figure
from ..sgd_regimes import (
    LEARNED_ACCURACY,
    ExponentFit,
    ProgressRecorder,
    fit_exponent,
    hidden_progress_run,
    matched_compute_sweep,
    plateau_sweep,
)

__all__ = ["plot_matched", "plot_plateau", "plot_progress", "plateau_fits"]


def plot_matched(records: list[dict]):
    """Mean held-out accuracy (colour) and 'learned m of M' (text) per batch size and noise."""
    batches = sorted({r["batch_size"] for r in records})
    sigmas = sorted({r["noise_std"] for r in records})
    acc = np.full((len(sigmas), len(batches)), np.nan)
    fig, ax = plt.subplots(figsize=(7.5, 3.6), layout="constrained")
    for r in records:
        i, j = sigmas.index(r["noise_std"]), batches.index(r["batch_size"])
        acc[i, j] = np.mean(r["accuracy"])
    image = ax.imshow(acc, vmin=0.5, vmax=1.0, cmap="viridis", aspect="auto",
                      origin="lower")
    ax.grid(False)
    for r in records:
        i, j = sigmas.index(r["noise_std"]), batches.index(r["batch_size"])
        text = f"{r['learned']}/{r['n_models']}\nT={r['steps']}"
        ax.text(j, i, text, ha="center", va="center", fontsize=9,
                color="black" if acc[i, j] > 0.75 else "white")
    ax.set_xticks(range(len(batches)), [str(b) for b in batches])
    ax.set_yticks(range(len(sigmas)), [f"{s:g}" for s in sigmas])
    ax.set_xlabel("batch size B (steps T = budget / B)")
    ax.set_ylabel("added noise σ")
    r0 = records[0]
    ax.set_title(f"{r0['k']}-parity of n = {r0['n']} bits, {r0['samples']} samples per "
                 "network", fontsize=11)
    fig.colorbar(image, ax=ax, label="mean held-out accuracy")
    return fig


def plateau_fits(records: list[dict], seed: int = 0) -> dict[int, ExponentFit]:
    """One :func:`~inal_tutorial.sgd_regimes.fit_exponent` per k of a plateau sweep."""
    fits = {}
    for k in sorted({r["k"] for r in records}):
        rows = [r for r in records if r["k"] == k]
        fits[k] = fit_exponent([r["n"] for r in rows], [r["steps"] for r in rows], seed=seed)
    return fits


def plot_plateau(records: list[dict], fits: dict[int, ExponentFit]):
    """Steps to learn against n (log-log): seeds, medians, the fit and two reference slopes.

    The reference lines, drawn through the first median, have the slopes max(k-1, 1) (the
    leap conjecture in steps) and (k-1)/2 (the drift heuristic of the chapter).
    """
    fig, ax = plt.subplots(figsize=(10, 4.4), layout="constrained")
    for idx, (k, fit) in enumerate(sorted(fits.items())):
        colour = PALETTE[idx % len(PALETTE)]
        rows = [r for r in records if r["k"] == k]
        for r in rows:
            finite = np.array([s for s in r["steps"] if np.isfinite(s)])
            jitter = r["n"] * (1 + 0.04 * np.linspace(-1, 1, len(finite)))
            ax.scatter(jitter, finite, s=10, color=colour, alpha=0.45, lw=0)
        ns = np.array(fit.ns, dtype=float)
        ax.plot(ns, fit.medians, "o", color=colour, ms=7, label=f"k = {k}: median of seeds")
        ax.plot(ns, np.exp(fit.intercept) * ns**fit.exponent, color=colour, lw=1.6,
                label=f"k = {k}: fit n^{fit.exponent:.2f}")
        leap = max(k - 1, 1)
        ax.plot(ns, fit.medians[0] * (ns / ns[0]) ** leap, color=colour, lw=1.2, ls="--",
                label=f"k = {k}: slope max(k-1, 1) = {leap} (leap conjecture, steps)")
        ax.plot(ns, fit.medians[0] * (ns / ns[0]) ** ((k - 1) / 2), color=colour, lw=1.2,
                ls=":", label=f"k = {k}: slope (k-1)/2 = {(k - 1) / 2:g} (drift heuristic)")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("number of bits n")
    ax.set_ylabel(f"steps to held-out accuracy ≥ {LEARNED_ACCURACY}")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1), borderaxespad=0)
    return fig


def plot_progress(recorder: ProgressRecorder, level: float = 0.6):
    """Per seed (columns): accuracy, weight share and Fourier coefficient on S and on T."""
    steps = np.asarray(recorder.steps)
    m_models = recorder["accuracy"].shape[1]
    leave = recorder.leaves_chance(level)
    fig, axes = plt.subplots(3, m_models, figsize=(2.9 * m_models, 6.6), sharex=True,
                             sharey="row", layout="constrained")
    axes = np.asarray(axes).reshape(3, m_models)
    share, share_t = recorder["share"], recorder["share_control"]
    rows = [("accuracy", recorder["accuracy"], None, "held-out accuracy"),
            ("share", share / share[0], share_t / share_t[0], "weight share / initial"),
            ("fourier", recorder["fourier"], recorder["fourier_control"],
             "Fourier coefficient")]
    for m in range(m_models):
        for row, (_, main, control, label) in enumerate(rows):
            ax = axes[row, m]
            end = leave[m] if np.isfinite(leave[m]) else steps[-1]
            ax.axvspan(0, end, color="grey", alpha=0.18, lw=0)
            ax.plot(steps, main[:, m], color=PALETTE[0], lw=1.5, label="support S")
            if control is not None:
                ax.plot(steps, control[:, m], color=PALETTE[3], lw=1.2, ls="--",
                        label="control T")
            if m == 0:
                ax.set_ylabel(label)
        axes[0, m].set_title(f"seed {m}", fontsize=10)
        axes[-1, m].set_xlabel("step t")
    axes[0, 0].axhline(0.5, color="grey", lw=1, ls=":")
    axes[1, 0].legend(fontsize=8, loc="upper left")
    return fig


@register_figure("beyond-matched-compute", "beyond_the_bound",
                 "Small-batch SGD against large-batch and noisy GD on a 3-parity at a "
                 "matched number of sample gradients.")
def build_matched(scale: str = "small", seed: int = 0):
    return plot_matched(matched_compute_sweep(scale, seed=seed))


@register_figure("beyond-plateau-scaling", "beyond_the_bound",
                 "Steps of SGD to learn a k-sparse parity against n, k = 2 and 3, with "
                 "fitted exponents.")
def build_plateau(scale: str = "small", seed: int = 0):
    records = plateau_sweep(scale, seed=seed)
    return plot_plateau(records, plateau_fits(records, seed))


@register_figure("beyond-hidden-progress", "beyond_the_bound",
                 "Progress measures on the support during the plateau of SGD on a 3-parity.")
def build_progress(scale: str = "small", seed: int = 0):
    return plot_progress(hidden_progress_run(scale, seed=seed))
