"""What a training run records (private; the names are public in :mod:`inal_tutorial.training`).

:class:`TrainingHistory`, the metrics at the evaluation steps, and
:class:`FirstLayerMovement`, a callback that records how far the first layer moved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from ._validation import check_choice, check_float, check_int, check_support

__all__ = ["TrainingHistory", "FirstLayerMovement"]



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
