r"""Figures of the chapter *The cost of symmetry* (``book/cost_of_symmetry``).

Each figure has an experiment (in :mod:`inal_tutorial.symmetry`) that returns tidy
records, so the chapter can assert on them, and a plotting function here that draws
them; the registered ``build`` composes the two at a scale:

* ``"small"`` (the chapter): the 3-parity for n = 16, 32, 64 with 8 seeds and three
  architectures (fully connected; masked to the support with weight variance 1/n; masked
  with variance 1/3); depths 2, 3, 4 of the fully connected network on n = 16, 32, all in
  float64, the test accuracy read every 5 steps (so each count overstates the first
  crossing of the threshold by 0 to 4 steps);
* ``"large"``: n = 16..128 with 16 seeds for both (tens of minutes on a CPU).
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import torch

from .._validation import check_choice
from ..boolean import Majority, Parity
from ..plotting import PALETTE, SCALES, register_figure
from ..symmetry import (
    SCALING_ARCHITECTURES,
    bootstrap_median_interval,
    parity_steps_experiment,
    scaling_slope_interval,
)
from .alignment import fit_power_law

__all__ = ["PARITY_SCALING_SETTINGS", "DEPTH_SCALING_SETTINGS", "DEPTH_SETTINGS",
           "depth_targets", "scaling_slopes", "plot_parity_scaling", "plot_depth_steps",
           "plot_depth_comparison"]

#: Arguments of :func:`~inal_tutorial.symmetry.parity_steps_experiment` at each scale.
PARITY_SCALING_SETTINGS = {
    "small": dict(ns=(16, 32, 64), k=3, n_models=8, max_steps=20_000, eval_every=5,
                  dtype=torch.float64),
    "large": dict(ns=(16, 32, 64, 128), k=3, n_models=16, max_steps=100_000, eval_every=5,
                  dtype=torch.float64),
}
#: Arguments of the depth comparison (the fully connected network with 2 and 3 hidden
#: layers; depth 2 is the "fully connected" arm of the scaling experiment, same seeds).
DEPTH_SCALING_SETTINGS = {
    "small": dict(ns=(16, 32), k=3, architectures=("fully connected",), depths=(3, 4),
                  n_models=8, max_steps=20_000, eval_every=5, dtype=torch.float64),
    "large": dict(ns=(16, 32, 64, 128), k=3, architectures=("fully connected",),
                  depths=(3, 4), n_models=16, max_steps=100_000, eval_every=5,
                  dtype=torch.float64),
}
#: Settings of the older accuracy-after-a-budget comparison
#: (:func:`~inal_tutorial.symmetry.depth_experiment`), kept for reference.
DEPTH_SETTINGS = {
    "small": dict(n=31, depths=(2, 3, 4), n_models=4, steps=2000),
    "large": dict(n=63, depths=(2, 3, 4), n_models=16, steps=20_000),
}


def depth_targets(n: int) -> dict:
    r"""The depth comparison's targets on n bits (n odd): the :math:`\lceil\log_2 n\rceil`-parity and majority."""
    k = math.ceil(math.log2(n))
    return {f"{k}-parity": Parity(n, k=k), "majority": Majority(n)}


def scaling_slopes(records: list[dict]) -> dict[str, tuple[float, float]]:
    """Fitted ``(slope, prefactor)`` of median steps against n, per architecture (log–log).

    The least-squares line of :func:`~inal_tutorial.figures.alignment.fit_power_law`,
    for each architecture whose medians are all finite, at depth 2 (records without a
    ``depth`` count as depth 2).
    """
    out = {}
    records = [r for r in records if r.get("depth", 2) == 2]
    for architecture in dict.fromkeys(r["architecture"] for r in records):
        rows = [r for r in records if r["architecture"] == architecture]
        if all(math.isfinite(r["median_steps"]) for r in rows):
            slope, prefactor, _ = fit_power_law([r["n"] for r in rows],
                                                [r["median_steps"] for r in rows])
            out[architecture] = (slope, prefactor)
    return out


_LABELS = {"fully connected": "fully connected (variance 1/n)",
           "masked, variance 1/n": "masked to the support, variance 1/n",
           "masked": "masked to the support, variance 1/k"}


def _draw_arm(ax, rows, colour, label, slope_interval, offset=1.0):
    """Seeds as dots, medians with bootstrap 95% intervals, the fitted power law."""
    ns = np.array([r["n"] for r in rows], dtype=float)
    for r in rows:
        steps = np.array(r["steps"], dtype=float)
        steps = steps[np.isfinite(steps)]
        jitter = np.linspace(0.95, 1.05, len(steps)) if len(steps) > 1 else np.ones(1)
        ax.scatter(r["n"] * offset * jitter[: len(steps)], steps, s=9, color=colour,
                   alpha=0.3, linewidths=0)
    stats = np.array([bootstrap_median_interval(r["steps"]) for r in rows])
    yerr = np.clip(np.stack([stats[:, 0] - stats[:, 1], stats[:, 2] - stats[:, 0]]), 0, None)
    slope, low, high = slope_interval
    if all(np.isfinite(stats[:, 0])):
        _, prefactor, _ = fit_power_law(ns, stats[:, 0])
        grid = np.geomspace(ns.min(), ns.max(), 50)
        ax.plot(grid * offset, prefactor * grid**slope, color=colour, lw=1.3, alpha=0.8)
    ax.errorbar(ns * offset, stats[:, 0], yerr=yerr, fmt="o", color=colour, ms=7, capsize=3,
                label=f"{label}: slope {slope:.2f} [{low:.2f}, {high:.2f}]")


def plot_parity_scaling(records: list[dict]):
    r"""Steps to learn the k-parity against n on log–log axes, one colour per architecture.

    Small dots: single seeds; markers: medians with 95% bootstrap intervals over seeds
    (:func:`~inal_tutorial.symmetry.bootstrap_median_interval`); lines: least-squares fits
    :math:`c\,n^{a}` of the medians, with a and its bootstrap interval
    (:func:`~inal_tutorial.symmetry.scaling_slope_interval`) in the legend.
    """
    records = [r for r in records if r.get("depth", 2) == 2]
    fig, ax = plt.subplots(figsize=(6.4, 4.4), layout="constrained")
    offsets = dict(zip(SCALING_ARCHITECTURES, (0.97, 1.0, 1.03), strict=True))
    for colour, architecture in zip(PALETTE, SCALING_ARCHITECTURES, strict=False):
        rows = sorted((r for r in records if r["architecture"] == architecture),
                      key=lambda r: r["n"])
        if len(rows) < 2:
            continue
        _draw_arm(ax, rows, colour, _LABELS[architecture],
                  scaling_slope_interval(records, architecture), offsets[architecture])
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("input dimension n")
    ax.set_ylabel("SGD steps to 95% test accuracy")
    k = records[0]["k"]
    ax.set_title(f"Learning the {k}-parity: what the support and the scale cost", fontsize=11)
    ax.legend(fontsize=8, loc="upper left")
    return fig


def plot_depth_steps(records: list[dict]):
    r"""Steps to learn the k-parity against n for fully connected networks of several depths.

    Same conventions as :func:`plot_parity_scaling` (medians with 95% bootstrap
    intervals, fitted slopes with intervals); one colour per depth.
    """
    rows_all = [r for r in records if r["architecture"] == "fully connected"]
    depths = sorted({r.get("depth", 2) for r in rows_all})
    fig, ax = plt.subplots(figsize=(6.4, 4.0), layout="constrained")
    offsets = np.linspace(0.96, 1.04, len(depths)) if len(depths) > 1 else [1.0]
    for colour, depth, offset in zip(PALETTE, depths, offsets, strict=False):
        rows = sorted((r for r in rows_all if r.get("depth", 2) == depth), key=lambda r: r["n"])
        if len(rows) < 2:
            continue
        _draw_arm(ax, rows, colour, f"{depth} layers",
                  scaling_slope_interval(rows_all, "fully connected", depth=depth), offset)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("input dimension n")
    ax.set_ylabel("SGD steps to 95% test accuracy")
    ax.set_title(f"The {rows_all[0]['k']}-parity at three depths", fontsize=11)
    ax.legend(fontsize=9, loc="upper left")
    return fig


def plot_depth_comparison(records: list[dict]):
    """Final test accuracy per depth and target (bars, ± one standard error); chance at 0.5."""
    names = list(dict.fromkeys(r["target"] for r in records))
    depths = sorted({r["depth"] for r in records})
    fig, ax = plt.subplots(figsize=(6.4, 3.8), layout="constrained")
    width = 0.8 / len(names)
    for i, (name, colour) in enumerate(zip(names, PALETTE, strict=False)):
        rows = {r["depth"]: r for r in records if r["target"] == name}
        x = np.arange(len(depths)) + (i - (len(names) - 1) / 2) * width
        ax.bar(x, [rows[d]["accuracy"] for d in depths], width * 0.9, color=colour, label=name,
               yerr=[rows[d]["accuracy_se"] for d in depths], capsize=3, ecolor="#666666")
    ax.axhline(0.5, color="#666666", ls="--", lw=1)
    ax.text(len(depths) - 0.45, 0.51, "chance", ha="right", va="bottom", fontsize=9)
    ax.set_xticks(np.arange(len(depths)), [f"{d} layers" for d in depths])
    ax.set_ylim(0.0, 1.2)
    ax.set_yticks(np.linspace(0, 1, 6))
    ax.set_ylabel("test accuracy after training")
    ax.set_title("Depth does not rescue a high-degree target")
    ax.legend(loc="upper center", ncol=len(names))
    return fig


@register_figure("cost_of_symmetry_parity_scaling", "cost_of_symmetry",
                 "Steps for online SGD to learn the 3-parity against n: fully connected "
                 "(grows with n) vs first layer masked to the support (flat), log-log with fits")
def build_parity_scaling(scale: str = "small", seed: int = 0):
    """Run :func:`~inal_tutorial.symmetry.parity_steps_experiment` at ``scale`` and plot it."""
    scale = check_choice(scale, "scale", SCALES)
    records = parity_steps_experiment(**PARITY_SCALING_SETTINGS[scale], seed=seed)
    return plot_parity_scaling(records)


@register_figure("cost_of_symmetry_depth", "cost_of_symmetry",
                 "Steps for online SGD to learn the 3-parity against n, for fully connected "
                 "networks with 2, 3 and 4 layers, with bootstrap intervals")
def build_depth(scale: str = "small", seed: int = 0):
    """Run the depth comparison (:func:`~inal_tutorial.symmetry.parity_steps_experiment`) and plot it."""
    scale = check_choice(scale, "scale", SCALES)
    settings = dict(DEPTH_SCALING_SETTINGS[scale])
    depths = settings.pop("depths")
    records = parity_steps_experiment(**{**settings, "depths": (2, *depths)}, seed=seed)
    return plot_depth_steps(records)
