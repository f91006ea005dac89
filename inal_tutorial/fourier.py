r"""Walsh–Fourier analysis on the hypercube.

For :math:`f:\{-1,+1\}^n\to\mathbb{R}` and :math:`S\subseteq[n]`,

.. math::  \hat f(S) = \langle f,\chi_S\rangle = 2^{-n}\sum_x f(x)\chi_S(x),
           \qquad W^k(f) = \sum_{|S|=k}\hat f(S)^2 .

With the package's indexing (:mod:`inal_tutorial.boolean`) the vector of
:math:`\hat f(S)`, indexed by bitmasks S, is the normalized Walsh–Hadamard
transform of the truth table, computed here in :math:`O(n2^n)` operations.
"""

from __future__ import annotations

import functools
import math
import os

import numpy as np
import torch

from ._validation import (
    as_tensor,
    check_bool,
    check_device,
    check_dtype,
    check_int,
    check_n,
    check_size,
    log2_length,
)

# The SIMD C implementation of the transform, fht-cpu: a default dependency on the platforms
# it has wheels for (Linux x86_64/aarch64 with glibc >= 2.28, macOS >= 14 on arm64; 5-9x
# faster than the pure-PyTorch kernel, benchmarks/README.md); elsewhere the PyTorch kernel.
try:
    import fht_cpu as _fht_cpu
except ImportError:  # pragma: no cover - depends on the environment
    _fht_cpu = None
if os.environ.get("INAL_TUTORIAL_FWHT", "auto") == "torch":  # force the pure-PyTorch kernel
    _fht_cpu = None

__all__ = [
    "walsh_hadamard",
    "walsh_coefficients",
    "inverse_walsh",
    "degree_profile",
    "subset_sizes",
    "fourier_coefficient",
    "majority_coefficient",
    "majority_degree_profile",
]

#: Passes of the pure-PyTorch transform are grouped in blocks of 2**_BLOCK_BITS entries
#: (512 KiB in float32), small enough to stay in a core's L2 cache between passes.
_BLOCK_BITS = 17
#: Low bits of a block transformed by one matrix product instead of butterfly passes.
_MATMUL_BITS = 4
_C_DTYPES = (torch.float32, torch.float64)


def _prepare(values, name: str, dtype: torch.dtype | None) -> tuple[torch.Tensor, int]:
    if dtype is not None:
        dtype = check_dtype(dtype)
    values = as_tensor(values, name)  # refuses complex input, strings, NaN
    if values.ndim == 0:
        raise ValueError(f"{name} must have a last axis of length 2^n, got a scalar")
    if dtype is not None:
        values = values.to(dtype)
    n = log2_length(values.shape[-1], name)
    return values, n


def _butterflies(v: torch.Tensor, bits: range) -> None:
    """Radix-2 passes for the bits in ``bits`` on the last axis of ``v``, in place.

    Pass j pairs entries whose indices differ in bit j: ``(a, b) <- (a + b, a - b)``, written
    as two in-place ops, ``a += b`` then ``b <- a_new - 2 b`` (= a - b; the factor -2 is exact),
    so each pass reads and writes the data three half-arrays at a time and allocates nothing.
    """
    lead = v.shape[:-1]
    for j in bits:
        h = 1 << j
        view = v.view(*lead, -1, 2, h)
        a, b = view[..., 0, :], view[..., 1, :]
        a.add_(b)
        if b.requires_grad:  # out= does not support autograd; same values, one more op
            b.mul_(-2).add_(a)
        else:
            torch.add(a, b, alpha=-2, out=b)


@functools.lru_cache(maxsize=8)
def _hadamard_matrix(bits: int, dtype: torch.dtype) -> torch.Tensor:
    """The ``2**bits x 2**bits`` Sylvester–Hadamard matrix, entries (-1)^{popcount(i & j)}."""
    h = torch.ones(1, 1, dtype=dtype)
    for _ in range(bits):
        h = torch.cat([torch.cat([h, h], 1), torch.cat([h, -h], 1)], 0)
    return h


def _passes_in_cache(block: torch.Tensor, n: int, scratch: torch.Tensor) -> None:
    """All n passes on the rows (last axis, length 2**n) of a cache-sized CPU block, in place.

    The first :data:`_MATMUL_BITS` passes pair entries 1, 2, 4, 8 apart: as elementwise ops on
    such short strided views they run several times slower than the others, so they are done
    as one product with the 16 x 16 Hadamard matrix (H_16 = H_2 x H_2 x H_2 x H_2 on the low
    bits) into ``scratch`` and copied back.
    """
    low = min(n, _MATMUL_BITS)
    if low > 1:
        groups = block.view(-1, 1 << low)
        product = scratch[:block.numel()].view_as(groups)
        torch.mm(groups, _hadamard_matrix(low, block.dtype), out=product)
        groups.copy_(product)
    else:
        low = 0
    _butterflies(block, range(low, n))


def _fwht_torch(v: torch.Tensor, n: int) -> torch.Tensor:
    """Unnormalized transform of the rows of ``v`` by radix-2 butterflies, cache-blocked, in place.

    Every pass over a large array costs a trip to main memory, so on the CPU the passes are
    grouped into blocks of :data:`_BLOCK_BITS` bits that fit in the core's L2 cache (see
    :func:`_passes_in_cache` for the passes inside a block): rows of
    length ``2**n <= 2**_BLOCK_BITS`` are transformed a group of rows at a time; longer rows
    first get their low bits done segment by segment (each segment is contiguous) and then
    their high bits column block by column block of the ``(2**(n-c), 2**c)`` view of a row.
    On a GPU all passes run on the whole tensor (kernel launches, not caches, dominate there),
    and so they do for tensors that require grad (autograd records each pass).
    """
    if v.device.type != "cpu" or v.requires_grad:
        _butterflies(v, range(n))
        return v
    scratch = torch.empty(min(v.numel(), 1 << _BLOCK_BITS), dtype=v.dtype)
    rows = v.view(-1, 1 << n)
    if n <= _BLOCK_BITS:
        group = max(1, (1 << _BLOCK_BITS) >> n)
        for start in range(0, rows.shape[0], group):
            _passes_in_cache(rows[start:start + group], n, scratch)
        return v
    low, high = _BLOCK_BITS, n - _BLOCK_BITS
    for segment in v.view(-1, 1 << low):                    # bits 0 .. low-1
        _passes_in_cache(segment, low, scratch)
    width = max(64, (1 << low) >> high)                     # a column block is 2**low entries
    for row in rows.view(-1, 1 << high, 1 << low):          # bits low .. n-1
        for col in range(0, 1 << low, width):
            block = row[:, col:col + width]                 # (2**high, width), rows contiguous
            for j in range(high):
                pairs = block.unflatten(0, (-1, 2, 1 << j))
                a, b = pairs[:, 0], pairs[:, 1]
                a.add_(b)
                torch.add(a, b, alpha=-2, out=b)
    return v


def _fwht_c(v: torch.Tensor, n: int) -> torch.Tensor:
    """Unnormalized transform of the rows of ``v`` by the C library ``fht-cpu``, in place."""
    rows = v.detach().view(-1, 1 << n).numpy()
    if rows.shape[0] == 1:
        _fht_cpu.fht(rows[0])
    else:
        _fht_cpu.fht(rows, num_threads=torch.get_num_threads())
    return v


def _uses_c_backend(v: torch.Tensor) -> bool:
    return (_fht_cpu is not None and v.device.type == "cpu" and v.dtype in _C_DTYPES
            and v.is_contiguous() and not v.requires_grad)


def _fwht_inplace(v: torch.Tensor, n: int) -> torch.Tensor:
    """Unnormalized butterfly passes on the last axis of a contiguous tensor, in place.

    Uses the SIMD C library ``fht-cpu`` when it is installed (CPU, float32/float64); otherwise,
    and on GPUs, the pure-PyTorch :func:`_fwht_torch`. Both compute the same sums; for
    integer-valued inputs (truth tables) both are exact.
    """
    return _fwht_c(v, n) if _uses_c_backend(v) else _fwht_torch(v, n)


def walsh_hadamard(values, dtype: torch.dtype | None = torch.float64, *,
                   inplace: bool = False) -> torch.Tensor:
    r"""Unnormalized Walsh–Hadamard transform :math:`(Hv)(S)=\sum_i v_i(-1)^{|i\wedge S|}` on the last axis.

    :math:`H` is symmetric and :math:`H^2 = 2^n I`, so the transform is its own
    inverse up to the factor :math:`2^n`.

    Parameters
    ----------
    values : tensor or array-like, shape ``(..., 2**n)``, 1 <= n <= 24
        Real and finite.
    dtype : torch.float32, torch.float64 or None
        Computation dtype (float64 default, for exact results); ``None`` keeps the input's.
    inplace : bool
        Overwrite ``values`` (a contiguous floating tensor of that dtype) instead of copying.
    """
    inplace = check_bool(inplace, "inplace")
    values, n = _prepare(values, "values", dtype)
    if not values.is_floating_point():
        values = values.double()
    if not inplace or not values.is_contiguous():
        values = values.clone(memory_format=torch.contiguous_format)
    return _fwht_inplace(values, n)


def walsh_coefficients(values, dtype: torch.dtype | None = torch.float64) -> torch.Tensor:
    r"""Fourier coefficients :math:`\hat f(S)` of truth tables (last axis, length :math:`2^n`).

    Entry ``S`` (a bitmask) of the result is :math:`2^{-n}\sum_i f(x(i))\chi_S(x(i))`.
    Leading batch dimensions are transformed independently. Cost :math:`O(n2^n)` per row.
    """
    out = walsh_hadamard(values, dtype)
    return out.div_(out.shape[-1])


def inverse_walsh(coefficients, dtype: torch.dtype | None = torch.float64) -> torch.Tensor:
    r"""Truth table from Fourier coefficients: :math:`f(x)=\sum_S\hat f(S)\chi_S(x)`."""
    return walsh_hadamard(coefficients, dtype)


def subset_sizes(n: int, device: str | torch.device | None = None) -> torch.Tensor:
    """``|S|`` (popcount) of every bitmask ``S`` in ``[0, 2**n)``, as an int64 tensor.

    Built by doubling (the sizes of ``[2^j, 2^{j+1})`` are those of ``[0, 2^j)`` plus one),
    so it needs only the ``2**n`` entries of the result (128 MiB at n = 24).

    Parameters
    ----------
    n : int
        1 <= n <= 24.
    device : None, "cpu", "cuda[:i]" or torch.device
    """
    n = check_n(n, enumerate_all=True)
    device = check_device(device)
    check_size({"2^n": 2**n}, what="the subset sizes")
    out = torch.empty(2**n, dtype=torch.long, device=device)
    out[0] = 0
    for j in range(n):
        h = 1 << j
        torch.add(out[:h], 1, out=out[h:2 * h])
    return out


def degree_profile(values, *, coefficients: bool = False) -> torch.Tensor:
    r"""Fourier weight by degree, :math:`W^k(f)=\sum_{|S|=k}\hat f(S)^2` for k = 0..n.

    Parameters
    ----------
    values : shape ``(..., 2**n)``, 1 <= n <= 24
        Truth tables, or Fourier coefficients when ``coefficients=True`` (real, finite).
    coefficients : bool

    Returns
    -------
    torch.Tensor of shape ``(..., n + 1)`` (float64). By Parseval the entries sum to
    :math:`\langle f,f\rangle` (1 for a :math:`\pm1` function).
    """
    coefficients = check_bool(coefficients, "coefficients")
    coeffs = walsh_coefficients(values) if not coefficients else _prepare(values, "values",
                                                                          torch.float64)[0]
    n = coeffs.shape[-1].bit_length() - 1
    sizes = subset_sizes(n, device=coeffs.device)
    squared = coeffs.square()
    out = torch.zeros(*squared.shape[:-1], n + 1, dtype=squared.dtype, device=squared.device)
    return out.index_add_(-1, sizes, squared)


def fourier_coefficient(values, subset) -> torch.Tensor:
    r""":math:`\hat f(S)=2^{-n}\sum_x f(x)\chi_S(x)` for one subset, by direct summation (O(2^n))."""
    values, n = _prepare(values, "values", torch.float64)
    from .boolean import subset_to_mask

    mask = subset_to_mask(subset, n)
    signs = 1.0 - 2.0 * (_popcount(torch.arange(2**n, device=values.device) & mask) % 2).double()
    return (values * signs).mean(-1)


def _popcount(masks: torch.Tensor) -> torch.Tensor:
    """Popcount of each entry of a non-negative int64 tensor."""
    count = torch.zeros_like(masks)
    m = masks.clone()
    while bool((m > 0).any()):
        count += m & 1
        m >>= 1
    return count


def _check_majority_n(n) -> int:
    n = check_int(n, "n", low=1, high=10_000)
    if n % 2 == 0:
        raise ValueError(f"n must be odd for the majority closed form, got {n}")
    return n


def _majority_ratio(n: int, k: int) -> tuple[int, int]:
    r"""Numerator and denominator of :math:`|\widehat{\mathrm{Maj}_n}(S)|`, |S| = k odd (integers)."""
    h = (n - 1) // 2
    return math.comb(h, (k - 1) // 2) * math.comb(n - 1, h), math.comb(n - 1, k - 1) << (n - 1)


def majority_coefficient(n: int, k: int) -> float:
    r"""Closed form of :math:`\widehat{\mathrm{Maj}_n}(S)` for any :math:`|S| = k`, n odd.

    .. math:: \widehat{\mathrm{Maj}_n}(S) = (-1)^{\frac{k-1}{2}}
              \frac{\binom{(n-1)/2}{(k-1)/2}}{\binom{n-1}{k-1}}\cdot
              \frac{2}{2^{n}}\binom{n-1}{\frac{n-1}{2}}

    for odd k, and 0 for even k (majority is odd).

    Parameters
    ----------
    n : int
        Odd, 1 <= n <= 10 000.
    k : int
        0 <= k <= n.

    Returns
    -------
    float
        The exact rational value, correctly rounded (Python integers throughout, so large n
        neither overflows nor loses digits; values below about 1e-308 round to 0).
    """
    n = _check_majority_n(n)
    k = check_int(k, "k", low=0, high=n)
    if k % 2 == 0:
        return 0.0
    num, den = _majority_ratio(n, k)
    # int / int is correctly rounded, as float(Fraction(num, den)) was.
    return (-1) ** ((k - 1) // 2) * (num / den)


def majority_degree_profile(n: int) -> np.ndarray:
    r""":math:`W^k(\mathrm{Maj}_n) = \binom{n}{k}\widehat{\mathrm{Maj}_n}(S)^2` for k = 0..n (n odd).

    Parameters
    ----------
    n : int
        Odd, 1 <= n <= 10 000.

    Returns
    -------
    numpy array of shape ``(n + 1,)``, float64, finite, summing to 1 (Parseval). Where
    :math:`\binom nk` is too large for a float (n >= 1031, middle k) the weight is the exact
    rational :math:`\frac{n}{k}\,\hat f(S)^2/\binom{n-1}{k-1}` in integers, correctly rounded.
    """
    n = _check_majority_n(n)
    out = np.zeros(n + 1)
    h = (n - 1) // 2
    middle = math.comb(n - 1, h)
    # C(n, k), C(h, (k-1)/2) and C(n-1, k-1) for k = 1, 3, 5, ... by exact integer updates
    # (math.comb at n ~ 10^4 costs milliseconds a call); the integers equal math.comb's.
    count, half, lower = n, 1, 1
    for k in range(1, n + 1, 2):
        if k > 1:
            count = count * (n - k + 2) * (n - k + 1) // ((k - 1) * k)
            half = half * (h - (k - 3) // 2) // ((k - 1) // 2)
            lower = lower * (n - k + 2) * (n - k + 1) // ((k - 2) * (k - 1))
        num, den = half * middle, lower << (n - 1)
        try:
            out[k] = count * (num / den) ** 2
        except OverflowError:  # C(n, k) > 1.8e308: exact integers, one rounding at the end
            out[k] = (count * num * num) / (den * den)
    return out
