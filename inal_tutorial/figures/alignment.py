r"""Experiments and figures of the chapter *Initial alignment* (``book/alignment``).

Every figure has an experiment function that returns its numbers (the chapter asserts on
them) and a plotting function; the registered ``build(scale, seed)`` composes the two with
the settings in :data:`SETTINGS`: ``"small"`` is what the chapter runs (a few seconds per
figure on one core), ``"large"`` the crisp documented setting (minutes).

All networks here have one or two hidden ReLU layers with Gaussian weights
:math:`N(0,1/\text{fan-in})` and Gaussian biases N(0, 1) unless a function says otherwise,
and every input sum is exact (all :math:`2^n` inputs) unless ``n_samples`` is given.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.ticker import NullFormatter, ScalarFormatter

from .._validation import check_choice, check_int
from ..alignment import (
    estimate_inal,
    neuron_correlations,
    plugin_squared_mean,
    unbiased_squared_mean,
)
from ..boolean import BooleanTarget, Majority, Parity, input_chunks
from ..fourier import majority_coefficient, majority_degree_profile
from ..networks import MLPEnsemble
from ..neuron_profiles import neuron_profile
from ..plotting import PALETTE, SCALES, register_figure
from ..profiles import (
    first_layer_profile,
    gaussian_first_layer_profile,
    hermite_profile,
    rademacher_first_layer_profile,
)

__all__ = [
    "SETTINGS",
    "Z95",
    "neuron_exchangeability",
    "estimator_experiment",
    "plot_estimators",
    "fit_power_law",
    "parity_scaling_experiment",
    "plot_parity_scaling",
    "majority_scaling_experiment",
    "plot_majority_scaling",
    "formula_table",
    "every_neuron_table",
    "depth_scaling_experiment",
    "plot_depth_scaling",
    "activation_profiles",
    "plot_activation_profiles",
    "full_parity_experiment",
    "plot_full_parity",
]

#: Two-sided 95 % normal quantile.
Z95 = 1.959963984540054

#: Settings of each experiment at the two scales.
SETTINGS = {
    "small": {
        "estimators": dict(n=12, k=6, sample_sizes=(100, 300, 1000, 3000, 10000), n_init=64,
                           width=64),
        "parity": dict(ns=(6, 8, 10, 12, 14, 16), ks=(1, 2, 3), n_neurons=300, n_theory=64),
        "majority": dict(ns=(5, 7, 9, 11, 13, 15), n_init=32, width=64),
        "profiles": dict(n=12),
        "full_parity": dict(ns=tuple(range(3, 15)), n_init=32, width=64, n_theory=200),
        "depth": dict(ns=(6, 8, 10, 12, 14), ks=(1, 2, 3), n_init=32, width=64),
    },
    "large": {
        "estimators": dict(n=16, k=8, sample_sizes=(100, 300, 1000, 3000, 10000, 30000, 100000),
                           n_init=256, width=128),
        "parity": dict(ns=(6, 8, 10, 12, 14, 16, 18, 20), ks=(1, 2, 3, 4), n_neurons=2000,
                       n_theory=256),
        "majority": dict(ns=(5, 7, 9, 11, 13, 15, 17, 19, 21), n_init=128, width=128),
        "profiles": dict(n=20),
        "full_parity": dict(ns=tuple(range(3, 19)), n_init=128, width=128, n_theory=1000),
        "depth": dict(ns=(6, 8, 10, 12, 14, 16), ks=(1, 2, 3, 4), n_init=128, width=128),
    },
}


def _plain_log_ticks(ax, ticks) -> None:
    """Label a logarithmic x axis with plain numbers at ``ticks`` only."""
    ax.set_xticks(ticks)
    ax.xaxis.set_major_formatter(ScalarFormatter())
    ax.xaxis.set_minor_formatter(NullFormatter())


def _relu_net(n: int, width: int, n_init: int, seed: int, *, init: str = "gaussian",
              dtype: torch.dtype = torch.float32, hidden_layers: int = 1) -> MLPEnsemble:
    return MLPEnsemble(n, (width,) * hidden_layers, n_models=n_init, activation="relu",
                       init=init, bias="gaussian", bias_std=1.0, seed=seed, dtype=dtype)


# ---------------------------------------------------------------------------
# Pooling the neurons of a layer
# ---------------------------------------------------------------------------


def neuron_exchangeability(target: BooleanTarget, network: MLPEnsemble) -> np.ndarray:
    r"""Per layer: spread of the per-neuron Monte Carlo means over their standard error.

    For every neuron v, :math:`\mathbb{E}_\theta\langle f,\mathrm{NN}_v\rangle^2` is estimated by
    its mean over the M initializations, with standard error :math:`s_v/\sqrt M`. If the
    neurons of a layer are exchangeable, all these means estimate the *same* number, so
    their standard deviation across neurons is about the root-mean-square standard error:
    the ratio returned (one per hidden layer) is close to 1. Exact over all inputs.
    """
    sums, _ = neuron_correlations(target, network)
    ratios = []
    for s in sums[:-1]:  # hidden layers (the read-out has one neuron)
        squares = (s / 2**target.n).square()  # (M, width)
        means = squares.mean(0)
        se = squares.std(0, unbiased=True) / math.sqrt(squares.shape[0])
        ratios.append(float(means.std(unbiased=True) / se.square().mean().sqrt()))
    return np.array(ratios)


# ---------------------------------------------------------------------------
# Plug-in floor vs unbiased estimator
# ---------------------------------------------------------------------------


def estimator_experiment(n: int = 12, k: int = 6, sample_sizes=(100, 300, 1000, 3000, 10000),
                         n_init: int = 64, width: int = 64, seed: int = 0) -> dict:
    r"""The plug-in and the unbiased estimators of the first layer's alignment with a k-parity.

    One ensemble of ``n_init`` one-hidden-layer ReLU networks. Returns a dict with

    * ``"exact"``: :math:`\overline{\langle f,g\rangle^2}` (mean over the first layer's
      neurons and the initializations) by enumerating all :math:`2^n` inputs;
    * ``"variance"``: :math:`\overline{\mathrm{Var}_x(f g)}=\overline{\mathbb{E}_x g^2-\langle
      f,g\rangle^2}`, also exact, so the plug-in's expectation
      :math:`\overline{\langle f,g\rangle^2}+\overline{\mathrm{Var}(fg)}/N` is known exactly;
    * ``"sample_sizes"`` and, per N, ``"plugin"``/``"plugin_se"`` and
      ``"unbiased"``/``"unbiased_se"``: both estimators computed from the *same* sums, each
      initialization with its own N inputs (so the standard errors over initializations
      cover the input noise).
    """
    n = check_int(n, "n", low=2, high=20)
    k = check_int(k, "k", low=1, high=n)
    target = Parity(n, k=k)
    network = _relu_net(n, width, n_init, seed)
    inner = torch.zeros(n_init, width, dtype=torch.float64)
    second_moment = torch.zeros(n_init, width, dtype=torch.float64)
    with torch.no_grad():
        for _, x in input_chunks(n, 4096):
            g = network.neuron_outputs(x)[0].double()  # (M, rows, width)
            inner += (g * target(x).double().view(1, -1, 1)).sum(1)
            second_moment += g.square().sum(1)
    inner, second_moment = inner / 2**n, second_moment / 2**n
    exact = float(inner.square().mean())
    variance = float((second_moment - inner.square()).mean())
    records = {"plugin": [], "plugin_se": [], "unbiased": [], "unbiased_se": []}
    for index, size in enumerate(sample_sizes):
        size = check_int(size, "sample size", low=2)
        sums, sums_sq = neuron_correlations(target, network, n_samples=size,
                                            seed=seed + 1000 + index, independent_inputs=True)
        for name, values in (("plugin", plugin_squared_mean(sums[0], size)),
                             ("unbiased", unbiased_squared_mean(sums[0], sums_sq[0], size))):
            per_init = values.mean(1)
            records[name].append(float(per_init.mean()))
            records[f"{name}_se"].append(float(per_init.std(unbiased=True) / math.sqrt(n_init)))
    return {"n": n, "k": k, "exact": exact, "variance": variance,
            "sample_sizes": np.array(sample_sizes, dtype=float),
            **{key: np.array(value) for key, value in records.items()}}


def plot_estimators(data: dict):
    r"""Left: the plug-in sits on :math:`\mathrm{Var}/N`, far above the exact value.
    Right: the bias times N, where the unbiased estimator sits at 0."""
    sizes = data["sample_sizes"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
    left.errorbar(sizes, data["plugin"], yerr=Z95 * data["plugin_se"], fmt="o", color=PALETTE[3],
                  label="plug-in estimate (95% CI)")
    grid = np.geomspace(sizes[0] / 1.5, sizes[-1] * 1.5, 50)
    left.loglog(grid, data["exact"] + data["variance"] / grid, "--", color=PALETTE[3], lw=1.2,
                label=r"exact $+\ \mathrm{Var}(fg)/N$")
    left.axhline(data["exact"], color=PALETTE[0], lw=1.5,
                 label=f"exact value {data['exact']:.2g}")
    left.set_xlabel("number of sampled inputs N")
    left.set_ylabel(r"estimate of $\mathbb{E}\langle f,g\rangle^2$")
    left.set_title(f"plug-in floor, {data['k']}-parity on n = {data['n']} bits", fontsize=11)
    left.legend(fontsize=9)
    for offset, (name, colour, label) in enumerate((("plugin", PALETTE[3], "plug-in"),
                                                    ("unbiased", PALETTE[0], "unbiased"))):
        shift = 1.06 if offset else 1 / 1.06  # side by side, not on top of each other
        right.errorbar(sizes * shift, sizes * (data[name] - data["exact"]),
                       yerr=Z95 * sizes * data[f"{name}_se"], fmt="o", color=colour,
                       label=f"{label} (95% CI)")
    right.axhline(data["variance"], color=PALETTE[3], ls="--", lw=1.2,
                  label=r"$\mathrm{Var}(fg)$ (plug-in bias $\times N$)")
    right.axhline(0, color=PALETTE[0], lw=1.2)
    right.set_xscale("log")
    right.set_xlabel("number of sampled inputs N")
    right.set_ylabel(r"$N\times$(estimate $-$ exact)")
    right.set_title("bias times N", fontsize=11)
    right.legend(fontsize=9, loc="center right")
    return fig


# ---------------------------------------------------------------------------
# Scaling laws
# ---------------------------------------------------------------------------


def fit_power_law(ns, values, stderr=None) -> tuple[float, float, float | None]:
    r"""Least-squares fit of :math:`\log v = \log c + a\log n`; returns (a, c, se(a)).

    With ``stderr`` (standard errors of ``values``) the standard error of the slope a is
    propagated from the relative errors :math:`\delta_i=\mathrm{se}_i/v_i`:
    :math:`\mathrm{se}(a)^2=\sum_i(u_i-\bar u)^2\delta_i^2/\big(\sum_i(u_i-\bar u)^2\big)^2`,
    :math:`u_i=\log n_i`; otherwise it is None.
    """
    ns, values = np.asarray(ns, dtype=float), np.asarray(values, dtype=float)
    if ns.shape != values.shape or ns.ndim != 1 or ns.size < 2:
        raise ValueError("ns and values must be 1-D arrays of the same length >= 2")
    if np.any(values <= 0) or np.any(ns <= 0):
        raise ValueError("a power law is fitted to positive ns and values only")
    u = np.log(ns)
    slope, intercept = np.polyfit(u, np.log(values), 1)
    slope_se = None
    if stderr is not None:
        relative = np.asarray(stderr, dtype=float) / values
        if relative.shape != values.shape:
            raise ValueError("stderr must have the shape of values")
        centred = u - u.mean()
        slope_se = float(np.sqrt((centred**2 * relative**2).sum()) / (centred**2).sum())
    return float(slope), float(math.exp(intercept)), slope_se


def parity_scaling_experiment(ns=(6, 8, 10, 12, 14, 16), ks=(1, 2, 3), n_neurons: int = 300,
                              n_theory: int = 64, seed: int = 0) -> dict:
    r"""First-layer INAL of k-parities, :math:`A_k(n)`, measured and predicted, against n.

    * measured: :func:`~inal_tutorial.profiles.first_layer_profile` (``n_neurons`` random
      ReLU neurons with Gaussian weights and bias, each enumerated over all :math:`2^n`
      inputs; all :math:`\binom nk` parities of size k pooled);
    * exact: :func:`~inal_tutorial.profiles.gaussian_first_layer_profile` for
      n = 2..``n_theory``;
    * Hermite: :math:`n^{-k}\,\mathbb{E}_b[c_k(b)^2]`
      (:func:`~inal_tutorial.profiles.hermite_profile`), a pure power law.

    ``"fits"`` holds, per k, the fitted slope of the measurements, of the exact values at
    the same n, and the local slope of the exact curve between ``n_theory``/2 and ``n_theory``.
    """
    ns = [check_int(n, "n", low=2, high=20) for n in ns]
    ks = [check_int(k, "k", low=1, high=min(ns)) for k in ks]
    max_k = max(ks)
    measured = np.empty((len(ns), len(ks)))
    measured_se = np.empty_like(measured)
    for i, n in enumerate(ns):
        profile = first_layer_profile(n, "relu", "gaussian", "gaussian", 1.0,
                                      n_neurons=n_neurons, seed=seed + n, batch=64)
        measured[i] = profile.values[ks]
        measured_se[i] = profile.stderr[ks]
    theory_ns = np.arange(max(2, max_k), n_theory + 1)
    exact = np.array([gaussian_first_layer_profile(int(n), max_degree=max_k).values[ks]
                      for n in theory_ns])
    hermite = np.array([hermite_profile(int(n), max_k)[ks] for n in theory_ns])
    exact_at_ns = exact[[int(np.flatnonzero(theory_ns == n)[0]) for n in ns]]
    half = int(np.flatnonzero(theory_ns == n_theory // 2)[0])
    fits = []
    for j, k in enumerate(ks):
        fits.append({
            "k": k,
            "measured": fit_power_law(ns, measured[:, j])[0],
            "measured_se": fit_power_law(ns, measured[:, j], measured_se[:, j])[2],
            "exact_same_n": fit_power_law(ns, exact_at_ns[:, j])[0],
            "exact_large_n": math.log(exact[-1, j] / exact[half, j])
            / math.log(theory_ns[-1] / theory_ns[half]),
            "predicted": -k,
        })
    return {"ns": np.array(ns), "ks": ks, "measured": measured, "measured_se": measured_se,
            "theory_ns": theory_ns, "exact": exact, "hermite": hermite,
            "exact_at_ns": exact_at_ns, "fits": fits}


def plot_parity_scaling(data: dict):
    r"""Log–log plot of :math:`A_k(n)` for each k: measurements, exact curve, Hermite line."""
    fig, ax = plt.subplots(figsize=(7, 4.6), layout="constrained")
    ns, theory_ns = data["ns"], data["theory_ns"]
    for j, k in enumerate(data["ks"]):
        colour = PALETTE[j]
        fit = data["fits"][j]
        ax.loglog(theory_ns, data["exact"][:, j], "-", color=colour, lw=1.5,
                  label=f"k = {k}: exact finite-n $A_{k}(n)$")
        ax.loglog(theory_ns, data["hermite"][:, j], ":", color=colour, lw=1.5,
                  label=rf"$n^{{-{k}}}\,\mathbb{{E}}_b[c_{k}(b)^2]$")
        ax.errorbar(ns, data["measured"][:, j], yerr=Z95 * data["measured_se"][:, j], fmt="o",
                    color=colour, ms=5, label=f"measured, fitted slope {fit['measured']:.2f}")
    _plain_log_ticks(ax, [n for n in (4, 8, 16, 32, 64, 128, 256) if n <= theory_ns[-1]])
    ax.set_xlabel("input dimension n")
    ax.set_ylabel(r"first-layer INAL of a k-parity, $A_k(n)$")
    ax.set_title("INAL of k-parities (ReLU, Gaussian weights and bias)", fontsize=11)
    ax.legend(fontsize=8, ncol=1, loc="lower left")
    return fig


def majority_scaling_experiment(ns=(5, 7, 9, 11, 13, 15), n_init: int = 32, width: int = 64,
                                seed: int = 0) -> dict:
    r"""INAL of majority against odd n: measured, first-layer formula, asymptote.

    * measured: :func:`~inal_tutorial.alignment.estimate_inal` on ``n_init`` one-hidden-layer
      ReLU networks of width ``width``, exact over inputs; the first layer's average
      (``"measured"``, ``"measured_se"``) and the read-out's (``"readout"``, ``"readout_se"``);
    * formula: :math:`\sum_k W^k(\mathrm{Maj}_n)A_k(n)` with the exact Gaussian profile;
    * asymptote: :math:`c/n` with :math:`c=\frac2\pi\,\mathbb{E}_b[\Phi(b)^2]=\frac{2}{3\pi}`
      (:math:`W^1\to2/\pi` and :math:`nA_1(n)\to\mathbb{E}[\Phi(b)^2]=1/3` for b ~ N(0,1)).
    """
    ns = [check_int(n, "n", low=3, high=21) for n in ns]
    if any(n % 2 == 0 for n in ns):
        raise ValueError(f"ns must be odd (majority without ties), got {ns}")
    measured, measured_se, readout, readout_se, formula = [], [], [], [], []
    for n in ns:
        result = estimate_inal(Majority(n), _relu_net(n, width, n_init, seed + n))
        measured.append(result.per_layer[0])
        measured_se.append(result.per_layer_stderr[0])
        readout.append(result.per_layer[-1])
        readout_se.append(result.per_layer_stderr[-1])
        profile = gaussian_first_layer_profile(n)
        formula.append(float(majority_degree_profile(n) @ profile.values))
    slope, constant, slope_se = fit_power_law(ns, measured, measured_se)
    formula_slope = fit_power_law(ns, formula)[0]
    return {"ns": np.array(ns), "measured": np.array(measured),
            "measured_se": np.array(measured_se), "readout": np.array(readout),
            "readout_se": np.array(readout_se), "formula": np.array(formula),
            "asymptote": 2 / (3 * math.pi), "fitted_slope": slope, "fitted_slope_se": slope_se,
            "fitted_constant": constant, "formula_slope": formula_slope}


def plot_majority_scaling(data: dict):
    r"""Log–log plot of majority's INAL against n with the formula and the c/n line."""
    fig, ax = plt.subplots(figsize=(6.4, 4.2), layout="constrained")
    ns = data["ns"]
    grid = np.linspace(ns[0] * 0.9, ns[-1] * 1.1, 50)
    ax.loglog(grid, data["asymptote"] / grid, "--", color="grey", lw=1.2,
              label=r"$c/n$, $c = 2/(3\pi)$")
    ax.loglog(ns, data["formula"], "-", color=PALETTE[0], lw=1.5,
              label=r"formula $\sum_k W^k A_k(n)$")
    ax.errorbar(ns, data["measured"], yerr=Z95 * data["measured_se"], fmt="o", color=PALETTE[1],
                label=f"measured (first layer), slope {data['fitted_slope']:.2f}")
    ax.errorbar(ns * 1.03, data["readout"], yerr=Z95 * data["readout_se"], fmt="s", ms=4,
                color=PALETTE[2], alpha=0.8, label="measured (read-out)")
    _plain_log_ticks(ax, list(ns))
    ax.set_xlabel("n (odd)")
    ax.set_ylabel(r"INAL(Maj$_n$)")
    ax.set_title("majority: INAL = Θ(1/n)", fontsize=11)
    ax.legend(fontsize=9, loc="lower left")
    return fig


# ---------------------------------------------------------------------------
# The first-layer formula
# ---------------------------------------------------------------------------


def formula_table(targets: dict, network: MLPEnsemble) -> list[dict]:
    r"""Predicted :math:`\sum_kW^k(f)A_k(n)` against the measured first-layer average.

    ``network`` must have Gaussian weights and a Gaussian (or zero) bias, so that the
    exact profile :func:`~inal_tutorial.profiles.gaussian_first_layer_profile` applies.
    Returns one record per target: name, predicted, measured, stderr, z = (measured -
    predicted) / stderr, ``"mean"`` (:math:`\mathbb E f`), ``"constant"`` (the predicted
    degree-0 term :math:`W^0(f)A_0(n)`) and ``"constant_share"`` (constant / predicted).
    """
    if network.init != "gaussian" or network.bias_law not in ("gaussian", "zero", "none"):
        raise ValueError("formula_table needs Gaussian weights and a Gaussian or zero bias")
    profile = gaussian_first_layer_profile(network.n_inputs, network.activation, network.bias_law,
                                           network.bias_std)
    rows = []
    for name, target in targets.items():
        result = estimate_inal(target, network)
        predicted = profile.inal(target)
        constant = profile.constant_part(target)
        measured, se = float(result.per_layer[0]), float(result.per_layer_stderr[0])
        rows.append({"target": name, "predicted": predicted, "measured": measured,
                     "stderr": se, "z": (measured - predicted) / se,
                     "mean": float(result.target_mean), "constant": constant,
                     "constant_share": constant / predicted if predicted > 0 else 0.0})
    return rows


def every_neuron_table(targets: dict, network: MLPEnsemble) -> list[dict]:
    r"""The formula :math:`\sum_kW^k(f)A_k^{(v)}(n)` against the measured layer averages of
    :math:`\mathbb E_\theta\langle f,\mathrm{NN}_v\rangle^2`, for every layer.

    Both come from the *same* initializations of ``network``
    (:func:`~inal_tutorial.neuron_profiles.neuron_profile` and
    :func:`~inal_tutorial.alignment.estimate_inal`, exact over inputs), so the comparison
    is paired: per initialization the difference is a sum of cross terms
    :math:`\hat f(S)\hat f(T)\widehat{\mathrm{NN}_v}(S)\widehat{\mathrm{NN}_v}(T)` and of
    deviations of :math:`\widehat{\mathrm{NN}_v}(S)^2` from its average over
    :math:`|S|=k`, all of mean zero; ``z`` is its mean over its standard error. One record
    per target and layer (0 = first hidden layer, last = read-out): target, layer,
    predicted, measured, stderr (of the measured average), z.
    """
    profile = neuron_profile(network)
    m = network.n_models
    rows = []
    for name, target in targets.items():
        result = estimate_inal(target, network)
        predicted = profile.inal(target)
        gap = result.per_init - profile.inal_per_init(target)          # (M, layers)
        gap_se = gap.std(0, ddof=1) / math.sqrt(m)
        for layer in range(network.n_layers):
            rows.append({"target": name, "layer": layer,
                         "predicted": float(predicted[layer]),
                         "measured": float(result.per_layer[layer]),
                         "stderr": float(result.per_layer_stderr[layer]),
                         "z": float(gap.mean(0)[layer] / gap_se[layer])})
    return rows


def depth_scaling_experiment(ns=(6, 8, 10, 12, 14), ks=(1, 2, 3), n_init: int = 32,
                             width: int = 64, seed: int = 0) -> dict:
    r""":math:`A_k^{(v)}(n)` of the neurons of every layer of a two-hidden-layer ReLU network
    (Gaussian weights and N(0, 1) biases), against n, with the counting bound.

    * ``"measured"``, ``"measured_se"`` of shape (len(ns), n_layers, len(ks)):
      :func:`~inal_tutorial.neuron_profiles.neuron_profile` of ``n_init`` initializations of
      width ``width``, exact over inputs;
    * ``"second_moment"`` (len(ns), n_layers): the layer averages of
      :math:`\|\mathrm{NN}_v\|^2`, and ``"bound"``: :math:`1/\binom nk`, the counting bound
      :math:`\mathbb E\|\mathrm{NN}_v\|^2/\binom nk` with :math:`\mathbb E\|\mathrm{NN}_v\|^2=1`;
    * ``"first_layer_exact"``: :math:`A_k(n)` from
      :func:`~inal_tutorial.profiles.gaussian_first_layer_profile`;
    * ``"fits"``: per layer and k, the slope of a power law fitted to the measurements.
    """
    ns = [check_int(n, "n", low=2, high=16) for n in ns]
    ks = [check_int(k, "k", low=1, high=min(ns)) for k in ks]
    measured, measured_se, moments = [], [], []
    for n in ns:
        profile = neuron_profile(_relu_net(n, width, n_init, seed + n, hidden_layers=2),
                                 max_degree=max(ks))
        measured.append(profile.values[:, ks])
        measured_se.append(profile.stderr[:, ks])
        moments.append(profile.second_moment)
    measured, measured_se = np.array(measured), np.array(measured_se)
    bound = np.array([[1 / math.comb(n, k) for k in ks] for n in ns])
    exact = np.array([gaussian_first_layer_profile(n, max_degree=max(ks)).values[ks]
                      for n in ns])
    fits = [[fit_power_law(ns, measured[:, layer, j], measured_se[:, layer, j])
             for j in range(len(ks))] for layer in range(measured.shape[1])]
    return {"ns": np.array(ns), "ks": ks, "measured": measured, "measured_se": measured_se,
            "second_moment": np.array(moments), "bound": bound, "first_layer_exact": exact,
            "fits": [[(slope, se) for slope, _, se in row] for row in fits]}


def plot_depth_scaling(data: dict):
    r"""Log–log plot of :math:`A_k^{(v)}(n)` per layer, the first layer's exact curve and the
    counting bound :math:`1/\binom nk`."""
    fig, ax = plt.subplots(figsize=(8.6, 4.6), layout="constrained")
    ns = data["ns"]
    markers = ("o", "s", "^")
    names = ("layer 1", "layer 2", "read-out")
    for j, k in enumerate(data["ks"]):
        colour = PALETTE[j]
        ax.loglog(ns, data["first_layer_exact"][:, j], "-", color=colour, lw=1.2,
                  label=f"k = {k}: first layer, exact")
        ax.loglog(ns, data["bound"][:, j], "--", color=colour, lw=1.0,
                  label=rf"k = {k}: bound $1/\binom{{n}}{{{k}}}$")
        for layer in range(data["measured"].shape[1]):
            shift = 1 + 0.025 * (layer - 1)  # side by side, not on top of each other
            ax.errorbar(ns * shift, data["measured"][:, layer, j],
                        yerr=Z95 * data["measured_se"][:, layer, j], fmt=markers[layer % 3],
                        color=colour, ms=4, mfc="none" if layer else colour,
                        label=names[layer % 3] if j == 0 else None)
    _plain_log_ticks(ax, list(ns))
    ax.set_xlabel("input dimension n")
    ax.set_ylabel(r"$A_k^{(v)}(n)=\mathbb{E}_\theta\,\widehat{\mathrm{NN}_v}(S)^2$, $|S|=k$")
    ax.set_title("k-parities at every depth (ReLU, two hidden layers)", fontsize=11)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig


def activation_profiles(n: int = 12) -> dict:
    r"""Exact neuron degree profiles :math:`\mathbb{E}_wW^k(\sigma_w)=\binom nkA_k(n)` for ReLU
    and sign, with a Gaussian N(0, 1) bias and with zero bias (Gaussian weights)."""
    n = check_int(n, "n", low=2, high=4096)
    out = {}
    for activation in ("relu", "sign"):
        for bias in ("gaussian", "zero"):
            profile = gaussian_first_layer_profile(n, activation, bias, 1.0)
            counts = np.array([math.comb(n, k) for k in range(n + 1)], dtype=float)
            out[(activation, bias)] = counts * profile.values
    return {"n": n, "profiles": out}


def plot_activation_profiles(data: dict, zero_threshold: float = 1e-14):
    r"""Bars of :math:`\mathbb{E}_wW^k(\sigma_w)` on a log axis; exact zeros marked by ×."""
    n = data["n"]
    degrees = np.arange(n + 1)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True, layout="constrained")
    for ax, activation in zip(axes, ("relu", "sign"), strict=True):
        for offset, (bias, colour, label) in enumerate((("gaussian", PALETTE[0], "bias N(0, 1)"),
                                                        ("zero", PALETTE[3], "bias 0"))):
            values = data["profiles"][(activation, bias)]
            x = degrees + (offset - 0.5) * 0.38
            nonzero = values > zero_threshold
            ax.bar(x[nonzero], values[nonzero], width=0.38, color=colour, label=label)
            ax.plot(x[~nonzero], np.full((~nonzero).sum(), 2e-9), "x", color=colour, ms=7,
                    mew=2)
        ax.set_yscale("log")
        ax.set_ylim(1e-9, 2)
        ax.set_xlabel("degree k")
        ax.set_title(f"{activation}: expected neuron degree profile, n = {n}", fontsize=11)
        ax.legend(fontsize=9, title="× : exactly 0", title_fontsize=9)
    axes[0].set_ylabel(r"$\mathbb{E}_w W^k(\sigma_w) = \binom{n}{k} A_k(n)$")
    return fig


# ---------------------------------------------------------------------------
# Gaussian vs Rademacher weights on the full parity
# ---------------------------------------------------------------------------


def full_parity_experiment(ns=tuple(range(3, 15)), n_init: int = 32, width: int = 64,
                           n_theory: int = 200, seed: int = 0) -> dict:
    r"""INAL of the full parity :math:`\chi_{[n]}` under Gaussian and Rademacher weights.

    * ``"relu"``: ReLU with Gaussian N(0, 1) bias (the default architecture). Measured with
      :func:`~inal_tutorial.alignment.estimate_inal` (first layer's average, float64, exact
      over inputs) for both weight laws at the n in ``ns``; exact
      :math:`A_n(n)` from :func:`~inal_tutorial.profiles.gaussian_first_layer_profile` (up
      to n = 24, beyond which rounding swamps it) and
      :func:`~inal_tutorial.profiles.rademacher_first_layer_profile` (up to ``n_theory``).
    * ``"sign"``: sign with zero bias, odd n, exact: Rademacher weights give majority's
      top coefficient squared, :math:`\widehat{\mathrm{Maj}}_n([n])^2\approx2/(\pi n)`.
    """
    ns = [check_int(n, "n", low=2, high=20) for n in ns]
    n_theory = check_int(n_theory, "n_theory", low=max(ns), high=4096)
    measured = {"gaussian": [], "rademacher": []}
    measured_se = {"gaussian": [], "rademacher": []}
    for n in ns:
        for init in ("gaussian", "rademacher"):
            net = _relu_net(n, width, n_init, seed + n, init=init, dtype=torch.float64)
            result = estimate_inal(Parity(n, k=n), net)
            measured[init].append(result.per_layer[0])
            measured_se[init].append(result.per_layer_stderr[0])
    gauss_ns = np.arange(2, 25)
    rad_ns = np.unique(np.geomspace(2, n_theory, 60).astype(int))
    relu = {
        "ns": np.array(ns),
        **{f"measured_{k}": np.array(v) for k, v in measured.items()},
        **{f"measured_{k}_se": np.array(v) for k, v in measured_se.items()},
        "gaussian_ns": gauss_ns,
        "gaussian_exact": np.array([gaussian_first_layer_profile(int(n)).values[n]
                                    for n in gauss_ns]),
        "rademacher_ns": rad_ns,
        "rademacher_exact": np.array([rademacher_first_layer_profile(int(n)).values[n]
                                      for n in rad_ns]),
    }
    sign_gauss_ns = np.arange(3, 26, 2)
    sign_rad_ns = np.arange(3, n_theory + 1, 2)
    sign = {
        "gaussian_ns": sign_gauss_ns,
        "gaussian_exact": np.array([gaussian_first_layer_profile(int(n), "sign", "zero").values[n]
                                    for n in sign_gauss_ns]),
        "rademacher_ns": sign_rad_ns,
        "rademacher_exact": np.array([majority_coefficient(int(n), int(n)) ** 2
                                      for n in sign_rad_ns]),
    }
    return {"relu": relu, "sign": sign}


def plot_full_parity(data: dict):
    r"""Left: ReLU, measured and exact, semi-log in n. Right: sign, exact, log–log."""
    relu, sign = data["relu"], data["sign"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.4), layout="constrained")
    cut = relu["rademacher_ns"] <= relu["gaussian_ns"][-1]
    left.semilogy(relu["gaussian_ns"], relu["gaussian_exact"], "-", color=PALETTE[0],
                  label="Gaussian weights, exact")
    left.semilogy(relu["rademacher_ns"][cut], relu["rademacher_exact"][cut], "-",
                  color=PALETTE[1], label="Rademacher weights, exact")
    for init, colour, marker in (("gaussian", PALETTE[0], "o"), ("rademacher", PALETTE[1], "s")):
        left.errorbar(relu["ns"], relu[f"measured_{init}"],
                      yerr=Z95 * relu[f"measured_{init}_se"], fmt=marker, color=colour, ms=5,
                      label=f"{init}, measured")
    left.set_xlabel("n")
    left.set_ylabel(r"INAL of $\chi_{[n]}$ (first layer)")
    left.set_title("ReLU, bias N(0, 1): semi-log axes", fontsize=11)
    left.legend(fontsize=8)
    right.loglog(relu["rademacher_ns"], relu["rademacher_exact"], "-", color=PALETTE[1],
                 label="ReLU, Rademacher (bias N(0, 1))")
    right.loglog(relu["gaussian_ns"], relu["gaussian_exact"], "-", color=PALETTE[0],
                 label="ReLU, Gaussian (bias N(0, 1))")
    right.loglog(sign["rademacher_ns"], sign["rademacher_exact"], "--", color=PALETTE[1],
                 label="sign, Rademacher (bias 0)")
    right.loglog(sign["gaussian_ns"], sign["gaussian_exact"], "--", color=PALETTE[0],
                 label="sign, Gaussian (bias 0)")
    grid = sign["rademacher_ns"]
    right.loglog(grid, 2 / (math.pi * grid), ":", color="grey", lw=1.2, label=r"$2/(\pi n)$")
    right.set_ylim(1e-12, 1)
    right.set_xlabel("n")
    right.set_title("exact values, log–log axes", fontsize=11)
    right.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


# ---------------------------------------------------------------------------
# Registered figures
# ---------------------------------------------------------------------------


def _settings(scale: str, name: str) -> dict:
    return SETTINGS[check_choice(scale, "scale", SCALES)][name]


@register_figure("alignment-estimators", "alignment",
                 "Plug-in vs unbiased estimate of the alignment with a high-degree parity "
                 "against the number of sampled inputs.")
def build_estimators(scale: str = "small", seed: int = 0):
    return plot_estimators(estimator_experiment(**_settings(scale, "estimators"), seed=seed))


@register_figure("alignment-parity-scaling", "alignment",
                 "First-layer INAL of k-parities against n (log-log) with the exact finite-n "
                 "curve and the n^-k Hermite line.")
def build_parity_scaling(scale: str = "small", seed: int = 0):
    return plot_parity_scaling(parity_scaling_experiment(**_settings(scale, "parity"), seed=seed))


@register_figure("alignment-majority-scaling", "alignment",
                 "INAL of majority against odd n with the first-layer formula and a c/n line.")
def build_majority_scaling(scale: str = "small", seed: int = 0):
    return plot_majority_scaling(majority_scaling_experiment(**_settings(scale, "majority"),
                                                             seed=seed))


@register_figure("alignment-depth-scaling", "alignment",
                 "A_k of the neurons of every layer of a two-hidden-layer network against n, "
                 "with the first layer's exact curve and the counting bound 1/C(n,k).")
def build_depth_scaling(scale: str = "small", seed: int = 0):
    return plot_depth_scaling(depth_scaling_experiment(**_settings(scale, "depth"), seed=seed))


@register_figure("alignment-activation-profiles", "alignment",
                 "Expected degree profiles of ReLU and sign neurons with and without bias.")
def build_activation_profiles(scale: str = "small", seed: int = 0):
    return plot_activation_profiles(activation_profiles(**_settings(scale, "profiles")))


@register_figure("alignment-full-parity", "alignment",
                 "INAL of the full parity under Gaussian vs Rademacher initialization.")
def build_full_parity(scale: str = "small", seed: int = 0):
    return plot_full_parity(full_parity_experiment(**_settings(scale, "full_parity"), seed=seed))
