"""Data of a training run (private; :class:`ArrayDataset` is public in :mod:`inal_tutorial.training`).

The fixed data sets, the *batch sources* (where each step's inputs come from: all 2^n
points, a fixed training set, fresh samples, minibatches of a shuffled training set) and
the evaluation of the recorded metrics in cache-sized chunks.
"""

from __future__ import annotations

import torch
from torch import nn

from . import _mlp_gradients as _mlp
from . import _training_checks as _checks
from ._validation import as_tensor, check_support
from .boolean import BooleanTarget, Staircase, all_inputs

#: Largest n for which evaluation enumerates the cube by default.
EXACT_EVAL_MAX_N = 16
# A shuffled training set is gathered one epoch at a time (one copy per model) when that
# copy holds at most this many entries, else one minibatch at a time.
_EPOCH_GATHER_ENTRIES = 1 << 23
# Evaluation outputs reduced at once (4 MiB of float32).
_REDUCE_ENTRIES = 1 << 20


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


def is_pm1(y: torch.Tensor) -> bool:
    return bool(((y == 1) | (y == -1)).all())



def forward(model: nn.Module, x: torch.Tensor, n_models: int) -> torch.Tensor:
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



# ---------------------------------------------------------------------------
# Batch sources: where each step's inputs come from
# ---------------------------------------------------------------------------


class Population:
    """All 2^n inputs, the same for every model: the exact population gradient."""

    def __init__(self, target: BooleanTarget, dtype, device):
        self.x = all_inputs(target.n, dtype=dtype, device=device)
        self.y = target(self.x).to(dtype)

    def batch(self):
        return self.x, self.y


class FullSet:
    """The whole fixed training set, shared by every model."""

    def __init__(self, X, y):
        self.x, self.y = X, y

    def batch(self):
        return self.x, self.y


class FreshSamples:
    """A fresh uniform minibatch of the cube for each model, from its own generator."""

    def __init__(self, target: BooleanTarget, batch_size: int, generators, dtype, device):
        self.target, self.b, self.gens = target, batch_size, generators
        self.dtype, self.device = dtype, device

    def batch(self):
        bits = torch.stack([torch.randint(0, 2, (self.b, self.target.n), generator=g)
                            for g in self.gens])
        x = (1 - 2 * bits).to(dtype=self.dtype, device=self.device)
        return x, self.target(x).to(self.dtype)


class Shuffled:
    """Minibatches of a fixed training set: each model shuffles it every epoch with its own
    generator and walks through it ``batch_size`` examples at a time (an incomplete last
    batch of an epoch is dropped).

    When the models' copies of the set are small (at most 2^23 entries in all), each
    epoch's shuffled copy is gathered once and the batches are views into it (the same
    inputs, without a gather per step).
    """

    def __init__(self, X, y, batch_size: int, generators):
        self.X, self.y, self.b, self.gens = X, y, batch_size, generators
        self.n = X.shape[0]
        self.whole_epoch = len(generators) * X.numel() <= _EPOCH_GATHER_ENTRIES
        self._shuffle()

    def _shuffle(self) -> None:
        orders = torch.stack([torch.randperm(self.n, generator=g) for g in self.gens])
        self.orders = orders.to(self.X.device)
        self.pos = 0
        if self.whole_epoch:
            idx = self.orders.reshape(-1)
            shape = self.orders.shape
            self.epoch_x = self.X.index_select(0, idx).view(*shape, *self.X.shape[1:])
            self.epoch_y = self.y.index_select(0, idx).view(shape)

    def batch(self):
        if self.pos + self.b > self.n:
            self._shuffle()
        start, stop = self.pos, self.pos + self.b
        self.pos = stop
        if self.whole_epoch:
            return self.epoch_x[:, start:stop], self.epoch_y[:, start:stop]
        idx = self.orders[:, start:stop].reshape(-1)
        shape = (self.orders.shape[0], self.b)
        return (self.X.index_select(0, idx).view(*shape, *self.X.shape[1:]),
                self.y.index_select(0, idx).view(shape))


class SharedStream:
    """One minibatch stream for every model (``shared_batches=True``): the batch of the
    first model's source, as shared inputs ``(B, ...)``."""

    def __init__(self, source):
        self.source = source

    def batch(self):
        x, y = self.source.batch()
        return x[0], y[0]


# ---------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------


def eval_rows(model: nn.Module, n_models: int, budget: int = 1 << 18) -> int:
    """Rows of evaluation inputs per chunk, keeping M * width * rows below ``budget``.

    A cache-sized chunk (2^18 elements, 1 MiB in float32) evaluates faster than a large one
    (benchmarks/bench_training.py: 33 ms instead of 56 ms at n = 40, width 1000).
    """
    width = max(getattr(model, "widths", (512,)))
    return max(256, min(1 << 16, budget // max(1, n_models * int(width))))


def evaluation_set(task, dtype, device, test_size: int | None, data_seed: int):
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
def metrics_on(model, x, y, loss_fn, n_models: int, prefix: str = "",
               pm1: bool | None = None) -> dict[str, torch.Tensor]:
    """Loss, correlation and (for +-1 labels, ``pm1``) accuracy of every model on ``(x, y)``."""
    plan = (_mlp.Plan(model, list(model.parameters()))
            if _mlp.supports(model, "square") and x.ndim == 2 else None)
    rows = eval_rows(model, n_models) if plan is None else _mlp.eval_rows(model)
    total_loss = torch.zeros(n_models, dtype=torch.float64, device=x.device)
    total_corr = torch.zeros_like(total_loss)
    total_hit = torch.zeros_like(total_loss)

    # Each chunk's outputs are copied into one block, which is reduced when full: a few
    # passes over up to _REDUCE_ENTRIES outputs instead of a dozen small reductions per
    # chunk (and no chunk output outlives its chunk, which would fragment the heap).
    block_rows = max(rows, _REDUCE_ENTRIES // max(1, n_models) // rows * rows)
    block = None
    for first in range(0, x.shape[0], block_rows):
        last = min(first + block_rows, x.shape[0])
        if block is not None and block.shape[1] != last - first:
            block = None   # the last, shorter block: free the old one first
        for start in range(first, last, rows):
            xb = x[start:min(start + rows, last)]
            out = forward(model, xb, n_models) if plan is None else plan.forward(xb)
            if block is None:
                block = torch.empty(n_models, last - first, dtype=out.dtype, device=out.device)
            block[:, start - first:start - first + xb.shape[0]].copy_(out)
            del out
        yb = y[first:last]
        total_loss.add_(loss_fn(block, yb).sum(dim=1, dtype=torch.float64))
        total_corr.add_((block * yb).sum(dim=1, dtype=torch.float64))
        hits = torch.where(block >= 0, 1.0, -1.0).to(yb.dtype) == yb
        total_hit.add_(hits.sum(dim=1, dtype=torch.float64))
    n = x.shape[0]
    result = {prefix + "loss": total_loss / n, prefix + "correlation": total_corr / n}
    if is_pm1(y) if pm1 is None else pm1:
        result[prefix + "accuracy"] = total_hit / n
    return result


def support_of(task, support) -> tuple[int, ...] | None:
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


def first_layer(model) -> torch.Tensor | None:
    if hasattr(model, "first_layer_weights"):
        return model.first_layer_weights()
    return None


@torch.no_grad()
def support_mass(model, support: tuple[int, ...]) -> torch.Tensor | None:
    w = first_layer(model)
    if w is None or w.ndim != 3:
        return None
    per_coordinate = w.double().square().sum(dim=1)  # (M, n)
    return per_coordinate[:, list(support)].sum(dim=1) / per_coordinate.sum(dim=1)

