r"""The real-data experiments: initial alignment and trained accuracy on the 8×8 digits.

* :func:`digits_experiment` — a binary task on the 8×8 digits
  (:func:`~inal_tutorial.data.load_digits_task`): INAL on the training set and test
  accuracy after training, for a fully connected network and a small CNN, on the
  original images and on pixel-permuted images. :func:`mlp_permutation_check` checks
  that a fully connected network trained on permuted pixels from the correspondingly
  permuted initialization computes *the same function* as the original one.
* :func:`digits_grid` — INAL by the definition and test accuracy of the architectures
  :data:`DIGITS_ARCHITECTURES` (:func:`build_digits_network`) under graded pixel
  shuffles (tiles of b×b pixels in a random order).

Each has a small default that the chapter runs in seconds on one core and a documented
larger setting (:data:`DIGITS_SETTINGS`, :data:`DIGITS_GRID_SETTINGS`). The records are
dataclasses; :func:`~inal_tutorial.experiments.as_rows` turns a list of them into dicts.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
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
    check_seed,
    check_size,
)
from .convnets import CNNEnsemble
from .data import (
    DigitsTask,
    estimate_inal_on_data,
    load_digits_task,
    permute_first_layer,
    random_pixel_permutation,
)
from .executors import run_tasks
from .intervals import bootstrap_interval, t_interval
from .networks import MLPEnsemble
from .random import SeedLike, make_generator, spawn_seeds
from .training import LOSSES, evaluate, sgd

__all__ = [
    "DigitsRecord",
    "digits_experiment",
    "DIGITS_SETTINGS",
    "PermutationCheck",
    "mlp_permutation_check",
    "DIGITS_ARCHITECTURES",
    "DIGITS_GRID_SETTINGS",
    "DigitsCell",
    "build_digits_network",
    "digits_grid",
]

#: Settings of :func:`digits_experiment`: ``"small"`` for the chapter (about 8 s on an idle
#: core, up to 20 s on a busy machine), ``"large"`` with 32 seeds and 64 initializations
#: (about 30 s).
DIGITS_SETTINGS: dict[str, dict] = {
    "small": dict(n_seeds=8, n_init=16, steps=300, batch_size=64, lr=0.1, loss="hinge"),
    "large": dict(n_seeds=32, n_init=64, steps=300, batch_size=64, lr=0.1, loss="hinge"),
}


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
                      seed: SeedLike = 0, progress: bool = True,
                      executor=None) -> list[DigitsRecord]:
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
    first-layer neuron (see :func:`~inal_tutorial.experiments.inal_vs_accuracy`) but a
    far noisier estimate, so the maximum of the two would be biased upward; for the CNN
    the convolution is by far the best aligned layer (``inal_per_layer`` has them all).

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
        As in :func:`~inal_tutorial.experiments.inal_vs_accuracy`.
    permutation_seed : int in [0, 2**62]
    inal_layer : int >= 0 or None
    n_evals : int in [1, steps]
    seed : int in [0, 2**62] or torch.Generator
    progress : bool
    executor : optional
        Where the four cells run, one task each
        (:func:`~inal_tutorial.executors.run_tasks`): None serially, an int for that many
        local processes, ``"dask"`` or a scheduler address for Dask. The records are the
        same for every executor.

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

    cells = [(kind, pixels) for kind in ("MLP", "CNN") for pixels in ("original", "permuted")]
    permuted = task.permuted(seed=permutation_seed)
    architecture = (tuple(mlp_hidden), tuple(cnn_channels), tuple(cnn_hidden))
    tasks = [(kind, pixels, task if pixels == "original" else permuted, architecture, n_init,
              n_seeds, inal_seed, net_seed, train_seed, inal_layer, steps, lr, batch_size,
              loss, n_evals) for kind, pixels in cells]
    return run_tasks(_digits_cell, tasks, executor, desc="digits", progress=progress)


def _digits_cell(kind, pixels, data, architecture, n_init, n_seeds, inal_seed, net_seed,
                 train_seed, inal_layer, steps, lr, batch_size, loss,
                 n_evals) -> DigitsRecord:
    """One (architecture, pixel order) cell of :func:`digits_experiment` (a task)."""
    mlp_hidden, cnn_channels, cnn_hidden = architecture

    def build(models: int, model_seed: int):
        if kind == "MLP":
            return MLPEnsemble(data.n_features, mlp_hidden, n_models=models, seed=model_seed)
        return CNNEnsemble(data.image_shape, cnn_channels, cnn_hidden, n_models=models,
                           seed=model_seed)

    inal = estimate_inal_on_data(data.x_train, data.y_train, build(n_init, inal_seed))
    layer = inal.layer if inal_layer is None else inal_layer
    if layer >= len(inal.per_layer):
        raise ValueError(f"inal_layer must be at most {len(inal.per_layer) - 1} for the "
                         f"{kind}, got {layer}")
    net = build(n_seeds, net_seed)
    history = sgd(net, data.dataset(), steps=steps, lr=lr, batch_size=batch_size, loss=loss,
                  seed=train_seed, eval_every=max(1, steps // n_evals), progress=False)
    final = history.final("accuracy")
    mean, se, half = t_interval(final)
    return DigitsRecord(
        architecture=kind, pixels=pixels, n_parameters=_count_parameters(net),
        inal=float(inal.per_layer[layer]), inal_stderr=float(inal.per_layer_stderr[layer]),
        inal_layer=layer, inal_per_layer=[float(v) for v in inal.per_layer],
        inal_per_layer_stderr=[float(v) for v in inal.per_layer_stderr],
        inal_max_neuron=inal.max_neuron,
        train_accuracy_mean=float(history.final("train_accuracy").mean()),
        test_accuracy_mean=mean, test_accuracy_stderr=se, test_accuracy_ci=half,
        test_accuracies=[float(a) for a in final], steps=steps, n_seeds=n_seeds,
        n_init=n_init, curve_steps=[int(s) for s in history.steps],
        curve_test_accuracy=[float(a) for a in history.mean("accuracy")])


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
        As in :func:`~inal_tutorial.experiments.inal_vs_accuracy`.
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
                seed: SeedLike = 0, progress: bool = True,
                executor=None) -> list[DigitsCell]:
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
       (:func:`~inal_tutorial.data.linear_residual`), with the same unbiased estimator:
       the residual is orthogonal to every affine function of the pixels on the training
       set, so a linear architecture has true residual alignment 0 (its plug-in value is
       0 exactly, and the U-statistic, which subtracts the plug-in bias
       :math:`\sum_ia_i^2/(N(N-1))`, is slightly negative);
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
    executor : optional
        Where the independent parts run, one task each
        (:func:`~inal_tutorial.executors.run_tasks`): None serially, an int for that many
        local processes, ``"dask"`` or a scheduler address for Dask. The records are the
        same for every executor.

    Returns
    -------
    list of DigitsCell, architecture-major.
    """
    from .data import block_shuffle_permutation, linear_residual

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
    jobs = [(arch, tasks, residual, x_train, x_test, y_train, y_test, blocks, n_seeds,
             n_init, steps, lr, batch_size, loss, dtype, net_seed, train_seed, inal_seed,
             boot_seed) for arch in architectures]
    per_arch = run_tasks(_grid_architecture, jobs, executor, desc="architectures",
                         progress=progress)
    return [cell for cells in per_arch for cell in cells]


def _grid_architecture(arch, tasks, residual, x_train, x_test, y_train, y_test, blocks,
                       n_seeds, n_init, steps, lr, batch_size, loss, dtype, net_seed,
                       train_seed, inal_seed, boot_seed) -> list[DigitsCell]:
    """One architecture of :func:`digits_grid`, every block size (a task of run_tasks)."""
    from .data import inal_by_definition

    groups = len(blocks)
    inal_net = build_digits_network(arch, n_init, inal_seed, dtype)
    inals = [(inal_by_definition(t.x_train, t.y_train, inal_net),
              inal_by_definition(t.x_train, residual, inal_net))
             for t in tasks]
    base = build_digits_network(arch, n_seeds, net_seed, dtype)
    net = build_digits_network(arch, groups * n_seeds, net_seed, dtype)
    _tile_ensemble(base, net, groups)
    _train_groups(net, x_train, y_train, n_seeds=n_seeds, steps=steps, lr=lr,
                  batch_size=batch_size, loss=loss, gen=make_generator(train_seed))
    test = _accuracy_groups(net, x_test, y_test, n_seeds)
    train = _accuracy_groups(net, x_train, y_train, n_seeds)
    n_params = _count_parameters(base)
    cells = []
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
