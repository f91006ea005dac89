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
