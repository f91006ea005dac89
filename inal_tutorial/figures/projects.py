r"""Figure of the chapter *Exercises and projects* (``book/projects``): the starter of Project 6.

Online SGD on the staircase :math:`\mathrm{sign}(x_0+x_0x_1+\dots+x_0\cdots x_{k-1})` and on
the parity :math:`x_0\cdots x_{k-1}` of the same degree, same networks and same budget:

* ``"small"`` (the chapter): n = 10, k = 4, 300 steps, 4 networks (a few seconds);
* ``"large"``: n = 14, k = 4, 3000 steps, 8 networks (a few minutes on one core).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from .._validation import check_choice, check_int
from ..boolean import Parity, Staircase
from ..networks import MLPEnsemble
from ..plotting import SCALES, register_figure
from ..training import TrainingHistory, sgd

__all__ = ["STAIRCASE_SETTINGS", "staircase_vs_parity", "plot_staircase_vs_parity"]

#: Arguments of :func:`staircase_vs_parity` at each scale.
STAIRCASE_SETTINGS = {"small": dict(n=10, k=4, steps=300, n_models=4),
                      "large": dict(n=14, k=4, steps=3000, n_models=8)}


def staircase_vs_parity(n: int = 10, k: int = 4, *, steps: int = 300, n_models: int = 4,
                        width: int = 64, lr: float = 0.1, batch_size: int = 64,
                        seed: int = 0) -> dict[str, TrainingHistory]:
    r"""Train the same networks by online SGD on the staircase and on the parity of degree k.

    Each target gets ``n_models`` one-hidden-layer ReLU networks of ``width`` neurons
    (Gaussian initialization, the same ``seed`` for both targets), trained by
    :func:`~inal_tutorial.training.sgd` (hinge loss, ``batch_size`` fresh uniform inputs
    per step, learning rate ``lr``). Accuracy is exact over the cube for n <= 16.

    Returns
    -------
    dict
        Target name -> :class:`~inal_tutorial.training.TrainingHistory`.
    """
    n = check_int(n, "n", low=2, high=20)
    k = check_int(k, "k", low=1, high=n)
    histories = {}
    for target in (Staircase(n, k), Parity(n, k=k)):
        network = MLPEnsemble(n, (width,), n_models=n_models, seed=seed)
        histories[target.name] = sgd(network, target, steps=steps, lr=lr,
                                     batch_size=batch_size, seed=seed, progress=False)
    return histories


def plot_staircase_vs_parity(histories: dict[str, TrainingHistory]) -> Figure:
    """Accuracy against the step: thin lines per network, thick the mean; chance at 1/2."""
    if not histories:
        raise ValueError("histories must not be empty")
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    for index, (name, history) in enumerate(histories.items()):
        color = f"C{index}"
        ax.plot(history.steps, history["accuracy"], color=color, lw=0.8, alpha=0.35)
        ax.plot(history.steps, history.mean("accuracy"), color=color, lw=2.2, label=name)
    ax.axhline(0.5, color="#808080", ls=":", lw=1.2, label="chance")
    ax.set_xlabel("SGD step")
    ax.set_ylabel("accuracy")
    ax.set_ylim(0.4, 1.02)
    ax.set_title("same degree, different structure")
    ax.legend(fontsize=9, loc="upper left")
    fig.tight_layout()
    return fig


@register_figure("projects-staircase-vs-parity", "projects",
                 "Online SGD on the staircase and the parity of degree 4 (Project 6 starter)")
def build(scale: str = "small", seed: int = 0):
    settings = STAIRCASE_SETTINGS[check_choice(scale, "scale", SCALES)]
    return plot_staircase_vs_parity(staircase_vs_parity(seed=check_int(seed, "seed", low=0),
                                                        **settings))
