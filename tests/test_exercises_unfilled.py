"""An unfilled answer cell (every value still None) gets feedback, not an exception.

The student notebooks start each answer cell with its values set to ``None`` and end it
with the chapter's checker call, so "Run all" on a fresh notebook calls every checker
with ``None`` arguments. Each must return a falsy :class:`Feedback` that says so.
"""

from __future__ import annotations

import importlib
import inspect

import numpy as np
import pytest

from inal_tutorial.exercises import CHAPTERS, Feedback, alignment, fourier, projects
from inal_tutorial.exercises._feedback import guard_unfilled, unfilled_feedback


def _checkers():
    cases = []
    for chapter in CHAPTERS:
        module = importlib.import_module(f"inal_tutorial.exercises.{chapter}")
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if not name.startswith("check_") or fn.__module__ != module.__name__:
                continue
            cases.append(pytest.param(fn, id=f"{chapter}.{name}"))
    return cases


def _required(fn) -> list[str]:
    return [p.name for p in inspect.signature(fn).parameters.values()
            if p.default is inspect.Parameter.empty
            and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


CHECKERS = _checkers()


def test_every_chapter_has_checkers():
    chapters = {case.id.split(".")[0] for case in CHECKERS}
    assert chapters == set(CHAPTERS)


@pytest.mark.parametrize("checker", CHECKERS)
def test_unfilled_answer_cell_gets_feedback(checker):
    required = _required(checker)
    assert required, f"{checker.__name__} takes no argument to fill in"
    result = checker(**dict.fromkeys(required, None))
    assert isinstance(result, Feedback)
    assert not result
    assert "None" in result.message


def test_message_names_exactly_the_unfilled_arguments():
    one = alignment.check_quadratic_profile(None, 5)
    assert not one and "`answer` is still None" in one.message and "`n`" not in one.message
    both = alignment.check_quadratic_profile(None, None)
    assert "`answer` and `n` are still None" in both.message
    problem = alignment.check_quadratic_profile(alignment.quadratic_profile(5), None)
    assert not problem and "`n` is still None" in problem.message
    three = projects.check_counting_bound(None, None, 3, None)
    assert "`value`, `n` and `tau` are still None" in three.message
    # the hint of the former message for a missing `return` is kept
    assert "forget to `return`" in one.message


def test_explicit_none_for_a_defaulted_parameter_is_reported():
    result = alignment.check_quadratic_profile(alignment.quadratic_profile(5), 5, bias_std=None)
    assert not result and "`bias_std` is still None" in result.message


def test_parameters_whose_default_is_none_keep_their_meaning():
    # n=None asks for the limit 2/pi of W^1(Maj_n)
    assert fourier.check_majority_w1(2 / np.pi)
    assert fourier.check_majority_w1(2 / np.pi, n=None)
    assert not fourier.check_majority_w1(None, n=None)
    # target=None means Majority(3)
    unfilled = projects.check_orbit_cp(None, 5)
    assert not unfilled and "`value` is still None" in unfilled.message
    assert "`target`" not in unfilled.message


def test_filled_answers_still_reach_the_checker():
    assert alignment.check_quadratic_profile(alignment.quadratic_profile(5), 5)
    wrong = alignment.check_quadratic_profile(np.zeros(6), 5)
    assert not wrong and "None" not in wrong.message
    with pytest.raises(ValueError, match="n must be an integer"):
        alignment.check_quadratic_profile(np.zeros(6), 1)


def test_guard_keeps_signature_docstring_and_wrong_calls():
    assert list(inspect.signature(alignment.check_quadratic_profile).parameters) == [
        "answer", "n", "bias_std"]
    assert alignment.check_quadratic_profile.__name__ == "check_quadratic_profile"
    assert "quadratic activation" in alignment.check_quadratic_profile.__doc__
    with pytest.raises(TypeError):
        alignment.check_quadratic_profile()  # a missing argument is a Python error, as before


def test_guard_on_a_new_checker():
    calls = []

    @guard_unfilled
    def check_thing(answer, n: int, *, scale=None, **options) -> Feedback:
        calls.append((answer, n, scale, options))
        return Feedback(True, "fine.")

    unfilled = check_thing(None, 3)
    assert not unfilled and "`answer` is still None" in unfilled.message
    assert calls == []  # the checker itself did not run
    assert check_thing(1.0, 3, scale=None)  # default None: None is a meaningful value
    assert check_thing(1.0, 3, extra=None)  # **options are passed through unchecked
    assert calls == [(1.0, 3, None, {}), (1.0, 3, None, {"extra": None})]


def test_unfilled_feedback_needs_a_name():
    with pytest.raises(ValueError, match="at least one"):
        unfilled_feedback([])
    assert str(unfilled_feedback(["x"])).startswith("✗ ")
