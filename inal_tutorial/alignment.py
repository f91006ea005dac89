r"""Initial alignment (INAL) between a target and a network at initialization.

For a network with random initialization :math:`\theta^0` and a neuron v,

.. math:: \mathrm{INAL}(f,\mathrm{NN}) = \max_v\ \mathbb{E}_{\theta^0}\big[\langle f,
          \mathrm{NN}_v^{\theta^0}\rangle^2\big],\qquad
          \langle f,g\rangle = \mathbb{E}_{x\sim\{\pm1\}^n}[f(x)g(x)].

Neurons of one layer are exchangeable under i.i.d. initialization, so
:math:`\mathbb{E}_\theta\langle f,\mathrm{NN}_v\rangle^2` is the same for every
neuron of a layer; the estimator pools them (the layer average) and reports the
largest layer. Two ways to handle the inputs:

* **exact** (n <= 24): sum over all :math:`2^n` inputs in chunks, so the
  :math:`2^n\times\text{width}` matrix never sits in memory whole; only the
  initialization is random.
* **sampled**: N i.i.d. inputs and the unbiased U-statistic
  :math:`\big((\sum_i a_i)^2-\sum_i a_i^2\big)/(N(N-1))` with
  :math:`a_i = f(x_i)g(x_i)`. The plug-in :math:`(\frac1N\sum_i a_i)^2` has
  expectation :math:`\langle f,g\rangle^2 + \mathrm{Var}(fg)/N`, so it can never
  report an alignment below about :math:`1/N` (for :math:`\pm1` targets and
  bounded neurons :math:`\mathrm{Var}(fg)` is of order 1).

The first-layer formula: for a first-layer neuron :math:`\sigma(w\cdot x+b)`
with sign-symmetric i.i.d. :math:`w_i`, sign and permutation symmetry kill the
cross terms and

.. math:: \mathbb{E}_w\langle f,\sigma_w\rangle^2=\sum_k W^k(f)\,A_k(n),\qquad
          A_k(n)=\mathbb{E}_w\big[\hat\sigma_w(S)^2\big]\ \text{for any } |S|=k.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch
from numpy.polynomial import hermite_e

from ._progress import progress_bar
from ._training_checks import derived_generator
from ._validation import (
    MAX_ENUMERATION_N,
    as_real_array,
    as_tensor,
    check_choice,
    check_device,
    check_float,
    check_int,
    check_n,
    check_seed,
    check_size,
)
from .boolean import BooleanTarget, _bit_signs, input_chunks, sample_inputs, truth_table
from .fourier import degree_profile, walsh_coefficients
from .networks import ACTIVATIONS, BIAS_LAWS, INITIALIZATIONS, MLPEnsemble, sample_law
from .random import SeedLike, make_generator

__all__ = [
    "INALResult",
    "estimate_inal",
    "neuron_correlations",
    "unbiased_squared_mean",
    "plugin_squared_mean",
    "inal_result_from_squares",
    "FirstLayerProfile",
    "first_layer_profile",
    "first_layer_inal",
    "gaussian_first_layer_profile",
    "rademacher_first_layer_profile",
    "hermite_coefficient",
    "hermite_profile",
]

_Z95 = 1.959963984540054


@dataclass
class INALResult:
    r"""An INAL estimate with its uncertainty.

    Attributes
    ----------
    value : float
        :math:`\max_\ell` of the layer averages of :math:`\mathbb{E}_\theta\langle f,\mathrm{NN}_v\rangle^2`.
    stderr : float
        Standard error of ``value`` over the ``n_init`` initializations.
    layer : int
        The layer attaining the maximum (0 = first hidden layer, last = read-out).
    per_layer, per_layer_stderr : numpy arrays
        Layer averages and their standard errors.
    max_neuron : float
        Largest per-neuron Monte Carlo mean; biased upward (a max of noisy means),
        reported only for comparison.
    per_init : numpy array of shape (n_init, n_layers)
        Layer-averaged squared correlations of each initialization.
    method : {"exact", "sampled"}
    n_init : int
    n_samples : int or None
        Number of sampled inputs (None when exact).
    """

    value: float
    stderr: float
    layer: int
    per_layer: np.ndarray
    per_layer_stderr: np.ndarray
    max_neuron: float
    per_init: np.ndarray = field(repr=False)
    method: str = "exact"
    n_init: int = 1
    n_samples: int | None = None

    @property
    def ci(self) -> tuple[float, float]:
        """Normal 95 % confidence interval for ``value``."""
        return (self.value - _Z95 * self.stderr, self.value + _Z95 * self.stderr)

    def __str__(self) -> str:
        lo, hi = self.ci
        return (f"INAL = {self.value:.4g} ± {self.stderr:.2g} (95% CI [{lo:.3g}, {hi:.3g}], "
                f"layer {self.layer}, {self.method}, {self.n_init} inits)")


def _sum_tensor(values, name: str) -> torch.Tensor:
    """``values`` as a finite floating tensor (tensors keep their dtype and device)."""
    t = as_tensor(values, name)
    if not t.is_floating_point():
        t = t.to(torch.float64)
    return t


def unbiased_squared_mean(sum_a: torch.Tensor, sum_a2: torch.Tensor, n_samples: int) -> torch.Tensor:
    r"""U-statistic :math:`((\sum a_i)^2-\sum a_i^2)/(N(N-1))`, unbiased for :math:`(\mathbb{E}a)^2`.

    Parameters
    ----------
    sum_a, sum_a2 : tensors of the same shape
        Finite sums :math:`\sum_i a_i` and :math:`\sum_i a_i^2` (``sum_a2`` >= 0).
    n_samples : int
        N >= 2.
    """
    n_samples = check_int(n_samples, "n_samples", low=2)
    sum_a = _sum_tensor(sum_a, "sum_a")
    sum_a2 = _sum_tensor(sum_a2, "sum_a2")
    if sum_a.shape != sum_a2.shape:
        raise ValueError(f"sum_a2 must have the shape of sum_a {tuple(sum_a.shape)}, got "
                         f"{tuple(sum_a2.shape)}")
    if bool((sum_a2 < 0).any()):
        raise ValueError("sum_a2 must be >= 0 (a sum of squares), got negative entries")
    return (sum_a.square() - sum_a2) / (n_samples * (n_samples - 1))


def plugin_squared_mean(sum_a: torch.Tensor, n_samples: int) -> torch.Tensor:
    r"""Plug-in :math:`(\frac1N\sum a_i)^2`; biased upward by :math:`\mathrm{Var}(a)/N`.

    ``sum_a`` must be finite; ``n_samples`` N >= 1.
    """
    n_samples = check_int(n_samples, "n_samples", low=1)
    sum_a = _sum_tensor(sum_a, "sum_a")
    return (sum_a / n_samples).square()


def _target_values(target: BooleanTarget, x: torch.Tensor) -> torch.Tensor:
    values = target(x)
    if not bool(torch.isfinite(values).all()):
        raise ValueError(f"target {target.name} returned NaN or infinite values")
    return values


def _chunk_rows(network: MLPEnsemble, budget_elements: int) -> int:
    """Inputs per chunk keeping one layer's outputs, ``M * width * rows``, within the budget.

    For sampled inputs this also fixes which draws go to which initialization (with
    ``independent_inputs``), so it must not change: results are reproducible from the seed.
    """
    per_row = network.n_models * max(network.widths)
    return max(64, min(1 << 16, budget_elements // max(per_row, 1)))


#: Elements of one block of neuron outputs (2 MiB in float64, 1 MiB in float32): small enough
#: to stay in cache between the ops that make and reduce it.
_CACHE_ELEMENTS = 1 << 18
#: Most inputs whose products with f are summed in the network's dtype before float64
#: (float32 partial sums of 4096 terms keep the old accuracy; 65536 terms lose ~10x).
_SUM_BLOCK = 1 << 12
#: Activations with an in-place form giving the same values as ``ACTIVATIONS[name]``.
_INPLACE_ACTIVATIONS = {"relu": torch.relu_, "tanh": torch.tanh_, "sigmoid": torch.sigmoid_,
                        "abs": torch.abs_}


def _activate(network: MLPEnsemble, pre: torch.Tensor) -> torch.Tensor:
    """The network's activation applied to a freshly computed pre-activation (in place if possible)."""
    inplace = _INPLACE_ACTIVATIONS.get(network.activation)
    return inplace(pre) if inplace is not None else ACTIVATIONS[network.activation](pre)


def _hidden_outputs(network: MLPEnsemble, first_pre: torch.Tensor):
    """Yield every hidden layer's outputs ``(M, width_l, rows)``, from the first layer's
    pre-activations ``(M, width_0, rows)`` (neurons by inputs: each neuron's values over the
    chunk's inputs are contiguous, so reducing them against f is one batched GEMV)."""
    h = _activate(network, first_pre)
    yield h
    for layer in range(1, network.n_layers - 1):
        w, b = network.weights[layer], network.biases[layer]
        pre = torch.bmm(w, h) if b is None else torch.baddbmm(b.unsqueeze(-1), w, h)
        h = _activate(network, pre)
        yield h


def _readout(network: MLPEnsemble, h: torch.Tensor) -> torch.Tensor:
    """The linear read-out ``(M, 1, rows)`` from the last hidden layer's outputs."""
    w, b = network.weights[-1], network.biases[-1]
    return torch.bmm(w, h) if b is None else torch.baddbmm(b.unsqueeze(-1), w, h)


def _progress(iterable, total: int, progress: bool):
    return progress_bar(iterable, total=total, desc="inputs", enabled=progress)


def _cube_table(bits: int, dtype: torch.dtype, device) -> torch.Tensor:
    """``all_inputs(bits)`` built by doubling, with no integer bit arithmetic: rows
    ``2^j .. 2^(j+1)-1`` repeat rows ``0 .. 2^j-1`` in columns ``< j`` and have ``x_j = -1``."""
    table = torch.ones(1 << bits, bits, dtype=dtype, device=device)
    for j in range(bits):
        half = 1 << j
        table[half:2 * half, :j] = table[:half, :j]
        table[half:2 * half, j] = -1
    return table


def _first_layer_exact_sums(target: BooleanTarget, network: MLPEnsemble, memory_budget: int,
                            progress: bool) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Fast path: :math:`\sum_x f(x)\sigma(w_v\cdot x+b_v)` over all :math:`2^n` inputs for every
    first-layer neuron v, and :math:`\sum_x f(x)`.

    No matrix product over the n coordinates: split the input index into its low ``l`` and
    high ``n - l`` bits, :math:`w\cdot x+b=(w_{\rm low}\cdot x_{\rm low})+(w_{\rm high}\cdot
    x_{\rm high}+b)`. The :math:`2^l` low sums of every neuron are computed once; a block of
    ``neurons x inputs`` is then one broadcast addition into a cache-resident buffer, the
    activation in place, and a matrix-vector product with f: three passes over the block
    instead of a GEMM with 2n flops per (neuron, input). Products with f are summed in the
    network's dtype over at most :data:`_SUM_BLOCK` inputs, then in float64.
    """
    n = target.n
    dtype, device = network.weights[0].dtype, network.weights[0].device
    w = network.first_layer_weights().detach().reshape(-1, n)          # (M * width, n)
    b = None if network.biases[0] is None else network.biases[0].detach().reshape(-1, 1)
    neurons = w.shape[0]
    # l low bits: the table of low sums (neurons x 2^l) stays within the memory budget.
    low = max(0, min(n, 10, (memory_budget // neurons).bit_length() - 1))
    sum_bits = max(low, min(n, _SUM_BLOCK.bit_length() - 1))           # inputs per product
    chunk_bits = max(sum_bits, min(n, 16))                              # inputs per f chunk
    block = max(1, _CACHE_ELEMENTS >> sum_bits)                         # neurons per block
    x_low = _cube_table(low, dtype, device)
    pre_low = (w[:, :low] @ x_low.T).unsqueeze(1)                       # (neurons, 1, 2^l)
    w_high = w[:, low:]
    highs_per_sum = 1 << (sum_bits - low)
    buffer = torch.empty(min(block, neurons), highs_per_sum, 1 << low, dtype=dtype,
                         device=device)
    sums = torch.zeros(neurons, dtype=torch.float64, device=device)
    sum_f = torch.zeros((), dtype=torch.float64, device=device)
    # The chunk's inputs x(i), i in [start, start + 2^c): their low c bits are the same in
    # every chunk, so only the high columns are rewritten (bit arithmetic on all n columns
    # of every chunk cost more than the neurons for small widths).
    inputs = torch.empty(1 << chunk_bits, n, dtype=dtype, device=device)
    inputs[:, :chunk_bits] = _cube_table(chunk_bits, dtype, device)
    starts = range(0, 1 << n, 1 << chunk_bits)
    for start in _progress(starts, len(starts), progress):
        stop = start + (1 << chunk_bits)
        inputs[:, chunk_bits:] = _bit_signs(torch.tensor([start >> chunk_bits], device=device),
                                            n - chunk_bits, dtype)
        f = _target_values(target, inputs).to(dtype)
        sum_f += f.sum(dtype=torch.float64)
        x_high = _bit_signs(torch.arange(start >> low, stop >> low, device=device), n - low, dtype)
        for first in range(0, neurons, block):
            last = min(first + block, neurons)
            pre_high = w_high[first:last] @ x_high.T                   # (block, chunk highs)
            if b is not None:
                pre_high += b[first:last]
            z = buffer[:last - first]
            for h in range(0, pre_high.shape[1], highs_per_sum):
                torch.add(pre_high[:, h:h + highs_per_sum, None], pre_low[first:last], out=z)
                a = _activate(network, z)
                f_part = f[h << low:(h + highs_per_sum) << low]
                sums[first:last] += (a.view(last - first, -1) @ f_part).double()
    return sums.view(network.n_models, -1), sum_f


def _exact_sums(target: BooleanTarget, network: MLPEnsemble, rows: int, memory_budget: int,
                progress: bool) -> list[torch.Tensor]:
    r""":math:`\sum_x f(x)\mathrm{NN}_v(x)` over all :math:`2^n` inputs, for every neuron.

    One hidden layer: :func:`_first_layer_exact_sums`. Deeper networks: chunks of ``rows``
    inputs through every layer, the first layer's pre-activations built by the same split of
    the input bits. The read-out is linear, so its sums follow from the last hidden layer's:
    :math:`\sum_x f\,(a\cdot h + c) = a\cdot\sum_x f h + c\sum_x f`, with no pass over inputs.
    """
    n, m = target.n, network.n_models
    dtype, device = network.weights[0].dtype, network.weights[0].device
    sums = [torch.zeros(m, width, dtype=torch.float64, device=device) for width in network.widths]
    if network.n_layers == 2:
        sums[0], sum_f = _first_layer_exact_sums(target, network, memory_budget, progress)
    else:
        low = min(n, max(6, min(12, rows.bit_length() - 1)))   # 64 .. 4096 contiguous inputs
        high_per_chunk = max(1, rows >> low)
        w = network.first_layer_weights().detach()
        b = network.biases[0]
        x_low = _bit_signs(torch.arange(1 << low, device=device), low, dtype)
        pre_low = torch.matmul(w[..., :low], x_low.T).unsqueeze(-2)   # (M, width, 1, 2^l)
        sum_f = torch.zeros((), dtype=torch.float64, device=device)
        starts = range(0, 1 << (n - low), high_per_chunk)
        for start in _progress(starts, len(starts), progress):
            stop = min(start + high_per_chunk, 1 << (n - low))
            x_high = _bit_signs(torch.arange(start, stop, device=device), n - low, dtype)
            pre_high = torch.matmul(w[..., low:], x_high.T)             # (M, width, highs)
            if b is not None:
                pre_high += b.detach().unsqueeze(-1)
            pre = (pre_high.unsqueeze(-1) + pre_low).flatten(-2)       # (M, width, rows)
            inputs = _bit_signs(torch.arange(start << low, stop << low, device=device), n, dtype)
            f = _target_values(target, inputs).to(dtype)
            sum_f += f.sum(dtype=torch.float64)
            for layer, h in enumerate(_hidden_outputs(network, pre)):
                sums[layer] += torch.matmul(h, f).double()
    a, c = network.weights[-1].detach().double(), network.biases[-1]
    sums[-1] = torch.matmul(a, sums[-2].unsqueeze(-1)).squeeze(-1)
    if c is not None:
        sums[-1] += c.detach().double() * sum_f
    return sums


def _sampled_sums(target: BooleanTarget, network: MLPEnsemble, n_samples: int, seed: SeedLike,
                  rows: int, independent_inputs: bool, progress: bool
                  ) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    r""":math:`\sum_i a_i` and :math:`\sum_i a_i^2`, :math:`a_i = f(x_i)\mathrm{NN}_v(x_i)`, on sampled inputs."""
    n, m = target.n, network.n_models
    dtype, device = network.weights[0].dtype, network.weights[0].device
    gen = make_generator(seed)
    w = network.first_layer_weights().detach()
    b = network.biases[0]
    sums = [torch.zeros(m, width, dtype=torch.float64, device=device) for width in network.widths]
    sums_sq = [torch.zeros_like(s) for s in sums]
    starts = range(0, n_samples, rows)
    for start in _progress(starts, len(starts), progress):
        size = min(rows, n_samples - start)
        if independent_inputs:
            # One block of inputs per initialization: shape (M, size, n).
            x = sample_inputs(n, m * size, gen, dtype=dtype, device=device).view(m, size, n)
            pre = torch.bmm(w, x.transpose(1, 2))
        else:
            x = sample_inputs(n, size, gen, dtype=dtype, device=device)
            pre = (w.reshape(-1, n) @ x.T).view(m, -1, size)  # one GEMM for all models
        if b is not None:
            pre += b.detach().unsqueeze(-1)
        f = _target_values(target, x).to(dtype).unsqueeze(-1)  # (size, 1) or (M, size, 1)
        f_sq = f.square()
        h = None
        for layer, h in enumerate(_hidden_outputs(network, pre)):
            sums[layer] += torch.matmul(h, f).squeeze(-1).double()
            sums_sq[layer] += torch.matmul(h.square(), f_sq).squeeze(-1).double()
        out = _readout(network, h)
        sums[-1] += torch.matmul(out, f).squeeze(-1).double()
        sums_sq[-1] += torch.matmul(out.square(), f_sq).squeeze(-1).double()
    return sums, sums_sq


def neuron_correlations(target: BooleanTarget, network: MLPEnsemble, *, n_samples: int | None = None,
                        seed: SeedLike = 0, chunk_size: int | None = None,
                        memory_budget: int = 1 << 22, progress: bool = False,
                        independent_inputs: bool = False
                        ) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    r"""Sums :math:`\sum_x f(x)\mathrm{NN}_v(x)` and :math:`\sum_x (f(x)\mathrm{NN}_v(x))^2` for every neuron.

    Exact over all :math:`2^n` inputs when ``n_samples`` is None, otherwise over
    ``n_samples`` i.i.d. inputs drawn from ``seed``. Inputs are processed in chunks of
    about ``chunk_size`` rows (default: as many as keep ``n_models * width * rows`` below
    ``memory_budget`` elements and small enough to stay in cache), so memory is bounded by
    the chunk, never by :math:`2^n`. Sums are accumulated in float64 across chunks; within
    a chunk they are taken in the network's dtype (relative error ~1e-7 in float32; use a
    float64 network where exactness matters).

    With ``independent_inputs=True`` (sampled inputs only; ignored when exact) each of the
    M initializations gets its own ``n_samples`` inputs instead of all sharing one sample,
    so the M per-initialization results are i.i.d. and their spread measures the whole
    Monte Carlo error (initialization and inputs).

    Returns
    -------
    (sums, sums_of_squares) : two lists with one float64 tensor ``(M, width_l)`` per layer.
        In exact mode the sums of squares are not computed (zeros): the exact estimate
        does not use them.
    """
    if not isinstance(target, BooleanTarget):
        raise TypeError(f"target must be a BooleanTarget, got {type(target).__name__}")
    if not isinstance(network, MLPEnsemble):
        raise TypeError(f"network must be an MLPEnsemble, got {type(network).__name__}")
    if target.n != network.n_inputs:
        raise ValueError(f"target has n={target.n} but the network has n_inputs={network.n_inputs}")
    memory_budget = check_int(memory_budget, "memory_budget", low=1)
    seed = check_seed(seed)
    rows = _chunk_rows(network, memory_budget) if chunk_size is None else check_int(
        chunk_size, "chunk_size", low=1)
    if chunk_size is not None:
        # One chunk's outputs of the widest layer (and, for independent inputs, its inputs).
        check_size({"n_models": network.n_models, "chunk_size": rows,
                    "width": max(*network.widths, network.n_inputs)},
                   what="one chunk of neuron outputs")
    with torch.no_grad():
        if n_samples is None:
            if target.n > MAX_ENUMERATION_N:
                raise ValueError(f"exact INAL needs n <= {MAX_ENUMERATION_N}; got n={target.n}: "
                                 "pass n_samples to sample inputs instead")
            if chunk_size is None:  # exact sums are fastest when a chunk stays in cache
                rows = _chunk_rows(network, min(memory_budget, _CACHE_ELEMENTS))
            sums = _exact_sums(target, network, rows, memory_budget, progress)
            return sums, [torch.zeros_like(s) for s in sums]
        n_samples = check_int(n_samples, "n_samples", low=2, high=10**9)
        return _sampled_sums(target, network, n_samples, seed, rows, bool(independent_inputs),
                             progress)


def estimate_inal(target: BooleanTarget, network: MLPEnsemble | None = None, *,
                  n_samples: int | None = None, estimator: str = "unbiased",
                  seed: SeedLike = 0, n_init: int = 64, chunk_size: int | None = None,
                  progress: bool = False, independent_inputs: bool = True,
                  **architecture) -> INALResult:
    r"""Estimate :math:`\mathrm{INAL}(f,\mathrm{NN})=\max_v\mathbb{E}_\theta\langle f,\mathrm{NN}_v\rangle^2`.

    Parameters
    ----------
    target : BooleanTarget
    network : MLPEnsemble, optional
        Its ``n_models`` initializations are the Monte Carlo sample over :math:`\theta^0`.
        If omitted, one is built as ``MLPEnsemble(target.n, n_models=n_init, seed=seed,
        **architecture)`` (e.g. ``hidden=(256,)``, ``activation="relu"``).
    n_samples : int, optional
        Sample this many inputs instead of enumerating all :math:`2^n` (needed for n > 24).
    estimator : {"unbiased", "plugin"}
        For sampled inputs: the U-statistic (default) or the biased plug-in (for teaching).
    seed : int or torch.Generator
        Seed of the sampled inputs (and of the network when it is built here): an int in
        [0, 2**62] or a generator.
    n_init : int
        Initializations of the network built here, in [2, 10**7]; ``n_init`` times the
        largest layer (``fan_out x fan_in``) must fit the tensor-size cap (1 GiB of float64
        entries by default).
    chunk_size : int, optional
        Rows of inputs per chunk.
    independent_inputs : bool
        For sampled inputs: draw a separate sample of ``n_samples`` inputs for each
        initialization (default), so the M per-initialization values are i.i.d. and
        ``stderr`` covers both sources of noise. With ``False`` all initializations share
        one sample (one GEMM, slightly faster); their spread, and so ``stderr``, then misses
        the input-sampling noise, which dominates for small ``n_samples``.

    Returns
    -------
    INALResult
    """
    estimator = check_choice(estimator, "estimator", ("unbiased", "plugin"))
    if not isinstance(target, BooleanTarget):
        raise TypeError(f"target must be a BooleanTarget, got {type(target).__name__}")
    seed = check_seed(seed)
    if n_samples is not None:
        n_samples = check_int(n_samples, "n_samples", low=2, high=10**9)
    if network is None:
        n_init = check_int(n_init, "n_init", low=2, high=10**7)
        _check_architecture_size(target.n, n_init, architecture)
        # seed + 1 may pass MAX_SEED (it stays below 2**63): hand it on as its generator,
        # which draws the same inputs as the integer would.
        net_seed, input_seed = (seed, derived_generator(seed + 1)) if isinstance(seed, int) \
            else (seed, seed)
        network = MLPEnsemble(target.n, n_models=n_init, seed=net_seed, **architecture)
    else:
        if not isinstance(network, MLPEnsemble):
            raise TypeError(f"network must be an MLPEnsemble, got {type(network).__name__}")
        input_seed = seed
        if architecture:
            raise TypeError(f"architecture options {sorted(architecture)} are only used when "
                            "network is None")
    if network.n_models < 2:
        raise ValueError("network must hold at least 2 initializations (n_models >= 2) to give "
                         "a standard error")
    sums, sums_sq = neuron_correlations(target, network, n_samples=n_samples, seed=input_seed,
                                        chunk_size=chunk_size, progress=progress,
                                        independent_inputs=independent_inputs)
    if n_samples is None:
        squares = [(s / 2**target.n).square() for s in sums]
        method, count = "exact", None
    elif estimator == "unbiased":
        squares = [unbiased_squared_mean(s, q, n_samples) for s, q in zip(sums, sums_sq, strict=True)]
        method, count = "sampled", n_samples
    else:
        squares = [plugin_squared_mean(s, n_samples) for s in sums]
        method, count = "sampled (plug-in)", n_samples
    return inal_result_from_squares(squares, method, count)


def _check_architecture_size(n: int, n_init: int, architecture: dict) -> None:
    """Refuse, before building it, a network whose largest weight tensor
    ``n_init x fan_out x fan_in`` exceeds the tensor-size cap (naming ``n_init``)."""
    hidden = architecture.get("hidden", (512,))
    if isinstance(hidden, int) and not isinstance(hidden, bool):
        hidden = (hidden,)
    if isinstance(hidden, (str, bytes)) or not isinstance(hidden, (list, tuple)) or not hidden:
        return  # MLPEnsemble reports a malformed ``hidden``
    widths = [check_int(w, "width", low=1, high=1_000_000) for w in hidden]
    sizes = (n, *widths, 1)
    largest = max(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=True))
    check_size({"n_init": n_init, "fan_out x fan_in": largest},
               what="the weights of the largest layer")


def inal_result_from_squares(squares: list[torch.Tensor], method: str,
                             n_samples: int | None) -> INALResult:
    r"""Pool per-neuron squared correlations ``(M, width_l)`` per layer into an :class:`INALResult`.

    Layer averages over neurons and initializations, their standard errors over the M
    initializations, and the largest layer average.

    Parameters
    ----------
    squares : non-empty list of finite tensors ``(M, width_l)``
        One per layer, all with the same M >= 2 and width >= 1.
    method : str
        A label ("exact", "sampled", ...).
    n_samples : int or None
        Sampled inputs (>= 1), or None when exact.
    """
    if isinstance(squares, torch.Tensor) or not isinstance(squares, (list, tuple)):
        raise TypeError(f"squares must be a list of (M, width) tensors, one per layer, got "
                        f"{type(squares).__name__}")
    if not squares:
        raise ValueError("squares must hold at least one layer, got an empty list")
    squares = [as_tensor(q, f"squares[{i}]") for i, q in enumerate(squares)]
    for i, q in enumerate(squares):
        if q.ndim != 2 or q.shape[0] < 2 or q.shape[1] < 1:
            raise ValueError(f"squares[{i}] must have shape (M, width) with M >= 2 and "
                             f"width >= 1, got {tuple(q.shape)}")
        if q.shape[0] != squares[0].shape[0]:
            raise ValueError(f"squares[{i}] must have M = {squares[0].shape[0]} rows like "
                             f"squares[0], got {q.shape[0]}")
    if not isinstance(method, str):
        raise TypeError(f"method must be a string, got {type(method).__name__} {method!r}")
    if n_samples is not None:
        n_samples = check_int(n_samples, "n_samples", low=1)
    per_init = torch.stack([q.mean(dim=1) for q in squares], dim=1).cpu().numpy()  # (M, L)
    m = per_init.shape[0]
    per_layer = per_init.mean(axis=0)
    per_layer_se = per_init.std(axis=0, ddof=1) / math.sqrt(m)
    best = int(np.argmax(per_layer))
    max_neuron = max(float(q.mean(dim=0).max()) for q in squares)
    return INALResult(value=float(per_layer[best]), stderr=float(per_layer_se[best]), layer=best,
                      per_layer=per_layer, per_layer_stderr=per_layer_se, max_neuron=max_neuron,
                      per_init=per_init, method=method, n_init=m, n_samples=n_samples)


# ---------------------------------------------------------------------------
# First-layer profile A_k(n) and the formula INAL = sum_k W^k(f) A_k(n)
# ---------------------------------------------------------------------------


@dataclass
class FirstLayerProfile:
    r""":math:`A_k(n)=\mathbb{E}_w[\hat\sigma_w(S)^2]` for :math:`|S|=k`, k = 0..n.

    ``values[k]`` is the estimate and ``stderr[k]`` its standard error (0 when exact).
    """

    n: int
    values: np.ndarray
    stderr: np.ndarray
    exact: bool
    activation: str
    init: str
    bias: str
    bias_std: float

    def inal(self, target_or_table) -> float:
        r""":math:`\sum_k W^k(f)A_k(n)` for a target or a truth table of length :math:`2^n`."""
        return first_layer_inal(target_or_table, self)


def _neuron_tables(weights: torch.Tensor, biases: torch.Tensor, activation: str, n: int,
                   chunk: int = 1 << 14) -> torch.Tensor:
    """Truth tables sigma(w.x + b) of many neurons, shape (neurons, 2^n), float64, on the
    weights' device."""
    act = ACTIVATIONS[activation]
    out = torch.empty(weights.shape[0], 2**n, dtype=torch.float64, device=weights.device)
    for start, x in input_chunks(n, chunk, dtype=torch.float64, device=weights.device):
        out[:, start:start + x.shape[0]] = act(weights @ x.T + biases[:, None])
    return out


#: Entries (neurons x 2^n) of the truth tables :func:`first_layer_profile` transforms at once
#: (2^24 float64 entries: 128 MB per table, about 0.5 GB with the transform's temporaries).
_PROFILE_TABLE_ENTRIES = 1 << 24


def first_layer_profile(n: int, activation: str = "relu", init: str = "gaussian",
                        bias: str = "gaussian", bias_std: float = 1.0, *, n_neurons: int = 2000,
                        seed: SeedLike = 0, batch: int = 256,
                        device: str | torch.device | None = None) -> FirstLayerProfile:
    r"""The architecture's first-layer profile :math:`A_k(n)=\mathbb{E}_{w,b}[\hat\sigma_{w,b}(S)^2]`, :math:`|S|=k`.

    Each neuron's truth table is Walsh-transformed; :math:`\hat\sigma_w(S)^2` is averaged
    over all S of size k (they share the expectation by permutation symmetry) and over
    ``n_neurons`` random neurons. For Rademacher weights with zero or Rademacher bias the
    expectation is computed exactly: :math:`\hat\sigma_{s/\sqrt n}(S)=\chi_S(s)\,\hat\sigma_{1/\sqrt n}(S)`,
    so :math:`\hat\sigma_w(S)^2` does not depend on the signs s.

    Parameters
    ----------
    n : int
        Input dimension (1 <= n <= 20: every neuron is enumerated over all inputs).
    activation, init, bias, bias_std
        As in :class:`~inal_tutorial.networks.MLPEnsemble`.
    n_neurons : int
        Monte Carlo sample size over (w, b) when not exact, in [2, 10**7].
    seed : int or torch.Generator
        An int in [0, 2**62] or a generator.
    batch : int
        Neurons drawn at a time, >= 1. The truth tables are built and transformed
        ``_PROFILE_TABLE_ENTRIES`` entries (``rows x 2^n``) at a time whatever ``batch``
        is, so memory stays bounded (about 0.5 GB) up to n = 20. The draws do not depend on
        this; for n <= 16 and ``batch`` <= 256 (and wherever ``batch x 2^n`` <= 2^24) the
        result is exactly that of one block, otherwise it may differ by rounding (~1e-16
        relative, from the matrix products' blocking).
    device : str or torch.device, optional
        Where the neurons' truth tables are computed and transformed (default: the CPU);
        the weights are drawn on the CPU, so a seed gives the same profile on every device.
    """
    n = check_n(n)
    if n > 20:
        raise ValueError(f"n must be at most 20 for the first-layer profile (2^n inputs per "
                         f"neuron), got {n}")
    activation = check_choice(activation, "activation", tuple(ACTIVATIONS))
    init = check_choice(init, "init", INITIALIZATIONS)
    bias = check_choice(bias, "bias", BIAS_LAWS)
    bias_std = check_float(bias_std, "bias_std", low=0.0)
    n_neurons = check_int(n_neurons, "n_neurons", low=2, high=10**7)
    batch = check_int(batch, "batch", low=1, high=10**7)
    seed = check_seed(seed)
    device = check_device(device)
    rows_per_table = max(1, _PROFILE_TABLE_ENTRIES >> n)
    sizes = torch.tensor([bin(s).count("1") for s in range(2**n)], device=device)
    counts = torch.tensor([math.comb(n, k) for k in range(n + 1)], dtype=torch.float64,
                          device=device)
    no_bias = bias in ("zero", "none") or bias_std == 0.0

    def profile_rows(w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        w, b = w.to(device), b.to(device)
        coeffs = walsh_coefficients(_neuron_tables(w, b, activation, n))
        sums = torch.zeros(w.shape[0], n + 1, dtype=torch.float64, device=w.device)
        per_degree = sums.index_add_(1, sizes, coeffs.square()) / counts  # mean over |S| = k
        return per_degree.cpu()

    def profile_of(w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        # Each neuron's row is computed independently, so splitting the batch into blocks of
        # rows_per_table neurons gives the same rows in bounded memory.
        if w.shape[0] <= rows_per_table:
            return profile_rows(w, b)
        return torch.cat([profile_rows(w[i:i + rows_per_table], b[i:i + rows_per_table])
                          for i in range(0, w.shape[0], rows_per_table)])

    if init == "rademacher" and (no_bias or bias == "rademacher"):
        w = torch.full((1, n), n**-0.5, dtype=torch.float64)
        biases = [0.0] if no_bias else [bias_std, -bias_std]
        per = torch.cat([profile_of(w, torch.tensor([b], dtype=torch.float64)) for b in biases])
        values = per.mean(0).numpy()
        return FirstLayerProfile(n, values, np.zeros(n + 1), True, activation, init, bias, bias_std)

    gen = make_generator(seed)
    totals = torch.zeros(n + 1, dtype=torch.float64)
    totals_sq = torch.zeros(n + 1, dtype=torch.float64)
    for start in range(0, n_neurons, batch):
        size = min(batch, n_neurons - start)
        w = sample_law(init, (size, n), n**-0.5, gen)
        b = (torch.zeros(size, dtype=torch.float64) if no_bias
             else sample_law(bias, (size,), bias_std, gen))
        per = profile_of(w, b)
        totals += per.sum(0)
        totals_sq += per.square().sum(0)
    mean = totals / n_neurons
    var = (totals_sq / n_neurons - mean.square()).clamp_min(0) * n_neurons / (n_neurons - 1)
    return FirstLayerProfile(n, mean.numpy(), (var / n_neurons).sqrt().numpy(), False, activation,
                             init, bias, bias_std)


def first_layer_inal(target_or_table, profile: FirstLayerProfile) -> float:
    r"""The first-layer formula :math:`\mathbb{E}_w\langle f,\sigma_w\rangle^2=\sum_k W^k(f)A_k(n)`."""
    if not isinstance(profile, FirstLayerProfile):
        raise TypeError(f"profile must be a FirstLayerProfile, got {type(profile).__name__}")
    table = truth_table(target_or_table) if isinstance(target_or_table, BooleanTarget) \
        else target_or_table
    weights = degree_profile(table)
    if weights.shape[-1] != profile.n + 1:
        raise ValueError(f"target has n={weights.shape[-1] - 1} but the profile is for "
                         f"n={profile.n}")
    return float((weights.numpy() * profile.values).sum(-1))


def _dual_kernel(activation: str, rho: np.ndarray, variance: float,
                 quadrature_nodes: int) -> np.ndarray:
    r""":math:`\mathbb{E}[\sigma(X)\sigma(Y)]` for centred jointly Gaussian X, Y with variance
    ``variance`` and correlation ``rho`` (closed forms where they exist, else Gauss–Hermite)."""
    rho = np.clip(rho, -1.0, 1.0)
    if activation == "relu":  # the arc-cosine kernel of degree 1
        return variance / (2 * math.pi) * (np.sqrt(1 - rho**2) + (math.pi - np.arccos(rho)) * rho)
    if activation == "abs":
        return 2 * variance / math.pi * (np.sqrt(1 - rho**2) + rho * np.arcsin(rho))
    if activation == "sign":
        return 2 / math.pi * np.arcsin(rho)
    if activation == "linear":
        return variance * rho
    if activation == "quadratic":
        return variance**2 * (1 + 2 * rho**2)
    nodes, weights = hermite_e.hermegauss(quadrature_nodes)
    weights = weights / _SQRT2PI
    act = ACTIVATIONS[activation]
    scale = math.sqrt(variance)
    z1 = torch.as_tensor(nodes, dtype=torch.float64)
    out = np.empty_like(rho)
    for i, r in enumerate(rho):
        # X = s Z1, Y = s (r Z1 + sqrt(1 - r^2) Z2), Z1 and Z2 independent standard normal.
        y = scale * (r * z1[:, None] + math.sqrt(max(1 - r * r, 0.0)) * z1[None, :])
        values = act(scale * z1)[:, None] * act(y)
        out[i] = float(weights @ values.numpy() @ weights)
    return out


def _krawtchouk_table(n: int, max_degree: int) -> list[list[int]]:
    r"""Exact integers :math:`K_k(d;n)=\sum_j(-1)^j\binom{d}{j}\binom{n-d}{k-j}`, k <= max_degree.

    :math:`K_k(d;n)=\sum_{|S|=k}\chi_S(z)` for any z with d coordinates equal to -1. Built
    with the three-term recurrence :math:`(k+1)K_{k+1}=(n-2d)K_k-(n-k+1)K_{k-1}`.
    """
    table = [[1] * (n + 1)]
    if max_degree >= 1:
        table.append([n - 2 * d for d in range(n + 1)])
    for k in range(1, max_degree):
        table.append([((n - 2 * d) * table[k][d] - (n - k + 1) * table[k - 1][d]) // (k + 1)
                      for d in range(n + 1)])
    return table


def gaussian_first_layer_profile(n: int, activation: str = "relu", bias: str = "gaussian",
                                 bias_std: float = 1.0, *, max_degree: int | None = None,
                                 quadrature_nodes: int = 96) -> FirstLayerProfile:
    r"""Exact :math:`A_k(n)` for Gaussian weights :math:`N(0,1/n)` and a Gaussian (or zero) bias.

    Write :math:`K(x,x')=\mathbb{E}_{w,b}[\sigma(w\cdot x+b)\,\sigma(w\cdot x'+b)]` for the
    kernel of one random neuron. Expanding the square,

    .. math:: A_k(n)=\mathbb{E}_{w,b}\big[\hat\sigma_{w,b}(S)^2\big]
              =\mathbb{E}_{x,x'}\big[K(x,x')\,\chi_S(x)\chi_S(x')\big],\qquad |S|=k.

    With Gaussian weights, :math:`(w\cdot x+b,\,w\cdot x'+b)` is *exactly* a centred
    Gaussian pair with variance :math:`v=1+s^2` (s = ``bias_std``) and covariance
    :math:`1-2d/n+s^2`, where d is the Hamming distance of x and x'. So K depends on d
    only, through the dual activation :math:`\kappa(\rho)=\mathbb{E}\sigma(X)\sigma(Y)`
    at correlation :math:`\rho_d=(1-2d/n+s^2)/v`, and averaging over the
    :math:`\binom nk` sets S of size k gives

    .. math:: A_k(n)=\sum_{d=0}^{n}\frac{\binom nd}{2^n}\,
              \frac{K_k(d;n)}{\binom nk}\,\kappa(\rho_d),

    with the Krawtchouk polynomial :math:`K_k(d;n)=\sum_j(-1)^j\binom dj\binom{n-d}{k-j}`.
    No sampling and no enumeration of :math:`2^n` inputs: the cost is
    :math:`O(n\cdot\text{max\_degree})` exact integer operations, so n in the hundreds
    is cheap.

    Parameters
    ----------
    n : int
        Input dimension, 1 <= n <= 4096, with
        :math:`n(n+1)(\text{max\_degree}+1)\le` ``EXACT_PROFILE_COST`` (the exact
        integer table costs about that many bit operations / 64: n <= 512 with the default
        ``max_degree = n``, about 1.5 s; larger n with a smaller ``max_degree``).
    activation : str
        Closed-form dual kernels for ``"relu"`` (arc-cosine kernel), ``"abs"``, ``"sign"``,
        ``"linear"``, ``"quadratic"``; the smooth ones (``"tanh"``, ``"sigmoid"``,
        ``"gelu"``) by two-dimensional Gauss–Hermite quadrature with ``quadrature_nodes``
        nodes per axis.
    bias : {"gaussian", "zero", "none"}
        The formula needs jointly Gaussian pre-activations; other bias laws raise
        ``ValueError`` (use :func:`first_layer_profile` for them).
    bias_std : float
        Standard deviation s of the Gaussian bias (ignored for "zero"/"none").
    max_degree : int, optional
        Compute :math:`A_k` for k = 0..max_degree only (default n, which
        :meth:`FirstLayerProfile.inal` needs); ``values`` then has length ``max_degree + 1``.

    Returns
    -------
    FirstLayerProfile
        With ``exact=True`` and ``stderr`` zero. Values are exact up to floating-point
        rounding of the alternating sum, an absolute error of about
        :math:`10^{-16}(n+1)\,\mathbb{E}[\sigma(Z)^2]`: values below about
        :math:`10^{-13}` (e.g. the full parity for n >= 30) are not resolved.
    """
    n = check_n(n)
    activation = check_choice(activation, "activation", tuple(ACTIVATIONS))
    bias = check_choice(bias, "bias", BIAS_LAWS)
    if bias not in ("gaussian", "zero", "none"):
        raise ValueError(f"bias must be 'gaussian', 'zero' or 'none' for the exact Gaussian "
                         f"formula, got {bias!r}: use first_layer_profile for other laws")
    bias_std = check_float(bias_std, "bias_std", low=0.0)
    max_degree = n if max_degree is None else check_int(max_degree, "max_degree", low=0, high=n)
    _check_profile_cost(n, max_degree)
    quadrature_nodes = check_int(quadrature_nodes, "quadrature_nodes", low=8, high=1000)
    s2 = bias_std**2 if bias == "gaussian" else 0.0
    variance = 1.0 + s2
    d = np.arange(n + 1)
    kappa = _dual_kernel(activation, (1.0 - 2.0 * d / n + s2) / variance, variance,
                         quadrature_nodes)
    weights = _degree_weights(n, max_degree)
    values = np.array([math.fsum(row * kappa) for row in weights])
    return FirstLayerProfile(n, values, np.zeros(max_degree + 1), True, activation, "gaussian",
                             bias, bias_std)


#: Largest :math:`n(n+1)(\text{max\_degree}+1)` for the exact profiles
#: (:func:`gaussian_first_layer_profile`, :func:`rademacher_first_layer_profile`): their
#: table of exact big integers costs time about proportional to it (measured: 1.3-1.7 s at
#: n = max_degree = 500, growing like n^3), so the default max_degree = n allows n <= 512.
EXACT_PROFILE_COST = 512 * 513 * 513


def _check_profile_cost(n: int, max_degree: int) -> None:
    cost = n * (n + 1) * (max_degree + 1)
    if cost > EXACT_PROFILE_COST:
        largest = int((EXACT_PROFILE_COST // (n * (n + 1))) - 1)
        hint = (f"max_degree must be at most {largest} for n = {n}" if largest >= 0
                else "n is too large")
        raise ValueError(f"n, max_degree too large for the exact profile: n * (n + 1) * "
                         f"(max_degree + 1) must be at most {EXACT_PROFILE_COST} (a few "
                         f"seconds; n <= 512 with the default max_degree = n), got n = {n}, "
                         f"max_degree = {max_degree}: {hint}")


def _degree_weights(n: int, max_degree: int) -> np.ndarray:
    r"""Matrix :math:`\binom nd K_k(d;n)/(2^n\binom nk)`, k = 0..max_degree, d = 0..n.

    Row k turns a function G(d) of the number d of -1 coordinates into the Fourier
    coefficient at any |S| = k of the symmetric function :math:`x\mapsto G(d(x))`.
    Exact integers, each entry correctly rounded by the int / int division.
    """
    binom_d = [math.comb(n, d) for d in range(n + 1)]
    table = _krawtchouk_table(n, max_degree)
    return np.array([[binom_d[d] * row[d] / (2**n * math.comb(n, k)) for d in range(n + 1)]
                     for k, row in enumerate(table)])


def _bias_quadrature(bias: str, bias_std: float, breakpoints: np.ndarray,
                     nodes_per_piece: int) -> tuple[np.ndarray, np.ndarray]:
    """Points and probabilities integrating a function of the bias that is smooth between
    ``breakpoints`` (Gauss–Legendre on every piece)."""
    if bias in ("zero", "none") or bias_std == 0.0:
        return np.zeros(1), np.ones(1)
    if bias == "rademacher":
        return np.array([-bias_std, bias_std]), np.array([0.5, 0.5])
    if bias == "uniform":
        low, high = -math.sqrt(3) * bias_std, math.sqrt(3) * bias_std
    else:  # gaussian, truncated where the density is below 1e-30
        low, high = -12 * bias_std, 12 * bias_std
    edges = np.unique(np.concatenate([[low, high], breakpoints[(breakpoints > low) &
                                                               (breakpoints < high)]]))
    nodes, node_weights = np.polynomial.legendre.leggauss(nodes_per_piece)
    mid, half = (edges[1:] + edges[:-1]) / 2, (edges[1:] - edges[:-1]) / 2
    points = (mid[:, None] + half[:, None] * nodes[None, :]).ravel()
    lengths = (half[:, None] * node_weights[None, :]).ravel()
    if bias == "uniform":
        density = np.full_like(points, 1 / (high - low))
    else:
        density = np.exp(-(points / bias_std) ** 2 / 2) / (bias_std * _SQRT2PI)
    return points, lengths * density


def rademacher_first_layer_profile(n: int, activation: str = "relu", bias: str = "gaussian",
                                   bias_std: float = 1.0, *, max_degree: int | None = None,
                                   nodes_per_piece: int = 24) -> FirstLayerProfile:
    r"""Exact :math:`A_k(n)` for Rademacher weights :math:`\pm1/\sqrt n`, with any bias law.

    With :math:`w=s/\sqrt n`, :math:`s\in\{\pm1\}^n`, the neuron
    :math:`\sigma(w\cdot x+b)` depends on x only through the number d of coordinates where
    :math:`s_ix_i=-1`, since :math:`w\cdot x=(n-2d)/\sqrt n`. Its Fourier coefficients are
    those of a symmetric function, up to the sign :math:`\chi_S(s)`:

    .. math:: \hat\sigma_{w,b}(S)=\chi_S(s)\sum_{d=0}^n\frac{\binom nd}{2^n}
              \frac{K_k(d;n)}{\binom nk}\,\sigma\Big(\frac{n-2d}{\sqrt n}+b\Big),
              \qquad A_k(n)=\mathbb{E}_b\big[\hat\sigma_{w,b}(S)^2\big],

    with the Krawtchouk polynomial :math:`K_k(d;n)` (see
    :func:`gaussian_first_layer_profile`). For k = n this is the n-th finite difference of
    :math:`\sigma` on the lattice of step :math:`2/\sqrt n`. The signs s drop out, so only
    the bias is random; its expectation is a quadrature: exact for zero and Rademacher
    biases, Gauss–Legendre with ``nodes_per_piece`` nodes between consecutive kinks
    :math:`b=-(n-2d)/\sqrt n` for Gaussian (truncated at :math:`\pm12` standard deviations)
    and uniform biases, which is exact to rounding for the piecewise linear activations
    (relu, abs, sign) and very accurate for smooth ones.

    Parameters
    ----------
    n : int
        Input dimension, 1 <= n <= 4096 (cost :math:`O(n^2\cdot\text{nodes})` per degree),
        with :math:`n(n+1)(\text{max\_degree}+1)\le` ``EXACT_PROFILE_COST`` as in
        :func:`gaussian_first_layer_profile` (n <= 512 with the default ``max_degree = n``)
        and the neuron table ``(n + 1) x bias points`` within the tensor-size cap.
    activation : str
        One of :data:`~inal_tutorial.networks.ACTIVATIONS`.
    bias, bias_std
        Law and standard deviation of the bias, as in
        :class:`~inal_tutorial.networks.MLPEnsemble`.
    max_degree : int, optional
        Compute k = 0..max_degree only (default n).

    Returns
    -------
    FirstLayerProfile
        With ``exact=True`` and ``stderr`` zero (absolute rounding error about
        :math:`10^{-16}(n+1)\max|\sigma|` on the lattice).
    """
    n = check_n(n)
    activation = check_choice(activation, "activation", tuple(ACTIVATIONS))
    bias = check_choice(bias, "bias", BIAS_LAWS)
    bias_std = check_float(bias_std, "bias_std", low=0.0)
    max_degree = n if max_degree is None else check_int(max_degree, "max_degree", low=0, high=n)
    nodes_per_piece = check_int(nodes_per_piece, "nodes_per_piece", low=2, high=200)
    _check_profile_cost(n, max_degree)
    if bias in ("gaussian", "uniform") and bias_std > 0.0:
        # At most n + 2 pieces between the kinks, nodes_per_piece points each.
        check_size({"n + 1": n + 1, "nodes_per_piece x (n + 2)": nodes_per_piece * (n + 2)},
                   what="the table of neuron values")
    lattice = (n - 2.0 * np.arange(n + 1)) / math.sqrt(n)  # w.x for d = 0..n
    points, probs = _bias_quadrature(bias, bias_std, -lattice, nodes_per_piece)
    act = ACTIVATIONS[activation]
    neuron = act(torch.as_tensor(lattice[:, None] + points[None, :], dtype=torch.float64)).numpy()
    coefficients = _degree_weights(n, max_degree) @ neuron  # (max_degree + 1, bias points)
    values = coefficients**2 @ probs
    return FirstLayerProfile(n, values, np.zeros(max_degree + 1), True, activation, "rademacher",
                             bias, bias_std)


# ---------------------------------------------------------------------------
# Hermite prediction
# ---------------------------------------------------------------------------

_SQRT2PI = math.sqrt(2 * math.pi)
#: Largest degree k of :func:`hermite_coefficient` (and so of :func:`hermite_profile`).
_MAX_HERMITE_DEGREE = 200


def _phi(b: np.ndarray) -> np.ndarray:
    return np.exp(-b**2 / 2) / _SQRT2PI


def _Phi(b: np.ndarray) -> np.ndarray:
    from scipy.special import ndtr

    return ndtr(b)


def _he(k: int, x: np.ndarray) -> np.ndarray:
    """Probabilists' Hermite polynomial He_k(x) (He_{-1} := 0 is never needed)."""
    return hermite_e.hermeval(x, [0] * k + [1])


def _log_abs_he(k: int, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sign and log-magnitude of He_k(x), by the three-term recurrence with rescaling (no
    overflow for any finite x)."""
    x = np.asarray(x, dtype=np.float64)
    h_prev, h = np.ones_like(x), x.copy()
    log_scale = np.zeros_like(x)
    if k == 0:
        return np.ones_like(x), log_scale
    for j in range(1, k):
        h_prev, h = h, x * h - j * h_prev
        big = np.maximum(np.abs(h), np.abs(h_prev))
        rescale = big > 1e100
        if rescale.any():
            factor = np.where(rescale, big, 1.0)
            h, h_prev = h / factor, h_prev / factor
            log_scale += np.log(factor)
    with np.errstate(divide="ignore"):
        return np.sign(h), np.log(np.abs(h)) + log_scale


def _phi_he(k: int, b: np.ndarray) -> np.ndarray:
    r""":math:`\varphi(b)\,\mathrm{He}_k(-b)`. Where the direct product is not resolved
    (:math:`\varphi(b)` underflows, or :math:`\mathrm{He}_k` overflows for large k and
    :math:`|b|`), it is computed in log space instead; elsewhere the direct product is kept."""
    with np.errstate(over="ignore", invalid="ignore"):
        phi = _phi(b)
        direct = phi * _he(k, -b)
    bad = ~np.isfinite(direct) | (phi == 0)
    if not np.any(bad):
        return direct
    sign, log_he = _log_abs_he(k, -b[bad])
    stable = sign * np.exp(-b[bad] ** 2 / 2 - math.log(_SQRT2PI) + log_he)
    out = np.array(direct, dtype=np.float64)
    out[bad] = stable
    return out


def hermite_coefficient(activation: str, k: int, b=0.0, *, quadrature_nodes: int = 200):
    r""":math:`c_k(b)=\mathbb{E}_{Z\sim N(0,1)}[\sigma(Z+b)\,\mathrm{He}_k(Z)]=\mathbb{E}[\sigma^{(k)}(Z+b)]`.

    Closed forms (Gaussian integration by parts) for the non-smooth activations:

    * relu: :math:`c_0=b\Phi(b)+\varphi(b)`, :math:`c_1=\Phi(b)`,
      :math:`c_k=\varphi(b)\mathrm{He}_{k-2}(-b)` for k >= 2;
    * sign: :math:`c_0=2\Phi(b)-1`, :math:`c_k=2\varphi(b)\mathrm{He}_{k-1}(-b)` for k >= 1;
    * abs: :math:`c_0=b(2\Phi(b)-1)+2\varphi(b)`, :math:`c_1=2\Phi(b)-1`,
      :math:`c_k=2\varphi(b)\mathrm{He}_{k-2}(-b)` for k >= 2;

    and Gauss–Hermite quadrature for the smooth ones. ``b`` may be an array.

    Parameters
    ----------
    activation : str
        One of :data:`~inal_tutorial.networks.ACTIVATIONS`.
    k : int
        Degree, 0 <= k <= 200.
    b : float or array of float
        Finite biases (any magnitude: the closed forms switch to log space where
        :math:`\varphi(b)\mathrm{He}_k(-b)` would under- or overflow).
    quadrature_nodes : int
        Gauss–Hermite nodes for the smooth activations, in [2, 1000].
    """
    activation = check_choice(activation, "activation", tuple(ACTIVATIONS))
    k = check_int(k, "k", low=0, high=200)
    quadrature_nodes = check_int(quadrature_nodes, "quadrature_nodes", low=2, high=1000)
    b = as_real_array(b, "b")
    if activation == "relu":
        if k == 0:
            return b * _Phi(b) + _phi(b)
        if k == 1:
            return _Phi(b)
        return _phi_he(k - 2, b)
    if activation == "sign":
        return 2 * _Phi(b) - 1 if k == 0 else 2 * _phi_he(k - 1, b)
    if activation == "abs":
        if k == 0:
            return b * (2 * _Phi(b) - 1) + 2 * _phi(b)
        if k == 1:
            return 2 * _Phi(b) - 1
        return 2 * _phi_he(k - 2, b)
    if activation == "linear":
        return {0: b, 1: np.ones_like(b)}.get(k, np.zeros_like(b))
    if activation == "quadratic":
        return {0: 1 + b**2, 1: 2 * b, 2: 2 * np.ones_like(b)}.get(k, np.zeros_like(b))
    nodes, weights = hermite_e.hermegauss(quadrature_nodes)
    weights = weights / _SQRT2PI
    act = ACTIVATIONS[activation]
    z = torch.as_tensor(nodes[:, None] + b.reshape(1, -1), dtype=torch.float64)
    values = act(z).numpy() * _he(k, nodes)[:, None]
    return (weights @ values).reshape(b.shape)


def hermite_profile(n: int, max_degree: int | None = None, activation: str = "relu",
                    bias: str = "gaussian", bias_std: float = 1.0, *,
                    quadrature_nodes: int = 80) -> np.ndarray:
    r"""Gaussian heuristic :math:`A_k(n)\approx n^{-k}\,\mathbb{E}_b\big[c_k(b)^2\big]` for k = 0..max_degree.

    From :math:`\hat\sigma_w(S)\approx\prod_{i\in S}w_i\;\mathbb{E}[\sigma^{(k)}(w\cdot x+b)]`
    with :math:`w\cdot x\approx N(0,1)` and :math:`\mathbb{E}\prod_{i\in S}w_i^2=n^{-k}`.
    Accurate for fixed k as n grows; it ignores that :math:`w\cdot x` is discrete.

    Parameters
    ----------
    n : int
        Input dimension, 1 <= n <= 10**9.
    max_degree : int, optional
        Largest k, 0 <= max_degree <= min(n, 200) (:func:`hermite_coefficient` stops at
        k = 200); default n, so give it when n > 200.
    activation, bias, bias_std
        As in :class:`~inal_tutorial.networks.MLPEnsemble` (bias_std finite, >= 0).
    quadrature_nodes : int
        Nodes of the quadrature over the bias, in [2, 1000].
    """
    n = check_int(n, "n", low=1, high=10**9)
    if max_degree is None:
        if n > _MAX_HERMITE_DEGREE:
            raise ValueError(f"max_degree must be given when n > {_MAX_HERMITE_DEGREE} (its "
                             f"default n exceeds the largest degree {_MAX_HERMITE_DEGREE}), "
                             f"got n = {n}")
        max_degree = n
    else:
        max_degree = check_int(max_degree, "max_degree", low=0, high=min(n, _MAX_HERMITE_DEGREE))
    activation = check_choice(activation, "activation", tuple(ACTIVATIONS))
    bias = check_choice(bias, "bias", BIAS_LAWS)
    bias_std = check_float(bias_std, "bias_std", low=0.0)
    quadrature_nodes = check_int(quadrature_nodes, "quadrature_nodes", low=2, high=1000)
    if bias in ("zero", "none") or bias_std == 0.0:
        points, probs = np.zeros(1), np.ones(1)
    elif bias == "gaussian":
        points, probs = hermite_e.hermegauss(quadrature_nodes)
        points, probs = bias_std * points, probs / _SQRT2PI
    elif bias == "rademacher":
        points, probs = np.array([-bias_std, bias_std]), np.array([0.5, 0.5])
    else:  # uniform on [-sqrt(3) s, sqrt(3) s]
        points, probs = np.polynomial.legendre.leggauss(quadrature_nodes)
        points, probs = bias_std * math.sqrt(3) * points, probs / 2
    out = np.empty(max_degree + 1)
    for k in range(max_degree + 1):
        ck = hermite_coefficient(activation, k, points)
        with np.errstate(over="ignore", under="ignore", invalid="ignore"):
            out[k] = float(n) ** (-k) * float(probs @ ck**2)
        if not math.isfinite(out[k]):
            # c_k^2 overflows where n^-k is tiny: take the product in log space.
            scale = float(np.abs(ck).max())
            mean_sq = float(probs @ (ck / scale) ** 2)
            out[k] = math.exp(-k * math.log(n) + 2 * math.log(scale) + math.log(mean_sq))
    return out
