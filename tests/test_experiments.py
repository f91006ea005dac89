"""The headline sweeps: targets, records and their fields, reproducibility, bad inputs."""

import dataclasses
import math

import numpy as np
import pytest
import torch
from scipy import stats

import inal_tutorial as it
from inal_tutorial.random import spawn_seeds

TINY = dict(hidden=(16,), n_seeds=2, n_init=4, steps=20, batch_size=16, lr=0.1, n_evals=2,
            curve_test_size=64, progress=False)


def test_headline_targets():
    specs = it.headline_targets(11)
    assert len(specs) == 13
    assert len({s.label for s in specs}) == 13
    assert {s.family for s in specs} == {"parity", "majority", "staircase", "junta", "mixture",
                                         "random"}
    for s in specs:
        table = it.truth_table(s.target)
        assert s.target.n == 11 and s.target.is_boolean
        if s.family == "random":
            assert abs(table.mean().item()) < 0.1
        else:
            assert table.mean().item() == 0  # balanced: the best constant is a coin flip
    weights = {s.label: it.degree_profile(it.truth_table(s.target)) for s in specs}
    # The mixtures' Fourier weights, as the docstring states (Maj(a,b,c) = (a+b+c-abc)/2).
    np.testing.assert_allclose(weights["Maj(χ4, χ4, x)"][[1, 4, 9]], [0.25, 0.5, 0.25],
                               atol=1e-12)
    np.testing.assert_allclose(weights["Maj(χ3, χ3, χ3)"][[3, 9]], [0.75, 0.25], atol=1e-12)
    assert weights["Maj(χ3, χ3, χ3)"][:3].sum().item() == pytest.approx(0, abs=1e-12)
    even = it.headline_targets(10)
    assert "majority (9 bits)" in {s.label for s in even}
    assert torch.equal(it.truth_table(it.headline_targets(12, seed=1)[-1].target),
                       it.truth_table(it.headline_targets(12, seed=1)[-1].target))


def test_inal_vs_accuracy_records():
    targets = [s for s in it.headline_targets(9) if s.label in ("parity k=1", "parity k=6",
                                                                 "majority (9 bits)")]
    records = it.inal_vs_accuracy(targets, seed=3, **TINY)
    assert [r.label for r in records] == ["parity k=1", "parity k=6", "majority (9 bits)"]
    fields = {f.name for f in dataclasses.fields(it.AlignmentRecord)}
    assert {"label", "family", "n", "inal", "inal_stderr", "inal_layer", "accuracy_mean",
            "accuracy_stderr", "accuracy_ci", "accuracies", "initial_accuracy",
            "constant_baseline", "degree_weights", "steps", "n_seeds", "n_init", "curve_steps",
            "curve_accuracy"} <= fields
    inal_seed = spawn_seeds(3, 3)[2]
    for r, spec in zip(records, targets, strict=True):
        assert r.n == 9 and r.steps == 20 and r.n_seeds == 2 and r.n_init == 4
        assert len(r.accuracies) == 2 and all(0 <= a <= 1 for a in r.accuracies)
        assert r.accuracy_mean == pytest.approx(np.mean(r.accuracies))
        half = stats.t.ppf(0.975, 1) * np.std(r.accuracies, ddof=1) / math.sqrt(2)
        assert r.accuracy_ci == pytest.approx(half)
        assert r.constant_baseline == 0.5
        assert len(r.degree_weights) == 10 and sum(r.degree_weights) == pytest.approx(1)
        assert r.curve_steps == [0, 10, 20] and len(r.curve_accuracy) == 3
        assert r.inal_layer == 0 and len(r.inal_per_layer) == 2
        # The reported INAL is estimate_inal's first-layer average for the same initializations.
        net = it.MLPEnsemble(9, (16,), n_models=4, seed=inal_seed)
        exact = it.estimate_inal(spec.target, net)
        assert r.inal == pytest.approx(exact.per_layer[0], rel=1e-6)  # float32 networks
        assert r.inal_stderr == pytest.approx(exact.per_layer_stderr[0], rel=1e-6)
    # Degree-1 targets are far better aligned than a degree-6 parity.
    assert records[0].inal > 100 * records[1].inal
    rows = it.as_rows(records)
    assert rows[0]["label"] == "parity k=1" and set(rows[0]) == fields


def test_inal_vs_accuracy_is_reproducible_and_max_option():
    target = it.Parity(9, k=2)
    a = it.inal_vs_accuracy([target], seed=0, **TINY)[0]
    b = it.inal_vs_accuracy([target], seed=0, **TINY)[0]
    c = it.inal_vs_accuracy([target], seed=0, inal_layer=None, **TINY)[0]
    assert a.accuracies == b.accuracies and a.inal == b.inal
    assert c.inal == max(c.inal_per_layer) and c.inal_layer == int(np.argmax(c.inal_per_layer))
    assert a.family == "parity" and a.label == target.name


def test_digits_experiment_records():
    task = it.load_digits_task()
    records = it.digits_experiment(task, n_seeds=2, n_init=2, steps=4, batch_size=16,
                                   n_evals=2, progress=False)
    assert [(r.architecture, r.pixels) for r in records] == [
        ("MLP", "original"), ("MLP", "permuted"), ("CNN", "original"), ("CNN", "permuted")]
    fields = {f.name for f in dataclasses.fields(it.DigitsRecord)}
    assert {"architecture", "pixels", "n_parameters", "inal", "inal_stderr", "inal_layer",
            "inal_per_layer", "inal_max_neuron", "train_accuracy_mean", "test_accuracy_mean",
            "test_accuracy_stderr", "test_accuracy_ci", "test_accuracies", "steps",
            "n_seeds", "n_init"} <= fields
    mlp, cnn = records[0], records[2]
    assert mlp.n_parameters == 64 * 128 + 128 + 128
    assert cnn.n_parameters == 8 * 9 + 8 + 8 * 16 * 64 + 64 + 64
    for r in records:
        assert len(r.test_accuracies) == 2 and 0 <= r.test_accuracy_mean <= 1
        assert r.inal > 0 and r.inal_stderr >= 0 and r.inal <= r.inal_max_neuron
        assert r.inal_layer == 0 and r.inal == r.inal_per_layer[0]
        assert len(r.inal_per_layer_stderr) == len(r.inal_per_layer)
    table = it.format_table(records, ["architecture", "pixels", "inal", "inal_per_layer"])
    assert table.splitlines()[0].split() == ["architecture", "pixels", "inal", "inal_per_layer"]
    assert len(table.splitlines()) == 6


def test_mlp_permutation_check_is_exact():
    check = it.mlp_permutation_check(n_seeds=2, steps=15, hidden=(32,))
    assert check.max_output_difference < 1e-10
    assert check.max_accuracy_difference == 0.0
    assert check.inal_difference < 1e-12
    assert check.accuracies == check.permuted_accuracies
    assert check.dtype == "float64"


def test_t_interval():
    mean, se, half = it.t_interval([1.0, 2.0, 4.0])
    assert mean == pytest.approx(7 / 3)
    assert se == pytest.approx(np.std([1, 2, 4], ddof=1) / math.sqrt(3))
    assert half == pytest.approx(stats.t.ppf(0.975, 2) * se)
    assert it.t_interval([0.5]) == (0.5, 0.0, 0.0)
    with pytest.raises(ValueError, match="empty"):
        it.t_interval([])
    with pytest.raises(ValueError, match="level"):
        it.t_interval([1.0, 2.0], level=1.0)


@pytest.mark.parametrize("kwargs, error, word", [
    (dict(steps=0), ValueError, "steps"),
    (dict(lr=-0.1), ValueError, "lr"),
    (dict(loss="cross-entropy"), ValueError, "loss"),
    (dict(n_seeds=1), ValueError, "n_seeds"),
    (dict(n_init=1), ValueError, "n_init"),
    (dict(batch_size=0), ValueError, "batch_size"),
    (dict(inal_layer=2), ValueError, "inal_layer"),
    (dict(n_evals=100), ValueError, "n_evals"),
    (dict(targets=[it.Parity(9, k=1), it.Parity(10, k=1)]), ValueError, "same n"),
    (dict(targets=[it.Staircase(9, 3, boolean=False)]), ValueError, "±1"),
    (dict(targets=["parity"]), TypeError, "targets"),
    (dict(targets=[]), ValueError, "targets"),
    (dict(targets=None, n=8), ValueError, "n must be at least 9"),
])
def test_inal_vs_accuracy_bad_inputs(kwargs, error, word):
    options = dict(TINY)
    options.setdefault("targets", [it.Parity(9, k=1)])
    options.update(kwargs)
    targets = options.pop("targets")
    with pytest.raises(error, match=word):
        it.inal_vs_accuracy(targets, **options)


def test_other_bad_inputs():
    with pytest.raises(TypeError, match="task"):
        it.digits_experiment("digits", progress=False)
    with pytest.raises(ValueError, match="permutation_seed"):
        it.digits_experiment(permutation_seed=-1, progress=False)
    with pytest.raises(ValueError, match="inal_layer"):
        it.digits_experiment(inal_layer=3, n_seeds=2, n_init=2, steps=1, n_evals=1,
                             progress=False)
    with pytest.raises(ValueError, match="n must be at least 9"):
        it.headline_targets(5)
    with pytest.raises(TypeError, match="records"):
        it.as_rows("records")
    with pytest.raises(TypeError, match="dataclass"):
        it.as_rows([{"a": 1}])
    record = it.PermutationCheck(0.0, 0.0, 0.0, [1.0], [1.0], 1, "float64")
    with pytest.raises(ValueError, match="unknown column"):
        it.format_table([record], ["nope"])
    with pytest.raises(TypeError, match="columns"):
        it.format_table([record], "steps")


# ---------------------------------------------------------------------------
# Exercise checkers of the chapter
# ---------------------------------------------------------------------------


def test_checker_answers_are_true_facts():
    from inal_tutorial.exercises import inal_predicts_learning as checks

    n = 9
    mixture = it.Mixture([it.Parity(n, [0, 1, 2, 3]), it.Parity(n, [4, 5, 6, 7]),
                          it.Parity(n, [8])], [1.0, 1.0, 1.0])
    table = it.truth_table(mixture)
    w = it.degree_profile(table)
    assert checks.check_mixture_weights(float(w[1]), float(w[4]), float(w[9]))
    accuracy = float((table == it.truth_table(it.Parity(n, [8]))).double().mean())
    assert checks.check_partial_accuracy(accuracy)
    # The linear network's alignment: the exact first-layer profile of the linear activation.
    profile = it.gaussian_first_layer_profile(5, "linear")
    assert checks.check_linear_alignment(it.first_layer_inal(it.Majority(5), profile))
    assert checks.linear_alignment(5) == 9 / 64
    staircase = it.truth_table(it.Staircase(4, 4, tie_break="+1"))
    assert checks.check_constant_baseline(float((1 + staircase.mean()) / 2))


def test_checkers_explain_typical_mistakes():
    from inal_tutorial.exercises import inal_predicts_learning as checks

    wrong = checks.check_mixture_weights(0.5, 0.25, 0.25)
    assert not wrong and "1/4, not 1/2" in wrong.message and "degree 4" in wrong.message
    assert "correlation" in checks.check_partial_accuracy(0.5).message
    assert "percentage" in checks.check_partial_accuracy(75).message
    assert "variance 1/n" in checks.check_linear_alignment(45 / 64).message
    assert "bias" in checks.check_linear_alignment(9 / 64 + 1).message
    assert not checks.check_constant_baseline(0.5)
    assert "string" in checks.check_mixture_weights("a", 0.5, 0.25).message
    with pytest.raises(ValueError, match="n must be odd"):
        checks.linear_alignment(4)


# ---------------------------------------------------------------------------
# The chapter's figures draw from the records
# ---------------------------------------------------------------------------


def test_figures_are_registered_and_draw_tiny_records():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from inal_tutorial.figures import inal_predicts_learning as figures

    names = set(it.plotting.figure_names())
    assert {"inal-vs-accuracy", "digits-mlp-vs-cnn", "digits-permuted-examples"} <= names
    targets = [it.Parity(9, k=1), it.Parity(9, k=3)]
    records = it.inal_vs_accuracy(targets, seed=0, **TINY)
    fig = figures.plot_headline(records)
    scatter = fig.axes[0]
    assert scatter.get_xscale() == "log" and len(scatter.texts) == 2
    plt.close(fig)
    task = it.load_digits_task()
    digits = it.digits_experiment(task, n_seeds=2, n_init=2, steps=2, batch_size=8, n_evals=1,
                                  progress=False)
    fig = figures.plot_digits_results(digits)
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["MLP", "CNN"]
    plt.close(fig)
    fig = it.plotting.make_figure("digits-permuted-examples")
    assert len(fig.axes) == 10
    plt.close(fig)
    with pytest.raises(TypeError, match="records"):
        figures.plot_inal_vs_accuracy(digits)
    with pytest.raises(TypeError, match="DigitsTask"):
        figures.plot_digit_examples(task, "permuted")
