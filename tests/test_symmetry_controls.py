"""Tests of the controls and statistics of the cost-of-symmetry chapter (inal_tutorial.symmetry)."""

import math

import matplotlib
import numpy as np
import pytest
import torch

import inal_tutorial as it
from inal_tutorial.figures import cost_of_symmetry as figures
from inal_tutorial.symmetry import (
    bootstrap_median_interval,
    median_ratio_interval,
    memorizer_accuracy,
    parity_steps_experiment,
    scaling_slope_interval,
    slope_difference_interval,
    steps_to_learn,
)

matplotlib.use("Agg")


# ---------------------------------------------------------------------------
# The support-only control: same draws, columns outside the mask zeroed
# ---------------------------------------------------------------------------


def _network_of(monkeypatch, **kwargs):
    """The network steps_to_learn builds (training skipped by a 1-step budget spy)."""
    built = []
    original = it.MLPEnsemble.__init__

    def spy(self, *args, **kw):
        original(self, *args, **kw)
        built.append(self)

    monkeypatch.setattr(it.MLPEnsemble, "__init__", spy)
    monkeypatch.setattr("inal_tutorial.symmetry.train", _no_training)
    steps_to_learn(it.Parity(12, k=3), n_models=3, max_steps=1, seed=5, **kwargs)
    monkeypatch.undo()
    return built[0]


class _NoHistory:
    def steps_to(self, name, threshold):
        return np.zeros(3)


def _no_training(network, *args, **kwargs):
    return _NoHistory()


def test_masked_variance_one_over_n_is_the_fully_connected_net_with_columns_zeroed(
        monkeypatch):
    full = _network_of(monkeypatch)
    same_scale = _network_of(monkeypatch, first_layer_mask=(0, 1, 2), first_layer_fan_in=12)
    fan_in_3 = _network_of(monkeypatch, first_layer_mask=(0, 1, 2))
    mask = torch.zeros(12)
    mask[:3] = 1
    w_full = full.weights[0].detach()
    assert torch.allclose(same_scale.weights[0].detach(), w_full * mask, rtol=1e-6, atol=0)
    # The fan-in-3 network has the same draws, sqrt(12/3) = 2 times larger.
    assert torch.allclose(fan_in_3.weights[0].detach(), 2 * w_full * mask, rtol=1e-6, atol=0)
    for other in (same_scale, fan_in_3):
        for a, b in zip(other.biases, full.biases, strict=True):
            assert a is None and b is None or torch.equal(a.detach(), b.detach())
        assert torch.equal(other.weights[1].detach(), full.weights[1].detach())


def test_first_layer_fan_in_sets_the_variance():
    # Variance 1/fan_in on the visible columns, with many draws.
    net = it.MLPEnsemble(40, (2000,), 1, first_layer_mask=(0, 1, 2, 3), seed=0)
    visible = int(net.input_mask.sum())
    with torch.no_grad():
        net.weights[0].mul_(math.sqrt(visible / 40))
    w = net.weights[0].detach()[..., :4]
    assert abs(float(w.var()) * 40 - 1) < 0.05


def test_steps_to_learn_float64_and_bad_fan_in():
    steps = steps_to_learn(it.Parity(6, support=(1,)), hidden=(8,), n_models=2, max_steps=300,
                           eval_every=10, test_size=256, dtype=torch.float64, seed=0)
    assert np.isfinite(steps).all()
    with pytest.raises(ValueError, match="first_layer_fan_in"):
        steps_to_learn(it.Parity(6, k=2), first_layer_fan_in=0, max_steps=1)
    with pytest.raises(TypeError, match="first_layer_fan_in"):
        steps_to_learn(it.Parity(6, k=2), first_layer_fan_in=2.5, max_steps=1)


def test_parity_steps_experiment_three_arms_and_depths():
    kwargs = dict(n_models=2, hidden=(8,), max_steps=60, eval_every=20, test_size=64,
                  progress=False)
    records = parity_steps_experiment((4, 6), k=1, **kwargs)
    assert [(r["n"], r["architecture"], r["depth"]) for r in records] == [
        (4, "fully connected", 2), (4, "masked, variance 1/n", 2), (4, "masked", 2),
        (6, "fully connected", 2), (6, "masked, variance 1/n", 2), (6, "masked", 2)]
    deep = parity_steps_experiment((4,), k=1, architectures=("fully connected",),
                                   depths=(2, 3), **kwargs)
    assert [r["depth"] for r in deep] == [2, 3]
    # Depth 2 with the same seed is the same run as the default.
    assert deep[0]["steps"] == records[0]["steps"]
    with pytest.raises(ValueError, match="depths must not be empty"):
        parity_steps_experiment((4,), k=1, depths=(), **kwargs)
    with pytest.raises(ValueError, match="depth"):
        parity_steps_experiment((4,), k=1, depths=(1,), **kwargs)


# ---------------------------------------------------------------------------
# Statistics
# ---------------------------------------------------------------------------


def test_memorizer_accuracy():
    assert memorizer_accuracy(10, 0) == 0.5
    assert memorizer_accuracy(4, 10**6) == pytest.approx(1.0)
    # One draw on n = 1: seen with probability 1/2.
    assert memorizer_accuracy(1, 1) == pytest.approx(0.75)
    expected = (1 + 1 - (1 - 2.0**-16) ** 40_000) / 2
    assert memorizer_accuracy(16, 40_000) == pytest.approx(expected, rel=1e-12)
    with pytest.raises(ValueError):
        memorizer_accuracy(10, -1)


def test_bootstrap_median_interval_covers_and_is_reproducible():
    rng = np.random.default_rng(0)
    covered = 0
    for trial in range(200):
        sample = rng.exponential(100.0, size=15) + 1
        _, low, high = bootstrap_median_interval(sample, n_boot=500, seed=trial)
        covered += low <= 100 * math.log(2) + 1 <= high
    assert 0.85 <= covered / 200 <= 1.0
    steps = [100, 125, 150, 175, 200, 225, 250, 275]
    assert bootstrap_median_interval(steps, seed=3) == bootstrap_median_interval(steps, seed=3)
    median, low, high = bootstrap_median_interval(steps)
    assert median == 187.5 and low <= median <= high and low >= 100 and high <= 275
    _, _, high = bootstrap_median_interval([100, math.inf, math.inf, 200])
    assert high == math.inf


def test_median_ratio_interval_pairing_matters():
    rng = np.random.default_rng(1)
    base = rng.lognormal(6, 0.6, size=12)
    noisy = base * rng.lognormal(0, 0.05, size=12)   # tightly tied to base, seed by seed
    doubled = 2 * noisy
    ratio, low, high = median_ratio_interval(doubled, base, paired=True)
    _, low_u, high_u = median_ratio_interval(doubled, base, paired=False)
    assert low < 2 < high
    assert high - low < high_u - low_u           # pairing removes the seed-to-seed spread
    assert ratio == pytest.approx(np.median(doubled) / np.median(base))
    with pytest.raises(ValueError, match="same length"):
        median_ratio_interval([1, 2, 3], [1, 2], paired=True)
    with pytest.raises(TypeError, match="paired"):
        median_ratio_interval([1, 2], [1, 2], paired="yes")
    with pytest.raises(ValueError, match="positive"):
        median_ratio_interval([0, 2], [1, 2], paired=True)
    with pytest.raises(ValueError, match="at least 2"):
        median_ratio_interval([1], [1], paired=True)


def _records(slope, arch="fully connected", depth=2, noise=0.1, seed=0):
    rng = np.random.default_rng(seed)
    return [{"n": n, "k": 3, "architecture": arch, "depth": depth,
             "steps": list(10.0 * n**slope * rng.lognormal(0, noise, size=8)),
             "median_steps": 0.0} for n in (16, 32, 64, 128)]


def _fill_medians(records):
    for r in records:
        r["median_steps"] = float(np.median(r["steps"]))
    return records


def test_scaling_slope_interval_recovers_a_known_slope():
    records = _fill_medians(_records(1.5))
    slope, low, high = scaling_slope_interval(records, "fully connected")
    assert abs(slope - 1.5) < 0.1 and low < 1.5 < high and high - low < 0.4
    flat = _fill_medians(_records(0.0, arch="masked", seed=1))
    slope, low, high = scaling_slope_interval(records + flat, "masked")
    assert low < 0 < high
    with pytest.raises(ValueError, match="two n at least"):
        scaling_slope_interval(records[:1], "fully connected")
    with pytest.raises(TypeError):
        scaling_slope_interval([], "fully connected")


def test_slope_difference_interval_is_paired():
    a = _fill_medians(_records(1.0, noise=0.3, seed=2))
    # b = a seed by seed, times n^{-0.5}: the paired difference is exactly 0.5.
    b = [dict(r, architecture="masked", steps=[s * r["n"] ** -0.5 for s in r["steps"]])
         for r in a]
    _fill_medians(b)
    diff, low, high = slope_difference_interval(a + b, ("fully connected", None),
                                                ("masked", None))
    assert diff == pytest.approx(0.5) and low == pytest.approx(0.5) and high == pytest.approx(0.5)
    with pytest.raises(ValueError, match="same n"):
        slope_difference_interval(a + b[:2], ("fully connected", None), ("masked", None))


# ---------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------


def test_plots_draw_three_arms_and_depths():
    records = []
    for i, arch in enumerate(it.SCALING_ARCHITECTURES):
        records += _fill_medians(_records(1.0 - 0.4 * i, arch=arch, seed=i))
    fig = figures.plot_parity_scaling(records)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert len(labels) == 3 and all("slope" in t and "[" in t for t in labels)
    deep = _fill_medians(_records(1.0, depth=3, seed=7))
    fig = figures.plot_depth_steps([r for r in records if r["architecture"] ==
                                    "fully connected"] + deep)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert [t.split(":")[0] for t in labels] == ["2 layers", "3 layers"]
    matplotlib.pyplot.close("all")
