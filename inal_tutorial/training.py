r"""Training ensembles of networks: noisy gradient descent and plain SGD.

One update rule covers both algorithms of the book. For every model m of an
ensemble (``M`` independent initializations held in one set of tensors, e.g.
:class:`~inal_tutorial.networks.MLPEnsemble`), with learning rate :math:`\gamma`,

.. math:: \theta_{t+1} = \theta_t - \gamma\,\big(\mathrm{clip}_A(g_t) + Z_t\big),
          \qquad Z_t\sim N(0,\sigma^2 I),

where

* :math:`g_t = \nabla_\theta\big[\tfrac1B\sum_{i\le B}\ell(\mathrm{NN}_\theta(x_i), y_i)
  + \tfrac\lambda2\|\theta\|^2\big]` is the gradient of the mean loss on the step's inputs
  plus weight decay :math:`\lambda`. The inputs are *all* :math:`2^n` points of the cube
  (``batch_size=None`` with a Boolean target: the exact **population gradient**), the whole
  fixed training set (``batch_size=None`` with a training set), or a minibatch of
  ``batch_size`` inputs (fresh uniform samples every step, or drawn from a fixed
  training set);
* :math:`\mathrm{clip}_A` clips **coordinate-wise** to :math:`[-A, A]`
  (:math:`\mathrm{clip}_A(v)_p = \min(A, \max(-A, v_p))`; ``clip=None``: no clipping);
* :math:`\sigma` is ``noise_std``. With ``noise_std=0`` and ``clip=None`` this is plain
  (S)GD.

Losses (labels :math:`y`, output :math:`f`): ``"square"`` :math:`(f-y)^2`,
``"hinge"`` :math:`\max(0, 1-yf)`, ``"logistic"`` :math:`\log(1+e^{-yf})`.
The square loss has no factor 1/2, so its population gradient is
:math:`\nabla\|\mathrm{NN}_\theta\|^2 - 2\langle f, \nabla\mathrm{NN}_\theta\rangle`
(see :mod:`inal_tutorial.lower_bound`).

Batching over seeds
-------------------
All M models take their step in one tensor operation: the training objective is the
sum over models of each model's mean loss, so one backward pass gives every model its
own gradient (model m's output depends on model m's parameters only). Randomness is
per model: model m draws its minibatches and its noise from its own generators, seeded
by ``seeds[m]`` (see :func:`training_seeds`), so model m follows *the same trajectory*
whether it is trained alone or inside an ensemble (up to float rounding of the batched
matrix products). Random numbers are drawn on the CPU and moved to ``device``.
With ``shared_batches=True`` all models train on model 0's minibatch stream instead (one
wide matrix product for the first layer; the models are then not independent in their
data, see :func:`train`).

Gradients
---------
For an :class:`~inal_tutorial.networks.MLPEnsemble` (the class itself, every parameter
trainable, no hooks) with one of the three losses and an activation among relu, tanh,
sigmoid, gelu, abs, quadratic and linear, the loop computes the gradient with a
hand-written backward pass (activations kept as ``(M, width, N)`` batched products, the
weight update fused into the product that computes its gradient when there is no
clipping) instead of ``torch.autograd``: the same gradient and the same update rule,
summed in another order, so results agree with the autograd path to float rounding
(checked to 1e-12 in float64 by the tests). Every other network (and the sign
activation, which has no gradient) goes through autograd. ``history.config["gradient"]``
says which path ran.

Public API
----------
``train(model, task, *, steps, lr, **options) -> TrainingHistory``
    The training loop; trains ``model`` in place. Options: ``loss="square"``,
    ``batch_size=None``, ``train_size=None``, ``noise_std=0.0``, ``clip=None``,
    ``weight_decay=0.0``, ``seed=0``, ``data_seed=None``, ``test_size=None``,
    ``eval_every=None``, ``support=None``, ``stop_accuracy=None``, ``callback=None``,
    ``device=None``, ``progress=True`` (see :func:`train`). ``task`` is a
    :class:`~inal_tutorial.boolean.BooleanTarget` (inputs uniform on the cube) or an
    :class:`ArrayDataset` (a fixed ``(X, y)`` training set and a test set).
``noisy_gd(model, task, *, steps, lr, noise_std, clip, ...)``
    :func:`train` with the square loss and the full (population) gradient by default.
``sgd(model, task, *, steps, lr, batch_size, loss="hinge", ...)``
    :func:`train` without noise or clipping.
``TrainingHistory``
    Metrics at the evaluation steps: ``history["accuracy"]`` is an array
    ``(n_evals, M)``; ``history.steps``; ``.mean(name)``, ``.final(name)``,
    ``.steps_to(name, threshold)``, ``.records()``.
``ArrayDataset(X_train, y_train, X_test=None, y_test=None)``
    A generic data set of real-valued inputs of any shape.
``evaluate``, ``loss_gradient``, ``flat_gradient``, ``clip_coordinates``, ``LOSSES``, ``training_seeds``
    The pieces of a step, used by :mod:`inal_tutorial.lower_bound` and the tests.

The ensemble interface
----------------------
``model`` is any ``torch.nn.Module`` whose trainable parameters all have the number of
models M as their leading dimension, and whose ``forward`` maps inputs ``(N, *shape)``
(the same inputs for every model) **and** ``(M, N, *shape)`` (one batch per model) to
outputs ``(M, N)``. :class:`~inal_tutorial.networks.MLPEnsemble` is one.

Metrics recorded (each an array ``(n_evals, M)``)
-------------------------------------------------
``loss``, ``accuracy`` (sign agreement; only for :math:`\pm1` labels) and ``correlation``
:math:`\mathbb{E}[y\,\mathrm{NN}(x)]` on the evaluation set: all :math:`2^n` inputs
(exact, default for n <= 16) or ``test_size`` fresh uniform inputs for a Boolean target;
the test set of an :class:`ArrayDataset`. ``train_loss``/``train_accuracy`` on a fixed
training set when there is one. ``support_mass`` for a first layer and a known support
S (the target's ``support``, the staircase's first k bits, or ``support=``): the
fraction :math:`\sum_{j\in S}\sum_u W_{uj}^2/\sum_j\sum_u W_{uj}^2` of the first-layer
weight mass on S (about :math:`|S|/n` at initialization): a progress measure that can
grow while the loss is flat.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence

import numpy as np
import torch
from torch import nn

from . import _mlp_gradients as _mlp
from . import _training_checks as _checks
from . import _training_data as _data
from . import _training_loop as _loop
from . import _training_step as _step
from ._training_data import EXACT_EVAL_MAX_N, ArrayDataset  # noqa: F401 (re-exported)
from ._training_records import FirstLayerMovement, TrainingHistory
from ._training_step import (
    clip_coordinates,
    ensemble_parameters,
    flat_gradient,
    loss_gradient,
    training_seeds,
)
from ._validation import (
    MAX_ENUMERATION_N,
    DivergenceError,
    check_choice,
    check_device,
    check_float,
    check_int,
    check_seed,
    check_size,
)
from .boolean import BooleanTarget
from .random import SeedLike, make_generator

# The public classes defined in the private modules are documented (and pickled) here.
for _cls in (ArrayDataset, TrainingHistory, FirstLayerMovement):
    _cls.__module__ = __name__
del _cls

__all__ = [
    "LOSSES",
    "ArrayDataset",
    "TrainingHistory",
    "train",
    "noisy_gd",
    "sgd",
    "evaluate",
    "loss_gradient",
    "flat_gradient",
    "clip_coordinates",
    "training_seeds",
    "ensemble_parameters",
    "DivergenceError",
    "FirstLayerMovement",
]

#: Largest n for which the population gradient (all 2^n inputs per step) is allowed.
POPULATION_MAX_N = 20


#: Pointwise losses ``loss(output, label)`` by name: ``"square"`` :math:`(f-y)^2`,
#: ``"hinge"`` :math:`\max(0, 1-yf)`, ``"logistic"`` :math:`\log(1+e^{-yf})`.
LOSSES: dict[str, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]] = _step.LOSSES



def evaluate(model: nn.Module, task, *, loss: str = "square", test_size: int | None = None,
             data_seed: int = 0, support: Sequence[int] | None = None) -> dict[str, np.ndarray]:
    """The metrics :func:`train` records, for the model as it is now: a dict of ``(M,)`` arrays.

    For a Boolean target the evaluation set is the whole cube when n <= 16 and
    ``test_size`` is None, else ``test_size`` (default 10 000) uniform inputs drawn from
    ``data_seed``; for an :class:`ArrayDataset` its test set.

    ``data_seed`` is an int in [0, 2**62]; ``test_size`` in [1, 10**8] with
    ``test_size x n`` within the tensor-size cap; the task must be on the model's n.
    """
    loss_fn = LOSSES[check_choice(loss, "loss", tuple(LOSSES))]
    task = _check_task(task)
    params, m = ensemble_parameters(model)
    _checks.check_task_fits(model, task)
    data_seed = check_seed(data_seed, "data_seed", allow_generator=False)
    if test_size is not None:
        test_size = check_int(test_size, "test_size", low=1, high=10**8)
        if not isinstance(task, ArrayDataset):
            check_size({"test_size": test_size, "n": task.n}, what="the test inputs")
    x, y, _ = _data.evaluation_set(task, params[0].dtype, params[0].device, test_size, data_seed)
    values = _data.metrics_on(model, x, y, loss_fn, m)
    sup = _data.support_of(task, support)
    if sup is not None:
        mass = _data.support_mass(model, sup)
        if mass is not None:
            values["support_mass"] = mass
    return {k: v.cpu().numpy() for k, v in values.items()}


def _check_task(task):
    if isinstance(task, (BooleanTarget, ArrayDataset)):
        return task
    raise TypeError(f"task must be a BooleanTarget or an ArrayDataset, got {type(task).__name__}")


# ---------------------------------------------------------------------------
# The training loop
# ---------------------------------------------------------------------------


def train(model: nn.Module, task, *, steps: int, lr: float, loss: str = "square",
          batch_size: int | None = None, train_size: int | None = None, noise_std: float = 0.0,
          clip: float | None = None, weight_decay: float = 0.0,
          seed: SeedLike | Sequence[int] = 0, data_seed: int | None = None,
          test_size: int | None = None, eval_every: int | None = None,
          support: Sequence[int] | None = None, stop_accuracy: float | None = None,
          callback: Callable[[int, nn.Module], None] | None = None,
          device: str | torch.device | None = None, progress: bool = True,
          shared_batches: bool = False) -> TrainingHistory:
    r"""Train every model of an ensemble by :math:`\theta\leftarrow\theta-\gamma(\mathrm{clip}_A(g)+Z)`.

    The model is trained **in place**; the returned history holds its metrics.

    Parameters
    ----------
    model : nn.Module
        An ensemble (see the module docstring), e.g. ``MLPEnsemble(n, (256,), n_models=8)``.
    task : BooleanTarget or ArrayDataset
        A target on the uniform cube, or a fixed data set.
    steps : int
        Number T of updates (>= 0).
    lr : float
        Learning rate :math:`\gamma > 0`.
    loss : {"square", "hinge", "logistic"}
    batch_size : int, optional
        Examples per step and per model. ``None``: every step uses all inputs, i.e. the
        exact population gradient over the :math:`2^n` points of the cube (n <= 20), or the
        full training set.
    train_size : int, optional
        Boolean targets only: draw a fixed training set of this many uniform inputs (from
        ``data_seed``, shared by the models) instead of fresh samples at every step.
    noise_std : float
        :math:`\sigma\ge 0`, standard deviation of the Gaussian noise added to the clipped
        gradient (independent across models, steps and coordinates).
    clip : float, optional
        :math:`A>0`: clip each gradient coordinate to :math:`[-A, A]`; ``None``: no clipping.
    weight_decay : float
        :math:`\lambda\ge0`: :math:`\lambda\theta` is added to the gradient before clipping.
    seed : int or sequence of int
        Per-model randomness (minibatches, noise): an int gives
        ``training_seeds(seed, M)``; a list gives each model's seed explicitly.
    data_seed : int, optional
        Seed of the fixed training set and of the sampled test set (default: ``seed`` if it
        is an int, else 0). Shared by the models.
    test_size : int, optional
        Boolean targets: evaluate on this many fresh uniform inputs instead of the whole
        cube (the default for n <= 16; 10 000 samples above).
    eval_every : int, optional
        Record metrics every this many steps (default ``max(1, steps // 50)``), and always at
        step 0 and at the last step.
    support : sequence of int, optional
        Coordinates for the ``support_mass`` metric (default: the target's support).
    stop_accuracy : float, optional
        Stop early once every model's evaluation accuracy is at least this.
    callback : callable, optional
        ``callback(step, model)`` after every update (``step`` = updates done so far).
    device : str or torch.device, optional
        Move the model and the data there (default: where the model is).
    progress : bool
        Show a ``tqdm`` progress bar (silenced by the environment variable TQDM_DISABLE=1).
    shared_batches : bool
        Minibatch SGD only (``batch_size`` given): every model trains on the *same*
        minibatch at each step, the one model 0 draws from ``seeds[0]`` (model 0's run is
        unchanged), so that the first layer of all models is one wide matrix product.
        **This changes the statistics**: the models still start from independent
        initializations and get independent noise, but they no longer see independent
        data, so their outcomes are correlated through the shared minibatch sequence (an
        average over them estimates the mean over initializations for *one* data stream,
        and its spread under-states the spread over data). Default ``False``: every model
        draws its own minibatches.

    Returns
    -------
    TrainingHistory

    Raises
    ------
    DivergenceError
        (a ``ValueError``) when a model's loss becomes non-finite during the run (every
        step's ``(M,)`` losses are kept and checked at each evaluation and every 256 steps,
        the parameters at the end): the message names the first step whose loss was not
        finite, ``lr`` and, when used, ``noise_std`` and ``clip``.
    ValueError, TypeError
        For bad arguments, each named: ``steps`` in [0, 10**9]; ``lr`` finite > 0;
        ``noise_std``, ``weight_decay`` finite >= 0; ``clip`` None or finite > 0; ``seed`` an
        int in [0, 2**62], a generator, or a list of M such ints; ``data_seed`` an int in
        [0, 2**62]; ``batch_size``, ``train_size``, ``test_size`` in [1, 10**8]; the task on
        the model's ``n_inputs``; ``device`` "cpu" or an available "cuda[:i]". Sizes are
        also refused, before allocation, when one step's inputs or activations
        (``n_models x batch_size x max(n, width)``, or ``2^n`` rows for the population
        gradient), the training set (``train_size x n``) or the test inputs
        (``test_size x n``) would exceed the tensor-size cap (1 GiB by default, environment
        variable ``INAL_MAX_TENSOR_BYTES``).
    """
    task = _check_task(task)
    steps = check_int(steps, "steps", low=0, high=10**9)
    lr = check_float(lr, "lr", low=0.0, low_open=True)
    loss_fn = LOSSES[check_choice(loss, "loss", tuple(LOSSES))]
    noise_std = check_float(noise_std, "noise_std", low=0.0)
    if clip is not None:
        clip = check_float(clip, "clip", low=0.0, low_open=True)
    weight_decay = check_float(weight_decay, "weight_decay", low=0.0)
    if stop_accuracy is not None:
        stop_accuracy = check_float(stop_accuracy, "stop_accuracy", low=0.0, high=1.0)
    if test_size is not None:
        test_size = check_int(test_size, "test_size", low=1, high=10**8)
    eval_every = max(1, steps // 50) if eval_every is None else check_int(eval_every, "eval_every",
                                                                           low=1)
    if not isinstance(seed, (list, tuple, np.ndarray)):
        seed = check_seed(seed)
    if data_seed is None:
        data_seed = int(seed) if isinstance(seed, numbers.Integral) else 0
    data_seed = check_seed(data_seed, "data_seed", allow_generator=False)
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    _checks.check_task_fits(model, task)
    if device is not None:
        model.to(check_device(device))
    params, n_models = ensemble_parameters(model)
    dtype, device = params[0].dtype, params[0].device
    # A step size beyond the parameters' float range cannot even be applied (PyTorch
    # refuses the scalar): say so, naming the range, instead of a RuntimeError mid-run.
    if lr > torch.finfo(dtype).max:
        raise ValueError(f"lr must be at most {torch.finfo(dtype).max:.3g} for {dtype} "
                         f"parameters, got {lr:g}")
    seeds = training_seeds(seed, n_models)
    # Two generators per model, so that changing noise_std leaves the minibatches unchanged.
    data_gens = [make_generator(s) for s in seeds]
    noise_gens = [_checks.derived_generator(s ^ 0x5DEECE66D) for s in seeds]

    # Where the inputs of each step come from.
    if isinstance(task, ArrayDataset):
        if train_size is not None:
            raise ValueError("train_size is for Boolean targets; an ArrayDataset has its own "
                             "training set")
        X = task.X_train.to(dtype=dtype, device=device)
        Y = task.y_train.to(dtype=dtype, device=device)
        n_data, what = X.shape[0], "the training set"
    elif train_size is not None:
        train_size = check_int(train_size, "train_size", low=1, high=10**8)
        check_size({"train_size": train_size, "n": task.n}, what="the training set")
        gen = make_generator(data_seed)
        X = (1 - 2 * torch.randint(0, 2, (train_size, task.n), generator=gen)).to(dtype=dtype,
                                                                                  device=device)
        Y = task(X).to(dtype)
        n_data, what = train_size, "train_size"
    else:
        X = Y = None
        n_data, what = (2**task.n if task.n <= MAX_ENUMERATION_N else None), "the 2^n inputs"
    features = task.n if X is None else int(np.prod(X.shape[1:]))
    if batch_size is not None:
        batch_size = check_int(batch_size, "batch_size", low=1, high=10**8)
        if X is not None and batch_size > n_data:
            raise ValueError(f"batch_size must be at most the number of training examples "
                             f"({what}: {n_data}), got {batch_size}")
        _checks.check_step_size(model, n_models, batch_size, "batch_size", features, dtype)
    elif X is None and task.n <= POPULATION_MAX_N:
        _checks.check_step_size(model, n_models, 2**task.n, "2^n", features, dtype)
    if test_size is not None and X is None:
        check_size({"test_size": test_size, "n": task.n}, what="the test inputs")
    if not isinstance(shared_batches, bool):
        raise TypeError(f"shared_batches must be True or False, got {shared_batches!r}")
    if shared_batches and batch_size is None:
        raise ValueError("shared_batches=True is for minibatch SGD: give batch_size (without "
                         "it every model already uses the same inputs)")
    batch_gens = data_gens[:1] if shared_batches else data_gens
    if X is not None:
        source = _data.FullSet(X, Y) if batch_size is None else _data.Shuffled(X, Y, batch_size, batch_gens)
    elif batch_size is None:
        if task.n > POPULATION_MAX_N:
            raise ValueError(f"the population gradient enumerates all 2^n inputs: n must be at most "
                             f"{POPULATION_MAX_N}, got {task.n}; give batch_size for SGD")
        source = _data.Population(task, dtype, device)
    else:
        source = _data.FreshSamples(task, batch_size, batch_gens, dtype, device)
    if shared_batches:
        source = _data.SharedStream(source)
    if loss in ("hinge", "logistic"):
        labels = Y if Y is not None else getattr(source, "y", None)
        if labels is not None and not _data.is_pm1(labels):
            raise ValueError(f"loss {loss!r} needs labels in {{-1, +1}}; use loss='square' for "
                             "real-valued labels")

    x_eval, y_eval, exact = _data.evaluation_set(task, dtype, device, test_size, data_seed)
    sup = _data.support_of(task, support)
    n_params = sum(p[0].numel() for p in params)
    # MLPEnsemble with a standard loss: hand-written gradients (autograd for the rest).
    plan = _mlp.Plan(model, params) if _mlp.supports(model, loss) else None
    recorder = _loop.Recorder(model, n_models, loss_fn, x_eval, y_eval, X, Y, sup,
                              (lr, noise_std, clip))
    _loop.run(model, params, n_models=n_models, plan=plan, source=source, loss=loss,
              loss_fn=loss_fn, lr=lr, weight_decay=weight_decay, clip=clip,
              noise_std=noise_std, noise_gens=noise_gens, steps=steps, eval_every=eval_every,
              stop_accuracy=stop_accuracy, callback=callback, progress=progress,
              record=recorder, gradient=_step.autograd_loss_gradient)
    config = {"algorithm": "noisy_gd" if noise_std > 0 or clip is not None else "sgd",
              "loss": loss, "lr": lr, "steps": steps, "batch_size": batch_size,
              "train_size": train_size, "noise_std": noise_std, "clip": clip,
              "weight_decay": weight_decay, "data_seed": data_seed, "exact_eval": exact,
              "shared_batches": shared_batches,
              "gradient": "autograd" if plan is None else "hand-written",
              "task": repr(task), "n_params_per_model": n_params}
    metrics = {k: np.stack(v) for k, v in recorder.values.items()}
    return TrainingHistory(np.array(recorder.steps), metrics, config, seeds)


def noisy_gd(model: nn.Module, task, *, steps: int, lr: float, noise_std: float,
             clip: float | None, loss: str = "square", batch_size: int | None = None,
             **options) -> TrainingHistory:
    r"""Noisy GD: :func:`train` with the square loss and, by default, the exact population gradient.

    :math:`\theta\leftarrow\theta-\gamma(\mathrm{clip}_A(\nabla L(\theta))+Z)`,
    :math:`Z\sim N(0,\sigma^2I)`; ``batch_size`` gives a large-batch gradient instead.
    Other options as in :func:`train`.
    """
    return train(model, task, steps=steps, lr=lr, loss=loss, batch_size=batch_size,
                 noise_std=noise_std, clip=clip, **options)


def sgd(model: nn.Module, task, *, steps: int, lr: float, batch_size: int, loss: str = "hinge",
        **options) -> TrainingHistory:
    """Plain minibatch SGD (no noise, no clipping): :func:`train` with ``batch_size`` examples a step."""
    if "noise_std" in options or "clip" in options:
        raise TypeError("sgd has no noise_std or clip; use train or noisy_gd")
    return train(model, task, steps=steps, lr=lr, loss=loss, batch_size=batch_size, **options)


