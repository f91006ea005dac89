"""Feedback objects shared by all exercise checkers."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Feedback:
    """The verdict on an answer: ``ok`` and a message for the student."""

    ok: bool
    message: str

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        return ("✓ " if self.ok else "✗ ") + self.message

    def _repr_pretty_(self, printer, cycle) -> None:  # IPython display
        printer.text(str(self))


def check_shape(answer, shape: tuple[int, ...], what: str) -> Feedback | None:
    """``None`` if ``answer`` has ``shape``, else a Feedback saying what shape was expected."""
    got = tuple(np.shape(answer))
    if got != tuple(shape):
        return Feedback(False, f"{what} should have shape {tuple(shape)}, but yours has shape {got}.")
    return None


def check_close(answer, expected, what: str, *, rtol: float = 1e-6, atol: float = 1e-9,
                hints: dict[str, object] | None = None) -> Feedback:
    """Compare a numeric answer with the expected value and explain a mismatch.

    ``hints`` maps a message to a value that a typical mistake produces (for example
    the unnormalized transform); when the answer matches one, that message is shown.
    """
    try:
        answer_arr = np.asarray(answer, dtype=np.float64)
    except (TypeError, ValueError):
        return Feedback(False, f"{what} should be a number or an array of numbers, got "
                               f"{type(answer).__name__}.")
    expected_arr = np.asarray(expected, dtype=np.float64)
    bad = check_shape(answer_arr, expected_arr.shape, what)
    if bad is not None:
        return bad
    if not np.all(np.isfinite(answer_arr)):
        return Feedback(False, f"{what} contains NaN or infinity.")
    if np.allclose(answer_arr, expected_arr, rtol=rtol, atol=atol):
        return Feedback(True, f"{what} is correct.")
    for message, wrong in (hints or {}).items():
        wrong_arr = np.asarray(wrong, dtype=np.float64)
        if wrong_arr.shape == answer_arr.shape and np.allclose(answer_arr, wrong_arr, rtol=rtol,
                                                               atol=atol):
            return Feedback(False, f"{what} is not right: {message}")
    if expected_arr.ndim == 0:
        return Feedback(False, f"{what} is not right: got {float(answer_arr):.6g}; check the "
                               "formula and the normalization.")
    worst = int(np.argmax(np.abs(answer_arr - expected_arr)))
    return Feedback(False, f"{what} is not right: the largest error is at flat index {worst} "
                           f"(got {answer_arr.flat[worst]:.6g}).")
