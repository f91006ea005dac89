r"""Feedback objects and the shared checks behind every exercise checker.

A checker compares a student's answer with the right one and returns a
:class:`Feedback`: truthy when the answer is right, and whose message says *what*
is wrong, in the words a teaching assistant would use, rather than just ``False``.

The helpers below do the generic part of that diagnosis, so that a per-chapter
checker is a few lines (``check_close(answer, expected, "W^1(Maj_3)")``):

* :func:`as_numeric` turns an answer into a float64 array or explains why it cannot
  (``None`` from a missing ``return``, a string, a set, a function, a ragged list,
  complex numbers, booleans);
* :func:`check_shape` explains a wrong shape (a 1-element array for a number, a
  transposed matrix, one entry too few);
* :func:`check_close` compares numbers within a tolerance and recognises the typical
  mistakes: NaN or infinity (and where), the opposite sign, a constant factor such as
  a missing normalization :math:`2^{-n}`, a square or a square root too many, the right
  values in the wrong order, and "close but not exact" (a Monte Carlo estimate or
  float32 where an exact value is asked for);
* :func:`check_integer`, :func:`check_probability`, :func:`check_in_interval`,
  :func:`check_estimate` for counts, probabilities, ranges and Monte Carlo estimates;
* :func:`check_subset`, :func:`check_truth_table`, :func:`check_function`,
  :func:`check_option` for sets of coordinates, truth tables, functions of the
  hypercube and multiple-choice questions;
* :func:`all_of` merges several verdicts into one;
* the decorator ``guard_unfilled`` (applied to every chapter checker) answers a call whose
  answer or problem parameter is still ``None`` (an answer cell not yet filled in) with a
  falsy :class:`Feedback` naming the argument, instead of letting the checker raise, so
  that "Run all" on a fresh notebook gives feedback and goes on.

Messages never reveal the expected value of a wrong answer; they say what kind of
mistake it looks like.
"""

from __future__ import annotations

import functools
import inspect
import math
import numbers
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "Feedback",
    "all_of",
    "as_numeric",
    "check_shape",
    "check_close",
    "check_integer",
    "check_probability",
    "check_in_interval",
    "check_estimate",
    "check_subset",
    "check_truth_table",
    "check_function",
    "check_option",
]


@dataclass(frozen=True)
class Feedback:
    """The verdict on an answer: ``ok`` and a message for the student.

    Truthy exactly when ``ok``; ``str()`` and the notebook display prefix the
    message with ✓ or ✗.
    """

    ok: bool
    message: str

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        return ("✓ " if self.ok else "✗ ") + self.message

    def _repr_pretty_(self, printer, cycle) -> None:  # IPython display
        printer.text(str(self))


def all_of(*feedbacks: Feedback) -> Feedback:
    """One verdict from several: right when all are right; the message lists the wrong ones.

    Parameters
    ----------
    *feedbacks : Feedback
        Verdicts on the parts of an answer (at least one).
    """
    if not feedbacks:
        raise ValueError("all_of needs at least one Feedback")
    for item in feedbacks:
        if not isinstance(item, Feedback):
            raise TypeError(f"all_of takes Feedback objects, got {type(item).__name__}")
    wrong = [f.message for f in feedbacks if not f.ok]
    if wrong:
        return Feedback(False, " ".join(wrong))
    return Feedback(True, " ".join(f.message for f in feedbacks))


# ---------------------------------------------------------------------------
# Unfilled answer cells
# ---------------------------------------------------------------------------


def _quoted_list(names: Sequence[str]) -> str:
    quoted = [f"`{name}`" for name in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def unfilled_feedback(names: Sequence[str]) -> Feedback:
    """The falsy verdict on a call whose arguments ``names`` are still ``None``."""
    if not names:
        raise ValueError("unfilled_feedback needs at least one argument name")
    listed = _quoted_list(names)
    verb, pronoun = ("is", "it") if len(names) == 1 else ("are", "them")
    return Feedback(False, f"not checked yet: {listed} {verb} still None. Fill {pronoun} in "
                           "(replace None with the value the exercise asks for) and run the "
                           "cell again; if a value comes from a function of yours, did your "
                           "function forget to `return` its result?")


def guard_unfilled(checker: Callable[..., Feedback]) -> Callable[..., Feedback]:
    """Decorate a checker so that ``None`` arguments give a falsy :class:`Feedback`.

    An answer cell starts with every value set to ``None``; called with such a value a
    checker would raise (``int(None)``, a range check on ``n``) and stop "Run all". The
    wrapped checker first looks at its bound arguments and, if any is ``None``, returns
    :func:`unfilled_feedback` naming them all, without running the checker. Parameters
    whose default is ``None`` (where ``None`` means something, such as "the limit
    n -> infinity") are exempt. Signature and docstring are kept (``functools.wraps``).
    """
    signature = inspect.signature(checker)
    exempt = {name for name, parameter in signature.parameters.items()
              if parameter.default is None
              or parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD)}

    @functools.wraps(checker)
    def wrapper(*args, **kwargs):
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError:  # a wrong call: let the checker report it as Python does
            return checker(*args, **kwargs)
        unfilled = [name for name, value in bound.arguments.items()
                    if value is None and name not in exempt]
        if unfilled:
            return unfilled_feedback(unfilled)
        return checker(*args, **kwargs)

    return wrapper


# ---------------------------------------------------------------------------
# Turning an answer into numbers
# ---------------------------------------------------------------------------


def _describe(answer) -> str:
    text = repr(answer)
    return text if len(text) <= 40 else text[:37] + "..."


def as_numeric(answer, what: str) -> np.ndarray | Feedback:
    """The answer as a float64 numpy array, or a :class:`Feedback` saying why it is not numeric.

    Accepts Python numbers, numpy arrays, nested lists/tuples and torch tensors
    (detached and moved to the CPU). Complex numbers with a zero imaginary part are
    accepted as real.
    """
    if answer is None:
        return Feedback(False, f"{what} is None: did your function forget to `return` its result?")
    if callable(answer) and not hasattr(answer, "__array__"):
        return Feedback(False, f"{what} is a function, not a value: call it (add parentheses "
                               "with its arguments) and pass the result.")
    if isinstance(answer, (str, bytes)):
        return Feedback(False, f"{what} should be a number or an array of numbers, but yours is "
                               f"the string {_describe(answer)}: remove the quotes or convert it "
                               "with float(...).")
    if isinstance(answer, Mapping):
        return Feedback(False, f"{what} should be a number or an array of numbers, but yours is a "
                               "dict: give its values as a list, in the order the exercise asks.")
    if isinstance(answer, (set, frozenset)):
        return Feedback(False, f"{what} should be a number or an array of numbers, but yours is a "
                               "set, which has no order: give a list or an array.")
    if hasattr(answer, "detach") and hasattr(answer, "cpu"):  # a torch tensor
        answer = answer.detach().cpu().numpy()
    if isinstance(answer, (bool, np.bool_)):
        return Feedback(False, f"{what} should be a number, but yours is the boolean {answer}: "
                               "did you return a comparison instead of the value?")
    try:
        array = np.asarray(answer)
    except (TypeError, ValueError):
        ragged = " (rows of different lengths?)" if isinstance(answer, (list, tuple)) else ""
        return Feedback(False, f"{what} could not be read as an array of numbers{ragged}: got "
                               f"{type(answer).__name__} {_describe(answer)}.")
    if array.dtype == object:
        try:
            array = np.asarray(answer, dtype=np.float64)
        except (TypeError, ValueError):
            return Feedback(False, f"{what} could not be read as numbers: it looks like a ragged "
                                   "list (rows of different lengths) or it contains non-numbers.")
    if array.dtype == np.bool_:
        return Feedback(False, f"{what} should contain numbers, but yours contains booleans "
                               "(True/False): did you return a comparison instead of the values?")
    if np.iscomplexobj(array):
        if np.any(np.imag(array) != 0):
            return Feedback(False, f"{what} has complex entries, but the quantity is real: did "
                                   "you take the square root of a negative number?")
        array = np.real(array)
    if not np.issubdtype(array.dtype, np.number):
        return Feedback(False, f"{what} should be a number or an array of numbers, got "
                               f"{type(answer).__name__} of dtype {array.dtype}.")
    return array.astype(np.float64)


# ---------------------------------------------------------------------------
# Shapes
# ---------------------------------------------------------------------------


def check_shape(answer, shape: tuple[int, ...], what: str) -> Feedback | None:
    """``None`` if ``answer`` has ``shape``, else a Feedback saying what shape was expected.

    The message names the likely cause: an array holding one number where a number is
    asked for, a transposed matrix, the right entries in another shape, or a 1-D answer
    that is one entry too short or too long (a range missing an end point).
    """
    got = tuple(np.shape(answer))
    shape = tuple(shape)
    if got == shape:
        return None
    base = f"{what} should have shape {shape}, but yours has shape {got}."
    size_got, size_want = math.prod(got), math.prod(shape)
    if shape == () and size_got == 1:
        hint = " It holds one number: pass that number itself (float(x) or x.item())."
    elif shape == ():
        hint = " A single number is asked for."
    elif got == ():
        hint = " Yours is a single number; an array is asked for."
    elif len(got) == 2 and len(shape) == 2 and got == shape[::-1]:
        hint = " It looks transposed (rows and columns swapped)."
    elif size_got == size_want:
        hint = " It has the right number of entries: reshape it (or drop the extra axes)."
    elif len(got) == len(shape) == 1 and abs(got[0] - shape[0]) == 1:
        few = "few" if got[0] < shape[0] else "many"
        hint = (f" One entry too {few}: check the ends of the range (for example k = 0, ..., n "
                "has n + 1 values).")
    else:
        hint = ""
    return Feedback(False, base + hint)


# ---------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------


def _format_index(flat: int, shape: tuple[int, ...]) -> str:
    if len(shape) <= 1:
        return str(flat)
    return str(tuple(int(i) for i in np.unravel_index(flat, shape)))


def _describe_factor(ratio: float) -> str:
    """Words for a constant factor between an answer and the expected value."""
    magnitude = abs(ratio)
    log2 = math.log2(magnitude)
    if abs(log2 - round(log2)) < 1e-9 and round(log2) != 0:
        j = int(round(log2))
        word = "2" if abs(j) == 1 else f"2^{abs(j)} = {2 ** abs(j)}"
        return (f"a factor {word} too {'large' if j > 0 else 'small'}: check the "
                "normalization (for example the factor 2^(-n) in a Fourier coefficient, or a sum "
                "where a mean is meant)")
    if magnitude > 1 and abs(magnitude - round(magnitude)) < 1e-9:
        return (f"a factor {round(magnitude)} too large: check the normalization (a sum where a "
                "mean is meant, or a count included twice)")
    if magnitude < 1 and abs(1 / magnitude - round(1 / magnitude)) < 1e-9:
        return (f"a factor {round(1 / magnitude)} too small: check the normalization (a mean "
                "where a sum is meant, or a missing count)")
    return f"off by a constant factor {magnitude:.4g}: check the normalization"


def _recognisable_factor(ratio: float) -> bool:
    """Whether a factor is one a mistake typically produces: ±2^j, or ±m, ±1/m with m <= 10."""
    magnitude = abs(ratio)
    log2 = math.log2(magnitude)
    if abs(log2 - round(log2)) < 1e-9:
        return True
    for value in (magnitude, 1 / magnitude):
        if abs(value - round(value)) < 1e-9 and round(value) <= 10:
            return True
    return False


def _constant_ratio(answer: np.ndarray, expected: np.ndarray, rtol: float,
                    atol: float) -> float | None:
    """The factor c with answer = c * expected (entrywise, within tolerance), if there is one."""
    support = np.abs(expected) > max(atol, 1e-12)
    if not support.any():
        return None
    if not np.allclose(answer[~support], 0.0, rtol=0.0, atol=max(atol, 1e-12)):
        return None
    ratios = answer[support] / expected[support]
    c = float(np.median(ratios))
    if not math.isfinite(c) or c == 0.0:
        return None
    if np.allclose(answer, c * expected, rtol=max(rtol, 1e-9), atol=atol):
        return c
    return None


def _diagnose(answer: np.ndarray, expected: np.ndarray, rtol: float, atol: float) -> str | None:
    """Name a typical mistake relating ``answer`` to ``expected``, or None."""
    close = lambda a, b: np.allclose(a, b, rtol=rtol, atol=atol)  # noqa: E731
    nontrivial = np.any(np.abs(expected) > max(atol, 1e-12))
    if nontrivial:
        c = _constant_ratio(answer, expected, rtol, atol)
        single = int(np.count_nonzero(np.abs(expected) > max(atol, 1e-12))) < 2
        if c is not None and single and not _recognisable_factor(c):
            c = None  # one number is always "a constant factor" off: only name familiar ones
        if c is not None and abs(c + 1) < 1e-9:
            return ("it has the opposite sign: check the sign convention (for example "
                    "x_j = (-1)^(bit j), or the order of a difference).")
        if c is not None:
            sign = "has the opposite sign and is " if c < 0 else "is "
            return f"it {sign}{_describe_factor(c)}."
    not_binary = not np.all(np.isin(np.round(expected, 12), (0.0, 1.0)))
    if nontrivial and not_binary and close(answer, expected**2):
        return "it looks like the square of the right value: is there a square too many?"
    if nontrivial and not_binary and np.all(expected >= 0) and close(answer**2, expected):
        return "it looks like the square root of the right value: did you forget to square?"
    if expected.ndim >= 1 and expected.size > 1:
        if expected.ndim == 1 and close(answer, expected[::-1]):
            return "the values are right but in reverse order: check the indexing convention."
        if close(np.sort(answer, axis=None), np.sort(expected, axis=None)):
            return ("the values are right but in the wrong order: check the indexing convention "
                    "(which entry stands for which input, subset or degree).")
    # Relative to the size of the expected value, so that near-zero entries do not dominate.
    rel = float(np.max(np.abs(answer - expected)) / max(float(np.max(np.abs(expected))), atol))
    if rel < 1e-2:
        return (f"it is close (largest relative error {rel:.2g}) but not within the tolerance "
                f"(rtol={rtol:g}, atol={atol:g}): an exact value is asked for; is yours a Monte "
                "Carlo estimate, rounded, or computed in float32?")
    return None


def check_close(answer, expected, what: str, *, rtol: float = 1e-6, atol: float = 1e-9,
                hints: dict[str, object] | None = None, diagnose: bool = True) -> Feedback:
    r"""Compare a numeric answer with the expected value and explain a mismatch.

    The answer is right when :math:`|a-e| \le \mathrm{atol} + \mathrm{rtol}\,|e|` entrywise
    (``numpy.allclose``).

    Parameters
    ----------
    answer
        The student's number or array (Python number, list, numpy array, torch tensor).
    expected
        The right value.
    what : str
        Name of the quantity in messages, e.g. ``"W^1(Maj_3)"``.
    rtol, atol : float
        Relative and absolute tolerance.
    hints : dict, optional
        Maps a message to a value that a typical mistake produces (for example the
        unnormalized transform); when the answer matches one, that message is shown.
        Checked before the automatic diagnosis.
    diagnose : bool
        Recognise generic mistakes (sign, constant factor, square, order, "close but not
        exact") when no hint matches.
    """
    answer_arr = as_numeric(answer, what)
    if isinstance(answer_arr, Feedback):
        return answer_arr
    expected_arr = np.asarray(expected, dtype=np.float64)
    bad = check_shape(answer_arr, expected_arr.shape, what)
    if bad is not None:
        return bad
    finite = np.isfinite(answer_arr)
    if not finite.all():
        kind = "NaN" if np.isnan(answer_arr).any() else "infinity"
        if answer_arr.ndim == 0:
            where = ""
        else:
            flat = np.flatnonzero(~finite.ravel())
            shown = ", ".join(_format_index(int(i), answer_arr.shape) for i in flat[:3])
            more = ", ..." if flat.size > 3 else ""
            where = f" at index {shown}{more} ({flat.size} of {answer_arr.size} entries)"
        return Feedback(False, f"{what} contains {kind}{where}: typical causes are 0/0, a log of "
                               "0, a square root of a negative number, or an empty mean.")
    if np.allclose(answer_arr, expected_arr, rtol=rtol, atol=atol):
        return Feedback(True, f"{what} is correct.")
    for message, wrong in (hints or {}).items():
        wrong_arr = np.asarray(wrong, dtype=np.float64)
        if wrong_arr.shape == answer_arr.shape and np.allclose(answer_arr, wrong_arr, rtol=rtol,
                                                               atol=atol):
            return Feedback(False, f"{what} is not right: {message}")
    if diagnose:
        reason = _diagnose(answer_arr, expected_arr, rtol, atol)
        if reason is not None:
            return Feedback(False, f"{what} is not right: {reason}")
    if expected_arr.ndim == 0:
        return Feedback(False, f"{what} is not right: got {float(answer_arr):.6g}; check the "
                               "formula and the normalization.")
    wrong = ~np.isclose(answer_arr, expected_arr, rtol=rtol, atol=atol)
    worst = int(np.argmax(np.abs(answer_arr - expected_arr)))
    return Feedback(False, f"{what} is not right: {int(wrong.sum())} of {answer_arr.size} entries "
                           f"are wrong; the largest error is at index "
                           f"{_format_index(worst, answer_arr.shape)} (got "
                           f"{answer_arr.flat[worst]:.6g}).")


def _scalar(answer, what: str) -> float | Feedback:
    value = as_numeric(answer, what)
    if isinstance(value, Feedback):
        return value
    bad = check_shape(value, (), what)
    if bad is not None:
        return bad
    if not np.isfinite(value):
        kind = "NaN" if np.isnan(value) else "infinite"
        return Feedback(False, f"{what} is {kind}: typical causes are 0/0, a log of 0, or a "
                               "division by a count that is zero.")
    return float(value)


def check_integer(answer, expected: int, what: str, *,
                  hints: dict[str, object] | None = None) -> Feedback:
    """Check a count (an exact integer), e.g. a binomial coefficient or a number of queries.

    Accepts ``int`` and integral floats (``12.0``). Says when the answer is not a whole
    number, off by one, or off by a constant factor.
    """
    value = _scalar(answer, what)
    if isinstance(value, Feedback):
        return value
    expected = int(expected)
    if value != round(value):
        return Feedback(False, f"{what} should be a whole number (a count), but yours is "
                               f"{value:.6g}: did you divide, or round too late?")
    value_int = int(round(value))
    if value_int == expected:
        return Feedback(True, f"{what} is correct.")
    for message, wrong in (hints or {}).items():
        if value_int == int(wrong):
            return Feedback(False, f"{what} is not right: {message}")
    if abs(value_int - expected) == 1:
        return Feedback(False, f"{what} is not right: it is off by one. Check the ends of the "
                               "range (is the empty set, or k = 0, counted?).")
    if expected != 0 and value_int != 0:
        ratio = value_int / expected
        if abs(ratio + 1) < 1e-12:
            return Feedback(False, f"{what} is not right: it has the opposite sign.")
        return Feedback(False, f"{what} is not right: it is {_describe_factor(ratio)}.")
    return Feedback(False, f"{what} is not right: got {value_int}.")


def check_probability(answer, what: str) -> Feedback:
    """Check that an answer is a probability, a number in [0, 1] (a percentage is explained)."""
    value = _scalar(answer, what)
    if isinstance(value, Feedback):
        return value
    if 0.0 <= value <= 1.0:
        return Feedback(True, f"{what} is a probability.")
    if 1.0 < value <= 100.0:
        return Feedback(False, f"{what} should be a probability in [0, 1], but yours is "
                               f"{value:.6g}: a percentage? Divide by 100.")
    return Feedback(False, f"{what} should be a probability in [0, 1], but yours is {value:.6g}.")


def check_in_interval(answer, low: float, high: float, what: str, *, reason: str = "") -> Feedback:
    """Check that a number lies in ``[low, high]`` (for answers only known to a range).

    ``reason`` is appended to the message of a wrong answer, e.g. why the range holds.
    """
    if not low <= high:
        raise ValueError(f"low must be <= high, got low={low:g}, high={high:g}")
    value = _scalar(answer, what)
    if isinstance(value, Feedback):
        return value
    why = f" {reason}" if reason else ""
    if value < low:
        return Feedback(False, f"{what} is too small: got {value:.4g}, expected at least {low:.4g}."
                               + why)
    if value > high:
        return Feedback(False, f"{what} is too large: got {value:.4g}, expected at most {high:.4g}."
                               + why)
    return Feedback(True, f"{what} is in the expected range [{low:.4g}, {high:.4g}].")


def check_estimate(answer, expected: float, stderr: float, what: str, *, z: float = 4.0,
                   hints: dict[str, object] | None = None) -> Feedback:
    r"""Check a Monte Carlo estimate: right when :math:`|a-e|\le z\cdot\mathrm{stderr}`.

    ``stderr`` is the standard error of the *student's* estimator (so the check fails
    with probability about :math:`2\Phi(-z)` for a correct method; :math:`6\cdot10^{-5}`
    at z = 4). ``hints`` map a message to the value a typical wrong method gives (for
    example the biased plug-in estimator); the nearest one within z standard errors is
    shown.
    """
    if not (isinstance(stderr, numbers.Real) and stderr > 0 and math.isfinite(stderr)):
        raise ValueError(f"stderr must be a positive finite number, got {stderr!r}")
    if not (isinstance(z, numbers.Real) and z > 0):
        raise ValueError(f"z must be a positive number, got {z!r}")
    value = _scalar(answer, what)
    if isinstance(value, Feedback):
        return value
    distance = abs(value - float(expected)) / stderr
    if distance <= z:
        return Feedback(True, f"{what} agrees with the expected value within {z:g} standard "
                              f"errors ({distance:.2g}).")
    matches = [(abs(value - float(wrong)) / stderr, message)
               for message, wrong in (hints or {}).items()
               if abs(value - float(wrong)) / stderr <= z]
    if matches:
        return Feedback(False, f"{what} is not right: {min(matches)[1]}")
    side = "large" if value > expected else "small"
    return Feedback(False, f"{what} is too {side}: it is {distance:.1f} standard errors from the "
                           "expected value, more than chance explains. Check the estimator (is it "
                           "biased?) and the number of samples.")


# ---------------------------------------------------------------------------
# Sets, truth tables, functions, choices
# ---------------------------------------------------------------------------


def check_subset(answer, expected: Iterable[int], what: str, *, n: int | None = None,
                 item: str = "coordinate") -> Feedback:
    """Check a set of coordinates (e.g. the support of a parity); order does not matter.

    Coordinates are 0-based (the package's convention); a 1-based answer is recognised.
    With ``n`` given, coordinates outside ``[0, n)`` are reported. ``item`` names the
    elements in messages (e.g. ``"degree"``).
    """
    if answer is None:
        return Feedback(False, f"{what} is None: did your function forget to `return` its result?")
    if isinstance(answer, (str, bytes, Mapping)) or not isinstance(answer, (Iterable, np.ndarray)):
        return Feedback(False, f"{what} should be a collection of {item} indices (a list, "
                               f"tuple or set of ints), got {type(answer).__name__}.")
    items = []
    for entry in answer:
        if hasattr(entry, "item"):
            entry = entry.item()
        if isinstance(entry, bool) or not isinstance(entry, numbers.Real) or entry != int(entry):
            return Feedback(False, f"{what} should contain integer {item} indices, but it "
                                   f"contains {_describe(entry)}.")
        items.append(int(entry))
    if len(set(items)) != len(items):
        return Feedback(False, f"{what} lists a {item} more than once: {sorted(items)}.")
    got, want = set(items), {int(e) for e in expected}
    if got == want:
        return Feedback(True, f"{what} is correct.")
    if n is not None:
        outside = sorted(i for i in got if not 0 <= i < n)
        if outside and {i - 1 for i in got} == want:
            return Feedback(False, f"{what} is not right: your {item}s look 1-based; the "
                                   f"package counts {item}s from 0 to {n - 1}.")
        if outside:
            return Feedback(False, f"{what} is not right: {item}s must lie in [0, {n - 1}], "
                                   f"but yours include {outside}.")
    if {i - 1 for i in got} == want:
        return Feedback(False, f"{what} is not right: your {item}s look 1-based; the package "
                               f"counts {item}s from 0.")
    extra, missing = sorted(got - want), len(want - got)
    parts = []
    if extra:
        parts.append(f"it contains {extra}, which do not belong")
    if missing:
        parts.append(f"{missing} {item}{'s' if missing > 1 else ''} "
                     f"{'are' if missing > 1 else 'is'} missing")
    return Feedback(False, f"{what} is not right: " + " and ".join(parts) + ".")


def _bit_reverse_permutation(n: int) -> np.ndarray:
    index = np.arange(2**n)
    out = np.zeros_like(index)
    for j in range(n):
        out |= ((index >> j) & 1) << (n - 1 - j)
    return out


def check_truth_table(answer, expected, what: str) -> Feedback:
    r"""Check a truth table ``(f(x(i)))_{i < 2^n}`` in the package's indexing.

    Row ``i`` is the input :math:`x_j=(-1)^{\text{bit } j \text{ of } i}`. Recognised
    mistakes: 0/1 values instead of :math:`\pm1`, the negated function, the
    bit order reversed (bit 0 taken as the *most* significant), and the opposite input
    convention :math:`x_j=+1` for bit 1.
    """
    expected_arr = np.asarray(expected, dtype=np.float64)
    if expected_arr.ndim != 1 or expected_arr.size < 2 or expected_arr.size & (expected_arr.size - 1):
        raise ValueError("expected must be a truth table of length 2^n")
    n = expected_arr.size.bit_length() - 1
    answer_arr = as_numeric(answer, what)
    if isinstance(answer_arr, Feedback):
        return answer_arr
    if answer_arr.ndim == 2 and 1 in answer_arr.shape and answer_arr.size == expected_arr.size:
        return Feedback(False, f"{what} should be a vector of shape ({expected_arr.size},), but "
                               f"yours has shape {answer_arr.shape}: flatten it (one value per "
                               "input).")
    bad = check_shape(answer_arr, expected_arr.shape, what)
    if bad is not None:
        return bad
    is_pm1 = np.all(np.isin(expected_arr, (-1.0, 1.0)))
    if is_pm1 and np.all(np.isin(answer_arr, (0.0, 1.0))):
        for flip, words in (((1 - expected_arr) / 2, "0 for +1 and 1 for -1"),
                            ((1 + expected_arr) / 2, "1 for +1 and 0 for -1")):
            if np.array_equal(answer_arr, flip):
                return Feedback(False, f"{what} is not right: it uses 0/1 values ({words}); the "
                                       "book's convention is ±1 (the value b in {0, 1} becomes "
                                       "(-1)^b).")
    if np.allclose(answer_arr, expected_arr, rtol=1e-9, atol=1e-9):
        return Feedback(True, f"{what} is correct.")
    rules = (
        (-expected_arr, "it is the negation of the right table: check the sign convention "
                        "(for example sign(0) or a majority tie)."),
        (expected_arr[_bit_reverse_permutation(n)], "it looks bit-reversed: in the package "
                                                    "x_j = (-1)^(bit j of i) with bit 0 the "
                                                    "least significant."),
        (expected_arr[::-1], "it looks like the inputs use the opposite convention: the "
                             "package has x_j = +1 when bit j of i is 0 (row 0 is all ones)."),
    )
    for wrong, message in rules:
        if np.allclose(answer_arr, wrong, rtol=1e-9, atol=1e-9):
            return Feedback(False, f"{what} is not right: {message}")
    wrong_rows = np.flatnonzero(~np.isclose(answer_arr, expected_arr, rtol=1e-9, atol=1e-9))
    shown = ", ".join(str(int(i)) for i in wrong_rows[:5]) + (", ..." if wrong_rows.size > 5
                                                              else "")
    return Feedback(False, f"{what} is not right: {wrong_rows.size} of {expected_arr.size} rows are "
                           f"wrong (rows {shown}).")


def check_function(fn: Callable, reference, n: int, what: str) -> Feedback:
    r"""Check a student's function of the hypercube against a reference on all :math:`2^n` inputs.

    ``fn`` receives the float64 tensor ``all_inputs(n)`` of shape ``(2^n, n)`` and must
    return one value per row; ``reference`` is a callable of the same kind (e.g. a
    :class:`~inal_tutorial.boolean.BooleanTarget`) or the expected truth table.
    Exceptions raised by ``fn`` are reported, not propagated.
    """
    import torch

    from ..boolean import all_inputs

    n_int = int(n)
    if not 1 <= n_int <= 16:
        raise ValueError(f"n must be an integer in [1, 16] to check on all inputs, got {n}")
    if not callable(fn):
        return Feedback(False, f"{what} should be a function taking a (2^n, n) tensor of ±1 "
                               f"inputs, got {type(fn).__name__}.")
    x = all_inputs(n_int, dtype=torch.float64)
    expected = reference(x.clone()) if callable(reference) else reference
    expected = as_numeric(expected, "the reference")
    if isinstance(expected, Feedback):  # pragma: no cover - a bug in the checker, not the student
        raise TypeError(expected.message)
    try:
        values = fn(x.clone())
    except Exception as err:  # noqa: BLE001 - the student's code may raise anything
        return Feedback(False, f"{what} raised {type(err).__name__}: {err}. It is called on a "
                               f"tensor of shape ({2**n_int}, {n_int}) holding every input.")
    values = as_numeric(values, f"the output of {what}")
    if isinstance(values, Feedback):
        return values
    if values.shape == (2**n_int, 1):
        return Feedback(False, f"the output of {what} has shape {values.shape}: return one value "
                               f"per input row, shape ({2**n_int},) (drop the last axis).")
    return check_truth_table(values, expected, f"the truth table of {what}")


def check_option(answer, correct, what: str, *, options: Sequence | None = None,
                 explanations: Mapping | None = None) -> Feedback:
    """Check a multiple-choice answer; strings are compared ignoring case and spaces.

    Parameters
    ----------
    answer, correct
        The chosen option and the right one.
    options : sequence, optional
        The allowed options; an answer outside them is told the list.
    explanations : mapping, optional
        Option -> why that option is wrong (shown when it is chosen), or why the right one is
        right (shown when it is chosen).
    """
    def norm(value):
        return " ".join(value.lower().split()) if isinstance(value, str) else value

    explanations = {norm(k): v for k, v in (explanations or {}).items()}
    if options is not None and norm(answer) not in {norm(o) for o in options}:
        listed = ", ".join(repr(o) for o in options)
        return Feedback(False, f"{what}: {answer!r} is not one of the options ({listed}).")
    if norm(answer) == norm(correct):
        extra = explanations.get(norm(correct))
        return Feedback(True, f"{what} is correct." + (f" {extra}" if extra else ""))
    extra = explanations.get(norm(answer))
    return Feedback(False, f"{what} is not right." + (f" {extra}" if extra else ""))
