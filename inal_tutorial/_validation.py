"""Argument checks shared by the public API.

Every public function validates its arguments here so that bad input fails
at the boundary with a message naming the argument and its allowed range,
instead of surfacing later as a shape error or a silent NaN.
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Sequence

import numpy as np
import torch

#: Largest n for which the package enumerates all 2^n inputs.
MAX_ENUMERATION_N = 24
#: Largest input dimension accepted anywhere (sampling works beyond enumeration).
MAX_N = 4096
#: Largest integer seed; seeds derived inside the package (``seed + k`` for small k, or
#: drawn by :func:`~inal_tutorial.random.spawn_seeds`) stay below 2**63.
MAX_SEED = 2**62
#: Default cap on the bytes of the largest tensor a call builds (a reader on Binder has
#: 1-2 GB). ``INAL_MAX_TENSOR_BYTES`` (an integer, in bytes) raises or lowers it.
DEFAULT_MAX_TENSOR_BYTES = 2**30
#: Floating dtypes the package computes in.
FLOAT_DTYPES = (torch.float32, torch.float64)


def check_int(value, name: str, *, low: int | None = None, high: int | None = None) -> int:
    """Return ``value`` as an int, raising if it is not an integer in [low, high].

    Python and numpy integers are accepted, and so is a 0-d integer tensor; a float (even
    an integral one such as ``2.0``), a bool or a floating tensor is a ``TypeError``:
    truncating ``1.9`` to ``1`` would silently answer another question.
    """
    if isinstance(value, torch.Tensor) and value.ndim == 0 and not value.is_floating_point() \
            and not value.is_complex() and value.dtype != torch.bool:
        value = int(value)
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
    items = [check_int(s, f"{name} entry", low=0, high=n - 1) for s in list(support)]
    if len(set(items)) != len(items):
        raise ValueError(f"{name} has repeated coordinates: {sorted(items)}")
    if not items and not allow_empty:
        raise ValueError(f"{name} must not be empty")
    return tuple(sorted(items))


def check_finite_tensor(values: torch.Tensor, name: str) -> None:
    """Raise ``ValueError`` if ``values`` contains NaN or infinity."""
    if values.is_floating_point() and not bool(torch.isfinite(values).all()):
        raise ValueError(f"{name} contains NaN or infinite entries")


def _is_complex(values) -> bool:
    if isinstance(values, torch.Tensor):
        return values.is_complex()
    if isinstance(values, np.ndarray):
        return np.iscomplexobj(values)
    if isinstance(values, (list, tuple)):
        try:
            return np.iscomplexobj(np.asarray(values))
        except (TypeError, ValueError):
            return False  # ragged or non-numeric: the conversion below raises the TypeError
    return False


def as_tensor(values, name: str, dtype: torch.dtype | None = None) -> torch.Tensor:
    """Convert array-like input to a tensor, rejecting strings, objects, complex numbers
    (a cast to a real dtype would silently drop the imaginary part) and non-finite values."""
    if _is_complex(values):
        kind = f"a complex tensor of dtype {values.dtype}" if isinstance(values, torch.Tensor) \
            else "complex values"
        raise TypeError(f"{name} must be real, got {kind}")
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


def check_bool(value, name: str) -> bool:
    """Return ``value`` if it is a bool (or a numpy bool), else ``TypeError``: a flag given
    as 0, 1 or a string would silently mean something else."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__} {value!r}")
    return bool(value)


def check_seed(seed, name: str = "seed", *, allow_generator: bool = True):
    """Return an integer seed in [0, :data:`MAX_SEED`] as an ``int`` (or a
    ``torch.Generator`` unchanged, where ``allow_generator``)."""
    if allow_generator and isinstance(seed, torch.Generator):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        kinds = "an int or a torch.Generator" if allow_generator else "an int"
        raise TypeError(f"{name} must be {kinds}, got {type(seed).__name__} {seed!r}")
    return check_int(seed, name, low=0, high=MAX_SEED)


def check_dtype(dtype, name: str = "dtype", allowed: Sequence[torch.dtype] = FLOAT_DTYPES
                ) -> torch.dtype:
    """Return ``dtype`` if it is one of the ``allowed`` torch dtypes, else raise.

    A string such as ``"float32"`` is a ``TypeError`` (pass ``torch.float32``).
    """
    names = ", ".join(str(d) for d in allowed)
    if not isinstance(dtype, torch.dtype):
        raise TypeError(f"{name} must be a torch dtype, one of {names}, got "
                        f"{type(dtype).__name__} {dtype!r}")
    if dtype not in allowed:
        raise ValueError(f"{name} must be one of {names}, got {dtype}")
    return dtype


def check_device(device, name: str = "device") -> torch.device:
    """Return ``device`` (None, a string or a ``torch.device``) as a usable ``torch.device``.

    Only ``cpu`` and ``cuda[:i]`` are supported, and ``cuda`` only where a CUDA device with
    that index exists: anything else is a ``ValueError`` naming what this machine has.
    """
    if device is None:
        return torch.device("cpu")
    if not isinstance(device, (str, torch.device)):
        raise TypeError(f"{name} must be None, a string such as 'cpu' or 'cuda', or a "
                        f"torch.device, got {type(device).__name__} {device!r}")
    try:
        parsed = torch.device(device)
    except (RuntimeError, ValueError) as err:
        raise ValueError(f"{name} must be 'cpu' or 'cuda[:index]', got {device!r}") from err
    if parsed.type == "cpu":
        return parsed
    if parsed.type != "cuda":
        raise ValueError(f"{name} must be 'cpu' or 'cuda[:index]', got {device!r} "
                         f"(device type {parsed.type!r} is not supported)")
    count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    if count == 0:
        raise ValueError(f"{name} {device!r} is not available: this machine has no CUDA "
                         "device (use 'cpu')")
    if parsed.index is not None and parsed.index >= count:
        raise ValueError(f"{name} {device!r} is not available: CUDA device index must be in "
                         f"[0, {count - 1}]")
    return parsed


def max_tensor_bytes() -> int:
    """The current cap on one tensor's bytes (:data:`DEFAULT_MAX_TENSOR_BYTES`, or the
    environment variable ``INAL_MAX_TENSOR_BYTES``)."""
    text = os.environ.get("INAL_MAX_TENSOR_BYTES", "")
    if not text:
        return DEFAULT_MAX_TENSOR_BYTES
    try:
        value = int(text)
    except ValueError as err:
        raise ValueError(f"INAL_MAX_TENSOR_BYTES must be a positive integer (bytes), got "
                         f"{text!r}") from err
    if value <= 0:
        raise ValueError(f"INAL_MAX_TENSOR_BYTES must be a positive integer (bytes), got {value}")
    return value


def _format_bytes(count: int) -> str:
    for unit, size in (("TB", 2**40), ("GB", 2**30), ("MB", 2**20), ("kB", 2**10)):
        if count >= size:
            return f"{count / size:.3g} {unit}"
    return f"{count} B"


def check_size(dims: dict[str, int], *, bytes_per_entry: int = 8, what: str = "a tensor",
               limit: int | None = None) -> int:
    """Refuse, before allocating, a tensor whose entries (the product of ``dims``) need
    more than ``limit`` bytes (default :func:`max_tensor_bytes`).

    ``dims`` maps each argument (or derived size, such as ``"2^n"``) to its length, in the
    order they multiply; the message names them all and the estimated size. Python
    integers are used throughout, so the product cannot overflow. Returns the number of
    entries.
    """
    limit = max_tensor_bytes() if limit is None else limit
    entries = math.prod(int(v) for v in dims.values())
    needed = entries * bytes_per_entry
    if needed > limit:
        product = " x ".join(f"{k} = {v}" for k, v in dims.items())
        raise ValueError(
            f"{', '.join(dims)} too large: {what} of {product} entries would need "
            f"{_format_bytes(needed)}, more than the limit of {_format_bytes(limit)} "
            "(lower these sizes, or raise the limit with the environment variable "
            "INAL_MAX_TENSOR_BYTES)")
    return entries


def as_real_array(values, name: str) -> np.ndarray:
    """A real number or array-like (a tensor included) as a finite float64 numpy array;
    a string, a non-numeric object or NaN/infinity raises, naming ``name``."""
    if isinstance(values, torch.Tensor):
        values = values.detach().cpu().numpy()
    if isinstance(values, (str, bytes)):
        raise TypeError(f"{name} must be a real number or an array of them, got {values!r}")
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be a real number or an array of them, got "
                        f"{type(values).__name__}") from err
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite, got NaN or infinite entries")
    return array


def offset_seed(seed: int, offset: int) -> int:
    """``seed + offset`` wrapped into [0, :data:`MAX_SEED`], for seeds derived inside the
    package: equal to ``seed + offset`` unless that passes MAX_SEED, so results for all
    but the top of the seed range are unchanged and a valid seed never yields an invalid
    derived one."""
    return (int(seed) + int(offset)) % (MAX_SEED + 1)


class DivergenceError(ValueError):
    """Training produced a non-finite loss or parameters (the step or the noise is too
    large for the run to stay bounded)."""
