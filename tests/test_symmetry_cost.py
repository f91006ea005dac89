"""Tests of the cost-of-symmetry section of inal_tutorial.symmetry, its figures and checkers."""

import math

import matplotlib
import numpy as np
import pytest
import torch

import inal_tutorial as it
from inal_tutorial.exercises import cost_of_symmetry as check
from inal_tutorial.figures import cost_of_symmetry as figures
from inal_tutorial.symmetry import depth_experiment, parity_steps_experiment, steps_to_learn

matplotlib.use("Agg")

# ---------------------------------------------------------------------------
# steps_to_learn
# ---------------------------------------------------------------------------


def test_steps_to_learn_a_dictator_is_fast_and_reproducible():
    target = it.Parity(6, support=(2,))
    steps = steps_to_learn(target, hidden=(16,), n_models=3, max_steps=500, eval_every=10,
                           test_size=256, seed=1)
    assert steps.shape == (3,)
    assert np.all(np.isfinite(steps)) and np.all(steps % 10 == 0) and np.all(steps <= 500)
    again = steps_to_learn(target, hidden=(16,), n_models=3, max_steps=500, eval_every=10,
                           test_size=256, seed=1)
    assert np.array_equal(steps, again)


def test_a_finer_evaluation_grid_only_refines_the_counts():
    # The trajectories do not depend on eval_every: a count on the grid of 25 is at least
    # the count on the grid of 5 rounded up to a multiple of 25 (equal unless the accuracy
    # dips below the threshold again), and the grid-5 count overstates by at most 4.
    target = it.Parity(10, k=2)
    kwargs = dict(hidden=(16,), n_models=4, max_steps=3000, test_size=512,
                  dtype=torch.float64, seed=2)
    fine = steps_to_learn(target, eval_every=5, **kwargs)
    coarse = steps_to_learn(target, eval_every=25, **kwargs)
    assert np.all(np.isfinite(fine)) and np.all(np.isfinite(coarse))
    assert np.all(fine % 5 == 0) and np.all(coarse % 25 == 0)
    assert np.all(coarse >= 25 * np.ceil(fine / 25))
    assert np.mean(coarse == 25 * np.ceil(fine / 25)) >= 0.5
    assert figures.PARITY_SCALING_SETTINGS["small"]["eval_every"] == 5
    assert figures.DEPTH_SCALING_SETTINGS["small"]["eval_every"] == 5


def test_steps_to_learn_is_infinite_when_the_mask_hides_the_support():
    # The masked network never sees x_3, so it cannot beat chance on chi_{3}.
    steps = steps_to_learn(it.Parity(6, support=(3,)), first_layer_mask=(0, 1), hidden=(8,),
                           n_models=2, max_steps=100, eval_every=20, test_size=512, seed=0)
    assert np.all(np.isinf(steps))


def test_masked_network_learns_a_parity_faster_than_a_fully_connected_one():
    # The qualitative claim of the chapter, on a small instance (n = 24, k = 3).
    target = it.Parity(24, k=3)
    kwargs = dict(n_models=4, max_steps=4000, eval_every=25, test_size=1024, seed=3)
    full = steps_to_learn(target, **kwargs)
    masked = steps_to_learn(target, first_layer_mask=(0, 1, 2), **kwargs)
    assert np.all(np.isfinite(full)) and np.all(np.isfinite(masked))
    assert np.median(masked) * 3 < np.median(full)


@pytest.mark.parametrize("kwargs, error", [
    (dict(target="parity"), TypeError),
    (dict(threshold=0.5), ValueError),
    (dict(threshold=1.5), ValueError),
    (dict(max_steps=0), ValueError),
    (dict(seed=-1), ValueError),
    (dict(lr=0.0), ValueError),
    (dict(batch_size=0), ValueError),
    (dict(first_layer_mask=(9,)), ValueError),
    (dict(loss="huber"), ValueError),
])
def test_steps_to_learn_rejects_bad_arguments(kwargs, error):
    args = dict(target=it.Parity(5, k=2), max_steps=5, n_models=2)
    args.update(kwargs)
    target = args.pop("target")
    with pytest.raises(error):
        steps_to_learn(target, **args)


# ---------------------------------------------------------------------------
# The two experiments
# ---------------------------------------------------------------------------


def test_parity_steps_experiment_records():
    records = parity_steps_experiment((4, 6), k=1, n_models=2, hidden=(8,), max_steps=200,
                                        eval_every=10, test_size=128, progress=False)
    assert [(r["n"], r["architecture"]) for r in records] == [
        (4, "fully connected"), (4, "masked, variance 1/n"), (4, "masked"),
        (6, "fully connected"), (6, "masked, variance 1/n"), (6, "masked")]
    for r in records:
        assert r["k"] == 1 and len(r["steps"]) == 2 and r["depth"] == 2
        assert r["median_steps"] == pytest.approx(float(np.median(r["steps"])))
        assert 0.0 <= r["learned"] <= 1.0
    slopes = figures.scaling_slopes(records)
    assert set(slopes) <= set(it.SCALING_ARCHITECTURES)


@pytest.mark.parametrize("kwargs, error", [
    (dict(ns=()), ValueError),
    (dict(ns=(2,), k=3), ValueError),
    (dict(ns=(4,), k=0), ValueError),
    (dict(ns=(4,), architectures=("convolutional",)), ValueError),
])
def test_parity_steps_experiment_rejects_bad_arguments(kwargs, error):
    with pytest.raises(error):
        parity_steps_experiment(progress=False, **kwargs)


def test_depth_experiment_records_and_early_stop():
    targets = {"dictator": it.Parity(5, support=(0,)), "2-parity": it.Parity(5, k=2)}
    records = depth_experiment(targets, depths=(2, 3), width=8, n_models=2, steps=60,
                               eval_every=20, test_size=128, stop_accuracy=None, progress=False)
    assert [(r["target"], r["depth"]) for r in records] == [
        ("dictator", 2), ("dictator", 3), ("2-parity", 2), ("2-parity", 3)]
    for r in records:
        assert 0.0 <= r["accuracy"] <= 1.0 and r["accuracy_se"] >= 0.0
        assert r["accuracy"] <= r["best_accuracy"] + 1e-12
        assert r["steps_run"] == 60
    # A stop accuracy of 0 stops at the first evaluation.
    early = depth_experiment({"dictator": targets["dictator"]}, depths=(2,), width=8,
                             n_models=2, steps=60, eval_every=20, test_size=128,
                             stop_accuracy=0.0, progress=False)
    assert early[0]["steps_run"] == 20


def test_depth_experiment_builds_networks_of_the_requested_depth(monkeypatch):
    seen = []
    original = it.MLPEnsemble.__init__

    def spy(self, n_inputs, hidden=(512,), *args, **kwargs):
        seen.append(tuple(hidden))
        original(self, n_inputs, hidden, *args, **kwargs)

    monkeypatch.setattr(it.MLPEnsemble, "__init__", spy)
    depth_experiment({"p": it.Parity(4, k=1)}, depths=(2, 4), width=5, n_models=2, steps=1,
                     test_size=16, progress=False)
    assert seen == [(5,), (5, 5, 5)]


@pytest.mark.parametrize("kwargs, error", [
    (dict(targets={}), TypeError),
    (dict(targets=[it.Parity(4, k=1)]), TypeError),
    (dict(targets={"p": "parity"}), TypeError),
    (dict(depths=(1,)), ValueError),
    (dict(depths=()), ValueError),
    (dict(n_models=1), ValueError),
    (dict(seed=-3), ValueError),
])
def test_depth_experiment_rejects_bad_arguments(kwargs, error):
    args = dict(targets={"p": it.Parity(4, k=1)}, steps=1, progress=False)
    args.update(kwargs)
    with pytest.raises(error):
        depth_experiment(**args)


# ---------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------


def test_depth_targets_are_the_log_parity_and_majority():
    targets = figures.depth_targets(31)
    assert list(targets) == ["5-parity", "majority"]
    assert targets["5-parity"].k == 5 and isinstance(targets["majority"], it.Majority)


def test_figures_are_registered_and_plot_records():
    from inal_tutorial.figures import canonical_name

    names = it.plotting.figure_names()
    for registered in ("cost_of_symmetry_parity_scaling", "cost_of_symmetry_depth"):
        assert canonical_name(registered) in names
    records = [{"n": n, "k": 3, "architecture": a, "steps": [10.0 * n, 12.0 * n, math.inf],
                "median_steps": 12.0 * n, "learned": 2 / 3}
               for n in (8, 16) for a in ("fully connected", "masked")]
    fig = figures.plot_parity_scaling(records)
    assert fig.axes[0].get_xscale() == "log"
    slopes = figures.scaling_slopes(records)
    assert slopes["masked"][0] == pytest.approx(1.0)
    depth_records = [{"target": t, "depth": d, "accuracy": 0.5, "accuracy_se": 0.01}
                     for t in ("a", "b") for d in (2, 3)]
    fig = figures.plot_depth_comparison(depth_records)
    assert len(fig.axes[0].patches) == 4
    matplotlib.pyplot.close("all")


# ---------------------------------------------------------------------------
# Exercise checkers
# ---------------------------------------------------------------------------


def test_check_parity_orbit():
    assert check.check_parity_orbit(6, 2, 30, 1 / 15)
    wrong_size = check.check_parity_orbit(6, 2, 15, 1 / 15)
    assert not wrong_size and "two signs" in wrong_size.message
    wrong_cp = check.check_parity_orbit(6, 2, 30, 1 / 30)
    assert not wrong_cp and "-f" in wrong_cp.message
    assert not check.check_parity_orbit(6, 2, 30, 2.0**-6)
    with pytest.raises(ValueError):
        check.check_parity_orbit(3, 4, 1, 1)


def test_check_invariant_initializations():
    assert check.check_invariant_initializations({1, 2, 3})
    assert check.check_invariant_initializations([3, 2, 1])
    with_mean = check.check_invariant_initializations({1, 2, 3, 4})
    assert not with_mean and "sign flip" in with_mean.message
    missing = check.check_invariant_initializations({1, 2})
    assert not missing and "[3]" in missing.message
    assert not check.check_invariant_initializations({1, 7})
    assert not check.check_invariant_initializations("123")
    assert not check.check_invariant_initializations({1.5})


def test_check_gradient_gap():
    assert check.check_gradient_gap(3e-16)
    assert check.check_gradient_gap(torch.tensor(0.0))
    float32 = check.check_gradient_gap(2e-7)
    assert not float32 and "float64" in float32.message
    assert not check.check_gradient_gap(0.3)
    assert not check.check_gradient_gap(float("nan"))
    assert not check.check_gradient_gap([1e-16, 1e-16])
    assert not check.check_gradient_gap("0")
