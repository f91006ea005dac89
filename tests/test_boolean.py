"""The hypercube, targets and truth tables against direct definitions."""

import itertools
import math

import pytest
import torch

import inal_tutorial as it


def test_all_inputs_follows_bit_convention():
    x = it.all_inputs(4)
    assert x.shape == (16, 4)
    for i in range(16):
        expected = [(-1) ** ((i >> j) & 1) for j in range(4)]
        assert x[i].tolist() == expected
    # Every point appears exactly once.
    assert len({tuple(r) for r in x.tolist()}) == 16


def test_input_chunks_cover_all_inputs():
    blocks = list(it.input_chunks(7, chunk_size=20))
    assert [s for s, _ in blocks] == list(range(0, 128, 20))
    assert torch.equal(torch.cat([b for _, b in blocks]), it.all_inputs(7))


def test_sample_inputs_is_seeded_and_uniform():
    a = it.sample_inputs(6, 20000, seed=3)
    b = it.sample_inputs(6, 20000, seed=3)
    assert torch.equal(a, b)
    assert set(a.unique().tolist()) == {-1.0, 1.0}
    # Mean of each coordinate within 5 standard errors of 0.
    assert float(a.mean(0).abs().max()) < 5 / math.sqrt(20000)
    assert not torch.equal(a, it.sample_inputs(6, 20000, seed=4))


def test_parity_matches_product():
    x = it.all_inputs(6, dtype=torch.float64)
    f = it.Parity(6, [1, 4, 5])
    assert torch.equal(f(x), x[:, 1] * x[:, 4] * x[:, 5])
    assert f.k == 3
    assert torch.equal(it.Parity(6, k=0)(x), torch.ones(64, dtype=torch.float64))


def test_majority_and_tie_breaking():
    x = it.all_inputs(5)
    maj = it.Majority(5)(x)
    assert torch.equal(maj, torch.sign(x.sum(1)))
    x4 = it.all_inputs(4)
    total = x4.sum(1)
    # Default: a tie takes the first bit's value, so the even majority is odd and balanced.
    even = it.Majority(4)(x4)
    assert torch.equal(even, torch.where(total == 0, x4[:, 0], torch.sign(total)))
    assert torch.equal(it.Majority(4)(-x4), -even)
    towards_plus = it.Majority(4, tie_break="+1")(x4)
    assert torch.equal(towards_plus, torch.where(total >= 0, 1.0, -1.0))
    with pytest.raises(ValueError, match="tie"):
        it.Majority(4, tie_break="error")(x4)
    assert torch.equal(it.Majority(5, tie_break="error")(x), maj)   # odd: no ties
    with pytest.raises(ValueError, match="tie_break must be one of"):
        it.Majority(4, tie_break="down")
    # The support's first coordinate breaks the tie, not x_0.
    # (A majority of two bits is then x_2 itself: on a tie x_2 decides, otherwise x_2 = x_5.)
    x6 = it.all_inputs(6)
    assert torch.equal(it.Majority(6, support=[2, 5])(x6), x6[:, 2])


@pytest.mark.parametrize("m", [2, 4, 6, 10])
def test_even_majority_balanced_only_with_fair_ties(m):
    assert it.target_mean(it.Majority(m)) == 0.0
    biased = it.target_mean(it.Majority(m, tie_break="+1"))
    assert biased == pytest.approx(math.comb(m, m // 2) / 2**m)
    assert it.best_constant_accuracy(it.Majority(m, tie_break="+1")) == \
        pytest.approx((1 + biased) / 2)


@pytest.mark.parametrize("k", [2, 4, 6, 8])
def test_even_staircase_sign_balanced_with_fair_ties(k):
    n = k + 1
    x = it.all_inputs(n)
    s = torch.cumprod(x[:, :k], dim=1).sum(1)
    f = it.Staircase(n, k)(x)
    assert torch.equal(f, torch.where(s == 0, x[:, 0], torch.sign(s)))
    assert float(f.mean()) == 0.0
    plus = it.Staircase(n, k, tie_break="+1")
    assert it.target_mean(plus) > 0.2
    assert it.best_constant_accuracy(plus) > 0.6


def test_staircase_k6_bias_of_the_old_rule():
    assert it.target_mean(it.Staircase(11, 6, tie_break="+1")) == 0.3125
    assert it.best_constant_accuracy(it.Staircase(11, 6, tie_break="+1")) == 0.65625


def test_target_mean_sampled_close_to_exact():
    f = it.Majority(12, tie_break="+1")
    exact = it.target_mean(f)
    sampled = it.target_mean(f, n_samples=200_000, seed=3)
    assert abs(sampled - exact) < 4 / math.sqrt(200_000)
    with pytest.raises(ValueError, match="\\+1/-1 target"):
        it.best_constant_accuracy(it.Staircase(5, 3, boolean=False))


def test_mixture_ties():
    x = it.all_inputs(4)
    parts = [it.Parity(4, [0]), it.Parity(4, [1])]
    mix = it.Mixture(parts, [1.0, 1.0])
    total = x[:, 0] + x[:, 1]
    assert torch.equal(mix(x), torch.where(total == 0, x[:, 0], torch.sign(total)))
    with pytest.raises(ValueError, match="tie"):
        it.Mixture(parts, [1.0, 1.0], tie_break="error")(x)


def test_staircase_boolean_and_real():
    x = it.all_inputs(5, dtype=torch.float64)
    s = x[:, 0] + x[:, 0] * x[:, 1] + x[:, 0] * x[:, 1] * x[:, 2]
    assert torch.equal(it.Staircase(5, 3)(x), torch.where(s >= 0, 1.0, -1.0).double())
    real = it.Staircase(5, 3, boolean=False)
    assert torch.allclose(real(x), s / math.sqrt(3))
    assert torch.isclose(real(x).square().mean(), torch.tensor(1.0, dtype=torch.float64))


def test_junta_reads_its_table_with_package_indexing():
    table = torch.tensor([1.0, -1.0, -1.0, 1.0])  # parity of the two support bits
    f = it.Junta(5, [1, 3], table)
    x = it.all_inputs(5)
    assert torch.equal(f(x), x[:, 1] * x[:, 3])


def test_truth_table_target_round_trip():
    f = it.RandomFunction(6, seed=1)
    table = it.truth_table(f)
    assert torch.equal(it.truth_table(it.TruthTableTarget(table)), table)
    assert set(table.unique().tolist()) == {-1.0, 1.0}
    assert torch.equal(table, it.truth_table(it.RandomFunction(6, seed=1)))


def test_transformed_is_the_group_action():
    n = 4
    f = it.Junta(n, [0, 1], [1.0, -1.0, 1.0, 1.0])
    perm, signs = [2, 0, 3, 1], [1, -1, -1, 1]
    g = it.Transformed(f, perm, signs)
    x = it.all_inputs(n)
    moved = x[:, perm] * torch.tensor(signs, dtype=x.dtype)
    assert torch.equal(g(x), f(moved))
    # A permuted parity is the parity of the preimage of its support.
    p = it.Transformed(it.Parity(n, [0, 1]), perm)
    assert torch.equal(p(x), x[:, 2] * x[:, 0])


def test_embedded_ignores_extra_bits():
    f = it.Embedded(it.Majority(3), 6)
    x = it.all_inputs(6)
    assert f.n == 6
    assert torch.equal(f(x), it.Majority(3)(x[:, :3]))


def test_mixture_is_sign_of_weighted_sum():
    x = it.all_inputs(5)
    a, b = it.Parity(5, [0, 1]), it.Majority(5)
    m = it.Mixture([a, b], [0.4, 1.0])
    assert torch.equal(m(x), torch.where(0.4 * a(x) + b(x) >= 0, 1.0, -1.0))


def test_subset_masks_round_trip():
    for subset in itertools.combinations(range(5), 2):
        assert it.mask_to_subset(it.subset_to_mask(subset, 5), 5) == subset


@pytest.mark.parametrize("n", [0, -1, 25])
def test_all_inputs_rejects_bad_n(n):
    with pytest.raises(ValueError, match="n must be an integer in"):
        it.all_inputs(n)


@pytest.mark.parametrize("bad", [2.0, "3", None, True])
def test_n_of_wrong_type(bad):
    with pytest.raises(TypeError, match="n must be an integer"):
        it.all_inputs(bad)


def test_absurdly_large_n_for_sampling():
    with pytest.raises(ValueError, match="n must be an integer in"):
        it.sample_inputs(10**6, 3)


def test_parity_bad_arguments():
    with pytest.raises(ValueError, match="k must be an integer in \\[0, 5\\]"):
        it.Parity(5, k=6)
    with pytest.raises(ValueError, match="support entry must be an integer in \\[0, 4\\]"):
        it.Parity(5, [0, 5])
    with pytest.raises(ValueError, match="repeated"):
        it.Parity(5, [1, 1])
    with pytest.raises(TypeError, match="either support or k"):
        it.Parity(5)


def test_junta_and_table_bad_arguments():
    with pytest.raises(ValueError, match="table must have length 2\\^\\|support\\| = 4"):
        it.Junta(5, [0, 1], [1.0, -1.0, 1.0])
    with pytest.raises(ValueError, match="table must have length 2\\^n"):
        it.TruthTableTarget([1.0, -1.0, 1.0])
    with pytest.raises(ValueError, match="NaN"):
        it.TruthTableTarget([1.0, float("nan"), 1.0, 1.0])
    with pytest.raises(ValueError, match="support must not be empty"):
        it.Majority(4, [])


def test_target_rejects_wrong_shape():
    with pytest.raises(ValueError, match="x must have shape \\(\\.\\.\\., 5\\)"):
        it.Parity(5, k=2)(torch.ones(3, 4))


def test_seed_of_wrong_type():
    with pytest.raises(TypeError, match="seed must be an int or a torch.Generator"):
        it.sample_inputs(4, 3, seed=1.5)
    with pytest.raises(TypeError, match="seed must be an int or a torch.Generator"):
        it.RandomFunction(4, seed="0")
    with pytest.raises(ValueError, match="seed must be an integer in"):
        it.sample_inputs(4, 3, seed=-1)


def test_transformed_bad_arguments():
    with pytest.raises(ValueError, match="permutation must be a permutation"):
        it.Transformed(it.Parity(3, k=1), [0, 0, 1])
    with pytest.raises(ValueError, match="signs must be 3 entries"):
        it.Transformed(it.Parity(3, k=1), signs=[1, 2, 1])
    with pytest.raises(ValueError, match="n_total must be an integer in \\[4, 4096\\]"):
        it.Embedded(it.Parity(4, k=1), 3)
