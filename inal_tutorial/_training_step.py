"""The pieces of a training step (private; the names are public in :mod:`inal_tutorial.training`).

The pointwise losses, the ensemble interface (parameters with a leading model dimension,
per-model seeds), coordinate-wise clipping, flattening, and each model's gradient of its
mean loss by autograd.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch
from torch import nn

from . import _training_checks as _checks
from ._training_data import forward as _forward
from ._validation import check_choice, check_float, check_int, check_seed
from .random import SeedLike, spawn_seeds


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
    return autograd_loss_gradient(model, x, y, loss_fn, params, n_models, create_graph)


def autograd_loss_gradient(model, x, y, loss_fn, params, n_models: int, create_graph: bool = False):
    """:func:`loss_gradient` without the argument checks (the training loop's inner step)."""
    out = _forward(model, x, n_models)
    per_model = loss_fn(out, y.to(out.dtype)).mean(dim=1)
    grads = torch.autograd.grad(per_model.sum(), params, create_graph=create_graph)
    return list(grads), per_model.detach()

