"""Figures of the chapter *Cross-predictability and statistical queries*.

Each figure has a data function (what the chapter asserts on) and a plotting
function; ``build(scale, seed)`` runs both. ``scale="small"`` is the chapter's
setting (seconds on one core); ``scale="large"`` the crisp documented one
(more sizes and samples, a few minutes).
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np

from .._validation import MAX_ENUMERATION_N, check_choice, check_int
from ..boolean import Embedded, Majority, Parity, RandomFunction, Staircase, truth_table
from ..fourier import degree_profile, majority_degree_profile
from ..plotting import PALETTE, register_figure
from ..profiles import first_layer_profile
from ..sq import (
    cp_bound_from_inal,
    inal_cp_records,
    orbit_cp_from_profile,
    orbit_cp_versus_n,
)
from ..statistical_queries import query_count_experiment

CHAPTER = "cross_predictability"

_CP_SETTINGS = {
    "small": dict(ns=(5, 7, 9, 11, 13), embedded_ns=(2, 3, 4, 5, 6), n_samples=2000),
    "large": dict(ns=(5, 7, 9, 11, 13, 15), embedded_ns=(2, 3, 4, 5, 6, 7, 8), n_samples=20000),
}
_QUERY_SETTINGS = {
    "small": dict(ns=tuple(range(5, 13)), k=3, tau=0.1, targets=6),
    "large": dict(ns=tuple(range(5, 17)), k=3, tau=0.1, targets=50),
}
_CHAIN_SETTINGS = {
    "small": dict(n=11, n_neurons=2000, random_functions=4),
    "large": dict(n=13, n_neurons=20000, random_functions=12),
}


# ---------------------------------------------------------------------------
# CP of orbits against n
# ---------------------------------------------------------------------------


def cp_versus_n_data(scale: str = "small", seed: int = 0) -> dict[str, list[dict]]:
    r"""Signed-permutation orbit CP against n for the chapter's targets.

    Returns ``{series label: records}`` (records from
    :func:`~inal_tutorial.sq.orbit_cp_versus_n`), each record with a Monte Carlo value,
    the formula :math:`\sum_kW^k(f)^2/\binom nk` from the truth table, and a ``theory``
    computed without the truth table of that n: :math:`1/\binom nk` for k-parities, 1 for
    the full parity, :math:`1/\binom{2n}n` for the full parity read from n of 2n bits,
    majority's closed-form profile, and for the staircase on 3 bits the profile of the
    3-bit function alone.
    """
    check_choice(scale, "scale", tuple(_CP_SETTINGS))
    cfg = _CP_SETTINGS[scale]
    ns, embedded_ns, samples = cfg["ns"], cfg["embedded_ns"], cfg["n_samples"]
    staircase3 = degree_profile(truth_table(Staircase(3, 3))).numpy()
    series = {
        "1-parities": (lambda n: Parity(n, k=1), ns, lambda n: 1 / n),
        "2-parities": (lambda n: Parity(n, k=2), ns, lambda n: 1 / math.comb(n, 2)),
        "3-parities": (lambda n: Parity(n, k=3), ns, lambda n: 1 / math.comb(n, 3)),
        "full parity": (lambda n: Parity(n, k=n), ns, lambda n: 1.0),
        "full parity on n of 2n bits": (lambda n: Embedded(Parity(n, k=n), 2 * n), embedded_ns,
                                        lambda n: 1 / math.comb(2 * n, n)),
        "majority": (Majority, ns, lambda n: orbit_cp_from_profile(majority_degree_profile(n))),
        "staircase, 3 bits": (lambda n: Staircase(n, 3), ns,
                              lambda n: orbit_cp_from_profile(staircase3, n)),
        "staircase, n bits": (lambda n: Staircase(n, n), ns, None),
    }
    out = {}
    for offset, (label, (family, sizes, theory)) in enumerate(series.items()):
        # The embedded parity has a CP near 1e-3 on at most 2^12 inputs: more samples are cheap.
        count = 5 * samples if label.startswith("full parity on") else samples
        out[label] = orbit_cp_versus_n(family, sizes, n_samples=count, seed=seed + offset,
                                       theory=theory)
    return out


def plot_cp_versus_n(data: dict[str, list[dict]], axes=None):
    r"""Two panels: parities (and the full-parity exception), then majority and staircases.

    Lines: the theory of each series (dashed: the formula from the truth table where no
    independent theory exists); markers with 95 % error bars: Monte Carlo over the orbit.
    Grey reference lines on the right panel: :math:`(2/\pi)^2/n` (the limit of majority's
    :math:`n\cdot\mathrm{CP}`) and :math:`(2/\pi)^2/n^2` (the limit of
    :math:`n^2W^n(f)^2` for the staircase on all n bits).
    """
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    else:
        fig = axes[0].figure
    left = ("1-parities", "2-parities", "3-parities", "full parity",
            "full parity on n of 2n bits")
    for ax, labels in ((axes[0], left), (axes[1], [k for k in data if k not in left])):
        for color, label in zip(PALETTE, labels, strict=False):
            records = data[label]
            ns = np.array([r["n"] for r in records])
            cp = np.array([r["cp"] for r in records])
            err = 1.96 * np.array([r["stderr"] for r in records])
            has_theory = records[0]["theory"] is not None
            line = [r["theory"] if has_theory else r["formula"] for r in records]
            ax.plot(ns, line, color=color, linestyle="-" if has_theory else "--", linewidth=1.5)
            lower = np.minimum(err, cp * 0.999)   # keep the log-scale error bars positive
            ax.errorbar(ns, cp, yerr=[lower, err], fmt="o", color=color, markersize=5,
                        capsize=2, label=label)
        if ax is axes[1]:
            # Reference slopes with the limit constants: n CP(Maj_n) -> (2/pi)^2, and the
            # n-bit staircase's top-degree term n^2 W^n(f)^2 -> (2/pi)^2.
            grid = np.linspace(min(min(r["n"] for r in data[k]) for k in labels),
                               max(max(r["n"] for r in data[k]) for k in labels), 50)
            const = (2 / math.pi) ** 2
            ax.plot(grid, const / grid, color="0.45", linestyle=":", linewidth=1.2,
                    label=r"$(2/\pi)^2/n$")
            ax.plot(grid, const / grid**2, color="0.45", linestyle="-.", linewidth=1.2,
                    label=r"$(2/\pi)^2/n^2$")
        ax.set_yscale("log")
        ax.set_xlabel("n (number of bits the target depends on)")
        ax.legend(fontsize=8, loc="lower left")
    axes[0].set_ylabel("CP of the orbit under signed permutations")
    axes[0].set_title("parities", fontsize=11)
    axes[1].set_title("majority and staircases", fontsize=11)
    fig.tight_layout()
    return fig


@register_figure("cp-vs-n", CHAPTER,
                 "Orbit cross-predictability against n: theory lines over Monte Carlo points")
def build_cp_versus_n(scale: str = "small", seed: int = 0):
    """Compute :func:`cp_versus_n_data` and draw it with :func:`plot_cp_versus_n`."""
    return plot_cp_versus_n(cp_versus_n_data(scale, seed))


# ---------------------------------------------------------------------------
# Queries of SQ learners against the counting bound
# ---------------------------------------------------------------------------


def query_count_data(scale: str = "small", seed: int = 0) -> list[dict]:
    """Query counts of the scan and group-testing learners on k-parities (see
    :func:`~inal_tutorial.statistical_queries.query_count_experiment`), adversarial oracle."""
    check_choice(scale, "scale", tuple(_QUERY_SETTINGS))
    cfg = _QUERY_SETTINGS[scale]
    return query_count_experiment(cfg["ns"], cfg["k"], cfg["tau"], targets=cfg["targets"],
                                  seed=seed)


def plot_query_counts(records: list[dict], ax=None):
    r"""Queries against the class size d, with the counting bound :math:`(d-1)\tau^2`."""
    if ax is None:
        fig, ax = plt.subplots(figsize=(6.4, 4.2))
    else:
        fig = ax.figure
    d = np.array([r["d"] for r in records])
    tau, k = records[0]["tau"], records[0]["k"]
    ax.plot(d, [r["scan_max"] for r in records], "o-", color=PALETTE[0],
            label="one parity per query: worst target")
    ax.plot(d, [r["scan_mean"] for r in records], "o", color=PALETTE[0], fillstyle="none",
            label="one parity per query: mean")
    ax.plot(d, [r["group_max"] for r in records], "s-", color=PALETTE[1],
            label="group testing: worst target")
    ax.plot(d, [r["group_mean"] for r in records], "s", color=PALETTE[1], fillstyle="none",
            label="group testing: mean")
    grid = np.geomspace(d.min(), d.max(), 50)
    ax.plot(grid, (grid - 1) * tau**2, color=PALETTE[3], linestyle="--",
            label=r"counting bound $(d-1)\tau^2$")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(rf"class size d = C(n, {k}) (degree-{k} parities, n = "
                  f"{records[0]['n']}..{records[-1]['n']})")
    ax.set_ylabel("statistical queries")
    ax.set_title(rf"adversarial oracle, $\tau$ = {tau:g}", fontsize=11)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


@register_figure("sq-query-counts", CHAPTER,
                 "Queries spent by SQ learners on k-parities, beside the counting bound")
def build_query_counts(scale: str = "small", seed: int = 0):
    """Compute :func:`query_count_data` and draw it with :func:`plot_query_counts`."""
    return plot_query_counts(query_count_data(scale, seed))


# ---------------------------------------------------------------------------
# The chain: INAL -> low-degree weight -> orbit CP
# ---------------------------------------------------------------------------


def chain_targets(n: int, random_functions: int = 4, seed: int = 0) -> list:
    r"""Parities of every degree, majority, two staircases and a few random functions on n bits.

    n must be odd: then :math:`\mathrm{Maj}_n` and the sign-staircases on 3 and on n bits
    (an odd number of terms) have no ties, so they are balanced
    (:math:`\hat f(\emptyset)=0`) and majority is permutation symmetric, and no part of
    their INAL is the constant term :math:`W^0(f)A_0(n)`. Random functions are kept as
    they come; :func:`~inal_tutorial.sq.inal_cp_records` reports their constant part.
    """
    n = check_int(n, "n", low=3, high=MAX_ENUMERATION_N)
    if n % 2 == 0:
        raise ValueError(f"n must be odd (majority and the staircases are balanced without "
                         f"ties only for an odd number of terms), got n={n}")
    return ([Parity(n, k=k) for k in range(1, n + 1)]
            + [Majority(n), Staircase(n, 3), Staircase(n, n)]
            + [RandomFunction(n, seed=seed + s) for s in range(random_functions)])


def chain_data(scale: str = "small", seed: int = 0) -> list[dict]:
    """:func:`~inal_tutorial.sq.inal_cp_records` for :func:`chain_targets` under a ReLU network
    with Gaussian weights and biases (the first-layer profile estimated by Monte Carlo)."""
    check_choice(scale, "scale", tuple(_CHAIN_SETTINGS))
    cfg = _CHAIN_SETTINGS[scale]
    profile = first_layer_profile(cfg["n"], "relu", "gaussian", "gaussian", 1.0,
                                  n_neurons=cfg["n_neurons"], seed=seed)
    return inal_cp_records(chain_targets(cfg["n"], cfg["random_functions"], seed), profile)


def plot_inal_vs_cp(records: list[dict], profile=None, ax=None, cutoff: int = 2):
    """Orbit CP against first-layer INAL: on n bits (open) and on n of 2n bits (filled).

    With the first-layer ``profile`` of the records, also draws the bound on the 2n-bit
    CP that uses nothing but the INAL (:func:`~inal_tutorial.sq.cp_bound_from_inal`,
    cutoff ``cutoff``) as a black line: every filled marker lies below it.
    """
    if ax is None:
        fig, ax = plt.subplots(figsize=(6.8, 6.0))
    else:
        fig = ax.figure
    n = records[0]["n"]
    if profile is not None:
        inals = [r["inal"] for r in records]
        grid = np.geomspace(min(inals) / 2, max(inals) * 2, 200)
        ax.plot(grid, [cp_bound_from_inal(v, profile, cutoff=cutoff) for v in grid],
                color="black", linewidth=1.2,
                label=f"bound on {2 * n}-bit CP from the INAL alone (K = {cutoff})")
    kinds = (("parity", PALETTE[0], "parities"), ("majority", PALETTE[1], "majority"),
             ("staircase", PALETTE[2], "staircases"), ("random", PALETTE[7], "random functions"))
    for prefix, color, label in kinds:
        chosen = [r for r in records if r["target"].startswith(prefix)]
        if not chosen:
            continue
        x = np.array([r["inal"] for r in chosen])
        ax.vlines(x, [r["cp_embedded"] for r in chosen], [r["cp"] for r in chosen],
                  color=color, alpha=0.4, linewidth=1)
        ax.plot(x, [r["cp"] for r in chosen], "o", color=color, fillstyle="none",
                label=f"{label}: orbit on {n} bits")
        ax.plot(x, [r["cp_embedded"] for r in chosen], "o", color=color,
                label=f"{label}: on {n} of {2 * n} bits")
    for r in records:
        if r["target"].startswith("parity") and r["cp"] > 0.05 and r["inal"] < 1e-3:
            ax.annotate(r["target"].replace("parity", "").strip("()"), (r["inal"], r["cp"]),
                        textcoords="offset points", xytext=(5, 0), fontsize=8, va="center")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(r"first-layer INAL $\sum_k W^k(f)A_k(n)$ (ReLU, Gaussian init)")
    ax.set_ylabel("CP of the orbit under signed permutations")
    ax.legend(fontsize=8, ncol=2, loc="upper center", bbox_to_anchor=(0.5, -0.16))
    fig.tight_layout()
    return fig


@register_figure("inal-vs-cp", CHAPTER,
                 "Low INAL and orbit CP, on n bits and embedded on 2n bits")
def build_inal_vs_cp(scale: str = "small", seed: int = 0):
    """Compute :func:`chain_data` and draw it with :func:`plot_inal_vs_cp`."""
    cfg = _CHAIN_SETTINGS[check_choice(scale, "scale", tuple(_CHAIN_SETTINGS))]
    profile = first_layer_profile(cfg["n"], "relu", "gaussian", "gaussian", 1.0,
                                  n_neurons=cfg["n_neurons"], seed=seed)
    return plot_inal_vs_cp(chain_data(scale, seed), profile)
