"""Bad input at the public API of the hypercube modules (boolean, fourier, sq, random, symmetry).

Every case calls one public function with one bad argument and asserts the exception type
and a message that names the argument (format "<argument> must be ..., got ...").
Memory bombs (sizes whose product would exhaust memory) run under ``memory_limit``, so a
regressed guard fails with MemoryError instead of swapping the machine.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
import torch

import inal_tutorial as it
from inal_tutorial import boolean, fourier, random, sq, statistical_queries, symmetry
from inal_tutorial.networks import MLPEnsemble

NAN = float("nan")
P3 = boolean.Parity(3, k=2)
T3 = boolean.truth_table(P3)
PERM = torch.tensor([[0, 1, 2]])
SIGNS = torch.tensor([[1, -1, 1]])


def _oracle(n: int = 3) -> statistical_queries.SQOracle:
    return statistical_queries.SQOracle(boolean.Parity(n, k=1), 0.1)


def _fn_target(fn, boolean_=True):
    return boolean.truth_table(boolean.FunctionTarget(3, fn, boolean=boolean_))


def _net(n: int = 3) -> MLPEnsemble:
    return MLPEnsemble(n, (4,), 2, dtype=torch.float64)


def _profile(n: int = 5):
    return it.gaussian_first_layer_profile(n)


# (id, call, exception, regex naming the argument)
CASES = [
    # --- random.py -------------------------------------------------------------------
    ("make_generator-float", lambda: random.make_generator(1.5), TypeError, r"seed must be an int"),
    ("make_generator-negative", lambda: random.make_generator(-1), ValueError,
     r"seed must be an integer in \[0, 4611686018427387904\], got -1"),
    ("make_generator-2**63-1", lambda: random.make_generator(2**63 - 1), ValueError,
     r"seed must be an integer in \[0, "),
    ("make_generator-str", lambda: random.make_generator("0"), TypeError, r"seed must be an int"),
    ("spawn_seeds-count-float", lambda: random.spawn_seeds(0, 2.0), TypeError,
     r"count must be an integer"),
    ("spawn_seeds-count-negative", lambda: random.spawn_seeds(0, -1), ValueError,
     r"count must be an integer in \[0, inf\]"),
    ("spawn_seeds-seed", lambda: random.spawn_seeds(2**62 + 1, 2), ValueError,
     r"seed must be an integer in \[0, "),
    # --- boolean.py ------------------------------------------------------------------
    ("all_inputs-n-float", lambda: boolean.all_inputs(3.0), TypeError, r"n must be an integer"),
    ("all_inputs-n-0", lambda: boolean.all_inputs(0), ValueError, r"n must be an integer in \[1,"),
    ("all_inputs-n-25", lambda: boolean.all_inputs(25), ValueError, r"n must be an integer in \[1, 24\]"),
    ("all_inputs-dtype-str", lambda: boolean.all_inputs(3, dtype="float32"), TypeError,
     r"dtype must be a torch dtype"),
    ("all_inputs-dtype-bool", lambda: boolean.all_inputs(3, dtype=torch.bool), ValueError,
     r"dtype must be one of torch.float32, torch.float64, got torch.bool"),
    ("all_inputs-dtype-int", lambda: boolean.all_inputs(3, dtype=torch.int64), ValueError,
     r"dtype must be one of"),
    ("all_inputs-device-gpu", lambda: boolean.all_inputs(3, device="gpu"), ValueError,
     r"device must be 'cpu' or 'cuda"),
    ("all_inputs-device-int", lambda: boolean.all_inputs(3, device=3), TypeError,
     r"device must be None, a string"),
    ("input_chunks-chunk-0", lambda: boolean.input_chunks(3, 0), ValueError,
     r"chunk_size must be an integer in \[1, inf\]"),
    ("input_chunks-chunk-float", lambda: boolean.input_chunks(3, 2.5), TypeError,
     r"chunk_size must be an integer"),
    ("input_chunks-dtype", lambda: boolean.input_chunks(3, dtype="float64"), TypeError,
     r"dtype must be a torch dtype"),
    ("sample_inputs-m-0", lambda: boolean.sample_inputs(3, 0), ValueError,
     r"m must be an integer in \[1, 1000000000\]"),
    ("sample_inputs-m-float", lambda: boolean.sample_inputs(3, 10.0), TypeError,
     r"m must be an integer"),
    ("sample_inputs-n-4097", lambda: boolean.sample_inputs(4097, 1), ValueError,
     r"n must be an integer in \[1, 4096\]"),
    ("sample_inputs-seed-float", lambda: boolean.sample_inputs(3, 2, seed=0.5), TypeError,
     r"seed must be an int"),
    ("sample_inputs-seed-big", lambda: boolean.sample_inputs(3, 2, seed=2**63 - 1), ValueError,
     r"seed must be an integer in \[0, "),
    ("sample_inputs-dtype-bool", lambda: boolean.sample_inputs(3, 2, dtype=torch.bool),
     ValueError, r"dtype must be one of"),
    ("sample_inputs-device", lambda: boolean.sample_inputs(3, 2, device="tpu"), ValueError,
     r"device must be 'cpu' or 'cuda"),
    ("subset_to_mask-float", lambda: boolean.subset_to_mask([0.5], 3), TypeError,
     r"support entry must be an integer"),
    ("subset_to_mask-range", lambda: boolean.subset_to_mask([3], 3), ValueError,
     r"support entry must be an integer in \[0, 2\]"),
    ("mask_to_subset-float", lambda: boolean.mask_to_subset(1.0, 3), TypeError,
     r"mask must be an integer"),
    ("mask_to_subset-range", lambda: boolean.mask_to_subset(8, 3), ValueError,
     r"mask must be an integer in \[0, 7\]"),
    ("Parity-support-float-tensor", lambda: boolean.Parity(4, support=torch.tensor([0.7, 1.9])),
     TypeError, r"support entry must be an integer"),
    ("Parity-support-repeated", lambda: boolean.Parity(4, support=[1, 1]), ValueError,
     r"support has repeated coordinates"),
    ("Parity-k-float", lambda: boolean.Parity(4, k=2.0), TypeError, r"k must be an integer"),
    ("Parity-k-range", lambda: boolean.Parity(4, k=5), ValueError, r"k must be an integer in \[0, 4\]"),
    ("Parity-call-nan", lambda: P3(torch.tensor([[1.0, NAN, 1.0]])), ValueError,
     r"x contains NaN"),
    ("Parity-call-shape", lambda: P3(torch.ones(2, 4)), ValueError, r"x must have shape \(\.\.\., 3\)"),
    ("Parity-call-bool", lambda: P3(torch.ones(2, 3, dtype=torch.bool)), TypeError,
     r"x must be a real tensor"),
    ("Majority-empty-support", lambda: boolean.Majority(3, support=[]), ValueError,
     r"support must not be empty"),
    ("Staircase-k-0", lambda: boolean.Staircase(3, 0), ValueError, r"k must be an integer in \[1, 3\]"),
    ("Staircase-boolean-str", lambda: boolean.Staircase(3, 2, boolean="no"), TypeError,
     r"boolean must be True or False"),
    ("Junta-table-length", lambda: boolean.Junta(3, [0, 1], [1, -1]), ValueError,
     r"table must have length 2\^\|support\| = 4"),
    ("Junta-table-nan", lambda: boolean.Junta(3, [0], [1.0, NAN]), ValueError,
     r"table contains NaN"),
    ("Junta-table-complex", lambda: boolean.Junta(3, [0], torch.tensor([1 + 1j, -1])), TypeError,
     r"table must be real"),
    ("Junta-empty-support", lambda: boolean.Junta(3, [], [1.0]), ValueError,
     r"support must not be empty"),
    ("TruthTableTarget-empty", lambda: boolean.TruthTableTarget([]), ValueError,
     r"table must have length 2\^n for some n >= 1, got length 0"),
    ("TruthTableTarget-length-3", lambda: boolean.TruthTableTarget([1, -1, 1]), ValueError,
     r"table must have length 2\^n"),
    ("RandomFunction-n-25", lambda: boolean.RandomFunction(25), ValueError,
     r"n must be an integer in \[1, 24\]"),
    ("RandomFunction-seed-np-float", lambda: boolean.RandomFunction(3, seed=np.float64(1)),
     TypeError, r"seed must be an int"),
    ("FunctionTarget-fn", lambda: boolean.FunctionTarget(3, 5), TypeError, r"fn must be callable"),
    ("FunctionTarget-shape", lambda: _fn_target(lambda x: x.sum(-1, keepdim=True)), ValueError,
     r"fn\(x\) must have shape \(8,\)"),
    ("FunctionTarget-nan", lambda: _fn_target(lambda x: x[..., 0] * NAN, False), ValueError,
     r"fn\(x\) contains NaN"),
    ("FunctionTarget-complex", lambda: _fn_target(lambda x: x[..., 0] * 1j, False), TypeError,
     r"fn\(x\) must be real"),
    ("FunctionTarget-not-pm1", lambda: _fn_target(lambda x: x.sum(-1)), ValueError,
     r"fn\(x\) must take only the values \+1 and -1"),
    ("FunctionTarget-bool-output", lambda: _fn_target(lambda x: x[..., 0] > 0), TypeError,
     r"fn\(x\) must be numeric"),
    ("FunctionTarget-scalar", lambda: _fn_target(lambda x: 1.0), ValueError,
     r"fn\(x\) must have shape \(8,\)"),
    ("FunctionTarget-boolean-flag", lambda: boolean.FunctionTarget(3, torch.sign, boolean=None),
     TypeError, r"boolean must be True or False"),
    ("Transformed-float-perm", lambda: boolean.Transformed(P3, [0.0, 1.0, 2.0]), TypeError,
     r"permutation entry must be an integer"),
    ("Transformed-float-tensor-perm", lambda: boolean.Transformed(P3, torch.tensor([0.5, 1, 2])),
     TypeError, r"permutation entry must be an integer"),
    ("Transformed-float-signs", lambda: boolean.Transformed(P3, None, [1.0, -1.0, 1.0]), TypeError,
     r"signs entry must be an integer"),
    ("Transformed-signs-0.6", lambda: boolean.Transformed(P3, None, [0.6, 1, 1]), TypeError,
     r"signs entry must be an integer"),
    ("Transformed-signs-2", lambda: boolean.Transformed(P3, None, [2, 1, 1]), ValueError,
     r"signs must be 3 entries each \+1 or -1"),
    ("Transformed-perm-length", lambda: boolean.Transformed(P3, [0, 1]), ValueError,
     r"permutation must have 3 entries"),
    ("Transformed-target", lambda: boolean.Transformed(T3), TypeError,
     r"target must be a BooleanTarget"),
    ("Embedded-n_total", lambda: boolean.Embedded(P3, 2), ValueError,
     r"n_total must be an integer in \[3, 4096\]"),
    ("Embedded-n_total-float", lambda: boolean.Embedded(P3, 4.0), TypeError,
     r"n_total must be an integer"),
    ("Mixture-empty", lambda: boolean.Mixture([], []), ValueError, r"targets must not be empty"),
    ("Mixture-weights-nan", lambda: boolean.Mixture([P3], [NAN]), ValueError,
     r"weights contains NaN"),
    ("Mixture-weights-length", lambda: boolean.Mixture([P3, P3], [1.0]), ValueError,
     r"weights must have one entry per target"),
    ("Mixture-targets-generator", lambda: boolean.Mixture(iter([P3]), [1.0]), TypeError,
     r"targets must be a sequence"),
    ("Mixture-weights-scalar", lambda: boolean.Mixture([P3], 1.0), TypeError,
     r"weights must be a sequence"),
    ("truth_table-target", lambda: boolean.truth_table(T3), TypeError,
     r"target must be a BooleanTarget"),
    ("truth_table-dtype", lambda: boolean.truth_table(P3, dtype="float64"), TypeError,
     r"dtype must be a torch dtype"),
    ("truth_table-dtype-bool", lambda: boolean.truth_table(P3, dtype=torch.bool), ValueError,
     r"dtype must be one of"),
    ("truth_table-device", lambda: boolean.truth_table(P3, device="gpu"), ValueError,
     r"device must be 'cpu' or 'cuda"),
    ("truth_table-chunk", lambda: boolean.truth_table(P3, chunk_size=0), ValueError,
     r"chunk_size must be an integer in \[1, inf\]"),
    # --- fourier.py ------------------------------------------------------------------
    ("walsh_hadamard-length", lambda: fourier.walsh_hadamard([1.0, 2.0, 3.0]), ValueError,
     r"values must have length 2\^n"),
    ("walsh_hadamard-empty", lambda: fourier.walsh_hadamard([]), ValueError,
     r"values must have length 2\^n for some n >= 1, got length 0"),
    ("walsh_hadamard-nan", lambda: fourier.walsh_hadamard([1.0, NAN]), ValueError,
     r"values contains NaN"),
    ("walsh_hadamard-complex", lambda: fourier.walsh_hadamard(torch.tensor([1j, 1])), TypeError,
     r"values must be real"),
    ("walsh_hadamard-dtype-str", lambda: fourier.walsh_hadamard([1.0, 1.0], "float64"), TypeError,
     r"dtype must be a torch dtype"),
    ("walsh_hadamard-dtype-int", lambda: fourier.walsh_hadamard([1.0, 1.0], torch.int32),
     ValueError, r"dtype must be one of"),
    ("walsh_hadamard-inplace", lambda: fourier.walsh_hadamard([1.0, 1.0], inplace="yes"),
     TypeError, r"inplace must be True or False"),
    ("walsh_coefficients-scalar", lambda: fourier.walsh_coefficients(torch.tensor(1.0)),
     ValueError, r"values must have a last axis of length 2\^n"),
    ("inverse_walsh-inf", lambda: fourier.inverse_walsh([1.0, math.inf]), ValueError,
     r"values contains NaN or infinite"),
    ("subset_sizes-n-25", lambda: fourier.subset_sizes(25), ValueError,
     r"n must be an integer in \[1, 24\]"),
    ("subset_sizes-device", lambda: fourier.subset_sizes(3, device="gpu"), ValueError,
     r"device must be 'cpu' or 'cuda"),
    ("degree_profile-nan", lambda: fourier.degree_profile([NAN, 1.0]), ValueError,
     r"values contains NaN"),
    ("degree_profile-flag", lambda: fourier.degree_profile([1.0, 1.0], coefficients=1), TypeError,
     r"coefficients must be True or False"),
    ("fourier_coefficient-subset-float", lambda: fourier.fourier_coefficient(T3, [0.5]), TypeError,
     r"support entry must be an integer"),
    ("fourier_coefficient-subset-range", lambda: fourier.fourier_coefficient(T3, [3]), ValueError,
     r"support entry must be an integer in \[0, 2\]"),
    ("majority_coefficient-even", lambda: fourier.majority_coefficient(4, 1), ValueError,
     r"n must be odd"),
    ("majority_coefficient-k", lambda: fourier.majority_coefficient(5, 6), ValueError,
     r"k must be an integer in \[0, 5\]"),
    ("majority_coefficient-float", lambda: fourier.majority_coefficient(5.0, 1), TypeError,
     r"n must be an integer"),
    ("majority_degree_profile-n", lambda: fourier.majority_degree_profile(10_001), ValueError,
     r"n must be an integer in \[1, 10000\]"),
    ("majority_degree_profile-even", lambda: fourier.majority_degree_profile(10), ValueError,
     r"n must be odd"),
    # --- sq.py -----------------------------------------------------------------------
    ("cross_predictability-empty-list", lambda: sq.cross_predictability([]), ValueError,
     r"tables must not be empty"),
    ("cross_predictability-empty-array", lambda: sq.cross_predictability(np.zeros((0, 4))),
     ValueError, r"tables must not be empty"),
    ("cross_predictability-nan", lambda: sq.cross_predictability([[1.0, NAN]]), ValueError,
     r"tables\[0\] contains NaN"),
    ("cross_predictability-unequal", lambda: sq.cross_predictability([[1.0, 1.0], [1.0] * 4]),
     ValueError, r"tables have unequal lengths"),
    ("cross_predictability-complex", lambda: sq.cross_predictability(torch.ones(1, 2) * 1j),
     TypeError, r"tables must be real"),
    ("cross_predictability-chunk", lambda: sq.cross_predictability(T3[None], chunk_size=0),
     ValueError, r"chunk_size must be an integer in \[1, inf\]"),
    ("max_mean_squared_correlation-1d", lambda: sq.max_mean_squared_correlation(T3), ValueError,
     r"tables must have shape \(m, 2\^n\)"),
    ("parity_class_tables-k-float", lambda: sq.parity_class_tables(4, 2.0), TypeError,
     r"k must be an integer"),
    ("parity_class_tables-k-range", lambda: sq.parity_class_tables(4, 5), ValueError,
     r"k must be an integer in \[0, 4\]"),
    ("parity_class_cp-k", lambda: sq.parity_class_cp(10, 11), ValueError,
     r"k must be an integer in \[0, 10\]"),
    ("parity_class_cp-n", lambda: sq.parity_class_cp(0), ValueError, r"n must be an integer in \[1,"),
    ("parity_sq_dimension-float", lambda: statistical_queries.parity_sq_dimension(4, 1.5), TypeError,
     r"k must be an integer"),
    ("orbit_tables-group", lambda: sq.orbit_tables(T3, "rotations"), ValueError, r"unknown group"),
    ("orbit_tables-unique", lambda: sq.orbit_tables(T3, unique="yes"), TypeError,
     r"unique must be True or False"),
    ("orbit_tables-table-2d", lambda: sq.orbit_tables(T3[None]), ValueError,
     r"target must be a BooleanTarget or one truth table"),
    ("signed_orbit_cp_formula-nan", lambda: sq.signed_orbit_cp_formula([1.0, NAN]), ValueError,
     r"target contains NaN"),
    ("sign_flip_orbit_cp_formula-length", lambda: sq.sign_flip_orbit_cp_formula([1.0] * 3),
     ValueError, r"target must have length 2\^n"),
    ("orbit_cp_from_profile-negative", lambda: sq.orbit_cp_from_profile([-1.0, 1.0]), ValueError,
     r"profile entries are Fourier weights"),
    ("orbit_cp_from_profile-nan", lambda: sq.orbit_cp_from_profile([NAN]), ValueError,
     r"profile contains NaN"),
    ("orbit_cp_from_profile-n-huge", lambda: sq.orbit_cp_from_profile([0.0, 1.0], 10**9),
     ValueError, r"n must be an integer in \[1, 4096\]"),
    ("orbit_cp_upper_bound-n-huge", lambda: sq.orbit_cp_upper_bound([0.0, 1.0], 0, 10**10),
     ValueError, r"n must be an integer in \[1, 4096\]"),
    ("orbit_cp_upper_bound-cutoff", lambda: sq.orbit_cp_upper_bound([0.0, 1.0, 0.0], 2),
     ValueError, r"cutoff must be an integer in \[0, 0\]"),
    ("orbit_cross_predictability-method", lambda: sq.orbit_cross_predictability(T3, method="x"),
     ValueError, r"unknown method"),
    ("orbit_cross_predictability-seed", lambda: sq.orbit_cross_predictability(T3, seed=1.5),
     TypeError, r"seed must be an int"),
    ("orbit_cross_predictability-n_samples", lambda: sq.orbit_cross_predictability(
        T3, method="monte_carlo", n_samples=1), ValueError,
     r"n_samples must be an integer in \[2, 100000000\]"),
    ("orbit_cross_predictability-formula-perms", lambda: sq.orbit_cross_predictability(
        T3, "permutations", "formula"), ValueError, r"no closed form"),
    ("SQOracle-tau", lambda: statistical_queries.SQOracle(T3, 0.0), ValueError, r"tau must be in \(0, 1\)"),
    ("SQOracle-tau-nan", lambda: statistical_queries.SQOracle(T3, NAN), ValueError, r"tau must be finite"),
    ("SQOracle-mode", lambda: statistical_queries.SQOracle(T3, 0.1, "lazy"), ValueError, r"unknown mode"),
    ("SQOracle-seed", lambda: statistical_queries.SQOracle(T3, 0.1, seed=-3), ValueError,
     r"seed must be an integer in \[0, "),
    ("SQOracle.parity_query-float", lambda: _oracle().parity_query(1.5), TypeError,
     r"masks must be an integer"),
    ("SQOracle.parity_query-float-list", lambda: _oracle().parity_query([1, 2.5]), TypeError,
     r"masks entry must be an integer"),
    ("SQOracle.parity_query-float-tensor", lambda: _oracle().parity_query(torch.tensor([1.0])),
     TypeError, r"masks must be integer bitmasks"),
    ("SQOracle.parity_query-range", lambda: _oracle().parity_query(8), ValueError,
     r"masks must be bitmasks in \[0, 2\^3\)"),
    ("SQOracle.parity_query-empty", lambda: _oracle().parity_query([]), ValueError,
     r"masks must name at least one parity"),
    ("SQOracle.parity_query-repeated", lambda: _oracle().parity_query([1, 1]), ValueError,
     r"masks must be distinct"),
    ("SQOracle.query-shape", lambda: _oracle().query(lambda x, y: y[:2]), ValueError,
     r"phi\(x, y\) must return shape \(8,\)"),
    ("SQOracle.query-nan", lambda: _oracle().query(lambda x, y: y * NAN), ValueError,
     r"phi\(x, y\) contains NaN"),
    ("SQOracle.query-complex", lambda: _oracle().query(lambda x, y: y * 1j), TypeError,
     r"phi\(x, y\) must return real values"),
    ("SQOracle.query-unbounded", lambda: _oracle().query(lambda x, y: 2 * y), ValueError,
     r"phi must take values in \[-1, 1\]"),
    ("SQOracle.correlational_query-shape", lambda: _oracle().correlational_query([1.0, 1.0]),
     ValueError, r"g must have shape \(2\^n,\)"),
    ("counting_bound-d", lambda: statistical_queries.counting_bound(0, 0.1), ValueError,
     r"d must be an integer in \[1, inf\]"),
    ("counting_bound-tau", lambda: statistical_queries.counting_bound(4, 1.0), ValueError, r"tau must be in \(0, 1\)"),
    ("parity_scan_learner-oracle", lambda: statistical_queries.parity_scan_learner(T3), TypeError,
     r"oracle must be an SQOracle"),
    ("parity_scan_learner-k", lambda: statistical_queries.parity_scan_learner(_oracle(), 1.0), TypeError,
     r"k must be an integer"),
    ("parity_group_test_learner-k", lambda: statistical_queries.parity_group_test_learner(_oracle(), 4),
     ValueError, r"k must be an integer in \[0, 3\]"),
    ("low_degree_learner-degree", lambda: statistical_queries.low_degree_learner(_oracle(), -1), ValueError,
     r"degree must be an integer in \[0, 3\]"),
    ("low_degree_learner-threshold", lambda: statistical_queries.low_degree_learner(_oracle(), 1, threshold=None),
     TypeError, r"threshold must be True or False"),
    ("orbit_cp_versus_n-empty", lambda: sq.orbit_cp_versus_n(lambda n: boolean.Parity(n, k=1), []),
     ValueError, r"ns must not be empty"),
    ("orbit_cp_versus_n-ns-float", lambda: sq.orbit_cp_versus_n(
        lambda n: boolean.Parity(n, k=1), [3.0]), TypeError, r"ns entry must be an integer"),
    ("orbit_cp_versus_n-theory-nan", lambda: sq.orbit_cp_versus_n(
        lambda n: boolean.Parity(n, k=1), [3], n_samples=4, theory=lambda n: NAN), ValueError,
     r"theory\(3\) must be finite"),
    ("orbit_cp_versus_n-n_samples", lambda: sq.orbit_cp_versus_n(
        lambda n: boolean.Parity(n, k=1), [3], n_samples=1), ValueError,
     r"n_samples must be an integer in \[2,"),
    ("orbit_cp_versus_n-seed", lambda: sq.orbit_cp_versus_n(
        lambda n: boolean.Parity(n, k=1), [3], seed=2**63), ValueError,
     r"seed must be an integer in \[0, "),
    ("query_count_experiment-empty", lambda: statistical_queries.query_count_experiment([], 1, 0.1), ValueError,
     r"ns must not be empty"),
    ("query_count_experiment-ns", lambda: statistical_queries.query_count_experiment([17], 1, 0.1), ValueError,
     r"ns entry must be an integer in \[1, 16\]"),
    ("query_count_experiment-targets", lambda: statistical_queries.query_count_experiment([4], 1, 0.1, targets=0),
     ValueError, r"targets must be an integer in \[1, 10000\]"),
    ("query_count_experiment-mode", lambda: statistical_queries.query_count_experiment([4], 1, 0.1, mode="x"),
     ValueError, r"unknown mode"),
    ("query_count_experiment-seed", lambda: statistical_queries.query_count_experiment([4], 1, 0.1, seed=1.0),
     TypeError, r"seed must be an int"),
    ("inal_cp_records-empty", lambda: sq.inal_cp_records([], _profile()), ValueError,
     r"targets must not be empty"),
    ("inal_cp_records-profile", lambda: sq.inal_cp_records([P3], None), TypeError,
     r"profile must be a FirstLayerProfile"),
    ("inal_cp_records-cutoff", lambda: sq.inal_cp_records([boolean.Parity(5, k=1)], _profile(),
                                                          cutoff=3), ValueError,
     r"cutoff must be an integer in \[0, 2\]"),
    # --- symmetry.py -----------------------------------------------------------------
    ("SignedPermutation-float-perm", lambda: symmetry.SignedPermutation((0.0, 1.0)), TypeError,
     r"permutation entry must be an integer"),
    ("SignedPermutation-float-tensor-perm", lambda: symmetry.SignedPermutation(
        torch.tensor([1.9, 0.2])), TypeError, r"permutation entry must be an integer"),
    ("SignedPermutation-float-signs", lambda: symmetry.SignedPermutation((0, 1), (1.0, -1.0)),
     TypeError, r"signs entry must be an integer"),
    ("SignedPermutation-signs-0", lambda: symmetry.SignedPermutation((0, 1), (0, 1)), ValueError,
     r"signs must be 2 entries each \+1 or -1"),
    ("SignedPermutation-empty", lambda: symmetry.SignedPermutation(()), ValueError,
     r"len\(permutation\) must be an integer in \[1,"),
    ("SignedPermutation-repeated", lambda: symmetry.SignedPermutation((0, 0)), ValueError,
     r"permutation must be a permutation of range\(2\)"),
    ("SignedPermutation.identity-n", lambda: symmetry.SignedPermutation.identity(0), ValueError,
     r"n must be an integer in \[1,"),
    ("SignedPermutation.sign_flip-empty", lambda: symmetry.SignedPermutation.sign_flip([]),
     ValueError, r"len\(signs\) must be an integer in \[1,"),
    ("SignedPermutation.sign_flip-float", lambda: symmetry.SignedPermutation.sign_flip([0.5]),
     TypeError, r"signs entry must be an integer"),
    ("SignedPermutation.random-seed", lambda: symmetry.SignedPermutation.random(3, seed=2**63 - 1),
     ValueError, r"seed must be an integer in \[0, "),
    ("SignedPermutation.matrix-dtype", lambda: symmetry.SignedPermutation((1, 0)).matrix("float"),
     TypeError, r"dtype must be a torch dtype"),
    ("SignedPermutation.call-nan", lambda: symmetry.SignedPermutation((1, 0))(
        torch.tensor([NAN, 1.0])), ValueError, r"x contains NaN"),
    ("SignedPermutation.on_table-n", lambda: symmetry.SignedPermutation((1, 0)).on_table(T3),
     ValueError, r"table is for n=3 but g acts on 2"),
    ("SignedPermutation.on_table-complex", lambda: symmetry.SignedPermutation((1, 0)).on_table(
        torch.ones(4) * 1j), TypeError, r"table must be real"),
    ("group_order-group", lambda: symmetry.group_order(3, "rotations"), ValueError,
     r"unknown group"),
    ("group_elements-batch", lambda: symmetry.group_elements(3, batch_size=0), ValueError,
     r"batch_size must be an integer in \[1, inf\]"),
    ("group_elements-n-float", lambda: symmetry.group_elements(3.0), TypeError,
     r"n must be an integer"),
    ("group_elements-too-large", lambda: symmetry.group_elements(30, "permutations"), ValueError,
     r"too many to enumerate"),
    ("sample_group-count", lambda: symmetry.sample_group(3, 0), ValueError,
     r"count must be an integer in \[1, 100000000\]"),
    ("sample_group-seed", lambda: symmetry.sample_group(3, 2, seed=np.float32(1)), TypeError,
     r"seed must be an int"),
    ("table_index_maps-float-perm", lambda: symmetry.table_index_maps(PERM.double(), SIGNS),
     TypeError, r"permutations must be an integer tensor"),
    ("table_index_maps-float-signs", lambda: symmetry.table_index_maps(PERM, SIGNS.double()),
     TypeError, r"signs must be an integer tensor"),
    ("table_index_maps-empty", lambda: symmetry.table_index_maps(PERM[:0], SIGNS[:0]), ValueError,
     r"permutations must have at least one row"),
    ("table_index_maps-shape", lambda: symmetry.table_index_maps(PERM, SIGNS[:, :2]), ValueError,
     r"permutations and signs must both have shape \(B, n\)"),
    ("table_index_maps-n-25", lambda: symmetry.table_index_maps(
        torch.arange(25)[None], torch.ones(1, 25, dtype=torch.long)), ValueError,
     r"permutations.shape\[1\] must be an integer in \[1, 24\]"),
    ("act_on_first_layer-g", lambda: symmetry.act_on_first_layer(_net(), (0, 1, 2)), TypeError,
     r"g must be a SignedPermutation"),
    ("gradient_descent_trajectory-steps", lambda: symmetry.gradient_descent_trajectory(
        _net(), P3, steps=1.0), TypeError, r"steps must be an integer"),
    ("gradient_descent_trajectory-lr", lambda: symmetry.gradient_descent_trajectory(
        _net(), P3, lr=NAN), ValueError, r"lr must be finite"),
    ("equivariance_check-g", lambda: symmetry.equivariance_check(_net(), P3, None), TypeError,
     r"g must be a SignedPermutation"),
    ("steps_to_learn-seed-float", lambda: symmetry.steps_to_learn(P3, seed=1.5), TypeError,
     r"seed must be an int"),
    ("steps_to_learn-seed-big", lambda: symmetry.steps_to_learn(P3, seed=2**63 - 1), ValueError,
     r"seed must be an integer in \[0, "),
    ("steps_to_learn-threshold", lambda: symmetry.steps_to_learn(P3, threshold=0.5), ValueError,
     r"threshold must be in \(0.5, 1\]"),
    ("parity_steps_experiment-empty", lambda: symmetry.parity_steps_experiment([]), ValueError,
     r"ns must not be empty"),
    ("parity_steps_experiment-seed", lambda: symmetry.parity_steps_experiment([4], seed=2**63 - 1),
     ValueError, r"seed must be an integer in \[0, "),
    ("parity_steps_experiment-arch", lambda: symmetry.parity_steps_experiment(
        [4], architectures=[]), ValueError, r"architectures must not be empty"),
    ("parity_steps_experiment-arch-str", lambda: symmetry.parity_steps_experiment(
        [4], architectures="masked"), TypeError, r"architectures must be a sequence"),
    ("depth_experiment-empty", lambda: symmetry.depth_experiment({}), TypeError,
     r"targets must be a non-empty dict"),
    ("depth_experiment-width", lambda: symmetry.depth_experiment({"p": P3}, width=0), ValueError,
     r"width must be an integer in \[1, inf\]"),
    ("depth_experiment-width-float", lambda: symmetry.depth_experiment({"p": P3}, width=64.0),
     TypeError, r"width must be an integer"),
    ("depth_experiment-seed", lambda: symmetry.depth_experiment({"p": P3}, seed=-1), ValueError,
     r"seed must be an integer in \[0, "),
]


@pytest.mark.parametrize(("call", "exc", "pattern"),
                         [pytest.param(c, e, p, id=i) for i, c, e, p in CASES])
def test_bad_input_is_refused_naming_the_argument(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()


def test_enough_distinct_cases():
    ids = [c[0] for c in CASES]
    assert len(ids) == len(set(ids)) and len(ids) >= 60


# Sizes whose product would exhaust memory: refused by check_size before any allocation.
BOMBS = [
    ("sample_inputs-m-x-n", lambda: boolean.sample_inputs(4096, 10**9), r"m, n too large"),
    ("spawn_seeds-count", lambda: random.spawn_seeds(0, 10**10), r"count too large"),
    ("all_inputs-24", lambda: boolean.all_inputs(24), r"2\^n, n too large"),
    ("all_inputs-23-float64", lambda: boolean.all_inputs(23, dtype=torch.float64),
     r"2\^n, n too large"),
    ("input_chunks-chunk", lambda: boolean.input_chunks(24, 2**24), r"chunk_size, n too large"),
    ("sample_group-count-x-n", lambda: symmetry.sample_group(4096, 10**8), r"count, n too large"),
    ("group_elements-batch", lambda: symmetry.group_elements(11, "permutations", batch_size=10**9),
     r"batch_size, n too large"),
    ("table_index_maps-B-x-2^n", lambda: symmetry.table_index_maps(
        torch.arange(20).repeat(2**11, 1), torch.ones(2**11, 20, dtype=torch.long)),
     r"B, 2\^n too large"),
    ("cross_predictability-targets", lambda: sq.cross_predictability(
        [boolean.Parity(24, k=1)] * 64), r"len\(tables\), 2\^n too large"),
    ("gradient_descent_trajectory-steps", lambda: symmetry.gradient_descent_trajectory(
        MLPEnsemble(3, (4096,), 8, dtype=torch.float64), boolean.Parity(3, k=1), steps=10_000),
     r"steps \+ 1, parameters too large"),
    ("depth_experiment-width", lambda: symmetry.depth_experiment({"p": P3}, width=10**6),
     r"n_models, width, max\(width, n\) too large"),
    ("parity_class_tables-24", lambda: sq.parity_class_tables(24, 12), r"n, k too large"),
]


@pytest.mark.parametrize(("call", "pattern"), [pytest.param(c, p, id=i) for i, c, p in BOMBS])
def test_memory_bombs_are_refused_before_allocating(memory_limit, call, pattern):
    with pytest.raises(ValueError, match=pattern):
        call()


def test_sign_flip_group_at_n_24_is_enumerated_in_bounded_memory(memory_limit):
    perms, signs = next(iter(symmetry.group_elements(24, "sign_flips", batch_size=4)))
    assert signs.shape == (4, 24) and torch.equal(signs[1, :2], torch.tensor([-1, 1]))


# --- positive checks where algorithms changed --------------------------------------------

def _old_majority_degree_profile(n: int) -> np.ndarray:
    """The previous implementation (exact Fractions), valid while C(n, k) fits in a float."""
    h = (n - 1) // 2
    out = []
    for k in range(n + 1):
        if k % 2 == 0:
            out.append(0.0)
            continue
        value = Fraction(math.comb(h, (k - 1) // 2), math.comb(n - 1, k - 1))
        value *= Fraction(2 * math.comb(n - 1, h), 2**n)
        out.append(math.comb(n, k) * float(value) ** 2)
    return np.array(out)


@pytest.mark.parametrize("n", [1, 3, 9, 21, 101, 1001])
def test_majority_degree_profile_matches_the_previous_formula(n):
    np.testing.assert_array_equal(fourier.majority_degree_profile(n),
                                  _old_majority_degree_profile(n))


@pytest.mark.parametrize("n", [1031, 2001, 9999])
def test_majority_degree_profile_is_finite_beyond_float_binomials(n):
    profile = fourier.majority_degree_profile(n)
    assert np.isfinite(profile).all() and (profile >= 0).all()
    assert profile.sum() == pytest.approx(1.0, abs=1e-12)
    assert profile[1] == pytest.approx(2 / math.pi, rel=1e-3)


def test_parity_class_cp_has_no_overflow():
    assert sq.parity_class_cp(20, 10) == 1.0 / math.comb(20, 10)
    assert sq.parity_class_cp(1100, 550) == 0.0  # 1/C(1100, 550) ~ 1e-330 underflows
    assert sq.parity_class_cp(1100, 3) == pytest.approx(1 / math.comb(1100, 3), rel=1e-15)
    assert math.isfinite(sq.orbit_cp_from_profile([0.0] * 3 + [1.0], 4096))
    assert math.isfinite(sq.orbit_cp_upper_bound([0.0, 0.5, 0.5], 1000, 4096))


def test_subset_sizes_and_degree_profile_are_unchanged():
    for n in (1, 5, 12):
        masks = torch.arange(2**n)
        expected = ((masks.unsqueeze(-1) >> torch.arange(n)) & 1).sum(-1)
        assert torch.equal(fourier.subset_sizes(n), expected)


def test_numpy_seeds_behave_like_python_ints():
    assert torch.equal(boolean.sample_inputs(5, 4, seed=np.int64(5)),
                       boolean.sample_inputs(5, 4, seed=5))
    assert random.spawn_seeds(np.int32(3), 3) == random.spawn_seeds(3, 3)
    assert random.make_generator(2**62).initial_seed() == 2**62


def test_index_maps_without_the_bit_table_agree(monkeypatch):
    perms, signs = symmetry.sample_group(6, 5, seed=2)
    expected = symmetry._index_maps(perms, signs)
    monkeypatch.setattr(symmetry, "_MATMUL_MAX_N", 0)
    assert torch.equal(symmetry._index_maps(perms, signs), expected)


def test_function_target_accepts_valid_outputs():
    table = _fn_target(lambda x: x.prod(-1))
    assert torch.equal(table, boolean.truth_table(boolean.Parity(3, k=3)))
    real = _fn_target(lambda x: x.sum(-1).numpy(), False)   # array-like output is converted
    assert torch.equal(real, boolean.all_inputs(3, dtype=torch.float64).sum(-1))
