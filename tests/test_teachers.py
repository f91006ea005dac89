"""Tests of inal_tutorial.teachers: input laws, teacher networks, explained variance, students."""

import math

import numpy as np
import pytest
import torch

import inal_tutorial as it
from inal_tutorial.teachers import (
    INPUT_DISTRIBUTIONS,
    TeacherNetwork,
    explained_variance,
    fit_student,
    linear_fit_explained_variance,
    sample_teacher_inputs,
    teacher_student_experiment,
)

# ---------------------------------------------------------------------------
# Input laws
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("distribution", INPUT_DISTRIBUTIONS)
def test_input_laws_are_isotropic(distribution):
    # E[x] = 0 and E[x x^T] = I for all three laws; with 40 000 samples the entries of the
    # empirical covariance are within ~4 standard errors (sd <= sqrt(n/K) / sqrt(N) ~ 0.013).
    n = 8
    x = sample_teacher_inputs(n, 40_000, distribution, sparsity=2, seed=1, dtype=torch.float64)
    assert x.shape == (40_000, n)
    cov = x.T @ x / x.shape[0]
    assert torch.allclose(cov, torch.eye(n, dtype=torch.float64), atol=0.06)
    assert float(x.mean(0).abs().max()) < 0.04


def test_sparse_inputs_have_exactly_k_nonzero_signed_entries():
    n, k = 11, 3
    x = sample_teacher_inputs(n, 500, "sparse", sparsity=k, seed=3, dtype=torch.float64)
    nonzero = x != 0
    assert bool((nonzero.sum(1) == k).all())
    assert torch.allclose(x[nonzero].abs(), torch.full((500 * k,), math.sqrt(n / k),
                                                       dtype=torch.float64))
    # Both signs and every coordinate occur.
    assert bool((x > 0).any()) and bool((x < 0).any())
    assert bool(nonzero.any(0).all())


def test_sparse_law_with_k_equal_n_is_the_hypercube():
    x = sample_teacher_inputs(6, 200, "sparse", sparsity=6, seed=0, dtype=torch.float64)
    assert bool((x.abs() == 1).all())


def test_hypercube_inputs_and_seeds():
    a = sample_teacher_inputs(5, 50, "hypercube", seed=7)
    b = sample_teacher_inputs(5, 50, "hypercube", seed=7)
    c = sample_teacher_inputs(5, 50, "hypercube", seed=8)
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert bool((a.abs() == 1).all())
    assert a.dtype == torch.float32


@pytest.mark.parametrize("kwargs, error", [
    (dict(n=0, count=5), ValueError),
    (dict(n=4, count=0), ValueError),
    (dict(n=4, count=5, distribution="laplace"), ValueError),
    (dict(n=4, count=5, distribution=3), TypeError),
    (dict(n=4, count=5, distribution="sparse", sparsity=5), ValueError),
    (dict(n=4, count=5, distribution="sparse", sparsity=0), ValueError),
    (dict(n=4, count=5, sparsity=1.5), TypeError),
    (dict(n=4.0, count=5), TypeError),
])
def test_sample_teacher_inputs_rejects_bad_arguments(kwargs, error):
    with pytest.raises(error):
        sample_teacher_inputs(**kwargs)


# ---------------------------------------------------------------------------
# Teachers
# ---------------------------------------------------------------------------


def test_teacher_matches_its_formula():
    teacher = TeacherNetwork(6, 5, n_teachers=3, law="uniform", bias_std=0.7, seed=2)
    x = sample_teacher_inputs(6, 40, "gaussian", seed=0, dtype=torch.float64)
    net = teacher.network
    w, b, a = net.weights[0], net.biases[0], net.weights[1]
    expected = torch.einsum("mj,mnj->mn", a[:, 0, :], torch.relu(
        torch.einsum("mji,ni->mnj", w, x) + b[:, None, :]))
    assert torch.allclose(teacher(x), expected, atol=1e-12)
    assert teacher(x).shape == (3, 40)


@pytest.mark.parametrize("law", ["gaussian", "uniform"])
def test_teacher_weight_laws(law):
    # Variance 1/n for first-layer weights; the uniform law is bounded by sqrt(3/n).
    n, width = 25, 400
    teacher = TeacherNetwork(n, width, law=law, seed=0)
    w = teacher.network.weights[0].detach()
    assert abs(float(w.var()) * n - 1) < 0.05
    if law == "uniform":
        assert float(w.abs().max()) <= math.sqrt(3 / n) + 1e-12
    else:
        assert float(w.abs().max()) > math.sqrt(3 / n)   # Gaussian tails exceed that bound


def test_teacher_has_no_bias_when_bias_std_is_zero_and_is_frozen():
    teacher = TeacherNetwork(4, 3, bias_std=0.0, seed=0)
    assert teacher.network.biases[0] is None
    assert not any(p.requires_grad for p in teacher.network.parameters())
    x = sample_teacher_inputs(4, 10, "gaussian", seed=1, dtype=torch.float64)
    # Without bias a ReLU network is positively homogeneous: f(2x) = 2 f(x).
    assert torch.allclose(teacher(2 * x), 2 * teacher(x), atol=1e-12)


def test_teacher_as_target_agrees_on_the_cube():
    teacher = TeacherNetwork(5, 7, n_teachers=2, seed=4)
    x = it.all_inputs(5, dtype=torch.float64)
    target = teacher.as_target(1)
    assert not target.is_boolean
    assert torch.allclose(target(x), teacher(x)[1], atol=1e-12)
    # Fourier tools apply; Parseval: sum_k W^k = E[f^2].
    table = it.truth_table(target)
    assert float(it.degree_profile(table).sum()) == pytest.approx(float(table.square().mean()))


def test_hypercube_degree_profile_matches_the_truth_tables():
    teacher = TeacherNetwork(6, 5, n_teachers=3, law="uniform", seed=8)
    profile = teacher.hypercube_degree_profile()
    assert profile.shape == (3, 7) and profile.dtype == torch.float64
    for t in range(3):
        table = it.truth_table(teacher.as_target(t))
        assert torch.allclose(profile[t], it.degree_profile(table), atol=1e-12)
        assert float(profile[t, 0]) == pytest.approx(float(table.mean()) ** 2)
    # A teacher with the linear activation and no bias is a linear form: all weight at degree 1.
    linear = TeacherNetwork(6, 4, activation="linear", bias_std=0.0, seed=0)
    weights = linear.hypercube_degree_profile()[0]
    assert float(weights[1]) == pytest.approx(float(weights.sum()))
    with pytest.raises(ValueError, match="at most 20"):
        TeacherNetwork(21, 2).hypercube_degree_profile()


def test_teacher_dataset_is_labelled_by_the_teacher_and_reproducible():
    teacher = TeacherNetwork(7, 6, n_teachers=2, seed=1)
    data = teacher.dataset("sparse", 30, 20, index=1, sparsity=2, seed=5)
    again = teacher.dataset("sparse", 30, 20, index=1, sparsity=2, seed=5)
    assert data.X_train.shape == (30, 7) and data.X_test.shape == (20, 7)
    assert torch.equal(data.X_train, again.X_train)
    assert torch.allclose(data.y_train.double(), teacher(data.X_train.double())[1], atol=1e-5)
    assert not torch.equal(data.X_train[:20], data.X_test)


@pytest.mark.parametrize("kwargs, error", [
    (dict(n=5, law="cauchy"), ValueError),
    (dict(n=5, law=None), TypeError),
    (dict(n=5, width=0), ValueError),
    (dict(n=5, activation="swish"), ValueError),
    (dict(n=5, bias_std=-1.0), ValueError),
    (dict(n=5, bias_std=float("nan")), ValueError),
    (dict(n=0), ValueError),
    (dict(n=5, n_teachers=0), ValueError),
])
def test_teacher_rejects_bad_arguments(kwargs, error):
    with pytest.raises(error):
        TeacherNetwork(**kwargs)


def test_teacher_methods_reject_bad_arguments():
    teacher = TeacherNetwork(4, 3, n_teachers=2)
    with pytest.raises(ValueError):
        teacher.as_target(2)
    with pytest.raises(ValueError):
        teacher.dataset("gaussian", 10, index=-1)
    with pytest.raises(ValueError):
        teacher.dataset("uniform_ball", 10)
    with pytest.raises(ValueError):
        teacher.dataset("gaussian", 0)
    with pytest.raises(ValueError):
        teacher(torch.zeros(3, 5))


# ---------------------------------------------------------------------------
# Explained variance and the affine baseline
# ---------------------------------------------------------------------------


def test_explained_variance_reference_values():
    y = torch.tensor([1.0, -1.0, 2.0, 0.0])
    assert explained_variance(y, y) == pytest.approx(1.0)
    assert explained_variance(torch.full((4,), float(y.mean())), y) == pytest.approx(0.0)
    # Predicting -y: mean((-2y)^2)... = 1 - E[(2y)^2]/Var(y) with E[y] = 0.5, Var(y) = 1.25.
    expected = 1 - float((2 * y).square().mean()) / 1.25
    assert explained_variance(-y, y) == pytest.approx(expected)
    # Batched over models.
    out = explained_variance(torch.stack([y, -y]), y)
    assert out.shape == (2,) and out[0] == pytest.approx(1.0)


def test_explained_variance_rejects_bad_input():
    with pytest.raises(ValueError, match="constant"):
        explained_variance([1.0, 2.0], [3.0, 3.0])
    with pytest.raises(ValueError, match="shape"):
        explained_variance([1.0, 2.0, 3.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="NaN"):
        explained_variance([float("nan"), 1.0], [0.0, 1.0])
    with pytest.raises(TypeError):
        explained_variance("abc", [0.0, 1.0])


def test_linear_baseline_is_exact_for_an_affine_teacher():
    # A "linear" activation makes the teacher affine, so the least-squares fit is perfect.
    teacher = TeacherNetwork(6, 4, activation="linear", seed=0)
    data = teacher.dataset("gaussian", 200, 100, seed=0, dtype=torch.float64)
    assert linear_fit_explained_variance(data) == pytest.approx(1.0, abs=1e-9)
    with pytest.raises(TypeError):
        linear_fit_explained_variance((data.X_train, data.y_train))


def test_relu_teacher_is_not_affine_under_gaussian_inputs():
    # For a ReLU teacher the affine fit explains a fraction of the variance strictly below 1
    # (its population value for one neuron without bias is (1/4)/(1/2 - 1/(2 pi)) ~ 0.733).
    teacher = TeacherNetwork(10, 1, bias_std=0.0, seed=0)
    data = teacher.dataset("gaussian", 20_000, 20_000, seed=1, dtype=torch.float64)
    linear = linear_fit_explained_variance(data)
    assert linear == pytest.approx(0.25 / (0.5 - 0.5 / math.pi), abs=0.02)


# ---------------------------------------------------------------------------
# Students
# ---------------------------------------------------------------------------


def test_student_fits_a_small_teacher():
    teacher = TeacherNetwork(8, 4, seed=0)
    data = teacher.dataset("hypercube", 2000, 500, seed=0)
    result = fit_student(data, width=32, n_students=2, steps=800, lr=0.02, seed=0)
    assert result.test_r2.shape == (2,)
    # The student beats the affine fit, and its test R^2 is high.
    assert result.mean_test_r2 > result.linear_r2 + 0.02
    assert result.mean_test_r2 > 0.85
    again = fit_student(data, width=32, n_students=2, steps=800, lr=0.02, seed=0)
    assert np.array_equal(result.test_r2, again.test_r2)


def test_fit_student_rejects_bad_input():
    teacher = TeacherNetwork(4, 3, seed=0)
    data = teacher.dataset("gaussian", 100, 10)
    with pytest.raises(TypeError):
        fit_student((data.X_train, data.y_train))
    constant = it.ArrayDataset(torch.randn(100, 4), torch.ones(100))
    with pytest.raises(ValueError, match="constant"):
        fit_student(constant, steps=1)
    with pytest.raises(ValueError, match="diverged"):
        fit_student(data, width=16, n_students=2, steps=50, lr=5.0)
    images = it.ArrayDataset(torch.randn(100, 2, 2), torch.randn(100))
    with pytest.raises(ValueError, match="vectors"):
        fit_student(images, steps=1)


def test_teacher_student_experiment_records():
    records = teacher_student_experiment(6, teacher_width=3, laws=("uniform",),
                                         distributions=("hypercube", "sparse"),
                                         train_sizes=(32, 48), n_test=64, n_teachers=3,
                                         student_width=8, steps=20, batch_size=16,
                                         progress=False)
    assert [(r["distribution"], r["n_train"]) for r in records] == [
        ("hypercube", 32), ("hypercube", 48), ("sparse", 32), ("sparse", 48)]
    assert all(r["law"] == "uniform" for r in records)
    for r in records:
        assert r["test_r2"].shape == r["train_r2"].shape == r["linear_r2"].shape == (3,)
        assert np.all(np.isfinite(r["test_r2"]))
        assert 2 <= r["n_unseen"] <= r["n_test"] == 64
    # On 2^6 = 64 cube points, some test inputs repeat training inputs and are not scored.
    assert records[1]["n_unseen"] < 64


@pytest.mark.parametrize("kwargs", [
    dict(laws=("laplace",)),
    dict(distributions=("ball",)),
    dict(train_sizes=(10,)),       # smaller than the batch size
    dict(train_sizes=()),
    dict(n_teachers=1),
    dict(students_per_teacher=0),
    dict(n_test=1),
    dict(seed=-1),
])
def test_teacher_student_experiment_rejects_bad_arguments(kwargs):
    with pytest.raises((ValueError, TypeError)):
        teacher_student_experiment(6, progress=False, **kwargs)


# ---------------------------------------------------------------------------
# Figures and exercise checkers of the chapter
# ---------------------------------------------------------------------------


def test_teacher_spectra_and_figures():
    import matplotlib

    matplotlib.use("Agg")
    from inal_tutorial.figures import natural_weights as figures

    spectra = figures.teacher_spectra(5, 4, 3, "uniform", seed=0)
    assert spectra.shape == (3, 5) and np.all(spectra >= 0)
    tables = TeacherNetwork(5, 4, 3, law="uniform", seed=0)(it.all_inputs(5, torch.float64))
    assert np.allclose(spectra.sum(axis=1), tables.var(dim=1, unbiased=False).numpy())
    neuron = figures.neuron_spectrum(5, "uniform", n_neurons=200, seed=1)
    assert neuron.shape == (5,) and np.all(neuron >= 0)
    fig = figures.plot_teacher_spectrum({"uniform": spectra}, {"uniform": neuron})
    assert fig.axes[0].get_yscale() == "log"
    rng = np.random.default_rng(0)
    records = [{"law": law, "distribution": d, "n_train": size, "n_unseen": 90, "n_test": 100,
                "test_r2": 0.9 + 0.01 * rng.standard_normal(4),
                "train_r2": np.full(4, 0.95), "linear_r2": np.full(4, 0.8)}
               for law in ("gaussian", "uniform") for d in INPUT_DISTRIBUTIONS
               for size in (100, 400)]
    fig = figures.plot_student_fits(records)
    assert len(fig.axes) == 2
    names = it.plotting.figure_names()
    assert {"natural-weights-students", "natural-weights-teacher-spectrum"} <= set(names)
    matplotlib.pyplot.close("all")


def test_natural_weights_checkers():
    from inal_tutorial.exercises import natural_weights as check

    assert check.check_sparse_moments(20, 3, 1.0, 20 / 3)
    no_scale = check.check_sparse_moments(20, 3, 3 / 20, 20 / 3)
    assert not no_scale and "sqrt(n/K)" in no_scale.message
    assert not check.check_sparse_moments(20, 3, 1.0, 3.0)
    with pytest.raises(ValueError):
        check.check_sparse_moments(3, 4, 1.0, 1.0)

    exact = 0.25 / (0.5 - 0.5 / math.pi)
    assert check.check_relu_linear_fraction(exact)
    raw = check.check_relu_linear_fraction(0.5)
    assert not raw and "squared mean" in raw.message
    assert not check.check_relu_linear_fraction(1 - exact)

    assert check.check_sparse_support_size(20, 3, 9120)
    no_signs = check.check_sparse_support_size(20, 3, 1140)
    assert not no_signs and "signs" in no_signs.message
    assert not check.check_sparse_support_size(20, 3, 9120.5)

    size = 9120
    covered = 1 - (1 - 1 / size) ** 4000
    assert check.check_sparse_coverage(20, 3, 4000, covered)
    unseen = check.check_sparse_coverage(20, 3, 4000, 1 - covered)
    assert not unseen and "never drawn" in unseen.message
    assert not check.check_sparse_coverage(20, 3, 4000, 4000 / size)
    with pytest.raises(ValueError):
        check.check_sparse_coverage(20, 3, -1, 0.5)


def test_expected_teacher_spectrum_is_the_neuron_spectrum():
    # Output weights are independent with mean 0, so E[W^k(teacher)] = C(n,k) A_k(n): the
    # mean over many teachers matches the first-layer profile of one neuron (both Monte Carlo).
    from inal_tutorial.figures import natural_weights as figures

    for law in ("gaussian", "uniform"):
        teachers = figures.teacher_spectra(6, 8, 400, law, seed=2).mean(axis=0)
        neuron = figures.neuron_spectrum(6, law, n_neurons=4000, seed=3)
        assert np.allclose(teachers[:2], neuron[:2], rtol=0.1), law


@pytest.mark.parametrize("distribution", INPUT_DISTRIBUTIONS)
def test_preactivation_kurtosis_matches_monte_carlo(distribution):
    w = torch.randn(4, 10, generator=it.make_generator(5), dtype=torch.float64)
    exact = it.preactivation_kurtosis(w, distribution, sparsity=2)
    x = it.sample_teacher_inputs(10, 400_000, distribution, sparsity=2, seed=6,
                                 dtype=torch.float64)
    z = x @ w.T
    measured = (z.pow(4).mean(0) / z.square().mean(0).square()).numpy()
    assert np.allclose(measured, exact, atol=0.05), (measured, exact)


def test_preactivation_kurtosis_reference_values_and_errors():
    # One non-zero weight: r = 1; hypercube 3 - 2 = 1; sparse n/K (the coordinate's own).
    w = torch.zeros(1, 6, dtype=torch.float64)
    w[0, 2] = 1.5
    assert np.allclose(it.preactivation_kurtosis(w, "hypercube"), 1.0)
    assert np.allclose(it.preactivation_kurtosis(w, "sparse", sparsity=2), 3.0)
    assert np.allclose(it.preactivation_kurtosis(w, "gaussian"), 3.0)
    # K = n: the sparse law is the hypercube.
    v = torch.randn(3, 5, generator=it.make_generator(0), dtype=torch.float64)
    assert np.allclose(it.preactivation_kurtosis(v, "sparse", sparsity=5),
                       it.preactivation_kurtosis(v, "hypercube"))
    with pytest.raises(ValueError):
        it.preactivation_kurtosis(torch.zeros(2, 3), "hypercube")
    with pytest.raises(ValueError):
        it.preactivation_kurtosis(v, "sparse", sparsity=6)
    with pytest.raises(ValueError):
        it.preactivation_kurtosis(v, "cauchy")


def test_hypercube_degree_one_share_matches_the_exact_profile():
    teachers = TeacherNetwork(8, 6, 3, law="uniform", seed=4)
    profile = teachers.hypercube_degree_profile().numpy()
    exact = profile[:, 1] / profile[:, 1:].sum(axis=1)
    estimate = teachers.hypercube_degree_one_share(200_000, seed=1)
    assert estimate.shape == (3,)
    assert np.allclose(estimate, exact, atol=0.02), (estimate, exact)
    with pytest.raises(ValueError):
        teachers.hypercube_degree_one_share(1)


def test_spectrum_figure_with_error_bars_and_affine_ceiling():
    import matplotlib

    matplotlib.use("Agg")
    from inal_tutorial.figures import natural_weights as figures

    spectra = figures.teacher_spectra(5, 4, 3, "gaussian", seed=0)
    values, stderr = figures.neuron_spectrum(5, "gaussian", n_neurons=200, seed=1,
                                             with_stderr=True)
    assert values.shape == stderr.shape == (5,) and np.all(stderr > 0)
    assert np.allclose(values, figures.neuron_spectrum(5, "gaussian", n_neurons=200, seed=1))
    fig = figures.plot_teacher_spectrum({"gaussian": spectra}, {"gaussian": values},
                                        {"gaussian": stderr})
    labels = fig.axes[0].get_legend_handles_labels()[1]
    assert "range over teachers" in labels
    records = [{"law": "gaussian", "distribution": "hypercube", "n_train": size,
                "n_unseen": 90, "n_test": 100, "test_r2": np.full(3, 0.9),
                "train_r2": np.full(3, 0.95), "linear_r2": np.full(3, 0.8)}
               for size in (100, 400)]
    fig = figures.plot_student_fits(records, affine_ceiling={"gaussian": 0.81})
    ys = [line.get_ydata()[0] for line in fig.axes[0].get_lines() if line.get_linestyle() == ":"]
    assert ys == [0.81]
    matplotlib.pyplot.close("all")
