r"""Interactive explorers for the book (ipywidgets), each a thin layer over a plain function.

Every explorer has three parts, so that the computation is tested without widgets
and the book's static pages show something meaningful:

* a **plain function** ``*_data(...)`` that computes everything the explorer shows
  and returns a small result object with a ``summary()`` (rounded numbers);
* a **plotting function** ``plot_*(result) -> Figure`` in the book's style;
* the **widget** ``*_explorer()``: sliders and menus that call the two above and
  redraw (it needs a live kernel: Binder, Colab or a local Jupyter).

The explorers:

:func:`inal_explorer`
    target (parity / staircase / majority on the first k of n bits), activation,
    initialization, bias, width :math:`\to` the INAL measured exactly over all
    :math:`2^n` inputs (Monte Carlo over initializations, with a standard error), next
    to the first-layer formula :math:`\sum_k W^k(f)A_k(n)` and the Hermite heuristic
    :math:`A_k(n)\approx n^{-k}\mathbb{E}_b[c_k(b)^2]`.
:func:`fourier_explorer`
    a target :math:`\to` its degree profile :math:`W^k(f)` (with the closed form or the
    expectation where one exists) and its largest Fourier coefficients.
:func:`noisy_gd_explorer`
    target, n, noise :math:`\sigma`, step size :math:`\gamma`, steps :math:`\to` the
    accuracy and the correlation :math:`\langle f,\mathrm{NN}\rangle` along noisy gradient
    descent (:func:`inal_tutorial.training.noisy_gd`).

The module is not star-imported by :mod:`inal_tutorial`; use
``from inal_tutorial import widgets``.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import ipywidgets as ipw
import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure

from ._validation import (
    check_choice,
    check_float,
    check_int,
    check_seed,
    check_size,
    offset_seed,
)
from .alignment import estimate_inal
from .boolean import (
    BooleanTarget,
    Junta,
    Majority,
    Parity,
    RandomFunction,
    Staircase,
    mask_to_subset,
    truth_table,
)
from .fourier import degree_profile, majority_degree_profile, walsh_coefficients
from .networks import ACTIVATIONS, INITIALIZATIONS, MLPEnsemble
from .profiles import first_layer_profile, hermite_profile
from .random import make_generator
from .training import noisy_gd

__all__ = [
    "INAL_TARGETS",
    "FOURIER_TARGETS",
    "NUMERICAL_ZERO",
    "format_alignment",
    "make_explorer_target",
    "InalExplorerResult",
    "inal_explorer_data",
    "plot_inal_explorer",
    "inal_explorer",
    "FourierExplorerResult",
    "fourier_explorer_data",
    "plot_fourier_explorer",
    "fourier_explorer",
    "NoisyGDExplorerResult",
    "noisy_gd_explorer_data",
    "noisy_gd_comparison",
    "plot_noisy_gd_explorer",
    "noisy_gd_explorer",
    "Explorer",
]

#: Targets offered by the INAL explorer (each on the first k of n bits).
INAL_TARGETS = ("parity", "staircase", "majority")
#: Targets offered by the Fourier explorer.
FOURIER_TARGETS = ("parity", "majority", "staircase", "junta", "random")
#: Largest n the explorers accept: they enumerate all 2^n inputs and must stay interactive.
EXPLORER_MAX_N = 14

_FLOOR = 1e-14  # profile values below this (relative to the largest) are exact zeros
#: Alignments below this are zero up to floating-point round-off (float32 networks give
#: about 1e-17 where the exact value is 0); the explorers print and draw them as 0.
NUMERICAL_ZERO = 1e-12


def make_explorer_target(kind: str, n: int, k: int, seed: int = 0) -> BooleanTarget:
    r"""The explorers' targets on the first ``k`` of ``n`` bits.

    * ``"parity"``: :math:`\chi_{\{0,\dots,k-1\}}` (0 <= k <= n);
    * ``"majority"``: majority of the first k bits, ties to +1 (1 <= k <= n);
    * ``"staircase"``: sign of :math:`x_0 + x_0x_1 + \dots + x_0\cdots x_{k-1}` (1 <= k <= n);
    * ``"junta"``: a uniformly random :math:`\\pm1` function of the first k bits (from ``seed``);
    * ``"random"``: a uniformly random :math:`\\pm1` function of all n bits (k is ignored).

    ``n`` is in [1, 14] (``EXPLORER_MAX_N``); ``seed`` an int in [0, 2**62] or a
    ``torch.Generator``.
    """
    kind = check_choice(kind, "target", FOURIER_TARGETS)
    n = check_int(n, "n", low=1, high=EXPLORER_MAX_N)
    low = 0 if kind in ("parity", "random") else 1
    k = check_int(k, "k", low=low, high=n)
    seed = check_seed(seed)
    if kind == "parity":
        return Parity(n, k=k)
    if kind == "majority":
        return Majority(n, range(k))
    if kind == "staircase":
        return Staircase(n, k)
    if kind == "junta":
        table = 1.0 - 2.0 * torch.randint(0, 2, (2**k,), generator=make_generator(seed)).double()
        return Junta(n, range(k), table)
    return RandomFunction(n, seed=seed)


def _activation_label(activation: str) -> str:
    return {"relu": "ReLU", "gelu": "GELU"}.get(activation, activation)


def _positive(values: np.ndarray) -> np.ndarray:
    """Values with exact zeros (below a relative floor) replaced by NaN, for log axes."""
    values = np.asarray(values, dtype=np.float64)
    top = float(np.nanmax(np.abs(values))) if values.size else 0.0
    return np.where(values > _FLOOR * max(top, 1e-300), values, np.nan)


# ---------------------------------------------------------------------------
# INAL explorer
# ---------------------------------------------------------------------------


@dataclass
class InalExplorerResult:
    r"""Everything the INAL explorer shows for one setting.

    Attributes
    ----------
    target : str
        Name of the target.
    n, width, n_init : int
    activation, init, bias : str
    degree_weights : numpy array (n + 1,)
        :math:`W^k(f)`, k = 0..n.
    profile, profile_stderr : numpy arrays (n + 1,)
        The first-layer profile :math:`A_k(n)` (exact for Rademacher weights with
        zero or Rademacher bias, else Monte Carlo over neurons) and its standard error.
    hermite : numpy array (n + 1,)
        The Hermite heuristic :math:`n^{-k}\mathbb{E}_b[c_k(b)^2]`.
    measured, measured_stderr : float
        First-layer average of :math:`\mathbb{E}_\theta\langle f,\sigma_v\rangle^2`, exact over
        inputs, Monte Carlo over ``n_init`` initializations.
    inal, inal_stderr : float
        The INAL: the largest layer average (hidden layer or read-out).
    inal_layer : int
        0 for the hidden layer, 1 for the read-out.
    per_layer, per_layer_stderr : numpy arrays (2,)
        Layer averages (hidden layer, read-out) and their standard errors. For one hidden
        layer the read-out has the hidden layer's expectation: with read-out weights
        :math:`a_j` i.i.d. of variance 1/width,
        :math:`\mathbb{E}\langle f,\sum_j a_j\sigma_j\rangle^2=
        \frac1{\text{width}}\sum_j\mathbb{E}\langle f,\sigma_j\rangle^2`.
    formula, formula_stderr : float
        :math:`\sum_k W^k(f)A_k(n)` and a conservative standard error
        :math:`\sum_k W^k(f)\,\mathrm{se}(A_k)`.
    hermite_prediction : float
        :math:`\sum_k W^k(f)\,n^{-k}\mathbb{E}_b[c_k(b)^2]`.
    """

    target: str
    n: int
    activation: str
    init: str
    bias: str
    width: int
    n_init: int
    degree_weights: np.ndarray = field(repr=False)
    profile: np.ndarray = field(repr=False)
    profile_stderr: np.ndarray = field(repr=False)
    profile_exact: bool
    hermite: np.ndarray = field(repr=False)
    measured: float
    measured_stderr: float
    inal: float
    inal_stderr: float
    inal_layer: int
    per_layer: np.ndarray = field(repr=False)
    per_layer_stderr: np.ndarray = field(repr=False)
    formula: float
    formula_stderr: float
    hermite_prediction: float

    @property
    def z_score(self) -> float:
        """(measured - formula) in units of the combined standard error (0 if both are 0)."""
        if abs(self.measured) < NUMERICAL_ZERO and abs(self.formula) < NUMERICAL_ZERO:
            return 0.0
        scale = math.hypot(self.measured_stderr, self.formula_stderr)
        return (self.measured - self.formula) / scale if scale > 0 else 0.0

    def summary(self) -> str:
        """The explorer's numbers as a small table, rounded so that they reproduce."""
        exact = "exact" if self.profile_exact else "Monte Carlo"
        layer = "read-out" if self.inal_layer == 1 else f"hidden layer {self.inal_layer + 1}"
        rows = [
            (f"INAL (largest layer average: {layer})", self.inal, self.inal_stderr),
            ("first layer, measured over all 2^n inputs", self.measured, self.measured_stderr),
            (f"first-layer formula sum_k W^k A_k ({exact})", self.formula, self.formula_stderr),
            ("Hermite heuristic sum_k W^k n^-k E c_k(b)^2", self.hermite_prediction, None),
        ]
        lines = [f"{self.target} on n = {self.n} bits; {_activation_label(self.activation)}, "
                 f"{self.init} weights, {self.bias} bias, width {self.width}, "
                 f"{self.n_init} initializations",
                 f"  {'':48}{'value':>10}   ± s.e."]
        for name, value, stderr in rows:
            se = "" if stderr is None or abs(value) < NUMERICAL_ZERO else f"{stderr:.2g}"
            lines.append(f"  {name:<48}{format_alignment(value):>10}   {se:<8}".rstrip())
        return "\n".join(lines)


def format_alignment(value: float) -> str:
    """An alignment for printing: 3 significant digits, and "0" below :data:`NUMERICAL_ZERO`.

    Values that small are zero up to floating-point round-off, and their digits differ
    between machines.
    """
    return "0" if abs(value) < NUMERICAL_ZERO else f"{value:.3g}"


def inal_explorer_data(target: str = "parity", n: int = 10, k: int = 2, activation: str = "relu",
                       init: str = "gaussian", bias: str = "gaussian", width: int = 128, *,
                       n_init: int = 32, n_neurons: int = 1000, seed: int = 0
                       ) -> InalExplorerResult:
    r"""Measure the INAL of a target and put it next to its two theory values.

    The measurement is :func:`~inal_tutorial.alignment.estimate_inal` with all
    :math:`2^n` inputs enumerated (only the initialization is random) for a network with
    one hidden layer of ``width`` neurons. The theory is the first-layer formula

    .. math:: \mathbb{E}_w\langle f,\sigma_w\rangle^2=\sum_k W^k(f)\,A_k(n)

    with :math:`A_k(n)` from :func:`~inal_tutorial.profiles.first_layer_profile` (exact or
    ``n_neurons`` Monte Carlo neurons), and the Hermite heuristic
    :math:`A_k(n)\approx n^{-k}\mathbb{E}_b[c_k(b)^2]`
    (:func:`~inal_tutorial.profiles.hermite_profile`).

    Parameters
    ----------
    target : {"parity", "staircase", "majority"}
        On the first ``k`` bits (see :func:`make_explorer_target`).
    n : int
        Input dimension, 1 <= n <= 14 (the cost grows like :math:`2^n`).
    k : int
        Size of the target's support.
    activation, init : str
        As in :class:`~inal_tutorial.networks.MLPEnsemble`.
    bias : {"gaussian", "zero"}
        Law of the biases (standard deviation 1) or no bias.
    width : int
        Hidden width, 1 <= width <= 1024.
    n_init : int
        Number of initializations (Monte Carlo over :math:`\theta^0`), 2 <= n_init <= 1024.
    n_neurons : int
        Monte Carlo neurons for :math:`A_k(n)` when it is not exact, 2 <= n_neurons <= 10**6.
    seed : int
        In [0, 2**62]; the profile uses ``seed + 2`` (wrapped modulo 2**62 + 1 at the top).
    """
    target_kind = check_choice(target, "target", INAL_TARGETS)
    n = check_int(n, "n", low=1, high=EXPLORER_MAX_N)
    activation = check_choice(activation, "activation", tuple(ACTIVATIONS))
    init = check_choice(init, "init", INITIALIZATIONS)
    bias = check_choice(bias, "bias", ("gaussian", "zero"))
    width = check_int(width, "width", low=1, high=1024)
    n_init = check_int(n_init, "n_init", low=2, high=1024)
    n_neurons = check_int(n_neurons, "n_neurons", low=2, high=10**6)
    seed = check_seed(seed, allow_generator=False)
    f = make_explorer_target(target_kind, n, k)

    weights = degree_profile(truth_table(f)).numpy()
    result = estimate_inal(f, hidden=(width,), activation=activation, init=init, bias=bias,
                           bias_std=1.0, n_init=n_init, seed=seed)
    profile = first_layer_profile(n, activation, init, bias, 1.0, n_neurons=n_neurons,
                                  seed=offset_seed(seed, 2))
    hermite = hermite_profile(n, n, activation, bias, 1.0)
    return InalExplorerResult(
        target=f.name, n=n, activation=activation, init=init, bias=bias, width=width,
        n_init=n_init, degree_weights=weights, profile=profile.values,
        profile_stderr=profile.stderr, profile_exact=profile.exact, hermite=hermite,
        measured=float(result.per_layer[0]), measured_stderr=float(result.per_layer_stderr[0]),
        inal=result.value, inal_stderr=result.stderr, inal_layer=result.layer,
        per_layer=np.asarray(result.per_layer), per_layer_stderr=np.asarray(result.per_layer_stderr),
        formula=float(weights @ profile.values),
        formula_stderr=float(weights @ profile.stderr),
        hermite_prediction=float(weights @ hermite),
    )


def plot_inal_explorer(result: InalExplorerResult) -> Figure:
    """Two panels: the architecture's profile :math:`A_k(n)` against k with the target's
    degrees marked, and the measured first-layer INAL beside its two theory values."""
    if not isinstance(result, InalExplorerResult):
        raise TypeError(f"result must be an InalExplorerResult, got {type(result).__name__}")
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8),
                                      gridspec_kw={"width_ratios": [1.4, 1]})
    degrees = np.arange(result.n + 1)
    label = "exact" if result.profile_exact else "Monte Carlo"
    profile = _positive(result.profile)
    hermite = _positive(result.hermite)
    shown = np.concatenate([profile[np.isfinite(profile)], hermite[np.isfinite(hermite)]])
    bottom = float(shown.min()) / 10 if shown.size else 1e-3
    left.errorbar(degrees, profile, yerr=1.96 * result.profile_stderr, fmt="o-", color="C0",
                  ecolor="#808080", capsize=2, label=f"$A_k(n)$ ({label})")
    left.plot(degrees, hermite, "x--", color="C1", label=r"Hermite $n^{-k}\,\mathbb{E}_b[c_k(b)^2]$")
    zeros = np.isnan(profile)
    if zeros.any():
        left.plot(degrees[zeros], np.full(int(zeros.sum()), bottom), "v", color="C0", alpha=0.6,
                  label="$A_k(n)=0$")
    mass = result.degree_weights > 1e-12
    if mass.any():
        heights = np.where(np.isnan(profile[mass]), bottom, result.profile[mass])
        left.scatter(degrees[mass], heights, s=40 + 260 * result.degree_weights[mass],
                     facecolors="none", edgecolors="C3", linewidths=1.5, zorder=3,
                     label=r"degrees of $f$ (size $\propto W^k(f)$)")
    left.set_yscale("log")
    left.set_ylim(bottom / 2, None)
    left.set_xlabel("degree k")
    left.set_ylabel("$A_k(n)$")
    left.set_title(f"first-layer profile, n = {result.n}")
    left.legend(fontsize=8, loc="upper right")

    names = ["measured", "formula", "Hermite"]
    values = np.array([result.measured, result.formula, result.hermite_prediction])
    errors = np.array([result.measured_stderr, result.formula_stderr, 0.0]) * 1.96
    zero = np.abs(values) < NUMERICAL_ZERO
    positions = np.arange(3)[::-1]
    if zero.all():
        low, high = 0.0, 1.0
        right.set_xticks([])
    else:
        right.set_xscale("log")
        low = float(np.min(values[~zero] - errors[~zero], initial=np.inf,
                           where=values[~zero] - errors[~zero] > 0)) / 2
        low = min(low, float(values[~zero].min()) / 2)
        high = float((values[~zero] + errors[~zero]).max()) * 2
        right.xaxis.set_minor_formatter(mpl.ticker.NullFormatter())
    for position, value, error, is_zero, color in zip(positions, values, errors, zero,
                                                      ("C2", "C0", "C1"), strict=True):
        x = low if is_zero else float(value)
        right.errorbar([x], [position], xerr=None if is_zero else [[error], [error]], linestyle="none",
                       color=color, ecolor="#808080", capsize=4, markersize=8,
                       marker="<" if is_zero else "o")
        text = "0 (up to round-off)" if is_zero else format_alignment(float(value))
        right.annotate(text, (x, position), xytext=(0, 9), textcoords="offset points",
                       ha="left" if is_zero else "center", fontsize=8, color="#4d4d4d")
    right.set_xlim(low, high)
    right.set_ylim(-0.7, 2.7)
    right.set_yticks(positions, names)
    right.set_xlabel(r"$\mathbb{E}_\theta\langle f,\sigma_v\rangle^2$ (first layer, 95% CI)")
    right.set_title(result.target)
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------------------
# Fourier explorer
# ---------------------------------------------------------------------------


@dataclass
class FourierExplorerResult:
    r"""The Fourier picture of one target.

    Attributes
    ----------
    target : str
    n : int
    coefficients : numpy array (2**n,)
        :math:`\hat f(S)` indexed by bitmask S.
    degree_weights : numpy array (n + 1,)
        :math:`W^k(f)`.
    top : list of (subset, coefficient)
        The largest coefficients in absolute value (ties broken by the smaller bitmask).
    theory : numpy array (n + 1,) or None
        A closed form for :math:`W^k(f)` (parity, majority) or its expectation over the
        random choice (junta, random function); None for the staircase.
    theory_label : str
    """

    target: str
    n: int
    coefficients: np.ndarray = field(repr=False)
    degree_weights: np.ndarray = field(repr=False)
    top: list[tuple[tuple[int, ...], float]]
    theory: np.ndarray | None = field(repr=False)
    theory_label: str

    def summary(self) -> str:
        """Degree profile and top coefficients, rounded."""
        profile = ", ".join(f"{w:.3g}" for w in self.degree_weights)
        lines = [f"{self.target} on n = {self.n} bits",
                 f"  W^k(f), k = 0..{self.n}: [{profile}]",
                 f"  sum_k W^k(f) = {self.degree_weights.sum():.6g} (Parseval)",
                 "  largest coefficients:"]
        for subset, value in self.top:
            name = "{" + ",".join(map(str, subset)) + "}" if subset else "{}"
            lines.append(f"    f^({name}) = {value:+.4g}")
        return "\n".join(lines)


def fourier_explorer_data(target: str = "majority", n: int = 9, k: int = 9, *, top: int = 8,
                          seed: int = 0) -> FourierExplorerResult:
    r"""Walsh–Fourier coefficients, degree profile and largest coefficients of a target.

    The theory curve is: :math:`W^j = [j = k]` for the k-parity; the closed form
    :func:`~inal_tutorial.fourier.majority_degree_profile` for a majority of an odd number
    k of bits; for a random junta of k bits :math:`\mathbb{E}\,W^j=\binom kj 2^{-k}` and for
    a random function :math:`\mathbb{E}\,W^j=\binom nj 2^{-n}` (each coefficient has
    :math:`\mathbb{E}\hat f(S)^2=2^{-k}`, resp. :math:`2^{-n}`).

    Parameters
    ----------
    target : one of :data:`FOURIER_TARGETS`
    n : int
        1 <= n <= 14.
    k : int
        Support size (see :func:`make_explorer_target`).
    top : int
        How many of the largest coefficients to report (1 <= top <= 32).
    seed : int
        For the random junta and the random function, in [0, 2**62].
    """
    kind = check_choice(target, "target", FOURIER_TARGETS)
    top = check_int(top, "top", low=1, high=32)
    seed = check_seed(seed, allow_generator=False)
    f = make_explorer_target(kind, n, k, seed)
    n, k = f.n, int(k)
    coefficients = walsh_coefficients(truth_table(f)).numpy()
    weights = degree_profile(coefficients, coefficients=True).numpy()
    # Largest |f^(S)| first; ties (common: symmetric targets) by the smaller bitmask.
    order = np.lexsort((np.arange(coefficients.size), -np.round(np.abs(coefficients), 12)))
    chosen = [int(s) for s in order[:top] if abs(coefficients[s]) > 1e-12]
    top_list = [(mask_to_subset(s, n), float(coefficients[s])) for s in chosen]
    degrees = np.arange(n + 1)
    if kind == "parity":
        theory, label = (degrees == k).astype(float), "exact: $W^k = 1$"
    elif kind == "majority" and k % 2 == 1:
        theory = np.zeros(n + 1)
        theory[: k + 1] = majority_degree_profile(k)
        label = "closed form"
    elif kind == "junta":
        theory = np.array([math.comb(k, j) / 2**k if j <= k else 0.0 for j in degrees])
        label = r"expectation $\binom{k}{j}2^{-k}$"
    elif kind == "random":
        theory = np.array([math.comb(n, j) / 2**n for j in degrees])
        label = r"expectation $\binom{n}{j}2^{-n}$"
    else:
        theory, label = None, ""
    return FourierExplorerResult(target=f.name, n=n, coefficients=coefficients,
                                 degree_weights=weights, top=top_list, theory=theory,
                                 theory_label=label)


def plot_fourier_explorer(result: FourierExplorerResult) -> Figure:
    r"""Two panels: the degree profile (bars, with the theory as markers) and the largest
    coefficients :math:`\hat f(S)` labelled by their subsets."""
    if not isinstance(result, FourierExplorerResult):
        raise TypeError(f"result must be a FourierExplorerResult, got {type(result).__name__}")
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
    degrees = np.arange(result.n + 1)
    left.bar(degrees, result.degree_weights, color="C0", alpha=0.8, label="$W^k(f)$")
    if result.theory is not None:
        left.plot(degrees, result.theory, "o", color="C1", mfc="none", mew=2,
                  label=result.theory_label)
    left.set_xlabel("degree k")
    left.set_ylabel("$W^k(f)$")
    left.set_ylim(0, 1.05)
    left.set_title(f"degree profile of {result.target}")
    left.legend(fontsize=8)

    names = ["{" + ",".join(map(str, s)) + "}" if s else "{}" for s, _ in result.top]
    values = [v for _, v in result.top]
    positions = np.arange(len(values))[::-1]
    right.barh(positions, values, color=["C2" if v > 0 else "C3" for v in values], alpha=0.85)
    right.set_yticks(positions, names, fontsize=8)
    right.axvline(0, color="#808080", lw=1)
    right.set_xlabel(r"$\hat f(S)$")
    right.set_title("largest coefficients")
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------------------
# Noisy-GD explorer
# ---------------------------------------------------------------------------


@dataclass
class NoisyGDExplorerResult:
    r"""Accuracy and correlation along noisy gradient descent for one setting.

    Attributes
    ----------
    target : str
    n, width, n_models, steps : int
    noise_std, lr : float
    clip : float or None
    eval_steps : numpy array (n_evals,)
        Steps at which the metrics were recorded.
    accuracy, correlation : numpy arrays (n_evals, n_models)
        Sign agreement with the target and :math:`\langle f,\mathrm{NN}\rangle`, exact over
        all :math:`2^n` inputs, one column per initialization.
    inal, inal_stderr : float
        The target's INAL for this architecture (exact over inputs, 16 initializations).
    """

    target: str
    n: int
    width: int
    n_models: int
    steps: int
    noise_std: float
    lr: float
    clip: float | None
    eval_steps: np.ndarray = field(repr=False)
    accuracy: np.ndarray = field(repr=False)
    correlation: np.ndarray = field(repr=False)
    inal: float
    inal_stderr: float

    def steps_to_accuracy(self, threshold: float = 0.9) -> np.ndarray:
        """First recorded step with accuracy >= ``threshold``, per model (inf: never)."""
        hit = self.accuracy >= threshold
        first = np.where(hit.any(axis=0), hit.argmax(axis=0), -1)
        return np.where(first >= 0, self.eval_steps[np.maximum(first, 0)].astype(float), np.inf)

    @property
    def label(self) -> str:
        """Short legend label: target and noise level."""
        return f"{self.target}, σ = {self.noise_std:g}"

    def summary(self) -> str:
        """Final accuracy and correlation (mean and range over models), steps to 90 %."""
        acc, corr = self.accuracy[-1], self.correlation[-1]
        reached = self.steps_to_accuracy(0.9)
        hits = reached[np.isfinite(reached)]
        when = (f"{hits.size} of {self.n_models} runs reach 90 % accuracy"
                + (f" (median step {np.median(hits):.0f})" if hits.size else ""))
        clip = "no clipping" if self.clip is None else f"clip {self.clip:g}"
        return "\n".join([
            f"{self.target} on n = {self.n} bits; noisy GD (population gradient, square loss), "
            f"σ = {self.noise_std:g}, γ = {self.lr:g}, {clip}, width {self.width}, "
            f"{self.n_models} runs",
            f"  INAL of the target for this architecture:  {format_alignment(self.inal)}",
            f"  accuracy after {self.steps} steps:  mean {acc.mean():.3f}, range "
            f"[{acc.min():.3f}, {acc.max():.3f}]",
            f"  correlation <f, NN> after {self.steps} steps:  mean {corr.mean():.3f}",
            f"  {when}",
        ])


def noisy_gd_explorer_data(target: str = "parity", n: int = 10, k: int = 3,
                           noise_std: float = 0.1, lr: float = 0.2, steps: int = 150, *,
                           clip: float | None = 1.0, width: int = 32, n_models: int = 4,
                           seed: int = 0) -> NoisyGDExplorerResult:
    r"""Run noisy GD on a target and record accuracy and correlation along the way.

    Each of ``n_models`` networks with one hidden layer of ``width`` ReLU neurons
    (Gaussian initialization) follows :func:`inal_tutorial.training.noisy_gd`:

    .. math:: \theta_{t+1}=\theta_t-\gamma\big(\mathrm{clip}_A(\nabla_\theta
              \mathbb{E}_x(\mathrm{NN}_\theta(x)-f(x))^2)+Z_t\big),\qquad
              Z_t\sim N(0,\sigma^2I),

    with the exact population gradient over all :math:`2^n` inputs. The metrics are exact
    over the cube and recorded about 25 times. The networks are float64: at ``lr=0.2`` the
    runs are chaotic enough that float32 rounding, which differs between CPU kernels,
    moves accuracies in the third digit; in float64 they agree across CPUs. About 1.5 s
    with the defaults.

    Parameters
    ----------
    target : {"parity", "staircase", "majority"}
        On the first ``k`` of ``n`` bits (:func:`make_explorer_target`).
    n : int
        2 <= n <= 12.
    k : int
    noise_std : float
        :math:`\sigma`, 0 <= sigma <= 10.
    lr : float
        :math:`\gamma`, 0 < lr <= 10.
    steps : int
        Number of updates, 1 <= steps <= 5000.
    clip : float or None
        Coordinate-wise clipping level :math:`A` (None: no clipping).
    width : int
        Hidden width, 1 <= width <= 512.
    n_models : int
        Independent runs (initializations and noise), 1 <= n_models <= 64.
    seed : int
        In [0, 2**62]; the INAL estimate uses ``seed + 1`` (wrapped modulo 2**62 + 1).

    ``n_models x width x 2^n`` (the activations of the population gradient, 8 bytes an
    entry) must fit the size cap of the package's tensor-size check.
    """
    kind = check_choice(target, "target", INAL_TARGETS)
    n = check_int(n, "n", low=2, high=12)
    noise_std = check_float(noise_std, "noise_std", low=0.0, high=10.0)
    lr = check_float(lr, "lr", low=0.0, high=10.0, low_open=True)
    steps = check_int(steps, "steps", low=1, high=5000)
    if clip is not None:
        clip = check_float(clip, "clip", low=0.0, low_open=True)
    width = check_int(width, "width", low=1, high=512)
    n_models = check_int(n_models, "n_models", low=1, high=64)
    seed = check_seed(seed, allow_generator=False)
    check_size({"n_models": n_models, "width": width, "2^n": 2**n},
               what="the activations of the population gradient")
    f = make_explorer_target(kind, n, k)
    inal = estimate_inal(f, hidden=(width,), n_init=16, seed=offset_seed(seed, 1))
    network = MLPEnsemble(n, (width,), n_models=n_models, seed=seed, dtype=torch.float64)
    history = noisy_gd(network, f, steps=steps, lr=lr, noise_std=noise_std, clip=clip,
                       seed=seed, eval_every=max(1, steps // 25), progress=False)
    return NoisyGDExplorerResult(
        target=f.name, n=n, width=width, n_models=n_models, steps=steps, noise_std=noise_std,
        lr=lr, clip=clip, eval_steps=np.asarray(history.steps),
        accuracy=np.asarray(history["accuracy"]), correlation=np.asarray(history["correlation"]),
        inal=inal.value, inal_stderr=inal.stderr)


def noisy_gd_comparison(targets=(("majority", 9), ("parity", 2), ("parity", 4)), *,
                        n: int = 10, noise_std: float = 0.2, **options
                        ) -> list[NoisyGDExplorerResult]:
    """:func:`noisy_gd_explorer_data` for several ``(target, k)`` pairs with the same settings.

    The default compares the majority of 9 bits, a 2-parity and a 4-parity on n = 10 bits
    at noise 0.2 (the explorers page's figure); ``options`` go to
    :func:`noisy_gd_explorer_data` (e.g. ``steps``, ``n_models``, ``seed``).
    """
    if isinstance(targets, (str, bytes)) or not isinstance(targets, (list, tuple)):
        raise TypeError(f"targets must be a sequence of (target, k) pairs, got "
                        f"{type(targets).__name__} {targets!r}")
    pairs = list(targets)
    if not pairs:
        raise ValueError("targets must not be empty, got []")
    for pair in pairs:
        if isinstance(pair, (str, bytes)) or not isinstance(pair, (list, tuple)) \
                or len(pair) != 2:
            raise TypeError(f"targets must be a sequence of (target, k) pairs, got entry "
                            f"{pair!r}")
    return [noisy_gd_explorer_data(kind, n=n, k=k, noise_std=noise_std, **options)
            for kind, k in pairs]


def plot_noisy_gd_explorer(results: NoisyGDExplorerResult | list[NoisyGDExplorerResult]
                           ) -> Figure:
    """Accuracy and correlation against the step, one colour per result (several overlay):
    thin lines are the individual runs, the thick line their mean."""
    if isinstance(results, NoisyGDExplorerResult):
        results = [results]
    if not results or not all(isinstance(r, NoisyGDExplorerResult) for r in results):
        raise TypeError("results must be a NoisyGDExplorerResult or a non-empty list of them")
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
    for index, result in enumerate(results):
        color = f"C{index % 8}"
        for axis, values in ((left, result.accuracy), (right, result.correlation)):
            axis.plot(result.eval_steps, values, color=color, lw=0.8, alpha=0.35)
            axis.plot(result.eval_steps, values.mean(axis=1), color=color, lw=2.2,
                      label=result.label)
    left.axhline(0.5, color="#808080", ls=":", lw=1.2, label="chance")
    right.axhline(0.0, color="#808080", ls=":", lw=1.2)
    left.set_ylim(0.4, 1.02)
    left.set_xlabel("step t")
    left.set_ylabel("accuracy")
    left.set_title(f"noisy GD, n = {results[0].n}")
    right.set_xlabel("step t")
    right.set_ylabel(r"correlation $\langle f,\mathrm{NN}_{\theta_t}\rangle$")
    right.set_title("alignment with the target")
    handles, labels = left.get_legend_handles_labels()
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), fontsize=9)
    return fig


# ---------------------------------------------------------------------------
# The widget layer
# ---------------------------------------------------------------------------


def _figure_output(figure: Figure) -> dict:
    """A figure as a notebook ``display_data`` output (PNG), the figure then closed."""
    buffer = io.BytesIO()
    # Screen resolution (figure.dpi), as the inline backend shows figures: the widget's
    # state, saved in the notebook, holds this image.
    figure.savefig(buffer, format="png", bbox_inches="tight", dpi=figure.dpi)
    plt.close(figure)
    width, height = figure.get_size_inches() * figure.dpi
    return {"output_type": "display_data",
            "data": {"image/png": base64.b64encode(buffer.getvalue()).decode("ascii"),
                     "text/plain": f"<Figure size {width:.0f}x{height:.0f}>"},
            "metadata": {}}


class Explorer(ipw.VBox):
    """A column of controls above an output area that ``render(**values)`` fills.

    ``render`` takes the current value of every control as keyword arguments and returns
    ``(text, figure)``: the text (or "") and a matplotlib figure (or None). Changing a
    control calls it again and replaces the output area's content; a ``ValueError`` or
    ``TypeError`` from ``render`` is shown there instead of being raised.
    ``continuous_update`` is off on sliders: the explorer recomputes when a slider is
    released.

    Notes
    -----
    The output area's content is set directly (its ``outputs``), not captured with
    ``with output:``. Capturing makes a headless executor (nbclient, used by ``jupyter
    execute``, nbval and Jupyter Book) answer on the kernel's shell channel while it
    waits for the cell's reply, and it can then wait until its timeout
    (jupyter/nbclient#312).
    """

    def __init__(self, title: str, controls: dict[str, ipw.ValueWidget],
                 render: Callable[..., tuple[str, Figure | None]], note: str = ""):
        self.title = title
        self.controls = dict(controls)
        self.render = render
        self.output = ipw.Output()
        header = ipw.HTML(f"<b>{title}</b>" + (f" — <i>{note}</i>" if note else ""))
        boxes = [ipw.HBox(list(self.controls.values())[i:i + 3])
                 for i in range(0, len(self.controls), 3)]
        super().__init__([header, *boxes, self.output])
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        self.update()

    @property
    def values(self) -> dict[str, object]:
        """Current value of every control, by keyword."""
        return {name: control.value for name, control in self.controls.items()}

    def _on_change(self, _change) -> None:
        self.update()

    def update(self) -> None:
        """Recompute and redraw with the current values (errors are shown, not raised)."""
        try:
            text, figure = self.render(**self.values)
        except (ValueError, TypeError) as err:
            text, figure = f"cannot compute this setting: {err}", None
        outputs = []
        if text:
            outputs.append({"output_type": "stream", "name": "stdout",
                            "text": text if text.endswith("\n") else text + "\n"})
        if figure is not None:
            outputs.append(_figure_output(figure))
        self.output.outputs = tuple(outputs)

    @property
    def text(self) -> str:
        """The text currently shown in the output area."""
        return "".join(o["text"] for o in self.output.outputs if o["output_type"] == "stream")

    def __repr__(self) -> str:
        # Deterministic text/plain for the saved notebook (nbval compares it).
        return f"{self.title} (interactive: needs a live kernel — Binder, Colab or local Jupyter)"


def _check_option(value, name: str, options: tuple[int, ...]) -> int:
    """An integer that must be one of a dropdown's ``options``."""
    value = check_int(value, name)
    if value not in options:
        raise ValueError(f"{name} must be one of {list(options)}, got {value}")
    return value


def _slider(value: int, low: int, high: int, description: str) -> ipw.IntSlider:
    return ipw.IntSlider(value=value, min=low, max=high, description=description,
                         continuous_update=False, style={"description_width": "initial"})


def _dropdown(options, value, description: str) -> ipw.Dropdown:
    return ipw.Dropdown(options=list(options), value=value, description=description,
                        style={"description_width": "initial"})


def inal_explorer(target: str = "parity", n: int = 10, k: int = 2, activation: str = "relu",
                  init: str = "gaussian", bias: str = "gaussian", width: int = 128, *,
                  n_init: int = 32) -> Explorer:
    """The INAL explorer: controls for :func:`inal_explorer_data`, drawn by
    :func:`plot_inal_explorer` with its :meth:`~InalExplorerResult.summary` above.

    The initial values are the arguments; with the defaults its first view is the one of
    ``inal_explorer_data()``. About 1 s per update (one core), 2 s at n = 12, width 256.

    The initial values must lie on the controls: ``target`` in :data:`INAL_TARGETS`,
    2 <= n <= 12, 0 <= k <= n, ``width`` one of 32, 64, 128, 256, ``bias`` "gaussian" or
    "zero", 2 <= n_init <= 1024.
    """
    check_int(n_init, "n_init", low=2, high=1024)
    activations = ["relu", "sign", "tanh", "abs", "quadratic", "gelu", "sigmoid"]
    target = check_choice(target, "target", INAL_TARGETS)
    n = check_int(n, "n", low=2, high=12)
    k = check_int(k, "k", low=0, high=n)
    activation = check_choice(activation, "activation", activations)
    init = check_choice(init, "init", INITIALIZATIONS)
    bias = check_choice(bias, "bias", ("gaussian", "zero"))
    width = _check_option(width, "width", (32, 64, 128, 256))
    controls = {
        "target": _dropdown(INAL_TARGETS, target, "target"),
        "n": _slider(n, 2, 12, "n"),
        "k": _slider(k, 0, n, "k"),
        "activation": _dropdown(activations, activation, "activation"),
        "init": _dropdown(INITIALIZATIONS, init, "weights"),
        "bias": _dropdown(["gaussian", "zero"], bias, "bias"),
        "width": _dropdown([32, 64, 128, 256], width, "width"),
    }

    def follow_n(change) -> None:  # k cannot exceed n
        controls["k"].max = change["new"]

    controls["n"].observe(follow_n, names="value")

    def render(**values) -> tuple[str, Figure]:
        result = inal_explorer_data(**values, n_init=n_init)
        return result.summary(), plot_inal_explorer(result)

    return Explorer("INAL explorer", controls, render,
                    note="parity/majority need k ≥ 0/1; exact over all 2^n inputs")


def fourier_explorer(target: str = "majority", n: int = 9, k: int = 9, *, top: int = 8,
                     seed: int = 0) -> Explorer:
    """The Fourier explorer: controls for :func:`fourier_explorer_data`, drawn by
    :func:`plot_fourier_explorer` with the :meth:`~FourierExplorerResult.summary` above.

    The initial values must lie on the controls: ``target`` in :data:`FOURIER_TARGETS`,
    1 <= n <= 14, 0 <= k <= n, 0 <= seed <= 20 (the seed slider), 1 <= top <= 32.
    """
    target = check_choice(target, "target", FOURIER_TARGETS)
    n = check_int(n, "n", low=1, high=EXPLORER_MAX_N)
    k = check_int(k, "k", low=0, high=n)
    top = check_int(top, "top", low=1, high=32)
    seed = check_int(seed, "seed", low=0, high=20)
    controls = {
        "target": _dropdown(FOURIER_TARGETS, target, "target"),
        "n": _slider(n, 1, EXPLORER_MAX_N, "n"),
        "k": _slider(k, 0, n, "k"),
        "seed": _slider(seed, 0, 20, "seed"),
    }

    def follow_n(change) -> None:
        controls["k"].max = change["new"]

    controls["n"].observe(follow_n, names="value")

    def render(**values) -> tuple[str, Figure]:
        result = fourier_explorer_data(**values, top=top)
        return result.summary(), plot_fourier_explorer(result)

    return Explorer("Fourier explorer", controls, render,
                    note="the seed matters for the junta and the random function only")


def noisy_gd_explorer(target: str = "parity", n: int = 10, k: int = 3, noise_std: float = 0.1,
                      lr: float = 0.2, steps: int = 150, *, width: int = 32,
                      n_models: int = 4) -> Explorer:
    """The noisy-GD explorer: controls for :func:`noisy_gd_explorer_data`, drawn by
    :func:`plot_noisy_gd_explorer` with the :meth:`~NoisyGDExplorerResult.summary` above.

    About 1 s per update with the defaults; more steps or a larger n take longer.

    The initial values must lie on the controls: ``target`` in :data:`INAL_TARGETS`,
    2 <= n <= 12, 0 <= k <= n, 1e-3 <= noise_std <= 10**0.5, 1e-2 <= lr <= 10**0.5,
    10 <= steps <= 600, 1 <= width <= 512, 1 <= n_models <= 64.
    """
    target = check_choice(target, "target", INAL_TARGETS)
    n = check_int(n, "n", low=2, high=12)
    k = check_int(k, "k", low=0, high=n)
    noise_std = check_float(noise_std, "noise_std", low=1e-3, high=10**0.5)
    lr = check_float(lr, "lr", low=1e-2, high=10**0.5)
    steps = check_int(steps, "steps", low=10, high=600)
    width = check_int(width, "width", low=1, high=512)
    n_models = check_int(n_models, "n_models", low=1, high=64)
    controls = {
        "target": _dropdown(INAL_TARGETS, target, "target"),
        "n": _slider(n, 2, 12, "n"),
        "k": _slider(k, 0, n, "k"),
        "noise_std": ipw.FloatLogSlider(value=noise_std, base=10, min=-3, max=0.5, step=0.25,
                                        description="noise σ", continuous_update=False,
                                        readout_format=".3g"),
        "lr": ipw.FloatLogSlider(value=lr, base=10, min=-2, max=0.5, step=0.25,
                                 description="step γ", continuous_update=False,
                                 readout_format=".3g"),
        "steps": _slider(steps, 10, 600, "steps"),
    }

    def follow_n(change) -> None:
        controls["k"].max = change["new"]

    controls["n"].observe(follow_n, names="value")

    def render(**values) -> tuple[str, Figure]:
        result = noisy_gd_explorer_data(**values, width=width, n_models=n_models)
        return result.summary(), plot_noisy_gd_explorer(result)

    return Explorer("Noisy-GD explorer", controls, render,
                    note="population gradient over all 2^n inputs; σ = 0 is plain GD")
