r"""Figures of the chapter *Noisy gradient descent and its lower bound* (``book/noisy_gd``).

Each figure has an experiment function that returns the numbers (so the chapter can
assert on them) and a plotting function that draws them; the registered ``build``
composes the two at a scale. The settings of each scale are in :data:`LEARNABILITY`,
:data:`BOUND` and :data:`SPARSE_PARITY`:

* ``"small"`` (the chapter, a few seconds each on one core);
* ``"large"``: more seeds and longer runs; for the sparse parity the setting of
  :cite:`barak2022hidden` (n = 50, k = 3, width 1000, batch 32, lr 0.1, hinge loss).

Every run is in float64, so that the chapter's printed numbers are the same on every
CPU.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import combinations

import matplotlib.pyplot as plt
import numpy as np
import torch

from .._validation import check_choice
from ..alignment import INALResult, estimate_inal
from ..boolean import BooleanTarget, Majority, Parity, Staircase
from ..lower_bound import BoundTrace, trace_junk_runs
from ..networks import MLPEnsemble
from ..plotting import PALETTE, SCALES, register_figure
from ..random import make_generator, spawn_seeds
from ..sq import parity_class_tables
from ..training import FirstLayerMovement, TrainingHistory, noisy_gd, sgd

__all__ = ["LEARNABILITY", "BOUND", "SPARSE_PARITY", "learnability_targets",
           "LearnabilityResult", "learnability_experiment", "plot_learnability",
           "BoundResult", "bound_experiment", "plot_bound", "SparseParityResult",
           "sparse_parity_experiment", "plot_sparse_parity"]

#: Noisy GD (population gradient) on parities of growing degree, majority and a staircase.
LEARNABILITY = {
    "small": dict(n=11, width=32, n_models=4, steps=250, lr=0.2, noise_std=0.05, clip=1.0,
                  eval_every=10, n_init=16),
    "large": dict(n=11, width=64, n_models=16, steps=1000, lr=0.2, noise_std=0.05, clip=1.0,
                  eval_every=10, n_init=64),
}
#: The bound beside the measured accuracy: k-parities on n = 10 bits.
BOUND = {
    "small": dict(n=10, degrees=(1, 2, 3, 4, 5), width=16, n_models=6, steps=40, lr=0.05,
                  noise_std=1.0, clip=0.1, n_targets=3, eval_every=5),
    "large": dict(n=10, degrees=(1, 2, 3, 4, 5), width=16, n_models=24, steps=40, lr=0.05,
                  noise_std=1.0, clip=0.1, n_targets=8, eval_every=5),
}
#: Online SGD on a sparse parity (fresh batches every step).
SPARSE_PARITY = {
    "small": dict(n=50, k=3, width=256, n_models=4, steps=2500, batch_size=32, lr=0.1,
                  loss="hinge", eval_every=50, test_size=2000),
    "large": dict(n=50, k=3, width=1000, n_models=8, steps=10000, batch_size=32, lr=0.1,
                  loss="hinge", eval_every=100, test_size=10000),
}


# ---------------------------------------------------------------------------
# What noisy GD learns: parities of growing degree, majority, a staircase
# ---------------------------------------------------------------------------


def learnability_targets(n: int) -> dict[str, BooleanTarget]:
    r"""Parities of degree 1..6 on the first k bits, majority of all n bits, the staircase of degree 6.

    Every target is balanced (:math:`\mathbb E f=0`): majority needs n odd, and the
    staircase is the Boolean one,
    :math:`\mathrm{sign}(x_0+x_0x_1+\dots+x_0\cdots x_5)` with a zero sum given the
    value :math:`x_0` (``tie_break="first"``).
    """
    targets: dict[str, BooleanTarget] = {f"parity k={k}": Parity(n, k=k) for k in range(1, 7)}
    targets[f"majority ({n} bits)"] = Majority(n, tie_break="first")
    targets["staircase k=6"] = Staircase(n, 6, tie_break="first")
    return targets


@dataclass
class LearnabilityResult:
    """Histories of noisy GD on each target, with each target's INAL (and its standard error).

    ``estimates[name]`` is the full :class:`~inal_tutorial.alignment.INALResult` (per-layer
    averages, constant term); ``inal`` and ``inal_stderr`` its value and standard error.
    """

    histories: dict[str, TrainingHistory]
    inal: dict[str, float]
    inal_stderr: dict[str, float]
    settings: dict = field(default_factory=dict)
    estimates: dict[str, INALResult] = field(default_factory=dict)


def learnability_experiment(scale: str = "small", seed: int = 0) -> LearnabilityResult:
    r"""Noisy GD with the population gradient on :func:`learnability_targets` (settings :data:`LEARNABILITY`).

    The same initializations (``seed``) and noise seeds are used for every target. The
    networks are float64, so that the runs (chaotic at ``lr=0.2``) give the same
    accuracies on every CPU. The INAL of each target is estimated exactly over the inputs
    for the same architecture (:func:`~inal_tutorial.alignment.estimate_inal`, ``n_init``
    initializations).
    """
    s = LEARNABILITY[check_choice(scale, "scale", SCALES)]
    init_seed, noise_seed, inal_seed = spawn_seeds(seed, 3)
    histories, inal, inal_se, estimates = {}, {}, {}, {}
    for name, target in learnability_targets(s["n"]).items():
        net = MLPEnsemble(s["n"], (s["width"],), n_models=s["n_models"], seed=init_seed,
                          dtype=torch.float64)
        histories[name] = noisy_gd(net, target, steps=s["steps"], lr=s["lr"],
                                   noise_std=s["noise_std"], clip=s["clip"], seed=noise_seed,
                                   eval_every=s["eval_every"])
        estimate = estimate_inal(target, hidden=(s["width"],), n_init=s["n_init"], seed=inal_seed)
        inal[name], inal_se[name] = estimate.value, estimate.stderr
        estimates[name] = estimate
    return LearnabilityResult(histories, inal, inal_se, dict(s), estimates)


def plot_learnability(result: LearnabilityResult):
    """Accuracy over the whole cube against the step: mean over seeds (thick) and each seed
    (thin), one colour per target."""
    fig, ax = plt.subplots(figsize=(8.5, 4.2), layout="constrained")
    for (name, history), colour in zip(result.histories.items(), PALETTE * 2, strict=False):
        style = "-" if name.startswith("parity") else "--"
        ax.plot(history.steps, history.mean("accuracy"), style, color=colour, lw=2,
                label=name)
        ax.plot(history.steps, history["accuracy"], style, color=colour, lw=0.7, alpha=0.35)
    ax.axhline(0.5, color="grey", lw=1, ls=":", label="best constant predictor")
    ax.set_xlabel("step t")
    ax.set_ylabel("accuracy over all inputs")
    ax.set_ylim(0.3, 1.02)
    s = result.settings
    ax.set_title(f"noisy GD, population gradient: n = {s['n']}, width {s['width']}, "
                 f"σ = {s['noise_std']:g}, A = {s['clip']:g}", fontsize=11)
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
    return fig


@register_figure("noisy-gd-learnability", "noisy_gd",
                 "Noisy GD learns low-degree parities, majority and a staircase, and stalls on "
                 "parities of higher degree.")
def build_learnability(scale: str = "small", seed: int = 0):
    return plot_learnability(learnability_experiment(scale, seed))


# ---------------------------------------------------------------------------
# The bound beside the measured accuracy
# ---------------------------------------------------------------------------


@dataclass
class BoundResult:
    r"""Junk-run traces and measured accuracies for the classes of k-parities.

    ``traces[k]`` is the :class:`~inal_tutorial.lower_bound.BoundTrace` of the class of
    all k-parities; ``accuracy[k]`` the accuracy ``(n_evals, n_targets * n_models)`` of
    noisy GD on ``n_targets`` random k-parities at the steps ``eval_steps``.
    """

    traces: dict[int, BoundTrace]
    accuracy: dict[int, np.ndarray]
    eval_steps: np.ndarray
    settings: dict = field(default_factory=dict)

    def bound_curve(self, k: int, level: str = "exact (clipped)") -> np.ndarray:
        r"""The success bound after t steps, t = 0..T, at one level of the chain.

        After t steps the bound is :math:`\frac12+\frac12\sqrt\lambda+\sqrt{\frac12\sum_{s<t}
        \mathbb{E}_Q\mathbb{E}_F\mathrm{KL}_s}` (λ replaced by :math:`\sqrt{\mathrm{CP}}` at the
        Hilbert–Schmidt and coordinate levels).
        """
        trace = self.traces[k]
        attr = {"exact (clipped)": "kl_step", "without clipping": "kl_unclipped",
                "operator norm": "operator_term", "Hilbert-Schmidt": "hs_term",
                "coordinate bound": "coordinate_term"}[level]
        kl = np.concatenate([[0.0], np.cumsum(getattr(trace, attr).mean(axis=1))])
        lam = trace.lam if level in ("exact (clipped)", "without clipping", "operator norm") \
            else math.sqrt(trace.cp)
        return np.minimum(1.0, 0.5 + 0.5 * math.sqrt(lam) + np.sqrt(kl / 2))

    def measured(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Mean accuracy over targets and seeds at each evaluation step, and its standard error."""
        acc = self.accuracy[k]
        return acc.mean(axis=1), acc.std(axis=1, ddof=1) / math.sqrt(acc.shape[1])


def bound_experiment(scale: str = "small", seed: int = 0) -> BoundResult:
    r"""The success bound for the classes of k-parities beside noisy GD's accuracy (settings :data:`BOUND`).

    One junk run (``n_models`` independent trajectories with labels 0) gives the bound of
    every class; then noisy GD with the same :math:`\gamma,\sigma,A,T` and the same law of
    initialization is run on ``n_targets`` k-parities with random supports, ``n_models``
    seeds each. Everything in float64.
    """
    s = BOUND[check_choice(scale, "scale", SCALES)]
    n = s["n"]
    junk_init, junk_noise, support_seed, init_seed, noise_seed = spawn_seeds(seed, 5)
    common = dict(steps=s["steps"], lr=s["lr"], noise_std=s["noise_std"], clip=s["clip"])
    junk = MLPEnsemble(n, (s["width"],), n_models=s["n_models"], seed=junk_init,
                       dtype=torch.float64)
    traces = trace_junk_runs(junk, {k: parity_class_tables(n, k) for k in s["degrees"]},
                             seed=junk_noise, **common)
    gen = make_generator(support_seed)
    accuracy, steps = {}, None
    for k in s["degrees"]:
        subsets = list(combinations(range(n), k))
        picks = torch.randperm(len(subsets), generator=gen)[: s["n_targets"]]
        columns = []
        for i, pick in enumerate(picks.tolist()):
            net = MLPEnsemble(n, (s["width"],), n_models=s["n_models"], seed=init_seed + i,
                              dtype=torch.float64)
            history = noisy_gd(net, Parity(n, subsets[pick]), seed=noise_seed + i,
                               eval_every=s["eval_every"], progress=False, **common)
            columns.append(history["accuracy"])
            steps = history.steps
        accuracy[k] = np.concatenate(columns, axis=1)
    return BoundResult(traces, accuracy, steps, dict(s))


def plot_bound(result: BoundResult):
    """Left: measured accuracy (points) and the bound (lines) against t for each class.
    Right: the chain of upper bounds on the summed KL, one group of bars per class."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(11.5, 5.0), layout="constrained")
    t_all = np.arange(result.settings["steps"] + 1)
    for k, colour in zip(result.traces, PALETTE, strict=False):
        mean, se = result.measured(k)
        left.plot(t_all, result.bound_curve(k), "-", color=colour, label=f"k = {k}: bound")
        left.errorbar(result.eval_steps, mean, yerr=2 * se, fmt="o", ms=4, color=colour,
                      capsize=2, label=f"k = {k}: measured ± 2 s.e.")
    left.axhline(0.5, color="grey", lw=1, ls=":")
    left.set_ylim(0.4, 1.03)
    left.set_xlabel("step t")
    left.set_ylabel("success probability")
    s = result.settings
    left.set_title(f"k-parities, n = {s['n']}: bound (lines) vs noisy GD (points)", fontsize=11)
    left.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3)
    levels = list(next(iter(result.traces.values())).kl_totals())
    width = 0.8 / len(levels)
    ks = list(result.traces)
    for j, (level, colour) in enumerate(zip(levels, PALETTE, strict=False)):
        values = [result.traces[k].kl_totals()[level] for k in ks]
        right.bar(np.arange(len(ks)) + (j - (len(levels) - 1) / 2) * width, values, width,
                  color=colour, label=level)
    right.set_yscale("log")
    right.set_xticks(np.arange(len(ks)), [f"k = {k}" for k in ks])
    right.set_ylabel(r"bound on $\mathbb{E}_F\,\mathrm{KL}(Q\,\|\,P_F)$")
    right.set_title(f"the chain of inequalities, T = {s['steps']}", fontsize=11)
    right.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3)
    return fig


@register_figure("noisy-gd-bound", "noisy_gd",
                 "The noisy-GD success bound for k-parities beside the measured accuracy, and "
                 "the chain of KL bounds it is made of.")
def build_bound(scale: str = "small", seed: int = 0):
    return plot_bound(bound_experiment(scale, seed))


# ---------------------------------------------------------------------------
# SGD on a sparse parity: plateau, sudden drop, hidden progress
# ---------------------------------------------------------------------------


@dataclass
class SparseParityResult:
    r"""Online SGD on a sparse parity: the history and the first layer's movement.

    ``history`` holds loss, accuracy and correlation on ``test_size`` fresh inputs;
    ``movement`` the :class:`~inal_tutorial.training.FirstLayerMovement` recorded at the
    evaluation steps; ``support`` the k relevant coordinates.
    """

    history: TrainingHistory
    movement: FirstLayerMovement
    support: tuple[int, ...]
    settings: dict = field(default_factory=dict)

    def ratio(self) -> np.ndarray:
        r"""Movement of the support against the other coordinates, :math:`R(t)`, shape ``(R, M)``."""
        return self.movement.support_ratio(self.support)

    def null_max(self) -> np.ndarray:
        """Largest ratio among disjoint groups of k irrelevant coordinates, shape ``(R, M)``."""
        return self.movement.null_ratios(self.support).max(axis=2)

    def leaves_chance(self, threshold: float = 0.55) -> np.ndarray:
        """For each seed, the first evaluation step with test accuracy >= ``threshold``."""
        return self.history.steps_to("accuracy", threshold)

    def _stays_above(self, series: np.ndarray, band: np.ndarray) -> np.ndarray:
        """First recorded step from which ``series > band`` at every later step, per seed."""
        above = series > band                                   # (R, M)
        stays = np.flip(np.cumprod(np.flip(above, axis=0), axis=0), axis=0).astype(bool)
        first = np.where(stays.any(axis=0), stays.argmax(axis=0), -1)
        steps = self.movement.steps
        return np.where(first >= 0, steps[np.maximum(first, 0)].astype(float), np.inf)

    def detected(self) -> np.ndarray:
        r"""For each seed, the first recorded step from which :math:`R(t)` exceeds every
        null group's ratio at every later recorded step (``inf`` if never)."""
        return self._stays_above(self.ratio(), self.null_max())

    def null_detected(self) -> np.ndarray:
        r"""The rule of :meth:`detected` applied to each irrelevant group as if it were the support.

        Group g's ratio is compared with the largest ratio of the *other* G - 1 groups;
        the result, shape ``(G, M)``, is the first recorded step from which it stays above
        (``inf`` if never). A finite value before the accuracy leaves chance is a false
        alarm of the rule: a group with no signal that the rule would have called
        "detected".
        """
        null = self.movement.null_ratios(self.support)           # (R, M, G)
        groups = null.shape[2]
        if groups < 2:
            raise ValueError("null_detected needs at least 2 irrelevant groups")
        return np.stack([self._stays_above(null[:, :, g],
                                           np.delete(null, g, axis=2).max(axis=2))
                         for g in range(groups)])

    def at(self, step: int) -> int:
        """Index of ``step`` among the recorded movement steps."""
        found = np.flatnonzero(self.movement.steps == int(step))
        if not len(found):
            raise ValueError(f"step {step} was not recorded")
        return int(found[0])


def sparse_parity_experiment(scale: str = "small", seed: int = 0) -> SparseParityResult:
    r"""Online SGD (fresh batches) on the k-parity of the first k of n bits (settings :data:`SPARSE_PARITY`).

    Float64. Besides the history (loss and accuracy on ``test_size`` fresh inputs), the
    first layer's movement :math:`D_{m,j}(t)` is recorded at every evaluation step
    (:class:`~inal_tutorial.training.FirstLayerMovement`).
    """
    s = SPARSE_PARITY[check_choice(scale, "scale", SCALES)]
    init_seed, batch_seed = spawn_seeds(seed, 2)
    net = MLPEnsemble(s["n"], (s["width"],), n_models=s["n_models"], seed=init_seed,
                      dtype=torch.float64)
    movement = FirstLayerMovement(net, s["eval_every"])
    history = sgd(net, Parity(s["n"], k=s["k"]), steps=s["steps"], lr=s["lr"],
                  batch_size=s["batch_size"], loss=s["loss"], seed=batch_seed,
                  eval_every=s["eval_every"], test_size=s["test_size"], data_seed=seed,
                  callback=movement, progress=False)
    return SparseParityResult(history, movement, tuple(range(s["k"])), dict(s))


def plot_sparse_parity(result: SparseParityResult):
    """Left: test accuracy of each seed. Right: the movement ratio R(t) of each seed, with
    the band of its irrelevant groups and a dotted line where its accuracy leaves chance;
    shaded: the steps at which every seed is still at chance."""
    history, s = result.history, result.settings
    fig, (left, right) = plt.subplots(1, 2, figsize=(11.5, 4.2), layout="constrained")
    chance_until = float(np.min(result.leaves_chance()))
    steps = result.movement.steps
    null = result.movement.null_ratios(result.support)           # (R, M, G)
    for ax in (left, right):
        ax.axvspan(0, chance_until, color="grey", alpha=0.15, lw=0)
    ratio = result.ratio()
    leave = result.leaves_chance()
    for m in range(history.n_models):
        colour = PALETTE[m % len(PALETTE)]
        if np.isfinite(leave[m]):
            right.axvline(leave[m], color=colour, ls=":", lw=1.2)
        left.plot(history.steps, history["accuracy"][:, m], color=colour, lw=1.4,
                  label=f"seed {m}")
        right.plot(steps, ratio[:, m], color=colour, lw=1.6)
        right.fill_between(steps, null[:, m].min(axis=1), null[:, m].max(axis=1),
                           color=colour, alpha=0.12, lw=0)
    left.axhline(0.5, color="grey", lw=1, ls=":")
    left.set_xlabel("step t")
    left.set_ylabel(f"test accuracy ({s['test_size']} fresh inputs)")
    left.set_title(f"SGD on a {s['k']}-parity of n = {s['n']} bits, width {s['width']}",
                   fontsize=11)
    left.legend(fontsize=8, loc="upper left")
    right.axhline(1.0, color="grey", lw=1, ls=":")
    right.set_yscale("log")
    right.set_xlabel("step t")
    right.set_ylabel("movement of support / of other inputs")
    right.set_title("first-layer movement: support (lines), irrelevant triples (bands)",
                    fontsize=11)
    return fig


@register_figure("noisy-gd-sparse-parity", "noisy_gd",
                 "Online SGD on a sparse parity: a long plateau, a sudden rise of the "
                 "accuracy, and the first layer's movement on the support against "
                 "irrelevant coordinates.")
def build_sparse_parity(scale: str = "small", seed: int = 0):
    return plot_sparse_parity(sparse_parity_experiment(scale, seed))
