"""Argument checks shared by the public API.

Every public function validates its arguments here so that bad input fails
at the boundary with a message naming the argument and its allowed range,
instead of surfacing later as a shape error or a silent NaN.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import numpy as np
import torch

#: Largest n for which the package enumerates all 2^n inputs.
MAX_ENUMERATION_N = 24
#: Largest input dimension accepted anywhere (sampling works beyond enumeration).
MAX_N = 4096


def check_int(value, name: str, *, low: int | None = None, high: int | None = None) -> int:
    """Return ``value`` as an int, raising if it is not an integer in [low, high]."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    value = int(value)
    if (low is not None and value < low) or (high is not None and value > high):
        lo = "-inf" if low is None else str(low)
        hi = "inf" if high is None else str(high)
        raise ValueError(f"{name} must be an integer in [{lo}, {hi}], got {value}")
    return value


def check_n(n, name: str = "n", *, enumerate_all: bool = False) -> int:
    """Validate an input dimension; ``enumerate_all`` caps it at :data:`MAX_ENUMERATION_N`."""
    high = MAX_ENUMERATION_N if enumerate_all else MAX_N
    n = check_int(n, name, low=1)
    if n > high:
        why = "all 2^n inputs are enumerated" if enumerate_all else "inputs are sampled"
        raise ValueError(f"{name} must be an integer in [1, {high}] when {why}, got {n}")
    return n


def check_float(value, name: str, *, low: float | None = None, high: float | None = None,
                low_open: bool = False, high_open: bool = False) -> float:
    """Return ``value`` as a finite float in the given (open or closed) interval."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    bad_low = low is not None and (value <= low if low_open else value < low)
    bad_high = high is not None and (value >= high if high_open else value > high)
    if bad_low or bad_high:
        left = "(" if low_open else "["
        right = ")" if high_open else "]"
        lo = "-inf" if low is None else f"{low:g}"
        hi = "inf" if high is None else f"{high:g}"
        raise ValueError(f"{name} must be in {left}{lo}, {hi}{right}, got {value:g}")
    return value


def check_choice(value, name: str, choices: Sequence[str]) -> str:
    """Return ``value`` if it is one of ``choices`` (strings), else raise."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, one of {sorted(choices)}, got {value!r}")
    if value not in choices:
        raise ValueError(f"unknown {name} {value!r}: expected one of {sorted(choices)}")
    return value


def check_support(support, n: int, name: str = "support", *, allow_empty: bool = True) -> tuple[int, ...]:
    """Validate a set of coordinates: distinct integers in [0, n)."""
    if isinstance(support, (str, bytes)) or not isinstance(support, (Sequence, set, frozenset, range,
                                                                    np.ndarray, torch.Tensor)):
        raise TypeError(f"{name} must be a sequence of coordinate indices, got {type(support).__name__}")
    items = [check_int(int(s) if isinstance(s, (np.integer, torch.Tensor)) else s,
                       f"{name} entry", low=0, high=n - 1) for s in list(support)]
    if len(set(items)) != len(items):
        raise ValueError(f"{name} has repeated coordinates: {sorted(items)}")
    if not items and not allow_empty:
        raise ValueError(f"{name} must not be empty")
    return tuple(sorted(items))


def check_finite_tensor(values: torch.Tensor, name: str) -> None:
    """Raise ``ValueError`` if ``values`` contains NaN or infinity."""
    if values.is_floating_point() and not bool(torch.isfinite(values).all()):
        raise ValueError(f"{name} contains NaN or infinite entries")


def as_tensor(values, name: str, dtype: torch.dtype | None = None) -> torch.Tensor:
    """Convert array-like input to a tensor, rejecting strings, objects and non-finite values."""
    if isinstance(values, torch.Tensor):
        t = values
    elif isinstance(values, (np.ndarray, list, tuple)):
        try:
            t = torch.as_tensor(np.asarray(values, dtype=np.float64))
        except (TypeError, ValueError) as err:
            raise TypeError(f"{name} must be numeric array-like, got {type(values).__name__}") from err
    else:
        raise TypeError(f"{name} must be a tensor or array-like, got {type(values).__name__}")
    if t.dtype == torch.bool:
        raise TypeError(f"{name} must be numeric, got a boolean tensor")
    if dtype is not None:
        t = t.to(dtype)
    elif not t.is_floating_point():
        t = t.to(torch.float64)
    check_finite_tensor(t, name)
    return t


def log2_length(length: int, name: str) -> int:
    """Return n with 2^n == length, raising if ``length`` is not a power of two."""
    if length < 2 or length & (length - 1):
        raise ValueError(f"{name} must have length 2^n for some n >= 1, got length {length}")
    n = length.bit_length() - 1
    if n > MAX_ENUMERATION_N:
        raise ValueError(f"{name} has length 2^{n}; at most 2^{MAX_ENUMERATION_N} is supported")
    return n
