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

The first-layer formula (its profiles live in :mod:`inal_tutorial.profiles`): for a
first-layer neuron :math:`\sigma(w\cdot x+b)`
with sign-symmetric i.i.d. :math:`w_i`, sign and permutation symmetry kill the
cross terms and

.. math:: \mathbb{E}_w\langle f,\sigma_w\rangle^2=\sum_k W^k(f)\,A_k(n),\qquad
          A_k(n)=\mathbb{E}_w\big[\hat\sigma_w(S)^2\big]\ \text{for any } |S|=k.

The same argument holds for *every* neuron v of a fully connected network whose
first-layer weights are i.i.d. with a sign-symmetric law (flipping input i is flipping
column i of the first weight matrix): :math:`\mathbb{E}_\theta\langle f,\mathrm{NN}_v
\rangle^2=\sum_kW^k(f)A_k^{(v)}(n)` with :math:`A_k^{(v)}(n)=\mathbb{E}_\theta[\widehat{
\mathrm{NN}_v}(S)^2]`, estimated by
:func:`~inal_tutorial.neuron_profiles.neuron_profile`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch

from ._progress import progress_bar
from ._training_checks import derived_generator
from ._validation import (
    MAX_ENUMERATION_N,
    as_tensor,
    check_bool,
    check_choice,
    check_int,
    check_seed,
    check_size,
)
from .boolean import (
    BooleanTarget,
    Parity,
    _bit_signs,
    sample_inputs,
    target_mean,
)
from .networks import ACTIVATIONS, MLPEnsemble
from .random import SeedLike, make_generator

__all__ = [
    "INALResult",
    "estimate_inal",
    "neuron_correlations",
    "unbiased_squared_mean",
    "plugin_squared_mean",
    "inal_result_from_squares",
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
    target_mean : float or None
        :math:`\hat f(\emptyset)=\mathbb E f` when the constant term was separated.
    per_layer_constant : numpy array or None
        The degree-0 part of each layer average,
        :math:`\hat f(\emptyset)^2\,\mathbb E_\theta\langle 1,\mathrm{NN}_v\rangle^2`.
        By the sign-flip symmetry of the first layer's law the cross term between the
        constant and the rest of f vanishes for every neuron, so each layer average is
        exactly this part plus the INAL of the centred target :math:`f-\hat f(\emptyset)`.
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
    target_mean: float | None = None
    per_layer_constant: np.ndarray | None = field(default=None, repr=False)

    @property
    def ci(self) -> tuple[float, float]:
        """Normal 95 % confidence interval for ``value``."""
        return (self.value - _Z95 * self.stderr, self.value + _Z95 * self.stderr)

    def _need_constant(self) -> np.ndarray:
        if self.per_layer_constant is None:
            raise ValueError("this INAL was estimated without separating the constant term; "
                             "call estimate_inal(..., constant_term=True)")
        return self.per_layer_constant

    @property
    def constant_part(self) -> float:
        r"""The degree-0 part :math:`W^0(f)\,A_0` of ``value`` (at the same layer)."""
        return float(self._need_constant()[self.layer])

    @property
    def constant_share(self) -> float:
        """``constant_part / value``: the fraction of the INAL a constant already explains."""
        return self.constant_part / self.value if self.value > 0 else 0.0

    @property
    def without_constant(self) -> float:
        r"""The INAL of the centred target :math:`f-\hat f(\emptyset)`: the largest layer
        average once each layer's degree-0 part is removed."""
        return float(np.max(self.per_layer - self._need_constant()))

    def __str__(self) -> str:
        lo, hi = self.ci
        text = (f"INAL = {self.value:.4g} ± {self.stderr:.2g} (95% CI [{lo:.3g}, {hi:.3g}], "
                f"layer {self.layer}, {self.method}, {self.n_init} inits")
        if self.per_layer_constant is not None and self.constant_part > 0:
            text += f", {100 * self.constant_share:.0f}% of it the constant term"
        return text + ")"


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
                  constant_term: bool | None = None,
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
    constant_term : bool, optional
        Separate the degree-0 part :math:`\hat f(\emptyset)^2\,\mathbb E_\theta\langle 1,
        \mathrm{NN}_v\rangle^2` of every layer average (``per_layer_constant``,
        ``constant_part``, ``without_constant`` of the result). Default: yes when the
        inputs are enumerated (free for a balanced target; one more pass over the inputs
        otherwise), no for sampled inputs, where it costs a second pass and
        :math:`\hat f(\emptyset)^2` is estimated by a U-statistic of the same sample size.

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
    constant_term = (n_samples is None) if constant_term is None else check_bool(
        constant_term, "constant_term")
    squares, method = _squared_correlations(target, network, n_samples, estimator, input_seed,
                                            chunk_size, progress, independent_inputs)
    result = inal_result_from_squares(squares, method, n_samples)
    if constant_term:
        _separate_constant(result, target, network, n_samples, estimator, input_seed,
                           chunk_size, progress, independent_inputs)
    return result


def _squared_correlations(target, network, n_samples, estimator, seed, chunk_size, progress,
                          independent_inputs) -> tuple[list[torch.Tensor], str]:
    """Per-neuron estimates of the squared correlation ``(M, width_l)``, and the method label."""
    sums, sums_sq = neuron_correlations(target, network, n_samples=n_samples, seed=seed,
                                        chunk_size=chunk_size, progress=progress,
                                        independent_inputs=independent_inputs)
    if n_samples is None:
        return [(s / 2**target.n).square() for s in sums], "exact"
    if estimator == "unbiased":
        return ([unbiased_squared_mean(s, q, n_samples)
                 for s, q in zip(sums, sums_sq, strict=True)], "sampled")
    return [plugin_squared_mean(s, n_samples) for s in sums], "sampled (plug-in)"


def _separate_constant(result: INALResult, target, network, n_samples, estimator, seed,
                       chunk_size, progress, independent_inputs) -> None:
    r"""Fill ``target_mean`` and ``per_layer_constant`` of ``result``:
    :math:`W^0(f)` times the layer averages of :math:`\mathbb E_\theta\langle 1,
    \mathrm{NN}_v\rangle^2`, estimated on the same network (and input seed)."""
    n = target.n
    if n_samples is None:
        mean = target_mean(target)
        weight0 = mean * mean
    else:
        # U-statistic of W^0 = (E f)^2 from an independent sample of the same size.
        gen = derived_generator(seed) if isinstance(seed, int) else seed
        values = _target_values(target, sample_inputs(n, n_samples, gen, dtype=torch.float64))
        total, total_sq = values.sum(), values.square().sum()
        # Clipped at 0: an unbiased estimate of a square can be negative.
        weight0 = max(0.0, float(unbiased_squared_mean(total, total_sq, n_samples)))
        mean = float(total) / n_samples
    result.target_mean = float(mean)
    if weight0 == 0.0:
        result.per_layer_constant = np.zeros_like(result.per_layer)
        return
    ones = Parity(n, k=0)
    squares, _ = _squared_correlations(ones, network, n_samples, estimator, seed, chunk_size,
                                       progress, independent_inputs)
    per_layer = np.array([float(q.mean()) for q in squares])
    result.per_layer_constant = weight0 * per_layer


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
