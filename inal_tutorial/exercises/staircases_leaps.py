r"""Checkers for the exercises of the chapter *Staircases and leaps*.

Coordinates are 0-based; a monomial is given by its support, e.g. ``(0, 1)`` for
:math:`x_0x_1`. The leap is
:math:`\min_\pi\max_i|S_{\pi(i)}\setminus\cup_{j<i}S_{\pi(j)}|` (see
:func:`inal_tutorial.leaps.leap`).
"""

from __future__ import annotations

import numbers

import numpy as np

from ..leaps import conjectured_step_exponent, leap
from ._feedback import Feedback, as_numeric, check_integer

__all__ = [
    "LEAP_EXERCISE_SUPPORTS",
    "MSP_EXERCISE_TARGETS",
    "check_leap",
    "check_merged_staircase",
    "check_step_exponents",
]

#: :math:`x_0x_1x_2x_3+x_0x_1+x_0x_1x_2`, listed in this (unhelpful) order.
LEAP_EXERCISE_SUPPORTS = ((0, 1, 2, 3), (0, 1), (0, 1, 2))

#: The three targets of the merged-staircase exercise, by their supports.
MSP_EXERCISE_TARGETS = {
    "x_0 + x_0x_1": ((0,), (0, 1)),
    "x_0 + x_0x_1x_2": ((0,), (0, 1, 2)),
    "x_0 + x_1 + x_1x_2 + x_0x_2x_3": ((0,), (1,), (1, 2), (0, 2, 3)),
}


def check_leap(answer) -> Feedback:
    r"""The leap of :math:`x_0x_1x_2x_3+x_0x_1+x_0x_1x_2` (an integer)."""
    expected = leap(LEAP_EXERCISE_SUPPORTS)
    hints = {
        "that is what the supports give in the order they are listed (x_0x_1x_2x_3 first "
        "brings 4 new coordinates at once). The leap is the minimum over all orders; which "
        "monomial should come first?": 4,
        "the first monomial also counts: from the empty set, x_0x_1 brings two new "
        "coordinates.": 1,
        "count the new coordinates each monomial brings, not its degree or the number of "
        "monomials.": 3,
    }
    return check_integer(answer, expected, "The leap", hints=hints)


def _as_bools(answer, size: int) -> list[bool] | Feedback:
    if answer is None:
        return Feedback(False, "The answer is None: did your cell forget to assign it?")
    if isinstance(answer, (str, bytes, dict, set)) or not hasattr(answer, "__len__"):
        return Feedback(False, f"Give a list of {size} booleans (True/False), one per target, "
                               f"got {type(answer).__name__}.")
    if len(answer) != size:
        return Feedback(False, f"Give one boolean per target: {size} of them, got "
                               f"{len(answer)}.")
    out = []
    for value in answer:
        if isinstance(value, (bool, np.bool_)):
            out.append(bool(value))
        elif isinstance(value, numbers.Integral) and int(value) in (0, 1):
            out.append(bool(value))
        else:
            return Feedback(False, f"Each entry should be True or False, got {value!r}.")
    return out


def check_merged_staircase(answer) -> Feedback:
    """Which of :data:`MSP_EXERCISE_TARGETS` have the merged-staircase property (in order)."""
    names = list(MSP_EXERCISE_TARGETS)
    values = _as_bools(answer, len(names))
    if isinstance(values, Feedback):
        return values
    expected = [leap(s) <= 1 for s in MSP_EXERCISE_TARGETS.values()]
    if values == expected:
        return Feedback(True, "All three are right.")
    wrong = [i for i in range(len(names)) if values[i] != expected[i]]
    notes = []
    for i in wrong:
        if i == 1:
            notes.append(f"{names[i]}: it looks like a staircase, but after x_0 the monomial "
                         "x_0x_1x_2 brings two new coordinates (x_1 and x_2) at once.")
        elif i == 2:
            notes.append(f"{names[i]}: the order is yours to choose, and a monomial may reuse "
                         "any earlier coordinates; try x_0, x_1, x_1x_2, then x_0x_2x_3.")
        else:
            notes.append(f"{names[i]}: x_0 brings one coordinate, then x_0x_1 one more.")
    return Feedback(False, f"{len(wrong)} of {len(names)} not right. " + " ".join(notes))


def check_step_exponents(answer) -> Feedback:
    r"""The conjectured exponents of n in the number of online-SGD steps for leaps 1, 2, 3, 4."""
    values = as_numeric(answer, "The exponents")
    if isinstance(values, Feedback):
        return values
    values = values.ravel()
    expected = np.array([conjectured_step_exponent(k) for k in (1, 2, 3, 4)], dtype=float)
    if values.shape != expected.shape:
        return Feedback(False, f"Give 4 exponents (for leaps 1, 2, 3, 4), got {values.size}.")
    if np.array_equal(values, expected):
        return Feedback(True, "Right: max(L - 1, 1). Leaps 1 and 2 have the same power of "
                              "n, but leap 2 pays an extra log factor hidden in the "
                              "tilde (about n log n steps; ABM22 rules out O(n)), and "
                              "every further leap multiplies by n.")
    if np.array_equal(values, expected + 1):
        return Feedback(False, "These are the exponents of the *time* d^max(L,2), which counts "
                               "the d operations of each step; the question asks for steps.")
    if np.array_equal(values, np.array([0.0, 1, 2, 3])):
        return Feedback(False, "Leap 1 is not free: the conjecture has max(L - 1, 1), so even a "
                               "leap-1 target needs of order n steps.")
    if np.array_equal(values, np.array([1.0, 2, 3, 4])):
        return Feedback(False, "That is n^L; the conjecture's exponent for steps is one less "
                               "for L >= 2 (max(L - 1, 1)).")
    return Feedback(False, "Not right: start from the time d^max(L,2) and remove the cost of "
                           "one step.")
