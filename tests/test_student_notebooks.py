"""The student notebooks (student/book/, written by tools/student_build.py).

They are committed, because the student edition's launch buttons open them on the
repository; so they must be what the generator writes from the chapters now (else a
student gets a stale chapter), hold no solution, and have an answer cell after every
exercise whose checker calls fit the checkers.
"""

from __future__ import annotations

import ast
import inspect
import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import student_build as sb  # noqa: E402

GENERATED = sb.student_notebooks(ROOT)
CHAPTERS = sorted(GENERATED)


def _cells(text: str) -> list[dict]:
    return json.loads(text)["cells"]


def test_every_notebook_of_the_toc_has_a_student_notebook():
    expected = {f"student/{name}.ipynb" for name in sb.toc_notebooks(ROOT)}
    assert set(GENERATED) == expected and "student/book/fourier.ipynb" in expected


def test_committed_student_notebooks_are_up_to_date():
    committed = {p.relative_to(ROOT).as_posix() for p in (ROOT / "student").rglob("*.ipynb")}
    assert committed == set(GENERATED), (
        "student/ is stale: run `make student` (or python tools/student_build.py "
        "--notebooks-only) and commit student/")
    stale = [name for name, text in GENERATED.items()
             if (ROOT / name).read_text(encoding="utf-8") != text]
    assert stale == [], f"stale student notebooks (run `make student`): {stale}"


@pytest.mark.parametrize("name", CHAPTERS)
def test_no_solution_and_one_answer_cell_per_exercise(name):
    book = json.loads((ROOT / name.removeprefix("student/")).read_text(encoding="utf-8"))
    cells = _cells(GENERATED[name])
    text = "\n".join("".join(c["source"]) for c in cells)
    assert "{solution" not in text
    book_text = "\n".join("".join(c["source"]) for c in book["cells"])
    labels = re.findall(r"\{exercise-start\}[^\n]*\n:label:[ \t]*(\S+)", book_text)
    answers = [c["id"] for c in cells if sb.ANSWER_TAG in c["metadata"].get("tags", [])]
    assert answers == [f"answer-{label}" for label in labels]
    solution_ids = {c["id"] for c in sb.strip_solutions_notebook(book)["cells"]}
    dropped = {c["id"] for c in book["cells"]} - solution_ids
    assert not dropped & {c["id"] for c in cells}, "a solution cell is in the student notebook"
    ids = [c["id"] for c in cells]
    assert len(ids) == len(set(ids)), "cell ids must be unique"


@pytest.mark.parametrize("name", CHAPTERS)
def test_answer_cells_call_the_checkers_with_their_signatures(name):
    module = sb.checker_module(Path(name).stem)
    for cell in _cells(GENERATED[name]):
        if sb.ANSWER_TAG not in cell["metadata"].get("tags", []):
            continue
        source = "".join(cell["source"])
        assert source.splitlines()[0].startswith(("# your answer here", "from inal_tutorial"))
        tree = ast.parse(source)
        assigned = {t.id for node in tree.body if isinstance(node, ast.Assign)
                    for t in node.targets}
        # Nothing but the import, a None per value and print(checks.<checker>(...)): an
        # answer cell is written from the exercise's text and can hold no solution.
        for node in tree.body:
            if isinstance(node, ast.Assign):
                assert isinstance(node.value, ast.Constant) and node.value.value is None
            elif isinstance(node, ast.ImportFrom):
                assert node.module == "inal_tutorial.exercises"
            else:
                assert isinstance(node, ast.Expr) and ast.unparse(node.value).startswith(
                    "print(checks.check_"), ast.unparse(node)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and getattr(node.func.value, "id", None) == "checks":
                function = getattr(module, node.func.attr)
                inspect.signature(function).bind(*node.args,
                                                 **{k.arg: k.value for k in node.keywords})
                names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
                assert names - {"checks"} <= assigned, f"{cell['id']}: undefined names"


def test_answer_cell_of_a_made_up_exercise():
    """Two exercises in one cell, bare checker names, `...` keywords, a name used twice."""
    text = ("Intro.\n\n```{exercise-start}\n:label: ex-fourier-a\n```\nGive it: "
            "`check_majority_w1(value, n=5)` and `check_majority_w1(value)`.\n"
            "```{exercise-end}\n```\n\n```{solution-start} ex-fourier-a\n:class: dropdown\n"
            "```\nSecret.\n```{solution-end}\n```\n\n```{exercise-start}\n"
            ":label: ex-fourier-b\n```\nProfile: `check_square_sum_profile`; proof by hand "
            "and `checks.check_parity_orbit(n=6, k=2, orbit_size=..., cp=...)`.\n"
            "```{exercise-end}\n```\nOutro.")
    notebook = {"cells": [{"cell_type": "markdown", "id": "m", "metadata": {},
                           "source": text.splitlines(keepends=True)}],
                "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    cells = sb.student_notebook(notebook, "fourier")["cells"]
    assert [c["id"] for c in cells] == ["m", "answer-ex-fourier-a", "m-2",
                                         "answer-ex-fourier-b", "m-3"]
    assert "Secret" not in json.dumps(cells) and "".join(cells[-1]["source"]) == "Outro."
    first, second = ("".join(cells[i]["source"]) for i in (1, 3))
    assert first.startswith("from inal_tutorial.exercises import fourier as checks\n")
    assert "value = None\nvalue_2 = None\n" in first
    assert first.endswith("print(checks.check_majority_w1(value, n=5))\n"
                          "print(checks.check_majority_w1(value_2))")
    # check_parity_orbit is not a fourier checker: only the fourier one is written
    assert second == ("# your answer here (ex-fourier-b): replace each None\n"
                      "square_sum_profile = None\n\n"
                      "print(checks.check_square_sum_profile(square_sum_profile))")


def test_student_config_points_the_launch_buttons_at_the_student_notebooks():
    import yaml

    config = sb.student_config(yaml.safe_load((ROOT / "_config.yml").read_text()))
    assert config["repository"]["path_to_book"] == sb.STUDENT_DIR
    assert config["repository"]["url"].startswith("https://github.com/")
    assert config["sphinx"]["config"]["hide_solutions"] is True
