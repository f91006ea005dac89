r"""Figures of the chapter *Initial alignment predicts learning* (``book/inal_predicts_learning``).

The numbers come from :mod:`inal_tutorial.experiments` (:func:`~inal_tutorial.experiments.inal_vs_accuracy`,
:func:`~inal_tutorial.digits_experiments.digits_experiment`); this module only draws them. Each
registered ``build(scale, seed)`` runs the experiment with
``HEADLINE_SETTINGS[scale]`` / ``DIGITS_SETTINGS[scale]`` and calls the plotting
function the chapter calls, so the book's figure and ``make_figure(name, "large")`` are
the same code.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

from .._validation import check_choice
from ..data import DigitsTask, load_digits_task
from ..digits_experiments import (
    DIGITS_GRID_SETTINGS,
    DIGITS_SETTINGS,
    DigitsCell,
    DigitsRecord,
    digits_experiment,
    digits_grid,
)
from ..experiments import (
    HEADLINE_SETTINGS,
    HELDOUT_SETTINGS,
    AlignmentRecord,
    HeldoutRecord,
    heldout_sweep,
    inal_vs_accuracy,
)
from ..plotting import PALETTE, SCALES, register_figure

__all__ = [
    "FAMILY_STYLE",
    "plot_inal_vs_accuracy",
    "plot_learning_curves",
    "plot_headline",
    "plot_digits_results",
    "plot_digit_examples",
    "plot_heldout_sweep",
    "plot_digits_grid",
]

_Z95 = 1.959963984540054

#: Colour and marker of each family of targets.
FAMILY_STYLE = {
    "parity": (PALETTE[0], "o"),
    "majority": (PALETTE[1], "s"),
    "staircase": (PALETTE[2], "^"),
    "junta": (PALETTE[3], "D"),
    "mixture": (PALETTE[4], "P"),
    "random": (PALETTE[7], "X"),
}


def _check_records(records, kind, name: str) -> list:
    if isinstance(records, (str, bytes)) or not isinstance(records, Sequence) or not records:
        raise TypeError(f"{name} must be a non-empty list of {kind.__name__}")
    if not all(isinstance(r, kind) for r in records):
        raise TypeError(f"{name} must hold {kind.__name__} instances")
    return list(records)


def plot_inal_vs_accuracy(records: Sequence[AlignmentRecord], ax=None, *, annotate: bool = True):
    r"""Accuracy after training against INAL (log scale), one point per target.

    Vertical bars: 95 % Student-t interval over seeds; horizontal bars: 95 % normal
    interval of the INAL estimate over initializations (clipped at the axis where it
    reaches 0). The dashed line is the accuracy of the best constant predictor (1/2).
    """
    records = _check_records(records, AlignmentRecord, "records")
    ax = plt.gca() if ax is None else ax
    seen = set()
    for r in records:
        colour, marker = FAMILY_STYLE.get(r.family, (PALETTE[5], "v"))
        lo = min(_Z95 * r.inal_stderr, 0.9 * r.inal)  # keep the bar on the log axis
        ax.errorbar(r.inal, r.accuracy_mean, yerr=r.accuracy_ci,
                    xerr=[[lo], [_Z95 * r.inal_stderr]], fmt=marker, color=colour, ms=7,
                    capsize=2.5, lw=1.2, label=None if r.family in seen else r.family)
        seen.add(r.family)
        if annotate and r.accuracy_mean > 0.97:
            # The learned targets crowd together at the top: write their labels downwards.
            ax.annotate(r.label, (r.inal, r.accuracy_mean), textcoords="offset points",
                        xytext=(0, -9), fontsize=8, color=colour, rotation=-90, ha="center",
                        va="top")
        elif annotate and r.accuracy_mean < 0.53:  # on the chance line: above the point
            ax.annotate(r.label, (r.inal, r.accuracy_mean), textcoords="offset points",
                        xytext=(0, 8), fontsize=8, color=colour, ha="center")
        elif annotate:  # right of the point, or left of it near the crowded right edge
            right = r.inal < 1e-3
            ax.annotate(r.label, (r.inal, r.accuracy_mean), textcoords="offset points",
                        xytext=(6 if right else -6, -3), fontsize=8, color=colour,
                        ha="left" if right else "right")
    baseline = float(np.mean([r.constant_baseline for r in records]))
    ax.axhline(baseline, ls="--", lw=1, color="#666666")
    ax.set_xscale("log")
    ax.set_ylim(0.45, 1.04)
    ax.set_xlabel("INAL (log scale)")
    ax.set_ylabel(f"accuracy after {records[0].steps} SGD steps")
    ax.legend(loc="upper left", fontsize=8, ncol=2)
    return ax


def plot_learning_curves(records: Sequence[AlignmentRecord], ax=None):
    """Mean accuracy over seeds along training, one curve per target, coloured by log10 INAL."""
    records = _check_records(records, AlignmentRecord, "records")
    ax = plt.gca() if ax is None else ax
    logs = np.log10([r.inal for r in records])
    norm = mpl.colors.Normalize(vmin=float(logs.min()), vmax=float(logs.max()))
    # Viridis without its palest yellow, which vanishes on a white page.
    cmap = mpl.colors.ListedColormap(mpl.colormaps["viridis"](np.linspace(0, 0.85, 256)))
    for r, value in zip(records, logs, strict=True):
        ax.plot(r.curve_steps, r.curve_accuracy, color=cmap(norm(value)), lw=1.5)
    ax.figure.colorbar(mpl.cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax,
                       label="log10 INAL")
    ax.set_ylim(0.45, 1.04)
    ax.set_xlabel("SGD step")
    ax.set_ylabel("accuracy (2048 fresh inputs)")
    return ax


def plot_headline(records: Sequence[AlignmentRecord]):
    """The headline figure: (a) accuracy against INAL, (b) the learning curves."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.6), width_ratios=(1.35, 1))
    plot_inal_vs_accuracy(records, left)
    plot_learning_curves(records, right)
    left.set_title("(a) INAL vs accuracy after training")
    right.set_title("(b) learning curves")
    fig.tight_layout()
    return fig


def plot_digits_results(records: Sequence[DigitsRecord]):
    """INAL on the training set and test accuracy, MLP vs CNN, original vs permuted pixels."""
    records = _check_records(records, DigitsRecord, "records")
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
    architectures = list(dict.fromkeys(r.architecture for r in records))
    offsets = {"original": -0.18, "permuted": 0.18}
    colours = {"original": PALETTE[0], "permuted": PALETTE[1]}
    for r in records:
        x = architectures.index(r.architecture) + offsets[r.pixels]
        label = r.pixels if r.architecture == architectures[0] else None
        left.bar(x, r.inal, width=0.34, color=colours[r.pixels], label=label,
                 yerr=_Z95 * r.inal_stderr, capsize=3)
        right.errorbar(x, r.test_accuracy_mean, yerr=r.test_accuracy_ci, fmt="o", ms=7,
                       color=colours[r.pixels], capsize=3, label=label)
        right.plot(np.full(len(r.test_accuracies), x) + 0.07, r.test_accuracies, ".",
                   color=colours[r.pixels], alpha=0.5, ms=4)
    for ax in (left, right):
        ax.set_xticks(range(len(architectures)), architectures)
        ax.legend(fontsize=9)
    left.set_ylabel("INAL on the training set")
    right.set_ylabel(f"test accuracy after {records[0].steps} steps")
    left.set_title("(a) initial alignment")
    right.set_title("(b) accuracy (95% CI, dots: seeds)")
    fig.tight_layout()
    return fig


def plot_digit_examples(task: DigitsTask, permuted: DigitsTask, count: int = 5):
    """The first ``count`` training images, as they are and with their pixels permuted."""
    if not isinstance(task, DigitsTask) or not isinstance(permuted, DigitsTask):
        raise TypeError("task and permuted must be DigitsTask instances")
    count = int(count)
    fig, axes = plt.subplots(2, count, figsize=(1.5 * count, 3.3))
    for row, t in enumerate((task, permuted)):
        images = t.images("train", raw=True)[:count]
        for j in range(count):
            ax = axes[row, j]
            ax.imshow(images[j].numpy(), cmap="gray_r")
            ax.set_xticks([])
            ax.set_yticks([])
            ax.grid(False)
            for spine in ax.spines.values():
                spine.set_visible(False)
            if row == 0:
                ax.set_title(f"digit {int(t.digits_train[j])}", fontsize=9)
        axes[row, 0].set_ylabel("permuted" if row else "original", fontsize=9)
    fig.tight_layout()
    return fig


@register_figure("inal_vs_accuracy", "inal_predicts_learning",
                 "INAL against accuracy after a fixed SGD budget for 13 targets on 15 bits, "
                 "with 95% intervals, and the learning curves")
def build_headline(scale: str = "small", seed: int = 0):
    scale = check_choice(scale, "scale", SCALES)
    records = inal_vs_accuracy(**HEADLINE_SETTINGS[scale], seed=seed)
    return plot_headline(records)


@register_figure("digits_mlp_vs_cnn", "inal_predicts_learning",
                 "8x8 digits (even vs odd): INAL and test accuracy of an MLP and a small CNN, "
                 "on original and pixel-permuted images")
def build_digits(scale: str = "small", seed: int = 0):
    scale = check_choice(scale, "scale", SCALES)
    records = digits_experiment(**DIGITS_SETTINGS[scale], seed=seed)
    return plot_digits_results(records)


@register_figure("digits_permuted_examples", "inal_predicts_learning",
                 "Training images of the digits task with their pixels in the original and in "
                 "a fixed random order")
def build_digit_examples(scale: str = "small", seed: int = 0):
    check_choice(scale, "scale", SCALES)
    task = load_digits_task(seed=seed)
    return plot_digit_examples(task, task.permuted(seed=1))


#: One colour per target of the held-out sweep (Okabe–Ito, then four darker colours),
#: and a line style per round of colours, so that no two targets look alike.
_TARGET_COLOURS = [*PALETTE[:6], PALETTE[7], "#000000", "#882255", "#8C564B", "#332288",
                   "#117733"]
_TARGET_LINES = ["-", "--"]


def plot_heldout_sweep(records: Sequence[HeldoutRecord]):
    r"""The headline figure: held-out accuracy against INAL, and against n, per target.

    (a) Mean held-out accuracy over seeds (95 % bootstrap interval) against the exact
    INAL, one marker shape per n, one colour per family; the points of one target at
    increasing n are joined (the INAL of a fixed target shrinks with n). (b) The same
    accuracies against n, one line per target.
    """
    records = _check_records(records, HeldoutRecord, "records")
    ns = sorted({r.n for r in records})
    labels = list(dict.fromkeys(r.label for r in records))
    markers = ["o", "s", "^", "D", "v", "P"]
    colours = {lab: _TARGET_COLOURS[i % len(_TARGET_COLOURS)]
               for i, lab in enumerate(labels)}
    styles = {lab: _TARGET_LINES[(i // len(_TARGET_COLOURS)) % len(_TARGET_LINES)]
              for i, lab in enumerate(labels)}
    fig, (left, right) = plt.subplots(1, 2, figsize=(12.5, 4.8))
    for lab in labels:
        rs = sorted((r for r in records if r.label == lab), key=lambda r: r.n)
        inal = np.array([max(r.inal, 1e-12) for r in rs])
        acc = np.array([r.accuracy_mean for r in rs])
        err = np.array([[r.accuracy_mean - r.accuracy_low for r in rs],
                        [r.accuracy_high - r.accuracy_mean for r in rs]])
        left.plot(inal, acc, styles[lab], color=colours[lab], lw=1.0, alpha=0.8)
        for r, x_, y_ in zip(rs, inal, acc, strict=True):
            left.errorbar(x_, y_, yerr=[[y_ - r.accuracy_low], [r.accuracy_high - y_]],
                          fmt=markers[ns.index(r.n) % len(markers)], color=colours[lab],
                          ms=6, capsize=2)
        right.errorbar([r.n for r in rs], acc, yerr=err, fmt="o", ls=styles[lab],
                       color=colours[lab], ms=4, capsize=2, label=lab)
    for ax in (left, right):
        ax.axhline(0.5, color="0.4", ls=":", lw=1)
        ax.set_ylim(0.4, 1.04)
        ax.set_ylabel("held-out accuracy (mean over seeds)")
    left.set_xscale("log")
    left.set_xlabel("INAL (exact, log scale)")
    left.set_title("(a) accuracy on unseen inputs against INAL", fontsize=10)
    handles = [mpl.lines.Line2D([], [], ls="", marker=markers[i % len(markers)], color="0.3",
                                label=f"n = {n}") for i, n in enumerate(ns)]
    left.legend(handles=handles, loc="lower right", fontsize=8, title="marker")
    right.set_xticks(ns)
    right.set_xlabel("n (budget: 8n² training inputs, 3n² steps in the chapter)")
    right.set_title("(b) the same against n, one line per target", fontsize=10)
    right.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5),
                 title="target (both panels)", title_fontsize=8)
    fig.tight_layout()
    return fig


def plot_digits_grid(cells: Sequence[DigitsCell]):
    r"""Real data: test accuracy (95 % bootstrap interval over seeds) and INAL by the
    definition (± 2 standard errors) per architecture, against the size of the shuffled
    tiles (8: original images, 1: all pixels permuted)."""
    cells = _check_records(cells, DigitsCell, "cells")
    archs = list(dict.fromkeys(c.architecture for c in cells))
    blocks = list(dict.fromkeys(c.block for c in cells))
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    pos = np.arange(len(blocks))
    for i, arch in enumerate(archs):
        cs = [next(c for c in cells if c.architecture == arch and c.block == b)
              for b in blocks]
        colour = PALETTE[i % len(PALETTE)]
        acc = np.array([c.test_accuracy_mean for c in cs])
        err = np.array([[c.test_accuracy_mean - c.test_accuracy_low for c in cs],
                        [c.test_accuracy_high - c.test_accuracy_mean for c in cs]])
        left.errorbar(pos + 0.05 * i, acc, yerr=err, fmt="-o", color=colour, ms=4,
                      capsize=2, label=arch)
        right.errorbar(pos + 0.05 * i, [c.inal for c in cs],
                       yerr=[2 * c.inal_stderr for c in cs], fmt="-o", color=colour, ms=4,
                       capsize=2, label=arch)
    names = ["original" if b == max(blocks) else f"{b}×{b} tiles" for b in blocks]
    for ax in (left, right):
        ax.set_xticks(pos)
        ax.set_xticklabels(names)
        ax.set_xlabel("pixel shuffle (tiles kept intact, their order random)")
    left.set_ylabel("test accuracy (mean over seeds)")
    left.set_title("(a) test accuracy, 95 % bootstrap intervals", fontsize=10)
    right.set_ylabel("INAL: max over neurons (± 2 s.e.)")
    right.set_title("(b) INAL by the definition", fontsize=10)
    left.legend(fontsize=8)
    fig.tight_layout()
    return fig


@register_figure("heldout_sweep", "inal_predicts_learning",
                 "Held-out accuracy against INAL for balanced targets at n = 12, 15, 18 with a "
                 "budget polynomial in n, with bootstrap intervals over seeds")
def build_heldout_sweep(scale: str = "small", seed: int = 0):
    scale = check_choice(scale, "scale", SCALES)
    return plot_heldout_sweep(heldout_sweep(**HELDOUT_SETTINGS[scale], seed=seed))


@register_figure("digits_grid", "inal_predicts_learning",
                 "8x8 digits: test accuracy and INAL of five architectures under graded "
                 "pixel shuffles")
def build_digits_grid(scale: str = "small", seed: int = 0):
    scale = check_choice(scale, "scale", SCALES)
    return plot_digits_grid(digits_grid(**DIGITS_GRID_SETTINGS[scale], seed=seed))
