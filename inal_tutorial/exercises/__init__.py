"""Checker functions for the book's exercises, one module per chapter.

A checker returns a :class:`Feedback`: truthy when the answer is right, and
whose text tells a student what is wrong (not just "False"). In a notebook it
displays as that text. The shared helpers (tolerances, shapes, NaN, sign and
normalization hints, type errors) live in ``inal_tutorial.exercises._feedback``
and are re-exported here; chapter checkers live in ``exercises/<chapter>.py`` and are
imported on first use, so ``inal_tutorial.exercises.fourier`` works without an import.
In a chapter they are imported as ``from inal_tutorial.exercises import fourier as checks``.
"""

from ._feedback import (
    Feedback,
    all_of,
    as_numeric,
    check_close,
    check_estimate,
    check_function,
    check_in_interval,
    check_integer,
    check_option,
    check_probability,
    check_shape,
    check_subset,
    check_truth_table,
)

__all__ = [
    "Feedback",
    "all_of",
    "as_numeric",
    "check_close",
    "check_estimate",
    "check_function",
    "check_in_interval",
    "check_integer",
    "check_option",
    "check_probability",
    "check_shape",
    "check_subset",
    "check_truth_table",
]

#: The chapters that have checkers (one module each), imported on first attribute access.
CHAPTERS = ("alignment", "beyond_the_bound", "cost_of_symmetry", "cross_predictability",
            "explorers", "fourier", "inal_predicts_learning", "natural_weights", "noisy_gd",
            "projects", "sphere", "staircases_leaps")


def __getattr__(name: str):
    if name in CHAPTERS:
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
