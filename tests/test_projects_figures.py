"""The staircase project's starter (inal_tutorial.figures.projects): held-out split, baselines, run."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import inal_tutorial as it
from inal_tutorial.figures import projects as figures


def test_held_out_split_is_a_partition_of_the_cube():
    train, test = figures.held_out_split(6, 20, seed=3)
    assert train.numel() == 20 and test.numel() == 44
    assert set(train.tolist()).isdisjoint(test.tolist())
    assert sorted(train.tolist() + test.tolist()) == list(range(64))
    again, _ = figures.held_out_split(6, 20, seed=3)
    assert torch.equal(train, again)
    other, _ = figures.held_out_split(6, 20, seed=4)
    assert not torch.equal(train, other)


@pytest.mark.parametrize("kwargs, error", [
    (dict(n=0, train_size=1), ValueError), (dict(n=4, train_size=16), ValueError),
    (dict(n=4, train_size=0), ValueError), (dict(n=4, train_size=2.5), TypeError),
])
def test_held_out_split_refuses_bad_sizes(kwargs, error):
    with pytest.raises(error):
        figures.held_out_split(**kwargs)


def test_best_single_bit_accuracy():
    # Maj_3 agrees with x_0 on 3/4 of the inputs; a 2-parity with no single bit.
    assert figures.best_single_bit_accuracy(it.Majority(3)) == pytest.approx(0.75)
    assert figures.best_single_bit_accuracy(it.Parity(5, k=2)) == pytest.approx(0.5)
    # The sign-staircase of degree 4: f^({0}) = 3/4.
    assert figures.best_single_bit_accuracy(it.Staircase(8, 4)) == pytest.approx(0.875)
    with pytest.raises(TypeError):
        figures.best_single_bit_accuracy("majority")


def test_starter_targets_are_balanced():
    for target in (it.Staircase(12, 4), it.Parity(12, k=4)):
        assert it.target_mean(target) == 0
        assert it.best_constant_accuracy(target) == 0.5


def test_small_run_is_paired_held_out_and_reproducible():
    run = figures.staircase_vs_parity(n=8, k=3, train_size=96, steps=100, n_models=2,
                                      width=16, eval_every=25)
    assert run.train_size == 96 and run.test_size == 256 - 96
    assert set(run.histories) == {"staircase(k=3)", "parity(k=3)"}
    for history in run.histories.values():
        assert history["accuracy"].shape == (5, 2)
        assert np.all((history["accuracy"] >= 0) & (history["accuracy"] <= 1))
    again = figures.staircase_vs_parity(n=8, k=3, train_size=96, steps=100, n_models=2,
                                        width=16, eval_every=25)
    for name, history in run.histories.items():
        np.testing.assert_array_equal(history["accuracy"], again.histories[name]["accuracy"])
    steps = run.steps_to(0.95)
    assert set(steps) == set(run.histories) and all(s.shape == (2,) for s in steps.values())


def test_run_refuses_bad_input():
    with pytest.raises(ValueError):
        figures.staircase_vs_parity(n=17)
    with pytest.raises(ValueError):
        figures.staircase_vs_parity(n=6, k=7)
    with pytest.raises(TypeError):
        figures.staircase_vs_parity(n=6, k=2, dtype="float64")
    with pytest.raises(TypeError):
        figures.plot_staircase_vs_parity({})


def test_plot_draws_the_baselines():
    import matplotlib.pyplot as plt

    run = figures.staircase_vs_parity(n=6, k=4, train_size=32, steps=25, n_models=2,
                                      width=8, batch_size=16, eval_every=25)
    fig = figures.plot_staircase_vs_parity(run)
    labels = [line.get_label() for line in fig.axes[0].get_lines()]
    assert "best constant predictor (0.50)" in labels
    assert any(label.startswith("best single bit for staircase") for label in labels)
    assert not any(label.startswith("best single bit for parity") for label in labels)
    plt.close(fig)
