"""Tests of the exercise checkers of the chapter on noisy GD: right answers pass, typical
mistakes are named."""

import math

import numpy as np
import pytest
import torch

import inal_tutorial as it
from inal_tutorial.exercises import noisy_gd as ex


def test_parity_bound_value_and_cap():
    # n = 10, k = 3: CP = 1/120.
    quarter = 120**-0.25
    assert ex.parity_bound(10, 3, 100, 400, 0.01, 10.0) == pytest.approx(
        0.5 + 0.5 * quarter + quarter * 0.01 * math.sqrt(100 * 400) / 10.0)
    assert ex.parity_bound(10, 3, 10**6, 10**6, 1.0, 1.0) == 1.0
    with pytest.raises(ValueError, match="k"):
        ex.parity_bound(5, 6, 1, 1, 1.0, 1.0)
    with pytest.raises(ValueError, match="noise_std"):
        ex.parity_bound(5, 2, 1, 1, 1.0, 0.0)


def test_check_parity_bound_accepts_the_right_value_and_names_mistakes():
    args = (50, 3, 10_000, 51_000, 1e-3, 100.0)
    right = ex.parity_bound(*args)
    assert ex.check_parity_bound(*args, right)
    cp = 1 / math.comb(50, 3)
    root = math.sqrt(10_000 * 51_000) * 1e-3 / 100.0
    wrong_sqrt = 0.5 + 0.5 * cp**0.5 + cp**0.5 * root
    feedback = ex.check_parity_bound(*args, wrong_sqrt)
    assert not feedback and "CP^(1/4)" in feedback.message
    no_junk = 0.5 + cp**0.25 * root
    assert "junk" in ex.check_parity_bound(*args, no_junk).message
    assert not ex.check_parity_bound(*args, "0.6")


def test_check_step_kl():
    g0, gf, clip, sigma = [0.5, -2.0, 0.1], [0.2, 1.0, 0.1], 1.0, 0.5
    clipped = ((0.5 - 0.2) ** 2 + (-1.0 - 1.0) ** 2) / (2 * 0.25)
    unclipped = ((0.3) ** 2 + 3.0**2) / (2 * 0.25)
    assert ex.check_step_kl(g0, gf, clip, sigma, clipped, unclipped)
    swapped = ex.check_step_kl(g0, gf, clip, sigma, unclipped, unclipped)
    assert not swapped and "without clipping" in swapped.message
    half = ex.check_step_kl(g0, gf, clip, sigma, 2 * clipped, 2 * unclipped)
    assert not half and "1/2" in half.message
    assert clipped <= unclipped  # clipping can only shrink the KL


def test_check_extremal_function():
    n = 4
    maj = it.Majority(3)
    targets = [it.Transformed(it.Embedded(maj, n), signs=[1 - 2 * ((m >> j) & 1)
                                                          for j in range(n)])
               for m in range(2**n)]
    tables = it.class_tables(targets)
    gram = it.class_gram(tables)
    _, vecs = torch.linalg.eigh(gram)
    top = (vecs[:, -1] @ tables).numpy()
    assert ex.check_extremal_function(tables, top)
    assert ex.check_extremal_function(tables, 3.0 * top)  # scale does not matter
    low = (vecs[:, 0] @ tables).numpy() + 0.0 * top
    assert not ex.check_extremal_function(tables, low + 1e-3 * np.ones(2**n))
    assert "zero function" in ex.check_extremal_function(tables, np.zeros(2**n)).message
    assert "length" in ex.check_extremal_function(tables, np.ones(3)).message
