"""Tests of the multi-teacher student experiment of the chapter *Natural weights*."""

import numpy as np
import pytest
import torch

import inal_tutorial as it
from inal_tutorial.teachers import (
    TeacherFits,
    TeacherNetwork,
    fit_student,
    fit_students_to_teachers,
    sample_teacher_inputs,
    teacher_interval,
    unseen_rows,
)


def test_unseen_rows_marks_exactly_the_new_rows():
    train = torch.tensor([[1.0, -1.0], [1.0, 1.0]])
    test = torch.tensor([[1.0, 1.0], [-1.0, 1.0], [1.0, -1.0], [-1.0, -1.0]])
    assert unseen_rows(train, test).tolist() == [False, True, False, True]
    # Sparse law: the unseen fraction follows (1 - 1/M)^N with M = C(n,K) 2^K distinct inputs.
    n, k, size = 8, 2, 300
    x = sample_teacher_inputs(n, size + 4000, "sparse", sparsity=k, seed=0,
                              dtype=torch.float64)
    fraction = unseen_rows(x[:size], x[size:]).mean()
    expected = (1 - 1 / (28 * 4)) ** size
    assert abs(fraction - expected) < 0.03
    with pytest.raises(ValueError, match="shapes"):
        unseen_rows(torch.zeros(3, 2), torch.zeros(3, 4))


def test_each_student_learns_its_own_teacher():
    # Teacher t's student must explain teacher t well and be scored against teacher t:
    # swapping the teachers' order swaps the scores (up to the students' own randomness).
    teachers = TeacherNetwork(6, 4, n_teachers=3, seed=1)
    x = sample_teacher_inputs(6, 1500, "gaussian", seed=2, dtype=torch.float64)
    fits = fit_students_to_teachers(teachers, x[:1000], x[1000:], students_per_teacher=2,
                                    width=32, steps=1500, lr=0.02, seed=0)
    assert isinstance(fits, TeacherFits)
    assert fits.test_r2.shape == fits.train_r2.shape == (3, 2)
    assert fits.linear_r2.shape == (3,) and fits.n_unseen == fits.n_test == 500
    assert fits.teacher_test_r2.min() > 0.85
    assert np.all(fits.teacher_test_r2 > fits.linear_r2)
    # The affine baseline agrees with the single-teacher reference function.
    for t in range(3):
        data = it.ArrayDataset(x[:1000], teachers(x[:1000])[t], x[1000:], teachers(x[1000:])[t])
        assert fits.linear_r2[t] == pytest.approx(it.linear_fit_explained_variance(data),
                                                  abs=1e-9)
    # A student scored against another teacher's labels does much worse.
    single = fit_student(it.ArrayDataset(x[:1000], teachers(x[:1000])[0], x[1000:],
                                         teachers(x[1000:])[1]), width=32, n_students=2,
                         steps=1500, seed=0)
    assert single.mean_test_r2 < fits.teacher_test_r2[1] - 0.3


def test_fit_students_to_teachers_is_reproducible_and_scores_unseen_inputs():
    teachers = TeacherNetwork(5, 3, n_teachers=2, law="uniform", seed=0)
    x = sample_teacher_inputs(5, 96, "hypercube", seed=1, dtype=torch.float64)
    a = fit_students_to_teachers(teachers, x[:64], x[64:], width=8, steps=30, batch_size=16,
                                 seed=4)
    b = fit_students_to_teachers(teachers, x[:64], x[64:], width=8, steps=30, batch_size=16,
                                 seed=4)
    assert np.array_equal(a.test_r2, b.test_r2)
    assert a.n_unseen == int(unseen_rows(x[:64], x[64:]).sum()) < 32   # 2^5 points repeat


def test_fit_students_to_teachers_rejects_bad_input():
    teachers = TeacherNetwork(4, 3, n_teachers=2, seed=0)
    x = sample_teacher_inputs(4, 80, "gaussian", seed=0, dtype=torch.float64)
    with pytest.raises(TypeError):
        fit_students_to_teachers(None, x[:60], x[60:])
    with pytest.raises(ValueError, match="shape"):
        fit_students_to_teachers(teachers, x[:60, :3], x[60:])
    with pytest.raises(ValueError, match="batch_size"):
        fit_students_to_teachers(teachers, x[:60], x[60:], batch_size=61)
    with pytest.raises(ValueError, match="at least 2 test inputs"):
        fit_students_to_teachers(teachers, x[:60], x[:60], steps=1, batch_size=8)
    with pytest.raises(ValueError, match="diverged"):
        fit_students_to_teachers(teachers, x[:60], x[60:], steps=50, lr=1e6, width=8,
                                 batch_size=8)
    with pytest.raises(ValueError):
        fit_students_to_teachers(teachers, x[:60], x[60:], students_per_teacher=0)


def test_teacher_interval():
    values = np.array([0.80, 0.85, 0.90, 0.95])
    mean, low, high = teacher_interval(values, seed=0)
    assert mean == pytest.approx(0.875)
    assert 0.80 <= low < mean < high <= 0.95
    # Equal values: a degenerate interval; wider level: a wider interval.
    assert teacher_interval(np.full(5, 0.7))[1:] == pytest.approx((0.7, 0.7))
    narrow = teacher_interval(values, level=0.5)
    assert narrow[1] >= low and narrow[2] <= high
    with pytest.raises(ValueError):
        teacher_interval([0.5])
    with pytest.raises(ValueError):
        teacher_interval(values, level=1.0)
