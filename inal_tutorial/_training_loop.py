"""The step loop of :func:`~inal_tutorial.training.train` (private).

:func:`run` takes the checked settings and the prepared pieces (the batch source, the
gradient path, the recorder of metrics) and performs the updates

.. math:: \\theta_{t+1} = \\theta_t - \\gamma\\,\\big(\\mathrm{clip}_A(g_t + \\lambda\\theta_t)
          + \\sigma Z_t\\big).

Per step it does only the step: each model's mean loss on the step's inputs, which the
gradient computes anyway (the fused step returns the sum: PyTorch's mean is that sum
divided by N, so the two are finite together), is kept on the device, and the divergence
check reads them once per evaluation (or every 256 steps), naming the first step whose
loss was not finite, exactly as a check at every step would.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from . import _training_checks as _checks
from ._memory import release_freed_memory
from ._progress import progress_bar
from ._training_data import is_pm1, metrics_on, support_mass

# Evaluations between two trims of the heap (see inal_tutorial._memory).
TRIM_EVERY_EVALS = 20
# Steps whose losses wait at most for one divergence check.
_CHECK_EVERY_STEPS = 256


class Recorder:
    """The metrics at the evaluation steps: on the evaluation set, on the training set
    ``(X, Y)`` when there is one, and the support mass when a support is known."""

    def __init__(self, model, n_models: int, loss_fn, x_eval, y_eval, X, Y, support,
                 settings: tuple[float, float, float | None]):
        self.model, self.n_models, self.loss_fn = model, n_models, loss_fn
        self.x_eval, self.y_eval, self.X, self.Y, self.support = x_eval, y_eval, X, Y, support
        self.settings = settings
        # Whether the labels are +-1 (accuracy is recorded), decided once.
        self.eval_pm1 = is_pm1(y_eval)
        self.train_pm1 = Y is not None and is_pm1(Y)
        self.steps: list[int] = []
        self.values: dict[str, list[np.ndarray]] = {}

    def __call__(self, step: int) -> dict[str, np.ndarray]:
        values = metrics_on(self.model, self.x_eval, self.y_eval, self.loss_fn, self.n_models,
                            pm1=self.eval_pm1)
        if self.X is not None:
            values.update(metrics_on(self.model, self.X, self.Y, self.loss_fn, self.n_models,
                                     prefix="train_", pm1=self.train_pm1))
        _checks.check_metrics(values, step, *self.settings)
        if self.support is not None:
            mass = support_mass(self.model, self.support)
            if mass is not None:
                values["support_mass"] = mass
        self.steps.append(step)
        out = {}
        for key, value in values.items():
            out[key] = value.cpu().numpy()
            self.values.setdefault(key, []).append(out[key])
        return out


class _PendingLosses:
    """The ``(M,)`` mean (or summed) losses of the steps since the last check, on the
    device."""

    def __init__(self, settings: tuple[float, float, float | None]):
        self.settings = settings
        self.first_step = 0
        self.losses: list[torch.Tensor] = []

    def check(self) -> None:
        """Raise :class:`DivergenceError` at the first pending step with a non-finite loss."""
        if not self.losses:
            return
        stacked = torch.stack(self.losses)                       # (steps, M)
        if not np.isfinite(float(stacked.sum())):
            finite = torch.isfinite(stacked).all(dim=1)
            if not bool(finite.all()):
                first = int(torch.nonzero(~finite)[0, 0])
                # The losses of step t are those of the parameters after t - 1 updates.
                raise _checks.divergence("loss", self.first_step + first, *self.settings)
        self.first_step += len(self.losses)
        self.losses = []


def run(model: nn.Module, params: list[torch.Tensor], *, n_models: int, plan, source,
        loss: str, loss_fn, lr: float, weight_decay: float, clip: float | None,
        noise_std: float, noise_gens, steps: int, eval_every: int,
        stop_accuracy: float | None, callback: Callable | None, progress: bool,
        record: Recorder, gradient: Callable) -> None:
    """Perform up to ``steps`` updates in place, recording at step 0, every ``eval_every``
    steps and at the last step (``gradient`` is the autograd path, used when ``plan`` is
    None)."""
    dtype, device = params[0].dtype, params[0].device
    sizes = [p[0].numel() for p in params]
    n_params = sum(sizes)
    settings = (lr, noise_std, clip)
    pending = _PendingLosses(settings)
    fused = plan is not None and clip is None and plan.mask is None
    last = record(0)
    bar = progress_bar(range(1, steps + 1), desc="training", enabled=progress)
    for step in bar:
        x, y = source.batch()
        if fused:
            losses = plan.fused_step(x, y, loss, lr, weight_decay)
        elif plan is not None:
            grads, losses = plan.loss_gradient(x, y, loss)
        else:
            grads, losses = gradient(model, x, y, loss_fn, params, n_models)
        pending.losses.append(losses)
        # Plain SGD happened entirely in fused_step; otherwise update (and add noise).
        if not fused or noise_std > 0:
            with torch.no_grad():
                noise = None
                if noise_std > 0:
                    noise = torch.stack([torch.randn(n_params, generator=g, dtype=dtype)
                                         for g in noise_gens]).to(device)
                if fused:   # updated in fused_step; the noise term -lr * noise_std * z remains
                    if noise is not None:
                        add_noise(params, noise, -lr * noise_std, sizes)
                elif plan is not None:   # the gradients are ours: update them and params in place
                    update_in_place(params, grads, lr, weight_decay, clip, noise_std, noise, sizes)
                else:
                    offset = 0
                    for p, g, size in zip(params, grads, sizes, strict=True):
                        if weight_decay:
                            g = g + weight_decay * p
                        if clip is not None:
                            g = g.clamp(-clip, clip)
                        if noise is not None:
                            g = g + noise_std * noise[:, offset:offset + size].view_as(p)
                        p.sub_(lr * g)
                        offset += size
        if callback is not None:
            callback(step, model)
        if step % eval_every == 0 or step == steps:
            pending.check()
            last = record(step)
            if step % (TRIM_EVERY_EVALS * eval_every) == 0:
                release_freed_memory()   # frequent evaluations fragment the heap
            if "accuracy" in last:
                bar.set_postfix(accuracy=f"{last['accuracy'].mean():.3f}")
            if stop_accuracy is not None and "accuracy" in last and \
                    bool((last["accuracy"] >= stop_accuracy).all()):
                break
        elif len(pending.losses) >= _CHECK_EVERY_STEPS:
            pending.check()
    bar.close()
    pending.check()
    _checks.check_parameters(params, int(record.steps[-1]), *settings)


def update_in_place(params, grads, lr: float, weight_decay: float, clip: float | None,
                     noise_std: float, noise: torch.Tensor | None, sizes: list[int]) -> None:
    """``p -= lr * (clip(g + weight_decay p) + noise_std z)`` for every parameter, in place
    (``grads`` are overwritten)."""
    if weight_decay:
        torch._foreach_add_(grads, params, alpha=weight_decay)
    if clip is not None:
        torch._foreach_clamp_min_(grads, -clip)
        torch._foreach_clamp_max_(grads, clip)
    if noise is not None:
        add_noise(grads, noise, noise_std, sizes)
    torch._foreach_add_(params, grads, alpha=-lr)


def add_noise(tensors, noise: torch.Tensor, scale: float, sizes: list[int]) -> None:
    """``t += scale * z_t`` with ``z_t`` the columns of ``noise`` ``(M, P)`` that belong to t."""
    offset = 0
    for t, size in zip(tensors, sizes, strict=True):
        t.add_(noise[:, offset:offset + size].view_as(t), alpha=scale)
        offset += size

