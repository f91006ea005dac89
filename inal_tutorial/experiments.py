r"""The sweeps behind the headline chapter: initial alignment against what training achieves.

Two experiments, each returning tidy records (dataclasses; :func:`as_rows` turns a
list of them into dicts, one per row):

* :func:`inal_vs_accuracy` — for each target of a list (by default
  :func:`headline_targets`: parities of several degrees, majority, staircases, a junta,
  mixtures, a random function), the INAL of a fully connected architecture, exact over
  the cube, and the accuracy that minibatch SGD reaches after a fixed budget of steps,
  measured exactly over all :math:`2^n` inputs, for several seeds. All targets share
  the same initializations and the same stream of inputs: only the labels differ.
* :func:`digits_experiment` — a binary task on the 8×8 digits
  (:func:`~inal_tutorial.data.load_digits_task`): INAL on the training set and test
  accuracy after training, for a fully connected network and a small CNN, on the
  original images and on pixel-permuted images. :func:`mlp_permutation_check` checks
  that a fully connected network trained on permuted pixels from the correspondingly
  permuted initialization computes *the same function* as the original one.

Every experiment has a small default that the chapter runs in seconds on one core and
a documented larger setting (:data:`HEADLINE_SETTINGS`, :data:`DIGITS_SETTINGS`)
that tightens the confidence intervals without changing the experiment.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, is_dataclass

import numpy as np
import torch
from scipy import stats

from ._progress import progress_bar
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
from .convnets import CNNEnsemble
from .data import (
    DigitsTask,
    estimate_inal_many,
    estimate_inal_on_data,
    load_digits_task,
    permute_first_layer,
    random_pixel_permutation,
)
from .fourier import degree_profile
from .networks import MLPEnsemble
from .random import SeedLike, make_generator, spawn_seeds
from .training import LOSSES, evaluate, sgd

__all__ = [
    "TargetSpec",
    "headline_targets",
    "AlignmentRecord",
    "inal_vs_accuracy",
    "HEADLINE_SETTINGS",
    "DigitsRecord",
    "digits_experiment",
    "DIGITS_SETTINGS",
    "PermutationCheck",
    "mlp_permutation_check",
    "as_rows",
    "format_table",
    "t_interval",
    "bootstrap_interval",
    "RankCorrelation",
    "rank_correlation",
    "HELDOUT_SETTINGS",
    "sweep_targets",
    "HeldoutRecord",
    "heldout_sweep",
    "DIGITS_ARCHITECTURES",
    "DIGITS_GRID_SETTINGS",
    "DigitsCell",
    "build_digits_network",
    "digits_grid",
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

#: Settings of :func:`digits_experiment`: ``"small"`` for the chapter (about 8 s on an idle
#: core, up to 20 s on a busy machine), ``"large"`` with 32 seeds and 64 initializations
#: (about 30 s).
DIGITS_SETTINGS: dict[str, dict] = {
    "small": dict(n_seeds=8, n_init=16, steps=300, batch_size=64, lr=0.1, loss="hinge"),
    "large": dict(n_seeds=32, n_init=64, steps=300, batch_size=64, lr=0.1, loss="hinge"),
}


def t_interval(values: Sequence[float], level: float = 0.95) -> tuple[float, float, float]:
    r"""Mean, standard error and half-width of the Student-t confidence interval.

    For m values with sample standard deviation s: standard error :math:`s/\sqrt m` and
    half-width :math:`t_{m-1,(1+\text{level})/2}\cdot s/\sqrt m` (0 when m = 1).

    Parameters
    ----------
    values : array-like of real numbers
        Non-empty, finite (NaN or infinity is a ``ValueError``).
    level : float in (0, 1)
    """
    if isinstance(values, (str, bytes)):
        raise TypeError(f"values must be a sequence of real numbers, got {values!r}")
    try:
        raw = np.asarray(values)
        if np.iscomplexobj(raw):
            raise TypeError("values must be real, got complex values")
        values = np.asarray(raw, dtype=np.float64).ravel()
    except (ValueError, TypeError) as err:
        if "complex" in str(err):
            raise
        raise TypeError(f"values must be a sequence of real numbers, got "
                        f"{type(values).__name__}") from err
    if values.size == 0:
        raise ValueError("values must not be empty")
    if not np.isfinite(values).all():
        raise ValueError("values contains NaN or infinite entries")
    level = check_float(level, "level", low=0.0, high=1.0, low_open=True, high_open=True)
    mean = float(values.mean())
    if values.size == 1:
        return mean, 0.0, 0.0
    se = float(values.std(ddof=1) / math.sqrt(values.size))
    return mean, se, float(stats.t.ppf((1 + level) / 2, values.size - 1) * se)


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


def _check_widths(values, name: str, *, allow_empty: bool = False,
                  high: int = 1_000_000) -> tuple[int, ...]:
    """A sequence of layer widths in [1, high] (one int is one layer)."""
    if isinstance(values, numbers.Integral) and not isinstance(values, bool):
        values = (values,)
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise TypeError(f"{name} must be a sequence of positive integers, got "
                        f"{type(values).__name__} {values!r}")
    if not values and not allow_empty:
        raise ValueError(f"{name} must not be empty, got {values!r}")
    return tuple(check_int(v, f"{name} entry", low=1, high=high) for v in values)


def _check_mlp_size(models: int, models_name: str, n: int, hidden: tuple[int, ...]) -> None:
    """Refuse an ensemble whose weight tensors ``models x fan_out x fan_in`` exceed the cap."""
    sizes = (n, *hidden)
    for layer, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        check_size({models_name: models, f"hidden[{layer}]": fan_out,
                    "n" if layer == 0 else f"hidden[{layer - 1}]": fan_in},
                   what="a layer's weights")


def _check_training(steps, batch_size, lr, loss, n_seeds, n_init) -> tuple:
    return (check_int(steps, "steps", low=1, high=10**8),
            check_int(batch_size, "batch_size", low=1, high=10**7),
            check_float(lr, "lr", low=0.0, low_open=True),
            check_choice(loss, "loss", tuple(LOSSES)),
            check_int(n_seeds, "n_seeds", low=2, high=100_000),
            check_int(n_init, "n_init", low=2, high=100_000))


def inal_vs_accuracy(targets: Sequence[TargetSpec | BooleanTarget] | None = None, *,
                     n: int = 15, hidden: Sequence[int] = (128,), activation: str = "relu",
                     init: str = "gaussian", bias: str = "gaussian", bias_std: float = 1.0,
                     n_seeds: int = 8, n_init: int = 32, steps: int = 500,
                     batch_size: int = 64, lr: float = 0.1, loss: str = "hinge",
                     inal_layer: int | None = 0, n_evals: int = 10, curve_test_size: int = 2048,
                     seed: SeedLike = 0, progress: bool = True) -> list[AlignmentRecord]:
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
    inal_net = MLPEnsemble(n_bits, hidden, n_models=n_init, seed=inal_seed, **architecture)
    inals = estimate_inal_many(all_inputs(n_bits), tables, inal_net)
    records = []
    for j, spec in enumerate(progress_bar(specs, desc="targets", enabled=progress)):
        f, inal = spec.target, inals[j]
        layer = inal.layer if inal_layer is None else inal_layer
        net = MLPEnsemble(n_bits, hidden, n_models=n_seeds, seed=net_seed, **architecture)
        history = sgd(net, f, steps=steps, lr=lr, batch_size=batch_size, loss=loss,
                      seed=train_seed, eval_every=max(1, steps // n_evals),
                      test_size=curve_test_size, progress=False)
        final = evaluate(net, f, loss=loss)["accuracy"]
        mean, se, half = t_interval(final)
        table = tables[:, j]
        records.append(AlignmentRecord(
            label=spec.label, family=spec.family, n=n_bits,
            inal=float(inal.per_layer[layer]), inal_stderr=float(inal.per_layer_stderr[layer]),
            inal_layer=layer, inal_per_layer=[float(v) for v in inal.per_layer],
            inal_per_layer_stderr=[float(v) for v in inal.per_layer_stderr],
            accuracy_mean=mean, accuracy_stderr=se, accuracy_ci=half,
            accuracies=[float(a) for a in final],
            initial_accuracy=float(history["accuracy"][0].mean()),
            constant_baseline=float((1 + abs(float(table.mean()))) / 2),
            degree_weights=[float(w) for w in degree_profile(table)], steps=steps,
            n_seeds=n_seeds, n_init=n_init, curve_steps=[int(s) for s in history.steps],
            curve_accuracy=[float(a) for a in history.mean("accuracy")]))
    return records


# ---------------------------------------------------------------------------
# Real data: the 8×8 digits, MLP vs CNN, original vs permuted pixels
# ---------------------------------------------------------------------------


@dataclass
class DigitsRecord:
    r"""One (architecture, pixel order) cell of :func:`digits_experiment`.

    Attributes
    ----------
    architecture : {"MLP", "CNN"}
    pixels : {"original", "permuted"}
    n_parameters : int
        Trainable parameters per network.
    inal, inal_stderr : float
        INAL on the training set (empirical mean over it): the average over layer
        ``inal_layer`` of :math:`\mathbb{E}_\theta\langle y,\mathrm{NN}_v\rangle_{\mathcal D}^2`,
        and its standard error over ``n_init`` initializations.
    inal_layer : int
    inal_per_layer, inal_per_layer_stderr : list of float
    inal_max_neuron : float
        Largest per-neuron mean over initializations (biased upward; for a convolution it
        is the best position).
    train_accuracy_mean, test_accuracy_mean, test_accuracy_stderr, test_accuracy_ci : float
    test_accuracies : list of float
        Final test accuracy of each seed.
    steps, n_seeds, n_init : int
    curve_steps : list of int; curve_test_accuracy : list of float
    """

    architecture: str
    pixels: str
    n_parameters: int
    inal: float
    inal_stderr: float
    inal_layer: int
    inal_per_layer: list[float]
    inal_per_layer_stderr: list[float]
    inal_max_neuron: float
    train_accuracy_mean: float
    test_accuracy_mean: float
    test_accuracy_stderr: float
    test_accuracy_ci: float
    test_accuracies: list[float]
    steps: int = 0
    n_seeds: int = 0
    n_init: int = 0
    curve_steps: list[int] = field(default_factory=list, repr=False)
    curve_test_accuracy: list[float] = field(default_factory=list, repr=False)


def _count_parameters(network: torch.nn.Module) -> int:
    return sum(p[0].numel() for p in network.parameters())


def digits_experiment(task: DigitsTask | None = None, *, mlp_hidden: Sequence[int] = (128,),
                      cnn_channels: Sequence[int] = (8,), cnn_hidden: Sequence[int] = (64,),
                      n_seeds: int = 8, n_init: int = 16, steps: int = 300,
                      batch_size: int = 64, lr: float = 0.1, loss: str = "hinge",
                      permutation_seed: int = 1, inal_layer: int | None = 0, n_evals: int = 10,
                      seed: SeedLike = 0, progress: bool = True) -> list[DigitsRecord]:
    r"""INAL and trained accuracy of an MLP and a small CNN on digits, original vs permuted pixels.

    For each architecture (a fully connected :class:`~inal_tutorial.networks.MLPEnsemble`
    with ``mlp_hidden``; a :class:`~inal_tutorial.convnets.CNNEnsemble` with
    ``cnn_channels`` 3×3 convolutions, 2×2 average pooling and ``cnn_hidden``) and for
    the task with its original pixels and with one fixed random permutation of the pixels
    (``task.permuted(seed=permutation_seed)``):

    1. INAL on the training set by :func:`~inal_tutorial.data.estimate_inal_on_data`
       (``n_init`` initializations);
    2. ``n_seeds`` networks trained by minibatch SGD on the training set (``steps`` steps
       of ``batch_size`` examples; each seed its own shuffling);
    3. accuracy on the held-out test set.

    Both pixel orders use the same initialization seeds and the same minibatches.

    ``inal_layer`` chooses the layer whose average is reported as ``inal`` (default 0,
    the first layer; None: the largest layer average). For the MLP, with one hidden
    layer and no output bias, the read-out has exactly the expected alignment of a
    first-layer neuron (see :func:`inal_vs_accuracy`) but a far noisier estimate, so the
    maximum of the two would be biased upward; for the CNN the convolution is by far the
    best aligned layer (``inal_per_layer`` has them all).

    Parameters
    ----------
    task : DigitsTask, optional
        Default :func:`~inal_tutorial.data.load_digits_task`.
    mlp_hidden : non-empty sequence of widths in [1, 1 000 000]
    cnn_channels : non-empty sequence of widths in [1, 100 000]
        As in :class:`~inal_tutorial.convnets.CNNEnsemble`.
    cnn_hidden : sequence of widths in [1, 100 000] (may be empty)
    n_seeds, n_init : int
        Each in [2, 100 000]; the weights ``max(n_seeds, n_init) x width x fan-in`` and a
        convolution's outputs on a minibatch ``max(n_seeds, n_init) x batch_size x C x H x
        W`` must fit the size cap of the package's tensor-size check.
    steps, batch_size, lr, loss
        As in :func:`inal_vs_accuracy`.
    permutation_seed : int in [0, 2**62]
    inal_layer : int >= 0 or None
    n_evals : int in [1, steps]
    seed : int in [0, 2**62] or torch.Generator
    progress : bool

    Returns
    -------
    list of four DigitsRecord: (MLP, original), (MLP, permuted), (CNN, original),
    (CNN, permuted).
    """
    if task is not None and not isinstance(task, DigitsTask):
        raise TypeError(f"task must be a DigitsTask, got {type(task).__name__}")
    steps, batch_size, lr, loss, n_seeds, n_init = _check_training(steps, batch_size, lr, loss,
                                                                   n_seeds, n_init)
    n_evals = check_int(n_evals, "n_evals", low=1, high=steps)
    permutation_seed = check_seed(permutation_seed, "permutation_seed", allow_generator=False)
    if inal_layer is not None:
        inal_layer = check_int(inal_layer, "inal_layer", low=0)
    mlp_hidden = _check_widths(mlp_hidden, "mlp_hidden")
    cnn_channels = _check_widths(cnn_channels, "cnn_channels", high=100_000)
    cnn_hidden = _check_widths(cnn_hidden, "cnn_hidden", allow_empty=True, high=100_000)
    seed = check_seed(seed)
    task = load_digits_task() if task is None else task
    models = max(n_seeds, n_init)
    _check_mlp_size(models, "max(n_seeds, n_init)", task.n_features, mlp_hidden)
    height, width = task.image_shape
    for channels in cnn_channels:
        check_size({"max(n_seeds, n_init)": models, "batch_size": batch_size,
                    "cnn_channels entry": channels, "H x W": height * width},
                   what="a convolution's outputs on a minibatch")
    net_seed, train_seed, inal_seed = spawn_seeds(seed, 3)

    def build(kind: str, models: int, model_seed: int):
        if kind == "MLP":
            return MLPEnsemble(task.n_features, mlp_hidden, n_models=models, seed=model_seed)
        return CNNEnsemble(task.image_shape, cnn_channels, cnn_hidden, n_models=models,
                           seed=model_seed)

    cells = [(kind, pixels) for kind in ("MLP", "CNN") for pixels in ("original", "permuted")]
    permuted = task.permuted(seed=permutation_seed)
    records = []
    for kind, pixels in progress_bar(cells, desc="digits", enabled=progress):
        data = task if pixels == "original" else permuted
        inal = estimate_inal_on_data(data.x_train, data.y_train, build(kind, n_init, inal_seed))
        layer = inal.layer if inal_layer is None else inal_layer
        if layer >= len(inal.per_layer):
            raise ValueError(f"inal_layer must be at most {len(inal.per_layer) - 1} for the "
                             f"{kind}, got {layer}")
        net = build(kind, n_seeds, net_seed)
        history = sgd(net, data.dataset(), steps=steps, lr=lr, batch_size=batch_size, loss=loss,
                      seed=train_seed, eval_every=max(1, steps // n_evals), progress=False)
        final = history.final("accuracy")
        mean, se, half = t_interval(final)
        records.append(DigitsRecord(
            architecture=kind, pixels=pixels, n_parameters=_count_parameters(net),
            inal=float(inal.per_layer[layer]), inal_stderr=float(inal.per_layer_stderr[layer]),
            inal_layer=layer, inal_per_layer=[float(v) for v in inal.per_layer],
            inal_per_layer_stderr=[float(v) for v in inal.per_layer_stderr],
            inal_max_neuron=inal.max_neuron,
            train_accuracy_mean=float(history.final("train_accuracy").mean()),
            test_accuracy_mean=mean, test_accuracy_stderr=se, test_accuracy_ci=half,
            test_accuracies=[float(a) for a in final], steps=steps, n_seeds=n_seeds,
            n_init=n_init, curve_steps=[int(s) for s in history.steps],
            curve_test_accuracy=[float(a) for a in history.mean("accuracy")]))
    return records


@dataclass
class PermutationCheck:
    r"""Result of :func:`mlp_permutation_check`.

    Attributes
    ----------
    max_output_difference : float
        :math:`\max_{m,i}|\mathrm{NN}_m(x_i)-\mathrm{NN}'_m(x_{i,\pi})|` over the test set
        after training (0 up to floating-point rounding if training is equivariant).
    max_accuracy_difference : float
        Largest difference of test accuracy between a model and its permuted twin.
    inal_difference : float
        :math:`|\mathrm{INAL}-\mathrm{INAL}'|` of the two initializations on the training set.
    accuracies, permuted_accuracies : list of float
    steps : int
    dtype : str
    """

    max_output_difference: float
    max_accuracy_difference: float
    inal_difference: float
    accuracies: list[float]
    permuted_accuracies: list[float]
    steps: int
    dtype: str


def mlp_permutation_check(task: DigitsTask | None = None, *, hidden: Sequence[int] = (128,),
                          n_seeds: int = 4, steps: int = 200, batch_size: int = 64,
                          lr: float = 0.1, loss: str = "hinge", permutation_seed: int = 1,
                          seed: SeedLike = 0, dtype: torch.dtype = torch.float64
                          ) -> PermutationCheck:
    r"""Train an MLP on the digits and its permuted twin on permuted pixels; compare.

    The twin is :func:`~inal_tutorial.data.permute_first_layer` of the same
    initialization (first-layer weights :math:`W'_{:,j}=W_{:,\pi(j)}`, which has the same
    law as W), trained with the same minibatches on ``task.permuted(...)``. Every
    gradient step maps the pair (network, twin) to a pair of the same form, so the two
    compute the same function throughout training: the fully connected architecture
    cannot tell the pixel order apart. Run in float64 so that rounding stays near
    1e-12.

    Parameters
    ----------
    task : DigitsTask, optional
    hidden : non-empty sequence of widths in [1, 1 000 000]
    n_seeds : int in [2, 100 000]
        With ``n_seeds x width x fan-in`` and ``n_seeds x N x width`` within the size cap
        of the package's tensor-size check.
    steps, batch_size, lr, loss
        As in :func:`inal_vs_accuracy`.
    permutation_seed : int in [0, 2**62]
    seed : int in [0, 2**62] or torch.Generator
    dtype : torch.float32 or torch.float64
    """
    if task is not None and not isinstance(task, DigitsTask):
        raise TypeError(f"task must be a DigitsTask, got {type(task).__name__}")
    dtype = check_dtype(dtype)
    steps, batch_size, lr, loss, n_seeds, _ = _check_training(steps, batch_size, lr, loss,
                                                              n_seeds, 2)
    permutation_seed = check_seed(permutation_seed, "permutation_seed", allow_generator=False)
    hidden = _check_widths(hidden, "hidden")
    seed = check_seed(seed)
    task = load_digits_task(dtype=dtype) if task is None else task.to(dtype)
    _check_mlp_size(n_seeds, "n_seeds", task.n_features, hidden)
    check_size({"n_seeds": n_seeds, "N": max(len(task.y_train), len(task.y_test)),
                "width": max(hidden)}, what="the activations on a split")
    net_seed, train_seed = spawn_seeds(seed, 2)
    perm = random_pixel_permutation(task.n_features, permutation_seed)
    permuted = task.permuted(perm)
    net = MLPEnsemble(task.n_features, hidden, n_models=n_seeds, seed=net_seed, dtype=dtype)
    twin = permute_first_layer(net, perm)
    inal = estimate_inal_on_data(task.x_train, task.y_train, net)
    inal_twin = estimate_inal_on_data(permuted.x_train, permuted.y_train, twin)
    options = dict(steps=steps, lr=lr, batch_size=batch_size, loss=loss, seed=train_seed,
                   eval_every=steps, progress=False)
    sgd(net, task.dataset(), **options)
    sgd(twin, permuted.dataset(), **options)
    with torch.no_grad():
        diff = (net(task.x_test) - twin(permuted.x_test)).abs().max().item()
    acc = evaluate(net, task.dataset())["accuracy"]
    acc_twin = evaluate(twin, permuted.dataset())["accuracy"]
    return PermutationCheck(max_output_difference=float(diff),
                             max_accuracy_difference=float(np.abs(acc - acc_twin).max()),
                             inal_difference=abs(inal.value - inal_twin.value),
                             accuracies=[float(a) for a in acc],
                             permuted_accuracies=[float(a) for a in acc_twin], steps=steps,
                             dtype=str(dtype).replace("torch.", ""))


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
# Statistics for bimodal seed outcomes
# ---------------------------------------------------------------------------


def bootstrap_interval(values: Sequence[float], *, level: float = 0.95, n_boot: int = 2000,
                       seed: int = 0) -> tuple[float, float]:
    r"""Percentile bootstrap interval for the mean of ``values``.

    Resamples the m values with replacement ``n_boot`` times and returns the
    :math:`(1-\text{level})/2` and :math:`(1+\text{level})/2` quantiles of the resampled
    means. Suited to bounded, bimodal outcomes (accuracies of seeds that learn or not),
    where a Student-t interval can leave [0, 1].

    Parameters
    ----------
    values : non-empty sequence of finite reals
    level : float in (0, 1)
    n_boot : int in [10, 10**6]
    seed : int in [0, 2**62]
        Seed of the resampling (numpy's PCG64).
    """
    mean, _, _ = t_interval(values)  # validates
    values = np.asarray(values, dtype=np.float64).ravel()
    level = check_float(level, "level", low=0.0, high=1.0, low_open=True, high_open=True)
    n_boot = check_int(n_boot, "n_boot", low=10, high=10**6)
    seed = check_seed(seed, allow_generator=False)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, values.size, size=(n_boot, values.size))
    means = values[idx].mean(axis=1)
    lo, hi = np.quantile(means, [(1 - level) / 2, (1 + level) / 2])
    return float(lo), float(hi)


@dataclass(frozen=True)
class RankCorrelation:
    r"""Spearman's :math:`\rho` of two sequences and its bootstrap interval.

    Attributes
    ----------
    rho : float
        Spearman's rank correlation (ties get average ranks).
    low, high : float
        Percentile bootstrap interval (pairs resampled with replacement; resamples in
        which one coordinate is constant, where :math:`\rho` is undefined, are skipped).
    n_pairs, n_boot, n_used : int
        Pairs, resamples drawn, resamples with a defined :math:`\rho`.
    """

    rho: float
    low: float
    high: float
    n_pairs: int
    n_boot: int
    n_used: int


def _ranks(a: np.ndarray) -> np.ndarray:
    """Average ranks along the last axis (as scipy.stats.rankdata, vectorised)."""
    return np.apply_along_axis(stats.rankdata, -1, a)


def rank_correlation(x: Sequence[float], y: Sequence[float], *, level: float = 0.95,
                     n_boot: int = 2000, seed: int = 0) -> RankCorrelation:
    r"""Spearman's :math:`\rho(x, y)` with a percentile bootstrap interval over the pairs.

    :math:`\rho` is Pearson's correlation of the average ranks. The interval resamples the
    pairs :math:`(x_i, y_i)` with replacement ``n_boot`` times; a wide interval says the
    list of pairs is too short (or too tied) for the number to mean much.

    Parameters
    ----------
    x, y : sequences of finite reals of the same length >= 3, neither constant
    level : float in (0, 1)
    n_boot : int in [10, 10**6]
    seed : int in [0, 2**62]
    """
    t_interval(x)
    t_interval(y)
    x = np.asarray(x, dtype=np.float64).ravel()
    y = np.asarray(y, dtype=np.float64).ravel()
    if x.size != y.size or x.size < 3:
        raise ValueError(f"x and y must have the same length >= 3, got {x.size} and {y.size}")
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        raise ValueError("x and y must not be constant (the rank correlation is undefined)")
    level = check_float(level, "level", low=0.0, high=1.0, low_open=True, high_open=True)
    n_boot = check_int(n_boot, "n_boot", low=10, high=10**6)
    seed = check_seed(seed, allow_generator=False)
    rho = float(stats.spearmanr(x, y)[0])
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, x.size, size=(n_boot, x.size))
    rx, ry = _ranks(x[idx]), _ranks(y[idx])
    rx -= rx.mean(axis=1, keepdims=True)
    ry -= ry.mean(axis=1, keepdims=True)
    den = np.sqrt((rx**2).sum(axis=1) * (ry**2).sum(axis=1))
    ok = den > 0
    boots = (rx * ry).sum(axis=1)[ok] / den[ok]
    lo, hi = np.quantile(boots, [(1 - level) / 2, (1 + level) / 2])
    return RankCorrelation(rho=rho, low=float(lo), high=float(hi), n_pairs=int(x.size),
                           n_boot=n_boot, n_used=int(ok.sum()))


# ---------------------------------------------------------------------------
# Training many (target or data, seed) pairs as one ensemble
# ---------------------------------------------------------------------------


def _tile_ensemble(base: torch.nn.Module, net: torch.nn.Module, groups: int) -> None:
    """Copy the S models of ``base`` into ``net`` (G·S models): model g·S + s gets model s."""
    with torch.no_grad():
        for pb, p in zip(base.parameters(), net.parameters(), strict=True):
            p.copy_(pb.repeat(groups, *([1] * (pb.ndim - 1))))


def _train_groups(net: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, *, n_seeds: int,
                  steps: int, lr: float, batch_size: int, loss: str,
                  gen: torch.Generator) -> None:
    r"""Minibatch SGD of an ensemble of G·S models, model g·S + s on data group g.

    ``x`` is ``(Gx, N, d)`` and ``y`` ``(Gy, N)`` with Gx, Gy in {1, G}: one shared set of
    inputs or labels, or one per group. At every step seed s draws ``batch_size`` indices
    of the N training examples (with replacement); the same indices serve every group
    (common random numbers: groups differ only in their data). Each model takes the step
    :math:`\theta\leftarrow\theta-\gamma\nabla\,\overline{\ell}`, the mean loss over its batch.
    """
    params = [p for p in net.parameters() if p.requires_grad]
    loss_fn = LOSSES[loss]
    groups = max(x.shape[0], y.shape[0])
    m = groups * n_seeds
    n_data = x.shape[1]
    for _ in range(steps):
        idx = torch.randint(0, n_data, (n_seeds, batch_size), generator=gen)
        xb = x[:, idx].expand(groups, -1, -1, -1).reshape(m, batch_size, x.shape[2])
        yb = y[:, idx].expand(groups, -1, -1).reshape(m, batch_size)
        out = net(xb)
        total = loss_fn(out, yb).mean(dim=1).sum()
        grads = torch.autograd.grad(total, params)
        with torch.no_grad():
            for p, g in zip(params, grads, strict=True):
                p -= lr * g


@torch.no_grad()
def _accuracy_groups(net: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, n_seeds: int,
                     chunk: int = 512) -> np.ndarray:
    """Accuracy ``(G, S)`` of model g·S + s on ``(x[g], y[g])`` (shared when size 1)."""
    groups = max(x.shape[0], y.shape[0])
    m = groups * n_seeds
    hits = torch.zeros(m, dtype=torch.float64)
    for start in range(0, x.shape[1], chunk):
        xb = x[:, start:start + chunk]
        yb = y[:, start:start + chunk]
        if xb.shape[0] == 1:
            out = net(xb[0])
        else:
            out = net(xb.repeat_interleave(n_seeds, dim=0))
        lab = yb.expand(groups, -1).repeat_interleave(n_seeds, dim=0)
        hits += (torch.where(out >= 0, 1.0, -1.0).to(lab.dtype) == lab).sum(dim=1,
                                                                             dtype=torch.float64)
    return (hits / x.shape[1]).reshape(groups, n_seeds).numpy()


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

    * parities :math:`\chi_S` of fixed degree 1, 2, 3, 4 (:math:`S=\{0,\dots,k-1\}`);
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
    specs = [TargetSpec(f"parity k={k}", "parity", Parity(n, k=k)) for k in (1, 2, 3, 4)]
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
                  progress: bool = True) -> list[HeldoutRecord]:
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
    from .profiles import gaussian_first_layer_profile

    net_seed, data_seed, target_seed, boot_seed = spawn_seeds(seed, 4)
    records = []
    for n in progress_bar(ns, desc="n", enabled=progress):
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


# ---------------------------------------------------------------------------
# Real data: architectures x graded pixel shuffles on the 8×8 digits
# ---------------------------------------------------------------------------

#: The architectures of :func:`digits_grid`, from no locality to shared local filters.
DIGITS_ARCHITECTURES: tuple[str, ...] = ("linear", "MLP", "LC 3x3", "CNN 3x3", "CNN 5x5")

#: Settings of :func:`digits_grid`. ``"small"`` is the chapter's (about 15 s on an idle
#: core): 5 architectures x 4 block sizes (8 = original, 4, 2, 1 = full permutation),
#: 8 seeds, 16 initializations for the INAL, 200 SGD steps, float64 (float32 results
#: differ between BLAS code paths in the second digit). ``"large"``: 32 seeds, 64
#: initializations, 600 steps (a few minutes on one core).
DIGITS_GRID_SETTINGS: dict[str, dict] = {
    "small": dict(blocks=(8, 4, 2, 1), n_seeds=8, n_init=16, steps=200, batch_size=64,
                  lr=0.1, loss="hinge", dtype=torch.float64),
    "large": dict(blocks=(8, 4, 2, 1), n_seeds=32, n_init=64, steps=600, batch_size=64,
                  lr=0.1, loss="hinge", dtype=torch.float64),
}


@dataclass
class DigitsCell:
    r"""One (architecture, transform) cell of :func:`digits_grid`.

    Attributes
    ----------
    architecture : str
        One of :data:`DIGITS_ARCHITECTURES`.
    block : int
        Side of the shuffled tiles (8: original images; 1: all pixels permuted).
    n_parameters : int
    inal, inal_stderr : float
        INAL by the definition (:func:`~inal_tutorial.data.inal_by_definition`, unbiased
        estimator on the training set): largest neuron alignment over every layer, and its
        standard error over initializations.
    inal_layer, inal_position : int
        Where the maximum is (position -1 outside convolutional / locally connected layers).
    residual_inal, residual_inal_stderr : float
        The same for the label residual after the best linear fit
        (:func:`~inal_tutorial.data.linear_residual`, mean square 1).
    test_accuracies : list of float
        Per seed, on the held-out test images.
    test_accuracy_mean, test_accuracy_low, test_accuracy_high : float
        Mean and 95 % bootstrap interval over seeds.
    train_accuracy_mean : float
    n_seeds, n_init, steps : int
    """

    architecture: str
    block: int
    n_parameters: int
    inal: float
    inal_stderr: float
    inal_layer: int
    inal_position: int
    residual_inal: float
    residual_inal_stderr: float
    test_accuracies: list[float]
    test_accuracy_mean: float
    test_accuracy_low: float
    test_accuracy_high: float
    train_accuracy_mean: float
    n_seeds: int = 0
    n_init: int = 0
    steps: int = 0


def build_digits_network(architecture: str, n_models: int, seed: SeedLike = 0,
                         dtype: torch.dtype = torch.float32) -> torch.nn.Module:
    r"""One of the ensembles of :func:`digits_grid` for 8×8 images (64 inputs).

    * ``"linear"``: :class:`~inal_tutorial.networks.MLPEnsemble` with one hidden layer
      of 128 *linear* units (a linear function of the pixels, trained through a factorized
      parametrization);
    * ``"MLP"``: the same with ReLU;
    * ``"LC 3x3"``: :class:`~inal_tutorial.convnets.LocallyConnectedEnsemble`, 8 channels
      of 3×3 windows without weight sharing, 2×2 average pooling, 64 ReLU units;
    * ``"CNN 3x3"``, ``"CNN 5x5"``: :class:`~inal_tutorial.convnets.CNNEnsemble` with 8
      filters of that size, 2×2 average pooling, 64 ReLU units.

    All have normalized i.i.d. initialization (variance 1/fan-in, N(0,1) biases) and a
    linear read-out without bias.
    """
    architecture = check_choice(architecture, "architecture", DIGITS_ARCHITECTURES)
    from .convnets import LocallyConnectedEnsemble

    if architecture in ("linear", "MLP"):
        return MLPEnsemble(64, (128,), n_models=n_models, seed=seed, dtype=dtype,
                           activation="linear" if architecture == "linear" else "relu")
    if architecture == "LC 3x3":
        return LocallyConnectedEnsemble((8, 8), 8, (64,), n_models=n_models, kernel_size=3,
                                        seed=seed, dtype=dtype)
    k = int(architecture[-1])
    return CNNEnsemble((8, 8), (8,), (64,), n_models=n_models, kernel_size=k, seed=seed,
                       dtype=dtype)


def digits_grid(task: DigitsTask | None = None, *,
                architectures: Sequence[str] = DIGITS_ARCHITECTURES,
                blocks: Sequence[int] = (8, 4, 2, 1), n_seeds: int = 8, n_init: int = 16,
                steps: int = 300, batch_size: int = 64, lr: float = 0.1, loss: str = "hinge",
                permutation_seed: int = 1, dtype: torch.dtype = torch.float64,
                seed: SeedLike = 0, progress: bool = True) -> list[DigitsCell]:
    r"""INAL and test accuracy of several architectures on graded pixel shuffles of digits.

    For every block size b of ``blocks`` the task's images are transformed by
    :func:`~inal_tutorial.data.block_shuffle_permutation` (tiles of b×b pixels in a random
    order drawn from ``permutation_seed``; b = 8 keeps the images, b = 1 permutes all
    pixels), train and test alike. For every architecture
    (:func:`build_digits_network`) and transform:

    1. INAL by the definition on the training set (:func:`~inal_tutorial.data.inal_by_definition`,
       unbiased estimator, ``n_init`` initializations, the maximizing neuron selected on
       half of them and measured on the other half), and the same for the label residual
       after the best linear fit on the training set
       (:func:`~inal_tutorial.data.linear_residual`) with the empirical estimator: the
       residual is orthogonal to every affine function of the pixels on the training set,
       so a linear architecture has residual INAL 0 exactly and the plug-in bias of the
       others is about 1/N;
    2. ``n_seeds`` networks trained by minibatch SGD (``steps`` steps of ``batch_size``
       training images drawn with replacement, loss ``loss``, learning rate ``lr``);
    3. test accuracy per seed, its mean and bootstrap interval.

    Paired design: within an architecture, every transform starts from the same
    initializations and sees the same minibatch indices; the transforms (and all seeds)
    of one architecture are trained as one ensemble.

    Parameters
    ----------
    task : DigitsTask, optional
        Default :func:`~inal_tutorial.data.load_digits_task` (even vs odd digits).
    architectures : non-empty sequence of names from :data:`DIGITS_ARCHITECTURES`
    blocks : non-empty sequence of divisors of 8
    n_seeds, n_init : int in [2, 10 000]
    steps : int in [1, 10**6]; batch_size : int in [1, N_train]; lr : float > 0
    loss : one of LOSSES
    permutation_seed : int in [0, 2**62]
    dtype : torch.float32 or torch.float64
    seed : int in [0, 2**62] or torch.Generator
    progress : bool

    Returns
    -------
    list of DigitsCell, architecture-major.
    """
    from .data import block_shuffle_permutation, inal_by_definition, linear_residual

    if task is not None and not isinstance(task, DigitsTask):
        raise TypeError(f"task must be a DigitsTask, got {type(task).__name__}")
    if isinstance(architectures, str) or not isinstance(architectures, Sequence) \
            or not architectures:
        raise TypeError("architectures must be a non-empty sequence of names")
    architectures = [check_choice(a, "architecture", DIGITS_ARCHITECTURES)
                     for a in architectures]
    if isinstance(blocks, numbers.Integral):
        blocks = (blocks,)
    if isinstance(blocks, (str, bytes)) or not isinstance(blocks, Sequence) or not blocks:
        raise TypeError("blocks must be a non-empty sequence of ints")
    blocks = [check_int(b, "blocks entry", low=1, high=8) for b in blocks]
    if any(8 % b for b in blocks):
        raise ValueError(f"every block size must divide 8, got {blocks}")
    n_seeds = check_int(n_seeds, "n_seeds", low=2, high=10_000)
    n_init = check_int(n_init, "n_init", low=2, high=10_000)
    steps = check_int(steps, "steps", low=1, high=10**6)
    lr = check_float(lr, "lr", low=0.0, low_open=True)
    loss = check_choice(loss, "loss", tuple(LOSSES))
    permutation_seed = check_seed(permutation_seed, "permutation_seed", allow_generator=False)
    dtype = check_dtype(dtype)
    seed = check_seed(seed)
    task = load_digits_task(dtype=dtype) if task is None else task.to(dtype)
    if task.image_shape != (8, 8):
        raise ValueError(f"the task must have 8x8 images, got {task.image_shape}")
    batch_size = check_int(batch_size, "batch_size", low=1, high=len(task.y_train))
    net_seed, train_seed, inal_seed, boot_seed = spawn_seeds(seed, 4)
    tasks = [task.permuted(block_shuffle_permutation((8, 8), b, permutation_seed))
             for b in blocks]
    # The residual is orthogonal to every affine function of the pixels *on the training
    # set*, so its alignment is measured with the data set as the distribution.
    residual = linear_residual(task.x_train, task.y_train).to(dtype)
    x_train = torch.stack([t.x_train for t in tasks])
    x_test = torch.stack([t.x_test for t in tasks])
    y_train = task.y_train.to(dtype).unsqueeze(0)
    y_test = task.y_test.to(dtype).unsqueeze(0)
    groups = len(blocks)
    cells = []
    for arch in progress_bar(architectures, desc="architectures", enabled=progress):
        inal_net = build_digits_network(arch, n_init, inal_seed, dtype)
        inals = [(inal_by_definition(t.x_train, t.y_train, inal_net),
                  inal_by_definition(t.x_train, residual, inal_net, estimator="empirical"))
                 for t in tasks]
        base = build_digits_network(arch, n_seeds, net_seed, dtype)
        net = build_digits_network(arch, groups * n_seeds, net_seed, dtype)
        _tile_ensemble(base, net, groups)
        _train_groups(net, x_train, y_train, n_seeds=n_seeds, steps=steps, lr=lr,
                      batch_size=batch_size, loss=loss, gen=make_generator(train_seed))
        test = _accuracy_groups(net, x_test, y_test, n_seeds)
        train = _accuracy_groups(net, x_train, y_train, n_seeds)
        n_params = _count_parameters(base)
        for g, block in enumerate(blocks):
            inal, res = inals[g]
            lo, hi = bootstrap_interval(test[g], seed=boot_seed)
            cells.append(DigitsCell(
                architecture=arch, block=block, n_parameters=n_params, inal=inal.value,
                inal_stderr=inal.stderr, inal_layer=inal.layer, inal_position=inal.position,
                residual_inal=res.value, residual_inal_stderr=res.stderr,
                test_accuracies=[float(a) for a in test[g]],
                test_accuracy_mean=float(test[g].mean()), test_accuracy_low=lo,
                test_accuracy_high=hi, train_accuracy_mean=float(train[g].mean()),
                n_seeds=n_seeds, n_init=n_init, steps=steps))
    return cells
