r"""Figures of the chapter *Natural weights* (``book/natural_weights``).

The experiments live in :mod:`inal_tutorial.teachers` and return numbers the chapter
asserts on; the functions here draw them, and the registered ``build`` composes the two:

* ``"small"`` (the chapter): teachers on n = 20 inputs with 32 hidden neurons, students
  trained on 500 and 4 000 examples for 2 500 SGD steps (about 20 s on one core); the
  spectrum of 16 teachers on n = 12 bits;
* ``"large"``: n = 40, teachers with 64 neurons, 1 000 to 16 000 examples, 10 000 steps and
  8 students per cell (several minutes); the spectrum of 64 teachers on n = 16 bits.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .._validation import check_choice
from ..plotting import PALETTE, SCALES, register_figure
from ..teachers import INPUT_DISTRIBUTIONS, TEACHER_LAWS, TeacherNetwork, teacher_student_experiment

__all__ = ["STUDENT_SETTINGS", "SPECTRUM_SETTINGS", "variance_by_degree", "plot_student_fits",
           "plot_teacher_spectrum"]

#: Arguments of :func:`~inal_tutorial.teachers.teacher_student_experiment` at each scale.
STUDENT_SETTINGS = {
    "small": dict(n=20, teacher_width=32, train_sizes=(500, 4000), steps=2500,
                  student_width=64, n_students=3),
    "large": dict(n=40, teacher_width=64, train_sizes=(1000, 4000, 16_000), steps=10_000,
                  student_width=128, n_students=8),
}
#: Input dimension, width and number of teachers of the spectrum figure at each scale.
SPECTRUM_SETTINGS = {
    "small": dict(n=12, width=32, n_teachers=16),
    "large": dict(n=16, width=64, n_teachers=64),
}


def variance_by_degree(n: int, width: int, n_teachers: int, law: str, seed: int = 0) -> np.ndarray:
    r"""Fraction of each teacher's variance on the hypercube at each degree, shape ``(n_teachers, n)``.

    Column k - 1 is :math:`W^k(f)/\mathrm{Var}(f)` for k = 1..n, where
    :math:`\mathrm{Var}(f)=\sum_{k\ge1}W^k(f)` (exact, from
    :meth:`~inal_tutorial.teachers.TeacherNetwork.hypercube_degree_profile`).
    """
    teacher = TeacherNetwork(n, width, n_teachers, law=law, seed=seed)
    profile = teacher.hypercube_degree_profile().numpy()[:, 1:]
    return profile / profile.sum(axis=1, keepdims=True)


def plot_teacher_spectrum(fractions: dict[str, np.ndarray]):
    """Mean fraction of variance by degree (log scale), one bar group per weight law."""
    laws = list(fractions)
    n = fractions[laws[0]].shape[1]
    degrees = np.arange(1, n + 1)
    fig, ax = plt.subplots(figsize=(6.4, 3.6), layout="constrained")
    width = 0.8 / len(laws)
    for i, (law, colour) in enumerate(zip(laws, PALETTE, strict=False)):
        mean = fractions[law].mean(axis=0)
        shown = np.where(mean > 0, mean, np.nan)
        ax.bar(degrees + (i - (len(laws) - 1) / 2) * width, shown, width * 0.9, color=colour,
               label=f"{law} weights ({fractions[law].shape[0]} teachers)")
    ax.set_yscale("log")
    ax.set_xticks(degrees)
    ax.set_xlabel("degree k")
    ax.set_ylabel(r"$W^k(f)\,/\,\mathrm{Var}(f)$")
    ax.set_title(f"Random depth-2 teachers on the hypercube, n = {n}")
    ax.legend()
    return fig


def plot_student_fits(records: list[dict]):
    r"""Test :math:`R^2` of the students against the training-set size, one panel per weight law.

    Solid lines with error bars: students (mean ± one standard error over seeds); dashed:
    the affine least-squares fit on the same data, in the same colour.
    """
    laws = [law for law in TEACHER_LAWS if any(r["law"] == law for r in records)]
    fig, axes = plt.subplots(1, len(laws), figsize=(4.2 * len(laws) + 0.8, 4.4), sharey=True,
                             layout="constrained", squeeze=False)
    sizes_all = sorted({r["n_train"] for r in records})
    for ax, law in zip(axes[0], laws, strict=True):
        for distribution, colour in zip(INPUT_DISTRIBUTIONS, PALETTE, strict=False):
            rows = [r for r in records if r["law"] == law and r["distribution"] == distribution]
            if not rows:
                continue
            sizes = [r["n_train"] for r in rows]
            ax.errorbar(sizes, [r["test_r2"] for r in rows], yerr=[r["test_r2_se"] for r in rows],
                        marker="o", color=colour, capsize=3, label=f"student, {distribution}")
            ax.plot(sizes, [r["linear_r2"] for r in rows], ls="--", color=colour, lw=1.2,
                    alpha=0.8, label=f"affine fit, {distribution}")
        ax.set_xscale("log")
        ax.set_xticks(sizes_all, [str(size) for size in sizes_all])
        ax.minorticks_off()
        ax.set_xlim(sizes_all[0] / 1.5, sizes_all[-1] * 1.5)
        ax.set_xlabel("training examples")
        ax.set_title(f"{law} teacher weights")
    axes[0, 0].set_ylabel(r"test $R^2$ (fraction of variance explained)")
    # One legend column per input law: its student above its affine fit.
    handles, labels = axes[0, 0].get_legend_handles_labels()
    by_label = dict(zip(labels, handles, strict=True))
    order = [f"{kind}, {d}" for d in INPUT_DISTRIBUTIONS for kind in ("student", "affine fit")
             if f"{kind}, {d}" in by_label]
    fig.legend([by_label[k] for k in order], order, loc="outside lower center", ncol=3,
               fontsize=9)
    return fig


@register_figure("natural_weights_students", "natural_weights",
                 "Test R^2 of students fitted to random depth-2 teachers with Gaussian and uniform "
                 "weights, under Gaussian, hypercube and sparse clause-like inputs")
def build_students(scale: str = "small", seed: int = 0):
    """Run :func:`~inal_tutorial.teachers.teacher_student_experiment` at ``scale`` and plot it."""
    scale = check_choice(scale, "scale", SCALES)
    records = teacher_student_experiment(**STUDENT_SETTINGS[scale], seed=seed)
    return plot_student_fits(records)


@register_figure("natural_weights_teacher_spectrum", "natural_weights",
                 "Fraction of a random depth-2 teacher's variance at each Fourier degree on the "
                 "hypercube, Gaussian and uniform weights")
def build_teacher_spectrum(scale: str = "small", seed: int = 0):
    """Exact degree profiles of random teachers at ``scale``, plotted by weight law."""
    scale = check_choice(scale, "scale", SCALES)
    fractions = {law: variance_by_degree(**SPECTRUM_SETTINGS[scale], law=law, seed=seed)
                 for law in TEACHER_LAWS}
    return plot_teacher_spectrum(fractions)
