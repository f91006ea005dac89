"""Private machinery shared by the experiment modules.

Argument checks of layer widths, ensemble sizes and training budgets, and the batched
training and evaluation of many (target or data, seed) pairs as one ensemble. Used by
:mod:`inal_tutorial.experiments` and :mod:`inal_tutorial.digits_experiments`; nothing
here is public API.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np
import torch

from ._validation import check_choice, check_float, check_int, check_size
from .training import LOSSES

__all__: list[str] = []


# ---------------------------------------------------------------------------
# Argument checks
# ---------------------------------------------------------------------------


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
