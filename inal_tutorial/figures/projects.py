r"""Figure of the chapter *Exercises and projects* (``book/projects``): the starter of the project
*Staircases, parities and the leap*.

Minibatch SGD on the sign-staircase
:math:`\mathrm{sign}(x_0+x_0x_1+\dots+x_0\cdots x_{k-1})` and on the parity
:math:`x_0\cdots x_{k-1}` of the same degree, with the same networks, the same training
inputs and the same budget. Both targets are balanced (:math:`\mathbb E f=0`, so the best
constant predictor has accuracy 1/2). The networks are trained on a fixed random quarter
of the cube and their accuracy is measured on the other three quarters, inputs the
training never saw:

* ``"small"`` (the chapter): n = 12, k = 4, 1024 training inputs, 1500 steps, 8 networks,
  float64 (a few seconds on one core);
* ``"large"``: n = 16, k = 4, 4096 training inputs, 20000 steps, 8 networks (minutes).
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure

from .._validation import check_choice, check_dtype, check_float, check_int, check_seed
from ..boolean import BooleanTarget, Parity, Staircase, all_inputs, truth_table
from ..fourier import walsh_coefficients
from ..networks import MLPEnsemble
from ..plotting import SCALES, register_figure
from ..training import ArrayDataset, TrainingHistory, sgd

__all__ = ["STAIRCASE_SETTINGS", "StaircaseParityRun", "held_out_split",
           "best_single_bit_accuracy", "staircase_vs_parity", "plot_staircase_vs_parity"]

#: Arguments of :func:`staircase_vs_parity` at each scale.
STAIRCASE_SETTINGS = {"small": dict(n=12, k=4, train_size=1024, steps=1500, n_models=8),
                      "large": dict(n=16, k=4, train_size=4096, steps=20000, n_models=8)}


def held_out_split(n: int, train_size: int, *, seed: int = 0) -> tuple[torch.Tensor,
                                                                        torch.Tensor]:
    r"""Split the :math:`2^n` points of the cube into a training set and the rest.

    A uniformly random permutation :math:`\pi` of :math:`\{0,\dots,2^n-1\}` (from ``seed``)
    gives the training indices :math:`\pi(0),\dots,\pi(N-1)`, :math:`N` = ``train_size``,
    and the held-out indices :math:`\pi(N),\dots,\pi(2^n-1)`: disjoint, and together the
    whole cube (index i is the input with :math:`x_j=(-1)^{\text{bit } j \text{ of } i}`).

    Returns
    -------
    (train, test) : two int64 tensors of indices, of lengths N and :math:`2^n-N`.

    Raises
    ------
    ValueError
        If n is not in [1, 20] or ``train_size`` is not in [1, 2^n - 1].
    """
    n = check_int(n, "n", low=1, high=20)
    train_size = check_int(train_size, "train_size", low=1, high=2**n - 1)
    seed = check_seed(seed, allow_generator=False)
    generator = torch.Generator().manual_seed(seed)
    order = torch.randperm(2**n, generator=generator)
    return order[:train_size], order[train_size:]


def best_single_bit_accuracy(target: BooleanTarget) -> float:
    r"""Accuracy of the best predictor :math:`\pm x_i` that reads one bit.

    :math:`\Pr[f(x)=s\,x_i]=\tfrac12(1+s\hat f(\{i\}))`, so the best is
    :math:`\tfrac12\big(1+\max_i|\hat f(\{i\})|\big)` (exact, over all :math:`2^n`
    inputs; n <= 20).
    """
    if not isinstance(target, BooleanTarget):
        raise TypeError(f"target must be a BooleanTarget, got {type(target).__name__}")
    coefficients = walsh_coefficients(truth_table(target).to(torch.float64))
    singletons = coefficients[[1 << i for i in range(target.n)]]
    return float((1 + singletons.abs().max()) / 2)


@dataclass
class StaircaseParityRun:
    """What :func:`staircase_vs_parity` returns.

    Attributes
    ----------
    histories : dict
        Target name -> :class:`~inal_tutorial.training.TrainingHistory`; its
        ``"accuracy"`` is measured on the held-out inputs, ``"train_accuracy"`` on the
        training set.
    targets : dict
        Target name -> the target.
    train_size, test_size : int
        Sizes of the training set and of the held-out set (disjoint).
    """

    histories: dict[str, TrainingHistory]
    targets: dict[str, BooleanTarget]
    train_size: int
    test_size: int

    def steps_to(self, threshold: float = 0.95) -> dict[str, np.ndarray]:
        """Per target, each network's first recorded step with held-out accuracy >= threshold.

        ``inf`` for a network that did not get there within the budget.
        """
        threshold = check_float(threshold, "threshold", low=0.5, high=1.0)
        return {name: history.steps_to("accuracy", threshold)
                for name, history in self.histories.items()}


def staircase_vs_parity(n: int = 12, k: int = 4, *, train_size: int = 1024,
                        steps: int = 1500, n_models: int = 8, width: int = 64,
                        lr: float = 0.1, batch_size: int = 64, eval_every: int = 25,
                        dtype: torch.dtype = torch.float64,
                        seed: int = 0) -> StaircaseParityRun:
    r"""Train the same networks on the sign-staircase and on the parity of degree k.

    The cube is split by :func:`held_out_split` into ``train_size`` training inputs and
    :math:`2^n-` ``train_size`` held-out inputs. Each target gets ``n_models``
    one-hidden-layer ReLU networks of ``width`` neurons (Gaussian initialization, the
    same ``seed``, hence the same initial networks, for both targets), trained by
    :func:`~inal_tutorial.training.sgd` (hinge loss, ``batch_size`` training inputs per
    step drawn with the same seed for both targets, learning rate ``lr``). So the two
    arms are paired: network m starts from the same weights and sees the same inputs in
    the same order on both targets. Float64 by default, so that the recorded accuracies
    do not depend on the CPU's kernels.

    Returns
    -------
    StaircaseParityRun

    Raises
    ------
    ValueError
        For n outside [2, 16], k outside [1, n], or a bad ``train_size`` (see
        :func:`held_out_split`), steps, width or learning rate.
    """
    n = check_int(n, "n", low=2, high=16)
    k = check_int(k, "k", low=1, high=n)
    steps = check_int(steps, "steps", low=1, high=10**7)
    n_models = check_int(n_models, "n_models", low=1, high=1024)
    width = check_int(width, "width", low=1, high=65536)
    eval_every = check_int(eval_every, "eval_every", low=1, high=steps)
    dtype = check_dtype(dtype)
    train, test = held_out_split(n, train_size, seed=seed)
    inputs = all_inputs(n).to(dtype)
    histories, targets = {}, {}
    for target in (Staircase(n, k), Parity(n, k=k)):
        labels = target(inputs).to(dtype)
        data = ArrayDataset(inputs[train], labels[train], inputs[test], labels[test])
        network = MLPEnsemble(n, (width,), n_models=n_models, seed=seed, dtype=dtype)
        histories[target.name] = sgd(network, data, steps=steps, lr=lr,
                                     batch_size=batch_size, seed=seed,
                                     eval_every=eval_every, progress=False)
        targets[target.name] = target
    return StaircaseParityRun(histories, targets, int(train.numel()), int(test.numel()))


def plot_staircase_vs_parity(run: StaircaseParityRun) -> Figure:
    """Held-out accuracy against the step: thin lines per network, thick the mean.

    Dashed: the best constant predictor, :math:`(1+|\\mathbb E f|)/2`; dotted: the best
    predictor that reads one bit (drawn only where it beats the constant).
    """
    if not isinstance(run, StaircaseParityRun):
        raise TypeError(f"run must be a StaircaseParityRun, got {type(run).__name__}")
    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    constants = []
    for index, (name, history) in enumerate(run.histories.items()):
        color = f"C{index}"
        target = run.targets[name]
        ax.plot(history.steps, history["accuracy"], color=color, lw=0.8, alpha=0.35)
        ax.plot(history.steps, history.mean("accuracy"), color=color, lw=2.2,
                label=f"{name}, mean of {history.n_models}")
        mean = float(target(all_inputs(target.n)).double().mean())
        constants.append((1 + abs(mean)) / 2)
        one_bit = best_single_bit_accuracy(target)
        if one_bit > constants[-1] + 0.01:
            ax.axhline(one_bit, color=color, ls=":", lw=1.2,
                       label=f"best single bit for {name} ({one_bit:.3f})")
    for value in sorted(set(round(c, 6) for c in constants)):
        ax.axhline(value, color="#666666", ls="--", lw=1.2,
                   label=f"best constant predictor ({value:.2f})")
    ax.set_xlabel("SGD step")
    ax.set_ylabel(f"accuracy on {run.test_size} held-out inputs")
    ax.set_ylim(0.4, 1.02)
    ax.set_title(f"same degree, different structure ({run.train_size} training inputs)")
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig


@register_figure("projects-staircase-vs-parity", "projects",
                 "Minibatch SGD on the sign-staircase and the parity of degree 4, held-out "
                 "accuracy (starter of the staircase project)")
def build(scale: str = "small", seed: int = 0):
    settings = STAIRCASE_SETTINGS[check_choice(scale, "scale", SCALES)]
    return plot_staircase_vs_parity(staircase_vs_parity(seed=check_int(seed, "seed", low=0),
                                                        **settings))
