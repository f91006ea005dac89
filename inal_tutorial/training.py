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
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from . import _training_checks as _checks
from ._memory import release_freed_memory
from ._progress import progress_bar
from ._validation import (
    MAX_ENUMERATION_N,
    DivergenceError,
    as_tensor,
    check_choice,
    check_device,
    check_float,
    check_int,
    check_seed,
    check_size,
    check_support,
)
from .boolean import BooleanTarget, Staircase, all_inputs
from .random import SeedLike, make_generator, spawn_seeds

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

#: Largest n for which evaluation enumerates the cube by default.
EXACT_EVAL_MAX_N = 16
#: Largest n for which the population gradient (all 2^n inputs per step) is allowed.
POPULATION_MAX_N = 20

# Evaluations between two trims of the heap (see inal_tutorial._memory).
_TRIM_EVERY_EVALS = 20


def _square(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return (out - y).square()


def _hinge(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return torch.relu(1 - y * out)


def _logistic(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return nn.functional.softplus(-y * out)


#: Pointwise losses ``loss(output, label)`` by name.
LOSSES: dict[str, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]] = {
    "square": _square,
    "hinge": _hinge,
    "logistic": _logistic,
}


# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------


class ArrayDataset:
    r"""A fixed training set and a test set of real-valued inputs of any shape.

    Parameters
    ----------
    X_train : array-like of shape ``(N, *shape)``
    y_train : array-like of shape ``(N,)``
        Real labels (:math:`\pm1` for the hinge and logistic losses and for accuracy).
    X_test, y_test : optional
        The evaluation set (default: the training set).
    """

    def __init__(self, X_train, y_train, X_test=None, y_test=None):
        self.X_train, self.y_train = self._pair(X_train, y_train, "X_train", "y_train")
        if (X_test is None) != (y_test is None):
            raise ValueError("give both X_test and y_test, or neither")
        if X_test is None:
            self.X_test, self.y_test = self.X_train, self.y_train
        else:
            self.X_test, self.y_test = self._pair(X_test, y_test, "X_test", "y_test")
            if self.X_test.shape[1:] != self.X_train.shape[1:]:
                raise ValueError(f"X_test has inputs of shape {tuple(self.X_test.shape[1:])} but "
                                 f"X_train has {tuple(self.X_train.shape[1:])}")

    @staticmethod
    def _pair(X, y, x_name: str, y_name: str) -> tuple[torch.Tensor, torch.Tensor]:
        X = as_tensor(X, x_name)
        y = as_tensor(y, y_name)
        if X.ndim < 2:
            raise ValueError(f"{x_name} must have shape (N, *input_shape), got {tuple(X.shape)}")
        if y.ndim != 1 or y.shape[0] != X.shape[0]:
            raise ValueError(f"{y_name} must have shape ({X.shape[0]},) to match {x_name}, "
                             f"got {tuple(y.shape)}")
        if X.shape[0] < 1:
            raise ValueError(f"{x_name} must hold at least one example")
        return X, y

    @property
    def n_train(self) -> int:
        """Number of training examples."""
        return int(self.X_train.shape[0])

    def __repr__(self) -> str:
        return (f"ArrayDataset(n_train={self.n_train}, n_test={self.X_test.shape[0]}, "
                f"input_shape={tuple(self.X_train.shape[1:])})")


def _is_pm1(y: torch.Tensor) -> bool:
    return bool(((y == 1) | (y == -1)).all())


# ---------------------------------------------------------------------------
# The ensemble interface
# ---------------------------------------------------------------------------


def ensemble_parameters(model: nn.Module) -> tuple[list[nn.Parameter], int]:
    """The trainable parameters of an ensemble module and its number of models M.

    Every trainable parameter must have M as its leading dimension (M is
    ``model.n_models`` when the module has it, else the first parameter's leading size).
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise ValueError("model has no trainable parameters")
    m = getattr(model, "n_models", None)
    m = int(params[0].shape[0]) if m is None or params[0].ndim == 0 else int(m)
    for p in params:
        if p.ndim == 0 or p.shape[0] != m:
            raise ValueError(f"every trainable parameter of model must have the number of models "
                             f"M = {m} as leading dimension; found one of shape {tuple(p.shape)}")
    return params, m


def training_seeds(seed: SeedLike | Sequence[int], n_models: int) -> list[int]:
    """Per-model seeds: a list of ``n_models`` ints used as is, or ``spawn_seeds(seed, n_models)``.

    Training model m alone with ``seed=[seeds[m]]`` reproduces its run inside the ensemble.
    Every seed (the int, or each entry of the list) must be in [0, 2**62] (numpy integers
    behave as Python ints); ``n_models`` in [1, 10**7].
    """
    n_models = check_int(n_models, "n_models", low=1, high=10**7)
    if isinstance(seed, (list, tuple, np.ndarray)):
        seeds = [check_seed(s, f"seed[{i}]", allow_generator=False) for i, s in enumerate(seed)]
        if len(seeds) != n_models:
            raise ValueError(f"seed must hold one seed per model ({n_models}), got {len(seeds)}")
        return seeds
    return spawn_seeds(check_seed(seed), n_models)


def clip_coordinates(values: torch.Tensor, clip: float | None) -> torch.Tensor:
    r"""Coordinate-wise clipping :math:`\mathrm{clip}_A(v)_p=\min(A,\max(-A,v_p))` (``None``: identity).

    It is 1-Lipschitz in every norm that is a sum over coordinates:
    :math:`|\mathrm{clip}_A(a)_p-\mathrm{clip}_A(b)_p|\le|a_p-b_p|`.

    ``values`` must be a real tensor with finite entries (clipping would pass NaN on);
    ``clip`` None or a finite float > 0.
    """
    values = _checks.check_tensor(values, "values")
    if clip is None:
        return values
    clip = check_float(clip, "clip", low=0.0, low_open=True)
    return values.clamp(-clip, clip)


def flat_gradient(grads: Sequence[torch.Tensor]) -> torch.Tensor:
    """Concatenate per-parameter tensors ``(M, ...)`` into one ``(M, P)`` matrix (model m's row).

    ``grads`` must be a non-empty sequence of tensors with at least one dimension and the
    same leading size M.
    """
    if isinstance(grads, torch.Tensor) or not isinstance(grads, (list, tuple)):
        raise TypeError(f"grads must be a list of tensors (M, ...), got {type(grads).__name__}")
    if not grads:
        raise ValueError("grads must hold at least one tensor, got an empty sequence")
    for i, g in enumerate(grads):
        if not isinstance(g, torch.Tensor) or g.ndim == 0:
            raise TypeError(f"grads[{i}] must be a tensor with a leading model dimension, got "
                            f"{type(g).__name__}")
        if g.shape[0] != grads[0].shape[0]:
            raise ValueError(f"grads[{i}] must have leading size M = {grads[0].shape[0]} like "
                             f"grads[0], got shape {tuple(g.shape)}")
    return torch.cat([g.reshape(g.shape[0], -1) for g in grads], dim=1)


def _forward(model: nn.Module, x: torch.Tensor, n_models: int) -> torch.Tensor:
    """``model(x)``, checked to have the ensemble's output shape ``(M, N)``."""
    out = model(x)
    shared = out.ndim == 2 and out.shape == (n_models, x.shape[0])
    per_model = (out.ndim == 2 and x.ndim >= 3 and x.shape[0] == n_models
                 and out.shape == (n_models, x.shape[1]))
    if not (shared or per_model):
        raise ValueError(f"model.forward must return outputs of shape (M, N) with M = {n_models} "
                         f"for inputs of shape (N, ...) or (M, N, ...); got {tuple(out.shape)} "
                         f"for inputs of shape {tuple(x.shape)}")
    return out


def loss_gradient(model: nn.Module, x: torch.Tensor, y: torch.Tensor, loss: str = "square",
                  *, create_graph: bool = False) -> tuple[list[torch.Tensor], torch.Tensor]:
    r"""Each model's gradient of its mean loss on ``(x, y)``, in one backward pass.

    Computes :math:`\nabla_{\theta_m}\frac1N\sum_i\ell(\mathrm{NN}_{\theta_m}(x_i),y_i)` for
    every model m by differentiating :math:`\sum_m\frac1N\sum_i\ell(\cdot)`.

    Parameters
    ----------
    x : ``(N, *shape)`` shared inputs or ``(M, N, *shape)`` per-model inputs
    y : ``(N,)`` or ``(M, N)`` labels

    Both must be finite real tensors with at least one input, and ``y`` must give one label
    per input (a ``ValueError`` names the one that does not fit).

    Returns
    -------
    (grads, losses) : per-parameter gradients (each shaped like the parameter) and the
    ``(M,)`` mean losses (detached).
    """
    loss_fn = LOSSES[check_choice(loss, "loss", tuple(LOSSES))]
    params, n_models = ensemble_parameters(model)
    x = _checks.check_tensor(x, "x")
    y = _checks.check_tensor(y, "y")
    _checks.check_batch_shapes(x, y, n_models)
    return _loss_gradient(model, x, y, loss_fn, params, n_models, create_graph)


def _loss_gradient(model, x, y, loss_fn, params, n_models: int, create_graph: bool = False):
    """:func:`loss_gradient` without the argument checks (the training loop's inner step)."""
    out = _forward(model, x, n_models)
    per_model = loss_fn(out, y.to(out.dtype)).mean(dim=1)
    grads = torch.autograd.grad(per_model.sum(), params, create_graph=create_graph)
    return list(grads), per_model.detach()


# ---------------------------------------------------------------------------
# History
# ---------------------------------------------------------------------------


@dataclass
class TrainingHistory:
    """Metrics recorded at the evaluation steps of a training run.

    Attributes
    ----------
    steps : numpy array ``(n_evals,)``
        The step counts t at which metrics were recorded (t = 0 is the initialization).
    metrics : dict of numpy arrays ``(n_evals, M)``
        One column per model.
    config : dict
        The settings of the run (algorithm, loss, lr, noise_std, clip, ...).
    seeds : list of int
        The per-model seeds.
    """

    steps: np.ndarray
    metrics: dict[str, np.ndarray]
    config: dict = field(default_factory=dict)
    seeds: list[int] = field(default_factory=list)

    def __getitem__(self, name: str) -> np.ndarray:
        check_choice(name, "metric", tuple(self.metrics))
        return self.metrics[name]

    def __contains__(self, name: str) -> bool:
        return name in self.metrics

    @property
    def names(self) -> list[str]:
        """Names of the recorded metrics."""
        return list(self.metrics)

    @property
    def n_models(self) -> int:
        """Number M of models (columns)."""
        return next(iter(self.metrics.values())).shape[1]

    def mean(self, name: str) -> np.ndarray:
        """Average over models at each evaluation step, shape ``(n_evals,)``."""
        return self[name].mean(axis=1)

    def final(self, name: str) -> np.ndarray:
        """Value at the last evaluation step for each model, shape ``(M,)``."""
        return self[name][-1]

    def steps_to(self, name: str, threshold: float, *, above: bool = True) -> np.ndarray:
        """First recorded step at which metric ``name`` is >= ``threshold`` (``above=False``: <=).

        Returns a float array ``(M,)``; ``inf`` for a model that never got there.
        """
        threshold = check_float(threshold, "threshold")
        values = self[name]
        hit = values >= threshold if above else values <= threshold
        first = np.where(hit.any(axis=0), hit.argmax(axis=0), -1)
        return np.where(first >= 0, self.steps[np.maximum(first, 0)].astype(float), np.inf)

    def records(self) -> list[dict]:
        """Tidy rows ``{"step", "model", <metric>: value, ...}``, one per (step, model)."""
        rows = []
        for i, step in enumerate(self.steps):
            for m in range(self.n_models):
                row = {"step": int(step), "model": m}
                row.update({k: float(v[i, m]) for k, v in self.metrics.items()})
                rows.append(row)
        return rows

    def __repr__(self) -> str:
        return (f"TrainingHistory(steps={int(self.steps[-1])}, evals={len(self.steps)}, "
                f"models={self.n_models}, metrics={self.names})")


# ---------------------------------------------------------------------------
# Batch sources: where each step's inputs come from
# ---------------------------------------------------------------------------


class _Population:
    """All 2^n inputs, the same for every model: the exact population gradient."""

    def __init__(self, target: BooleanTarget, dtype, device):
        self.x = all_inputs(target.n, dtype=dtype, device=device)
        self.y = target(self.x).to(dtype)

    def batch(self):
        return self.x, self.y


class _FullSet:
    """The whole fixed training set, shared by every model."""

    def __init__(self, X, y):
        self.x, self.y = X, y

    def batch(self):
        return self.x, self.y


class _FreshSamples:
    """A fresh uniform minibatch of the cube for each model, from its own generator."""

    def __init__(self, target: BooleanTarget, batch_size: int, generators, dtype, device):
        self.target, self.b, self.gens = target, batch_size, generators
        self.dtype, self.device = dtype, device

    def batch(self):
        bits = torch.stack([torch.randint(0, 2, (self.b, self.target.n), generator=g)
                            for g in self.gens])
        x = (1 - 2 * bits).to(dtype=self.dtype, device=self.device)
        return x, self.target(x).to(self.dtype)


class _Shuffled:
    """Minibatches of a fixed training set: each model shuffles it every epoch with its own
    generator and walks through it ``batch_size`` examples at a time (an incomplete last
    batch of an epoch is dropped)."""

    def __init__(self, X, y, batch_size: int, generators):
        self.X, self.y, self.b, self.gens = X, y, batch_size, generators
        self.n = X.shape[0]
        self.orders = [torch.randperm(self.n, generator=g) for g in generators]
        self.pos = 0

    def batch(self):
        if self.pos + self.b > self.n:
            self.orders = [torch.randperm(self.n, generator=g) for g in self.gens]
            self.pos = 0
        idx = torch.stack([o[self.pos:self.pos + self.b] for o in self.orders]).to(self.X.device)
        self.pos += self.b
        return self.X[idx], self.y[idx]


# ---------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------


def _eval_rows(model: nn.Module, n_models: int, budget: int = 1 << 18) -> int:
    """Rows of evaluation inputs per chunk, keeping M * width * rows below ``budget``.

    A cache-sized chunk (2^18 elements, 1 MiB in float32) evaluates faster than a large one
    (benchmarks/bench_training.py: 33 ms instead of 56 ms at n = 40, width 1000).
    """
    width = max(getattr(model, "widths", (512,)))
    return max(256, min(1 << 16, budget // max(1, n_models * int(width))))


def _evaluation_set(task, dtype, device, test_size: int | None, data_seed: int):
    """(x_chunks, y_chunks) of the evaluation set, and whether it is the whole cube."""
    if isinstance(task, ArrayDataset):
        return task.X_test.to(dtype=dtype, device=device), task.y_test.to(dtype=dtype,
                                                                          device=device), False
    if test_size is None and task.n <= EXACT_EVAL_MAX_N:
        x = all_inputs(task.n, dtype=dtype, device=device)
        return x, task(x).to(dtype), True
    size = 10_000 if test_size is None else test_size
    gen = _checks.derived_generator(data_seed + 1)
    bits = torch.randint(0, 2, (size, task.n), generator=gen)
    x = (1 - 2 * bits).to(dtype=dtype, device=device)
    return x, task(x).to(dtype), False


@torch.no_grad()
def _metrics_on(model, x, y, loss_fn, n_models: int, prefix: str = "") -> dict[str, torch.Tensor]:
    rows = _eval_rows(model, n_models)
    total_loss = torch.zeros(n_models, dtype=torch.float64, device=x.device)
    total_corr = torch.zeros_like(total_loss)
    total_hit = torch.zeros_like(total_loss)
    for start in range(0, x.shape[0], rows):
        xb, yb = x[start:start + rows], y[start:start + rows]
        out = _forward(model, xb, n_models)
        total_loss += loss_fn(out, yb).sum(dim=1, dtype=torch.float64)
        total_corr += (out * yb).sum(dim=1, dtype=torch.float64)
        total_hit += (torch.where(out >= 0, 1.0, -1.0).to(yb.dtype) == yb).sum(dim=1,
                                                                               dtype=torch.float64)
    n = x.shape[0]
    result = {prefix + "loss": total_loss / n, prefix + "correlation": total_corr / n}
    if _is_pm1(y):
        result[prefix + "accuracy"] = total_hit / n
    return result


def _support_of(task, support) -> tuple[int, ...] | None:
    if isinstance(task, ArrayDataset):
        return None if support is None else tuple(support)
    if support is not None:
        return check_support(support, task.n, allow_empty=False)
    if isinstance(task, Staircase):
        return tuple(range(task.k))
    found = getattr(task, "support", None)
    if found is None or len(found) == 0 or len(found) == task.n:
        return None
    return tuple(found)


def _first_layer(model) -> torch.Tensor | None:
    if hasattr(model, "first_layer_weights"):
        return model.first_layer_weights()
    return None


@torch.no_grad()
def _support_mass(model, support: tuple[int, ...]) -> torch.Tensor | None:
    w = _first_layer(model)
    if w is None or w.ndim != 3:
        return None
    per_coordinate = w.double().square().sum(dim=1)  # (M, n)
    return per_coordinate[:, list(support)].sum(dim=1) / per_coordinate.sum(dim=1)


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
    x, y, _ = _evaluation_set(task, params[0].dtype, params[0].device, test_size, data_seed)
    values = _metrics_on(model, x, y, loss_fn, m)
    sup = _support_of(task, support)
    if sup is not None:
        mass = _support_mass(model, sup)
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
          device: str | torch.device | None = None, progress: bool = True) -> TrainingHistory:
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

    Returns
    -------
    TrainingHistory

    Raises
    ------
    DivergenceError
        (a ``ValueError``) when a model's loss becomes non-finite during the run (checked at
        every step on the ``(M,)`` losses, and on the parameters at the end): the message
        names the step, ``lr`` and, when used, ``noise_std`` and ``clip``.
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
    if X is not None:
        source = _FullSet(X, Y) if batch_size is None else _Shuffled(X, Y, batch_size, data_gens)
    elif batch_size is None:
        if task.n > POPULATION_MAX_N:
            raise ValueError(f"the population gradient enumerates all 2^n inputs: n must be at most "
                             f"{POPULATION_MAX_N}, got {task.n}; give batch_size for SGD")
        source = _Population(task, dtype, device)
    else:
        source = _FreshSamples(task, batch_size, data_gens, dtype, device)
    if loss in ("hinge", "logistic"):
        labels = Y if Y is not None else getattr(source, "y", None)
        if labels is not None and not _is_pm1(labels):
            raise ValueError(f"loss {loss!r} needs labels in {{-1, +1}}; use loss='square' for "
                             "real-valued labels")

    x_eval, y_eval, exact = _evaluation_set(task, dtype, device, test_size, data_seed)
    sup = _support_of(task, support)
    per_model_sizes = [p[0].numel() for p in params]
    n_params = sum(per_model_sizes)

    recorded_steps: list[int] = []
    recorded: dict[str, list[np.ndarray]] = {}

    def record(step: int) -> dict[str, np.ndarray]:
        values = _metrics_on(model, x_eval, y_eval, loss_fn, n_models)
        if X is not None:
            values.update(_metrics_on(model, X, Y, loss_fn, n_models, prefix="train_"))
        _checks.check_metrics(values, step, lr, noise_std, clip)
        if sup is not None:
            mass = _support_mass(model, sup)
            if mass is not None:
                values["support_mass"] = mass
        recorded_steps.append(step)
        out = {}
        for key, value in values.items():
            out[key] = value.cpu().numpy()
            recorded.setdefault(key, []).append(out[key])
        return out

    last = record(0)
    bar = progress_bar(range(1, steps + 1), desc="training", enabled=progress)
    for step in bar:
        x, y = source.batch()
        grads, losses = _loss_gradient(model, x, y, loss_fn, params, n_models)
        # One finite check per step on the (M,) losses: after step - 1 updates.
        _checks.check_losses(losses, step - 1, lr, noise_std, clip)
        with torch.no_grad():
            noise = None
            if noise_std > 0:
                noise = torch.stack([torch.randn(n_params, generator=g, dtype=dtype)
                                     for g in noise_gens]).to(device)
            offset = 0
            for p, g, size in zip(params, grads, per_model_sizes, strict=True):
                if weight_decay:
                    g = g + weight_decay * p
                if clip is not None:
                    g = g.clamp(-clip, clip)
                if noise is not None:
                    g = g + noise_std * noise[:, offset:offset + size].view_as(p)
                offset += size
                p.sub_(lr * g)
        if callback is not None:
            callback(step, model)
        if step % eval_every == 0 or step == steps:
            last = record(step)
            if step % (_TRIM_EVERY_EVALS * eval_every) == 0:
                release_freed_memory()   # frequent evaluations fragment the heap
            if "accuracy" in last:
                bar.set_postfix(accuracy=f"{last['accuracy'].mean():.3f}")
            if stop_accuracy is not None and "accuracy" in last and \
                    bool((last["accuracy"] >= stop_accuracy).all()):
                break
    bar.close()
    _checks.check_parameters(params, int(recorded_steps[-1]), lr, noise_std, clip)
    config = {"algorithm": "noisy_gd" if noise_std > 0 or clip is not None else "sgd",
              "loss": loss, "lr": lr, "steps": steps, "batch_size": batch_size,
              "train_size": train_size, "noise_std": noise_std, "clip": clip,
              "weight_decay": weight_decay, "data_seed": data_seed, "exact_eval": exact,
              "task": repr(task), "n_params_per_model": n_params}
    metrics = {k: np.stack(v) for k, v in recorded.items()}
    return TrainingHistory(np.array(recorded_steps), metrics, config, seeds)


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


# ---------------------------------------------------------------------------
# A progress measure: how far the first layer moved, coordinate by coordinate
# ---------------------------------------------------------------------------


class FirstLayerMovement:
    r"""A ``callback`` for :func:`train` that records how far each input's weights moved.

    For every model m and input coordinate j it records, at the steps t that are
    multiples of ``every``, the squared distance travelled by the first-layer weights
    leaving input j,

    .. math:: D_{m,j}(t)=\sum_u\big(W_{m,u,j}(t)-W_{m,u,j}(0)\big)^2 ,

    where :math:`W(0)` are the weights when the recorder is built. For a target that
    depends on the coordinates S only, :meth:`support_ratio` compares S with the other
    coordinates, :math:`R(t)=\mathrm{mean}_{j\in S}D_j(t)\,/\,\mathrm{mean}_{j\notin S}D_j(t)`
    (1 when S moves like the rest), and :meth:`null_ratios` gives the same ratio for
    disjoint groups of :math:`|S|` coordinates outside S: the spread R would have if S
    were irrelevant, at the same step of the same run.

    Parameters
    ----------
    model : nn.Module
        The ensemble about to be trained, with a ``first_layer_weights()`` method returning
        ``(M, width, n)`` (e.g. :class:`~inal_tutorial.networks.MLPEnsemble`).
    every : int
        Record every this many steps (>= 1).

    Attributes
    ----------
    steps : numpy array ``(R,)``
        The recorded steps (multiples of ``every``; step 0 is not recorded, D = 0 there).
    movement : numpy array ``(R, M, n)``
        :math:`D_{m,j}(t)` at each recorded step.
    """

    def __init__(self, model: nn.Module, every: int):
        if not isinstance(model, nn.Module) or not hasattr(model, "first_layer_weights"):
            raise TypeError("model must be an nn.Module with a first_layer_weights() method "
                            f"(e.g. MLPEnsemble), got {type(model).__name__}")
        self.every = check_int(every, "every", low=1, high=10**9)
        with torch.no_grad():
            w0 = model.first_layer_weights().detach()
        if w0.ndim != 3:
            raise ValueError(f"first_layer_weights() must have shape (M, width, n), got "
                             f"{tuple(w0.shape)}")
        self._w0 = w0.to(torch.float64).clone()
        self._steps: list[int] = []
        self._rows: list[np.ndarray] = []

    def __call__(self, step: int, model: nn.Module) -> None:
        """Record :math:`D(t)` if ``step`` is a multiple of ``every``."""
        if step % self.every:
            return
        with torch.no_grad():
            w = model.first_layer_weights().detach().to(torch.float64)
        if w.shape != self._w0.shape:
            raise ValueError(f"the model's first layer has shape {tuple(w.shape)}, not the "
                             f"{tuple(self._w0.shape)} it had when the recorder was built")
        self._steps.append(int(step))
        self._rows.append((w - self._w0.to(w.device)).square().sum(dim=1).cpu().numpy())

    @property
    def steps(self) -> np.ndarray:
        return np.array(self._steps, dtype=int)

    @property
    def movement(self) -> np.ndarray:
        if not self._rows:
            raise ValueError("nothing recorded yet: pass the recorder as train(..., "
                             "callback=recorder) and train at least `every` steps")
        return np.stack(self._rows)

    def _split(self, support) -> tuple[list[int], list[int]]:
        n = self._w0.shape[2]
        inside = list(check_support(support, n, allow_empty=False))
        outside = [j for j in range(n) if j not in set(inside)]
        if len(outside) < len(inside):
            raise ValueError(f"support must leave at least {len(inside)} coordinates outside "
                             f"it (n = {n}), got {len(inside)} inside")
        return inside, outside

    def support_ratio(self, support: Sequence[int]) -> np.ndarray:
        r""":math:`R(t)=\mathrm{mean}_{j\in S}D_j/\mathrm{mean}_{j\notin S}D_j`, shape ``(R, M)``."""
        inside, outside = self._split(support)
        d = self.movement
        return d[:, :, inside].mean(axis=2) / d[:, :, outside].mean(axis=2)

    def null_ratios(self, support: Sequence[int]) -> np.ndarray:
        r"""The ratio for disjoint groups of :math:`|S|` coordinates outside S, shape ``(R, M, G)``.

        The coordinates outside S, in increasing order, are cut into
        :math:`G=\lfloor(n-|S|)/|S|\rfloor` consecutive groups of :math:`|S|`; group g gets
        :math:`\mathrm{mean}_{j\in g}D_j/\mathrm{mean}_{j\notin S}D_j`.
        """
        inside, outside = self._split(support)
        d = self.movement
        size = len(inside)
        groups = len(outside) // size
        cut = d[:, :, outside[: groups * size]]
        grouped = cut.reshape(cut.shape[0], cut.shape[1], groups, size).mean(axis=3)
        return grouped / d[:, :, outside].mean(axis=2)[:, :, None]
