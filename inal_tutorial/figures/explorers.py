r"""Figures of the page *Interactive explorers* (``book/explorers``): each explorer's default view.

The page shows the explorers' default settings as ordinary figures, so that the online
book (where widgets cannot recompute) still shows what each explorer draws. The
computation and the drawing are the functions of :mod:`inal_tutorial.widgets`:

* ``"small"`` (the page): the explorers' defaults (n = 10, width 128, 32 initializations
  for the INAL; 4 runs of 150 steps for noisy GD);
* ``"large"``: n = 12, width 256 and 64 initializations for the INAL; 16 runs of 300
  steps for noisy GD (about a minute on one core).
"""

from __future__ import annotations

from .._validation import check_choice, check_int
from ..plotting import SCALES, register_figure
from ..widgets import (
    fourier_explorer_data,
    inal_explorer_data,
    noisy_gd_comparison,
    plot_fourier_explorer,
    plot_inal_explorer,
    plot_noisy_gd_explorer,
)

__all__ = ["INAL_SETTINGS", "NOISY_GD_SETTINGS"]

#: Settings of the INAL explorer's figure at each scale.
INAL_SETTINGS = {"small": dict(n=10, width=128, n_init=32),
                 "large": dict(n=12, width=256, n_init=64)}
#: Settings of :func:`~inal_tutorial.widgets.noisy_gd_comparison` at each scale.
NOISY_GD_SETTINGS = {"small": dict(steps=150, n_models=4), "large": dict(steps=300, n_models=16)}


@register_figure("explorer-inal", "explorers",
                 "INAL explorer, default view: A_k(n) with the Hermite heuristic; measured "
                 "first-layer INAL of a 2-parity beside the formula")
def build_inal(scale: str = "small", seed: int = 0):
    settings = INAL_SETTINGS[check_choice(scale, "scale", SCALES)]
    return plot_inal_explorer(inal_explorer_data(seed=seed, **settings))


@register_figure("explorer-fourier", "explorers",
                 "Fourier explorer, default view: degree profile of majority with its closed "
                 "form; largest coefficients")
def build_fourier(scale: str = "small", seed: int = 0):
    n = {"small": 9, "large": 13}[check_choice(scale, "scale", SCALES)]
    return plot_fourier_explorer(fourier_explorer_data("majority", n=n, k=n, seed=seed))


@register_figure("explorer-noisy-gd", "explorers",
                 "Noisy GD on majority, a 2-parity and a 4-parity (n = 10, sigma = 0.2): "
                 "accuracy and correlation against the step")
def build_noisy_gd(scale: str = "small", seed: int = 0):
    settings = NOISY_GD_SETTINGS[check_choice(scale, "scale", SCALES)]
    return plot_noisy_gd_explorer(noisy_gd_comparison(seed=check_int(seed, "seed", low=0),
                                                      **settings))
