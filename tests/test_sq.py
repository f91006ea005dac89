"""Cross-predictability, orbits, the SQ oracle and the counting bound, against exact values."""

import math

import numpy as np
import pytest
import torch

import inal_tutorial as it


def brute_force_cp(tables):
    t = torch.as_tensor(tables, dtype=torch.float64)
    gram = t @ t.T / t.shape[1]
    return float(gram.square().mean())


def symmetric_function(n, seed=0):
    """A random function of the Hamming weight only: invariant under every permutation."""
    values = 1.0 - 2.0 * torch.randint(0, 2, (n + 1,), generator=it.make_generator(seed))
    return it.FunctionTarget(n, lambda x: values.to(x.dtype)[(x < 0).sum(-1)], "symmetric")


def small_targets(n):
    return [it.RandomFunction(n, seed=s) for s in range(3)] + [
        it.Majority(n), it.Staircase(n, min(3, n)), it.Parity(n, k=n // 2),
        it.Parity(n, k=n), it.Staircase(n, n, boolean=False)] + (
        [it.Junta(n, [0, n - 1], [1.0, -1.0, -1.0, -1.0])] if n > 1 else [])


# -- cross-predictability of a finite class ----------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 3, 5, 7])
def test_all_parities_have_cp_two_to_the_minus_n(n):
    tables = it.parity_class_tables(n)
    assert tables.shape == (2**n, 2**n)
    assert it.cross_predictability(tables) == pytest.approx(2.0**-n, abs=1e-15)
    assert it.parity_class_cp(n) == 2.0**-n
    assert it.parity_sq_dimension(n) == 2**n


@pytest.mark.parametrize("n", [4, 6, 8])
def test_k_parities_have_cp_one_over_binomial(n):
    for k in range(n + 1):
        tables = it.parity_class_tables(n, k)
        assert tables.shape == (math.comb(n, k), 2**n)
        # Orthonormal: the Gram matrix is the identity, so the class certifies SQ dim C(n,k).
        assert torch.allclose(tables @ tables.T / 2**n, torch.eye(math.comb(n, k),
                                                                   dtype=torch.float64))
        assert it.cross_predictability(tables) == pytest.approx(1 / math.comb(n, k), rel=1e-12)
        assert it.parity_class_cp(n, k) == 1 / math.comb(n, k)
        assert it.parity_sq_dimension(n, k) == math.comb(n, k)


def test_parity_tables_are_the_characters():
    tables = it.parity_class_tables(5)
    x = it.all_inputs(5, torch.float64)
    for mask in (0, 1, 6, 19, 31):
        assert torch.equal(tables[mask], it.Parity(5, it.mask_to_subset(mask, 5))(x))


@pytest.mark.parametrize("m, n", [(3, 4), (40, 3), (200, 5), (17, 6)])
def test_cross_predictability_matches_the_definition_in_both_gram_forms(m, n):
    gen = it.make_generator(m + n)
    tables = torch.randn(m, 2**n, generator=gen, dtype=torch.float64)
    expected = brute_force_cp(tables)
    for chunk in (None, 1, 7):
        assert it.cross_predictability(tables, chunk_size=chunk) == pytest.approx(expected,
                                                                                  rel=1e-12)


def test_cross_predictability_counts_the_diagonal_and_accepts_targets():
    f = it.Majority(5)
    assert it.cross_predictability([f]) == pytest.approx(1.0)
    minus = it.FunctionTarget(5, lambda x: -f(x))
    assert it.cross_predictability([f, minus]) == pytest.approx(1.0)
    # Two orthogonal functions: only the diagonal pairs count.
    assert it.cross_predictability([it.Parity(5, k=1), it.Parity(5, k=2)]) == pytest.approx(0.5)


def test_independent_random_functions():
    # E CP = 1/m + (1 - 1/m) E<F,F'>^2 with E<F,F'>^2 = 2^-n for independent uniform F, F'.
    n, m = 8, 400
    tables = torch.stack([it.truth_table(it.RandomFunction(n, seed=s)) for s in range(m)])
    expected = 1 / m + (1 - 1 / m) * 2.0**-n
    assert it.cross_predictability(tables) == pytest.approx(expected, rel=0.05)


def test_max_mean_squared_correlation():
    for n, k in [(5, 2), (6, 3)]:
        tables = it.parity_class_tables(n, k)
        # Orthonormal class: sup_h E<F,h>^2/|h|^2 = 1/m = CP, below sqrt(CP).
        value = it.max_mean_squared_correlation(tables)
        assert value == pytest.approx(1 / math.comb(n, k))
        assert value <= math.sqrt(it.cross_predictability(tables))
    tables = it.orbit_tables(it.Staircase(5, 3))
    bound = it.max_mean_squared_correlation(tables)
    gen = it.make_generator(1)
    for _ in range(20):
        h = torch.randn(32, generator=gen, dtype=torch.float64)
        ratio = float(((tables @ h / 32).square().mean()) / (h @ h / 32))
        assert ratio <= bound + 1e-12
    assert bound <= math.sqrt(it.cross_predictability(tables)) + 1e-12


# -- orbits ------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
def test_signed_permutation_formula_equals_exhaustive_enumeration(n):
    for f in small_targets(n):
        formula = it.signed_orbit_cp_formula(f)
        by_group = it.orbit_cross_predictability(f, method="enumerate_group").value
        by_orbit = it.orbit_cross_predictability(f, method="enumerate_orbit").value
        assert by_group == pytest.approx(formula, rel=1e-12, abs=1e-15), f.name
        assert by_orbit == pytest.approx(formula, rel=1e-12, abs=1e-15), f.name


@pytest.mark.parametrize("n", [2, 4, 6])
def test_sign_flip_formula_equals_enumeration(n):
    for f in small_targets(n):
        formula = it.orbit_cross_predictability(f, "sign_flips", "formula").value
        assert it.orbit_cross_predictability(f, "sign_flips", "enumerate_group").value == \
            pytest.approx(formula, rel=1e-12)
        assert it.orbit_cross_predictability(f, "sign_flips", "enumerate_orbit").value == \
            pytest.approx(formula, rel=1e-12)


def test_uniform_on_group_equals_uniform_on_orbit():
    # Orbit-stabilizer: every function of the orbit appears |Stab| times among the group.
    for f in small_targets(4):
        for group in it.GROUPS:
            rows = it.orbit_tables(f, group, unique=False)
            distinct = it.orbit_tables(f, group, unique=True)
            counts = (rows.unsqueeze(1) == distinct.unsqueeze(0)).all(-1).sum(0)
            assert bool((counts == counts[0]).all())
            assert distinct.shape[0] * int(counts[0]) == it.group_order(4, group)
            assert it.cross_predictability(rows) == pytest.approx(
                it.cross_predictability(distinct), rel=1e-12)


def test_orbit_sizes():
    n = 5
    for k in range(1, n):
        orbit = it.orbit_tables(it.Parity(n, k=k))
        assert orbit.shape[0] == 2 * math.comb(n, k)       # +-chi_S, |S| = k
    assert it.orbit_tables(it.Parity(n, k=n)).shape[0] == 2  # the full parity: {chi, -chi}
    assert it.orbit_tables(it.Parity(n, k=n), "permutations").shape[0] == 1
    assert it.orbit_tables(it.Majority(n)).shape[0] == 2**n


@pytest.mark.parametrize("n", [3, 4, 5, 6])
def test_symmetric_function_orbit_under_permutations_has_cp_one(n):
    # Ties broken towards +1 keep an even majority symmetric (the default rule, ties to
    # x_0, balances it but breaks the permutation symmetry).
    for f in (it.Majority(n, tie_break="+1"), symmetric_function(n, seed=n),
              it.Parity(n, k=n)):
        assert it.orbit_cross_predictability(f, "permutations").value == pytest.approx(1.0)
        assert it.orbit_tables(f, "permutations").shape[0] == 1


def test_k_parity_orbit_and_full_parity():
    for n in (4, 6):
        for k in range(n + 1):
            assert it.signed_orbit_cp_formula(it.Parity(n, k=k)) == pytest.approx(
                1 / math.comb(n, k))
    assert it.orbit_cross_predictability(it.Parity(6, k=6), method="monte_carlo").value == 1.0


def test_monte_carlo_interval_covers_the_exact_value():
    cases = [it.Majority(7), it.Staircase(8, 3), it.RandomFunction(6, seed=2), it.Parity(7, k=2)]
    inside, total = 0, 0
    for f in cases:
        exact = it.signed_orbit_cp_formula(f)
        for seed in range(10):
            est = it.orbit_cross_predictability(f, method="monte_carlo", n_samples=1500,
                                                seed=seed)
            assert est.n_samples == 1500 and est.stderr > 0
            assert abs(est.value - exact) < 4 * est.stderr, (f.name, seed)
            lo, hi = est.ci
            inside += lo <= exact <= hi
            total += 1
    assert inside >= 0.85 * total          # nominal 95 %


def test_monte_carlo_for_other_groups():
    f = it.Staircase(6, 3)
    for group in ("permutations", "sign_flips"):
        exact = it.orbit_cross_predictability(f, group, "enumerate_group").value
        est = it.orbit_cross_predictability(f, group, "monte_carlo", n_samples=3000, seed=1)
        assert abs(est.value - exact) < 4 * est.stderr


def test_embedding_on_2n_bits():
    # chi_[3] read from 3 of 6 bits: the orbit is {+-chi_S : |S| = 3}, CP = 1/C(6,3).
    f = it.Parity(3, k=3)
    embedded = it.Embedded(f, 6)
    assert it.orbit_cross_predictability(embedded, method="enumerate_group").value == \
        pytest.approx(1 / math.comb(6, 3))
    for g in (it.Majority(3), it.Staircase(3, 3), it.RandomFunction(3, seed=1)):
        profile = it.degree_profile(it.truth_table(g)).numpy()
        assert it.orbit_cp_from_profile(profile, 6) == pytest.approx(
            it.signed_orbit_cp_formula(it.Embedded(g, 6)), rel=1e-12)
        assert it.orbit_cp_from_profile(profile, 6) < it.orbit_cp_from_profile(profile)


def test_majority_closed_form_profile():
    for n in (5, 7, 9, 11):
        assert it.orbit_cp_from_profile(it.majority_degree_profile(n)) == pytest.approx(
            it.signed_orbit_cp_formula(it.Majority(n)), rel=1e-12)


def test_orbit_cp_upper_bound_holds_and_is_tight_for_parities():
    n = 8
    for seed in range(5):
        profile = it.degree_profile(it.truth_table(it.RandomFunction(n, seed=seed))).numpy()
        cp = it.orbit_cp_from_profile(profile)
        for cutoff in range((n - 1) // 2 + 1):
            assert it.orbit_cp_upper_bound(profile, cutoff) >= cp
            assert it.orbit_cp_upper_bound(profile, cutoff, 2 * n) >= \
                it.orbit_cp_from_profile(profile, 2 * n)
    full = it.degree_profile(it.truth_table(it.Parity(n, k=n))).numpy()
    # The exception: all weight at degree n, CP = 1 ...
    assert it.orbit_cp_from_profile(full) == pytest.approx(1.0)
    assert it.orbit_cp_upper_bound(full, 2) >= 1.0
    # ... which embedding on 2n bits removes.
    assert it.orbit_cp_from_profile(full, 2 * n) == pytest.approx(1 / math.comb(2 * n, n))
    assert it.orbit_cp_upper_bound(full, 2, 2 * n) == pytest.approx(1 / math.comb(2 * n, 3))


# -- the SQ oracle -----------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["adversarial", "random"])
def test_oracle_answers_within_tolerance(mode):
    n, tau = 6, 0.07
    f = it.Staircase(n, 4)
    table = it.truth_table(f)
    x = it.all_inputs(n, torch.float64)
    oracle = it.SQOracle(f, tau, mode, seed=3)
    gen = it.make_generator(0)
    for q in range(30):
        a = torch.rand(n, generator=gen, dtype=torch.float64) - 0.5
        c = float(torch.rand(1, generator=gen))

        def phi(x, y, a=a, c=c):
            return torch.tanh(x @ a + c * y)

        true = float(phi(x, table).mean())
        answer = oracle.query(phi)
        assert abs(answer - true) <= tau + 1e-12
        g = torch.tanh(x @ a)
        assert abs(oracle.correlational_query(g) - float(g @ table / 2**n)) <= tau + 1e-12
        assert oracle.n_queries == 2 * (q + 1)
    batch = torch.tanh(x @ torch.randn(n, 5, generator=gen, dtype=torch.float64)).T
    answers = oracle.correlational_query(batch)
    assert answers.shape == (5,) and oracle.n_queries == 65
    assert bool(((answers - batch @ table / 2**n).abs() <= tau + 1e-12).all())
    oracle.reset()
    assert oracle.n_queries == 0


def test_adversarial_oracle_answers_the_uninformative_value_when_it_can():
    f = it.Parity(6, k=3)
    oracle = it.SQOracle(f, 0.1)
    assert oracle.correlational_query(it.Parity(6, k=2)) == 0.0
    assert oracle.correlational_query(it.Parity(6, k=3)) == pytest.approx(0.9)
    assert oracle.parity_query(it.subset_to_mask(range(3), 6)) == pytest.approx(0.9)
    # phi(x, y) = (1 + y)/2: the true value is P(f = 1) = 1/2, the null value also 1/2.
    assert oracle.query(lambda x, y: (1 + y) / 2) == pytest.approx(0.5)
    # phi(x, y) = y x_0 x_1 x_2: true 1, null 0, so the answer is 1 - tau.
    assert oracle.query(lambda x, y: y * x[:, :3].prod(-1)) == pytest.approx(0.9)


def test_parity_query_equals_the_correlational_query_it_stands_for():
    f = it.Majority(7)
    masks = [1, 2, 4, 7, 96]
    a, b = it.SQOracle(f, 0.05), it.SQOracle(f, 0.05)
    averaged = it.parity_class_tables(7)[masks].mean(0)
    assert a.parity_query(masks) == pytest.approx(b.correlational_query(averaged), abs=1e-14)
    assert a.n_queries == b.n_queries == 1


def test_counting_bound():
    assert it.counting_bound(101, 0.1) == pytest.approx(1.0)
    for d in (1, 10, 1000):
        for tau in (0.01, 0.3, 0.9):
            assert it.counting_bound(d, tau) >= d * tau**2 - 1


# -- the learners ------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["adversarial", "random"])
def test_parity_learners_find_every_target(mode):
    n, k, tau = 6, 2, 0.08
    masks = [m for m in range(2**n) if bin(m).count("1") == k]
    d = len(masks)
    group = math.ceil(1 / (2 * tau)) - 1
    worst_group = math.ceil(d / group) - 1 + math.ceil(math.log2(group))
    for position, mask in enumerate(masks):
        table = it.parity_class_tables(n)[mask]
        scan = it.parity_scan_learner(it.SQOracle(table, tau, mode, seed=position), k)
        assert scan.mask == mask
        assert scan.n_queries == min(position + 1, d - 1)
        tested = it.parity_group_test_learner(it.SQOracle(table, tau, mode, seed=position), k)
        assert tested.mask == mask
        assert tested.n_queries <= worst_group
        assert tested.candidates == d
    # The worst cases respect the counting bound (as they must).
    assert d - 1 >= it.counting_bound(d, tau)


def test_all_parities_scan_and_bound():
    n, tau = 5, 0.2
    last = 2**n - 1
    result = it.parity_scan_learner(it.SQOracle(it.Parity(n, k=n), tau))
    assert result.mask == last and result.n_queries == 2**n - 1 >= it.counting_bound(2**n, tau)


def test_low_degree_learner_recovers_majority_with_n_plus_one_queries():
    n, tau = 9, 0.05
    f = it.Majority(n)
    oracle = it.SQOracle(f, tau, "random", seed=1)
    result = it.low_degree_learner(oracle, 1)
    assert result.n_queries == n + 1
    assert torch.equal(result.hypothesis, it.truth_table(f))
    exact = it.walsh_coefficients(it.truth_table(f))
    low = [m for m in range(2**n) if bin(m).count("1") <= 1]
    assert float((result.coefficients[low] - exact[low]).abs().max()) <= tau
    assert it.low_degree_learner(it.SQOracle(f, tau), 2).n_queries == 1 + n + math.comb(n, 2)


def test_low_degree_learner_thresholds_answers_consistent_with_zero():
    n, tau = 10, 0.05
    f = it.Parity(n, [0, 3, 8])
    table = it.truth_table(f)
    kept = it.low_degree_learner(it.SQOracle(f, tau, "random", seed=0), 3)
    assert torch.equal(kept.hypothesis, table)
    assert int((kept.coefficients != 0).sum()) == 1
    # Without thresholding, the 175 answers of pure noise add up and flip some signs.
    raw = it.low_degree_learner(it.SQOracle(f, tau, "random", seed=0), 3, threshold=False)
    assert float((raw.hypothesis == table).double().mean()) < 1.0
    # Degree 1 sees nothing of a degree-3 parity: its hypothesis is constant.
    blind = it.low_degree_learner(it.SQOracle(f, tau), 1)
    assert float((blind.hypothesis == table).double().mean()) == 0.5


def test_query_count_experiment():
    records = it.query_count_experiment([5, 6, 7], 2, 0.1, targets=4, seed=0)
    for r in records:
        assert r["d"] == math.comb(r["n"], 2) and r["all_correct"]
        assert r["scan_max"] == r["d"] - 1          # the worst-case target is included
        assert r["group_max"] <= r["scan_max"]
        assert r["group_mean"] >= r["bound"]


def test_orbit_cp_versus_n_records():
    records = it.orbit_cp_versus_n(lambda n: it.Parity(n, k=2), [4, 6], n_samples=3000,
                                   theory=lambda n: 1 / math.comb(n, 2))
    for r in records:
        assert r["formula"] == pytest.approx(r["theory"])
        assert abs(r["cp"] - r["theory"]) < 4 * r["stderr"]


# -- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize("tables, error, match", [
    ([], ValueError, "empty"),
    (np.zeros((0, 8)), ValueError, "empty"),
    ([[1, -1, 1, -1], [1, 1]], ValueError, "unequal lengths"),
    (np.ones((3, 6)), ValueError, "2\\^n"),
    (np.ones(8), ValueError, "shape \\(m, 2\\^n\\)"),
    (np.full((2, 4), np.nan), ValueError, "NaN"),
    ("abc", TypeError, "tensor or array-like"),
])
def test_cross_predictability_rejects_bad_tables(tables, error, match):
    with pytest.raises(error, match=match):
        it.cross_predictability(tables)


@pytest.mark.parametrize("tau", [0, 0.0, 1, 1.5, -0.1, float("nan")])
def test_oracle_rejects_bad_tolerance(tau):
    with pytest.raises(ValueError, match="tau"):
        it.SQOracle(it.Majority(3), tau)


def test_bad_arguments_give_clear_errors():
    with pytest.raises(TypeError, match="tau"):
        it.SQOracle(it.Majority(3), "0.1")
    with pytest.raises(ValueError, match="mode"):
        it.SQOracle(it.Majority(3), 0.1, mode="lazy")
    for call in (lambda: it.parity_class_tables(4, 5), lambda: it.parity_class_cp(4, -1),
                 lambda: it.parity_sq_dimension(4, 7), lambda: it.parity_scan_learner(
                     it.SQOracle(it.Majority(4), 0.1), k=5)):
        with pytest.raises(ValueError, match="k must be"):
            call()
    with pytest.raises(ValueError, match="tau < 1/2"):
        it.parity_scan_learner(it.SQOracle(it.Majority(4), 0.5))
    oracle = it.SQOracle(it.Majority(3), 0.1)
    with pytest.raises(ValueError, match="\\[-1, 1\\]"):
        oracle.query(lambda x, y: 2 * y)
    with pytest.raises(ValueError, match="\\[-1, 1\\]"):
        oracle.correlational_query(torch.full((8,), 1.5))
    with pytest.raises(ValueError, match="shape"):
        oracle.query(lambda x, y: y[:3])
    with pytest.raises(ValueError, match="shape"):
        oracle.correlational_query(torch.ones(4))
    with pytest.raises(ValueError, match="distinct"):
        oracle.parity_query([1, 1])
    with pytest.raises(ValueError, match="bitmasks"):
        oracle.parity_query(8)
    with pytest.raises(ValueError, match="group"):
        it.orbit_cross_predictability(it.Majority(3), group="rotations")
    with pytest.raises(ValueError, match="method"):
        it.orbit_cross_predictability(it.Majority(3), method="guess")
    with pytest.raises(ValueError, match="no closed form"):
        it.orbit_cross_predictability(it.Majority(3), "permutations", "formula")
    with pytest.raises(ValueError, match="monte_carlo"):
        it.orbit_cross_predictability(it.Majority(9), method="enumerate_group")
    with pytest.raises(ValueError, match="n_samples"):
        it.orbit_cross_predictability(it.Majority(3), method="monte_carlo", n_samples=1)
    with pytest.raises(ValueError, match="cutoff"):
        it.orbit_cp_upper_bound([0.0, 1.0, 0.0, 0.0], 2)
    with pytest.raises(ValueError, match="n must be"):
        it.orbit_cp_from_profile([0.0, 0.5, 0.5], 1)
    with pytest.raises(ValueError, match=">= 0"):
        it.orbit_cp_from_profile([0.5, -0.5])
    with pytest.raises(ValueError, match="d must be"):
        it.counting_bound(0, 0.1)
    with pytest.raises(ValueError, match="one truth table"):
        it.signed_orbit_cp_formula(np.ones((2, 4)))


# -- the INAL -> CP chain, and its constant term -------------------------------------------


def test_inal_cp_records_separate_the_constant_term():
    n = 7
    profile = it.first_layer_profile(n, n_neurons=200, seed=0)
    biased = it.Majority(n - 1, tie_break="+1")          # ties towards +1: E f > 0
    biased_on_n = it.FunctionTarget(n, lambda x: biased(x[..., : n - 1]), "biased majority")
    targets = [it.Majority(n), it.Staircase(n, 3), it.Staircase(n, n), biased_on_n]
    records = it.inal_cp_records(targets, profile)
    for target, r in zip(targets, records, strict=True):
        mean = float(it.truth_table(target).mean())
        assert r["target_mean"] == pytest.approx(mean, abs=1e-15)
        assert r["constant_part"] == pytest.approx(mean**2 * profile.values[0], abs=1e-15)
        assert r["constant_part"] == pytest.approx(profile.constant_part(target), abs=1e-15)
        assert 0 <= r["constant_part"] <= r["inal"]
        assert r["cp_embedded"] <= r["bound_from_inal_embedded"] + 1e-12
    # Odd majority and sign-staircases with an odd number of terms are balanced ...
    assert all(r["constant_part"] == 0.0 for r in records[:3])
    # ... the +1 tie rule is not, and most of its INAL is then the constant term.
    assert records[3]["target_mean"] == pytest.approx(math.comb(6, 3) / 2**6)
    assert records[3]["constant_part"] > 0.5 * records[3]["inal"]


def test_staircase_on_all_bits_has_orbit_cp_of_order_n_to_the_minus_two():
    rows = []
    for n in (9, 13, 17):
        weights = it.degree_profile(it.truth_table(it.Staircase(n, n))).numpy()
        rows.append((n, it.orbit_cp_from_profile(weights), weights))
    for n, cp, weights in rows:
        assert 0.4 < n**2 * cp < 0.7                 # n^-2, not 1/n ...
        assert 0.6 < n * weights[n] < 0.7            # ... because W^n(f) ~ 0.65 / n
        assert weights[1] ** 2 / n < 0.1 * cp       # the degree-1 term is only n^-3
    assert rows[0][0] * rows[0][1] > 2 * rows[-1][0] * rows[-1][1]
    # Majority, by contrast: n CP decreases to (2/pi)^2.
    for n in (9, 17, 33):
        n_cp = n * it.orbit_cp_from_profile(it.majority_degree_profile(n))
        assert (2 / math.pi) ** 2 < n_cp < 0.51


def test_chain_targets_are_balanced_and_need_odd_n():
    from inal_tutorial.figures import cross_predictability as figures

    targets = figures.chain_targets(7, random_functions=2, seed=0)
    for f in targets:
        if not f.name.startswith("random"):
            assert it.target_mean(f) == 0.0, f.name
    with pytest.raises(ValueError, match="odd"):
        figures.chain_targets(8)


# -- the module split: statistical queries live in their own module ----------------------


def test_statistical_queries_module_and_the_public_names():
    from inal_tutorial import sq, statistical_queries

    assert not set(sq.__all__) & set(statistical_queries.__all__)
    for name in statistical_queries.__all__:
        assert getattr(it, name) is getattr(statistical_queries, name)
        assert not hasattr(sq, name)          # one home per name
    for name in sq.__all__:
        assert getattr(it, name) is getattr(sq, name)
    assert it.SQOracle.__module__ == "inal_tutorial.statistical_queries"
    assert it.orbit_cross_predictability.__module__ == "inal_tutorial.sq"
    with pytest.raises(AttributeError):
        sq.not_a_name  # noqa: B018


def test_noisy_clipped_gradient_descent_is_equivariant_under_the_coupling():
    net = it.MLPEnsemble(5, hidden=(16,), n_models=2, activation="relu",
                         dtype=torch.float64, seed=0)
    g = it.SignedPermutation.random(5, seed=3)
    r = it.noisy_equivariance_check(net, it.Majority(5), g, steps=15, lr=0.1,
                                    noise_std=0.02, clip=0.02, seed=1)
    assert r.parameter_gap < 1e-12
    assert r.baseline_gap > 0.01 and r.clipped_fraction > 0.01 and r.steps == 15
    # without noise and without active clipping it is the noiseless check
    r0 = it.noisy_equivariance_check(net, it.Majority(5), g, steps=15, lr=0.1,
                                     noise_std=0.0, clip=1e6, seed=1)
    plain = it.equivariance_check(net, it.Majority(5), g, steps=15, lr=0.1)
    assert r0.clipped_fraction == 0.0
    assert math.isclose(r0.baseline_gap, plain.baseline_gap, rel_tol=1e-9)
    with pytest.raises(ValueError, match="clip"):
        it.noisy_equivariance_check(net, it.Majority(5), g, clip=0.0)
    with pytest.raises(TypeError, match="SignedPermutation"):
        it.noisy_equivariance_check(net, it.Majority(5), "g")


def test_cp_bound_from_inal_is_monotone_and_matches_the_records():
    profile = it.first_layer_profile(7, n_neurons=300, seed=0)
    values = [it.cp_bound_from_inal(v, profile) for v in np.geomspace(1e-8, 1, 30)]
    assert all(a <= b + 1e-15 for a, b in zip(values[:-1], values[1:], strict=True))
    assert math.isclose(values[0], 1 / math.comb(14, 3), rel_tol=1e-3)
    for r, f in zip(it.inal_cp_records([it.Parity(7, k=2), it.Majority(7)], profile),
                    (it.Parity(7, k=2), it.Majority(7)), strict=True):
        assert math.isclose(it.cp_bound_from_inal(r["inal"], profile),
                            r["bound_from_inal_embedded"], rel_tol=1e-12)
        assert r["cp_embedded"] <= r["bound_from_inal_embedded"]
        assert f.n == 7
    with pytest.raises(ValueError, match="inal"):
        it.cp_bound_from_inal(-1.0, profile)
    with pytest.raises(TypeError, match="FirstLayerProfile"):
        it.cp_bound_from_inal(0.1, [1.0])
