r"""Figures of the chapter *Natural weights* (``book/natural_weights``).

The experiments live in :mod:`inal_tutorial.teachers` and return numbers the chapter
asserts on; the functions here draw them, and the registered ``build`` composes the two:

* ``"small"`` (the chapter): 8 teachers per weight law on n = 20 inputs with 32 hidden
  neurons, one student per teacher trained on 500 and 4 000 examples for 2 500 SGD steps
  (about 20 s of CPU time on one core); the spectrum of 16 teachers on n = 12 bits
  against that of one random neuron, and the share of degrees 1-2 at n = 10 to 16;
* ``"large"``: n = 40, 16 teachers per weight law with 64 neurons, 2 students per teacher,
  1 000 to 16 000 examples, 10 000 steps (several minutes); the spectrum of 64 teachers on
  n = 16 bits.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np

from .._validation import check_choice
from ..plotting import PALETTE, SCALES, register_figure
from ..profiles import first_layer_profile
from ..teachers import (
    INPUT_DISTRIBUTIONS,
    TEACHER_LAWS,
    TeacherNetwork,
    teacher_interval,
    teacher_student_experiment,
)

__all__ = ["STUDENT_SETTINGS", "SPECTRUM_SETTINGS", "teacher_spectra", "neuron_spectrum",
           "plot_student_fits", "plot_teacher_spectrum"]

#: Arguments of :func:`~inal_tutorial.teachers.teacher_student_experiment` at each scale.
STUDENT_SETTINGS = {
    "small": dict(n=20, teacher_width=32, train_sizes=(500, 4000), steps=2500,
                  student_width=64, n_teachers=8, students_per_teacher=1),
    "large": dict(n=40, teacher_width=64, train_sizes=(1000, 4000, 16_000), steps=10_000,
                  student_width=128, n_teachers=16, students_per_teacher=2),
}
#: Input dimension, width and number of teachers of the spectrum figure at each scale.
SPECTRUM_SETTINGS = {
    "small": dict(n=12, width=32, n_teachers=16),
    "large": dict(n=16, width=64, n_teachers=64),
}


def teacher_spectra(n: int, width: int, n_teachers: int, law: str, seed: int = 0) -> np.ndarray:
    r"""Fourier weights :math:`W^k(f_t)`, k = 1..n, of ``n_teachers`` random teachers on the hypercube.

    Exact (from :meth:`~inal_tutorial.teachers.TeacherNetwork.hypercube_degree_profile`);
    shape ``(n_teachers, n)``. Row t sums to :math:`\mathrm{Var}(f_t)`.
    """
    teacher = TeacherNetwork(n, width, n_teachers, law=law, seed=seed)
    return teacher.hypercube_degree_profile().numpy()[:, 1:]


def neuron_spectrum(n: int, law: str, bias_std: float = 0.5, n_neurons: int = 1000,
                    seed: int = 0, *, with_stderr: bool = False):
    r"""Expected Fourier weights of one random hidden neuron, :math:`\binom nk A_k(n)` for k = 1..n.

    :math:`A_k(n)=\mathbb{E}_{w,b}[\hat\sigma_{w,b}(S)^2]` (:math:`|S|=k`) is the first-layer
    profile of :func:`~inal_tutorial.profiles.first_layer_profile` for a ReLU neuron with
    weights and bias drawn from ``law`` (Monte Carlo over ``n_neurons`` neurons, exact over
    inputs). Because a teacher's output weights are independent with mean 0, the cross terms
    between neurons vanish in expectation and a teacher's *expected* degree profile is
    exactly this one (up to the factor :math:`m\,\mathbb{E}[a_j^2] = 1`).

    With ``with_stderr=True`` returns ``(values, stderr)``, the second the Monte Carlo
    standard errors :math:`\binom nk\,\mathrm{se}(A_k)`.
    """
    profile = first_layer_profile(n, "relu", law, law, bias_std, n_neurons=n_neurons, seed=seed)
    scale = np.array([math.comb(n, k) for k in range(1, n + 1)], dtype=float)
    values = scale * np.asarray(profile.values[1:], dtype=float)
    if with_stderr:
        return values, scale * np.asarray(profile.stderr[1:], dtype=float)
    return values


def plot_teacher_spectrum(spectra: dict[str, np.ndarray],
                          predicted: dict[str, np.ndarray] | None = None,
                          predicted_stderr: dict[str, np.ndarray] | None = None):
    r"""Fraction of variance by degree (log scale): bars for the teachers, dots for one neuron.

    Bars: :math:`\overline{W^k}/\sum_{k'}\overline{W^{k'}}` with the mean over teachers;
    black whiskers: the smallest and largest per-teacher fraction
    :math:`W^k(f_t)/\mathrm{Var}(f_t)`; grey markers: the same fraction for
    :func:`neuron_spectrum`, when given, with error bars of two Monte Carlo standard
    errors when ``predicted_stderr`` is given.
    """
    laws = list(spectra)
    n = spectra[laws[0]].shape[1]
    degrees = np.arange(1, n + 1)
    fig, ax = plt.subplots(figsize=(6.4, 3.8), layout="constrained")
    width = 0.8 / len(laws)
    for i, (law, colour) in enumerate(zip(laws, PALETTE, strict=False)):
        mean = spectra[law].mean(axis=0)
        x = degrees + (i - (len(laws) - 1) / 2) * width
        ax.bar(x, np.where(mean > 0, mean / mean.sum(), np.nan), width * 0.9, color=colour,
               label=f"{law} weights: {spectra[law].shape[0]} teachers")
        per_teacher = spectra[law] / spectra[law].sum(axis=1, keepdims=True)
        ax.vlines(x, per_teacher.min(axis=0), per_teacher.max(axis=0), color="black",
                  lw=0.8, label="range over teachers" if i == 0 else None)
        if predicted is not None and law in predicted:
            total = predicted[law].sum()
            err = None
            if predicted_stderr is not None and law in predicted_stderr:
                err = 2 * predicted_stderr[law] / total
            ax.errorbar(x, predicted[law] / total, yerr=err, fmt="o", ms=4, color="#666666",
                        capsize=2, lw=0.8,
                        label="one random neuron (± 2 s.e.)" if i == 0 else None)
    ax.set_yscale("log")
    ax.set_xticks(degrees)
    ax.set_xlabel("degree k")
    ax.set_ylabel(r"$W^k(f)\,/\,\mathrm{Var}(f)$")
    ax.set_title(f"Random depth-2 teachers on the hypercube, n = {n}")
    ax.legend()
    return fig


def plot_student_fits(records: list[dict], affine_ceiling: dict[str, float] | None = None):
    r"""Test :math:`R^2` of the students against the training-set size, one panel per weight law.

    Small dots: one per teacher (its student's :math:`R^2` on the unseen test inputs);
    solid line with error bars: the mean over teachers with its 95% percentile-bootstrap
    interval (:func:`~inal_tutorial.teachers.teacher_interval`); dashed: the mean affine
    least-squares fit on the same data, in the same colour. ``affine_ceiling`` (weight law
    to a number), when given, is drawn as a grey dotted line: the mean over teachers of the
    degree-1 share :math:`W^1/\mathrm{Var}` on the hypercube
    (:meth:`~inal_tutorial.teachers.TeacherNetwork.hypercube_degree_one_share`), the
    population :math:`R^2` of the best affine predictor under hypercube inputs.
    """
    laws = [law for law in TEACHER_LAWS if any(r["law"] == law for r in records)]
    fig, axes = plt.subplots(1, len(laws), figsize=(4.2 * len(laws) + 0.8, 4.4), sharey=True,
                             layout="constrained", squeeze=False)
    sizes_all = sorted({r["n_train"] for r in records})
    present = [d for d in INPUT_DISTRIBUTIONS if any(r["distribution"] == d for r in records)]
    for ax, law in zip(axes[0], laws, strict=True):
        for k, (distribution, colour) in enumerate(zip(INPUT_DISTRIBUTIONS, PALETTE,
                                                       strict=False)):
            rows = [r for r in records if r["law"] == law and r["distribution"] == distribution]
            if not rows:
                continue
            shift = 1.08 ** (k - (len(present) - 1) / 2)     # side by side on the log axis
            sizes = np.array([r["n_train"] for r in rows]) * shift
            stats = np.array([teacher_interval(r["test_r2"]) for r in rows])
            for size, r in zip(sizes, rows, strict=True):
                ax.plot(np.full(len(r["test_r2"]), size), r["test_r2"], ".", ms=3,
                        color=colour, alpha=0.5)
            ax.errorbar(sizes, stats[:, 0], yerr=[stats[:, 0] - stats[:, 1],
                                                  stats[:, 2] - stats[:, 0]],
                        marker="o", color=colour, capsize=3, label=f"student, {distribution}")
            ax.plot(sizes, [np.mean(r["linear_r2"]) for r in rows], ls="--", color=colour,
                    lw=1.2, alpha=0.8, label=f"affine fit, {distribution}")
        if affine_ceiling is not None and law in affine_ceiling:
            ax.axhline(affine_ceiling[law], ls=":", color="#666666", lw=1.2,
                       label="affine ceiling, hypercube (W^1/Var)")
        ax.set_xscale("log")
        ax.set_xticks(sizes_all, [str(size) for size in sizes_all])
        ax.minorticks_off()
        ax.set_xlim(sizes_all[0] / 1.5, sizes_all[-1] * 1.5)
        ax.set_xlabel("training examples")
        n_teachers = len(next(r for r in records if r["law"] == law)["test_r2"])
        ax.set_title(f"{law} teacher weights ({n_teachers} teachers)")
    axes[0, 0].set_ylabel(r"$R^2$ on unseen test inputs")
    # One legend column per input law: its student above its affine fit.
    handles, labels = axes[0, 0].get_legend_handles_labels()
    by_label = dict(zip(labels, handles, strict=True))
    order = [f"{kind}, {d}" for d in INPUT_DISTRIBUTIONS for kind in ("student", "affine fit")
             if f"{kind}, {d}" in by_label]
    order += [label for label in by_label if label.startswith("affine ceiling")]
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
    settings = SPECTRUM_SETTINGS[scale]
    spectra = {law: teacher_spectra(**settings, law=law, seed=seed) for law in TEACHER_LAWS}
    predicted, stderr = {}, {}
    for law in TEACHER_LAWS:
        predicted[law], stderr[law] = neuron_spectrum(settings["n"], law, seed=seed + 1,
                                                      with_stderr=True)
    return plot_teacher_spectrum(spectra, predicted, stderr)
