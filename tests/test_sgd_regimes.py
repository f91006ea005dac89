"""Tests of inal_tutorial.sgd_regimes: matched compute, steps to learn, the exponent fit
and the progress recorder."""

import math

import numpy as np
import pytest
import torch

import inal_tutorial as it
from inal_tutorial import sgd_regimes as sr


def test_public_names_are_exported():
    for name in sr.__all__:
        assert getattr(it, name) is getattr(sr, name)


def test_matched_compute_run_spends_the_budget_and_is_paired():
    r = sr.matched_compute_run(8, 2, 16, 0.0, 1000, 16, 3, 0.1, 256, 0)
    assert r["steps"] == 62 and r["samples"] == 62 * 16 and len(r["accuracy"]) == 3
    assert 0 <= r["learned"] <= 3
    again = sr.matched_compute_run(8, 2, 16, 0.0, 1000, 16, 3, 0.1, 256, 0)
    assert again == r                                   # seeded


def test_small_batch_sgd_learns_a_2_parity_and_a_single_step_does_not():
    learn = sr.matched_compute_run(8, 2, 16, 0.0, 16 * 600, 32, 4, 0.1, 512, 1)
    assert learn["learned"] == 4
    one = sr.matched_compute_run(8, 2, 4096, 0.0, 4096, 32, 4, 0.1, 512, 1)
    assert one["steps"] == 1 and one["learned"] == 0


def test_matched_compute_sweep_order_and_overrides():
    records = sr.matched_compute_sweep(n=8, k=2, width=8, n_models=2, budget=256,
                                       batch_sizes=(8, 64), noise_stds=(0.0, 0.5),
                                       test_size=128)
    assert [(r["batch_size"], r["noise_std"]) for r in records] == [
        (8, 0.0), (8, 0.5), (64, 0.0), (64, 0.5)]
    assert [r["steps"] for r in records] == [32, 32, 4, 4]
    with pytest.raises(TypeError, match="unknown setting"):
        sr.matched_compute_sweep(widht=3)
    with pytest.raises(ValueError, match="scale"):
        sr.matched_compute_sweep("huge")
    with pytest.raises(ValueError, match="executor"):
        sr.matched_compute_sweep(n=8, budget=64, batch_sizes=(8,), noise_stds=(0.0,),
                                 executor="nonsense")


def test_matched_compute_run_rejects_bad_input():
    with pytest.raises(ValueError, match="budget"):
        sr.matched_compute_run(8, 2, 64, 0.0, 10, 8, 2, 0.1, 64, 0)
    with pytest.raises(ValueError, match="noise_std"):
        sr.matched_compute_run(8, 2, 8, -1.0, 64, 8, 2, 0.1, 64, 0)
    with pytest.raises(ValueError, match="k"):
        sr.matched_compute_run(8, 9, 8, 0.0, 64, 8, 2, 0.1, 64, 0)


def test_steps_to_learn_counts_and_censors():
    r = sr.steps_to_learn_parity(8, 2, 32, 4, 16, 0.1, 2000, 10, 512, 0)
    assert r["censored"] == 0 and all(s % 10 == 0 and s > 0 for s in r["steps"])
    assert r["median"] == float(np.median(r["steps"]))
    short = sr.steps_to_learn_parity(8, 3, 8, 3, 8, 0.1, 20, 10, 256, 0)
    assert short["censored"] == 3 and math.isinf(short["median"])


def test_plateau_sweep_seeds_and_order():
    records = sr.plateau_sweep(ns={2: (8, 12)}, width=16, n_models=2, max_steps=1500,
                               eval_every=20, test_size=256)
    assert [(r["k"], r["n"]) for r in records] == [(2, 8), (2, 12)]
    again = sr.plateau_sweep(ns={2: (12,)}, width=16, n_models=2, max_steps=1500,
                             eval_every=20, test_size=256)
    assert again[0] == records[1]                       # a cell's seed is its own


def test_fit_exponent_recovers_a_power_law_and_brackets_it():
    rng = np.random.default_rng(0)
    ns = [16, 32, 64, 128]
    steps = [list(5 * n**1.5 * np.exp(rng.normal(0, 0.1, 16))) for n in ns]
    fit = sr.fit_exponent(ns, steps, seed=1)
    assert fit.exponent == pytest.approx(1.5, abs=0.05)
    assert fit.low < 1.5 < fit.high and fit.high - fit.low < 0.3
    assert fit.censored == 0 and fit.n_runs == 64 and fit.ns == tuple(ns)
    exact = sr.fit_exponent([2, 4], [[4.0], [16.0]])
    assert exact.exponent == pytest.approx(2.0) and exact.low == pytest.approx(2.0)


def test_fit_exponent_reports_censoring():
    steps = [[10.0, 12.0, 11.0], [40.0, math.inf, 41.0], [160.0, 170.0, math.inf]]
    fit = sr.fit_exponent([2, 4, 8], steps, n_boot=200)
    assert fit.censored == 2 and math.isinf(fit.high)
    with pytest.raises(ValueError, match="censored"):
        sr.fit_exponent([2, 4], [[1.0], [math.inf]])
    with pytest.raises(ValueError, match="distinct"):
        sr.fit_exponent([4, 4], [[1.0], [2.0]])
    with pytest.raises(ValueError, match="positive"):
        sr.fit_exponent([2, 4], [[1.0], []])
    with pytest.raises(ValueError, match="one list per n"):
        sr.fit_exponent([2, 4, 8], [[1.0], [2.0]])


def test_progress_recorder_matches_a_direct_computation():
    net = it.MLPEnsemble(6, (5,), n_models=2, seed=0, dtype=torch.float64)
    x = it.all_inputs(6, dtype=torch.float64)
    rec = sr.ProgressRecorder(net, [0, 1], [4, 5], x, every=1)
    w = net.first_layer_weights().detach().double().square().sum(dim=1)
    assert rec["share"][0] == pytest.approx((w[:, :2].sum(1) / w.sum(1)).numpy())
    out = net(x).detach()
    assert rec["fourier"][0] == pytest.approx((out * x[:, 0] * x[:, 1]).mean(1).numpy())
    with pytest.raises(ValueError, match="control"):
        sr.ProgressRecorder(net, [0, 1], [1, 2], x, every=1)


def test_hidden_progress_run_small():
    rec = sr.hidden_progress_run(n=10, k=2, width=16, n_models=2, steps=400, every=20,
                                 test_size=256)
    assert rec.steps[0] == 0 and rec.steps[-1] == 400 and rec["share"].shape == (21, 2)
    leave = rec.leaves_chance(0.6)
    assert leave.shape == (2,)
    assert np.all(rec["share"][-1] > rec["share"][0])   # the support gains weight


def test_batch_gradient_noise_falls_like_one_over_root_b():
    noise = it.batch_gradient_noise(12, 3, [8, 128], width=16, n_models=4, repeats=4,
                                    seed=1)
    assert set(noise) == {8, 128}
    assert noise[8] > 0 and noise[128] > 0
    assert 2.5 < noise[8] / noise[128] < 6.5       # sqrt(16) = 4
    with pytest.raises(ValueError, match="batch size"):
        it.batch_gradient_noise(12, 3, [0])
    with pytest.raises(ValueError, match="memory"):
        it.batch_gradient_noise(4096, 3, [65536], n_models=256)
