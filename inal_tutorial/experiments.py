r"""The Boolean-target sweeps behind the headline chapter: initial alignment against learning.

Two experiments on the hypercube, each returning tidy records (dataclasses;
:func:`as_rows` turns a list of them into dicts, one per row, :func:`format_table` into
a plain-text table):

* :func:`inal_vs_accuracy` — for each target of a list (by default
  :func:`headline_targets`: parities of several degrees, majority, staircases, a junta,
  mixtures, a random function), the INAL of a fully connected architecture, exact over
  the cube, and the accuracy that minibatch SGD reaches after a fixed budget of steps,
  measured exactly over all :math:`2^n` inputs, for several seeds. All targets share
  the same initializations and the same stream of inputs: only the labels differ.
* :func:`heldout_sweep` — for the balanced targets of :func:`sweep_targets` and several
  n, the exact INAL and the accuracy on held-out inputs after training on a training
  set and for a number of steps polynomial in n.

Every experiment has a small default that the chapter runs in seconds on one core and
a documented larger setting (:data:`HEADLINE_SETTINGS`, :data:`HELDOUT_SETTINGS`)
that tightens the confidence intervals without changing the experiment. The real-data
experiments live in :mod:`inal_tutorial.digits_experiments`, the confidence intervals
in :mod:`inal_tutorial.intervals`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, is_dataclass

import torch

from ._experiment_helpers import (
    _accuracy_groups,
    _check_mlp_size,
    _check_training,
    _check_widths,
    _tile_ensemble,
    _train_groups,
)
from ._validation import (
    check_choice,
    check_dtype,
    check_float,
    check_int,
    check_n,
    check_seed,
    check_size,
)
from .boolean import (
    BooleanTarget,
    Junta,
    Majority,
    Mixture,
    Parity,
    RandomFunction,
    Staircase,
    all_inputs,
    truth_table,
)
from .data import estimate_inal_many
from .executors import run_tasks
from .fourier import degree_profile
from .intervals import bootstrap_interval, t_interval
from .networks import MLPEnsemble
from .random import SeedLike, make_generator, spawn_seeds
from .training import LOSSES, evaluate, sgd

__all__ = [
    "TargetSpec",
    "headline_targets",
    "AlignmentRecord",
    "inal_vs_accuracy",
    "HEADLINE_SETTINGS",
    "as_rows",
    "format_table",
    "HELDOUT_SETTINGS",
    "sweep_targets",
    "HeldoutRecord",
    "heldout_sweep",
]

#: Settings of :func:`inal_vs_accuracy`: ``"small"`` is the chapter's (about 15 s on an idle
#: core, up to 40 s on a busy machine), ``"large"`` the same experiment with 4x more seeds
#: and initializations (about a minute on one core), for tighter confidence intervals.
HEADLINE_SETTINGS: dict[str, dict] = {
    "small": dict(n=15, hidden=(128,), n_seeds=8, n_init=32, steps=500, batch_size=64, lr=0.1,
                  loss="hinge"),
    "large": dict(n=15, hidden=(128,), n_seeds=32, n_init=128, steps=500, batch_size=64, lr=0.1,
                  loss="hinge"),
}


# ---------------------------------------------------------------------------
# Targets
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetSpec:
    """A target of the headline experiment with a short ``label`` and its ``family``."""

    label: str
    family: str
    target: BooleanTarget


def _balanced_table(size: int, gen: torch.Generator) -> torch.Tensor:
    """A uniformly random ±1 vector of even length ``size`` with as many +1 as -1."""
    table = torch.ones(size, dtype=torch.float64)
    table[size // 2:] = -1.0
    return table[torch.randperm(size, generator=gen)]


def headline_targets(n: int = 15, seed: SeedLike = 0) -> list[TargetSpec]:
    r"""Thirteen targets on n bits spanning many orders of magnitude of INAL.

    All are balanced (:math:`\mathbb{E}f=0`) except the random function
    (:math:`|\mathbb{E}f|` of order :math:`2^{-n/2}`), so the accuracy of the best
    constant predictor is 1/2 (up to that) for every one of them:

    * parities :math:`\chi_S` with :math:`|S|` = 1, 2, 3, 4, 6 and the full parity
      :math:`|S| = n`;
    * majority of all bits (of the first n - 1 when n is even, to avoid ties);
    * the staircases :math:`\mathrm{sign}(x_1 + x_1x_2 + \dots + x_1\cdots x_k)` for
      k = 3 and 5 (odd k: no ties, balanced);
    * a balanced random 4-junta (a random truth table on 4 bits with eight +1's);
    * two mixtures, majorities of three functions on disjoint supports:
      :math:`\mathrm{Maj}(\chi_{0123},\chi_{4567},x_8)` (degree-1 weight 1/4) and
      :math:`\mathrm{Maj}(\chi_{012},\chi_{345},\chi_{678})` (no weight below degree 3);
    * a uniformly random function of all n bits.

    Parameters
    ----------
    n : int
        Number of bits, 9 <= n <= 24 (the mixtures use bits 0..8).
    seed : int in [0, 2**62] or torch.Generator
        Draws the junta's table and the random function.
    """
    n = check_n(n, enumerate_all=True)
    if n < 9:
        raise ValueError(f"n must be at least 9 for the headline targets (the mixtures use "
                         f"bits 0..8), got {n}")
    gen = make_generator(check_seed(seed))
    junta_table = _balanced_table(16, gen)
    random_seed = int(torch.randint(0, 2**62, (1,), generator=gen))
    odd = n if n % 2 else n - 1
    specs = [TargetSpec(f"parity k={k}", "parity", Parity(n, k=k)) for k in (1, 2, 3, 4, 6)]
    specs.append(TargetSpec(f"parity k={n} (full)", "parity", Parity(n, k=n)))
    specs += [
        TargetSpec(f"majority ({odd} bits)", "majority", Majority(n, support=range(odd))),
        TargetSpec("staircase k=3", "staircase", Staircase(n, 3)),
        TargetSpec("staircase k=5", "staircase", Staircase(n, 5)),
        TargetSpec("random 4-junta", "junta", Junta(n, range(4), junta_table)),
        TargetSpec("Maj(χ4, χ4, x)", "mixture",
                   Mixture([Parity(n, [0, 1, 2, 3]), Parity(n, [4, 5, 6, 7]), Parity(n, [8])],
                           [1.0, 1.0, 1.0])),
        TargetSpec("Maj(χ3, χ3, χ3)", "mixture",
                   Mixture([Parity(n, [0, 1, 2]), Parity(n, [3, 4, 5]), Parity(n, [6, 7, 8])],
                           [1.0, 1.0, 1.0])),
        TargetSpec("random function", "random", RandomFunction(n, seed=random_seed)),
    ]
    return specs


# ---------------------------------------------------------------------------
# INAL against accuracy on the hypercube
# ---------------------------------------------------------------------------


@dataclass
class AlignmentRecord:
    r"""One target of :func:`inal_vs_accuracy`.

    Attributes
    ----------
    label, family : str
    n : int
    inal, inal_stderr : float
        INAL of the architecture, exact over the inputs, and its standard error over
        ``n_init`` initializations: the average of
        :math:`\mathbb{E}_\theta\langle f,\mathrm{NN}_v\rangle^2` over layer ``inal_layer``.
    inal_layer : int
        The layer reported (0: first hidden layer).
    inal_per_layer, inal_per_layer_stderr : list of float
        Every layer's average and standard error (the read-out last).
    accuracy_mean, accuracy_stderr, accuracy_ci : float
        Mean over seeds of the final accuracy (exact over all :math:`2^n` inputs), its
        standard error and the half-width of its 95 % Student-t interval.
    accuracies : list of float
        Final accuracy of each seed.
    initial_accuracy : float
        Mean accuracy at initialization (step 0).
    constant_baseline : float
        Accuracy of the best constant predictor, :math:`(1+|\mathbb{E}f|)/2`.
    degree_weights : list of float
        :math:`W^k(f)` for k = 0..n.
    steps, n_seeds, n_init : int
    curve_steps : list of int; curve_accuracy : list of float
        Mean accuracy over seeds at the evaluation steps.
    """

    label: str
    family: str
    n: int
    inal: float
    inal_stderr: float
    inal_layer: int
    inal_per_layer: list[float]
    inal_per_layer_stderr: list[float]
    accuracy_mean: float
    accuracy_stderr: float
    accuracy_ci: float
    accuracies: list[float]
    initial_accuracy: float
    constant_baseline: float
    degree_weights: list[float] = field(repr=False)
    steps: int = 0
    n_seeds: int = 0
    n_init: int = 0
    curve_steps: list[int] = field(default_factory=list, repr=False)
    curve_accuracy: list[float] = field(default_factory=list, repr=False)


def _check_targets(targets, n: int) -> list[TargetSpec]:
    if targets is None:
        return headline_targets(n)
    if isinstance(targets, (str, bytes)) or not isinstance(targets, Sequence):
        raise TypeError("targets must be a non-empty sequence of TargetSpec or BooleanTarget, "
                        f"got {type(targets).__name__}")
    if not targets:
        raise ValueError("targets must be a non-empty sequence of TargetSpec or BooleanTarget, "
                         "got an empty one")
    specs = []
    for t in targets:
        if isinstance(t, TargetSpec):
            specs.append(t)
        elif isinstance(t, BooleanTarget):
            specs.append(TargetSpec(t.name, type(t).__name__.lower(), t))
        else:
            raise TypeError(f"targets must hold TargetSpec or BooleanTarget, got "
                            f"{type(t).__name__}")
    sizes = {s.target.n for s in specs}
    if len(sizes) != 1:
        raise ValueError(f"targets must all have the same n, got {sorted(sizes)}")
    if not all(s.target.is_boolean for s in specs):
        raise ValueError("targets must be ±1-valued (accuracy is measured)")
    return specs


def inal_vs_accuracy(targets: Sequence[TargetSpec | BooleanTarget] | None = None, *,
                     n: int = 15, hidden: Sequence[int] = (128,), activation: str = "relu",
                     init: str = "gaussian", bias: str = "gaussian", bias_std: float = 1.0,
                     n_seeds: int = 8, n_init: int = 32, steps: int = 500,
                     batch_size: int = 64, lr: float = 0.1, loss: str = "hinge",
                     inal_layer: int | None = 0, n_evals: int = 10, curve_test_size: int = 2048,
                     seed: SeedLike = 0, progress: bool = True,
                     executor=None) -> list[AlignmentRecord]:
    r"""INAL of a fully connected architecture and the accuracy SGD reaches, target by target.

    For every target f:

    1. the layer averages of :math:`\mathbb{E}_\theta\langle f,\mathrm{NN}_v\rangle^2`,
       exact over the :math:`2^n` inputs, Monte Carlo over ``n_init`` initializations
       (:func:`~inal_tutorial.data.estimate_inal_many`, which equals
       :func:`~inal_tutorial.alignment.estimate_inal` for every target, in one pass);
    2. ``n_seeds`` networks of the same architecture trained by minibatch SGD
       (:func:`~inal_tutorial.training.sgd`: ``steps`` steps of ``batch_size`` fresh
       uniform inputs per network, learning rate ``lr``, loss ``loss``), batched as one
       :class:`~inal_tutorial.networks.MLPEnsemble`;
    3. the final accuracy :math:`\Pr_x[\mathrm{sign}\,\mathrm{NN}(x)=f(x)]` of each
       network, exact over the cube (n <= 16) or on 10 000 uniform inputs; the learning
       curve on ``curve_test_size`` fresh uniform inputs.

    The initializations, the training inputs and the INAL's initializations are the
    same for every target (common random numbers): only the labels change.

    Parameters
    ----------
    targets : sequence of TargetSpec or BooleanTarget, optional
        Default :func:`headline_targets(n) <headline_targets>`.
    n : int
        Number of bits when ``targets`` is None, 9 <= n <= 24; given targets must all be
        on the same n <= 24 bits.
    hidden, activation, init, bias, bias_std
        The architecture, as in :class:`~inal_tutorial.networks.MLPEnsemble` (no output
        bias); ``hidden`` a non-empty sequence of widths in [1, 1 000 000].
    n_seeds, n_init : int
        Trained networks per target; initializations for the INAL estimate; each in
        [2, 100 000]. Each layer's weights ``n_seeds x width x fan-in`` and
        ``n_init x width x fan-in``, and one step's activations
        ``n_seeds x batch_size x width`` (8 bytes an entry), must fit the size cap of
        the package's tensor-size check (1 GiB by default, environment
        variable ``INAL_MAX_TENSOR_BYTES``).
    steps, batch_size, lr, loss
        The training budget and algorithm: 1 <= steps <= 10**8,
        1 <= batch_size <= 10**7, lr > 0, loss one of
        :data:`~inal_tutorial.training.LOSSES`.
    inal_layer : int or None
        Which layer's average is reported as ``inal``; None: the largest layer, as
        :func:`~inal_tutorial.alignment.estimate_inal` does. Default 0, the first hidden
        layer. With one hidden layer and no output bias the read-out
        :math:`\sum_j a_j\sigma_j` has *the same* expected alignment, since
        :math:`\mathbb{E}_a\langle f,\sum_j a_j\sigma_j\rangle^2=\frac1{\text{width}}\sum_j
        \langle f,\sigma_j\rangle^2` for i.i.d. :math:`a_j` of variance 1/width, but its
        estimate rests on one neuron per initialization instead of ``width``; taking the
        larger of two noisy estimates of the same number would bias INAL upward.
    n_evals, curve_test_size : int
        Points of the learning curve besides step 0 (1 <= n_evals <= steps), and its test
        inputs (1 <= curve_test_size <= 10**7).
    seed : int in [0, 2**62] or torch.Generator
        Master seed.
    progress : bool
        A ``tqdm`` bar over targets (silenced by TQDM_DISABLE=1).
    executor : optional
        Where the targets train, one task each (:func:`~inal_tutorial.executors.run_tasks`):
        None serially, an int for that many local processes, ``"dask"`` or a scheduler
        address for Dask. The records are the same for every executor.

    Returns
    -------
    list of AlignmentRecord, in the order of ``targets``.

    Notes
    -----
    The chapter's setting is ``HEADLINE_SETTINGS["small"]``; ``HEADLINE_SETTINGS["large"]``
    runs the same experiment with more seeds and initializations::

        records = inal_vs_accuracy(**HEADLINE_SETTINGS["large"])
    """
    specs = _check_targets(targets, check_n(n, enumerate_all=True) if targets is None else n)
    steps, batch_size, lr, loss, n_seeds, n_init = _check_training(steps, batch_size, lr, loss,
                                                                   n_seeds, n_init)
    n_evals = check_int(n_evals, "n_evals", low=1, high=steps)
    curve_test_size = check_int(curve_test_size, "curve_test_size", low=1, high=10**7)
    hidden = _check_widths(hidden, "hidden")
    seed = check_seed(seed)
    n_bits = specs[0].target.n
    if n_bits > 24:
        raise ValueError(f"targets must be on at most 24 bits (all 2^n inputs are enumerated), "
                         f"got n = {n_bits}")
    n_layers = len(hidden) + 1
    if inal_layer is not None:
        inal_layer = check_int(inal_layer, "inal_layer", low=0, high=n_layers - 1)
    _check_mlp_size(n_init, "n_init", n_bits, hidden)
    _check_mlp_size(n_seeds, "n_seeds", n_bits, hidden)
    check_size({"n_seeds": n_seeds, "batch_size": batch_size, "width": max(hidden)},
               what="one training step's activations")
    check_size({"2^n": 2**n_bits, "targets": len(specs)}, what="the truth tables")
    architecture = dict(activation=activation, init=init, bias=bias, bias_std=bias_std)
    net_seed, train_seed, inal_seed = spawn_seeds(seed, 3)

    tables = torch.stack([truth_table(s.target) for s in specs], dim=1)  # (2^n, T)
    # One task computes every target's INAL (one pass over the cube), the others train
    # one target each; the INAL task goes first so that it overlaps the training.
    tasks = [("inal", (n_bits, hidden, n_init, inal_seed, architecture, tables))]
    tasks += [("train", (spec.target, n_bits, hidden, architecture, n_seeds, steps, lr,
                         batch_size, loss, n_evals, curve_test_size, net_seed, train_seed))
              for spec in specs]
    results = run_tasks(_headline_part, tasks, executor, desc="targets", progress=progress)
    inals, trained = results[0], results[1:]
    records = []
    for j, (spec, (final, initial, curve_steps, curve)) in enumerate(
            zip(specs, trained, strict=True)):
        inal, table = inals[j], tables[:, j]
        layer = inal.layer if inal_layer is None else inal_layer
        mean, se, half = t_interval(final)
        records.append(AlignmentRecord(
            label=spec.label, family=spec.family, n=n_bits,
            inal=float(inal.per_layer[layer]), inal_stderr=float(inal.per_layer_stderr[layer]),
            inal_layer=layer, inal_per_layer=[float(v) for v in inal.per_layer],
            inal_per_layer_stderr=[float(v) for v in inal.per_layer_stderr],
            accuracy_mean=mean, accuracy_stderr=se, accuracy_ci=half,
            accuracies=[float(a) for a in final], initial_accuracy=initial,
            constant_baseline=float((1 + abs(float(table.mean()))) / 2),
            degree_weights=[float(w) for w in degree_profile(table)], steps=steps,
            n_seeds=n_seeds, n_init=n_init, curve_steps=curve_steps, curve_accuracy=curve))
    return records


def _headline_part(kind: str, args: tuple):
    """A task of :func:`inal_vs_accuracy`: every target's INAL, or one target's training.

    ``("inal", ...)`` returns the INAL results of all targets (exact over the cube);
    ``("train", ...)`` returns the final accuracies, the initial mean accuracy and the
    learning curve of one target's ensemble.
    """
    if kind == "inal":
        n_bits, hidden, n_init, inal_seed, architecture, tables = args
        inal_net = MLPEnsemble(n_bits, hidden, n_models=n_init, seed=inal_seed,
                               **architecture)
        return estimate_inal_many(all_inputs(n_bits), tables, inal_net)
    (f, n_bits, hidden, architecture, n_seeds, steps, lr, batch_size, loss, n_evals,
     curve_test_size, net_seed, train_seed) = args
    net = MLPEnsemble(n_bits, hidden, n_models=n_seeds, seed=net_seed, **architecture)
    history = sgd(net, f, steps=steps, lr=lr, batch_size=batch_size, loss=loss,
                  seed=train_seed, eval_every=max(1, steps // n_evals),
                  test_size=curve_test_size, progress=False)
    final = evaluate(net, f, loss=loss)["accuracy"]
    return (final, float(history["accuracy"][0].mean()), [int(s) for s in history.steps],
            [float(a) for a in history.mean("accuracy")])


# ---------------------------------------------------------------------------
# Tidy output
# ---------------------------------------------------------------------------


def as_rows(records: Sequence) -> list[dict]:
    """The records (dataclasses) as a list of dicts, one per record (e.g. for pandas)."""
    if isinstance(records, (str, bytes)) or not isinstance(records, Sequence):
        raise TypeError(f"records must be a sequence of dataclass records, got "
                        f"{type(records).__name__}")
    rows = []
    for r in records:
        if not is_dataclass(r) or isinstance(r, type):
            raise TypeError(f"records must hold dataclass instances, got {type(r).__name__}")
        rows.append(asdict(r))
    return rows


def format_table(records: Sequence, columns: Sequence[str], *, digits: int = 3) -> str:
    """A plain-text table of the given fields of the records, numbers to ``digits`` significant digits."""
    rows = as_rows(records)
    digits = check_int(digits, "digits", low=1, high=17)
    if isinstance(columns, str) or not columns:
        raise TypeError("columns must be a non-empty sequence of field names")
    for c in columns:
        if rows and c not in rows[0]:
            raise ValueError(f"unknown column {c!r}: expected one of {sorted(rows[0])}")

    def fmt(v) -> str:
        if isinstance(v, float):
            return f"{v:.{digits}g}"
        if isinstance(v, (list, tuple)):
            return "[" + ", ".join(fmt(u) for u in v) + "]"
        return str(v)

    cells = [[str(c) for c in columns]] + [[fmt(r[c]) for c in columns] for r in rows]
    widths = [max(len(row[j]) for row in cells) for j in range(len(columns))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
             for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# The headline experiment: held-out accuracy over an n-sweep
# ---------------------------------------------------------------------------

#: Settings of :func:`heldout_sweep`. ``"small"`` is the chapter's (about 25 s on an idle
#: core): n = 12, 15, 18, width 64, 8 seeds, a training set of 8n² inputs and 3n² SGD
#: steps. ``"large"`` adds n = 21, uses width 128, 32 seeds and 4n² steps (several
#: minutes on one core; tighter intervals and one more n).
HELDOUT_SETTINGS: dict[str, dict] = {
    "small": dict(ns=(12, 15, 18), hidden=(64,), n_seeds=8, train_per_n2=8, steps_per_n2=3,
                  batch_size=64, lr=0.1, holdout_size=8192),
    "large": dict(ns=(12, 15, 18, 21), hidden=(128,), n_seeds=32, train_per_n2=8,
                  steps_per_n2=4, batch_size=64, lr=0.1, holdout_size=16384),
}


def sweep_targets(n: int, seed: SeedLike = 0) -> list[TargetSpec]:
    r"""The balanced targets of the held-out sweep on n bits (9 <= n <= 24).

    Every one has :math:`\mathbb{E}f=0` exactly, so :math:`W^0(f)=0`, no part of its INAL
    is the constant term and the best constant predictor is right half of the time:

    * parities :math:`\chi_S` of fixed degree 1, 2, 3, 4, 5 (:math:`S=\{0,\dots,k-1\}`;
      degree 5 is the control of the next one: a fixed degree, INAL
      :math:`\Theta(n^{-5})`, polynomial);
    * the parity of degree :math:`\lfloor n/3\rfloor` (4, 5, 6 at n = 12, 15, 18), whose
      degree grows with n, and the full parity;
    * majority of the first odd number of bits;
    * the staircase :math:`\mathrm{sign}(x_0+x_0x_1+\dots+x_0\cdots x_4)` of length 5;
    * the mixtures :math:`\mathrm{Maj}(\chi_{0123},\chi_{4567},x_8)` and
      :math:`\mathrm{Maj}(\chi_{012},\chi_{345},\chi_{678})`;
    * a uniformly random *balanced* function of all n bits (a random truth table with
      exactly :math:`2^{n-1}` entries +1), drawn from ``seed``.
    """
    n = check_n(n, enumerate_all=True)
    if n < 9:
        raise ValueError(f"n must be at least 9 for the sweep targets (the mixtures use bits "
                         f"0..8), got {n}")
    gen = make_generator(check_seed(seed))
    odd = n if n % 2 else n - 1
    specs = [TargetSpec(f"parity k={k}", "parity", Parity(n, k=k))
             for k in (1, 2, 3, 4, 5)]
    specs += [
        TargetSpec("parity k=n/3", "parity", Parity(n, k=n // 3)),
        TargetSpec("full parity", "parity", Parity(n, k=n)),
        TargetSpec("majority", "majority", Majority(n, support=range(odd))),
        TargetSpec("staircase k=5", "staircase", Staircase(n, 5)),
        TargetSpec("Maj(χ4, χ4, x)", "mixture",
                   Mixture([Parity(n, [0, 1, 2, 3]), Parity(n, [4, 5, 6, 7]), Parity(n, [8])],
                           [1.0, 1.0, 1.0])),
        TargetSpec("Maj(χ3, χ3, χ3)", "mixture",
                   Mixture([Parity(n, [0, 1, 2]), Parity(n, [3, 4, 5]), Parity(n, [6, 7, 8])],
                           [1.0, 1.0, 1.0])),
        TargetSpec("random balanced", "random", Junta(n, range(n), _balanced_table(2**n, gen))),
    ]
    return specs


@dataclass
class HeldoutRecord:
    r"""One (target, n) cell of :func:`heldout_sweep`.

    Attributes
    ----------
    label, family : str
    n : int
    inal : float
        Exact INAL of the architecture, :math:`\sum_k W^k(f)A_k(n)` with the exact profile
        of :func:`~inal_tutorial.profiles.gaussian_first_layer_profile` (every first-layer
        neuron; with one hidden layer the read-out has the same expected alignment).
    constant_part : float
        Its degree-0 part :math:`W^0(f)A_0(n)` (0 for the balanced sweep targets).
    target_mean, constant_baseline : float
        :math:`\mathbb{E}f` and the best constant's accuracy :math:`(1+|\mathbb{E}f|)/2`.
    train_size, steps, n_seeds, n_heldout : int
        The budget: training set size, SGD steps, seeds, held-out inputs evaluated.
    heldout_accuracies, train_accuracies : list of float
        Per seed: accuracy on held-out inputs (never in the training set) and on the
        training set.
    accuracy_mean : float
        Mean held-out accuracy over seeds.
    accuracy_low, accuracy_high : float
        Its 95 % percentile bootstrap interval over seeds.
    n_learned, n_weak : int
        Seeds with held-out accuracy at least ``learned_threshold`` (strong learning) and
        at least ``weak_threshold`` (weak learning: clearly above the best constant).
    """

    label: str
    family: str
    n: int
    inal: float
    constant_part: float
    target_mean: float
    constant_baseline: float
    train_size: int
    steps: int
    n_seeds: int
    n_heldout: int
    heldout_accuracies: list[float]
    train_accuracies: list[float]
    accuracy_mean: float
    accuracy_low: float
    accuracy_high: float
    n_learned: int
    n_weak: int


def _inputs_at(indices: torch.Tensor, n: int, dtype: torch.dtype) -> torch.Tensor:
    """The cube points with the given integer indices: x_j = (-1)^(bit j of i)."""
    bits = (indices.unsqueeze(1) >> torch.arange(n)) & 1
    return (1 - 2 * bits).to(dtype)


def heldout_sweep(ns: Sequence[int] = (12, 15, 18), *, targets=None,
                  hidden: Sequence[int] = (64,), n_seeds: int = 8, train_per_n2: float = 8,
                  steps_per_n2: float = 3, batch_size: int = 64, lr: float = 0.1,
                  loss: str = "hinge", holdout_size: int = 8192,
                  learned_threshold: float = 0.95, weak_threshold: float = 0.6,
                  dtype: torch.dtype = torch.float64, seed: SeedLike = 0,
                  progress: bool = True, executor=None) -> list[HeldoutRecord]:
    r"""INAL against *held-out* accuracy, for several targets and several n.

    For every n of ``ns`` (each in [9, 24]):

    1. a fixed training set of :math:`N=\lceil c_1n^2\rceil` distinct uniform points of
       the cube (``c1 = train_per_n2``), and a held-out set: the other :math:`2^n-N`
       points, or ``holdout_size`` of them drawn uniformly without replacement when
       there are more;
    2. for every target of ``targets(n)`` (default :func:`sweep_targets`), ``n_seeds``
       networks of one hidden layer (width ``hidden``, ReLU, Gaussian weights of variance
       1/fan-in, N(0,1) biases, no output bias) trained by minibatch SGD for
       :math:`T=\lceil c_2n^2\rceil` steps (``c2 = steps_per_n2``) of ``batch_size``
       training examples. A polynomial budget in samples and in steps;
    3. accuracy on the held-out set and on the training set, per seed; the mean over
       seeds with a bootstrap interval; the seeds that learned (held-out accuracy >=
       ``learned_threshold``) and weakly learned (>= ``weak_threshold``);
    4. the exact INAL :math:`\sum_kW^k(f)A_k(n)` and its degree-0 part.

    All targets and all n share the seeds of the initializations and of the minibatch
    indices (common random numbers); the (target, seed) pairs of one n are trained as
    one ensemble of ``len(targets) * n_seeds`` networks, in ``dtype`` (float64 by default,
    so that runs agree across CPUs).

    Parameters
    ----------
    ns : non-empty sequence of int in [9, 24]
    targets : callable n -> list of TargetSpec, optional
        Default :func:`sweep_targets` (with the sweep's seed).
    hidden : non-empty sequence of widths in [1, 100 000]
    n_seeds : int in [2, 100 000]
    train_per_n2, steps_per_n2 : float > 0
        The budget's constants; N is capped at :math:`2^n-1`.
    batch_size : int in [1, N]; lr : float > 0; loss : one of LOSSES
    holdout_size : int >= 1
    learned_threshold, weak_threshold : float in (0, 1]
    dtype : torch.float32 or torch.float64
    seed : int in [0, 2**62] or torch.Generator
    progress : bool
    executor : optional
        Where the n's run, one task each (:func:`~inal_tutorial.executors.run_tasks`):
        None serially, an int for that many local processes, ``"dask"`` or a scheduler
        address for Dask. The records are the same for every executor.

    Returns
    -------
    list of HeldoutRecord, n-major (all targets of the first n, then the next n).
    """
    if isinstance(ns, numbers.Integral):
        ns = (ns,)
    if isinstance(ns, (str, bytes)) or not isinstance(ns, Sequence) or not ns:
        raise TypeError(f"ns must be a non-empty sequence of ints, got {ns!r}")
    ns = tuple(check_n(v, "ns entry", enumerate_all=True) for v in ns)
    if min(ns) < 9:
        raise ValueError(f"every n must be at least 9, got {min(ns)}")
    hidden = _check_widths(hidden, "hidden", high=100_000)
    n_seeds = check_int(n_seeds, "n_seeds", low=2, high=100_000)
    train_per_n2 = check_float(train_per_n2, "train_per_n2", low=0.0, low_open=True)
    steps_per_n2 = check_float(steps_per_n2, "steps_per_n2", low=0.0, low_open=True)
    batch_size = check_int(batch_size, "batch_size", low=1, high=10**7)
    lr = check_float(lr, "lr", low=0.0, low_open=True)
    loss = check_choice(loss, "loss", tuple(LOSSES))
    holdout_size = check_int(holdout_size, "holdout_size", low=1, high=10**7)
    learned_threshold = check_float(learned_threshold, "learned_threshold", low=0.0,
                                    high=1.0, low_open=True)
    weak_threshold = check_float(weak_threshold, "weak_threshold", low=0.0, high=1.0,
                                 low_open=True)
    dtype = check_dtype(dtype)
    seed = check_seed(seed)
    if targets is not None and not callable(targets):
        raise TypeError(f"targets must be a callable n -> list of TargetSpec, got "
                        f"{type(targets).__name__}")

    net_seed, data_seed, target_seed, boot_seed = spawn_seeds(seed, 4)
    tasks = []
    for n in ns:
        specs = sweep_targets(n, target_seed) if targets is None else _check_targets(
            targets(n), n)
        if any(s.target.n != n for s in specs):
            raise ValueError(f"targets({n}) must return targets on {n} bits")
        n_train = min(2**n - 1, math.ceil(train_per_n2 * n * n))
        steps = math.ceil(steps_per_n2 * n * n)
        if batch_size > n_train:
            raise ValueError(f"batch_size must be at most the training set size {n_train}, "
                             f"got {batch_size}")
        groups = len(specs)
        _check_mlp_size(groups * n_seeds, "len(targets) * n_seeds", n, hidden)
        check_size({"models": groups * n_seeds, "batch_size": batch_size,
                    "width": max(hidden)}, what="one training step's activations")
        tasks.append((n, specs, n_train, steps, hidden, n_seeds, batch_size, lr, loss,
                      holdout_size, learned_threshold, weak_threshold, dtype, net_seed,
                      data_seed, boot_seed))
    per_n = run_tasks(_heldout_cell, tasks, executor, desc="n", progress=progress)
    return [record for records in per_n for record in records]


def _heldout_cell(n, specs, n_train, steps, hidden, n_seeds, batch_size, lr, loss,
                  holdout_size, learned_threshold, weak_threshold, dtype, net_seed, data_seed,
                  boot_seed) -> list[HeldoutRecord]:
    """One n of :func:`heldout_sweep` (a task of :func:`run_tasks`: seeds in, records out)."""
    from .profiles import gaussian_first_layer_profile

    groups = len(specs)
    tables = torch.stack([truth_table(s.target) for s in specs])  # (G, 2^n)
    gen = make_generator(data_seed)
    order = torch.randperm(2**n, generator=gen)
    train_idx = order[:n_train]
    held_idx = order[n_train:n_train + holdout_size]
    x_train = _inputs_at(train_idx, n, dtype).unsqueeze(0)
    x_held = _inputs_at(held_idx, n, dtype).unsqueeze(0)
    base = MLPEnsemble(n, hidden, n_models=n_seeds, seed=net_seed, dtype=dtype)
    net = MLPEnsemble(n, hidden, n_models=groups * n_seeds, seed=net_seed, dtype=dtype)
    _tile_ensemble(base, net, groups)
    y_train = tables[:, train_idx].to(dtype)
    _train_groups(net, x_train, y_train, n_seeds=n_seeds, steps=steps, lr=lr,
                  batch_size=batch_size, loss=loss, gen=make_generator(data_seed + 1))
    held = _accuracy_groups(net, x_held, tables[:, held_idx].to(dtype), n_seeds)
    train = _accuracy_groups(net, x_train, y_train, n_seeds)
    profile = gaussian_first_layer_profile(n).values
    weights = degree_profile(tables).numpy()
    records = []
    for g, spec in enumerate(specs):
        mean_f = float(tables[g].mean())
        lo, hi = bootstrap_interval(held[g], seed=boot_seed)
        records.append(HeldoutRecord(
            label=spec.label, family=spec.family, n=n,
            inal=float(weights[g] @ profile),
            constant_part=float(weights[g][0] * profile[0]), target_mean=mean_f,
            constant_baseline=(1 + abs(mean_f)) / 2, train_size=n_train, steps=steps,
            n_seeds=n_seeds, n_heldout=int(held_idx.numel()),
            heldout_accuracies=[float(a) for a in held[g]],
            train_accuracies=[float(a) for a in train[g]],
            accuracy_mean=float(held[g].mean()), accuracy_low=lo, accuracy_high=hi,
            n_learned=int((held[g] >= learned_threshold).sum()),
            n_weak=int((held[g] >= weak_threshold).sum())))
    return records
