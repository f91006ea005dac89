r"""Figures of the chapter *Boolean functions and their Fourier expansion* (``book/fourier``).

Each figure has an experiment function that returns the numbers (so the chapter can
assert on them) and a plotting function that draws them; the registered ``build``
composes the two at a scale:

* ``"small"`` (the chapter): n = 11 for the degree profiles, the fast transform up to
  n = 15 for majority;
* ``"large"``: n = 15 for the degree profiles, the fast transform up to n = 21 (a few
  seconds).
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import torch

from .._validation import check_choice, check_int
from ..boolean import Junta, Majority, Parity, RandomFunction, Staircase, truth_table
from ..fourier import (
    degree_profile,
    majority_coefficient,
    majority_degree_profile,
    walsh_coefficients,
)
from ..plotting import PALETTE, SCALES, register_figure
from ..random import make_generator

__all__ = ["example_targets", "degree_profiles", "plot_degree_profiles", "majority_spectrum",
           "plot_majority_spectrum", "DEGREE_PROFILE_N", "MAJORITY_TRANSFORM_N"]

#: n of the degree-profile figure at each scale (odd, so that majority has no ties).
DEGREE_PROFILE_N = {"small": 11, "large": 15}
#: Largest odd n for which majority's coefficients are also computed by the fast transform.
MAJORITY_TRANSFORM_N = {"small": 15, "large": 21}


def example_targets(n: int, seed: int = 0) -> dict:
    r"""The chapter's five example targets on n bits (n odd, n >= 5), by display name.

    A 3-parity, majority of all n bits, the sign of the degree-5 staircase (5 terms, so no
    ties), a uniformly random function and a random balanced 4-junta on the last four
    bits: its table is a uniformly random arrangement of eight +1's and eight -1's
    (drawn from ``seed``), so :math:`\mathbb{E}f=0` like every target here except the
    random function.
    """
    n = check_int(n, "n", low=5, high=24)
    if n % 2 == 0:
        raise ValueError(f"n must be odd so that majority has no ties, got {n}")
    gen = make_generator(seed)
    junta_table = torch.ones(16, dtype=torch.float64)
    junta_table[8:] = -1.0
    junta_table = junta_table[torch.randperm(16, generator=gen)]
    return {
        "parity (k = 3)": Parity(n, k=3),
        f"majority ({n} bits)": Majority(n),
        "staircase sign (k = 5)": Staircase(n, 5),
        "random function": RandomFunction(n, seed=gen),
        "balanced 4-junta": Junta(n, range(n - 4, n), junta_table),
    }


def degree_profiles(n: int, seed: int = 0) -> dict[str, np.ndarray]:
    r"""Degree profiles :math:`W^k(f)=\sum_{|S|=k}\hat f(S)^2`, k = 0..n, of :func:`example_targets`."""
    return {name: degree_profile(truth_table(f)).numpy()
            for name, f in example_targets(n, seed).items()}


def plot_degree_profiles(profiles: dict[str, np.ndarray]):
    r"""Bars of :math:`W^k(f)` for each target, and their cumulative low-degree mass.

    Three rows of two panels, integer degree ticks, the legend of the cumulative panel
    below them. Every vertical axis runs to 1.05 except the random function's, zoomed to
    :math:`1.6\max_k\binom nk 2^{-n}` (its title says so); that panel also shows the
    expectation :math:`\binom nk 2^{-n}`.
    """
    names = list(profiles)
    n = len(profiles[names[0]]) - 1
    degrees = np.arange(n + 1)
    fig, axes = plt.subplots(3, 2, figsize=(8, 8.4), sharex=True, layout="constrained")
    for ax, name, colour in zip(axes.flat, names, PALETTE, strict=False):
        ax.bar(degrees, profiles[name], color=colour, width=0.8)
        ax.set_title(name, fontsize=12)
        ax.set_ylim(0, 1.05)
        if name.startswith("random"):
            expected = np.array([math.comb(n, k) for k in degrees]) / 2**n
            ax.plot(degrees, expected, "--", lw=1.5, color="grey",
                    label=r"$\binom{n}{k}2^{-n}$")
            top = 1.6 * expected.max()
            ax.set_ylim(0, top)
            ax.set_title(f"{name} (vertical axis to {top:.2f})", fontsize=12)
            ax.legend(fontsize=11, loc="upper right")
    cumulative = axes.flat[len(names)]
    for name, colour in zip(names, PALETTE, strict=False):
        cumulative.plot(degrees, np.cumsum(profiles[name]), "o-", color=colour, ms=4,
                        label=name)
    cumulative.set_title(r"low-degree mass $W^{\leq k}(f)$", fontsize=12)
    cumulative.set_ylim(0, 1.05)
    fig.legend(*cumulative.get_legend_handles_labels(), loc="outside lower center",
               ncol=3, fontsize=11, title=r"low-degree mass $W^{\leq k}(f)$ of")
    for ax in axes.flat:
        ax.set_xticks(degrees[::2] if n > 12 else degrees)
        ax.tick_params(labelsize=10)
    for ax in axes[-1]:
        ax.set_xlabel("degree k", fontsize=11)
    for ax in axes[:, 0]:
        ax.set_ylabel(r"$W^k(f)$", fontsize=11)
    fig.suptitle(f"Fourier weight by degree, n = {n}", fontsize=13)
    return fig


def majority_spectrum(n_transform_max: int = 15, n_closed_max: int = 401) -> dict:
    r"""Majority's Fourier coefficients by the fast transform and by the closed form.

    Returns a dict with

    * ``"transform_n"``: odd n = 3..n_transform_max; ``"max_error"``: for each, the largest
      :math:`|\hat f(S)-\text{closed form}(n,|S|)|` over all :math:`2^n` subsets;
    * ``"coefficients_n"``, ``"by_degree_transform"``, ``"by_degree_closed"``: for
      n = n_transform_max, :math:`|\hat f(S)|` per degree from the transform (its mean over
      :math:`|S|=k`) and from :func:`~inal_tutorial.fourier.majority_coefficient`;
    * ``"w1_n"``, ``"w1_closed"``: :math:`W^1(\mathrm{Maj}_n)` for odd n up to n_closed_max,
      and ``"w1_transform"`` for the transform's n.
    """
    n_transform_max = check_int(n_transform_max, "n_transform_max", low=3, high=23)
    n_closed_max = check_int(n_closed_max, "n_closed_max", low=3, high=10_000)
    transform_n = list(range(3, n_transform_max + 1, 2))
    max_error, w1_transform, by_degree = [], [], None
    for n in transform_n:
        coefficients = walsh_coefficients(truth_table(Majority(n)))
        sizes = torch.tensor([bin(s).count("1") for s in range(2**n)])
        closed = torch.tensor([majority_coefficient(n, k) for k in range(n + 1)],
                              dtype=torch.float64)[sizes]
        max_error.append(float((coefficients - closed).abs().max()))
        w1_transform.append(float(coefficients[sizes == 1].square().sum()))
        if n == transform_n[-1]:
            by_degree = np.array([float(coefficients[sizes == k].abs().mean())
                                  for k in range(n + 1)])
    n_last = transform_n[-1]
    w1_n = np.arange(3, n_closed_max + 1, 2)
    return {
        "transform_n": np.array(transform_n),
        "max_error": np.array(max_error),
        "w1_transform": np.array(w1_transform),
        "coefficients_n": n_last,
        "by_degree_transform": by_degree,
        "by_degree_closed": np.abs([majority_coefficient(n_last, k) for k in range(n_last + 1)]),
        "w1_n": w1_n,
        "w1_closed": np.array([majority_degree_profile(int(n))[1] for n in w1_n]),
    }


def plot_majority_spectrum(data: dict):
    r"""Left: :math:`|\hat{\mathrm{Maj}}_n(S)|` by degree, transform vs closed form.
    Right: :math:`W^1(\mathrm{Maj}_n)` against n with its limit :math:`2/\pi`."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
    n = data["coefficients_n"]
    odd = np.arange(1, n + 1, 2)
    left.semilogy(odd, data["by_degree_closed"][odd], "-", color=PALETTE[0], label="closed form")
    left.semilogy(odd, data["by_degree_transform"][odd], "o", color=PALETTE[1], ms=6,
                  label="fast transform")
    left.set_xlabel("degree k = |S| (odd; even degrees are exactly 0)")
    left.set_ylabel(r"$|\widehat{\mathrm{Maj}}_n(S)|$")
    left.set_title(f"majority's coefficients, n = {n}", fontsize=11)
    left.legend()
    right.semilogx(data["w1_n"], data["w1_closed"], "-", color=PALETTE[0], label="closed form")
    right.semilogx(data["transform_n"], data["w1_transform"], "o", color=PALETTE[1], ms=6,
                   label="fast transform")
    right.axhline(2 / math.pi, color="grey", ls="--", lw=1.2, label=r"$2/\pi$")
    right.semilogx(data["w1_n"], 2 / math.pi + 1 / (math.pi * data["w1_n"]), ":",
                   color=PALETTE[2], label=r"$2/\pi + 1/(\pi n)$")
    right.set_xlabel("n (odd)")
    right.set_ylabel(r"$W^1(\mathrm{Maj}_n)$")
    right.set_title("degree-1 weight of majority", fontsize=11)
    right.legend()
    return fig


@register_figure("fourier-degree-profiles", "fourier",
                 "Degree profiles W^k(f) of parity, majority, staircase, a random function and "
                 "a junta, with their cumulative low-degree mass.")
def build_degree_profiles(scale: str = "small", seed: int = 0):
    scale = check_choice(scale, "scale", SCALES)
    return plot_degree_profiles(degree_profiles(DEGREE_PROFILE_N[scale], seed))


@register_figure("fourier-majority", "fourier",
                 "Majority's Fourier coefficients against the closed form, and W^1(Maj_n) -> 2/pi.")
def build_majority(scale: str = "small", seed: int = 0):
    scale = check_choice(scale, "scale", SCALES)
    return plot_majority_spectrum(majority_spectrum(MAJORITY_TRANSFORM_N[scale]))
