"""The fast Walsh–Hadamard transform against brute force, symmetries and closed forms."""

import itertools
import math

import numpy as np
import pytest
import torch

import inal_tutorial as it


def brute_force_coefficients(table: torch.Tensor) -> torch.Tensor:
    """f̂(S) = 2^-n Σ_x f(x) χ_S(x) by the definition, with χ_S a product of coordinates."""
    n = table.shape[-1].bit_length() - 1
    x = it.all_inputs(n, dtype=torch.float64)
    out = torch.empty(2**n, dtype=torch.float64)
    for mask in range(2**n):
        chi = torch.ones(2**n, dtype=torch.float64)
        for j in range(n):
            if mask >> j & 1:
                chi = chi * x[:, j]
        out[mask] = (table * chi).mean()
    return out


@pytest.mark.parametrize("n", range(1, 11))
def test_fast_transform_matches_brute_force(n):
    gen = torch.Generator().manual_seed(n)
    table = torch.randn(2**n, generator=gen, dtype=torch.float64)
    assert torch.allclose(it.walsh_coefficients(table), brute_force_coefficients(table),
                          atol=1e-12, rtol=0)


def test_transform_is_its_own_inverse_up_to_2n_batched():
    gen = torch.Generator().manual_seed(0)
    values = torch.randn(3, 5, 2**9, generator=gen, dtype=torch.float64)
    twice = it.walsh_hadamard(it.walsh_hadamard(values))
    assert torch.allclose(twice, 2**9 * values, atol=1e-9, rtol=0)
    assert torch.allclose(it.inverse_walsh(it.walsh_coefficients(values)), values, atol=1e-12)


def test_transform_leaves_input_untouched_unless_inplace():
    values = torch.randn(2**6, dtype=torch.float64)
    copy = values.clone()
    it.walsh_hadamard(values)
    assert torch.equal(values, copy)
    out = it.walsh_hadamard(values, inplace=True)
    assert out.data_ptr() == values.data_ptr()


@pytest.mark.parametrize("n", [3, 8, 12])
def test_parseval_for_boolean_and_real_functions(n):
    table = it.truth_table(it.RandomFunction(n, seed=n))
    assert math.isclose(float(it.walsh_coefficients(table).square().sum()), 1.0, rel_tol=1e-12)
    gen = torch.Generator().manual_seed(1)
    real = torch.randn(2**n, generator=gen, dtype=torch.float64)
    assert math.isclose(float(it.degree_profile(real).sum()), float(real.square().mean()),
                        rel_tol=1e-12)


def test_parity_has_a_single_coefficient():
    n, support = 7, [0, 3, 6]
    coeffs = it.walsh_coefficients(it.truth_table(it.Parity(n, support)))
    mask = it.subset_to_mask(support, n)
    expected = torch.zeros(2**n, dtype=torch.float64)
    expected[mask] = 1.0
    assert torch.equal(coeffs, expected)
    profile = it.degree_profile(it.truth_table(it.Parity(n, support)))
    assert profile.tolist() == [0, 0, 0, 1, 0, 0, 0, 0]


@pytest.mark.parametrize("n", [1, 3, 5, 7, 9, 11, 13])
def test_majority_matches_closed_form(n):
    coeffs = it.walsh_coefficients(it.truth_table(it.Majority(n)))
    sizes = it.subset_sizes(n)
    for k in range(n + 1):
        expected = it.majority_coefficient(n, k)
        assert torch.allclose(coeffs[sizes == k], torch.tensor(expected, dtype=torch.float64),
                              atol=1e-12)
    assert np.allclose(it.degree_profile(it.truth_table(it.Majority(n))).numpy(),
                       it.majority_degree_profile(n), atol=1e-12)


def test_majority_first_level_weight_tends_to_two_over_pi():
    # W^1(Maj_n) = n·f̂({1})² decreases to 2/π.
    w1 = [it.majority_degree_profile(n)[1] for n in (3, 11, 101, 1001)]
    assert all(a > b for a, b in zip(w1, w1[1:], strict=False))
    assert abs(w1[-1] - 2 / math.pi) < 1e-3


def test_fourier_coefficient_single_subset():
    table = it.truth_table(it.Staircase(6, 3, boolean=False))
    full = it.walsh_coefficients(table)
    for subset in itertools.combinations(range(6), 2):
        mask = it.subset_to_mask(subset, 6)
        assert math.isclose(float(it.fourier_coefficient(table, subset)), float(full[mask]),
                            abs_tol=1e-14)


def test_float32_transform_is_close_to_float64():
    table = torch.randn(2**12, dtype=torch.float64)
    c32 = it.walsh_coefficients(table.float(), dtype=None)
    assert c32.dtype == torch.float32
    assert torch.allclose(c32.double(), it.walsh_coefficients(table), atol=1e-5)


@pytest.mark.parametrize("length", [0, 1, 3, 12, 1000])
def test_length_not_a_power_of_two(length):
    with pytest.raises(ValueError, match="values must have length 2\\^n"):
        it.walsh_coefficients(torch.ones(length))


def test_nan_and_bad_types_rejected():
    with pytest.raises(ValueError, match="NaN"):
        it.walsh_coefficients(torch.tensor([1.0, float("nan")]))
    with pytest.raises(TypeError, match="values must be"):
        it.walsh_coefficients("1100")
    with pytest.raises(ValueError, match="n must be odd"):
        it.majority_coefficient(4, 1)
    with pytest.raises(ValueError, match="k must be an integer in \\[0, 5\\]"):
        it.majority_coefficient(5, 6)
