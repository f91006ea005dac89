r"""The Boolean hypercube :math:`\{-1,+1\}^n` and target functions on it.

Conventions (used across the package)
-------------------------------------
* Inputs are uniform on :math:`\{-1,+1\}^n`; a batch of inputs is a tensor of
  shape ``(..., n)`` with entries :math:`\pm 1`.
* Truth tables are indexed by integers :math:`i\in[0,2^n)`, with
  :math:`x_j = (-1)^{\text{bit } j \text{ of } i}`; so row 0 is all ones.
* A subset :math:`S\subseteq[n]` is a bitmask and
  :math:`\chi_S(x(i)) = (-1)^{\mathrm{popcount}(i\,\&\,S)}`.
* Every target maps a batch ``(..., n)`` to values of shape ``(...)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import numpy as np
import torch

from ._validation import (
    MAX_ENUMERATION_N,
    MAX_N,
    as_tensor,
    check_bool,
    check_device,
    check_dtype,
    check_finite_tensor,
    check_int,
    check_n,
    check_size,
    check_support,
    log2_length,
)
from .random import SeedLike, make_generator

__all__ = [
    "all_inputs",
    "input_chunks",
    "sample_inputs",
    "BooleanTarget",
    "Parity",
    "Majority",
    "Staircase",
    "Junta",
    "RandomFunction",
    "TruthTableTarget",
    "FunctionTarget",
    "Transformed",
    "Embedded",
    "Mixture",
    "truth_table",
    "target_mean",
    "best_constant_accuracy",
    "TIE_BREAKS",
    "subset_to_mask",
    "mask_to_subset",
]


#: Rows of the hypercube built at once by :func:`all_inputs` (bounds its int64 scratch).
_ROWS_PER_BLOCK = 1 << 16


def _bit_signs(indices: torch.Tensor, n: int, dtype: torch.dtype) -> torch.Tensor:
    """Rows x(i) for the integers ``indices``: x_j = (-1)^{bit j of i}."""
    bits = (indices.unsqueeze(-1) >> torch.arange(n, device=indices.device)) & 1
    return (1 - 2 * bits).to(dtype)


def _check_permutation(permutation, n: int | None = None) -> tuple[int, ...]:
    """A permutation of ``range(n)`` (n defaults to its length), entries integers."""
    if isinstance(permutation, (str, bytes)) or not isinstance(
            permutation, (Sequence, range, torch.Tensor, np.ndarray)):
        raise TypeError(f"permutation must be a sequence of integers, got "
                        f"{type(permutation).__name__}")
    items = list(permutation)
    if n is None:
        n = len(items)
    if len(items) != n:
        raise ValueError(f"permutation must have {n} entries, got {len(items)}")
    perm = tuple(check_int(p, "permutation entry", low=0, high=max(n - 1, 0)) for p in items)
    if sorted(perm) != list(range(n)):
        raise ValueError(f"permutation must be a permutation of range({n}) (each of 0..{n - 1} "
                         f"exactly once), got {list(perm)}")
    return perm


def _check_signs(signs, n: int) -> tuple[int, ...]:
    """n signs, each the integer +1 or -1 (floats such as 0.6 are refused, not rounded)."""
    if isinstance(signs, (str, bytes)) or not isinstance(
            signs, (Sequence, range, torch.Tensor, np.ndarray)):
        raise TypeError(f"signs must be a sequence of +1/-1, got {type(signs).__name__}")
    items = [check_int(s, "signs entry") for s in list(signs)]
    if len(items) != n or any(s not in (-1, 1) for s in items):
        raise ValueError(f"signs must be {n} entries each +1 or -1, got {items}")
    return tuple(items)


def _check_dtype_device(dtype, device) -> tuple[torch.dtype, torch.device]:
    return check_dtype(dtype), check_device(device)


def all_inputs(n: int, dtype: torch.dtype = torch.float32,
               device: str | torch.device | None = None) -> torch.Tensor:
    r"""All :math:`2^n` points of :math:`\{-1,+1\}^n`, row ``i`` with :math:`x_j=(-1)^{\text{bit } j \text{ of } i}`.

    Parameters
    ----------
    n : int
        Dimension, 1 <= n <= 24, as long as the table (``2**n * n`` entries of ``dtype``)
        fits in the tensor byte cap (1 GiB by default, environment variable
        ``INAL_MAX_TENSOR_BYTES``): with the default cap n <= 23 in float32 and n <= 22 in
        float64. Larger tables are refused before anything is allocated.
    dtype : torch.float32 or torch.float64
    device : None, "cpu", "cuda[:i]" or torch.device
        Of the returned tensor (None: the CPU).

    Returns
    -------
    torch.Tensor of shape ``(2**n, n)``.
    """
    n = check_n(n, enumerate_all=True)
    dtype, device = _check_dtype_device(dtype, device)
    total = 2**n
    check_size({"2^n": total, "n": n}, bytes_per_entry=dtype.itemsize,
               what="the table of all inputs")
    if total <= _ROWS_PER_BLOCK:
        return _bit_signs(torch.arange(total, device=device), n, dtype)
    out = torch.empty(total, n, dtype=dtype, device=device)
    for start in range(0, total, _ROWS_PER_BLOCK):
        stop = min(start + _ROWS_PER_BLOCK, total)
        out[start:stop] = _bit_signs(torch.arange(start, stop, device=device), n, dtype)
    return out


def input_chunks(n: int, chunk_size: int = 65536, dtype: torch.dtype = torch.float32,
                 device: str | torch.device | None = None) -> Iterator[tuple[int, torch.Tensor]]:
    """Yield ``(start, block)`` with ``block = all_inputs(n)[start:start+chunk_size]``.

    Lets exact computations over all 2^n inputs run in bounded memory. The arguments are
    checked when this is called, not when the first block is drawn.

    Parameters
    ----------
    n : int
        1 <= n <= 24.
    chunk_size : int
        Rows per block, >= 1; a block (``min(chunk_size, 2**n) * n`` int64 entries while it
        is built) must fit in the tensor byte cap.
    dtype : torch.float32 or torch.float64
    device : None, "cpu", "cuda[:i]" or torch.device
    """
    n = check_n(n, enumerate_all=True)
    chunk_size = check_int(chunk_size, "chunk_size", low=1)
    dtype, device = _check_dtype_device(dtype, device)
    check_size({"chunk_size": min(chunk_size, 2**n), "n": n}, what="one block of inputs")
    return _input_blocks(n, chunk_size, dtype, device)


def _input_blocks(n: int, chunk_size: int, dtype: torch.dtype, device: torch.device
                  ) -> Iterator[tuple[int, torch.Tensor]]:
    total = 2**n
    for start in range(0, total, chunk_size):
        stop = min(start + chunk_size, total)
        yield start, _bit_signs(torch.arange(start, stop, device=device), n, dtype)


def sample_inputs(n: int, m: int, seed: SeedLike = 0, dtype: torch.dtype = torch.float32,
                  device: str | torch.device | None = None) -> torch.Tensor:
    r"""``m`` i.i.d. uniform points of :math:`\{-1,+1\}^n`, shape ``(m, n)``.

    Drawn on the CPU from ``seed`` (an int in [0, 2**62] or a ``torch.Generator``) and then
    moved to ``device``, so a seed gives the same sample on every device.

    Parameters
    ----------
    n : int
        1 <= n <= 4096.
    m : int
        1 <= m <= 10**9, and ``m * n`` (drawn as int64, 8 bytes an entry) within the tensor
        byte cap (1 GiB by default: m * n <= 2**27).
    seed : int or torch.Generator
    dtype : torch.float32 or torch.float64
    device : None, "cpu", "cuda[:i]" or torch.device
    """
    n = check_n(n)
    m = check_int(m, "m", low=1, high=10**9)
    dtype, device = _check_dtype_device(dtype, device)
    gen = make_generator(seed)
    check_size({"m": m, "n": n}, what="the sample")
    bits = torch.randint(0, 2, (m, n), generator=gen)
    return (1 - 2 * bits).to(dtype=dtype, device=device)


def subset_to_mask(subset: Sequence[int], n: int) -> int:
    """Bitmask of a subset of coordinates ``{0, ..., n-1}``."""
    support = check_support(subset, check_n(n))
    return sum(1 << j for j in support)


def mask_to_subset(mask: int, n: int) -> tuple[int, ...]:
    """Coordinates set in a bitmask (the inverse of :func:`subset_to_mask`)."""
    n = check_n(n)
    mask = check_int(mask, "mask", low=0, high=2**n - 1)
    return tuple(j for j in range(n) if mask >> j & 1)


def _check_batch(x, n: int) -> torch.Tensor:
    if not isinstance(x, torch.Tensor):
        x = as_tensor(x, "x")
    elif x.dtype == torch.bool or x.is_complex():
        raise TypeError(f"x must be a real tensor of +1/-1 entries, got dtype {x.dtype}")
    else:
        check_finite_tensor(x, "x")
    if x.ndim == 0 or x.shape[-1] != n:
        raise ValueError(f"x must have shape (..., {n}) for a target on n={n} bits, got {tuple(x.shape)}")
    return x


class BooleanTarget:
    r"""A target function :math:`f:\{-1,+1\}^n\to\mathbb{R}` (usually :math:`\pm1`-valued).

    Subclasses implement ``_evaluate``; calling the target validates the batch.
    """

    name: str = "target"

    def __init__(self, n: int):
        self.n = check_n(n)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """Evaluate on a batch ``x`` of shape ``(..., n)``; returns shape ``(...)``."""
        return self._evaluate(_check_batch(x, self.n))

    def _evaluate(self, x: torch.Tensor) -> torch.Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def is_boolean(self) -> bool:
        """Whether the target takes only the values +1 and -1."""
        return True

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name}, n={self.n})"


class Parity(BooleanTarget):
    r"""The parity :math:`\chi_S(x)=\prod_{i\in S}x_i` of a support set ``S``.

    Parameters
    ----------
    n : int
        Number of input bits.
    support : sequence of int, optional
        Distinct coordinates in ``[0, n)``; default ``range(k)``.
    k : int, optional
        Size of the support when ``support`` is omitted (0 <= k <= n).
    """

    def __init__(self, n: int, support: Sequence[int] | None = None, *, k: int | None = None):
        super().__init__(n)
        if support is None:
            if k is None:
                raise TypeError("Parity needs either support or k")
            k = check_int(k, "k", low=0, high=self.n)
            support = range(k)
        elif k is not None:
            raise TypeError("give either support or k to Parity, not both")
        self.support = check_support(support, self.n)
        self.k = len(self.support)
        self.name = f"parity(k={self.k})"

    def _evaluate(self, x):
        if not self.support:
            return torch.ones(x.shape[:-1], dtype=x.dtype, device=x.device)
        return x[..., list(self.support)].prod(dim=-1)


#: How :class:`Majority`, :class:`Staircase` and :class:`Mixture` break a tie (a zero sum).
#: ``"first"`` (the default): the tie takes the value of the first bit of the support, a
#: fair rule that keeps the target balanced (see each class); ``"+1"``: towards +1, which
#: biases the target (the first version of the book did this silently); ``"error"``:
#: refuse an input with a tie.
TIE_BREAKS = ("first", "+1", "error")


def _check_tie_break(tie_break) -> str:
    if not isinstance(tie_break, str) or tie_break not in TIE_BREAKS:
        raise ValueError(f"tie_break must be one of {TIE_BREAKS}, got {tie_break!r}")
    return tie_break


def _sign_with_ties(total: torch.Tensor, tie_value, tie_break: str, name: str) -> torch.Tensor:
    """``sign(total)`` with the zeros replaced by ``tie_value`` (or +1, or refused)."""
    sign = torch.where(total > 0, 1.0, -1.0).to(total.dtype)
    ties = total == 0
    if tie_break == "+1":
        return torch.where(ties, torch.ones_like(sign), sign)
    if tie_break == "error":
        if bool(ties.any()):
            raise ValueError(f"{name} has a tie (a zero sum) on {int(ties.sum())} of the "
                             "inputs; pass tie_break='first' or '+1' to say how to break it")
        return sign
    return torch.where(ties, tie_value.to(sign.dtype), sign)


class Majority(BooleanTarget):
    r"""Majority :math:`\mathrm{sign}(\sum_{i\in S}x_i)` over ``support`` (default: all bits).

    For odd :math:`|S|` there are no ties. For even :math:`|S|` the sum can be 0; with
    ``tie_break="first"`` (default) a tie takes the value of the first bit of the support,
    :math:`x_{S_0}`. Then :math:`f(-x)=-f(x)`, so f is balanced
    (:math:`\mathbb E f=0`, no constant term). ``tie_break="+1"`` breaks ties towards +1:
    :math:`\mathbb E f=\binom{|S|}{|S|/2}2^{-|S|}` (0.246 for 10 bits), a constant term
    that inflates the INAL of any network (:math:`A_0` is the largest entry of the
    profile). ``tie_break="error"`` refuses inputs with a tie.
    """

    def __init__(self, n: int, support: Sequence[int] | None = None, *,
                 tie_break: str = "first"):
        super().__init__(n)
        self.support = check_support(range(self.n) if support is None else support, self.n,
                                     allow_empty=False)
        self.tie_break = _check_tie_break(tie_break)
        self.name = f"majority({len(self.support)})"

    def _evaluate(self, x):
        s = x[..., list(self.support)].sum(dim=-1)
        return _sign_with_ties(s, x[..., self.support[0]], self.tie_break, self.name)


class Staircase(BooleanTarget):
    r"""The staircase :math:`x_0 + x_0x_1 + \dots + x_0x_1\cdots x_{k-1}` on the first ``k`` bits.

    Abbe, Boix-Adserà and Misiakiewicz's staircase is this real-valued sum; with
    ``boolean=False`` the target is the sum divided by :math:`\sqrt{k}`, so that
    :math:`\langle f,f\rangle = 1`. Its Fourier weight is :math:`1/k` on each degree
    :math:`1,\dots,k`.

    ``boolean=True`` (default) returns its *sign*, a different :math:`\pm1` function with
    weight on many more monomials. For even k the sum can be 0; with ``tie_break="first"``
    (default) a tie takes the value :math:`x_0`. Since the sum is
    :math:`x_0(1+x_1+x_1x_2+\dots)`, the sign is then :math:`x_0` times a function of
    :math:`x_1,\dots,x_{k-1}`, so it is balanced. ``tie_break="+1"`` biases it
    (:math:`\mathbb E f=0.3125` for k = 6); ``"error"`` refuses inputs with a tie.
    """

    def __init__(self, n: int, k: int, *, boolean: bool = True, tie_break: str = "first"):
        super().__init__(n)
        self.k = check_int(k, "k", low=1, high=self.n)
        self.boolean = check_bool(boolean, "boolean")
        self.tie_break = _check_tie_break(tie_break)
        self.name = f"staircase(k={self.k})" if self.boolean else f"staircase sum(k={self.k})"

    @property
    def is_boolean(self) -> bool:
        return self.boolean

    def _evaluate(self, x):
        prefix = torch.cumprod(x[..., : self.k], dim=-1).sum(dim=-1)
        if self.boolean:
            return _sign_with_ties(prefix, x[..., 0], self.tie_break, self.name)
        return prefix / self.k**0.5


class Junta(BooleanTarget):
    r"""A function of the bits in ``support`` given by its truth table.

    ``table`` has length :math:`2^{|S|}` and follows the package's indexing: entry
    ``i`` is the value at :math:`x_{S_j} = (-1)^{\text{bit } j \text{ of } i}`, with
    ``S`` sorted.
    """

    def __init__(self, n: int, support: Sequence[int], table):
        super().__init__(n)
        self.support = check_support(support, self.n, allow_empty=False)
        table = as_tensor(table, "table", dtype=torch.float64)
        if table.ndim != 1:
            raise ValueError(f"table must be one-dimensional, got shape {tuple(table.shape)}")
        if table.shape[0] != 2 ** len(self.support):
            raise ValueError(f"table must have length 2^|support| = {2 ** len(self.support)}, "
                             f"got {table.shape[0]}")
        self.table = table
        self.name = f"junta({len(self.support)})"

    @property
    def is_boolean(self) -> bool:
        return bool(((self.table == 1) | (self.table == -1)).all())

    def _evaluate(self, x):
        bits = (x[..., list(self.support)] < 0).long()
        index = (bits << torch.arange(len(self.support), device=x.device)).sum(dim=-1)
        return self.table.to(device=x.device, dtype=x.dtype)[index]


class TruthTableTarget(Junta):
    """A function of all ``n`` bits given by a truth table of length 2^n."""

    def __init__(self, table):
        table = as_tensor(table, "table", dtype=torch.float64)
        if table.ndim != 1:
            raise ValueError(f"table must be one-dimensional, got shape {tuple(table.shape)}")
        n = log2_length(table.shape[0], "table")
        super().__init__(n, range(n), table)
        self.name = f"table(n={n})"


class RandomFunction(TruthTableTarget):
    r"""A uniformly random :math:`\pm1` function of all ``n`` bits (n <= 24)."""

    def __init__(self, n: int, seed: SeedLike = 0):
        n = check_n(n, enumerate_all=True)
        gen = make_generator(seed)
        table = 1.0 - 2.0 * torch.randint(0, 2, (2**n,), generator=gen).double()
        super().__init__(table)
        self.name = f"random(n={n})"


class FunctionTarget(BooleanTarget):
    """Wrap a callable ``fn(x) -> values`` on batches ``(..., n)`` as a target.

    Parameters
    ----------
    n : int
        Number of input bits, 1 <= n <= 4096.
    fn : callable
        Maps a batch ``x`` of shape ``(..., n)`` to real, finite values of shape ``(...)``
        (a tensor or array-like). With ``boolean=True`` (the default) every value must be
        +1 or -1.
    name : str
    boolean : bool
        Whether the target is ±1-valued (checked on every evaluation).

    Every evaluation checks ``fn``'s output (shape, real, finite, and ±1 when ``boolean``)
    and raises ``ValueError``/``TypeError`` naming ``fn`` otherwise.
    """

    def __init__(self, n: int, fn: Callable[[torch.Tensor], torch.Tensor], name: str = "function",
                 *, boolean: bool = True):
        super().__init__(n)
        if not callable(fn):
            raise TypeError(f"fn must be callable, got {type(fn).__name__}")
        self.fn = fn
        self.name = str(name)
        self._boolean = check_bool(boolean, "boolean")

    @property
    def is_boolean(self) -> bool:
        return self._boolean

    def _evaluate(self, x):
        out = self.fn(x)
        if not isinstance(out, torch.Tensor):
            if isinstance(out, (bool, np.bool_)) or out is None:
                raise TypeError(f"fn must return a tensor of shape {tuple(x.shape[:-1])}, got "
                                f"{type(out).__name__}")
            out = as_tensor(out if isinstance(out, (np.ndarray, list, tuple))
                               else np.asarray(out), "fn(x)")
        elif out.is_complex():
            raise TypeError(f"fn(x) must be real, got dtype {out.dtype}")
        elif out.dtype == torch.bool:
            raise TypeError("fn(x) must be numeric (+1/-1 for a Boolean target), got a boolean "
                            "tensor")
        if tuple(out.shape) != tuple(x.shape[:-1]):
            raise ValueError(f"fn(x) must have shape {tuple(x.shape[:-1])} (one value per input "
                             f"of the batch x of shape {tuple(x.shape)}), got {tuple(out.shape)}")
        check_finite_tensor(out, "fn(x)")
        if self._boolean and not bool(((out == 1) | (out == -1)).all()):
            bad = out[(out != 1) & (out != -1)].flatten()[0].item()
            raise ValueError(f"fn(x) must take only the values +1 and -1 (boolean=True), got "
                             f"{bad!r}; pass boolean=False for a real-valued target")
        return out


class Transformed(BooleanTarget):
    r"""The composition :math:`g(x) = f(s\odot x_{\pi})`: permute, then flip signs.

    ``(x_π)_j = x_{π(j)}``, i.e. ``x[..., permutation]``; ``signs`` multiply the permuted
    input entrywise. This is the action of the signed-permutation group on targets.
    ``permutation`` must be a permutation of ``range(n)`` and ``signs`` n entries each +1 or
    -1, all integers (Python, numpy or integer tensors): floats are refused, not rounded.
    """

    def __init__(self, target: BooleanTarget, permutation: Sequence[int] | None = None,
                 signs: Sequence[int] | None = None):
        if not isinstance(target, BooleanTarget):
            raise TypeError(f"target must be a BooleanTarget, got {type(target).__name__}")
        super().__init__(target.n)
        n = target.n
        perm = list(range(n)) if permutation is None else list(_check_permutation(permutation, n))
        signs = [1] * n if signs is None else list(_check_signs(signs, n))
        self.target = target
        self.permutation = perm
        self.signs = torch.tensor(signs)
        self.name = f"{target.name}∘π"

    @property
    def is_boolean(self) -> bool:
        return self.target.is_boolean

    def _evaluate(self, x):
        return self.target(x[..., self.permutation] * self.signs.to(x.dtype).to(x.device))


class Embedded(BooleanTarget):
    """A target on ``target.n`` bits read from the first of ``n_total >= target.n`` bits.

    The network sees ``n_total`` bits of which ``n_total - target.n`` are irrelevant;
    ``target.n <= n_total <= 4096``.
    """

    def __init__(self, target: BooleanTarget, n_total: int):
        if not isinstance(target, BooleanTarget):
            raise TypeError(f"target must be a BooleanTarget, got {type(target).__name__}")
        n_total = check_int(n_total, "n_total", low=target.n, high=MAX_N)
        super().__init__(n_total)
        self.target = target
        self.name = f"{target.name} in {n_total} bits"

    @property
    def is_boolean(self) -> bool:
        return self.target.is_boolean

    def _evaluate(self, x):
        return self.target(x[..., : self.target.n])


class Mixture(BooleanTarget):
    r"""The sign of a weighted sum of targets, :math:`\mathrm{sign}(\sum_j c_j f_j)`.

    With ``boolean=False`` the weighted sum itself. A zero sum is a tie: with
    ``tie_break="first"`` (default) it takes the value :math:`x_0`, with ``"+1"`` the value
    +1, and ``"error"`` refuses it. Whether the sign is balanced depends on the targets
    and weights (odd targets with no ties, such as three parities, are); check it with
    :func:`target_mean`.
    """

    def __init__(self, targets: Sequence[BooleanTarget], weights: Sequence[float],
                 *, boolean: bool = True, tie_break: str = "first"):
        if not isinstance(targets, (Sequence, tuple)) or isinstance(targets, (str, bytes)):
            raise TypeError(f"targets must be a sequence of BooleanTarget, got "
                            f"{type(targets).__name__}")
        if isinstance(weights, (str, bytes)) or not isinstance(
                weights, (Sequence, np.ndarray, torch.Tensor)):
            raise TypeError(f"weights must be a sequence of real numbers, got "
                            f"{type(weights).__name__}")
        targets = list(targets)
        if not targets:
            raise ValueError("targets must not be empty")
        if any(not isinstance(t, BooleanTarget) for t in targets):
            raise TypeError("targets must all be BooleanTarget instances")
        if len({t.n for t in targets}) != 1:
            raise ValueError(f"targets must share n, got {[t.n for t in targets]}")
        weights = as_tensor(list(weights) if not isinstance(weights, (np.ndarray, torch.Tensor))
                               else weights, "weights", dtype=torch.float64)
        if weights.shape != (len(targets),):
            raise ValueError(f"weights must have one entry per target ({len(targets)}), "
                             f"got shape {tuple(weights.shape)}")
        super().__init__(targets[0].n)
        self.targets = targets
        self.weights = weights
        self.boolean = check_bool(boolean, "boolean")
        self.tie_break = _check_tie_break(tie_break)
        self.name = "mixture(" + ", ".join(t.name for t in targets) + ")"

    @property
    def is_boolean(self) -> bool:
        return self.boolean

    def _evaluate(self, x):
        total = sum(float(c) * t(x) for c, t in zip(self.weights, self.targets, strict=True))
        if self.boolean:
            return _sign_with_ties(total, x[..., 0], self.tie_break, self.name)
        return total


def truth_table(target: BooleanTarget, dtype: torch.dtype = torch.float64,
                chunk_size: int = 1 << 16,
                device: str | torch.device | None = None) -> torch.Tensor:
    """The vector ``(f(x(i)))_{i<2^n}`` of a target with n <= 24, in the package's indexing.

    Computed (and returned) on ``device`` (default: the CPU).

    Parameters
    ----------
    target : BooleanTarget
        With ``target.n <= 24``. Its values must be finite, one per input.
    dtype : torch.float32 or torch.float64
    chunk_size : int
        Inputs evaluated at once (>= 1), as for :func:`input_chunks`.
    device : None, "cpu", "cuda[:i]" or torch.device
    """
    if not isinstance(target, BooleanTarget):
        raise TypeError(f"target must be a BooleanTarget, got {type(target).__name__}")
    if target.n > MAX_ENUMERATION_N:
        raise ValueError(f"target.n must be at most {MAX_ENUMERATION_N} to enumerate, got {target.n}")
    dtype, device = _check_dtype_device(dtype, device)
    chunks = input_chunks(target.n, chunk_size, dtype=dtype, device=device)
    check_size({"2^n": 2**target.n}, bytes_per_entry=dtype.itemsize, what="the truth table")
    out = torch.empty(2**target.n, dtype=dtype, device=device)
    for start, x in chunks:
        values = target(x)
        if not isinstance(values, torch.Tensor) or values.shape != x.shape[:-1]:
            shape = tuple(values.shape) if isinstance(values, torch.Tensor) else type(values).__name__
            raise ValueError(f"target {target.name!r} must return one value per input, shape "
                             f"({x.shape[0]},) for a block of {x.shape[0]} inputs, got {shape}")
        if values.is_complex():
            raise TypeError(f"target {target.name!r} must return real values, got {values.dtype}")
        check_finite_tensor(values, f"target {target.name!r}")
        out[start:start + x.shape[0]] = values.to(dtype)
    return out


def target_mean(target: BooleanTarget, *, n_samples: int | None = None,
                seed: SeedLike = 0) -> float:
    r"""The constant Fourier coefficient :math:`\hat f(\emptyset)=\mathbb E_x f(x)`.

    Exact (by enumeration) for n <= 24 when ``n_samples`` is None; otherwise the mean over
    ``n_samples`` uniform inputs drawn from ``seed``. Its square :math:`W^0(f)` times
    :math:`A_0` is the part of an INAL that a constant neuron already explains.
    """
    if not isinstance(target, BooleanTarget):
        raise TypeError(f"target must be a BooleanTarget, got {type(target).__name__}")
    if n_samples is None:
        if target.n > MAX_ENUMERATION_N:
            raise ValueError(f"target.n must be at most {MAX_ENUMERATION_N} to enumerate, got "
                             f"{target.n}: pass n_samples to sample inputs instead")
        return float(truth_table(target).mean())
    n_samples = check_int(n_samples, "n_samples", low=1, high=10**8)
    total, gen = 0.0, make_generator(seed)
    for start in range(0, n_samples, _ROWS_PER_BLOCK):
        size = min(_ROWS_PER_BLOCK, n_samples - start)
        values = target(sample_inputs(target.n, size, gen, dtype=torch.float64))
        check_finite_tensor(values, f"target {target.name!r}")
        total += float(values.sum())
    return total / n_samples


def best_constant_accuracy(target: BooleanTarget, *, n_samples: int | None = None,
                           seed: SeedLike = 0) -> float:
    r"""Accuracy of the best constant predictor, :math:`\max(P[f=1],P[f=-1])=(1+|\mathbb E f|)/2`.

    The baseline a learned :math:`\pm1` target must beat: a biased target is "learned" to
    this accuracy by predicting its majority value. ``n_samples`` and ``seed`` as for
    :func:`target_mean`.
    """
    if not isinstance(target, BooleanTarget):
        raise TypeError(f"target must be a BooleanTarget, got {type(target).__name__}")
    if not target.is_boolean:
        raise ValueError(f"best_constant_accuracy needs a +1/-1 target, got {target.name!r}")
    return (1.0 + abs(target_mean(target, n_samples=n_samples, seed=seed))) / 2.0
