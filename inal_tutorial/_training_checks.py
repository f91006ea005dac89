"""Argument and divergence checks of :mod:`inal_tutorial.training` (private).

Kept apart so that the training loop stays readable: the checks of what a run may allocate
(``n_models x batch x width`` and the like, refused before allocation), of whether a task
fits the model, and the detection of a run that diverged (non-finite loss or parameters),
which raises :class:`~inal_tutorial._validation.DivergenceError` naming the step and the
settings to lower.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from ._validation import DivergenceError, check_size


def derived_generator(seed: int) -> torch.Generator:
    """A CPU generator seeded with ``seed``, an int derived from a checked seed (such as
    ``seed + 1`` or ``seed ^ k``): it may pass MAX_SEED by a little but stays below 2**63, and
    gives the generator ``make_generator`` gives for the same int."""
    gen = torch.Generator()
    gen.manual_seed(int(seed))
    return gen


def widest(model: nn.Module, n_features: int) -> int:
    """The larger of the input size and the widest layer (when the model reports widths)."""
    widths = getattr(model, "widths", None)
    try:
        return max(n_features, *(int(w) for w in widths)) if widths else n_features
    except (TypeError, ValueError):
        return n_features


def check_task_fits(model: nn.Module, task, name: str = "task") -> None:
    """Refuse a task whose inputs do not have the size the model takes (``model.n_inputs``,
    when the model has one)."""
    from .training import ArrayDataset

    n_inputs = getattr(model, "n_inputs", None)
    if n_inputs is None:
        return
    if isinstance(task, ArrayDataset):
        shape = tuple(task.X_train.shape[1:])
        if shape != (n_inputs,):
            raise ValueError(f"{name} must have inputs of shape ({n_inputs},) to match the "
                             f"model's n_inputs = {n_inputs}, got X_train with inputs of shape "
                             f"{shape}")
    elif task.n != n_inputs:
        raise ValueError(f"{name} must be a target on n = {n_inputs} bits to match the model's "
                         f"n_inputs = {n_inputs}, got a target on n = {task.n}")


def check_step_size(model: nn.Module, n_models: int, rows: int, rows_name: str,
                    features: int, dtype: torch.dtype) -> None:
    """Refuse a step whose inputs or activations (``M x rows x max(features, width)``) would
    exceed the tensor-size cap."""
    check_size({"n_models": n_models, rows_name: rows,
                "max(n, width)": widest(model, features)},
               bytes_per_entry=max(8, dtype.itemsize), what="one step's inputs and activations")


def _settings(lr: float, noise_std: float, clip: float | None) -> str:
    text = f"lr={lr:g}"
    if noise_std > 0:
        text += f", noise_std={noise_std:g}"
    if clip is not None:
        text += f", clip={clip:g}"
    return text


def _advice(noise_std: float, clip: float | None) -> str:
    advice = "use a smaller lr"
    if noise_std > 0:
        advice += " or noise_std"
    if clip is not None:
        advice += " (or a smaller clip)"
    return advice


def divergence(what: str, step: int, lr: float, noise_std: float,
               clip: float | None) -> DivergenceError:
    """The error for a run whose ``what`` became non-finite after ``step`` updates."""
    algorithm = "noisy GD" if noise_std > 0 or clip is not None else "SGD"
    where = "at initialization" if step == 0 else f"at step {step}"
    return DivergenceError(f"{algorithm} diverged (non-finite {what} {where}) with "
                           f"{_settings(lr, noise_std, clip)}: {_advice(noise_std, clip)}")


def check_metrics(values: dict[str, torch.Tensor], step: int, lr: float, noise_std: float,
                  clip: float | None) -> None:
    """Raise :class:`DivergenceError` if a recorded loss or correlation is not finite."""
    for key, value in values.items():
        if key.endswith(("loss", "correlation")) and not bool(torch.isfinite(value).all()):
            raise divergence(key.replace("_", " "), step, lr, noise_std, clip)


def check_parameters(params: Sequence[torch.Tensor], step: int, lr: float, noise_std: float,
                     clip: float | None) -> None:
    """Raise :class:`DivergenceError` if a parameter is not finite after ``step`` updates."""
    for p in params:
        if not bool(torch.isfinite(p).all()):
            raise divergence("parameters", step, lr, noise_std, clip)


def check_tensor(value, name: str) -> torch.Tensor:
    """``value`` must be a floating (or integer) tensor with finite entries."""
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}")
    if value.dtype == torch.bool or value.is_complex():
        raise TypeError(f"{name} must be a real tensor, got dtype {value.dtype}")
    if value.is_floating_point() and not bool(torch.isfinite(value).all()):
        raise ValueError(f"{name} must be finite, got NaN or infinite entries")
    return value


def check_batch_shapes(x: torch.Tensor, y: torch.Tensor, n_models: int) -> None:
    """``x`` ``(N, ...)`` or ``(M, N, ...)`` and labels ``y`` ``(N,)`` or ``(M, N)`` that match."""
    if x.ndim < 2:
        raise ValueError(f"x must have shape (N, *input_shape) or (M, N, *input_shape), got "
                         f"{tuple(x.shape)}")
    if x.shape[0] == 0 or (x.ndim >= 3 and x.shape[0] == n_models and x.shape[1] == 0):
        raise ValueError(f"x must hold at least one input, got shape {tuple(x.shape)}")
    if y.ndim == 1:
        if y.shape[0] not in (x.shape[0], x.shape[1] if x.ndim >= 3 else -1):
            raise ValueError(f"y must have one label per input of x (shape {tuple(x.shape)}), "
                             f"got shape {tuple(y.shape)}")
    elif y.ndim == 2:
        ok = (y.shape[0] == n_models
              and y.shape[1] in (x.shape[0], x.shape[1] if x.ndim >= 3 else -1))
        if not ok:
            raise ValueError(f"y of shape (M, N) must have M = n_models = {n_models} and one "
                             f"label per input of x (shape {tuple(x.shape)}), got shape "
                             f"{tuple(y.shape)}")
    else:
        raise ValueError(f"y must have shape (N,) or (M, N), got {tuple(y.shape)}")
