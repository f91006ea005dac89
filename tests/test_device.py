"""Where the computation runs: the same code on every device, and the fast kernels.

* The fast CPU kernels (the cache-blocked and the optional C Walsh–Hadamard transform, the
  exact first-layer path of ``neuron_correlations``) against brute-force definitions.
* Every public function of the core modules that creates tensors takes ``device``.
* With CUDA present, the same calls on the GPU give the CPU's results; without it those
  tests are skipped, with the reason.
"""

import inspect

import numpy as np
import pytest
import torch

import inal_tutorial as it
from inal_tutorial import alignment, boolean, fourier, networks, profiles

HAS_CUDA = torch.cuda.is_available()
needs_cuda = pytest.mark.skipif(not HAS_CUDA, reason="no CUDA device on this machine "
                                "(torch.cuda.is_available() is False): GPU runs not checked")
needs_fht_cpu = pytest.mark.skipif(fourier._fht_cpu is None, reason="optional C library fht-cpu "
                                   "is not installed (pip install fht-cpu; see benchmarks/)")


def hadamard_matrix(n: int) -> torch.Tensor:
    """H[i, S] = (-1)^{popcount(i & S)}, by the definition."""
    i = torch.arange(2**n)
    bits = ((i[:, None] & i[None, :]).unsqueeze(-1) >> torch.arange(n)) & 1
    return (1 - 2 * (bits.sum(-1) % 2)).double()


# ---------------------------------------------------------------------------
# The Walsh–Hadamard kernels
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("block_bits", [3, 5, 17])
@pytest.mark.parametrize("n, rows", [(1, 1), (3, 4), (6, 1), (6, 5), (8, 3), (9, 1)])
def test_torch_transform_matches_the_hadamard_matrix(monkeypatch, block_bits, n, rows):
    # Small blocks make small n take every path: whole tensor, row groups, low bits by
    # segment and high bits by column block.
    monkeypatch.setattr(fourier, "_BLOCK_BITS", block_bits)
    gen = torch.Generator().manual_seed(n * 100 + rows)
    values = torch.randn(rows, 2**n, generator=gen, dtype=torch.float64)
    expected = values @ hadamard_matrix(n)
    out = fourier._fwht_torch(values.clone(), n)
    assert torch.allclose(out, expected, atol=1e-12 * 2**n, rtol=0)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_blocked_transform_equals_plain_butterflies_exactly_on_integers(dtype):
    # Integer data: every partial sum is exact, so any order of passes gives equal results.
    gen = torch.Generator().manual_seed(0)
    for n, rows in [(fourier._BLOCK_BITS + 2, 1), (12, 70)]:
        values = torch.randint(-3, 4, (rows, 2**n), generator=gen).to(dtype)
        plain = values.clone()
        fourier._butterflies(plain, range(n))
        assert torch.equal(fourier._fwht_torch(values.clone(), n), plain)


@needs_fht_cpu
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("n, rows", [(1, 1), (2, 3), (7, 1), (10, 4), (13, 2)])
def test_c_transform_matches_the_torch_kernel(dtype, n, rows):
    gen = torch.Generator().manual_seed(n)
    values = torch.randint(-5, 6, (rows, 2**n), generator=gen).to(dtype)
    assert torch.equal(fourier._fwht_c(values.clone(), n), fourier._fwht_torch(values.clone(), n))
    if n <= 10:
        reals = torch.randn(rows, 2**n, generator=gen, dtype=torch.float64)
        assert torch.allclose(fourier._fwht_c(reals.clone(), n), reals @ hadamard_matrix(n),
                              atol=1e-12 * 2**n, rtol=0)


def test_transform_keeps_autograd_and_leaves_non_contiguous_input_alone():
    # The C library would bypass autograd: tensors that require grad use the torch kernel.
    n = 5
    values = torch.randn(3, 2**n, dtype=torch.float64, requires_grad=True)
    weights = torch.randn(3, 2**n, dtype=torch.float64)
    (it.walsh_hadamard(values) * weights).sum().backward()
    assert torch.allclose(values.grad, weights @ hadamard_matrix(n), atol=1e-12)
    base = torch.randn(2**n, 2, dtype=torch.float64)
    column = base[:, 0]  # non-contiguous
    before = base.clone()
    assert torch.allclose(it.walsh_hadamard(column), column @ hadamard_matrix(n), atol=1e-12)
    assert torch.equal(base, before)


def test_c_backend_is_used_only_where_it_applies(monkeypatch):
    calls = []
    monkeypatch.setattr(fourier, "_fht_cpu", object())
    monkeypatch.setattr(fourier, "_fwht_c", lambda v, n: calls.append(v.dtype) or v)
    fourier._fwht_inplace(torch.zeros(4, dtype=torch.float32), 2)
    fourier._fwht_inplace(torch.zeros(4, dtype=torch.float64), 2)
    assert calls == [torch.float32, torch.float64]
    fourier._fwht_inplace(torch.zeros(4, dtype=torch.float16), 2)        # unsupported dtype
    fourier._fwht_inplace(torch.zeros(4, dtype=torch.float64, requires_grad=True).clone(), 2)
    assert len(calls) == 2


# ---------------------------------------------------------------------------
# Exact and sampled neuron correlations against the definition
# ---------------------------------------------------------------------------


def brute_force_sums(target, network, x):
    """Σ_x f(x) NN_v(x) and Σ_x (f(x) NN_v(x))^2 from neuron_outputs, in float64."""
    with torch.no_grad():
        f = target(x).double()
        outputs = network.neuron_outputs(x)
    f = f.view(1, -1, 1) if f.ndim == 1 else f.unsqueeze(-1)
    sums = [(o.double() * f).sum(1) for o in outputs]
    squares = [((o.double() * f) ** 2).sum(1) for o in outputs]
    return sums, squares


ARCHITECTURES = [
    dict(hidden=(24,), activation="relu", bias="gaussian"),
    dict(hidden=(9,), activation="sign", init="rademacher", bias="none"),
    dict(hidden=(12, 7), activation="tanh", bias="uniform", output_bias=True),
    dict(hidden=(6, 5, 4), activation="abs", bias="zero"),
    dict(hidden=(16,), activation="gelu", first_layer_mask=[0, 2, 5], output_bias=True),
]


@pytest.mark.parametrize("architecture", ARCHITECTURES)
@pytest.mark.parametrize("memory_budget, chunk_size", [(1 << 22, None), (64, None), (1 << 22, 37)])
def test_exact_correlations_match_the_definition(architecture, memory_budget, chunk_size):
    # A tiny memory budget forces the first-layer path to split off few low bits.
    n = 11
    target = it.Mixture([it.Parity(n, [1, 4, 7]), it.Majority(n)], [0.6, 0.4], boolean=False)
    net = it.MLPEnsemble(n, n_models=3, seed=4, dtype=torch.float64, **architecture)
    sums, squares = it.neuron_correlations(target, net, memory_budget=memory_budget,
                                           chunk_size=chunk_size)
    expected, _ = brute_force_sums(target, net, it.all_inputs(n, dtype=torch.float64))
    for got, want in zip(sums, expected, strict=True):
        assert got.dtype == torch.float64 and got.shape == want.shape
        assert torch.allclose(got, want, atol=1e-10, rtol=1e-12)
    assert all(bool((q == 0).all()) for q in squares)  # not computed when exact


@pytest.mark.parametrize("bits", [1, 2, 5, 10])
def test_cube_table_by_doubling_is_all_inputs(bits):
    for dtype in (torch.float32, torch.float64):
        assert torch.equal(alignment._cube_table(bits, dtype, None),
                           it.all_inputs(bits, dtype=dtype))


def test_exact_correlations_in_float32_stay_close_to_float64():
    n = 14
    target = it.Parity(n, k=3)
    single = it.MLPEnsemble(n, (64,), n_models=2, seed=1, dtype=torch.float32)
    double = it.MLPEnsemble(n, (64,), n_models=2, seed=1, dtype=torch.float64)
    got = it.neuron_correlations(target, single)[0][0]
    want = it.neuron_correlations(target, double)[0][0]
    # float32 rounding of weights and outputs: ~1e-7 of the sum of |terms| (2^n * O(1)).
    assert float((got - want).abs().max()) < 1e-5 * 2**n


@pytest.mark.parametrize("independent", [False, True])
@pytest.mark.parametrize("architecture", ARCHITECTURES[:3])
def test_sampled_correlations_match_the_definition(architecture, independent):
    n, size, seed = 9, 300, 7
    target = it.Staircase(n, 3)
    net = it.MLPEnsemble(n, n_models=4, seed=2, dtype=torch.float64, **architecture)
    sums, squares = it.neuron_correlations(target, net, n_samples=size, seed=seed,
                                           chunk_size=128, independent_inputs=independent)
    if independent:
        # Chunks of 128 rows: each chunk draws M blocks of inputs, one per initialization.
        gen = it.make_generator(seed)
        blocks = [it.sample_inputs(n, 4 * rows, gen, dtype=torch.float64).view(4, rows, n)
                  for rows in (128, 128, 44)]
        x = torch.cat(blocks, dim=1)
    else:
        x = it.sample_inputs(n, size, seed, dtype=torch.float64)
    want_sums, want_squares = brute_force_sums(target, net, x)
    for got, want in zip(sums + squares, want_sums + want_squares, strict=True):
        assert torch.allclose(got, want, atol=1e-10, rtol=1e-12)


def test_exact_first_layer_inal_at_n_16_matches_the_formula():
    # Exact sums for 256 first-layer neurons over 65 536 inputs through the fast path, and
    # INAL = sum_k W^k(f) A_k(n) with the exact Rademacher profile.
    n = 16
    target = it.Parity(n, k=2)
    net = it.MLPEnsemble(n, (128,), n_models=2, init="rademacher", bias="rademacher", seed=0,
                         dtype=torch.float64)
    sums, _ = it.neuron_correlations(target, net)
    measured = float(((sums[0] / 2**n) ** 2).mean())
    profile = it.rademacher_first_layer_profile(n, "relu", "rademacher", 1.0)
    assert measured == pytest.approx(profile.inal(target), rel=1e-9)


# ---------------------------------------------------------------------------
# Every public function that creates tensors takes ``device``
# ---------------------------------------------------------------------------

TAKES_DEVICE = [boolean.all_inputs, boolean.input_chunks, boolean.sample_inputs,
                boolean.truth_table, fourier.subset_sizes, networks.sample_law,
                networks.MLPEnsemble, profiles.first_layer_profile]


@pytest.mark.parametrize("function", TAKES_DEVICE, ids=lambda f: f.__name__)
def test_public_functions_creating_tensors_take_device(function):
    parameter = inspect.signature(function).parameters.get("device")
    assert parameter is not None and parameter.default is None


def test_device_cpu_gives_the_default_results():
    target = it.Majority(7)
    assert torch.equal(it.truth_table(target, device="cpu"), it.truth_table(target))
    gen_a, gen_b = it.make_generator(3), it.make_generator(3)
    assert torch.equal(it.sample_law("uniform", (4, 5), 0.5, gen_a, device="cpu"),
                       it.sample_law("uniform", (4, 5), 0.5, gen_b))
    a = it.first_layer_profile(6, n_neurons=40, seed=1, device="cpu")
    b = it.first_layer_profile(6, n_neurons=40, seed=1)
    assert np.array_equal(a.values, b.values)


# ---------------------------------------------------------------------------
# The same calls on a GPU (skipped without CUDA)
# ---------------------------------------------------------------------------


@needs_cuda
def test_cube_and_targets_on_cuda_equal_cpu():
    for fn in (lambda d: it.all_inputs(9, device=d),
               lambda d: it.sample_inputs(12, 500, seed=3, device=d),
               lambda d: it.truth_table(it.Staircase(10, 4), device=d),
               lambda d: it.subset_sizes(10, device=d)):
        gpu = fn("cuda")
        assert gpu.device.type == "cuda"
        assert torch.equal(gpu.cpu(), fn("cpu"))


@needs_cuda
@pytest.mark.parametrize("n", [4, 12, 20])
def test_walsh_transform_on_cuda_equals_cpu(n):
    table = it.truth_table(it.RandomFunction(n, seed=n))
    gpu = it.walsh_coefficients(table.cuda())
    assert gpu.device.type == "cuda"
    assert torch.equal(gpu.cpu(), it.walsh_coefficients(table))  # exact on ±1 tables
    assert torch.equal(it.degree_profile(table.cuda()).cpu(), it.degree_profile(table))
    assert float(it.fourier_coefficient(table.cuda(), [0, 1])) == \
        float(it.fourier_coefficient(table, [0, 1]))


@needs_cuda
def test_networks_and_inal_on_cuda_equal_cpu():
    n = 12
    target = it.Parity(n, k=2)
    kwargs = dict(n_models=8, seed=5, dtype=torch.float64)
    cpu = it.MLPEnsemble(n, (64, 32), **kwargs)
    gpu = it.MLPEnsemble(n, (64, 32), device="cuda", **kwargs)
    for a, b in zip(cpu.parameters(), gpu.parameters(), strict=True):
        assert b.device.type == "cuda" and torch.equal(a.detach(), b.detach().cpu())
    x = it.all_inputs(n, dtype=torch.float64)
    assert torch.allclose(cpu(x), gpu(x.cuda()).cpu(), atol=1e-12)
    exact_cpu, exact_gpu = it.estimate_inal(target, cpu), it.estimate_inal(target, gpu)
    assert exact_gpu.value == pytest.approx(exact_cpu.value, rel=1e-10)
    sampled_cpu = it.estimate_inal(target, cpu, n_samples=5000, seed=2)
    sampled_gpu = it.estimate_inal(target, gpu, n_samples=5000, seed=2)
    assert sampled_gpu.value == pytest.approx(sampled_cpu.value, rel=1e-8)


@needs_cuda
def test_first_layer_profile_on_cuda_equals_cpu():
    a = it.first_layer_profile(10, n_neurons=300, seed=0, device="cuda")
    b = it.first_layer_profile(10, n_neurons=300, seed=0)
    assert np.allclose(a.values, b.values, rtol=1e-10, atol=1e-15)


@needs_cuda
def test_training_on_cuda_follows_the_cpu_trajectory():
    target = it.Parity(8, k=2)
    histories = []
    for device in ("cpu", "cuda"):
        net = it.MLPEnsemble(8, (32,), n_models=2, seed=0, dtype=torch.float64)
        histories.append(it.train(net, target, steps=30, lr=0.1, loss="hinge", batch_size=16,
                                  seed=1, device=device, progress=False))
    assert np.allclose(histories[0]["loss"], histories[1]["loss"], rtol=1e-8, atol=1e-10)


@needs_cuda
def test_cli_estimate_runs_on_cuda(capsys):
    from inal_tutorial import cli

    assert cli.main(["estimate", "--n", "10", "--k", "2", "--hidden", "32", "--n-init", "4",
                     "--device", "cuda", "--json"]) == 0
    assert '"method": "exact"' in capsys.readouterr().out
