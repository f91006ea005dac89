"""Bad input at the public API of networks, alignment, training and lower_bound.

Each case calls one public function with one bad argument and expects the exception type
and a message that names the argument. Memory-bomb cases run under ``memory_limit``, so a
regressed size guard fails with MemoryError instead of swapping the machine.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import inal_tutorial as it
from inal_tutorial import alignment as al
from inal_tutorial import lower_bound as lb
from inal_tutorial import networks as nw
from inal_tutorial import profiles as pr
from inal_tutorial import training as tr
from inal_tutorial._validation import MAX_SEED, DivergenceError


def _net(n=4, width=4, m=2, **kw):
    return it.MLPEnsemble(n, (width,), n_models=m, seed=0, dtype=torch.float64, **kw)


def _gen():
    return torch.Generator().manual_seed(0)


_PARITY = it.Parity(4, k=2)
_TABLES = lb.class_tables([it.Parity(3, k=1), it.Parity(3, k=2)])
_X4 = it.all_inputs(4, dtype=torch.float64)
_Y4 = _PARITY(_X4).double()
_SQ = [torch.rand(3, 4, dtype=torch.float64), torch.rand(3, 1, dtype=torch.float64)]
_JAC = torch.zeros(2, 8, 5, dtype=torch.float64)

V, T, D = ValueError, TypeError, DivergenceError

# (id, call, exception, regex naming the argument)
CASES = [
    # --- networks.MLPEnsemble ---
    ("mlp-n-zero", lambda: it.MLPEnsemble(0), V, r"n_inputs must be"),
    ("mlp-n-float", lambda: it.MLPEnsemble(4.0), T, r"n_inputs must be an integer"),
    ("mlp-width-zero", lambda: it.MLPEnsemble(4, (0,)), V, r"width must be"),
    ("mlp-hidden-empty", lambda: it.MLPEnsemble(4, ()), T, r"hidden must be"),
    ("mlp-n-models-zero", lambda: it.MLPEnsemble(4, (4,), n_models=0), V, r"n_models must be"),
    ("mlp-dtype-string", lambda: it.MLPEnsemble(4, (4,), dtype="float32"), T,
     r"dtype must be a torch dtype"),
    ("mlp-dtype-int", lambda: it.MLPEnsemble(4, (4,), dtype=torch.int64), V,
     r"dtype must be one of"),
    ("mlp-device-gpu", lambda: it.MLPEnsemble(4, (4,), device="gpu"), V, r"device must be"),
    ("mlp-device-int", lambda: it.MLPEnsemble(4, (4,), device=3.5), T, r"device must be"),
    ("mlp-seed-huge", lambda: it.MLPEnsemble(4, (4,), seed=2**63 - 1), V, r"seed must be"),
    ("mlp-seed-negative", lambda: it.MLPEnsemble(4, (4,), seed=-1), V, r"seed must be"),
    ("mlp-seed-float", lambda: it.MLPEnsemble(4, (4,), seed=1.5), T, r"seed must be"),
    ("mlp-bias-std-nan", lambda: it.MLPEnsemble(4, (4,), bias_std=math.nan), V,
     r"bias_std must be finite"),
    ("mlp-mask-empty", lambda: it.MLPEnsemble(4, (4,), first_layer_mask=[]), V,
     r"first_layer_mask must not be empty"),
    ("mlp-mask-out-of-range", lambda: it.MLPEnsemble(4, (4,), first_layer_mask=[7]), V,
     r"first_layer_mask entry"),
    ("mlp-memory-bomb", lambda: it.MLPEnsemble(4096, (10**6,)), V, r"n_models.*n_inputs"),
    ("mlp-memory-bomb-models", lambda: it.MLPEnsemble(100, (10**5,), n_models=10**4), V,
     r"n_models"),
    ("mlp-forward-bad-shape", lambda: _net()(torch.zeros(3, 5)), V, r"x must have shape"),
    ("mlp-member-index", lambda: _net().member(5), V, r"index must be"),
    # --- networks.sample_law / activation_function ---
    ("law-unknown", lambda: nw.sample_law("cauchy", (2,), 1.0, _gen()), V, r"law"),
    ("law-shape-negative", lambda: nw.sample_law("gaussian", (-1, 2), 1.0, _gen()), V,
     r"shape entry"),
    ("law-shape-string", lambda: nw.sample_law("gaussian", "ab", 1.0, _gen()), T, r"shape must"),
    ("law-std-negative", lambda: nw.sample_law("gaussian", (2,), -1.0, _gen()), V,
     r"std must be"),
    ("law-std-nan", lambda: nw.sample_law("gaussian", (2,), math.nan, _gen()), V,
     r"std must be finite"),
    ("law-generator-int", lambda: nw.sample_law("gaussian", (2,), 1.0, 0), T,
     r"generator must be"),
    ("law-dtype-string", lambda: nw.sample_law("gaussian", (2,), 1.0, _gen(), dtype="float64"),
     T, r"dtype must be"),
    ("law-device-gpu", lambda: nw.sample_law("gaussian", (2,), 1.0, _gen(), device="gpu"), V,
     r"device must be"),
    ("law-memory-bomb", lambda: nw.sample_law("gaussian", (10**6, 10**6), 1.0, _gen()), V,
     r"shape\[0\], shape\[1\] too large"),
    ("activation-unknown", lambda: nw.activation_function("swish"), V, r"activation"),
    # --- alignment: low-level helpers ---
    ("usm-n-samples", lambda: al.unbiased_squared_mean(torch.ones(2), torch.ones(2), 1), V,
     r"n_samples must be"),
    ("usm-shape", lambda: al.unbiased_squared_mean(torch.ones(2), torch.ones(3), 5), V,
     r"sum_a2 must have the shape"),
    ("usm-nan", lambda: al.unbiased_squared_mean(torch.tensor([math.nan]), torch.ones(1), 5), V,
     r"sum_a contains NaN"),
    ("usm-negative-squares", lambda: al.unbiased_squared_mean(torch.ones(2), -torch.ones(2), 5),
     V, r"sum_a2 must be >= 0"),
    ("usm-string", lambda: al.unbiased_squared_mean("a", torch.ones(1), 5), T, r"sum_a must be"),
    ("plugin-nan", lambda: al.plugin_squared_mean(torch.tensor([math.inf]), 5), V,
     r"sum_a contains NaN"),
    ("plugin-n-samples", lambda: al.plugin_squared_mean(torch.ones(2), 0), V,
     r"n_samples must be"),
    ("irfs-empty", lambda: al.inal_result_from_squares([], "exact", None), V,
     r"squares must hold at least one layer"),
    ("irfs-not-list", lambda: al.inal_result_from_squares(torch.ones(3, 2), "exact", None), T,
     r"squares must be a list"),
    ("irfs-one-init", lambda: al.inal_result_from_squares([torch.ones(1, 3)], "exact", None), V,
     r"squares\[0\] must have shape"),
    ("irfs-mismatched-m", lambda: al.inal_result_from_squares([_SQ[0], torch.ones(2, 1)],
                                                              "exact", None), V,
     r"squares\[1\] must have M = 3"),
    ("irfs-nan", lambda: al.inal_result_from_squares([torch.full((2, 2), math.nan)], "exact",
                                                     None), V, r"squares\[0\] contains NaN"),
    ("irfs-method", lambda: al.inal_result_from_squares(_SQ, 3, None), T, r"method must be"),
    ("irfs-n-samples", lambda: al.inal_result_from_squares(_SQ, "sampled", 0), V,
     r"n_samples must be"),
    # --- alignment: estimators ---
    ("inal-target-type", lambda: it.estimate_inal(np.ones(16)), T, r"target must be"),
    ("inal-network-type", lambda: it.estimate_inal(_PARITY, "net"), T, r"network must be"),
    ("inal-wrong-n", lambda: it.estimate_inal(it.Parity(5, k=1), _net(6)), V,
     r"target has n=5.*n_inputs=6"),
    ("inal-n-init-one", lambda: it.estimate_inal(_PARITY, n_init=1), V, r"n_init must be"),
    ("inal-n-init-memory-bomb", lambda: it.estimate_inal(_PARITY, n_init=10**7), V,
     r"n_init.*too large"),
    ("inal-seed-huge", lambda: it.estimate_inal(_PARITY, seed=2**63 - 1, n_init=2), V,
     r"seed must be"),
    ("inal-seed-float", lambda: it.estimate_inal(_PARITY, seed=0.5, n_init=2), T,
     r"seed must be"),
    ("inal-n-samples-one", lambda: it.estimate_inal(_PARITY, n_samples=1, n_init=2), V,
     r"n_samples must be"),
    ("inal-estimator", lambda: it.estimate_inal(_PARITY, estimator="mle", n_init=2), V,
     r"estimator"),
    ("inal-dtype-string", lambda: it.estimate_inal(_PARITY, n_init=2, dtype="float32"), T,
     r"dtype must be"),
    ("inal-device-gpu", lambda: it.estimate_inal(_PARITY, n_init=2, device="gpu"), V,
     r"device must be"),
    ("inal-architecture-with-network", lambda: it.estimate_inal(_PARITY, _net(), hidden=(3,)),
     T, r"architecture options"),
    ("nc-chunk-memory-bomb", lambda: al.neuron_correlations(_PARITY, _net(), n_samples=10,
                                                            chunk_size=10**12), V,
     r"chunk_size.*too large"),
    ("nc-seed-negative", lambda: al.neuron_correlations(_PARITY, _net(), n_samples=10, seed=-3),
     V, r"seed must be"),
    ("nc-memory-budget", lambda: al.neuron_correlations(_PARITY, _net(), memory_budget=0), V,
     r"memory_budget must be"),
    # --- alignment: profiles ---
    ("flp-n-too-large", lambda: it.first_layer_profile(21), V, r"n must be at most 20"),
    ("flp-n-float", lambda: it.first_layer_profile(4.0), T, r"n must be an integer"),
    ("flp-n-neurons", lambda: it.first_layer_profile(4, n_neurons=1), V, r"n_neurons must be"),
    ("flp-batch", lambda: it.first_layer_profile(4, batch=0), V, r"batch must be"),
    ("flp-seed-huge", lambda: it.first_layer_profile(4, seed=2**63 - 1), V, r"seed must be"),
    ("flp-device-gpu", lambda: it.first_layer_profile(4, device="gpu"), V, r"device must be"),
    ("flp-bias-std-inf", lambda: it.first_layer_profile(4, bias_std=math.inf), V,
     r"bias_std must be finite"),
    ("fli-profile-type", lambda: it.first_layer_inal(_PARITY, "profile"), T, r"profile must be"),
    ("gflp-n-too-large", lambda: it.gaussian_first_layer_profile(4097), V,
     r"n must be an integer in"),
    ("gflp-max-degree", lambda: it.gaussian_first_layer_profile(5, max_degree=6), V,
     r"max_degree must be"),
    ("gflp-bias-law", lambda: it.gaussian_first_layer_profile(5, bias="uniform"), V,
     r"bias must be 'gaussian'"),
    ("gflp-nodes", lambda: it.gaussian_first_layer_profile(5, "tanh", quadrature_nodes=2), V,
     r"quadrature_nodes must be"),
    ("rflp-n-cost", lambda: it.rademacher_first_layer_profile(4096, "tanh", "gaussian", 10.0),
     V, r"n, max_degree, nodes_per_piece, bias_std too large"),
    ("rflp-nodes", lambda: it.rademacher_first_layer_profile(5, nodes_per_piece=1), V,
     r"nodes_per_piece must be"),
    ("hc-k-large", lambda: it.hermite_coefficient("relu", 201), V, r"k must be"),
    ("hc-k-float", lambda: it.hermite_coefficient("relu", 2.0), T, r"k must be an integer"),
    ("hc-b-nan", lambda: it.hermite_coefficient("relu", 2, b=math.nan), V, r"b must be finite"),
    ("hc-b-string", lambda: it.hermite_coefficient("relu", 2, b="x"), T, r"b must be"),
    ("hc-nodes-zero", lambda: it.hermite_coefficient("tanh", 2, quadrature_nodes=0), V,
     r"quadrature_nodes must be"),
    ("hp-memory-bomb", lambda: it.hermite_profile(10**9), V, r"max_degree must be given"),
    ("hp-max-degree", lambda: it.hermite_profile(300, 250), V, r"max_degree must be"),
    ("hp-nodes-zero", lambda: it.hermite_profile(4, quadrature_nodes=0), V,
     r"quadrature_nodes must be"),
    ("hp-bias-std-nan", lambda: it.hermite_profile(4, bias_std=math.nan), V, r"bias_std must"),
    # --- training ---
    ("train-lr-zero", lambda: it.train(_net(), _PARITY, steps=2, lr=0.0, progress=False), V,
     r"lr must be"),
    ("train-lr-nan", lambda: it.train(_net(), _PARITY, steps=2, lr=math.nan, progress=False), V,
     r"lr must be finite"),
    ("train-steps-float", lambda: it.train(_net(), _PARITY, steps=2.0, lr=0.1, progress=False),
     T, r"steps must be an integer"),
    ("train-seed-huge", lambda: it.train(_net(), _PARITY, steps=1, lr=0.1, seed=2**63 - 1,
                                         progress=False), V, r"^seed must be"),
    ("train-seed-float", lambda: it.train(_net(), _PARITY, steps=1, lr=0.1, seed=1.5,
                                          progress=False), T, r"^seed must be"),
    ("train-seed-list-entry", lambda: it.train(_net(), _PARITY, steps=1, lr=0.1, seed=[0, -1],
                                               progress=False), V, r"seed\[1\] must be"),
    ("train-seed-list-length", lambda: it.train(_net(), _PARITY, steps=1, lr=0.1, seed=[0],
                                                progress=False), V, r"seed must hold one"),
    ("train-data-seed", lambda: it.train(_net(), _PARITY, steps=1, lr=0.1, data_seed=-1,
                                         progress=False), V, r"data_seed must be"),
    ("train-wrong-n", lambda: it.train(_net(6), it.Parity(5, k=1), steps=1, lr=0.1,
                                       progress=False), V, r"task must be a target on n = 6"),
    ("train-dataset-wrong-shape",
     lambda: it.train(_net(), tr.ArrayDataset(np.ones((3, 5)), np.ones(3)), steps=1, lr=0.1,
                      progress=False), V, r"task must have inputs of shape \(4,\)"),
    ("train-device-gpu", lambda: it.train(_net(), _PARITY, steps=1, lr=0.1, device="gpu",
                                          progress=False), V, r"device must be"),
    ("train-task-type", lambda: it.train(_net(), np.ones(16), steps=1, lr=0.1, progress=False),
     T, r"task must be"),
    ("train-batch-memory-bomb", lambda: it.sgd(_net(40), it.Parity(40, k=2), steps=1, lr=0.1,
                                               batch_size=10**8, progress=False), V,
     r"n_models, batch_size.*too large"),
    ("train-train-size-memory-bomb",
     lambda: it.train(_net(4000), it.Parity(4000, k=2), steps=1, lr=0.1, train_size=10**8,
                      progress=False), V, r"train_size, n too large"),
    ("train-test-size-memory-bomb",
     lambda: it.train(_net(4000), it.Parity(4000, k=2), steps=1, lr=0.1, batch_size=4,
                      test_size=10**8, progress=False), V, r"test_size, n too large"),
    ("train-population-too-large", lambda: it.train(_net(30), it.Parity(30, k=2), steps=1,
                                                    lr=0.1, progress=False), V,
     r"n must be at most 20"),
    ("train-noise-negative", lambda: it.noisy_gd(_net(), _PARITY, steps=1, lr=0.1,
                                                 noise_std=-1.0, clip=None, progress=False), V,
     r"noise_std must be"),
    ("train-clip-zero", lambda: it.noisy_gd(_net(), _PARITY, steps=1, lr=0.1, noise_std=0.1,
                                            clip=0.0, progress=False), V, r"clip must be"),
    ("sgd-noise-option", lambda: it.sgd(_net(), _PARITY, steps=1, lr=0.1, batch_size=4,
                                        noise_std=0.1), T, r"noise_std"),
    ("train-diverges-lr", lambda: it.train(_net(), _PARITY, steps=20, lr=1e30, progress=False),
     D, r"diverged .*step \d+.*lr=1e\+30"),
    ("noisy-gd-diverges-noise", lambda: it.noisy_gd(_net(), _PARITY, steps=5, lr=0.1,
                                                    noise_std=1e300, clip=1.0, progress=False),
     D, r"noisy GD diverged .*noise_std=1e\+300.*clip=1"),
    ("sgd-diverges-lr", lambda: it.sgd(_net(), _PARITY, steps=20, lr=1e30, batch_size=4,
                                       loss="square", progress=False), D,
     r"SGD diverged .*lr=1e\+30"),
    ("evaluate-data-seed", lambda: it.evaluate(_net(), _PARITY, data_seed=2**63), V,
     r"data_seed must be"),
    ("evaluate-wrong-n", lambda: it.evaluate(_net(6), it.Parity(5, k=1)), V, r"task must be"),
    ("evaluate-test-size-memory-bomb", lambda: it.evaluate(_net(4000), it.Parity(4000, k=1),
                                                           test_size=10**8), V,
     r"test_size, n too large"),
    ("loss-gradient-x-type", lambda: tr.loss_gradient(_net(), np.ones((2, 4)), _Y4[:2]), T,
     r"x must be a torch.Tensor"),
    ("loss-gradient-x-nan", lambda: tr.loss_gradient(_net(), torch.full((2, 4), math.nan),
                                                     _Y4[:2]), V, r"x must be finite"),
    ("loss-gradient-y-shape", lambda: tr.loss_gradient(_net(), _X4, _Y4[:3]), V,
     r"y must have one label per input"),
    ("loss-gradient-y-nan", lambda: tr.loss_gradient(_net(), _X4, _Y4 * math.nan), V,
     r"y must be finite"),
    ("loss-gradient-empty", lambda: tr.loss_gradient(_net(), _X4[:0], _Y4[:0]), V,
     r"x must hold at least one input"),
    ("loss-gradient-loss", lambda: tr.loss_gradient(_net(), _X4, _Y4, "l1"), V, r"loss"),
    ("clip-values-type", lambda: tr.clip_coordinates([1.0, 2.0], 1.0), T,
     r"values must be a torch.Tensor"),
    ("clip-values-nan", lambda: tr.clip_coordinates(torch.tensor([math.nan]), 1.0), V,
     r"values must be finite"),
    ("clip-negative", lambda: tr.clip_coordinates(torch.ones(2), -1.0), V, r"clip must be"),
    ("flat-gradient-empty", lambda: tr.flat_gradient([]), V, r"grads must hold at least one"),
    ("flat-gradient-mismatch", lambda: tr.flat_gradient([torch.ones(2, 3), torch.ones(3, 1)]), V,
     r"grads\[1\] must have leading size M = 2"),
    ("training-seeds-numpy-bad", lambda: tr.training_seeds(np.int64(-1), 2), V, r"seed must be"),
    ("training-seeds-n-models", lambda: tr.training_seeds(0, 0), V, r"n_models must be"),
    ("dataset-empty", lambda: tr.ArrayDataset(np.ones((0, 3)), np.ones(0)), V,
     r"X_train must hold at least one example"),
    ("dataset-nan", lambda: tr.ArrayDataset(np.full((2, 3), np.nan), np.ones(2)), V,
     r"X_train contains NaN"),
    ("dataset-y-shape", lambda: tr.ArrayDataset(np.ones((2, 3)), np.ones(3)), V,
     r"y_train must have shape"),
    # --- lower_bound ---
    ("class-tables-empty", lambda: lb.class_tables([]), V, r"targets must not be empty"),
    ("class-tables-zero-rows", lambda: lb.class_tables(np.ones((0, 8))), V,
     r"targets must hold at least one"),
    ("class-tables-nan", lambda: lb.class_tables(np.full((2, 8), np.nan)), V,
     r"targets contains NaN"),
    ("class-tables-length", lambda: lb.class_tables(np.ones((2, 6))), V, r"a row of targets"),
    ("class-tables-string", lambda: lb.class_tables("abc"), T, r"targets must be"),
    ("class-gram-names-tables", lambda: lb.class_gram(np.ones(8)), V, r"^tables must be"),
    ("class-cp-names-tables", lambda: lb.class_cross_predictability([]), V,
     r"^tables must not be empty"),
    ("operator-norm-names-tables", lambda: lb.correlation_operator_norm(np.ones((2, 5))), V,
     r"a row of tables"),
    ("second-moment-functions", lambda: lb.correlation_second_moment(_TABLES, np.ones(4)), V,
     r"functions must have a last axis"),
    ("output-jacobian-x-shape", lambda: lb.output_jacobian(_net(), torch.ones(3, 5)), V,
     r"x must have shape \(N, 4\)"),
    ("output-jacobian-x-nan", lambda: lb.output_jacobian(_net(), torch.full((3, 4), math.nan)),
     V, r"x must be finite"),
    ("output-jacobian-chunk", lambda: lb.output_jacobian(_net(), _X4, chunk_size=0), V,
     r"chunk_size must be"),
    ("output-jacobian-memory-bomb",
     lambda: lb.output_jacobian(_net(), torch.ones(1, 4).double().expand(10**8, 4)), V,
     r"n_models, N \(rows of x\), P \(parameters per model\) too large"),
    ("junk-gradient-ndim", lambda: lb.junk_gradient(torch.ones(2, 8), torch.ones(2, 8)), V,
     r"jacobian must have shape"),
    ("junk-gradient-outputs", lambda: lb.junk_gradient(_JAC, torch.ones(2, 7)), V,
     r"outputs must have shape"),
    ("junk-gradient-nan", lambda: lb.junk_gradient(_JAC * math.nan, torch.ones(2, 8)), V,
     r"jacobian must be finite"),
    ("label-gradient-length", lambda: lb.label_dependent_gradient(_JAC[:, :4], _TABLES), V,
     r"tables must have rows of length N = 4"),
    ("label-gradient-jacobian", lambda: lb.label_dependent_gradient("j", _TABLES), T,
     r"jacobian must be"),
    ("kl-std-zero", lambda: lb.gaussian_kl([1.0], [0.0], 0.0), V, r"std must be"),
    ("kl-shape", lambda: lb.gaussian_kl([1.0, 2.0], [0.0], 1.0), V,
     r"mean_q must have the shape"),
    ("kl-nan", lambda: lb.gaussian_kl([math.nan], [0.0], 1.0), V, r"mean_p contains NaN"),
    ("kl-empty", lambda: lb.gaussian_kl([], [], 1.0), V, r"mean_p must have a non-empty"),
    ("kl-string", lambda: lb.gaussian_kl("ab", [0.0], 1.0), T, r"mean_p must be"),
    ("tv-nan", lambda: lb.gaussian_tv([0.0], [math.inf], 1.0), V, r"mean_q contains NaN"),
    ("tv-std-nan", lambda: lb.gaussian_tv([0.0], [0.0], math.nan), V, r"std must be finite"),
    ("pinsker-negative", lambda: lb.pinsker_bound([-1.0]), V, r"kl must be finite"),
    ("pinsker-string", lambda: lb.pinsker_bound("x"), T, r"kl must be"),
    ("success-lam", lambda: lb.success_bound(0.1, 2.0), V, r"lam must be"),
    ("success-kl-nan", lambda: lb.success_bound(math.nan, 0.5), V, r"kl_total must be finite"),
    ("trace-noise-zero", lambda: lb.trace_junk_run(_net(3), _TABLES, steps=1, lr=0.1,
                                                   noise_std=0.0), V, r"noise_std must be"),
    ("trace-wrong-n", lambda: lb.trace_junk_run(_net(4), _TABLES, steps=1, lr=0.1,
                                                noise_std=0.1), V,
     r"classes must be on n = 4"),
    ("trace-seed", lambda: lb.trace_junk_run(_net(3), _TABLES, steps=1, lr=0.1, noise_std=0.1,
                                             seed=MAX_SEED + 1), V, r"seed must be"),
    ("trace-tables-empty", lambda: lb.trace_junk_run(_net(3), [], steps=1, lr=0.1,
                                                     noise_std=0.1), V,
     r"tables must not be empty"),
    ("trace-classes-name", lambda: lb.trace_junk_runs(_net(3), {"bad": np.ones((2, 5))},
                                                      steps=1, lr=0.1, noise_std=0.1), V,
     r"classes\['bad'\]"),
    ("trace-diverges", lambda: lb.trace_junk_run(_net(3), _TABLES, steps=5, lr=1e30,
                                                 noise_std=1e30), D, r"diverged .*lr=1e\+30"),
]

_MEMORY = {case[0] for case in CASES if "memory-bomb" in case[0]}


@pytest.mark.parametrize("call, error, pattern", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_bad_input_is_refused(request, call, error, pattern):
    if request.node.callspec.id in _MEMORY:
        request.getfixturevalue("memory_limit")
    with pytest.raises(error, match=pattern):
        call()


def test_case_table_is_large_and_ids_unique():
    ids = [c[0] for c in CASES]
    assert len(ids) == len(set(ids))
    assert len(ids) >= 70


def test_memory_bomb_cases_fail_fast(memory_limit):
    with pytest.raises(ValueError, match="INAL_MAX_TENSOR_BYTES"):
        it.MLPEnsemble(4096, (10**6,))


def test_normal_run_is_unchanged_by_the_checks(monkeypatch):
    """train is plain (S)GD: the same updates as a hand-written loop, bit for bit on the
    autograd path, to float32 rounding on the hand-written-gradient path."""
    from inal_tutorial import _mlp_gradients

    ref = _net(m=3)
    params = [p for p in ref.parameters() if p.requires_grad]
    for _ in range(7):
        grads, _ = tr.loss_gradient(ref, _X4, _Y4)
        with torch.no_grad():
            for p, g in zip(params, grads, strict=True):
                p.sub_(0.05 * g)
    net = _net(m=3)
    history = it.train(net, _PARITY, steps=7, lr=0.05, progress=False)
    assert history.config["gradient"] == "hand-written"
    for a, b in zip(net.parameters(), ref.parameters(), strict=True):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)
    assert np.isfinite(history["loss"]).all()
    monkeypatch.setattr(_mlp_gradients, "supports", lambda model, loss: False)
    net = _net(m=3)
    history = it.train(net, _PARITY, steps=7, lr=0.05, progress=False)
    assert history.config["gradient"] == "autograd"
    for a, b in zip(net.parameters(), ref.parameters(), strict=True):
        assert torch.equal(a, b)
    # Noisy, clipped runs are reproducible and finite.
    a = it.noisy_gd(_net(), _PARITY, steps=5, lr=0.1, noise_std=0.05, clip=1.0, seed=3,
                    progress=False)
    b = it.noisy_gd(_net(), _PARITY, steps=5, lr=0.1, noise_std=0.05, clip=1.0, seed=3,
                    progress=False)
    np.testing.assert_array_equal(a["loss"], b["loss"])


def test_numpy_seeds_behave_as_python_ints():
    a = it.train(_net(), _PARITY, steps=3, lr=0.1, batch_size=4, seed=np.int64(5),
                 progress=False)
    b = it.train(_net(), _PARITY, steps=3, lr=0.1, batch_size=4, seed=5, progress=False)
    assert a.config["data_seed"] == b.config["data_seed"] == 5
    np.testing.assert_array_equal(a["loss"], b["loss"])
    r1 = it.estimate_inal(_PARITY, n_init=2, hidden=(4,), seed=np.int64(3), n_samples=50)
    r2 = it.estimate_inal(_PARITY, n_init=2, hidden=(4,), seed=3, n_samples=50)
    assert r1.value == r2.value
    assert it.estimate_inal(_PARITY, n_init=2, hidden=(4,), seed=MAX_SEED).n_init == 2


def test_hermite_closed_forms_stay_finite_far_out():
    value = it.hermite_coefficient("relu", 200, b=40.0)
    assert np.isfinite(value) and value != 0.0
    # Unchanged where the direct product is resolved.
    b = np.linspace(-5, 5, 11)
    np.testing.assert_array_equal(it.hermite_coefficient("relu", 7, b),
                                  pr._phi(b) * pr._he(5, -b))
    assert np.isfinite(it.hermite_profile(300, 200, bias_std=5.0)).all()


def test_first_layer_profile_in_blocks_matches_one_block(monkeypatch):
    ref = it.first_layer_profile(8, n_neurons=40, seed=1, batch=32)
    monkeypatch.setattr(pr, "_PROFILE_TABLE_ENTRIES", 5 * 2**8)
    blocked = it.first_layer_profile(8, n_neurons=40, seed=1, batch=32)
    np.testing.assert_allclose(ref.values, blocked.values, rtol=1e-13, atol=0)
    np.testing.assert_allclose(ref.stderr, blocked.stderr, rtol=1e-10, atol=0)
