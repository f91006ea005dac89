"""Tests of inal_tutorial.leaps and leaps_experiments: supports, the leap (against hand values and brute force),
the targets, the SGD experiments and the exponent fit."""

import math

import numpy as np
import pytest
import torch

import inal_tutorial as it
from inal_tutorial import leaps
from inal_tutorial import leaps_experiments as lx


@pytest.mark.parametrize("supports, expected", [
    ([(0,), (0, 1), (0, 1, 2)], 1),          # the staircase x0 + x0x1 + x0x1x2
    ([(0, 1, 2)], 3),                        # a 3-parity
    ([(0,), (0, 1, 2)], 2),                  # x0 + x0x1x2
    ([(0, 1, 2, 3), (0, 1), (0, 1, 2)], 2),  # order given is bad; best is 2
    ([(0,), (1,), (1, 2), (0, 2, 3)], 1),    # merged staircase, not a plain one
    ([(), (0,)], 1),                         # a constant term brings nothing
    ([], 0),
    ([(0, 1), (2, 3)], 2),
    ([(0,), (1, 2, 3, 4)], 4),
])
def test_leap_hand_values(supports, expected):
    assert leaps.leap(supports) == expected
    assert leaps._brute_force_leap(supports) == expected
    assert leaps.has_merged_staircase(supports) == (expected <= 1)


def test_leap_order_attains_the_leap():
    value, order = leaps.leap_order([(0, 1, 2, 3), (0, 1), (0, 1, 2)])
    assert value == 2 and order == [(0, 1), (0, 1, 2), (0, 1, 2, 3)]


def test_greedy_equals_brute_force_on_random_supports():
    rng = np.random.default_rng(0)
    for _ in range(200):
        count = int(rng.integers(1, 6))
        supports = [tuple(sorted(rng.choice(6, size=int(rng.integers(1, 5)), replace=False)))
                    for _ in range(count)]
        assert leaps.leap(supports) == leaps._brute_force_leap(supports), supports


def test_supports_by_enumeration_match_the_declared_ones():
    target = leaps.SparsePolynomial(6, {(0,): 1.0, (0, 2, 4): -2.0})
    assert sorted(leaps.supports_of(target)) == [(0,), (0, 2, 4)]
    # a generic target is enumerated: the truth table of the same polynomial
    table = it.truth_table(target)
    generic = it.Junta(6, tuple(range(6)), table.numpy())
    assert sorted(leaps.supports_of(generic)) == [(0,), (0, 2, 4)]
    assert leaps.leap(generic) == 2
    assert leaps.supports_of(it.Staircase(5, 3, boolean=False)) == [(0,), (0, 1), (0, 1, 2)]
    assert leaps.supports_of(it.Parity(5, (1, 3))) == [(1, 3)]


def test_sparse_polynomial_values_and_norm():
    target = leaps.SparsePolynomial(4, [((0,), 3.0), ((1, 2), 4.0)])
    x = it.all_inputs(4, dtype=torch.float64)
    expected = (3 * x[:, 0] + 4 * x[:, 1] * x[:, 2]) / 5
    assert torch.allclose(target(x), expected)
    assert abs(float((target(x) ** 2).mean()) - 1.0) < 1e-12
    assert not target.is_boolean
    assert leaps.SparsePolynomial(4, [((0, 1), -1.0)]).is_boolean


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="twice"):
        leaps.SparsePolynomial(3, [((0,), 1.0), ((0,), 2.0)])
    with pytest.raises(ValueError):
        leaps.SparsePolynomial(3, [((5,), 1.0)])
    with pytest.raises(ValueError, match="nonzero"):
        leaps.SparsePolynomial(3, [((0,), 0.0)])
    with pytest.raises(TypeError):
        leaps.leap("012")
    with pytest.raises(ValueError, match="repeats"):
        leaps.leap([(0, 0)])
    with pytest.raises(ValueError):
        leaps.leap_target("leap 4", 8)
    with pytest.raises(ValueError):
        lx.time_to_learn(leaps.leap_target("leap 1", 6), lr=-1.0)
    with pytest.raises(TypeError, match="unknown settings"):
        lx.leap_sweep("small", nonsense=1)
    with pytest.raises(ValueError):
        leaps.conjectured_step_exponent(0)


def test_leap_targets_have_the_stated_leaps_and_norm():
    x = it.all_inputs(6, dtype=torch.float64)
    for name, expected in (("leap 1", 1), ("leap 2", 2), ("leap 3", 3)):
        target = leaps.leap_target(name, 6)
        assert leaps.leap(target) == expected
        values = target(x).double()
        assert abs(float((values**2).mean()) - 1) < 1e-12
        assert abs(float(values.mean())) < 1e-12
    assert [leaps.conjectured_step_exponent(k) for k in (1, 2, 3, 4)] == [1, 1, 2, 3]


def test_time_to_learn_learns_a_staircase_and_is_reproducible():
    target = leaps.leap_target("leap 1", 8)
    a = lx.time_to_learn(target, n_seeds=2, max_steps=3000, seed=1)
    b = lx.time_to_learn(target, n_seeds=2, max_steps=3000, seed=1)
    assert a.exact and a.n_learned == 2 and a.leap == 1
    assert np.array_equal(a.steps, b.steps)
    assert a.test_loss[0].min() > 0.5 and a.test_loss[-1].max() <= 0.1


def test_time_to_learn_reports_failure_as_inf():
    run = lx.time_to_learn(leaps.leap_target("leap 3", 8), n_seeds=2, max_steps=50)
    assert run.n_learned == 0 and np.isinf(run.steps).all()


def test_sweep_passes_executor_through_and_groups_by_target():
    out = lx.leap_sweep("small", targets=["leap 1"], ns={"leap 1": (6, 8)}, n_seeds=2,
                           executor=None)
    assert list(out) == ["leap 1"] and [r.n for r in out["leap 1"]] == [6, 8]
    with pytest.raises(ValueError):
        lx.leap_sweep("small", targets=["leap 1"], ns={"leap 1": (6,)}, executor="nope")


def test_fit_exponent_recovers_a_power_law():
    ns = [8, 16, 32, 64]
    rng = np.random.default_rng(0)
    steps = [5.0 * n**1.5 * np.exp(rng.normal(0, 0.05, size=6)) for n in ns]
    fit = leaps.fit_exponent(ns, steps)
    assert abs(fit.exponent - 1.5) < 0.05 and fit.low < 1.5 < fit.high
    exact = leaps.fit_exponent(ns, [[2.0 * n**2] * 3 for n in ns])
    assert math.isclose(exact.exponent, 2.0) and math.isclose(exact.prefactor, 2.0)
    with pytest.raises(ValueError, match="finite"):
        leaps.fit_exponent([8, 16], [[10.0], [np.inf]])


def test_sequential_learning_orders_the_monomials():
    run = lx.sequential_learning(8, 3, steps=800, eval_every=10, n_seeds=3, seed=0)
    times = run.times_to(0.5)
    assert np.isfinite(times).all()
    assert (times[:, 0] < times[:, 1]).all() and (times[:, 1] < times[:, 2]).all()
    # coefficients are exact Fourier coefficients: compare with a direct transform
    assert run.coefficients.shape == (len(run.steps), 3, 3)
    assert np.allclose(run.target, 1 / math.sqrt(3))


def test_figures_draw_what_they_are_given():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from inal_tutorial.figures import staircases_leaps as figs

    sweep = lx.leap_sweep("small", targets=["leap 1"], ns={"leap 1": (6, 8)}, n_seeds=2)
    fig = figs.plot_time_to_learn(sweep)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert any("conjecture $n^1$" in t for t in labels) and fig.axes[0].get_xscale() == "log"
    # right panel: gamma T = (0.32 / n) x geometric mean of the steps
    line = fig.axes[1].get_lines()[0]
    expected = [0.32 / r.n * np.exp(np.log(r.steps).mean()) for r in sweep["leap 1"]]
    np.testing.assert_allclose(line.get_ydata(), expected)
    plt.close(fig)
    run = lx.sequential_learning(6, 2, steps=40, eval_every=10, n_seeds=2)
    fig = figs.plot_sequential(run)
    assert len(fig.axes[0].get_legend().get_texts()) == 3
    plt.close(fig)
    fig = figs.plot_inal_contributions({"a": np.array([0.0, 1e-2, 0.0, 1e-5])}, max_degree=3)
    assert fig.axes[0].get_yscale() == "log"
    plt.close(fig)


def test_fit_exponent_difference_is_paired():
    rng = np.random.default_rng(0)
    ns = [8, 16, 32, 64]
    noise = [rng.lognormal(0, 0.5, 6) for _ in ns]     # shared by both targets (pairing)
    a = [n * e for n, e in zip(ns, noise, strict=True)]
    b = [3.0 * n**2 * e for n, e in zip(ns, noise, strict=True)]
    diff = leaps.fit_exponent_difference(ns, a, b)
    assert abs(diff.exponent - 1) < 1e-9 and abs(diff.prefactor - 3) < 1e-9
    assert diff.high - diff.low < 1e-9              # the shared noise cancels
    unpaired = leaps.fit_exponent(ns, b)
    assert unpaired.high - unpaired.low > 0.1
    with pytest.raises(ValueError, match="same number of seeds"):
        leaps.fit_exponent_difference([8, 16], [[1.0, 2.0], [3.0]], [[1.0], [3.0]])


def test_sweep_scales_the_step_size_with_n():
    out = lx.leap_sweep("small", ns={"leap 1": (6, 8)}, n_seeds=1, max_steps=30)
    assert list(out) == ["leap 1"]                      # targets default to the ns given
    assert [r.config["lr"] for r in out["leap 1"]] == [0.32 / 6, 0.32 / 8]
    fixed = lx.leap_sweep("fixed-step", targets=["leap 1"], ns={"leap 1": (6, 8)},
                          n_seeds=1, max_steps=30)
    assert [r.config["lr"] for r in fixed["leap 1"]] == [0.04, 0.04]
    assert lx.SWEEP_PRESETS["large"]["lr_scaling"] == "1/n"
    with pytest.raises(ValueError, match="lr_scaling"):
        lx.leap_sweep("small", lr_scaling="sqrt", ns={"leap 1": (6,)})
    with pytest.raises(ValueError, match="no sizes"):
        lx.leap_sweep("small", targets=["leap 2"], ns={"leap 1": (6,)})


def test_sequential_control_drops_a_step():
    run = lx.sequential_learning(6, 3, steps=20, eval_every=10, n_seeds=2, drop=(0,))
    np.testing.assert_allclose(run.target, [0.0, 1 / math.sqrt(3), 1 / math.sqrt(3)])
    assert run.coefficients.shape == (3, 2, 3)
    # at initialization the output is near 0, so the loss is the target's norm 2/3
    np.testing.assert_allclose(run.loss[0], 2 / 3, atol=0.02)
    with pytest.raises(ValueError, match="at least one step"):
        lx.sequential_learning(6, 2, steps=10, drop=(0, 1))
    with pytest.raises(ValueError, match="drop entry"):
        lx.sequential_learning(6, 2, steps=10, drop=(5,))
