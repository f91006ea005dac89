r"""Figures of the chapter *The cost of symmetry* (``book/cost_of_symmetry``).

Each figure has an experiment (in :mod:`inal_tutorial.symmetry`) that returns tidy
records, so the chapter can assert on them, and a plotting function here that draws
them; the registered ``build`` composes the two at a scale:

* ``"small"`` (the chapter): the k = 3 parity for n = 8..64 with 8 seeds; depths 2–4 on
  n = 31 for 2 000 steps with 4 seeds;
* ``"large"``: n up to 128 with 16 seeds; depths 2–4 on n = 63 (the 6-parity) for
  20 000 steps with 16 seeds (minutes on a CPU).
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np

from .._validation import check_choice
from ..boolean import Majority, Parity
from ..plotting import PALETTE, SCALES, register_figure
from ..symmetry import SCALING_ARCHITECTURES, depth_experiment, parity_steps_experiment
from .alignment import fit_power_law

__all__ = ["PARITY_SCALING_SETTINGS", "DEPTH_SETTINGS", "depth_targets", "scaling_slopes",
           "plot_parity_scaling", "plot_depth_comparison"]

#: Arguments of :func:`~inal_tutorial.symmetry.parity_steps_experiment` at each scale.
PARITY_SCALING_SETTINGS = {
    "small": dict(ns=(8, 16, 32, 64), k=3, n_models=8, max_steps=20_000),
    "large": dict(ns=(8, 16, 32, 64, 128), k=3, n_models=16, max_steps=100_000),
}
#: Input dimension, depths and training budget of the depth comparison at each scale.
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
    for each architecture whose medians are all finite.
    """
    out = {}
    for architecture in dict.fromkeys(r["architecture"] for r in records):
        rows = [r for r in records if r["architecture"] == architecture]
        if all(math.isfinite(r["median_steps"]) for r in rows):
            slope, prefactor, _ = fit_power_law([r["n"] for r in rows],
                                                [r["median_steps"] for r in rows])
            out[architecture] = (slope, prefactor)
    return out


def plot_parity_scaling(records: list[dict]):
    r"""Steps to learn the k-parity against n on log–log axes, one colour per architecture.

    Small dots: single seeds; large markers: medians; line: the least-squares fit
    :math:`c\,n^{a}` of the medians, with a in the legend.
    """
    slopes = scaling_slopes(records)
    fig, ax = plt.subplots(figsize=(6.4, 4.2), layout="constrained")
    for colour, architecture in zip(PALETTE, SCALING_ARCHITECTURES, strict=False):
        rows = [r for r in records if r["architecture"] == architecture]
        if not rows:
            continue
        ns = np.array([r["n"] for r in rows], dtype=float)
        for r in rows:
            steps = np.array(r["steps"], dtype=float)
            steps = steps[np.isfinite(steps)]
            jitter = np.linspace(0.96, 1.04, len(steps)) if len(steps) > 1 else np.ones(1)
            ax.scatter(r["n"] * jitter[: len(steps)], steps, s=10, color=colour, alpha=0.35,
                       linewidths=0)
        medians = np.array([r["median_steps"] for r in rows])
        label = architecture
        if architecture in slopes:
            slope, prefactor = slopes[architecture]
            grid = np.geomspace(ns.min(), ns.max(), 50)
            ax.plot(grid, prefactor * grid**slope, color=colour, lw=1.5, alpha=0.8)
            label = f"{architecture}: slope {slope:.2f}"
        ax.plot(ns, medians, "o", color=colour, ms=8, label=label)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("input dimension n")
    ax.set_ylabel("SGD steps to 95% test accuracy")
    k = records[0]["k"]
    ax.set_title(f"Learning the {k}-parity: a symmetric vs a masked first layer")
    ax.legend()
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
               yerr=[rows[d]["accuracy_se"] for d in depths], capsize=3, ecolor="#808080")
    ax.axhline(0.5, color="#808080", ls="--", lw=1)
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
                 "Test accuracy of 2-, 3- and 4-layer fully connected networks on the "
                 "(log n)-parity and on majority")
def build_depth(scale: str = "small", seed: int = 0):
    """Run :func:`~inal_tutorial.symmetry.depth_experiment` at ``scale`` and plot it."""
    scale = check_choice(scale, "scale", SCALES)
    settings = dict(DEPTH_SETTINGS[scale])
    records = depth_experiment(depth_targets(settings.pop("n")), seed=seed, **settings)
    return plot_depth_comparison(records)
