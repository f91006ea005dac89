"""Bad input at the public API of cli, data, teachers, convnets, experiments, widgets and
plotting: every case raises ValueError/TypeError naming the argument, before any large
allocation; the CLI turns such errors into one ``error:`` line and exit status 2."""

from __future__ import annotations

import functools
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

import inal_tutorial as it
from inal_tutorial import cli, plotting, widgets
from inal_tutorial._validation import MAX_SEED, DivergenceError
from inal_tutorial.convnets import CNNEnsemble
from inal_tutorial.data import (
    data_correlations,
    estimate_inal_many,
    estimate_inal_on_data,
    load_digits_task,
    permute_first_layer,
    random_pixel_permutation,
)
from inal_tutorial.digits_experiments import digits_experiment, mlp_permutation_check
from inal_tutorial.experiments import headline_targets, inal_vs_accuracy
from inal_tutorial.intervals import t_interval
from inal_tutorial.networks import MLPEnsemble
from inal_tutorial.teachers import (
    TeacherNetwork,
    explained_variance,
    fit_student,
    sample_teacher_inputs,
    teacher_student_experiment,
)
from inal_tutorial.training import ArrayDataset

TOO_BIG = r"too large: .* would need .* more than the limit"


@functools.cache
def _task():
    return load_digits_task(dtype=torch.float64)


@functools.cache
def _net5():
    return MLPEnsemble(5, (4,), n_models=2, seed=0, dtype=torch.float64)


@functools.cache
def _teacher():
    return TeacherNetwork(5, 3, n_teachers=2)


@functools.cache
def _cnn():
    return CNNEnsemble(n_models=2, channels=(2,), hidden=())


@functools.cache
def _student_data():
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(40, 3, generator=gen, dtype=torch.float64)
    y = x[:, 0] + 0.1 * torch.randn(40, generator=gen, dtype=torch.float64)
    return ArrayDataset(x[:30], y[:30], x[30:], y[30:])


class _HugeEnsemble(torch.nn.Module):
    """A duck-typed ensemble that claims 10^6 models of width 10^6: a pass over it would
    need terabytes, so the size guard must refuse it before any forward pass."""

    n_models = 10**6
    n_inputs = 5
    widths = (10**6, 1)

    def __init__(self):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.zeros(1))

    def neuron_outputs(self, x):  # pragma: no cover - must never run
        raise AssertionError("the size guard let a huge pass through")


X5 = torch.randn(10, 5, dtype=torch.float64)
Y10 = torch.sign(torch.randn(10, dtype=torch.float64))
TINY = dict(n_seeds=2, n_init=2, steps=2, batch_size=4, n_evals=1, progress=False)
FIGURE = plotting.figure_names()[0]

# (id, call, exception type, regex naming the argument, needs the memory_limit fixture)
LIBRARY_CASES = [
    # --- data ---------------------------------------------------------------------------
    ("load_digits_task-dtype-string", lambda: load_digits_task(dtype="float32"), TypeError,
     r"dtype must be a torch dtype", False),
    ("load_digits_task-dtype-float16", lambda: load_digits_task(dtype=torch.float16),
     ValueError, r"dtype must be one of torch.float32, torch.float64, got torch.float16", False),
    ("load_digits_task-seed-negative", lambda: load_digits_task(seed=-1), ValueError,
     r"seed must be an integer in \[0, 4611686018427387904\], got -1", False),
    ("load_digits_task-seed-above-range", lambda: load_digits_task(seed=MAX_SEED + 1),
     ValueError, r"seed must be an integer in \[0, ", False),
    ("load_digits_task-seed-float", lambda: load_digits_task(seed=1.5), TypeError,
     r"seed must be an int or a torch.Generator, got float", False),
    ("load_digits_task-test_fraction-nan", lambda: load_digits_task(test_fraction=float("nan")),
     ValueError, r"test_fraction must be finite", False),
    ("random_pixel_permutation-size-float", lambda: random_pixel_permutation(64.0), TypeError,
     r"size must be an integer, got float", False),
    ("random_pixel_permutation-size-huge", lambda: random_pixel_permutation(10**8), ValueError,
     r"size must be an integer in \[1, 10000000\]", False),
    ("random_pixel_permutation-seed", lambda: random_pixel_permutation(64, seed=-3), ValueError,
     r"seed must be an integer in \[0, ", False),
    ("DigitsTask.permuted-seed", lambda: _task().permuted(seed="1"), TypeError,
     r"seed must be an int", False),
    ("DigitsTask.permuted-string", lambda: _task().permuted("abc"), TypeError,
     r"permutation must be a sequence", False),
    ("DigitsTask.to-dtype", lambda: _task().to(torch.int32), ValueError,
     r"dtype must be one of", False),
    ("DigitsTask.to-device", lambda: _task().to(device="mps"), ValueError,
     r"device must be 'cpu' or 'cuda\[:index\]', got 'mps'", False),
    ("estimate_inal_on_data-empty", lambda: estimate_inal_on_data(
        torch.zeros(0, 5), torch.zeros(0), _net5()), ValueError,
     r"x must hold at least one data point \(N >= 1\), got shape \(0, 5\)", False),
    ("estimate_inal_on_data-complex-x", lambda: estimate_inal_on_data(
        X5.to(torch.complex128), Y10, _net5()), TypeError, r"x must be real, got a complex", False),
    ("estimate_inal_on_data-complex-y-numpy", lambda: estimate_inal_on_data(
        X5, Y10.numpy() + 1j, _net5()), TypeError, r"y must be real, got complex", False),
    ("estimate_inal_on_data-y-wrong-length", lambda: estimate_inal_on_data(
        X5, Y10[:9], _net5()), ValueError, r"y must have shape \(N,\) = \(10,\) to match x, "
     r"got \(9,\)", False),
    ("estimate_inal_on_data-y-wrong-ndim", lambda: estimate_inal_on_data(
        X5, Y10[:, None], _net5()), ValueError, r"y must have shape \(N,\)", False),
    ("estimate_inal_on_data-nan-x", lambda: estimate_inal_on_data(
        torch.where(X5 > 1, float("nan"), X5), Y10, _net5()), ValueError,
     r"x contains NaN or infinite entries", False),
    ("estimate_inal_on_data-inf-y", lambda: estimate_inal_on_data(
        X5, Y10 * float("inf"), _net5()), ValueError, r"y contains NaN or infinite", False),
    ("estimate_inal_on_data-one-model", lambda: estimate_inal_on_data(
        X5, Y10, MLPEnsemble(5, (4,), n_models=1)), ValueError,
     r"n_models must be at least 2 .*got 1", False),
    ("estimate_inal_on_data-unbiased-one-point", lambda: estimate_inal_on_data(
        X5[:1], Y10[:1], _net5(), estimator="unbiased"), ValueError,
     r"x must hold at least 2 data points for the unbiased estimator, got 1", False),
    ("estimate_inal_many-labels-rows", lambda: estimate_inal_many(
        X5, torch.ones(9, 2), _net5()), ValueError,
     r"labels must have shape \(N, T\) = \(10, T\) to match x, got \(9, 2\)", False),
    ("estimate_inal_many-x-columns", lambda: estimate_inal_many(
        torch.zeros(10, 6), torch.ones(10, 2), _net5()), ValueError,
     r"x must have 5 columns \(the network's n_inputs\), got 6", False),
    ("data_correlations-chunk_size-float", lambda: data_correlations(
        X5, torch.ones(10, 1), _net5(), chunk_size=2.0), TypeError,
     r"chunk_size must be an integer, got float", False),
    ("data_correlations-product-of-sizes", lambda: data_correlations(
        X5, torch.ones(10, 1), _HugeEnsemble()), ValueError,
     r"n_models, chunk_size rows, layer width " + TOO_BIG, True),
    ("permute_first_layer-string", lambda: permute_first_layer(_net5(), "01234"), TypeError,
     r"permutation must be a sequence", False),
    # --- teachers ----------------------------------------------------------------------
    ("sample_teacher_inputs-product", lambda: sample_teacher_inputs(4096, 10**8), ValueError,
     r"count, n " + TOO_BIG, True),
    ("sample_teacher_inputs-dtype-int", lambda: sample_teacher_inputs(4, 10, dtype=torch.int64),
     ValueError, r"dtype must be one of", False),
    ("sample_teacher_inputs-dtype-string", lambda: sample_teacher_inputs(4, 10, dtype="float64"),
     TypeError, r"dtype must be a torch dtype", False),
    ("sample_teacher_inputs-seed-2**63", lambda: sample_teacher_inputs(4, 10, seed=2**63),
     ValueError, r"seed must be an integer in \[0, 4611686018427387904\]", False),
    ("sample_teacher_inputs-count-float", lambda: sample_teacher_inputs(4, 10.0), TypeError,
     r"count must be an integer, got float", False),
    ("TeacherNetwork-product", lambda: TeacherNetwork(4096, 100_000, n_teachers=10**6),
     ValueError, r"n_teachers, width, n " + TOO_BIG, True),
    ("TeacherNetwork-n_teachers-zero", lambda: TeacherNetwork(5, n_teachers=0), ValueError,
     r"n_teachers must be an integer in \[1, ", False),
    ("TeacherNetwork-n_teachers-float", lambda: TeacherNetwork(5, n_teachers=2.0), TypeError,
     r"n_teachers must be an integer, got float", False),
    ("TeacherNetwork-width-float", lambda: TeacherNetwork(5, width=3.7), TypeError,
     r"width must be an integer, got float", False),
    ("TeacherNetwork-dtype", lambda: TeacherNetwork(5, dtype=torch.float16), ValueError,
     r"dtype must be one of", False),
    ("TeacherNetwork-seed", lambda: TeacherNetwork(5, seed=-1), ValueError,
     r"seed must be an integer in \[0, ", False),
    ("TeacherNetwork.__call__-complex", lambda: _teacher()(torch.zeros(3, 5,
                                                                      dtype=torch.complex64)),
     TypeError, r"x must be real", False),
    ("TeacherNetwork.__call__-nan", lambda: _teacher()(torch.full((3, 5), float("nan"))),
     ValueError, r"x contains NaN or infinite entries", False),
    ("TeacherNetwork.dataset-product", lambda: _teacher().dataset("gaussian", 5 * 10**7, 10**7),
     ValueError, r"n_train \+ n_test, n " + TOO_BIG, True),
    ("TeacherNetwork.dataset-total", lambda: _teacher().dataset("gaussian", 10**8, 1),
     ValueError, r"n_train \+ n_test must be an integer in \[2, 100000000\]", False),
    ("TeacherNetwork.dataset-dtype", lambda: _teacher().dataset("gaussian", 10,
                                                                dtype=torch.int64),
     ValueError, r"dtype must be one of", False),
    ("explained_variance-one-label", lambda: explained_variance([1.0], [1.0]), ValueError,
     r"labels must hold at least 2 values, got 1", False),
    ("explained_variance-complex", lambda: explained_variance(np.ones(4) * 1j, [1, 2, 3, 4]),
     TypeError, r"predictions must be real", False),
    ("explained_variance-shape", lambda: explained_variance(np.ones(3), [1, 2, 3, 4]),
     ValueError, r"predictions must have shape \(\.\.\., 4\) to match labels, got \(3,\)", False),
    ("fit_student-n_students-zero", lambda: fit_student(_student_data(), n_students=0),
     ValueError, r"n_students must be an integer in \[1, ", False),
    ("fit_student-width-float", lambda: fit_student(_student_data(), width=2.5), TypeError,
     r"width must be an integer, got float", False),
    ("fit_student-lr-nan", lambda: fit_student(_student_data(), lr=float("nan")), ValueError,
     r"lr must be finite", False),
    ("fit_student-seed", lambda: fit_student(_student_data(), seed=MAX_SEED + 1), ValueError,
     r"seed must be an integer in \[0, ", False),
    ("fit_student-product", lambda: fit_student(_student_data(), n_students=10**7,
                                                width=10**6), ValueError,
     r"n_students, width, n " + TOO_BIG, True),
    ("fit_student-diverges", lambda: fit_student(_student_data(), lr=1e30, steps=20, batch_size=8,
                                                 n_students=2),
     DivergenceError, r"lr", False),
    ("teacher_student_experiment-laws-string", lambda: teacher_student_experiment(
        laws="gaussian", progress=False), TypeError, r"laws must be a sequence, got str", False),
    ("teacher_student_experiment-train_sizes-empty", lambda: teacher_student_experiment(
        train_sizes=[], progress=False), ValueError, r"train_sizes must not be empty", False),
    ("teacher_student_experiment-seed-generator", lambda: teacher_student_experiment(
        seed=torch.Generator(), progress=False), TypeError, r"seed must be an int, got", False),
    ("teacher_student_experiment-teacher_width-float", lambda: teacher_student_experiment(
        teacher_width=1.5, progress=False), TypeError, r"teacher_width must be an integer",
     False),
    ("teacher_student_experiment-product", lambda: teacher_student_experiment(
        4096, train_sizes=(10**7,), progress=False), ValueError,
     r"max\(train_sizes\) \+ n_test, n " + TOO_BIG, True),
    # --- convnets ------------------------------------------------------------------------
    ("CNNEnsemble-product", lambda: CNNEnsemble(n_models=10**7, channels=(100_000,)),
     ValueError, r"n_models, channels entry, C_in, kernel_size\^2 " + TOO_BIG, True),
    ("CNNEnsemble-fc-product", lambda: CNNEnsemble(n_models=10**5, channels=(64,),
                                                   hidden=(100_000,), pool=1),
     ValueError, r"n_models, width, fan-in " + TOO_BIG, True),
    ("CNNEnsemble-dtype", lambda: CNNEnsemble(dtype=torch.int32), ValueError,
     r"dtype must be one of", False),
    ("CNNEnsemble-device", lambda: CNNEnsemble(device="mps"), ValueError,
     r"device must be 'cpu' or 'cuda\[:index\]', got 'mps'", False),
    ("CNNEnsemble-seed", lambda: CNNEnsemble(seed=-1), ValueError,
     r"seed must be an integer in \[0, ", False),
    ("CNNEnsemble-n_models-float", lambda: CNNEnsemble(n_models=2.0), TypeError,
     r"n_models must be an integer, got float", False),
    ("CNNEnsemble-kernel_size-float", lambda: CNNEnsemble(kernel_size=3.0), TypeError,
     r"kernel_size must be an integer, got float", False),
    ("CNNEnsemble.forward-complex", lambda: _cnn()(torch.zeros(3, 64, dtype=torch.complex64)),
     TypeError, r"x must be real", False),
    ("CNNEnsemble.forward-nan", lambda: _cnn()(torch.full((3, 64), float("nan"))), ValueError,
     r"x contains NaN or infinite entries", False),
    ("CNNEnsemble.forward-product", lambda: CNNEnsemble(
        n_models=100, channels=(100,), hidden=(), pool=8)(torch.zeros(1, 64).expand(10**6, 64)),
     ValueError, r"N, n_models, channels, H x W " + TOO_BIG, True),
    # --- experiments ---------------------------------------------------------------------
    ("t_interval-nan", lambda: t_interval([1.0, float("nan")]), ValueError,
     r"values contains NaN or infinite entries", False),
    ("t_interval-complex", lambda: t_interval([1 + 2j, 3]), TypeError,
     r"values must be real", False),
    ("t_interval-strings", lambda: t_interval(["a", "b"]), TypeError,
     r"values must be a sequence of real numbers", False),
    ("headline_targets-seed", lambda: headline_targets(15, seed=-1), ValueError,
     r"seed must be an integer in \[0, ", False),
    ("inal_vs_accuracy-targets-empty", lambda: inal_vs_accuracy([], **TINY), ValueError,
     r"targets must be a non-empty sequence", False),
    ("inal_vs_accuracy-hidden-float", lambda: inal_vs_accuracy(
        [it.Parity(9, k=1)], hidden=(128.0,), **TINY), TypeError,
     r"hidden entry must be an integer, got float", False),
    ("inal_vs_accuracy-hidden-string", lambda: inal_vs_accuracy(
        [it.Parity(9, k=1)], hidden="128", **TINY), TypeError,
     r"hidden must be a sequence of positive integers", False),
    ("inal_vs_accuracy-seed", lambda: inal_vs_accuracy([it.Parity(9, k=1)], seed=-1, **TINY),
     ValueError, r"seed must be an integer in \[0, ", False),
    ("inal_vs_accuracy-product", lambda: inal_vs_accuracy(
        [it.Parity(9, k=1)], hidden=(1_000_000,), **dict(TINY, n_init=100_000)), ValueError,
     r"n_init, hidden\[0\], n " + TOO_BIG, True),
    ("digits_experiment-mlp_hidden-empty", lambda: digits_experiment(
        mlp_hidden=(), progress=False), ValueError, r"mlp_hidden must not be empty", False),
    ("digits_experiment-product", lambda: digits_experiment(
        _task(), n_seeds=100_000, n_init=100_000, mlp_hidden=(100_000,), progress=False),
     ValueError, r"max\(n_seeds, n_init\), hidden\[0\], n " + TOO_BIG, True),
    ("digits_experiment-cnn_channels", lambda: digits_experiment(
        cnn_channels=(200_000,), progress=False), ValueError,
     r"cnn_channels entry must be an integer in \[1, 100000\], got 200000", False),
    ("digits_experiment-permutation_seed", lambda: digits_experiment(
        _task(), permutation_seed=MAX_SEED + 1, progress=False), ValueError,
     r"permutation_seed must be an integer in \[0, ", False),
    ("digits_experiment-task", lambda: digits_experiment("digits", progress=False), TypeError,
     r"task must be a DigitsTask, got str", False),
    ("mlp_permutation_check-task", lambda: mlp_permutation_check("digits"), TypeError,
     r"task must be a DigitsTask, got str", False),
    ("mlp_permutation_check-dtype", lambda: mlp_permutation_check(_task(), dtype=torch.float16),
     ValueError, r"dtype must be one of", False),
    ("mlp_permutation_check-seed-float", lambda: mlp_permutation_check(_task(), seed=1.0),
     TypeError, r"seed must be an int", False),
    # --- widgets -------------------------------------------------------------------------
    ("make_explorer_target-seed", lambda: widgets.make_explorer_target("junta", 5, 2, seed=-1),
     ValueError, r"seed must be an integer in \[0, ", False),
    ("inal_explorer_data-seed", lambda: widgets.inal_explorer_data(seed=MAX_SEED + 1),
     ValueError, r"seed must be an integer in \[0, ", False),
    ("inal_explorer_data-n-float", lambda: widgets.inal_explorer_data(n=10.0), TypeError,
     r"n must be an integer, got float", False),
    ("fourier_explorer_data-seed-float", lambda: widgets.fourier_explorer_data(seed=1.5),
     TypeError, r"seed must be an int, got float", False),
    ("noisy_gd_explorer_data-seed", lambda: widgets.noisy_gd_explorer_data(seed=-1),
     ValueError, r"seed must be an integer in \[0, ", False),
    ("noisy_gd_explorer_data-noise-nan", lambda: widgets.noisy_gd_explorer_data(
        noise_std=float("nan")), ValueError, r"noise_std must be finite", False),
    ("noisy_gd_comparison-string", lambda: widgets.noisy_gd_comparison("parity"), TypeError,
     r"targets must be a sequence of \(target, k\) pairs", False),
    ("noisy_gd_comparison-empty", lambda: widgets.noisy_gd_comparison([]), ValueError,
     r"targets must not be empty", False),
    ("noisy_gd_comparison-not-pairs", lambda: widgets.noisy_gd_comparison([("parity",)]),
     TypeError, r"targets must be a sequence of \(target, k\) pairs", False),
    ("inal_explorer-n", lambda: widgets.inal_explorer(n=20), ValueError,
     r"n must be an integer in \[2, 12\], got 20", False),
    ("inal_explorer-width", lambda: widgets.inal_explorer(width=100), ValueError,
     r"width must be one of \[32, 64, 128, 256\], got 100", False),
    ("fourier_explorer-seed", lambda: widgets.fourier_explorer(seed=50), ValueError,
     r"seed must be an integer in \[0, 20\], got 50", False),
    ("noisy_gd_explorer-steps", lambda: widgets.noisy_gd_explorer(steps=5), ValueError,
     r"steps must be an integer in \[10, 600\], got 5", False),
    # --- plotting and the CLI's library function -----------------------------------------
    ("make_figure-seed", lambda: plotting.make_figure(FIGURE, seed=-1), ValueError,
     r"seed must be an integer in \[0, ", False),
    ("make_figure-seed-float", lambda: plotting.make_figure(FIGURE, seed=0.5), TypeError,
     r"seed must be an int, got float", False),
    ("make_figure-name", lambda: plotting.make_figure("no-such-figure"), ValueError,
     r"unknown figure name 'no-such-figure'", False),
    ("register_figure-name", lambda: plotting.register_figure(3, "c", "d"), TypeError,
     r"name must be a non-empty string, got 3", False),
    ("make_target-name", lambda: cli.make_target("xor", 5), ValueError,
     r"unknown target 'xor'", False),
    ("make_target-name-type", lambda: cli.make_target(3, 5), TypeError,
     r"target must be a string", False),
]


@pytest.mark.parametrize("call, error, pattern, bomb",
                         [case[1:] for case in LIBRARY_CASES],
                         ids=[case[0] for case in LIBRARY_CASES])
def test_library_refuses_bad_input(request, call, error, pattern, bomb):
    if bomb:  # a regressed size guard fails with MemoryError instead of swapping
        request.getfixturevalue("memory_limit")
    with pytest.raises(error, match=pattern):
        call()


def test_numpy_seeds_behave_as_python_ints():
    a = sample_teacher_inputs(4, 6, seed=np.int64(7), dtype=torch.float64)
    b = sample_teacher_inputs(4, 6, seed=7, dtype=torch.float64)
    assert torch.equal(a, b)
    assert torch.equal(random_pixel_permutation(64, np.uint32(3)), random_pixel_permutation(64, 3))
    assert torch.equal(CNNEnsemble(seed=np.int32(2)).conv_weights[0],
                       CNNEnsemble(seed=2).conv_weights[0])


def test_derived_seeds_stay_in_range_at_the_top():
    # seed + 1 / seed + 2 are wrapped into [0, MAX_SEED] instead of overflowing.
    result = widgets.noisy_gd_explorer_data(n=4, k=2, steps=10, width=4, n_models=1,
                                            seed=MAX_SEED)
    assert np.isfinite(result.inal)
    assert widgets.fourier_explorer_data("junta", n=4, k=2, seed=MAX_SEED).n == 4


def test_cnn_accepts_numpy_integer_widths():
    net = CNNEnsemble(channels=np.int64(3), hidden=(np.int64(4),), n_models=np.int64(2))
    assert net.channels == (3,) and net.hidden == (4,) and net.n_models == 2


# ---------------------------------------------------------------------------
# The CLI: one "error:" line, exit status 2, no traceback, no NaN
# ---------------------------------------------------------------------------

CLI_CASES = [
    ("estimate-width-times-n_init", ["estimate", "--hidden", "1000000", "--n-init", "10000000"],
     r"--n-init, --hidden\[0\], n too large", True),
    ("estimate-deep-layer-product", ["estimate", "--hidden", "8", "8", "100000",
                                     "--n-init", "10000"],
     r"--n-init, --hidden\[2\], --hidden\[1\] too large", True),
    ("train-seeds-times-width", ["train", "majority", "--seeds", "4096", "--hidden", "1000000",
                                 "--no-progress"], r"--seeds, --hidden\[0\], n too large", True),
    ("estimate-device-mps", ["estimate", "--device", "mps"],
     r"argument --device: device must be 'cpu' or 'cuda\[:index\]', got 'mps'", False),
    ("estimate-device-missing-cuda", ["estimate", "--device", "cuda:7"],
     r"argument --device: device 'cuda:7' is not available", False),
    ("train-device-mps", ["train", "majority", "--device", "mps"], r"argument --device", False),
    ("estimate-k-above-n", ["estimate", "--n", "6", "--k", "9"],
     r"k must be an integer in \[0, 6\], got 9", False),
    ("estimate-embed-below-n", ["estimate", "--n", "4", "--embed", "3"],
     r"--embed must be an integer in \[4, 4096\] \(at least --n = 4\), got 3", False),
    ("estimate-seed-above-range", ["estimate", "--seed", str(MAX_SEED + 1)],
     r"argument --seed: must be an integer in \[0, 4611686018427387904\]", False),
    ("estimate-seed-negative", ["estimate", "--seed", "-1"], r"argument --seed", False),
    ("estimate-n-float", ["estimate", "--n", "1.5"],
     r"argument --n: expected an integer, got '1.5'", False),
    ("estimate-bias-overflow-json", ["estimate", "--bias-std", "1e300", "--json"],
     r"--bias-std must be small enough for the biases to be finite in float32", False),
    ("estimate-outputs-overflow-text", ["estimate", "--bias-std", "1e30", "--activation",
                                        "quadratic", "--n", "6", "--hidden", "8", "--n-init",
                                        "2"],
     r"the estimate must be finite.*--bias-std", False),
    ("train-diverges", ["train", "majority", "--lr", "1e8", "--steps", "20", "--no-progress"],
     r"diverged.*lr", False),
    ("train-noisy-gd-diverges", ["train", "noisy-gd-parity", "--lr", "1e30", "--steps", "3",
                                 "--no-progress"], r"diverged.*lr", False),
    ("train-lr-beyond-float32", ["train", "noisy-gd-parity", "--lr", "1e300", "--steps", "3",
                                 "--no-progress"], r"lr must be at most 3.4e\+38", False),
    ("figure-seed", ["figure", "--list", "--seed", "-5"], r"argument --seed", False),
]


@pytest.mark.parametrize("argv, pattern, bomb", [case[1:] for case in CLI_CASES],
                         ids=[case[0] for case in CLI_CASES])
def test_cli_bad_input_is_one_error_line_and_exit_2(request, capsys, monkeypatch, argv, pattern,
                                                    bomb):
    import re

    monkeypatch.setenv("TQDM_DISABLE", "1")
    if bomb:
        request.getfixturevalue("memory_limit")
    try:
        status = cli.main(argv)
    except SystemExit as exit_:  # argparse's own errors
        status = exit_.code
    out, err = capsys.readouterr()
    assert status == 2, (out, err)
    lines = [line for line in err.splitlines() if "error:" in line]
    assert len(lines) == 1, err
    assert re.search(pattern, lines[0]), lines[0]
    assert "Traceback" not in err + out
    assert "nan" not in out.lower().split()  # never a NaN printed as a result
    assert "NaN" not in out


@pytest.mark.parametrize("argv, pattern", [
    (["estimate", "--hidden", "1000000", "--n-init", "10000000", "--json"], r"--n-init"),
    (["train", "majority", "--lr", "1e8", "--steps", "20", "--no-progress"], r"lr"),
], ids=["subprocess-memory-bomb", "subprocess-divergence"])
def test_cli_subprocess_exits_2_without_traceback(argv, pattern):
    import re

    env = dict(os.environ, TQDM_DISABLE="1", MPLBACKEND="Agg")
    run = subprocess.run([sys.executable, "-m", "inal_tutorial", *argv], env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr
    lines = run.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), run.stderr
    assert re.search(pattern, lines[0])
    assert "NaN" not in run.stdout


def test_cli_json_is_strict_and_finite(capsys):
    import json

    assert cli.main(["estimate", "--n", "5", "--hidden", "8", "--n-init", "2", "--json",
                     "--seed", str(MAX_SEED)]) == 0
    report = json.loads(capsys.readouterr().out, parse_constant=lambda c: pytest.fail(c))
    assert np.isfinite(report["inal"])


def test_cli_refuses_to_print_a_non_finite_report():
    with pytest.raises(ValueError, match="JSON report must hold finite numbers"):
        cli._dumps({"inal": float("nan")})
    with pytest.raises(ValueError, match="inal must be finite, got nan"):
        cli._check_finite({"inal": float("nan")}, hint="test")
    with pytest.raises(DivergenceError, match="correlation must be finite"):
        cli._check_finite({"correlation": float("inf")}, hint="lower --lr", divergence=True)
